"""Known answers for the analytic model's v3 semantics (contract v3 §A–§H).

Every expected value is computed here, independently of the code under test: a
Monte Carlo of moving patrols that enumerates each team's passes over the point
(uniform point, phase and start time; duty hours counted day by day), the
closed forms the contract states, a Monte Carlo of randomly placed sensors, a
brute-force grid over sectors × clock hours for the worst case, and staffing
and surplus patrols by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feasim
from feasim.models import AnalyticModel

from .conftest import BASE_YAML, scenario_from

DAY = 24.0


def _patrol_yaml(line=120.0, teams=10, speed=5.0, hours=24.0, radius=0.0, p=1.0, start=0.0,
                 tau=6.0, visibility=1.0, night=None, troops=1_000_000):
    night_text = "" if night is None else f"night: {night}\n"
    return f"""\
name: v3
theatre:
  line_km: {line}
  sectors: [{{name: s, length_km: {line}, visibility: {visibility}}}]
force: {{basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}}
contributors: [{{name: a, troops: {troops}}}]
posture:
  patrols: {{teams: {teams}, team_size: 8, speed_kmh: {speed}, hours_per_day: {hours},
            detection_radius_km: {radius}, detection_probability: {p}, start_hour: {start}}}
incursions: {{rate_per_day: 10, exposure_hours: {tau}}}
{night_text}"""


def _metric(text, name, overrides=None, samples=1):
    r = feasim.evaluate(scenario_from(text, overrides), samples=samples)
    return float(np.mean(r[name]))


def _duty(t, h, start):
    """Duty hours in clock [0, t) for teams out [start + 24k, start + 24k + h): day by day."""
    total = np.zeros_like(t)
    for k in range(-1, int(np.max(t) // DAY) + 2):
        a = start + DAY * k
        total += np.clip(np.minimum(t, a + h) - a, 0.0, None)
    return total


def _passes_mc(sub_km, speed, radius, h, tau, p, start=0.0, visibility=1.0, night=None,
               n=200_000, seed=0):
    """P(detect) from moving patrols, contract v3 §A–§C, by Monte Carlo.

    A team runs back and forth on [0, ℓ] in motion time (duty hours), from a
    uniform phase φ; the incursion sits at a uniform y and opens at a uniform
    clock t0. Its passes over y are the motion times where the triangle wave
    crosses y, enumerated here; a pass counts if it lies within r/v of the
    window's duty hours [m0, m0 + M] (and M > 0); each counted pass detects with
    probability p × min(1, visibility) (× the night factor at night).
    """
    rng = np.random.default_rng(seed)
    trip = 2.0 * sub_km / speed
    y = rng.random(n) * sub_km
    phase = rng.random(n) * trip
    t0 = rng.random(n) * DAY
    m0 = _duty(t0, h, start)
    big_m = _duty(t0 + tau, h, start) - m0
    reach = radius * visibility / speed
    p_eff = np.full(n, p * min(1.0, visibility))
    if night is not None:
        a, length, factor = night
        at_night = np.mod(t0 - a, DAY) < length
        p_eff = np.where(at_night, p_eff * factor, p_eff)
    p_eff = np.minimum(p_eff, 1.0)
    k = np.arange(-2, int(math.ceil((3 * DAY + tau + 2 * reach) / trip)) + 3)[None, :]
    lo, hi = (m0 - reach)[:, None], (m0 + big_m + reach)[:, None]
    count = np.zeros(n)
    for first in (y / speed - phase, trip - y / speed - phase):
        c = first[:, None] + k * trip
        count += ((c >= lo) & (c <= hi)).sum(axis=1)
    count = np.where(big_m > 0, count, 0)
    return float(np.mean(1.0 - (1.0 - p_eff) ** count))


# (sub-sector km, speed, radius km, hours/day, τ, p, start hour, visibility)
PASSES = [
    (12.0, 5.0, 0.0, 24.0, 3.0, 0.5, 0.0, 1.0),    # τ < T = 4.8 h: closed form
    (12.0, 5.0, 0.0, 24.0, 6.0, 0.5, 0.0, 1.0),    # τ > T: two or three passes
    (12.0, 5.0, 1.0, 24.0, 10.0, 0.3, 0.0, 0.6),   # radius, visibility < 1
    (12.0, 5.0, 0.0, 12.0, 6.0, 0.6, 6.0, 1.0),    # daylight patrols from 06:00
    (24.0, 5.0, 2.0, 6.0, 3.0, 0.8, 20.0, 1.3),    # duty wraps midnight, visibility > 1
    (6.0, 4.0, 1.0, 18.0, 1.5, 0.4, 3.5, 1.0),     # short round trip, radius
]


@pytest.mark.parametrize("sub, speed, radius, h, tau, p, start, vis", PASSES)
def test_per_pass_probability_matches_moving_patrols(sub, speed, radius, h, tau, p, start,
                                                     vis):
    teams = 10
    text = _patrol_yaml(line=sub * teams, teams=teams, speed=speed, hours=h, radius=radius,
                        p=p, start=start, tau=tau, visibility=vis)
    exact = _metric(text, "patrol_detection_probability")
    mc = _passes_mc(sub, speed, radius, h, tau, p, start, vis)
    se = math.sqrt(max(exact * (1 - exact), 1e-4) / 200_000)
    assert abs(mc - exact) < 4 * se


def test_night_factor_on_passes_matches_moving_patrols():
    # Night 18:00-06:00 halves the per-pass probability; part-time duty from 06:00.
    night = "{start_hour: 18, hours: 12, patrols: 0.5, posts: 1, sensors: 1}"
    text = _patrol_yaml(line=120, teams=10, speed=5, hours=16, radius=0.5, p=0.8,
                        start=6, tau=4, night=night)
    exact = _metric(text, "patrol_detection_probability")
    mc = _passes_mc(12.0, 5.0, 0.5, 16.0, 4.0, 0.8, 6.0, 1.0, night=(18.0, 12.0, 0.5))
    assert abs(mc - exact) < 4 * math.sqrt(exact * (1 - exact) / 200_000)


@pytest.mark.parametrize("tau, trip, p", [(1.0, 4.8, 0.5), (3.0, 4.8, 0.9), (2.0, 9.6, 0.2)])
def test_closed_form_window_shorter_than_round_trip(tau, trip, p):
    # 1 − (1 − pτ/T)² for τ < T, h = 24: 10 teams at 5 km/h on 10 × T × 5 / 2 km.
    line = 10 * trip * 5.0 / 2.0
    text = _patrol_yaml(line=line, teams=10, speed=5.0, p=p, tau=tau)
    assert _metric(text, "patrol_detection_probability") == pytest.approx(
        1 - (1 - p * tau / trip) ** 2, rel=1e-12)
    assert _passes_mc(line / 10, 5.0, 0.0, 24.0, tau, p) == pytest.approx(
        1 - (1 - p * tau / trip) ** 2, abs=4 * math.sqrt(0.25 / 200_000))


def test_every_pass_detecting_is_v2():
    # p = 1 reproduces v2's g(x): τ = 6 h, T = 9.6 h.
    text = _patrol_yaml(line=120, teams=5, speed=5.0, tau=6.0)
    assert _metric(text, "patrol_detection_probability") == pytest.approx(0.859375)


def test_per_sample_inputs_are_vectorised():
    # Any numeric input may vary per sample: one pass equals one sample at a time.
    s = scenario_from(_patrol_yaml(line=120, teams=10, speed=5, hours=12, radius=0.5,
                                   p=0.5, start=6, tau=4,
                                   night="{start_hour: 20, hours: 9, patrols: 0.4}"))
    inputs = {"posture.patrols.detection_probability": np.array([0.2, 0.5, 0.9, 1.0]),
              "posture.patrols.hours_per_day": np.array([6.0, 12.0, 20.0, 24.0]),
              "night.patrols": np.array([0.1, 0.4, 1.0, 2.0])}
    together = AnalyticModel().evaluate(s, inputs=inputs, n=4)
    for i in range(4):
        one = AnalyticModel().evaluate(s, inputs={k: v[i:i + 1] for k, v in inputs.items()},
                                       n=1)
        for name in ("patrol_detection_probability", "detection_probability_worst",
                     "detection_worst_hour"):
            assert together[name][i] == pytest.approx(one[name][0], rel=1e-12, abs=1e-15)


# ---------------------------------------------------------------- sensors


def _sensor_yaml(count, width=10.0, avail=0.8, p=0.7, placement="random", line=600.0,
                 operators=0.25, troops=1_000_000, role="line"):
    return f"""\
