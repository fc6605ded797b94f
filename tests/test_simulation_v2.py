"""The simulation against contract v2 (issue 11), with independent known answers.

Known answers are computed here, not by the code under test: a clock-time
Monte Carlo of moving patrols, Erlang C from factorials, quantiles of travel
distances on a fine grid, closed forms.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import feasim
from feasim.metrics import METRICS
from feasim.simulation.engine import run_replication
from feasim.simulation.patrols import PatrolLayout
from feasim.simulation.runner import NOT_OBSERVED, replication_metrics

from .conftest import BASE_YAML, scenario_from

LINE = """\
name: sim-v2
theatre: {line_km: 100}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors:
  - {name: a, troops: 100000}
incursions: {rate_per_day: 200, exposure_hours: 1}
simulation: {days: 10, replications: 20, seed: 3}
"""

SENSE_ALL = {"count": 10, "coverage_km_each": 10, "availability": 1, "detection_probability": 1}


def reps(s, n=None, inputs=None):
    """(replication, its metrics dict) for ``n`` replications of ``s``."""
    n = s.simulation.replications if n is None else n
    children = np.random.SeedSequence(s.simulation.seed).spawn(n)
    out = []
    for i in range(n):
        rep = run_replication(s, i, children[i], inputs=inputs)
        out.append((rep, replication_metrics(s, rep)))
    return out


def values(runs, name):
    return np.array([r[1]["metrics"][name] for r in runs], dtype=float)


def within(v, expected, k=4.0, floor=0.0):
    v = np.asarray(v, dtype=float)
    se = v.std(ddof=1) / math.sqrt(v.size)
    assert abs(v.mean() - expected) <= k * se + floor, (v.mean(), expected, se)


# ---------------------------------------------------------------- off duty (§1)


def test_off_duty_team_never_detects_even_within_radius():
    # One team on [0, 10] km at 5 km/h, out 6 h a day (00:00–06:00), radius 2 km.
    # Phase 0: it starts at km 0 going out, reaches km 5 at 1 h; at 6 h it stops at
    # km 10 (T = 4 h: 6 h is 1.5 round trips) and stands there until midnight.
    lay = PatrolLayout(0.0, 1, 10.0, 5.0, 6.0, np.array([0.0]), radius_km=2.0)
    # km 9 is within 2 km of where the team stands, but 8:00–20:00 is wholly off duty.
    assert lay.first_pass(9.0, 8.0, 20.0) == math.inf
    # A window that opens off duty with the team within reach: seen at the next duty start.
    assert lay.first_pass(9.0, 20.0, 25.0) == pytest.approx(24.0)
    # Out of reach when it stopped: seen once it comes within 2 km on the next day.
    # On day 2 it starts at km 10 going back (phase 2 h); km 3 is within reach from km 5,
    # i.e. 1 h later: 25:00.
    assert lay.first_pass(3.0, 20.0, 30.0) == pytest.approx(25.0)


def test_windows_wholly_off_duty_are_never_detected_in_a_replication():
    s = scenario_from(LINE, {
        "posture.patrols": {"teams": 10, "team_size": 4, "speed_kmh": 5, "hours_per_day": 6,
                            "detection_radius_km": 2.0},
        "simulation.days": 30})
    rep = run_replication(s, 0, np.random.SeedSequence(11))
    clock = np.mod(rep.arrivals, 24.0)
    off = (clock >= 6.0) & (clock + 1.0 <= 24.0)          # τ = 1 h, wholly off duty
    assert off.sum() > 1000
    assert not rep.by_patrol[off].any()
    seen = rep.detected_at[rep.by_patrol]
    assert np.all(np.mod(seen, 24.0) <= 6.0 + 1e-9)       # only ever seen on duty


def _clock_time_monte_carlo(tau, hours, radius, speed=5.0, sub=10.0, n=40_000, seed=8):
    """P(detect) by stepping clock time: a team on [0, sub] km, out ``hours`` a day,
    seeing within ``radius`` only while out. Its motion is a triangle wave in the
    hours it has been out; everything is computed here, step by step."""
    rng = np.random.default_rng(seed)
    T = 2.0 * sub / speed
    y = rng.random(n) * sub
    phase = rng.random(n) * T
    t0 = rng.random(n) * 24.0 * 30
    hit = np.zeros(n, dtype=bool)
    dt = 0.1 * radius / speed      # a tenth of the shortest sighting (2r/v), at most 0.01 h
    dt = min(dt, 0.01)
    steps = np.append(np.arange(0.0, tau, dt), tau)
    for s in steps:
        t = t0 + s
        day, rest = np.divmod(t, 24.0)
        on = rest < hours
        out = day * hours + np.minimum(rest, hours)        # hours out so far
        z = np.mod(out + phase, T)
        pos = np.where(z <= T / 2, speed * z, speed * (T - z))
        hit |= on & (np.abs(pos - y) <= radius)
    return hit.mean(), math.sqrt(hit.mean() * (1 - hit.mean()) / n)


@pytest.mark.slow
@pytest.mark.parametrize("tau, hours, radius", [(1.0, 6.0, 2.0), (6.0, 12.0, 0.5)])
def test_part_time_with_radius_matches_clock_time_monte_carlo(tau, hours, radius):
    # ℓ = 10 km at 5 km/h: T = 4 h. (1, 6, 2): the window is shorter than the round
    # trip; (6, 12, 0.5): longer.
    expected, se = _clock_time_monte_carlo(tau, hours, radius)
    s = scenario_from(LINE, {
        "posture.patrols": {"teams": 10, "team_size": 4, "speed_kmh": 5,
                            "hours_per_day": hours, "detection_radius_km": radius},
        "incursions.exposure_hours": tau, "simulation.days": 20})
    runs = reps(s, 20)
    within(values(runs, "patrol_detection_probability"), expected, floor=4 * se + 0.002)
    analytic = feasim.evaluate(s)["patrol_detection_probability"][0]
    assert analytic == pytest.approx(expected, abs=4 * se + 0.002)


# ---------------------------------------------------------------- grid phases (§2)


@pytest.mark.slow
def test_commensurate_sensors_and_bases_do_not_phase_lock():
    # 60 sensors watching 0.5 km each (spacing 5/3 km) and 12 bases (catchment 25/3 km,
    # exactly 5 sensor spacings): aligned grids would put every detection at the same few
    # distances from its base. With a random sensor phase u per replication, the expected
    # p90 is E_u[p90 of travel | u], computed here on a fine grid of positions.
    depth, speed, ready = 10.0, 50.0, 0.25
    s = scenario_from(LINE, {
        "posture.sensors": {"count": 60, "coverage_km_each": 0.5, "availability": 1,
                            "detection_probability": 1},
        "posture.qrf": {"bases": 12, "teams_per_base": 2, "team_size": 10,
                        "readiness_hours": ready, "speed_kmh": speed, "depth_km": depth,
                        "road_factor": 1.0, "engagement_hours": 0.05},
        "simulation.days": 20})
    spacing, width = 100.0 / 60, 100.0 / 12
    x = (np.arange(200_000) + 0.5) / 200_000 * width - width / 2   # along, from the centre
    p90 = []
    for u in (np.arange(400) + 0.5) / 400 * spacing:
        # Sensor k at u + (k + ½)·spacing; base centres at (j + ½)·width, a multiple of
        # the spacing plus spacing/2, so the pattern is the same in every catchment.
        covered = np.abs(np.mod(x + width / 2 - u, spacing) - spacing / 2) <= 0.25
        p90.append(np.quantile(np.abs(x[covered]), 0.9))
    expected = ready + (np.mean(p90) + depth) / speed
    aligned_covered = np.abs(np.mod(x + width / 2, spacing) - spacing / 2) <= 0.25
    aligned = ready + (np.quantile(np.abs(x[aligned_covered]), 0.9) + depth) / speed
    runs = reps(s, 40)
    sim = values(runs, "response_hours_p90")
    se = sim.std(ddof=1) / math.sqrt(sim.size)
    within(sim, expected)
    assert abs(aligned - expected) > 4 * se   # the check would catch phase-locking


# ---------------------------------------------------------------- staffing (§3)


def qrf_line(bases, per_base, troops=100_000, threats=None, rate_per_hour=0.5,
             engagement=1.0, days=10, extra=None):
    over = {
        "theatre.line_km": 90,
        "contributors": [{"name": "a", "troops": troops}],
        # No operators (contract v3 §D, *): the sensors run whenever some combat troops
        # are in theatre, so that QRF-only postures with few troops still see incursions.
        "posture.sensors": {"count": 9, "coverage_km_each": 10, "availability": 1,
                            "detection_probability": 1, "operators_on_duty": 0},
        "posture.qrf": {"bases": bases, "teams_per_base": per_base, "team_size": 10,
                        "readiness_hours": 0.25, "speed_kmh": 50, "depth_km": 10,
                        "road_factor": 1.0, "engagement_hours": engagement},
        "incursions.rate_per_day": rate_per_hour * 24,
        "simulation.days": days,
    }
    if threats:
        over["theatre.sectors"] = [{"name": f"s{i}", "length_km": 30, "threat": t}
                                   for i, t in enumerate(threats)]
    over.update(extra or {})
    return scenario_from(LINE, over)


def test_fewer_teams_than_bases_mans_fewer_bases():
    # A team is 10 × 4.7 = 47 persons; 400 troops keep 200 combat: 12 teams asked,
    # floor(12 × 200/564) = 4 filled -> 4 bases manned, each covering 22.5 km.
    s = qrf_line(6, 2, troops=400, days=20)
    runs = reps(s, 4)
    assert np.all(values(runs, "qrf_teams") == 4)
    assert np.all(values(runs, "qrf_bases_manned") == 4)
    assert np.all(values(runs, "qrf_overloaded") == 0)
    assert np.all(values(runs, "qrf_no_force") == 0)
    # Along-line distance uniform on [0, 11.25] km (mean 90/16), plus 10 km depth, at 50 km/h.
    within(values(runs, "travel_hours_mean"), (90 / 16 + 10) / 50, floor=0.005)
    assert all(any("2 of 6 requested QRF bases unmanned" in w for w in r[1]["warnings"])
               for r in runs)
    assert set(runs[0][1]["base_overloaded"]) == {
        "base 1 (km 0–22.5)", "base 2 (km 22.5–45)", "base 3 (km 45–67.5)",
        "base 4 (km 67.5–90)"}


@pytest.mark.parametrize("threats, teams", [((3, 1, 1), (3, 2, 2)), ((1, 1, 3), (2, 2, 3)),
                                            ((1, 1, 1), (3, 2, 2))])
def test_extra_team_goes_to_the_busiest_base(threats, teams):
    # 3 bases × 3 teams asked, 7 filled (7 × 47 = 329 of 200 + ... combat troops).
    s = qrf_line(3, 3, troops=2 * 7 * 47 + 10, threats=threats)
    rep = run_replication(s, 0, np.random.SeedSequence(2))
    assert rep.postures[-1].qrf_teams == 7
    assert rep.postures[-1].teams_at == teams


def test_no_force_is_not_an_overload():
    s = qrf_line(2, 2, troops=40)       # 20 combat troops: not one team of 47
    (rep, r), = reps(s, 1)
    m = r["metrics"]
    assert m["qrf_teams"] == 0 and m["qrf_no_force"] == 1 and m["qrf_bases_manned"] == 0
    assert m["qrf_overloaded"] == 0 and m["qrf_overloaded_bases"] == 0
    assert math.isinf(m["response_hours_mean"]) and math.isinf(m["response_hours_p90"])
    assert math.isinf(m["qrf_wait_hours_mean"])
    for k in ("qrf_wait_probability", "qrf_utilisation", "qrf_peak_load"):
        assert math.isnan(m[k]), k
    assert r["base_overloaded"] == {}
    assert any("no QRF team" in w for w in r["warnings"])
    assert not any("past capacity" in w for w in r["warnings"])


def _erlang_c(c: int, a: float) -> float:
    """P(wait) in M/M/c with offered load a < c, from the textbook sum of factorials."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.slow
