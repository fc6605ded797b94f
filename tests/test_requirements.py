"""Requirement by method: each method's answer on a case computed by hand."""

from __future__ import annotations

import json

import numpy as np
import pytest

import feasim
from feasim import refdata
from feasim.cli import main
from feasim.requirements import METHODS, requirements

from .conftest import SCENARIOS, scenario_from

POSTS = """\
name: posts
theatre: {line_km: 100}
force: {basis: in_theatre, rotation_multiplier: 3, support_fraction: 0.5, staff_per_position: 4.7}
contributors: [{name: a, troops: 1000}]
posture:
  observation_posts: {spacing_km: 5, on_post: 2, radius_km: 2, detection_probability: 0.9}
criteria:
  fill_ratio: {min: 1}
uncertainty: {samples: 4000, seed: 3}
"""

# No reserves block: every defender is on the line at uniform density (model.md §6).
RATIO = POSTS + """\
adversary: {troops: 700000, line_fraction: 0.6, massed_share: 0.2, attack_sector_km: 30,
            breakthrough_ratio: 3}
host: {troops: 80000, line_fraction: 0.4, effectiveness: 1.5}
"""


def _is_equal_mixture(x, ranges):
    """Every value inside one of the ranges, and the mean that of an equal-weight mixture
    of uniforms over them (within 4 standard errors)."""
    inside = np.zeros(x.size, dtype=bool)
    for lo, hi in ranges:
        inside |= (x >= lo - 1e-9) & (x <= hi + 1e-9)
    assert inside.all()
    expected = np.mean([(lo + hi) / 2 for lo, hi in ranges])
    assert abs(x.mean() - expected) < 4 * x.std() / np.sqrt(x.size)


def test_posture_by_hand():
    r = requirements(scenario_from(POSTS))["posture"]
    need = 100 / 5 * 2 * 4.7 / (1 - 0.5)          # 20 posts x 2 x 4.7, half of it support
    assert np.allclose(r.in_theatre, need) and np.allclose(r.committed, 3 * need)


def test_analogues_reproduce_the_missions_densities():
    # On a 1 km line the requirement is a density: a mixture, with equal weights, of
    # uniforms over each comparable mission's range, strength ÷ line from the records.
    r = requirements(scenario_from(POSTS, {"theatre.line_km": 1}))["analogues"]
    ms = [m for m in refdata.missions() if m.has_line and m.comparable]
    ranges = []
    for m in ms:
        lo_km = m.density_line_km or m.line_km_high
        hi_km = m.density_line_km or m.line_km_low
        ranges.append((m.strength_low / lo_km, m.strength_high / hi_km))
    _is_equal_mixture(r.in_theatre, ranges)
    unifil = next(p for p in r.points if p["mission"] == "UNIFIL")
    assert unifil["density_low"] == pytest.approx(7730 / 120)
    assert unifil["density_high"] == pytest.approx(10500 / 120)
    assert np.allclose(r.committed, 3 * r.in_theatre)


def test_force_ratio_by_hand():
    # A0 = 700,000 x 0.6 x 0.2 = 84,000 at the point of attack, on 30 of 100 km.
    # Defenders in the sector: (host on line + X (1 − support)) x 30 / 100; the ratio
    # A0 / defenders = 3 needs X = (84,000 / 3 x 100 / 30 − 80,000 x 0.4) / 0.5.
    x_need = (84_000 / 3 * 100 / 30 - 80_000 * 0.4) / 0.5
    r = requirements(scenario_from(RATIO, {"uncertainty.samples": 50}))["force_ratio"]
    assert np.allclose(r.in_theatre, x_need, rtol=1e-6)
    assert np.allclose(r.committed, 3 * x_need, rtol=1e-6)
    # the host alone suffices: no coalition troops needed
    r0 = requirements(scenario_from(RATIO, {"host.troops": 1_000_000,
                                            "uncertainty.samples": 50}))["force_ratio"]
    assert np.all(r0.in_theatre == 0)


def test_force_ratio_unbounded_is_reported_not_clipped():
    # A ratio threshold below what any defence reaches in the sector: 84,000 attackers
    # against at most (32,000 + 5,000,000) x 0.3 defenders is > 0.0001 always.
    s = scenario_from(RATIO, {"adversary.breakthrough_ratio": 1e-4, "uncertainty.samples": 20})
    r = requirements(s)["force_ratio"]
    assert np.all(np.isinf(r.in_theatre))
    assert r.to_dict()["in_theatre"]["unbounded_share"] == 1.0


def test_population_by_hand_and_not_applicable_without_one():
    s = scenario_from(POSTS, {"theatre.population": 1_000_000})
    x = requirements(s)["population"].in_theatre
    assert x.min() >= 20_000 and x.max() <= 25_000
    assert abs(x.mean() - 22_500) < 4 * x.std() / np.sqrt(x.size)
    none = requirements(scenario_from(POSTS))
    assert none["population"].in_theatre is None and "theatre.population" in none["population"].note
    assert none["force_ratio"].in_theatre is None and "adversary" in none["force_ratio"].note


