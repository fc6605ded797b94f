"""Minimum force: the smallest force that meets a scenario's criteria.

The force is varied by one *scale* applied to every contributor's pledge
(``contributors[*].troops``, distributions included): scale 1 is the scenario
as written, 0.5 halves every pledge. Everything else (conditions, honour,
ramp-up, rotation, posture, adversary) is kept, and the same Monte Carlo draws
are reused at every scale (common random numbers), so P(feasible) moves only
because the force does.

:func:`minimum_force` finds the smallest scale at which P(feasible) reaches a
target probability: it doubles the scale until the target is met (or
``max_scale`` is passed: then the target is *unreachable* by force alone and
the result says which criteria still fail), then bisects to a relative
tolerance ``tol`` (at most :data:`MAX_BISECTIONS` steps, and never past the
float resolution of the scale: a finer ``tol`` is reported with the width
achieved). It assumes P(feasible) does not fall as the force grows
(more troops never lower coverage or detection; a criterion that caps troops,
e.g. ``committed_troops: {max: …}``, breaks this), and checks the answer: the
result reports P(feasible) at the minimum and at ``(1 − tol)`` of it.

:func:`frontier` repeats this over values of one parameter (e.g.
``theatre.line_km`` from 100 to 2,000 km) and returns the curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .errors import FeasimError, MissingDependency
from .models import AnalyticModel
from .sampling import Draws, draw
from .schema import Scenario

__all__ = ["minimum_force", "frontier", "MinimumForce", "Frontier", "FrontierError",
           "MAX_BISECTIONS"]

MAX_BISECTIONS = 200
"""Bisection steps at most: the search always ends, whatever ``tol``."""


class FrontierError(FeasimError, ValueError):
    """Bad options, or a scenario without criteria."""


@dataclass(frozen=True)
class MinimumForce:
    """The smallest scale of all pledges that meets the criteria at ``probability``."""

    scenario: str
    probability: float
    """Target P(feasible)."""
    reachable: bool
    """False if even ``max_scale`` × the pledges miss the target (or it is met at 0)."""
    scale: float
    """Smallest scale of every pledge meeting the target (NaN if unreachable)."""
    p_feasible: float
    """P(feasible) at ``scale`` (at ``max_scale`` if unreachable)."""
    p_below: float
    """P(feasible) at ``scale × (1 − tol)``: below the target when the search converged."""
    tol: float
    """The relative tolerance asked for."""
    pledged_troops: float
    """Mean of all pledges as written, × scale (persons)."""
    in_theatre_troops: float
    """Median troops in theatre at the assessment day, at ``scale`` (persons)."""
    troops_per_km: float
    """Median in-theatre troops ÷ line length, at ``scale`` (persons/km)."""
    criteria_p_met: dict[str, float] = field(default_factory=dict)
    """P(met) of each criterion at ``scale`` (at ``max_scale`` if unreachable)."""
    cost_per_year_usd: float = math.nan
    """Median cost per year at ``scale`` (US dollars per year; NaN if unreachable): the
    cheapest force of this shape that meets the target, since cost grows with the scale."""
    evaluations: int = 0
    message: str = ""
    achieved_tol: float = math.nan
    """Relative width of the final bracket, ``(hi − lo) / hi``: at most ``tol``, unless
    ``tol`` is finer than float resolution or :data:`MAX_BISECTIONS` steps allow (then
    ``message`` says so). NaN if unreachable; 0 if met with no troops."""

    def to_dict(self) -> dict[str, Any]:
        def clean(v):
            return None if isinstance(v, float) and not math.isfinite(v) else v
        return {k: (clean(v) if not isinstance(v, dict) else {a: clean(b) for a, b in v.items()})
                for k, v in self.__dict__.items()}


def _pledge_paths(scenario: Scenario) -> list[str]:
    return [f"contributors[{c.name}].troops" for c in scenario.contributors]


def _scaled(d: Draws, paths: list[str], scale: float) -> dict[str, Any]:
    """The model's inputs: the same draws at every scale, every pledge × ``scale``."""
    inputs: dict[str, Any] = {p: d.values[p] for p in d.uncertain()}
    inputs.update(d.events)
    for p in paths:
        inputs[p] = d.values[p] * scale
    return inputs


def _check(probability: float, tol: float, max_scale: float) -> None:
    bad = []
    if not (isinstance(probability, (int, float)) and 0 < probability <= 1):
        bad.append(f"probability must be in (0, 1]; got {probability!r}")
    if not (isinstance(tol, (int, float)) and 0 < tol < 0.5):
        bad.append(f"tol must be in (0, 0.5); got {tol!r}")
    if not (isinstance(max_scale, (int, float)) and 1 <= max_scale < math.inf):
        bad.append(f"max_scale must be a finite number >= 1; got {max_scale!r}")
    if bad:
        raise FrontierError("; ".join(bad))