def test_threat_weighted_waits_per_base_match_erlang_c():
    # Threat 3:1:1 on three 30 km sectors = the three catchments; 2 teams at each base;
    # λ = 2.5/h all detected; loads 1.5, 0.5, 0.5 erlangs.
    s = qrf_line(3, 2, threats=(3, 1, 1), rate_per_hour=2.5, days=200)
    runs = reps(s, 8)
    for j, a in enumerate((1.5, 0.5, 0.5)):
        pw, wq = [], []
        for rep, _ in runs:
            at = rep.base_of == j
            w = rep.granted_at[at] - rep.detected_at[at]
            w = w[np.isfinite(w)]
            pw.append(np.mean(w > 0))
            wq.append(np.mean(w))
        c_exact = _erlang_c(2, a)
        within(pw, c_exact, floor=0.02 * c_exact)            # the queue starts empty
        within(wq, c_exact * 1.0 / (2 - a), floor=0.03 * c_exact / (2 - a))
    m = [r[1]["metrics"] for r in runs]
    assert all(x["qrf_overloaded"] == 0 for x in m)
    assert all(x["qrf_peak_load"] == pytest.approx(0.75) for x in m)


def test_base_past_capacity_is_named():
    # Loads 2.4, 0.8, 0.8 erlangs at 2 teams each: base 1 only is past capacity.
    s = qrf_line(3, 2, threats=(3, 1, 1), rate_per_hour=4.0, days=10)
    (rep, r), = reps(s, 1)
    m = r["metrics"]
    assert m["qrf_overloaded"] == 1 and m["qrf_overloaded_bases"] == 1
    assert m["qrf_peak_load"] == pytest.approx(1.2)
    assert math.isinf(m["response_hours_p90"]) and m["qrf_wait_probability"] == 1
    assert r["base_overloaded"] == {"base 1 (km 0–30)": True, "base 2 (km 30–60)": False,
                                    "base 3 (km 60–90)": False}
    assert any("past capacity at base 1 (km 0–30)" in w for w in r["warnings"])


