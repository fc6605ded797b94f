"""An interactive page of a run's samples or a sweep's points: no server, no network.

:func:`explore` writes ``OUT_DIR/explore.html``, one self-contained HTML file built
with Bokeh (``pip install "feasim[explore]"``). BokehJS is embedded in the page
(``bokeh.resources.INLINE``), and so are the data: per sample, the uncertain inputs,
the key metrics, each criterion's verdict and feasibility (or, for a sweep, per
point its parameters, outputs and P(feasible)). A reader narrows inputs with range
sliders (and, for a sweep's categorical parameters, check boxes) or selects points
on the chart with the box or lasso tool; code in the page (Bokeh ``CustomJS``)
keeps the samples that pass every filter and shows P(feasible) among them with the
count kept, each key metric's mean and 90th percentile, each criterion's share met,
and the density chart (line length against troops per km of line) of the kept
samples, feasible and infeasible in two colours.

Why Bokeh: it writes standalone HTML with its JavaScript inline, so the page works
offline from ``file://``; its widgets and ``CustomJS`` filter data in the browser
without a server; it is maintained and BSD-licensed. plotly would need hand-written
JavaScript for the cross-filtering and embeds about 3.5 MB; Altair's offline inline
mode needs the separate ``vl-convert`` package. See ``docs/howto-explore.md``.

At most :data:`MAX_SAMPLES` samples (or points) are embedded; larger runs are
subsampled deterministically, and the page says so. Values are stored as 32-bit
floats (about 7 significant digits); infinite values (an overloaded QRF's response
time) stay infinite in the page and are shown as "unbounded".
"""

from __future__ import annotations

import html
import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Literal

import numpy as np

from .errors import FeasimError, MissingDependency, shown_value

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .results import Result
    from .schema import Scenario
    from .sweep.result import SweepResult

__all__ = ["explore", "explore_sweep", "ExploreTypeError", "ExploreValueError", "MAX_SAMPLES",
           "FILE_NAME", "KEY_METRICS", "METHODS"]

#: The page's file name inside ``out_dir``.
FILE_NAME = "explore.html"

#: Samples (or sweep points) embedded at most; beyond, a fixed random subset.
MAX_SAMPLES = 20_000

#: Seed of the subset drawn when a run has more samples than the page embeds.
SUBSET_SEED = 0

#: Metrics shown besides the ones the scenario's criteria use (one or two per group of
#: :data:`feasim.metrics.GROUPS`), when the result has them.
KEY_METRICS = ("in_theatre_troops", "troops_per_km", "strength_to_requirement", "fill_ratio",
               "detection_probability", "detection_probability_worst", "response_hours_p90",
               "local_force_ratio")

#: Models :func:`explore` can run on a scenario.
METHODS = ("analytic", "simulation")

_INSTALL = 'the explore page needs Bokeh: pip install "feasim[explore]"'
_FEASIBLE = "#0072B2"    # Okabe-Ito blue
_INFEASIBLE = "#D55E00"  # Okabe-Ito vermilion
_NEUTRAL = "#555555"


class ExploreTypeError(FeasimError, TypeError):
    """:func:`explore` was given the wrong kind of object."""


class ExploreValueError(FeasimError, ValueError):
    """:func:`explore` was given a value it cannot make a page of (e.g. an empty result)."""


# --------------------------------------------------------------------------- helpers


def encode_column(values: Any, name: str = "values") -> np.ndarray:
    """A column as the page embeds it: a 1-D float32 array (Bokeh writes it as binary,
    base64 in the page's JSON, so infinities and NaN survive exactly; JSON text has no
    literal for them). Booleans become 0/1. Raises :class:`ExploreTypeError` for
    values that are not numbers."""
    a = np.asarray(values)
    if a.dtype == bool:
        a = a.astype(np.uint8)
    if a.dtype.kind not in "biuf":
        raise ExploreTypeError(f"explore: {name} must be numbers; got dtype {a.dtype} "
                               f"({shown_value(a[:3].tolist() if a.ndim else a)})")
    return np.asarray(a, dtype=np.float32).reshape(-1)


def subset(n: int, cap: int, seed: int = SUBSET_SEED) -> np.ndarray:
    """Indices of the rows embedded: all ``n`` when ``n <= cap``, else ``cap`` of them
    drawn without replacement by a generator seeded with ``seed``, in ascending order
    (the same rows every time)."""
    if n <= cap:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=cap, replace=False))


