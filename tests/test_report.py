"""Reports: files written, self-contained HTML, inputs with sources, CLI."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("matplotlib")

import feasim  # noqa: E402
from feasim.cli import main  # noqa: E402
from feasim.report import field_comments, input_rows, write_report  # noqa: E402

from .conftest import BASE_YAML, SCENARIOS, scenario_from  # noqa: E402

C2 = SCENARIOS / "claims" / "c02-experts-100k-in-theatre.yaml"


def test_field_comments_are_the_sources_written_beside_fields():
    c = field_comments(C2)
    assert c["theatre.line_km"] == "C1"
    assert c["force.rotation_multiplier"].startswith("R11, R12")
    assert c["contributors[Force per C2 (contributors unspecified)].troops"] == "C2"


def test_input_rows_list_every_field_with_its_unit():
    s = scenario_from()
    rows = {r["field"]: r for r in input_rows(s, {"theatre.line_km": "C1"})}
    assert rows["theatre.line_km"]["value"] == "1,200"
    assert "(km)" in rows["theatre.line_km"]["meaning"]
    assert rows["theatre.line_km"]["source"] == "C1"
    assert rows["contributors[France].troops"]["value"] == "10,000"
    assert "conditions.ceasefire" in rows


def test_write_report_html_is_self_contained_and_markdown_has_its_figures(tmp_path):
    rep = write_report(C2, tmp_path / "out", sensitivity="tornado", samples=300)
    html = rep.html.read_text(encoding="utf-8")
    md = rep.markdown.read_text(encoding="utf-8")
    assert set(rep.figures) == {"density", "distributions", "posture", "sensitivity",
                                "frontier"}
    # every image is embedded; nothing is fetched from elsewhere
    assert html.count('src="data:image/png;base64,') == len(rep.figures)
    assert not re.search(r'(src|href)="(?!data:)', html)
    for key, path in rep.figures.items():
        assert path.exists() and path.stat().st_size > 5000
        assert f"](figures/{key}.png)" in md
    for heading in ("## Verdict", "## In historical context", "## Minimum force", "## Inputs",
                    "## Requirement by method", "## Provenance of the uncertain inputs",
                    "## Sources and notes", "## What this report does not say"):
        assert heading in md
    assert "100,000 pledged troops (read as troops in theatre at one time) on 1,200 km" in md
    for method in ("posture", "analogues", "force_ratio", "population", "published"):
        assert f"| {method} |" in md, method
    assert "| adversary.troops | A1 | B |" in md
    # the verdict quotes the run it drew on: the same run as feasim.evaluate gives
    p = feasim.evaluate(feasim.load_scenario(C2), samples=300).p_feasible
    assert 0 < p < 1 and rep.result.p_feasible == p
    assert f"P(feasible) = {p:.3f}" in md
    assert "| theatre.line_km | 1,200 | Length of the line (km). | C1 |" in md


def test_report_with_simulation_and_a_note_for_what_is_left_out(tmp_path):
    s = scenario_from(BASE_YAML, {"simulation.replications": 3, "simulation.days": 10})
    rep = write_report(s, tmp_path, simulate=True, sensitivity="sobol", samples=200)
    assert "strength" in rep.figures
    md = rep.markdown.read_text(encoding="utf-8")
    assert "## Over time (simulation)" in md and "simulated mean" in md
    # every sample of this scenario is infeasible: Sobol' has nothing to split
    if "sensitivity" not in rep.figures:
        assert rep.notes and "sensitivity not shown" in rep.notes[0]
        assert "## Left out" in md


def test_cli_report(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["report", str(C2), "-o", str(out), "--samples", "200"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert (out / "report.html").exists() and (out / "figures" / "density.png").exists()
    assert main(["report", str(C2), "--sensitivity", "fast"]) == 2
    assert main(["report", str(tmp_path / "missing.yaml")]) == 2
    assert "missing.yaml" in capsys.readouterr().err
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    assert main(["report", str(C2), "-o", str(a_file), "--samples", "200"]) == 2
    err = capsys.readouterr().err
    assert f"cannot write the report to {a_file}" in err and "internal error" not in err


@pytest.mark.slow
def test_every_claim_report_under_each_declared_mission_has_requirements_and_verdict(tmp_path):
    import feasim as _f

    for path in sorted((SCENARIOS / "claims").glob("*.yaml")):
        for mission in _f.load_scenario(path).mission_types:
            rep = write_report(path, tmp_path / f"{path.stem}-{mission}", samples=32,
                               mission=mission)
            md = rep.markdown.read_text(encoding="utf-8")
            assert f"The posture is the {mission} preset" in md, path.name
            assert f"under the {mission} preset posture" in md
            assert "## Requirement by method" in md and "| published |" in md
