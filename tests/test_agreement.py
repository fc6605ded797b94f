"""Agreement suite (issue 11): the analytic model and the SimPy simulation agree.

For each scenario, every metric both results report is compared (tests/_agreement.py):
finite means within 4 combined standard errors, and the shares of +inf and NaN
samples as proportions, with every failing metric listed in one message. Where
the analytic model is an approximation (M/G/c waits by Allen–Cunneen) the test
writes the bound and checks the measured error against it. The analytic values
are also checked against independent references written here from first
principles (Erlang C from factorials, an own FCFS M/G/c queue, a brute-force
Monte Carlo of moving part-time patrols, quadrature of the patrol formula, the
QRF response mixture from scratch), never by calling the code under test.

Families are small synthetic scenarios (short lines, high incursion rates, modest
horizons); the shipped claim and history files come last, compared both on
independent draws (20,000 samples against 200 replications) and on 200 common
draws of the uncertain inputs (paired).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import feasim

from . import _agreement as ag
from .conftest import scenario_from

ROOT = Path(__file__).resolve().parents[1]

LINE = """\
name: agree
theatre: {line_km: 100}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors:
  - {name: a, troops: 100000}
incursions: {rate_per_day: 200, exposure_hours: 1}
simulation: {days: 10, replications: 20, seed: 3}
uncertainty: {samples: 1000, seed: 1}
"""


def analytic(s, samples=None):
    return feasim.evaluate(s, samples=samples)


# ---------------------------------------------------------------- part-time patrols
# ℓ = 100 km / 10 teams = 10 km at 5 km/h: round trip T = 4 h. τ = 2 h is shorter
# than the round trip, τ = 6 h longer.

T_ROUND = 4.0


def part_time_scenario(hours, radius, tau, days=20, reps=100):
    return scenario_from(LINE, {
        "posture.patrols": {"teams": 10, "team_size": 4, "speed_kmh": 5,
                            "hours_per_day": hours, "detection_radius_km": radius},
        "incursions.exposure_hours": tau, "simulation.days": days,
        "simulation.replications": reps})


def exact_part_time(hours, tau, radius):
    """Contract §1 by direct quadrature, written here: mean over t0 of [M>0]·g((M+2r/v)/T)."""
    from scipy.integrate import quad

    def A(t):
        day, rest = divmod(t, 24.0)
        return day * hours + min(rest, hours)

    def p(t0):
        M = A(t0 + tau) - A(t0)
        if M <= 0:
            return 0.0
        x = (M + 2 * radius / 5.0) / T_ROUND
        return 1.0 - (1.0 - x) ** 2 if x < 1 else 1.0

    kinks = sorted({k % 24 for k in (0.0, hours, -tau, hours - tau)} | {24.0})
    edges = [0.0] + [k for k in kinks if 0 < k <= 24]
    total = sum(quad(p, a, b, limit=200)[0] for a, b in zip(edges, edges[1:]) if b > a)
    return total / 24.0


@pytest.mark.parametrize("tau", [2.0, 6.0], ids=["window<T", "window>T"])
@pytest.mark.parametrize("radius", [0.0, 2.0], ids=["r0", "r2km"])
@pytest.mark.parametrize("hours", [6.0, 12.0, 18.0])
def test_part_time_patrols_agree(hours, radius, tau):
    s = part_time_scenario(hours, radius, tau)
    a, sim = analytic(s), ag.simulate(s, 100)
    # Independent references first: the brute-force Monte Carlo of a moving team
    # and the quadrature of the contract's formula agree with each other ...
    mc, mc_se = ag.part_time_detection_mc(hours, tau, ell=10.0, v=5.0, r=radius)
    quad_value = exact_part_time(hours, tau, radius)
    assert abs(mc - quad_value) <= 4 * mc_se + 1e-4, (mc, mc_se, quad_value)
    # ... the analytic value is exact ...
    got = float(np.mean(a["patrol_detection_probability"]))
    assert got == pytest.approx(quad_value, abs=1e-6), (got, quad_value, mc)
    # ... and every metric both report agrees.
    ag.check(s, a, sim, f"h={hours:g} r={radius:g} tau={tau:g}")


@pytest.mark.parametrize("radius", [0.0, 10.0])
def test_window_wholly_off_duty_is_never_detected(radius):
    # Out 6 h a day, windows of 2 h: those opening in [6, 22) h have no duty hour.
    # With r = 10 km (≥ ℓ) a team on duty always reaches the point, so
    # P = P(M > 0) = (h + τ)/24 = 1/3 exactly; an off-duty team that detected
    # within its radius would give P = 1.
    s = part_time_scenario(6.0, radius, 2.0)
    expected = 8.0 / 24.0 if radius else exact_part_time(6.0, 2.0, 0.0)
    a, sim = analytic(s), ag.simulate(s, 100)
    assert float(np.mean(a["patrol_detection_probability"])) == pytest.approx(expected, abs=1e-6)
    v = np.asarray(sim["patrol_detection_probability"])
    se = v.std(ddof=1) / math.sqrt(v.size)
    assert abs(v.mean() - expected) <= 4 * se + 1e-9, (v.mean(), expected, se)
    ag.check(s, a, sim, f"off duty r={radius:g}")


# ---------------------------------------------------------------- threat-weighted QRF
# 300 km in three 100 km sectors, threat 3:1:1, three bases (catchment = sector),
# two teams each, engagements 1 h, every incursion detected on arrival by sensors
# that cover the whole line. Base 1 gets 3/5 of the load: a_1 = 2ρ, a_2 = a_3 = 2ρ/3.

THREAT = """\
name: threat-qrf
theatre:
  line_km: 300
  sectors:
    - {name: A, length_km: 100, threat: 3}
    - {name: B, length_km: 100, threat: 1}
    - {name: C, length_km: 100, threat: 1}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors:
  - {name: a, troops: 100000}