def _round_half_up(x: float, places: int) -> Decimal:
    # JavaScript's toFixed/toPrecision round the exact binary value, ties away from zero.
    return Decimal(x).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def fmt(x: float) -> str:
    """A number as the page shows it (the page's JavaScript ``fmt`` does the same):
    4 significant digits, thousands separated by commas, "unbounded" for infinity,
    "n/a" for NaN (undefined, or no sample kept)."""
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "unbounded" if x > 0 else "−unbounded"
    if x == 0:
        return "0"
    exp = math.floor(math.log10(abs(x)))
    r = _round_half_up(x, 3 - exp)
    if r == r.to_integral_value():
        return f"{int(r):,}"
    exp = math.floor(math.log10(abs(float(r))))
    text = f"{abs(r):.{max(0, 3 - exp)}f}".rstrip("0").rstrip(".")
    return ("-" if r < 0 else "") + text


def _p_text(p: float) -> str:
    return "n/a" if math.isnan(p) else str(_round_half_up(p, 3))


# --------------------------------------------------------------------------- the data


@dataclass
class _Column:
    key: str        # key in the page's data source
    name: str       # input path, metric or output name
    label: str      # in words, with its unit for an input
    unit: str
    values: np.ndarray
    categories: tuple[str, ...] = ()   # a categorical column: values index into these
    integer: bool = False


@dataclass
class _Table:
    kind: str                       # "run" or "sweep"
    title: str
    about: list[str]
    total: int                      # rows before the subset
    n: int                          # rows embedded
    inputs: list[_Column]
    fixed: list[str]                # inputs that do not vary (no slider)
    metrics: list[_Column]
    verdict: np.ndarray | None      # run: feasible 0/1; sweep: P(feasible) per point
    criteria: list[_Column] = field(default_factory=list)
    x: _Column | None = None
    y: _Column | None = None
    notes: list[str] = field(default_factory=list)


def _labels() -> Any:
    from .plots import labels

    return labels


def _input_column(path: str, values: np.ndarray) -> _Column:
    lab = _labels()
    if path.startswith("event:"):
        label = f"{lab.input_label(path)} (uniform draw, 0–1)"
        unit = "uniform draw"
    else:
        label = lab.input_axis_label(path)
        unit = lab._path_unit(path)
    finite = values[np.isfinite(values)]
    integer = bool(finite.size) and bool(np.all(finite == np.round(finite)))
    return _Column(f"input:{path}", path, label, unit, values, integer=integer)


