"""Provenance of every uncertain input and the plain-language verdict."""

from __future__ import annotations

import json

import feasim
from feasim.cli import main
from feasim.provenance import provenance, verdict
from feasim.requirements import requirements

from .conftest import SCENARIOS

C2 = SCENARIOS / "claims" / "c02-experts-100k-in-theatre.yaml"

FILE = """\
name: prov
theatre:
  line_km: {dist: uniform, low: 900, high: 1300}   # U1 (an A source)
force:
  basis: in_theatre
  support_fraction: {dist: uniform, low: 0.4, high: 0.6}   # T7
contributors:
  - name: a
    troops: {dist: uniform, low: 5000, high: 10000}   # C3
    honour_probability: {dist: uniform, low: 0.5, high: 0.9}
  - name: b
    troops: {dist: uniform, low: 1000, high: 2000}   # assumption, informed by T1
posture:
  observation_posts: {spacing_km: 5, on_post: 2, radius_km: 2, detection_probability: 0.9}
criteria:
  fill_ratio: {min: 1}
uncertainty: {samples: 300, seed: 1}
"""


def test_grades_from_the_reference_data(tmp_path):
    f = tmp_path / "prov.yaml"
    f.write_text(FILE, encoding="utf-8")
    p = provenance(feasim.load_scenario(f), f)
    assert p["theatre.line_km"] == {"source": "U1", "grade": "A"}        # the reference data: U1 A
    assert p["force.support_fraction"] == {"source": "T7", "grade": "C", "grade_as_stated": "B/C"}
    assert p["contributors[a].troops"] == {"source": "C3", "grade": "C", "claim": True}
    assert {v["grade"] for v in p.values()} <= {"A", "B", "C", "assumption"}   # the contract
    assert p["contributors[a].honour_probability"] == {"source": None, "grade": "assumption"}
    assert p["contributors[b].troops"] == {"source": "T1", "grade": "assumption"}
    # the default cost range comes from the reference data's troop costs: the mode's
    # source (France, Barkhane: N21) and the lowest grade of the three records (C)
    assert p["cost.per_troop_year_usd"] == {
        "source": "N21", "grade": "C",
        "reference": "troop costs: un_reimbursement_2018, france_barkhane, uk_afghanistan_2010_11"}
    assert set(p) == {"theatre.line_km", "force.support_fraction", "contributors[a].troops",
                      "contributors[a].honour_probability", "contributors[b].troops",
                      "cost.per_troop_year_usd"}
    # without the file's comments everything the file states is an assumption
    bare = provenance(feasim.load_scenario(f))
    assert {v["grade"] for k, v in bare.items() if k != "cost.per_troop_year_usd"} \
        == {"assumption"}
    assert bare["cost.per_troop_year_usd"]["grade"] == "C"


def test_a_states_force_pool_is_graded_from_the_reference_data(tmp_path):
    f = tmp_path / "pool.yaml"
    f.write_text(FILE.replace("contributors:\n", "contributors:\n  - {name: fr, troops: 1000, "
                              "state: FRA}\n", 1), encoding="utf-8")
    s = feasim.load_scenario(f)
    p = provenance(s, f)
    rec = feasim.refdata.force_pool("FRA")
    assert p["contributors[fr].pool_troops"] == {"source": rec.sources[0], "grade": rec.grade,
                                                 "reference": "force pool FRA"}
    # a pool the file states itself is graded by its comment, as any input
    g = tmp_path / "own.yaml"
    g.write_text(FILE.replace("contributors:\n", "contributors:\n  - {name: fr, troops: 1000, "
                              "state: FRA, pool_troops: {dist: uniform, low: 1, high: 2}}\n", 1),
                 encoding="utf-8")
    assert provenance(feasim.load_scenario(g), g)["contributors[fr].pool_troops"]["grade"] \
        == "assumption"


def test_shipped_c2():
    p = provenance(feasim.load_scenario(C2), C2)
    assert p["adversary.troops"] == {"source": "A1", "grade": "B"}
    assert p["force.support_fraction"]["grade"] == "assumption"
    assert p["posture.patrols.detection_probability"]["grade"] == "assumption"