posture:
  sensors: {count: 30, coverage_km_each: 10, availability: 1, detection_probability: 1}
  qrf: {bases: 3, teams_per_base: 2, team_size: 10, readiness_hours: 0.25,
        speed_kmh: 50, depth_km: 10, road_factor: 1.0, engagement_hours: 1.0}
incursions: {rate_per_day: 40, exposure_hours: 1}
simulation: {days: 40, replications: 20, seed: 5}
uncertainty: {samples: 1000, seed: 1}
"""


def relaxation_hours(c, a, s=1.0):
    """Odoni–Roth relaxation time s/(√c − √a)² (hours)."""
    return s / (math.sqrt(c) - math.sqrt(a)) ** 2


def threat_reference(rho):
    """Independent values of the threat case (Erlang C per base, mixture p90)."""
    shares = (0.6, 0.2, 0.2)
    loads = [2 * rho * w / 0.6 for w in shares]
    # Travel: |x − centre| uniform on [0, 50] km, + 10 km depth, at 50 km/h.
    pieces = [(w, 2, a, 1.0, 0.25, 0.2, 1.2, 1.0) for w, a in zip(shares, loads)]
    wait = sum(w * ag.erlang_c(2, a) / (2 - a) for w, a in zip(shares, loads))
    return {
        "qrf_wait_probability": sum(w * ag.erlang_c(2, a) for w, a in zip(shares, loads)),
        "qrf_wait_hours_mean": wait,
        "travel_hours_mean": 0.7,
        "response_hours_mean": wait + 0.25 + 0.7,
        "response_hours_p90": ag.quantile(lambda t: ag.response_cdf(t, pieces), 0.9),
        "qrf_utilisation": sum(loads) / 6.0,
        "qrf_peak_load": rho,
        "qrf_overloaded": 0.0,
        "qrf_bases_manned": 3.0,
    }


def threat_scenario(rho, days, reps, warmup=None):
    over = {"incursions.rate_per_day": 80.0 * rho, "simulation.days": days,
            "simulation.replications": reps}
    if warmup is not None:
        over["simulation.warmup_days"] = warmup
    return scenario_from(THREAT, over)


def _check_threat(rho, days, reps, warmup=None):
    s = threat_scenario(rho, days, reps, warmup)
    a, sim = analytic(s), ag.simulate(s, reps)
    ref = threat_reference(rho)
    wrong = {k: (float(np.mean(a[k])), v) for k, v in ref.items()
             if float(np.mean(a[k])) != pytest.approx(v, rel=1e-6, abs=1e-9)}
    assert not wrong, f"analytic vs independent reference at rho={rho}: {wrong}"
    ag.check(s, a, sim, f"threat 3:1:1 rho={rho}")


@pytest.mark.parametrize("rho", [0.5, 0.8])
def test_threat_weighted_qrf_agrees(rho):
    # A warm-up of 6 days ≥ 3 relaxation times of the busiest base (ρ = 0.8:
    # t_r = 45 h) and 200 measured days ≥ 100 of them: per-replication mean waits
    # are skewed, and 40 replications of short runs understate their spread.
    assert 6 * 24 >= 3 * relaxation_hours(2, 2 * rho)
    assert 200 * 24 >= 100 * relaxation_hours(2, 2 * rho)
    _check_threat(rho, days=206, reps=40, warmup=6)


@pytest.mark.slow
def test_threat_weighted_qrf_near_saturation_agrees():
    # ρ = 0.95 at base 1: t_r = 1/(√2 − √1.9)² ≈ 780 h ≈ 32.5 days. A warm-up of
    # 5 t_r leaves a start-up bias of order e^-5 of the wait; 20 t_r are measured
    # (the contract's threshold for a warning). Waits this close to saturation
    # are noisy (se ≈ 4% of the mean over 40 replications), which 4 SE allows for;
    # the 30% start-up bias of issue 11 would still fail.
    t_r_days = relaxation_hours(2, 1.9) / 24
    warm = math.ceil(5 * t_r_days)
    _check_threat(0.95, days=warm + math.ceil(20 * t_r_days), reps=40, warmup=warm)


def test_threat_weighted_qrf_past_capacity():
    # ρ = 1.25 at base 1 (a = 2.5 on 2 teams), 0.42 at the others.
    s = threat_scenario(1.25, days=30, reps=40)
    a, sim = analytic(s), ag.simulate(s, 40)
    for r in (a, sim):
        assert np.all(r["qrf_overloaded"] == 1)
        assert np.all(r["qrf_overloaded_bases"] == 1)
        assert np.all(np.isposinf(r["response_hours_p90"]))
        assert np.all(r["qrf_wait_probability"] == 1)
        assert [k.split(" (")[0] for k in r.base_overload] == ["base 1"], r.base_overload
    assert sim.warnings, "a base past capacity must be warned about (contract §4)"
    assert float(np.mean(a["qrf_peak_load"])) == pytest.approx(1.25)
    assert float(np.mean(a["qrf_utilisation"])) == pytest.approx((2 + 2 * 2.5 / 3) / 6)
    ag.check(s, a, sim, "threat 3:1:1 past capacity")


VISIBILITY = """\
name: visibility-qrf
theatre:
  line_km: 300
  sectors:
    - {name: open, length_km: 100, visibility: 1.0}
    - {name: mixed, length_km: 100, visibility: 0.5}
    - {name: forest, length_km: 100, visibility: 0.25}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors:
  - {name: a, troops: 100000}
