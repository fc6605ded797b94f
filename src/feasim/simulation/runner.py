"""Replications, workers and aggregation into the shared :class:`~feasim.Result`.

Replication ``i`` draws everything from child ``i`` of one
``numpy.random.SeedSequence(seed)``, so results do not depend on how
replications are spread over worker processes: the same seed gives the same
bytes of JSON for any ``workers``.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from ..loader import with_overrides
from ..metrics import SERIES_UNITS
from ..model.feasibility import check_criteria
from ..results import CriterionResult, Result
from ..progress import Progress
from ..schema import Scenario
from .engine import Replication, run_replication

__all__ = ["simulate", "replication_metrics", "SERIES_UNITS"]



def _run_chunk(scenario: Scenario, seed: int, indices: list[int]) -> list[dict]:
    children = np.random.SeedSequence(seed).spawn(max(indices) + 1)
    out = []
    for i in indices:
        rep = run_replication(scenario, i, children[i])
        out.append(replication_metrics(scenario, rep))
    return out


def _time_average(postures, attr: str, horizon: float) -> float:
    starts = [p.start for p in postures] + [horizon]
    total = 0.0
    for p, a, b in zip(postures, starts[:-1], starts[1:], strict=True):
        if a >= horizon:
            break
        total += getattr(p, attr) * (min(b, horizon) - a)
    return total / horizon


def _capacity_hours(rep: Replication, bases: int, lo: float, hi: float) -> np.ndarray:
    """Team-hours available at each base between ``lo`` and ``hi``."""
    from .engine import _teams_per_base

    starts = [p.start for p in rep.postures] + [math.inf]
    cap = np.zeros(bases)
    for p, a, b in zip(rep.postures, starts[:-1], starts[1:], strict=True):
        span = max(0.0, min(b, hi) - max(a, lo))
        if span > 0:
            cap += np.array(_teams_per_base(p.qrf_teams, bases)) * span
    return cap


def _busy_hours(rep: Replication, lo: float, hi: float) -> float:
    return sum(max(0.0, min(b, hi) - max(a, lo)) for _, a, b in rep.busy)


def replication_metrics(scenario: Scenario, rep: Replication) -> dict:
    """Scalar metrics and daily series of one replication."""
    H = rep.horizon_hours
    n_inc = rep.arrivals.size
    nan = math.nan

    def share(mask) -> float:
        return float(np.mean(mask)) if n_inc else nan

    detected = rep.detected_at < math.inf
    m: dict[str, float] = {
        "in_theatre_troops": _time_average(rep.postures, "in_theatre", H),
        "troops_per_km": nan,
        "observation_posts": _time_average(rep.postures, "posts", H),
        "patrol_teams": _time_average(rep.postures, "patrol_teams", H),
        "qrf_teams": _time_average(rep.postures, "qrf_teams", H),
        "fill_ratio": _time_average(rep.postures, "fill_ratio", H),
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
    cap = _capacity_hours(rep, bases, 0.0, H)
    # Offered work per base at the scenario's rate and the detection observed.
    detect = 0.0 if math.isnan(p_detect) else p_detect
    offered = P["rate_per_hour"] * detect * P["engagement_hours"] / bases * H
    # A base never staffed could answer nothing, whether or not incidents came.
    overloaded = bool(np.any((cap == 0) | ((offered > 0) & (offered >= cap))))
    waits = np.array(rep.waits)
    resp = waits + P["readiness_hours"] + np.array(rep.travel)
    out = {
        "qrf_utilisation": _busy_hours(rep, 0.0, H) / cap.sum() if cap.sum() > 0 else
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
    days = int(math.ceil(rep.horizon_hours / 24.0))
    starts = np.arange(days) * 24.0
    from .engine import _posture_at

    at = [_posture_at(rep.postures, t) for t in starts]
    edges = np.arange(days + 1) * 24.0
    detections = rep.detected_at[rep.detected_at < math.inf]
    series = {
        "in_theatre_troops": np.array([p.in_theatre for p in at]),
        "fill_ratio": np.array([p.fill_ratio for p in at]),
        "incursions": np.histogram(rep.arrivals, edges)[0].astype(float),
        "detections": np.histogram(detections, edges)[0].astype(float),
    }
    if scenario.posture.qrf is not None:
        bases = rep.params["bases"]
        util = []
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            cap = _capacity_hours(rep, bases, lo, hi).sum()
            util.append(_busy_hours(rep, lo, hi) / cap if cap > 0 else math.nan)
        series["qrf_utilisation"] = np.array(util)
    return series


def _chunks(n: int, workers: int) -> list[list[int]]:
    size = max(1, math.ceil(n / (workers * 4)))
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


def simulate(scenario: Scenario, replications: int | None = None, days: float | None = None,
             seed: int | None = None, workers: int = 1,
             progress: bool | None = None) -> Result:
    """Simulate ``scenario`` with SimPy and return the shared result type.

    Parameters
    ----------
    replications, days, seed:
        Override ``simulation.replications``, ``simulation.days`` (horizon, days)
        and ``simulation.seed``.
    workers:
        Local processes to spread replications over (1 = in this process). The
        result is identical for any number of workers.
    progress:
        Show a progress bar on stderr (default: only when stderr is a terminal).

    Returns
    -------
    Result
        ``method == "simulation"``; one value per replication for each metric the
        simulation estimates, 95% confidence intervals in ``to_dict()``, and daily
        time series (replication × day) in ``series``.
    """
    overrides = {}
    if replications is not None:
        overrides["simulation.replications"] = int(replications)
    if days is not None:
        overrides["simulation.days"] = float(days)
    if seed is not None:
        overrides["simulation.seed"] = int(seed)
    if overrides:
        scenario = with_overrides(scenario, overrides)
    sim = scenario.simulation
    n, seed = sim.replications, sim.seed
    workers = max(1, min(int(workers), n, os.cpu_count() or 1))
    chunks = _chunks(n, workers)
    parts: list[list[dict]] = []
    with Progress(n, "simulate", "replications", enabled=progress) as bar:
        if workers == 1:
            for chunk in chunks:
                parts.append(_run_chunk(scenario, seed, chunk))
                bar.update(len(chunk))
        else:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = [pool.submit(_run_chunk, scenario, seed, c) for c in chunks]
                for fut in futures:  # in submission order: deterministic assembly
                    parts.append(fut.result())
                    bar.update(len(parts[-1]))
    reps = [r for part in parts for r in part]
    names = list(reps[0]["metrics"])
    metrics = {k: np.array([r["metrics"][k] for r in reps], dtype=float) for k in names}
    series = {k: np.vstack([r["series"][k] for r in reps]) for k in reps[0]["series"]}
    # Criteria on the metrics the simulation estimates, judged per replication.
    judged = {k: v for k, v in scenario.criteria.items() if k in metrics}
    criteria = {name: CriterionResult(name, bound, threshold, met, margin)
                for name, (bound, threshold, met, margin)
                in check_criteria(judged, metrics).items()}
    return Result(scenario=scenario.name, seed=seed, samples=n, method="simulation",
                  metrics=metrics, criteria=criteria, series=series)
