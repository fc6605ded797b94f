"""Sensitivity (tornado, Morris, Sobol') and minimum-force frontier: known answers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import feasim
from feasim.frontier import FrontierError, frontier, minimum_force
from feasim.sensitivity import (
    SensitivityError,
    analyse,
    morris,
    scenario_problem,
    sobol,
    tornado,
)

from .conftest import SCENARIOS, scenario_from

PI = math.pi
ISHIGAMI = {f"x{i}": {"dist": "uniform", "low": -PI, "high": PI} for i in (1, 2, 3)}


def ishigami(x, a=7.0, b=0.1):
    return np.sin(x["x1"]) + a * np.sin(x["x2"]) ** 2 + b * x["x3"] ** 4 * np.sin(x["x1"])


def ishigami_exact(a=7.0, b=0.1):
    """Analytic Sobol' indices of the Ishigami function (Ishigami & Homma 1990)."""
    v1 = 0.5 * (1 + b * PI**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * PI**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return ({"x1": v1 / v, "x2": v2 / v, "x3": 0.0},
            {"x1": (v1 + v13) / v, "x2": v2 / v, "x3": v13 / v})


def test_sobol_recovers_the_ishigami_indices():
    first, total = ishigami_exact()
    r = sobol(ishigami, ISHIGAMI, n=2**13, seed=1)
    assert r.evaluations == 2**13 * 5
    for name in ISHIGAMI:
        assert r.first[name] == pytest.approx(first[name], abs=0.03), name
        assert r.total[name] == pytest.approx(total[name], abs=0.03), name
        lo, hi = r.total_ci[name]
        assert lo < r.total[name] < hi
    assert r.ranking()[0] == "x1"  # largest total index
    df = r.to_dataframe()
    assert list(df.columns) == ["first", "first_conf", "total", "total_conf"]
    json.dumps(r.to_dict(), allow_nan=False)


def test_sobol_is_reproducible_for_a_seed():
    a = sobol(ishigami, ISHIGAMI, n=256, seed=4)
    b = sobol(ishigami, ISHIGAMI, n=256, seed=4)
    assert a.first == b.first and a.total_ci == b.total_ci


def test_grouped_sobol_equals_the_sum_of_members_for_an_additive_model():
    params = {k: {"dist": "uniform", "low": 0, "high": 1} for k in "abcd"}

    def additive(x):
        return x["a"] + 2 * x["b"] + 3 * x["c"] + 0.5 * x["d"]

    single = sobol(additive, params, n=2**12, seed=2)
    grouped = sobol(additive, params, n=2**12, seed=2, groups={"ab": ["a", "b"]})
    assert grouped.factors == ("ab", "c", "d")
    assert grouped.groups["ab"] == ("a", "b")
    expected = single.first["a"] + single.first["b"]
    assert grouped.first["ab"] == pytest.approx(expected, abs=0.03)
    # exact: Var = (1 + 4 + 9 + 0.25) / 12, group ab holds 5 of 14.25
    assert grouped.total["ab"] == pytest.approx(5 / 14.25, abs=0.03)


def test_morris_ranks_a_planted_inactive_input_last():
    params = {"strong": {"dist": "uniform", "low": 0, "high": 1},
              "curved": {"dist": "normal", "mean": 0, "sd": 1},
              "inactive": {"dist": "pert", "low": 0, "mode": 2, "high": 10}}

    def f(x):
        return 3 * x["strong"] + x["curved"] ** 2 + 0 * x["inactive"]

    r = morris(f, params, n=40, seed=3)
    assert r.ranking()[-1] == "inactive"
    assert r.mu_star["inactive"] == 0
    # linear input: every elementary effect is 3 per unit of probability (uniform on [0, 1])
    assert r.mu_star["strong"] == pytest.approx(3.0)
    assert r.sigma["strong"] == pytest.approx(0.0, abs=1e-9)
    assert r.evaluations == 40 * 4


def test_tornado_known_swings_and_elasticities():
    params = {"a": {"dist": "uniform", "low": 1, "high": 2},
              "b": {"dist": "uniform", "low": 1, "high": 3}}
    r = tornado(lambda x: 3 * x["a"] * x["b"], params)
    assert r.base_output == pytest.approx(3 * 1.5 * 2)
    assert r.swing["a"] == pytest.approx(3 * 0.9 * 2)     # a from 1.05 to 1.95
    assert r.swing["b"] == pytest.approx(3 * 1.5 * 1.8)   # b from 1.1 to 2.9
    assert r.elasticity["a"] == pytest.approx(1.0) and r.elasticity["b"] == pytest.approx(1.0)
    assert r.ranking() == ["b", "a"]
    g = tornado(lambda x: 3 * x["a"] * x["b"], params, groups={"ab": ["a", "b"]})
    assert g.high["ab"] == pytest.approx(3 * 1.95 * 2.9)
    assert math.isnan(g.elasticity["ab"])


@pytest.mark.parametrize("call, message", [
    (lambda: sobol(ishigami, ISHIGAMI, n=1000), "power of 2"),
    (lambda: sobol(ishigami, {"x1": 3.0}), "constant"),
    (lambda: sobol(ishigami, {"x1": {"dist": "uniform", "low": 2, "high": 1}}), "low < high"),
    (lambda: sobol(ishigami, {}), "non-empty"),
    (lambda: sobol(ishigami, ISHIGAMI, groups={"g": ["nope"]}), "no parameter 'nope'"),
    (lambda: sobol(ishigami, ISHIGAMI, groups={"g": ["x1"], "h": ["x1"]}), "two groups"),
    (lambda: sobol(lambda x: x["x1"][:3], ISHIGAMI, n=8), "one value per row"),
    (lambda: sobol(lambda x: x["x1"] * np.inf, ISHIGAMI, n=8), "not finite"),
    (lambda: sobol(lambda x: 0 * x["x1"], ISHIGAMI, n=8), "nothing varies"),
    (lambda: morris(ishigami, ISHIGAMI, levels=3), "even"),
    (lambda: tornado(ishigami, ISHIGAMI, quantiles=(0.6, 0.9)), "0 < low < 0.5"),
])
def test_bad_input_gets_a_clear_error(call, message):
    with pytest.raises(SensitivityError, match=message):
        call()


def test_every_bad_parameter_is_reported_at_once():
    with pytest.raises(SensitivityError) as exc:
        sobol(ishigami, {"x1": 1.0, "x2": {"dist": "nope"}, "x3": {"dist": "normal", "mean": 0}})
    assert str(exc.value).startswith("3 bad parameter(s)")


# ------------------------------------------------------------------ scenarios


def test_scenario_parameters_include_events_and_groups_by_contributor():
    s = feasim.load_scenario(SCENARIOS / "claims" / "c06-coalition-of-the-willing.yaml")
    p = scenario_problem(s, group_by="both")
    assert "event:conditions.ceasefire" in p.parameters
    assert p.groups["contributors[France]"] == [
        "contributors[France].troops", "contributors[France].honour_probability",
        "event:contributors[France].honour"]
    assert p.groups["conditions.ceasefire"] == ["conditions.ceasefire",
                                                "event:conditions.ceasefire"]
    # the function reproduces evaluate() on the same inputs
    r = feasim.evaluate(s, samples=300, seed=2)
    y = p.func({k: r.inputs[k] for k in p.parameters})
    np.testing.assert_array_equal(y, r.feasible.astype(float))


def test_scenario_sobol_ranks_conditions_above_the_adversary():
    s = feasim.load_scenario(SCENARIOS / "claims" / "c06-coalition-of-the-willing.yaml")
    # C6's verdict is 0 in every sample as shipped (worst-case detection): whether
    # its posture is filled is what the conditions decide.
    with pytest.raises(SensitivityError, match="nothing varies"):
        analyse(s, "sobol", n=64, group_by="condition")
    r = analyse(s, "sobol", n=256, group_by="condition", output="fill_ratio")
    assert r.output == "fill_ratio"
    top = r.ranking()[0]
    assert top.startswith("conditions."), r.ranking()
    assert r.total["adversary.troops"] == pytest.approx(0.0, abs=1e-12)


def test_scenario_output_errors():
    s = scenario_from()
    with pytest.raises(SensitivityError, match="unknown output 'nope'"):
        analyse(s, "tornado", output="nope")
    with pytest.raises(SensitivityError, match="method must be one of"):
        analyse(s, "fast")
    with pytest.raises(SensitivityError, match="not finite"):
        # an overloaded QRF has an unbounded response time: no variance to split
        analyse(scenario_from(overrides={"incursions.rate_per_day": 1e4,
                                         "contributors[France].troops": {
                                             "dist": "uniform", "low": 1, "high": 20000}}),
                "sobol", output="response_hours_p90", n=64)


# ------------------------------------------------------------------ frontier


def _shortfall_scenario():
    return scenario_from(overrides={"criteria": {"fill_ratio": {"min": 1.0}},
                                    "contributors[France].troops": {
                                        "dist": "uniform", "low": 2000, "high": 6000},
                                    "contributors[United Kingdom].troops": 3000})


def test_minimum_force_meets_the_target_and_one_percent_less_does_not():
    s = _shortfall_scenario()
    m = minimum_force(s, 0.9, samples=500, seed=3)
    assert m.reachable and m.scale > 0
    assert m.p_feasible >= 0.9 and m.p_below < 0.9

    def p(scale):
        d = feasim.draw(s, 500, 3)
        values = dict(d.values)
        for c in ("France", "United Kingdom"):
            values[f"contributors[{c}].troops"] = d.values[f"contributors[{c}].troops"] * scale
        return feasim.evaluate_draws(s, type(d)(n=d.n, values=values, events=d.events)
                                     ).p_feasible

    assert p(m.scale) >= 0.9
    assert p(0.99 * m.scale) < 0.9
    assert m.pledged_troops == pytest.approx(m.scale * (4000 + 3000), rel=0.02)


def test_minimum_force_is_reported_unreachable_when_conditions_fail():
    s = scenario_from(overrides={"conditions.ceasefire": 0.5})  # France needs it
    s = feasim.with_overrides(s, {"contributors[United Kingdom].troops": 1})
    m = minimum_force(s, 0.9)
    assert not m.reachable and math.isnan(m.scale)
    assert "unreachable" in m.message and "no pledge is honoured" not in m.message
    json.dumps(m.to_dict(), allow_nan=False)


def test_frontier_grows_with_line_length():
    s = _shortfall_scenario()
    f = frontier(s, "theatre.line_km", [600, 1200, 2400], 0.9, samples=300)
    scales = [m.scale for m in f.points]
    assert scales[0] < scales[1] < scales[2]
    assert list(f.to_dataframe()["theatre.line_km"]) == [600, 1200, 2400]


def test_frontier_bad_input():
    s = _shortfall_scenario()
    with pytest.raises(FrontierError, match="probability must be in"):
        minimum_force(s, 1.5)
    with pytest.raises(FrontierError, match="no criteria"):
        minimum_force(scenario_from(overrides={"criteria": {}}))
    with pytest.raises(feasim.ScenarioError):
        frontier(s, "theatre.line_km", [-5])


# ------------------------------------------------------------------ command line


C06 = SCENARIOS / "claims" / "c06-coalition-of-the-willing.yaml"
C02 = SCENARIOS / "claims" / "c02-experts-100k-in-theatre.yaml"


def _cli(capsys, *args):
    from feasim.cli import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("method", ["tornado", "morris", "sobol"])
def test_cli_sensitivity_formats(capsys, method):
    fill = ("--output", "fill_ratio")  # C6's verdict never varies as shipped
    code, out, err = _cli(capsys, "sensitivity", C06, "--method", method, "--n", "64",
                          "--group-by", "contributor", "--format", "json", *fill)
    assert code == 0, err
    d = json.loads(out)
    assert d["method"] == method and d["output"] == "fill_ratio"
    assert "contributors[France]" in d["groups"]
    code, table, err = _cli(capsys, "sensitivity", C06, "--method", method, "--n", "64", *fill)
    assert code == 0, err
    assert "sensitivity of fill_ratio (fraction)" in table
    code, text, _ = _cli(capsys, "sensitivity", C06, "--method", method, "--n", "64",
                         "--format", "csv", *fill)
    assert code == 0 and text.splitlines()[0].startswith("factor,")


def test_cli_grouped_morris_explains_its_missing_sigma(capsys):
    code, table, err = _cli(capsys, "sensitivity", C06, "--method", "morris", "--n", "16",
                            "--group-by", "contributor")
    assert code == 0, err
    row = next(line for line in table.splitlines()
               if line.startswith("contributors[France] "))
    assert row.split()[-1] == "n/a"
    assert "sigma is n/a for a group" in table


def test_cli_sensitivity_bad_input_exits_2_without_traceback(capsys):
    code, out, err = _cli(capsys, "sensitivity", C02, "--method", "sobol", "--n", "100")
    assert code == 2 and "power of 2" in err and "Traceback" not in err
    code, _, err = _cli(capsys, "sensitivity", C02, "--output", "nope")
    assert code == 2 and "unknown output 'nope'" in err


def test_cli_frontier_table_json_and_errors(capsys):
    code, out, err = _cli(capsys, "frontier", C02, "--over", "theatre.line_km",
                          "--range", "100:2000:3", "--format", "json")
    assert code == 0, err
    pts = json.loads(out)["points"]
    assert [p["theatre.line_km"] for p in pts] == [100, 1050, 2000]
    assert pts[0]["reachable"] and pts[0]["scale"] < pts[1]["scale"]
    assert not pts[2]["reachable"] and "response_hours_p90" in pts[2]["message"]
    code, out, err = _cli(capsys, "frontier", C02, "--probability", "0.5")
    assert code == 0 and "minimum force for P(feasible) >= 0.5" in out
    for bad, msg in ((["--values", "1,2"], "need --over"),
                     (["--over", "theatre.line_km"], "needs --values or --range"),
                     (["--over", "theatre.line_km", "--range", "1:2"], "LO:HI:N"),
                     (["--over", "theatre.line_km", "--values", "-3"], "theatre.line_km")):
        code, _, err = _cli(capsys, "frontier", C02, *bad)
        assert code == 2 and msg in err and "Traceback" not in err, (bad, err)


def test_scenario_tornado_base_is_the_plan_as_stated():
    s = feasim.load_scenario(C06)
    r = analyse(s, "tornado", output="fill_ratio", group_by="condition")
    assert r.base_output == 1.0  # every condition holds, every pledge honoured
    for cond in s.conditions:
        # at its 95th percentile the condition's event fails: nobody who needs it deploys
        assert r.high[f"conditions.{cond}"] < r.low[f"conditions.{cond}"]
    with pytest.raises(SensitivityError, match="base must map"):
        tornado(ishigami, ISHIGAMI, base={"x9": 0.5})


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("seed", [1, 12345])
def test_sobol_gives_salibs_indices_and_intervals_bit_for_bit(grouped, seed):
    """feasim's vectorised Saltelli design and estimators against SALib itself."""
    pytest.importorskip("SALib")
    from SALib.analyze import sobol as salib_analyze
    from SALib.sample import sobol as salib_sample

    names = [f"x{i}" for i in range(6)]
    groups = {"g1": ["x0", "x2"], "g2": ["x1", "x4"], "g3": ["x3"], "g4": ["x5"]}
    params = {n: {"dist": "uniform", "low": 0, "high": 1} for n in names}

    def f(x):
        return np.sin(6 * x["x0"]) + 3 * x["x1"] ** 2 + x["x2"] * x["x3"] + 0.1 * x["x4"]

    ours = sobol(f, params, n=256, seed=seed, resamples=100,
                             groups=groups if grouped else None)
    per = [next(g for g, m in groups.items() if n in m) for n in names] if grouped else names
    problem = {"num_vars": 6, "names": names, "bounds": [[0.0, 1.0]] * 6}
    if grouped:
        problem["groups"] = per
    u = salib_sample.sample(problem, 256, calc_second_order=False, seed=seed)
    y = f({n: u[:, i] for i, n in enumerate(names)})
    ref = salib_analyze.analyze(problem, y, calc_second_order=False, num_resamples=100,
                                conf_level=0.95, seed=seed)
    factors = list(dict.fromkeys(per))
    for col, key in (("first", "S1"), ("first_conf", "S1_conf"), ("total", "ST"),
                     ("total_conf", "ST_conf")):
        assert [ours.columns[col][k] for k in factors] == list(np.asarray(ref[key])), col
