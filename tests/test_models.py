"""One model interface: AnalyticModel, SimulationModel and FunctionModel answer
``evaluate(scenario, inputs, n=, rng=)`` alike, criteria are judged once, and the
consumers reach the models only through it."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pytest

import feasim
from feasim.executors import ProcessExecutor, SerialExecutor
from feasim.metrics import METRICS
from feasim.models import AnalyticModel, FunctionModel, Model, SimulationModel, judge

from .conftest import scenario_from

SRC = Path(feasim.__file__).resolve().parent


@pytest.fixture(scope="module")
def scen():
    return scenario_from(overrides={
        "contributors[France].troops": {"dist": "uniform", "low": 5000, "high": 15000},
        "simulation.replications": 4, "simulation.days": 8})


def _sim_or_skip(fn):
    """The per-replication engine is being rewritten in parallel; a broken import
    there is not a failure of the interface."""
    try:
        import feasim.simulation.runner  # noqa: F401
    except ImportError as exc:  # pragma: no cover - transient
        pytest.skip(f"simulation engine not importable: {exc}")
    return fn()


# ------------------------------------------------------------------ interface


def test_three_models_share_the_interface(scen):
    models = [AnalyticModel(), SimulationModel(),
              FunctionModel(lambda x: {"y": 2 * x["a"]}, ["y"])]
    assert [m.method for m in models] == ["analytic", "simulation", "function"]
    for m in models:
        assert isinstance(m, Model)
    a = models[0].evaluate(scen, n=50, rng=3)
    assert a.method == "analytic" and a.samples == 50 and list(a.metrics) == list(METRICS)
    f = models[2].evaluate(None, {"a": np.arange(5.0)})
    assert f.method == "function" and f.samples == 5
    np.testing.assert_array_equal(f["y"], [0, 2, 4, 6, 8])
    assert f.unit("y") == "" and json.loads(json.dumps(f.to_dict()))["metrics"]["y"]["unit"] == ""

    def sim():
        s = models[1].evaluate(scen, n=3, rng=1)
        assert s.method == "simulation" and s.samples == 3
        assert set(s.metrics) <= set(METRICS)
        # Every metric of the vocabulary is either estimated or named as not observed.
        assert set(s.metrics) | set(s.not_observed) == set(METRICS)
        assert not set(s.metrics) & set(s.not_observed)
        assert all(v.shape == (3,) for v in s.metrics.values())
    _sim_or_skip(sim)


def test_function_model_per_point_equals_vectorised():
    def f(x):
        return {"area": x["w"] * x["h"], "twice": 2 * np.asarray(x["w"])}

    x = {"w": np.array([1.0, 2.0, 3.0]), "h": np.array([4.0, 5.0, 6.0])}
    a = FunctionModel(f, ["area", "twice"]).evaluate(None, x)
    b = FunctionModel(f, ["area", "twice"], vectorized=False).evaluate(None, x)
    for k in ("area", "twice"):
        np.testing.assert_array_equal(a[k], b[k])
    np.testing.assert_array_equal(a["area"], [4.0, 10.0, 18.0])


# ------------------------------------------------------------------ criteria


def test_criteria_judged_identically_from_the_same_metrics(scen):
    a = AnalyticModel().evaluate(scen, n=300, rng=4)
    # A function that returns exactly the analytic metrics: same verdicts and margins.
    f = FunctionModel(lambda x: a.metrics, list(METRICS)).evaluate(scen, n=300)
    assert f.criteria.keys() == a.criteria.keys() == {"detection_probability",
                                                      "response_hours_p90"}
    for name, c in a.criteria.items():
        np.testing.assert_array_equal(f.criteria[name].met, c.met)
        np.testing.assert_array_equal(f.criteria[name].margin, c.margin)
    # The verdicts themselves, from the criterion's definition (NaN never meets it).
    det, p90 = a["detection_probability"], a["response_hours_p90"]
    with np.errstate(invalid="ignore"):
        want = (det >= 0.9) & (p90 <= 5)
    np.testing.assert_array_equal(a.feasible, want)
    np.testing.assert_allclose(a.criteria["detection_probability"].margin, det - 0.9)


def test_judge_names_criteria_it_cannot_judge(scen):
    crit, skipped = judge(scen, {"detection_probability": np.array([0.95, math.nan, 0.5])})
    assert list(crit) == ["detection_probability"] and skipped == ("response_hours_p90",)
    np.testing.assert_array_equal(crit["detection_probability"].met, [True, False, False])
    assert judge(None, {"x": np.ones(2)}) == ({}, ())


# ------------------------------------------------------------------ inputs


def test_analytic_inputs_replace_draws(scen):
    lines = np.array([300.0, 600.0, 1200.0, 2400.0])
    r = AnalyticModel().evaluate(scen, {"theatre.line_km": lines}, rng=2)
    assert r.samples == 4
    np.testing.assert_allclose(r["troops_per_km"], r["in_theatre_troops"] / lines)
    np.testing.assert_array_equal(r.inputs["theatre.line_km"], lines)
    # The other inputs are the draws the model makes without inputs.
    plain = AnalyticModel().evaluate(scen, n=4, rng=2)
    np.testing.assert_array_equal(r.inputs["contributors[France].troops"],
                                  plain.inputs["contributors[France].troops"])
    # An honour uniform of 1 means France never honours; 0 means it always does.
    france = np.array([12000.0, 12000.0])
    never = AnalyticModel().evaluate(scen, {"contributors[France].troops": france,
                                            "event:contributors[France].honour": [1.0, 0.0]})
    np.testing.assert_array_equal(never["pledged_troops"], [22000.0, 22000.0])
    assert never["honoured_troops"][0] <= 10000 < never["honoured_troops"][1]
    with pytest.raises(KeyError, match="unknown input path 'theatre.nope'"):
        AnalyticModel().evaluate(scen, {"theatre.nope": [1.0]})
    with pytest.raises(ValueError, match="has 2 values, not n = 3"):
        AnalyticModel().evaluate(scen, {"theatre.line_km": [1.0, 2.0]}, n=3)


def test_counts_given_as_inputs_are_whole(scen):
    r = AnalyticModel().evaluate(scen, {"posture.patrols.teams": [10.4, 10.6]})
    np.testing.assert_array_equal(r.inputs["posture.patrols.teams"], [10.0, 11.0])


def test_simulation_inputs_per_replication(scen):
    def run():
        lines = np.array([400.0, 800.0, 1600.0])
        r = SimulationModel().evaluate(scen, {"theatre.line_km": lines}, rng=5)
        np.testing.assert_allclose(r["troops_per_km"], r["in_theatre_troops"] / lines)
        np.testing.assert_array_equal(r.inputs["theatre.line_km"], lines)
    _sim_or_skip(run)


# ------------------------------------------------------------------ rng


def _bytes(r) -> str:
    return json.dumps(r.to_dict(), sort_keys=True, allow_nan=False) + "".join(
        np.asarray(v).tobytes().hex() for v in r.metrics.values())


def test_analytic_rng_int_seedsequence_generator(scen):
    m = AnalyticModel()
    by_int = m.evaluate(scen, n=200, rng=7)
    assert by_int.seed == 7
    assert _bytes(m.evaluate(scen, n=200, rng=7)) == _bytes(by_int)
    by_seq = m.evaluate(scen, n=200, rng=np.random.SeedSequence(7))
    by_gen = m.evaluate(scen, n=200, rng=np.random.default_rng(7))
    for r in (by_seq, by_gen):  # the same stream as the int 7
        for k in METRICS:
            np.testing.assert_array_equal(r[k], by_int[k])
    assert by_gen.seed is None
    assert _bytes(m.evaluate(scen, n=200, rng=np.random.default_rng(8))) == \
        _bytes(m.evaluate(scen, n=200, rng=np.random.default_rng(8)))
    assert not np.array_equal(m.evaluate(scen, n=200, rng=8)["pledged_troops"],
                              by_int["pledged_troops"])
    with pytest.raises(TypeError, match="rng must be"):
        m.evaluate(scen, n=2, rng="seven")


def test_simulation_rng_and_replication_streams(scen, monkeypatch):
    """Replication i runs on child i of SeedSequence(seed), whatever rng form gives it."""
    import feasim.models.simulation as msim

    seen = []

    def run_replication(scenario, index, seed, inputs=None):
        seen.append((index, tuple(seed.generate_state(2)), inputs))
        return index, float(np.random.default_rng(seed).random())

    def replication_metrics(scenario, rep):
        i, u = rep
        return {"metrics": {"in_theatre_troops": u, "fill_ratio": 1.0 - i},
                "series": {"fill_ratio": np.full(3, float(i))},
                "warnings": ["horizon short"] + (["base 2 unmanned"] if i % 2 else []),
                "base_overloaded": {"base 1 (km 0–200)": i == 0, "base 2 (km 200–400)": False}}

    monkeypatch.setattr(msim, "_engine", lambda: (run_replication, replication_metrics))
    r = SimulationModel().evaluate(scen, n=4, rng=11)
    want = [tuple(c.generate_state(2)) for c in np.random.SeedSequence(11).spawn(4)]
    assert [s for _, s, _ in sorted(seen)] == want
    assert r.warnings == ("horizon short", "base 2 unmanned")
    assert r.base_overload == {"base 1 (km 0–200)": 0.25}
    assert r.series["fill_ratio"].shape == (4, 3)
    np.testing.assert_array_equal(r["fill_ratio"], [1.0, 0.0, -1.0, -2.0])
    # Needed block present but not reported: named; a block the scenario lacks: not.
    assert "detection_probability" in r.not_observed and "global_force_ratio" in r.not_observed
    no_adv = feasim.with_overrides(scen, {"adversary": None})
    assert "global_force_ratio" not in SimulationModel().evaluate(no_adv, n=1).not_observed
    # int, SeedSequence and equal Generators: identical bytes.
    same_seq = SimulationModel().evaluate(scen, n=4, rng=np.random.SeedSequence(11))
    assert _bytes(same_seq) == _bytes(r)
    g1 = SimulationModel().evaluate(scen, n=4, rng=np.random.default_rng(3))
    g2 = SimulationModel().evaluate(scen, n=4, rng=np.random.default_rng(3))
    assert _bytes(g1) == _bytes(g2)
    # inputs reach the engine as one {path: float} per replication.
    seen.clear()
    SimulationModel().evaluate(scen, {"theatre.line_km": [500.0, 700.0]}, rng=1)
    assert sorted((i, x) for i, _, x in seen) == [(0, {"theatre.line_km": 500.0}),
                                                  (1, {"theatre.line_km": 700.0})]


def test_simulation_identical_on_serial_and_process_executors(scen):
    def run():
        serial = SimulationModel(executor=SerialExecutor()).evaluate(scen, n=4, rng=9)
        procs = SimulationModel(executor=ProcessExecutor(2)).evaluate(scen, n=4, rng=9)
        assert _bytes(procs) == _bytes(serial)
        assert _bytes(feasim.simulation.simulate(scen, replications=4, seed=9, workers=2)) \
            == _bytes(serial)
        with ProcessExecutor(2) as ex:  # an open executor is reused, not re-entered
            model = SimulationModel(executor=ex)
            twice = [model.evaluate(scen, n=4, rng=9) for _ in range(2)]
            assert ex._pool is not None
        assert [_bytes(r) for r in twice] == [_bytes(serial)] * 2
        # Closed again, the same executor object is entered afresh by the next call.
        assert ex._pool is None and _bytes(model.evaluate(scen, n=4, rng=9)) == _bytes(serial)
    import feasim.simulation  # noqa: F401
    _sim_or_skip(run)


# ------------------------------------------------------------------ consumers


FORBIDDEN = ("feasim.analytic", "feasim.simulation.engine", "feasim.simulation.runner",
             "feasim.model")
CONSUMERS = ["sweep/__init__.py", "sweep/evaluate.py", "sweep/runner.py", "sweep/result.py",
             "sweep/spec.py", "sweep/store.py", "sensitivity.py", "frontier.py", "report.py",
             "discovery.py", *sorted(f"cli/{p.name}" for p in (SRC / "cli").glob("*.py"))]


def _imports(path: Path) -> set[str]:
    rel = path.relative_to(SRC.parent).with_suffix("")
    package = list(rel.parts[:-1])  # feasim, feasim.sweep, ...
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)  # from . import analytic
    return out


@pytest.mark.parametrize("name", CONSUMERS)
def test_consumers_reach_models_only_through_the_interface(name):
    bad = sorted(m for m in _imports(SRC / name)
                 if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))
    assert not bad, f"{name} imports model internals: {bad}"


def test_the_import_check_sees_relative_imports():
    got = _imports(SRC / "models" / "analytic.py")
    assert "feasim.analytic" in got and "feasim.sampling" in got


def test_result_warnings_reach_table_json_and_csv_stderr(scen, monkeypatch, capsys):
    import feasim.cli.run
    from feasim import cli
    from feasim.models import make_result
    from feasim.output import render

    base = AnalyticModel().evaluate(scen, n=20, rng=1)
    r = make_result(scen, method="analytic", seed=1, n=20, metrics=dict(base.metrics),
                    warnings=("horizon shorter than 20 relaxation times",),
                    base_overload={"base 2 (km 200–400)": 0.25})
    table = render(r, "table")
    assert "warning: horizon shorter than 20 relaxation times" in table.splitlines()
    assert "warning: overloaded QRF bases (share of samples): base 2 (km 200–400) in 25.0%" \
        in table
    d = json.loads(render(r, "json"))
    assert d["warnings"] == ["horizon shorter than 20 relaxation times"]
    assert d["qrf_overloaded_bases"] == {"base 2 (km 200–400)": 0.25}
    monkeypatch.setattr(cli.run, "evaluate", lambda *a, **k: r)
    path = Path(__file__).resolve().parents[1] / "scenarios/claims/c02-experts-100k-in-theatre.yaml"
    assert cli.main(["run", str(path), "--format", "csv"]) == 0
    assert "warning: horizon shorter than 20 relaxation times" in capsys.readouterr().err


def test_result_repr_is_one_short_line_and_html_is_bounded():
    import feasim

    from .conftest import SCENARIOS

    s = feasim.load_scenario(SCENARIOS / "claims/c02-experts-100k-in-theatre.yaml")
    small, big = feasim.evaluate(s, samples=100, seed=1), feasim.evaluate(s, samples=20_000, seed=1)
    assert "\n" not in repr(big) and len(repr(big)) < 200
    assert "20,000 samples" in repr(big) and f"P(feasible)={big.p_feasible:.3g}" in repr(big)
    assert abs(len(big._repr_html_()) - len(small._repr_html_())) < 500  # not sample-sized
    share = float(np.mean(big.criteria["detection_probability_worst"].met))
    assert f"detection_probability_worst ≥ 0.95</td><td>{share:.3f}" in big._repr_html_()
