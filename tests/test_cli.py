"""The command line: formats, exit codes, errors without tracebacks."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from feasim.cli import main
from feasim.metrics import METRICS

from .conftest import BASE_YAML

REQUIRED_METRICS = {
    "pledged_troops", "in_theatre_troops", "committed_troops", "line_combat_troops",
    "troops_per_km", "required_in_theatre_troops", "required_committed_troops", "fill_ratio",
    "observation_posts", "patrol_teams", "op_coverage", "patrol_detection_probability",
    "sensor_coverage", "detection_probability", "revisit_hours_mean", "response_hours_mean",
    "response_hours_p90", "qrf_wait_probability", "global_force_ratio", "local_force_ratio",
    "breakthrough_margin", "tripwire_troops_exposed"}


@pytest.fixture
def scenario_file(write):
    return write(BASE_YAML)


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_run_json_shape(capsys, scenario_file):
    code, out, err = run_cli(capsys, "run", scenario_file, "--format", "json",
                             "--samples", "50", "--seed", "7")
    assert code == 0, err
    d = json.loads(out)
    assert (d["scenario"], d["seed"], d["samples"]) == ("example", 7, 50)
    assert REQUIRED_METRICS <= set(d["metrics"])
    for m in d["metrics"].values():
        assert set(m) >= {"unit", "mean", "p05", "p50", "p95"}
    assert d["metrics"]["troops_per_km"]["mean"] == pytest.approx(20_000 / 1200)
    assert d["criteria"]["detection_probability"]["min"] == 0.9
    assert 0 <= d["criteria"]["detection_probability"]["p_met"] <= 1
    assert d["criteria"]["response_hours_p90"]["max"] == 5
    assert 0 <= d["p_feasible"] <= 1


def test_run_same_seed_same_bytes(capsys, scenario_file):
    args = ("run", scenario_file, "--format", "json", "--set",
            "contributors[France].troops={dist: uniform, low: 1000, high: 9000}")
    _, a, _ = run_cli(capsys, *args)
    _, b, _ = run_cli(capsys, *args)
    _, c, _ = run_cli(capsys, *args, "--seed", "2")
    assert a == b and a != c


def test_run_table_groups_units_ranges_and_criteria(capsys, scenario_file):
    code, out, _ = run_cli(capsys, "run", scenario_file, "--set",
                           "contributors[France].troops={dist: uniform, low: 1000, high: 9000}")
    assert code == 0
    for heading in ("Force generation", "Troop-to-task", "Coverage and detection",
                    "Response (QRF)", "Force ratio", "Criteria", "P(feasible)"):
        assert heading in out
    assert "persons/km" in out and "5–95% range" in out
    line = next(x for x in out.splitlines() if x.strip().startswith("in_theatre_troops"))
    assert "–" in line  # uncertain: a range is shown
    assert "basis: in_theatre" in out


def test_run_csv(capsys, scenario_file):
    code, out, _ = run_cli(capsys, "run", scenario_file, "--format", "csv", "--samples", "20")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    metrics = {r["name"]: r for r in rows if r["kind"] == "metric"}
    assert set(metrics) == set(METRICS)
    assert metrics["troops_per_km"]["unit"] == "persons/km"
    assert float(metrics["troops_per_km"]["mean"]) == pytest.approx(20_000 / 1200)
    assert [r["kind"] for r in rows].count("criterion") == 2
    assert rows[-1]["kind"] == "p_feasible"


def test_run_override(capsys, scenario_file):
    code, out, _ = run_cli(capsys, "run", scenario_file, "--format", "json",
                           "--set", "contributors[France].troops=50000")
    assert json.loads(out)["metrics"]["in_theatre_troops"]["mean"] == pytest.approx(60_000)


def test_overloaded_qrf_is_flagged_in_table(capsys, scenario_file):
    code, out, _ = run_cli(capsys, "run", scenario_file, "--set", "incursions.rate_per_day=500")
    assert code == 0
    assert "overloaded" in out and "unbounded" in out


@pytest.mark.parametrize("args", [
    ["run"],                                          # missing FILE
    ["run", "x.yaml", "--samples", "0"],
    ["run", "x.yaml", "--seed", "-1"],
    ["run", "x.yaml", "--format", "xml"],
    ["frobnicate"],
])
def test_usage_errors_exit_2(capsys, args):
    code, _, err = run_cli(capsys, *args)
    assert code == 2 and "usage" in err


def test_bad_scenario_exits_2_without_traceback(capsys, write):
    path = write(BASE_YAML.replace("line_km: 1200", "line_km: -1"))
    code, out, err = run_cli(capsys, "run", path)
    assert code == 2 and out == ""
    assert "Traceback" not in err
    assert f"{path}:5:12: theatre.line_km: must be > 0 [out_of_range] (got -1)" in err


def test_debug_shows_traceback(capsys, write):
    path = write(BASE_YAML.replace("line_km: 1200", "line_km: -1"))
    code, _, err = run_cli(capsys, "--debug", "run", path)
    assert code == 2 and "Traceback" in err


def test_bad_override_exits_2(capsys, scenario_file):
    code, _, err = run_cli(capsys, "run", scenario_file, "--set", "posture.patrols.teams=-1")
    assert code == 2 and "--set posture.patrols.teams=-1" in err


def test_missing_file_exits_2(capsys, tmp_path):
    code, _, err = run_cli(capsys, "run", tmp_path / "nope.yaml")
    assert code == 2 and "cannot read file" in err


def test_internal_error_exits_1(capsys, scenario_file, monkeypatch):
    import feasim.cli.run

    def boom(*a, **k):
        raise RuntimeError("kaput")

    monkeypatch.setattr(feasim.cli.run, "evaluate", boom)
    code, _, err = run_cli(capsys, "run", scenario_file)
    assert code == 1 and "internal error" in err and "Traceback" not in err


def test_validate_many_files(capsys, write):
    good = write(BASE_YAML, "good.yaml")
    bad = write(BASE_YAML.replace("speed_kmh: 10,", "speed_kmh: fast,"), "bad.yaml")
    code, out, err = run_cli(capsys, "validate", good, bad)
    assert code == 2
    assert f"ok: {good}" in out
    assert f"invalid: {bad}" in err and "posture.patrols.speed_kmh" in err
    code, out, _ = run_cli(capsys, "validate", good)
    assert code == 0
    n = BASE_YAML.split("contributors:")[1].count("- name:")
    assert f"{n} contributor{'' if n == 1 else 's'}," in out


def test_validate_counts_one_contributor_in_the_singular(capsys, write):
    uk = "  - name: United Kingdom\n    troops: 10000\n"
    assert uk in BASE_YAML
    one = write(BASE_YAML.replace(uk, ""), "one.yaml")
    code, out, err = run_cli(capsys, "validate", one)
    assert code == 0, err
    assert "1 contributor," in out and "1 contributors" not in out


def test_schema_is_json_schema_with_units(capsys, tmp_path):
    code, out, _ = run_cli(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    theatre = schema["$defs"]["Theatre"]["properties"]["line_km"]
    assert "(km)" in theatre["description"]
    assert set(schema["required"]) >= {"name", "theatre", "force", "contributors"}
    target = tmp_path / "schema.json"
    assert run_cli(capsys, "schema", "-o", target)[0] == 0
    assert json.loads(target.read_text()) == schema


def test_metrics_lists_every_metric(capsys):
    code, out, _ = run_cli(capsys, "metrics")
    assert code == 0
    assert all(name in out for name in METRICS)


def test_help_mentions_units_and_exit_codes(capsys):
    code, out, _ = run_cli(capsys, "--help")
    assert code == 0 and "exit codes" in out and "km" in out
    code, out, _ = run_cli(capsys, "run", "--help")
    assert code == 0 and "--set" in out and "--samples" in out


def test_console_script_entry_point(scenario_file):
    proc = subprocess.run([sys.executable, "-m", "feasim", "run", str(scenario_file),
                           "--format", "json", "--samples", "10"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["samples"] == 10


# ---------------------------------------------------------------- simulate


def test_simulate_json_same_shape_plus_ci(capsys, scenario_file):
    args = ("simulate", scenario_file, "--replications", "3", "--days", "3", "--format", "json")
    code, out, err = run_cli(capsys, *args)
    assert code == 0, err
    assert err == ""  # no progress bar when not on a terminal / in JSON
    d = json.loads(out)
    assert (d["method"], d["samples"], d["seed"]) == ("simulation", 3, 1)
    for m in d["metrics"].values():
        assert set(m) >= {"unit", "mean", "p05", "p50", "p95", "ci95", "stderr"}
    assert "series" in d
    _, again, _ = run_cli(capsys, *args, "--workers", "2")
    assert again == out


def test_simulate_table_and_csv(capsys, scenario_file):
    code, out, _ = run_cli(capsys, "simulate", scenario_file, "--replications", "3",
                           "--days", "2")
    assert code == 0 and "95% CI of mean" in out and "SimPy simulation" in out
    code, out, _ = run_cli(capsys, "simulate", scenario_file, "--replications", "3",
                           "--days", "2", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    det = next(r for r in rows if r["name"] == "detection_probability")
    assert float(det["ci95_low"]) <= float(det["mean"]) <= float(det["ci95_high"])


@pytest.mark.parametrize("args", [
    ["simulate", "x.yaml", "--replications", "0"],
    ["simulate", "x.yaml", "--days", "-3"],
    ["simulate", "x.yaml", "--days", "inf"],
    ["simulate", "x.yaml", "--workers", "0"],
])
def test_simulate_usage_errors(capsys, args):
    code, _, err = run_cli(capsys, *args)
    assert code == 2 and "usage" in err


def test_simulate_bad_scenario_exits_2(capsys, write):
    path = write(BASE_YAML.replace("replications: 100", "").replace(
        "uncertainty:", "simulation: {tour_days: 0}\nuncertainty:"))
    code, _, err = run_cli(capsys, "simulate", path)
    assert code == 2 and "simulation.tour_days" in err and "Traceback" not in err


def test_help_has_no_doubled_percent(capsys):
    for cmd in ("run", "simulate"):
        code, out, _ = run_cli(capsys, cmd, "--help")
        assert code == 0 and "%%" not in out and "%" in out


def test_discover_names_inputs_in_words(capsys):
    from .conftest import ROOT

    path = ROOT / "scenarios/claims/c06-coalition-of-the-willing.yaml"
    code, out, err = run_cli(capsys, "discover", path, "--samples", "1500", "--output",
                             "fill_ratio")
    assert code == 0, err
    bounds = [line for line in out.splitlines() if line.startswith("  ") and "(" in line]
    assert bounds
    for line in bounds:   # words first, the raw path in brackets after
        words, raw = line.strip().rsplit("  (", 1)
        assert raw.endswith(")") and raw[:-1] not in words


# ---------------------------------------------------------------- run's tables and the formatter

def _right_edge(line: str, end: int) -> bool:
    """A right-aligned cell ends at ``end``: a character there, a blank (or nothing) after."""
    return len(line) >= end and line[end - 1] != " " and (len(line) == end or line[end] == " ")


def _left_edge(line: str, start: int) -> bool:
    """A left-aligned cell starts at ``start``: a blank before it, a character there."""
    return len(line) > start and line[start - 1] == " " and line[start] != " "


def _run_text(capsys, claim: str, *args: str) -> str:
    from .conftest import SCENARIOS

    assert main(["run", str(SCENARIOS / "claims" / claim), *args]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("claim, args", [
    ("c02-experts-100k-in-theatre.yaml", ()),             # costs in the billions, a method n/a
    ("c06-coalition-of-the-willing.yaml", ("--samples", "200")),   # "(defined in x% ...)"
])
def test_run_tables_columns_line_up_with_their_headers(capsys, claim, args):
    from feasim.metrics import GROUPS

    lines = _run_text(capsys, claim, *args).splitlines()
    # the metric groups: every row's cells sit under its group's headers, and every
    # group has the same columns (one formatter call lays them all out)
    heads = [i for i, s in enumerate(lines) if s.split("  ")[0] in GROUPS and " mean " in s]
    assert len(heads) >= 5
    assert len({lines[i][lines[i].index("mean") - 2:] for i in heads}) == 1
    for i in heads:
        h = lines[i]
        mean_end, mid_end = h.index("mean") + 4, h.index("median") + 6
        rng, unit = h.index("5–95% range"), h.index("unit")
        rows = []
        for s in lines[i + 1:]:
            if not s.startswith("  "):
                break
            rows.append(s)
        assert rows, h
        for s in rows:
            assert _right_edge(s, mean_end) and _right_edge(s, mid_end), (h, s)
            assert _left_edge(s, unit), (h, s)
            assert _left_edge(s, rng) or not s[rng - 1:unit].strip(), (h, s)
            assert len(s.split()[0]) < mean_end - 2   # the name fits its column
    # the criteria: one table, so the bound, the share and the margin line up
    c = lines.index("Criteria")
    crit = []
    for s in lines[c + 1:]:
        if not s.startswith("  "):
            break
        crit.append(s)
    assert len(crit) >= 2
    for mark in (">= ", "margin p50"):
        assert len({s.find(mark) if mark in s else s.find("<= ") for s in crit}) == 1, crit
    assert len({s.index("% of") for s in crit}) == 1, crit
    # the requirements: rows under their headers, a method that does not apply says why
    # in the last column
    r = next(i for i, s in enumerate(lines) if s.startswith("Requirement by method"))
    h = lines[r]
    theatre_end, committed_end = h.index("in theatre p50") + 14, h.index("committed p50") + 13
    rng, claim_col = h.index("5–95% range"), h.index("claim ÷ need")
    methods = lines[r + 1:r + 6]
    assert [s.split()[0] for s in methods] == ["posture", "analogues", "force", "population",
                                              "published"]
    for s in methods:
        if "not applicable" in s:
            assert s.index("not applicable") == claim_col and not s[15:claim_col].strip(), s
            continue
        assert _right_edge(s, theatre_end) and _right_edge(s, committed_end), (h, s)
        assert _left_edge(s, rng) and _left_edge(s, claim_col), (h, s)
    assert lines[r + 6].startswith("  claim: ")


def test_run_tables_are_the_formatters_lines(monkeypatch):
    """Both tables of ``feasim run`` print exactly the lines the one formatter returns."""
    from feasim import _table, output
    from feasim import requirements as req
    from feasim.loader import load_scenario
    from feasim.models import evaluate

    from .conftest import SCENARIOS

    laid: list[list[str]] = []

    def spy(real):
        def wrapped(*a, **k):
            out = real(*a, **k)
            laid.extend(out if out and isinstance(out[0], list) else [out])
            return out
        return wrapped

    monkeypatch.setattr(output, "tables", spy(_table.tables))
    monkeypatch.setattr(output, "table", spy(_table.table))
    monkeypatch.setattr(_table, "table", spy(_table.table))   # requirements imports it late
    s = load_scenario(SCENARIOS / "claims" / "c02-experts-100k-in-theatre.yaml")
    r = evaluate(s, samples=200)
    metrics_text = output.to_table(r)
    n_metric_tables = len(laid)
    req_text = req.to_table(req.requirements(s, r), r)
    assert n_metric_tables >= 7 and len(laid) == n_metric_tables + 1   # groups, criteria
    for block, text in [(b, metrics_text) for b in laid[:n_metric_tables]] + \
                       [(laid[-1], req_text)]:
        assert "\n".join(block) in text, block[0]
    # every line of a group, criterion or method comes from the formatter
    from_formatter = {line for block in laid for line in block}
    for text in (metrics_text, req_text):
        for line in text.splitlines():
            if line.startswith("  ") and not line.startswith(("  claim:", "  methods and")):
                assert line in from_formatter, line


def test_tables_share_column_widths_and_check_their_shape():
    from feasim._table import table, tables

    a, b = tables([(["x", "n"], [["  long name", "1"]]),
                   (["group two", "n"], [["  y", "1,000"]])])
    assert a == ["x                n",
                 "  long name      1"]
    assert b == ["group two        n",
                 "  y          1,000"]
    assert table(["a", "b"], [["1", "2"]]) == tables([(["a", "b"], [["1", "2"]])])[0]
    with pytest.raises(ValueError, match="cells"):
        tables([(["a", "b"], [["1"]])])
    with pytest.raises(ValueError, match="headers"):
        tables([(["a", "b"], []), (["a"], [])])
    assert tables([]) == []
