"""Running a sweep: chunks through an executor into the store, resumable."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..progress import Progress
from .evaluate import ChunkTask, evaluate_chunk, model_for
from ..executors import ExecutorFailed, make_executor
from .spec import Sweep
from .result import SweepResult
from .store import ChunkStore

__all__ = ["run_sweep", "SweepResult"]


def _tasks(sweep: Sweep, todo: list[int]) -> Iterator[ChunkTask]:
    model = model_for(sweep.model, sweep.function, tuple(sweep.outputs), sweep.vectorized)
    for k in todo:
        lo, hi = sweep.chunk_bounds(k)
        yield ChunkTask(index=k, first_point=lo, scenario=sweep.scenario,
                        model=model, values=sweep.points(lo, hi),
                        numeric=tuple(sweep.numeric), categorical=tuple(sweep.categorical),
                        outputs=tuple(sweep.outputs), seed=sweep.spec.seed,
                        samples_per_point=sweep.spec.samples_per_point)


def run_sweep(sweep: Sweep, out: str | Path, *, executor: str = "processes",
              workers: int | None = None, scheduler: str | None = None,
              resume: bool = False, progress: bool | None = None) -> SweepResult:
    """Run ``sweep`` and stream its results to ``out`` (a folder), chunk by chunk.

    Parameters
    ----------
    executor:
        ``serial``, ``processes`` (local, the default) or ``dask``.
    workers:
        Worker processes (default: the machine's CPUs).
    scheduler:
        Address of a running Dask scheduler (``tcp://host:8786``); without it the
        ``dask`` executor starts a local cluster on loopback for the run.
    resume:
        Continue a sweep in ``out``: chunks on disk are kept, the rest computed.
        Without it, ``out`` must be new or empty.
    progress:
        Progress bar on stderr (default: only on a terminal).

    Notes
    -----
    The same sweep gives the same rows whatever the executor and worker count.
    A point that fails is recorded with its error and the sweep goes on.
    ``out`` is locked for the run (a second run on it is a StoreError). On
    resume, chunks that fail verification (checksum, rows, points) are deleted
    and computed again; they are listed on stderr and in the result's
    ``repaired`` (``[(chunk name, why), ...]``). Executor failures (lost Dask
    workers, a killed worker process) are an :class:`~feasim.executors.ExecutorFailed`
    saying how to resume.
    """
    store = ChunkStore(out)
    info = {"name": sweep.spec.name, "fingerprint": sweep.fingerprint(),
            "points": sweep.n_points, "chunks": sweep.n_chunks,
            "chunk_points": sweep.chunk_points, "outputs": sweep.outputs,
            "parameters": sweep.names, "model": sweep.model,
            "spec": sweep.spec.model_dump(mode="json")}
    try:  # the folder is locked from open() until close(), also on an exception
        done = store.open(info, resume, bounds=sweep.chunk_bounds)
        chunks = [(name, why) for name, why in store.repaired if name != "sweep.json"]
        for name, why in store.repaired:
            if name == "sweep.json":
                print(f"feasim: repaired {out}/sweep.json ({why})", file=sys.stderr)
        if chunks:
            shown = ", ".join(f"{name} ({why})" for name, why in chunks)
            n = len(chunks)
            print(f"feasim: repaired {n} chunk{'s' if n != 1 else ''} in {out} (deleted, "
                  f"computed again): {shown}", file=sys.stderr)
        todo = [k for k in range(sweep.n_chunks) if k not in done]
        finished_points = sum(np.subtract(*sweep.chunk_bounds(k)[::-1]) for k in done)
        ex = make_executor(executor, workers, scheduler)
        written = len(done)
        with Progress(sweep.n_points, f"sweep {sweep.spec.name}", "points",
                      enabled=progress, initial=int(finished_points)) as bar:
            try:
                with ex:
                    for task, columns in ex.imap_unordered(evaluate_chunk,
                                                           _tasks(sweep, todo)):
                        store.write(task.index, columns)
                        written += 1
                        bar.update(len(columns["point"]))
            except ExecutorFailed as exc:
                raise type(exc)(f"{exc}; {written} of {sweep.n_chunks} chunks are saved in "
                                f"{out}: run the sweep again with --resume to compute the "
                                "rest") from None
    finally:
        store.close()
    return SweepResult(out, computed=len(todo), skipped=len(done), repaired=store.repaired)
