"""Patrol passes computed from motion, not stepped kilometre by kilometre.

``N`` teams each patrol their own sub-sector of length ``ℓ = L / N`` back and
forth at speed ``v``: a triangle wave of period ``T = 2ℓ / v`` in *motion time*,
the hours a team has been out. Teams are out ``h`` hours a day (from midnight);
outside them they stand still. A team starting at a uniformly random position
and direction is a team with a uniformly random phase in ``[0, T)``.

A point at local coordinate ``y`` is passed at motion times ``≡ y/v − φ`` and
``≡ T − y/v − φ`` (mod ``T``), so the first pass inside a window is found by
arithmetic: the cost of a query does not depend on the distance travelled.
With a detection radius ``r`` the team sees the point while it is within
``[y − r, y + r]`` of its own sub-sector: one interval of phase on the way out
and one on the way back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["PatrolLayout", "active_hours", "clock_time", "first_pass"]


def active_hours(t: float, h: float) -> float:
    """Hours a team has been out between clock 0 and ``t`` when out ``h`` hours a day."""
    if h >= 24.0:
        return t
    day, rest = divmod(t, 24.0)
    return day * h + min(rest, h)


def clock_time(a: float, h: float) -> float:
    """Earliest clock time at which a team has been out ``a`` hours (inverse of the above)."""
    if h >= 24.0:
        return a
    day, rest = divmod(a, h)
    if rest == 0 and day > 0:  # the end of an active period, not the next morning
        day, rest = day - 1, h
    return day * 24.0 + rest


@dataclass(frozen=True)
class PatrolLayout:
    """Teams on the line from clock ``start`` (hours) until the next layout."""

    start: float
    teams: int
    line_km: float
    speed_kmh: float
    hours_per_day: float
    phases: np.ndarray  # hours of motion, one per team, uniform in [0, T)
    radius_km: float = 0.0  # detection radius within the team's own sub-sector

    @property
    def sub_km(self) -> float:
        return self.line_km / self.teams

    @property
    def period(self) -> float:
        """Round trip ``T = 2ℓ / v`` (hours of motion)."""
        return 2.0 * self.sub_km / self.speed_kmh

    def first_pass(self, x_km: float, t0: float, t1: float) -> float:
        """Clock time the team of ``x_km``'s sub-sector first comes within
        ``radius_km`` of it in ``[t0, t1]`` (a pass, for radius 0); ``inf`` if never."""
        if self.teams <= 0 or t1 < t0:
            return math.inf
        team = min(int(x_km / self.sub_km), self.teams - 1)
        y = x_km - team * self.sub_km
        v, T = self.speed_kmh, self.period
        lo = max(0.0, y - self.radius_km) / v          # motion hours into the out leg
        hi = min(self.sub_km, y + self.radius_km) / v
        h = self.hours_per_day
        base = active_hours(self.start, h)
        m0 = active_hours(t0, h) - base
        m1 = active_hours(t1, h) - base
        k0 = (float(self.phases[team]) + m0) % T     # the team's phase at the window's start
        best = math.inf
        for a, b in ((lo, hi), (T - hi, T - lo)):    # out leg, back leg
            m = m0 if a <= k0 <= b else m0 + ((a - k0) % T)
            if m <= m1:
                best = min(best, m)
        if best == math.inf:
            return math.inf
        return max(t0, clock_time(best + base, h))


def first_pass(layouts: list[PatrolLayout], x_km: float, t0: float, t1: float) -> float:
    """First pass over ``x_km`` in ``[t0, t1]`` across successive layouts (hours)."""
    for i, lay in enumerate(layouts):
        end = layouts[i + 1].start if i + 1 < len(layouts) else math.inf
        lo, hi = max(t0, lay.start), min(t1, end)
        if lo > hi:
            continue
        t = lay.first_pass(x_km, lo, hi)
        if t < math.inf:
            return t
    return math.inf
