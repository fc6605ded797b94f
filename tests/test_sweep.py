"""Sweeps: designs, executors (serial, processes, Dask on loopback), resume, failures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import feasim
from feasim.cli import main
from feasim.sweep import Sweep, SweepError, load_sweep, run_sweep
from feasim.sweep import runner as sweep_runner

from .conftest import BASE_YAML, SCENARIOS, scenario_from


@pytest.fixture(scope="module")
def base_scenario():
    return scenario_from(BASE_YAML)


def small(base_scenario, **kw):
    params = kw.pop("parameters", {
        "theatre.line_km": {"low": 200, "high": 2000},
        "contributors[France].troops": {"values": [5000, 10000, 40000]},
        "force.basis": {"values": ["in_theatre", "committed"]}})
    design = kw.pop("design", {"method": "lhs", "points": 60, "seed": 3})
    return Sweep(base_scenario, params, design=design, chunk_points=kw.pop("chunk_points", 16),
                 outputs=["troops_per_km", "fill_ratio", "detection_probability"],
                 samples_per_point=kw.pop("samples_per_point", 4), **kw)


# ---------------------------------------------------------------- designs


def all_points(sw, name):
    """One parameter's values over every chunk of a sweep, in point order."""
    return np.concatenate([sw.points(*sw.chunk_bounds(c))[name] for c in range(sw.n_chunks)])


def test_factorial_covers_every_combination(base_scenario):
    sw = Sweep(base_scenario, {"theatre.line_km": {"low": 100, "high": 300},
                               "posture.patrols.teams": {"values": [10, 20]}},
               design={"method": "factorial", "levels": 3})
    assert sw.n_points == 6
    pts = sw.points(0, 6)
    assert list(pts["theatre.line_km"]) == [100, 100, 200, 200, 300, 300]
    assert list(pts["posture.patrols.teams"]) == [10, 20, 10, 20, 10, 20]


def test_lhs_hits_every_stratum_once(base_scenario):
    sw = Sweep(base_scenario, {"incursions.exposure_hours": {"low": 0.5, "high": 100.5},
                               "incursions.rate_per_day": {"low": 0, "high": 1}},
               design={"method": "lhs", "points": 100, "seed": 9}, chunk_points=7)
    pts = {k: all_points(sw, k) for k in sw.names}
    strata = np.floor(pts["incursions.exposure_hours"] - 0.5).astype(int)
    assert sorted(strata) == list(range(100))
    assert sorted(np.floor(pts["incursions.rate_per_day"] * 100).astype(int)) == list(range(100))


def test_sobol_chunks_continue_one_sequence(base_scenario):
    def pts(chunk):
        sw = Sweep(base_scenario, {"theatre.line_km": {"low": 100, "high": 200}},
                   design={"method": "sobol", "points": 64, "seed": 2}, chunk_points=chunk)
        return all_points(sw, "theatre.line_km")
    np.testing.assert_array_equal(pts(64), pts(10))


def test_integer_ranges_are_whole_and_reach_both_ends(base_scenario):
    sw = Sweep(base_scenario, {"posture.patrols.teams": {"low": 1, "high": 4, "integer": True}},
               design={"method": "lhs", "points": 400})
    v = sw.points(0, 400)["posture.patrols.teams"]
    assert set(v) == {1.0, 2.0, 3.0, 4.0}


# ---------------------------------------------------------------- bad sweeps


def test_bad_sweep_file_reports_every_problem(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad sweep\n"
        f"scenario: {SCENARIOS / 'claims' / 'c02-experts-100k-in-theatre.yaml'}\n"
        "parameters:\n"
        "  theatre.line_km: {low: 10}\n"
        "design: {method: lhs}\n"
        "outputs: [nope]\n")
    with pytest.raises(SweepError) as info:
        load_sweep(path)
    rules = {p.path: p for p in info.value.problems}
    assert rules["name"].rule == "string_pattern_mismatch" and rules["name"].line == 1
    assert rules["parameters.theatre.line_km"].line == 4
    assert rules["design"].line == 5
    # checks that need the scenario come in the same report
    assert rules["outputs[0]"].rule == "unknown_metric" and rules["outputs[0]"].line == 6


