"""Evaluating one chunk of sweep points: the only place sweeps reach the models.

A chunk task is self-contained and picklable (the scenario, the points'
parameter values, seeds), so any executor can run it. Randomness depends only
on the sweep seed and the chunk or point index, never on which worker runs it.
Every point yields one row: its parameter values, the mean of each output over
its samples (analytic) or replications (simulation), ``p_feasible``, and
``error`` (``None``, or the message of what made the point fail).
"""

from __future__ import annotations

import json
import traceback
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..analytic import evaluate_draws
from ..errors import FeasimError
from ..loader import with_overrides
from ..model.feasibility import check_criteria
from ..sampling import COUNT_FIELDS, Draws, draw
from ..schema import Scenario, point_problems

__all__ = ["ChunkTask", "evaluate_chunk"]


@dataclass(frozen=True)
class ChunkTask:
    index: int                     # chunk number
    first_point: int               # global index of the chunk's first point
    scenario: Scenario
    model: str                     # "analytic" | "simulation"
    values: dict[str, np.ndarray]  # parameter path -> values, one per point
    numeric: tuple[str, ...]       # swept inside one vectorised evaluation
    categorical: tuple[str, ...]   # applied with with_overrides
    outputs: tuple[str, ...]
    seed: int
    samples_per_point: int = 1
    function: Any = None           # model "function": a picklable callable
    vectorized: bool = True        # call it once per chunk (arrays) or once per point


def _nanmean(a: np.ndarray, axis: int) -> np.ndarray:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows stay NaN
        return np.nanmean(a, axis=axis)


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
    if task.model == "function":
        groups = [((), np.arange(n))]
    else:
        groups = _groups(task)
    seeds = np.random.SeedSequence([task.seed, task.index]).spawn(len(groups))
    for (key, idx), seq in zip(groups, seeds, strict=True):
        try:
            scen = with_overrides(task.scenario, dict(zip(task.categorical, key, strict=True))) \
                if task.categorical and task.model != "function" else task.scenario
        except FeasimError as exc:
            for i in idx:
                errors[i] = _error_text(exc)
            continue
        run = {"analytic": _analytic, "simulation": _simulation,
               "function": _function}[task.model]
        try:
            rows = run(task, scen, idx, seq)
        except Exception:  # noqa: BLE001 - one point's failure must not stop the sweep
            rows = _one_by_one(task, scen, idx, seq, run, errors)
        for name, col in rows.items():
            out[name][idx] = col
        if task.model == "analytic" and task.numeric:
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
    """A user's function: ``f(values) -> {output: values}``, per chunk or per point."""
    names = task.numeric + task.categorical
    if task.vectorized:
        got = task.function({p: task.values[p][idx] for p in names})
        return {k: np.broadcast_to(np.asarray(got[k], dtype=float), (len(idx),))
                for k in task.outputs}
    rows = {k: np.empty(len(idx)) for k in task.outputs}
    for j, i in enumerate(idx):
        got = task.function({p: _plain(task.values[p][i]) for p in names})
        for k in task.outputs:
            rows[k][j] = got[k]
    return rows


def _analytic(task: ChunkTask, scen: Scenario, idx: np.ndarray,
              seq: np.random.SeedSequence) -> dict[str, np.ndarray]:
    s = task.samples_per_point
    d = draw(scen, n=len(idx) * s, seed=np.random.default_rng(seq))
    values = dict(d.values)
    for path in task.numeric:
        v = np.repeat(np.asarray(task.values[path][idx], dtype=float), s)
        values[path] = np.rint(v) if path.rsplit(".", 1)[-1] in COUNT_FIELDS else v
    result = evaluate_draws(scen, Draws(n=d.n, values=values, events=d.events), seed=task.seed)
    rows = {name: _nanmean(result[name].reshape(len(idx), s), 1) for name in task.outputs}
    rows["p_feasible"] = result.feasible.reshape(len(idx), s).mean(axis=1) \
        if scen.criteria else np.full(len(idx), np.nan)
    return rows


def _simulation(task: ChunkTask, scen: Scenario, idx: np.ndarray,
                seq: np.random.SeedSequence) -> dict[str, np.ndarray]:
    from ..simulation.engine import run_replication
    from ..simulation.runner import replication_metrics

    rows = {name: np.full(len(idx), np.nan) for name in task.outputs + ("p_feasible",)}
    reps = scen.simulation.replications
    for j, i in enumerate(idx):
        point = with_overrides(scen, {p: float(task.values[p][i]) for p in task.numeric}) \
            if task.numeric else scen
        # Point i's replications come from stream (seed, point), whatever the chunking.
        children = np.random.SeedSequence([task.seed, task.first_point + int(i)]).spawn(reps)
        per_rep = [replication_metrics(point, run_replication(point, r, children[r]))["metrics"]
                   for r in range(reps)]
        metrics = {k: np.array([m.get(k, np.nan) for m in per_rep]) for k in per_rep[0]}
        for name in task.outputs:
            if name in metrics:
                rows[name][j] = _nanmean(metrics[name][None, :], 1)[0]
        judged = {k: v for k, v in point.criteria.items() if k in metrics}
        if judged:
            met = np.ones(reps, dtype=bool)
            for _, _, ok, _ in check_criteria(judged, metrics).values():
                met &= ok
            rows["p_feasible"][j] = met.mean()
    return rows
