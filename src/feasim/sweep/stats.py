"""Per-point statistics of a sweep's outputs, and the columns they are stored in.

A sweep file's ``outputs`` is either a list of metric names (each kept as one
column, its mean over the point's samples, as before) or a mapping of metric
name to the statistics to keep::

    outputs:
      troops_per_km: [mean]
      response_hours_p90: [mean, p50, p90, unbounded]
      detection_probability_worst: [p10, met]

Each statistic is a column named ``OUTPUT__STAT`` (``response_hours_p90__p90``).
Over a point's samples (analytic) or replications (simulation):

=============  ==================================================================
``mean``       mean over the *finite* samples (an unbounded sample is left out and
               counted by ``unbounded``); NaN when none is finite
``pNN``        the NN-th percentile (0-100, decimals allowed: ``p2.5``) over the
               defined samples, unbounded ones included (they sort last, so
               ``p50`` stays finite while fewer than half are unbounded)
``min``/``max``  over the defined samples (may be infinite)
``std``        standard deviation over the finite samples (ddof 0)
``unbounded``  share of all samples that are infinite (an overloaded QRF)
``undefined``  share of all samples where the metric is not defined (NaN)
``met``        share of all samples meeting the scenario's criterion on this
               output (the output must have a criterion)
=============  ==================================================================

A bare name in the list form is the plain mean over the defined samples, in
which one unbounded sample makes the point's value unbounded.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

__all__ = ["STAT_NAMES", "parse_stat", "column_name", "split_column", "reduce_stat",
           "stat_unit"]

SEP = "__"
STAT_NAMES = ("mean", "min", "max", "std", "unbounded", "undefined", "met")
_PCT = re.compile(r"^p(100|[0-9]{1,2}(\.[0-9]{1,6})?)$")


def parse_stat(stat: str) -> str | None:
    """``None`` if ``stat`` is a statistic this module computes, else why not."""
    if not isinstance(stat, str):
        return f"a statistic is a name, got {stat!r}"
    if stat in STAT_NAMES or _PCT.match(stat):
        return None
    return (f"unknown statistic {stat!r}; use one of {', '.join(STAT_NAMES)} or a "
            f"percentile p0..p100 (e.g. p90, p2.5)")


def column_name(output: str, stat: str | None) -> str:
    """The Parquet column of ``output``'s ``stat`` (``None``: the list form's bare mean)."""
    return output if stat is None else f"{output}{SEP}{stat}"


def split_column(column: str) -> tuple[str, str | None]:
    """``'response_hours_p90__p90'`` → ``('response_hours_p90', 'p90')``; a bare name → (name, None)."""
    head, sep, tail = column.rpartition(SEP)
    if sep and head and parse_stat(tail) is None:
        return head, tail
    return column, None


def stat_unit(unit: str, stat: str | None) -> str:
    """The unit of a statistic of a metric measured in ``unit``."""
    if stat in ("unbounded", "undefined", "met"):
        return "fraction of samples"
    return unit


def reduce_stat(x: np.ndarray, stat: str | None, met: np.ndarray | None = None) -> np.ndarray:
    """``stat`` of each row of ``x`` (points × samples) → one value per point.

    ``met`` (points × samples, bool): the criterion's verdicts, for ``met``.
    """
    x = np.asarray(x, dtype=float)
    points, each = x.shape
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows stay NaN
        if stat is None:
            return np.nanmean(x, axis=1)
        if stat == "met":
            if met is None:
                return np.full(points, np.nan)
            return np.asarray(met, dtype=float).reshape(points, each).mean(axis=1)
        if stat == "unbounded":
            return np.isinf(x).mean(axis=1)
        if stat == "undefined":
            return np.isnan(x).mean(axis=1)
        finite = np.where(np.isfinite(x), x, np.nan)
        if stat == "mean":
            return np.nanmean(finite, axis=1)
        if stat == "std":
            return np.nanstd(finite, axis=1)
        if stat == "min":
            return np.nanmin(x, axis=1)
        if stat == "max":
            return np.nanmax(x, axis=1)
    return _percentile(x, float(stat[1:]))


def _percentile(x: np.ndarray, q: float) -> np.ndarray:
    """Linear-interpolation percentile per row over the defined (non-NaN) values, with
    infinities treated as numbers (an interval that touches one gives the infinity)."""
    points, each = x.shape
    a = np.sort(x, axis=1)  # NaN sorts last
    m = (~np.isnan(a)).sum(axis=1)
    h = np.maximum(m - 1, 0) * q / 100.0
    lo = np.floor(h).astype(np.int64)
    hi = np.ceil(h).astype(np.int64)
    rows = np.arange(points)
    a_lo, a_hi = a[rows, lo], a[rows, hi]
    frac = h - lo
    with np.errstate(all="ignore"):
        lerp = a_lo + frac * (a_hi - a_lo)
    out = np.where((frac == 0) | (a_lo == a_hi), a_lo,
                   np.where(np.isinf(a_hi), a_hi, np.where(np.isinf(a_lo), a_lo, lerp)))
    out[m == 0] = np.nan
    return out
