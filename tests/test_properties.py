"""Invariants checked with hypothesis: round trips, monotonicity, seeds, bad input."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feasim
from feasim import ScenarioError

from .conftest import BASE_YAML

BASE = yaml.safe_load(BASE_YAML)
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

positive = st.floats(min_value=0.01, max_value=1e4, allow_nan=False)
probability = st.floats(min_value=0.0, max_value=1.0)


@st.composite
def quantities(draw, low=0.01, high=1e4):
    """A constant or a bounded distribution inside [low, high]."""
    a = draw(st.floats(min_value=low, max_value=high))
    b = draw(st.floats(min_value=low, max_value=high))
    lo, hi = min(a, b), max(a, b)
    kind = draw(st.sampled_from(["const", "uniform", "triangular", "pert", "truncnormal"]))
    if kind == "const" or not hi - lo > 1e-6:
        return a
    mode = draw(st.floats(min_value=lo, max_value=hi))
    return {"uniform": {"dist": "uniform", "low": lo, "high": hi},
            "triangular": {"dist": "triangular", "low": lo, "mode": mode, "high": hi},
            "pert": {"dist": "pert", "low": lo, "mode": mode, "high": hi},
            "truncnormal": {"dist": "truncnormal", "mean": mode, "sd": (hi - lo) / 2,
                            "low": lo, "high": hi}}[kind]


@st.composite
def scenarios(draw):
    data = copy.deepcopy(BASE)
    data["theatre"]["line_km"] = draw(quantities(30, 3000))
    data["force"]["basis"] = draw(st.sampled_from(["in_theatre", "committed"]))
    data["force"]["rotation_multiplier"] = draw(quantities(1, 6))
    data["force"]["support_fraction"] = draw(quantities(0, 0.9))
    data["conditions"]["ceasefire"] = draw(quantities(0, 1))
    data["contributors"] = [
        {"name": f"c{i}", "troops": draw(quantities(0, 1e5)),
         "honour_probability": draw(quantities(0, 1)),
         "role": draw(st.sampled_from(["line", "reserve", "rear"])),
         "conditions": draw(st.sampled_from([[], ["ceasefire"]]))}
        for i in range(draw(st.integers(1, 4)))]
    data["posture"]["patrols"]["speed_kmh"] = draw(quantities(0.5, 50))
    data["posture"]["qrf"]["engagement_hours"] = draw(quantities(0.1, 24))
    data["incursions"]["rate_per_day"] = draw(quantities(0, 200))
    data["uncertainty"] = {"samples": 16, "seed": draw(st.integers(0, 2**32 - 1)),
                           "sampler": draw(st.sampled_from(["lhs", "random"]))}
    return data


@FAST
@given(scenarios())
def test_round_trip_through_yaml(data):
    s = feasim.validate_data(data)
    text = feasim.dump_scenario(s)
    again = feasim.parse_scenario(text)
    assert again == s
    assert feasim.dump_scenario(again) == text


@FAST
@given(scenarios())
def test_same_seed_same_result_and_no_crash(data):
    s = feasim.validate_data(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warnings either
        a = feasim.evaluate(s)
        b = feasim.evaluate(s)
    for name in feasim.METRICS:
        np.testing.assert_array_equal(a[name], b[name])
    assert a.to_dict() == b.to_dict()


def test_different_seeds_differ(base):
    s = feasim.with_overrides(base, {"contributors[France].troops":
                                     {"dist": "uniform", "low": 1000, "high": 20000}})
    a = feasim.evaluate(s, seed=1)
    b = feasim.evaluate(s, seed=2)
    assert not np.array_equal(a["in_theatre_troops"], b["in_theatre_troops"])


MONOTONE = ("op_coverage", "patrol_detection_probability", "sensor_coverage",
            "detection_probability", "fill_ratio", "observation_posts", "patrol_teams",
            "qrf_teams")


@FAST
@given(troops=st.floats(0, 2e5), extra=st.floats(0, 1e5),
       role=st.sampled_from(["line", "reserve"]),
       spacing=st.floats(0.5, 50), teams=st.integers(0, 500), bases=st.integers(1, 20),
       exposure=st.floats(0.1, 48), hours=st.floats(1, 24))
def test_more_troops_never_lower_coverage_or_detection(troops, extra, role, spacing, teams,
                                                      bases, exposure, hours):
    data = copy.deepcopy(BASE)
    data["posture"]["observation_posts"]["spacing_km"] = spacing
    data["posture"]["patrols"].update(teams=teams, hours_per_day=hours)
    data["posture"]["qrf"]["bases"] = bases
    data["incursions"]["exposure_hours"] = exposure
    data["uncertainty"]["samples"] = 1
    results = []
    for t in (troops, troops + extra):
        data["contributors"] = [{"name": "a", "troops": t, "role": role},
                                {"name": "b", "troops": 3000, "role": "line"}]
        results.append(feasim.evaluate(feasim.validate_data(data)))
    less, more = results
    for name in MONOTONE:
        assert more[name][0] >= less[name][0] - 1e-12, name


# ---------------------------------------------------------------- bad input


junk = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=6)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


ALL_PATHS = [p for p in _paths(BASE) if p]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), junk), min_size=1, max_size=4))
def test_mutated_scenarios_raise_only_scenario_error(mutations):
    data = copy.deepcopy(BASE)
    for path, value in mutations:
        obj = data
        try:
            for key in path[:-1]:
                obj = obj[key]
            obj[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    data["uncertainty"] = {"samples": 4}
    try:
        text = yaml.safe_dump(data)
    except yaml.YAMLError:
        return
    try:
        s = feasim.parse_scenario(text, "fuzz.yaml")
    except ScenarioError as exc:
        assert exc.problems and all(p.rule and p.file == "fuzz.yaml" for p in exc.problems)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        feasim.evaluate(s)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text_raises_only_scenario_error(text):
    try:
        feasim.parse_scenario(text, "fuzz.yaml")
    except ScenarioError as exc:
        assert exc.problems


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**31), reps=st.integers(2, 5))
def test_simulation_identical_for_any_number_of_workers(seed, reps):
    from feasim.simulation import simulate

    data = copy.deepcopy(BASE)
    data["simulation"] = {"days": 3, "replications": reps, "seed": seed}
    s = feasim.validate_data(data)
    one = simulate(s, workers=1).to_dict()
    two = simulate(s, workers=2).to_dict()
    assert one == two


@FAST
@given(scenarios(), st.sampled_from([None, "monitoring", "interposition", "deterrence",
                                     "defence"]))
def test_run_with_requirements_verdict_and_presets_exits_0_or_2(tmp_path_factory, data, mission):
    """feasim run (requirements, provenance, break-even, tornado hinges) on any valid
    scenario, with or without a mission preset: exit 0 or 2, never a crash."""
    import contextlib
    import io

    from feasim.cli import main

    f = tmp_path_factory.mktemp("run") / "s.yaml"
    f.write_text(feasim.dump_scenario(feasim.validate_data(data)), encoding="utf-8")
    args = ["run", str(f), "--samples", "8", "--format", "json"]
    if mission:
        args += ["--mission", mission]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    assert code in (0, 2), err.getvalue()
    if code == 0:
        import json

        d = json.loads(out.getvalue())
        assert {"requirements", "provenance", "verdict"} <= set(d)
