"""The analytic model behind the interface: draws, given inputs, one vectorised pass."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

import numpy as np

from .. import analytic
from ..distributions import is_uncertain
from ..results import Result
from ..sampling import COUNT_FIELDS, Draws, _event_names, draw, quantity_paths
from ..schema import Scenario
from .base import Model, RNGLike, input_length, make_result, seed_label

__all__ = ["AnalyticModel", "evaluate", "evaluate_draws"]


class AnalyticModel(Model):
    """The analytic model: every metric of :data:`feasim.METRICS` for ``n`` Monte Carlo samples.

    ``n`` defaults to ``uncertainty.samples``, ``rng`` to ``uncertainty.seed``;
    ``sampler`` (``lhs`` or ``random``) to ``uncertainty.sampler``. ``inputs``
    replace the drawn values of their paths (whole-number fields are rounded);
    when they cover every uncertain input and event, nothing is drawn.
    """

    method = "analytic"

    def __init__(self, sampler: str | None = None):
        self.sampler = sampler

    def __repr__(self) -> str:
        return f"AnalyticModel(sampler={self.sampler!r})"

    def evaluate(self, scenario: Scenario, inputs: Mapping[str, Any] | None = None, *,
                 n: int | None = None, rng: RNGLike = None) -> Result:
        u = scenario.uncertainty
        seed = seed_label(rng, u.seed)  # (checks rng's type)
        n = input_length(inputs, n, u.samples)
        return self._result(scenario, self.draws(scenario, inputs, n=n, rng=rng), seed)

    def draws(self, scenario: Scenario, inputs: Mapping[str, Any] | None = None, *,
              n: int, rng: RNGLike = None) -> Draws:
        """The samples the model is evaluated on: drawn, then ``inputs`` put in."""
        inputs = dict(inputs or {})
        leaves = list(quantity_paths(scenario))
        events = _event_names(scenario)
        known = {p for p, _ in leaves}
        unknown = [p for p in inputs if p not in known and p not in events]
        if unknown:
            raise KeyError(f"unknown input path {unknown[0]!r} for scenario {scenario.name!r} "
                           "(a numeric field of the scenario, as --set writes it, or an "
                           "event:... column)")
        uncertain = [p for p, v in leaves if is_uncertain(v)]
        if all(p in inputs for p in uncertain + events):
            values: dict[str, Any] = {p: float(v) for p, v in leaves if not is_uncertain(v)}
            values.update({p: None for p in uncertain})  # in draw()'s order
            ev: dict[str, np.ndarray] = {}
        else:
            d = draw(scenario, n, rng, self.sampler)
            values, ev = dict(d.values), dict(d.events)
        for p, v in inputs.items():
            if p.startswith("event:"):
                a = np.asarray(v, dtype=float)
                ev[p] = a if a.shape == (n,) else np.full(n, float(a))
            else:
                values[p] = _value(p, v)
        return Draws(n=n, values=values, events={e: ev[e] for e in events})

    def _result(self, scenario: Scenario, d: Draws, seed: int | None) -> Result:
        metrics, extras = analytic.run(scenario, d)
        inputs: dict[str, Any] = {p: d[p] for p in d.uncertain()}
        inputs.update(d.events)
        overloaded = extras.get("base_overloaded") or {}
        shares = {k: float(np.mean(v)) for k, v in overloaded.items() if np.any(v)}
        result = make_result(scenario, method=self.method, seed=seed, n=d.n,
                             metrics=metrics, inputs=inputs, base_overload=shares,
                             warnings=tuple(extras.get("warnings", ())))
        return replace(result, worst_case=_worst_case(scenario, extras.get("worst_cell")),
                       by_sector=_by_sector(scenario, d, metrics))


def _by_sector(scenario: Scenario, d: Draws, metrics: Mapping[str, np.ndarray]
               ) -> dict[str, dict[str, np.ndarray]]:
    """Per-sector outputs (:data:`feasim.metrics.SECTOR_METRICS`) for the filled posts and
    sensors of each sample, by the formulas :func:`feasim.model.coverage.coverage` uses."""
    from ..model.coverage import sector_outputs

    out = sector_outputs(scenario, d, metrics["observation_posts"], metrics["sensors"])
    for per in out.values():
        for a in per.values():
            a.flags.writeable = False
    return out


def _worst_case(scenario: Scenario, cell: Mapping[str, np.ndarray] | None) -> dict[str, Any]:
    """The modal worst (sector, hour) cell over samples and its share (contract v3 §H)."""
    if not cell or len(cell["hour"]) == 0:
        return {}
    from ..model.coverage import sector_names
    names = sector_names(scenario)
    code = np.asarray(cell["sector"], dtype=np.int64) * 24 + np.asarray(cell["hour"],
                                                                        dtype=np.int64)
    counts = np.bincount(code, minlength=24 * len(names))
    best = int(np.argmax(counts))   # ties: lowest sector, then lowest hour
    return {"sector": names[best // 24], "hour": best % 24,
            "share": float(counts[best] / len(code))}


def _value(path: str, v: Any) -> float | np.ndarray:
    """An input's values as the model reads them: a float, or a float array; counts rounded."""
    a = np.asarray(v, dtype=float)
    if path.rsplit(".", 1)[-1] in COUNT_FIELDS:
        a = np.rint(a)
    return float(a) if a.ndim == 0 else a


def evaluate(scenario: Scenario, samples: int | None = None, seed: int | None = None,
             sampler: str | None = None) -> Result:
    """Run the analytic model on ``samples`` Monte Carlo samples of ``scenario``.

    Parameters
    ----------
    scenario:
        A validated scenario (see :func:`feasim.load_scenario`).
    samples, seed, sampler:
        Override the scenario's ``uncertainty`` block. The same seed always
        gives the same result. ``AnalyticModel(sampler).evaluate(scenario,
        n=samples, rng=seed)`` is the same; it also takes inputs and a Generator.
    """
    return AnalyticModel(sampler).evaluate(scenario, n=samples,
                                           rng=None if seed is None else int(seed))


def evaluate_draws(scenario: Scenario, d: Draws, seed: int = 0) -> Result:
    """Run the analytic model on given draws (``d`` from :func:`feasim.draw`, maybe altered).

    The same as ``AnalyticModel().evaluate(scenario, inputs=..., n=d.n)`` with
    every drawn value as an input; ``seed`` is only the label the result carries.
    """
    inputs = {**d.values, **d.events}
    model = AnalyticModel()
    return model._result(scenario, model.draws(scenario, inputs, n=d.n), int(seed))
