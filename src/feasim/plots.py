"""Figures of results, reference data, sensitivity and minimum force (matplotlib).

Every function draws with :class:`matplotlib.figure.Figure` directly (no
``pyplot``): nothing opens a window and no global state changes, so the
functions are safe in scripts, servers and tests. Each returns the
:class:`~matplotlib.figure.Figure` so that it can be restyled or saved
(``fig.savefig("density.png", dpi=150)``); most take ``ax=`` to draw into
existing axes instead of a new figure. Axis labels carry units.

matplotlib is an optional dependency: ``pip install "feasim[plots]"``.
``import feasim.plots`` works without it; calling a function raises
:class:`~feasim.errors.MissingDependency`.

>>> import feasim
>>> from feasim import plots
>>> s = feasim.load_scenario("scenarios/claims/c02-experts-100k-in-theatre.yaml")  # doctest: +SKIP
>>> fig = plots.density_chart(s)                                                    # doctest: +SKIP
>>> fig.savefig("density.png", dpi=150)                                             # doctest: +SKIP
"""

from __future__ import annotations

import math
import re
import textwrap
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from .errors import MissingDependency
from .metrics import METRICS, SERIES_UNITS

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .frontier import Frontier
    from .results import Result
    from .schema import Scenario
    from .sensitivity import MorrisResult, SobolResult, TornadoResult

__all__ = [
    "density_chart",
    "metric_distributions",
    "posture_by_sector",
    "strength_fan_chart",
    "sensitivity_chart",
    "frontier_chart",
    "DEFAULT_METRICS",
]

#: Metrics shown by :func:`metric_distributions` when a result has no criteria.
DEFAULT_METRICS = ("troops_per_km", "fill_ratio", "detection_probability", "response_hours_p90")

_INSTALL = 'plots need matplotlib: pip install "feasim[plots]"'

# Colours (colour-blind safe, Okabe–Ito), one meaning each across the figures.
_BLUE, _ORANGE, _GREEN, _VERMILION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
_PURPLE, _SKY, _GREY, _DARK = "#CC79A7", "#56B4E9", "#8c8c8c", "#333333"

_DENSITY_NOTE = ("Sources: feasim.refdata (facts.md); densities are troops per km of line. "
                 "Markers at the middle of each range (geometric mean), bars span the range.")


# ------------------------------------------------------------------ helpers


def _figure_cls() -> type:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingDependency(_INSTALL) from None
    return Figure


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The axes to draw into, and the (root) figure that holds them."""
    figure_cls = _figure_cls()
    if ax is None:
        fig = figure_cls(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot()
    return _root(ax, figure_cls), ax


def _root(ax: Axes, figure_cls: type) -> Figure:
    fig = ax.figure
    while not isinstance(fig, figure_cls):  # a SubFigure: climb to the figure
        fig = fig.figure
    return fig


def _thousands(x: float) -> str:
    """A count with thousands separators: 100000 → '100,000'; 2.5 → '2.5'."""
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 100 or x == int(x):
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _density_text(x: float) -> str:
    """Troops per km as refdata prints them: whole from 10 up, one decimal below."""
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def _log_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    def fmt(x: float, _pos: int) -> str:
        if x <= 0:
            return ""
        if x >= 1:
            return f"{x:,.0f}"
        return f"{x:g}"

    return FuncFormatter(fmt)


def _unit(name: str) -> str:
    if name in METRICS:
        return METRICS[name].unit
    if name == "feasible":
        return "probability"
    return ""


def _axis_label(name: str, unit: str | None = None) -> str:
    unit = _unit(name) if unit is None else unit
    return f"{name} ({unit})" if unit else name


def _median(values: np.ndarray | float) -> float:
    """Median over the samples where the value is defined; inf counts as a value."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[~np.isnan(v)]
    return float(np.median(v)) if v.size else math.nan


def _percent(x: float) -> str:
    p = 100.0 * x
    if p == 0 or p == 100:
        return f"{p:.0f}%"
    if p < 1 or p > 99:
        return f"{p:.1f}%"
    return f"{p:.0f}%"


# ------------------------------------------------------------------ label placement


@dataclass
class _Label:
    x: float
    y: float
    text: str
    gid: str
    color: str = _DARK
    fontsize: float = 8.0
    weight: str = "normal"
    pad: float = 0.0
    """Radius of the marker beyond a normal one (points): labels start this much further."""
    prefer: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 7)
    """Indices into the directions, most preferred first."""


# Offsets (points) tried around a point, in order of preference.
_DIRECTIONS = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1)]
_EXTRA = [(1, 0.5), (-1, 0.5), (1, -0.5), (-1, -0.5), (0.5, 1), (-0.5, 1), (0.5, -1),
          (-0.5, -1)]


