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

Events/s = SimPy events scheduled (``next(env._eid)``; feasim's
``Replication.events``) ÷ wall time of the whole replication (feasim's includes
its set-up: input draws, force flow, posture). Runs are interleaved (raw,
raw + numpy, feasim engine, feasim simulate, raw, ...) and each rate is the
median of the rounds; the ratio is feasim's median over raw SimPy's (the
engine's, not simulate's). Goal: ≥ 0.8.

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

GOAL_RATIO = 0.8
TEAMS = 4
SERVICE_HOURS = 1.0
RHO = 0.7
RATE_PER_HOUR = RHO * TEAMS / SERVICE_HOURS


def scenario(days: float) -> feasim.Scenario:
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
        "incursions": {"rate_per_day": RATE_PER_HOUR * 24, "exposure_hours": 1},
        "simulation": {"days": days, "replications": 1, "seed": 1},
    })


def _raw_mmc(horizon: float, arrival_gap, service_time) -> int:
    """The M/M/c mix in plain SimPy with the given draws; returns events scheduled."""
    env = simpy.Environment()
    teams = simpy.PriorityResource(env, capacity=TEAMS)

    def job(service):
        with teams.request(priority=0) as req:
            yield req
            yield env.timeout(service)

    def arrivals():
        while True:
            yield env.timeout(arrival_gap())
            env.process(job(service_time()))

    env.process(arrivals())
    env.run(until=horizon)
    return next(env._eid)


def raw_simpy(horizon: float, seed: int) -> int:
    """The M/M/c mix drawing from ``random``, as SimPy's own examples do."""
    rnd = random.Random(seed)
    return _raw_mmc(horizon, lambda: rnd.expovariate(RATE_PER_HOUR),
                    lambda: rnd.expovariate(1.0 / SERVICE_HOURS))


def raw_simpy_numpy(horizon: float, seed: int) -> int:
    """The same with scalar draws from a ``numpy.random.Generator``, as feasim draws."""
    rng = np.random.default_rng(seed)
    return _raw_mmc(horizon, lambda: rng.exponential(1.0 / RATE_PER_HOUR),
                    lambda: float(rng.exponential(SERVICE_HOURS)))


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


def main(argv=None) -> int:
    p = C.parser(__doc__)
    p.add_argument("--days", type=float, default=200.0, help="horizon (days; 200)")
    p.add_argument("--rounds", type=int, default=7, help="interleaved rounds (7; >= 5)")
    p.add_argument("--profile", action="store_true", help="add a cProfile of feasim's run")
    args = p.parse_args(argv)
    if args.quick:
        args.days, args.rounds = 60.0, 5
    C.header("Events per second: feasim's event loop vs raw SimPy")
    horizon = args.days * 24.0
    s = scenario(args.days)
    print(f"M/M/{TEAMS} mix: λ = {RATE_PER_HOUR:g}/h, mean service {SERVICE_HOURS:g} h, "
          f"ρ = {RHO:g}, horizon {args.days:g} days "
          f"(≈ {RATE_PER_HOUR * horizon:,.0f} arrivals); {args.rounds} interleaved rounds")
    print()
    contenders = {
        "raw SimPy (random)": lambda k: raw_simpy(horizon, k),
        "raw SimPy (numpy draws)": lambda k: raw_simpy_numpy(horizon, k),
        "feasim run_replication": lambda k: feasim_run(s, k),
        "feasim simulate": lambda k: feasim_simulate(s, k),
    }
    raw_simpy(100.0, 0), raw_simpy_numpy(100.0, 0), feasim_run(scenario(5), 0)  # warm-up
    rates: dict[str, list[float]] = {k: [] for k in contenders}
    events: dict[str, list[int]] = {k: [] for k in contenders}
    times: dict[str, list[float]] = {k: [] for k in contenders}
    for k in range(1, args.rounds + 1):
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
    base = C.median(rates["raw SimPy (random)"])
    print(f"  {'':26}{'events/run':>12}{'wall time':>11}{'events/s':>12}{'vs raw':>8}")
    for name in contenders:
        med = C.median(rates[name])
        print(f"  {name:<26}{C.median(events[name]):>12,.0f}{C.median(times[name]):>10.3f}s"
              f"{med:>12,.0f}{med / base:>8.2f}")
    ratio = C.median(rates["feasim run_replication"]) / base
    ratio_np = C.median(rates["feasim run_replication"]) / C.median(
        rates["raw SimPy (numpy draws)"])
    # Per-round ratios (each from runs made seconds apart) show the noise.
    per_round = [f / r for f, r in zip(rates["feasim run_replication"],
                                       rates["raw SimPy (random)"], strict=True)]
    print()
    print(f"  feasim / raw SimPy events/s: {ratio:.2f} (per round: "
          f"{', '.join(f'{x:.2f}' for x in per_round)}); vs raw SimPy with numpy draws: "
          f"{ratio_np:.2f}")
    ratio_sim = C.median(rates["feasim simulate"]) / base
    print(f"  goal: >= {GOAL_RATIO} -> {C.verdict(ratio >= GOAL_RATIO)}  (through simulate(), "
          f"which adds the per-replication metrics: {ratio_sim:.2f})")
    ev_f = C.median(events["feasim run_replication"])
    ev_r = C.median(events["raw SimPy (random)"])
    us_f = C.median(times["feasim run_replication"]) / ev_f * 1e6
    us_r = C.median(times["raw SimPy (random)"]) / ev_r * 1e6
    print(f"  per event: feasim {us_f:.2f} µs, raw SimPy {us_r:.2f} µs; feasim spends "
          f"{us_f - us_r:.2f} µs per event ({(us_f - us_r) * ev_f / (RATE_PER_HOUR * horizon):.1f}"
          f" µs per incursion) outside what raw SimPy needs")
    prof = None
    if args.profile:
        prof = profile_feasim(s)
        print()
        print(prof)
    C.write_json(args.json, {
        "benchmark": "events", "days": args.days, "rounds": args.rounds,
        "rates": rates, "events": events, "times": times,
        "ratio_feasim_raw": ratio, "ratio_feasim_raw_numpy": ratio_np,
        "ratio_simulate_raw": ratio_sim,
        "per_round": per_round, "goal": GOAL_RATIO, "met": ratio >= GOAL_RATIO,
        "profile": prof,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
