"""Force generation: pledges → troops in theatre (docs/model.md)."""

from __future__ import annotations

import numpy as np

from ..sampling import Draws
from ..schema import Scenario

__all__ = ["condition_states", "honoured", "force_generation"]


def condition_states(scenario: Scenario, d: Draws) -> dict[str, np.ndarray]:
    """Each named condition drawn once per sample, Bernoulli(p), shared by all."""
    return {
        c: d.events[f"event:conditions.{c}"] < d[f"conditions.{c}"]
        for c in scenario.conditions
    }


def honoured(scenario: Scenario, d: Draws, conditions: dict[str, np.ndarray]) -> dict:
    """Per contributor: True in samples where all its conditions hold and it honours its pledge."""
    out = {}
    for c in scenario.contributors:
        key = f"contributors[{c.name}]"
        holds = d.events[f"event:{key}.honour"] < d[f"{key}.honour_probability"]
        for cond in c.conditions:
            holds = holds & conditions[cond]
        out[c.name] = holds
    return out


def ramp_fraction(day: float | None, start: np.ndarray | float, ramp: np.ndarray | float):
    """Share of full strength in theatre on ``day`` (1 once ramped up; ``None`` = steady state)."""
    if day is None:
        return 1.0
    start = np.asarray(start, dtype=float)
    ramp = np.asarray(ramp, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(ramp > 0, (day - start) / np.where(ramp > 0, ramp, 1.0), np.inf)
    frac = np.where(day >= start, frac, 0.0)
    return np.clip(frac, 0.0, 1.0)


def force_generation(scenario: Scenario, d: Draws, conditions: dict[str, np.ndarray]) -> dict:
    """Pledged, honoured, in-theatre, committed and per-role troops for every sample."""
    force = scenario.force
    keep_tail = 1.0 - d["force.support_fraction"]
    zero = np.zeros(d.n)
    out = {
        "pledged_troops": zero.copy(),
        "honoured_troops": zero.copy(),
        "contributors_honoured": zero.copy(),
        "in_theatre_troops": zero.copy(),
        "committed_troops": zero.copy(),
        "line_combat_troops": zero.copy(),
        "reserve_combat_troops": zero.copy(),
        "off_line_troops": zero.copy(),
    }
    realised = honoured(scenario, d, conditions)
    for c in scenario.contributors:
        key = f"contributors[{c.name}]"
        pledge = d[f"{key}.troops"]
        holds = realised[c.name]
        rot = d.get(f"{key}.rotation_multiplier")
        rot = d["force.rotation_multiplier"] if rot is None else rot
        full = pledge if force.basis == "in_theatre" else pledge / rot
        present = full * ramp_fraction(force.assess_day, d[f"{key}.start_day"],
                                       d[f"{key}.ramp_up_days"])
        real = holds.astype(float)
        out["pledged_troops"] += pledge
        out["honoured_troops"] += real * pledge
        out["contributors_honoured"] += real
        out["in_theatre_troops"] += real * present
        out["committed_troops"] += real * full * rot
        if c.role == "line":
            out["line_combat_troops"] += real * present * keep_tail
        elif c.role == "reserve":
            out["reserve_combat_troops"] += real * present * keep_tail
        else:
            out["off_line_troops"] += real * present
    out["troops_per_km"] = out["in_theatre_troops"] / d["theatre.line_km"]
    return out
