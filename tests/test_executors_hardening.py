"""Executors that lose their workers end with a clear error in bounded time, never hang.

The Dask tests start their own clusters on 127.0.0.1, kill worker processes
with ``os.kill`` and check that the sweep fails with an ExecutorFailed (a
FeasimError: the CLI exits 2) naming what happened and ``--resume``, and that
resuming gives the rows of an uninterrupted run.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from feasim.executors import DaskExecutor, ExecutorFailed
from feasim.sweep import Sweep, run_sweep

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
SLEEP_VAR = "FEASIM_TEST_CHUNK_SLEEP"


def slow_double(v):
    """A chunk function: slow only where the test asks (worker processes)."""
    time.sleep(float(os.environ.get(SLEEP_VAR, "0")))
    return {"y": np.asarray(v["x"]) * 2.0}


def die_on_chunk_two(v):
    if np.any(np.asarray(v["x"]) > 10):  # chunk 2 only (x = point index, see sweep())
        os.kill(os.getpid(), signal.SIGKILL)
    return {"y": np.asarray(v["x"]) * 2.0}


def sweep(fn=slow_double, points=24, chunk=2):
    return Sweep.from_function(fn, {"x": {"low": 0, "high": points - 1, "integer": True}},
                               ["y"], design={"method": "lhs", "points": points, "seed": 2},
                               chunk_points=chunk)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return run_sweep(sweep(), tmp_path_factory.mktemp("ref") / "o",
                     executor="serial").to_dataframe()


@pytest.fixture
def slow_workers(monkeypatch):
    monkeypatch.setenv(SLEEP_VAR, "0.4")   # inherited by worker processes started now
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")]))


class Killer(threading.Thread):
    """Kills the processes ``pids()`` names, every ``every`` seconds, until stopped."""

    def __init__(self, pids, every=0.8):
        super().__init__(daemon=True)
        self.pids, self.every, self.kills = pids, every, 0
        self.halt = threading.Event()

    def run(self):
        while not self.halt.wait(self.every):
            try:
                pids = self.pids()
            except Exception:  # noqa: BLE001 - e.g. a worker restarting
                continue
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    self.kills += 1
                except ProcessLookupError:
                    pass

    def stop(self):
        self.halt.set()
        self.join(timeout=10)


def test_worker_killed_under_a_nanny_is_a_clear_error_then_resume(
        reference, slow_workers, tmp_path):
    from distributed import Client, LocalCluster

    import dask

    out = tmp_path / "k"
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1",
                         dashboard_address=None, processes=True,
                         silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        killer = Killer(lambda: client.run(os.getpid).values())
        killer.start()
        t = time.perf_counter()
        try:
            with pytest.raises(ExecutorFailed) as info:
                run_sweep(sweep(), out, executor="dask", scheduler=cluster.scheduler_address,
                          progress=False)
        finally:
            killer.stop()
        elapsed = time.perf_counter() - t
    msg = str(info.value)
    assert "died" in msg and "KilledWorker" in msg and "--resume" in msg, msg
    assert f"saved in {out}" in msg
    assert elapsed < 90 and killer.kills >= 2
    result = run_sweep(sweep(), out, executor="serial", resume=True)
    assert result.computed_chunks >= 1
    pd.testing.assert_frame_equal(result.to_dataframe(), reference)


def test_last_worker_killed_fails_within_the_timeout_then_resume(
        reference, slow_workers, tmp_path):
    import dask
    from distributed import LocalCluster

    out = tmp_path / "z"
    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None,
                      processes=True, silence_logs=logging.CRITICAL) as cluster:
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", cluster.scheduler_address,
             "--no-nanny", "--nthreads", "1", "--host", "127.0.0.1", "--no-dashboard"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            cluster.scheduler_info  # noqa: B018
            deadline = time.monotonic() + 60
            while not cluster.scheduler_info.get("workers") and time.monotonic() < deadline:
                time.sleep(0.2)
            assert cluster.scheduler_info.get("workers"), "the worker did not start"
            timer = threading.Timer(2.0, os.kill, (worker.pid, signal.SIGKILL))
            timer.start()
            t = time.perf_counter()
            with dask.config.set({"feasim.lost-workers-timeout": 3}), \
                    pytest.raises(ExecutorFailed) as info:
                run_sweep(sweep(), out, executor="dask", scheduler=cluster.scheduler_address,
                          progress=False)
            elapsed = time.perf_counter() - t
            timer.cancel()
        finally:
            worker.kill()
            worker.wait(timeout=30)
    msg = str(info.value)
    assert "has had no worker for 3 s" in msg and "--resume" in msg, msg
    assert 3 <= elapsed < 60
    result = run_sweep(sweep(), out, executor="serial", resume=True)
    pd.testing.assert_frame_equal(result.to_dataframe(), reference)


def test_no_worker_at_all_fails_within_the_timeout(tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None,
                      processes=True, silence_logs=logging.CRITICAL) as cluster:
        t = time.perf_counter()
        with pytest.raises(ExecutorFailed, match="has had no worker for 1.5 s"):
            with DaskExecutor(cluster.scheduler_address, lost_workers_timeout=1.5) as ex:
                list(ex.imap_unordered(abs, [-1, -2]))
        assert time.perf_counter() - t < 40


def test_feasims_own_cluster_workers_killed(reference, slow_workers, tmp_path):
    """feasim's local cluster: allowed-failures 2, so the third death of a task ends it."""
    out = tmp_path / "own"
    me = os.getpid()

    def workers():
        return [p.pid for p in multiprocessing.active_children() if p.pid != me]

    killer = Killer(workers)
    killer.start()
    t = time.perf_counter()
    try:
        with pytest.raises(ExecutorFailed, match=r"died 3 times \(KilledWorker, feasim's local"):
            run_sweep(sweep(), out, executor="dask", workers=1, progress=False)
    finally:
        killer.stop()
    assert time.perf_counter() - t < 120
    result = run_sweep(sweep(), out, executor="serial", resume=True)
    pd.testing.assert_frame_equal(result.to_dataframe(), reference)