name: sensors
theatre: {{line_km: {line}}}
force: {{basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}}
contributors: [{{name: a, troops: {troops}, role: {role}}}]
posture:
  sensors: {{count: {count}, coverage_km_each: {width}, availability: {avail},
            detection_probability: {p}, placement: {placement},
            operators_on_duty: {operators}}}
"""


def _random_sensors_mc(k, width, avail, p, line, n=200_000, seed=1):
    """Points and k sensors at uniform positions on a closed line; each sensor whose
    view (±w/2, distances mod L) holds the point is, independently, working (a) and
    detecting (p)."""
    rng = np.random.default_rng(seed)
    x = rng.random(n) * line
    miss_cov = np.ones(n)
    miss_det = np.ones(n)
    for _ in range(k):
        s = rng.random(n) * line
        dist = np.abs(np.mod(x - s + line / 2, line) - line / 2)
        inside = dist <= width / 2
        working = rng.random(n) < avail
        hit = rng.random(n) < p
        miss_cov *= ~(inside & working)
        miss_det *= ~(inside & working & hit)
    return 1 - miss_cov.mean(), 1 - miss_det.mean()


@pytest.mark.parametrize("k, width", [(20, 10.0), (120, 10.0), (60, 40.0)])
def test_random_placement_closed_form_and_monte_carlo(k, width):
    line, a, p = 600.0, 0.8, 0.7
    text = _sensor_yaml(k, width, a, p, "random", line)
    cov, det = _metric(text, "sensor_coverage"), _metric(text, "detection_probability")
    assert cov == pytest.approx(1 - (1 - a * width / line) ** k, rel=1e-12)
    assert det == pytest.approx(1 - (1 - a * p * width / line) ** k, rel=1e-12)
    mc_cov, mc_det = _random_sensors_mc(k, width, a, p, line)
    assert abs(mc_cov - cov) < 4 * math.sqrt(cov * (1 - cov) / 200_000) + 1e-4
    assert abs(mc_det - det) < 4 * math.sqrt(det * (1 - det) / 200_000) + 1e-4


def test_even_placement_is_v2_and_saturates_where_random_keeps_growing():
    even = [_metric(_sensor_yaml(k, placement="even"), "sensor_coverage") for k in (60, 120)]
    assert even == [pytest.approx(0.8), pytest.approx(0.8)]   # min(1, k·w/L)·a
    rnd = [_metric(_sensor_yaml(k), "detection_probability") for k in (60, 120, 240)]
    assert rnd[0] < rnd[1] < rnd[2]


def test_no_sensor_coverage_without_a_force():
    # Operators needed: filled in proportion; 600 combat troops fill 600/(200×0.25×4.7).
    text = _sensor_yaml(200, placement="even", troops=1200)
    share = 600 / (200 * 0.25 * 4.7)
    assert _metric(text, "sensors") == math.floor(200 * min(1.0, share))
    assert _metric(text, "sensor_persons") == pytest.approx(200 * 0.25 * 4.7)
    # No operators needed: all run with any line or reserve troops, none without.
    assert _metric(_sensor_yaml(200, operators=0, troops=10, role="reserve"), "sensors") == 200
    assert _metric(_sensor_yaml(200, operators=0, troops=10_000, role="rear"), "sensors") == 0
    assert _metric(_sensor_yaml(200, operators=0, troops=10_000, role="rear"),
                   "detection_probability") == 0


# ---------------------------------------------------------------- shared causes


LAYERED = """\
name: layered
theatre: {line_km: 1200}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors: [{name: a, troops: 1000000}]
posture:
  observation_posts: {spacing_km: 10, on_post: 2, radius_km: 2, detection_probability: 0.9}
  patrols: {teams: 50, team_size: 8, speed_kmh: 5, detection_probability: 0.6}
  sensors: {count: 30, coverage_km_each: 10, availability: 0.8, detection_probability: 0.7}
