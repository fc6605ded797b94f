"""A plain Python function behind the interface (what function sweeps evaluate)."""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..results import Result
from .base import Model, RNGLike, input_length, make_result

__all__ = ["FunctionModel"]


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


class FunctionModel(Model):
    """``func(values) -> {output: value(s)}`` as a model.

    ``values`` maps each input name to its values: arrays of ``n`` when
    ``vectorized`` (one call), single values otherwise (one call per sample).
    ``outputs`` are the names read from what it returns (units: whatever the
    function means; :meth:`Result.unit` is ``""`` outside :data:`feasim.METRICS`).
    The function is deterministic: ``rng`` is accepted for the interface and
    unused. Criteria of a scenario, if one is given, are judged on outputs of
    the same name. ``func`` must be picklable (a module-level function) to run
    on process or Dask executors.
    """

    method = "function"

    def __init__(self, func: Callable[[dict[str, Any]], Mapping[str, Any]],
                 outputs: Sequence[str], vectorized: bool = True):
        self.func = func
        self.outputs = tuple(outputs)
        self.vectorized = bool(vectorized)

    def __repr__(self) -> str:
        name = getattr(self.func, "__qualname__", repr(self.func))
        return f"FunctionModel({name}, outputs={list(self.outputs)}, vectorized={self.vectorized})"

    def evaluate(self, scenario: Any = None, inputs: Mapping[str, Any] | None = None, *,
                 n: int | None = None, rng: RNGLike = None) -> Result:
        inputs = dict(inputs or {})
        n = input_length(inputs, n, 1)
        if self.vectorized:
            got = self.func(inputs)
            metrics = {k: np.broadcast_to(np.asarray(got[k], dtype=float), (n,)).copy()
                       for k in self.outputs}
        else:
            metrics = {k: np.empty(n) for k in self.outputs}
            for i in range(n):
                got = self.func({p: _plain(v[i]) if np.ndim(v) else _plain(v)
                                 for p, v in inputs.items()})
                for k in self.outputs:
                    metrics[k][i] = got[k]
        name = getattr(scenario, "name", None) or getattr(self.func, "__name__", "function")
        return make_result(scenario, method=self.method, seed=None, n=n, metrics=metrics,
                           inputs={p: v for p, v in inputs.items() if np.ndim(v) == 1},
                           name=name)
