"""Minimum force against a swept parameter."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ._style import (_BLUE, _GREY, _VERMILION, PlotValueError, _count_formatter, _density_text,
                     _new_axes, _note, _thousands)
from .labels import _path_unit, input_axis_label, input_label, metric_label

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..frontier import Frontier

__all__ = ["frontier_chart"]

_FRONTIER_Y = {"pledged_troops": "minimum pledged troops",
               "in_theatre_troops": "minimum troops in theatre (median)",
               "troops_per_km": "minimum troops per km (median)"}


def frontier_chart(frontier: Frontier, *, quantity: str = "pledged_troops",
                   ax: Axes | None = None) -> Figure:
    """Minimum force against the swept parameter.

    One point per value of ``frontier.parameter``: the smallest force at which
    P(feasible) reaches the target. Values where no scale up to ``max_scale``
    reaches it are not dropped: each gets a vertical dashed line and an ``×``
    at the top of the axes, labelled "unreachable".

    Parameters
    ----------
    frontier:
        A result of :func:`feasim.frontier.frontier`.
    quantity:
        ``pledged_troops`` (persons, mean of all pledges × scale),
        ``in_theatre_troops`` (persons, median) or ``troops_per_km``
        (persons/km, median).
    ax:
        Axes to draw into; a new 8 × 5 inch figure if None.
    """
    if quantity not in _FRONTIER_Y:
        raise PlotValueError(f"quantity must be one of {', '.join(_FRONTIER_Y)}; got {quantity!r}")
    points = list(frontier.points)
    if not points:
        raise PlotValueError("the frontier has no points")
    values = list(frontier.values)
    numeric = all(isinstance(v, (int, float, np.integer, np.floating))
                  and not isinstance(v, bool) for v in values)
    xs = np.array(values, dtype=float) if numeric else np.arange(len(values), dtype=float)
    ys = np.array([getattr(p, quantity) if p.reachable else math.nan for p in points],
                  dtype=float)
    ok = np.array([p.reachable for p in points])

    fig, ax = _new_axes(ax, (8, 5))
    from matplotlib.transforms import blended_transform_factory

    order = np.argsort(xs)
    if ok.any():
        ax.plot(xs[order][ok[order]], ys[order][ok[order]], color=_BLUE, lw=1.8,
                marker="o", ms=6, label="minimum force", gid="frontier")
        top = float(np.nanmax(ys[ok]))
        ax.set_ylim(0, top * 1.3 if top > 0 else 1.0)
        if quantity != "troops_per_km":  # the density beside each point
            for x, y, p in zip(xs[ok], ys[ok], np.array(points, dtype=object)[ok],
                               strict=True):
                if math.isfinite(p.troops_per_km):
                    ax.annotate(f"{_density_text(p.troops_per_km)} /km", (x, y),
                                xytext=(0, 7), textcoords="offset points", ha="center",
                                va="bottom", fontsize=7.5, color=_BLUE, gid="density_label")
    else:  # no force to draw: no y scale either (ticks on 0–1 would read as troops)
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.text(0.5, 0.5, f"Nothing reachable: P(feasible) ≥ {points[0].probability:g} is not "
                "met at any value,\neven at the largest force scale tried.",
                transform=ax.transAxes, ha="center", va="center", fontsize=10, color=_GREY,
                gid="nothing_reachable")
    if (~ok).any():
        trans = blended_transform_factory(ax.transData, ax.transAxes)
        bad = xs[~ok]
        for x in bad:
            ax.axvline(x, color=_VERMILION, lw=0.8, ls=":", alpha=0.7, zorder=1)
        ax.plot(bad, np.full(bad.size, 0.93), transform=trans, ls="none", marker="x",
                ms=10, mew=2.2, color=_VERMILION, clip_on=False, gid="unreachable",
                label="unreachable: target not met even at the largest scale tried")
        for x in bad:
            ax.annotate("unreachable", (x, 0.93), xycoords=trans, xytext=(0, -10),
                        textcoords="offset points", ha="center", va="top", fontsize=7.5,
                        color=_VERMILION, gid="unreachable_label")
    notes = []
    if quantity != "troops_per_km" and ok.any():
        notes.append("Beside each point: median troops in theatre per km of line at that force.")
    if (~ok).any():
        failing = sorted({k for p in points if not p.reachable
                          for k, v in p.criteria_p_met.items() if v < p.probability})
        where = ", ".join(_thousands(float(v)) if numeric else str(v)
                          for v, p in zip(values, points, strict=True) if not p.reachable)
        notes.append(f"Unreachable at {input_label(frontier.parameter)} = {where}"
                     + (f"; criteria still failing there: "
                        f"{', '.join(map(metric_label, failing))}." if failing else "."))
    if notes:
        _note(ax, " ".join(notes))
    if not numeric:
        ax.set_xticks(xs, [str(v) for v in values])
    if xs.size > 1 and xs.max() > xs.min():
        pad = (xs.max() - xs.min()) * 0.06
    else:  # one value: a margin of its own size, not ±1 (ticks 1,199.0 … 1,201.0)
        pad = abs(float(xs[0])) * 0.1 if numeric and xs[0] != 0 else 1.0
    ax.set_xlim(xs.min() - pad, xs.max() + pad)
    unit = _path_unit(frontier.parameter)
    ax.set_xlabel(input_axis_label(frontier.parameter, unit))
    y_unit = "persons/km" if quantity == "troops_per_km" else "persons"
    ax.set_ylabel(f"{_FRONTIER_Y[quantity]} ({y_unit})")
    if ok.any():
        ax.yaxis.set_major_formatter(_count_formatter())
    if numeric:
        ax.xaxis.set_major_formatter(_count_formatter())
    prob = points[0].probability
    ax.set_title(f"{frontier.scenario}: smallest force with P(feasible) ≥ {prob:g}, "
                 f"by {input_label(frontier.parameter)}", fontsize=10)
    ax.grid(True, color="#ececec", lw=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", fontsize=8)
    return fig

