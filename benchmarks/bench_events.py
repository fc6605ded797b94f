"""Events per second: feasim's event loop vs a raw SimPy script with the same event mix.

Run from the repository root:

    /tmp/venv/bin/python benchmarks/bench_events.py [--quick] [--profile] [--json PATH]

The mix is an M/M/c queue, which is what feasim's engine runs when the QRF is
the busy part: Poisson arrivals, each spawning a process that requests a
``simpy.PriorityResource`` (capacity c), holds it for an exponential time and
releases it.

- raw SimPy: exactly that, a dozen lines, with draws from the standard
  library's ``random`` (what SimPy's own examples use);
- raw SimPy + numpy draws: the same, drawing from a ``numpy.random.Generator``
  one scalar at a time, as feasim does (shows what the draws alone cost);
- feasim: ``engine.run_replication`` (the event loop and its set-up) on a
  QRF-heavy scenario: 100 km line, sensors detecting every incursion at once,
  one QRF base with c = 4 teams, exponential engagements of 1 h,
  ρ = λ/(c μ) = 0.7 (λ = 2.8 per hour), no patrols or posts. The raw scripts
  use the same λ, c, service and horizon;
- feasim simulate: the same replication through ``simulate(replications=1)``,
  which adds the per-replication metrics and daily series (shown, not judged).

Two cases, each timed on its own:

- ``rho=0.7``: the case above (raw SimPy with ``PriorityResource``, as before);
- ``rho=1.25`` (overloaded, ρ > 1: the queue grows without bound, about 4,800
  waiting at the end of 200 days): raw SimPy with a plain FIFO
  ``simpy.Resource`` (``PriorityResource`` re-sorts its whole queue on every
  request, which is what feasim v1 paid; ``--priority`` adds it, slow).

Events/s = SimPy events scheduled (``next(env._eid)``; feasim's
``Replication.events``) ÷ wall time of the whole replication (feasim's includes
its set-up: input draws, force flow, posture). Runs are interleaved (raw,
raw + numpy, feasim engine, feasim simulate, raw, ...) and each rate is the
median of the rounds; the ratio is feasim's median over raw SimPy's (the
engine's, not simulate's). Goal: ≥ 0.8 at ρ = 0.7 (v1), ≥ 0.5 overloaded (v2).

feasim's engine schedules 2 events per detected incident (its detection and
its engagement's end, as timeouts with callbacks; FIFO deques per base), raw
SimPy about 6 (arrival timeout, process start, request, service timeout,
release, process end); so the table also gives incursions per second, the
throughput that matters, and its ratio.

``--profile`` adds a cProfile of one feasim replication: where the time per
incursion goes.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import sys
from pathlib import Path

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

import feasim  # noqa: E402
from feasim.simulation import simulate  # noqa: E402
from feasim.simulation.engine import run_replication  # noqa: E402

GOAL_RATIO = {0.7: 0.8, 1.25: 0.5}
TEAMS = 4
SERVICE_HOURS = 1.0
RHO = 0.7
RATE_PER_HOUR = RHO * TEAMS / SERVICE_HOURS


def scenario(days: float, rho: float = RHO) -> feasim.Scenario:
    rate = rho * TEAMS / SERVICE_HOURS
    return feasim.validate_data({
        "name": "bench-events",
        "theatre": {"line_km": 100},
        "force": {"basis": "in_theatre", "support_fraction": 0.5, "staff_per_position": 4.7},
        "contributors": [{"name": "a", "troops": 100_000}],
        "posture": {
            "sensors": {"count": 10, "coverage_km_each": 10, "availability": 1,
                        "detection_probability": 1},
            "qrf": {"bases": 1, "teams_per_base": TEAMS, "team_size": 10,
                    "readiness_hours": 0.25, "speed_kmh": 50, "depth_km": 10,
                    "road_factor": 1.0, "engagement_hours": SERVICE_HOURS,
                    "engagement_distribution": "exponential"},
        },
        "incursions": {"rate_per_day": rate * 24, "exposure_hours": 1},
        "simulation": {"days": days, "replications": 1, "seed": 1, "warmup_days": 0},
    })


def _raw_mmc(horizon: float, arrival_gap, service_time, fifo: bool = False) -> int:
    """The M/M/c mix in plain SimPy with the given draws; returns events scheduled.

    ``fifo``: a plain ``simpy.Resource`` instead of a ``PriorityResource``.
    """
    env = simpy.Environment()
    teams = simpy.Resource(env, capacity=TEAMS) if fifo else \
        simpy.PriorityResource(env, capacity=TEAMS)
    kw = {} if fifo else {"priority": 0}

    def job(service):
        with teams.request(**kw) as req:
            yield req
            yield env.timeout(service)

    def arrivals():
        while True:
            yield env.timeout(arrival_gap())
            env.process(job(service_time()))

    env.process(arrivals())
    env.run(until=horizon)
    return next(env._eid)


def raw_simpy(horizon: float, seed: int, rate: float = RATE_PER_HOUR,
              fifo: bool = False) -> int:
    """The M/M/c mix drawing from ``random``, as SimPy's own examples do."""
    rnd = random.Random(seed)
    return _raw_mmc(horizon, lambda: rnd.expovariate(rate),
                    lambda: rnd.expovariate(1.0 / SERVICE_HOURS), fifo)


