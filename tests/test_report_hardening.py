"""``write_report`` into a folder that is not empty: refused, or an earlier report replaced."""

from __future__ import annotations

import json
import time

import pytest

pytest.importorskip("matplotlib")

from feasim.cli import main  # noqa: E402
from feasim.errors import FeasimError  # noqa: E402
from feasim.report import write_report  # noqa: E402

from .conftest import BASE_YAML, SCENARIOS, scenario_from  # noqa: E402

C2 = SCENARIOS / "claims" / "c02-experts-100k-in-theatre.yaml"


def files(out):
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


def test_earlier_report_is_replaced_without_stale_figures(tmp_path):
    out = tmp_path / "r"
    s = scenario_from(BASE_YAML, {"simulation.replications": 2, "simulation.days": 5})
    first = write_report(s, out, simulate=True, samples=64)
    assert "strength" in first.figures and (out / "figures" / "strength.png").exists()
    assert json.loads((out / ".feasim-report.json").read_text())["files"][:2] == [
        "report.md", "report.html"]
    second = write_report(s, out, samples=64)  # no simulation: no strength figure
    assert not (out / "figures" / "strength.png").exists()
    assert files(out) == sorted([".feasim-report.json", "report.html", "report.md"]
                                + [f"figures/{k}.png" for k in second.figures])
    assert out / "figures" / "strength.png" in second.replaced
    assert "figures/strength.png" not in (out / "report.md").read_text()


def test_report_of_an_older_feasim_without_its_list_is_replaced(tmp_path):
    out = tmp_path / "old"
    write_report(C2, out, samples=64)
    (out / ".feasim-report.json").unlink()
    (out / "figures" / "strength.png").write_bytes(b"\x89PNG stale")
    write_report(C2, out, samples=64)
    assert not (out / "figures" / "strength.png").exists()


@pytest.mark.parametrize("extra,shown", [("notes.txt", "notes.txt"),
                                         ("figures/diagram.svg", "figures/diagram.svg"),
                                         ("figures/density.png", "figures/density.png"),
                                         ("data/x.csv", "data")])
def test_folder_with_other_files_is_refused_before_any_work(tmp_path, extra, shown):
    out = tmp_path / "mine"
    (out / extra).parent.mkdir(parents=True, exist_ok=True)
    (out / extra).write_text("keep me")
    t = time.perf_counter()
    with pytest.raises(FeasimError, match=rf"is not empty and holds more than a feasim "
                                          rf"report \({shown}\).*overwrite"):
        write_report(C2, out, samples=64)
    assert time.perf_counter() - t < 5  # refused before the model runs
    assert files(out) == [extra]


def test_overwrite_writes_into_it_and_keeps_the_other_files(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    (out / "figures").mkdir()
    (out / "figures" / "photo.png").write_bytes(b"mine")
    (out / "figures" / "strength.png").write_bytes(b"stale, feasim's name")
    rep = write_report(C2, out, samples=64, overwrite=True)
    assert (out / "notes.txt").read_text() == "keep me"
    assert (out / "figures" / "photo.png").read_bytes() == b"mine"
    assert not (out / "figures" / "strength.png").exists()
    assert rep.html.exists() and all(p.exists() for p in rep.figures.values())
    rep = write_report(C2, out, samples=64, overwrite=True)  # again: its own list is used
    assert (out / "notes.txt").exists() and (out / "figures" / "photo.png").exists()


def test_cli_report_into_a_foreign_folder_exits_2(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("x")
    assert main(["report", str(C2), "-o", str(out), "--samples", "64"]) == 2
    err = capsys.readouterr().err
    assert "holds more than a feasim report (thesis.tex)" in err and "internal" not in err
    assert files(out) == ["thesis.tex"]
    out2 = tmp_path / "again"
    assert main(["report", str(C2), "-o", str(out2), "--samples", "64"]) == 0
    capsys.readouterr()
    assert main(["report", str(C2), "-o", str(out2), "--samples", "64"]) == 0  # replaced
    assert "replaced the earlier report" in capsys.readouterr().err
    # --force writes into the foreign folder and keeps its files
    assert main(["report", str(C2), "-o", str(out), "--samples", "64", "--force"]) == 0
    assert "thesis.tex" in files(out) and "report.html" in files(out)
