"""Dask vs local processes: the same analytic sweep chunks, same worker count, side by side.

Run from the repository root:

    .venv/bin/python benchmarks/bench_dask.py [--quick] [--json PATH] [--workers K]

What is measured: the chunks of one analytic sweep of claim C2
(``scenarios/claims/c02-experts-100k-in-theatre.yaml``; line length, patrol
teams and both force bases; Latin hypercube of 200,000 points, 20 samples a
point, 10,000 points a chunk: 20 chunks; --quick: 100,000 points) evaluated
by ``feasim.sweep.evaluate.evaluate_chunk`` on

- ``processes``: feasim's ``ProcessExecutor`` (a ``ProcessPoolExecutor``);
- ``dask (feasim)``: feasim's ``DaskExecutor`` with the local cluster it starts
  (workers with the malloc of a plain process);
- ``dask (nanny default)``: a ``LocalCluster`` started with distributed's
  defaults: ``dask scheduler`` and ``dask worker --nworkers K --nthreads 1`` in
  processes of their own, as on a cluster you run (the nanny sets
  ``MALLOC_TRIM_THRESHOLD_=65536`` in the workers), reached by address.

Each executor is started once and warmed up (one chunk per worker); then the
three run all chunks in turn, round after round, and the wall time of each
full pass is recorded (results are discarded: no Parquet writing). Ratios are
of medians. The goal: feasim's Dask cluster within 10% of local processes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

ROOT = C.ROOT
C2 = ROOT / "scenarios" / "claims" / "c02-experts-100k-in-theatre.yaml"


def build_sweep(points: int):
    import feasim
    from feasim.sweep import Sweep

    return Sweep(feasim.load_scenario(C2), {
        "theatre.line_km": {"low": 100, "high": 2000},
        "posture.patrols.teams": {"low": 50, "high": 300, "integer": True},
        "force.basis": {"values": ["in_theatre", "committed"]}},
        design={"method": "lhs", "points": points, "seed": 1}, samples_per_point=20,
        chunk_points=10_000,
        outputs=["troops_per_km", "fill_ratio", "detection_probability", "response_hours_p90"])


def one_pass(ex, tasks) -> float:
    from feasim.sweep.evaluate import evaluate_chunk

    t = time.perf_counter()
    rows = sum(len(cols["point"]) for _, cols in ex.imap_unordered(evaluate_chunk, tasks))
    elapsed = time.perf_counter() - t
    assert rows == sum(len(next(iter(task.values.values()))) for task in tasks)
    return elapsed


def worker_env(ex) -> str:
    """MALLOC_TRIM_THRESHOLD_ as the executor's workers see it."""
    if getattr(ex, "_client", None) is None:
        return os.environ.get("MALLOC_TRIM_THRESHOLD_", "unset")
    vals = set(ex._client.run(os.getenv, "MALLOC_TRIM_THRESHOLD_").values())
    return ", ".join(sorted(str(v) if v is not None else "unset" for v in vals))


def main() -> int:
    p = C.parser(__doc__)
    p.add_argument("--workers", type=int, default=2, help="workers of each executor (2)")
    p.add_argument("--rounds", type=int, default=None, help="rounds (default 5, --quick 3)")
    args = p.parse_args()
    rounds = args.rounds or (3 if args.quick else 5)
    points = 100_000 if args.quick else 200_000

    from distributed import Client

    from feasim.executors import DaskExecutor, ProcessExecutor
    from feasim.sweep.runner import _tasks

    C.header("bench_dask.py: analytic sweep chunks, processes vs Dask")
    sw = build_sweep(points)
    tasks = list(_tasks(sw, list(range(sw.n_chunks))))
    print(f"sweep: {sw.n_points:,} points x {sw.spec.samples_per_point} samples, "
          f"{sw.n_chunks} chunks of {sw.chunk_points:,}; {args.workers} workers each; "
          f"{rounds} rounds\n")
    warm = tasks[: args.workers]
    # The nanny-default cluster runs in processes of its own (``dask scheduler`` and
    # ``dask worker``, as on a cluster you run): a LocalCluster started in this process
    # would copy MALLOC_TRIM_THRESHOLD_ into os.environ here (the nanny's pre-spawn
    # environment), and every worker spawned afterwards, feasim's too, would inherit it.
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    tmp = tempfile.mkdtemp(prefix="bench-dask-")
    sched_file = os.path.join(tmp, "scheduler.json")
    external = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler",
                                  "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", sched_file], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    deadline = time.monotonic() + 60
    while not os.path.exists(sched_file) and time.monotonic() < deadline:
        time.sleep(0.2)
    address = json.loads(Path(sched_file).read_text())["address"]
    external.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker",
                                      address, "--nworkers", str(args.workers), "--nthreads",
                                      "1", "--host", "127.0.0.1", "--no-dashboard"], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    contenders = {
        "processes": ProcessExecutor(args.workers),
        "dask (feasim)": DaskExecutor(workers=args.workers),
        "dask (nanny default)": DaskExecutor(address),
    }
    times: dict[str, list[float]] = {k: [] for k in contenders}
    env = {}
    try:
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(args.workers, timeout=120)
        for name, ex in contenders.items():
            ex.__enter__()
            one_pass(ex, warm)
            env[name] = worker_env(ex)
        for r in range(rounds):
            for name, ex in contenders.items():
                times[name].append(one_pass(ex, tasks))
            C.flush()
            print(f"round {r + 1}: " + "  ".join(f"{n} {t[-1]:.2f} s" for n, t in times.items()))
    finally:
        for ex in contenders.values():
            ex.__exit__(None, None, None)
        for proc in reversed(external):
            proc.terminate()
            proc.wait(timeout=60)
        shutil.rmtree(tmp, ignore_errors=True)
    med = {k: C.median(v) for k, v in times.items()}
    base = med["processes"]
    print(f"\n{'executor':<22} {'median s':>9} {'vs processes':>13}  "
          "MALLOC_TRIM_THRESHOLD_ in workers")
    for name in contenders:
        print(f"{name:<22} {med[name]:>9.2f} {med[name] / base:>12.2f}x  {env[name]}")
    ratio = med["dask (feasim)"] / base
    print(f"\ngoal: feasim's Dask cluster within 10% of processes: {ratio:.2f}x -> "
          f"{C.verdict(ratio <= 1.10)}")
    print(f"for comparison, distributed's nanny default: "
          f"{med['dask (nanny default)'] / base:.2f}x")
    C.write_json(args.json, {"points": sw.n_points, "chunks": sw.n_chunks,
                             "workers": args.workers, "rounds": rounds, "times": times,
                             "median": med, "ratio_feasim_dask": ratio,
                             "ratio_nanny_default": med["dask (nanny default)"] / base,
                             "worker_malloc_trim_threshold": env})
    return 0


if __name__ == "__main__":
    sys.exit(main())
