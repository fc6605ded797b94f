"""Patrol passes computed from motion, not stepped kilometre by kilometre.

``N`` teams each patrol their own sub-sector of length ``ℓ = L / N`` back and
forth at speed ``v``: a triangle wave of period ``T = 2ℓ / v`` in *motion time*,
the hours a team has been out. Teams are out ``h`` hours a day (from midnight);
outside them they stand still and *detect nothing* (contract v2 §1). A team
starting at a uniformly random position and direction is a team with a
uniformly random phase in ``[0, T)``.

The sub-sectors form an evenly spaced grid with a uniformly random offset
``u ∈ [0, ℓ)`` per layout, on a line treated as closed (positions mod ``L``):
sub-sector ``k`` is ``[u + kℓ, u + (k+1)ℓ)`` mod ``L`` (contract v2 §2).

A point at local coordinate ``y`` is passed at motion times ``≡ y/v − φ`` and
``≡ T − y/v − φ`` (mod ``T``), so the first pass inside a window is found by
arithmetic: the cost of a query does not depend on the distance travelled.
With a detection radius ``r`` the team sees the point while it is within
``[y − r, y + r]`` of its own sub-sector: one interval of phase on the way out
and one on the way back.

Off duty: a window ``[t0, t1]`` holding no duty hours (``M = A(t1) − A(t0) = 0``)
is never detected; one that opens off duty with the team already within ``r``
is detected at the next duty start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["PatrolLayout", "active_hours", "clock_time", "first_pass",
           "part_time_detection"]


def active_hours(t, h: float):
    """Hours a team has been out between clock 0 and ``t`` when out ``h`` hours a day.

    Works on floats and NumPy arrays.
    """
    if h >= 24.0:
        return t
    day, rest = np.divmod(t, 24.0)
    return day * h + np.minimum(rest, h)


def clock_time(a, h: float):
    """Earliest clock time at which a team has been out ``a`` hours (inverse of the above)."""
    if h >= 24.0:
        return a
    day, rest = np.divmod(a, h)
    end = (rest == 0) & (day > 0)  # the end of an active period, not the next morning
    day = np.where(end, day - 1, day)
    rest = np.where(end, h, rest)
    return day * 24.0 + rest


def _g(x):
    """P(pass) for a window of ``x`` round trips: ``1 − (1 − x)²`` below 1, else 1."""
    return 1.0 - (1.0 - min(x, 1.0)) ** 2


def part_time_detection(exposure_hours: float, period_hours: float, reach_hours: float,
                        hours_per_day: float) -> float:
    """Exact P(a team detects an incursion) averaged over its arrival time of day (contract §1).

    ``[M > 0] · g((M + 2r/v) / T)`` averaged over ``t0`` uniform on ``[0, 24)``,
    where ``M(t0)`` is the duty hours in ``[t0, t0 + τ]``. ``M`` is piecewise linear
    in ``t0`` (kinks at ``0, h, −τ, h − τ`` mod 24); each piece is split where
    ``M + 2r/v = T`` and integrated by 2-point Gauss–Legendre, which is exact for
    the quadratic integrand. Scalar; ``period_hours = inf`` (no team) gives 0.
    """
    tau, T, rho, h = (float(exposure_hours), float(period_hours), float(reach_hours),
                      float(hours_per_day))
    if not math.isfinite(T):
        return 0.0
    if h >= 24.0:
        return _g((tau + 2.0 * rho) / T)
    if h <= 0.0:
        return 0.0

    def M(t0):
        return float(active_hours(t0 + tau, h) - active_hours(t0, h))

    cuts = sorted({0.0, 24.0, h % 24.0, (-tau) % 24.0, (h - tau) % 24.0})
    pieces = []
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        if b - a <= 1e-12:
            continue
        ma, mb = M(a), M(b)  # M is continuous: its ends are its limits
        pts = [a, b]
        target = T - 2.0 * rho
        if (ma - target) * (mb - target) < 0:
            pts.insert(1, a + (target - ma) / (mb - ma) * (b - a))
        pieces += list(zip(pts[:-1], pts[1:], strict=True))
    node = 0.5 / math.sqrt(3.0)
    total = 0.0
    for a, b in pieces:
        mid, half = 0.5 * (a + b), (b - a)
        for t in (mid - node * half, mid + node * half):
            m = M(t)
            if m > 1e-12:
                total += 0.5 * half * _g((m + 2.0 * rho) / T)
    return total / 24.0


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
    offset_km: float = 0.0  # grid phase u in [0, ℓ): sub-sector k starts at u + kℓ (mod L)

    @property
    def sub_km(self) -> float:
        return self.line_km / self.teams

    @property
    def period(self) -> float:
        """Round trip ``T = 2ℓ / v`` (hours of motion)."""
        return 2.0 * self.sub_km / self.speed_kmh

    def first_pass(self, x_km, t0, t1):
        """Clock time the team of ``x_km``'s sub-sector first comes within
        ``radius_km`` of it while on duty in ``[t0, t1]`` (a pass, for radius 0);
        ``inf`` if never.

        Vectorised: ``x_km``, ``t0`` and ``t1`` may be arrays of incursions.
        """
        x, t0, t1 = (np.asarray(a, dtype=float) for a in (x_km, t0, t1))
        if self.teams <= 0:
            return np.full(np.broadcast(x, t0, t1).shape, np.inf)[()]
        local = np.mod(x - self.offset_km, self.line_km)       # closed line
        team = np.minimum((local / self.sub_km).astype(int), self.teams - 1)
        y = local - team * self.sub_km
        v, T, h = self.speed_kmh, self.period, self.hours_per_day
        lo = np.maximum(0.0, y - self.radius_km) / v      # motion hours into the out leg
        hi = np.minimum(self.sub_km, y + self.radius_km) / v
        base = active_hours(self.start, h)
        m0 = active_hours(t0, h) - base
        m1 = active_hours(t1, h) - base
        k0 = np.mod(self.phases[team] + m0, T)           # the team's phase at the window start
        best = np.full(m0.shape, np.inf)
        for a, b in ((lo, hi), (T - hi, T - lo)):         # out leg, back leg
            m = np.where((a <= k0) & (k0 <= b), m0, m0 + np.mod(a - k0, T))
            best = np.where((m <= m1) & (m < best), m, best)
        # Off duty nothing is seen: a window without duty hours is never detected.
        found = (best < np.inf) & (m1 > m0) & (t1 >= t0)
        t = np.where(found, clock_time(np.where(found, best, 0.0) + base, h), np.inf)
        if h < 24.0:
            # Within reach at the window's start, off duty: seen at the next duty start.
            off = found & (best == m0) & (np.mod(t0, 24.0) >= h)
            t = np.where(off, (np.floor(t0 / 24.0) + 1.0) * 24.0, t)
        return np.where(found, np.maximum(t0, t), np.inf)[()]


def first_pass(layouts: list[PatrolLayout], x_km, t0, t1):
    """First pass over ``x_km`` in ``[t0, t1]`` across successive layouts (hours).

    Vectorised over incursions; layouts are in time order, so the first layout
    that finds a pass finds the earliest.
    """
    x, t0, t1 = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (x_km, t0, t1)))
    out = np.full(x.shape, np.inf)
    for i, lay in enumerate(layouts):
        end = layouts[i + 1].start if i + 1 < len(layouts) else np.inf
        lo, hi = np.maximum(t0, lay.start), np.minimum(t1, end)
        todo = (lo <= hi) & (out == np.inf)
        if todo.any():
            out[todo] = lay.first_pass(x[todo], lo[todo], hi[todo])
    return out[()]
