"""PRIM scenario discovery: a planted box is found, the trajectory is consistent, bad
input is refused with the value named, and it runs on feasim results."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import feasim
from feasim.discovery import Box, DiscoveryError, PrimResult, prim, prim_result
from feasim.errors import MissingDependency

from .conftest import BASE_YAML, SCENARIOS, scenario_from

N = 5000


def planted(noise: float = 0.0, n: int = N, seed: int = 7):
    """x1..x4 uniform on [0, 1]; y = (0.2 < x1 < 0.6) & (x2 > 0.5), a share ``noise`` flipped."""
    rng = np.random.default_rng(seed)
    x = {f"x{i}": rng.random(n) for i in range(1, 5)}
    y = (x["x1"] > 0.2) & (x["x1"] < 0.6) & (x["x2"] > 0.5)
    return x, y ^ (rng.random(n) < noise)


def check_consistent(res: PrimResult, x, y) -> None:
    """Every box's reported shares are what its bounds select from the data."""
    y = np.asarray(y, dtype=bool)
    boxes = res.trajectory + ([res.box] if res.box is not None else [])
    for b in boxes:
        inside = b.contains(x)
        assert inside.sum() == b.n_points
        assert b.mass == pytest.approx(inside.mean())
        assert b.density == pytest.approx(y[inside].mean())
        assert b.coverage == pytest.approx(y[inside].sum() / y.sum())
        assert b.n_restricted == len(b.bounds)
        for low, high in b.bounds.values():
            assert low <= high and (math.isfinite(low) or math.isfinite(high))


# ---------------------------------------------------------------- a planted box


@pytest.mark.parametrize("noise", [0.0, 0.05])
def test_recovers_planted_box(noise):
    x, y = planted(noise)
    res = prim(x, y, threshold=0.9)
    box = res.box
    assert box is not None and res.message == ""
    assert set(box.bounds) == {"x1", "x2"}  # x3, x4 unrestricted
    (lo1, hi1), (lo2, hi2) = box.bounds["x1"], box.bounds["x2"]
    assert lo1 == pytest.approx(0.2, abs=0.05) and hi1 == pytest.approx(0.6, abs=0.05)
    assert lo2 == pytest.approx(0.5, abs=0.05) and hi2 == math.inf
    assert box.density >= 0.9 and box.coverage >= 0.8
    assert res.n == N and res.n_positive == int(y.sum())
    check_consistent(res, x, y)


def test_trajectory_peels_towards_density():
    x, y = planted(0.05)
    res = prim(x, y, min_mass=0.05)
    t = res.trajectory
    assert t[0].bounds == {} and t[0].mass == 1 and t[0].coverage == 1
    assert t[0].density == pytest.approx(y.mean())
    assert t[-1].density > t[0].density
    masses = [b.mass for b in t]
    assert all(a > b for a, b in zip(masses, masses[1:], strict=False))
    assert min(masses) >= 0.05
    # the next peel would have gone below min_mass: r = 5% of the last box's points
    assert t[-1].n_points - max(1, int(0.05 * t[-1].n_points)) < 0.05 * N
    cov = [b.coverage for b in t]
    assert all(a >= b for a, b in zip(cov, cov[1:], strict=False))
    assert res.selected == len(t) - 1  # no threshold: the last box
    # each peel removes about peel_alpha of the box
    for a, b in zip(t, t[1:], strict=False):
        assert a.n_points - b.n_points == max(1, int(0.05 * a.n_points))
    check_consistent(res, x, y)


def test_two_d_array_with_names_matches_mapping():
    x, y = planted(0.05, n=1000)
    a = np.column_stack([x[k] for k in x])
    assert prim(a, y.astype(int), names=list(x)).to_dict() == prim(x, y).to_dict()


def test_density_one_stops_peeling():
    x, y = planted(0.0, n=2000)
    res = prim(x, y, min_mass=0.01)
    assert res.trajectory[-1].density == 1
    assert [b.density for b in res.trajectory].count(1.0) == 1


def test_unreachable_threshold_gives_no_box_and_says_so():
    rng = np.random.default_rng(3)
    x = {"a": rng.random(2000), "b": rng.random(2000)}
    y = rng.random(2000) < 0.3  # unrelated to the inputs
    res = prim(x, y, threshold=0.95)
    assert res.box is None and res.selected is None
    assert "density 0.95" in res.message and "densest" in res.message
    json.dumps(res.to_dict(), allow_nan=False)