def _text_size_px(text: str, fontsize: float, dpi: float,
                  weight: str = "normal") -> tuple[float, float]:
    """Rendered size of ``text`` (pixels), from the font's metrics: no renderer needed."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(size=fontsize, weight=weight)
    lines = text.split("\n")
    w = max(text_to_path.get_text_width_height_descent(s or " ", prop, ismath=False)[0]
            for s in lines)
    h = len(lines) * 1.2 * fontsize
    return w * dpi / 72.0, h * dpi / 72.0


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _place_labels(ax: Axes, labels: list[_Label], obstacles: list[tuple[float, ...]]) -> None:
    """Annotate each point, greedily choosing the offset that overlaps least.

    Candidates are eight directions at two distances (the far one gets a thin
    leader line); each is scored by its overlap with labels already placed,
    with ``obstacles`` (display boxes of markers and error bars) and with the
    outside of the axes. Sizes are estimated, so the result does not depend on
    a renderer; call after the axis limits are final.
    """
    fig = ax.figure
    dpi = fig.dpi
    frame = ax.bbox.extents
    placed: list[tuple[float, ...]] = []
    for lab in labels:
        px, py = ax.transData.transform((lab.x, lab.y))
        w, h = _text_size_px(lab.text, lab.fontsize, dpi, lab.weight)
        best: tuple[float, tuple[float, float], str, str, bool] | None = None
        for rank, (dist, far) in enumerate(((7.0, False), (20.0, True), (34.0, True),
                                            (50.0, True), (70.0, True))):
            dirs = [_DIRECTIONS[i] for i in lab.prefer] + (_EXTRA if far else [])
            for order, (ux, uy) in enumerate(dirs):
                d = dist + lab.pad
                dx, dy = ux * d, uy * d * 0.8
                ox, oy = px + dx * dpi / 72.0, py + dy * dpi / 72.0
                x0 = ox if ux > 0 else ox - w if ux < 0 else ox - w / 2
                y0 = oy if uy > 0 else oy - h if uy < 0 else oy - h / 2
                box = (x0, y0, x0 + w, y0 + h)
                inside = _overlap(box, frame)
                score = 6.0 * (w * h - inside)
                score += sum(6.0 * _overlap(box, b) for b in placed)
                score += sum(5.0 * _overlap(box, b) for b in obstacles)
                score += rank * 0.03 * w * h + order * 0.01 * w * h
                if best is None or score < best[0]:
                    ha = "left" if ux > 0 else "right" if ux < 0 else "center"
                    va = "bottom" if uy > 0 else "top" if uy < 0 else "center"
                    best = (score, (dx, dy), ha, va, far, box)
        assert best is not None
        _, (dx, dy), ha, va, far, box = best
        placed.append(box)
        relpos = ({"left": 0.0, "center": 0.5, "right": 1.0}[ha],
                  {"bottom": 0.0, "center": 0.5, "top": 1.0}[va])
        arrow = dict(arrowstyle="-", color=lab.color, lw=0.6, alpha=0.7, relpos=relpos,
                     shrinkA=1, shrinkB=4 + lab.pad) if far else None
        ax.annotate(lab.text, (lab.x, lab.y), xytext=(dx, dy), textcoords="offset points",
                    ha=ha, va=va, fontsize=lab.fontsize, color=lab.color,
                    fontweight=lab.weight, gid=lab.gid, arrowprops=arrow,
                    annotation_clip=False)


def _renderer(fig: Figure) -> Any:
    """A renderer to measure artists with: the canvas's own, else an off-screen Agg one."""
    get = getattr(fig.canvas, "get_renderer", None)
    if get is not None:
        return get()
    from matplotlib.backends.backend_agg import RendererAgg

    w, h = fig.bbox.size
    return RendererAgg(int(w), int(h), fig.dpi)


def _point_box(ax: Axes, x: float, y: float, r: float = 8.0) -> tuple[float, ...]:
    px, py = ax.transData.transform((x, y))
    return (px - r, py - r, px + r, py + r)


def _span_box(ax: Axes, x0: float, y0: float, x1: float, y1: float,
              pad: float = 2.0) -> tuple[float, ...]:
    (a, b), (c, d) = ax.transData.transform([(x0, y0), (x1, y1)])
    return (min(a, c) - pad, min(b, d) - pad, max(a, c) + pad, max(b, d) + pad)


# ------------------------------------------------------------------ 1. density chart


_NUMBER = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(\s*km)?")
_TROOPS = re.compile(r"\b(men|troops|peacekeepers|soldiers|personnel)\b", re.IGNORECASE)
_AT_LEAST = re.compile(r"at least|minimum|more than|over\b", re.IGNORECASE)


@dataclass(frozen=True)
class _ClaimPoint:
    id: str
    low: float
    high: float
    line_km: float
    line_from: str | None  # id of the claim that gives the line, if not this one
    at_least: bool

    @property
    def label(self) -> str:
        troops = _thousands(self.low) if self.low == self.high \
            else f"{_thousands(self.low)}–{_thousands(self.high)}"
        if self.at_least:
            troops = "≥" + troops
        return f"{self.id}: {troops} on {_thousands(self.line_km)} km"

    @property
    def note(self) -> str:
        """Second line of the label: the density, and where the line comes from."""
        lo, hi = self.low / self.line_km, self.high / self.line_km
        dens = _density_text(lo) if lo == hi else f"{_density_text(lo)}–{_density_text(hi)}"
        return f"= {dens} /km" + (f" (line of {self.line_from})" if self.line_from else "")