def test_utilisation_is_busy_over_available_team_hours():
    s = qrf_line(1, 2, rate_per_hour=1.0, days=30)
    (rep, r), = reps(s, 1)
    served = np.isfinite(rep.granted_at)
    start, end = rep.granted_at[served], rep.granted_at[served] + rep.service[served]
    busy = np.sum(np.clip(np.minimum(end, 720.0) - start, 0, None))
    assert r["metrics"]["qrf_utilisation"] == pytest.approx(busy / (2 * 720.0))


# ---------------------------------------------------------------- warm-up and warnings (§4)


def test_warmup_excludes_early_incursions_and_ramp_up():
    s = scenario_from(LINE, {
        "contributors": [{"name": "a", "troops": 9000, "ramp_up_days": 10}],
        "posture.observation_posts": {"spacing_km": 5, "on_post": 2, "radius_km": 1,
                                      "detection_probability": 1},
        "simulation.days": 20})
    (rep, r), = reps(s, 1)
    assert rep.warmup_hours == 240.0                     # auto: the end of the ramp-up
    m = r["metrics"]
    assert m["in_theatre_troops"] == pytest.approx(9000)  # steady state only
    late = rep.arrivals >= 240.0
    assert m["detection_probability"] == pytest.approx(np.mean(rep.detected_at[late] < np.inf))
    assert m["op_coverage"] == pytest.approx(np.mean(rep.in_post_radius[late]))
    assert (~late).sum() > 1000                         # there were early ones to leave out
    series = r["series"]["in_theatre_troops"]
    assert series.size == 20 and series[0] == 0        # daily series: whole horizon
    explicit = feasim.with_overrides(s, {"simulation.warmup_days": 15})
    (rep2, r2), = reps(explicit, 1)
    assert rep2.warmup_hours == 360.0


