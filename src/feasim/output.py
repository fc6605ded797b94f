"""Rendering results for people (table) and programs (JSON, CSV)."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

from ._table import table, tables
from .metrics import GROUPS, METRICS
from .results import Result, confidence, summarise, undefined_fraction

__all__ = ["render", "to_table", "to_json", "to_csv", "fmt", "plural"]


def fmt(x: float) -> str:
    """A number as a person reads it: thousands separators, three significant digits."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if math.isinf(x):
        return "unbounded" if x > 0 else "-unbounded"
    if x == 0:
        return "0"
    ax = abs(x)
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 100:
        return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"
    if float(x).is_integer():
        return f"{x:.0f}"
    return f"{x:.3g}"


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """A count and its noun, singular for one: ``plural(1, "contributor")`` is
    ``1 contributor``, ``plural(1200, "sample")`` is ``1,200 samples``; ``nouns`` is the
    plural where it is not ``noun + "s"`` (``plural(2, "box", "boxes")``)."""
    return f"{n:,} {noun if n == 1 else (nouns or noun + 's')}"


def _range(s: dict[str, float]) -> str:
    lo, hi = s["p05"], s["p95"]
    if any(isinstance(v, float) and math.isnan(v) for v in (lo, hi)) or lo == hi:
        return ""
    return f"{fmt(lo)} – {fmt(hi)}"


def to_table(result: Result, title: str = "", notes: list[str] | None = None) -> str:
    """The grouped, human-readable table of ``feasim run``."""
    lines = []
    head = result.scenario + (f" — {title}" if title else "")
    lines.append(head)
    seed = "seed from a Generator" if result.seed is None else f"seed {result.seed}"
    if result.method == "simulation":
        lines.append(f"SimPy simulation, {result.samples:,} replications, {seed}")
    else:
        lines.append(f"analytic model, {result.samples:,} samples, {seed}")
    for n in notes or []:
        lines.append(f"note: {n}")
    sim = result.method == "simulation"
    middle = "95% CI of mean" if sim else "median"
    # Each group is a table of its own (a title, then its rows indented under it); the
    # groups share their column widths so they line up one under another. A group
    # none of whose metrics is defined is a line saying so instead.
    groups: list[tuple[list[str], list[list[str]]] | str] = []
    for group in GROUPS:
        names = [n for n in result.metrics if METRICS[n].group == group]
        if not names:
            continue
        stats = [(n, summarise(result.metrics[n])) for n in names]
        if all(math.isnan(s["mean"]) for _, s in stats):
            groups.append(f"{group}: not modelled (the scenario has no block for it)")
            continue
        rows = []
        for name, s in stats:
            values = result.metrics[name]
            undefined = undefined_fraction(values)
            extra = f"  (defined in {100 * (1 - undefined):.1f}% of {_what(result)})" \
                if 0 < undefined < 1 else ""
            mid = _ci(values) if sim else fmt(s["p50"])
            rows.append([f"  {name}", fmt(s["mean"]), mid, _range(s),
                         METRICS[name].unit + extra])
        groups.append(([group, "mean", middle, "5–95% range", "unit"], rows))
    laid = iter(tables([g for g in groups if not isinstance(g, str)], align="lrrll"))
    for g in groups:
        lines.append("")
        if isinstance(g, str):
            lines.append(g)
        else:
            lines.extend(next(laid))
    lines.append("")
    lines.extend(_warnings(result))
    if result.not_judged:
        lines.append(f"warning: criteria not judged ({result.method} does not estimate "
                     f"{', '.join(result.not_judged)}); P(feasible) covers the others only")
        lines.append("")
    if result.criteria:
        judged = []
        for name, c in result.criteria.items():
            verdict = "met" if c.p_met == 1 else ("not met" if c.p_met == 0 else "met in")
            m = summarise(c.margin)
            judged.append([f"  {name}", ">=" if c.bound == "min" else "<=", fmt(c.threshold),
                         verdict, f"{100 * c.p_met:.1f}% of {_what(result)}", "margin p50",
                         fmt(m["p50"]), METRICS[name].unit])
        # the title stands over the criteria as a group's title stands over its metrics
        lines.extend(table(["Criteria"] + [""] * 7, judged, align="llllrlrl"))
        lines.append(f"P(feasible) = {100 * result.p_feasible:.1f}%  "
                     f"(share of {_what(result)} meeting every criterion)")
    else:
        lines.append("No criteria: P(feasible) is not defined.")
    return "\n".join(lines) + "\n"


