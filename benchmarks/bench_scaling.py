"""How feasim's simulation cost grows with incidents and with replications.

Run from the repository root:

    /tmp/venv/bin/python benchmarks/bench_scaling.py [--quick] [--json PATH]

Scenario: a 1,200 km line with the whole posture (observation posts every 5 km,
100 patrol teams at 10 km/h with a 2 km detection radius, 50 sensors, a QRF of
6 bases × 4 teams with 2 h engagements: QRF load stays below 1 up to 80
incursions a day), fully manned, 90 days, one worker process.

- incidents: ``simulate`` at 10, 20, 40, 80 incursions a day, 10 replications;
- replications: ``simulate`` at 5, 10, 20, 40 replications, 20 incursions a day;
- horizon: 30, 60, 120, 240 days at 20 incursions a day, 5 replications, with the
  engine (``run_replication``) and the per-replication metrics
  (``replication_metrics``, what ``simulate`` computes from each replication)
  timed apart. Incidents grow with the horizon as with the rate, so the cost
  should too; a slope above 1 here, and not with the rate, points at work that
  grows with days × incidents.

Each size is timed once per round, sizes in turn, for several rounds; the table
shows the median. The fits are least squares on the medians: the slope of
log(time) against log(size) (1 = linear growth) and ``time = a + b·size`` (a =
the fixed cost, b = the cost per incursion a day or per replication).
Events are ``Replication.events`` summed over the same replications.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

import feasim  # noqa: E402
from feasim.simulation import simulate  # noqa: E402
from feasim.simulation.engine import run_replication  # noqa: E402
from feasim.simulation.runner import replication_metrics  # noqa: E402

DAYS = 90.0
SEED = 7


def scenario(rate_per_day: float) -> feasim.Scenario:
    return feasim.validate_data({
        "name": "bench-scaling",
        "theatre": {"line_km": 1200},
        "force": {"basis": "in_theatre", "support_fraction": 0.5, "staff_per_position": 4.7},
        "contributors": [{"name": "a", "troops": 100_000}],
        "posture": {
            "observation_posts": {"spacing_km": 5, "on_post": 2, "radius_km": 2,
                                  "detection_probability": 0.9},
            "patrols": {"teams": 100, "team_size": 8, "speed_kmh": 10, "hours_per_day": 24,
                        "detection_radius_km": 2},
            "sensors": {"count": 50, "coverage_km_each": 10, "availability": 0.7,
                        "detection_probability": 0.8},
            "qrf": {"bases": 6, "teams_per_base": 4, "team_size": 30, "readiness_hours": 0.5,
                    "speed_kmh": 40, "depth_km": 20, "road_factor": 1.3,
                    "engagement_hours": 2},
        },
        "incursions": {"rate_per_day": rate_per_day, "exposure_hours": 6},
        "simulation": {"days": DAYS, "replications": 10, "seed": SEED},
    })


def events(s: feasim.Scenario, n: int) -> int:
    children = np.random.SeedSequence(SEED).spawn(n)
    return sum(run_replication(s, i, children[i]).events for i in range(n))


def sweep(label: str, sizes: list[int], make, rounds: int) -> dict:
    """Time ``simulate`` for every size, sizes in turn, ``rounds`` times."""
    runs = {n: make(n) for n in sizes}            # n -> (scenario, replications)
    times: dict[int, list[float]] = {n: [] for n in sizes}
    incidents: dict[int, float] = {}
    for k in range(rounds):
        for n in sizes:
            s, reps = runs[n]
            t, res = C.timed(simulate, s, replications=reps, seed=SEED, progress=False)
            times[n].append(t)
            incidents[n] = float(res.series["incursions"].sum())
        print(f"  round {k + 1}/{rounds} done")
        C.flush()
    rows = []
    for n in sizes:
        s, reps = runs[n]
        t = C.median(times[n])
        rows.append({"size": n, "replications": reps, "incidents": incidents[n],
                     "events": events(s, reps), "time_s": t, "times_s": times[n],
                     "per_incident_us": t / incidents[n] * 1e6 if incidents[n] else None,
                     "per_replication_ms": t / reps * 1e3})
    x = [r["size"] for r in rows]
    y = [r["time_s"] for r in rows]
    slope, _ = C.fit_loglog(x, y)
    a, b, r2 = C.fit_linear(x, y)
    ev_slope, _ = C.fit_loglog(x, [r["events"] for r in rows])
    return {"label": label, "rows": rows, "loglog_slope": slope, "events_loglog_slope": ev_slope,
            "linear": {"a_s": a, "b_s": b, "r2": r2}}


def sweep_days(sizes: list[int], rate: float, reps: int, rounds: int) -> dict:
    """Time the engine and the per-replication metrics separately, horizon by horizon."""
    engine_t: dict[int, list[float]] = {n: [] for n in sizes}
    metrics_t: dict[int, list[float]] = {n: [] for n in sizes}
    incidents: dict[int, float] = {}
    ev: dict[int, int] = {}
    for k in range(rounds):
        for n in sizes:
            s = feasim.with_overrides(scenario(rate), {"simulation.days": n})
            children = np.random.SeedSequence(SEED).spawn(reps)
            te = tm = 0.0
            inc = events_n = 0
            for i in range(reps):
                t, rep = C.timed(run_replication, s, i, children[i])
                te += t
                tm += C.timed(replication_metrics, s, rep)[0]
                inc += rep.arrivals.size
                events_n += rep.events
            engine_t[n].append(te)
            metrics_t[n].append(tm)
            incidents[n], ev[n] = inc, events_n
        print(f"  round {k + 1}/{rounds} done")
        C.flush()
    rows = []
    for n in sizes:
        te, tm = C.median(engine_t[n]), C.median(metrics_t[n])
        rows.append({"size": n, "replications": reps, "incidents": incidents[n], "events": ev[n],
                     "engine_s": te, "metrics_s": tm, "time_s": te + tm,
                     "per_incident_us": (te + tm) / incidents[n] * 1e6,
                     "engine_per_incident_us": te / incidents[n] * 1e6,
                     "metrics_per_incident_us": tm / incidents[n] * 1e6,
                     "per_replication_ms": (te + tm) / reps * 1e3})
    x = [r["size"] for r in rows]
    return {"label": "days", "rows": rows,
            "loglog_slope": C.fit_loglog(x, [r["time_s"] for r in rows])[0],
            "engine_loglog_slope": C.fit_loglog(x, [r["engine_s"] for r in rows])[0],
            "metrics_loglog_slope": C.fit_loglog(x, [r["metrics_s"] for r in rows])[0],
            "events_loglog_slope": C.fit_loglog(x, [r["events"] for r in rows])[0]}


def show_days(result: dict) -> None:
    print()
    print(f"  {'days':>6} {'incidents':>10} {'events':>9} {'engine':>9} {'metrics':>9} "
          f"{'µs/incident':>12} {'(engine':>8} {'+ metrics)':>10}")
    for r in result["rows"]:
        print(f"  {r['size']:>6} {r['incidents']:>10,} {r['events']:>9,} {r['engine_s']:>8.3f}s "
              f"{r['metrics_s']:>8.3f}s {r['per_incident_us']:>12.1f} "
              f"{r['engine_per_incident_us']:>8.1f} {r['metrics_per_incident_us']:>10.1f}")
    print(f"  fit: slope of log(time) vs log(days) = {result['loglog_slope']:.3f} "
          f"(engine {result['engine_loglog_slope']:.3f}, metrics "
          f"{result['metrics_loglog_slope']:.3f}, events {result['events_loglog_slope']:.3f})")


def show(result: dict, size_name: str, unit_b: str) -> None:
    print()
    print(f"  {size_name:>14} {'reps':>5} {'incidents':>10} {'events':>10} {'wall time':>10} "
          f"{'µs/incident':>12} {'ms/replication':>15}")
    for r in result["rows"]:
        print(f"  {r['size']:>14} {r['replications']:>5} {r['incidents']:>10,.0f} "
              f"{r['events']:>10,} {r['time_s']:>9.3f}s {r['per_incident_us']:>12.1f} "
              f"{r['per_replication_ms']:>15.1f}")
    lin = result["linear"]
    print(f"  fit: slope of log(time) vs log({size_name}) = {result['loglog_slope']:.3f} "
          f"(events: {result['events_loglog_slope']:.3f}); "
          f"time = {lin['a_s'] * 1e3:.1f} ms + {lin['b_s'] * 1e3:.2f} ms × {unit_b} "
          f"(r² = {lin['r2']:.4f})")


def main(argv=None) -> int:
    p = C.parser(__doc__)
    p.add_argument("--rounds", type=int, default=3, help="rounds per sweep (3)")
    args = p.parse_args(argv)
    rounds = 2 if args.quick else args.rounds
    C.header("Scaling of feasim's simulation with incidents and replications")
    simulate(scenario(10), replications=2, progress=False)  # warm-up

    print(f"1. incursion rate (per day), 10 replications of {DAYS:g} days")
    by_rate = sweep("rate", [10, 20, 40, 80], lambda n: (scenario(n), 10), rounds)
    show(by_rate, "rate per day", "rate")
    print()
    print(f"2. replications, 20 incursions a day, {DAYS:g} days")
    by_reps = sweep("replications", [5, 10, 20, 40], lambda n: (scenario(20), n), rounds)
    show(by_reps, "replications", "replications")
    print()
    print("3. horizon (days), 20 incursions a day, 5 replications: engine "
          "(run_replication) and per-replication metrics (replication_metrics) timed apart")
    by_days = sweep_days([30, 60, 120, 240], 20, 5, rounds)
    show_days(by_days)
    print()
    for res, what in ((by_rate, "incidents (rate)"), (by_reps, "replications"),
                      (by_days, "incidents (horizon)")):
        ok = 0.9 <= res["loglog_slope"] <= 1.1
        print(f"linear growth in {what}: log-log slope {res['loglog_slope']:.3f} "
              f"(0.9–1.1 -> {C.verdict(ok)})")
    C.write_json(args.json, {"benchmark": "scaling", "days": DAYS, "rounds": rounds,
                             "by_rate": by_rate, "by_replications": by_reps,
                             "by_days": by_days})
    return 0


if __name__ == "__main__":
    sys.exit(main())