posture:
  observation_posts: {spacing_km: 10, on_post: 2, radius_km: 4, detection_probability: 1}
  qrf: {bases: 3, teams_per_base: 2, team_size: 10, readiness_hours: 0.25,
        speed_kmh: 50, depth_km: 10, road_factor: 1.0, engagement_hours: 1.0}
incursions: {rate_per_day: 120, exposure_hours: 1}
simulation: {days: 206, replications: 40, seed: 17, warmup_days: 6}
uncertainty: {samples: 1000, seed: 1}
"""


def test_qrf_load_follows_detection_by_sector():
    # Posts cover 2 × 4 km × visibility per 10 km: 0.8, 0.4, 0.2 of the three
    # sectors; equal threats, so the detected load splits 4:2:1 over the bases
    # (base 1: 120/24 per hour × 1/3 × 0.8 × 1 h = 1.33 erlangs on 2 teams).
    s = scenario_from(VISIBILITY)
    a, sim = analytic(s), ag.simulate(s, 40)
    ref = {"detection_probability": (0.8 + 0.4 + 0.2) / 3, "op_coverage": (0.8 + 0.4 + 0.2) / 3,
           **ag.qrf_reference([(100, 1, 0.8), (100, 1, 0.4), (100, 1, 0.2)], 6, 3,
                              rate_per_hour=5.0, s=1.0, readiness=0.25, depth=10, speed=50,
                              road=1.0)}
    wrong = {k: (float(np.mean(a[k])), v) for k, v in ref.items()
             if float(np.mean(a[k])) != pytest.approx(v, rel=1e-6, abs=1e-9)}
    assert not wrong, f"analytic vs independent reference: {wrong}"
    ag.check(s, a, sim, "QRF load by sector visibility")


# ---------------------------------------------------------------- non-exponential engagements
# One base on 100 km, two teams, engagements of mean 1 h. The simulation is exact
# for M/G/c; the analytic model uses Allen–Cunneen (W_q × (1 + cv²)/2, P(wait) =
# Erlang C, conditional wait exponential). Bounds: relative error of the analytic
# value, measured against an own FCFS queue (200 streams × 55,000 customers):
#   deterministic ρ 0.5: P(wait) +3.1%, mean wait −5.6%, mean response −0.9%, p90 −3.4%
#   deterministic ρ 0.8: P(wait) +1.3%, mean wait −1.3%, mean response −0.7%, p90 +1.9%
#   lognormal cv 2 ρ 0.5: P(wait) −2.1%, mean wait +19.3%, mean response +8.2%, p90 +30.2%
#   lognormal cv 2 ρ 0.8: P(wait) −0.9%, mean wait +3.6%, mean response +2.9%, p90 +0.6%
# docs/model.md ("Measured error of Allen–Cunneen", rows c = 2) gives the same
# mean-wait errors (−5%, −2%, +19%, +0% within its noise) and P(wait) within 0.02.
# The bounds below are these, rounded up.

MGC_BOUNDS = {
    "deterministic": {"qrf_wait_probability": 0.05, "qrf_wait_hours_mean": 0.08,
                      "response_hours_mean": 0.02, "response_hours_p90": 0.05},
    "lognormal": {"qrf_wait_probability": 0.04, "qrf_wait_hours_mean": 0.25,
                  "response_hours_mean": 0.10, "response_hours_p90": 0.35},
}


def mgc_scenario(dist, rho, days, reps):
    qrf = {"bases": 1, "teams_per_base": 2, "team_size": 10, "readiness_hours": 0.25,
           "speed_kmh": 50, "depth_km": 10, "road_factor": 1.0, "engagement_hours": 1.0,
           "engagement_distribution": dist}
    if dist == "lognormal":
        qrf["engagement_cv"] = 2.0
    return scenario_from(LINE, {
        "posture.sensors": {"count": 10, "coverage_km_each": 10, "availability": 1,
                            "detection_probability": 1},
        "posture.qrf": qrf, "incursions.rate_per_day": 48.0 * rho,
        "simulation.days": days, "simulation.replications": reps,
        "simulation.warmup_days": 5})  # ≥ 2.5 relaxation times at ρ = 0.8 (t_r = 45 h)


def _service(dist):
    if dist == "deterministic":
        return lambda rng, n: np.ones(n)
    s2 = math.log(1 + 2.0 ** 2)
    return lambda rng, n: rng.lognormal(-s2 / 2, math.sqrt(s2), n)


@pytest.mark.slow
@pytest.mark.parametrize("rho", [0.5, 0.8])
@pytest.mark.parametrize("dist", ["deterministic", "lognormal"])
def test_non_exponential_engagements_within_stated_bound(dist, rho):
    bounds = MGC_BOUNDS[dist]
    cv2 = 0.0 if dist == "deterministic" else 4.0
    s = mgc_scenario(dist, rho, days=400, reps=32)
    a, sim = analytic(s), ag.simulate(s, 32)
    # The analytic model is Allen–Cunneen, computed here independently.
    c, load = 2, 2 * rho
    pw = ag.erlang_c(c, load)
    wq = pw / (c - load) * (1 + cv2) / 2
    assert float(np.mean(a["qrf_wait_probability"])) == pytest.approx(pw, rel=1e-6)
    assert float(np.mean(a["qrf_wait_hours_mean"])) == pytest.approx(wq, rel=1e-6)
    # The exact M/G/c answer from an own FCFS queue; the simulation must match it.
    q = ag.fcfs_queue(load, c, _service(dist), 30_000, 100, seed=11, burn=3_000)
    for name, exact, exact_se in (("qrf_wait_probability", q["wait_probability"],
                                   q["wait_probability_se"]),
                                  ("qrf_wait_hours_mean", q["wait_mean"], q["wait_mean_se"])):
        v = np.asarray(sim[name], dtype=float)
        se = math.hypot(v.std(ddof=1) / math.sqrt(v.size), exact_se)
        assert abs(v.mean() - exact) <= 4 * se, (name, v.mean(), exact, se)
        # The approximation's measured error is within the bound stated above.
        err = float(np.mean(a[name])) / exact - 1
        assert abs(err) <= bounds[name] + 4 * exact_se / exact, (name, err, bounds[name])
    ag.check(s, a, sim, f"{dist} rho={rho}", bounds=bounds)


def _ciw_waits(service, rate, c, hours, warm, seeds):
    """Per-seed mean wait and P(wait) of an M/G/c FIFO queue simulated with ciw."""
    import ciw  # in the test extra (pyproject.toml)
    net = ciw.create_network(arrival_distributions=[ciw.dists.Exponential(rate=rate)],
                             service_distributions=[service], number_of_servers=[c])
    means, pws = [], []
    for seed in range(seeds):
        ciw.seed(seed)
        q = ciw.Simulation(net)
        q.simulate_until_max_time(hours)
        w = np.array([r.waiting_time for r in q.get_all_records() if r.arrival_date > warm])
        means.append(w.mean())
        pws.append(np.mean(w > 1e-12))
    return np.array(means), np.array(pws)


@pytest.mark.slow
@pytest.mark.parametrize("dist", ["exponential", "deterministic"])
def test_simulation_queue_matches_ciw(dist):
    # A third-party discrete-event queue (ciw) for M/M/2 and M/D/2 at ρ = 0.8: the
    # simulation's waits match it within 4 SE, and ciw matches Erlang C (M/M/2).
    import ciw  # in the test extra (pyproject.toml)
    service = (ciw.dists.Exponential(rate=1.0) if dist == "exponential"
               else ciw.dists.Deterministic(value=1.0))
    means, pws = _ciw_waits(service, 1.6, 2, hours=4_000, warm=120, seeds=12)
    sim = ag.simulate(mgc_scenario(dist, 0.8, days=400, reps=32), 32)
    for name, ref in (("qrf_wait_hours_mean", means), ("qrf_wait_probability", pws)):
        v = np.asarray(sim[name], dtype=float)
        se = math.hypot(v.std(ddof=1) / math.sqrt(v.size), ref.std(ddof=1) / math.sqrt(ref.size))
        assert abs(v.mean() - ref.mean()) <= 4 * se, (name, v.mean(), ref.mean(), se)
    if dist == "exponential":
        pw = ag.erlang_c(2, 1.6)
        assert abs(pws.mean() - pw) <= 4 * pws.std(ddof=1) / math.sqrt(pws.size)
        assert abs(means.mean() - pw / 0.4) <= 4 * means.std(ddof=1) / math.sqrt(means.size)


# ---------------------------------------------------------------- layers together
# 240 km, 12 QRF bases (20 km catchments), posts, patrols and sensors together.
# Commensurate counts (60 sensors, 12 posts with 12 bases) phase-locked with
# aligned grids; random grid phases per replication (contract §2) remove that.
# Windows of 2 h against an 8 h round trip (patrols detect 44%) leave detection
# uneven along the line, so a phase-locked layout would move the detected
# incidents towards or away from the bases and show in travel and response.
# Waits carry the stated bound of the patrols' bursty detections (see the next
# test and docs/model.md): measured +3.1% to +4.3% on P(wait) and +3.8% to +5.6%
# on the mean wait over these five layouts (80 replications each); bound 8%.

LAYER_BOUNDS = {"qrf_wait_probability": 0.08, "qrf_wait_hours_mean": 0.08}

LAYERS = """\
name: layers
theatre: {line_km: 240}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors:
  - {name: a, troops: 100000}
