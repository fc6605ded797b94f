"""One replication's metrics and daily series (what :class:`feasim.models.SimulationModel`
runs per replication and aggregates into the shared :class:`~feasim.Result`).

Contract v2 §4: every metric counts only incursions arriving in the measured
period ``[warm-up, horizon)`` and time averages run over it; daily series
cover the whole horizon. Contract v3 §H: the worst-case metrics are not
reported (a minimum over noisy cells is biased low); instead the counts of
incursions and detections per (sector, clock hour of the window's start) are
returned as ``"cells"``, pooled over replications into ``Result.cells``.
"""

from __future__ import annotations

import math

import numpy as np

from ..metrics import METRICS, SERIES_UNITS
from ..model.pools import cost_metrics
from ..schema import Scenario
from .engine import Replication, _posture_at

__all__ = ["replication_metrics", "SERIES_UNITS", "NOT_OBSERVED", "WORST_CASE"]

#: The worst-case metrics (contract v3 §H): a minimum over noisy (sector, hour) cells is
#: biased low, so the simulation reports the cells' counts instead.
WORST_CASE = ("detection_probability_worst", "detection_worst_hour")

#: Metrics the simulation does not report: the force-ratio group (no combat is simulated)
#: and the worst case.
NOT_OBSERVED = tuple(k for k, v in METRICS.items() if v.group == "Force ratio"
                     or k in WORST_CASE)


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


def _window(rep: Replication) -> tuple[float, float]:
    """The measured period ``[warm-up, horizon)`` (hours)."""
    return rep.warmup_hours, rep.horizon_hours


def _time_average(rep: Replication, attr: str) -> float:
    """Average of a posture quantity over the measured period (NaN stays NaN)."""
    w, h = _window(rep)
    lo, hi = _posture_integral(rep, attr, np.array([w, h]))
    return float((hi - lo) / (h - w))


def _segments(rep: Replication):
    """(posture, its hours inside the measured period) for every posture that has some."""
    w, h = _window(rep)
    ends = [p.start for p in rep.postures[1:]] + [h]
    for p, end in zip(rep.postures, ends, strict=True):
        dur = min(end, h) - max(p.start, w)
        if dur > 0:
            yield p, dur


