"""Setting a density against the missions, and the missions as a table."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Literal, Mapping

from ..errors import MissingDependency
from ._types import Mission

__all__ = ["Placement", "format_density", "density_range_text", "place",
           "mission_row", "to_dataframe"]

Position = Literal["below", "within", "above"]


def format_density(x: float) -> str:
    """A density as reports print it: whole numbers from 10 up, else one
    decimal (``83.33`` → ``"83"``, ``4.75`` → ``"4.8"``)."""
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.1f}"


def density_range_text(mission: Mission) -> str:
    """A mission's line density as text, e.g. ``"64–88 /km"`` or ``"4.8 /km"``."""
    lo, hi = mission.density_low, mission.density_high
    if lo is None or hi is None:
        return "no line density"
    a, b = format_density(lo), format_density(hi)
    return f"{a} /km" if a == b else f"{a}–{b} /km"


@dataclass(frozen=True)
class Placement:
    """Where a density (troops per km) sits against one mission's range."""

    mission: Mission
    density: float  # troops per km
    position: Position

    def describe(self) -> str:
        """One neutral sentence, e.g. "83 /km is inside UNIFIL's 64–88 /km range"."""
        m = self.mission
        single = m.density_low == m.density_high
        target = f"{m.short_name}'s {density_range_text(m)}" + ("" if single else " range")
        verb = {"below": "is below", "above": "is above",
                "within": "matches" if single else "is inside"}[self.position]
        text = f"{format_density(self.density)} /km {verb} {target}"
        if m.comparability == "upper_bound":
            text += f" ({m.short_name}'s density is an upper bound)"
        elif m.comparability == "not_comparable":
            text += " (not a peacekeeping density)"
        return text


def _check_positive(name: str, value: float, strict: bool) -> None:
    bad = not math.isfinite(value) or value < 0 or (strict and value == 0)
    if bad:
        raise ValueError(f"{name}(={value!r}) must be {'> 0' if strict else '>= 0'}.")


def place(troops: float, line_km: float, missions: Iterable[Mission]) -> list[Placement]:
    """Place ``troops`` (persons) over ``line_km`` (km) against each mission
    with a line density; the bounds of a range count as inside."""
    _check_positive("troops", troops, strict=False)
    _check_positive("line_km", line_km, strict=True)
    d = troops / line_km
    out = []
    for m in missions:
        lo, hi = m.density_low, m.density_high
        if lo is None or hi is None:
            continue
        pos: Position = "below" if d < lo else "above" if d > hi else "within"
        out.append(Placement(m, d, pos))
    return out


def mission_row(m: Mission) -> dict[str, Any]:
    """One mission as a plain dict of plain values (densities derived)."""
    return {
        "key": m.key, "name": m.name, "kind": m.kind,
        "strength_low": m.strength_low, "strength_high": m.strength_high, "year": m.year,
        "line_name": m.line_name, "line_km_low": m.line_km_low, "line_km_high": m.line_km_high,
        "density_line_km": m.density_line_km,
        "density_low": m.density_low, "density_high": m.density_high,
        "area_km2": m.area_km2, "population": m.population,
        "area_density_low": m.area_density_low, "area_density_high": m.area_density_high,
        "comparability": m.comparability, "comparable": m.comparable,
        "sources": ", ".join(m.sources), "notes": m.notes,
    }


def to_dataframe(rows: Iterable[Mapping[str, Any]]) -> Any:
    """Rows of plain dicts as a :class:`pandas.DataFrame` (pandas imported here)."""
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependency("to_dataframe() needs pandas; install it with "
                          "`pip install feasim[tables]` or `pip install pandas`.") from exc
    return pd.DataFrame([dict(r) for r in rows])
