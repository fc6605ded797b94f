"""The line on a map: sectors coloured by coverage, QRF bases and their catchments."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ._style import (
    _DARK,
    _PURPLE,
    _VERMILION,
    PlotValueError,
    _check_scenario_result,
    _median,
    _new_axes,
    _quantity_median,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..results import Result
    from ..schema import Scenario

__all__ = ["line_map"]


def _rings(geom: dict[str, Any]) -> list[list[list[float]]]:
    if geom.get("type") == "Polygon":
        return list(geom["coordinates"])
    if geom.get("type") == "MultiPolygon":
        return [ring for poly in geom["coordinates"] for ring in poly]
    return []


def line_map(scenario: Scenario, result: Result | None = None, *, ax: Axes | None = None,
             metric: str = "op_coverage", countries: bool = True) -> Figure:
    """The scenario's geographic line (``theatre.line_file``) on a map.

    Drawn without tiles or network, in longitude/latitude (degrees) with the aspect of
    the line's middle latitude:

    - the line, each sector coloured by the median over samples of its per-sector
      ``metric`` (:data:`feasim.metrics.SECTOR_METRICS`, default the observation-post
      coverage, a fraction 0–1) with a colour bar, and sector boundaries as ticks;
    - the observation posts (dots) and evenly placed sensors (squares), at
      ``(k + ½) × L / count`` along the line (the simulation shifts each grid by a
      random phase per replication; the map shows it unshifted);
    - the QRF bases (triangles) where both models place them, at the centres of equal
      catchments along the line, ``posture.qrf.depth_km`` behind it on the side
      ``theatre.behind`` names (on the line if it names none), each joined to the
      two ends of its catchment;
    - the country outlines shipped with feasim (Natural Earth 1:10m, around Ukraine)
      when ``countries`` and they overlap the line's area.

    Parameters
    ----------
    scenario:
        A scenario with ``theatre.line_file``.
    result:
        Its result (analytic or simulation); evaluated with :func:`feasim.evaluate` if
        None.
    ax:
        Axes to draw into; a new 8 × 7 inch figure if None.

    Raises
    ------
    PlotTypeError
        ``scenario`` is not a Scenario.
    PlotValueError
        The scenario has no ``line_file``, or the result no per-sector ``metric``.
    """
    from .. import geo

    _check_scenario_result("line_map", scenario, result)
    th = scenario.theatre
    line_km = _quantity_median(th.line_km)   # a constant with a line file
    if th.line_file is None:
        raise PlotValueError("line_map: the scenario has no theatre.line_file (a line on a "
                             "map needs its geometry)")
    parts = geo.read_line(geo.resolve(th.line_file))
    if result is None:
        from ..models import evaluate

        result = evaluate(scenario)
    names = [s.name for s in th.sectors] if th.sectors else ["line"]
    per = result.by_sector.get(metric)
    if per is None or any(n not in per for n in names):
        raise PlotValueError(f"line_map: the {result.method} result has no per-sector "
                             f"{metric!r} for the sectors {', '.join(names)}")
    values = [_median(np.asarray(per[n], dtype=float)) for n in names]
    lengths = [s.length_km for s in th.sectors] if th.sectors else [line_km]

    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    fig, ax = _new_axes(ax, (8, 7))
    cmap, norm = colormaps["viridis"], Normalize(0.0, 1.0)
    all_lon = [p[0] for part in parts for p in part]
    all_lat = [p[1] for part in parts for p in part]
    pad = 0.5
    box = (min(all_lon) - pad, max(all_lon) + pad, min(all_lat) - pad, max(all_lat) + pad)
    if countries:
        for f in geo.countries().get("features", []):
            name = (f.get("properties") or {}).get("name", "")
            for ring in _rings(f.get("geometry") or {}):
                xs, ys = zip(*[(p[0], p[1]) for p in ring], strict=True)
                if max(xs) < box[0] or min(xs) > box[1] or max(ys) < box[2] or min(ys) > box[3]:
                    continue
                ax.fill(xs, ys, facecolor="#f2f2f2", edgecolor="#9a9a9a", lw=0.6, zorder=0,
                        gid=f"country:{name}")
    # each sector: the stretch of the line between its marks, sampled every ~2 km
    start = 0.0
    for name, length, v in zip(names, lengths, values, strict=True):
        km = np.linspace(start, start + length, max(2, int(length / 2) + 2))
        lon, lat, _ = geo.points_along(parts, km)
        colour = cmap(norm(v)) if math.isfinite(v) else "#bbbbbb"
        ax.plot(lon, lat, color=colour, lw=4, solid_capstyle="butt", zorder=3,
                gid=f"sector:{name}")
        start += length
    marks = np.cumsum(lengths)[:-1]
    if len(marks):
        lon, lat, _ = geo.points_along(parts, marks)
        ax.scatter(lon, lat, marker="|", s=180, color=_DARK, zorder=4, gid="sector_boundaries")
    for metric_name, marker, colour, what in (("observation_posts", "o", _DARK, "posts"),
                                               ("sensors", "s", _PURPLE, "sensors")):
        count = int(round(_median(np.asarray(result.metrics.get(metric_name, 0.0),
                                             dtype=float))))
        if count > 0:
            lon, lat, _ = geo.points_along(parts, geo.grid_positions_km(line_km,
                                                                         count))
            ax.scatter(lon, lat, marker=marker, s=6 if count > 200 else 14, color=colour,
                       zorder=4, gid=what, label=f"{what} ({count:,}, evenly spaced)")
    qrf = scenario.posture.qrf
    if qrf is not None:
        bases = int(round(_median(np.asarray(result.metrics.get(
            "qrf_bases_manned", np.asarray(float(_median(np.asarray(qrf.bases, dtype=float))))),
            dtype=float))))
        if bases > 0:
            at = geo.base_positions_km(line_km, bases)
            lon, lat, az = geo.points_along(parts, at)
            depth = _median(np.asarray(qrf.depth_km, dtype=float)) if th.behind else 0.0
            if th.behind:
                lon, lat = geo.behind(lon, lat, az, depth, th.behind)
            width = line_km / bases
            ends_lon, ends_lat, _ = geo.points_along(parts, np.arange(bases + 1) * width)
            for j in range(bases):
                ax.plot([ends_lon[j], lon[j], ends_lon[j + 1]], [ends_lat[j], lat[j],
                        ends_lat[j + 1]], color=_VERMILION, lw=0.7, alpha=0.6, zorder=2,
                        gid=f"catchment:{j}")
            ax.scatter(lon, lat, marker="^", s=60, color=_VERMILION, edgecolor="white",
                       zorder=5, gid="bases", label=f"QRF bases ({bases}, "
                       + (f"{depth:g} km behind the line)" if th.behind else "on the line)"))
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_aspect(1.0 / math.cos(math.radians((box[2] + box[3]) / 2)))
    ax.set_xlabel("longitude (degrees east)")
    ax.set_ylabel("latitude (degrees north)")
    ax.set_title(f"{scenario.name}: {line_km:,.0f} km line", fontsize=10)
    bar = fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.7)
    bar.set_label(f"{metric.replace('_', ' ')} by sector (median, fraction)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="lower left", fontsize=8)
    return fig