incursions: {rate_per_day: 10, exposure_hours: 3}
"""


def test_shared_cause_is_the_documented_mixture():
    pi, f_op, f_pat, f_sen = 0.3, 0.5, 0.4, 0.2
    text = LAYERED + (f"shared_causes:\n  fog: {{probability: {pi}, posts: {f_op}, "
                      f"patrols: {f_pat}, sensors: {f_sen}}}\n")
    c_op, c_sen = 120 * 4 / 1200, 30 * 10 / 1200 * 0.8    # coverage of posts and sensors
    x = 3 / 9.6                                           # τ/T, one pass at most

    def layers(fo, fp, fs):
        return [c_op * min(1, 0.9 * fo), 1 - (1 - min(1, 0.6 * fp) * x) ** 2,
                c_sen * min(1, 0.7 * fs)]

    def joint(ps):
        return 1 - math.prod(1 - q for q in ps)

    expected = pi * joint(layers(f_op, f_pat, f_sen)) + (1 - pi) * joint(layers(1, 1, 1))
    assert _metric(text, "detection_probability") == pytest.approx(expected, rel=1e-12)
    # Independence is the special case without the cause.
    assert _metric(LAYERED, "detection_probability") == pytest.approx(
        joint(layers(1, 1, 1)), rel=1e-12)


def test_two_causes_multiply_when_both_active():
    text = LAYERED + ("shared_causes:\n  fog: {probability: 0.5, posts: 0.5}\n"
                      "  smoke: {probability: 0.2, posts: 0.4}\n")
    c_op = 120 * 4 / 1200
    p_pat = 1 - (1 - 0.6 * 3 / 9.6) ** 2
    p_sen = 30 * 10 / 1200 * 0.8 * 0.7
    states = [(0.5 * 0.8, 1.0), (0.5 * 0.8, 0.5), (0.5 * 0.2, 0.4), (0.5 * 0.2, 0.2)]
    expected = sum(w * (1 - (1 - c_op * 0.9 * f) * (1 - p_pat) * (1 - p_sen))
                   for w, f in states)
    assert _metric(text, "detection_probability") == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- staffing and surplus


OSCE = """\
name: monitors
theatre: {line_km: 500}
force:
  basis: in_theatre
  support_fraction: 0.5
  staff_per_position: 4.7
  staffing: {posts: 5, sensor_operators: 2, qrf: 6}
