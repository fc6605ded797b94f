"""National force pools, sustainability and cost (issue 16): hand-computed cases, an
exact integral and a brute-force Monte Carlo as known answers, both models, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from scipy import integrate

import feasim
from feasim import refdata
from feasim.cli import main
from feasim.model.pools import presence_years, sustainable_troops, sustainable_years
from feasim.pools import sustainability_table

TOUR = 180 / 365   # years: simulation.tour_days' default


def scenario(contributors, **extra):
    data = {"name": "pools", "theatre": {"line_km": 100},
            "force": {"basis": "in_theatre", "rotation_multiplier": 3,
                      "support_fraction": 0.5},
            "contributors": contributors,
            "posture": {"observation_posts": {"spacing_km": 10}},
            "cost": {"per_troop_year_usd": 100_000},
            "uncertainty": {"samples": 20, "seed": 1}}
    data.update(extra)
    return feasim.validate_data(data)


def one(r, name):
    a = np.asarray(r[name], dtype=float)
    assert np.all(a == a[0]) or np.all(np.isnan(a)), name   # constants: every sample equal
    return float(a[0])


# ---------------------------------------------------------------- sustainability


@pytest.mark.parametrize("years, expected", [
    (0.4, 30_000.0),                # one tour or less: the whole deployable force, once
    (1.0, 30_000.0 * TOUR / 1.0),   # each deploys once, in turn: D × L person-years over N
    (10.0, 10_000.0),               # every soldier rotates: D / m indefinitely
])
def test_sustainable_force_by_hand(years, expected):
    # pool 100,000 (army), deployable 0.3 -> D = 30,000; rule of thirds; tours of 180 days
    s = scenario([{"name": "a", "troops": 12_000, "pool_troops": 100_000}],
                 commitment={"years": years})
    r = feasim.evaluate(s)
    assert one(r, "sustainable_in_theatre_troops") == pytest.approx(expected, rel=1e-12)
    assert one(r, "pledge_shortfall_troops") == pytest.approx(max(12_000 - expected, 0.0),
                                                              abs=1e-6)
    assert one(r, "national_share_committed_max") == pytest.approx(12_000 * 3 / 100_000)
    # 12,000 > D/m = 10,000 and <= D: held D × L / P years
    assert one(r, "pledge_sustainable_years_min") == pytest.approx(30_000 * TOUR / 12_000)


def test_a_pledge_over_the_sustainable_level_is_reported_not_clipped():
    s = scenario([{"name": "a", "troops": 40_000, "pool_troops": 100_000}],
                 commitment={"years": 5})
    r = feasim.evaluate(s)
    assert one(r, "pledge_shortfall_troops") == pytest.approx(30_000.0)   # 40,000 − 10,000
    assert one(r, "pledge_sustainable_years_min") == 0.0    # more than its deployable force
    assert one(r, "in_theatre_troops") == 40_000            # the pledge itself is kept
    assert one(r, "national_share_committed_max") == pytest.approx(1.2)   # > 1: shown as is


def test_pool_basis_committed_reading_and_unchecked_contributors():
    s = scenario([
        # all armed forces 200,000, half of them land: land 100,000, D = 30,000
        {"name": "a", "troops": 36_000, "pool_troops": 200_000, "pool_basis": "armed_forces",
         "land_share": 0.5},
        {"name": "b", "troops": 9_000},                       # no pool: taken as written
    ], commitment={"years": 10})
    s = feasim.with_overrides(s, {"force.basis": "committed"})
    r = feasim.evaluate(s)
    # committed reading: 36,000 / 3 = 12,000 in theatre for a, 3,000 for b
    assert one(r, "sustainable_in_theatre_troops") == pytest.approx(10_000 + 3_000)
    assert one(r, "pledge_shortfall_troops") == pytest.approx(2_000)
    assert one(r, "national_share_committed_max") == pytest.approx(0.36)
    # requirement split in proportion to the pledges (12,000 : 3,000), rotation included
    req = one(r, "required_in_theatre_troops")
    assert one(r, "requirement_national_share_max") == pytest.approx(
        req * 12_000 / 15_000 * 3 / 100_000)


def test_no_pool_anywhere_means_not_known():
    r = feasim.evaluate(scenario([{"name": "a", "troops": 5_000}]))
    assert one(r, "sustainable_in_theatre_troops") == 5_000
    assert one(r, "pledge_shortfall_troops") == 0
    assert math.isnan(one(r, "national_share_committed_max"))
    assert math.isinf(one(r, "pledge_sustainable_years_min"))


def test_sustainable_strength_never_rises_with_the_commitment():
    years = np.linspace(0.05, 20, 2000)
    for m in (1.0, 2.0, 3.0, 5.0):
        s = sustainable_troops(1000.0, m, years, TOUR)
        assert np.all(np.diff(s) <= 1e-12)
        assert s[0] == 1000.0 and s[-1] == pytest.approx(1000.0 / m)
        # the years a pledge can be held invert it: hold S(N) for exactly N years
        mid = (years > TOUR) & (years < m * TOUR)
        held = sustainable_years(s[mid], 1000.0, m, TOUR)
        assert held == pytest.approx(years[mid])


def test_state_takes_its_pool_from_the_reference_data():
    s = scenario([{"name": "fr", "troops": 10_000, "state": "FRA"}])
    c = s.contributors[0]
    rec = refdata.force_pool("FRA")
    assert c.pool_basis == "army"
    lo, hi = feasim.distributions.support(c.pool_troops)
    assert (lo, hi) == (rec.army_low, rec.army_high)
    assert c.pool_source.startswith("reference data: force pool FRA")
    # a state with only an armed-forces figure counts land_share of it
    it = scenario([{"name": "it", "troops": 1_000, "state": "ITA"}]).contributors[0]
    assert it.pool_basis == "armed_forces"
    # a pool stated in the file wins over the data
    own = scenario([{"name": "fr", "troops": 1, "state": "FRA", "pool_troops": 5}])
    assert own.contributors[0].pool_troops == 5


def test_sustainability_table_per_contributor():
    s = scenario([{"name": "a", "troops": 12_000, "pool_troops": 100_000},
                  {"name": "b", "troops": 1_000}], commitment={"years": 10})
    a, b = sustainability_table(s)
    assert a["sustainable"] == pytest.approx(10_000)
    assert a["sustainable_indefinitely"] == pytest.approx(10_000)
    assert a["shortfall"] == pytest.approx(2_000)
    assert a["years"] == pytest.approx(30_000 * TOUR / 12_000)
    assert b["sustainable"] is None and b["pledge_in_theatre"] == 1_000


# ---------------------------------------------------------------- time and cost


def _presence_quad(start, ramp, hazard, years):
    lam = hazard / 365.0

    def f(t):
        if t < start:
            return 0.0
        frac = min(1.0, (t - start) / ramp) if ramp > 0 else 1.0
        return frac * math.exp(-lam * (t - start))

    pts = [p for p in (start, start + ramp) if 0 < p < years * 365]
    val, _ = integrate.quad(f, 0, years * 365, points=pts or None, limit=200,
                            epsabs=1e-10, epsrel=1e-12)
    return val / 365.0


@pytest.mark.parametrize("start, ramp, hazard, years", [
    (0, 0, 0, 1), (0, 90, 0, 1), (30, 90, 0.5, 2), (0, 0, 0.2, 10), (400, 60, 1.0, 1),
    (10, 500, 0.3, 1), (0, 30, 1e-12, 3), (5, 0, 2.0, 0.5),
])
def test_presence_years_equal_the_integral(start, ramp, hazard, years):
    assert presence_years(start, ramp, hazard, years) == pytest.approx(
        _presence_quad(start, ramp, hazard, years), rel=1e-9, abs=1e-12)


def test_expected_troop_years_match_a_brute_force_monte_carlo():
    # withdrawal at an exponential time after start_day: E[time present within N years]
    rng = np.random.default_rng(7)
    hazard, years, start = 0.4, 5.0, 20.0
    leave = start + rng.exponential(365.0 / hazard, 400_000)
    present = np.clip(np.minimum(leave, years * 365) - start, 0, None) / 365.0
    se = present.std() / math.sqrt(present.size)
    assert abs(presence_years(start, 0.0, hazard, years) - present.mean()) < 4 * se


def test_cost_of_a_hand_computed_posture():
    s = scenario([{"name": "a", "troops": 10_000},
                  {"name": "b", "troops": 2_000, "cost_per_troop_year_usd": 400_000}],
                 commitment={"years": 2},
                 posture={"sensors": {"count": 10, "coverage_km_each": 5}},
                 cost={"per_troop_year_usd": 100_000, "per_sensor_usd": 900_000,
                       "per_sensor_year_usd": 50_000})
    r = feasim.evaluate(s)
    troops = 10_000 * 100_000 * 2 + 2_000 * 400_000 * 2
    sensors = one(r, "sensors") * (900_000 + 50_000 * 2)
    assert one(r, "sensors") == 10
    assert one(r, "cost_total_usd") == pytest.approx(troops + sensors)
    assert one(r, "cost_per_year_usd") == pytest.approx((troops + sensors) / 2)
    assert one(r, "cost_per_km_year_usd") == pytest.approx((troops + sensors) / 2 / 100)
    assert one(r, "detection_per_billion_usd_year") == pytest.approx(
        one(r, "detection_probability") / ((troops + sensors) / 2 / 1e9))


def test_dishonoured_pledges_cost_nothing():
    s = scenario([{"name": "a", "troops": 10_000, "honour_probability": 0.5}],
                 uncertainty={"samples": 400, "seed": 3})
    r = feasim.evaluate(s)
    cost = np.asarray(r["cost_total_usd"])
    honoured = np.asarray(r["honoured_troops"]) > 0
    assert np.all(cost[~honoured] == 0) and np.all(cost[honoured] == pytest.approx(1e9))


def test_default_cost_range_is_the_reference_datas():
    s = scenario([{"name": "a", "troops": 1_000}])
    s = feasim.validate_data({k: v for k, v in s.model_dump(mode="json").items()
                              if k != "cost"})
    lo, hi = feasim.distributions.support(s.cost.per_troop_year_usd)
    low, mode, high = refdata.default_troop_cost()
    assert (lo, hi) == (low, high) and s.cost.per_troop_year_usd.mode == mode
    # Bloomberg's cross-check ($30 bn, 10 years, 40,000 troops) falls inside the range
    assert low < 30e9 / 10 / 40_000 < high


def test_adding_the_default_cost_kept_every_other_draw():
    # the default cost's row comes after the events: the other inputs draw as before
    s = feasim.load_scenario("scenarios/claims/c06-coalition-of-the-willing.yaml")
    fixed = feasim.with_overrides(s, {"cost.per_troop_year_usd": 100_000})
    a, b = feasim.draw(s, 500), feasim.draw(fixed, 500)
    assert set(a.values) == set(b.values)
    for k, v in b.values.items():
        if k != "cost.per_troop_year_usd":
            np.testing.assert_array_equal(a.values[k], v)
    for k, v in b.events.items():
        np.testing.assert_array_equal(a.events[k], v)


def test_the_cheapest_posture_meets_the_criteria_and_one_percent_cheaper_does_not():
    from feasim.frontier import minimum_force

    s = scenario([{"name": "a", "troops": {"dist": "uniform", "low": 500, "high": 1500}}],
                 criteria={"fill_ratio": {"min": 1}}, uncertainty={"samples": 400, "seed": 2})
    m = minimum_force(s, 0.9, tol=1e-4)
    assert m.reachable
    cheapest = feasim.with_overrides(s, {"contributors[a].troops": {
        "dist": "uniform", "low": 500 * m.scale, "high": 1500 * m.scale}})
    r = feasim.evaluate(cheapest)
    assert r.p_feasible >= 0.9
    assert float(np.median(r["cost_per_year_usd"])) == pytest.approx(m.cost_per_year_usd)
    cheaper = feasim.with_overrides(s, {"contributors[a].troops": {
        "dist": "uniform", "low": 500 * m.scale * 0.99, "high": 1500 * m.scale * 0.99}})
    r2 = feasim.evaluate(cheaper)
    assert float(np.median(r2["cost_per_year_usd"])) == pytest.approx(
        0.99 * m.cost_per_year_usd, rel=1e-9)
    assert r2.p_feasible < 0.9


# ---------------------------------------------------------------- both models


def test_the_simulation_reports_the_same_sustainability_and_cost():
    s = scenario([{"name": "a", "troops": 12_000, "pool_troops": 100_000},
                  {"name": "b", "troops": 3_000, "state": "GBR"}],
                 commitment={"years": 3}, simulation={"days": 5, "replications": 3})
    sim = feasim.SimulationModel().evaluate(s)
    ana = feasim.evaluate(s, samples=200)
    for k in ("sustainable_in_theatre_troops", "pledge_shortfall_troops",
              "national_share_committed_max", "cost_per_year_usd", "cost_total_usd",
              "cost_per_km_year_usd"):
        a = np.asarray(sim[k], dtype=float)
        assert np.all(np.isfinite(a)), k
        lo, hi = np.percentile(np.asarray(ana[k], dtype=float), [0, 100])
        assert np.all((a >= lo - 1e-6 * abs(lo)) & (a <= hi + 1e-6 * abs(hi))), k


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("state, rule", [("XYZ", "unknown_state"), ("AUS", "no_pool_figure"),
                                         ("fra", "string_pattern_mismatch")])
def test_a_bad_state_is_a_clear_error(tmp_path, capsys, state, rule):
    data = {"name": "bad", "theatre": {"line_km": 100}, "force": {"basis": "in_theatre"},
            "contributors": [{"name": "a", "troops": 10, "state": state}]}
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["run", str(f)]) == 2
    err = capsys.readouterr().err
    assert "contributors" in err and "state" in err or "pool" in err
    assert rule in err and "Traceback" not in err


def test_bad_commitment_and_cost_are_clear_errors(tmp_path, capsys):
    data = {"name": "bad", "theatre": {"line_km": 100}, "force": {"basis": "in_theatre"},
            "contributors": [{"name": "a", "troops": 10, "deployable_share": 1.5}],
            "commitment": {"years": 0}, "cost": {"per_troop_year_usd": -1}}
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["run", str(f)]) == 2
    err = capsys.readouterr().err
    for field in ("commitment.years", "cost.per_troop_year_usd", "deployable_share"):
        assert field in err, field


# ---------------------------------------------------------------- strength over years


def test_simulated_strength_over_years_agrees_with_the_closed_form():
    from feasim.pools import strength_over_years

    s = feasim.validate_data({
        "name": "years", "theatre": {"line_km": 100}, "force": {"basis": "in_theatre"},
        "contributors": [
            {"name": "a", "troops": 10_000, "withdrawal_hazard_per_year": 0.3,
             "start_day": 10, "ramp_up_days": 60},
            {"name": "b", "troops": 5_000, "start_day": 200, "honour_probability": 0.7},
            {"name": "late", "troops": 2_000, "start_day": 400, "ramp_up_days": 100,
             "withdrawal_hazard_per_year": 1.0}],
        "simulation": {"handover_gap_days": 7, "rotation_units": 4}})
    tl = strength_over_years(s, 4, replications=1500, step_days=45, seed=11)
    assert tl.strength.shape == (1500, tl.days.size) and tl.days[-1] <= 4 * 365
    # the closed form by hand at day 0 and late on, with no gap open
    assert tl.expected[0] == 0.0
    keep = tl.days >= 90          # past the first weeks, where withdrawals are rare events
    mean = tl.strength[:, keep].mean(axis=0)
    se = tl.strength[:, keep].std(axis=0, ddof=1) / math.sqrt(tl.strength.shape[0])
    assert np.all(np.abs(mean - tl.expected[keep]) < 4 * se + 1e-9)
    # and the closed form itself, for the constant contributor b (no withdrawal, no ramp):
    # 0.7 × 5,000 from day 200 on, less its handover gaps
    only_b = feasim.with_overrides(s, {"contributors[a].troops": 0,
                                       "contributors[late].troops": 0})
    from feasim.pools import expected_strength

    e = expected_strength(only_b, [150.0, 250.0, 260.0], samples=20_000)
    assert e[0] == 0.0
    assert e[1] == pytest.approx(0.75 * 0.7 * 5_000, rel=0.02)   # one unit of 4 in its gap
    assert e[2] == pytest.approx(0.7 * 5_000, rel=0.02)          # (245–252: relief at 200 + 180/4)


def test_commitment_fan_chart_draws_the_timeline():
    from feasim.plots import commitment_fan_chart
    from feasim.plots._style import PlotValueError
    from feasim.pools import strength_over_years

    s = scenario([{"name": "a", "troops": 1_000, "withdrawal_hazard_per_year": 0.5}],
                 simulation={"replications": 50})
    tl = strength_over_years(s, 3)
    fig = commitment_fan_chart(tl)
    ax = fig.axes[0]
    median = next(line for line in ax.get_lines() if line.get_gid() == "median")
    np.testing.assert_allclose(median.get_ydata(), np.percentile(tl.strength, 50, axis=0))
    assert ax.get_xlabel() == "years into the commitment"
    with pytest.raises(PlotValueError):
        commitment_fan_chart(s)
    with pytest.raises(ValueError):
        strength_over_years(s, 0)


# ---------------------------------------------------------------- units


def test_a_pledge_in_units_takes_the_sizes_of_the_reference_data(tmp_path):
    from feasim.provenance import provenance

    s = scenario([{"name": "a", "units": {"kind": "brigade", "count": 2}},
                  {"name": "b", "units": {"kind": "battlegroup_efp", "count": 3}},
                  {"name": "c", "units": {"kind": "brigade_group", "count": 1}}])
    a, b, c = s.contributors
    assert feasim.distributions.support(a.troops) == (6_000, 10_000)   # 2 × 3,000–5,000
    assert feasim.distributions.support(b.troops) == (3 * 643, 3 * 1_887)  # eFP's spread
    assert c.troops == 5_000                                          # one number: a constant
    # written back out and read again, troops and units agree: no error
    again = feasim.with_overrides(s, {"theatre.line_km": 200})
    assert again.contributors[0].troops == a.troops
    p = provenance(s)
    assert p["contributors[b].troops"] == {"source": "F1", "grade": "B",
                                           "reference": "unit size battlegroup_efp"}


def test_bad_units_are_clear_errors(tmp_path, capsys):
    data = {"name": "bad", "theatre": {"line_km": 100}, "force": {"basis": "in_theatre"},
            "contributors": [{"name": "a", "units": {"kind": "brigadee", "count": 2}},
                             {"name": "b", "units": {"kind": "brigade", "count": -1}},
                             {"name": "c", "troops": 5, "units": {"kind": "brigade",
                                                                  "count": 1}}]}
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["run", str(f)]) == 2
    err = capsys.readouterr().err
    assert "3 problems" in err
    assert "unknown_unit" in err and "'brigadee'" in err
    assert "contributors[1].units.count" in err and "troops" not in err.split("\n")[2]
    assert "troops_and_units" in err and "Traceback" not in err


def test_a_sweeps_cheapest_feasible_point(tmp_path):
    from feasim.sweep import Sweep, run_sweep

    s = scenario([{"name": "a", "troops": 1_000}], criteria={"fill_ratio": {"min": 1}},
                 posture={"patrols": {"teams": 10, "team_size": 8}})
    sw = Sweep(s, {"contributors[a].troops": {"values": [100, 300, 600, 1_000, 3_000]},
                   "posture.patrols.teams": {"values": [5, 10]}},
               design={"method": "factorial"}, chunk_points=3,
               outputs=["cost_per_year_usd", "fill_ratio"], samples_per_point=4)
    res = run_sweep(sw, tmp_path / "sw", executor="serial")
    df = res.to_dataframe()
    ok = df[df["p_feasible"] >= 0.9]
    best = res.cheapest(0.9)
    assert best["cost_per_year_usd"] == ok["cost_per_year_usd"].min()
    assert best["p_feasible"] >= 0.9
    # nothing cheaper meets the criteria
    assert not ((df["cost_per_year_usd"] < best["cost_per_year_usd"])
                & (df["p_feasible"] >= 0.9)).any()
    few = df[df["contributors[a].troops"] <= 100]
    assert (few["p_feasible"] < 0.9).all()    # the smallest pledges fail ...
    assert best["contributors[a].troops"] > 100   # ... so they are not the answer
    with pytest.raises(ValueError, match="no column 'nope'"):
        res.cheapest(0.9, cost="nope")


def test_naming_a_state_keeps_every_other_draw():
    s = feasim.load_scenario("scenarios/claims/c06-coalition-of-the-willing.yaml")
    data = s.model_dump(mode="json")
    data["contributors"][0]["state"] = "FRA"
    data["contributors"][0].pop("pool_troops", None)
    data["contributors"][0].pop("pool_basis", None)
    data["contributors"][0].pop("pool_source", None)
    t = feasim.validate_data(data)
    a, b = feasim.draw(s, 300), feasim.draw(t, 300)
    name = data["contributors"][0]["name"]
    assert set(b.values) - set(a.values) == {f"contributors[{name}].pool_troops"}
    for k, v in a.values.items():
        np.testing.assert_array_equal(b.values[k], v)
    for k, v in a.events.items():
        np.testing.assert_array_equal(b.events[k], v)


def test_changing_the_state_looks_its_pool_up_again():
    s = scenario([{"name": "x", "troops": 1_000, "state": "FRA"}])
    t = feasim.with_overrides(s, {"contributors[x].state": "GBR"})
    c = t.contributors[0]
    rec = refdata.force_pool("GBR")
    assert feasim.distributions.support(c.pool_troops) == (rec.army_low, rec.army_high)
    assert c.pool_source.startswith("reference data: force pool GBR,")


# ---------------------------------------------------------------- requirements in units,
# and the run's section per contributor


def test_troops_as_counts_of_units_by_hand():
    from feasim.pools import units_for

    assert units_for(10_000, "brigade") == pytest.approx((2.0, 10_000 / 3_000))
    assert units_for(1_887, "battlegroup_efp") == pytest.approx((1.0, 1_887 / 643))
    assert units_for(5_000, "brigade_group") == (1.0, 1.0)        # one size: one count
    fewest, most = units_for(np.array([0.0, 15_000.0, np.inf]), "division")
    assert fewest.tolist() == [0.0, 0.75, math.inf] and most.tolist() == [0.0, 1.5, math.inf]
    with pytest.raises(KeyError, match="brigadee.*known: company"):
        units_for(1, "brigadee")


def test_requirements_in_units_from_their_medians():
    from feasim.requirements import Requirement, in_units

    need = np.array([9_000.0, 12_000.0, 30_000.0])     # median 12,000
    reqs = {"posture": Requirement("posture", need, 3 * need, ("x",), ""),
            "population": Requirement("population", None, None, (), "not applicable")}
    u = in_units(reqs, "brigade")
    assert u["size_persons"] == [3_000, 5_000] and u["grade"] == "C"
    assert u["methods"]["posture"]["in_theatre_p50"] == pytest.approx([2.4, 4.0])
    assert u["methods"]["posture"]["committed_p50"] == pytest.approx([7.2, 12.0])
    assert u["methods"]["population"] is None


def test_run_gives_requirements_in_units_and_a_section_per_contributor(tmp_path, capsys):
    import json

    data = {"name": "pools", "theatre": {"line_km": 100},
            "force": {"basis": "in_theatre", "rotation_multiplier": 3, "support_fraction": 0.5},
            "contributors": [{"name": "Alpha", "troops": 12_000, "pool_troops": 100_000},
                             {"name": "Beta", "troops": 1_000}],
            "posture": {"observation_posts": {"spacing_km": 10}},
            "commitment": {"years": 10}, "uncertainty": {"samples": 50, "seed": 1}}
    f = tmp_path / "pools.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["run", str(f), "--units", "brigade", "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    alpha, beta = d["contributors"]
    # D = 0.3 × 100,000 = 30,000; ten years: D / m = 10,000 held, 2,000 short
    assert alpha["sustainable"] == pytest.approx(10_000) and alpha["shortfall"] == pytest.approx(2_000)
    assert alpha["share_committed"] == pytest.approx(0.36) and beta["land_force"] is None
    post = d["requirements"]["posture"]
    p50 = float(np.median(post["in_theatre"])) if isinstance(post["in_theatre"], list) \
        else post["in_theatre"]["p50"]
    counts = d["requirements_in_units"]["methods"]["posture"]["in_theatre_p50"]
    assert counts == pytest.approx([p50 / 5_000, p50 / 3_000])
    assert main(["run", str(f), "--units", "battlegroup_efp"]) == 0
    out = capsys.readouterr().out
    assert "in theatre, nato efp battlegroups" in out and "643–1,887 persons" in out
    section = out[out.index("Contributors (medians)"):]
    row = next(line for line in section.splitlines() if line.startswith("  Alpha"))
    assert row.split()[-2:] == ["2,000", "36.0%"]
    assert "  Beta" in section and "no pool" in section
    # no contributor with a pool: no section
    data["contributors"] = [{"name": "Beta", "troops": 1_000}]
    f.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["run", str(f)]) == 0
    assert "Contributors (medians)" not in capsys.readouterr().out


def test_run_units_bad_kind_is_a_usage_error_and_help_lists_every_kind(capsys):
    assert main(["run", "scenarios/claims/c03-france-uk-10k-committed.yaml",
                 "--units", "regiment"]) == 2
    err = capsys.readouterr().err
    assert "'regiment'" in err and "brigade (3,000–5,000 persons)" in err
    assert "Traceback" not in err
    assert main(["run", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for kind in refdata.unit_sizes():
        assert kind in text, kind