def test_threshold_ties_in_coverage_go_to_the_denser_box():
    x, y = planted(0.0, n=1000)
    res = prim(x, y, threshold=0.0)
    full = [i for i, b in enumerate(res.trajectory) if b.coverage == 1]
    assert res.selected == full[-1] > 0 and res.box.coverage == 1
    assert res.box.density == max(res.trajectory[i].density for i in full)


def test_pasting_widens_an_overshooting_peel_without_losing_density():
    rng = np.random.default_rng(5)
    x = {"a": rng.random(1000), "b": rng.random(1000)}
    y = x["a"] > 0.5
    peeled = prim(x, y, peel_alpha=0.3, paste_alpha=0)
    pasted = prim(x, y, peel_alpha=0.3, paste_alpha=0.01)
    assert peeled.box == peeled.trajectory[-1]
    assert peeled.box.bounds["a"][0] > 0.505  # the last peel overshot 0.5
    assert pasted.box.density == 1 and pasted.box.coverage > peeled.box.coverage
    assert pasted.box.bounds["a"][0] == pytest.approx(0.5, abs=0.005)
    check_consistent(pasted, x, y)


def test_ties_are_kept_together():
    # "coarse" takes 41 values (~2.5% of points each): cuts fall between whole values.
    # "flag" takes two (~50% each): no cut removes only ~5%, so it is never restricted.
    rng = np.random.default_rng(11)
    x = {"coarse": np.round(rng.random(3000) * 40) / 40,
         "flag": (rng.random(3000) < 0.5) * 1.0, "fine": rng.random(3000)}
    y = (x["coarse"] >= 0.5) & (x["fine"] < 0.7)
    res = prim(x, y, threshold=0.9)
    check_consistent(res, x, y)
    assert all("flag" not in b.bounds for b in res.trajectory)
    assert res.box.bounds["coarse"] == (0.5, math.inf)
    assert res.box.density > 0.99 and res.box.coverage == 1


def test_box_text_and_contains():
    b = Box(bounds={"x1": (0.31, 0.72), "x2": (0.4, math.inf), "x3": (-math.inf, 5000.0)},
            coverage=0.84, density=0.93, mass=0.21, n_points=10)
    assert b.restrictions() == "0.31 <= x1 <= 0.72 and x2 >= 0.4 and x3 <= 5,000"
    assert str(b) == ("x1 from 0.31 to 0.72; x2 at least 0.4; x3 at most 5,000 "
                      "(coverage 0.84, density 0.93, mass 0.21)")
    # feasim's inputs in words; the names stay in restrictions() and to_dict()
    named = Box(bounds={"event:conditions.us_isr": (-math.inf, 0.778),
                        "conditions.us_isr": (0.2, math.inf),
                        "event:contributors[France].honour": (-math.inf, 0.5),
                        "force.support_fraction": (-math.inf, 0.671)},
                coverage=1.0, density=1.0, mass=0.5, n_points=10)
    assert named.describe() == ["uniform draw deciding condition us_isr at most 0.778",
                                "probability of condition us_isr at least 0.2",
                                "uniform draw deciding France's pledge at most 0.5",
                                "force: support fraction at most 0.671"]
    assert "event:" not in str(named) and "event:conditions.us_isr" in named.restrictions()
    assert "event:conditions.us_isr" in named.to_dict()["bounds"]
    x = {"x1": np.array([0.31, 0.72, 0.5, 0.3]), "x2": np.array([0.4, 1.0, 0.39, 0.5]),
         "x3": np.array([0.0, 5000.0, 0.0, 0.0]), "other": np.zeros(4)}
    assert b.contains(x).tolist() == [True, True, False, False]
    a = np.column_stack([x["x3"], x["x1"], x["x2"]])
    assert b.contains(a, names=["x3", "x1", "x2"]).tolist() == [True, True, False, False]
    with pytest.raises(ValueError, match=r"lack the box's restricted inputs \['x3'\]"):
        b.contains({"x1": x["x1"], "x2": x["x2"]})
    empty = Box(bounds={}, coverage=1.0, density=0.5, mass=1.0, n_points=4)
    assert str(empty).startswith("all points (") and empty.contains(x).all()


# ---------------------------------------------------------------- output


