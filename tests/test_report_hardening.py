"""``write_report`` into a folder that is not empty: refused, or an earlier report replaced."""

from __future__ import annotations

import json
import time

import pytest

pytest.importorskip("matplotlib")

from feasim.cli import main  # noqa: E402
from feasim.errors import FeasimError  # noqa: E402
from feasim.report import write_report  # noqa: E402

from .conftest import BASE_YAML, SCENARIOS, make_not_a_file, scenario_from  # noqa: E402

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


def test_folder_without_a_manifest_is_never_deleted_from(tmp_path):
    """No .feasim-report.json: report.md and figures/*.png are the user's, not feasim's."""
    out = tmp_path / "mine"
    (out / "figures").mkdir(parents=True)
    (out / "report.md").write_text("my own report")
    (out / "figures" / "my-chart.png").write_bytes(b"my chart")
    with pytest.raises(FeasimError, match=r"holds more than a feasim report "
                                          r"\(figures/my-chart.png, report.md\)"):
        write_report(C2, out, samples=64)
    assert (out / "report.md").read_text() == "my own report"
    assert (out / "figures" / "my-chart.png").read_bytes() == b"my chart"
    # overwrite: feasim's names are written over, nothing else is deleted
    rep = write_report(C2, out, samples=64, overwrite=True)
    assert rep.replaced == []
    assert (out / "figures" / "my-chart.png").read_bytes() == b"my chart"
    assert "my own report" not in (out / "report.md").read_text()
    assert set(files(out)) == {".feasim-report.json", "report.html", "report.md",
                               "figures/my-chart.png"} | {f"figures/{k}.png"
                                                          for k in rep.figures}


def test_older_feasim_report_without_its_list_is_kept(tmp_path):
    out = tmp_path / "old"
    write_report(C2, out, samples=64)
    (out / ".feasim-report.json").unlink()
    (out / "figures" / "strength.png").write_bytes(b"\x89PNG stale")
    with pytest.raises(FeasimError, match="holds more than a feasim report"):
        write_report(C2, out, samples=64)
    write_report(C2, out, samples=64, overwrite=True)
    assert (out / "figures" / "strength.png").read_bytes() == b"\x89PNG stale"


def test_unlisted_png_beside_an_earlier_report_is_refused_and_kept(tmp_path, capsys):
    out = tmp_path / "r"
    first = write_report(C2, out, samples=64)
    (out / "figures" / "mine.png").write_bytes(b"mine")
    with pytest.raises(FeasimError, match=r"holds more than a feasim report "
                                          r"\(figures/mine.png\)"):
        write_report(C2, out, samples=64)
    assert (out / "figures" / "mine.png").read_bytes() == b"mine"
    assert main(["report", str(C2), "-o", str(out), "--samples", "64"]) == 2
    assert "figures/mine.png" in capsys.readouterr().err
    assert (out / "figures" / "mine.png").read_bytes() == b"mine"
    # overwrite: the earlier report's listed files are replaced, the user's PNG kept
    rep = write_report(C2, out, samples=64, overwrite=True)
    assert (out / "figures" / "mine.png").read_bytes() == b"mine"
    assert sorted(rep.replaced) == sorted([first.html, first.markdown,
                                           *first.figures.values()])
    assert "figures/mine.png" not in json.loads((out / ".feasim-report.json").read_text())[
        "files"]


def test_a_manifest_lists_only_feasim_names(tmp_path):
    """A manifest naming other files (hand-edited, or planted) never gets them deleted."""
    out = tmp_path / "r"
    write_report(C2, out, samples=64)
    (out / "thesis.tex").write_text("x")
    (out / "figures" / "photo.jpg").write_text("x")
    man = out / ".feasim-report.json"
    data = json.loads(man.read_text())
    data["files"] += ["thesis.tex", "figures/photo.jpg", "../outside.png", "figures/../x.png"]
    man.write_text(json.dumps(data))
    with pytest.raises(FeasimError, match=r"\(figures/photo.jpg, thesis.tex\)"):
        write_report(C2, out, samples=64)
    write_report(C2, out, samples=64, overwrite=True)
    assert (out / "thesis.tex").exists() and (out / "figures" / "photo.jpg").exists()


