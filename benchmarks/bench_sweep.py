"""Sweeps (issue 4): analytic throughput, harness overhead vs EMA Workbench, speed-up, memory.

Run from the repository root:

    /tmp/venv/bin/python benchmarks/bench_sweep.py [--quick] [--json PATH] [--only 1,3]
                                                   [--profile] [--ema-python PATH]

The four goals and how each is measured:

1. Analytic throughput, one core: at least 1,000,000 scenario samples a second
   for the full analytic model, sampling included (``feasim.sampling.draw`` then
   ``feasim.analytic.evaluate_draws``, which is what ``feasim.evaluate`` does),
   1,000,000 samples a call. Claims C2 (few uncertain inputs) and C6 (many), with
   both samplers (lhs, random), in a child process pinned to one CPU
   (``os.sched_setaffinity``) with OMP/OpenBLAS/MKL threads at 1; the four cases
   in turn, round after round; medians. Draw and evaluation are timed apart.
   Each case is called twice in a row with different seeds; the second call is
   the steady state (as in a sweep) and is timed against the goal, the first is
   shown too: after a smaller case it pays for the memory the process must get
   back from the OS (first-touch page faults).
2. Harness overhead per point: feasim's at most 1/10 of EMA Workbench's, on the
   same trivial model (y = x1 + x2) called once per point. EMA's
   ``perform_experiments(model, scenarios=N)`` with a ``SequentialEvaluator``
   against feasim's ``run_sweep(Sweep.from_function(f, ..., vectorized=False),
   out, executor="serial")`` followed by ``to_dataframe()`` (EMA hands back its
   table in memory; feasim's is read back from Parquet), Latin hypercube of N
   points for both. Overhead per point = (wall time − the model alone) / N; the
   model alone is the same function called N times in a plain loop. Both run in
   one child process of a Python that has ``ema_workbench`` (install it in a
   separate venv: see docs/benchmarks.md), contenders in turn, round after round,
   medians. feasim with ``vectorized=True`` is shown for information.
3. Simulation sweep: 2 local workers at least 1.7× faster than 1
   (``executor="processes"``), on a C2 simulation sweep whose points take about
   0.4 s each (0.1 s with --quick), one point per chunk; 1 and 2 workers alternate,
   round after round, median of the per-round ratios. A control task (pure-Python
   arithmetic in the same ``ProcessPoolExecutor`` pattern) is timed alongside,
   to show what this machine delivers on 2 workers at that moment; the CPU time
   of the workers over the wall time shows how many cores the sweep really got.
   A miss while the control is itself below 1.8× is reported as INCONCLUSIVE.
4. Bounded memory: a 10,000,000-point analytic sweep (C2, 2 parameters, 1 sample
   a point, 100,000 points a chunk, serial executor) in a child process: peak RSS
   (``ru_maxrss``) against a 1,000,000-point sweep with the same chunks, for a
   Latin hypercube and a Sobol design. The sweep's own memory (peak − the child's
   RSS before the run) must not grow anywhere near 10× (the verdict asks < 2×;
   --quick compares 100,000 with 1,000,000 points). What does grow: the Latin
   hypercube keeps one int32 permutation per parameter (4 bytes × points ×
   parameters); Sobol keeps nothing. Outputs go to a temporary folder under /tmp
   and are deleted at once.

``--profile`` adds a cProfile (top functions by own time) of one call of every
analytic case and of a feasim per-point function sweep. ``--only`` runs some goals.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"   # before NumPy is imported, here and in every child

import cProfile  # noqa: E402
import gc  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import pstats  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

ROOT = C.ROOT
CLAIMS = ROOT / "scenarios" / "claims"
C2 = "c02-experts-100k-in-theatre"
C6 = "c06-coalition-of-the-willing"
DEFAULT_EMA_PYTHON = "/tmp/ema-venv/bin/python"


# ------------------------------------------------------------------ models (module level)


def ema_model(x1=0.0, x2=0.0):
    """The trivial model as EMA Workbench calls it: keyword arguments in, dict out."""
    return {"y": x1 + x2}


def point_model(v):
    """The same model as feasim calls it: a dict of values in (floats or arrays), dict out."""
    return {"y": v["x1"] + v["x2"]}


def spin(n: int) -> int:
    """Control task for goal 3: pure-Python arithmetic, no I/O, nothing shared."""
    s = 0
    for i in range(n):
        s += i * i
    return s


# ------------------------------------------------------------------ helpers


def _cpu(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def _profile(fn, top: int = 14) -> str:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).strip_dirs().sort_stats("tottime").print_stats(top)
    lines = buf.getvalue().splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip().startswith("ncalls")), 0)
    head = next((ln.strip() for ln in lines if "function calls" in ln), "")
    return "\n".join([head] + [ln for ln in lines[start:] if ln.strip()])


def _run_worker(python: str, mode: str, args: dict, timeout: float = 1800) -> dict:
    """Run this script as ``--worker mode`` in a child process; return its result dict."""
    proc = subprocess.run([python, str(Path(__file__).resolve()), "--worker", mode,
                           "--worker-args", json.dumps(args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=timeout,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"worker {mode} failed (exit {proc.returncode}):\n"
                       f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


def _git() -> dict:
    def run(*a):
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True,
                                  timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    dirty = [ln.split(None, 1)[-1] for ln in run("status", "--porcelain", "--", "src").splitlines()]
    return {"commit": run("rev-parse", "--short", "HEAD"), "uncommitted_src": dirty}


# ------------------------------------------------------------------ goal 1: throughput


def w_throughput(a: dict) -> dict:
    try:
        os.sched_setaffinity(0, {a["cpu"]})
        pinned = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        pinned = None
    import numpy as np  # noqa: F401

    import feasim
    from feasim.analytic import evaluate_draws
    from feasim.sampling import draw

    n, rounds = a["samples"], a["rounds"]
    scen = {name: feasim.load_scenario(CLAIMS / f"{name}.yaml") for name in a["scenarios"]}
    cases = [(name, sm) for name in a["scenarios"] for sm in a["samplers"]]
    dims = {}
    for name, s in scen.items():
        d = draw(s, 1000, 0, "random")
        dims[name] = {"uncertain": len(d.uncertain()), "events": len(d.events)}
    for name, sm in cases:  # warm-up
        evaluate_draws(scen[name], draw(scen[name], 10_000, 0, sm), 0)
    times = {f"{name}|{sm}": {"draw": [], "evaluate": [], "first_total": []}
             for name, sm in cases}
    load = []
    for r in range(rounds):
        load.append(os.getloadavg()[0])
        for name, sm in cases:
            # Two calls in a row: the first after another case often needs fresh memory
            # from the OS (first-touch page faults, hundreds of MB at 10^6 samples); the
            # second is the steady state of a sweep evaluating chunk after chunk.
            for call in range(2):
                gc.collect()
                t0 = time.perf_counter()
                d = draw(scen[name], n, 2 * r + call + 1, sm)
                t1 = time.perf_counter()
                res = evaluate_draws(scen[name], d, seed=2 * r + call + 1)
                t2 = time.perf_counter()
                del d, res
                if call == 0:
                    times[f"{name}|{sm}"]["first_total"].append(t2 - t0)
                else:
                    times[f"{name}|{sm}"]["draw"].append(t1 - t0)
                    times[f"{name}|{sm}"]["evaluate"].append(t2 - t1)
    profiles = {}
    if a.get("profile"):
        for name, sm in cases:
            s = scen[name]
            profiles[f"{name}|{sm}"] = _profile(
                lambda s=s, sm=sm: evaluate_draws(s, draw(s, n, 99, sm), seed=99))
    return {"pinned_cpus": pinned, "dims": dims, "times": times, "load": load,
            "profiles": profiles}


def goal_throughput(args) -> dict:
    samples, rounds = 1_000_000, (1 if args.quick else 5)
    print(f"1. Analytic throughput: {samples:,} samples a call (draw + evaluate), one CPU, "
          f"{rounds} round(s), medians")
    r = _run_worker(sys.executable, "throughput", {
        "samples": samples, "rounds": rounds, "cpu": 0, "scenarios": [C2, C6],
        "samplers": ["lhs", "random"], "profile": args.profile})
    print(f"   child pinned to CPU(s) {r['pinned_cpus']}; load average at each round "
          f"{', '.join(f'{x:.2f}' for x in r['load'])}")
    print()
    print(f"   {'scenario':<32} {'inputs':>6} {'sampler':<7} {'draw':>8} {'evaluate':>9} "
          f"{'total':>8} {'samples/s':>11}  goal ≥ 1,000,000/s   (first call)")
    rows = []
    for key, t in r["times"].items():
        name, sm = key.split("|")
        dims = r["dims"][name]
        total = [a + b for a, b in zip(t["draw"], t["evaluate"], strict=True)]
        row = {"scenario": name, "sampler": sm, "uncertain_inputs": dims["uncertain"],
               "event_inputs": dims["events"], "draw_s": C.median(t["draw"]),
               "evaluate_s": C.median(t["evaluate"]), "total_s": C.median(total),
               "all_total_s": total, "first_call_total_s": C.median(t["first_total"])}
        row["samples_per_s"] = samples / row["total_s"]
        row["met"] = row["samples_per_s"] >= 1_000_000
        rows.append(row)
        d = dims["uncertain"] + dims["events"]
        print(f"   {name:<32} {d:>6} {sm:<7} {row['draw_s']:>7.3f}s {row['evaluate_s']:>8.3f}s "
              f"{row['total_s']:>7.3f}s {row['samples_per_s']:>11,.0f}  {C.verdict(row['met']):<20}"
              f"({samples / row['first_call_total_s']:,.0f}/s)")
    print("   (inputs: uncertain inputs + honour/condition events, one uniform column each;")
    print("    each case is called twice in a row: the second call is timed against the goal,")
    print("    the first, which may pay for fresh memory from the OS, is shown for information)")
    for key, text in r["profiles"].items():
        print(f"\n   cProfile of one call, {key}:")
        print("\n".join("     " + ln for ln in text.splitlines()))
    print()
    return {"samples": samples, "rounds": rounds, "pinned_cpus": r["pinned_cpus"],
            "load": r["load"], "cases": rows, "met": all(x["met"] for x in rows),
            "profiles": r["profiles"]}


# ------------------------------------------------------------------ goal 2: overhead vs EMA


def w_overhead(a: dict) -> dict:
    import numpy as np

    from feasim.sweep import Sweep, run_sweep

    have_ema = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import ema_workbench
            from ema_workbench import (
                Model,
                RealParameter,
                ScalarOutcome,
                SequentialEvaluator,
                perform_experiments,
            )
    except ImportError:
        have_ema = False

    sizes, rounds = a["sizes"], a["rounds"]
    params = {"x1": {"low": 0, "high": 1}, "x2": {"low": 0, "high": 1}}
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-", dir="/tmp"))

    def feasim_run(n, vectorized):
        sw = Sweep.from_function(point_model, params, ["y"], vectorized=vectorized,
                                 design={"method": "lhs", "points": n, "seed": 1})
        out = tmp / "out"
        t0 = time.perf_counter()
        res = run_sweep(sw, out, executor="serial", progress=False)
        t1 = time.perf_counter()
        df = res.to_dataframe()
        t2 = time.perf_counter()
        assert len(df) == n and df["error"].isna().all()
        shutil.rmtree(out)
        return t2 - t0, t1 - t0

    if have_ema:
        model = Model("trivial", function=ema_model)
        model.uncertainties = [RealParameter("x1", 0, 1), RealParameter("x2", 0, 1)]
        model.outcomes = [ScalarOutcome("y")]

    def ema_run(n, bar):
        t0 = time.perf_counter()
        with SequentialEvaluator(model) as ev:
            exp, out = perform_experiments(model, scenarios=n, evaluator=ev,
                                           log_progress=not bar)
        t = time.perf_counter() - t0
        assert len(exp) == n and len(out["y"]) == n
        return t, t

    def alone(n, style):
        x = np.random.default_rng(n).random((n, 2)).tolist()
        inputs = [{"x1": p, "x2": q} for p, q in x]
        t0 = time.perf_counter()
        if style == "ema":
            for kw in inputs:
                ema_model(**kw)
        elif style == "point":
            for v in inputs:
                point_model(v)
        else:
            arr = {"x1": np.array([p for p, _ in x]), "x2": np.array([q for _, q in x])}
            point_model(arr)
        t = time.perf_counter() - t0
        return t, t

    contenders = {}
    if have_ema:
        contenders["EMA"] = lambda n: ema_run(n, bar=False)
        contenders["EMA, tqdm bar"] = lambda n: ema_run(n, bar=True)
    contenders["feasim per point"] = lambda n: feasim_run(n, False)
    contenders["feasim vectorized"] = lambda n: feasim_run(n, True)
    contenders["model alone, EMA call"] = lambda n: alone(n, "ema")
    contenders["model alone, feasim call"] = lambda n: alone(n, "point")
    contenders["model alone, vectorized"] = lambda n: alone(n, "vec")

    for fn in contenders.values():   # warm-up: imports, caches
        fn(500)
    times = {name: {str(n): [] for n in sizes} for name in contenders}
    runs = {name: {str(n): [] for n in sizes} for name in contenders}
    names = list(contenders)
    load = []
    for r in range(rounds):
        load.append(os.getloadavg()[0])
        order = names if r % 2 == 0 else names[::-1]
        for n in sizes:
            for name in order:
                gc.collect()
                total, run_only = contenders[name](n)
                times[name][str(n)].append(total)
                runs[name][str(n)].append(run_only)
    profile = ""
    if a.get("profile"):
        n = max(sizes)
        profile = _profile(lambda: feasim_run(n, False))
    shutil.rmtree(tmp, ignore_errors=True)
    return {"have_ema": have_ema,
            "ema_version": getattr(ema_workbench, "__version__", "?") if have_ema else None,
            "python": sys.executable, "times": times, "run_only": runs, "load": load,
            "profile": profile}


def goal_overhead(args) -> dict:
    sizes = [2000, 5000] if args.quick else [2000, 5000, 20000]
    rounds = 2 if args.quick else 5
    python = args.ema_python
    if python is None:
        try:
            import ema_workbench  # noqa: F401
            python = sys.executable
        except ImportError:
            python = DEFAULT_EMA_PYTHON if Path(DEFAULT_EMA_PYTHON).exists() else sys.executable
    print(f"2. Harness overhead per point, trivial model y = x1 + x2, serial, Latin hypercube; "
          f"N = {', '.join(f'{n:,}' for n in sizes)}; {rounds} rounds, medians")
    r = _run_worker(python, "overhead", {"sizes": sizes, "rounds": rounds,
                                         "profile": args.profile})
    print(f"   child: {r['python']}  ema_workbench {r['ema_version'] or 'NOT AVAILABLE'}; "
          f"load average at each round {', '.join(f'{x:.2f}' for x in r['load'])}")
    if not r["have_ema"]:
        print("   ema_workbench cannot be imported by that Python: feasim measured alone. "
              "Install it in a separate venv and pass --ema-python (docs/benchmarks.md).")
    med = {name: {n: C.median(v) for n, v in per.items()} for name, per in r["times"].items()}
    med_run = {name: {n: C.median(v) for n, v in per.items()}
               for name, per in r["run_only"].items()}
    alone_of = {"EMA": "model alone, EMA call", "EMA, tqdm bar": "model alone, EMA call",
                "feasim per point": "model alone, feasim call",
                "feasim vectorized": "model alone, vectorized"}
    over = {name: {n: (med[name][n] - med[alone_of[name]][n]) / int(n) for n in med[name]}
            for name in alone_of if name in med}
    print()
    print(f"   {'µs per point (wall − model alone) / N':<40}"
          + "".join(f"{f'N={n:,}':>12}" for n in sizes) + f"{'slope':>10}")
    slopes = {}
    for name in list(over) + ["model alone, EMA call", "model alone, feasim call"]:
        vals = over.get(name) or {n: med[name][n] / int(n) for n in med[name]}
        if len(sizes) >= 2:
            src = med[name] if name not in over else {
                n: med[name][n] - med[alone_of[name]][n] for n in med[name]}
            _, b, _ = C.fit_linear(sizes, [src[str(n)] for n in sizes])
            slopes[name] = b
        print(f"   {name:<40}" + "".join(f"{vals[str(n)] * 1e6:>12.2f}" for n in sizes)
              + (f"{slopes[name] * 1e6:>10.2f}" if name in slopes else ""))
    print("   (slope: least-squares µs per extra point, fixed costs excluded)")
    if "feasim per point" in med_run:
        n = str(sizes[-1])
        run_only = med_run["feasim per point"][n] - med["model alone, feasim call"][n]
        read = med["feasim per point"][n] - med_run["feasim per point"][n]
        print(f"   feasim per point at N={int(n):,}: run_sweep alone "
              f"{run_only / int(n) * 1e6:.2f} µs a point, reading the table back "
              f"{read / int(n) * 1e6:.2f} µs")
    out = {"sizes": sizes, "rounds": rounds, "python": r["python"],
           "ema_version": r["ema_version"], "load": r["load"], "median_s": med,
           "overhead_per_point_s": over, "slope_s": slopes, "all_times_s": r["times"],
           "profile": r["profile"]}
    if r["have_ema"]:
        n = str(sizes[-1])
        ema_best = min(over["EMA"][n], over["EMA, tqdm bar"][n])
        ratio = over["feasim per point"][n] / ema_best
        ratio_slope = slopes.get("feasim per point", float("nan")) / min(
            slopes.get("EMA", float("inf")), slopes.get("EMA, tqdm bar", float("inf")))
        vec = over["feasim vectorized"][n] / ema_best
        print(f"\n   feasim per point / EMA (EMA's faster variant), N={int(n):,}: "
              f"{ratio:.3f} (goal ≤ 0.100)  {C.verdict(ratio <= 0.1)};  "
              f"by slope {ratio_slope:.3f}")
        print(f"   feasim vectorized / EMA (information): {vec:.4f}")
        out.update(ratio=ratio, ratio_slope=ratio_slope, ratio_vectorized=vec,
                   met=ratio <= 0.1)
    else:
        out.update(ratio=None, met=None)
    if r["profile"]:
        print(f"\n   cProfile of a feasim per-point sweep, N={max(sizes):,}:")
        print("\n".join("     " + ln for ln in r["profile"].splitlines()))
    print()
    return out


# ------------------------------------------------------------------ goal 3: 1 vs 2 workers


def goal_speedup(args) -> dict:
    import feasim
    from feasim.sweep import Sweep, run_sweep

    if args.quick:
        reps, days, points, rounds, spin_n = 2, 180, 8, 1, 1_000_000
    else:
        reps, days, points, rounds, spin_n = 6, 365, 24, 4, 3_000_000
    scen = feasim.load_scenario(CLAIMS / f"{C2}.yaml")
    sweep = Sweep(scen, {"theatre.line_km": {"low": 600, "high": 2000},
                         "posture.patrols.teams": {"low": 50, "high": 300, "integer": True}},
                  model="simulation", replications=reps, days=days,
                  design={"method": "lhs", "points": points, "seed": 1}, chunk_points=1,
                  outputs=["detection_probability", "response_hours_p90", "fill_ratio"])
    print(f"3. Simulation sweep, processes executor, 1 vs 2 workers: C2, {points} points × "
          f"{reps} replications × {days} days, 1 point a chunk; {rounds} round(s)")
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-", dir="/tmp"))

    def sim(w):
        out = tmp / "out"
        run_sweep(sweep, out, executor="processes", workers=w, progress=False)
        shutil.rmtree(out)

    def control(w):
        with ProcessPoolExecutor(max_workers=w) as ex:
            list(ex.map(spin, [spin_n] * 16))

    # Untimed warm-up: a tiny sweep through 2 workers (file caches, compiled modules).
    warm = Sweep(scen, {"theatre.line_km": {"low": 600, "high": 2000}}, model="simulation",
                 replications=1, days=10, design={"method": "lhs", "points": 2}, chunk_points=1)
    run_sweep(warm, tmp / "warm", executor="processes", workers=2, progress=False)
    shutil.rmtree(tmp / "warm")

    contenders = {("sweep", 1): lambda: sim(1), ("sweep", 2): lambda: sim(2),
                  ("control", 1): lambda: control(1), ("control", 2): lambda: control(2)}
    rec = {k: {"wall": [], "cpu": [], "load": []} for k in contenders}
    keys = list(contenders)
    for r in range(rounds):
        order = keys if r % 2 == 0 else [keys[1], keys[0], keys[3], keys[2]]
        for k in order:
            gc.collect()
            load = os.getloadavg()[0]
            c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            contenders[k]()
            wall = time.perf_counter() - t0
            cpu = _cpu(resource.getrusage(resource.RUSAGE_CHILDREN)) - _cpu(c0)
            rec[k]["wall"].append(wall)
            rec[k]["cpu"].append(cpu)
            rec[k]["load"].append(load)
    shutil.rmtree(tmp, ignore_errors=True)

    def ratios(kind):
        return [a / b for a, b in zip(rec[(kind, 1)]["wall"], rec[(kind, 2)]["wall"],
                                      strict=True)]
    sp, ctl = ratios("sweep"), ratios("control")
    print()
    print(f"   {'':<22} {'wall (median)':>14} {'worker CPU':>11} {'CPU / wall':>11}  per round")
    for k in keys:
        w, c = rec[k]["wall"], rec[k]["cpu"]
        print(f"   {k[0] + ', ' + str(k[1]) + ' worker' + ('s' if k[1] > 1 else ''):<22} "
              f"{C.median(w):>13.2f}s {C.median(c):>10.2f}s "
              f"{C.median([x / y for x, y in zip(c, w, strict=True)]):>11.2f}  "
              + ", ".join(f"{x:.2f}s" for x in w))
    per_point = C.median(rec[("sweep", 1)]["wall"]) / points
    s_med, c_med = C.median(sp), C.median(ctl)
    print(f"   one point takes about {per_point:.2f} s on one worker "
          f"({per_point / reps * 1000:.0f} ms a replication)")
    # A miss while the control itself fell short says the machine, not feasim, was busy.
    met: bool | None = True if s_med >= 1.7 else (False if c_med >= 1.8 else None)
    word = "INCONCLUSIVE (the machine did not give 2 free cores)" if met is None \
        else C.verdict(met)
    print(f"\n   speed-up of the sweep, 2 workers vs 1: {s_med:.2f}× (rounds: "
          f"{', '.join(f'{x:.2f}' for x in sp)})  goal ≥ 1.70×  {word}")
    print(f"   control task, same executor pattern: {c_med:.2f}× (rounds: "
          f"{', '.join(f'{x:.2f}' for x in ctl)}): what the machine gave 2 workers then")
    rel = C.median([a / b for a, b in zip(sp, ctl, strict=True)])
    print(f"   sweep speed-up ÷ control speed-up, per round, median: {rel:.2f}")
    print()
    return {"points": points, "replications": reps, "days": days, "rounds": rounds,
            "records": {f"{k[0]}-{k[1]}": v for k, v in rec.items()},
            "speedup": s_med, "speedup_rounds": sp, "control_speedup": c_med,
            "control_rounds": ctl, "relative_to_control": rel,
            "seconds_per_point": per_point, "met": met}


# ------------------------------------------------------------------ goal 4: memory


def w_memory(a: dict) -> dict:
    import pyarrow.parquet as pq

    import feasim
    from feasim.sweep import Sweep, run_sweep

    scen = feasim.load_scenario(CLAIMS / f"{C2}.yaml")

    def make(points, chunk):
        return Sweep(scen, {"theatre.line_km": {"low": 100, "high": 2000},
                            "posture.patrols.teams": {"low": 50, "high": 300, "integer": True}},
                     design={"method": a["method"], "points": points, "seed": 1},
                     chunk_points=chunk, samples_per_point=1,
                     outputs=["troops_per_km", "fill_ratio", "detection_probability",
                              "response_hours_p90"])

    sweep = make(a["points"], a["chunk"])
    tmp = Path(tempfile.mkdtemp(prefix="bench-sweep-", dir=a["dir"]))
    # A tiny sweep first, so that imports and first-call caches are in the baseline.
    run_sweep(make(200, 100), tmp / "warm", executor="serial", progress=False)
    shutil.rmtree(tmp / "warm")
    gc.collect()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        t0 = time.perf_counter()
        run_sweep(sweep, tmp / "out", executor="serial", progress=False)
        wall = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        parts = list((tmp / "out" / "chunks").glob("*.parquet"))
        rows = sum(pq.ParquetFile(p).metadata.num_rows for p in parts)
        disk = sum(p.stat().st_size for p in parts)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"base_kib": base, "peak_kib": peak, "wall_s": wall, "rows": rows,
            "disk_bytes": disk, "chunks": len(parts), "parameters": len(sweep.names)}


def goal_memory(args) -> dict:
    small, big = (100_000, 1_000_000) if args.quick else (1_000_000, 10_000_000)
    chunk = 100_000 if not args.quick else 10_000
    free = shutil.disk_usage("/tmp").free
    need = 2 * 2**30 if not args.quick else 2**28
    print(f"4. Memory of an analytic sweep, {small:,} vs {big:,} points, {chunk:,} points a "
          f"chunk, serial, child process; /tmp has {free / 2**30:.0f} GiB free")
    if free < need:
        print(f"   skipped: needs {need / 2**30:.1f} GiB free in /tmp\n")
        return {"skipped": "not enough space in /tmp", "met": None}
    rows, out = [], {}
    print()
    print(f"   {'design':<7} {'points':>11} {'wall':>7} {'RSS before':>11} {'peak RSS':>9} "
          f"{'sweep own':>10} {'on disk':>9}")
    for method in ("lhs", "sobol"):
        for n in (small, big):
            r = _run_worker(sys.executable, "memory", {"method": method, "points": n,
                                                       "chunk": chunk, "dir": "/tmp"})
            assert r["rows"] == n, r
            own = (r["peak_kib"] - r["base_kib"]) / 1024
            row = {"design": method, "points": n, **r, "own_mib": own}
            rows.append(row)
            print(f"   {method:<7} {n:>11,} {r['wall_s']:>6.1f}s "
                  f"{r['base_kib'] / 1024:>8.0f} MiB {r['peak_kib'] / 1024:>5.0f} MiB "
                  f"{own:>6.0f} MiB {r['disk_bytes'] / 2**20:>5.0f} MiB")
    print()
    met = True
    for method in ("lhs", "sobol"):
        a = next(x for x in rows if x["design"] == method and x["points"] == small)
        b = next(x for x in rows if x["design"] == method and x["points"] == big)
        growth_own = b["own_mib"] / a["own_mib"]
        growth_peak = b["peak_kib"] / a["peak_kib"]
        ok = growth_own < 2.0
        met &= ok
        out[method] = {"peak_growth": growth_peak, "own_growth": growth_own,
                       "own_added_mib": b["own_mib"] - a["own_mib"],
                       "met": ok}
        print(f"   {method}: 10× the points → peak RSS ×{growth_peak:.2f}, the sweep's own "
              f"memory ×{growth_own:.2f} ({round(b['own_mib'] - a['own_mib']):+d} MiB)  "
              f"goal: far from ×10 (< ×2)  {C.verdict(ok)}")
    print(f"   points a second in the {big:,}-point sweeps (design, model, Parquet, one core): "
          + ", ".join(f"{x['design']} {x['points'] / x['wall_s']:,.0f}" for x in rows
                      if x["points"] == big))
    print()
    return {"small": small, "big": big, "chunk_points": chunk, "runs": rows, **out, "met": met}


def _cli_peak(points: int, chunk: int, tmp: Path) -> dict:
    """``feasim sweep`` (serial: design, model, Parquet and the summary in one process) on
    a C2 sweep of ``points`` points; its peak RSS from ``wait4``, its wall time."""
    sweep_file = tmp / f"s{points}.yaml"
    sweep_file.write_text(
        f"name: mem-{points}\nscenario: {CLAIMS / f'{C2}.yaml'}\n"
        "parameters:\n  theatre.line_km: {low: 100, high: 2000}\n"
        "  posture.patrols.teams: {low: 50, high: 300, integer: true}\n"
        f"design: {{method: lhs, points: {points}, seed: 1}}\n"
        "outputs:\n  detection_probability: [mean]\n  response_hours_p90: [mean, p90]\n"
        f"chunk_points: {chunk}\n", encoding="utf-8")
    out = tmp / f"out{points}"
    cmd = [str(Path(sys.executable).with_name("feasim")), "sweep", str(sweep_file),
           "--executor", "serial", "--no-progress", "--format", "json", "--out", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    summary = json.loads(proc.stdout.read())
    proc.stdout.close()
    proc.stderr.close()
    disk = sum(p.stat().st_size for p in (out / "chunks").glob("*.parquet"))
    shutil.rmtree(out, ignore_errors=True)
    assert os.waitstatus_to_exitcode(status) == 0 and summary["rows"] == points, summary
    return {"points": points, "wall_s": wall, "peak_kib": usage.ru_maxrss, "disk_bytes": disk}


def goal_cli_memory(args) -> dict:
    small, big = (10**6, 10**7) if args.quick else (10**6, 10**8)
    chunk = 100_000
    need = 4 * 2**30 if not args.quick else 2**29
    free = shutil.disk_usage("/tmp").free
    print(f"5. Memory of `feasim sweep` with its summary, {small:,} vs {big:,} points "
          f"(Latin hypercube, {chunk:,} points a chunk, serial); /tmp has "
          f"{free / 2**30:.0f} GiB free")
    if free < need:
        print(f"   skipped: needs {need / 2**30:.1f} GiB free in /tmp\n")
        return {"skipped": "not enough space in /tmp", "met": None}
    tmp = Path(tempfile.mkdtemp(prefix="bench-cli-", dir="/tmp"))
    try:
        runs = [_cli_peak(n, chunk, tmp) for n in (small, big)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\n   {'points':>12} {'wall':>8} {'peak RSS':>10} {'on disk':>9}")
    for r in runs:
        print(f"   {r['points']:>12,} {r['wall_s']:>7.1f}s {r['peak_kib'] / 1024:>6.0f} MiB "
              f"{r['disk_bytes'] / 2**20:>6.0f} MiB")
    ratio = runs[1]["peak_kib"] / runs[0]["peak_kib"]
    met = ratio <= 1.10
    print(f"\n   {big // small}× the points → peak RSS ×{ratio:.3f}  goal: ≤ ×1.10  "
          f"{C.verdict(met)}\n")
    return {"small": small, "big": big, "chunk_points": chunk, "runs": runs,
            "peak_ratio": ratio, "met": met}


# ------------------------------------------------------------------ main

WORKERS = {"throughput": w_throughput, "overhead": w_overhead, "memory": w_memory}
GOALS = {1: goal_throughput, 2: goal_overhead, 3: goal_speedup, 4: goal_memory,
         5: goal_cli_memory}
NONE_TEXT = {1: "n/a", 2: "n/a (no ema_workbench)", 3: "INCONCLUSIVE (machine busy)",
             4: "skipped (no space in /tmp)", 5: "skipped (no space in /tmp)"}
TITLES = {1: "analytic ≥ 1M samples/s, one core", 2: "overhead ≤ 1/10 of EMA",
          3: "2 workers ≥ 1.7× 1 worker", 4: "memory bounded at 10M points",
          5: "feasim sweep at 10⁸ ≤ 1.1× 10⁶ memory"}


def main() -> None:
    p = C.parser(__doc__)
    p.add_argument("--only", default="1,2,3,4,5", help="goals to run, e.g. 1,3 (default: all)")
    p.add_argument("--profile", action="store_true",
                   help="add cProfiles of the analytic cases and of a per-point function sweep")
    p.add_argument("--ema-python", metavar="PATH",
                   help=f"Python with ema_workbench for goal 2 (default: this one if it has "
                        f"it, else {DEFAULT_EMA_PYTHON} if present)")
    p.add_argument("--worker", help=argparse_hidden())
    p.add_argument("--worker-args", help=argparse_hidden())
    args = p.parse_args()
    if args.worker:
        result = WORKERS[args.worker](json.loads(args.worker_args))
        print("RESULT " + json.dumps(result, default=C._jsonable))
        return
    goals = sorted({int(x) for x in args.only.split(",") if x.strip()})
    C.header("feasim sweeps: throughput, overhead, speed-up, memory (issue 4)")
    git = _git()
    dirty = git["uncommitted_src"]
    print(f"commit {git['commit']}"
          + (f", uncommitted changes in {', '.join(dirty)}" if dirty else "") + "\n")
    results = {}
    for g in goals:
        results[g] = GOALS[g](args)
        C.flush()
    print("Summary")
    for g in goals:
        met = results[g].get("met")
        print(f"  {g}. {TITLES[g]:<36} "
              f"{NONE_TEXT[g] if met is None else C.verdict(bool(met))}")
    C.write_json(args.json, {"benchmark": "sweep", "quick": args.quick, "git": git,
                             "goals": {str(g): results[g] for g in goals}})


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    main()