def raw_simpy_numpy(horizon: float, seed: int, rate: float = RATE_PER_HOUR,
                    fifo: bool = False) -> int:
    """The same with scalar draws from a ``numpy.random.Generator``, as feasim draws."""
    rng = np.random.default_rng(seed)
    return _raw_mmc(horizon, lambda: rng.exponential(1.0 / rate),
                    lambda: float(rng.exponential(SERVICE_HOURS)), fifo)


def feasim_run(s: feasim.Scenario, seed: int) -> int:
    """One replication through the engine: the one ``simulate(s, 1, seed=seed)`` runs."""
    return run_replication(s, 0, np.random.SeedSequence(seed).spawn(1)[0]).events


def feasim_simulate(s: feasim.Scenario, seed: int) -> None:
    """The same replication through the public ``simulate`` (adds the per-replication metrics)."""
    simulate(s, replications=1, seed=seed, progress=False)


def profile_feasim(s: feasim.Scenario, top: int = 18) -> str:
    prof = cProfile.Profile()
    prof.enable()
    rep = run_replication(s, 0, np.random.SeedSequence(12345))
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    n = rep.arrivals.size
    return (f"cProfile of one feasim replication ({n:,} incursions, {rep.events:,} events; "
            f"times inflated by the profiler), sorted by own time:\n" + out.getvalue())