posture:
  observation_posts: {spacing_km: 20, on_post: 2, radius_km: 2, detection_probability: 0.9}
  patrols: {teams: 12, team_size: 8, speed_kmh: 5, hours_per_day: 24}
  sensors: {count: 60, coverage_km_each: 2, availability: 0.8, detection_probability: 0.8}
  qrf: {bases: 12, teams_per_base: 2, team_size: 10, readiness_hours: 0.5,
        speed_kmh: 40, depth_km: 20, road_factor: 1.3, engagement_hours: 1.0}
incursions: {rate_per_day: 200, exposure_hours: 2}
simulation: {days: 40, replications: 80, seed: 7}
uncertainty: {samples: 1000, seed: 1}
"""


@pytest.mark.parametrize("sensors, posts", [(60, 12), (59, 12), (61, 12), (60, 11), (60, 13)])
def test_posts_patrols_sensors_together(sensors, posts):
    s = scenario_from(LAYERS, {"posture.sensors.count": sensors,
                               "posture.observation_posts.spacing_km": 240.0 / posts})
    a, sim = analytic(s), ag.simulate(s, 80)
    assert float(np.mean(a["observation_posts"])) == posts
    # Independent values: posts cover 2r·N/L (× 0.9), sensors N·2 km/L × 0.8 available
    # (× 0.8), patrols g(τ/T) = 1 − (1 − 2/8)²; layers independent; the QRF by §3.
    p_det = 1 - (1 - 0.9 * 4 * posts / 240) * (1 - 0.8 * 0.8 * 2 * sensors / 240) * (1 - 0.4375)
    ref = {"detection_probability": p_det, "op_coverage": 4 * posts / 240,
           "sensor_coverage": 0.8 * 2 * sensors / 240, "patrol_detection_probability": 0.4375,
           **ag.qrf_reference([(240, 1)], 24, 12, rate_per_hour=200 / 24, s=1.0, readiness=0.5,
                              depth=20, speed=40, road=1.3, p_detect=p_det)}
    wrong = {k: (float(np.mean(a[k])), v) for k, v in ref.items()
             if float(np.mean(a[k])) != pytest.approx(v, rel=1e-6, abs=1e-9)}
    assert not wrong, f"analytic vs independent reference: {wrong}"
    ag.check(s, a, sim, f"{sensors} sensors, {posts} posts, 12 bases", bounds=LAYER_BOUNDS)


@pytest.mark.slow
@pytest.mark.parametrize("layers", ["posts and sensors", "patrols"])
def test_patrol_detections_reach_the_qrf_in_bursts(layers):
    # Erlang C takes the detected incidents at a base as a Poisson stream. Posts and
    # sensors detect on arrival, so they are one: exact agreement. A patrol detects
    # what is pending along its path as it sweeps: just after a turn it crosses
    # ground it has just cleared and detects little, then more and more, so each
    # base's detections come in a periodic, bursty stream and waits are longer
    # than Erlang C says (docs/model.md states this approximation and its error).
    # Measured (200 replications of this 240 km line, 12 bases, τ = 2 h, T = 8 h):
    # posts and sensors alone: P(wait) 0.0409 simulated, 0.0409 Erlang C; patrols
    # alone: 0.0523 against 0.0401 (+30%), mean wait +35% (with τ = 12 h: +32% and
    # +46%). Bound for patrols alone: 40% on P(wait), 45% on the mean wait.
    s = scenario_from(LAYERS)
    if layers == "patrols":
        s = feasim.with_overrides(s, {"posture.observation_posts": None, "posture.sensors": None})
    else:
        s = feasim.with_overrides(s, {"posture.patrols": None})
    a, sim = analytic(s), ag.simulate(s, 100)
    bounds = None
    if layers == "patrols":
        # The simulation is right: an own brute force of sweeping patrols feeding
        # FIFO queues (tests/_agreement.py) gives the same waits.
        mc = ag.patrol_fed_queue_mc(240, 12, 12, 5.0, 2.0, 200, 2, 1.0, days=100, reps=20)
        for name, ref in mc.items():
            v = np.asarray(sim[name], dtype=float)
            se = math.hypot(v.std(ddof=1) / math.sqrt(v.size), ref.std(ddof=1) / math.sqrt(ref.size))
            assert abs(v.mean() - ref.mean()) <= 4 * se, (name, v.mean(), ref.mean(), se)
            # Erlang C reads low: the error is one-sided and within the bound.
            assert v.mean() > float(np.mean(a[name])), name
        bounds = {"qrf_wait_probability": 0.40, "qrf_wait_hours_mean": 0.45}
    ag.check(s, a, sim, f"QRF fed by {layers} only", bounds=bounds)


# ---------------------------------------------------------------- fewer QRF teams than bases

FEW = """\
name: few-teams
theatre:
  line_km: 240
  sectors:
    - {name: A, length_km: 80, threat: 1}
    - {name: B, length_km: 80, threat: 3}
    - {name: C, length_km: 80, threat: 1}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors:
  - {name: a, troops: 400}
