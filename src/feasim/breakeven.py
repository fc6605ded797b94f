"""What you must believe: the break-even value of every uncertain input.

For each input written as a distribution, :func:`breakeven` holds it fixed at a
value ``x`` while every other input keeps its distribution (the same Monte Carlo
draws at every ``x``: common random numbers) and finds the ``x`` at which
P(feasible), or the mean of a chosen metric, equals a target. The answer is read
against the input's stated range (the distribution's support where it reaches
its ends; its 0.1% and 99.9% quantiles otherwise, e.g. for a lognormal):

- a break-even **inside** the range means the verdict hinges on what one
  believes about that input (``can_flip`` is true);
- **no** break-even in the range means no value the scenario admits flips the
  verdict on its own (``can_flip`` false, ``breakeven`` ``None``).

The search evaluates the input at ``grid`` evenly spaced values of its range,
takes the first pair whose outputs straddle the target and refines it with
Brent's method (:func:`brentq`, step for step the algorithm of
:func:`scipy.optimize.brentq`, without importing :mod:`scipy.optimize`) to ``xtol`` × the range's width.
P(feasible) over n samples is a step function of ``x`` (steps of 1/n), so the
root is the value where it steps across the target. A crossing between two grid
points that fall on the same side of the target (an output that rises and falls
again within one grid step) is not seen: raise ``grid`` for such inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import FeasimError
from .metrics import METRICS
from .models import AnalyticModel, Model
from .models.base import repeat_inputs
from .sampling import quantity_paths
from .distributions import is_uncertain
from .schema import Scenario

__all__ = ["breakeven", "BreakEven", "BreakEvenResult", "BreakEvenError"]


class BreakEvenError(FeasimError, ValueError):
    """Bad options, or nothing to find a break-even of."""


def brentq(f, xa: float, xb: float, xtol: float = 2e-12, rtol: float = 8.881784197001252e-16,
           maxiter: int = 100) -> float:
    """A root of ``f`` in [xa, xb] (``f(xa)``, ``f(xb)`` of opposite signs) by Brent's method.

    The same iterates as :func:`scipy.optimize.brentq` (a transcription of SciPy's
    ``brentq.c``), so results are identical; importing :mod:`scipy.optimize` costs a
    third of a second of every ``feasim run``. Raises ``ValueError`` without a sign
    change and ``RuntimeError`` after ``maxiter`` iterations.
    """
    xpre, xcur = float(xa), float(xb)
    xblk = fblk = spre = scur = 0.0
    fpre, fcur = float(f(xpre)), float(f(xcur))
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if math.copysign(1, fpre) == math.copysign(1, fcur):
        raise ValueError("f(a) and f(b) must have different signs")
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and math.copysign(1, fpre) != math.copysign(1, fcur):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:  # interpolate
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:  # extrapolate
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):  # good short step
                spre, scur = scur, stry
            else:
                spre = scur = sbis
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = float(f(xcur))
    raise RuntimeError(f"brentq: no convergence in {maxiter} iterations")


@dataclass(frozen=True)
class BreakEven:
    """One input's break-even (values in the input's own unit)."""

    input: str
    breakeven: float | None
    """Value at which the output equals the target, or ``None`` when no value in
    ``range`` reaches it."""
    range: tuple[float, float]
    """The input's stated range: the distribution's support (0.1–99.9% quantiles
    where unbounded)."""
    can_flip: bool
    """True when the break-even lies inside ``range``: the verdict hinges on it."""
    output_low: float
    """Output with the input fixed at the low end of its range."""
    output_high: float
    """Output with the input fixed at the high end of its range."""
    evaluations: int

    def to_dict(self) -> dict[str, Any]:
        return {"breakeven": self.breakeven, "range": list(self.range),
                "can_flip": self.can_flip, "output_low": _finite(self.output_low),
                "output_high": _finite(self.output_high), "evaluations": self.evaluations}


@dataclass(frozen=True)
class BreakEvenResult:
    """Break-even values of every uncertain input of one scenario."""

    scenario: str
    output: str
    """``feasible`` (P(feasible)) or a metric name (its mean over the samples)."""
    target: float
    samples: int
    seed: int
    baseline: float
    """The output with every input at its distribution."""
    inputs: dict[str, BreakEven] = field(default_factory=dict)

    def hinges_on(self) -> list[str]:
        """Inputs whose break-even lies inside their range."""
        return [k for k, b in self.inputs.items() if b.can_flip]

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "output": self.output, "target": self.target,
                "samples": self.samples, "seed": self.seed,
                "baseline": _finite(self.baseline),
                "inputs": {k: b.to_dict() for k, b in self.inputs.items()}}


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _range(dist) -> tuple[float, float]:
    """The support where the distribution reaches its ends (uniform, PERT, ...), else the
    0.1% and 99.9% quantiles (a lognormal's support (0, inf) is never reached)."""
    lo, hi = dist.support()
    lo_in, hi_in = dist.attains()
    if not (math.isfinite(lo) and lo_in):
        lo = float(dist.ppf(np.array([1e-3]))[0])
    if not (math.isfinite(hi) and hi_in):
        hi = float(dist.ppf(np.array([1 - 1e-3]))[0])
    return float(lo), float(hi)


def breakeven(scenario: Scenario, target: float = 0.5, *, output: str = "feasible",
              samples: int | None = None, seed: int | None = None, grid: int = 9,
              xtol: float = 1e-6, model: Model | None = None) -> BreakEvenResult:
    """Break-even value of every uncertain input of ``scenario``.

    Parameters
    ----------
    target:
        The value the output must reach: a probability for ``feasible`` (default
        0.5), the metric's unit otherwise.
    output:
        ``feasible`` (P(feasible), needs criteria) or a metric name (the mean of
        its finite values over the samples: unbounded and undefined samples are
        left out, so a metric that is unbounded in some samples is read on the rest).
    samples, seed:
        Monte Carlo samples and seed (default: the scenario's ``uncertainty``).
    grid:
        Values of each input's range evaluated before refining (at least 2).
    xtol:
        Precision of the break-even, as a fraction of the range's width.
    model:
        A :class:`feasim.models.Model` (default: the analytic model).
    """
    _check(scenario, target, output, grid, xtol)
    model = model or AnalyticModel()
    u = scenario.uncertainty
    n = int(samples if samples is not None else u.samples)
    seed = int(seed if seed is not None else u.seed)
    dists = {p: v for p, v in quantity_paths(scenario) if is_uncertain(v)}
    base = AnalyticModel().draws(scenario, n=n, rng=seed).inputs()

    def value(inputs) -> float:
        return _readings(model.evaluate(scenario, inputs, n=n, rng=seed), output, 1, n)[0]

    def values(path: str, xs: np.ndarray) -> list[float]:
        """``value`` at each of ``xs`` for ``path``, in one evaluation of len(xs) × n
        samples: every input is given per sample, so each block of n is the same
        computation as one call of ``value`` (the same numbers)."""
        if not isinstance(model, AnalyticModel) or len(xs) == 1:
            return [value({**base, path: float(x)}) for x in xs]
        k = len(xs)
        inputs = repeat_inputs(base, k)
        inputs[path] = np.repeat(np.asarray(xs, dtype=float), n)
        return _readings(model.evaluate(scenario, inputs, n=k * n, rng=seed), output, k, n)

    result = BreakEvenResult(scenario.name, output, float(target), n, seed, value(base))
    for path, dist in dists.items():
        lo, hi = _range(dist)
        calls = 0

        def gap(x: float, path=path) -> float:
            nonlocal calls
            calls += 1
            return value({**base, path: float(x)}) - target

        xs = np.linspace(lo, hi, int(grid)) if hi > lo else np.array([lo])
        gs = [g - target for g in values(path, xs)]
        calls += len(xs)
        root = _first_root(xs, gs, gap, xtol * (hi - lo))
        result.inputs[path] = BreakEven(path, root, (lo, hi), root is not None,
                                        gs[0] + target, gs[-1] + target, calls)
    return result


def _check(scenario: Scenario, target: float, output: str, grid: int, xtol: float) -> None:
    """Refuse arguments the search cannot use, saying why."""
    if output != "feasible" and output not in METRICS:
        raise BreakEvenError(f"unknown output {output!r}: 'feasible' or a metric "
                             "(see 'feasim metrics')")
    if output == "feasible":
        if not scenario.criteria:
            raise BreakEvenError(f"scenario {scenario.name!r} has no criteria, so P(feasible) "
                                 "is not defined: add a 'criteria' block or choose --output")
        if not 0 < target < 1:
            raise BreakEvenError(f"target must be a probability strictly between 0 and 1, "
                                 f"got {target!r}")
    if not math.isfinite(target):
        raise BreakEvenError(f"target must be a finite number, got {target!r}")
    if int(grid) != grid or grid < 2:
        raise BreakEvenError(f"grid must be a whole number >= 2, got {grid!r}")
    if not 0 < xtol < 1:
        raise BreakEvenError(f"xtol must be in (0, 1), got {xtol!r}")


def _readings(r, output: str, k: int, n: int) -> list[float]:
    """The output read on each of ``k`` blocks of ``n`` samples: P(feasible), or the
    mean of the metric's finite values (NaN when none is finite)."""
    if output == "feasible":
        return [float(m.mean()) for m in r.feasible.reshape(k, n)]
    out = []
    for a in np.asarray(r[output], dtype=float).reshape(k, n):
        a = a[np.isfinite(a)]
        out.append(float(a.mean()) if a.size else math.nan)
    return out


def _first_root(xs: np.ndarray, gs: list[float], gap, xtol: float) -> float | None:
    """The first grid value where the gap is 0, or the root refined by Brent's method in
    the first grid step whose ends straddle 0; None when the gap never crosses."""
    for (x0, g0), (x1, g1) in zip(zip(xs, gs), zip(xs[1:], gs[1:])):
        if g0 == 0:
            return float(x0)
        if math.isfinite(g0) and math.isfinite(g1) and g0 * g1 < 0:
            return float(brentq(gap, x0, x1, xtol=xtol))
    if gs and gs[-1] == 0:
        return float(xs[-1])
    return None
