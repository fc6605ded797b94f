"""Per-sector outputs (Result.by_sector): both models return them, the analytic values
match a closed form, and the simulation estimates the same values."""

from __future__ import annotations

import numpy as np
import pytest

import feasim
from feasim.metrics import SECTOR_METRICS
from feasim.models import AnalyticModel, SimulationModel

from .conftest import scenario_from

TWO_SECTORS = """\
name: two-sectors
theatre:
  line_km: 600
  sectors:
    - {name: North, length_km: 200, visibility: 1.0, threat: 1}
    - {name: South, length_km: 400, visibility: 0.5, threat: 2}
force: {basis: in_theatre, support_fraction: 0.5}
contributors:
  - {name: A, troops: 20000}
posture:
  observation_posts: {spacing_km: 10, radius_km: 2}
  sensors: {count: 20, coverage_km_each: 10, availability: 1.0}
incursions: {rate_per_day: 20, exposure_hours: 6}
simulation: {replications: 8, days: 20, seed: 2}
uncertainty: {samples: 10, seed: 3}
"""


@pytest.fixture(scope="module")
def two():
    s = scenario_from(TWO_SECTORS)
    return s, AnalyticModel().evaluate(s), SimulationModel().evaluate(s)


def test_both_models_return_every_sector_quantity(two):
    s, r, sim = two
    for res in (r, sim):
        assert set(res.by_sector) == set(SECTOR_METRICS)
        for per in res.by_sector.values():
            assert list(per) == ["North", "South"]          # line order
            assert all(v.shape == (res.samples,) for v in per.values())


def test_analytic_matches_the_closed_form(two):
    """60 posts (600 km / 10 km) of radius 2 km: North sees 60 × 2 × 2 × 1.0 / 600 = 0.4 of
    its length, South (visibility 0.5) 0.2; 20 sensors of 10 km: 20 × 10 × v / 600;
    incursions by threat × length: 200 : 800."""
    _, r, _ = two
    assert np.all(r["observation_posts"] == 60)
    expect = {"op_coverage": {"North": 0.4, "South": 0.2},
              "sensor_coverage": {"North": 1 / 3, "South": 1 / 6},
              "incursion_share": {"North": 0.2, "South": 0.8}}
    for q, per in expect.items():
        for name, value in per.items():
            assert r.by_sector[q][name] == pytest.approx(np.full(r.samples, value))
    # the line-wide metric is the sectors' incursion-weighted combination
    w = r.by_sector["incursion_share"]
    for q in ("op_coverage", "sensor_coverage"):
        assert sum(w[n] * r.by_sector[q][n] for n in w) == pytest.approx(r[q])


def test_simulation_agrees_within_four_standard_errors(two):
    _, r, sim = two
    for q, per in sim.by_sector.items():
        for name, v in per.items():
            v = v[np.isfinite(v)]
            se = v.std(ddof=1) / np.sqrt(v.size)
            assert abs(v.mean() - r.by_sector[q][name][0]) <= 4 * se + 1e-9, (q, name)


def test_without_sectors_one_sector_named_line(base):
    r = feasim.evaluate(base, samples=50)
    assert list(r.by_sector["op_coverage"]) == ["line"]
    assert r.by_sector["op_coverage"]["line"] == pytest.approx(r["op_coverage"])
    assert r.by_sector["incursion_share"]["line"] == pytest.approx(np.ones(50))