posture:
  # No operators: the QRF, filled first, takes every combat troop; the sensors run
  # because some combat troops are in theatre (contract v3 §D).
  sensors: {count: 24, coverage_km_each: 10, availability: 1, detection_probability: 1,
            operators_on_duty: 0}
  qrf: {bases: 6, teams_per_base: 2, team_size: 10, readiness_hours: 0.25,
        speed_kmh: 50, depth_km: 10, road_factor: 1.0, engagement_hours: 1.0}
incursions: {rate_per_day: 24, exposure_hours: 1}
simulation: {days: 200, replications: 40, seed: 9}
uncertainty: {samples: 1000, seed: 1}
"""


@pytest.mark.parametrize("troops, teams, manned", [(400, 4, 4), (705, 7, 6)])
def test_fewer_qrf_teams_than_bases(troops, teams, manned):
    # 12 teams requested (564 persons); 200 combat troops fill 4 teams, 352.5 fill 7.
    # 4 teams: 4 bases manned, one team each, 60 km catchments. 7 teams: 6 bases,
    # the extra team at base 3 (km 80–120, threat 3, the first of the two busiest).
    s = scenario_from(FEW, {"contributors": [{"name": "a", "troops": troops}]})
    a, sim = analytic(s), ag.simulate(s, 40)
    for r in (a, sim):
        assert np.all(r["qrf_teams"] == teams)
        assert np.all(r["qrf_bases_manned"] == manned)
        assert np.all(r["qrf_overloaded"] == 0)
        assert np.all(r["qrf_no_force"] == 0)
        assert np.all(np.isfinite(r["response_hours_p90"]))
    # The analytic values against contract §3 written from scratch (staffing rule,
    # load shares by threat, Erlang C per base, the response mixture over pieces).
    ref = ag.qrf_reference([(80, 1), (80, 3), (80, 1)], teams, 6, rate_per_hour=1.0, s=1.0,
                           readiness=0.25, depth=10, speed=50, road=1.0)
    wrong = {k: (float(np.mean(a[k])), v) for k, v in ref.items()
             if float(np.mean(a[k])) != pytest.approx(v, rel=1e-6, abs=1e-9)}
    assert not wrong, f"analytic vs independent reference, {teams} teams: {wrong}"
    ag.check(s, a, sim, f"{teams} QRF teams for 6 bases")


# ---------------------------------------------------------------- no force


@pytest.mark.parametrize("honour", [0.0, 0.5])
def test_no_force(honour):
    s = scenario_from(THREAT, {
        "contributors": [{"name": "a", "troops": 100000, "honour_probability": honour}],
        # 20 days after a 1-day warm-up (4 relaxation times of base 1 at ρ = 0.5):
        # shorter runs start from empty queues and read waits low.
        "simulation.days": 21, "simulation.warmup_days": 1, "simulation.replications": 200,
        "uncertainty.samples": 20000})
    a, sim = analytic(s), ag.simulate(s, 200)
    for r in (a, sim):
        none = np.asarray(r["qrf_teams"]) == 0
        assert none.any()
        assert np.all(np.asarray(r["qrf_no_force"])[none] == 1)
        assert np.all(np.asarray(r["qrf_overloaded"])[none] == 0)
        assert np.all(np.asarray(r["qrf_bases_manned"])[none] == 0)
        assert np.all(np.isposinf(np.asarray(r["response_hours_mean"])[none]))
        for name in ("qrf_wait_probability", "qrf_utilisation", "qrf_peak_load"):
            assert np.all(np.isnan(np.asarray(r[name])[none])), name
    ag.check(s, a, sim, f"honour probability {honour}")


# ---------------------------------------------------------------- ramp-up and assessment day

RAMP = """\
name: ramp
theatre: {line_km: 100}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors:
  - {name: a, troops: 3000, start_day: 10, ramp_up_days: 30}
  - {name: b, troops: 2000, start_day: 0, ramp_up_days: {dist: uniform, low: 10, high: 40}}
