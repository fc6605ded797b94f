"""Evaluating one chunk of sweep points through the model interface.

A chunk task is self-contained and picklable (the model, the scenario, the
points' parameter values, seeds), so any executor can run it. Each group of
points is one ``model.evaluate(scenario, inputs=..., n=..., rng=...)`` call
(the analytic model: all points of the group at once, ``samples_per_point``
each; the simulation: one call per point, its replications), and the Result is
reduced per point. Randomness depends only
on the sweep seed and the chunk or point index, never on which worker runs it.
Every point yields one row: its parameter values, the mean of each output over
its samples (analytic) or replications (simulation), ``p_feasible``, and
``error`` (``None``, or the message of what made the point fail).
"""

from __future__ import annotations

import json
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import FeasimError
from ..loader import with_overrides
from ..models import AnalyticModel, FunctionModel, Model, SimulationModel
from ..results import Result
from ..schema import Scenario, point_problems
from .stats import reduce_stat, split_column

__all__ = ["ChunkTask", "evaluate_chunk", "model_for"]


def model_for(kind: str, function: Any = None, outputs: tuple[str, ...] = (),
              vectorized: bool = True) -> Model:
    """The model a sweep names: ``analytic``, ``simulation`` or ``function``."""
    if kind == "function":
        return FunctionModel(function, outputs, vectorized)
    return {"analytic": AnalyticModel, "simulation": SimulationModel}[kind]()


@dataclass(frozen=True)
class ChunkTask:
    index: int                     # chunk number
    first_point: int               # global index of the chunk's first point
    scenario: Scenario | None      # None for a function sweep
    model: Model                   # AnalyticModel, SimulationModel or FunctionModel
    values: dict[str, np.ndarray]  # parameter path -> values, one per point
    numeric: tuple[str, ...]       # model inputs, one value per point
    categorical: tuple[str, ...]   # applied with with_overrides (scenario models)
    outputs: tuple[str, ...]
    seed: int
    samples_per_point: int = 1

    @property
    def kind(self) -> str:
        return self.model.method


def _groups(task: ChunkTask) -> list[tuple[tuple, np.ndarray]]:
    """Points grouped by their non-numeric values, in first-seen order."""
    n = len(next(iter(task.values.values())))
    if not task.categorical:
        return [((), np.arange(n))]
    keys: dict[str, list[int]] = {}
    values: dict[str, tuple] = {}
    for i in range(n):
        key = tuple(_plain(task.values[p][i]) for p in task.categorical)
        text = _text(key)  # values may be mappings or lists: group by their text
        keys.setdefault(text, []).append(i)
        values.setdefault(text, key)
    return [(values[t], np.array(v)) for t, v in keys.items()]


def _text(x: Any) -> str:
    """A value as it appears in a results column: strings as they are, else JSON."""
    if isinstance(x, str):
        return x
    return json.dumps(x, sort_keys=True, default=str)


def _plain(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, FeasimError):
        return str(exc)
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def evaluate_chunk(task: ChunkTask) -> dict[str, Any]:
    """Rows of one chunk, as columns (``point``, parameters, outputs, ``p_feasible``, ``error``)."""
    n = len(next(iter(task.values.values())))
    out = {name: np.full(n, np.nan) for name in task.outputs}
    out["p_feasible"] = np.full(n, np.nan)  # stays NaN for functions and without criteria
    errors: list[str | None] = [None] * n
    if task.kind == "function":
        groups = [((), np.arange(n))]
    else:
        groups = _groups(task)
    seeds = np.random.SeedSequence([task.seed, task.index]).spawn(len(groups))
    run = {"analytic": _analytic, "simulation": _simulation,
           "function": _function}[task.kind]
    for (key, idx), seq in zip(groups, seeds, strict=True):
        scen = task.scenario  # None only for a function sweep
        try:
            if scen is not None and task.categorical and task.kind != "function":
                scen = with_overrides(scen, dict(zip(task.categorical, key, strict=True)))
        except FeasimError as exc:
            for i in idx:
                errors[i] = _error_text(exc)
            continue
        try:
            rows = run(task, scen, idx, seq)
        except Exception:  # noqa: BLE001 - one point's failure must not stop the sweep
            rows = _one_by_one(task, scen, idx, seq, run, errors)
        for name, col in rows.items():
            out[name][idx] = col
        if task.kind == "analytic" and task.numeric and scen is not None:
            # Numeric inputs are set per point without building a scenario: check the
            # rules between fields here; a point that breaks one fails, with the rule.
            broken = point_problems(scen, {p: task.values[p][idx] for p in task.numeric})
            for j, msg in enumerate(broken):
                if msg is not None:
                    errors[idx[j]] = f"invalid point: {msg}"
                    for name in out:
                        out[name][idx[j]] = np.nan
    cols: dict[str, Any] = {"point": task.first_point + np.arange(n, dtype=np.int64)}
    for p in task.numeric + task.categorical:
        v = task.values[p]
        cols[p] = v if v.dtype != object else [_text(_plain(x)) for x in v]
    cols.update(out)
    cols["error"] = errors
    return cols


