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
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from .errors import FeasimError, MissingDependency

if TYPE_CHECKING:  # dask is optional: imported when a DaskExecutor is entered
    from distributed import Client, LocalCluster

__all__ = ["SerialExecutor", "ProcessExecutor", "DaskExecutor", "make_executor", "EXECUTORS",
           "ExecutorFailed", "SchedulerUnreachable"]

EXECUTORS = ("serial", "processes", "dask")


class SchedulerUnreachable(FeasimError, ConnectionError):
    """The Dask scheduler given by address does not answer."""


class ExecutorFailed(FeasimError, RuntimeError):
    """The executor lost its workers (killed, out of memory, scheduler gone)."""


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
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    raise ExecutorFailed("a worker process died (killed, or out of memory?)"
                                         ) from None
                yield task, result
                nxt = next(it, None)
                if nxt is not None:
                    pending[self._pool.submit(fn, nxt)] = nxt


class DaskExecutor:
    """Dask distributed: an existing scheduler (``address``) or a local cluster.

    The local cluster listens on loopback only, one single-threaded worker
    process per worker, no dashboard, and is closed when the block ends. Its
    workers keep the malloc of a plain process: distributed's nanny would set
    ``MALLOC_TRIM_THRESHOLD_=65536`` (``distributed.nanny.pre-spawn-environ``),
    which makes every NumPy temporary over 128 KiB a fresh ``mmap`` and the
    analytic model about 2× slower; feasim unsets it for the workers it starts
    (docs/howto-dask.md says what to set on a cluster you run). A task whose
    worker dies more than ``allowed_failures`` times fails (``KilledWorker``).

    Nothing hangs: lost workers are an :class:`ExecutorFailed` — a task lost
    with its worker too often, no worker at all for ``lost_workers_timeout``
    seconds (default 60, or the Dask config ``feasim.lost-workers-timeout``),
    or the scheduler gone.
    Needs ``pip install 'feasim[dask]'``.
    """

    allowed_failures = 2
    poll_seconds = 1.0

    def __init__(self, address: str | None = None, workers: int | None = None,
                 max_in_flight: int | None = None, lost_workers_timeout: float | None = None):
        try:
            import dask
            import distributed  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on environment
            raise MissingDependency("the dask executor needs dask.distributed: "
                              "pip install 'feasim[dask]'") from exc
        self.address = address
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.max_in_flight = max_in_flight
        if lost_workers_timeout is None:
            from dask.utils import parse_timedelta

            lost_workers_timeout = parse_timedelta(
                dask.config.get("feasim.lost-workers-timeout", 60), default="s")
        self.lost_workers_timeout = float(lost_workers_timeout)
        self._client: Client | None = None
        self._cluster: LocalCluster | None = None

    def __enter__(self) -> "DaskExecutor":
        import dask
        from distributed import Client, LocalCluster

        if self.address:
            try:
                client = Client(self.address, timeout="30s")
            except (OSError, TimeoutError) as exc:
                raise SchedulerUnreachable(
                    f"cannot reach the Dask scheduler at {self.address}: {exc}") from None
            self._client = client
            self.workers = len(client.nthreads()) or 1
        else:
            # Read when the scheduler and the nannies are made (restarts reuse them).
            with dask.config.set({
                    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
                    "distributed.scheduler.allowed-failures": self.allowed_failures}):
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                             processes=True, host="127.0.0.1",
                                             dashboard_address=None,
                                             silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        self.max_in_flight = self.max_in_flight or 2 * self.workers
        return self

    def __exit__(self, *exc) -> None:
        client, cluster = self._client, self._cluster
        self._client = self._cluster = None  # closed: entering again connects anew
        # Bounded: a cluster whose workers died must not hang the way out.
        for closing in ((lambda: client.close(timeout=10)) if client is not None else None,
                        (lambda: cluster.close(timeout=20)) if cluster is not None else None):
            if closing is None:
                continue
            try:
                closing()
            except Exception:  # noqa: BLE001 - already failing, or nothing left to close
                if exc[0] is None:
                    raise

    def _where(self) -> str:
        return f"the Dask scheduler at {self.address}" if self.address else \
            "feasim's local Dask cluster"

    def _workers_now(self) -> int | None:
        """Workers the scheduler knows (None: it does not answer, or not entered)."""
        if self._client is None:
            return None
        try:
            return len(self._client.nthreads())
        except Exception:  # noqa: BLE001 - scheduler gone or reconnecting
            return None

    def imap_unordered(self, fn: Callable, tasks: Iterable) -> Iterator[tuple[Any, Any]]:
        import time
        from concurrent.futures import CancelledError

        from distributed import wait as dask_wait
        from distributed.scheduler import KilledWorker

        client = self._client
        assert client is not None, "use 'with DaskExecutor(...) as ex:'"
        limit = self.max_in_flight or 2 * self.workers  # as __enter__ sets it
        it = iter(tasks)
        pending: dict = {}
        for task in it:
            pending[client.submit(fn, task, pure=False)] = task
            if len(pending) >= limit:
                break
        lost_since: float | None = None
        try:
            while pending:
                try:
                    done, _ = dask_wait(list(pending), timeout=self.poll_seconds,
                                        return_when="FIRST_COMPLETED")
                except TimeoutError:
                    done = set()
                if not done:
                    n = self._workers_now() if client.status == "running" else None
                    if n:
                        lost_since = None
                        continue
                    lost_since = lost_since or time.monotonic()
                    if time.monotonic() - lost_since > self.lost_workers_timeout:
                        what = (f"{self._where()} has had no worker" if n == 0 else
                                f"{self._where()} has not answered")
                        raise ExecutorFailed(
                            f"{what} for {self.lost_workers_timeout:g} s: the workers were "
                            "killed or lost (out of memory?)")
                    continue
                lost_since = None
                for fut in done:
                    task = pending.pop(fut)
                    try:
                        result = fut.result()
                    except KilledWorker as exc:
                        tries = getattr(exc, "allowed_failures", None)
                        tries = f"{tries + 1} times" if isinstance(tries, int) else "repeatedly"
                        raise ExecutorFailed(
                            f"the Dask worker running chunk {getattr(task, 'index', task)} died "
                            f"{tries} (KilledWorker, {self._where()}): the workers keep dying "
                            "(killed, or out of memory?)") from None
                    except CancelledError:
                        raise ExecutorFailed(f"lost {self._where()}: its tasks were "
                                             "cancelled") from None
                    fut.release()
                    yield task, result
                    nxt = next(it, None)
                    if nxt is not None:
                        pending[client.submit(fn, nxt, pure=False)] = nxt
        finally:
            if pending:
                try:
                    client.cancel(list(pending))
                except Exception:  # noqa: BLE001 - the client may be gone already
                    pass


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
