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
    for method in ("posture", "analogues", "force ratio", "population", "published"):
        assert f"| {method} |" in md, method
    assert "| adversary: troops | adversary.troops | A1 | B |" in md
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
def test_every_claim_report_under_each_declared_mission_has_requirements_and_verdict(
        tmp_path, monkeypatch):
    import feasim as _f
    from feasim import report

    # The text is under test here; drawing 28 reports' figures took 60% of the time
    # (the figures are checked by the tests above and below).
    monkeypatch.setattr(report, "png", lambda fig, dpi=0: b"\x89PNG\r\n\x1a\n")
    for path in sorted((SCENARIOS / "claims").glob("*.yaml")):
        for mission in _f.load_scenario(path).mission_types:
            rep = write_report(path, tmp_path / f"{path.stem}-{mission}", samples=32,
                               mission=mission)
            md = rep.markdown.read_text(encoding="utf-8")
            assert f"The posture is the {mission} preset" in md, path.name
            assert f"under the {mission} preset posture" in md
            assert "## Requirement by method" in md and "| published |" in md


def test_build_report_is_data_that_renders_without_running_again():
    from feasim.errors import FeasimError
    from feasim.report import build_report, render_markdown
    from feasim.requirements import METHODS

    s = feasim.load_scenario(C2)
    data = build_report(s, comments=field_comments(C2), samples=200, seed=3)
    ids = [sec.id for sec in data.sections]
    assert len(ids) == len(set(ids))
    for want in ("scenario", "verdict", "requirements", "provenance", "density", "metrics",
                 "minimum-force", "inputs", "sources", "limits"):
        assert want in ids, want
    # figures are PNG bytes, one per section that shows one
    assert {sec.figure for sec in data.sections if sec.figure} == set(data.figures)
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in data.figures.values())
    # the numbers behind the sections: the same run as feasim.evaluate gives
    r = feasim.evaluate(s, samples=200, seed=3)
    assert data.p_feasible == r.p_feasible and 0 < r.p_feasible < 1
    n, p, z = 200, r.p_feasible, 1.959963984540054          # Wilson's interval, by hand
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5
    assert data.p_interval == pytest.approx((centre - half, centre + half))
    assert set(data.requirements) == set(METHODS)
    assert data.requirements["population"]["in_theatre"] is None   # C2 states no population
    assert {"field": "theatre.line_km", "value": "1,200", "source": "C1"}.items() <= \
        next(i for i in data.inputs if i["field"] == "theatre.line_km").items()
    assert data.provenance["adversary.troops"] == {"source": "A1", "grade": "B"}
    # people read words; the data keeps the names
    assert data.verdict == data.section("verdict").paragraphs[0]
    assert "posture.patrols" not in data.verdict and "_" not in data.verdict
    heads, rows = data.section("requirements").table
    assert all("(persons)" in h for h in heads[1:4])
    assert [row[0] for row in rows] == ["posture", "analogues", "force ratio", "population",
                                        "published"]
    md = render_markdown(data.title, data.sections)
    assert f"P(feasible) = {p:.3f}" in md and f"{data.p_interval[1]:.3f})" in md
    with pytest.raises(FeasimError, match="no section 'nope'; it has scenario, verdict"):
        data.section("nope")


def test_verdict_section_and_requirements_table_for_a_comparison_page():
    from feasim.report import requirements_table, verdict_section
    from feasim.requirements import METHOD_LABELS, requirements

    s = scenario_from()
    r = feasim.evaluate(s, samples=100, seed=1)
    reqs = requirements(s, r)
    sec = verdict_section(s, r, reqs)
    assert sec.id == "verdict" and "pledged troops" in sec.paragraphs[0]
    assert f"P(feasible) = {r.p_feasible:.3f}" in sec.paragraphs[1]
    assert len(sec.table[1]) == len(s.criteria)
    heads, rows = requirements_table(r, reqs)
    assert heads[0] == "method" and len(rows) == len(reqs)
    assert {row[0] for row in rows} == {METHOD_LABELS[k] for k in reqs}
