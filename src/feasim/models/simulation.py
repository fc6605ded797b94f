"""The SimPy simulation behind the interface: replications on the shared executors.

Replication ``i`` draws everything from child ``i`` of one
``numpy.random.SeedSequence`` (``SeedSequence(simulation.seed)`` by default), so
results do not depend on how replications are spread over workers: the same
seed gives the same bytes of JSON on any executor, with any number of workers.
"""

from __future__ import annotations

import dataclasses
import math
import os
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..executors import ProcessExecutor, SerialExecutor, make_executor
from ..loader import with_overrides
from ..metrics import METRICS, needs_block
from ..progress import Progress
from ..results import Result
from ..sampling import COUNT_FIELDS
from ..schema import Scenario
from .base import (
    Model,
    RNGLike,
    child,
    input_length,
    make_result,
    nan_if_missing,
    seed_label,
    seed_sequence,
)

__all__ = ["SimulationModel", "simulate"]


class SimulationModel(Model):
    """The SimPy simulation: ``n`` replications (default ``simulation.replications``).

    ``inputs`` give each replication its own value of an input path (the
    replication's draw of that input is replaced); ``rng`` defaults to
    ``simulation.seed``. Metrics it cannot observe are listed in
    ``Result.not_observed``, its warnings in ``Result.warnings``.

    Parameters
    ----------
    executor:
        Where replications run: an executor of :mod:`feasim.executors` (or its
        name, ``serial``, ``processes``, ``dask``); default: this process, or
        local processes when ``workers`` > 1. An executor the caller has
        already entered is reused (and left open) across evaluations.
    workers:
        Worker processes for the default executor (1 = in this process).
    progress:
        Progress bar on stderr (default: only when stderr is a terminal).
    """

    method = "simulation"

    def __init__(self, executor: Any = None, workers: int = 1, progress: bool | None = None):
        self.executor = executor
        self.workers = workers
        self.progress = progress

    def __repr__(self) -> str:
        return f"SimulationModel(executor={self.executor!r}, workers={self.workers})"

    def evaluate(self, scenario: Scenario, inputs: Mapping[str, Any] | None = None, *,
                 n: int | None = None, rng: RNGLike = None) -> Result:
        sim = scenario.simulation
        n = input_length(inputs, n, sim.replications)
        seq = seed_sequence(rng, sim.seed)
        given = {p: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for p, v in
                 (inputs or {}).items()}
        reps = self._run(scenario, seq, n, given)
        return _aggregate(scenario, reps, n, seed_label(rng, sim.seed),
                          {p: np.array(v) for p, v in given.items()})

    def _executor(self, n: int):
        if self.executor is None:
            workers = max(1, min(int(self.workers), n, os.cpu_count() or 1))
            return SerialExecutor() if workers == 1 else ProcessExecutor(workers)
        if isinstance(self.executor, str):
            return make_executor(self.executor, self.workers)
        return self.executor

    def _run(self, scenario: Scenario, seq: np.random.SeedSequence, n: int,
             given: dict[str, np.ndarray]) -> list[dict]:
        ex = self._executor(n)
        chunks = _chunks(n, getattr(ex, "workers", 1) or 1)
        tasks = [_Chunk(scenario, seq, tuple(c),
                        tuple({p: float(v[i]) for p, v in given.items()} for i in c)
                        if given else None) for c in chunks]
        parts: dict[int, list[dict]] = {}
        with Progress(n, "simulate", "replications", enabled=self.progress) as bar:
            with (nullcontext(ex) if _is_open(ex) else ex):
                for task, out in ex.imap_unordered(_run_chunk, tasks):
                    parts[task.indices[0]] = out  # assembled by index: deterministic
                    bar.update(len(out))
        return [r for k in sorted(parts) for r in parts[k]]


def _is_open(ex: Any) -> bool:
    """An executor already entered by the caller (``with ex: model.evaluate(...)``): its
    pool or client is reused, and left open."""
    return getattr(ex, "_pool", None) is not None or getattr(ex, "_client", None) is not None


@dataclass(frozen=True)
class _Chunk:
    """Replications ``indices`` of one evaluation: self-contained, picklable."""

    scenario: Scenario
    seq: np.random.SeedSequence
    indices: tuple[int, ...]
    inputs: tuple[dict[str, float], ...] | None = None  # one per index


def _chunks(n: int, workers: int) -> list[list[int]]:
    size = max(1, math.ceil(n / (workers * 4)))
    return [list(range(i, min(n, i + size))) for i in range(0, n, size)]


