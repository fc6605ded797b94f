"""Names people read: metric and input names in words, units, axis labels, factor names,
and the placement of point labels (greedy, overlap-scored, no renderer needed)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from ..metrics import METRICS
from ._style import _DARK

if TYPE_CHECKING:  # pragma: no cover - typing only
    from matplotlib.axes import Axes

__all__ = ["metric_label", "input_label", "column_label", "axis_label", "unit_of"]

#: Metrics whose name does not read as words once its underscores are spaces.
METRIC_WORDS: dict[str, str] = {
    "in_theatre_troops": "troops in theatre",
    "committed_troops": "troops committed (rotation included)",
    "pledged_troops": "troops pledged",
    "honoured_troops": "troops of honoured pledges",
    "troops_per_km": "troops per km of line",
    "strength_to_requirement": "strength ÷ requirement",
    "op_coverage": "observation-post coverage",
    "detection_probability": "probability of detection",
    "detection_probability_worst": "probability of detection, worst sector and hour",
    "detection_worst_hour": "clock hour of the worst detection",
    "patrol_detection_probability": "probability of detection by patrols",
    "revisit_hours_mean": "time between patrol passes (mean)",
    "revisit_hours_max": "time between patrol passes (longest)",
    "response_hours_mean": "response time (mean)",
    "response_hours_p90": "response time (90th percentile)",
    "travel_hours_mean": "QRF travel time (mean)",
    "qrf_wait_hours_mean": "wait for a free QRF team (mean)",
    "qrf_wait_probability": "probability of waiting for a free QRF team",
    "global_force_ratio": "force ratio along the line (adversary ÷ defender)",
    "local_force_ratio": "force ratio at the attack (adversary ÷ defender)",
    "lanchester_attacker_wins": "attacker prevails (square law)",
    "feasible": "all criteria met",
    "incursion_share": "share of incursions",
}

#: Sensitivity columns (``SobolResult.columns``, ``MorrisResult.columns``, tornado fields)
#: in words.
COLUMN_WORDS: dict[str, str] = {
    "first": "first-order index",
    "first_conf": "first-order index, half-width of its interval",
    "total": "total index",
    "total_conf": "total index, half-width of its interval",
    "second": "second-order index",
    "second_conf": "second-order index, half-width of its interval",
    "mu": "μ (mean elementary effect)",
    "mu_star": "μ* (mean |elementary effect|)",
    "mu_star_conf": "μ*, half-width of its interval",
    "sigma": "σ of the elementary effects",
    "low": "output at the low quantile",
    "high": "output at the high quantile",
    "swing": "swing (high − low)",
    "base_output": "output at the base values",
}

_UNIT_SUFFIX = re.compile(r"_(km_each|kmh|km2|km|hours|days?)$")
_PART_WORDS = {"observation_posts": "posts", "qrf": "QRF", "line_km": "line length",
               "op": "post"}


def _words(name: str) -> str:
    out = []
    for w in name.split("_"):
        out.append({"qrf": "QRF", "op": "post", "p90": "90th percentile"}.get(w, w))
    return " ".join(out)


def metric_label(name: str) -> str:
    """A metric (or ``feasible``) in words: ``detection_probability`` → ``probability of
    detection``; any other name with its underscores as spaces."""
    return METRIC_WORDS.get(name) or _words(name)


def column_label(name: str) -> str:
    """A sensitivity column in words: ``first_conf`` → ``first-order index, half-width of
    its interval``."""
    return COLUMN_WORDS.get(name) or _words(name)


def input_label(path: str) -> str:
    """An input path (the ``--set`` syntax) in words, without its unit:
    ``theatre.line_km`` → ``line length``; ``theatre.sectors[North].threat`` →
    ``sector North: threat``; ``contributors[France].troops`` → ``France: troops``;
    ``posture.observation_posts.radius_km`` → ``posts: radius``;
    ``event:conditions.ceasefire`` → ``condition ceasefire holds``."""
    m = re.fullmatch(r"event:contributors\[(.+?)\]\.honour", path)
    if m:
        return f"{m.group(1)}: pledge honoured"
    m = re.fullmatch(r"event:conditions\.(.+)", path)
    if m:
        return f"condition {m.group(1)} holds"
    if path.startswith("event:"):
        return f"event {_words(path[len('event:'):].replace('.', ' '))}"
    m = re.fullmatch(r"(?:theatre\.)?sectors\[(.+?)\]\.(.+)", path)
    if m:
        return f"sector {m.group(1)}: {_field_words(m.group(2))}"
    m = re.fullmatch(r"contributors\[(.+?)\](?:\.(.+))?", path)
    if m:
        return f"{m.group(1)}: {_field_words(m.group(2))}" if m.group(2) else m.group(1)
    parts = path.split(".")
    if parts[0] in ("posture", "theatre") and len(parts) > 1:
        parts = parts[1:]
    if parts[0] in METRICS and len(parts) == 1:
        return metric_label(parts[0])
    head = [_PART_WORDS.get(p, _words(p)) for p in parts[:-1]]
    last = _field_words(parts[-1])
    return f"{' '.join(head)}: {last}" if head else last


def _field_words(field: str) -> str:
    if field in _PART_WORDS:
        return _PART_WORDS[field]
    return _words(_UNIT_SUFFIX.sub("", field)) or _words(field)


def unit_of(name: str) -> str:
    """The unit of a metric (``probability`` for ``feasible``; '' if unknown)."""
    if name in METRICS:
        return METRICS[name].unit
    if name == "feasible":
        return "probability"
    return ""


def axis_label(name: str, unit: str | None = None) -> str:
    """``metric in words (unit)``: the label of an axis that shows metric ``name``."""
    unit = unit_of(name) if unit is None else unit
    words = metric_label(name)
    return f"{words} ({unit})" if unit else words


def input_axis_label(path: str, unit: str | None = None) -> str:
    """``input in words (unit)``: the label of an axis that shows input ``path``."""
    unit = _path_unit(path) if unit is None else unit
    words = input_label(path)
    return f"{words} ({unit})" if unit else words


_unit = unit_of
_axis_label = axis_label


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
        best: tuple[float, tuple[float, float], str, str, bool, tuple[float, ...]] | None = None
        for rank, (dist, far) in enumerate(((7.0, False), (20.0, True), (34.0, True),
                                            (50.0, True), (70.0, True))):
            dirs = [_DIRECTIONS[i] for i in lab.prefer] + (_EXTRA if far else [])
            for order, (ux, uy) in enumerate(dirs):
                d = dist + lab.pad
                dx, dy = ux * d, uy * d * 0.8
                ox, oy = px + dx * dpi / 72.0, py + dy * dpi / 72.0
                x0 = ox if ux > 0 else ox - w if ux < 0 else ox - w / 2
                y0 = oy if uy > 0 else oy - h if uy < 0 else oy - h / 2
                box: tuple[float, ...] = (x0, y0, x0 + w, y0 + h)
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


def _short(name: str, groups: dict[str, tuple[str, ...]] | None = None,
           width: int = 38) -> str:
    """A readable factor name, e.g. ``event:contributors[France].honour`` → ``France: pledge
    honoured``; ``posture.observation_posts.radius_km`` → ``posts: radius (km)``; long
    names are cut in the middle (``…``)."""
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
    else:   # a field in words, with its unit where it has a physical one
        unit = _path_unit(name)
        s = input_label(name) + (f" ({unit})" if unit and unit not in ("ratio", "fraction",
                                                                        "count") else "")
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


