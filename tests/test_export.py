"""Excel and CSV export: the workbook's numbers are the JSON output's, nothing is cut."""

from __future__ import annotations

import csv
import io
import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import feasim
from feasim import export
from feasim.cli import main
from feasim.errors import MissingDependency
from feasim.sweep import Sweep, run_sweep

openpyxl = pytest.importorskip("openpyxl")

ROOT = Path(__file__).resolve().parents[1]
C2 = ROOT / "scenarios/claims/c02-experts-100k-in-theatre.yaml"


def _table(ws):
    """{first cell: row} below the header row (the row whose first cell is ``head``)."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r and r[0] in ("metric", "criterion",
                                                                 "sample", "output", "field",
                                                                 "point"))
    return rows[start], rows[start + 1:]


def test_workbook_numbers_equal_the_json_output(capsys, tmp_path):
    args = ["run", str(C2), "--samples", "400", "--seed", "3"]
    assert main(args + ["--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    path = tmp_path / "c2.xlsx"
    assert main(args + ["--format", "xlsx", "-o", str(path)]) == 0
    assert f"wrote {path}" in capsys.readouterr().out
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == ["summary", "criteria", "inputs", "samples"]
    head, rows = _table(wb["summary"])
    assert head[:7] == ["metric", "unit", "meaning", "mean", "p05", "p50", "p95"]
    got = {r[0]: r for r in rows}
    assert set(got) == set(d["metrics"])
    for name, m in d["metrics"].items():
        assert got[name][1] == m["unit"]
        for i, k in enumerate(("mean", "p05", "p50", "p95"), start=3):
            # JSON null <-> empty cell; openpyxl writes 16 significant digits
            assert got[name][i] == (None if m[k] is None else pytest.approx(m[k], rel=1e-15,
                                                                            abs=1e-300)), (name, k)
    _, crit = _table(wb["criteria"])
    shares = {r[0]: r[4] for r in crit}
    for name, c in d["criteria"].items():
        assert shares[name] == c["p_met"]
    assert shares["every criterion (P(feasible))"] == d["p_feasible"]
    head, samples = _table(wb["samples"])
    assert len(samples) == 400 and [r[0] for r in samples] == list(range(400))
    col = head.index("troops_per_km (persons/km)")
    r = feasim.evaluate(feasim.load_scenario(C2), samples=400, seed=3)
    assert np.allclose([row[col] for row in samples], r["troops_per_km"], rtol=1e-15, atol=0)
    assert [row[-1] for row in samples] == r.feasible.tolist()


def test_inputs_sheet_keeps_sources_and_grades(tmp_path):
    s = feasim.load_scenario(C2)
    r = feasim.evaluate(s, samples=200, seed=1)
    wb = openpyxl.load_workbook(r.to_xlsx(tmp_path / "a.xlsx", scenario=s, source_path=C2),
                                read_only=True)
    _, rows = _table(wb["inputs"])
    fields = {row[0]: row for row in rows}
    assert "theatre.line_km" in fields
    graded = [row for row in rows if row[3]]
    assert graded and all(row[3] in {"A", "B", "C", "D", "E", "assumption"} or row[3]
                          for row in graded)


def test_infinity_and_nan_are_written_as_stated():
    assert export.cell(math.inf) == "unbounded" and export.cell(-math.inf) == "-unbounded"
    assert export.cell(math.nan) is None and export.cell(None) is None
    assert export.cell(np.float32(0.5)) == 0.5 and export.cell(np.int64(7)) == 7
    assert export.cell(np.bool_(True)) is True


def test_a_sheet_with_unbounded_values_reads_back(tmp_path):
    path = export.write_workbook(tmp_path / "u.xlsx", [export.Sheet(
        "t", ["x (hours)", "i"], [[1.5, 1], [math.inf, 2], [math.nan, 3]], ["a note"])])
    ws = openpyxl.load_workbook(path)["t"]
    values = [c.value for c in ws["A"]]
    assert values == ["a note", None, "x (hours)", 1.5, "unbounded", None]
    assert ws["A3"].font.bold


@pytest.mark.parametrize("titles", [["a", "a"], ["x" * 32], ["a/b"], []])
def test_bad_sheet_titles_are_refused(tmp_path, titles):
    sheets = [export.Sheet(t, ["h"], []) for t in titles]
    with pytest.raises(export.ExportError, match="sheet titles"):
        export.write_workbook(tmp_path / "b.xlsx", sheets)


def test_a_sheet_over_excels_row_limit_is_refused_not_cut(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 10)
    with pytest.raises(export.ExportError, match="exceed Excel"):
        export.write_workbook(tmp_path / "big.xlsx",
                              [export.Sheet("t", ["h"], ([i] for i in range(20)), n_rows=20)])
    with pytest.raises(export.ExportError, match="more rows than Excel"):  # count unknown
        export.write_workbook(tmp_path / "big.xlsx",
                              [export.Sheet("t", ["h"], ([i] for i in range(20)))])


def test_without_openpyxl_the_extra_is_named(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(MissingDependency, match=r"feasim\[xlsx\]"):
        export.write_workbook(tmp_path / "m.xlsx", [export.Sheet("t", ["h"], [])])


def test_csv_has_units_in_the_header_and_every_sample():
    r = feasim.evaluate(feasim.load_scenario(C2), samples=50, seed=2)
    rows = list(csv.reader(io.StringIO(r.to_csv())))
    head, body = rows[0], rows[1:]
    assert "troops_per_km (persons/km)" in head and head[-1] == "feasible"
    assert len(body) == 50
    col = head.index("troops_per_km (persons/km)")
    assert [float(b[col]) for b in body] == r["troops_per_km"].tolist()


def _tiny_sweep(tmp_path):
    s = feasim.load_scenario(C2)
    sw = Sweep(s, {"theatre.line_km": {"values": [600, 900, 1200]}},
               design={"method": "factorial"}, samples_per_point=100, chunk_points=2,
               outputs=["troops_per_km"])
    return run_sweep(sw, tmp_path / "o", executor="serial")


def test_sweep_exports_every_point(tmp_path, monkeypatch):
    res = _tiny_sweep(tmp_path)
    df = res.to_dataframe()
    wb = openpyxl.load_workbook(res.to_xlsx(tmp_path / "s.xlsx"), read_only=True)
    head, points = _table(wb["points"])
    assert len(points) == 3
    col = head.index("troops_per_km (persons/km)")
    assert np.allclose(sorted(p[col] for p in points), sorted(df["troops_per_km"]),
                       rtol=1e-15, atol=0)
    _, summ = _table(wb["summary"])
    assert {r[0] for r in summ} >= {"troops_per_km", "p_feasible"}
    res.to_csv(tmp_path / "s.csv")
    rows = list(csv.reader(open(tmp_path / "s.csv", encoding="utf-8")))
    assert len(rows) == 4 and "troops_per_km (persons/km)" in rows[0]
    monkeypatch.setattr(export, "EXCEL_MAX_ROWS", 4)
    with pytest.raises(export.ExportError, match="sweep_to_csv"):
        res.to_xlsx(tmp_path / "t.xlsx")


def test_cli_export_mistakes_exit_2(capsys, tmp_path):
    assert main(["run", str(C2), "--format", "xlsx"]) == 2
    assert "-o FILE" in capsys.readouterr().err
    assert main(["run", str(C2), "-o", str(tmp_path / "x.xlsx")]) == 2
    assert main(["run", str(C2), "--samples", "100", "--format", "xlsx",
                 "-o", str(tmp_path / "x.txt")]) == 2
    assert ".xlsx" in capsys.readouterr().err
    assert main(["run", str(C2), "--samples", "100", "--format", "xlsx",
                 "-o", str(tmp_path / "no/such/dir/x.xlsx")]) == 2
    assert "cannot write" in capsys.readouterr().err
