"""Helpers of the agreement suite (tests/test_agreement.py): the comparison rule and
independent references written from first principles, never by calling feasim's models.

Comparison rule (issue 11, contract-v2): for every metric both results report,
- the share of NaN samples and the share of +inf samples are compared as
  proportions, with binomial standard errors;
- the means over finite values are compared with the combined standard error
  se = sqrt(se_a² + se_s²), se = std/√n over the finite values, the simulation's
  std taken as the larger of its own and the analytic one (a replication spreads
  at least as much as a sample: same inputs, plus its own noise; and 20,000
  samples see heavy tails that 200 replications can miss);
a comparison passes if |Δ| ≤ k·se + floor, the floor a tiny absolute slack
(1e-9 × scale) so that metrics constant in both models compare exactly.
A metric with a known approximation may instead be given a relative bound:
|Δ| ≤ bound·|analytic| + k·se, and the measured relative error is reported.
"""

from __future__ import annotations

import inspect
import math
import os
from dataclasses import dataclass

import numpy as np

K = 4.0
REL_FLOOR = 1e-9


@dataclass
class Row:
    metric: str
    what: str           # "mean", "inf share", "nan share", "base overload"
    analytic: float
    simulated: float
    se: float
    ok: bool
    bound: float | None = None

    @property
    def z(self) -> float:
        d = abs(self.simulated - self.analytic)
        if self.se > 0:
            return d / self.se
        return 0.0 if d == 0 else math.inf

    def line(self) -> str:
        rel = ""
        if self.bound is not None:
            err = (self.simulated - self.analytic) / abs(self.analytic) if self.analytic else math.nan
            rel = f"  simulated/analytic - 1 = {err:+.3f} (bound {self.bound:.3f})"
        return (f"{self.metric:32s} {self.what:10s} analytic {self.analytic:.6g}  "
                f"simulated {self.simulated:.6g}  se {self.se:.3g}  z {self.z:.2f}{rel}")


