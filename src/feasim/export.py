"""Results, comparisons and sweeps to an Excel workbook or CSV files.

A workbook is a list of :class:`Sheet` s written by :func:`write_workbook` (on
openpyxl, the ``feasim[xlsx]`` extra). Cells keep their type: numbers stay numbers,
so a spreadsheet can compute with them. Values that a number cannot hold are
written as text and said so in the sheet's notes:

* ``+inf`` (an overloaded QRF's response time) is the text ``unbounded``
  (``-unbounded`` for ``-inf``); the share of such samples is in the summary;
* NaN (a metric undefined in that sample, e.g. the revisit time where no patrol is
  out) and missing values are empty cells.

Excel holds at most 1,048,576 rows a sheet: a sweep with more points is refused
(use :func:`sweep_to_csv` or :meth:`feasim.sweep.SweepResult.dataset`), never cut.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np

from .errors import FeasimError, MissingDependency
from .metrics import METRICS

if TYPE_CHECKING:  # pragma: no cover
    from .results import Result
    from .schema import Scenario
    from .sweep.result import SweepResult

__all__ = ["Sheet", "ExportError", "EXCEL_MAX_ROWS", "write_workbook", "result_sheets",
           "result_to_xlsx", "result_to_csv", "sweep_to_xlsx", "sweep_to_csv"]

EXCEL_MAX_ROWS = 1_048_576
"""Rows in one Excel worksheet, header and notes included."""

Cell = float | int | str | bool | None


class ExportError(FeasimError):
    """A result that cannot be exported as asked (too many rows for a sheet, a bad path)."""


@dataclass
class Sheet:
    """One worksheet: ``notes`` (lines of text above the table), a header row, data rows.

    ``title`` is the tab's name (at most 31 characters, Excel's limit). Headers carry
    units, e.g. ``"troops_per_km (persons/km)"``. ``rows`` may be any iterable (a
    generator streams a large sheet); ``n_rows``, when given, is checked against
    Excel's row limit before anything is written.
    """

    title: str
    headers: list[str]
    rows: Iterable[Sequence[Any]]
    notes: list[str] = field(default_factory=list)
    n_rows: int | None = None


def cell(value: Any) -> Cell:
    """A value as a spreadsheet cell: see the module's notes on infinity and NaN."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "unbounded" if x > 0 else "-unbounded"
        return x
    return str(value)


_NOTE = ("'unbounded' marks an infinite value (e.g. the response time of an overloaded "
         "QRF); an empty cell, a value undefined there or not estimated.")


def write_workbook(path: str | Path, sheets: Sequence[Sheet]) -> Path:
    """Write ``sheets`` in order to an ``.xlsx`` file at ``path``; return the path."""
    try:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
    except ImportError as exc:
        raise MissingDependency("Excel export needs openpyxl: pip install 'feasim[xlsx]'") \
            from exc
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ExportError(f"{path}: an Excel workbook's name must end in .xlsx")
    titles = [s.title for s in sheets]
    if not sheets or len(set(titles)) != len(titles) or any(
            not t or len(t) > 31 or set(t) & set("[]:*?/\\") for t in titles):
        raise ExportError(f"sheet titles must be distinct, 1 to 31 characters, without "
                          f"[]:*?/\\ ; got {titles!r}")
    for s in sheets:
        if s.n_rows is not None and s.n_rows + len(s.notes) + 2 > EXCEL_MAX_ROWS:
            raise ExportError(f"sheet {s.title!r}: {s.n_rows:,} rows exceed Excel's "
                              f"{EXCEL_MAX_ROWS:,} a sheet; write CSV instead")
    wb = Workbook(write_only=True)
    overflow = _fill(wb, sheets, WriteOnlyCell, Font(bold=True))
    if overflow is not None:
        wb.save(io.BytesIO())  # ends the sheets' writers cleanly; the file is not written
        raise ExportError(f"sheet {overflow!r}: more rows than Excel's {EXCEL_MAX_ROWS:,} "
                          f"a sheet; write CSV instead")
    buf = io.BytesIO()  # the writers end here, whether or not the file can be written
    wb.save(buf)
    try:
        path.write_bytes(buf.getbuffer())
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def _fill(wb: Any, sheets: Sequence[Sheet], cell_cls: Any, bold: Any) -> str | None:
    """Append every sheet; the title of one with more rows than a sheet holds, else None."""
    for s in sheets:
        ws = wb.create_sheet(s.title)
        for note in s.notes:
            ws.append([note])
        if s.notes:
            ws.append([])
        head = []
        for h in s.headers:
            c = cell_cls(ws, value=h)
            c.font = bold
            head.append(c)
        ws.append(head)
        for i, row in enumerate(s.rows):
            if i + len(s.notes) + 2 >= EXCEL_MAX_ROWS:
                return s.title
            ws.append([cell(v) for v in row])
    return None