@pytest.mark.parametrize("overwrite", [False, True])
def test_symlinked_figures_folder_is_refused_and_its_target_untouched(tmp_path, overwrite):
    out = tmp_path / "r"
    write_report(C2, out, samples=64)
    elsewhere = tmp_path / "photos"
    elsewhere.mkdir()
    for name in ("density.png", "holiday.png"):
        (elsewhere / name).write_bytes(b"precious")
    import shutil
    shutil.rmtree(out / "figures")
    (out / "figures").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(FeasimError, match=r"figures is a symbolic link"):
        write_report(C2, out, samples=64, overwrite=overwrite)
    assert sorted(p.name for p in elsewhere.iterdir()) == ["density.png", "holiday.png"]
    assert all(p.read_bytes() == b"precious" for p in elsewhere.iterdir())
    assert (out / "figures").is_symlink() and (out / "report.html").exists()


def test_symlinked_listed_file_is_refused_and_never_written_through(tmp_path):
    out = tmp_path / "r"
    write_report(C2, out, samples=64)
    target = tmp_path / "precious.png"
    target.write_bytes(b"precious")
    (out / "figures" / "density.png").unlink()
    (out / "figures" / "density.png").symlink_to(target)
    (out / "report.md").unlink()
    (out / "report.md").symlink_to(target)
    with pytest.raises(FeasimError, match=r"report.md \(a symbolic link\)"):
        write_report(C2, out, samples=64)
    assert target.read_bytes() == b"precious"
    rep = write_report(C2, out, samples=64, overwrite=True)  # the links are replaced
    assert target.read_bytes() == b"precious"
    assert not (out / "report.md").is_symlink() and not rep.figures["density"].is_symlink()
    assert (out / "report.md").read_text().startswith("# ")


def _cli_in_a_subprocess(args, timeout=120):
    """The CLI in its own process, so that a regression hangs only until the timeout."""
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "feasim", *args], capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "folder", "dangling-link"])
def test_manifest_that_is_not_a_regular_file_is_refused_without_hanging(tmp_path, kind):
    out = tmp_path / "r"
    out.mkdir()
    man = out / ".feasim-report.json"
    make_not_a_file(man, kind)
    t = time.perf_counter()
    run = _cli_in_a_subprocess(["report", str(C2), "-o", str(out), "--samples", "64",
                                "--force"])
    assert run.returncode == 2, run.stderr
    assert f"{man} is not a regular file" in run.stderr and "internal" not in run.stderr
    assert time.perf_counter() - t < 60
    assert sorted(p.name for p in out.iterdir()) == [man.name]  # nothing written


def test_oversized_or_invalid_manifest(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    man = out / ".feasim-report.json"
    man.write_bytes(b" " * (1 << 20) + b"{}")
    with pytest.raises(FeasimError, match=r"feasim-report.json is larger than 1,048,576"):
        write_report(C2, out, samples=64, overwrite=True)
    for text in ("{not json", '{"files": "report.md"}', '["report.md"]', "\xff\xfe"):
        man.write_bytes(text.encode("latin-1"))
        with pytest.raises(FeasimError, match=r"holds more than a feasim report "
                                              r"\(.feasim-report.json\)"):
            write_report(C2, out, samples=64)
    (out / "report.md").write_text("mine")
    man.write_text("{not json")
    with pytest.raises(FeasimError, match=r"\(.feasim-report.json, report.md\)"):
        write_report(C2, out, samples=64)
    rep = write_report(C2, out, samples=64, overwrite=True)  # not a manifest: nothing deleted
    assert rep.replaced == [] and json.loads(man.read_text())["files"][0] == "report.md"


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
    (out / "figures" / "strength.png").write_bytes(b"feasim's name, but no manifest")
    rep = write_report(C2, out, samples=64, overwrite=True)
    assert (out / "notes.txt").read_text() == "keep me"
    assert (out / "figures" / "photo.png").read_bytes() == b"mine"
    assert (out / "figures" / "strength.png").exists()  # not listed anywhere: kept
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


def test_wilson_interval_is_not_empty_at_zero_and_matches_its_closed_form():
    from feasim.report import wilson_interval

    z = 1.959963984540054
    for n in (100, 10_000):
        lo, hi = wilson_interval(0.0, n)
        assert lo == pytest.approx(0.0, abs=1e-15) and hi == pytest.approx(z * z / (n + z * z), rel=1e-12)
        lo, hi = wilson_interval(1.0, n)
        assert hi == 1.0 and lo == pytest.approx(n / (n + z * z), rel=1e-12)
    # far from the ends it is p ± z·SE to first order
    lo, hi = wilson_interval(0.5, 10**6)
    assert (hi - lo) / 2 == pytest.approx(z * 0.5 / 1000, rel=1e-3)