def _mean_se(v: np.ndarray) -> tuple[float, float]:
    if v.size == 0:
        return math.nan, 0.0
    m = float(np.mean(v))
    se = float(np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 1 else 0.0
    return m, se


def _share(mask: np.ndarray) -> tuple[float, float]:
    p = float(np.mean(mask)) if mask.size else 0.0
    return p, math.sqrt(p * (1 - p) / mask.size) if mask.size else 0.0


def _proportion_row(name, what, a_mask, s_mask, k) -> Row:
    pa, sa = _share(a_mask)
    ps, ss = _share(s_mask)
    se = math.hypot(sa, ss)
    return Row(name, what, pa, ps, se, abs(pa - ps) <= k * se + 1e-12)


def compare(analytic, simulated, *, k: float = K, bounds: dict[str, float] | None = None,
            skip: tuple[str, ...] = (), floors: dict[str, float] | None = None) -> list[Row]:
    """Every comparison of the metrics both results report (see the module docstring)."""
    bounds = bounds or {}
    floors = floors or {}
    rows: list[Row] = []
    common = sorted(set(analytic.metrics) & set(simulated.metrics) - set(skip))
    for name in common:
        a = np.asarray(analytic.metrics[name], dtype=float)
        s = np.asarray(simulated.metrics[name], dtype=float)
        for what, fa, fs in (("nan share", np.isnan(a), np.isnan(s)),
                             ("inf share", np.isposinf(a), np.isposinf(s))):
            if fa.any() or fs.any():
                rows.append(_proportion_row(name, what, fa, fs, k))
        af, sf = a[np.isfinite(a)], s[np.isfinite(s)]
        if af.size == 0 or sf.size == 0:
            continue
        ma, sea = _mean_se(af)
        ms, ses = _mean_se(sf)
        # A replication's value spreads at least as much as a sample's: it has the
        # same inputs' spread plus its own noise (law of total variance), and the
        # analytic spread, estimated from many samples, catches heavy tails that a
        # few hundred replications miss. So the simulation's se uses the larger.
        if af.size > 1 and sf.size > 1:
            ses = max(ses, float(np.std(af, ddof=1)) / math.sqrt(sf.size))
        se = math.hypot(sea, ses)
        scale = max(1.0, abs(ma), abs(ms))
        slack = k * se + REL_FLOOR * scale + floors.get(name, 0.0)
        bound = bounds.get(name)
        if bound is not None:
            slack += bound * abs(ma)
        rows.append(Row(name, "mean", ma, ms, se, abs(ma - ms) <= slack, bound))
    # Named overloaded bases: share of samples / replications, as proportions.
    ba = getattr(analytic, "base_overload", {}) or {}
    bs = getattr(simulated, "base_overload", {}) or {}
    for base in sorted(set(ba) | set(bs)):
        pa, ps = float(ba.get(base, 0.0)), float(bs.get(base, 0.0))
        se = math.hypot(math.sqrt(pa * (1 - pa) / analytic.samples),
                        math.sqrt(ps * (1 - ps) / simulated.samples))
        rows.append(Row(f"base_overload[{base}]", "share", pa, ps, se,
                        abs(pa - ps) <= k * se + 1e-12))
    return rows


def assert_agree(analytic, simulated, label: str = "", **kw) -> list[Row]:
    """Compare and fail with *every* failing metric of the scenario in one message."""
    rows = compare(analytic, simulated, **kw)
    assert rows, f"{label}: no metric in common"
    bad = [r for r in rows if not r.ok]
    assert not bad, (f"{label}: {len(bad)} of {len(rows)} comparisons differ by more than "
                     f"{kw.get('k', K):g} SE:\n" + "\n".join(r.line() for r in bad))
    return rows


def measured_days(scenario) -> float:
    """Days the simulation measures: horizon less the warm-up (contract §4), where the
    automatic warm-up (latest ramp end, upper end of the support) is dropped if it is
    not shorter than the horizon."""
    from feasim.distributions import support

    sim = scenario.simulation
    warm = sim.warmup_days
    if warm is None:
        warm = max([support(c.start_day)[1] + support(c.ramp_up_days)[1]
                    for c in scenario.contributors] or [0.0])
        if warm >= sim.days:
            warm = 0.0
    return float(sim.days) - float(warm)


def p90_bound(scenario, simulated) -> float:
    """Stated bound on the small-sample bias of the simulation's ``response_hours_p90``.

    Each replication reports the linear-interpolation 90th percentile of its own n
    responses, which estimates the quantile at level ≈ 0.9 − 0.8/(n + 1) (the
    expected F of that order statistic), so it reads low by ≈ 0.8/((n + 1) f(q)),
    f the response density at the p90 q. Relative to q that is 0.8/((n + 1)·f(q)·q);
    f(q)·q is about 0.2 or more for the responses here (a wait tail that is nearly all
    exponential gives 0.1·ln(10·P(wait)) + the constant part × its rate; a uniform
    travel spread more), so the bound is 5 × 0.8/(n + 1), with n = rate × P(detect)
    × measured days, P(detect) the simulation's mean over replications with a
    response. Measured: c03-france-uk-10k-committed (n ≈ 190), 1,000 paired draws,
    −0.42% against a bound of 2.1%.
    """
    from feasim.distributions import support

    if scenario.posture.qrf is None or "response_hours_p90" not in simulated.metrics:
        return 0.0
    p90 = np.asarray(simulated.metrics["response_hours_p90"], dtype=float)
    det = np.asarray(simulated.metrics.get("detection_probability", np.ones_like(p90)), float)
    ok = np.isfinite(p90) & np.isfinite(det)
    if not ok.any():
        return 0.0
    n = support(scenario.incursions.rate_per_day)[0] * float(det[ok].mean()) * measured_days(scenario)
    return 5 * 0.8 / (max(n, 1.0) + 1)


def _bounds(scenario, simulated, bounds):
    b = {"response_hours_p90": p90_bound(scenario, simulated)}
    b.update(bounds or {})
    return b


def check(scenario, analytic, simulated, label: str = "", bounds=None, **kw):
    """assert_agree with the stated small-sample bound on ``response_hours_p90``.

    A test's own bounds (approximations) replace it. No bound on ``qrf_peak_load``:
    the simulation computes each base's offered work from its expected rate over
    the measured period (runner.py), not from sampled engagements, so it has no
    max-of-noisy-estimates bias; were it measured from sampled work, the maximum
    over B similar bases would read high by about E[max of B standard normals] ×
    √((1 + cv²)/N_j) (N_j incidents at a base), and a bound would have to be stated.
    """
    return assert_agree(analytic, simulated, label, bounds=_bounds(scenario, simulated, bounds),
                        **kw)


def simulate(scenario, replications: int, **kw):
    """feasim.simulation.simulate on both cores where it takes ``workers``."""
    from feasim.simulation import simulate as sim

    if "workers" in inspect.signature(sim).parameters:
        kw.setdefault("workers", min(2, os.cpu_count() or 1))
    return sim(scenario, replications=replications, **kw)


# ---------------------------------------------------------------- references


def erlang_c(c: int, a: float) -> float:
    """P(wait) in M/M/c with c servers and offered load a erlangs, from factorials."""
    if a >= c:
        return 1.0
    top = a ** c / math.factorial(c) * c / (c - a)
    return top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)