def test_every_problem_of_a_sweep_file_at_once(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad sweep\n"
        f"scenario: {SCENARIOS / 'claims' / 'c02-experts-100k-in-theatre.yaml'}\n"
        "samples_per_point: 0\n"
        "parameters:\n"
        "  posture.patrols.teamz: {low: 50, high: 300}\n"
        "  force.basis: {values: 3}\n"
        "outputs: [troops_per_km, nope]\n")
    with pytest.raises(SweepError) as info:
        load_sweep(path)
    got = {p.path: (p.rule, p.line) for p in info.value.problems}
    assert got["name"] == ("string_pattern_mismatch", 1)
    assert got["samples_per_point"] == ("greater_than_equal", 3)
    assert got["parameters.posture.patrols.teamz"] == ("unknown_path", 5)
    assert got["outputs[1]"] == ("unknown_metric", 7)
    assert got["parameters.force.basis.values"] == ("list_type", 6)
    lines = [p.line for p in info.value.problems]
    assert lines == sorted(lines)


def test_sweep_values_checked_against_the_scenario(base_scenario):
    with pytest.raises(SweepError) as info:
        Sweep(base_scenario, {"theatre.line_km": {"low": -5, "high": 100},
                              "force.basis": {"low": 0, "high": 1}}, outputs=["bogus"])
    rules = sorted(p.rule for p in info.value.problems)
    assert rules == ["invalid_value", "not_numeric", "unknown_metric"]


def test_scenario_problems_surface_with_the_scenario_file(tmp_path, write):
    scen = write(BASE_YAML.replace("line_km: 1200", "line_km: -1"), "scen.yaml")
    path = tmp_path / "sw.yaml"
    path.write_text("name: s\nscenario: scen.yaml\nparameters: {theatre.line_km: {values: [5]}}\n")
    with pytest.raises(SweepError) as info:
        load_sweep(path)
    assert info.value.problems[0].file == str(scen)


# ---------------------------------------------------------------- executors


@pytest.fixture(scope="module")
def serial_rows(base_scenario, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    return run_sweep(small(base_scenario), out / "s", executor="serial").to_dataframe()


def test_rows_are_complete_and_sensible(serial_rows):
    assert list(serial_rows.index) == list(range(60))
    assert serial_rows["error"].isna().all()
    committed = serial_rows[serial_rows["force.basis"] == "committed"]
    assert (committed["troops_per_km"] < serial_rows["troops_per_km"].max()).all()
    expected = (10000 + serial_rows["contributors[France].troops"]) / serial_rows["theatre.line_km"]
    it = serial_rows["force.basis"] == "in_theatre"
    np.testing.assert_allclose(serial_rows.loc[it, "troops_per_km"], expected[it])


def test_processes_give_identical_rows(base_scenario, serial_rows, tmp_path):
    rows = run_sweep(small(base_scenario), tmp_path / "p", executor="processes",
                     workers=2).to_dataframe()
    pd.testing.assert_frame_equal(rows, serial_rows)


@pytest.mark.slow
def test_dask_local_cluster_and_scheduler_address_give_identical_rows(
        base_scenario, serial_rows, tmp_path):
    from distributed import LocalCluster

    rows = run_sweep(small(base_scenario), tmp_path / "d1", executor="dask",
                     workers=2).to_dataframe()
    pd.testing.assert_frame_equal(rows, serial_rows)
    with LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None, processes=True) as cluster:
        rows = run_sweep(small(base_scenario), tmp_path / "d2", executor="dask",
                         scheduler=cluster.scheduler_address).to_dataframe()
    pd.testing.assert_frame_equal(rows, serial_rows)


def test_simulation_sweep_identical_across_executors(base_scenario, tmp_path):
    sw = Sweep(base_scenario, {"incursions.rate_per_day": {"values": [5, 20]},
                               "posture.qrf.teams_per_base": {"values": [1, 3]}},
               design={"method": "factorial"}, model="simulation", replications=2, days=3,
               outputs=["detection_probability", "qrf_wait_probability"])
    a = run_sweep(sw, tmp_path / "a", executor="serial").to_dataframe()
    b = run_sweep(sw, tmp_path / "b", executor="processes", workers=2).to_dataframe()
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 4 and a["error"].isna().all()
    assert a["detection_probability"].between(0, 1).all()


# ---------------------------------------------------------------- resume


