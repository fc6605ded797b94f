"""Force flow over time for one replication: arrivals, reliefs, withdrawals.

The strength of every contributor is piecewise constant in time and known
before the event loop starts, because it depends only on the replication's
random draws, not on incidents. This module computes that timeline; the
engine turns it into SimPy events.

* Ramp-up: a contributor's strength steps at whole days ``d`` to
  ``full × clip((d − start) / ramp, 0, 1)``, the analytic ramp-up sampled daily.
* Reliefs: the force is split into ``rotation_units`` equal units; unit ``k`` is
  relieved every ``tour_days``, first at ``arrival + (k + 1) × tour / units``; for
  ``handover_gap_days`` after each relief its share is absent.
* Withdrawal: at an exponential time with rate ``withdrawal_hazard_per_year / 365``
  per day after ``start_day`` the contributor leaves for good.
* Warm-up (contract v2 §4): :func:`warmup_days` is ``simulation.warmup_days`` or,
  when that is null, the latest end of any contributor's ramp-up,
  ``max(start_day + ramp_up_days)`` (upper ends of the supports of distributions).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..distributions import support
from ..sampling import Draws
from ..schema import Scenario

__all__ = ["ContributorFlow", "contributor_flows", "strength_at", "change_times",
           "auto_warmup_days", "warmup_days"]

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class ContributorFlow:
    """One contributor's in-theatre strength as steps: ``strength`` from ``times[i]`` on (hours)."""

    name: str
    role: str
    times: np.ndarray      # hours, increasing, times[0] == 0
    strength: np.ndarray   # persons in theatre from times[i] until times[i + 1]
    full: float            # persons in theatre once ramped up (0 if not honoured)
    withdrawal_hours: float  # inf if it never withdraws within the horizon


def _ramp_steps(start_d: float, ramp_d: float, horizon_d: float) -> list[tuple[float, float]]:
    """(day, fraction) steps of the daily-sampled linear ramp."""
    steps = [(0.0, 0.0)]
    if ramp_d <= 0:
        return steps + [(start_d, 1.0)]
    first = max(0, math.ceil(start_d))
    last = min(math.ceil(start_d + ramp_d), math.ceil(horizon_d))
    for day in range(first, last + 1):
        steps.append((float(day), min(1.0, max(0.0, (day - start_d) / ramp_d))))
    return steps


def _relief_gaps(arrival_d: float, horizon_d: float, tour_d: float, units: int,
                 gap_d: float) -> list[tuple[float, float]]:
    """(start_day, end_day) of every unit's handover gap within the horizon."""
    if gap_d <= 0:
        return []
    gaps = []
    for k in range(units):
        t = arrival_d + (k + 1) * tour_d / units
        while t < horizon_d:
            gaps.append((t, t + gap_d))
            t += tour_d
    return gaps


def _steps_to_arrays(points: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Sort change points (day, value), keep the last value per day, convert to hours."""
    points.sort(key=lambda p: p[0])
    times: list[float] = []
    values: list[float] = []
    for day, value in points:
        if times and times[-1] == day * HOURS_PER_DAY:
            values[-1] = value
        else:
            times.append(day * HOURS_PER_DAY)
            values.append(value)
    return np.array(times), np.array(values)


def contributor_flows(scenario: Scenario, d: Draws, honoured: dict[str, bool],
                      rng: np.random.Generator) -> list[ContributorFlow]:
    """Strength timelines of all contributors for one replication (``d.n == 1``)."""
    sim = scenario.simulation
    horizon_d = sim.days
    flows = []
    for c in scenario.contributors:
        key = f"contributors[{c.name}]"
        pledge = float(np.asarray(d[f"{key}.troops"]).ravel()[0])
        rot = d.get(f"{key}.rotation_multiplier")
        rot = d["force.rotation_multiplier"] if rot is None else rot
        rot = float(np.asarray(rot).ravel()[0])
        full = pledge if scenario.force.basis == "in_theatre" else pledge / rot
        full = full if honoured[c.name] else 0.0
        start = float(np.asarray(d[f"{key}.start_day"]).ravel()[0])
        ramp = float(np.asarray(d[f"{key}.ramp_up_days"]).ravel()[0])
        hazard = float(np.asarray(d[f"{key}.withdrawal_hazard_per_year"]).ravel()[0])
        # Always draw, so streams do not shift with the hazard's value.
        e = rng.exponential()
        leave_d = start + e * 365.0 / hazard if hazard > 0 else math.inf

        ramp_pts = _ramp_steps(start, ramp, horizon_d)
        gaps = _relief_gaps(start + ramp, horizon_d, sim.tour_days, sim.rotation_units,
                            sim.handover_gap_days)
        days = sorted({p[0] for p in ramp_pts} | {g for gap in gaps for g in gap}
                      | ({leave_d} if leave_d < horizon_d else set()))
        points = []
        for day in days:
            frac = max((f for t, f in ramp_pts if t <= day), default=0.0)
            absent = sum(1 for a, b in gaps if a <= day < b) / sim.rotation_units
            value = 0.0 if day >= leave_d else full * frac * (1.0 - absent)
            points.append((day, value))
        times, strength = _steps_to_arrays(points)
        flows.append(ContributorFlow(c.name, c.role, times, strength, full,
                                     leave_d * HOURS_PER_DAY))
    return flows


def strength_at(flow: ContributorFlow, t_hours: float | np.ndarray) -> np.ndarray:
    """In-theatre strength (persons) at clock time ``t_hours``."""
    i = np.searchsorted(flow.times, t_hours, side="right") - 1
    return flow.strength[np.maximum(i, 0)]


def change_times(flows: list[ContributorFlow]) -> np.ndarray:
    """Every time (hours) at which some contributor's strength changes, from 0."""
    return np.unique(np.concatenate([[0.0]] + [f.times for f in flows]))


def auto_warmup_days(scenario: Scenario) -> float:
    """Latest end of any contributor's ramp-up (days): ``max(start_day + ramp_up_days)``,
    with the upper end of the support for a distribution (may be ``inf``)."""
    ends = [support(c.start_day)[1] + support(c.ramp_up_days)[1] for c in scenario.contributors]
    return float(max(ends, default=0.0))


def warmup_days(scenario: Scenario) -> tuple[float, str | None]:
    """The warm-up in use (days) and, if the automatic one had to be dropped, why.

    An explicit ``simulation.warmup_days`` is shorter than the horizon (a
    cross-field rule checks it). The automatic one may not be: then nothing
    would be measured, so the whole horizon is measured instead and the reason
    is returned for the result's warnings.
    """
    sim = scenario.simulation
    if sim.warmup_days is not None:
        return float(sim.warmup_days), None
    auto = auto_warmup_days(scenario)
    if auto < sim.days:
        return auto, None
    return 0.0, (f"the contributors' ramp-up ends on day {auto:g}, not before the "
                 f"{sim.days:g}-day horizon: the whole horizon is measured, ramp-up "
                 f"included, so the metrics are not steady-state readings; lengthen "
                 f"simulation.days or set simulation.warmup_days")