def _varies(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return finite.size > 0 and bool(finite.min() < finite.max())


def _metric_column(name: str, values: Any, unit: str | None = None) -> _Column:
    lab = _labels()
    return _Column(f"metric:{name}", name, lab.metric_label(name),
                   lab.unit_of(name) if unit is None else unit,
                   encode_column(values, f"metric {name!r}"))


def _criterion_label(name: str, bound: str, threshold: float) -> str:
    lab = _labels()
    sign = {"min": "≥", "max": "≤"}.get(bound, bound)
    unit = lab.unit_of(name)
    unit = "" if unit in ("", "probability", "fraction", "ratio") else f" {unit}"
    return f"{lab.metric_label(name)} {sign} {threshold:g}{unit}"


def _line_km(result: Result, scenario: Scenario | None) -> float:
    """The run's line length (km) where it is the same in every sample."""
    if scenario is not None:
        line = scenario.theatre.line_km
        if isinstance(line, (int, float)):
            return float(line)
    if "in_theatre_troops" in result.metrics and "troops_per_km" in result.metrics:
        with np.errstate(all="ignore"):
            ratio = (np.asarray(result["in_theatre_troops"], dtype=float)
                     / np.asarray(result["troops_per_km"], dtype=float))
        ratio = ratio[np.isfinite(ratio) & (ratio > 0)]
        if ratio.size:
            return float(np.median(ratio))
    return math.nan


def _run_table(result: Result, scenario: Scenario | None, max_samples: int,
               about: list[str]) -> _Table:
    n_total = int(result.samples)
    lengths = {len(np.asarray(v).reshape(-1)) for v in result.metrics.values()}
    if n_total < 1 or not result.metrics or lengths != {n_total}:
        raise ExploreValueError(
            f"explore: the result of {result.scenario!r} holds no samples to explore "
            f"(samples={n_total}, {len(result.metrics)} metrics of lengths "
            f"{sorted(lengths) or '[]'}); run it with samples >= 1")
    idx = subset(n_total, max_samples)
    n = idx.size
    inputs: list[_Column] = []
    fixed: list[str] = []
    for path, arr in result.inputs.items():
        a = np.asarray(arr)
        if a.shape != (n_total,):
            continue   # not one value per sample
        values = encode_column(a[idx], f"input {path!r}")
        if _varies(values):
            inputs.append(_input_column(path, values))
        else:
            fixed.append(path)
    names = [c.name for c in result.criteria.values() if c.name in result.metrics]
    names += [m for m in KEY_METRICS if m in result.metrics and m not in names
              and not np.all(np.isnan(np.asarray(result[m], dtype=float)))]
    metrics = [_metric_column(m, np.asarray(result[m])[idx]) for m in names]
    criteria = [_Column(f"met:{key}", c.name, _criterion_label(c.name, c.bound, c.threshold),
                        "", encode_column(np.asarray(c.met)[idx], f"criterion {key!r}"))
                for key, c in result.criteria.items()]
    verdict = (np.asarray(result.feasible)[idx].astype(np.uint8) if result.criteria else None)
    lab = _labels()
    by_path = {c.name: c for c in inputs}
    x: _Column | None = by_path.get("theatre.line_km")
    if x is None:
        line = _line_km(result, scenario)
        if math.isfinite(line):
            x = _Column("chart:line_km", "theatre.line_km", "line length (km)", "km",
                        np.full(n, line, dtype=np.float32))
    elif "line length" in x.label:
        x = _Column(x.key, x.name, "line length (km)", "km", x.values)
    y = next((c for c in metrics if c.name == "troops_per_km"), None)
    if x is None or y is None:   # not a force model's result: the first input and metric
        x = x or (inputs[0] if inputs else None)
        y = y or (metrics[0] if metrics else None)
    notes = []
    if n < n_total:
        notes.append(f"The run has {n_total:,} samples; this page holds {n:,} of them, drawn "
                     f"at random without replacement (seed {SUBSET_SEED}, the same subset "
                     f"every time). P(feasible) of the whole run is "
                     f"{_p_text(result.p_feasible)}.")
    if result.not_judged:
        notes.append("Criteria this method cannot judge (not counted in P(feasible)): "
                     + ", ".join(lab.metric_label(c) for c in result.not_judged) + ".")
    if any(c.name.startswith("event:") for c in inputs):
        notes.append("An event input (a condition, a pledge honoured) is the uniform draw "
                     "that decides it: the event happens in a sample when its draw is below "
                     "its probability.")
    return _Table("run", result.scenario, about, n_total, n, inputs, fixed, metrics, verdict,
                  criteria, x, y, notes)


def _sweep_table(sweep: SweepResult, max_points: int, title: str | None) -> _Table:
    from .sweep.store import StoreError

    try:
        info = json.loads(sweep.store.manifest.read_text(encoding="utf-8"))
        parameters, outputs = list(info["parameters"]), list(info["outputs"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"cannot read {sweep.store.manifest}: {exc}") from None
    df = sweep.to_dataframe()
    failed = int(df["error"].notna().sum()) if "error" in df.columns else 0
    if failed:
        df = df[df["error"].isna()]
    if len(df) == 0:
        raise ExploreValueError(f"explore: the sweep in {str(sweep.out)!r} has no point that "
                                f"ran ({failed} failed): nothing to explore")
    n_total = len(df)
    idx = subset(n_total, max_points)
    df = df.iloc[idx]
    lab = _labels()
    inputs: list[_Column] = []
    fixed: list[str] = []
    for p in parameters:
        if p not in df.columns:
            continue
        col = df[p]
        if col.dtype.kind in "iuf":
            values = encode_column(col.to_numpy(), f"parameter {p!r}")
            if _varies(values):
                inputs.append(_input_column(p, values))
            else:
                fixed.append(p)
        else:
            texts = [str(v) for v in col.tolist()]
            cats = tuple(dict.fromkeys(texts))
            if len(cats) < 2:
                fixed.append(p)
                continue
            codes = np.array([cats.index(t) for t in texts], dtype=np.int32)
            inputs.append(_Column(f"input:{p}", p, lab.input_label(p), "", codes,
                                  categories=cats))
    metrics = [_metric_column(o, df[o].to_numpy(dtype=float)) for o in outputs
               if o in df.columns]
    verdict = None
    if "p_feasible" in df.columns and not df["p_feasible"].isna().all():
        verdict = encode_column(df["p_feasible"].to_numpy(dtype=float), "p_feasible")
    numeric = [c for c in inputs if not c.categories]
    by_path = {c.name: c for c in numeric}
    x = by_path.get("theatre.line_km") or (numeric[0] if numeric else None)
    y = next((c for c in metrics if c.name == "troops_per_km"), metrics[0] if metrics else None)
    notes = []
    if len(idx) < n_total:
        notes.append(f"The sweep has {n_total:,} points that ran; this page holds "
                     f"{len(idx):,} of them, drawn at random without replacement (seed "
                     f"{SUBSET_SEED}).")
    if failed:
        notes.append(f"{failed:,} point{'s' if failed != 1 else ''} failed and "
                     f"{'are' if failed != 1 else 'is'} left out (SweepResult.failed()).")
    name = str(info.get("name", sweep.out.name))
    about = [f"Sweep {name}: {n_total:,} points of {info.get('points', n_total):,}, "
             f"model {info.get('model', '?')}."]
    return _Table("sweep", title or name, about, n_total, len(idx), inputs, fixed, metrics,
                  verdict, [], x, y, notes)


# --------------------------------------------------------------------------- the page

_CSS = """
:host { font-family: system-ui, sans-serif; font-size: 14px; color: #222; }
table { border-collapse: collapse; margin: 4px 0 10px 0; }
th, td { padding: 2px 10px 2px 0; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; }
th { border-bottom: 1px solid #999; font-weight: 600; }
.note { color: #444; max-width: 60em; }
.big { font-size: 20px; }
"""

# fmt mirrors the Python fmt above; pct shows a probability with 3 decimals.
_JS = r"""
function fmt(x) {
  if (Number.isNaN(x)) return "n/a";
  if (!Number.isFinite(x)) return x > 0 ? "unbounded" : "−unbounded";
  if (x === 0) return "0";
  const r = Number(x.toPrecision(4));
  if (Number.isInteger(r)) return r.toLocaleString("en-US");
  const e = Math.floor(Math.log10(Math.abs(r)));
  return r.toFixed(Math.max(0, 3 - e)).replace(/0+$/, "").replace(/\.$/, "");
}
function pct(p) { return Number.isNaN(p) ? "n/a" : p.toFixed(3); }
function count(k) { return k.toLocaleString("en-US"); }
function quantile(sorted, q) {   // linear interpolation; infinities stay infinite
  const h = (sorted.length - 1) * q, lo = Math.floor(h), hi = Math.ceil(h), f = h - lo;
  const a = sorted[lo], b = sorted[hi];
  if (f === 0 || a === b) return a;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Number.isFinite(b) ? a : b;
  return a + f * (b - a);
}
const d = src.data, n = meta.n;
const keep = new Uint8Array(n).fill(1);
for (let j = 0; j < sliders.length; j++) {
  const s = sliders[j], lo = s.value[0], hi = s.value[1];
  if (lo <= s.start && hi >= s.end) continue;   // full range: no filter (NaN kept)
  const v = d[slider_keys[j]];
  for (let i = 0; i < n; i++) if (!(v[i] >= lo && v[i] <= hi)) keep[i] = 0;
}
for (let j = 0; j < choices.length; j++) {
  const allowed = new Set(choices[j].active), v = d[choice_keys[j]];
  for (let i = 0; i < n; i++) if (!allowed.has(v[i])) keep[i] = 0;
}
const sel = src.selected.indices;
if (sel.length > 0) {
  const m = new Uint8Array(n);
  for (const i of sel) m[i] = 1;
  for (let i = 0; i < n; i++) keep[i] &= m[i];
}
let kept = 0;
for (let i = 0; i < n; i++) kept += keep[i];
const noun = meta.noun, total = count(n);
const ver = meta.verdict_key === null ? null : d[meta.verdict_key];
let head;
if (meta.kind === "run") {
  if (ver === null) {
    filters.all.booleans = Array.from(keep, (k) => k === 1);
    head = "<b>P(feasible)</b>: not defined (the scenario has no criteria)";
    p_div.tags = [kept];
  } else {
    let feas = 0;
    for (let i = 0; i < n; i++) if (keep[i] && ver[i] === 1) feas += 1;
    filters.feasible.booleans = Array.from(keep, (k, i) => k === 1 && ver[i] === 1);
    filters.infeasible.booleans = Array.from(keep, (k, i) => k === 1 && ver[i] !== 1);
    head = `<b>P(feasible)</b> = <span class="big">${pct(kept ? feas / kept : NaN)}</span>` +
      ` among the kept ${noun}` + (kept ? ` (${count(feas)} of them feasible)` : "");
    p_div.tags = [kept, feas];
  }
} else {
  filters.all.booleans = Array.from(keep, (k) => k === 1);
  if (ver === null) {
    head = "<b>P(feasible)</b>: not defined (the sweep's scenario has no criteria)";
    p_div.tags = [kept];
  } else {
    let s = 0, m = 0;
    for (let i = 0; i < n; i++) if (keep[i] && !Number.isNaN(ver[i])) { s += ver[i]; m += 1; }
    head = `<b>mean P(feasible)</b> = <span class="big">${pct(m ? s / m : NaN)}</span>` +
      ` over the kept ${noun}`;
    p_div.tags = [kept, m ? s / m : null];
  }
}
p_div.text = `<div>${head}</div><div>${count(kept)} of ${total} ${noun} kept` +
  (sel.length > 0 ? ` (${count(sel.length)} selected on the chart)` : "") + `</div>`;
let rows = "";
for (const [key, label, unit] of meta.metrics) {
  const v = d[key], vals = [];
  for (let i = 0; i < n; i++) if (keep[i] && !Number.isNaN(v[i])) vals.push(v[i]);
  const a = Float64Array.from(vals).sort();
  let mean = NaN, p90 = NaN;
  if (a.length) {
    let s = 0;
    for (const x of a) s += x;
    mean = Number.isNaN(s) ? Infinity : s / a.length;
    p90 = quantile(a, 0.9);
  }
  const undef = kept - a.length;
  rows += `<tr data-key="${key}"><td>${label}</td><td>${unit}</td>` +
    `<td class="num" data-stat="mean">${fmt(mean)}</td>` +
    `<td class="num" data-stat="p90">${fmt(p90)}</td>` +
    `<td class="num" data-stat="undefined">${undef ? count(undef) : ""}</td></tr>`;
}
let out = `<table><tr><th>quantity</th><th>unit</th><th class="num">mean</th>` +
  `<th class="num">90th percentile</th><th class="num">${noun} where undefined</th></tr>` +
  rows + `</table>`;
if (meta.criteria.length) {
  let crows = "";
  for (const [key, label] of meta.criteria) {
    const v = d[key];
    let met = 0;
    for (let i = 0; i < n; i++) if (keep[i] && v[i] === 1) met += 1;
    crows += `<tr data-key="${key}"><td>${label}</td>` +
      `<td class="num" data-stat="share">${pct(kept ? met / kept : NaN)}</td></tr>`;
  }
  out += `<table><tr><th>criterion</th><th class="num">share of the kept ${noun} ` +
    `meeting it</th></tr>` + crows + `</table>`;
}
stats_div.text = out;
"""

_RESET_JS = """
for (const s of sliders) s.value = [s.start, s.end];
for (const c of choices) c.active = c.labels.map((_, i) => i);
src.selected.indices = [];
"""


def _step(c: _Column) -> float:
    if c.integer:
        return 1.0
    finite = c.values[np.isfinite(c.values)]
    span = float(finite.max() - finite.min())
    return float(10.0 ** math.floor(math.log10(span / 200.0)))


def _axis_type(c: _Column | None) -> Literal["linear", "log"]:
    if c is None:
        return "linear"
    finite = c.values[np.isfinite(c.values)].astype(float)
    if finite.size and finite.min() > 0 and finite.max() / finite.min() >= 20:
        return "log"
    return "linear"


def _build(t: _Table) -> str:
    try:
        from bokeh.document import Document
        from bokeh.embed import file_html
        from bokeh.layouts import column, row
        from bokeh.models import (BooleanFilter, CDSView, ColumnDataSource,
                                  CustomJS, InlineStyleSheet, LinearColorMapper)
        from bokeh.models.annotations import ColorBar
        from bokeh.models.widgets import Button, CheckboxGroup, Div, RangeSlider
        from bokeh.palettes import Viridis256
        from bokeh.plotting import figure
        from bokeh.resources import INLINE
    except ImportError as exc:
        raise MissingDependency(_INSTALL) from exc

    css = InlineStyleSheet(css=_CSS)
    data: dict[str, Any] = {}
    for c in [*t.inputs, *t.metrics, *t.criteria]:
        data[c.key] = c.values
    for axis in (t.x, t.y):
        if axis is not None:
            data[axis.key] = axis.values
    verdict_key = None
    if t.verdict is not None:
        verdict_key = "feasible" if t.kind == "run" else "p_feasible"
        data[verdict_key] = t.verdict
    if not data:   # a source needs one column to know its length
        data["row"] = np.arange(t.n, dtype=np.int32)
    src = ColumnDataSource(data=data, name="samples")
    noun = "samples" if t.kind == "run" else "points"

    sliders = [RangeSlider(start=float(np.nanmin(c.values[np.isfinite(c.values)])),
                           end=float(np.nanmax(c.values[np.isfinite(c.values)])),
                           value=(float(np.nanmin(c.values[np.isfinite(c.values)])),
                                  float(np.nanmax(c.values[np.isfinite(c.values)]))),
                           step=_step(c), title=c.label, name=f"slider:{c.name}",
                           format="0,0" if c.integer else "0,0.[0000]",
                           sizing_mode="stretch_width")
               for c in t.inputs if not c.categories]
    slider_keys = [c.key for c in t.inputs if not c.categories]
    choice_cols = [c for c in t.inputs if c.categories]
    choices = [CheckboxGroup(labels=list(c.categories), active=list(range(len(c.categories))),
                             name=f"choice:{c.name}") for c in choice_cols]
    choice_keys = [c.key for c in choice_cols]

    filters: dict[str, Any] = {}
    fig = None
    if t.x is not None and t.y is not None:
        fig = figure(width=640, height=440, name="density_chart",
                     tools="pan,wheel_zoom,box_select,lasso_select,reset,save",
                     active_drag="box_select", x_axis_type=_axis_type(t.x),
                     y_axis_type=_axis_type(t.y),
                     x_axis_label=t.x.label if t.x.unit in t.x.label or not t.x.unit
                     else f"{t.x.label} ({t.x.unit})",
                     y_axis_label=t.y.label if not t.y.unit else f"{t.y.label} ({t.y.unit})",
                     title=f"Kept {noun}")
        fig.toolbar.logo = None   # no link off the page
        if t.kind == "run" and t.verdict is not None:
            for key, colour, legend in (("feasible", _FEASIBLE, "feasible (all criteria met)"),
                                        ("infeasible", _INFEASIBLE, "infeasible")):
                mask = t.verdict == 1 if key == "feasible" else t.verdict != 1
                f = BooleanFilter(booleans=[bool(b) for b in mask], name=f"filter:{key}")
                filters[key] = f
                fig.scatter(t.x.key, t.y.key, source=src, view=CDSView(filter=f), size=4,
                            color=colour, alpha=0.5, legend_label=legend, name=f"kept:{key}")
            assert fig.legend is not None
            fig.legend.location = "top_right"
        elif t.kind == "sweep" and t.verdict is not None:
            f = BooleanFilter(booleans=[True] * t.n, name="filter:all")
            filters["all"] = f
            mapper = LinearColorMapper(palette=Viridis256, low=0.0, high=1.0)
            fig.scatter(t.x.key, t.y.key, source=src, view=CDSView(filter=f), size=6,
                        color={"field": "p_feasible", "transform": mapper}, alpha=0.8,
                        name="kept:all")
            fig.add_layout(ColorBar(color_mapper=mapper, title="P(feasible) at the point"),
                           "right")
        else:
            f = BooleanFilter(booleans=[True] * t.n, name="filter:all")
            filters["all"] = f
            fig.scatter(t.x.key, t.y.key, source=src, view=CDSView(filter=f), size=4,
                        color=_NEUTRAL, alpha=0.5, name="kept:all")
    if not filters:
        filters["all"] = BooleanFilter(booleans=[True] * t.n, name="filter:all")

    # initial texts (the page's code rewrites them as soon as it loads)
    if t.verdict is None:
        p0 = "<b>P(feasible)</b>: not defined (no criteria)"
    elif t.kind == "run":
        p0 = (f"<b>P(feasible)</b> = <span class=\"big\">"
              f"{_p_text(float(np.mean(t.verdict)))}</span> among the kept {noun}")
    else:
        p0 = (f"<b>mean P(feasible)</b> = <span class=\"big\">"
              f"{_p_text(float(np.nanmean(t.verdict)))}</span> over the kept {noun}")
    p_div = Div(text=f"<div>{p0}</div><div>{t.n:,} of {t.n:,} {noun} kept</div>",
                name="p_feasible", stylesheets=[css], tags=[t.n],
                disable_math=True)
    stats_div = Div(text="", name="stats", stylesheets=[css], disable_math=True)

    meta = {"kind": t.kind, "n": t.n, "noun": noun, "verdict_key": verdict_key,
            "metrics": [[c.key, html.escape(c.label), html.escape(c.unit)] for c in t.metrics],
            "criteria": [[c.key, html.escape(c.label)] for c in t.criteria]}
    update = CustomJS(args=dict(src=src, sliders=sliders, slider_keys=slider_keys,
                                choices=choices, choice_keys=choice_keys, filters=filters,
                                p_div=p_div, stats_div=stats_div, meta=meta), code=_JS)
    for s in sliders:
        s.js_on_change("value", update)
    for cb in choices:
        cb.js_on_change("active", update)
    src.selected.js_on_change("indices", update)

    reset = Button(label="reset all filters", name="reset", button_type="default")
    reset.js_on_click(CustomJS(args=dict(sliders=sliders, choices=choices, src=src),
                               code=_RESET_JS))
    clear = Button(label="clear the chart selection", name="clear_selection")
    clear.js_on_click(CustomJS(args=dict(src=src), code="src.selected.indices = [];"))

    head = [f"<h2>{html.escape(t.title)}</h2>"]
    head += [f"<p class=\"note\">{html.escape(a)}</p>" for a in t.about]
    how = (f"This page holds {t.n:,} {noun}. Move a slider to keep only the {noun} whose "
           f"input lies in its range" + (", tick or untick a value" if choices else "")
           + (f"; drag on the chart (box or lasso) to keep the {noun} selected there"
              if fig is not None else "")
           + ". Everything is computed in this page: it needs no server and no network.")
    head.append(f"<p class=\"note\">{html.escape(how)}</p>")
    if not t.inputs:
        head.append(f"<p class=\"note\" id=\"no-inputs\">No input varies across the {noun}: "
                    "there is nothing to filter, so the page has no sliders.</p>")
    if t.fixed:
        lab = _labels()
        head.append("<p class=\"note\">The same in every " + noun[:-1] + ": "
                    + html.escape(", ".join(lab.input_label(p) for p in t.fixed)) + ".</p>")
    head += [f"<p class=\"note\">{html.escape(x)}</p>" for x in t.notes]
    if fig is None:
        head.append("<p class=\"note\">No chart: the result has no input or metric to "
                    "plot.</p>")
    title_div = Div(text="".join(head), name="about", stylesheets=[css],
                    sizing_mode="stretch_width", disable_math=True)
    controls = [*sliders, *[x for c, cb in zip(choice_cols, choices, strict=True)
                            for x in (Div(text=html.escape(c.label), stylesheets=[css],
                                        disable_math=True), cb)]]
    buttons = [reset] + ([clear] if fig is not None else [])
    right = [p_div, stats_div] + ([fig] if fig is not None else [])
    layout = column(title_div, row(column(*controls, *buttons, width=340),
                                   column(*right)))
    doc = Document()
    doc.add_root(layout)
    doc.js_on_event("document_ready", update)
    doc.title = f"Explore: {t.title}"
    return file_html(doc, resources=INLINE, title=f"Explore: {t.title}")


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` whole or not at all (a temporary file, then a rename)."""
    fd, tmp = tempfile.mkstemp(prefix=".explore-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _out_path(out_dir: str | Path) -> Path:
    if not isinstance(out_dir, (str, os.PathLike)):
        raise ExploreTypeError(f"explore: out_dir must be a folder path; got "
                               f"{type(out_dir).__name__} ({shown_value(out_dir)})")
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ExploreValueError(f"explore: out_dir must be a folder; {str(out)!r} is a file")
    return out


def _check_cap(max_samples: Any) -> int:
    if isinstance(max_samples, bool) or not isinstance(max_samples, (int, np.integer)) \
            or max_samples < 1:
        raise ExploreValueError(f"explore: max_samples must be a whole number >= 1; got "
                                f"{shown_value(max_samples)}")
    return int(max_samples)


def explore_sweep(sweep_result: SweepResult, out_dir: str | Path, *,
                  max_points: int = MAX_SAMPLES, title: str | None = None) -> Path:
    """Write ``out_dir/explore.html`` for a sweep's points (see :func:`explore`).

    One slider per numeric swept parameter and check boxes per categorical one
    (e.g. ``force.basis``); the page shows the mean P(feasible) over the kept points,
    each output's mean and 90th percentile, and the chart of the kept points
    coloured by their P(feasible). Failed points are left out (the page says how
    many). At most ``max_points`` points are embedded.
    """
    from .sweep.result import SweepResult as _SweepResult

    if not isinstance(sweep_result, _SweepResult):
        raise ExploreTypeError(f"explore_sweep: sweep_result must be a feasim SweepResult "
                               f"(feasim.sweep.run_sweep); got {type(sweep_result).__name__}")
    cap = _check_cap(max_points)
    out = _out_path(out_dir)
    table = _sweep_table(sweep_result, cap, title)
    page = _build(table)
    out.mkdir(parents=True, exist_ok=True)
    path = out / FILE_NAME
    _write(path, page)
    return path


def explore(source: Scenario | Result | SweepResult | str | Path, out_dir: str | Path, *,
            result: Result | None = None, samples: int | None = None,
            seed: int | None = None, method: str = "analytic",
            overrides: Iterable[str] = (), mission: str | None = None,
            max_samples: int = MAX_SAMPLES, title: str | None = None) -> Path:
    """Write ``out_dir/explore.html``, an interactive page of a run's samples; its path.

    Parameters
    ----------
    source:
        A scenario, the path of a scenario file, a :class:`~feasim.Result`, or a
        :class:`~feasim.sweep.SweepResult` (then :func:`explore_sweep`).
    out_dir:
        Folder of the page (created if missing); an ``explore.html`` there is replaced.
    result:
        A result of ``source`` (a scenario) already computed: shown instead of a new run.
    samples, seed, method:
        The run made when ``source`` is a scenario and no ``result`` is given: Monte
        Carlo samples (or simulation replications) and seed, default the scenario's;
        ``method`` is ``analytic`` (default) or ``simulation``. The simulation draws
        no inputs per replication, so its page has no sliders.
    overrides, mission:
        As for ``feasim run``: ``--set`` paths and values, and a mission type whose
        posture preset replaces the scenario's.
    max_samples:
        Samples embedded at most (default :data:`MAX_SAMPLES`); beyond, a fixed random
        subset, and the page says so.
    title:
        The page's heading (default: the scenario's title or name).

    The page needs Bokeh (``pip install "feasim[explore]"``), loads nothing from the
    network, and is about 1.7 MB plus about 4 bytes per embedded sample and column (see
    ``docs/howto-explore.md``).
    """
    from .results import Result as _Result
    from .schema import Scenario as _Scenario
    from .sweep.result import SweepResult as _SweepResult

    if isinstance(source, _SweepResult):
        if result is not None:
            raise ExploreTypeError("explore: result= goes with a scenario; a sweep is "
                                   "given alone")
        return explore_sweep(source, out_dir, max_points=max_samples, title=title)
    cap = _check_cap(max_samples)
    if method not in METHODS:
        raise ExploreValueError(f"explore: method must be one of {', '.join(METHODS)}; got "
                                f"{shown_value(method)}")
    out = _out_path(out_dir)
    scenario: _Scenario | None = None
    if isinstance(source, _Result):
        if result is not None:
            raise ExploreTypeError("explore: give the result once, as source or as result=")
        result = source
    elif isinstance(source, (str, os.PathLike)):
        from .loader import load_scenario

        scenario = load_scenario(Path(source), list(overrides))
    elif isinstance(source, _Scenario):
        scenario = source
        if overrides:
            from .loader import with_overrides

            scenario = with_overrides(scenario, overrides)
    else:
        raise ExploreTypeError(
            f"explore: source must be a Scenario, the path of a scenario file, a Result or a "
            f"SweepResult; got {type(source).__name__} ({shown_value(source)})")
    if result is not None and not isinstance(result, _Result):
        raise ExploreTypeError(f"explore: result must be a feasim Result; got "
                               f"{type(result).__name__} ({shown_value(result)})")
    if scenario is not None and mission is not None:
        from .presets import under_mission

        scenario, _ = under_mission(scenario, mission)
        if overrides:
            from .loader import with_overrides

            scenario = with_overrides(scenario, overrides)
    if result is None:
        assert scenario is not None
        from .loader import check_samples

        check_samples(scenario, samples, str(source))
        if method == "analytic":
            from .models import evaluate

            result = evaluate(scenario, samples=samples, seed=seed)
        else:
            from .models import SimulationModel

            result = SimulationModel().evaluate(scenario, n=samples, rng=seed)
    about = [_about(result, scenario, mission)]
    name = title or (scenario.title if scenario is not None and scenario.title
                     else result.scenario)
    table = _run_table(result, scenario, cap, about)
    table.title = name
    page = _build(table)
    out.mkdir(parents=True, exist_ok=True)
    path = out / FILE_NAME
    _write(path, page)
    return path


def _about(result: Result, scenario: Scenario | None, mission: str | None) -> str:
    what = {"analytic": "analytic model", "simulation": "simulation"}.get(result.method,
                                                                           result.method)
    unit = "replications" if result.method == "simulation" else "samples"
    seed = "" if result.seed is None else f", seed {result.seed}"
    text = (f"Scenario {result.scenario}: {what}, {result.samples:,} {unit}{seed}; "
            f"{len(result.criteria)} criteri{'a' if len(result.criteria) != 1 else 'on'}.")
    if mission is not None:
        text += f" Posture: the {mission} preset, not the file's."
    return text