contributors: [{name: osce, troops: 1200}]
posture:
  observation_posts: {spacing_km: 100, on_post: 2}
  patrols: {teams: 70, team_size: 5, hours_per_day: 12, start_hour: 6, kind: monitor}
  sensors: {count: 10, coverage_km_each: 5, operators_on_duty: 0.5}
  qrf: {bases: 1, teams_per_base: 1, team_size: 10}
"""


def test_staffing_by_kind_by_hand():
    r = feasim.evaluate(scenario_from(OSCE), samples=1)
    posts = 5 * 2 * 5                    # 5 posts × 2 on post × 5 (posts)
    monitors = 70 * 5 * 3.43 * 12 / 24   # monitor teams: the schema's 3.43 per position
    sensors = 10 * 0.5 * 2               # 10 sensors × 0.5 on duty × 2 (sensor operators)
    qrf = 1 * 10 * 6                     # 1 team of 10 × 6 (qrf)
    assert float(r["sensor_persons"][0]) == pytest.approx(sensors)
    assert float(r["required_combat_troops"][0]) == pytest.approx(
        posts + monitors + sensors + qrf)
    # 600 combat troops: the QRF first (60), then 540 for the rest in proportion.
    share = (600 - qrf) / (posts + monitors + sensors)
    assert float(r["patrol_teams"][0]) == math.floor(70 * share)
    assert float(r["observation_posts"][0]) == math.floor(5 * share)
    assert float(r["sensors"][0]) == math.floor(10 * share)
    # Armed crews at the default 4.7 would fill fewer teams.
    armed = feasim.evaluate(scenario_from(OSCE, {"posture.patrols.kind": "armed"}),
                            samples=1)
    assert float(armed["patrol_teams"][0]) < float(r["patrol_teams"][0])


def test_surplus_patrols_by_hand():
    over = {"contributors": [{"name": "a", "troops": 100_000}],
            "posture.surplus.patrols": 0.5}
    r = feasim.evaluate(scenario_from(BASE_YAML, over), samples=1)
    need = 1200 / 5 * 2 * 4.7 + 100 * 8 * 4.7 + 6 * 2 * 30 * 4.7 + 50 * 0.25 * 4.7
    left = 50_000 - need
    per_team = 8 * 4.7 * 24 / 24
    extra = math.floor(0.5 * left / per_team)
    assert float(r["surplus_patrol_teams"][0]) == extra
    assert float(r["patrol_teams"][0]) == 100 + extra
    assert float(r["patrol_teams_required"][0]) == 100
    assert float(r["unassigned_combat_troops"][0]) == pytest.approx(left - extra * per_team)
    plain = feasim.evaluate(scenario_from(BASE_YAML, {"contributors": over["contributors"]}),
                            samples=1)
    assert float(r["revisit_hours_mean"][0]) < float(plain["revisit_hours_mean"][0])
    assert float(r["detection_probability"][0]) >= float(plain["detection_probability"][0])
    assert float(r["fill_ratio"][0]) == float(plain["fill_ratio"][0]) == 1


# ---------------------------------------------------------------- worst case


WORST = """\
name: worst
theatre:
  line_km: 600
  sectors:
    - {name: open, length_km: 300, visibility: 1.0, threat: 1}
    - {name: forest, length_km: 200, visibility: 0.5, threat: 2}
    - {name: hills, length_km: 100, visibility: 0.8, threat: 1}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors: [{name: a, troops: 1000000}]