def test_to_dict_is_json_and_table_lists_the_trajectory():
    x, y = planted(0.05)
    res = prim(x, y, threshold=0.9)
    d = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert d["box"]["bounds"]["x2"][1] is None  # unrestricted side
    assert d["selected"] == res.selected and len(d["trajectory"]) == len(res.trajectory)
    assert d["trajectory"][0]["bounds"] == {} and d["inputs"] == ["x1", "x2", "x3", "x4"]
    table = res.table()
    assert list(table.columns) == ["step", "coverage", "density", "mass", "n_points",
                                   "n_restricted", "selected", "restrictions"]
    assert len(table) == len(res.trajectory) and table["selected"].sum() == 1
    assert table["restrictions"].iloc[0] == "all points"


def test_table_without_pandas(monkeypatch):
    x, y = planted(0.0, n=500)
    res = prim(x, y)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingDependency, match="pandas"):
        res.table()


# ---------------------------------------------------------------- bad input

X3 = {"a": np.arange(10.0), "b": np.arange(10.0)}
Y3 = np.arange(10) % 2 == 0


@pytest.mark.parametrize("inputs, y, kw, message", [
    ({"a": np.arange(10.0), "b": np.arange(9.0)}, Y3, {}, "differ in length: a has 10, b has 9"),
    (X3, Y3[:8], {}, "y has 8"),
    ({"a": np.array([])}, np.array([], dtype=bool), {}, "no data"),
    ({}, Y3, {}, "no inputs"),
    ({"a": np.r_[np.nan, np.nan, np.inf, np.arange(7.0)]}, Y3, {},
     "input 'a' has 2 NaN and 1 infinite values"),
    ({"a": np.array(list("abcdefghij"))}, Y3, {}, "input 'a' must be numeric"),
    ({"a": np.ones((10, 2))}, Y3, {}, "input 'a' must be a 1-D array"),
    (X3, np.arange(10), {}, "y must be boolean or 0/1; got 8 other values, e.g. 2, 3, 4"),
    (X3, np.full(10, 0.5), {}, "y must be boolean or 0/1"),
    (X3, np.array(list("abcdefghij")), {}, "y must be boolean or 0/1; got dtype"),
    (X3, np.zeros(10, dtype=bool), {}, "y has no positive"),
    (X3, Y3, {"peel_alpha": 0.5}, r"peel_alpha must be in \(0, 0.5\); got 0.5"),
    (X3, Y3, {"peel_alpha": 0}, r"peel_alpha must be in \(0, 0.5\); got 0"),
    (X3, Y3, {"peel_alpha": math.nan}, "peel_alpha must be in"),
    (X3, Y3, {"paste_alpha": 0.7}, "paste_alpha must be in .* got 0.7"),
    (X3, Y3, {"min_mass": 1}, r"min_mass must be in \(0, 1\); got 1"),
    (X3, Y3, {"min_mass": 0.0}, r"min_mass must be in \(0, 1\); got 0.0"),
    (X3, Y3, {"threshold": 1.2}, "threshold must be a density in .* got 1.2"),
    (X3, Y3, {"names": ["a", "b"]}, "names is only for a 2-D array"),
    (np.ones((10, 2)), Y3, {}, "needs names"),
    (np.ones((10, 2)), Y3, {"names": ["a"]}, "2 distinct names"),
    (np.ones((10, 2)), Y3, {"names": ["a", "a"]}, "2 distinct names"),
    (np.ones(10), Y3, {"names": ["a"]}, "got an array of shape"),
])
def test_bad_input_is_refused_with_the_value(inputs, y, kw, message):
    with pytest.raises(ValueError, match=message) as info:
        prim(inputs, y, **kw)
    assert isinstance(info.value, DiscoveryError)


# ---------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), k=st.integers(1, 3),
       rate=st.floats(0.01, 1.0), peel=st.sampled_from([0.01, 0.05, 0.2, 0.45]),
       paste=st.sampled_from([0.0, 0.05, 0.3]), min_mass=st.sampled_from([0.01, 0.1, 0.5]),
       threshold=st.one_of(st.none(), st.floats(0, 1)), coarse=st.booleans())
def test_invariants_on_random_data(seed, n, k, rate, peel, paste, min_mass, threshold, coarse):
    rng = np.random.default_rng(seed)
    x = {f"v{i}": rng.random(n) for i in range(k)}
    if coarse:
        x["v0"] = np.round(x["v0"] * 3)
    y = rng.random(n) < rate
    y[rng.integers(n)] = True
    res = prim(x, y, peel_alpha=peel, paste_alpha=paste, min_mass=min_mass,
               threshold=threshold)
    check_consistent(res, x, y)
    masses = [b.mass for b in res.trajectory]
    assert all(a > b for a, b in zip(masses, masses[1:], strict=False))
    assert all(m >= min_mass for m in masses[1:])
    if res.box is not None:
        chosen = res.trajectory[res.selected]
        assert res.box.density >= chosen.density - 1e-12  # pasting never lowers density
        assert res.box.coverage >= chosen.coverage
        assert threshold is None or res.box.density >= threshold
    else:
        assert threshold is not None and max(b.density for b in res.trajectory) < threshold
    json.dumps(res.to_dict(), allow_nan=False)