# ------------------------------------------------------------------ one result


def _head(name: str, unit: str) -> str:
    return f"{name} ({unit})" if unit else name


def _summary_sheet(result: Result, d: dict[str, Any], title: str) -> Sheet:
    what = "replications" if result.method == "simulation" else "samples"
    notes = [f"feasim {result.method} result: {result.scenario}" + (f" — {title}" if title
                                                                    else ""),
             f"{result.samples:,} {what}, seed {result.seed}",
             f"P(feasible) = {d['p_feasible']} (share of {what} meeting every criterion)"
             if result.criteria else "No criteria: P(feasible) is not defined.",
             "Statistics over the samples where a metric is finite; " + _NOTE]
    rows = []
    for name, m in d["metrics"].items():
        desc = METRICS[name].description if name in METRICS else ""
        rows.append([name, m["unit"], desc, m["mean"], m["p05"], m["p50"], m["p95"],
                     m.get("unbounded_fraction", 0.0), m.get("undefined_fraction", 0.0)])
    return Sheet("summary", ["metric", "unit", "meaning", "mean", "p05", "p50", "p95",
                             "unbounded share", "undefined share"], rows, notes)


def _criteria_sheet(result: Result, d: dict[str, Any]) -> Sheet:
    rows: list[list[Any]] = []
    for name, c in d["criteria"].items():
        bound = "min" if "min" in c else "max"
        rows.append([name, result.unit(name), "at least" if bound == "min" else "at most",
                     c[bound], c["p_met"], c["margin"]["p50"]])
    rows.append(["every criterion (P(feasible))", "probability", "", None,
                 d["p_feasible"], None])
    return Sheet("criteria", ["criterion", "unit", "bound", "threshold", "share met",
                              "margin p50 (unit of the criterion)"], rows)


def _inputs_sheet(scenario: Scenario, source_path: str | Path | None) -> Sheet:
    from .provenance import provenance
    from .report import field_comments, input_rows

    comments = field_comments(source_path) if source_path is not None else {}
    prov = provenance(scenario, source_path, comments=comments)
    rows = [[r["field"], r["value"], r["meaning"], prov.get(r["field"], {}).get("grade", ""),
             r["source"]] for r in input_rows(scenario, comments)]
    return Sheet("inputs", ["field", "value", "meaning (unit)", "grade (uncertain inputs)",
                            "source comment in the file"], rows,
                 ["Every input of the scenario as the run used it; uncertain inputs graded "
                  "by their source (see feasim.provenance)."])


def _samples_sheet(result: Result) -> Sheet:
    inputs = list(result.inputs)
    metrics = list(result.metrics)
    heads = (["sample"] + [f"input:{k}" for k in inputs]
             + [_head(m, result.unit(m)) for m in metrics] + ["feasible"])
    cols = ([np.asarray(result.inputs[k]) for k in inputs]
            + [np.asarray(result.metrics[m]) for m in metrics] + [result.feasible])

    def rows() -> Iterable[list[Any]]:
        for i in range(result.samples):
            yield [i] + [c[i] for c in cols]

    what = "replication" if result.method == "simulation" else "sample"
    return Sheet("samples", heads, rows(), [f"One row per {what}. " + _NOTE],
                 n_rows=result.samples)


def result_sheets(result: Result, *, scenario: Scenario | None = None,
                  source_path: str | Path | None = None) -> list[Sheet]:
    """The sheets of :func:`result_to_xlsx`: summary, criteria, inputs (with a scenario),
    samples. The summary's numbers are those of ``feasim run --format json``."""
    d = result.to_dict()
    sheets = [_summary_sheet(result, d, scenario.title if scenario is not None else ""),
              _criteria_sheet(result, d)]
    if scenario is not None:
        sheets.append(_inputs_sheet(scenario, source_path))
    sheets.append(_samples_sheet(result))
    return sheets