def _what(result: Result) -> str:
    return "replications" if result.method == "simulation" else "samples"


def _ci(values) -> str:
    ci = confidence(values)
    if math.isnan(ci["low"]):
        return ""
    if ci["low"] == ci["high"]:
        return fmt(ci["low"])
    return f"{fmt(ci['low'])} – {fmt(ci['high'])}"


def _warnings(result: Result) -> list[str]:
    out = []
    honoured = result.metrics.get("contributors_honoured")
    if honoured is not None and (honoured == 0).any():
        out.append(f"note: no contributor deployed in {100 * (honoured == 0).mean():.1f}% of "
                   f"samples (a condition failed or no pledge was honoured); the warnings "
                   f"below include those samples")
    over = result.metrics.get("qrf_overloaded")
    if over is not None and not math.isnan(float(over.mean())) and over.mean() > 0:
        out.append(f"warning: the QRF is overloaded in {100 * over.mean():.1f}% of {_what(result)} "
                   f"(incidents arrive faster than teams clear them; response times unbounded there)")
    none = result.metrics.get("qrf_no_force")
    if none is not None and not math.isnan(float(none.mean())) and none.mean() > 0:
        out.append(f"warning: no QRF team is filled in {100 * none.mean():.1f}% of "
                   f"{_what(result)} (nobody responds; response times unbounded there)")
    if result.base_overload:
        bases = "; ".join(f"{label} in {100 * share:.1f}%" for label, share
                          in result.base_overload.items())
        out.append(f"warning: overloaded QRF bases (share of {_what(result)}): {bases}")
    fill = result.metrics.get("fill_ratio")
    if fill is not None and not math.isnan(float(fill.mean())) and (fill < 1).any():
        out.append(f"warning: the posture is not fully filled in {100 * (fill < 1).mean():.1f}% "
                   f"of {_what(result)} (fill_ratio < 1)")
    out.extend(f"warning: {w}" for w in result.warnings)
    if result.not_observed:
        out.append(f"note: the {result.method} does not observe "
                   f"{', '.join(result.not_observed)} (see docs/simulation.md)")
    if out:
        out.append("")
    return out


def to_json(result: Result) -> str:
    """One JSON object (see :meth:`Result.to_dict`)."""
    return json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n"


def to_csv(result: Result) -> str:
    """Summary rows: metrics, then criteria, then P(feasible)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["kind", "name", "unit", "mean", "p05", "p50", "p95", "bound", "threshold",
                "p_met", "ci95_low", "ci95_high", "stderr"])
    d = result.to_dict()

    def cell(x: Any) -> str:
        return "" if x is None else repr(x) if isinstance(x, float) else str(x)

    for name, m in d["metrics"].items():
        ci = m.get("ci95", [None, None])
        w.writerow(["metric", name, m["unit"]] + [cell(m[k]) for k in ("mean", "p05", "p50", "p95")]
                   + ["", "", "", cell(ci[0]) if "ci95" in m else "",
                      cell(ci[1]) if "ci95" in m else "",
                      cell(m["stderr"]) if "stderr" in m else ""])
    for name, c in d["criteria"].items():
        bound = "min" if "min" in c else "max"
        mg = c["margin"]
        w.writerow(["criterion", name, METRICS[name].unit]
                   + [cell(mg[k]) for k in ("mean", "p05", "p50", "p95")]
                   + [bound, cell(c[bound]), cell(c["p_met"]), "", "", ""])
    w.writerow(["p_feasible", "p_feasible", "probability", cell(d["p_feasible"]),
                "", "", "", "", "", "", "", "", ""])
    return buf.getvalue()


def render(result: Result, fmt_name: str, title: str = "", notes: list[str] | None = None) -> str:
    if fmt_name == "json":
        return to_json(result)
    if fmt_name == "csv":
        return to_csv(result)
    return to_table(result, title, notes)