def test_warmup_not_shorter_than_horizon_is_a_rule():
    with pytest.raises(feasim.ScenarioError) as info:
        scenario_from(LINE, {"simulation.warmup_days": 10})
    assert info.value.problems[0].rule == "warmup_not_shorter_than_horizon"
    assert "10 days" in str(info.value)


def test_auto_warmup_past_the_horizon_measures_all_and_warns():
    s = scenario_from(LINE, {"contributors": [{"name": "a", "troops": 9000,
                                               "ramp_up_days": 10}]})
    (rep, r), = reps(s, 1)
    assert rep.warmup_hours == 0
    assert any("ramp-up ends on day 10" in w for w in r["warnings"])


@pytest.mark.parametrize("rho, warned", [(0.95, True), (0.5, False)])
def test_warning_when_horizon_is_short_for_the_load(rho, warned):
    # One base, 2 teams, 1 h engagements: t_r = 1/(√2 − √(2ρ))² h; ρ = 0.95: 780 h,
    # 20 t_r = 650 days > 90; ρ = 0.5: 5.8 h, 20 t_r < 5 days.
    s = qrf_line(1, 2, rate_per_hour=2 * rho, days=90)
    (rep, r), = reps(s, 1)
    hit = any("relaxation time" in w for w in r["warnings"])
    assert hit == warned
    assert r["metrics"]["qrf_overloaded"] == 0


