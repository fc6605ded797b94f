"""The density chart: troops per km of line against line length, with history and claims.

:func:`density_chart` places one scenario; :func:`density_comparison` places several
(one colour and legend entry each) on the same axes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from ._style import (_BLUE, _DARK, _GREEN, _GREY, _ORANGE, _PURPLE, _SKY, _VERMILION,
                     _YELLOW, PlotTypeError, PlotValueError, _density_text, _log_formatter,
                     _median, _new_axes, _note, _percent, _point_box, _quantity_median,
                     _renderer, _span_box, _thousands)
from .labels import _Label, _place_labels, _text_size_px

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..refdata import Mission
    from ..requirements import Requirement
    from ..results import Result
    from ..schema import Scenario

__all__ = ["density_chart", "density_comparison"]

_DENSITY_NOTE = ("Sources: feasim.refdata; densities are troops per km of line. "
                 "Markers at the middle of each range (geometric mean), bars span the range.")

#: Colours of compared scenarios, in order (Okabe–Ito; blue and orange are the missions'
#: and the claims').
_SCENARIO_COLOURS = (_VERMILION, _GREEN, _PURPLE, _SKY, _DARK, _YELLOW, _GREY)
_SCENARIO_MARKERS = ("*", "P", "X", "p", "h", "v", "^")


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


def _claim_points(ids: Sequence[str]) -> list[_ClaimPoint]:
    """Troop figures and line lengths of claims, from the claims' fields
    (``troops_low``/``troops_high``, ``at_least``, ``line_km``): a claim that states no
    line is placed on the line of the claim that states only a line (C1)."""
    from .. import refdata

    known = refdata.claims()
    if isinstance(ids, str):
        raise PlotTypeError(f"claims must be a sequence of claim ids such as ('C2', 'C3'); "
                            f"got the string {ids!r}")
    line_claim = next((c for c in known.values() if c.line_km is not None
                       and not c.has_troops), None)
    with_troops = ", ".join(c.id for c in known.values() if c.has_troops)
    out = []
    for cid in ids:
        if cid not in known:
            raise PlotValueError(f"claims: unknown claim {cid!r}; known: {', '.join(known)}")
        c = known[cid]
        if c.troops_low is None or c.troops_high is None:
            raise PlotValueError(f"claims: claim {cid} states no troop figure ({c.figure}); "
                                 f"claims with one: {with_troops}")
        if c.line_km is not None:
            line, line_from = c.line_km, None
        elif line_claim is not None and line_claim.line_km is not None:
            line, line_from = line_claim.line_km, line_claim.id
        else:  # pragma: no cover - the packaged data has C1
            raise PlotValueError(f"claims: claim {cid} states no line and no claim states one")
        out.append(_ClaimPoint(id=cid, low=float(c.troops_low), high=float(c.troops_high),
                               line_km=float(line), line_from=line_from,
                               at_least=c.at_least))
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


@dataclass(frozen=True)
class _Placed:
    """A scenario as the chart places it: line (km) and troops per km (median, 5–95%)."""

    name: str
    line_km: float
    median: float
    p05: float
    p95: float
    none: float  # share of samples without troops (density 0)


def _placed(name: str, scenario: Scenario | None, result: Result) -> _Placed:
    from ..results import Result as _Result

    if not isinstance(result, _Result):
        raise PlotTypeError(f"expected a feasim Result for {name!r}; got "
                            f"{type(result).__name__}")
    if "troops_per_km" not in result.metrics:
        raise PlotValueError(f"result of {result.scenario!r} has no metric troops_per_km")
    tpk = np.asarray(result["troops_per_km"], dtype=float)
    tpk = tpk[np.isfinite(tpk)]
    if tpk.size == 0:
        raise PlotValueError(f"result of {result.scenario!r}: troops_per_km is undefined "
                             "in every sample")
    return _Placed(name, _scenario_line_km(scenario, result), float(np.median(tpk)),
                   float(np.percentile(tpk, 5)), float(np.percentile(tpk, 95)),
                   float(np.mean(tpk <= 0)))


def _check_density_args(scenario: Any, result: Any) -> None:
    """A clear TypeError for arguments in the wrong places (``density_chart(result)``)."""
    from ..results import Result as _Result
    from ..schema import Scenario as _Scenario

    how = ("call density_chart(scenario, result), density_chart(scenario) or "
           "density_chart(result=result)")
    if isinstance(scenario, _Result):
        raise PlotTypeError(f"density_chart: the first argument is the scenario, got a Result "
                            f"(of {scenario.scenario!r}); {how}")
    if scenario is not None and not isinstance(scenario, _Scenario):
        raise PlotTypeError(f"density_chart: scenario must be a feasim Scenario "
                            f"(feasim.load_scenario) or None; got {type(scenario).__name__}; "
                            f"{how}")
    if result is not None and not isinstance(result, _Result):
        raise PlotTypeError(f"density_chart: result must be a feasim Result or None; got "
                            f"{type(result).__name__}; {how}")


class _Chart:
    """The shared frame of the density charts: axes, limits, missions, claims, labels."""

    def __init__(self, ax: Axes | None, claims: Sequence[str], placed: Sequence[_Placed]):
        from .. import refdata

        self.fig, self.ax = _new_axes(ax, (8, 6))
        self.ax.set_xscale("log")
        self.ax.set_yscale("log")
        self.missions = [m for m in refdata.missions()
                         if m.has_line and m.density_low is not None]
        self.claims = _claim_points(claims)
        self.obstacles: list[tuple[float, ...]] = []
        self.labels: list[_Label] = []
        # limits: everything inside, with room for labels
        xs: list[float] = [float(v) for m in self.missions
                           for v in (m.line_km_low, m.line_km_high) if v is not None]
        ys: list[float] = [float(v) for m in self.missions
                           for v in (m.density_low, m.density_high) if v is not None]
        xs += [c.line_km for c in self.claims]
        ys += [v for c in self.claims for v in (c.low / c.line_km, c.high / c.line_km)]
        ys = [v for v in ys if v and v > 0] or [1.0, 100.0]
        floor = min(ys) / 10.0
        for p in placed:  # the scenario's range, but not down to a sliver of a troop per km
            xs.append(p.line_km)
            ys += [v for v in (p.median, p.p05, p.p95) if v >= floor]
        xs = [v for v in xs if v and v > 0] or [100.0, 1000.0]
        self.xlim = (min(xs) / 2.5, max(xs) * 5.0)
        self.ylim = (min(ys) / 3.0, max(ys) * 3.0)
        self.ax.set_xlim(*self.xlim)
        self.ax.set_ylim(*self.ylim)

    def iso_lines(self) -> None:
        _iso_lines(self.ax, self.xlim, self.ylim, self.obstacles)

    def draw_missions(self) -> None:
        from .. import refdata

        ax = self.ax
        styles: dict[str, dict[str, Any]] = {
            "comparable": dict(marker="o", mfc=_BLUE, mec="white", color=_BLUE,
                               label="historical mission (line density)"),
            "upper_bound": dict(marker="o", mfc="white", mec=_BLUE, color=_BLUE,
                                label="historical mission, upper bound (other tasks too)"),
            "not_comparable": dict(marker="s", mfc="white", mec=_GREY, color=_GREY,
                                   label="not a peacekeeping density (whole army on the line)"),
        }
        seen: set[str] = set()
        for m in self.missions:
            lo_km, hi_km, lo_d, hi_d = _mission_ranges(m)
            x = math.sqrt(lo_km * hi_km) if m.density_line_km is None \
                else float(m.density_line_km)
            y = math.sqrt(lo_d * hi_d)
            st = dict(styles.get(m.comparability, styles["comparable"]))
            label = st.pop("label")
            c = ax.errorbar([x], [y], xerr=[[x - lo_km], [hi_km - x]],
                            yerr=[[y - lo_d], [hi_d - y]], ms=7, mew=1.3, elinewidth=1.1,
                            capsize=2.5, ls="none", zorder=3,
                            label=label if m.comparability not in seen else None, **st)
            seen.add(m.comparability)
            c.lines[0].set_gid(f"mission:{m.key}")
            self.obstacles.append(_point_box(ax, x, y))
            self.obstacles.append(_span_box(ax, lo_km, y, hi_km, y))
            self.obstacles.append(_span_box(ax, x, lo_d, x, hi_d))
            text = m.short_name
            if m.comparability == "upper_bound":
                text += " (upper bound)"
            elif m.comparability == "not_comparable":
                text += " (not comparable)"
            self.labels.append(_Label(x, y, f"{text}\n{refdata.density_range_text(m)}",
                                      f"mission:{m.key}",
                                      color=st["color"] if st["color"] != _BLUE
                                      else "#1f3f66"))

    def draw_claims(self) -> None:
        ax = self.ax
        for i, c in enumerate(self.claims):
            y_lo, y_hi = c.low / c.line_km, c.high / c.line_km
            y = math.sqrt(y_lo * y_hi)
            yerr = [[y - y_lo], [y_hi - y]] if y_hi > y_lo else None
            art = ax.errorbar([c.line_km], [y], yerr=yerr, marker="D", ms=7, mfc=_ORANGE,
                              mec=_DARK, mew=0.8, color=_ORANGE, elinewidth=2.2, capsize=3,
                              ls="none", zorder=5,
                              label="claim (troops as quoted ÷ line)" if i == 0 else None)
            art.lines[0].set_gid(f"claim:{c.id}")
            self.obstacles.append(_point_box(ax, c.line_km, y))
            self.obstacles.append(_span_box(ax, c.line_km, y_lo, c.line_km, y_hi, pad=3))
            self.labels.append(_Label(c.line_km, y, f"{c.label}\n{c.note}", f"claim:{c.id}",
                                      color="#8a5a00", prefer=(0, 4, 6, 1, 5, 7, 2, 3)))

    def draw_scenario(self, p: _Placed, gid: str, colour: str, marker: str, label: str,
                      text: str, *, dodge: float = 0.0, ms: float = 17,
                      text_colour: str | None = None) -> None:
        """One scenario: marker at its median, bar over its 5–95% range; ``dodge`` shifts
        it sideways (points) without changing its data, where several share a line."""
        from matplotlib.transforms import offset_copy

        ax, ylim = self.ax, self.ylim
        # A density of 0 has no place on a log axis: the marker sits on the bottom edge.
        y = p.median if p.median > 0 else ylim[0] * 1.08
        yerr = [[max(0.0, y - max(p.p05, ylim[0]))], [max(0.0, p.p95 - y)]]
        kw: dict[str, Any] = {}
        if dodge:
            kw["transform"] = offset_copy(ax.transData, fig=self.fig, x=dodge, y=0,
                                          units="points")
        art = ax.errorbar([p.line_km], [y], yerr=yerr, marker=marker, ms=ms, mfc=colour,
                          mec=_DARK, mew=0.8, color=colour, elinewidth=1.6, capsize=4,
                          ls="none", zorder=4, label=label, **kw)
        art.lines[0].set_gid(gid)
        art.lines[0].set_clip_on(False)
        px = dodge * self.fig.dpi / 72.0
        box = _point_box(ax, p.line_km, y, 15)
        self.obstacles.append((box[0] + px, box[1], box[2] + px, box[3]))
        span = _span_box(ax, p.line_km, max(p.p05, ylim[0]), p.line_km, max(p.p95, y), pad=3)
        self.obstacles.append((span[0] + px, span[1], span[2] + px, span[3]))
        if text_colour is None:  # light colours are hard to read as text
            text_colour = _DARK if colour in (_YELLOW, _SKY) else colour
        self.labels.insert(0, _Label(p.line_km, y, text, gid, color=text_colour, weight="bold",
                                     pad=5.0 + abs(dodge), prefer=(1, 7, 5, 3, 6, 0, 2, 4)))

    def finish(self, title: str) -> Figure:
        ax = self.ax
        legend = ax.legend(loc="upper right", fontsize=7.5, framealpha=0.92, borderpad=0.6)
        self.obstacles.append(tuple(legend.get_window_extent(_renderer(self.fig)).extents))
        _place_labels(ax, self.labels, self.obstacles)
        ax.xaxis.set_major_formatter(_log_formatter())
        ax.yaxis.set_major_formatter(_log_formatter())
        ax.set_xlabel("line length (km)")
        ax.set_ylabel("troops per km of line (persons/km)")
        ax.set_title(title)
        ax.grid(True, which="major", color="#e6e6e6", lw=0.6, zorder=0)
        ax.set_axisbelow(True)
        _note(ax, _DENSITY_NOTE)
        return self.fig


def _mission_ranges(m: Mission) -> tuple[float, float, float, float]:
    """(line low, line high, density low, density high) of a mission with a line."""
    assert m.line_km_low is not None and m.line_km_high is not None
    assert m.density_low is not None and m.density_high is not None
    return (float(m.line_km_low), float(m.line_km_high), float(m.density_low),
            float(m.density_high))


def _scenario_text(p: _Placed, first_line: str) -> str:
    rng = "" if p.p05 == p.p95 else f" (5–95%: {_density_text(p.p05)}–{_density_text(p.p95)})"
    text = f"{first_line}\nmedian {_density_text(p.median)} /km{rng}"
    if p.none > 0:
        text += f"\nno troops in {_percent(p.none)} of samples"
    return text


def density_chart(scenario: Scenario | None = None, result: Result | None = None, *,
                  claims: Sequence[str] = ("C2", "C3", "C4"), iso_lines: bool = True,
                  ax: Axes | None = None,
                  requirements: dict[str, Requirement] | None = None) -> Figure:
    """Troops per km of line against line length, with history and the claims.

    Both axes are logarithmic. Drawn:

    - every historical mission of :func:`feasim.refdata.missions` that has a
      line (strength ÷ line length): a marker at the geometric middle of its
      ranges, bars from ``line_km_low`` to ``line_km_high`` (km) and from
      ``density_low`` to ``density_high`` (persons/km); missions whose density
      is an upper bound (IFOR) or not a peacekeeping density (Korean DMZ) are
      marked as such;
    - the ``claims`` (default C2, C3 and C4): their troop figures (persons),
      the fields ``troops_low``/``troops_high`` of :func:`feasim.refdata.claims`,
      on their own ``line_km`` or, if they give none, on the line of the claim
      that does (C1, 1,200 km; the label says so); a range (C3) is drawn as a bar;
    - the scenario, if given: its line length and the median troops per km of
      ``result`` (evaluated with :func:`feasim.evaluate` if ``result`` is
      None), with its 5–95% range as a bar;
    - with ``iso_lines``, faint lines of constant total strength (1,000 to
      1,000,000 troops: troops per km = N ÷ km).

    Parameters
    ----------
    scenario:
        The scenario to place (optional), a :class:`feasim.Scenario`.
    result:
        A result of ``scenario`` (analytic or simulation) with the metric
        ``troops_per_km`` (persons/km). Without ``scenario`` the result alone is
        placed (``density_chart(result=r)``), at the line length implied by its
        metrics.
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

    Raises
    ------
    PlotTypeError
        (a ``TypeError``) The arguments in the wrong places, e.g. ``density_chart(result)``
        or ``density_chart(result, scenario)``.
    PlotValueError
        (a ``ValueError``) An unknown claim, one without a troop figure, or a result
        without ``troops_per_km``.
    """
    _check_density_args(scenario, result)
    placed = None
    if scenario is not None or result is not None:
        if result is None:
            from ..models import evaluate

            assert scenario is not None
            result = evaluate(scenario)
        name = scenario.name if scenario is not None else result.scenario
        placed = _placed(name, scenario, result)
    chart = _Chart(ax, claims, [placed] if placed else [])
    if iso_lines:
        chart.iso_lines()
    chart.draw_missions()
    chart.draw_claims()
    if placed is not None:
        chart.draw_scenario(placed, "scenario", _VERMILION, "*",
                            "this scenario (median, 5–95% range)",
                            _scenario_text(placed, placed.name), text_colour="#8f2f00")
    if requirements and placed is not None:
        _requirements(chart, requirements, placed.line_km)
    return chart.finish("Troops per km of line: history, claims and this scenario"
                        if placed is not None else "Troops per km of line: history and claims")


def _requirements(chart: _Chart, requirements: dict[str, Requirement], line: float) -> None:
    """Each applicable method's median requirement in theatre ÷ the line, at the line."""
    ax = chart.ax
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
        chart.obstacles.append(_point_box(ax, line, y, 11))
        chart.labels.append(_Label(line, y, f"{method.replace('_', ' ')} {_density_text(y)} /km",
                                   f"requirement:{method}", color="#3a3a3a",
                                   prefer=(3, 2, 1, 0, 4, 5, 6, 7)))


