"""Every shipped scenario validates, runs, names its sources and gives its known density."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import feasim
from feasim import refdata

from .conftest import ROOT, SCENARIOS

FILES = (sorted((SCENARIOS / "claims").glob("*.yaml")) + sorted((SCENARIOS / "history").glob("*.yaml"))
         + sorted((SCENARIOS / "geo").glob("*.yaml")))
CLAIMS = sorted((SCENARIOS / "claims").glob("*.yaml"))
HISTORY = sorted((SCENARIOS / "history").glob("*.yaml"))


def ids(paths):
    return [p.stem for p in paths]


def test_there_are_claims_and_history():
    assert len(CLAIMS) >= 14 and len(HISTORY) >= 6


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_validates_and_runs(path):
    s = feasim.load_scenario(path)
    assert s.name == path.stem
    assert s.sources and s.description
    r = feasim.evaluate(s, samples=200)
    d = r.to_dict()
    json.dumps(d, allow_nan=False)  # the JSON output is valid JSON
    assert d["metrics"]["troops_per_km"]["mean"] >= 0


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_every_number_names_its_source(path):
    """A number in a field (not in prose) carries a comment naming a known source key
    (a claim id or a source of feasim.refdata), the reference data itself, 'assumption' or
    'run setting'."""
    body = path.read_text(encoding="utf-8").split("\ntheatre:", 1)[1]
    for line in body.splitlines():
        code, _, comment = line.partition("#")
        m = re.match(r"\s*(?:- )?([A-Za-z_]+):\s*(.*)$", code)
        if not m or m.group(1) in {"samples", "seed", "replications", "days"}:
            continue
        value = m.group(2).strip()
        if re.match(r"[-+.\d]", value) or (value.startswith("{") and re.search(r"\d", value)):
            tokens = re.findall(r"[A-Za-z]+:?[A-Z]?\d+|reference data|assumption|run setting", comment)
            assert any(t in ("reference data", "assumption", "run setting")
                       or refdata.is_known_source(t) for t in tokens), \
                f"{path.name}: no source key or 'assumption' on {line.strip()!r}"


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_sources_are_known_keys(path):
    s = feasim.load_scenario(path)
    unknown = [k for k in s.sources if not refdata.is_known_source(k)]
    assert not unknown, f"{path.name} cites unknown keys {unknown}"


def test_schema_comment_points_at_shipped_schema():
    for path in FILES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../../docs/scenario.schema.json"
    assert (ROOT / "docs" / "scenario.schema.json").exists()


@pytest.mark.parametrize("stem, density", [
    ("c02-experts-100k-in-theatre", 83.3),
    ("c03-france-uk-10k-in-theatre", 8.3),
    ("c03-france-uk-30k-in-theatre", 25.0),
    ("c04-ukraine-minimum-200k-in-theatre", 166.7),
    # The committed reading keeps a third in theatre (rule of thirds).
    ("c02-experts-100k-committed", 27.8),
    ("c03-france-uk-10k-committed", 2.8),
    ("c03-france-uk-30k-committed", 8.3),
    ("c04-ukraine-minimum-200k-committed", 55.6),
])
def test_claim_densities(stem, density):
    r = feasim.evaluate(feasim.load_scenario(SCENARIOS / "claims" / f"{stem}.yaml"), samples=50)
    values = r["troops_per_km"]
    assert np.ptp(values) == 0
    assert round(float(values[0]), 1) == density


@pytest.mark.parametrize("stem, key", [
    ("unifil", "unifil"), ("undof", "undof"), ("unficyp", "unficyp"),
    ("osce-smm", "osce_smm"), ("unmee", "unmee"), ("ifor", "ifor")])
def test_history_densities_within_reference_ranges(stem, key):
    mission = refdata.mission(key)
    r = feasim.evaluate(feasim.load_scenario(SCENARIOS / "history" / f"{stem}.yaml"), samples=400)
    density = r["troops_per_km"]
    assert density.min() >= mission.density_low * 0.999
    assert density.max() <= mission.density_high * 1.001


def test_both_readings_shipped_where_they_matter():
    stems = {p.stem for p in CLAIMS}
    for claim in ("c02-experts-100k", "c03-france-uk-10k", "c03-france-uk-30k",
                  "c04-ukraine-minimum-200k"):
        assert {f"{claim}-in-theatre", f"{claim}-committed"} <= stems
    for claim in ("c06-coalition-of-the-willing", "c08-layered-posture", "c12-un-force"):
        assert {claim, f"{claim}-committed"} <= stems
        plain = feasim.load_scenario(SCENARIOS / "claims" / f"{claim}.yaml")
        other = feasim.load_scenario(SCENARIOS / "claims" / f"{claim}-committed.yaml")
        assert (plain.force.basis, other.force.basis) == ("in_theatre", "committed")
        assert plain.contributors == other.contributors


@pytest.mark.parametrize("path", FILES, ids=ids(FILES))
def test_simulates(path):
    from feasim.simulation import simulate

    s = feasim.load_scenario(path)
    r = simulate(s, replications=2, days=5)
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["method"] == "simulation" and d["samples"] == 2
    assert "in_theatre_troops" in d["series"]