def test_resume_after_interruption_equals_uninterrupted(base_scenario, serial_rows, tmp_path,
                                                        monkeypatch):
    calls: list[int] = []
    real = sweep_runner.evaluate_chunk

    def flaky(task):
        calls.append(task.index)
        if task.index == 2 and len(calls) == 3:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setattr(sweep_runner, "evaluate_chunk", flaky)
    out = tmp_path / "r"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(small(base_scenario), out, executor="serial")
    assert sorted(int(p.stem[-8:]) for p in (out / "chunks").glob("*.parquet")) == [0, 1]
    (out / "chunks" / "part-00000003.parquet.tmp").write_bytes(b"half a file")
    calls.clear()
    result = run_sweep(small(base_scenario), out, executor="serial", resume=True)
    assert sorted(calls) == [2, 3]                 # finished chunks are not recomputed
    assert (result.computed_chunks, result.skipped_chunks) == (2, 2)
    pd.testing.assert_frame_equal(result.to_dataframe(), serial_rows)


def test_out_folder_guards(base_scenario, tmp_path):
    run_sweep(small(base_scenario), tmp_path / "x", executor="serial")
    with pytest.raises(feasim.FeasimError, match="--resume"):
        run_sweep(small(base_scenario), tmp_path / "x", executor="serial")
    with pytest.raises(feasim.FeasimError, match="different sweep"):
        run_sweep(small(base_scenario, seed=9), tmp_path / "x", executor="serial", resume=True)


# ---------------------------------------------------------------- failures


def test_rejected_value_fails_its_points_and_the_sweep_goes_on(base_scenario, tmp_path):
    sw = Sweep(base_scenario, {
        "posture.qrf.engagement_distribution": {"values": ["exponential", "gamma"]},
        "theatre.line_km": {"low": 500, "high": 1500}},
        design={"method": "lhs", "points": 20}, outputs=["response_hours_p90"])
    rows = run_sweep(sw, tmp_path / "f", executor="serial").to_dataframe()
    bad = rows["posture.qrf.engagement_distribution"] == "gamma"
    assert bad.any() and (~bad).any()
    assert rows.loc[bad, "error"].str.contains("engagement_distribution").all()
    assert rows.loc[bad, "response_hours_p90"].isna().all()
    assert rows.loc[~bad, "error"].isna().all()
    assert rows.loc[~bad, "response_hours_p90"].notna().all()


def test_points_breaking_a_rule_between_swept_inputs_fail_with_the_rule(tmp_path):
    """Each end is valid alone (checked before the sweep), but a short line with a
    wide attacked sector breaks the rule between the two: those points fail."""
    sc = feasim.with_overrides(scenario_from(BASE_YAML), {
        "adversary": {"troops": 50_000, "attack_sector_km": 10}})
    sw = Sweep(sc, {"theatre.line_km": {"values": [30, 100]},
                    "adversary.attack_sector_km": {"values": [10, 50]}},
               design={"method": "factorial"}, outputs=["fill_ratio"], samples_per_point=4)
    rows = run_sweep(sw, tmp_path / "r", executor="serial").to_dataframe()
    bad = (rows["theatre.line_km"] == 30) & (rows["adversary.attack_sector_km"] == 50)
    assert bad.sum() == 1 and len(rows) == 4
    msg = rows.loc[bad, "error"].iloc[0]
    assert "[wider_than_line]" in msg and "up to 50 km" in msg and "from 30 km" in msg
    assert rows.loc[bad, "fill_ratio"].isna().all() and rows.loc[bad, "p_feasible"].isna().all()
    assert rows.loc[~bad, "error"].isna().all() and rows.loc[~bad, "fill_ratio"].notna().all()


def test_point_problems_checks_sector_sums_per_point(base_scenario):
    from feasim.schema import point_problems

    sc = feasim.with_overrides(base_scenario, {"theatre.sectors": [
        {"name": "North", "length_km": 700}, {"name": "South", "length_km": 500}]})
    got = point_problems(sc, {"theatre.sectors[North].length_km": np.array([700.0, 650.0])})
    assert got[0] is None
    assert "sum to 1150 km, not line_km = 1200 km [sectors_sum]" in got[1]
    assert point_problems(sc, {"contributors[France].troops": np.ones(3)}) == [None] * 3