def mmc_wait_survival(t: float, c: int, a: float, s: float) -> float:
    """P(W > t) in M/M/c: C(c, a)·exp(−(c − a)·t/s), mean service s hours."""
    return erlang_c(c, a) * math.exp(-(c - a) * t / s)


def response_cdf(t, pieces):
    """CDF of wait + fixed + uniform travel, mixed over pieces.

    ``pieces``: (weight, c, a, s, fixed_h, travel_lo_h, travel_hi_h, wait_scale) with
    the wait 0 w.p. 1 − C(c, a), else exponential with mean
    wait_scale · s/(c − a) (wait_scale 1: M/M/c). Closed form per piece:
    P(E + U ≤ x) for U uniform on [lo, hi] and E exponential(rate) is
    ∫ (1 − e^(−rate (x − u)))⁺ du / (hi − lo).
    """
    total = 0.0
    for w, c, a, s, fixed, lo, hi, scale in pieces:
        pw = erlang_c(c, a)
        rate = (c - a) / (s * scale)
        x = t - fixed

        def unif(x):
            if hi == lo:
                return float(x >= lo)
            return min(1.0, max(0.0, (x - lo) / (hi - lo)))

        def conv(x):
            # P(E + U <= x), E ~ Exp(rate), U ~ U[lo, hi]
            if x <= lo:
                return 0.0
            up = min(x, hi)
            # ∫_lo^up (1 - exp(-rate (x - u))) du
            integral = (up - lo) - (math.exp(-rate * (x - up)) - math.exp(-rate * (x - lo))) / rate
            return integral / (hi - lo) if hi > lo else 1.0 - math.exp(-rate * (x - lo))

        total += w * ((1 - pw) * unif(x) + pw * conv(x))
    return total


def quantile(cdf, q: float, hi: float = 1e4) -> float:
    from scipy.optimize import brentq

    return float(brentq(lambda t: cdf(t) - q, 0.0, hi, xtol=1e-10))


def fcfs_queue(rate: float, c: int, service, n: int, streams: int, seed: int,
               burn: int) -> dict[str, float]:
    """Own FCFS M/G/c queue (Kiefer–Wolfowitz workload vector), many streams at once.

    ``service(rng, size)`` draws service times (hours). Customers ``burn``..n of each
    stream are kept. Returns mean wait, P(wait > 0), p90 wait and their standard
    errors over streams (each stream gives one mean, so the se is honest).
    """
    rng = np.random.default_rng(seed)
    free = np.zeros((streams, c))        # time each server becomes free, sorted per row
    t = np.zeros(streams)
    waits = np.empty((n - burn, streams))
    for i in range(n):
        t = t + rng.exponential(1.0 / rate, streams)
        start = np.maximum(t, free[:, 0])
        w = start - t
        free[:, 0] = start + service(rng, streams)
        free.sort(axis=1)
        if i >= burn:
            waits[i - burn] = w
    per_mean = waits.mean(axis=0)
    per_pw = (waits > 1e-12).mean(axis=0)
    return {
        "wait_mean": float(per_mean.mean()),
        "wait_mean_se": float(per_mean.std(ddof=1) / math.sqrt(streams)),
        "wait_probability": float(per_pw.mean()),
        "wait_probability_se": float(per_pw.std(ddof=1) / math.sqrt(streams)),
        "waits": waits.ravel(),
    }