posture:
  observation_posts: {spacing_km: 10, on_post: 2, radius_km: 2, detection_probability: 0.9}
  patrols: {teams: 20, team_size: 8, speed_kmh: 5}
  sensors: {count: 10, coverage_km_each: 5, availability: 0.8, detection_probability: 0.8}
  qrf: {bases: 2, teams_per_base: 2, team_size: 10, readiness_hours: 0.25,
        speed_kmh: 50, depth_km: 10, road_factor: 1.0, engagement_hours: 1.0}
incursions: {rate_per_day: 48, exposure_hours: 2}
simulation: {days: 70, replications: 40, seed: 13}
uncertainty: {samples: 20000, seed: 1}
"""


def test_ramp_up_assessment_day_and_steady_state():
    s = scenario_from(RAMP)
    sim = ag.simulate(s, 40)
    series = np.asarray(sim.series["in_theatre_troops"])
    for day in (5, 25, 38):
        a = analytic(feasim.with_overrides(s, {"force.assess_day": day}), samples=20000)
        # The force on that day: a's linear ramp, b's with a uniform ramp length.
        ramp_a = 3000 * min(1.0, max(0.0, (day - 10) / 30))
        ramp_b = 2000 * np.mean(np.minimum(1.0, day / np.linspace(10, 40, 300_001)))
        expected = ramp_a + ramp_b
        got_a = float(np.mean(a["in_theatre_troops"]))
        assert got_a == pytest.approx(expected, rel=2e-3), (day, got_a, expected)
        v = series[:, day]
        se = math.hypot(v.std(ddof=1) / math.sqrt(v.size),
                        np.std(a["in_theatre_troops"], ddof=1) / math.sqrt(a.samples))
        assert abs(v.mean() - got_a) <= 4 * se + 1e-6, (day, v.mean(), got_a, se)
    # Steady state: the warm-up follows the latest ramp end (max 10 + 30, 0 + 40 = 40
    # days), after which both read the full force.
    a = analytic(s, samples=20000)
    assert np.all(a["in_theatre_troops"] == 5000)
    assert np.allclose(sim["in_theatre_troops"], 5000)
    ag.check(s, a, sim, "ramp-up, steady state after the warm-up")


def test_warm_up_must_be_shorter_than_horizon():
    with pytest.raises(feasim.ScenarioError) as info:
        scenario_from(RAMP, {"simulation.days": 40, "simulation.warmup_days": 40})
    assert info.value.problems[0].rule == "warmup_not_shorter_than_horizon"


def test_ramp_up_longer_than_horizon_is_measured_whole_and_warned():
    # The automatic warm-up (40 days, the latest ramp end) would leave nothing of a
    # 30-day horizon: the simulation measures the whole horizon and says so, since
    # its metrics then are not the steady state the analytic model reads.
    s = scenario_from(RAMP, {"simulation.days": 30, "simulation.replications": 2})
    sim = ag.simulate(s, 2)
    assert any("ramp-up" in w for w in sim.warnings), sim.warnings


# ---------------------------------------------------------------- shipped scenarios

SHIPPED = sorted((ROOT / "scenarios" / "claims").glob("*.yaml")) + sorted(
    (ROOT / "scenarios" / "history").glob("*.yaml")) + sorted(
    (ROOT / "scenarios" / "geo").glob("*.yaml"))


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_agrees(path):
    # 200 replications, or enough that about 200 have a QRF to measure where the
    # force exists only in some draws (C6: 1 in 8, C12: 1 in 4, C8: 1 in 2): with
    # a few dozen skewed per-replication waits a 4-SE test fails by chance.
    s = feasim.load_scenario(path)
    a = analytic(s, samples=20000)
    share = 1.0
    if s.posture.qrf is not None:
        share = max(float(np.mean(np.isfinite(a["response_hours_mean"]))), 1 / 8)
    sim = ag.simulate(s, int(math.ceil(200 / share)))
    ag.check(s, a, sim, path.name)


@pytest.mark.slow
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_agrees_on_common_draws(path):
    # The same 200 draws of every uncertain input (pledges, conditions, honour,
    # sensor figures) given to both models: the spread of the inputs cancels pair
    # by pair, so this sees differences far smaller than the unpaired test can. As
    # above, enough draws that about 200 have a QRF: with only a few dozen, the rare
    # waits of a lightly loaded QRF (P(wait) ~ 0.002) are seen zero or one times and
    # the pairs' own spread understates the simulation's noise.
    s = feasim.load_scenario(path)
    n = 200
    if s.posture.qrf is not None:
        a = analytic(s, samples=20000)
        share = max(float(np.mean(np.isfinite(a["response_hours_mean"]))), 1 / 8)
        n = int(math.ceil(200 / share))
    ag.check_paired(s, n, path.name)


# ---------------------------------------------------------------- contract v3 (issue 12)
# The new detection mechanisms, each against a brute force or closed form written
# here and against the simulation.


def _exact_per_pass(hours, tau, radius, p, start=0.0, night=None):
    """Contract v3 §A/§C by quadrature over the window's start t0 (one day)."""
    from scipy.integrate import quad

    def A(t):
        day, rest = divmod(t - start, 24.0)
        return day * hours + min(rest, hours)

    def f(t0):
        M = A(t0 + tau) - A(t0)
        if M <= 0:
            return 0.0
        pp = p
        if night is not None and (t0 - night[0]) % 24.0 < night[1]:
            pp = min(1.0, p * night[2])
        X = (M + 2 * radius / 5.0) / T_ROUND
        k, xi = math.floor(X), X - math.floor(X)
        return 1.0 - (1.0 - pp) ** (2 * k) * (1.0 - pp * xi) ** 2

    edges = {0.0, 24.0}
    for k in (start, start + hours, start - tau, start + hours - tau):
        edges.add(k % 24.0)
    if night is not None:
        edges |= {night[0] % 24.0, (night[0] + night[1]) % 24.0}
    e = sorted(edges)
    return sum(quad(f, a, b, limit=400)[0] for a, b in zip(e, e[1:]) if b > a) / 24.0