def _claim_numbers(text: str) -> tuple[list[float], list[float]]:
    """(persons figures, km figures) quoted in a claim's figure text."""
    persons, kms = [], []
    for m in _NUMBER.finditer(text):
        value = float(m.group(1).replace(",", ""))
        (kms if m.group(2) else persons).append(value)
    return persons, kms


def _claim_points(ids: Sequence[str]) -> list[_ClaimPoint]:
    """Troop figures and line lengths of claims, read from their quoted figures."""
    from . import refdata

    known = refdata.claims()
    line_claim, default_line = None, 1200.0
    for cid, c in known.items():  # the claim that states the line (C1)
        _, kms = _claim_numbers(c.figure)
        if kms and not _TROOPS.search(c.figure):
            line_claim, default_line = cid, kms[0]
            break
    out = []
    for cid in ids:
        if cid not in known:
            raise ValueError(f"unknown claim {cid!r}; known: {', '.join(known)}")
        c = known[cid]
        persons, kms = _claim_numbers(c.figure)
        if not persons or not _TROOPS.search(c.figure):
            raise ValueError(f"claim {cid} states no troop figure ({c.figure}); "
                             "claims with one: C2, C3, C4")
        line = kms[0] if kms else default_line
        out.append(_ClaimPoint(id=cid, low=min(persons), high=max(persons), line_km=line,
                               line_from=None if kms else line_claim,
                               at_least=bool(_AT_LEAST.search(c.figure))))
    return out


def _scenario_line_km(scenario: Scenario | None, result: Result | None) -> float:
    """The scenario's line length (km): its median if the length is uncertain."""
    if result is not None and "theatre.line_km" in result.inputs:
        return _median(result.inputs["theatre.line_km"])
    if scenario is not None:
        return _quantity_median(scenario.theatre.line_km)
    assert result is not None
    with np.errstate(all="ignore"):
        return _median(result["in_theatre_troops"] / result["troops_per_km"])


def _quantity_median(q: Any) -> float:
    """A scenario quantity as one number: the value, or a distribution's median."""
    if hasattr(q, "ppf"):
        return float(np.asarray(q.ppf(np.array([0.5])))[0])
    return float(q)


