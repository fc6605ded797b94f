"""Mission-type posture presets: data with sources, overrides, counts that follow the
line, round trips, and every claim file under each mission type it declares."""

from __future__ import annotations

import json
import re

import pytest

import feasim
from feasim import refdata
from feasim.cli import main
from feasim.presets import MISSIONS, presets, under_mission
from feasim.refdata._load import read_text

from .conftest import SCENARIOS, scenario_from

CLAIMS = sorted((SCENARIOS / "claims").glob("*.yaml"))


def test_every_preset_figure_names_a_source_or_says_assumption():
    body = read_text("presets.yaml").split("\npresets:", 1)[1]
    numbers = 0
    for line in body.splitlines():
        code, _, comment = line.partition("#")
        m = re.match(r"\s*([A-Za-z_.]+):\s*([-+.\d][^\s]*)\s*$", code)
        if not m:
            continue
        numbers += 1
        tokens = re.findall(r"[A-Z]\d+|assumption", comment)
        assert any(t == "assumption" or refdata.is_known_source(t) for t in tokens), line
    assert numbers > 50
    for p in presets().values():
        assert all(refdata.is_known_source(k) for k in p["sources"]) and p["description"]


@pytest.mark.parametrize("mission", MISSIONS)
def test_preset_validates_and_counts_follow_the_line(mission):
    s = scenario_from(overrides={"mission": mission, "posture": {}, "criteria": {}})
    p = presets()[mission]
    for path, per_100 in p["per_100_km"].items():
        block, field = path.split(".")
        assert getattr(getattr(s.posture, block), field) == max(1, round(per_100 * 12))
    short = feasim.with_overrides(s, {"theatre.line_km": 300})
    for path, per_100 in p["per_100_km"].items():
        block, field = path.split(".")
        assert getattr(getattr(short.posture, block), field) == max(1, round(per_100 * 3))
    assert feasim.parse_scenario(feasim.dump_scenario(s)) == s
    feasim.evaluate(s, samples=20)


def test_osce_preset_is_the_osce_patrol_figures():
    # ~70 daylight patrols of 5 on ~470 km: 14.9 per 100 km (S1, S2, W9)
    s = scenario_from(overrides={"theatre.line_km": 470, "mission": "monitoring",
                                 "posture": {}, "criteria": {}})
    pt = s.posture.patrols
    assert pt.teams == 70 and pt.team_size == 5 and pt.kind == "monitor"
    assert pt.hours_per_day == 12 and s.posture.qrf is None


def test_scenario_fields_override_the_preset_and_null_removes_a_block():
    s = scenario_from(overrides={"mission": "interposition",
                                 "posture": {"qrf": {"bases": 5}, "sensors": None}})
    assert s.posture.qrf.bases == 5 and s.posture.qrf.team_size == 30   # rest from the preset
    assert s.posture.sensors is None
    assert s.posture.observation_posts.spacing_km == 2
    back = feasim.parse_scenario(feasim.dump_scenario(s))
    assert back == s and back.posture.sensors is None
    # an explicit count stays put when the line changes; the preset's counts follow it
    longer = feasim.with_overrides(s, {"theatre.line_km": 2400})
    assert longer.posture.qrf.bases == 5 and longer.posture.patrols.teams == 480


def test_unknown_mission_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(feasim.ScenarioError) as info:
        scenario_from(overrides={"mission": "peace"})
    assert "mission" in str(info.value) and "monitoring" in str(info.value)
    f = tmp_path / "bad.yaml"
    f.write_text((SCENARIOS / "claims" / "c02-experts-100k-in-theatre.yaml").read_text()
                 .replace("mission_types: [interposition, defence]", "mission_types: [peace]"))
    assert main(["validate", str(f)]) == 2
    err = capsys.readouterr().err + capsys.readouterr().out
    assert "mission_types" in err


def test_criteria_the_preset_cannot_model_are_dropped_and_named():
    s = feasim.load_scenario(SCENARIOS / "claims" / "c02-experts-100k-in-theatre.yaml")
    m, dropped = under_mission(s, "monitoring")
    assert dropped == ["response_hours_p90"] and "response_hours_p90" not in m.criteria
    assert set(m.criteria) == set(s.criteria) - {"response_hours_p90"}
    _, none = under_mission(s, "defence")
    assert none == []


@pytest.mark.parametrize("path", CLAIMS, ids=[p.stem for p in CLAIMS])
def test_claim_runs_under_each_mission_type_it_declares(path, capsys):
    s = feasim.load_scenario(path)
    assert s.mission_types, f"{path.name} declares no mission_types"
    for mission in s.mission_types:
        assert main(["run", str(path), "--mission", mission, "--samples", "64",
                     "--format", "json"]) == 0
        d = json.loads(capsys.readouterr().out)
        assert set(d["requirements"]) >= {"posture", "analogues", "published"}
        assert d["verdict"] and d["provenance"]
        assert main(["run", str(path), "--mission", mission, "--samples", "64"]) == 0
        out = capsys.readouterr().out
        assert f"posture: the {mission} preset" in out and "Verdict:" in out