def test_verdict_from_the_numbers():
    s = feasim.load_scenario(C2)
    r = feasim.evaluate(s, samples=1000, seed=1)
    text = verdict(s, r, requirements(s, r), ["posture.patrols.detection_probability"],
                   provenance(s, C2))
    assert text.startswith("100,000 pledged troops (read as troops in theatre at one time) "
                           "on 1,200 km give 83.3 per km")
    assert f"{100 * r.p_feasible:.1f}% of samples" in text
    assert "the file's posture 23,676" in text
    assert "hinges on patrols: detection probability (assumption)" in text
    assert "posture.patrols" not in text and "_" not in text   # words, not field names
    for word in ("enough", "too few", "too many", "insufficient", "unrealistic"):
        assert word not in text.lower()
    none = verdict(s, r, None, [], None)
    assert "No single uncertain input flips it" in none and "requirement" not in none


def test_cli_json_and_table(capsys):
    assert main(["run", str(C2), "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["provenance"]["adversary.troops"]["grade"] == "B"
    assert "hinges on patrols: detection probability" in d["verdict"]
    assert d["criteria_hinges"]   # the names stay in the JSON's data
    # a value set on the command line has no source
    assert main(["run", str(C2), "--format", "json", "--set",
                 "adversary.troops={dist: uniform, low: 600000, high: 800000}"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["provenance"]["adversary.troops"] == {"source": None, "grade": "assumption"}
    assert main(["run", str(C2)]) == 0
    out = capsys.readouterr().out
    assert "Uncertain inputs by grade of their source: 1 B, 1 C, 9 assumption" in out
    assert out.rstrip().splitlines()[-1].startswith("Verdict: 100,000 pledged troops")


def test_criteria_hinges_from_the_tornado(tmp_path, capsys):
    from feasim.provenance import criteria_hinges

    from .test_breakeven import POSTS

    # troops uniform(100, 1000): the tornado moves them from 145 to 955 persons, across
    # the 376 in theatre that fill the posture (by hand, see test_breakeven)
    s = feasim.parse_scenario(POSTS)
    h = criteria_hinges(s, {"contributors[a].troops": {"source": "C3", "grade": "C"}})
    (only,) = h["fill_ratio"]
    assert only["input"] == "contributors[a].troops" and only["grade"] == "C"
    assert only["low"] < 1 <= only["high"]
    narrow = feasim.parse_scenario(POSTS.replace("low: 100, high: 1000", "low: 400, high: 1000"))
    assert criteria_hinges(narrow, {}) == {"fill_ratio": []}
    c2 = feasim.load_scenario(C2)
    hinged = criteria_hinges(c2, provenance(c2, C2))
    assert [x["input"] for x in hinged["detection_probability_worst"]] == \
        ["posture.patrols.detection_probability"]
    assert hinged["response_hours_p90"] == []
    assert main(["run", str(C2), "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["criteria_hinges"]["detection_probability_worst"][0]["grade"] == "assumption"


def test_any_changed_input_loses_the_file_source_and_hinges_grade_honour(capsys):
    from feasim.provenance import criteria_hinges

    # the index form of --set is caught too: the value differs from the file's
    assert main(["run", str(C2), "--format", "json", "--samples", "64", "--set",
                 "contributors[0].troops={dist: uniform, low: 50000, high: 150000}"]) == 0
    d = json.loads(capsys.readouterr().out)
    key = "contributors[Force per C2 (contributors unspecified)].troops"
    assert d["provenance"][key] == {"source": None, "grade": "assumption"}
    # an honour event takes the grade of the contributor's honour_probability
    from .test_breakeven import POSTS

    s = feasim.parse_scenario(POSTS.replace("    troops: {dist: uniform, low: 100, high: 1000}",
                                            "    troops: 2000\n    honour_probability: "
                                            "{dist: uniform, low: 0.3, high: 0.9}"))
    h = criteria_hinges(s, {"contributors[a].honour_probability": {"source": "U1", "grade": "A"}})
    assert [(x["input"], x["grade"]) for x in h["fill_ratio"]] == \
        [("event:contributors[a].honour", "A")]


def test_mission_run_applies_posture_overrides_and_names_the_preset(capsys):
    assert main(["run", str(C2), "--mission", "interposition", "--samples", "32",
                 "--set", "posture.patrols.teams=10", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["metrics"]["patrol_teams_required"]["mean"] == 10
    assert "the interposition preset's posture" in d["verdict"]