def run_case(rho: float, days: float, rounds: int, priority: bool) -> dict:
    """Interleaved rounds of every contender at load ``rho``; prints the table."""
    horizon = days * 24.0
    rate = rho * TEAMS / SERVICE_HOURS
    fifo = rho > 1.0
    s = scenario(days, rho)
    kind = "simpy.Resource (FIFO)" if fifo else "simpy.PriorityResource"
    print(f"M/M/{TEAMS} mix, raw SimPy with {kind}: λ = {rate:g}/h, mean service "
          f"{SERVICE_HOURS:g} h, ρ = {rho:g}{' (overloaded)' if fifo else ''}, horizon "
          f"{days:g} days (≈ {rate * horizon:,.0f} arrivals); {rounds} interleaved rounds")
    print()
    raw = "raw SimPy (random)"
    contenders = {
        raw: lambda k: raw_simpy(horizon, k, rate, fifo),
        "raw SimPy (numpy draws)": lambda k: raw_simpy_numpy(horizon, k, rate, fifo),
        "feasim run_replication": lambda k: feasim_run(s, k),
        "feasim simulate": lambda k: feasim_simulate(s, k),
    }
    if fifo and priority:
        contenders["raw SimPy PriorityResource"] = lambda k: raw_simpy(horizon, k, rate, False)
    rates: dict[str, list[float]] = {k: [] for k in contenders}
    events: dict[str, list[int]] = {k: [] for k in contenders}
    times: dict[str, list[float]] = {k: [] for k in contenders}
    for k in range(1, rounds + 1):
        line = []
        for name, fn in contenders.items():
            t, ev = C.timed(fn, k)
            if ev is None:  # simulate: the events of the same replication, run just before
                ev = events["feasim run_replication"][-1]
            rates[name].append(ev / t)
            events[name].append(ev)
            times[name].append(t)
            line.append(f"{name} {ev / t / 1e3:,.0f}k/s")
        print(f"  round {k}: " + ", ".join(line))
        C.flush()
    print()
    base = C.median(rates[raw])
    arrivals = rate * horizon
    t_raw = C.median(times[raw])
    print(f"  {'':28}{'events/run':>12}{'wall time':>11}{'events/s':>12}{'vs raw':>8}"
          f"{'incursions/s':>14}{'vs raw':>8}")
    for name in contenders:
        med = C.median(rates[name])
        t = C.median(times[name])
        print(f"  {name:<28}{C.median(events[name]):>12,.0f}{t:>10.3f}s"
              f"{med:>12,.0f}{med / base:>8.2f}{arrivals / t:>14,.0f}{t_raw / t:>8.2f}")
    f = "feasim run_replication"
    ratio = C.median(rates[f]) / base
    ratio_np = C.median(rates[f]) / C.median(rates["raw SimPy (numpy draws)"])
    ratio_inc = t_raw / C.median(times[f])
    per_round = [a / b for a, b in zip(rates[f], rates[raw], strict=True)]
    goal = GOAL_RATIO.get(rho, 0.5)
    print()
    print(f"  feasim / raw SimPy events/s: {ratio:.2f} (per round: "
          f"{', '.join(f'{x:.2f}' for x in per_round)}); vs raw SimPy with numpy draws: "
          f"{ratio_np:.2f}; incursions/s: {ratio_inc:.2f}")
    ratio_sim = C.median(rates["feasim simulate"]) / base
    print(f"  goal: events/s >= {goal} of raw -> {C.verdict(ratio >= goal)}  (through "
          f"simulate(), which adds the per-replication metrics: {ratio_sim:.2f})")
    print()
    return {"rho": rho, "days": days, "rounds": rounds, "rates": rates, "events": events,
            "times": times, "ratio_feasim_raw": ratio, "ratio_feasim_raw_numpy": ratio_np,
            "ratio_incursions": ratio_inc, "ratio_simulate_raw": ratio_sim,
            "per_round": per_round, "goal": goal, "met": ratio >= goal}


def main(argv=None) -> int:
    p = C.parser(__doc__)
    p.add_argument("--days", type=float, default=200.0, help="horizon (days; 200)")
    p.add_argument("--rounds", type=int, default=7, help="interleaved rounds (7; >= 5)")
    p.add_argument("--profile", action="store_true", help="add a cProfile of feasim's run")
    p.add_argument("--priority", action="store_true",
                   help="overloaded case: also time raw SimPy with PriorityResource (slow)")
    p.add_argument("--case", choices=["all", "0.7", "1.25"], default="all",
                   help="which load to run (all)")
    args = p.parse_args(argv)
    if args.quick:
        args.days, args.rounds = 60.0, 5
    C.header("Events per second: feasim's event loop vs raw SimPy")
    raw_simpy(100.0, 0), raw_simpy_numpy(100.0, 0), feasim_run(scenario(5), 0)  # warm-up
    cases = [0.7, 1.25] if args.case == "all" else [float(args.case)]
    out = {c: run_case(c, args.days, args.rounds, args.priority) for c in cases}
    prof = None
    if args.profile:
        prof = profile_feasim(scenario(args.days, cases[-1]))
        print(prof)
    C.write_json(args.json, {
        "benchmark": "events", "days": args.days, "rounds": args.rounds,
        "cases": {str(c): v for c, v in out.items()}, "profile": prof,
        "met": all(v["met"] for v in out.values()),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