@pytest.mark.parametrize("hours, radius, tau, p", [(24.0, 0.0, 6.0, 0.5), (12.0, 2.0, 6.0, 0.5),
                                                  (18.0, 0.0, 2.0, 0.3), (6.0, 2.0, 2.0, 0.7)])
def test_per_pass_patrol_detection_agrees(hours, radius, tau, p):
    s = scenario_from(LINE, {
        "posture.patrols": {"teams": 10, "team_size": 4, "speed_kmh": 5, "hours_per_day": hours,
                            "detection_radius_km": radius, "detection_probability": p},
        "incursions.exposure_hours": tau, "simulation.days": 20, "simulation.replications": 100})
    a, sim = analytic(s), ag.simulate(s, 100)
    prob, _ = ag.per_pass_patrol_mc(hours, tau, 10.0, 5.0, radius, p)
    mc, mc_se = prob.mean(), prob.std() / math.sqrt(prob.size)
    exact = _exact_per_pass(hours, tau, radius, p)
    assert abs(mc - exact) <= 4 * mc_se + 1e-4, (mc, mc_se, exact)
    assert float(np.mean(a["patrol_detection_probability"])) == pytest.approx(exact, abs=1e-6)
    ag.check(s, a, sim, f"per-pass p={p} h={hours:g} r={radius:g} tau={tau:g}")


NIGHT = """\
name: night
theatre: {line_km: 100}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors:
  - {name: a, troops: 100000}
posture:
  observation_posts: {spacing_km: 10, on_post: 2, radius_km: 1, detection_probability: 0.8}
  patrols: {teams: 10, team_size: 4, speed_kmh: 5, hours_per_day: 12, start_hour: 6,
            detection_probability: 0.8}
  sensors: {count: 5, coverage_km_each: 10, availability: 0.9, detection_probability: 0.6}
night: {start_hour: 18, hours: 10, posts: 0.5, patrols: 0.25, sensors: 1.5}
incursions: {rate_per_day: 200, exposure_hours: 3}
simulation: {days: 20, replications: 100, seed: 19}
uncertainty: {samples: 1000, seed: 1}
"""


def test_night_and_daylight_patrols_agree():
    # Daylight patrols (06–18 h) and a 10-hour night from 18 h with factors per layer
    # (sensors capped at 1). Reference: per incursion, the patrol's chance from the
    # brute force of counted passes, and the posts' and sensors' chances for a window
    # starting by day or by night; layers independent given the start.
    s = scenario_from(NIGHT)
    a, sim = analytic(s), ag.simulate(s, 100)
    prob, at_night = ag.per_pass_patrol_mc(12.0, 3.0, 10.0, 5.0, 0.0, 0.8, start_hour=6.0,
                                           night=(18.0, 10.0, 0.25))
    post = np.where(at_night, 0.2 * 0.8 * 0.5, 0.2 * 0.8)
    sensor = np.where(at_night, 0.5 * 0.9 * min(1.0, 0.6 * 1.5), 0.5 * 0.9 * 0.6)
    total = 1 - (1 - prob) * (1 - post) * (1 - sensor)
    exact_patrol = _exact_per_pass(12.0, 3.0, 0.0, 0.8, start=6.0, night=(18.0, 10.0, 0.25))
    assert abs(prob.mean() - exact_patrol) <= 4 * prob.std() / math.sqrt(prob.size) + 1e-4
    ref = {"patrol_detection_probability": exact_patrol,
           "detection_probability": total.mean()}
    for k, v in ref.items():
        got = float(np.mean(a[k]))
        assert abs(got - v) <= 4 * total.std() / math.sqrt(total.size) + 1e-4, (k, got, v)
    ag.check(s, a, sim, "night and daylight patrols")


