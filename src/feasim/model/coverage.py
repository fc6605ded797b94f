"""Coverage and detection of incursions (model-spec §4, contract v2 §1)."""

from __future__ import annotations

import numpy as np

from ..sampling import Draws
from ..schema import Scenario

__all__ = ["patrol_detection", "coverage", "sector_layout"]

_DAY = 24.0


def _g(x):
    """P(detection) for a window of x round trips of motion: 1 − (1 − x)², 1 for x ≥ 1."""
    return np.where(x < 1.0, 1.0 - (1.0 - np.minimum(x, 1.0)) ** 2, 1.0)


def _g_integral(x):
    """∫₀ˣ g(y) dy = x − (1 − (1 − min(x, 1))³)/3 (x − 1/3 for x ≥ 1)."""
    return x - (1.0 - (1.0 - np.minimum(x, 1.0)) ** 3) / 3.0


def _active_hours(t, h):
    """Duty hours in clock [0, t): teams out [24k, 24k + h) every day."""
    days = np.floor(t / _DAY)
    return days * h + np.minimum(t - days * _DAY, h)


def _part_time(tau, trip, rho, h):
    """Exact P(detect) averaged over a uniform start time t0 in one day (contract §1).

    M(t0) = A(t0 + τ) − A(t0), the duty hours inside the window, is piecewise
    linear in t0 with slope −1, 0 or +1 and kinks at 0, h, −τ and h − τ (mod 24).
    On each piece f(M) = [M > 0]·g((M + ρ)/T) is integrated in closed form: on a
    sloped piece ∫ f dt0 = T·|G(x₁) − G(x₀)| (G the integral of g; M > 0 inside),
    on a flat piece it is the length × f(M) (0 where the window has no duty hour).
    """
    kinks = np.sort(np.stack(np.broadcast_arrays(
        np.zeros_like(tau), h, np.mod(-tau, _DAY), np.mod(h - tau, _DAY),
        np.full_like(tau, _DAY))), axis=0)
    m = _active_hours(kinks + tau, h) - np.minimum(kinks, h)   # M at each kink (t0 ≤ 24)
    with np.errstate(all="ignore"):
        x = (m + rho) / trip
        gx = _g_integral(x)
        total = np.zeros(tau.shape)
        for i in range(4):
            width = kinks[i + 1] - kinks[i]
            dm = m[i + 1] - m[i]
            sloped = np.abs(dm) > 0.5 * width   # slopes are exactly 0 or ±1
            mean_sloped = trip * (gx[i + 1] - gx[i]) / np.where(sloped, dm, 1.0)
            mid = 0.5 * (m[i] + m[i + 1])
            mean_flat = np.where(mid > 1e-9 * (1.0 + tau), _g((mid + rho) / trip), 0.0)
            total += width * np.where(sloped & (width > 0), mean_sloped, mean_flat)
    return total / _DAY