def _busy_integral(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Team-hours busy from 0 to each edge: Σ clip(t − start, 0, end − start)."""
    if starts.size == 0:
        return np.zeros(edges.shape)
    starts, ends = np.sort(starts), np.sort(ends)
    cs = np.concatenate([[0.0], np.cumsum(starts)])
    ce = np.concatenate([[0.0], np.cumsum(ends)])
    ks = np.searchsorted(starts, edges, side="left")
    ke = np.searchsorted(ends, edges, side="left")
    return (ks * edges - cs[ks]) - (ke * edges - ce[ke])


def _busy_spans(rep: Replication) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) hours of every engagement a team took on."""
    served = rep.granted_at < math.inf
    return rep.granted_at[served], rep.granted_at[served] + rep.service[served]


def _revisit(rep: Replication) -> tuple[float, float]:
    """Mean and longest gap between passes at a point (motion hours: ``T/2`` and ``T``
    of the layout in force), averaged over the measured hours in which some patrol
    team is deployed; NaN if none is."""
    w, h = _window(rep)
    total = mean = longest = 0.0
    for i, lay in enumerate(rep.layouts):
        end = rep.layouts[i + 1].start if i + 1 < len(rep.layouts) else h
        dur = min(end, h) - max(lay.start, w)
        if dur <= 0 or lay.teams <= 0:
            continue
        total += dur
        mean += dur * lay.period / 2.0
        longest += dur * lay.period
    if total <= 0:
        return math.nan, math.nan
    return mean / total, longest / total


def replication_metrics(scenario: Scenario, rep: Replication) -> dict:
    """Metrics, daily series, warnings and per-base overload of one replication.

    Returns ``{"metrics": {name: float}, "series": {name: array over days},
    "warnings": [sentence, ...], "base_overloaded": {"base j (km a–b)": bool},
    "cells": {"SECTOR|HOUR": [detected, incursions]},
    "by_sector": {quantity: {SECTOR: share}}}`` (cells: measured incursions
    by the sector they fall in, ``line`` without sectors, and the clock hour 0–23 at
    which their window starts; only cells with incursions are listed; by_sector: see
    :func:`_by_sector`).
    ``metrics`` holds every metric of :data:`feasim.metrics.METRICS` the
    simulation can observe (all but :data:`NOT_OBSERVED`; QRF metrics only
    with a ``posture.qrf`` block). Warning sentences do not depend on the
    replication's draws, so that identical ones can be merged.
    """
    nan = math.nan
    w, _ = _window(rep)
    measured = rep.arrivals >= w
    n_inc = int(measured.sum())

    def share(mask) -> float:
        return float(np.mean(mask[measured])) if n_inc else nan

    detected = rep.detected_at < math.inf
    m: dict[str, float] = {k: v for k, v in rep.fixed.items() if not k.startswith("_")}
    m.update({
        "in_theatre_troops": _time_average(rep, "in_theatre"),
        "line_combat_troops": _time_average(rep, "line"),
        "reserve_combat_troops": _time_average(rep, "reserve"),
        "off_line_troops": _time_average(rep, "off_line"),
        "strength_to_requirement": _time_average(rep, "strength_to_requirement"),
        "fill_ratio": _time_average(rep, "fill_ratio"),
        "unassigned_combat_troops": _time_average(rep, "unassigned"),
        "observation_posts": _time_average(rep, "posts"),
        "patrol_teams": _time_average(rep, "patrol_teams"),
        "sensors": _time_average(rep, "sensors"),
        "surplus_patrol_teams": _time_average(rep, "surplus_teams"),
        "qrf_teams": _time_average(rep, "qrf_teams"),
        "op_coverage": share(rep.in_post_radius),
        "sensor_coverage": share(rep.in_sensor_view),
        "patrol_detection_probability": share(rep.by_patrol),
        "detection_probability": share(detected),
    })
    m["troops_per_km"] = m["in_theatre_troops"] / rep.params["line_km"]
    m.update({k: float(np.asarray(v).ravel()[0]) for k, v in cost_metrics(
        scenario, rep.fixed["_cost_inputs"], rep.fixed["_troop_cost_usd"], m["sensors"],
        m["detection_probability"]).items()})
    m["revisit_hours_mean"], m["revisit_hours_max"] = _revisit(rep)
    warnings = list(rep.notes)
    overloaded_at: dict[str, bool] = {}
    if scenario.posture.qrf is not None:
        q, more, overloaded_at = _qrf_metrics(rep, measured)
        m.update(q)
        warnings += more
    return {"metrics": m, "series": _series(scenario, rep), "warnings": warnings,
            "base_overloaded": overloaded_at, "cells": _cells(rep, measured, detected),
            "by_sector": _by_sector(rep, measured)}


def _by_sector(rep: Replication, measured: np.ndarray) -> dict[str, dict[str, float]]:
    """Per sector, over the measured incursions: the share falling in it
    (``incursion_share``) and, of those, the shares inside a post's radius
    (``op_coverage``) and in a working sensor's view (``sensor_coverage``); NaN for
    a sector no measured incursion fell in."""
    n_inc = int(measured.sum())
    sec = rep.sector_of[measured] if rep.sector_of.size == rep.arrivals.size \
        else np.zeros(n_inc, dtype=int)
    post = rep.in_post_radius[measured] if rep.in_post_radius.size == rep.arrivals.size \
        else np.zeros(n_inc, dtype=bool)
    view = rep.in_sensor_view[measured] if rep.in_sensor_view.size == rep.arrivals.size \
        else np.zeros(n_inc, dtype=bool)
    out: dict[str, dict[str, float]] = {"incursion_share": {}, "op_coverage": {},
                                         "sensor_coverage": {}}
    for i, name in enumerate(rep.sector_names):
        here = sec == i
        k = int(here.sum())
        out["incursion_share"][name] = k / n_inc if n_inc else math.nan
        out["op_coverage"][name] = float(np.mean(post[here])) if k else math.nan
        out["sensor_coverage"][name] = float(np.mean(view[here])) if k else math.nan
    return out


def _cells(rep: Replication, measured: np.ndarray, detected: np.ndarray) -> dict:
    """``{"SECTOR|HOUR": [detected, incursions]}`` over the measured incursions."""
    hour = np.floor(np.mod(rep.arrivals[measured], 24.0)).astype(int)
    hour = np.minimum(hour, 23)
    sec = rep.sector_of[measured] if rep.sector_of.size == rep.arrivals.size \
        else np.zeros(hour.size, dtype=int)
    key = sec * 24 + hour
    size = len(rep.sector_names) * 24
    inc = np.bincount(key, minlength=size)
    det = np.bincount(key, weights=detected[measured].astype(float), minlength=size)
    return {f"{rep.sector_names[c // 24]}|{c % 24}": [float(det[c]), float(inc[c])]
            for c in np.flatnonzero(inc)}


def _qrf_metrics(rep: Replication, measured: np.ndarray) -> tuple[dict, list[str], dict]:
    """QRF metrics (contract v2 §3), the warnings of §4, and overload per manned base.

    Offered work at a base is its expected work given the replication's inputs:
    the detected-incident rate at the base (rate × threat share × sector
    detection of the posture in force) × mean engagement, integrated over the
    measured period; available work is its teams × hours. Using the expected
    rather than the sampled work keeps a base below capacity from being
    flagged by the luck of one replication's engagements.
    """
    P = rep.params
    w, h = _window(rep)
    nan, inf = math.nan, math.inf
    s_mean = P["engagement_hours"]
    nb = len(rep.bases)
    cap = np.zeros(nb)        # team-hours available at each base in the measured period
    offered = np.zeros(nb)    # team-hours of work offered to it (expected)
    hours_at = np.zeros(nb)   # hours it was manned
    manned_hours = 0.0
    unmanned = 0
    for p, dur in _segments(rep):
        manned_hours += p.bases_manned * dur
        unmanned = max(unmanned, int(P["bases"]) - p.bases_manned)
        for b, teams, rate in zip(rep.base_layout.get(p.bases_manned, []), p.teams_at,
                                  p.rate_at, strict=True):
            cap[b] += teams * dur
            offered[b] += rate * s_mean * dur
            hours_at[b] += dur
    manned = cap > 0
    over = manned & (offered >= cap) & (offered > 0)
    no_force = not manned.any()
    out = {"qrf_bases_manned": manned_hours / (h - w),
           "qrf_no_force": float(no_force),
           "qrf_overloaded": float(over.any()),
           # Counted within one layout of B_m bases (the worst, if the force changed it).
           "qrf_overloaded_bases": float(max((int(over[ids].sum())
                                              for ids in rep.base_layout.values()), default=0))}

    starts, ends = _busy_spans(rep)
    busy = float(np.diff(_busy_integral(starts, ends, np.array([w, h])))[0])
    served = measured & (rep.granted_at < inf)
    waits = rep.granted_at[served] - rep.detected_at[served]
    trips = rep.travel[served]
    resp = waits + P["readiness_hours"] + trips
    some = waits.size > 0
    out.update({
        "qrf_utilisation": busy / float(cap.sum()) if not no_force else nan,
        "qrf_peak_load": float(np.max(offered[manned] / cap[manned])) if not no_force else nan,
        "qrf_wait_probability": float(np.mean(waits > 0)) if some else nan,
        "qrf_wait_hours_mean": float(np.mean(waits)) if some else nan,
        "travel_hours_mean": float(np.mean(trips)) if some else nan,
        "response_hours_mean": float(np.mean(resp)) if some else nan,
        "response_hours_p90": float(np.quantile(resp, 0.9)) if some else nan,
    })
    warnings: list[str] = []
    if no_force:
        out.update(qrf_wait_probability=nan, qrf_wait_hours_mean=inf, travel_hours_mean=nan,
                   response_hours_mean=inf, response_hours_p90=inf)
        warnings.append("no QRF team is filled: nobody responds to detected incursions "
                        "(qrf_no_force = 1; not an overload)")
    elif over.any():
        out.update(qrf_wait_probability=1.0, qrf_wait_hours_mean=inf,
                   response_hours_mean=inf, response_hours_p90=inf)
        names = ", ".join(rep.bases[b].label for b in np.flatnonzero(over))
        warnings.append(f"QRF past capacity at {names}: work arrives at least as fast as "
                        f"its teams clear it, so waits grow without bound over the horizon; "
                        f"response metrics are reported as unbounded")
    if unmanned > 0 and not no_force:
        warnings.append(f"{unmanned} of {int(P['bases'])} requested QRF bases unmanned "
                        f"(fewer QRF teams filled than bases): the manned bases cover longer "
                        f"stretches")
    ok = manned & ~over
    if ok.any():
        a = offered[ok] / hours_at[ok]       # erlangs, time-averaged
        c = cap[ok] / hours_at[ok]           # teams, time-averaged
        k = int(np.argmax(a / c))
        if a[k] > 0:
            t_r = s_mean / (math.sqrt(c[k]) - math.sqrt(a[k])) ** 2   # Odoni–Roth, hours
            if (h - w) < 20.0 * t_r:
                warnings.append(
                    f"the measured period ({(h - w) / 24:g} days) is shorter than 20 × the "
                    f"relaxation time s/(√c − √a)² of the busiest QRF base: its waits still "
                    f"carry the empty start and read low; lengthen simulation.days")
    overloaded_at = {rep.bases[b].label: bool(over[b]) for b in np.flatnonzero(manned)}
    return out, warnings, overloaded_at


def _series(scenario: Scenario, rep: Replication) -> dict[str, np.ndarray]:
    """Daily series over the whole horizon, from cumulative integrals."""
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
        busy = np.diff(_busy_integral(*_busy_spans(rep), edges))
        cap = np.diff(_posture_integral(rep, "qrf_teams", edges))
        with np.errstate(all="ignore"):
            series["qrf_utilisation"] = np.where(cap > 0, busy / np.where(cap > 0, cap, 1), np.nan)
    return series