# ---------------------------------------------------------------- feasim results


@pytest.fixture(scope="module")
def c06():
    s = feasim.load_scenario(SCENARIOS / "claims" / "c06-coalition-of-the-willing.yaml")
    return feasim.evaluate(s, samples=2000, seed=1)


def test_prim_result_on_a_shipped_claim(c06):
    # C6 as shipped is feasible in no sample (it never meets the worst-case detection
    # criterion), so the box is found for one criterion: the posture filled.
    assert c06.p_feasible == 0
    with pytest.raises(DiscoveryError):
        prim_result(c06)
    met = c06.criteria["fill_ratio"].met
    p = float(met.mean())
    assert 0 < p < 1
    res = prim_result(c06, output="fill_ratio")
    assert res.box is not None and res.box.density >= p and res.box.density > 2 * p
    assert res.n == 2000 and res.n_positive == int(met.sum())
    varying = {k for k, v in c06.inputs.items() if np.ptp(v) > 0}
    assert set(res.names) == varying and set(res.box.bounds) <= varying
    check_consistent(res, c06.inputs, met)
    json.dumps(res.to_dict(), allow_nan=False)
    crit = prim_result(c06, output="response_hours_p90", threshold=0.25)
    assert crit.box.density >= 0.25
    assert crit.n_positive == int(c06.criteria["response_hours_p90"].met.sum())


def test_prim_result_finds_the_condition_that_decides():
    # France's 10,000 depend on a ceasefire of probability 0.5; without them the posture
    # is not filled. Feasible iff the ceasefire holds iff its event uniform is below 0.5.
    s = scenario_from(overrides={"conditions.ceasefire": 0.5,
                                 "criteria.fill_ratio": {"min": 1.0}})
    r = feasim.evaluate(s, samples=2000, seed=1)
    assert r.p_feasible == pytest.approx(0.5, abs=0.05)
    res = prim_result(r, threshold=0.99)
    assert list(res.box.bounds) == ["event:conditions.ceasefire"]
    low, high = res.box.bounds["event:conditions.ceasefire"]
    assert low == -math.inf and high == pytest.approx(0.5, abs=0.03)
    assert res.box.density == 1 and res.box.coverage >= 0.9


def test_prim_result_refuses_what_it_cannot_explain(c06):
    s = scenario_from("\n".join(line for line in BASE_YAML.splitlines()
                                if not line.startswith(("criteria", "  detection_", "  resp"))))
    r = feasim.evaluate(s, samples=200, seed=1)
    assert not r.criteria
    with pytest.raises(ValueError, match="has no criteria"):
        prim_result(r)
    with pytest.raises(ValueError, match="unknown output 'nope'; known: feasible, "):
        prim_result(c06, output="nope")
    none = feasim.evaluate(feasim.load_scenario(
        SCENARIOS / "claims" / "c03-france-uk-10k-in-theatre.yaml"), samples=500, seed=1)
    assert none.p_feasible == 0
    with pytest.raises(ValueError, match=r"P\(feasible\) is 0 in all 500 samples") as info:
        prim_result(none)
    assert "'feasim frontier' finds the force" in str(info.value)


def test_cli_discover_table_json_and_errors(capsys):
    import json as _json

    from feasim.cli import main

    c06 = "scenarios/claims/c06-coalition-of-the-willing.yaml"
    from .conftest import ROOT

    path = str(ROOT / c06)
    assert main(["discover", path, "--output", "fill_ratio", "--samples", "2000",
                 "--threshold", "0.3"]) == 0
    out = capsys.readouterr().out
    assert "PRIM on 2,000 samples" in out and "<- chosen" in out and "box: coverage" in out
    assert main(["discover", path, "--output", "fill_ratio", "--samples", "2000",
                 "--format", "json"]) == 0
    d = _json.loads(capsys.readouterr().out)
    assert d["n"] == 2000 and d["box"] is not None
    assert main(["discover", path, "--samples", "500"]) == 2   # feasible in no sample
    assert "feasim frontier" in capsys.readouterr().err
    assert main(["discover", path, "--output", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