def triangle(m, phase, T, ell):
    """Position (km from the sub-sector's start) of a team at motion time m."""
    u = np.mod(m + phase, T)
    return np.where(u < T / 2, u, T - u) * (2 * ell / T)


def part_time_detection_mc(hours: float, tau: float, ell: float, v: float, r: float,
                           n: int = 400_000, seed: int = 7) -> tuple[float, float]:
    """Brute force: P(a part-time patrol comes within r of an incursion in its window).

    A team sweeps [0, ℓ] and back at v km/h, out ``hours`` a day from midnight and
    standing still otherwise; off duty it never detects. An incursion at a uniform
    point and a uniform time of day over many days is detected iff some duty moment
    in [t0, t0 + τ] has the team within r (a team already within r when the window
    opens off duty detects at the next duty start, i.e. at the same motion time).
    In motion time (duty hours since day 0) the team's range over [m0, m1] is an
    interval; detection iff the incursion's point lies within r of it and m1 > m0.
    Returns (estimate, standard error).
    """
    rng = np.random.default_rng(seed)
    T = 2 * ell / v
    y = rng.random(n) * ell
    phase = rng.random(n) * T
    t0 = rng.random(n) * 24.0 * 30

    def motion(t):
        day, rest = np.divmod(t, 24.0)
        return day * hours + np.minimum(rest, hours)

    m0, m1 = motion(t0), motion(t0 + tau)
    p0, p1 = triangle(m0, phase, T, ell), triangle(m1, phase, T, ell)
    lo, hi = np.minimum(p0, p1), np.maximum(p0, p1)
    # Turning points inside (m0, m1): u ≡ 0 (position 0) and u ≡ T/2 (position ℓ).
    u0 = m0 + phase
    next_zero = np.ceil(u0 / T) * T            # next u ≡ 0 at or after u0
    next_top = np.ceil((u0 - T / 2) / T) * T + T / 2
    lo = np.where(next_zero <= m1 + phase, 0.0, lo)
    hi = np.where(next_top <= m1 + phase, ell, hi)
    hit = (m1 > m0) & (y >= lo - r) & (y <= hi + r)
    p = float(hit.mean())
    return p, math.sqrt(p * (1 - p) / n)


# ---------------------------------------------------------------- paired comparison


def common_inputs(scenario, n: int, seed: int = 20261202) -> dict[str, np.ndarray]:
    """n draws of every uncertain input and event (conditions, honour), to give both models."""
    from feasim.models import AnalyticModel

    d = AnalyticModel().draws(scenario, n=n, rng=seed)
    inputs = {k: np.asarray(d[k], dtype=float) for k in d.uncertain()}
    inputs.update({k: np.asarray(v, dtype=float) for k, v in d.events.items()})
    return inputs


