"""Known answers for the analytic model (docs/model.md)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import feasim
from feasim.model.coverage import patrol_detection
from feasim.model.qrf import erlang_c, mmc_wait_mean
from feasim.model.ratios import lanchester_square

from .conftest import BASE_YAML, scenario_from


def run(text=BASE_YAML, overrides=None, **kw):
    return feasim.evaluate(scenario_from(text, overrides), **kw)


def mean(result, name):
    return float(np.mean(result[name]))


# ---------------------------------------------------------------- densities (the claims)


@pytest.mark.parametrize("troops, density", [
    (100_000, 83.3), (10_000, 8.3), (30_000, 25.0), (200_000, 166.7)])
def test_claim_densities(troops, density):
    r = run(overrides={"contributors": [{"name": "all", "troops": troops}]})
    assert mean(r, "troops_per_km") == pytest.approx(troops / 1200)
    assert round(mean(r, "troops_per_km"), 1) == density


def test_committed_basis_divides_by_rotation():
    r = run(overrides={"contributors": [{"name": "all", "troops": 100_000}],
                       "force.basis": "committed"})
    assert mean(r, "in_theatre_troops") == pytest.approx(100_000 / 3)
    assert round(mean(r, "troops_per_km"), 1) == 27.8
    assert mean(r, "committed_troops") == pytest.approx(100_000)


def test_contributor_rotation_override_and_roles():
    r = run(overrides={"contributors": [
        {"name": "a", "troops": 9000, "rotation_multiplier": 4.5, "role": "line"},
        {"name": "b", "troops": 3000, "role": "reserve"},
        {"name": "c", "troops": 1000, "role": "rear"}]})
    assert mean(r, "committed_troops") == pytest.approx(9000 * 4.5 + 3000 * 3 + 1000 * 3)
    assert mean(r, "line_combat_troops") == pytest.approx(4500)
    assert mean(r, "reserve_combat_troops") == pytest.approx(1500)
    assert mean(r, "off_line_troops") == pytest.approx(1000)


def test_shared_condition_correlates_contributors():
    r = run(overrides={"conditions.ceasefire": 0.5,
                       "contributors": [
                           {"name": "a", "troops": 1000, "conditions": ["ceasefire"]},
                           {"name": "b", "troops": 1000, "conditions": ["ceasefire"]}]},
            samples=4000)
    both = r["honoured_troops"]
    # Both or neither: a shared draw, not two independent coins.
    assert set(np.unique(both)) == {0.0, 2000.0}
    assert np.mean(both == 2000) == pytest.approx(0.5, abs=0.03)


def test_honour_probability_is_independent_per_contributor():
    r = run(overrides={"contributors": [
        {"name": "a", "troops": 1000, "honour_probability": 0.5},
        {"name": "b", "troops": 1000, "honour_probability": 0.5}]}, samples=4000)
    counts = r["contributors_honoured"]
    assert np.mean(counts == 2) == pytest.approx(0.25, abs=0.03)
    assert np.mean(counts == 1) == pytest.approx(0.5, abs=0.03)


def test_ramp_up_at_assessment_day():
    over = {"contributors": [{"name": "a", "troops": 9000, "start_day": 10, "ramp_up_days": 90}],
            "force.assess_day": 55}
    assert mean(run(overrides=over), "in_theatre_troops") == pytest.approx(4500)
    over["force.assess_day"] = 5
    assert mean(run(overrides=over), "in_theatre_troops") == 0
    over["force.assess_day"] = 500
    assert mean(run(overrides=over), "in_theatre_troops") == pytest.approx(9000)


# ---------------------------------------------------------------- troop-to-task


def test_requirement_by_hand():
    r = run()
    posts = 1200 / 5 * 2 * 4.7
    patrols = 100 * 8 * 4.7
    qrf = 6 * 2 * 30 * 4.7
    sensors = 50 * 0.25 * 4.7   # v3 (*): operators_on_duty 0.25 per sensor, 4.7 staff
    combat = posts + patrols + qrf + sensors
    assert mean(r, "required_combat_troops") == pytest.approx(combat)
    assert mean(r, "required_in_theatre_troops") == pytest.approx(combat / 0.5)
    assert mean(r, "required_committed_troops") == pytest.approx(combat / 0.5 * 3)


def test_patrol_hours_scale_requirement():
    r = run(overrides={"posture.patrols.hours_per_day": 12, "posture.observation_posts": None,
                       "posture.qrf": None, "criteria": {}})
    # v3 (*): the sensors' operators (50 × 0.25 × 4.7) are part of the requirement.
    assert mean(r, "required_combat_troops") == pytest.approx(100 * 8 * 4.7 / 2 + 58.75)


def test_shortfall_fills_qrf_first_then_posts_and_patrols_in_proportion():
    # Line combat = 8000 × 0.5 = 4000; QRF needs 1692, leaving 2308 for
    # posts (2256) + patrols (3760) + sensor operators (58.75, v3 (*)): share
    # 2308/6074.75 of each, floored.
    r = run(overrides={"contributors": [{"name": "a", "troops": 8000}]})
    share = (4000 - 1692) / (2256 + 3760 + 58.75)
    assert mean(r, "qrf_teams") == 12
    assert mean(r, "observation_posts") == math.floor(240 * share)
    assert mean(r, "patrol_teams") == math.floor(100 * share)
    assert mean(r, "sensors") == math.floor(50 * share)
    assert mean(r, "fill_ratio") == pytest.approx(4000 / (1692 + 2256 + 3760 + 58.75))
    assert mean(r, "unassigned_combat_troops") == pytest.approx(0)


def test_reserve_only_fills_qrf():
    r = run(overrides={"contributors": [{"name": "r", "troops": 100_000, "role": "reserve"}]})
    assert mean(r, "qrf_teams") == 12
    assert mean(r, "observation_posts") == 0 and mean(r, "patrol_teams") == 0
    assert mean(r, "unassigned_combat_troops") == pytest.approx(50_000 - 1692)


def test_surplus_reported():
    r = run(overrides={"contributors": [{"name": "a", "troops": 100_000}]})
    assert mean(r, "fill_ratio") == 1
    # v3 (*): + 58.75 sensor operators in the requirement.
    assert mean(r, "unassigned_combat_troops") == pytest.approx(50_000 - 7766.75)
    assert mean(r, "strength_to_requirement") == pytest.approx(100_000 / 15533.5)


# ---------------------------------------------------------------- coverage


def _moving_patrol_detection(ratio, n=10000, steps=2000, seed=0):
    """Monte Carlo of a patrol really moving back and forth on [0, 1] at speed 1.

    The round trip takes T = 2; an incursion at a uniform point appears at a
    uniform time and is detected if the patrol's path crosses its point within
    τ = ratio × T. Positions are stepped in time, independently of the closed form.
    """
    rng = np.random.default_rng(seed)
    T, tau = 2.0, ratio * 2.0
    x = rng.random(n)
    phase = rng.random(n) * T                      # patrol start, uniformly in its cycle
    t = np.linspace(0.0, tau, steps)[None, :]
    s = np.mod(phase[:, None] + t, T)
    pos = np.where(s < 1.0, s, 2.0 - s)           # triangle wave: out and back
    side = np.sign(pos - x[:, None])
    crossed = (np.diff(side, axis=1) != 0).any(axis=1) | (side == 0).any(axis=1)
    return crossed.mean()


@pytest.mark.parametrize("ratio", [0.1, 0.3, 0.5, 0.8])
def test_patrol_closed_form_matches_moving_patrols(ratio):
    closed = float(patrol_detection(ratio * 2.0, 2.0))
    assert closed == pytest.approx(1 - (1 - ratio) ** 2)
    mc = _moving_patrol_detection(ratio)
    se = math.sqrt(closed * (1 - closed) / 10000)
    assert abs(mc - closed) < 4 * se + 2e-3


def test_patrol_window_longer_than_round_trip_always_detects():
    assert patrol_detection(3.0, 2.0) == 1.0
    assert _moving_patrol_detection(1.2, n=2000) >= 0.995  # time-stepping can miss a turn
    assert patrol_detection(1.0, np.inf) == 0.0


def test_patrol_detection_in_model_uses_filled_teams():
    # 100 teams, 1200 km, 10 km/h: ℓ = 12 km, T = 2.4 h, τ = 1 h.
    r = run(overrides={"incursions.exposure_hours": 1})
    assert mean(r, "patrol_detection_probability") == pytest.approx(1 - (1 - 1 / 2.4) ** 2)
    assert mean(r, "revisit_hours_mean") == pytest.approx(1.2)
    assert mean(r, "revisit_hours_max") == pytest.approx(2.4)
    r = run(overrides={"incursions.exposure_hours": 1, "posture.patrols.hours_per_day": 12})
    # Exact part-time value (contract v2 §1), not the v1 first-order × h/24: over the
    # start time t0 in one day, the window holds 1 duty hour for 11 h, 0 for 11 h, and
    # ramps 1 → 0 and 0 → 1 over the two remaining hours, where g(m/T) averages to
    # ∫₀¹ 1 − (1 − m/T)² dm = 1 − T/3 · (1 − (1 − 1/T)³).
    ramp = 1 - 2.4 / 3 * (1 - (1 - 1 / 2.4) ** 3)
    assert mean(r, "patrol_detection_probability") == pytest.approx(
        (11 * (1 - (1 - 1 / 2.4) ** 2) + 2 * ramp) / 24)


def test_posts_sensors_and_combination():
    r = run(overrides={"incursions.exposure_hours": 1})
    c_op = min(1, 240 * 4 / 1200)
    c_s = min(1, 50 * 10 / 1200) * 0.7
    p_pat = 1 - (1 - 1 / 2.4) ** 2
    assert mean(r, "op_coverage") == pytest.approx(c_op)
    assert mean(r, "sensor_coverage") == pytest.approx(c_s)
    expected = 1 - (1 - c_op * 0.9) * (1 - p_pat) * (1 - c_s * 0.8)
    assert mean(r, "detection_probability") == pytest.approx(expected)


def test_sector_visibility_and_threat_weights():
    text = BASE_YAML.replace("line_km: 1200", "line_km: 1200\n  sectors:\n"
                             "    - {name: open, length_km: 600, visibility: 1.0, threat: 1}\n"
                             "    - {name: forest, length_km: 600, visibility: 0.25, threat: 3}")
    r = run(text)
    # Posts reach 0.8 of the line in open terrain, 0.2 in forest; forest has 3/4 of the threat.
    assert mean(r, "op_coverage") == pytest.approx(0.25 * 0.8 + 0.75 * 0.2)


# ---------------------------------------------------------------- QRF


def _erlang_c_reference(c, a):
    """Erlang C from its textbook formula with factorials."""
    top = a**c / math.factorial(c) * c / (c - a)
    bottom = sum(a**k / math.factorial(k) for k in range(c)) + top
    return top / bottom


@pytest.mark.parametrize("c, a, expected", [
    (1, 0.5, 0.5),          # M/M/1: P(wait) = ρ
    (2, 1.0, 1 / 3),        # M/M/2 at ρ = 0.5: 2ρ²/(1 + ρ)
    (5, 4.0, 0.5541),       # call-centre textbook value
    (10, 8.0, 0.4092),
])
def test_erlang_c_textbook(c, a, expected):
    assert erlang_c(c, a) == pytest.approx(expected, abs=5e-5)
    assert erlang_c(c, a) == pytest.approx(_erlang_c_reference(c, a))


def test_erlang_c_vectorised_and_edges():
    c = np.array([1, 2, 3, 20, 3, 0])
    a = np.array([0.9, 1.8, 0.0, 15.0, 3.0, 0.5])
    got = erlang_c(c, a)
    for i in range(4):
        expected = 0.0 if a[i] == 0 else _erlang_c_reference(int(c[i]), a[i])
        assert got[i] == pytest.approx(expected)
    assert got[4] == 1.0 and got[5] == 1.0          # a >= c: everyone waits


def test_mm1_mean_wait():
    lam, mu = 0.5, 1.0
    assert mmc_wait_mean(1, lam / mu, 1 / mu) == pytest.approx(lam / (mu * (mu - lam)))
    assert mmc_wait_mean(2, 2.5, 1.0) == np.inf


def test_response_times_against_monte_carlo():
    # 2 teams per base, a = 0.9 erlang per team pair; check the p90 of wait + travel.
    over = {"incursions.rate_per_day": 6 * 24 * 0.45 / 4, "posture.observation_posts": None,
            "posture.patrols": None,
            "posture.sensors": {"count": 200, "coverage_km_each": 10, "availability": 1,
                                "detection_probability": 1},
            "criteria": {}}
    r = run(overrides=over)
    a, c, s = 0.45, 2, 4.0
    pw = _erlang_c_reference(c, a)
    assert mean(r, "qrf_wait_probability") == pytest.approx(pw)
    assert mean(r, "qrf_wait_hours_mean") == pytest.approx(pw * s / (c - a))
    t0 = 0.5 + 20 * 1.3 / 40
    t1 = t0 + 100 * 1.3 / 40
    assert mean(r, "travel_hours_mean") == pytest.approx((t0 + t1) / 2 - 0.5)
    assert mean(r, "response_hours_mean") == pytest.approx(pw * s / (c - a) + (t0 + t1) / 2)
    rng = np.random.default_rng(3)
    n = 400_000
    wait = np.where(rng.random(n) < pw, rng.exponential(s / (c - a), n), 0.0)
    total = wait + rng.uniform(t0, t1, n)
    assert mean(r, "response_hours_p90") == pytest.approx(np.quantile(total, 0.9), abs=0.02)


def test_overloaded_qrf_is_reported_not_clipped():
    r = run(overrides={"incursions.rate_per_day": 200, "posture.qrf.engagement_hours": 8})
    assert mean(r, "qrf_overloaded") == 1
    assert np.isinf(r["response_hours_p90"]).all()
    # v2: utilisation is busy ÷ available team-hours (at most 1); the excess shows
    # in the peak load, and every base is named as overloaded.
    assert mean(r, "qrf_utilisation") == 1
    a = 200 / 24 * mean(r, "detection_probability") / 6 * 8   # erlangs per base, 2 teams
    assert mean(r, "qrf_peak_load") == pytest.approx(a / 2)
    assert mean(r, "qrf_overloaded_bases") == 6 and mean(r, "qrf_no_force") == 0
    assert r.base_overload == {f"base {j + 1} (km {200 * j}–{200 * (j + 1)})": 1.0
                               for j in range(6)}
    out = r.to_dict()["metrics"]["response_hours_p90"]
    assert out["mean"] is None and out["unbounded_fraction"] == 1.0
    assert r.criteria["response_hours_p90"].p_met == 0


def test_unfilled_qrf_with_incidents_is_no_force_not_overloaded():
    # v2 (contract §3): no team filled is "no force", a state of its own; v1 called
    # it "overloaded". Nobody comes, so the response is still unbounded.
    r = run(overrides={"contributors": [{"name": "rear", "troops": 5000, "role": "rear"}]})
    assert mean(r, "qrf_teams") == 0
    # v3 (*): no sensor coverage without the force that runs it (rear roles only).
    assert mean(r, "sensors") == 0 and mean(r, "detection_probability") == 0
    assert mean(r, "qrf_no_force") == 1 and mean(r, "qrf_bases_manned") == 0
    assert mean(r, "qrf_overloaded") == 0 and mean(r, "qrf_overloaded_bases") == 0
    assert np.isinf(r["response_hours_mean"]).all()
    for name in ("qrf_wait_probability", "qrf_utilisation", "qrf_peak_load"):
        assert np.isnan(r[name]).all()
    assert r.base_overload == {}


def test_non_exponential_engagement_scales_wait():
    base = run()
    det = run(overrides={"posture.qrf.engagement_distribution": "deterministic"})
    assert mean(det, "qrf_wait_hours_mean") == pytest.approx(mean(base, "qrf_wait_hours_mean") / 2)


# ---------------------------------------------------------------- force ratio


def _integrate_square_law(a0, d0, e, dt=1e-4):
    """Euler integration of dA/dt = −e·D, dD/dt = −A until one side is gone."""
    a, d = a0, d0
    while a > 0 and d > 0:
        a, d = a - e * d * dt, d - a * dt
    return max(a, 0.0), max(d, 0.0)


@pytest.mark.parametrize("a0, d0, e", [(100.0, 50.0, 1.5), (60.0, 50.0, 2.0), (30.0, 40.0, 1.0)])
def test_lanchester_survivors_match_square_law(a0, d0, e):
    wins, a_left, d_left = lanchester_square(a0, d0, e)
    a_num, d_num = _integrate_square_law(a0, d0, e)
    assert bool(wins) == (a_num > 0)
    assert float(a_left) == pytest.approx(a_num, abs=0.05)
    assert float(d_left) == pytest.approx(d_num, abs=0.05)
    # The invariant A² − e·D² holds between start and end.
    assert float(a_left) ** 2 - e * float(d_left) ** 2 == pytest.approx(a0**2 - e * d0**2)


def test_force_ratios_by_hand():
    r = run(overrides={"contributors": [{"name": "a", "troops": 20_000}]})
    adv = 700_000 * 0.6
    defenders = 800_000 * 0.4 + 10_000
    assert mean(r, "global_force_ratio") == pytest.approx(adv / defenders)
    local = adv * 0.2 / (defenders * 30 / 1200)
    assert mean(r, "local_force_ratio") == pytest.approx(local)
    assert mean(r, "breakthrough_margin") == pytest.approx(local / 3)
    assert mean(r, "tripwire_troops_exposed") == pytest.approx(10_000 * 30 / 1200)


def test_air_support_condition_multiplies_effectiveness():
    text = BASE_YAML.replace("effectiveness: 1.5}", "effectiveness: 1.5, air_support_condition: "
                             "us_backstop, air_support_multiplier: 100}").replace(
        "ceasefire: 1.0", "ceasefire: 1.0\n  us_backstop: 0.5")
    r = run(text, samples=2000)
    # With a 100× multiplier the defender wins the square law exactly when the backstop holds.
    assert mean(r, "lanchester_attacker_wins") == pytest.approx(0.5, abs=0.03)


# ---------------------------------------------------------------- criteria and result


def test_criteria_margins_and_p_feasible():
    r = run(overrides={"criteria": {"troops_per_km": {"min": 10}, "fill_ratio": {"max": 2}}})
    c = r.criteria["troops_per_km"]
    assert c.p_met == 1.0 and float(c.margin.mean()) == pytest.approx(20_000 / 1200 - 10)
    assert r.p_feasible == 1.0
    r = run(overrides={"criteria": {"troops_per_km": {"min": 20}}})
    assert r.p_feasible == 0.0


def test_no_criteria_gives_undefined_p_feasible():
    r = run(overrides={"criteria": {}})
    assert math.isnan(r.p_feasible)
    assert r.to_dict()["p_feasible"] is None


def test_result_tables(base):
    r = feasim.evaluate(base, samples=50)
    df = r.to_dataframe()
    assert len(df) == 50 and df.attrs["units"]["troops_per_km"] == "persons/km"
    ds = r.to_xarray()
    assert ds["response_hours_p90"].attrs["units"] == "hours"
    assert ds.sizes["sample"] == 50


def test_every_metric_present_with_unit(base):
    d = feasim.evaluate(base, samples=20).to_dict()
    assert set(d["metrics"]) == set(feasim.METRICS)
    assert all(m["unit"] for m in d["metrics"].values())


# ---------------------------------------------------------------- review fixes


def test_empty_qrf_is_unbounded_even_without_incidents():
    r = run(overrides={"contributors": [{"name": "a", "troops": 0}], "posture.sensors": None})
    assert mean(r, "detection_probability") == 0
    assert mean(r, "qrf_no_force") == 1 and mean(r, "qrf_overloaded") == 0  # v2: no force
    assert np.isinf(r["response_hours_p90"]).all()
    assert r.criteria["response_hours_p90"].p_met == 0


def test_lognormal_allowed_on_positive_fields():
    s = scenario_from(overrides={"theatre.line_km": {"dist": "lognormal", "mean": 1200, "sd": 100}})
    assert feasim.evaluate(s)["troops_per_km"].min() > 0


def test_unassigned_is_exactly_zero_when_posture_takes_all():
    r = run(overrides={"contributors": [{"name": "a", "troops": 8000}]})
    assert (r["unassigned_combat_troops"] == 0).all()


def test_strength_to_requirement_counts_only_troops_that_can_cover():
    r = run(overrides={"contributors": [{"name": "a", "troops": 50_000, "role": "rear"}]})
    assert mean(r, "strength_to_requirement") == 0


def test_attack_sector_longer_than_some_line_lengths_is_rejected():
    with pytest.raises(feasim.ScenarioError) as info:
        scenario_from(overrides={"theatre.line_km": {"dist": "uniform", "low": 20, "high": 100},
                                 "adversary.attack_sector_km": 30})
    assert info.value.problems[0].rule == "wider_than_line"


def test_unassigned_when_posture_has_only_a_qrf():
    r = run(overrides={"posture.observation_posts": None, "posture.patrols": None,
                       "criteria": {}})
    # v3 (*): the sensors' 58.75 operators are assigned too.
    assert mean(r, "unassigned_combat_troops") == pytest.approx(10_000 - 1692 - 58.75)