# ---------------------------------------------------------------- inputs and metrics


def test_inputs_replace_the_draws():
    s = qrf_line(2, 2)

    def seed():   # a fresh one each time: spawning advances a SeedSequence
        return np.random.SeedSequence(5)

    quiet = run_replication(s, 0, seed(), inputs={"incursions.rate_per_day": 0.0})
    assert quiet.arrivals.size == 0
    gone = run_replication(s, 0, seed(), inputs={"event:contributors[a].honour": 1.0})
    r = replication_metrics(s, gone)["metrics"]
    assert r["honoured_troops"] == 0 and r["in_theatre_troops"] == 0
    assert r["pledged_troops"] == 100_000
    slow = run_replication(s, 0, seed(), inputs={"posture.qrf.engagement_hours": 3.0})
    assert slow.params["engagement_hours"] == 3.0
    plain = run_replication(s, 0, seed())
    assert np.array_equal(plain.arrivals, slow.arrivals)  # other draws unchanged
    with pytest.raises(KeyError):
        run_replication(s, 0, seed(), inputs={"posture.nothing": 1.0})


def test_every_observable_metric_is_reported():
    s = scenario_from(BASE_YAML, {"simulation.days": 5, "incursions.rate_per_day": 50})
    (rep, r), = reps(s, 1)
    observable = set(METRICS) - set(NOT_OBSERVED)
    assert set(r["metrics"]) == observable
    # Contract v3 §H (*): the worst case is not reported by the simulation either.
    assert set(NOT_OBSERVED) == {k for k, v in METRICS.items() if v.needs == "adversary"} \
        | {"detection_probability_worst", "detection_worst_hour"}
    m = r["metrics"]
    assert m["pledged_troops"] == 20_000
    assert m["required_combat_troops"] == pytest.approx(
        240 * 2 * 4.7 + 100 * 8 * 4.7 + 12 * 30 * 4.7
        + 50 * 0.25 * 4.7)   # sensor operators (contract v3 §D, default 0.25 per sensor)
    # Revisit from the layout: T/2 and T with T = 2 × (1200 km / teams) / 10 km/h.
    teams = m["patrol_teams"]
    assert m["revisit_hours_mean"] == pytest.approx(1200 / teams / 10)
    assert m["revisit_hours_max"] == pytest.approx(2 * 1200 / teams / 10)
    # no contributor has a force pool here: the national shares are not known (NaN) and
    # every pledge is held indefinitely (inf)
    unknown = ("national_share_committed_max", "requirement_national_share_max")
    assert all(math.isnan(m[k]) for k in unknown)
    assert m["pledge_sustainable_years_min"] == math.inf
    assert all(math.isfinite(m[k]) for k in observable if not k.startswith("qrf_")
               and k not in ("response_hours_mean", "response_hours_p90",
                             "pledge_sustainable_years_min") + unknown)


def test_revisit_is_nan_without_patrols_on_duty():
    s = qrf_line(2, 2)
    (rep, r), = reps(s, 1)
    assert math.isnan(r["metrics"]["revisit_hours_mean"])
    assert math.isnan(r["metrics"]["revisit_hours_max"])