def _iso_lines(ax: Axes, xlim: tuple[float, float], ylim: tuple[float, float],
               obstacles: list[tuple[float, ...]]) -> None:
    """Faint lines of constant total strength N (troops per km = N / km), labelled.

    Each label runs along its line and ends just inside the frame where the line
    leaves the plot at the bottom or the right, a corner with little data.
    """
    xs = np.geomspace(*xlim, 64)
    fig = ax.figure
    for n in (1e3, 1e4, 1e5, 1e6):
        ys = n / xs
        if ys.max() < ylim[0] or ys.min() > ylim[1]:
            continue
        ax.plot(xs, ys, color=_GREY, lw=0.7, ls=(0, (4, 3)), alpha=0.55, zorder=0.5,
                gid=f"iso:{int(n)}")
        x_end = min(xlim[1], n / ylim[0])  # exit: right edge, or bottom edge
        x_lab = x_end / 1.12
        y_lab = n / x_lab
        if y_lab > ylim[1]:
            continue
        (x0, y0), (x1, y1) = ax.transData.transform([(x_lab / 2, y_lab * 2), (x_lab, y_lab)])
        angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
        text = f"{_thousands(n)} troops in total"
        ax.text(x_lab, y_lab, text, rotation=angle, rotation_mode="anchor", ha="right",
                va="bottom", fontsize=7, color=_GREY, style="italic", zorder=0.6,
                gid=f"iso_label:{int(n)}")
        w, h = _text_size_px(text, 7, fig.dpi)
        # The rotated label as a chain of small boxes (its bounding box would be far too big).
        c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        steps = max(1, int(w // h))
        for i in range(steps + 1):
            a = -w * i / steps
            cx, cy = x1 + a * c - h / 2 * s, y1 + a * s + h / 2 * c
            obstacles.append((cx - h / 2, cy - h / 2, cx + h / 2, cy + h / 2))


def density_chart(scenario: Scenario | None = None, result: Result | None = None, *,
                  claims: Sequence[str] = ("C2", "C3", "C4"), iso_lines: bool = True,
                  ax: Axes | None = None, requirements: Any = None) -> Figure:
    """Troops per km of line against line length, with history and the claims.

    Both axes are logarithmic. Drawn:

    - every historical mission of :func:`feasim.refdata.missions` that has a
      line (strength ÷ line length): a marker at the geometric middle of its
      ranges, bars from ``line_km_low`` to ``line_km_high`` (km) and from
      ``density_low`` to ``density_high`` (persons/km); missions whose density
      is an upper bound (IFOR) or not a peacekeeping density (Korean DMZ) are
      marked as such;
    - the ``claims`` (default C2, C3 and C4): their troop figures (persons) as
      quoted in :func:`feasim.refdata.claims`, on their own line length or, if
      they give none, on the line of the claim that does (C1, 1,200 km; the
      label says so); a range (C3) is drawn as a bar;
    - the scenario, if given: its line length and the median troops per km of
      ``result`` (evaluated with :func:`feasim.evaluate` if ``result`` is
      None), with its 5–95% range as a bar;
    - with ``iso_lines``, faint lines of constant total strength (1,000 to
      1,000,000 troops: troops per km = N ÷ km).

    Parameters
    ----------
    scenario:
        The scenario to place (optional).
    result:
        A result of ``scenario`` (analytic or simulation) with the metric
        ``troops_per_km`` (persons/km). Without ``scenario`` the result alone is
        placed, at the line length implied by its metrics.
    claims:
        Claim ids with a troop figure (C2, C3, C4); ``()`` for none.
    iso_lines:
        Draw the lines of constant total strength.
    ax:
        Axes to draw into; a new 8 × 6 inch figure if None.
    requirements:
        The result of :func:`feasim.requirements.requirements` for ``scenario``: each
        method's median requirement in theatre ÷ the scenario's line is drawn as a
        bar at that line (gid ``requirement:<method>``), so the claim sits against
        every method.

    Returns
    -------
    matplotlib.figure.Figure
        Artists carry ``gid``\\ s: ``mission:<key>``, ``claim:<id>``, ``scenario``
        (markers and their labels alike), ``iso:<N>``.
    """
    from . import refdata

    fig, ax = _new_axes(ax, (8, 6))
    ax.set_xscale("log")
    ax.set_yscale("log")

    # ---- data
    missions = [m for m in refdata.missions() if m.has_line and m.density_low is not None]
    claim_pts = _claim_points(claims)
    scen = None
    if scenario is not None or result is not None:
        if result is None:
            from .analytic import evaluate

            result = evaluate(scenario)
        if "troops_per_km" not in result.metrics:
            raise ValueError(f"result of {result.scenario!r} has no metric troops_per_km")
        tpk = np.asarray(result["troops_per_km"], dtype=float)
        tpk = tpk[np.isfinite(tpk)]
        if tpk.size == 0:
            raise ValueError(f"result of {result.scenario!r}: troops_per_km is undefined "
                             "in every sample")
        name = scenario.name if scenario is not None else result.scenario
        scen = (name, _scenario_line_km(scenario, result), float(np.median(tpk)),
                float(np.percentile(tpk, 5)), float(np.percentile(tpk, 95)),
                float(np.mean(tpk <= 0)))

    # ---- limits: everything inside, with room for labels
    xs = [v for m in missions for v in (m.line_km_low, m.line_km_high)]
    ys = [v for m in missions for v in (m.density_low, m.density_high)]
    xs += [c.line_km for c in claim_pts]
    ys += [v for c in claim_pts for v in (c.low / c.line_km, c.high / c.line_km)]
    ys = [v for v in ys if v and v > 0] or [1.0, 100.0]
    if scen is not None:  # the scenario's range, but not down to a sliver of a troop per km
        xs.append(scen[1])
        floor = min(ys) / 10.0
        ys += [v for v in scen[2:5] if v >= floor]
    xs = [v for v in xs if v and v > 0] or [100.0, 1000.0]
    xlim = (min(xs) / 2.5, max(xs) * 5.0)
    ylim = (min(ys) / 3.0, max(ys) * 3.0)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)

    obstacles: list[tuple[float, ...]] = []
    labels: list[_Label] = []
    if iso_lines:
        _iso_lines(ax, xlim, ylim, obstacles)

    # ---- missions
    styles = {
        "comparable": dict(marker="o", mfc=_BLUE, mec="white", color=_BLUE,
                           label="historical mission (line density)"),
        "upper_bound": dict(marker="o", mfc="white", mec=_BLUE, color=_BLUE,
                            label="historical mission, upper bound (other tasks too)"),
        "not_comparable": dict(marker="s", mfc="white", mec=_GREY, color=_GREY,
                               label="not a peacekeeping density (whole army on the line)"),
    }
    seen: set[str] = set()
    for m in missions:
        x = math.sqrt(m.line_km_low * m.line_km_high) if m.density_line_km is None \
            else m.density_line_km
        y = math.sqrt(m.density_low * m.density_high)
        st = dict(styles.get(m.comparability, styles["comparable"]))
        label = st.pop("label")
        xerr = [[x - m.line_km_low], [m.line_km_high - x]]
        yerr = [[y - m.density_low], [m.density_high - y]]
        c = ax.errorbar([x], [y], xerr=xerr, yerr=yerr, ms=7, mew=1.3, elinewidth=1.1,
                        capsize=2.5, ls="none", zorder=3,
                        label=label if m.comparability not in seen else None, **st)
        seen.add(m.comparability)
        c.lines[0].set_gid(f"mission:{m.key}")
        obstacles.append(_point_box(ax, x, y))
        obstacles.append(_span_box(ax, m.line_km_low, y, m.line_km_high, y))
        obstacles.append(_span_box(ax, x, m.density_low, x, m.density_high))
        text = m.short_name
        if m.comparability == "upper_bound":
            text += " (upper bound)"
        elif m.comparability == "not_comparable":
            text += " (not comparable)"
        labels.append(_Label(x, y, f"{text}\n{refdata.density_range_text(m)}",
                             f"mission:{m.key}", color=st["color"] if st["color"] != _BLUE
                             else "#1f3f66"))

    # ---- claims
    for i, c in enumerate(claim_pts):
        y_lo, y_hi = c.low / c.line_km, c.high / c.line_km
        y = math.sqrt(y_lo * y_hi)
        yerr = [[y - y_lo], [y_hi - y]] if y_hi > y_lo else None
        art = ax.errorbar([c.line_km], [y], yerr=yerr, marker="D", ms=7, mfc=_ORANGE,
                          mec=_DARK, mew=0.8, color=_ORANGE, elinewidth=2.2, capsize=3,
                          ls="none", zorder=5,
                          label="claim (troops as quoted ÷ line)" if i == 0 else None)
        art.lines[0].set_gid(f"claim:{c.id}")
        obstacles.append(_point_box(ax, c.line_km, y))
        obstacles.append(_span_box(ax, c.line_km, y_lo, c.line_km, y_hi, pad=3))
        labels.append(_Label(c.line_km, y, f"{c.label}\n{c.note}", f"claim:{c.id}",
                             color="#8a5a00", prefer=(0, 4, 6, 1, 5, 7, 2, 3)))

    # ---- the scenario
    if scen is not None:
        name, line, med, p05, p95, none = scen
        # A density of 0 has no place on a log axis: the marker sits on the bottom edge.
        y = med if med > 0 else ylim[0] * 1.08
        yerr = [[max(0.0, y - max(p05, ylim[0]))], [max(0.0, p95 - y)]]
        art = ax.errorbar([line], [y], yerr=yerr, marker="*", ms=17, mfc=_VERMILION,
                          mec=_DARK, mew=0.8, color=_VERMILION, elinewidth=1.6, capsize=4,
                          ls="none", zorder=4,
                          label="this scenario (median, 5–95% range)")
        art.lines[0].set_gid("scenario")
        art.lines[0].set_clip_on(False)
        obstacles.append(_point_box(ax, line, y, 15))
        obstacles.append(_span_box(ax, line, max(p05, ylim[0]), line, max(p95, y), pad=3))
        rng = "" if p05 == p95 else f" (5–95%: {_density_text(p05)}–{_density_text(p95)})"
        text = f"{name}\nmedian {_density_text(med)} /km{rng}"
        if none > 0:
            text += f"\nno troops in {_percent(none)} of samples"
        labels.insert(0, _Label(line, y, text, "scenario",
                                color="#8f2f00", weight="bold", pad=5.0,
                                prefer=(1, 7, 5, 3, 6, 0, 2, 4)))

    # ---- requirement by method, at the scenario's line
    if requirements and scen is not None:
        line = scen[1]
        first = True
        for method, req in requirements.items():
            if not req.applies:
                continue
            p50 = float(np.median(np.asarray(req.in_theatre, dtype=float)))
            if not (math.isfinite(p50) and p50 > 0):
                continue
            y = p50 / line
            art = ax.plot([line], [y], marker="_", ms=22, mew=2.2, color="#5a5a5a", ls="none",
                          zorder=4, label="requirement by method (median)" if first else None)
            first = False
            art[0].set_gid(f"requirement:{method}")
            obstacles.append(_point_box(ax, line, y, 11))
            labels.append(_Label(line, y, f"{method.replace('_', ' ')} {_density_text(y)} /km",
                                 f"requirement:{method}", color="#3a3a3a",
                                 prefer=(3, 2, 1, 0, 4, 5, 6, 7)))

    legend = ax.legend(loc="upper right", fontsize=7.5, framealpha=0.92, borderpad=0.6)
    obstacles.append(tuple(legend.get_window_extent(_renderer(fig)).extents))
    _place_labels(ax, labels, obstacles)

    ax.xaxis.set_major_formatter(_log_formatter())
    ax.yaxis.set_major_formatter(_log_formatter())
    ax.set_xlabel("line length (km)")
    ax.set_ylabel("troops per km of line (persons/km)")
    ax.set_title("Troops per km of line: history, claims and this scenario" if scen is not None
                 else "Troops per km of line: history and claims")
    ax.grid(True, which="major", color="#e6e6e6", lw=0.6, zorder=0)
    ax.set_axisbelow(True)
    _note(ax, _DENSITY_NOTE)
    return fig


def _note(ax: Axes, text: str, *, legend: bool = False) -> None:
    """Small print below the x label (or a legend under the axes), inside the figure."""
    below = ax.get_legend() if legend else ax.xaxis.label
    # a little less than the axes' width (constrained layout may narrow them still)
    width_pt = _root(ax, _figure_cls()).get_figwidth() * ax.get_position().width * 72.0 * 0.8
    text = "\n".join(textwrap.wrap(text, max(40, int(width_pt / (0.52 * 6.5)))))
    ax.annotate(text, xy=(0.0, 0.0), xycoords=("axes fraction", below),
                xytext=(0, -4), textcoords="offset points", ha="left", va="top",
                fontsize=6.5, color="#555555", gid="note")


# ------------------------------------------------------------------ 2. distributions


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
    ValueError
        An unknown metric, one the result does not hold, or the wrong number
        of axes.
    """
    if metrics is None:
        names = list(result.criteria) or [m for m in DEFAULT_METRICS if m in result.metrics]
    else:
        names = [metrics] if isinstance(metrics, str) else list(metrics)
    if not names:
        raise ValueError("no metrics to show: name some (see 'feasim metrics')")
    for n in names:
        if n not in METRICS:
            raise ValueError(f"unknown metric {n!r}; known: {', '.join(METRICS)}")
        if n not in result.metrics:
            raise ValueError(f"metric {n!r} is not in this {result.method} result of "
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
            raise ValueError(f"got {len(axes)} axes for {len(names)} metrics "
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
        ax.hist(finite, bins=edges, weights=np.full(finite.size, 1.0 / n), color=_BLUE,
                alpha=0.85, edgecolor="white", linewidth=0.4, gid=f"hist:{name}")
    ax.set_xlim(x0, x1)
    ax.set_xlabel(_axis_label(name))
    ax.set_ylabel("share of samples (fraction)")
    ax.set_title("\n".join(textwrap.wrap(METRICS[name].description, 48)), fontsize=9)

    if crit is not None:
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


# ------------------------------------------------------------------ 3. posture by sector


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
    none). Per sector:

    - **observation-post coverage** (bars, value written on top): the median
      over samples of ``min(1, posts × 2 × radius × visibility ÷ line)``, the
      post coverage of :mod:`feasim.model.coverage` for that sector, with the
      filled posts of the result's ``observation_posts`` metric (posts are
      spread evenly over the whole line) and the sampled radius and visibility
      (their medians where the result did not draw them, e.g. a simulation
      result);
    - **relative threat** (step line, only with sectors): the sector's threat
      ÷ the largest sector threat (medians; 1 = the most threatened sector
      per km).

    Line-wide reference lines (medians over samples): patrol detection
    probability, sensor coverage and the combined detection probability.
    Triangles along the top mark the QRF bases (evenly spaced along the line,
    ``depth_km`` behind it). The y axis is a fraction (0–1).

    Parameters
    ----------
    scenario:
        The scenario (its sectors, radius and QRF bases).
    result:
        A result of the scenario; evaluated with :func:`feasim.evaluate` if None.
    ax:
        Axes to draw into; a new 9 × 5 inch figure if None.
    """
    fig, ax = _new_axes(ax, (9, 5))
    if result is None:
        from .analytic import evaluate

        result = evaluate(scenario)
    theatre = scenario.theatre
    sectors = theatre.sectors or ()
    line = _per_sample(result, "theatre.line_km", theatre.line_km)
    line_med = _median(line)
    if sectors:
        spans = [(sec.name, sec.length_km) for sec in sectors]
    else:
        spans = [("whole line (no sectors)", line_med)]

    ops = scenario.posture.observation_posts
    posts = np.asarray(result.metrics.get("observation_posts", np.zeros(1)), dtype=float)
    threat, cover = [], []
    for sec in sectors or [None]:
        if sec is None:
            vis: Any = 1.0
            threat.append(1.0)
        else:
            base = f"theatre.sectors[{sec.name}]"
            vis = _per_sample(result, f"{base}.visibility", sec.visibility)
            threat.append(_median(_per_sample(result, f"{base}.threat", sec.threat)))
        if ops is None:
            cover.append(0.0)
            continue
        radius = _per_sample(result, "posture.observation_posts.radius_km", ops.radius_km)
        with np.errstate(all="ignore"):
            cover.append(_median(np.minimum(1.0, posts * 2.0 * radius * vis / line)))
    top = max(threat)
    rel = [t / top if top > 0 else 1.0 for t in threat]

    starts = np.concatenate([[0.0], np.cumsum([length for _, length in spans])[:-1]])
    widths = np.array([length for _, length in spans])
    edges = np.append(starts, starts[-1] + widths[-1])
    handles = []
    bars = ax.bar(starts, cover, width=widths, align="edge", color=_BLUE, alpha=0.75,
                  edgecolor="white", linewidth=2.0, gid="op_coverage",
                  label="observation-post coverage (median)")
    handles.append(bars)
    for bar, (name, _), c in zip(bars, spans, cover, strict=True):
        bar.set_gid(f"sector:{name}")
        ax.annotate(f"{c:.2f}", (bar.get_x() + bar.get_width() / 2, c), xytext=(0, 2),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8,
                    color=_BLUE, gid=f"coverage_value:{name}")
    if sectors:
        (threat_line,) = [ax.stairs(rel, edges, color=_VERMILION, lw=2.2, baseline=None,
                                    gid="threat",
                                    label="relative threat per km (÷ largest)")]
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
    _note(ax, "Post coverage per sector = min(1, posts × 2 × radius × visibility ÷ line), "
              "median over samples; posts are spread evenly over the whole line. Horizontal "
              "lines: line-wide medians. QRF bases evenly spaced, behind the line.",
          legend=True)
    return fig


# ------------------------------------------------------------------ 4. fan chart


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
    ValueError
        The result has no daily series (an analytic result) or not this one.
    """
    if not sim_result.series:
        raise ValueError(f"strength_fan_chart needs a simulation result (feasim simulate); "
                         f"this {sim_result.method} result of {sim_result.scenario!r} has "
                         "no daily series")
    if series not in sim_result.series:
        raise ValueError(f"no series {series!r} in this result; it has: "
                         f"{', '.join(sim_result.series)}")
    table = np.asarray(sim_result.series[series], dtype=float)
    if table.ndim != 2 or table.shape[1] == 0:
        raise ValueError(f"series {series!r} must be replication × day; got shape "
                         f"{table.shape}")
    fig, ax = _new_axes(ax, (8, 4.5))
    days = np.arange(table.shape[1])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # days undefined everywhere
        p05, p25, p50, p75, p95 = np.nanpercentile(table, [5, 25, 50, 75, 95], axis=0)
    ax.fill_between(days, p05, p95, color=_BLUE, alpha=0.18, lw=0,
                    label="90% of replications (5th–95th percentile)", gid="band90")
    ax.fill_between(days, p25, p75, color=_BLUE, alpha=0.38, lw=0,
                    label="50% of replications (25th–75th percentile)", gid="band50")
    ax.plot(days, p50, color=_BLUE, lw=2.0, label="median", gid="median")
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
    ax.set_title(f"{sim_result.scenario}: {series} by day across {table.shape[0]} "
                 "replications", fontsize=10)
    ax.grid(True, color="#ececec", lw=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="best", fontsize=8)
    return fig


# ------------------------------------------------------------------ 5. sensitivity


def _short(name: str, groups: dict[str, tuple[str, ...]] | None = None,
           width: int = 38) -> str:
    """A readable factor name, e.g. ``event:contributors[France].honour`` → ``France: pledge
    honoured``; ``posture.`` is dropped, long names are cut in the middle (``…``)."""
    grouped = groups is not None and len(groups.get(name, ())) > 1
    m = re.fullmatch(r"event:contributors\[(.+)\]\.honour", name)
    if m:
        who = m.group(1) if len(m.group(1)) <= 24 else m.group(1)[:22].rstrip() + "…"
        s = f"{who}: pledge honoured"
    elif (m := re.fullmatch(r"event:conditions\.(.+)", name)):
        s = f"condition {m.group(1)} holds"
    elif (m := re.fullmatch(r"contributors\[(.+)\](?:\.(.+))?", name)):
        who = m.group(1) if len(m.group(1)) <= 24 else m.group(1)[:22].rstrip() + "…"
        s = f"{who}: {m.group(2).replace('_', ' ')}" if m.group(2) else f"{who} (contributor)"
    elif (m := re.fullmatch(r"conditions\.(.+)", name)):
        s = f"{m.group(1)} (condition)" if grouped else f"P({m.group(1)})"
    elif (m := re.fullmatch(r"theatre\.sectors\[(.+)\]\.(.+)", name)):
        s = f"sector {m.group(1)}: {m.group(2)}"
    else:
        s = re.sub(r"^posture\.", "", name)
        if s.startswith("observation_posts."):
            s = "posts." + s[len("observation_posts."):]
    if grouped and not s.endswith(")"):
        s += " (group)"
    if len(s) > width:
        keep = width - 1
        s = s[: keep // 2] + "…" + s[-(keep - keep // 2):]
    return s


def _short_names(factors: Sequence[str], groups: dict[str, tuple[str, ...]]) -> list[str]:
    out = [_short(f, groups) for f in factors]
    dup = {s for s in out if out.count(s) > 1}
    return [f if s in dup else s for f, s in zip(factors, out, strict=True)]


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
    ValueError
        Not a sensitivity result, or ``top`` < 1.
    """
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be a whole number >= 1; got {top!r}")
    method = getattr(sens_result, "method", None)
    if method not in ("tornado", "sobol", "morris"):
        raise ValueError("sensitivity_chart needs a tornado, morris or sobol result "
                         f"(feasim.sensitivity); got {type(sens_result).__name__}")
    factors = sens_result.ranking()[: int(top)]
    names = _short_names(factors, sens_result.groups)
    output = sens_result.output
    unit = _unit(output)
    k = len(factors)
    height = 1.2 + 0.32 * k if method != "morris" else 5.5
    fig, ax = _new_axes(ax, (8, max(3.0, height)))
    shown = f"top {k} of {len(sens_result.factors)}" if k < len(sens_result.factors) \
        else f"{k} factors"

    if method == "tornado":
        base = sens_result.base_output
        low, high = sens_result.low, sens_result.high
        ys = np.arange(k)[::-1]
        q_lo, q_hi = sens_result.quantiles
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
        ax.set_title(f"Tornado: {output} ({shown}, by swing)", fontsize=10)
        ax.legend(loc="best", fontsize=8)
        ax.grid(True, axis="x", color="#ececec", lw=0.6)
        if still:
            _note(ax, f"Grey: no change in {output} between the two quantiles "
                      f"({len(still)} of {k}).")
    elif method == "sobol":
        first, total = sens_result.first, sens_result.total
        f_ci, t_ci = sens_result.first_ci, sens_result.total_ci
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
        ax.set_xlabel(f"Sobol' index (fraction of the variance of {output})")
        _note(ax, f"Error bars: {level:.0%} bootstrap intervals. Indices below 0 or "
                  "first-order above total are estimation noise: more samples narrow them.")
        ax.set_title(f"Sobol' indices: {output} ({shown}, by total index)", fontsize=10)
        ax.legend(loc="lower right", fontsize=8)
        ax.grid(True, axis="x", color="#ececec", lw=0.6)
    else:
        _morris(ax, sens_result, factors, names, unit, shown)
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
    ax.set_xlabel(f"μ*: mean |elementary effect| on {output} ({u})")
    ax.set_ylabel(f"σ of the elementary effects ({unit or 'output units'} per unit quantile)")
    ax.set_title(f"Morris screening: {output} ({shown}, by μ*)", fontsize=10)
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
    obstacles.append(tuple(legend.get_window_extent(_renderer(ax.figure)).extents))
    _place_labels(ax, [_Label(float(a), float(b), n, f"factor:{f}", fontsize=7.5)
                       for a, b, n, f, d in zip(x, yy, names, factors, drawn, strict=True)
                       if d], obstacles)
    if none.any():
        listed = [n for n, d in zip(names, none, strict=True) if d]
        _note(ax, "No effect found (μ* = 0): " + ", ".join(listed) + ".")


# ------------------------------------------------------------------ 6. frontier


_PATH_UNITS = [
    (r"_kmh$", "km/h"), (r"_km$", "km"), (r"_km_each$", "km"), (r"_hours$", "h"),
    (r"hours_per_day$", "h/day"), (r"_days?$", "days"), (r"rate_per_day$", "per day"),
    (r"troops$", "persons"), (r"teams(_per_base)?$", "teams"), (r"bases$", "bases"),
    (r"team_size$|on_post$|staff_per_position$", "persons"), (r"\.count$", "count"),
    (r"probability$|fraction$|availability$|share$", "fraction"),
    (r"multiplier$|ratio$|effectiveness$|visibility$|threat$", "ratio"),
]


def _path_unit(path: str) -> str:
    for pattern, unit in _PATH_UNITS:
        if re.search(pattern, path):
            return unit
    return ""


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
        raise ValueError(f"quantity must be one of {', '.join(_FRONTIER_Y)}; got {quantity!r}")
    points = list(frontier.points)
    if not points:
        raise ValueError("the frontier has no points")
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
    else:
        ax.set_ylim(0, 1)
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
        notes.append(f"Unreachable at {frontier.parameter} = {where}"
                     + (f"; criteria still failing there: {', '.join(failing)}." if failing
                        else "."))
    if notes:
        _note(ax, " ".join(notes))
    if not numeric:
        ax.set_xticks(xs, [str(v) for v in values])
    pad = (xs.max() - xs.min()) * 0.06 if xs.size > 1 and xs.max() > xs.min() else 1.0
    ax.set_xlim(xs.min() - pad, xs.max() + pad)
    unit = _path_unit(frontier.parameter)
    ax.set_xlabel(_axis_label(frontier.parameter, unit))
    y_unit = "persons/km" if quantity == "troops_per_km" else "persons"
    ax.set_ylabel(f"{_FRONTIER_Y[quantity]} ({y_unit})")
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    prob = points[0].probability
    ax.set_title(f"{frontier.scenario}: smallest force with P(feasible) ≥ {prob:g}, "
                 f"by {frontier.parameter}", fontsize=10)
    ax.grid(True, color="#ececec", lw=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="upper left", fontsize=8)
    return fig