posture:
  observation_posts: {spacing_km: 20, on_post: 2, radius_km: 2, detection_probability: 0.8}
  patrols: {teams: 30, team_size: 8, speed_kmh: 5, hours_per_day: 14, start_hour: 5.5,
            detection_radius_km: 0.5, detection_probability: 0.7}
  sensors: {count: 20, coverage_km_each: 5, availability: 0.9, detection_probability: 0.6}
incursions: {rate_per_day: 10, exposure_hours: 3}
night: {start_hour: 19.25, hours: 10.5, posts: 0.4, patrols: 0.5, sensors: 0.9}
shared_causes:
  rain: {probability: 0.25, posts: 0.5, patrols: 0.8, sensors: 0.5}
"""


def _brute_cells(per_hour=1200):
    """P(detect) per sector × clock hour by a midpoint grid over the window's start,
    from the contract's formulas written out per start time."""
    line, teams, speed, h, start, r, p = 600, 30, 5.0, 14.0, 5.5, 0.5, 0.7
    tau, trip = 3.0, 2 * 600 / (30 * 5.0)
    vis = [1.0, 0.5, 0.8]
    t0 = (np.arange(24 * per_hour) + 0.5) / per_hour
    at_night = np.mod(t0 - 19.25, 24) < 10.5
    m = _duty(t0 + tau, h, start) - _duty(t0, h, start)
    out = np.zeros((3, 24))
    for s, v in enumerate(vis):
        total = np.zeros_like(t0)
        for w, fo, fp, fs in ((0.75, 1, 1, 1), (0.25, 0.5, 0.8, 0.5)):
            nf = np.where(at_night, 1, 0)
            p_op = min(1, 30 * 4 * v / line) * np.minimum(1, 0.8 * fo * np.where(nf, 0.4, 1))
            p_sen = min(1, 20 * 5 * v / line) * 0.9 * np.minimum(1, 0.6 * fs * np.where(nf, 0.9, 1))
            q = np.minimum(1, p * min(1, v) * fp * np.where(nf, 0.5, 1))
            x = (m + 2 * r * v / speed) / trip
            n, xi = np.floor(x), x - np.floor(x)
            p_pat = np.where(m > 0, 1 - (1 - q) ** (2 * n) * (1 - q * xi) ** 2, 0.0)
            total += w * (1 - (1 - p_op) * (1 - p_sen) * (1 - p_pat))
        out[s] = total.reshape(24, per_hour).mean(axis=1)
    return out