def patrol_detection(exposure_hours, round_trip_hours, radius_hours=0.0, hours_per_day=24.0):
    """P(a patrol team detects a uniformly placed point within a window of τ hours).

    Each point of a sub-sector is passed twice per round trip ``T``; averaged
    over the point's position, ``P = g((τ + 2r/v)/T)`` with ``g(x) = 1 − (1 − x)²``
    for ``x < 1`` and 1 for ``x ≥ 1`` (continuous patrolling). ``T = inf`` (no
    patrol) gives 0. A detection radius ``r`` widens the window by ``2r/v``
    (``radius_hours`` is ``r/v``): exact for a team that searches only its own
    sub-sector, ends included.

    Part-time patrols (``hours_per_day`` h < 24, out in clock ``[24k, 24k + h)``,
    standing still and never detecting otherwise): with ``M(t0)`` the duty hours
    inside the window ``[t0, t0 + τ]``, ``P = mean over t0 ~ U[0, 24) of
    [M > 0]·g((M + 2r/v)/T)``, exact (contract v2 §1). Vectorised over every
    argument.
    """
    tau = np.asarray(exposure_hours, dtype=float)
    trip = np.asarray(round_trip_hours, dtype=float)
    rho = 2.0 * np.asarray(radius_hours, dtype=float)
    h = np.asarray(hours_per_day, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        full = _g((tau + rho) / trip)
    if not np.any(h < _DAY):
        return full
    tau, trip, rho, h = np.broadcast_arrays(tau, trip, rho, h)
    part = _part_time(tau + 0.0, trip, rho, h)
    return np.where(np.isinf(trip), 0.0, np.where(h < _DAY, part, full))


def sector_layout(scenario: Scenario, d: Draws):
    """(start_km, length_km) per sector, in line order; one sector without sectors."""
    sectors = scenario.theatre.sectors
    if not sectors:
        return [(0.0, d["theatre.line_km"])]
    out, x = [], 0.0
    for s in sectors:
        length = d.get(f"theatre.sectors[{s.name}].length_km", s.length_km)
        out.append((x, length))
        x = x + length
    return out


def _sector_weights(scenario: Scenario, d: Draws):
    """(weights, visibility) per sector; weights are threat × length, normalised."""
    sectors = scenario.theatre.sectors
    if not sectors:
        return [1.0], [1.0]
    lengths = [length for _, length in sector_layout(scenario, d)]
    raw = [d[f"theatre.sectors[{s.name}].threat"] * ln for s, ln in zip(sectors, lengths,
                                                                          strict=True)]
    total = sum(raw)
    line = sum(lengths)
    # Where every threat is zero, incursions are equally likely per km.
    weights = [np.where(total > 0, w / np.where(total > 0, total, 1.0), ln / line)
               for w, ln in zip(raw, lengths, strict=True)]
    vis = [d[f"theatre.sectors[{s.name}].visibility"] for s in sectors]
    return weights, vis


def coverage(scenario: Scenario, d: Draws, posts, teams) -> dict:
    """Coverage of posts and sensors, patrol detection, and their combination.

    Besides the metrics, returns two private entries (not metrics) for the QRF
    load: ``_sector_weights`` (share of incursions per sector, threat × length,
    normalised) and ``_sector_detection`` (P(detect) per sector: sectors differ
    in the posts' visibility).
    """
    p = scenario.posture
    line = d["theatre.line_km"]
    tau = d["incursions.exposure_hours"]
    zero = np.zeros(d.n)
    out = {"op_coverage": zero, "patrol_detection_probability": zero,
           "sensor_coverage": zero, "revisit_hours_mean": zero + np.nan,
           "revisit_hours_max": zero + np.nan}
    p_pat = p_sen = zero
    weights, vis = _sector_weights(scenario, d)
    p_op_s = [zero] * len(weights)

    if p.observation_posts:
        reach = posts * 2.0 * d["posture.observation_posts.radius_km"] / line
        c_s = [np.minimum(1.0, reach * v) for v in vis]
        out["op_coverage"] = sum(w * c for w, c in zip(weights, c_s, strict=True)) + zero
        dp = d["posture.observation_posts.detection_probability"]
        p_op_s = [c * dp for c in c_s]

    if p.patrols:
        speed = d["posture.patrols.speed_kmh"]
        with np.errstate(divide="ignore"):
            trip = np.where(teams > 0, 2.0 * line / (teams * speed), np.inf)
        reach = d["posture.patrols.detection_radius_km"] / speed
        p_pat = patrol_detection(tau, trip, reach, d["posture.patrols.hours_per_day"]) + zero
        out["patrol_detection_probability"] = p_pat
        out["revisit_hours_mean"] = np.where(teams > 0, trip / 2.0, np.nan)
        out["revisit_hours_max"] = np.where(teams > 0, trip, np.nan)

    if p.sensors:
        s = "posture.sensors"
        c_sen = np.minimum(1.0, d[f"{s}.count"] * d[f"{s}.coverage_km_each"] / line) \
            * d[f"{s}.availability"]
        out["sensor_coverage"] = c_sen + zero
        p_sen = out["sensor_coverage"] * d[f"{s}.detection_probability"]

    p_op = out["op_coverage"] * d["posture.observation_posts.detection_probability"] \
        if p.observation_posts else zero
    out["detection_probability"] = 1.0 - (1.0 - p_op) * (1.0 - p_pat) * (1.0 - p_sen)
    out["_sector_weights"] = weights
    out["_sector_detection"] = [1.0 - (1.0 - po) * (1.0 - p_pat) * (1.0 - p_sen)
                                for po in p_op_s] \
        if len(weights) > 1 else [out["detection_probability"]]
    return out
