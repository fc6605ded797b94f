"""Break-even values (what you must believe): known thresholds by hand, inputs that
cannot flip the verdict, errors, the CLI's JSON contract."""

from __future__ import annotations

import json

import numpy as np

import pytest

import feasim
from feasim.breakeven import BreakEvenError, breakeven
from feasim.cli import main

from .conftest import SCENARIOS, scenario_from

# 100 km, posts every 5 km with 2 on post: 20 posts x 2 x 4.7 = 188 combat troops, and
# half the force is support: the posture is filled iff troops in theatre >= 376.
POSTS = """\
name: posts
theatre: {line_km: 100}
force: {basis: in_theatre, support_fraction: 0.5, staff_per_position: 4.7}
contributors:
  - name: a
    troops: {dist: uniform, low: 100, high: 1000}
posture:
  observation_posts: {spacing_km: 5, on_post: 2, radius_km: 2, detection_probability: 0.9}
incursions:
  rate_per_day: 10
  exposure_hours: {dist: uniform, low: 2, high: 8}
criteria:
  fill_ratio: {min: 1}
uncertainty: {samples: 1000, seed: 3}
"""
REQUIRED = 100 / 5 * 2 * 4.7 / (1 - 0.5)     # 376 persons in theatre, by hand


def test_step_threshold_found_to_tolerance():
    r = breakeven(scenario_from(POSTS), target=0.5, xtol=1e-7)
    b = r.inputs["contributors[a].troops"]
    assert b.can_flip and b.range == (100.0, 1000.0)
    assert b.breakeven == pytest.approx(REQUIRED, abs=1e-7 * 900 + 1e-9)
    assert b.output_low == 0 and b.output_high == 1
    # the baseline: the share of uniform(100, 1000) draws at or above 376
    assert r.baseline == pytest.approx((1000 - REQUIRED) / 900, abs=2e-3)


def test_input_that_cannot_flip_is_reported_as_such():
    r = breakeven(scenario_from(POSTS))
    b = r.inputs["incursions.exposure_hours"]    # does not enter the fill ratio
    assert b.breakeven is None and not b.can_flip
    assert b.output_low == b.output_high == r.baseline
    assert r.hinges_on() == ["contributors[a].troops"]
    # a target the troops reach only outside their range: no input can flip it
    far = breakeven(scenario_from(POSTS, {"contributors[a].troops":
                                          {"dist": "uniform", "low": 400, "high": 1000}}))
    assert far.inputs["contributors[a].troops"].can_flip is False
    assert far.baseline == 1 and far.hinges_on() == []


def test_smooth_threshold_is_the_probability_itself():
    # Honoured with probability h and always enough when honoured: P(feasible | h = x)
    # is the share of the honour event's uniforms below x, which a 1,000-sample Latin
    # hypercube makes x to within 1/1,000; the break-even of the target 0.3 is 0.3.
    s = scenario_from(POSTS, {"contributors[a].troops": 2000,
                              "contributors[a].honour_probability":
                                  {"dist": "uniform", "low": 0.1, "high": 0.9}})
    b = breakeven(s, target=0.3).inputs["contributors[a].honour_probability"]
    assert b.can_flip and b.breakeven == pytest.approx(0.3, abs=2e-3)
    assert b.output_low == pytest.approx(0.1, abs=2e-3)
    assert b.output_high == pytest.approx(0.9, abs=2e-3)


def test_metric_output_in_its_unit():
    # fill_ratio = whole posts filled / 20; its mean reaches 0.5 where 10 posts are
    # filled in every sample: 10 posts x 2 x 4.7 / 0.5 = 188 troops in theatre.
    r = breakeven(scenario_from(POSTS), target=0.5, output="fill_ratio", xtol=1e-7)
    assert r.inputs["contributors[a].troops"].breakeven == pytest.approx(188.0, abs=1e-3)


def test_shipped_c2_hinges_on_the_patrols_not_the_adversary():
    r = breakeven(feasim.load_scenario(SCENARIOS / "claims" /
                                       "c02-experts-100k-in-theatre.yaml"))
    assert "posture.patrols.detection_probability" in r.hinges_on()
    b = r.inputs["posture.patrols.detection_probability"]
    assert b.range[0] < b.breakeven < b.range[1]
    assert not r.inputs["adversary.troops"].can_flip   # no force-ratio criterion


@pytest.mark.parametrize("kw, match", [
    ({"target": 1.0}, "strictly between 0 and 1"),
    ({"target": 0.0}, "strictly between 0 and 1"),
    ({"output": "nope"}, "unknown output 'nope'"),
    ({"grid": 1}, "grid must be"),
    ({"xtol": 0}, "xtol must be"),
])
def test_bad_options(kw, match):
    with pytest.raises(BreakEvenError, match=match):
        breakeven(scenario_from(POSTS), **kw)