def _one_by_one(task, scen, idx, seq, run, errors) -> dict[str, np.ndarray]:
    """After a failure, evaluate point by point so only the failing points are lost."""
    rows = {name: np.full(len(idx), np.nan) for name in task.outputs + ("p_feasible",)}
    for j, (i, sub) in enumerate(zip(idx, seq.spawn(len(idx)), strict=True)):
        # (each point its own stream here: a failure must not shift the others' draws)
        try:
            one = run(task, scen, np.array([i]), sub)
        except Exception as exc:  # noqa: BLE001
            errors[i] = _error_text(exc)
            continue
        for name, col in one.items():
            rows[name][j] = col[0]
    return rows


def _function(task: ChunkTask, scen: Any, idx: np.ndarray,
              seq: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """A user's function: every parameter (numeric or not) is an input."""
    names = task.numeric + task.categorical
    r = task.model.evaluate(scen, {p: task.values[p][idx] for p in names}, n=len(idx))
    return {k: r[k] for k in task.outputs}


def _analytic(task: ChunkTask, scen: Scenario, idx: np.ndarray,
              seq: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """All points of the group in one evaluation, ``samples_per_point`` samples each."""
    s = task.samples_per_point
    inputs = {p: np.repeat(np.asarray(task.values[p][idx], dtype=float), s)
              for p in task.numeric}
    r = task.model.evaluate(scen, inputs, n=len(idx) * s, rng=np.random.default_rng(seq))
    return _per_point(task, r, len(idx), s)


def _simulation(task: ChunkTask, scen: Scenario, idx: np.ndarray,
                seq: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """One evaluation per point: its replications, from stream (seed, point)."""
    rows = {name: np.full(len(idx), np.nan) for name in task.outputs + ("p_feasible",)}
    reps = scen.simulation.replications
    for j, i in enumerate(idx):
        inputs = {p: np.full(reps, float(task.values[p][i])) for p in task.numeric}
        # Point i's replications come from stream (seed, point), whatever the chunking.
        point = np.random.SeedSequence([task.seed, task.first_point + int(i)])
        one = _per_point(task, task.model.evaluate(scen, inputs, n=reps, rng=point), 1, reps)
        for name, col in one.items():
            rows[name][j] = col[0]
    return rows


def _per_point(task: ChunkTask, r: Result, points: int, each: int) -> dict[str, np.ndarray]:
    """A Result over ``points × each`` samples reduced to one row per point: each
    column's statistic of its output (a bare name: the mean over the samples where
    defined; see :mod:`feasim.sweep.stats`), and the share meeting every criterion."""
    rows = {}
    for column in task.outputs:
        name, stat = split_column(column)
        if name not in r.metrics:
            rows[column] = np.full(points, np.nan)
            continue
        crit = r.criteria.get(name)
        met = crit.met.reshape(points, each) if crit is not None else None
        rows[column] = reduce_stat(r[name].reshape(points, each), stat, met)
    rows["p_feasible"] = r.feasible.reshape(points, each).mean(axis=1) \
        if r.criteria else np.full(points, np.nan)
    return rows
