"""The posture along the line: coverage and threat by sector."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ._style import (
    _BLUE,
    _DARK,
    _GREEN,
    _ORANGE,
    _PURPLE,
    _VERMILION,
    PlotValueError,
    _check_scenario_result,
    _median,
    _new_axes,
    _note,
    _quantity_median,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..results import Result
    from ..schema import Scenario

__all__ = ["posture_by_sector"]


def _per_sample(result: Result | None, path: str, quantity: Any) -> np.ndarray | float:
    """A scenario input per sample if the result drew it, else its (median) value."""
    if result is not None and path in result.inputs:
        return np.asarray(result.inputs[path], dtype=float)
    return _quantity_median(quantity)


def posture_by_sector(scenario: Scenario, result: Result | None = None, *,
                      ax: Axes | None = None) -> Figure:
    """The posture along the line: coverage and threat by sector.

    The x axis is the position along the line (km), the sectors consecutive
    spans in the order of the scenario (one span, the whole line, if it has
    none). Per sector, from the result's per-sector outputs
    (:attr:`feasim.Result.by_sector`, :data:`feasim.metrics.SECTOR_METRICS`):

    - **observation-post coverage** (bars, value written on top): the median
      over samples of the sector's ``op_coverage``, the share of the sector
      inside a post's radius (analytic) or of its incursions that were
      (simulation);
    - **relative incursion rate per km** (step line, only with sectors): the
      sector's ``incursion_share`` ÷ its length, ÷ the largest over sectors
      (median over samples; 1 = the most threatened sector per km).

    Line-wide reference lines (medians over samples): patrol detection
    probability, sensor coverage and the combined detection probability.
    Triangles along the top mark the QRF bases (evenly spaced along the line,
    ``depth_km`` behind it). The y axis is a fraction (0–1).

    Parameters
    ----------
    scenario:
        The scenario (its sectors and QRF bases).
    result:
        A result of the scenario from the analytic model or the simulation;
        evaluated with :func:`feasim.evaluate` if None.
    ax:
        Axes to draw into; a new 9 × 5 inch figure if None.

    Raises
    ------
    PlotTypeError
        ``scenario`` is not a Scenario (e.g. the arguments swapped).
    PlotValueError
        The result holds no per-sector outputs (e.g. a function model's), or not
        for the scenario's sectors.
    """

    _check_scenario_result("posture_by_sector", scenario, result)
    fig, ax = _new_axes(ax, (9, 5))
    if result is None:
        from ..models import evaluate

        result = evaluate(scenario)
    theatre = scenario.theatre
    sectors = theatre.sectors or ()
    names = [sec.name for sec in sectors] if sectors else ["line"]
    per = result.by_sector
    missing = [q for q in ("op_coverage", "incursion_share") if q not in per
               or any(n not in per[q] for n in names)]
    if missing:
        raise PlotValueError(f"posture_by_sector: the {result.method} result of "
                             f"{result.scenario!r} has no per-sector {', '.join(missing)} for "
                             f"the sectors {', '.join(names)} (Result.by_sector); evaluate the "
                             "scenario with the analytic model or the simulation")
    line = _per_sample(result, "theatre.line_km", theatre.line_km)
    line_med = _median(line)
    lengths = [_median(_per_sample(result, f"theatre.sectors[{sec.name}].length_km",
                                   sec.length_km)) for sec in sectors] or [line_med]
    spans = list(zip([sec.name for sec in sectors] or ["whole line (no sectors)"], lengths,
                     strict=True))
    ops = scenario.posture.observation_posts
    posts = np.asarray(result.metrics.get("observation_posts", np.zeros(1)), dtype=float)
    cover = [_median(per["op_coverage"][n]) for n in names]
    cover = [c if math.isfinite(c) else 0.0 for c in cover]
    with np.errstate(all="ignore"):   # per sample: incursions per km ÷ the largest
        rate = np.stack([np.asarray(per["incursion_share"][n], dtype=float) / length
                         for n, length in zip(names, lengths, strict=True)])
        top = np.nanmax(rate, axis=0)
        rel = [_median(np.where(top > 0, r / np.where(top > 0, top, 1.0), 1.0)) for r in rate]
    rel = [r if math.isfinite(r) else 1.0 for r in rel]

    starts = np.concatenate([[0.0], np.cumsum([length for _, length in spans])[:-1]])
    widths = np.array([length for _, length in spans])
    edges = np.append(starts, starts[-1] + widths[-1])
    bars = ax.bar(starts, cover, width=widths, align="edge", color=_BLUE, alpha=0.75,
                  edgecolor="white", linewidth=2.0, gid="op_coverage",
                  label="observation-post coverage (median)")
    handles: list[Any] = [bars]
    for bar, (name, _), c in zip(bars, spans, cover, strict=True):
        bar.set_gid(f"sector:{name}")
        ax.annotate(f"{c:.2f}", (bar.get_x() + bar.get_width() / 2, c), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8,
                    color=_BLUE, gid=f"coverage_value:{name}")
    if sectors:
        (threat_line,) = [ax.stairs(rel, edges, color=_VERMILION, lw=2.2, baseline=None,
                                    gid="threat",
                                    label="relative incursion rate per km (÷ largest)")]
        handles.append(threat_line)

    refs = [("detection_probability", "detection probability (all layers)", _DARK, "-."),
            ("patrol_detection_probability", "patrol detection probability", _GREEN, "--"),
            ("sensor_coverage", "sensor coverage", _PURPLE, ":")]
    for key, text, color, ls in refs:
        if key in result.metrics:
            v = _median(result[key])
            if math.isfinite(v):
                handles.append(ax.axhline(v, color=color, ls=ls, lw=1.5, zorder=4,
                                          gid=f"ref:{key}",
                                          label=f"{text}: {v:.2f}"))

    for x0, w, (name, _) in zip(starts, widths, spans, strict=True):
        ax.text(x0 + w / 2, 1.21, name, ha="center", va="center", fontsize=8.5,
                color=_DARK, clip_on=True, gid=f"sector_name:{name}")
        if len(spans) > 1:
            ax.axvline(x0, color="#bbbbbb", lw=0.8, zorder=1)

    qrf = scenario.posture.qrf
    if qrf is not None:
        b = int(round(_quantity_median(qrf.bases)))
        xs = (np.arange(b) + 0.5) * line_med / b
        (bases,) = ax.plot(xs, np.full(b, 1.1), ls="none", marker="v", ms=7, color=_ORANGE,
                           mec=_DARK, mew=0.6, zorder=5, gid="qrf_bases",
                           label=f"QRF base ({b})")
        handles.append(bases)
    ax.axhline(1.0, color="#999999", lw=0.6, zorder=1)

    ax.set_xlim(0, edges[-1])
    ax.set_ylim(0, 1.28)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_xlabel("position along the line (km)")
    ax.set_ylabel("share of line / probability (fraction, 0–1)")
    posts_med = _median(posts)
    note = "no observation posts in the posture" if ops is None else \
        f"{posts_med:,.0f} posts filled (median) on {line_med:,.0f} km"
    ax.set_title(f"Posture along the line: {scenario.name}\n{note}", fontsize=10)
    ax.grid(True, axis="y", color="#ececec", lw=0.6)
    ax.set_axisbelow(True)
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=2,
              fontsize=8, frameon=False)
    _note(ax, "Post coverage per sector: the model's share of the sector within a post's "
              "radius (posts spread evenly over the whole line), median over samples. "
              "Horizontal lines: line-wide medians. QRF bases evenly spaced, behind the line.",
          legend=True)
    return fig