def test_a_point_that_raises_is_recorded_alone(base_scenario, tmp_path, monkeypatch):
    from feasim.models import AnalyticModel

    real = AnalyticModel.evaluate

    def fragile(self, scenario, inputs=None, *, n=None, rng=None):
        if np.any(np.asarray(inputs["theatre.line_km"]) > 1800):
            raise ArithmeticError("line too long for this test")
        return real(self, scenario, inputs, n=n, rng=rng)

    monkeypatch.setattr(AnalyticModel, "evaluate", fragile)
    rows = run_sweep(small(base_scenario), tmp_path / "g", executor="serial").to_dataframe()
    bad = rows["theatre.line_km"] > 1800
    assert bad.any()
    assert rows.loc[bad, "error"].str.contains("ArithmeticError: line too long").all()
    assert rows.loc[~bad, "error"].isna().all() and rows.loc[~bad, "fill_ratio"].notna().all()


# ---------------------------------------------------------------- CLI


def test_cli_sweep(capsys, tmp_path):
    sweep_file = SCENARIOS / "sweeps" / "c02-line-length.yaml"
    out = tmp_path / "cli"
    args = ["sweep", str(sweep_file), "--out", str(out), "--executor", "serial"]
    assert main(args + ["--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == summary["points"] == 2000 and summary["failed"] == 0
    assert main(args) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(args + ["--resume"]) == 0
    out_text = capsys.readouterr().out
    assert "0 chunks computed, 4 reused" in out_text and "persons/km" in out_text


def test_cli_sweep_usage_errors(capsys, tmp_path):
    sweep_file = SCENARIOS / "sweeps" / "c02-line-length.yaml"
    assert main(["sweep", str(sweep_file), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "--executor dask" in capsys.readouterr().err
    assert main(["sweep", str(tmp_path / "none.yaml")]) == 2
    assert main(["sweep", str(sweep_file), "--executor", "threads"]) == 2
    capsys.readouterr()
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    for out, msg in ((a_file, "is not a sweep folder"),
                     (a_file / "sub", "cannot write the sweep folder")):
        assert main(["sweep", str(sweep_file), "--executor", "serial", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert msg in err and "Traceback" not in err and "internal error" not in err


# ---------------------------------------------------------------- functions


def ishigami_like(v):
    """A module-level (picklable) vectorised function."""
    return {"y": np.sin(v["x1"]) + 7 * np.sin(v["x2"]) ** 2}


def scalar_model(v):
    if v["x1"] > 2.5:
        raise ValueError("x1 too large")
    return {"y": v["x1"] * 2, "z": float(v["mode"] == "b")}


def test_function_sweep_vectorized_and_executors(tmp_path):
    sw = Sweep.from_function(ishigami_like, {"x1": {"low": -3, "high": 3},
                                             "x2": {"low": -3, "high": 3}}, ["y"],
                             design={"method": "sobol", "points": 64}, chunk_points=10)
    a = run_sweep(sw, tmp_path / "a", executor="serial").to_dataframe()
    b = run_sweep(sw, tmp_path / "b", executor="processes", workers=2).to_dataframe()
    pd.testing.assert_frame_equal(a, b)
    np.testing.assert_allclose(a["y"], np.sin(a["x1"]) + 7 * np.sin(a["x2"]) ** 2)


def test_function_sweep_per_point_records_failures(tmp_path):
    sw = Sweep.from_function(scalar_model, {"x1": {"values": [1, 2, 3]},
                                            "mode": {"values": ["a", "b"]}}, ["y", "z"],
                             design={"method": "factorial"}, vectorized=False)
    rows = run_sweep(sw, tmp_path / "f", executor="serial").to_dataframe()
    assert len(rows) == 6
    bad = rows["x1"] == 3
    assert rows.loc[bad, "error"].str.contains("x1 too large").all()
    assert list(rows.loc[~bad, "y"]) == [2, 2, 4, 4]
    assert list(rows.loc[~bad, "z"]) == [0, 1, 0, 1]


def test_missing_optional_package_is_a_clear_error(capsys, tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if not installed
    sweep_file = SCENARIOS / "sweeps" / "c02-line-length.yaml"
    code = main(["sweep", str(sweep_file), "--out", str(tmp_path / "m"), "--executor", "serial"])
    err = capsys.readouterr().err
    assert code == 2 and "pip install 'feasim[sweep]'" in err and "Traceback" not in err


def test_simulation_sweep_file(tmp_path, capsys):
    path = tmp_path / "sim.yaml"
    path.write_text(
        f"name: sim\nscenario: {SCENARIOS / 'claims' / 'c02-experts-100k-in-theatre.yaml'}\n"
        "model: simulation\nreplications: 2\ndays: 3\n"
        "parameters:\n  posture.qrf.bases: {values: [4, 12]}\n"
        "design: {method: factorial}\noutputs: [response_hours_mean, detection_probability]\n")
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--executor", "serial",
                 "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 2 and summary["failed"] == 0
    rows = pd.read_parquet(tmp_path / "o" / "chunks")
    assert rows.sort_values("posture.qrf.bases")["response_hours_mean"].is_monotonic_decreasing


# ---------------------------------------------------------------- review fixes


def test_block_and_list_values(base_scenario, tmp_path):
    qrf = base_scenario.posture.qrf.model_dump()
    sw = Sweep(base_scenario, {
        "posture.qrf": {"values": [{**qrf, "bases": 12}, {**qrf, "bases": 3}]},
        "sources": {"values": [["C1", "C2"], ["C3"]]}},
        design={"method": "factorial"}, outputs=["response_hours_mean"])
    rows = run_sweep(sw, tmp_path / "b", executor="serial").to_dataframe()
    assert len(rows) == 4 and rows["error"].isna().all()
    assert rows["sources"].tolist() == ['["C1", "C2"]', '["C3"]', '["C1", "C2"]', '["C3"]']
    by_bases = rows.groupby(rows["posture.qrf"].str.contains('"bases": 12'))
    assert by_bases["response_hours_mean"].mean()[True] < by_bases["response_hours_mean"].mean()[False]


def test_unknown_paths_caught_when_the_sweep_is_built(base_scenario):
    with pytest.raises(SweepError) as info:
        Sweep(base_scenario, {"force.basiss": {"values": ["committed"]},
                              "contributors[Frnace].troops": {"values": [5]}})
    assert sorted(p.rule for p in info.value.problems) == ["unknown_path", "unknown_path"]


def test_count_fields_are_whole_and_stored_as_used(base_scenario, tmp_path):
    sw = Sweep(base_scenario, {"posture.patrols.teams": {"low": 50, "high": 300}},
               design={"method": "lhs", "points": 50}, outputs=["patrol_teams_required"])
    rows = run_sweep(sw, tmp_path / "c", executor="serial").to_dataframe()
    assert (rows["posture.patrols.teams"] == np.round(rows["posture.patrols.teams"])).all()
    assert (rows["patrol_teams_required"] == rows["posture.patrols.teams"]).all()


def test_points_do_not_depend_on_chunking(base_scenario):
    def pts(chunk):
        sw = Sweep(base_scenario, {"theatre.line_km": {"low": 100, "high": 2000}},
                   design={"method": "lhs", "points": 9000, "seed": 4}, chunk_points=chunk)
        return all_points(sw, "theatre.line_km")
    np.testing.assert_array_equal(pts(4), pts(10_000))


def test_summary_keeps_unbounded_values(base_scenario, tmp_path):
    sw = Sweep(base_scenario, {"incursions.rate_per_day": {"values": [1, 1000]}},
               design={"method": "factorial"}, outputs=["response_hours_p90"])
    summary = run_sweep(sw, tmp_path / "u", executor="serial").summary()
    st = summary["outputs"]["response_hours_p90"]
    assert st["max"] == float("inf") and st["unbounded_fraction"] == 0.5


def test_integer_range_needs_whole_bounds(base_scenario):
    with pytest.raises(SweepError):
        Sweep(base_scenario, {"posture.patrols.teams": {"low": 100.5, "high": 102.2,
                                                       "integer": True}})


def test_cli_json_summary_is_valid_json_with_unbounded(capsys, tmp_path):
    path = tmp_path / "u.yaml"
    path.write_text(
        f"name: u\nscenario: {SCENARIOS / 'claims' / 'c02-experts-100k-in-theatre.yaml'}\n"
        "parameters:\n  incursions.rate_per_day: {values: [10, 5000]}\n"
        "design: {method: factorial}\noutputs: [response_hours_p90]\n")
    assert main(["sweep", str(path), "--out", str(tmp_path / "o"), "--executor", "serial",
                 "--format", "json"]) == 0
    st = json.loads(capsys.readouterr().out)["outputs"]["response_hours_p90"]
    assert st["max"] is None and st["unbounded_fraction"] == 0.5