def minimum_force(scenario: Scenario, probability: float = 0.9, *,
                  samples: int | None = None, seed: int | None = None,
                  sampler: str | None = None, tol: float = 1e-3,
                  max_scale: float = 1000.0) -> MinimumForce:
    """Smallest scale of every pledge at which P(feasible) >= ``probability``.

    ``samples``, ``seed``, ``sampler`` default to the scenario's ``uncertainty``
    block. ``tol``: relative width of the final bracket (0.001: the minimum is
    known to 0.1%).
    """
    _check(probability, tol, max_scale)
    if not scenario.criteria:
        raise FrontierError(f"scenario {scenario.name!r} has no criteria: a minimum force "
                            "needs something to meet (add a 'criteria' block)")
    d = draw(scenario, samples, seed, sampler)
    paths = _pledge_paths(scenario)
    model = AnalyticModel()
    calls = 0

    def run(scale: float):
        nonlocal calls
        calls += 1
        return model.evaluate(scenario, _scaled(d, paths, scale), n=d.n)

    def p(scale: float) -> float:
        return run(scale).p_feasible

    def summary(scale: float, reachable: bool, p_at: float, p_below: float, msg: str):
        r = run(scale)
        return MinimumForce(
            scenario=scenario.name, probability=float(probability), reachable=reachable,
            scale=scale if reachable else math.nan, p_feasible=p_at, p_below=p_below,
            tol=float(tol),
            pledged_troops=float(np.mean(r["pledged_troops"])) if reachable else math.nan,
            in_theatre_troops=float(np.median(r["in_theatre_troops"])) if reachable
            else math.nan,
            troops_per_km=float(np.median(r["troops_per_km"])) if reachable else math.nan,
            criteria_p_met={k: c.p_met for k, c in r.criteria.items()},
            cost_per_year_usd=float(np.median(r["cost_per_year_usd"])) if reachable
            else math.nan,
            evaluations=calls, message=msg)

    p0 = p(0.0)
    if p0 >= probability:
        r = summary(0.0, True, p0, math.nan,
                    "met with no troops at all: the criteria do not depend on the force")
        return MinimumForce(**{**r.__dict__, "achieved_tol": 0.0})
    lo, hi = 0.0, 1.0
    p_hi = p(hi)
    while p_hi < probability:
        lo, hi = hi, hi * 2
        if hi > max_scale:
            p_max = p(max_scale)
            if p_max >= probability:
                hi, p_hi = max_scale, p_max
                break
            r = summary(max_scale, False, p_max, math.nan, "")
            failing = [k for k, v in r.criteria_p_met.items() if v < probability]
            msg = (f"unreachable by force alone: at {max_scale:g} × every pledge "
                   f"P(feasible) is {p_max:.3f} < {probability:g}; criteria still failing: "
                   f"{', '.join(failing) or 'their combination'}")
            none = float(np.mean(run(max_scale)["honoured_troops"] <= 0))
            if none > 1 - probability:
                msg += (f"; in {100 * none:.1f}% of samples no pledge is honoured "
                        "(conditions or honour), which no scale changes")
            return MinimumForce(**{**r.__dict__, "message": msg})
        p_hi = p(hi)
    steps = 0
    while hi - lo > tol * hi and steps < MAX_BISECTIONS:
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:  # float resolution: the bracket no longer shrinks
            break
        steps += 1
        p_mid = p(mid)
        if p_mid >= probability:
            hi, p_hi = mid, p_mid
        else:
            lo = mid
    achieved = (hi - lo) / hi
    notes = []
    if achieved > tol:
        notes.append(f"tol {tol:g} is finer than the search can resolve: stopped after "
                     f"{steps} bisection steps at a relative width of {achieved:.3g} "
                     + ("(float resolution)" if steps < MAX_BISECTIONS else
                        f"(at most {MAX_BISECTIONS} steps)"))
    step_down = max(tol, achieved)
    below = p(hi * (1 - step_down))
    if below >= probability:
        notes.append(f"P(feasible) is {below:.3f} already at {1 - step_down:.6g} × the "
                     "minimum: it is not monotone in the force here (a criterion that caps "
                     "troops?)")
    r = summary(hi, True, p_hi, below, "; ".join(notes))
    return MinimumForce(**{**r.__dict__, "achieved_tol": float(max(achieved, 0.0))})


@dataclass(frozen=True)
class Frontier:
    """Minimum force as a curve over one parameter."""

    scenario: str
    parameter: str
    values: tuple[Any, ...]
    points: tuple[MinimumForce, ...]

    def rows(self) -> list[dict[str, Any]]:
        cols = ("reachable", "scale", "p_feasible", "pledged_troops", "in_theatre_troops",
                "troops_per_km", "cost_per_year_usd")
        return [{self.parameter: v, **{c: getattr(m, c) for c in cols}, "message": m.message}
                for v, m in zip(self.values, self.points, strict=True)]

    def to_dataframe(self):
        try:
            import pandas as pd
        except ImportError:
            raise MissingDependency('tables need pandas: pip install "feasim[tables]"') from None
        return pd.DataFrame(self.rows())

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "parameter": self.parameter,
                "points": [{self.parameter: v, **m.to_dict()}
                           for v, m in zip(self.values, self.points, strict=True)]}


def frontier(scenario: Scenario, parameter: str, values: Sequence[Any],
             probability: float = 0.9, **options) -> Frontier:
    """:func:`minimum_force` at every value of ``parameter`` (a ``--set`` path).

    Each value is applied with :func:`feasim.with_overrides` (so it is validated
    like a scenario file); ``options`` go to :func:`minimum_force`.
    """
    from .loader import with_overrides

    values = tuple(values)
    if not values:
        raise FrontierError("frontier needs at least one value")
    _check(probability, options.get("tol", 1e-3), options.get("max_scale", 1000.0))
    points = tuple(minimum_force(with_overrides(scenario, {parameter: v}), probability,
                                 **options) for v in values)
    return Frontier(scenario=scenario.name, parameter=parameter, values=values,
                    points=points)