def result_to_xlsx(result: Result, path: str | Path, *, scenario: Scenario | None = None,
                   source_path: str | Path | None = None) -> Path:
    """A workbook of one run: metric summary with units, criteria and P(feasible),
    the scenario's inputs with their sources (when ``scenario`` is given; comments are
    read from ``source_path``, the scenario file), and one row per sample."""
    return write_workbook(path, result_sheets(result, scenario=scenario,
                                              source_path=source_path))


def _write_csv(target: str | Path | TextIO, headers: Sequence[str],
               rows: Iterable[Sequence[Any]]) -> None:
    def text(v: Any) -> str:
        c = cell(v)
        return "" if c is None else repr(c) if isinstance(c, float) else str(c)

    def write(fh: TextIO) -> None:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(headers)
        for r in rows:
            w.writerow([text(v) for v in r])

    if isinstance(target, (str, Path)):
        try:
            with open(target, "w", encoding="utf-8", newline="") as fh:
                write(fh)
        except OSError as exc:
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    else:
        write(target)


def result_to_csv(result: Result, target: str | Path | TextIO | None = None) -> str | None:
    """One row per sample (inputs, metrics with units in the header, feasible) as CSV,
    to a path or an open text file; with no target, return the text."""
    s = _samples_sheet(result)
    if target is None:
        buf = io.StringIO()
        _write_csv(buf, s.headers, s.rows)
        return buf.getvalue()
    _write_csv(target, s.headers, s.rows)
    return None


# ------------------------------------------------------------------ sweeps


def _sweep_unit(name: str) -> str:
    from .sweep.stats import split_column, stat_unit

    metric, stat = split_column(name)
    if metric in METRICS:
        return stat_unit(METRICS[metric].unit, stat)
    return "probability" if name == "p_feasible" else ""


def _sweep_rows(result: SweepResult) -> tuple[list[str], Iterable[list[Any]], int]:
    import pyarrow.parquet as pq

    files = result.files()
    if not files:
        raise ExportError(f"{result.out} has no results yet")
    names = pq.read_schema(files[0]).names
    n = sum(pq.read_metadata(p).num_rows for p in files)

    def rows() -> Iterable[list[Any]]:
        for p in files:  # one chunk in memory at a time
            table = pq.read_table(p)
            cols = [table.column(c).to_pylist() for c in names]
            yield from (list(r) for r in zip(*cols, strict=True))

    heads = [_head(c, _sweep_unit(c)) for c in names]
    return heads, rows(), n


def sweep_to_xlsx(result: SweepResult, path: str | Path) -> Path:
    """A workbook of a finished sweep: the summary of each output (min, median, max
    over the points, with units) and one row per point. More points than a sheet
    holds are refused with :class:`ExportError` (use :func:`sweep_to_csv`)."""
    summary = result.summary()
    heads, rows, n = _sweep_rows(result)
    if n + 3 > EXCEL_MAX_ROWS:
        raise ExportError(f"the sweep has {n:,} points, more than an Excel sheet's "
                          f"{EXCEL_MAX_ROWS:,} rows; use sweep_to_csv() or "
                          f"SweepResult.dataset()")
    srows = []
    for name, st in summary["outputs"].items():
        st = st or {}
        srows.append([name, _sweep_unit(name), st.get("min"), st.get("median"),
                      st.get("max"), st.get("unbounded_fraction")])
    notes = [f"feasim sweep {summary['sweep']}: {summary['rows']:,} of "
             f"{summary['points']:,} points, {summary['failed']:,} failed", _NOTE]
    return write_workbook(path, [
        Sheet("summary", ["output", "unit", "min", "median", "max", "unbounded share"],
              srows, notes),
        Sheet("points", heads, rows, ["One row per point of the design. " + _NOTE],
              n_rows=n)])


def sweep_to_csv(result: SweepResult, target: str | Path | TextIO) -> None:
    """Every point of a finished sweep as CSV, streamed one chunk at a time."""
    heads, rows, _ = _sweep_rows(result)
    _write_csv(target, heads, rows)
