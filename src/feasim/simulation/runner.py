"""One replication's metrics and daily series (what :class:`feasim.models.SimulationModel`
runs per replication and aggregates into the shared :class:`~feasim.Result`)."""

from __future__ import annotations

import math

import numpy as np

from ..metrics import SERIES_UNITS
from ..schema import Scenario
from .engine import Replication, _posture_at, _teams_per_base

__all__ = ["replication_metrics", "SERIES_UNITS"]


def _step_integral(starts: np.ndarray, values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """∫₀ᵉ of a step function (``values[i]`` from ``starts[i]`` on; 0 before) at each edge."""
    widths = np.diff(np.append(starts, np.inf))
    done = np.concatenate([[0.0], np.cumsum(values[:-1] * widths[:-1])])  # up to each start
    i = np.searchsorted(starts, edges, side="right") - 1
    inside = i >= 0
    j = np.maximum(i, 0)
    return np.where(inside, done[j] + values[j] * (edges - starts[j]), 0.0)


def _posture_integral(rep: Replication, attr: str, edges: np.ndarray) -> np.ndarray:
    starts = np.array([p.start for p in rep.postures])
    values = np.array([float(getattr(p, attr)) for p in rep.postures])
    return _step_integral(starts, values, edges)


def _time_average(rep: Replication, attr: str) -> float:
    H = rep.horizon_hours
    return float(_posture_integral(rep, attr, np.array([H]))[0] / H)


def _busy_integral(rep: Replication, edges: np.ndarray) -> np.ndarray:
    """Team-hours busy from 0 to each edge: Σ clip(t − start, 0, end − start)."""
    if not rep.busy:
        return np.zeros(edges.shape)
    spans = np.array(rep.busy)
    starts, ends = np.sort(spans[:, 0]), np.sort(spans[:, 1])
    cs = np.concatenate([[0.0], np.cumsum(starts)])
    ce = np.concatenate([[0.0], np.cumsum(ends)])
    ks = np.searchsorted(starts, edges, side="left")
    ke = np.searchsorted(ends, edges, side="left")
    return (ks * edges - cs[ks]) - (ke * edges - ce[ke])


def _base_capacity(rep: Replication, bases: int) -> np.ndarray:
    """Team-hours available at each base over the horizon."""
    starts = np.array([p.start for p in rep.postures])
    per_base = np.array([_teams_per_base(p.qrf_teams, bases) for p in rep.postures], float)
    edge = np.array([rep.horizon_hours])
    return np.array([_step_integral(starts, per_base[:, j], edge)[0] for j in range(bases)])


def replication_metrics(scenario: Scenario, rep: Replication) -> dict:
    """Scalar metrics and daily series of one replication."""
    n_inc = rep.arrivals.size
    nan = math.nan

    def share(mask) -> float:
        return float(np.mean(mask)) if n_inc else nan

    detected = rep.detected_at < math.inf
    m: dict[str, float] = {
        "in_theatre_troops": _time_average(rep, "in_theatre"),
        "troops_per_km": nan,
        "observation_posts": _time_average(rep, "posts"),
        "patrol_teams": _time_average(rep, "patrol_teams"),
        "qrf_teams": _time_average(rep, "qrf_teams"),
        "fill_ratio": _time_average(rep, "fill_ratio"),
        "op_coverage": share(rep.in_post_radius),
        "sensor_coverage": share(rep.in_sensor_view),
        "patrol_detection_probability": share(rep.by_patrol),
        "detection_probability": share(detected),
    }
    m["troops_per_km"] = m["in_theatre_troops"] / rep.params["line_km"]
    if scenario.posture.qrf is not None:
        m.update(_qrf_metrics(scenario, rep, m["detection_probability"]))
    return {"metrics": m, "series": _series(scenario, rep)}


def _qrf_metrics(scenario: Scenario, rep: Replication, p_detect: float) -> dict:
    P = rep.params
    H = rep.horizon_hours
    bases = P["bases"]
    cap = _base_capacity(rep, bases)
    # Offered work per base at the scenario's rate and the detection observed.
    detect = 0.0 if math.isnan(p_detect) else p_detect
    offered = P["rate_per_hour"] * detect * P["engagement_hours"] / bases * H
    # A base never staffed could answer nothing, whether or not incidents came.
    overloaded = bool(np.any((cap == 0) | ((offered > 0) & (offered >= cap))))
    waits = np.array(rep.waits)
    resp = waits + P["readiness_hours"] + np.array(rep.travel)
    out = {
        "qrf_utilisation": float(_busy_integral(rep, np.array([H]))[0]) / cap.sum()
        if cap.sum() > 0 else
        (math.inf if offered > 0 else 0.0),
        "qrf_overloaded": float(overloaded),
        "qrf_wait_probability": float(np.mean(waits > 1e-12)) if waits.size else math.nan,
        "qrf_wait_hours_mean": float(np.mean(waits)) if waits.size else math.nan,
        "travel_hours_mean": float(np.mean(rep.travel)) if waits.size else math.nan,
        "response_hours_mean": float(np.mean(resp)) if waits.size else math.nan,
        "response_hours_p90": float(np.quantile(resp, 0.9)) if waits.size else math.nan,
    }
    if overloaded:
        out.update(qrf_wait_probability=1.0, qrf_wait_hours_mean=math.inf,
                   response_hours_mean=math.inf, response_hours_p90=math.inf)
    return out


def _series(scenario: Scenario, rep: Replication) -> dict[str, np.ndarray]:
    """Daily series from cumulative integrals: cost grows with days plus incidents."""
    days = int(math.ceil(rep.horizon_hours / 24.0))
    edges = np.arange(days + 1) * 24.0
    at = [_posture_at(rep.postures, t) for t in edges[:-1]]
    detections = rep.detected_at[rep.detected_at < math.inf]
    series = {
        "in_theatre_troops": np.array([p.in_theatre for p in at]),
        "fill_ratio": np.array([p.fill_ratio for p in at]),
        "incursions": np.histogram(rep.arrivals, edges)[0].astype(float),
        "detections": np.histogram(detections, edges)[0].astype(float),
    }
    if scenario.posture.qrf is not None:
        busy = np.diff(_busy_integral(rep, edges))
        cap = np.diff(_posture_integral(rep, "qrf_teams", edges))
        with np.errstate(all="ignore"):
            series["qrf_utilisation"] = np.where(cap > 0, busy / np.where(cap > 0, cap, 1), np.nan)
    return series
