"""Coverage and detection of incursions (model-spec §4)."""

from __future__ import annotations

import numpy as np

from ..sampling import Draws
from ..schema import Scenario

__all__ = ["patrol_detection", "coverage"]


def patrol_detection(exposure_hours, round_trip_hours, radius_hours=0.0):
    """P(a patrol passes a uniformly placed point within a window of τ hours).

    Each point of a sub-sector is passed twice per round trip ``T``; averaged
    over the point's position, ``P = 1 − (1 − τ/T)²`` for ``τ < T`` and 1 for
    ``τ ≥ T`` (continuous patrolling). ``T = inf`` (no patrol) gives 0.

    A detection radius ``r`` widens the window to ``τ + 2r/v`` (``radius_hours``
    is ``r/v``): the patrol is within ``r`` of the point from ``r/v`` before a
    pass to ``r/v`` after it. Exact for a team that searches only its own
    sub-sector, ends included: where its two visits merge near a turn, the gaps
    between visits, which decide a miss, are still shortened by exactly ``2r/v``.
    """
    tau = np.asarray(exposure_hours, dtype=float) + 2.0 * np.asarray(radius_hours, dtype=float)
    x = tau / np.asarray(round_trip_hours, dtype=float)
    return np.where(x < 1.0, 1.0 - (1.0 - np.minimum(x, 1.0)) ** 2, 1.0)


def _sector_weights(scenario: Scenario, d: Draws):
    """(weights, visibility) per sector; weights are threat × length, normalised."""
    sectors = scenario.theatre.sectors
    if not sectors:
        return [1.0], [1.0]
    raw = [d[f"theatre.sectors[{s.name}].threat"] * s.length_km for s in sectors]
    total = sum(raw)
    lengths = sum(s.length_km for s in sectors)
    # Where every threat is zero, incursions are equally likely per km.
    weights = [np.where(total > 0, w / np.where(total > 0, total, 1.0), s.length_km / lengths)
               for w, s in zip(raw, sectors, strict=True)]
    vis = [d[f"theatre.sectors[{s.name}].visibility"] for s in sectors]
    return weights, vis


def coverage(scenario: Scenario, d: Draws, posts, teams) -> dict:
    """Coverage of posts and sensors, patrol detection, and their combination."""
    p = scenario.posture
    line = d["theatre.line_km"]
    tau = d["incursions.exposure_hours"]
    zero = np.zeros(d.n)
    out = {"op_coverage": zero, "patrol_detection_probability": zero,
           "sensor_coverage": zero, "revisit_hours_mean": zero + np.nan,
           "revisit_hours_max": zero + np.nan}
    p_op = p_pat = p_sen = zero

    if p.observation_posts:
        weights, vis = _sector_weights(scenario, d)
        reach = posts * 2.0 * d["posture.observation_posts.radius_km"] / line
        c_op = sum(w * np.minimum(1.0, reach * v) for w, v in zip(weights, vis, strict=True))
        out["op_coverage"] = c_op + zero
        p_op = out["op_coverage"] * d["posture.observation_posts.detection_probability"]

    if p.patrols:
        with np.errstate(divide="ignore"):
            trip = np.where(teams > 0, 2.0 * line / (teams * d["posture.patrols.speed_kmh"]),
                            np.inf)
        active = d["posture.patrols.hours_per_day"] / 24.0
        reach = d["posture.patrols.detection_radius_km"] / d["posture.patrols.speed_kmh"]
        p_pat = patrol_detection(tau, trip, reach) * active + zero
        out["patrol_detection_probability"] = p_pat
        out["revisit_hours_mean"] = np.where(teams > 0, trip / 2.0, np.nan)
        out["revisit_hours_max"] = np.where(teams > 0, trip, np.nan)

    if p.sensors:
        s = "posture.sensors"
        c_s = np.minimum(1.0, d[f"{s}.count"] * d[f"{s}.coverage_km_each"] / line) \
            * d[f"{s}.availability"]
        out["sensor_coverage"] = c_s + zero
        p_sen = out["sensor_coverage"] * d[f"{s}.detection_probability"]

    out["detection_probability"] = 1.0 - (1.0 - p_op) * (1.0 - p_pat) * (1.0 - p_sen)
    return out