MALLOC_PROBE = """
import os, sys
from distributed import LocalCluster, Client
from feasim.executors import DaskExecutor
if __name__ == "__main__":
    if sys.argv[1] == "feasim":
        with DaskExecutor(workers=1) as ex:
            got = ex._client.run(os.getenv, "MALLOC_TRIM_THRESHOLD_")
    else:  # distributed's defaults, for comparison
        with LocalCluster(n_workers=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as c, Client(c) as client:
            got = client.run(os.getenv, "MALLOC_TRIM_THRESHOLD_")
    print("WORKER", list(got.values())[0], "HERE", os.environ.get("MALLOC_TRIM_THRESHOLD_"))
"""


@pytest.mark.parametrize("who,expected", [("feasim", "WORKER None HERE None"),
                                          ("distributed", "WORKER 65536 HERE 65536")])
def test_feasims_cluster_keeps_plain_malloc(who, expected):
    """No MALLOC_TRIM_THRESHOLD_ from distributed's nanny, in the workers or in feasim.

    In a fresh process: any nanny started in this one has already set it here.
    """
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    proc = subprocess.run([sys.executable, "-c", MALLOC_PROBE, who], capture_output=True,
                          text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.stdout.strip().splitlines()[-1] == expected, proc.stderr[-2000:]


def test_killed_process_worker_is_a_clear_error(tmp_path):
    sw = Sweep.from_function(die_on_chunk_two, {"x": {"values": list(range(16))}}, ["y"],
                             design={"method": "factorial"}, chunk_points=4)
    t = time.perf_counter()
    with pytest.raises(ExecutorFailed, match=r"worker process died.*--resume"):
        run_sweep(sw, tmp_path / "p", executor="processes", workers=2, progress=False)
    assert time.perf_counter() - t < 60