def _pairs(results: Any, scenarios: Sequence[Scenario | None] | None
           ) -> list[tuple[Scenario | None, Result]]:
    """(scenario, result) pairs from any of the accepted forms of ``results``."""
    from ..results import Result as _Result
    from ..schema import Scenario as _Scenario

    if isinstance(results, _Result):
        raise PlotTypeError("density_comparison: results must be a sequence (one entry per "
                            "compared scenario); got one Result: use density_chart for one, "
                            "or pass [result]")
    if isinstance(results, dict):
        raise PlotTypeError("density_comparison: results must be a sequence of Results or of "
                            "(scenario, result) pairs, not a mapping; pass "
                            "list(mapping.values()) with labels=list(mapping)")
    items = list(results)
    if not items:
        raise PlotValueError("density_comparison: results is empty; give at least one result")
    pairs: list[tuple[Scenario | None, Result]] = []
    for i, item in enumerate(items):
        if isinstance(item, tuple) and len(item) == 2:
            s, r = item
            if isinstance(s, _Result) and (r is None or isinstance(r, _Scenario)):
                s, r = r, s  # (result, scenario): the order is unambiguous from the types
        else:
            s, r = None, item
        if s is not None and not isinstance(s, _Scenario):
            raise PlotTypeError(f"density_comparison: results[{i}]: the scenario of a pair "
                                f"must be a feasim Scenario; got {type(s).__name__}")
        if not isinstance(r, _Result):
            raise PlotTypeError(f"density_comparison: results[{i}] must be a feasim Result or "
                                f"a (scenario, result) pair; got {type(item).__name__}")
        pairs.append((s, r))
    if scenarios is not None:
        scenarios = list(scenarios)
        if len(scenarios) != len(pairs):
            raise PlotValueError(f"density_comparison: {len(scenarios)} scenarios for "
                                 f"{len(pairs)} results; give one per result (or None)")
        pairs = [(s if s is not None else p[0], p[1]) for s, p in zip(scenarios, pairs,
                                                                       strict=True)]
    return pairs


