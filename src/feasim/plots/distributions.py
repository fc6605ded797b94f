"""Histograms of metrics over the samples, with each criterion's threshold."""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..metrics import METRICS
from ._style import (_BLUE, _DARK, _GREEN, _GREY, _ORANGE, _VERMILION, PlotValueError,
                     _figure_cls, _percent, _root)
from .labels import _axis_label

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..results import Result

#: Metrics shown by :func:`metric_distributions` when a result has no criteria.
DEFAULT_METRICS = ("troops_per_km", "fill_ratio", "detection_probability", "response_hours_p90")

def _grid(n: int) -> tuple[int, int]:
    cols = 1 if n == 1 else 2 if n <= 4 else 3
    return math.ceil(n / cols), cols


def metric_distributions(result: Result, metrics: str | Sequence[str] | None = None, *,
                         ax: Axes | Sequence[Axes] | None = None) -> Figure:
    """Histograms of metrics over the samples, with each criterion's threshold.

    One panel per metric: the share of samples (fraction) in each bin, the x
    axis in the metric's unit. A metric with a criterion gets its threshold
    as a vertical line, the side where the criterion is met lightly shaded,
    and ``min``/``max`` with P(met) written beside it. Samples where the
    metric is unbounded (+∞, an overloaded QRF) or undefined (NaN) are left
    out of the histogram and their share is written on the panel.

    Parameters
    ----------
    result:
        An analytic or simulation result.
    metrics:
        A metric name or names; default: the metrics with criteria, else
        :data:`DEFAULT_METRICS` (those the result holds).
    ax:
        One axes (for one metric) or one per metric; a new figure if None.

    Raises
    ------
    PlotValueError
        (a ``ValueError``)         An unknown metric, one the result does not hold, or the wrong number
        of axes.
    """
    if metrics is None:
        names = list(result.criteria) or [m for m in DEFAULT_METRICS if m in result.metrics]
    else:
        names = [metrics] if isinstance(metrics, str) else list(metrics)
    if not names:
        raise PlotValueError("no metrics to show: name some (see 'feasim metrics')")
    for n in names:
        if n not in METRICS:
            raise PlotValueError(f"unknown metric {n!r}; known: {', '.join(METRICS)}")
        if n not in result.metrics:
            raise PlotValueError(f"metric {n!r} is not in this {result.method} result of "
                             f"{result.scenario!r}; it holds: {', '.join(result.metrics)}")

    figure_cls = _figure_cls()
    if ax is None:
        rows, cols = _grid(len(names))
        fig = figure_cls(figsize=(4.2 * cols, 3.0 * rows + 0.5), layout="constrained")
        axes = list(np.atleast_1d(fig.subplots(rows, cols)).ravel())
        for extra in axes[len(names):]:
            extra.set_visible(False)
        own = True
    else:
        axes = [ax] if not isinstance(ax, (list, tuple, np.ndarray)) else list(np.ravel(ax))
        if len(axes) != len(names):
            raise PlotValueError(f"got {len(axes)} axes for {len(names)} metrics "
                             f"({', '.join(names)}); give one axes per metric")
        fig = _root(axes[0], figure_cls)
        own = False

    for a, name in zip(axes, names, strict=False):
        _distribution_panel(a, result, name)
    if own:
        what = "replications" if result.method == "simulation" else "samples"
        title = f"{result.scenario}: {result.samples:,} {what} ({result.method})"
        if result.criteria:
            title += f" · P(all criteria met) = {result.p_feasible:.2f}"
        fig.suptitle(title, fontsize=11)
    return fig


def _distribution_panel(ax: Axes, result: Result, name: str) -> None:
    v = np.asarray(result[name], dtype=float)
    n = v.size
    finite = v[np.isfinite(v)]
    n_inf, n_nan = int(np.isinf(v).sum()), int(np.isnan(v).sum())
    unit = METRICS[name].unit
    crit = result.criteria.get(name)
    t = crit.threshold if crit is not None else None

    # x range: the values and the threshold; shares and probabilities on 0–1
    pts = list(finite[[finite.argmin(), finite.argmax()]]) if finite.size else []
    if t is not None:
        pts.append(t)
    if not pts:
        pts = [0.0, 1.0]
    lo, hi = min(pts), max(pts)
    if unit in ("fraction", "probability") and lo >= 0 and hi <= 1:
        lo, hi = 0.0, 1.0
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        half = max(abs(hi) * 0.05, 0.05)
        lo, hi = lo - half, hi + half
    pad = 0.04 * (hi - lo)
    x0, x1 = lo - pad, hi + pad

    if finite.size:
        nbins = 20 if (lo, hi) == (0.0, 1.0) else min(40, max(12, int(math.sqrt(finite.size))))
        edges = np.linspace(lo, hi, nbins + 1)
        ax.hist(finite, bins=list(edges), weights=np.full(finite.size, 1.0 / n), color=_BLUE,
                alpha=0.85, edgecolor="white", linewidth=0.4, gid=f"hist:{name}")
    ax.set_xlim(x0, x1)
    ax.set_xlabel(_axis_label(name))
    ax.set_ylabel("share of samples (fraction)")
    ax.set_title("\n".join(textwrap.wrap(METRICS[name].description, 48)), fontsize=9)

    if crit is not None:
        t = crit.threshold
        ax.axvline(t, color=_VERMILION, lw=1.6, ls="--", zorder=4, gid=f"threshold:{name}")
        met_lo, met_hi = (t, x1) if crit.bound == "min" else (x0, t)
        ax.axvspan(met_lo, met_hi, color=_GREEN, alpha=0.07, lw=0, zorder=0,
                   gid=f"met_side:{name}")
        ax.set_xlim(x0, x1)
        # beside the line, on the side with more room
        right = (t - x0) < (x1 - t)
        ax.annotate(f"{crit.bound} {t:g}\nP(met) = {crit.p_met:.2f}", xy=(t, 1.0),
                    xycoords=("data", "axes fraction"), xytext=(4 if right else -4, -4),
                    textcoords="offset points", ha="left" if right else "right", va="top",
                    fontsize=8, color=_VERMILION, gid=f"criterion:{name}", zorder=6,
                    bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85))

    notes = []
    if n_inf:
        notes.append(f"unbounded (∞) in {_percent(n_inf / n)} of samples")
    if n_nan:
        notes.append(f"undefined in {_percent(n_nan / n)} of samples")
    if notes:  # under the criterion's label, else in the top right corner
        box = dict(boxstyle="round,pad=0.3", fc="#fff4e0", ec=_ORANGE, lw=0.6)
        if crit is None:
            ax.text(0.97, 0.97, "\n".join(notes), transform=ax.transAxes, ha="right",
                    va="top", fontsize=8, color=_DARK, gid=f"unbounded:{name}", zorder=6,
                    bbox=box)
        else:
            ax.annotate("\n".join(notes), xy=(t, 1.0), xycoords=("data", "axes fraction"),
                        xytext=(6 if right else -6, -34), textcoords="offset points",
                        ha="left" if right else "right", va="top", fontsize=8, color=_DARK,
                        gid=f"unbounded:{name}", zorder=6, bbox=box)
    if not finite.size:
        ax.set_yticks([])
        ax.text(0.5, 0.4, "no finite values", transform=ax.transAxes, ha="center",
                va="center", fontsize=9, color=_GREY)
    ax.grid(True, axis="y", color="#ececec", lw=0.6)
    ax.set_axisbelow(True)


