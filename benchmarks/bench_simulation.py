"""Naive stepped SimPy patrol model vs feasim's simulation: same answer, how much faster.

Run from the repository root:

    /tmp/venv/bin/python benchmarks/bench_simulation.py [--quick] [--json PATH]

Two configurations of one model (a line of L km, N patrol teams each going back
and forth over its own sub-sector of ℓ = L/N km at v km/h round the clock,
detection radius r km, Poisson incursions at uniform positions, each exposed for
τ hours; no posts, sensors or QRF; enough troops to fill the posture):

  A  the brief's scenario: L = 1200, N = 200 (ℓ = 6 km), v = 5, r = 2, 10 a day,
     τ = 6 h, 30 days. The round trip T = 2ℓ/v = 2.4 h is shorter than τ, so
     every incursion is detected: P = 1 by every method. This is the speed test.
  B  a discriminating one: N = 40 (ℓ = 30 km, T = 12 h), τ = 2 h, r = 2 km,
     P ≈ 0.41, well below 1, so agreement means something.

The naive model (written here, independent of feasim's code) makes every patrol
a SimPy process stepping 1 km per ``env.timeout(1 / v)`` from a uniformly random
position and direction, reflecting at the ends of its sub-sector. An incursion
in a sub-sector is detected if that sub-sector's patrol is within r of it at a
step time inside the incursion's window [t0, t0 + τ] (the brief's rule).

Discretisation. A step-based check can miss a pass that happens between two
steps. With 1 km steps and r = 2 km it cannot: the patrol is within r of the
point on a stretch 2r = 4 km long (shorter only where it turns at the end of its
sub-sector, and there it stays inside longer, for 2(y + r)/v ≥ 2r/v), and it
crosses that stretch in 4 steps, so every contact interval (≥ 2r/v = 0.8 h)
holds at least 4 step times. (The condition is step ≤ 2r.) What the rule can
still miss is a contact that overlaps the *window* by less than a step: the
step times inside [t0, t0 + τ] span only τ − δ (δ = 1/v = 0.2 h), so the rule
shortens the effective window by one step and is biased low
(B: 0.386 instead of 0.412). The naive model therefore also checks the
patrol's position (interpolated between steps) at the two ends of the window,
at arrival and at a window-closing timeout; with both ends checked, every
contact that meets the window is found, exactly. Both counts come from the same
run and both are printed; the exact one is compared with feasim.

Closed form: the patrol is within r of a point from r/v before a pass to r/v
after it, so detection is a pass within an effective window τ' = τ + 2r/v, and
P = 1 − (1 − τ'/T)² for τ' < T, else 1 (near the ends of a sub-sector the two
visits per round trip merge into one, but the union is the same interval, so
the formula stays exact).

Timing: naive and feasim (``feasim.simulation.simulate``) blocks of the same
number of replications, alternately, round after round; ratio of medians.
Events: naive = SimPy events scheduled (its timeouts counted separately);
feasim = ``Replication.events`` of the same replications.
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

import feasim  # noqa: E402
from feasim.simulation import simulate  # noqa: E402
from feasim.simulation.engine import run_replication  # noqa: E402

GOAL_SPEEDUP = 30.0


@dataclass(frozen=True)
class Config:
    name: str
    line_km: float
    teams: int
    speed_kmh: float
    radius_km: float
    rate_per_day: float
    exposure_hours: float
    days: float
    step_km: float = 1.0

    @property
    def sub_km(self) -> float:
        return self.line_km / self.teams

    @property
    def round_trip(self) -> float:
        return 2.0 * self.sub_km / self.speed_kmh

    @property
    def step_hours(self) -> float:
        return self.step_km / self.speed_kmh

    def closed_form(self, window: float | None = None) -> float:
        """P = 1 − (1 − τ'/T)², τ' = τ + 2r/v, capped at 1."""
        tau = self.exposure_hours if window is None else window
        x = (tau + 2.0 * self.radius_km / self.speed_kmh) / self.round_trip
        return 1.0 if x >= 1.0 else 1.0 - (1.0 - x) ** 2

    def describe(self) -> str:
        return (f"L = {self.line_km:g} km, N = {self.teams} teams (ℓ = {self.sub_km:g} km), "
                f"v = {self.speed_kmh:g} km/h, r = {self.radius_km:g} km, "
                f"{self.rate_per_day:g} incursions/day, τ = {self.exposure_hours:g} h, "
                f"{self.days:g} days; T = 2ℓ/v = {self.round_trip:g} h")


CONFIGS = [
    Config("A (brief)", 1200, 200, 5.0, 2.0, 10, 6.0, 30),
    Config("B (discriminating)", 1200, 40, 5.0, 2.0, 10, 2.0, 30),
]


# ---------------------------------------------------------------- feasim side


def scenario(cfg: Config, radius_in_engine: bool) -> feasim.Scenario:
    """The configuration as a feasim scenario.

    If feasim's engine does not (yet) read ``detection_radius_km``, the radius is
    folded into the window instead (τ + 2r/v, r = 0): the same detection
    probability, since a patrol is within r of a point exactly when it passes
    it within r/v of the moment.
    """
    tau, radius = cfg.exposure_hours, cfg.radius_km
    if not radius_in_engine:
        tau, radius = tau + 2.0 * radius / cfg.speed_kmh, 0.0
    return feasim.validate_data({
        "name": "bench-patrols",
        "theatre": {"line_km": cfg.line_km},
        "force": {"basis": "in_theatre", "support_fraction": 0.5, "staff_per_position": 4.7},
        "contributors": [{"name": "a", "troops": 100_000}],
        "posture": {"patrols": {"teams": cfg.teams, "team_size": 4,
                                "speed_kmh": cfg.speed_kmh, "hours_per_day": 24,
                                "detection_radius_km": radius}},
        "incursions": {"rate_per_day": cfg.rate_per_day, "exposure_hours": tau},
        "simulation": {"days": cfg.days, "replications": 1, "seed": 1},
    })


def engine_reads_radius() -> bool:
    """Whether feasim's simulation uses ``posture.patrols.detection_radius_km``.

    One team on 100 km at 5 km/h (T = 40 h), τ = 0.01 h: without a radius almost
    nothing is detected (P ≈ 0.0005); with r = 40 km, τ' = 16 h and P ≈ 0.64.
    """
    s = feasim.validate_data({
        "name": "probe", "theatre": {"line_km": 100},
        "force": {"basis": "in_theatre", "support_fraction": 0.5},
        "contributors": [{"name": "a", "troops": 100_000}],
        "posture": {"patrols": {"teams": 1, "team_size": 4, "speed_kmh": 5,
                                "detection_radius_km": 40}},
        "incursions": {"rate_per_day": 500, "exposure_hours": 0.01},
        "simulation": {"days": 2, "replications": 2, "seed": 1},
    })
    return float(np.mean(simulate(s, progress=False)["patrol_detection_probability"])) > 0.2


def feasim_events(s: feasim.Scenario, seed: int, n: int) -> int:
    """Events scheduled by the replications ``simulate(s, replications=n, seed=seed)`` runs."""
    children = np.random.SeedSequence(seed).spawn(n)
    return sum(run_replication(s, i, children[i]).events for i in range(n))


# ---------------------------------------------------------------- naive side


def naive_replication(cfg: Config, seed: int) -> dict:
    """One replication of the naive stepped model; see the module docstring."""
    rnd = random.Random(seed)
    env = simpy.Environment()
    N, sub, v, r = cfg.teams, cfg.sub_km, cfg.speed_kmh, cfg.radius_km
    step, dt, tau = cfg.step_km, cfg.step_hours, cfg.exposure_hours
    horizon = cfg.days * 24.0
    assert step < sub, "a step must be shorter than a sub-sector"
    pos = [0.0] * N       # position (km from the sub-sector's start) at the last step
    heading = [1] * N     # +1 or −1
    last = [0.0] * N      # time of the last step
    steps = [0] * N
    watch: list[list] = [[] for _ in range(N)]  # open incursions: (y, window end, record)
    records: list[list[bool]] = []              # [seen at a step time, seen at all]
    other_timeouts = [0]

    def position(i: int, t: float) -> float:
        """Patrol i's position at time t, between steps (one reflection at most)."""
        p = pos[i] + heading[i] * v * (t - last[i])
        return 2.0 * sub - p if p > sub else (-p if p < 0.0 else p)

    def patrol(i: int):
        p = rnd.random() * sub
        d = 1 if rnd.random() < 0.5 else -1
        pos[i], heading[i] = p, d
        open_ = watch[i]
        n = 0
        while True:
            yield env.timeout(dt)
            n += 1
            p += d * step
            if p > sub:
                p, d = 2.0 * sub - p, -d
            elif p < 0.0:
                p, d = -p, -d
            now = env.now
            pos[i], heading[i], last[i], steps[i] = p, d, now, n
            if open_:
                keep = []
                for item in open_:
                    y, end, rec = item
                    if end < now:
                        continue            # window closed before this step
                    if abs(p - y) <= r:
                        rec[0] = rec[1] = True
                        continue            # detected: stop watching
                    keep.append(item)
                open_[:] = keep

    def close(i: int, y: float, rec: list[bool]):
        def check(_event):
            if not rec[1] and abs(position(i, env.now) - y) <= r:
                rec[1] = True
        return check

    def incursions():
        mean_gap = 24.0 / cfg.rate_per_day
        while True:
            yield env.timeout(rnd.expovariate(1.0 / mean_gap))
            other_timeouts[0] += 1
            t0 = env.now
            if t0 >= horizon:
                return
            x = rnd.random() * cfg.line_km
            i = min(int(x / sub), N - 1)
            y = x - i * sub
            rec = [False, abs(position(i, t0) - y) <= r]   # window start
            records.append(rec)
            watch[i].append((y, t0 + tau, rec))
            env.timeout(tau).callbacks.append(close(i, y, rec))   # window end
            other_timeouts[0] += 1

    for i in range(N):
        env.process(patrol(i))
    env.process(incursions())
    env.run(until=horizon + tau + dt)   # let every window opened before the horizon close
    n = len(records)
    return {
        "incursions": n,
        "p_steps_only": sum(rec[0] for rec in records) / n if n else math.nan,
        "p": sum(rec[1] for rec in records) / n if n else math.nan,
        "events": next(env._eid),
        "timeouts": sum(steps) + other_timeouts[0],
    }


def naive_block(cfg: Config, seeds: list[int]) -> list[dict]:
    return [naive_replication(cfg, sd) for sd in seeds]


# ---------------------------------------------------------------- the benchmark


def run_config(cfg: Config, radius_in_engine: bool, reps: int, rounds: int,
               accuracy_naive: int, accuracy_feasim: int) -> dict:
    print(f"Configuration {cfg.name}: {cfg.describe()}")
    s = scenario(cfg, radius_in_engine)
    naive_times, feasim_times, naive_reps = [], [], []
    feasim_p: list[float] = []
    feasim_ev = 0
    for k in range(rounds):
        seeds = [1000 * k + j for j in range(reps)]
        t, out = C.timed(naive_block, cfg, seeds)
        naive_times.append(t)
        naive_reps += out
        t, res = C.timed(simulate, s, replications=reps, seed=k + 1, progress=False)
        feasim_times.append(t)
        feasim_p += list(res["detection_probability"])
        feasim_ev += feasim_events(s, k + 1, reps)
        print(f"  round {k + 1}/{rounds}: naive {t_fmt(naive_times[-1])}, "
              f"feasim {t_fmt(feasim_times[-1])}  ({reps} replications each)")
        C.flush()
    # Accuracy: top the naive replications up, and give feasim many (it is cheap).
    extra = max(0, accuracy_naive - len(naive_reps))
    if extra:
        print(f"  {extra} more naive replications for the accuracy check ...")
        C.flush()
        naive_reps += naive_block(cfg, [10_000_000 + j for j in range(extra)])
    if accuracy_feasim > len(feasim_p):
        res = simulate(s, replications=accuracy_feasim, seed=99, progress=False)
        feasim_p = list(res["detection_probability"])

    n_mean, n_se = C.mean_se([d["p"] for d in naive_reps])
    o_mean, o_se = C.mean_se([d["p_steps_only"] for d in naive_reps])
    f_mean, f_se = C.mean_se(feasim_p)
    exact = cfg.closed_form()
    steps_only = cfg.closed_form(cfg.exposure_hours - cfg.step_hours)
    z = C.z_score(n_mean, n_se, f_mean, f_se)
    agree = abs(z) <= 3.0 if not math.isnan(z) else n_mean == f_mean
    nt, ft = C.median(naive_times) / reps, C.median(feasim_times) / reps
    timed_naive = naive_reps[:reps * rounds]
    n_events = sum(d["events"] for d in timed_naive) / len(timed_naive)
    n_timeouts = sum(d["timeouts"] for d in timed_naive) / len(timed_naive)
    f_events = feasim_ev / (reps * rounds)
    speedup = nt / ft

    print()
    print("  detection probability        mean      s.e.   replications")
    print(f"  naive (steps + window ends)  {n_mean:.4f}  {n_se:8.4f}   {len(naive_reps)}")
    print(f"  feasim                       {f_mean:.4f}  {f_se:8.4f}   {len(feasim_p)}")
    print(f"  closed form, τ' = τ + 2r/v   {exact:.4f}")
    print(f"  naive vs feasim: z = {z_fmt(z)}  -> "
          f"{'agree' if agree else 'DISAGREE'} (agreement: |z| <= 3, or identical)")
    print(f"  naive vs closed form: z = {z_fmt(C.z_score(n_mean, n_se, exact, 0.0))}; "
          f"feasim vs closed form: z = {z_fmt(C.z_score(f_mean, f_se, exact, 0.0))}")
    print(f"  the brief's rule alone (step times only): {o_mean:.4f} ± {o_se:.4f}; "
          f"closed form with the window shortened by one step (τ − 1/v): {steps_only:.4f}, "
          f"z = {z_fmt(C.z_score(o_mean, o_se, steps_only, 0.0))}; "
          f"vs feasim z = {z_fmt(C.z_score(o_mean, o_se, f_mean, f_se))}")
    print()
    print("  per replication          wall time     events   (naive timeouts)")
    print(f"  naive                    {t_fmt(nt):>9}  {n_events:>9,.0f}   ({n_timeouts:,.0f})")
    print(f"  feasim                   {t_fmt(ft):>9}  {f_events:>9,.0f}")
    print(f"  naive / feasim           {speedup:>8.0f}x  {n_events / f_events:>8.0f}x")
    print(f"  goal: feasim >= {GOAL_SPEEDUP:g}x faster -> {C.verdict(speedup >= GOAL_SPEEDUP)}")
    print()
    return {
        "config": {**cfg.__dict__, "round_trip_hours": cfg.round_trip},
        "feasim_radius_in_engine": radius_in_engine,
        "replications_per_block": reps, "rounds": rounds,
        "detection": {
            "naive": {"mean": n_mean, "se": n_se, "n": len(naive_reps)},
            "naive_steps_only": {"mean": o_mean, "se": o_se, "n": len(naive_reps),
                                 "closed_form_tau_minus_step": steps_only},
            "feasim": {"mean": f_mean, "se": f_se, "n": len(feasim_p)},
            "closed_form": exact, "z_naive_feasim": z, "agree": agree,
        },
        "time": {"naive_s_per_rep": nt, "feasim_s_per_rep": ft, "speedup": speedup,
                 "naive_blocks_s": naive_times, "feasim_blocks_s": feasim_times,
                 "goal": GOAL_SPEEDUP, "met": speedup >= GOAL_SPEEDUP},
        "events": {"naive_per_rep": n_events, "naive_timeouts_per_rep": n_timeouts,
                   "feasim_per_rep": f_events},
    }


def t_fmt(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def z_fmt(z: float) -> str:
    return "n/a (identical, no variance)" if math.isnan(z) else f"{z:+.2f}"


def main(argv=None) -> int:
    p = C.parser(__doc__)
    p.add_argument("--reps", type=int, default=5, help="replications per timed block (5)")
    p.add_argument("--rounds", type=int, default=3, help="alternating rounds (3)")
    p.add_argument("--accuracy-naive", type=int, default=40,
                   help="naive replications for the accuracy check of B (40)")
    p.add_argument("--radius", choices=["auto", "engine", "window"], default="auto",
                   help="how feasim gets the radius: its own field (engine), folded into "
                        "the window τ + 2r/v (window), or engine if it reads it (auto)")
    args = p.parse_args(argv)
    if args.quick:
        args.reps, args.rounds, args.accuracy_naive = 2, 2, 16
    C.header("feasim vs a naive stepped SimPy patrol model")
    reads = engine_reads_radius()
    use_engine = {"auto": reads, "engine": True, "window": False}[args.radius]
    print(f"feasim's engine reads posture.patrols.detection_radius_km: {'yes' if reads else 'NO'}")
    if not use_engine:
        print("  -> feasim is given r = 0 and the window τ + 2r/v instead (same detection "
              "probability); the naive model keeps r = 2 km and τ.")
    print()
    results = []
    for cfg in CONFIGS:
        acc = args.accuracy_naive if cfg.closed_form() < 1 else 0
        results.append(run_config(cfg, use_engine, args.reps, args.rounds, acc,
                                  accuracy_feasim=400 if cfg.closed_form() < 1 else 0))
    print("Summary")
    for r in results:
        d, t = r["detection"], r["time"]
        print(f"  {r['config']['name']:<20} P naive {d['naive']['mean']:.4f}, "
              f"feasim {d['feasim']['mean']:.4f}, closed form {d['closed_form']:.4f}, "
              f"z = {z_fmt(d['z_naive_feasim'])}; speed-up {t['speedup']:.0f}x "
              f"(goal {GOAL_SPEEDUP:g}x: {C.verdict(t['met'])})")
    C.write_json(args.json, {"benchmark": "simulation", "engine_reads_radius": reads,
                             "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
