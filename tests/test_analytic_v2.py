"""Known answers for the analytic model's v2 semantics (contract v2 §1 and §3).

Every expected value is computed here, independently of the code under test:
a brute-force time-stepped Monte Carlo of moving part-time patrols,
``scipy.integrate.quad`` of the contract's part-time formula, Erlang C from the
Erlang B formula with factorials, and a Monte Carlo of the QRF response mixture
that places incidents on the line and sends them to the base of their catchment.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

import feasim
from feasim.model.coverage import patrol_detection

from .conftest import BASE_YAML, scenario_from

# ---------------------------------------------------------------- part-time patrols


def _stepped_part_time(sub_km, speed, radius, h, tau, n=6000, dt=0.005, seed=0,
                       start=(0.0, 24.0)):
    """P(detect) from moving patrols stepped in clock time (no closed form used).

    One team patrols [0, sub_km] back and forth at ``speed`` while on duty (clock
    [24k, 24k + h)), standing still otherwise, from a uniform phase of its round
    trip; the incursion sits at a uniform point and is exposed from a uniform
    clock time t0 in ``start`` for ``tau`` hours. It is detected at a step where
    the team is on duty and within ``radius`` of it, or crosses it while moving.
    """
    rng = np.random.default_rng(seed)
    trip = 2.0 * sub_km / speed
    hits = 0
    for lo in range(0, n, 2000):
        m = min(2000, n - lo)
        x = rng.random(m) * sub_km
        phase = rng.random(m) * trip
        t0 = start[0] + rng.random(m) * (start[1] - start[0])
        t = t0[:, None] + np.arange(int(math.ceil(tau / dt)) + 1)[None, :] * dt
        t = np.minimum(t, (t0 + tau)[:, None])
        on = np.mod(t, 24.0) < h
        step = np.diff(t, axis=1, append=t[:, -1:])          # time to the next step
        moved = np.cumsum(on * step, axis=1) - on * step      # duty hours before each step
        u = np.mod(phase[:, None] + moved, trip)
        pos = np.where(u < trip / 2, speed * u, 2 * sub_km - speed * u)
        near = on & (np.abs(pos - x[:, None]) <= radius)
        side = np.sign(pos - x[:, None])
        crossed = on[:, :-1] & (side[:, :-1] != side[:, 1:])
        hits += int((near.any(axis=1) | crossed.any(axis=1)).sum())
    return hits / n


# (sub-sector km, speed km/h, radius km, hours per day, exposure hours):
# windows shorter and longer than the round trip T = 2ℓ/v, with and without radius.
PART_TIME = [
    (12.0, 5.0, 0.0, 12.0, 6.0),    # T = 4.8 h < τ (issue 11: 0.617, not 0.500)
    (24.0, 5.0, 2.0, 6.0, 3.0),     # T = 9.6 h > τ, radius 2 km
    (15.0, 5.0, 1.0, 18.0, 2.0),    # T = 6 h > τ
    (10.0, 5.0, 0.0, 6.0, 10.0),    # T = 4 h, window longer than the 6 h on duty
    (6.0, 4.0, 1.0, 12.0, 1.5),     # T = 3 h, radius 1 km
    (12.5, 5.0, 1.0, 18.0, 8.0),    # T = 5 h < τ, radius
]


@pytest.mark.slow
@pytest.mark.parametrize("sub_km, speed, radius, h, tau", PART_TIME)
def test_part_time_matches_moving_patrols(sub_km, speed, radius, h, tau):
    exact = float(patrol_detection(tau, 2 * sub_km / speed, radius / speed, h))
    mc = _stepped_part_time(sub_km, speed, radius, h, tau)
    se = math.sqrt(exact * (1 - exact) / 6000)
    assert abs(mc - exact) < 4 * se + 4e-3   # + the stepping's own error


def test_issue_example_part_time_longer_than_round_trip():
    # h = 12, τ = 6 h, T = 4.8 h: v1's P × h/24 gave 0.500; the exact value is 37/60.
    # By hand: M = 6 for t0 in [0, 6], ramps down to 0 on [6, 12], 0 on [12, 18],
    # ramps up on [18, 24]; g(M/T) = 1 once M ≥ T = 4.8, so the ramps give
    # 2·(1.2 + ∫₀^4.8 1 − (1 − m/4.8)² dm) = 2·(1.2 + 4.8·2/3).
    expected = (6 + 2 * (1.2 + 4.8 * 2 / 3)) / 24
    assert expected == pytest.approx(37 / 60)
    assert float(patrol_detection(6.0, 4.8, 0.0, 12.0)) == pytest.approx(expected, rel=1e-12)


def _duty_hours(t, h):
    """Duty hours in clock [0, t): a loop over days, written for the test."""
    total, day = 0.0, 0.0
    while day < t:
        total += min(max(t - day, 0.0), h)
        day += 24.0
    return total


def _contract_formula(tau, trip, radius_h, h):
    """Contract §1 by quadrature: mean over t0 ~ U[0, 24) of [M > 0]·g((M + 2r/v)/T)."""
    def f(t0):
        m = _duty_hours(t0 + tau, h) - _duty_hours(t0, h)
        if m <= 1e-12:
            return 0.0
        x = (m + 2 * radius_h) / trip
        return 1 - (1 - x) ** 2 if x < 1 else 1.0
    kinks = sorted({0.0, h % 24, (-tau) % 24, (h - tau) % 24, 24.0})
    pieces = zip(kinks, kinks[1:], strict=False)
    return sum(quad(f, a, b, limit=200)[0] for a, b in pieces if b > a) / 24


QUAD_CASES = [(tau, trip, rh, h)
              for h in (6.0, 12.0, 18.0, 23.5)
              for tau, trip, rh in ((0.5, 3.0, 0.0), (6.0, 4.8, 0.0), (2.0, 9.6, 0.4),
                                    (30.0, 10.0, 0.3), (20.0, 50.0, 1.0), (5.0, 2.0, 0.2))]


def test_part_time_matches_quadrature_vectorised():
    tau, trip, rh, h = (np.array(c) for c in zip(*QUAD_CASES, strict=True))
    got = patrol_detection(tau, trip, rh, h)          # one vectorised call, mixed cases
    expected = [_contract_formula(*c) for c in QUAD_CASES]
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12)


def test_full_day_is_the_continuous_formula():
    for tau, trip, rh in ((1.0, 2.4, 0.0), (2.0, 9.6, 0.4), (6.0, 4.8, 0.0)):
        x = (tau + 2 * rh) / trip
        expected = 1 - (1 - x) ** 2 if x < 1 else 1.0
        assert float(patrol_detection(tau, trip, rh, 24.0)) == pytest.approx(expected)
    assert float(patrol_detection(3.0, np.inf, 0.5, 12.0)) == 0.0   # no team


def test_window_wholly_off_duty_is_never_detected():
    # Regression (issue 11): a team off duty stands still and never detects, even
    # with a radius that always reaches the point (r = ℓ). Windows of 2 h opening
    # in [6, 22) hold no duty hour with h = 6.
    assert _stepped_part_time(10.0, 5.0, 10.0, 6.0, 2.0, n=2000, start=(6.0, 22.0)) == 0.0
    # With such a radius, P(detect) = P(the window holds a duty hour) = (h + τ)/24.
    assert float(patrol_detection(2.0, 4.0, 2.0, 6.0)) == pytest.approx(8 / 24)
    r = feasim.evaluate(scenario_from(overrides={
        "posture.patrols.hours_per_day": 6, "posture.patrols.detection_radius_km": 12,
        "incursions.exposure_hours": 2}), samples=20)
    assert float(np.mean(r["patrol_detection_probability"])) == pytest.approx(8 / 24)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1_000, 60_000), st.integers(0, 60_000),
       st.sampled_from([6.0, 12.0, 18.0, 24.0]), st.floats(0.5, 30.0),
       st.floats(0.0, 3.0))
def test_more_troops_never_lower_detection(troops, more, h, tau, radius):
    over = {"posture.patrols.hours_per_day": h, "incursions.exposure_hours": tau,
            "posture.patrols.detection_radius_km": radius}

    def detect(n):
        s = scenario_from(overrides={**over, "contributors": [{"name": "a", "troops": n}]})
        r = feasim.evaluate(s, samples=1)
        return float(r["patrol_detection_probability"][0]), float(r["detection_probability"][0])

    low, high = detect(troops), detect(troops + more)
    assert high[0] >= low[0] - 1e-12 and high[1] >= low[1] - 1e-12


# ---------------------------------------------------------------- QRF


def _erlang_c(c, a):
    """Erlang C from Erlang B, B(c, a) = (a^c/c!) / Σ_k a^k/k!, with factorials."""
    b = (a**c / math.factorial(c)) / sum(a**k / math.factorial(k) for k in range(c + 1))
    return c * b / (c - a * (1 - b))


THREE_SECTORS = BASE_YAML.replace("line_km: 1200", "line_km: 1200\n  sectors:\n"
                                  "    - {name: a, length_km: 400, threat: 3}\n"
                                  "    - {name: b, length_km: 400, threat: 1}\n"
                                  "    - {name: c, length_km: 400, threat: 1}")
# Only sensors detect, every incursion: detection is 1 in every sector.
SENSORS_ONLY = {"posture.observation_posts": None, "posture.patrols": None,
                "posture.sensors": {"count": 120, "coverage_km_each": 10, "availability": 1,
                                    "detection_probability": 1},
                "criteria": {}}
READY, DEPTH, ROAD, KMH = 0.5, 20.0, 1.3, 40.0


def _qrf(overrides, text=THREE_SECTORS, samples=50):
    return feasim.evaluate(scenario_from(text, {**SENSORS_ONLY, **overrides}), samples=samples)


def _m(r, name):
    return float(np.mean(r[name]))


def _mixture_mc(shares, bases, teams, load_total, s, n=400_000, seed=5):
    """Wait + readiness + travel by Monte Carlo: incidents placed on the line by threat,
    answered by the base of their catchment; waits of M/M/c per base."""
    rng = np.random.default_rng(seed)
    lengths = np.array([400.0, 400.0, 400.0])
    sector = rng.choice(3, size=n, p=shares)
    x = np.array([0.0, 400.0, 800.0])[sector] + rng.random(n) * lengths[sector]
    width = 1200.0 / bases
    j = np.minimum((x // width).astype(int), bases - 1)
    along = np.abs(x - (j + 0.5) * width)
    w_base = np.bincount(j, minlength=bases) / n
    a = load_total * w_base
    pw = np.array([_erlang_c(c, a_j) for c, a_j in zip(teams, a, strict=True)])
    rate = (np.array(teams) - a) / s                        # conditional wait: Exp(c/s − λ)
    wait = np.where(rng.random(n) < pw[j], rng.exponential(1 / rate[j]), 0.0)
    return wait + READY + (along + DEPTH) * ROAD / KMH


def _assert_p90(p90, mc):
    """The model's p90 is where the Monte Carlo's distribution function crosses 0.9,
    within 4 standard errors of a proportion (robust where the tail is long)."""
    assert abs(np.mean(mc <= p90) - 0.9) < 4 * math.sqrt(0.09 / mc.size)


def test_threat_weighted_loads_3_1_1_per_base_erlang_c():
    # 3 bases on 3 sectors of 400 km with threat 3:1:1: catchment = sector.
    # 16 detected incidents a day, 4 h each: 8/3 erlangs, split 0.6/0.2/0.2.
    r = _qrf({"incursions.rate_per_day": 16, "posture.qrf.bases": 3})
    shares, c, s = [0.6, 0.2, 0.2], 2, 4.0
    a = [16 / 24 * s * w for w in shares]                       # 1.6, 0.533, 0.533 erlangs
    pw = [_erlang_c(c, x) for x in a]
    assert _m(r, "qrf_bases_manned") == 3 and _m(r, "qrf_overloaded") == 0
    p_wait = sum(w * p for w, p in zip(shares, pw, strict=True))
    assert _m(r, "qrf_wait_probability") == pytest.approx(p_wait)
    wq = sum(w * p * s / (c - x) for w, p, x in zip(shares, pw, a, strict=True))
    assert _m(r, "qrf_wait_hours_mean") == pytest.approx(wq)
    travel = (100 + DEPTH) * ROAD / KMH                         # mean along = 400/4 km
    assert _m(r, "travel_hours_mean") == pytest.approx(travel)
    assert _m(r, "response_hours_mean") == pytest.approx(wq + READY + travel)
    assert _m(r, "qrf_utilisation") == pytest.approx(sum(a) / 6)
    assert _m(r, "qrf_peak_load") == pytest.approx(1.6 / 2)
    mc = _mixture_mc(shares, 3, [2, 2, 2], sum(a), s)
    _assert_p90(_m(r, "response_hours_p90"), mc)
    # Threat spread evenly would give the v1 answer: a lower p90.
    even = _qrf({"incursions.rate_per_day": 16, "posture.qrf.bases": 3}, text=BASE_YAML)
    assert _m(even, "response_hours_p90") < _m(r, "response_hours_p90")


def test_catchments_across_sector_boundaries_and_extra_team_to_busiest_base():
    # 2 bases on the 3:1:1 sectors: base 1 = [0, 600) holds sector a and half of b,
    # share 0.6 + 0.1 = 0.7. 1,000 reserve troops (500 combat) fill 3 teams of 141
    # of the 4 asked for: one each, and the extra one to base 1.
    # v3 (*): reserve troops fill no sensor operators; with none needed, the sensors
    # run (a force is in theatre) and still detect, as this test's loads assume.
    r = _qrf({"incursions.rate_per_day": 6, "posture.qrf.bases": 2,
              "posture.sensors.operators_on_duty": 0,
              "contributors": [{"name": "r", "troops": 1000, "role": "reserve"}]})
    assert _m(r, "qrf_teams") == 3
    shares, teams, s = [0.7, 0.3], [2, 1], 4.0
    lam_s = 6 / 24 * s
    a = [lam_s * w for w in shares]
    pw = [_erlang_c(c, x) for c, x in zip(teams, a, strict=True)]
    p_wait = sum(w * p for w, p in zip(shares, pw, strict=True))
    assert _m(r, "qrf_wait_probability") == pytest.approx(p_wait)
    wq = sum(w * p * s / (c - x) for w, p, c, x in zip(shares, pw, teams, a, strict=True))
    assert _m(r, "qrf_wait_hours_mean") == pytest.approx(wq)
    # Mean distance to the base: base 1 (centre 300): [0, 400) at density 0.6/400
    # (mean 150 × 0.45 + 50 × 0.15), [400, 600) at 0.2/400 (mean 200 × 0.1);
    # base 2 (centre 900): [600, 1200) at 0.2/400 (mean 150 × 0.3).
    along = 150 * 0.45 + 50 * 0.15 + 200 * 0.1 + 150 * 0.3
    assert _m(r, "travel_hours_mean") == pytest.approx((along + DEPTH) * ROAD / KMH)
    assert _m(r, "qrf_utilisation") == pytest.approx(sum(a) / 3)
    assert _m(r, "qrf_peak_load") == pytest.approx(max(a[0] / 2, a[1] / 1))
    mc = _mixture_mc([0.6, 0.2, 0.2], 2, teams, lam_s, s)
    _assert_p90(_m(r, "response_hours_p90"), mc)


def test_busiest_base_past_capacity_is_flagged_and_named():
    # One team per base; base 1 gets 0.6 of 1.875 erlangs = 1.125 (ρ = 1.125).
    rate = 1.875 / 4 * 24
    r = _qrf({"incursions.rate_per_day": rate, "posture.qrf.bases": 3,
              "posture.qrf.teams_per_base": 1})
    assert _m(r, "qrf_overloaded") == 1 and _m(r, "qrf_overloaded_bases") == 1
    assert r.base_overload == {"base 1 (km 0–400)": 1.0}
    assert _m(r, "qrf_peak_load") == pytest.approx(1.125)
    assert _m(r, "qrf_utilisation") == pytest.approx((1 + 0.375 + 0.375) / 3)
    assert _m(r, "qrf_wait_probability") == 1
    for name in ("qrf_wait_hours_mean", "response_hours_mean", "response_hours_p90"):
        assert np.isinf(r[name]).all()
    assert _m(r, "qrf_no_force") == 0


def test_fewer_teams_than_bases_mans_fewer_bases():
    # 1,000 reserve troops: 500 combat = 3 teams of 30 × 4.7 (v1: 6 bases, 3 unmanned,
    # "overloaded" at 4% utilisation). Now 3 bases of 400 km, one team each.
    # v3 (*): sensors with no operators run whenever a force is in theatre.
    r = _qrf({"contributors": [{"name": "r", "troops": 1000, "role": "reserve"}],
              "posture.sensors.operators_on_duty": 0,
              "incursions.rate_per_day": 1}, text=BASE_YAML)
    assert _m(r, "qrf_teams") == 3 and _m(r, "qrf_bases_manned") == 3
    assert _m(r, "qrf_overloaded") == 0 and _m(r, "qrf_no_force") == 0
    a = 1 / 24 * 4 / 3                                      # erlangs per base, one team
    assert _m(r, "qrf_utilisation") == pytest.approx(a) and a < 0.1
    assert _m(r, "qrf_wait_probability") == pytest.approx(a)    # M/M/1: P(wait) = ρ
    assert _m(r, "travel_hours_mean") == pytest.approx((100 + DEPTH) * ROAD / KMH)
    assert np.isfinite(r["response_hours_p90"]).all() and r.base_overload == {}
    assert any("unmanned" in w for w in r.warnings)          # a warning, not an overload
    full = _qrf({"incursions.rate_per_day": 1}, text=BASE_YAML)
    assert not any("unmanned" in w for w in full.warnings)


def test_no_force_is_not_overloaded():
    r = _qrf({"contributors": [{"name": "rear", "troops": 5000, "role": "rear"}]})
    assert _m(r, "qrf_no_force") == 1 and _m(r, "qrf_bases_manned") == 0
    assert _m(r, "qrf_overloaded") == 0 and _m(r, "qrf_overloaded_bases") == 0
    for name in ("qrf_wait_hours_mean", "response_hours_mean", "response_hours_p90"):
        assert np.isinf(r[name]).all()
    for name in ("qrf_wait_probability", "qrf_utilisation", "qrf_peak_load"):
        assert np.isnan(r[name]).all()
    assert r.base_overload == {}


def test_unmanned_warning_once_over_chunks():
    # Reserve troops uniform on [400, 3000]: from 2 to 10 of 12 teams (never none),
    # fewer than the 6 bases in part of the samples, over two chunks: one sentence.
    r = _qrf({"contributors": [{"name": "r", "role": "reserve",
                                "troops": {"dist": "uniform", "low": 400, "high": 3000}}]},
             text=BASE_YAML, samples=40_000)
    assert sum("unmanned" in w for w in r.warnings) == 1


def test_base_overload_shares_over_chunks():
    # Rate uniform on [20, 60] a day, 3 bases of 1 team: base 1 (share 0.6) is past
    # capacity once 0.6 × rate/24 × 4 ≥ 1, i.e. rate ≥ 10 — always; base 2 and 3
    # (0.2 each) once rate ≥ 30: a share 3/4 of the samples. 40,000 samples span
    # two chunks of the analytic pass.
    r = _qrf({"incursions.rate_per_day": {"dist": "uniform", "low": 20, "high": 60},
              "posture.qrf.bases": 3, "posture.qrf.teams_per_base": 1}, samples=40_000)
    shares = r.base_overload
    assert set(shares) == {"base 1 (km 0–400)", "base 2 (km 400–800)", "base 3 (km 800–1200)"}
    assert shares["base 1 (km 0–400)"] == 1.0
    assert shares["base 2 (km 400–800)"] == pytest.approx(0.75, abs=2e-3)
    assert shares["base 3 (km 800–1200)"] == pytest.approx(0.75, abs=2e-3)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(0.1, 200.0), st.integers(1, 12), st.integers(1, 4), st.floats(0.5, 12.0),
       st.integers(0, 8000), st.sampled_from([THREE_SECTORS, BASE_YAML]))
def test_utilisation_at_most_one_and_states_exclusive(rate, bases, per_base, hours, troops,
                                                       text):
    # Reserve troops fill the QRF only, from none to all of it (141 persons a team).
    r = _qrf({"incursions.rate_per_day": rate, "posture.qrf.bases": bases,
              "posture.qrf.teams_per_base": per_base, "posture.qrf.engagement_hours": hours,
              "contributors": [{"name": "r", "troops": troops, "role": "reserve"}]},
             text=text, samples=1)
    teams = _m(r, "qrf_teams")
    u, no_force, over = _m(r, "qrf_utilisation"), _m(r, "qrf_no_force"), _m(r, "qrf_overloaded")
    if no_force:
        assert teams == 0 and math.isnan(u) and over == 0 and _m(r, "qrf_bases_manned") == 0
    else:
        assert 0 <= u <= 1 + 1e-12
        assert _m(r, "qrf_bases_manned") == min(bases, teams)
        assert bool(over) == (_m(r, "qrf_peak_load") >= 1)
        assert bool(over) == np.isinf(r["response_hours_p90"][0])


def test_general_path_equals_fast_path_when_threat_is_uniform():
    # Not a known answer but a cross-check of the two code paths: with detected
    # incursions equally likely per km, cutting catchments at (any) sector
    # boundaries must change nothing. Mixed fills: 24, 25, 7, 13 and 3 teams.
    from feasim.model import qrf
    lam = np.array([0.3, 0.5, 1.0, 2.0, 0.1])
    teams = np.array([24.0, 25.0, 7.0, 13.0, 3.0])
    manned, line = np.minimum(12, teams), np.full(5, 1200.0)
    kmh = KMH / ROAD
    t0 = READY + DEPTH / kmh + np.zeros(5)
    fast = qrf._uniform(lam, 4.0, 1.0, teams, manned, line, t0, kmh)
    layout = [(0.0, 400.0), (400.0, 300.0), (700.0, 500.0)]
    general = qrf._general(lam, 4.0, 1.0, teams, manned, line, t0, kmh, layout,
                           [np.full(5, 1 / 1200)] * 3)
    for k in ("p_wait", "wait_mean", "travel", "util", "peak", "n_over"):
        np.testing.assert_allclose(general[k], fast[k], rtol=1e-12, err_msg=k)
    np.testing.assert_allclose(qrf._p90(general["groups"]),
                               qrf._p90(fast["groups"], lo=fast["lo"], start=fast["lo"]),
                               rtol=1e-9)


def test_p90_per_sample_equals_constant_runs():
    # Samples differ (rate sampled): each sample's p90 is the one of a run at its
    # rate alone (solved once for all samples there), on the 3:1:1 sectors.
    r = _qrf({"incursions.rate_per_day": {"dist": "uniform", "low": 2, "high": 14},
              "posture.qrf.bases": 3}, samples=7)
    rates = r.inputs["incursions.rate_per_day"]
    for i in (0, 3, 6):
        one = _qrf({"incursions.rate_per_day": float(rates[i]), "posture.qrf.bases": 3},
                   samples=2)
        assert r["response_hours_p90"][i] == pytest.approx(one["response_hours_p90"][0],
                                                           rel=1e-9)


def test_sampled_bases_and_line():
    # Bases and line length sampled: each sample has its own layout of B_m bases,
    # travel (depth + L/(4 B_m)) × road/speed, and its own base labels.
    r = _qrf({"posture.qrf.bases": {"dist": "uniform", "low": 1.5, "high": 3.5},
              "theatre.line_km": {"dist": "uniform", "low": 900, "high": 1500},
              "posture.qrf.teams_per_base": 1, "incursions.rate_per_day": 100,
              "adversary.attack_sector_km": 10},
             text=BASE_YAML, samples=400)
    bases = r.inputs["posture.qrf.bases"]
    line = r.inputs["theatre.line_km"]
    assert set(np.unique(bases)) == {2.0, 3.0}
    np.testing.assert_array_equal(r["qrf_bases_manned"], bases)
    np.testing.assert_allclose(r["travel_hours_mean"],
                               (DEPTH + line / (4 * bases)) * ROAD / KMH, rtol=1e-12)
    # 100 a day × 4 h over at most 3 one-team bases: every base past capacity.
    assert (r["qrf_overloaded_bases"] == bases).all()
    # Labels name km to 0.1: layouts that round alike share a label (and its count).
    labels = Counter(f"base {j + 1} (km {round(j * L / b, 1):g}–{round((j + 1) * L / b, 1):g})"
                     for b, L in zip(bases, line, strict=True) for j in range(int(b)))
    assert r.base_overload == pytest.approx({k: v / 400 for k, v in labels.items()})
