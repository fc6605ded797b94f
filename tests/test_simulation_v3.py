"""The simulation against contract v3 (issue 12), with independent known answers.

Known answers are written here, not taken from the code under test: closed forms
(per-pass detection, random sensor placement, the shared cause's mixture, the
troop-to-task arithmetic of surplus patrols) and a brute-force Monte Carlo that
moves a patrol team step by step and counts its crossings of the point.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from feasim.simulation import simulate
from feasim.simulation.engine import run_replication
from feasim.simulation.patrols import PatrolLayout
from feasim.simulation.runner import NOT_OBSERVED, replication_metrics

from .conftest import scenario_from

LINE = """\
name: sim-v3
theatre: {line_km: 100}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors:
  - {name: a, troops: 100000}
incursions: {rate_per_day: 200, exposure_hours: 1}
simulation: {days: 10, replications: 20, seed: 3}
"""

# Ten teams on 100 km at 5 km/h: sub-sector ℓ = 10 km, round trip T = 4 h.
PATROLS = {"teams": 10, "team_size": 4, "speed_kmh": 5}


def reps(s, n=None):
    n = s.simulation.replications if n is None else n
    children = np.random.SeedSequence(s.simulation.seed).spawn(n)
    out = []
    for i in range(n):
        rep = run_replication(s, i, children[i])
        out.append((rep, replication_metrics(s, rep)))
    return out


def values(runs, name):
    return np.array([r[1]["metrics"][name] for r in runs], dtype=float)


def within(v, expected, k=4.0, floor=0.0):
    v = np.asarray(v, dtype=float)
    se = v.std(ddof=1) / math.sqrt(v.size)
    assert abs(v.mean() - expected) <= k * se + floor, (v.mean(), expected, se)


# ---------------------------------------------------------------- per-pass detection (§A)


def test_kth_counted_pass_detects_at_its_reach():
    # One team on [0, 10] km at 5 km/h, phase 0: it crosses km 5 at 1, 3, 5, 7, ... h.
    lay = PatrolLayout(0.0, 1, 10.0, 5.0, 24.0, np.array([0.0]))
    t, count = lay.passes(5.0, 0.0, 10.0, 0.0, 2.0)
    assert t == pytest.approx(3.0) and count == 5          # passes at 1, 3, 5, 7, 9 h
    assert lay.passes(5.0, 0.0, 10.0, 0.0, 3.0)[0] == pytest.approx(5.0)
    assert lay.passes(5.0, 0.0, 10.0, 0.0, 6.0)[0] == math.inf   # only five passes
    # Radius 1 km (r/v = 0.2 h): the second pass is seen from 2.8 h.
    assert lay.passes(5.0, 0.0, 10.0, 1.0, 2.0)[0] == pytest.approx(2.8)
    # Window [1.5, 2.5]: counted range [1.3, 2.7] holds no pass.
    t, count = lay.passes(5.0, 1.5, 2.5, 1.0, 1.0)
    assert t == math.inf and count == 0
    # Window [3.1, 4]: the pass at 3 h counts (within reach at 3.1 h), seen at once.
    assert lay.passes(5.0, 3.1, 4.0, 1.0, 1.0)[0] == pytest.approx(3.1)


def test_duty_starts_at_start_hour():
    # Out 6 h a day from 06:00: at 07:00 the team has moved 1 h, to km 5.
    lay = PatrolLayout(0.0, 1, 10.0, 5.0, 6.0, np.array([0.0]), start_hour=6.0)
    assert lay.first_pass(5.0, 0.0, 24.0) == pytest.approx(7.0)
    assert lay.first_pass(5.0, 13.0, 29.0) == math.inf       # 13:00-05:00 wholly off duty
    # Next pass (back leg, motion 3 h) on duty at 09:00.
    assert lay.first_pass(5.0, 8.0, 24.0) == pytest.approx(9.0)


@pytest.mark.parametrize("p", [0.3, 0.7])
@pytest.mark.parametrize("tau", [1.0, 3.0])
def test_per_pass_probability_closed_form(tau, p):
    # h = 24, r = 0, τ < T = 4 h: at most two counted passes; with ξ = τ/T,
    # P(K' = 2) = ξ², P(K' = 1) = 2ξ(1 − ξ), so P = 2ξ(1 − ξ)p + ξ²(1 − (1 − p)²)
    # = 1 − (1 − pτ/T)².
    s = scenario_from(LINE, {"posture.patrols": {**PATROLS, "detection_probability": p},
                             "incursions.exposure_hours": tau})
    xi = tau / 4.0
    expected = 1.0 - (1.0 - p * xi) ** 2
    assert expected == pytest.approx(2 * xi * (1 - xi) * p + xi**2 * (1 - (1 - p) ** 2))
    within(values(reps(s), "patrol_detection_probability"), expected)


def test_visibility_scales_radius_and_pass_probability():
    # Visibility 0.5: radius 2 km → 1 km (r/v = 0.2 h), p = 0.8 → 0.4.
    # X = (1 + 0.4)/4 = 0.35 < 1: P = 1 − (1 − 0.4 · 0.35)².
    s = scenario_from(LINE, {
        "theatre.sectors": [{"name": "hills", "length_km": 100, "visibility": 0.5}],
        "posture.patrols": {**PATROLS, "detection_probability": 0.8,
                            "detection_radius_km": 2.0}})
    within(values(reps(s), "patrol_detection_probability"), 1.0 - (1.0 - 0.4 * 0.35) ** 2)


def _brute_force(tau, hours, start, radius, p, night, n=40_000, seed=21):
    """P(detect) for one team on [0, 10] km at 5 km/h (T = 4 h), by stepping.

    Clock time is stepped over the window to find its duty hours M (the team moves
    only on duty, from clock ``start`` for ``hours`` a day); motion time is then
    stepped over [−r/v, M + r/v] and every crossing of the point (a sign change of
    position − y) is a counted pass. Each pass detects with p × the night factor
    of the window's start, so P = 1 − (1 − p')^passes (averaged over the draws).
    """
    rng = np.random.default_rng(seed)
    v, sub = 5.0, 10.0
    T = 2 * sub / v
    y = rng.random(n) * sub
    phase = rng.random(n) * T
    t0 = rng.random(n) * 24.0
    dt = 0.002
    M = np.zeros(n)
    for s in np.arange(0.0, tau, dt) + dt / 2:
        M += dt * (np.mod(t0 + s - start, 24.0) < hours)
    rho = radius / v
    dm = 0.001
    grid = np.arange(-rho, tau + rho + dm, dm)

    def pos(m):
        z = np.mod(phase + m, T)
        return np.where(z <= T / 2, v * z, v * (T - z))

    crossings = np.zeros(n)
    prev = pos(grid[0]) - y
    for m in grid[1:]:
        cur = pos(m) - y
        inside = m <= M + rho
        crossings += inside & (np.sign(cur) != np.sign(prev))
        prev = cur
    n_start, n_hours, n_factor = night
    is_night = np.mod(t0 - n_start, 24.0) < n_hours
    pp = np.minimum(1.0, p * np.where(is_night, n_factor, 1.0))
    hit = np.where(M > 1e-9, 1.0 - (1.0 - pp) ** crossings, 0.0)
    return hit.mean(), hit.std() / math.sqrt(n)


@pytest.mark.slow
def test_part_time_radius_start_hour_night_match_brute_force():
    # Duty 06:00-18:00, night 16:00-02:00 (patrols × 0.5), r = 1 km, p = 0.6, τ = 3 h.
    expected, se = _brute_force(3.0, 12.0, 6.0, 1.0, 0.6, (16.0, 10.0, 0.5))
    s = scenario_from(LINE, {
        "posture.patrols": {**PATROLS, "hours_per_day": 12, "start_hour": 6,
                            "detection_radius_km": 1.0, "detection_probability": 0.6},
        "night": {"start_hour": 16, "hours": 10, "patrols": 0.5, "posts": 1, "sensors": 1},
        "incursions.exposure_hours": 3.0, "simulation.days": 20})
    within(values(reps(s), "patrol_detection_probability"), expected, floor=4 * se + 0.003)


def test_off_duty_never_detects_with_per_pass_probability():
    s = scenario_from(LINE, {
        "posture.patrols": {**PATROLS, "hours_per_day": 6, "start_hour": 6,
                            "detection_radius_km": 2.0, "detection_probability": 0.7},
        "simulation.days": 30})
    rep = run_replication(s, 0, np.random.SeedSequence(11))
    clock = np.mod(rep.arrivals - 6.0, 24.0)            # hours since duty start
    off = (clock >= 6.0) & (clock + 1.0 <= 24.0)        # τ = 1 h, wholly off duty
    assert off.sum() > 1000
    assert not rep.by_patrol[off].any()
    seen = np.mod(rep.detected_at[rep.by_patrol] - 6.0, 24.0)
    assert rep.by_patrol.sum() > 100
    assert np.all(seen <= 6.0 + 1e-9)                   # only ever seen on duty


# ---------------------------------------------------------------- sensors (§D)


@pytest.mark.parametrize("k, vis", [(20, 1.0), (40, 0.5)])
def test_random_sensor_placement_closed_form(k, vis):
    # k sensors at uniform positions, view w = 10 km × visibility, a = 0.8, p = 0.7:
    # coverage 1 − (1 − a w/L)^k, detection 1 − (1 − a p w/L)^k.
    s = scenario_from(LINE, {
        "theatre.sectors": [{"name": "s", "length_km": 100, "visibility": vis}],
        "posture.sensors": {"count": k, "coverage_km_each": 10, "availability": 0.8,
                            "detection_probability": 0.7, "placement": "random"}})
    runs = reps(s, 40)
    w = 10 * vis / 100
    within(values(runs, "sensor_coverage"), 1 - (1 - 0.8 * w) ** k)
    within(values(runs, "detection_probability"), 1 - (1 - 0.8 * 0.7 * w) ** k)
    assert np.all(values(runs, "sensors") == k)


def test_even_sensors_view_scales_with_visibility():
    # 4 sensors × 10 km × 0.5 visibility on 100 km: coverage 0.2 × a.
    s = scenario_from(LINE, {
        "theatre.sectors": [{"name": "s", "length_km": 100, "visibility": 0.5}],
        "posture.sensors": {"count": 4, "coverage_km_each": 10, "availability": 0.9,
                            "detection_probability": 0.5}})
    runs = reps(s, 20)
    within(values(runs, "sensor_coverage"), 0.2 * 0.9)
    within(values(runs, "detection_probability"), 0.2 * 0.9 * 0.5)


def test_sensors_need_the_force_that_runs_them():
    sense = {"count": 10, "coverage_km_each": 10, "availability": 1, "detection_probability": 1}
    # No troops: no sensor runs, even without operators.
    none = scenario_from(LINE, {"contributors": [{"name": "a", "troops": 0}],
                                "posture.sensors": {**sense, "operators_on_duty": 0}})
    (_, r), = reps(none, 1)
    assert r["metrics"]["sensors"] == 0 and r["metrics"]["sensor_coverage"] == 0
    # Operators 1 per sensor × 4.7 = 47 persons for 10 sensors; 47 troops keep 23.5
    # combat troops: half the requirement, so floor(10 × 0.5) = 5 sensors run.
    half = scenario_from(LINE, {"contributors": [{"name": "a", "troops": 47}],
                                "posture.sensors": {**sense, "operators_on_duty": 1}})
    runs = reps(half, 10)
    m = runs[0][1]["metrics"]
    assert m["sensors_required"] == 10 and m["sensor_persons"] == pytest.approx(47.0)
    assert m["sensors"] == 5
    within(values(runs, "sensor_coverage"), 0.5)


# ---------------------------------------------------------------- shared causes (§E), night (§C)


@pytest.mark.slow
def test_shared_cause_joint_probability():
    # Posts every 10 km seeing 2.5 km (coverage 0.5, p 0.8); 5 sensors of 10 km (0.5,
    # p 0.9). A blackout (factor 0 on both) on a share π = 0.3 of days. Documented
    # mixture: P = 0.7 · (1 − (1 − 0.4)(1 − 0.45)) + 0.3 · 0; both layers detect
    # with 0.7 · 0.4 · 0.45, not the product of their marginal probabilities.
    s = scenario_from(LINE, {
        "posture.observation_posts": {"spacing_km": 10, "on_post": 2, "radius_km": 2.5,
                                      "detection_probability": 0.8},
        "posture.sensors": {"count": 5, "coverage_km_each": 10, "availability": 1,
                            "detection_probability": 0.9},
        "shared_causes": {"blackout": {"probability": 0.3, "posts": 0, "sensors": 0}},
        "incursions.rate_per_day": 50, "simulation.days": 365})
    runs = reps(s, 20)
    mixture = 0.7 * (1 - 0.6 * 0.55)
    within(values(runs, "detection_probability"), mixture)
    both = np.array([np.mean(rep.by_post & rep.by_sensor) for rep, _ in runs])
    within(both, 0.7 * 0.4 * 0.45)
    independent = 1 - (1 - 0.4 * 0.7) * (1 - 0.45 * 0.7)
    v = values(runs, "detection_probability")
    assert abs(v.mean() - independent) > 4 * v.std(ddof=1) / math.sqrt(v.size)


def test_cause_is_drawn_per_day():
    # A cause active on half of days that silences posts: within one replication each
    # day is either all-silent or normal, never in between.
    s = scenario_from(LINE, {
        "posture.observation_posts": {"spacing_km": 5, "on_post": 2, "radius_km": 2.5,
                                      "detection_probability": 1},
        "shared_causes": {"fog": {"probability": 0.5, "posts": 0}},
        "simulation.days": 40})
    rep = run_replication(s, 0, np.random.SeedSequence(4))
    day = (rep.arrivals // 24).astype(int)
    share = np.bincount(day, weights=rep.by_post) / np.bincount(day)
    assert set(np.round(share, 6)) <= {0.0, 1.0}
    assert 8 <= np.sum(share == 0) <= 32


def test_night_factor_on_posts_by_window_start():
    # Posts covering the whole line (p = 1), night 20:00-08:00 with posts × 0.25.
    s = scenario_from(LINE, {
        "posture.observation_posts": {"spacing_km": 5, "on_post": 2, "radius_km": 2.5,
                                      "detection_probability": 1},
        "night": {"start_hour": 20, "hours": 12, "posts": 0.25}})
    runs = reps(s, 10)
    within(values(runs, "detection_probability"), 0.5 * 1 + 0.5 * 0.25)


# ---------------------------------------------------------------- surplus (§G)


def test_surplus_patrol_teams_are_counted_and_patrol():
    # 1,000 troops keep 500 combat; 10 teams × 4 × 4.7 = 188 persons; 312 left; half of
    # them in teams of 18.8: floor(156/18.8) = 8 extra teams, 18 in all.
    s = scenario_from(LINE, {"contributors": [{"name": "a", "troops": 1000}],
                             "posture.patrols": PATROLS,
                             "posture.surplus": {"patrols": 0.5}})
    runs = reps(s, 20)
    m = runs[0][1]["metrics"]
    assert m["patrol_teams_required"] == 10
    assert m["surplus_patrol_teams"] == 8 and m["patrol_teams"] == 18
    assert m["unassigned_combat_troops"] == pytest.approx(312 - 8 * 18.8)
    assert all(lay.teams == 18 for lay in runs[0][0].layouts)
    T = 2 * (100 / 18) / 5
    assert m["revisit_hours_mean"] == pytest.approx(T / 2)
    within(values(runs, "patrol_detection_probability"), 1 - (1 - 1 / T) ** 2)


def test_surplus_recomputed_at_every_posture_change():
    s = scenario_from(LINE, {"contributors": [{"name": "a", "troops": 1000,
                                               "ramp_up_days": 5}],
                             "posture.patrols": PATROLS,
                             "posture.surplus": {"patrols": 0.5}})
    rep = run_replication(s, 0, np.random.SeedSequence(1))
    assert len({p.surplus_teams for p in rep.postures}) > 2
    for p in rep.postures:
        lay = [x for x in rep.layouts if x.start <= p.start][-1]
        assert lay.teams == p.patrol_teams


# ---------------------------------------------------------------- cells and metrics (§H)


def test_cells_count_incursions_by_sector_and_hour():
    s = scenario_from(LINE, {
        "theatre.sectors": [{"name": "north", "length_km": 60},
                            {"name": "south", "length_km": 40, "visibility": 0.5}],
        "posture.observation_posts": {"spacing_km": 10, "on_post": 2, "radius_km": 2,
                                      "detection_probability": 0.9},
        "contributors": [{"name": "a", "troops": 9000, "ramp_up_days": 2}],
        "simulation.days": 10})
    runs = reps(s, 3)
    for rep, r in runs:
        cells = r["cells"]
        measured = rep.arrivals >= rep.warmup_hours
        assert sum(c[1] for c in cells.values()) == measured.sum()
        assert sum(c[0] for c in cells.values()) == np.sum(rep.detected_at[measured] < np.inf)
        assert {k.split("|")[0] for k in cells} == {"north", "south"}
        assert {int(k.split("|")[1]) for k in cells} == set(range(24))
        south = sum(c[1] for k, c in cells.items() if k.startswith("south|"))
        assert south == np.sum(measured & (rep.positions >= 60))
        h3 = sum(c[1] for k, c in cells.items() if k.endswith("|3"))
        assert h3 == np.sum(measured & (np.floor(np.mod(rep.arrivals, 24)) == 3))
    result = simulate(s, replications=3)
    pooled = {k: [sum(r["cells"].get(k, [0, 0])[j] for _, r in runs) for j in (0, 1)]
              for k in result.cells}
    assert result.cells == pooled
    assert sum(c[1] for c in result.cells.values()) == sum(
        np.sum(rep.arrivals >= rep.warmup_hours) for rep, _ in runs)


def test_worst_case_is_not_observed():
    assert {"detection_probability_worst", "detection_worst_hour"} <= set(NOT_OBSERVED)
    s = scenario_from(LINE, {"posture.patrols": PATROLS})
    result = simulate(s, replications=2, days=2)
    assert "detection_probability_worst" in result.not_observed
    assert "detection_worst_hour" in result.not_observed
    assert "detection_probability_worst" not in result.metrics
    for k in ("sensors_required", "sensors", "sensor_persons", "surplus_patrol_teams"):
        assert k in result.metrics


def test_detection_by_cell_pools_shares():
    from feasim.simulation import detection_by_cell

    s = scenario_from(LINE, {"posture.patrols": {**PATROLS, "hours_per_day": 12}})
    runs = reps(s, 2)
    by_reps = detection_by_cell(runs)
    by_result = detection_by_cell(simulate(s, replications=2))
    assert by_reps == by_result
    # Duty 00:00-12:00: a 1-hour window starting at 15:00 is never seen.
    assert by_reps["line|15"][0] == 0 and by_reps["line|15"][1] > 50
    assert 0 < by_reps["line|3"][0] <= 1
    total = sum(n for _, n in by_reps.values())
    assert total == sum(np.sum(rep.arrivals >= rep.warmup_hours) for rep, _ in runs)


def test_to_xarray_keeps_the_daily_series():
    pytest.importorskip("xarray")
    from feasim.metrics import SERIES_UNITS

    s = scenario_from(LINE, {"posture.patrols": PATROLS})
    result = simulate(s, replications=2, days=3)
    assert result.series, "the simulation keeps daily series"
    ds = result.to_xarray()
    for name, table in result.series.items():
        var = ds[f"series:{name}"]
        assert var.dims == ("sample", "day") and var.shape == np.shape(table)
        assert np.array_equal(var.values, np.asarray(table, dtype=float), equal_nan=True)
        assert var.attrs["units"] == SERIES_UNITS.get(name, "")
    assert list(ds["day"].values) == list(range(ds.sizes["day"]))
