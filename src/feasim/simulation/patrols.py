"""Patrol passes computed from motion, not stepped kilometre by kilometre.

``N`` teams each patrol their own sub-sector of length ``ℓ = L / N`` back and
forth at speed ``v``: a triangle wave of period ``T = 2ℓ / v`` in *motion time*,
the hours a team has been out. Teams are out ``h`` hours a day from clock hour
``s`` (``patrols.start_hour``, contract v3 §C; 0 = midnight as in v2); outside
them they stand still and *detect nothing* (contract v2 §1). A team starting at
a uniformly random position and direction is a team with a uniformly random
phase in ``[0, T)``.

The sub-sectors form an evenly spaced grid with a uniformly random offset
``u ∈ [0, ℓ)`` per layout, on a line treated as closed (positions mod ``L``):
sub-sector ``k`` is ``[u + kℓ, u + (k+1)ℓ)`` mod ``L`` (contract v2 §2).

Passes (contract v3 §A). A point at local coordinate ``y`` is crossed at motion
times ``≡ y/v − φ`` and ``≡ T − y/v − φ`` (mod ``T``), twice per round trip. For
a window whose duty hours are ``[m0, m0 + M]`` in motion time, a pass at ``m_p``
*counts* iff ``M > 0`` and ``m_p ∈ [m0 − r/v, m0 + M + r/v]`` (``r`` the detection
radius, already scaled by the sector's visibility). Each counted pass detects
independently with probability ``p``; the index ``K`` of the first success is
drawn (geometric), and the ``K``-th counted pass, if there is one, detects at
motion time ``max(m0, m_p − r/v)``: at the window's start if the team is already
within reach then (at the next duty start if the window opens off duty), else
when it comes within ``r``. Everything is arithmetic on the phase: the cost of
a query does not depend on the distance travelled. With ``p = 1`` this is
exactly v2's first moment within reach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["PatrolLayout", "active_hours", "clock_time", "first_pass",
           "part_time_detection", "pass_detection", "duty_hours", "draw_first_success"]


def active_hours(t, h: float, start: float = 0.0):
    """Hours a team has been out between clock ``start`` and ``t`` when out ``h`` hours
    a day from clock hour ``start`` (negative before ``start``; only differences and
    the inverse :func:`clock_time` are used). Works on floats and NumPy arrays.
    """
    if h >= 24.0:
        return t - start
    day, rest = np.divmod(np.asarray(t, dtype=float) - start, 24.0)
    out = day * h + np.minimum(rest, h)
    return out if np.ndim(out) else float(out)


def clock_time(a, h: float, start: float = 0.0):
    """Earliest clock time at which a team has been out ``a`` hours (inverse of the above)."""
    if h >= 24.0:
        return a + start
    day, rest = np.divmod(a, h)
    end = (rest == 0) & (day > 0)  # the end of an active period, not the next morning
    day = np.where(end, day - 1, day)
    rest = np.where(end, h, rest)
    out = day * 24.0 + rest + start
    return out if np.ndim(out) else float(out)


def duty_hours(t0, tau: float, h: float, start: float = 0.0):
    """``M(t0)``: duty hours inside the window ``[t0, t0 + τ]`` (hours)."""
    return active_hours(np.asarray(t0, dtype=float) + tau, h, start) - active_hours(t0, h, start)


def _g(x):
    """P(pass) for a window of ``x`` round trips: ``1 − (1 − x)²`` below 1, else 1."""
    return 1.0 - (1.0 - min(x, 1.0)) ** 2


def pass_detection(M, period_hours: float, reach_hours, p):
    """``P(detect | M) = [M > 0] (1 − q^(2n) (1 − p ξ)²)`` with ``(M + 2r/v)/T = n + ξ``,
    ``q = 1 − p`` (contract v3 §A). Vectorised over ``M``, ``reach_hours`` (``r/v``) and ``p``."""
    M, rho, p = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (M, reach_hours, p)))
    x = (M + 2.0 * rho) / period_hours
    n = np.floor(x)
    xi = x - n
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        out = 1.0 - (1.0 - p) ** (2.0 * n) * (1.0 - p * xi) ** 2
    return np.where(M > 1e-12, out, 0.0)


def part_time_detection(exposure_hours: float, period_hours: float, reach_hours: float,
                        hours_per_day: float, p: float = 1.0, start_hour: float = 0.0) -> float:
    """Exact P(a team detects an incursion) averaged over its arrival time of day.

    ``P(detect | M(t0))`` (:func:`pass_detection`) averaged over ``t0`` uniform on
    ``[0, 24)``. ``M`` is piecewise linear in ``t0`` (kinks at ``s, s + h, s − τ,
    s + h − τ`` mod 24); each piece is also split where ``M + 2r/v`` crosses a
    multiple of ``T``, so that the integrand is a polynomial of degree 2 on every
    sub-piece, and integrated by 2-point Gauss–Legendre (exact). Scalar;
    ``period_hours = inf`` (no team) gives 0. ``p = 1`` is v2's ``g``.
    """
    tau, T, rho, h = (float(exposure_hours), float(period_hours), float(reach_hours),
                      float(hours_per_day))
    if not math.isfinite(T) or h <= 0.0:
        return 0.0
    if h >= 24.0:
        return float(pass_detection(tau, T, rho, p))
    nodes, weights = _pieces(tau, T, rho, h, start_hour, ())
    return float(np.sum(weights * pass_detection(duty_hours(nodes, tau, h, start_hour), T,
                                                 rho, p)) / 24.0)


def _pieces(tau: float, T: float, rho: float, h: float, start: float, extra_cuts):
    """Gauss–Legendre nodes and weights on ``[0, 24)`` split at the kinks of ``M``,
    the crossings of ``M + 2r/v`` with multiples of ``T`` and ``extra_cuts`` (hours)."""
    s = float(start) % 24.0

    def duty(t0: float) -> float:   # scalar M(t0), in plain floats (called per piece)
        def a(t: float) -> float:
            day, rest = divmod(t - s, 24.0)
            return day * h + min(rest, h)
        return tau if h >= 24.0 else a(t0 + tau) - a(t0)

    cuts = {0.0, 24.0, s, (s + h) % 24.0, (s - tau) % 24.0, (s + h - tau) % 24.0}
    cuts |= {float(c) % 24.0 for c in extra_cuts}
    edges = sorted(cuts)
    node = 0.5 / math.sqrt(3.0)
    xs, ws = [], []
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        if b - a <= 1e-12:
            continue
        pts = [a, b]
        if math.isfinite(T) and T > 0:
            xa = (duty(a) + 2.0 * rho) / T
            xb = (duty(b) + 2.0 * rho) / T
            lo, hi = sorted((xa, xb))
            for k in range(int(math.floor(lo)) + 1, int(math.ceil(hi))):
                pts.append(a + (k - xa) / (xb - xa) * (b - a))
        pts = sorted(pts)
        for c, d in zip(pts[:-1], pts[1:], strict=True):
            if d - c <= 1e-12:
                continue
            mid, half = 0.5 * (c + d), d - c
            xs += [mid - node * half, mid + node * half]
            ws += [0.5 * half, 0.5 * half]
    return np.array(xs), np.array(ws)


def draw_first_success(rng: np.random.Generator, p) -> np.ndarray:
    """Index (1-based) of the first successful pass, geometric in ``p``; ``inf`` for ``p = 0``."""
    p = np.asarray(p, dtype=float)
    ok = p > 0
    k = rng.geometric(np.where(ok, np.minimum(p, 1.0), 1.0)).astype(float)
    return np.where(ok, k, np.inf)


@dataclass(frozen=True)
class PatrolLayout:
    """Teams on the line from clock ``start`` (hours) until the next layout."""

    start: float
    teams: int
    line_km: float
    speed_kmh: float
    hours_per_day: float
    phases: np.ndarray  # hours of motion, one per team, uniform in [0, T)
    radius_km: float = 0.0  # detection radius within the team's own sub-sector (open terrain)
    offset_km: float = 0.0  # grid phase u in [0, ℓ): sub-sector k starts at u + kℓ (mod L)
    start_hour: float = 0.0  # clock hour at which daily duty starts

    @property
    def sub_km(self) -> float:
        return self.line_km / self.teams

    @property
    def period(self) -> float:
        """Round trip ``T = 2ℓ / v`` (hours of motion)."""
        return 2.0 * self.sub_km / self.speed_kmh

    def passes(self, x_km, t0, t1, radius_km=None, k=1.0):
        """Detection in ``[t0, t1]`` by the ``k``-th counted pass of the team of ``x_km``'s
        sub-sector (contract v3 §A): ``(clock time or inf, number of counted passes)``.

        Vectorised: ``x_km``, ``t0``, ``t1``, ``radius_km`` (default the layout's) and
        ``k`` may be arrays of incursions.
        """
        r = self.radius_km if radius_km is None else radius_km
        x, t0, t1, r, k = np.broadcast_arrays(*(np.asarray(a, dtype=float)
                                                for a in (x_km, t0, t1, r, k)))
        if self.teams <= 0:
            return np.full(x.shape, np.inf), np.zeros(x.shape)
        local = np.mod(x - self.offset_km, self.line_km)       # closed line
        team = np.minimum((local / self.sub_km).astype(int), self.teams - 1)
        y = local - team * self.sub_km
        v, T, h, s = self.speed_kmh, self.period, self.hours_per_day, self.start_hour
        rv = r / v
        base = active_hours(self.start, h, s)
        m0 = active_hours(t0, h, s) - base
        m1 = active_hours(t1, h, s) - base
        lo, hi = m0 - rv, m1 + rv
        ph = self.phases[team]
        fa = lo + np.mod(y / v - ph - lo, T)              # first out-leg crossing >= lo
        fb = lo + np.mod(T - y / v - ph - lo, T)          # first back-leg crossing >= lo
        on = (m1 > m0) & (t1 >= t0)
        count = np.where(fa <= hi, np.floor((hi - fa) / T) + 1.0, 0.0) \
            + np.where(fb <= hi, np.floor((hi - fb) / T) + 1.0, 0.0)
        count = np.where(on, count, 0.0)
        found = on & (k <= count)
        j = np.where(found, k - 1.0, 0.0)
        first, second = np.minimum(fa, fb), np.maximum(fa, fb)
        mk = np.where(np.mod(j, 2.0) == 0, first + 0.5 * j * T, second + 0.5 * (j - 1.0) * T)
        late = mk - rv > m0                               # not yet within reach at m0
        t = np.where(found & late, clock_time(np.where(found & late, mk - rv, 0.0) + base,
                                              h, s), t0)
        if h < 24.0:
            # Within reach at the window's start, off duty: seen at the next duty start.
            off = found & ~late & (np.mod(t0 - s, 24.0) >= h)
            t = np.where(off, s + (np.floor((t0 - s) / 24.0) + 1.0) * 24.0, t)
        t = np.where(found, np.maximum(t0, t), np.inf)
        return t, count

    def first_pass(self, x_km, t0, t1, radius_km=None):
        """Clock time the team of ``x_km``'s sub-sector first comes within ``radius_km``
        of it while on duty in ``[t0, t1]`` (a pass, for radius 0); ``inf`` if never."""
        return self.passes(x_km, t0, t1, radius_km)[0][()]


def first_pass(layouts: list[PatrolLayout], x_km, t0, t1, radius_km=None, k=None):
    """Detection time (hours, inf if none) of the ``k``-th counted pass over ``x_km`` in
    ``[t0, t1]`` across successive layouts (``k = 1``: the first pass).

    Vectorised over incursions. Layouts are in time order; a window spanning a
    layout change is split there and the passes counted in the earlier piece are
    used up (the ``k``-th pass overall detects, memoryless as the geometric draw).
    """
    x, t0, t1 = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (x_km, t0, t1)))
    left = np.ones(x.shape) if k is None else np.array(np.broadcast_to(k, x.shape), float)
    out = np.full(x.shape, np.inf)
    if not layouts:
        return out[()]  # no patrol: never detected
    r = np.broadcast_to(np.asarray(layouts[0].radius_km if radius_km is None else radius_km,
                                   dtype=float), x.shape)
    for i, lay in enumerate(layouts):
        end = layouts[i + 1].start if i + 1 < len(layouts) else np.inf
        lo, hi = np.maximum(t0, lay.start), np.minimum(t1, end)
        todo = (lo <= hi) & (out == np.inf) & (left < np.inf)
        if todo.any():
            t, c = lay.passes(x[todo], lo[todo], hi[todo], r[todo], left[todo])
            out[todo] = t
            left[todo] = np.where(t < np.inf, left[todo], left[todo] - c)
    return out[()]
