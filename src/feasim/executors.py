"""Swappable executors: serial, local processes, Dask distributed.

Each is a context manager with one method, ``imap_unordered(fn, tasks)``,
yielding ``(task, result)`` as tasks finish, with at most ``max_in_flight``
tasks submitted at a time, so memory stays bounded however long the run.
Sweeps and the simulation's replications (:class:`feasim.models.SimulationModel`)
run on them and do not know which one runs them. Results never depend on
the executor: tasks carry their own seeds.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Callable, Iterable, Iterator

from .errors import FeasimError, MissingDependency

__all__ = ["SerialExecutor", "ProcessExecutor", "DaskExecutor", "make_executor", "EXECUTORS"]

EXECUTORS = ("serial", "processes", "dask")


class SchedulerUnreachable(FeasimError, ConnectionError):
    """The Dask scheduler given by address does not answer."""


class SerialExecutor:
    """Everything in this process, in order."""

    workers = 1

    def __enter__(self) -> "SerialExecutor":
        return self

    def __exit__(self, *exc) -> None:
        return None

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator[tuple[Any, Any]]:
        for task in tasks:
            yield task, fn(task)


class ProcessExecutor:
    """Local worker processes (:class:`concurrent.futures.ProcessPoolExecutor`)."""

    def __init__(self, workers: int | None = None, max_in_flight: int | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.max_in_flight = max_in_flight or 2 * self.workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "ProcessExecutor":
        self._pool = ProcessPoolExecutor(max_workers=self.workers)
        return self

    def __exit__(self, exc_type, *exc) -> None:
        assert self._pool is not None
        # On an interruption, drop what has not started; finished chunks are on disk.
        self._pool.shutdown(wait=exc_type is None, cancel_futures=exc_type is not None)
        self._pool = None  # closed: entering again starts a new pool

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator[tuple[Any, Any]]:
        assert self._pool is not None, "use 'with ProcessExecutor(...) as ex:'"
        pending: dict = {}
        it = iter(tasks)
        for task in it:
            pending[self._pool.submit(fn, task)] = task
            if len(pending) >= self.max_in_flight:
                break
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                task = pending.pop(fut)
                yield task, fut.result()
                nxt = next(it, None)
                if nxt is not None:
                    pending[self._pool.submit(fn, nxt)] = nxt


class DaskExecutor:
    """Dask distributed: an existing scheduler (``address``) or a local cluster.

    The local cluster listens on loopback only, one single-threaded worker
    process per worker, no dashboard, and is closed when the block ends.
    Needs ``pip install 'feasim[dask]'``.
    """

    def __init__(self, address: str | None = None, workers: int | None = None,
                 max_in_flight: int | None = None):
        try:
            import distributed  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on environment
            raise MissingDependency("the dask executor needs dask.distributed: "
                              "pip install 'feasim[dask]'") from exc
        self.address = address
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.max_in_flight = max_in_flight
        self._client = None
        self._cluster = None

    def __enter__(self) -> "DaskExecutor":
        from distributed import Client, LocalCluster

        if self.address:
            try:
                self._client = Client(self.address, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise SchedulerUnreachable(
                    f"cannot reach the Dask scheduler at {self.address}: {exc}") from None
            n = len(self._client.scheduler_info().get("workers", {})) or 1
            self.workers = n
        else:
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                         processes=True, host="127.0.0.1",
                                         dashboard_address=None, silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        self.max_in_flight = self.max_in_flight or 2 * self.workers
        return self

    def __exit__(self, *exc) -> None:
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
        self._client = self._cluster = None  # closed: entering again connects anew

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator[tuple[Any, Any]]:
        from distributed import as_completed

        client = self._client
        assert client is not None, "use 'with DaskExecutor(...) as ex:'"
        it = iter(tasks)
        pending: dict = {}
        for task in it:
            pending[client.submit(fn, task, pure=False)] = task
            if len(pending) >= self.max_in_flight:
                break
        ac = as_completed(list(pending))
        for fut in ac:
            task = pending.pop(fut)
            result = fut.result()
            fut.release()
            yield task, result
            nxt = next(it, None)
            if nxt is not None:
                new = client.submit(fn, nxt, pure=False)
                pending[new] = nxt
                ac.add(new)


def make_executor(kind: str = "processes", workers: int | None = None,
                  scheduler: str | None = None):
    """The executor called ``kind`` (serial, processes, dask)."""
    if kind == "serial":
        return SerialExecutor()
    if kind == "processes":
        return ProcessExecutor(workers)
    if kind == "dask":
        return DaskExecutor(scheduler, workers)
    raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}; got {kind!r}")
