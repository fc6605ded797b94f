"""A daily series of the simulation as a fan chart across replications."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ..metrics import SERIES_UNITS
from ._style import _BLUE, _DARK, PlotValueError, _new_axes
from .labels import _axis_label, metric_label

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..results import Result

def _fan(ax: Axes, x: Any, bands: Sequence[Any]) -> None:
    """The 90% and 50% bands across replications and the median line."""
    p05, p25, p50, p75, p95 = bands
    ax.fill_between(x, p05, p95, color=_BLUE, alpha=0.18, lw=0,
                    label="90% of replications (5th–95th percentile)", gid="band90")
    ax.fill_between(x, p25, p75, color=_BLUE, alpha=0.38, lw=0,
                    label="50% of replications (25th–75th percentile)", gid="band50")
    ax.plot(x, p50, color=_BLUE, lw=2.0, label="median", gid="median")


def strength_fan_chart(sim_result: Result, *, series: str = "in_theatre_troops",
                       ax: Axes | None = None) -> Figure:
    """A daily series of the simulation as a fan chart across replications.

    The median by day (line) with the 50% (25th–75th percentile) and 90%
    (5th–95th) bands across replications, and the mean (dashed), from ``sim_result.series[series]``
    (replication × day). Days where a replication's value is undefined (NaN)
    are left out of that day's percentiles.

    Parameters
    ----------
    sim_result:
        A result of :func:`feasim.simulation.simulate`.
    series:
        ``in_theatre_troops`` (persons), ``fill_ratio`` (fraction),
        ``incursions`` or ``detections`` (per day), ``qrf_utilisation`` (ratio).
    ax:
        Axes to draw into; a new 8 × 4.5 inch figure if None.

    Raises
    ------
    PlotValueError
        (a ``ValueError``)         The result has no daily series (an analytic result) or not this one.
    """
    if not sim_result.series:
        raise PlotValueError(f"strength_fan_chart needs a simulation result (feasim simulate); "
                         f"this {sim_result.method} result of {sim_result.scenario!r} has "
                         "no daily series")
    if series not in sim_result.series:
        raise PlotValueError(f"no series {series!r} in this result; it has: "
                         f"{', '.join(sim_result.series)}")
    table = np.asarray(sim_result.series[series], dtype=float)
    if table.ndim != 2 or table.shape[1] == 0:
        raise PlotValueError(f"series {series!r} must be replication × day; got shape "
                         f"{table.shape}")
    fig, ax = _new_axes(ax, (8, 4.5))
    days = np.arange(table.shape[1])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # days undefined everywhere
        p05, p25, p50, p75, p95 = np.nanpercentile(table, [5, 25, 50, 75, 95], axis=0)
    _fan(ax, days, (p05, p25, p50, p75, p95))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(table, axis=0)
    ax.plot(days, mean, color=_DARK, lw=1.0, ls="--", label="mean", gid="mean")
    unit = SERIES_UNITS.get(series, "")
    ax.set_xlabel("day")
    ax.set_ylabel(_axis_label(series, unit))
    ax.set_xlim(days[0], max(days[-1], 1))
    if unit == "persons":
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:,.0f}"))
    finite = table[np.isfinite(table)]
    if finite.size and finite.min() >= 0:  # counts and shares start at 0
        ax.set_ylim(bottom=0)
    ax.set_title(f"{sim_result.scenario}: {metric_label(series)} by day across {table.shape[0]} "
                 "replications", fontsize=10)
    ax.grid(True, color="#ececec", lw=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="best", fontsize=8)
    return fig




def commitment_fan_chart(timeline: Any, *, ax: Axes | None = None) -> Figure:
    """In-theatre strength over a commitment of years as a fan chart.

    The median over the replications of :func:`feasim.pools.strength_over_years`
    (line), its 50% and 90% bands, and the closed-form mean (dashed), against years.

    Raises
    ------
    PlotValueError
        (a ``ValueError``)         ``timeline`` is not a :class:`feasim.pools.Timeline`.
    """
    from ..pools import Timeline

    if not isinstance(timeline, Timeline):
        raise PlotValueError("commitment_fan_chart needs a feasim.pools.Timeline "
                             f"(strength_over_years), not {type(timeline).__name__}")
    fig, ax = _new_axes(ax, (8, 4.5))
    x = timeline.years
    p05, p25, p50, p75, p95 = timeline.quantiles()
    n = timeline.strength.shape[0]
    _fan(ax, x, (p05, p25, p50, p75, p95))
    ax.plot(x, timeline.expected, color=_DARK, lw=1.0, ls="--",
            label="mean (closed form)", gid="expected")
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.set_xlabel("years into the commitment")
    ax.set_ylabel("troops in theatre (persons)")
    ax.set_xlim(0, max(float(x[-1]), 1 / 365))
    ax.set_ylim(bottom=0)
    ax.set_title(f"{timeline.scenario}: troops in theatre over {float(x[-1]):.3g} years "
                 f"across {n} replications", fontsize=10)
    ax.grid(True, color="#ececec", lw=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="best", fontsize=8)
    return fig