def test_published_estimates_as_stated():
    r = requirements(scenario_from(POSTS))["published"]
    labels = [p["label"] for p in r.points]
    assert any("IISS" in l for l in labels) and any("64,000" in p["as_stated"] for p in r.points)
    lows = [p["low"] for p in r.points]
    highs = [p["high"] for p in r.points]
    assert r.in_theatre.min() >= min(lows) and r.in_theatre.max() <= max(highs)
    assert np.array_equal(r.in_theatre, r.committed)   # the reading is not stated
    assert set(r.sources) >= {"T1", "T6", "T7", "T9"}


def test_cli_json_and_table_on_every_claim_file(capsys):
    for path in sorted((SCENARIOS / "claims").glob("*.yaml")):
        assert main(["run", str(path), "--samples", "64", "--format", "json"]) == 0
        d = json.loads(capsys.readouterr().out)
        req = d["requirements"]
        assert set(req) == set(METHODS), path.name
        for method in ("posture", "analogues", "force_ratio", "published"):
            for reading in ("in_theatre", "committed"):
                assert set(req[method][reading]) >= {"mean", "p05", "p50", "p95"}
            assert isinstance(req[method]["sources"], list)
        assert req["population"]["in_theatre"] is None
    assert main(["run", str(SCENARIOS / "claims" / "c02-experts-100k-in-theatre.yaml"),
                 "--samples", "64"]) == 0
    out = capsys.readouterr().out
    assert "Requirement by method" in out and "  analogues" in out and "  published" in out
    assert "claim: 100,000 in theatre, 300,000 committed" in out


def test_analogues_add_area_densities_where_a_zone_is_stated():
    # a 1 km line with a 1 km deep zone: line densities (persons/km) and area densities
    # (persons/km²) both come out as persons, over 1 km and 1 km²
    s = scenario_from(POSTS, {"theatre.line_km": 1, "theatre.buffer_depth_km": 1})
    r = requirements(s)["analogues"]
    line = [m for m in refdata.missions() if m.has_line and m.comparable]
    zone = [m for m in refdata.missions() if m.area_km2]
    assert {m.short_name for m in zone} == {"UNIFIL", "UNFICYP", "KFOR"}
    ranges = [(m.strength_low / (m.density_line_km or m.line_km_high),
               m.strength_high / (m.density_line_km or m.line_km_low)) for m in line]
    ranges += [(m.strength_low / m.area_km2, m.strength_high / m.area_km2) for m in zone]
    _is_equal_mixture(r.in_theatre, ranges)
    assert sum("area_density_low" in p for p in r.points) == 3 and "area densities" in r.note


def test_force_ratio_without_attackers_asks_for_nothing():
    # no attackers at the point of attack and no host: the ratio is 0/0, the need 0
    s = scenario_from(RATIO, {"adversary.troops": 0, "host": None, "uncertainty.samples": 20})
    assert np.all(requirements(s)["force_ratio"].in_theatre == 0)


def test_force_ratio_takes_two_bisection_steps_a_pass_with_the_one_step_iterates():
    """Two steps a pass give the very numbers of one step a pass (written out here),
    on a claim file with reserves, warning and random draws."""
    from feasim.loader import with_overrides
    from feasim.models import AnalyticModel
    from feasim.requirements import _BISECTIONS, FORCE_RATIO_MAX

    s = feasim.load_scenario(SCENARIOS / "claims/c06-coalition-of-the-willing.yaml")
    n = 300
    got = requirements(s, samples=n, seed=11)["force_ratio"].in_theatre
    one = with_overrides(s, {
        "contributors": [{"name": "requirement", "troops": 1.0, "role": "line",
                          "honour_probability": 1.0}], "force.basis": "in_theatre"})
    m = AnalyticModel()
    d = m.draws(one, n=n, rng=11)
    base = d.inputs()
    limit = np.asarray(d["adversary.breakthrough_ratio"], dtype=float)

    def ok(x):
        r = m.evaluate(one, {**base, "contributors[requirement].troops": x}, n=n)
        return ~(np.asarray(r["local_force_ratio"]) > limit)

    lo, hi = np.zeros(n), np.full(n, FORCE_RATIO_MAX)
    at_zero, at_max = ok(lo), ok(hi)
    for _ in range(_BISECTIONS):
        mid = 0.5 * (lo + hi)
        good = ok(mid)
        hi, lo = np.where(good, mid, hi), np.where(good, lo, mid)
    want = np.where(at_zero, 0.0, np.where(at_max, hi, np.inf))
    assert np.array_equal(got, want)
    assert np.isfinite(want).any() and (want > 0).any()   # the case is not trivial