def test_no_criteria_no_p_feasible():
    s = scenario_from(POSTS, {"criteria": {}})
    with pytest.raises(BreakEvenError, match="no criteria"):
        breakeven(s)
    assert breakeven(s, target=0.5, output="fill_ratio").inputs   # a metric still works


def test_cli_json_contract_table_and_errors(tmp_path, capsys):
    f = tmp_path / "posts.yaml"
    f.write_text(POSTS, encoding="utf-8")
    assert main(["breakeven", str(f), "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["target"] == 0.5
    b = d["inputs"]["contributors[a].troops"]
    assert set(b) >= {"breakeven", "range", "can_flip"}
    assert b["range"] == [100.0, 1000.0] and b["can_flip"] is True
    assert abs(b["breakeven"] - REQUIRED) < 1e-3
    assert d["inputs"]["incursions.exposure_hours"]["breakeven"] is None
    assert main(["breakeven", str(f), "--target", "0.9"]) == 0
    out = capsys.readouterr().out
    assert "break-even of P(feasible) = 0.9" in out
    assert "the verdict hinges on: contributors[a].troops" in out
    assert main(["breakeven", str(f), "--target", "2"]) == 2
    err = capsys.readouterr().err
    assert "strictly between 0 and 1" in err and "Traceback" not in err
    assert main(["breakeven", str(tmp_path / "missing.yaml")]) == 2


def test_lognormal_range_is_its_quantiles_not_its_unreached_support():
    # a lognormal's support is (0, inf): the range is its 0.1% and 99.9% quantiles
    from scipy import stats

    s = scenario_from(POSTS, {"contributors[a].troops":
                              {"dist": "lognormal", "mean": 500, "sd": 150}})
    b = breakeven(s).inputs["contributors[a].troops"]
    sigma2 = np.log(1 + (150 / 500) ** 2)
    ref = stats.lognorm(s=np.sqrt(sigma2), scale=500 / np.sqrt(1 + (150 / 500) ** 2))
    assert b.range == pytest.approx((ref.ppf(1e-3), ref.ppf(1 - 1e-3)), rel=1e-6)
    assert b.breakeven == pytest.approx(REQUIRED, abs=1e-3)


def test_brentq_takes_scipys_steps():
    """feasim's Brent (no scipy.optimize import) lands on scipy.optimize.brentq's root,
    bit for bit, on lines, step functions (P(feasible) is one), cubics and steep tanh."""
    import math

    from scipy.optimize import brentq as reference

    from feasim.breakeven import brentq

    rng = np.random.default_rng(1)
    checked = 0
    for t in range(400):
        kind = t % 4
        if kind == 0:
            r = rng.uniform(0, 1)
            f = lambda x, r=r: x - r  # noqa: E731
        elif kind == 1:
            r, n = rng.uniform(0.1, 0.9), int(rng.integers(10, 2000))
            f = lambda x, r=r, n=n: math.floor(x * n) / n - r  # noqa: E731
        elif kind == 2:
            c = rng.normal(size=4)
            f = lambda x, c=c: float(np.polyval(c, x) - np.polyval(c, 0.5))  # noqa: E731
        else:
            r = rng.uniform(0.2, 0.8)
            f = lambda x, r=r: math.tanh(30 * (x - r))  # noqa: E731
        if f(0.0) * f(1.0) > 0:
            continue
        xtol = 10 ** rng.uniform(-9, -2)
        assert brentq(f, 0.0, 1.0, xtol=xtol) == reference(f, 0.0, 1.0, xtol=xtol), t
        checked += 1
    assert checked > 300
    with pytest.raises(ValueError):
        brentq(lambda x: x + 2, 0.0, 1.0)


def test_grid_in_one_evaluation_equals_one_evaluation_per_value():
    """The grid is evaluated as one block of grid × n samples; its ends must be what
    separate evaluations at those values give (same draws, same numbers)."""
    from feasim.models import AnalyticModel

    s = feasim.load_scenario(SCENARIOS / "claims" / "c02-experts-100k-in-theatre.yaml")
    res = breakeven(s, 0.5, samples=300, seed=3)
    model = AnalyticModel()
    base = model.draws(s, n=300, rng=3).inputs()
    for path, be in list(res.inputs.items())[:4]:
        lo, hi = be.range
        # (the result stores gap + target, gap = value - target: the same rounding here)
        ends = [(float(model.evaluate(s, {**base, path: x}, n=300, rng=3).p_feasible) - 0.5)
                + 0.5 for x in (lo, hi)]
        assert [be.output_low, be.output_high] == ends, path
