"""The factors that drive an output: tornado, Sobol' indices, Morris screening."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from ._style import (_BLUE, _DARK, _GREY, _ORANGE, _SKY, PlotValueError, _new_axes, _note,
                     _point_box, _renderer, _span_box)
from .labels import _axis_label, _Label, _place_labels, _short_names, _unit, metric_label

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..sensitivity import MorrisResult, SobolResult, TornadoResult

def sensitivity_chart(sens_result: TornadoResult | MorrisResult | SobolResult, *,
                      top: int = 15, ax: Axes | None = None) -> Figure:
    """The factors that drive an output, by the method's own measure.

    - **tornado**: for each factor a bar from the output at its low quantile
      to the output at its high quantile (output units), around the base
      output (vertical line), most influential (largest swing) on top;
    - **sobol**: first-order and total indices (share of output variance,
      0–1) as paired horizontal bars with their bootstrap intervals, largest
      total index on top;
    - **morris**: ``σ`` against ``μ*`` (output units per unit of input
      quantile), one labelled point per factor with the interval of ``μ*``;
      grouped factors, whose ``σ`` SALib does not estimate (NaN), sit on the
      x axis as hollow markers; factors with no effect (``μ* = 0``) are listed
      in a note instead of piling up at the origin.

    Only the ``top`` most influential factors (by ``ranking()``) are drawn.
    Factor names are shortened (``posture.`` dropped, events and contributors
    in words); full names where shortening would make two alike.

    Parameters
    ----------
    sens_result:
        A result of :func:`feasim.sensitivity.tornado`, ``morris``, ``sobol``
        or ``analyse``.
    top:
        Most factors shown (>= 1).
    ax:
        Axes to draw into; a new figure if None.

    Raises
    ------
    PlotValueError
        (a ``ValueError``)         Not a sensitivity result, or ``top`` < 1.
    """
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise PlotValueError(f"top must be a whole number >= 1; got {top!r}")
    method = getattr(sens_result, "method", None)
    if method not in ("tornado", "sobol", "morris"):
        raise PlotValueError("sensitivity_chart needs a tornado, morris or sobol result "
                         f"(feasim.sensitivity); got {type(sens_result).__name__}")
    factors = sens_result.ranking()[: int(top)]
    names = _short_names(factors, sens_result.groups)
    output = sens_result.output
    unit = _unit(output)
    words = metric_label(output)
    k = len(factors)
    height = 1.2 + 0.32 * k if method != "morris" else 5.5
    fig, ax = _new_axes(ax, (8, max(3.0, height)))
    shown = f"top {k} of {len(sens_result.factors)}" if k < len(sens_result.factors) \
        else f"{k} factors"

    if method == "tornado":
        tr = cast("TornadoResult", sens_result)
        base = tr.base_output
        low, high = tr.low, tr.high
        ys = np.arange(k)[::-1]
        q_lo, q_hi = tr.quantiles
        lo_vals = np.array([low[f] for f in factors])
        hi_vals = np.array([high[f] for f in factors])
        ax.barh(ys, lo_vals - base, left=base, height=0.6, color=_SKY, edgecolor=_DARK,
                lw=0.4, label=f"input at its {q_lo:.0%} quantile", gid="tornado_low")
        ax.barh(ys, hi_vals - base, left=base, height=0.6, color=_ORANGE, edgecolor=_DARK,
                lw=0.4, label=f"input at its {q_hi:.0%} quantile", gid="tornado_high")
        ax.axvline(base, color=_DARK, lw=1.0, label=f"base output {base:.3g}")
        ax.set_yticks(ys, names)
        still = [f for f in factors if low[f] == base and high[f] == base]
        for tick, f in zip(ax.get_yticklabels(), factors, strict=True):
            if f in still:
                tick.set_color(_GREY)
        lo_x = min(base, float(np.nanmin(lo_vals)), float(np.nanmin(hi_vals)))
        hi_x = max(base, float(np.nanmax(lo_vals)), float(np.nanmax(hi_vals)))
        pad = 0.05 * (hi_x - lo_x) if hi_x > lo_x else max(abs(base) * 0.05, 0.05)
        ax.set_xlim(lo_x - pad, hi_x + pad)  # the base line off the frame
        ax.set_xlabel(_axis_label(output, unit))
        ax.set_title(f"Tornado: {words} ({shown}, by swing)", fontsize=10)
        ax.legend(loc="best", fontsize=8)
        ax.grid(True, axis="x", color="#ececec", lw=0.6)
        if still:
            _note(ax, f"Grey: no change in {words} between the two quantiles "
                      f"({len(still)} of {k}).")
    elif method == "sobol":
        so = cast("SobolResult", sens_result)
        first, total = so.first, so.total
        f_ci, t_ci = so.first_ci, so.total_ci
        ys = np.arange(k)[::-1].astype(float)
        h = 0.38

        def err(v: dict, ci: dict) -> np.ndarray:
            return np.array([[max(0.0, v[f] - ci[f][0]) for f in factors],
                             [max(0.0, ci[f][1] - v[f]) for f in factors]])

        for offset, values, ci, color, text, gid in (
                (h / 2, total, t_ci, _BLUE, "total index (with interactions)", "sobol_total"),
                (-h / 2, first, f_ci, _SKY, "first-order index (alone)", "sobol_first")):
            vals = np.array([values[f] for f in factors])
            ax.barh(ys + offset, vals, height=h, color=color, label=text, gid=gid)
            e = err(values, ci)
            show = e.sum(axis=0) > 0  # no error bar where the interval is a point
            if show.any():
                ax.errorbar(vals[show], (ys + offset)[show], xerr=e[:, show], ls="none",
                            lw=0.8, capsize=2, ecolor=_DARK)
        ax.axvline(0, color=_DARK, lw=0.8)
        ax.set_yticks(ys, names)
        level = getattr(sens_result, "conf_level", 0.95)
        ax.set_xlabel(f"Sobol' index (fraction of the variance of {words})")
        _note(ax, f"Error bars: {level:.0%} bootstrap intervals. Indices below 0 or "
                  "first-order above total are estimation noise: more samples narrow them.")
        ax.set_title(f"Sobol' indices: {words} ({shown}, by total index)", fontsize=10)
        ax.legend(loc="lower right", fontsize=8)
        ax.grid(True, axis="x", color="#ececec", lw=0.6)
    else:
        _morris(ax, cast("MorrisResult", sens_result), factors, names, unit, shown)
    ax.set_axisbelow(True)
    return fig


def _morris(ax: Axes, res: MorrisResult, factors: list[str], names: list[str], unit: str,
            shown: str) -> None:
    """σ against μ* with labelled points; grouped factors (σ undefined) on the x axis."""
    output = res.output
    mu, sigma, ci = res.mu_star, res.sigma, res.mu_star_ci
    x = np.array([mu[f] for f in factors], dtype=float)
    y = np.array([sigma[f] for f in factors], dtype=float)
    xerr = np.array([[max(0.0, mu[f] - ci[f][0]) for f in factors],
                     [max(0.0, ci[f][1] - mu[f]) for f in factors]])
    xerr = np.nan_to_num(xerr)
    none = (x == 0) & ((y == 0) | np.isnan(y))  # no effect at all: listed, not drawn
    no_sigma = np.isnan(y) & ~none
    both = ~none & ~no_sigma
    finite = x[~none]
    x_top = float(np.max(finite + xerr[1][~none])) if finite.size else 0.0
    y_top = float(np.nanmax(y[both])) if both.any() else 0.0
    x_span = x_top * 1.12 if x_top > 0 else 1.0
    y_span = y_top * 1.35 if y_top > 0 else x_span * 0.3
    ax.set_xlim(0, x_span)
    ax.set_ylim(0, y_span)
    end = max(x_span, y_span)
    ax.plot([0, end], [0, end], color=_GREY, lw=0.8, ls=":", zorder=0,
            label="σ = μ* (above it: the effect depends on the other inputs)")
    if both.any():
        art = ax.errorbar(x[both], y[both], xerr=xerr[:, both], ls="none", marker="o", ms=6,
                          color=_BLUE, mec="white", elinewidth=0.8, capsize=2,
                          label="factor (bar: interval of μ*)")
        art.lines[0].set_gid("morris")
    if no_sigma.any():
        art = ax.errorbar(x[no_sigma], np.zeros(no_sigma.sum()), xerr=xerr[:, no_sigma],
                          ls="none", marker="o", ms=7, mfc="white", mec=_BLUE, mew=1.4,
                          color=_BLUE, elinewidth=0.8, capsize=2, zorder=5,
                          label="grouped factor: σ not estimated, drawn at σ = 0")
        art.lines[0].set_gid("morris_no_sigma")
        art.lines[0].set_clip_on(False)  # markers on the axis line, whole
    u = f"{unit} per unit of input quantile" if unit else "output units per unit of input " \
        "quantile"
    ax.set_xlabel(f"μ*: mean |elementary effect| on {metric_label(output)} ({u})")
    ax.set_ylabel(f"σ of the elementary effects ({unit or 'output units'} per unit quantile)")
    ax.set_title(f"Morris screening: {metric_label(output)} ({shown}, by μ*)", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(True, color="#ececec", lw=0.6)
    ax.set_axisbelow(True)
    yy = np.where(no_sigma, 0.0, y)
    drawn = ~none
    obstacles = [_point_box(ax, a, b) for a, b in zip(x[drawn], yy[drawn], strict=True)]
    obstacles += [_span_box(ax, a - lo, b, a + hi, b)
                  for a, b, lo, hi in zip(x[drawn], yy[drawn], xerr[0][drawn], xerr[1][drawn],
                                          strict=True)]
    legend = ax.get_legend()
    assert legend is not None
    obstacles.append(tuple(legend.get_window_extent(_renderer(ax.figure)).extents))
    _place_labels(ax, [_Label(float(a), float(b), n, f"factor:{f}", fontsize=7.5)
                       for a, b, n, f, d in zip(x, yy, names, factors, drawn, strict=True)
                       if d], obstacles)
    if none.any():
        listed = [n for n, d in zip(names, none, strict=True) if d]
        _note(ax, "No effect found (μ* = 0): " + ", ".join(listed) + ".")