def compare_paired(analytic, simulated, *, k: float = K,
                   bounds: dict[str, float] | None = None) -> list[Row]:
    """Both models on the same inputs, sample i against replication i.

    Per metric: d_i = simulated_i − analytic_i over the pairs where both are finite,
    mean(d) within k·std(d)/√n (+ bound·|mean analytic| where a bound is stated);
    and the indicators of +inf and of NaN compared the same way, pair by pair. The
    spread of the inputs cancels, leaving only the simulation's own noise.
    """
    bounds = bounds or {}
    rows = []
    n = analytic.samples
    assert simulated.samples == n
    for name in sorted(set(analytic.metrics) & set(simulated.metrics)):
        a = np.asarray(analytic.metrics[name], dtype=float)
        s = np.asarray(simulated.metrics[name], dtype=float)
        for what, fa, fs in (("nan paired", np.isnan(a), np.isnan(s)),
                             ("inf paired", np.isposinf(a), np.isposinf(s))):
            if fa.any() or fs.any():
                d = fs.astype(float) - fa.astype(float)
                se = float(d.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0
                rows.append(Row(name, what, float(fa.mean()), float(fs.mean()), se,
                                abs(d.mean()) <= k * se + 1e-12))
        both = np.isfinite(a) & np.isfinite(s)
        if not both.any():
            continue
        d = s[both] - a[both]
        se = float(d.std(ddof=1) / math.sqrt(d.size)) if d.size > 1 else 0.0
        ma, ms = float(a[both].mean()), float(s[both].mean())
        slack = k * se + REL_FLOOR * max(1.0, abs(ma), abs(ms))
        if name in bounds:
            slack += bounds[name] * abs(ma)
        rows.append(Row(name, "paired", ma, ms, se, abs(ms - ma) <= slack, bounds.get(name)))
    return rows


def check_paired(scenario, n: int, label: str = "", bounds=None, workers: int = 2):
    """Run both models on the same n input draws and assert every metric agrees."""
    from feasim.models import AnalyticModel, SimulationModel

    inputs = common_inputs(scenario, n)
    a = AnalyticModel().evaluate(scenario, inputs=inputs, n=n)
    sim = SimulationModel(workers=min(workers, os.cpu_count() or 1)).evaluate(
        scenario, inputs=inputs, n=n)
    rows = compare_paired(a, sim, bounds=_bounds(scenario, sim, bounds))
    bad = [r for r in rows if not r.ok]
    assert not bad, (f"{label} (paired, {n} common draws): {len(bad)} of {len(rows)} "
                     f"comparisons differ by more than {K:g} SE:\n"
                     + "\n".join(r.line() for r in bad))
    return rows


# ---------------------------------------------------------------- QRF reference


def qrf_reference(sectors, teams: int, requested_bases: int, rate_per_hour: float,
                  s: float, readiness: float, depth: float, speed: float, road: float,
                  p_detect: float = 1.0) -> dict[str, float]:
    """Contract §3 from scratch for exponential engagements on a line of sectors.

    ``sectors``: (length_km, threat) or (length_km, threat, p_detect) in order;
    incursions per km ∝ threat, detected with the sector's p_detect (default
    ``p_detect``). B_m = min(B, Q) bases at the centres of equal
    catchments, Q // B_m teams each and one more for the (Q mod B_m) bases with
    the largest load share (ties: lower index). Per base Erlang C; the response
    wait + readiness + travel is a mixture over pieces of catchment on which the
    along-line distance to the base is uniform.
    """
    L = sum(sector[0] for sector in sectors)
    bm = min(requested_bases, teams)
    edges, x = [], 0.0
    for sector in sectors:
        length, threat = sector[0], sector[1]
        pd = sector[2] if len(sector) > 2 else p_detect
        edges.append((x, x + length, threat * pd))   # detected incidents per km ∝ this
        x += length
    rate_detected = rate_per_hour * sum((b - a) * th for a, b, th in edges) / sum(
        s_[0] * s_[1] for s_ in sectors)
    total = sum((b - a) * th for a, b, th in edges)
    width = L / bm
    pieces_per_base = []
    for j in range(bm):
        lo, hi = j * width, (j + 1) * width
        centre = (lo + hi) / 2
        pieces = []
        for a, b, th in edges:
            for p0, p1 in ((max(a, lo), min(b, centre)), (max(a, centre), min(b, hi))):
                if p1 > p0 and th > 0:
                    d0, d1 = sorted((abs(p0 - centre), abs(p1 - centre)))
                    pieces.append(((p1 - p0) * th / total, d0, d1))
        pieces_per_base.append(pieces)
    w = [sum(p[0] for p in pieces) for pieces in pieces_per_base]
    c = [teams // bm] * bm
    for j in sorted(range(bm), key=lambda j: (-w[j], j))[: teams % bm]:
        c[j] += 1
    a = [rate_detected * wj * s for wj in w]
    mix = []
    for j, pieces in enumerate(pieces_per_base):
        for share, d0, d1 in pieces:
            mix.append((share, c[j], a[j], s, readiness, (d0 + depth) * road / speed,
                        (d1 + depth) * road / speed, 1.0))
    travel = sum(share * ((lo + hi) / 2) for share, _, _, _, _, lo, hi, _ in mix)
    wait = sum(wj * erlang_c(cj, aj) * s / (cj - aj) for wj, cj, aj in zip(w, c, a))
    return {
        "qrf_bases_manned": float(bm),
        "qrf_wait_probability": sum(wj * erlang_c(cj, aj) for wj, cj, aj in zip(w, c, a)),
        "qrf_wait_hours_mean": wait,
        "travel_hours_mean": travel,
        "response_hours_mean": wait + readiness + travel,
        "response_hours_p90": quantile(lambda t: response_cdf(t, mix), 0.9),
        "qrf_utilisation": sum(min(aj, cj) for aj, cj in zip(a, c)) / sum(c),
        "qrf_peak_load": max(aj / cj for aj, cj in zip(a, c)),
    }


def patrol_fed_queue_mc(line_km: float, teams: int, bases: int, speed: float, tau: float,
                        rate_per_day: float, c: int, s: float, days: float, reps: int,
                        seed: int = 1) -> dict[str, np.ndarray]:
    """Brute force: incursions detected only by round-the-clock patrols (radius 0), queued.

    Per replication: teams on equal sub-sectors of a closed line with a random grid
    phase and random team phases; Poisson incursions at uniform points; an incursion
    is detected at the first pass of its team within [t0, t0 + τ]; detected incidents
    go to the base of their catchment (equal catchments) and wait FIFO for one of c
    teams, exponential engagements of mean s. Returns per-replication P(wait) and
    mean wait, so their spread gives honest standard errors.
    """
    import heapq

    rng = np.random.default_rng(seed)
    ell = line_km / teams
    T = 2 * ell / speed
    pws, means = [], []
    for _ in range(reps):
        H = days * 24.0
        n = rng.poisson(rate_per_day * days)
        t0 = rng.random(n) * H
        x = rng.random(n) * line_km
        u = rng.random() * ell
        phase = rng.random(teams) * T
        rel = np.mod(x - u, line_km)
        k = np.minimum((rel // ell).astype(int), teams - 1)
        y = rel - k * ell
        p = phase[k]
        first = np.minimum(t0 + np.mod(y / speed - p - t0, T),
                           t0 + np.mod(T - y / speed - p - t0, T))
        det = first <= t0 + tau
        td, base = first[det], np.minimum((x[det] // (line_km / bases)).astype(int), bases - 1)
        waits = []
        for j in range(bases):
            free = [0.0] * c
            for t, e in zip(np.sort(td[base == j]), rng.exponential(s, int(np.sum(base == j)))):
                f = heapq.heappop(free)
                start = max(t, f)
                waits.append(start - t)
                heapq.heappush(free, start + e)
        w = np.asarray(waits)
        pws.append(float(np.mean(w > 1e-12)))
        means.append(float(np.mean(w)))
    return {"qrf_wait_probability": np.array(pws), "qrf_wait_hours_mean": np.array(means)}


# ---------------------------------------------------------------- contract v3 references


def per_pass_patrol_mc(hours: float, tau: float, ell: float, v: float, r: float, p: float,
                       start_hour: float = 0.0, night: tuple[float, float, float] | None = None,
                       n: int = 400_000, seed: int = 3):
    """Brute force of contract v3 §A/§C: counted passes, each detecting with probability p.

    A team sweeps [0, ℓ] and back at v km/h, out ``hours`` a day from ``start_hour``.
    In motion time the window is [m0, m1]; the passes over the incursion's point y
    (motion times y/v − φ and T − y/v − φ, mod T) that fall in [m0 − r/v, m1 + r/v]
    count when m1 > m0, and each detects independently with probability p, times the
    night factor when the window starts at night (``night`` = (start, hours, factor)),
    capped at 1. Returns per-incursion detection probabilities (given its t0, y, φ)
    and whether it started at night, so a test can combine layers.
    """
    rng = np.random.default_rng(seed)
    T = 2 * ell / v
    y = rng.random(n) * ell
    phase = rng.random(n) * T
    t0 = rng.random(n) * 24.0 * 30

    def motion(t):
        day, rest = np.divmod(t - start_hour, 24.0)
        return day * hours + np.minimum(rest, hours)

    m0, m1 = motion(t0), motion(t0 + tau)
    a, b = m0 - r / v, m1 + r / v
    K = np.zeros(n)
    for c in (y / v - phase, T - y / v - phase):
        K += np.floor((b - c) / T) - np.ceil((a - c) / T) + 1
    at_night = np.zeros(n, bool)
    pp = np.full(n, float(p))
    if night is not None:
        ns, nh, f = night
        at_night = np.mod(t0 - ns, 24.0) < nh
        pp = np.where(at_night, min(1.0, p * f), pp)
    prob = np.where(m1 > m0, 1.0 - (1.0 - pp) ** K, 0.0)
    return prob, at_night