def test_worst_cell_by_brute_force_and_never_above_average():
    r = feasim.evaluate(scenario_from(WORST), samples=1)
    cells = _brute_cells()
    s, k = np.unravel_index(np.argmin(cells), cells.shape)
    assert float(r["detection_probability_worst"][0]) == pytest.approx(cells.min(), abs=2e-5)
    assert float(r["detection_worst_hour"][0]) == k
    assert r.worst_case == {"sector": ["open", "forest", "hills"][s], "hour": int(k),
                            "share": 1.0}
    weights = np.array([300, 400, 100]) / 800
    assert float(r["detection_probability"][0]) == pytest.approx(
        float(weights @ cells.mean(axis=1)), abs=2e-5)
    assert float(r["detection_probability_worst"][0]) <= float(r["detection_probability"][0])


def test_worst_case_without_time_dependence_is_the_weakest_sector_at_hour_0():
    over = {"posture.patrols.hours_per_day": 24, "night": None, "shared_causes": {}}
    r = feasim.evaluate(scenario_from(WORST, over), samples=1)
    assert float(r["detection_worst_hour"][0]) == 0 and r.worst_case["sector"] == "forest"
    assert float(r["detection_probability_worst"][0]) < float(r["detection_probability"][0])


# ---------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2_000, 60_000), st.integers(0, 60_000), st.integers(0, 200),
       st.integers(0, 200), st.floats(0.0, 0.9), st.floats(0.0, 0.9),
       st.sampled_from(["even", "random"]))
def test_more_troops_sensors_or_surplus_never_lower_detection(troops, more, k, more_k,
                                                              share, more_share, placement):
    text = WORST.replace("count: 20", f"count: {k}, placement: {placement}")

    def det(t, kk, sh, ops=0.25):
        over = {"contributors": [{"name": "a", "troops": t}], "posture.sensors.count": kk,
                "posture.surplus.patrols": sh, "posture.sensors.operators_on_duty": ops}
        r = feasim.evaluate(scenario_from(text, over), samples=1)
        return float(r["detection_probability"][0]), float(r["detection_probability_worst"][0])

    base = det(troops, k, share)
    pairs = [(base, det(troops + more, k, share)),
             (base, det(troops, k, min(0.99, share + more_share))),
             # More sensors: where the force runs them all, or they need no operators
             # (with a short force, their operators are taken from posts and patrols).
             (det(1_000_000, k, share), det(1_000_000, k + more_k, share)),
             (det(troops, k, share, 0.0), det(troops, k + more_k, share, 0.0))]
    for low, high in pairs:
        assert high[0] >= low[0] - 1e-12
        assert high[1] >= low[1] - 1e-12
        assert low[1] <= low[0] + 1e-12