RANDOM_SENSORS = """\
name: random-sensors
theatre: {line_km: 200}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors:
  - {name: a, troops: 100000}
posture:
  sensors: {count: 40, coverage_km_each: 10, availability: 0.8, detection_probability: 0.7,
            placement: random}
incursions: {rate_per_day: 200, exposure_hours: 1}
simulation: {days: 10, replications: 100, seed: 23}
uncertainty: {samples: 1000, seed: 1}
"""


def test_random_sensor_placement_agrees():
    s = scenario_from(RANDOM_SENSORS)
    a, sim = analytic(s), ag.simulate(s, 100)
    w_l = 10 / 200
    ref = {"sensor_coverage": 1 - (1 - 0.8 * w_l) ** 40,
           "detection_probability": 1 - (1 - 0.8 * 0.7 * w_l) ** 40}
    for k, v in ref.items():
        assert float(np.mean(a[k])) == pytest.approx(v, rel=1e-9), k
    ag.check(s, a, sim, "random sensor placement")


SHARED = """\
name: shared-cause
theatre: {line_km: 100}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors:
  - {name: a, troops: 100000}
posture:
  observation_posts: {spacing_km: 10, on_post: 2, radius_km: 2, detection_probability: 0.9}
  sensors: {count: 5, coverage_km_each: 10, availability: 1, detection_probability: 0.8}
shared_causes:
  fog: {probability: 0.3, posts: 0.2, sensors: 0.5}
incursions: {rate_per_day: 200, exposure_hours: 1}
simulation: {days: 60, replications: 100, seed: 29}
uncertainty: {samples: 1000, seed: 1}
"""


def test_shared_cause_agrees():
    # Posts cover 0.4 of the line (× 0.9), sensors 0.5 (× 0.8); fog on 30% of days
    # multiplies posts by 0.2 and sensors by 0.5: an exact two-state mixture.
    s = scenario_from(SHARED)
    a, sim = analytic(s), ag.simulate(s, 100)

    def both(fp, fs):
        return 1 - (1 - 0.4 * 0.9 * fp) * (1 - 0.5 * 0.8 * fs)

    expected = 0.7 * both(1, 1) + 0.3 * both(0.2, 0.5)
    assert float(np.mean(a["detection_probability"])) == pytest.approx(expected, rel=1e-9)
    ag.check(s, a, sim, "shared cause (fog)")


def test_surplus_patrols_agree():
    # Half the unassigned line combat troops form extra patrol teams of 4 (staff 4.7,
    # round the clock): extra = floor(0.5 × unassigned / (4 × 4.7)).
    s = scenario_from(LINE, {
        "contributors": [{"name": "a", "troops": 2000}],
        "posture.patrols": {"teams": 10, "team_size": 4, "speed_kmh": 5},
        "posture.surplus": {"patrols": 0.5},
        "incursions.exposure_hours": 1.0, "simulation.days": 10, "simulation.replications": 100})
    a, sim = analytic(s), ag.simulate(s, 100)
    unassigned = 1000 - 10 * 4 * 4.7
    extra = math.floor(0.5 * unassigned / (4 * 4.7))
    assert float(np.mean(a["patrol_teams"])) == 10 + extra
    T = 2 * (100 / (10 + extra)) / 5
    assert float(np.mean(a["patrol_detection_probability"])) == pytest.approx(
        1 - (1 - 1.0 / T) ** 2, rel=1e-9)
    ag.check(s, a, sim, "surplus patrols")


def test_worst_case_cell_agrees_with_simulated_detection_by_cell():
    """The analytic worst sector and hour (contract v3 §H) against the simulation's
    detection share in every sector × clock-hour cell: the brute-force cell values of
    tests/test_analytic_v3.py (written out per window start, independent of the model)
    within 4 binomial SE in all 72 cells, and the analytic worst cell among the
    simulation's weakest."""
    from feasim.simulation import detection_by_cell

    from .test_analytic_v3 import WORST, _brute_cells

    s = scenario_from(WORST, {"incursions.rate_per_day": 100, "simulation.days": 30,
                              "simulation.replications": 10, "simulation.seed": 5})
    sim = ag.simulate(s, 10)
    cells = detection_by_cell(sim)
    ref = _brute_cells()
    names = ["open", "forest", "hills"]
    z = np.empty(ref.shape)
    for i, name in enumerate(names):
        for hour in range(24):
            share, count = cells[f"{name}|{hour}"]
            assert count >= 100, (name, hour, count)
            z[i, hour] = (share - ref[i, hour]) / math.sqrt(ref[i, hour] * (1 - ref[i, hour]) / count)
    assert np.abs(z).max() <= 4, np.round(z, 2)
    a = feasim.evaluate(s, samples=1)
    worst = f"{a.worst_case['sector']}|{a.worst_case['hour']}"
    share, count = cells[worst]
    value = float(a["detection_probability_worst"][0])
    assert abs(share - value) <= 4 * math.sqrt(value * (1 - value) / count), (share, value)
    simulated = sorted(v for v, _ in cells.values())
    assert share <= simulated[5], (worst, share, simulated[:6])  # among the six weakest of 72