def _default_labels(pairs: Sequence[tuple[Scenario | None, Result]]) -> list[str]:
    """Scenario names; where two are alike, the method and then a number tell them apart."""
    names = [s.name if s is not None else r.scenario for s, r in pairs]
    if len(set(names)) < len(names):
        names = [f"{n} ({r.method})" if names.count(n) > 1 else n
                 for n, (_, r) in zip(names, pairs, strict=True)]
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if names.count(n) == 1 else f"{n} #{seen[n]}")
    return out


def density_comparison(results: Sequence[Result] | Sequence[tuple[Scenario | None, Result]],
                       labels: Sequence[str] | None = None, *,
                       scenarios: Sequence[Scenario | None] | None = None,
                       ax: Axes | None = None, claims: Sequence[str] = ("C2", "C3", "C4"),
                       iso_lines: bool = True) -> Figure:
    """Several scenarios on one density chart: one colour, marker and legend entry each.

    The axes, missions, claims and lines of constant strength are those of
    :func:`density_chart`; each compared result is drawn as that chart draws
    its scenario (marker at the median troops per km of line, bar over the
    5–95% range, at the scenario's line length in km), in its own colour, with
    a legend entry ``label: median N /km``. Scenarios on the same line are
    set slightly apart sideways so that their bars do not hide each other (the
    data, ``get_xdata()``, stay the line length).

    ``feasim compare`` holds a list of ``(scenario, result)`` pairs and calls
    ``density_comparison(pairs)``; results alone work too
    (``density_comparison([r1, r2], ["C2", "C3"])``), placed at the line length
    implied by their metrics unless ``scenarios`` gives their scenarios.

    Parameters
    ----------
    results:
        A sequence of :class:`feasim.Result`, or of ``(scenario, result)`` pairs
        (``scenario`` may be None), one per compared scenario, in legend order.
    labels:
        One legend label per result; default: the scenario names (with the
        method, then a number, where two are alike).
    scenarios:
        One :class:`feasim.Scenario` (or None) per result, for its line length;
        it replaces the scenario of a pair.
    ax:
        Axes to draw into; a new 8 × 6 inch figure if None.
    claims, iso_lines:
        As for :func:`density_chart`.

    Returns
    -------
    matplotlib.figure.Figure
        Scenario artists carry the ``gid`` ``scenario:<i>`` (``i`` from 0, in the
        order given), as do their labels; missions and claims as in
        :func:`density_chart`.

    Raises
    ------
    PlotTypeError
        ``results`` is one Result or a mapping, or an entry is not a Result or pair.
    PlotValueError
        No results, ``labels`` or ``scenarios`` of the wrong length, or a result
        without ``troops_per_km``.
    """
    pairs = _pairs(results, scenarios)
    if labels is None:
        names = _default_labels(pairs)
    else:
        if isinstance(labels, str):
            raise PlotTypeError("density_comparison: labels must be a sequence of strings, "
                                f"one per result; got the string {labels!r}")
        names = [str(x) for x in labels]
        if len(names) != len(pairs):
            raise PlotValueError(f"density_comparison: {len(names)} labels for {len(pairs)} "
                                 "results; give one label per result")
    placed = [_placed(n, s, r) for n, (s, r) in zip(names, pairs, strict=True)]
    chart = _Chart(ax, claims, placed)
    if iso_lines:
        chart.iso_lines()
    chart.draw_missions()
    chart.draw_claims()
    # dodge scenarios that share a line (within 2%) by a few points each
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(placed):
        groups.setdefault(int(round(math.log(p.line_km) / math.log(1.02))), []).append(i)
    dodge = {}
    for members in groups.values():
        for k, i in enumerate(members):
            dodge[i] = (k - (len(members) - 1) / 2.0) * 9.0
    for i, p in enumerate(placed):
        colour = _SCENARIO_COLOURS[i % len(_SCENARIO_COLOURS)]
        marker = _SCENARIO_MARKERS[(i + i // len(_SCENARIO_COLOURS)) % len(_SCENARIO_MARKERS)]
        chart.draw_scenario(p, f"scenario:{i}", colour, marker,
                            f"{p.name}: median {_density_text(p.median)} /km",
                            _scenario_text(p, p.name), dodge=dodge[i],
                            ms=17 if marker == "*" else 11)
    return chart.finish(f"Troops per km of line: {len(placed)} scenarios against history "
                        "and claims")


