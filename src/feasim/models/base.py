"""The model interface, criteria judged once, and the one place a Result is built.

Every model (the analytic one, the simulation, a plain function) is asked the
same question in the same words::

    model.evaluate(scenario, inputs=None, *, n=None, rng=None) -> Result

``inputs`` maps input paths (the ``--set`` syntax, ``contributors[France].troops``,
plus ``event:...`` columns) to one value per sample or replication; those values
replace what the model would otherwise draw. ``n`` is the number of samples
(analytic) or replications (simulation); ``rng`` is an int, a
``numpy.random.SeedSequence`` or a ``numpy.random.Generator`` (SPEC 7).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import Any, Mapping, Union

import numpy as np

from ..model.feasibility import check_criteria
from ..results import CriterionResult, Result

__all__ = ["Model", "RNGLike", "judge", "make_result", "seed_sequence", "seed_label",
           "input_length", "repeat_inputs"]

RNGLike = Union[int, np.random.SeedSequence, np.random.Generator, None]


class Model(ABC):
    """A model of a scenario: named metrics (with units, :data:`feasim.METRICS`) per sample.

    Subclasses set ``method`` (``"analytic"``, ``"simulation"``, ``"function"``)
    and implement :meth:`evaluate`. Executors and consumers (sweeps,
    sensitivity, frontier, reports) are handed a model and call only this.
    """

    method: str = ""

    @abstractmethod
    def evaluate(self, scenario: Any, inputs: Mapping[str, Any] | None = None, *,
                 n: int | None = None, rng: RNGLike = None) -> Result:
        """Metrics of ``scenario`` for ``n`` samples (or replications).

        Parameters
        ----------
        scenario:
            A validated :class:`feasim.Scenario` (may be ``None`` for a function model).
        inputs:
            Input path → values, one per sample (a single number applies to all);
            they replace what would be drawn.
        n:
            Samples or replications (default: the scenario's, or the length of ``inputs``).
        rng:
            int, ``SeedSequence`` or ``Generator``; the same seed gives the same result.
        """

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def judge(scenario: Any, metrics: Mapping[str, np.ndarray]
          ) -> tuple[dict[str, CriterionResult], tuple[str, ...]]:
    """The scenario's criteria judged per sample on ``metrics``: the only place this happens.

    Returns the judged criteria and the names of those that cannot be judged
    because their metric is not among ``metrics`` (P(feasible) then covers the
    others only). No scenario, or none with criteria: nothing to judge.
    """
    criteria = getattr(scenario, "criteria", None) or {}
    judged = {k: v for k, v in criteria.items() if k in metrics}
    out = {}
    for name, (bound, threshold, met, margin) in check_criteria(judged, dict(metrics)).items():
        n = np.shape(metrics[name])
        out[name] = CriterionResult(name, bound, threshold, met,
                                    np.broadcast_to(margin, n).copy())
    return out, tuple(k for k in criteria if k not in metrics)


def make_result(scenario: Any, *, method: str, seed: Any, n: int,
                metrics: dict[str, np.ndarray], inputs: dict[str, np.ndarray] | None = None,
                series: dict[str, np.ndarray] | None = None, warnings: tuple[str, ...] = (),
                base_overload: dict[str, float] | None = None,
                not_observed: tuple[str, ...] = (), name: str | None = None) -> Result:
    """The one place a :class:`~feasim.Result` is built: criteria judged by :func:`judge`."""
    criteria, not_judged = judge(scenario, metrics)
    label = name if name is not None else getattr(scenario, "name", "") or ""
    return Result(scenario=label, seed=seed, samples=int(n), method=method,
                  metrics=metrics, criteria=criteria, inputs=inputs or {},
                  series=series or {}, not_judged=not_judged, not_observed=tuple(not_observed),
                  warnings=tuple(warnings), base_overload=dict(base_overload or {}))


def seed_sequence(rng: RNGLike, default: int) -> np.random.SeedSequence:
    """``rng`` as a SeedSequence (``None``: ``default``; a Generator: entropy drawn from it)."""
    if rng is None:
        return np.random.SeedSequence(int(default))
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(rng.integers(0, 2**63, size=4, dtype=np.uint64).tolist())
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.SeedSequence(int(rng))
    raise TypeError(f"rng must be an int, a numpy SeedSequence or Generator; got {rng!r}")


def child(seq: np.random.SeedSequence, i: int) -> np.random.SeedSequence:
    """Child ``i`` of ``seq``, as ``seq.spawn(i + 1)[i]`` on a fresh ``seq`` (``seq`` unchanged)."""
    return np.random.SeedSequence(seq.entropy, spawn_key=tuple(seq.spawn_key) + (int(i),),
                                  pool_size=seq.pool_size)


def seed_label(rng: RNGLike, default: int) -> int | None:
    """The seed a result reports: the int given (or ``default``), a SeedSequence's int
    entropy, ``None`` for a Generator (its state is not a seed)."""
    if rng is None:
        return int(default)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return int(rng)
    if isinstance(rng, np.random.SeedSequence) and isinstance(rng.entropy, int) \
            and not rng.spawn_key:
        return int(rng.entropy)
    if isinstance(rng, (np.random.SeedSequence, np.random.Generator)):
        return None
    raise TypeError(f"rng must be an int, a numpy SeedSequence or Generator; got {rng!r}")


def input_length(inputs: Mapping[str, Any] | None, n: int | None, default: int) -> int:
    """``n``, checked against the lengths of ``inputs`` (or taken from them)."""
    lengths = {p: np.shape(v)[0] for p, v in (inputs or {}).items() if np.ndim(v) == 1}
    bad = [p for p, v in (inputs or {}).items() if np.ndim(v) > 1]
    if bad:
        raise ValueError(f"inputs must be one value per sample (1-D); {bad[0]!r} has shape "
                         f"{np.shape((inputs or {})[bad[0]])}")
    if n is None:
        sizes = set(lengths.values())
        if len(sizes) > 1:
            raise ValueError(f"inputs have different lengths: {lengths}")
        n = sizes.pop() if sizes else default
    n = int(n)
    if n < 1:
        raise ValueError(f"n must be >= 1; got {n}")
    wrong = {p: k for p, k in lengths.items() if k != n}
    if wrong:
        p, k = next(iter(wrong.items()))
        raise ValueError(f"input {p!r} has {k} values, not n = {n}")
    return n


def repeat_inputs(inputs: Mapping[str, Any], k: int) -> dict[str, Any]:
    """``inputs`` for ``k`` copies of their samples, one block after another (per-sample
    arrays tiled, constants kept): evaluating ``k × n`` samples at once, each block then
    being altered, gives each block the numbers of its own pass, since samples are
    computed on their own."""
    return {p: np.tile(np.asarray(v), k) if np.ndim(v) else v for p, v in inputs.items()}


def nan_if_missing(values: list[dict], name: str) -> np.ndarray:
    """One float per replication; NaN where a replication did not report ``name``."""
    return np.array([v.get(name, math.nan) for v in values], dtype=float)