def _engine():
    """The per-replication engine (imported late: SimPy only when a simulation runs)."""
    from ..simulation.engine import run_replication
    from ..simulation.runner import replication_metrics

    return run_replication, replication_metrics


def _run_chunk(task: _Chunk) -> list[dict]:
    """Per replication: ``replication_metrics`` of ``run_replication`` on child ``i``,
    with that replication's inputs (whole-number fields rounded)."""
    run_replication, replication_metrics = _engine()
    out = []
    for j, i in enumerate(task.indices):
        kw = {}
        if task.inputs and task.inputs[j]:
            kw["inputs"] = {p: float(np.rint(v)) if p.rsplit(".", 1)[-1] in COUNT_FIELDS
                            else v for p, v in task.inputs[j].items()}
        rep = run_replication(task.scenario, i, child(task.seq, i), **kw)
        out.append(replication_metrics(task.scenario, rep))
    return out


def _block_exists(scenario: Scenario, block: str | None) -> bool:
    obj: Any = scenario
    for part in (block.split(".") if block else []):
        obj = getattr(obj, part, None)
        if obj is None:
            return False
    return True


def _aggregate(scenario: Scenario, reps: list[dict], n: int, seed: int | None,
               inputs: dict[str, np.ndarray]) -> Result:
    """Replications' metrics, series, warnings and base overloads into one Result."""
    names = list(dict.fromkeys(k for r in reps for k in r["metrics"]))
    metrics = {k: nan_if_missing([r["metrics"] for r in reps], k) for k in names}
    series = {k: np.vstack([r["series"][k] for r in reps]) for k in reps[0]["series"]}
    warnings = tuple(dict.fromkeys(w for r in reps for w in r.get("warnings", ())))
    labels = list(dict.fromkeys(b for r in reps for b in r.get("base_overloaded", {})))
    overload = {}
    for b in labels:
        hits = sum(bool(r.get("base_overloaded", {}).get(b, False)) for r in reps)
        if hits:
            overload[b] = hits / n
    not_observed = tuple(m for m in METRICS if m not in metrics
                         and _block_exists(scenario, needs_block(m)))
    cells: dict[str, list[float]] = {}
    for r in reps:   # pooled over replications: [detected, incursions] per sector|hour
        for key, (hit, count) in r.get("cells", {}).items():
            total = cells.setdefault(key, [0.0, 0.0])
            total[0] += hit
            total[1] += count
    result = make_result(scenario, method="simulation", seed=seed, n=n, metrics=metrics,
                         inputs=inputs, series=series, warnings=warnings,
                         base_overload=overload, not_observed=not_observed)
    by_sector: dict[str, dict[str, np.ndarray]] = {}   # quantity → sector → per replication
    for r in reps:
        for q, per in r.get("by_sector", {}).items():
            for name in per:
                by_sector.setdefault(q, {}).setdefault(name, np.full(n, math.nan))
    for i, r in enumerate(reps):
        for q, per in r.get("by_sector", {}).items():
            for name, v in per.items():
                by_sector[q][name][i] = v
    return dataclasses.replace(result, cells=cells, by_sector=by_sector)


def simulate(scenario: Scenario, replications: int | None = None, days: float | None = None,
             seed: int | None = None, workers: int = 1,
             progress: bool | None = None) -> Result:
    """Simulate ``scenario`` with SimPy and return the shared result type.

    Parameters
    ----------
    replications, days, seed:
        Override ``simulation.replications``, ``simulation.days`` (horizon, days)
        and ``simulation.seed``.
    workers:
        Local processes to spread replications over (1 = in this process). The
        result is identical for any number of workers.
    progress:
        Show a progress bar on stderr (default: only when stderr is a terminal).

    Returns
    -------
    Result
        ``method == "simulation"``; one value per replication for each metric the
        simulation estimates, 95% confidence intervals in ``to_dict()``, and daily
        time series (replication × day) in ``series``. The same as
        ``SimulationModel(workers=workers).evaluate(scenario)`` after the overrides.
    """
    overrides: dict[str, Any] = {}
    if replications is not None:
        overrides["simulation.replications"] = int(replications)
    if days is not None:
        overrides["simulation.days"] = float(days)
    if seed is not None:
        overrides["simulation.seed"] = int(seed)
    if overrides:
        scenario = with_overrides(scenario, overrides)
    return SimulationModel(workers=workers, progress=progress).evaluate(scenario)
