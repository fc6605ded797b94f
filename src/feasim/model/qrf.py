"""Quick-reaction force: staffing, load per base, Erlang C waits and travel
(docs/model.md).

Staffing: with Q filled teams and B requested bases, ``B_m = min(B, Q)`` bases
are manned, laid out evenly (catchment ``j`` = ``[j·L/B_m, (j+1)·L/B_m)``, base at
its centre, ``depth_km`` behind the line); each gets ``Q // B_m`` teams and the
``Q mod B_m`` bases with the largest load one more (ties: lower index first).

Load: detected incidents reach base ``j`` at ``λ_j = λ·P_detect·w_j`` per hour,
``w_j`` the share of detected incursions whose position falls in its catchment
(threat × length per sector, times the sector's detection probability). With
mean engagement ``s`` the offered load is ``a_j = λ_j·s`` erlangs and the base's
waits are Erlang C with ``c_j`` servers. Base ``j`` is *overloaded* iff
``a_j ≥ c_j`` and ``a_j > 0``: waits grow without bound, so response metrics
are +inf, never a negative or silently capped number. ``Q = 0`` is *no force*
(``qrf_no_force``), not an overload: nobody comes.

For non-exponential engagements the Allen–Cunneen approximation scales the
wait by ``(1 + cv²) / 2`` (``cv = 0`` deterministic); it is exact only for
exponential engagements.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..sampling import Draws
from ..schema import Scenario

__all__ = ["erlang_c", "mmc_wait_mean", "response"]

NAMES = ("qrf_utilisation", "qrf_peak_load", "qrf_bases_manned", "qrf_no_force",
         "qrf_overloaded", "qrf_overloaded_bases", "qrf_wait_probability",
         "qrf_wait_hours_mean", "travel_hours_mean", "response_hours_mean",
         "response_hours_p90")


def erlang_c(servers, load):
    """Erlang C: P(an arrival waits) in an M/M/c queue with ``load = λ/μ`` erlangs.

    Vectorised over ``servers`` (whole numbers >= 0) and ``load`` (>= 0).
    Returns 1 where ``load >= servers`` (every arrival eventually waits).
    Computed through the stable Erlang B recursion.
    """
    c = np.asarray(servers, dtype=float)
    a = np.asarray(load, dtype=float)
    c, a = np.broadcast_arrays(c, a)
    b = np.ones(c.shape)
    b_at_c = np.where(c == 0, 1.0, 0.0)
    top = int(np.max(c)) if c.size else 0
    ab, den = np.empty(c.shape), np.empty(c.shape)
    for k in range(1, top + 1):   # b = a·b / (k + a·b), in place: runs on millions
        np.multiply(a, b, out=ab)
        np.add(ab, k, out=den)
        np.divide(ab, den, out=b)
        np.copyto(b_at_c, b, where=(c == k))
    with np.errstate(all="ignore"):
        cw = c * b_at_c / (c - a * (1.0 - b_at_c))
    return np.where(a >= c, 1.0, np.where(a == 0, 0.0, cw))


def mmc_wait_mean(servers, load, service_mean, p_wait=None):
    """Mean wait in queue (unit of ``service_mean``); ``inf`` where overloaded.

    ``p_wait``: Erlang C of the same queue, if already computed.
    """
    c = np.asarray(servers, dtype=float)
    a = np.asarray(load, dtype=float)
    pw = erlang_c(c, a) if p_wait is None else p_wait
    with np.errstate(all="ignore"):
        w = pw * service_mean / (c - a)
    return np.where(a >= c, np.where(a > 0, np.inf, 0.0), np.where(a == 0, 0.0, w))


def _sum_cdf(x, t0, t1, pw, theta):
    """P(W + U <= x) and its density: W is 0 w.p. 1 − pw else Exp(θ); U ~ Uniform[t0, t1]."""
    width = t1 - t0
    m = np.minimum(x, t1)
    with np.errstate(all="ignore"):
        e_m = np.exp(-theta * (x - m))
        e_0 = np.exp(-theta * (x - t0))
        tail = np.where(pw > 0, (pw / theta) * (e_m - e_0), 0.0)
        cdf = ((m - t0) - tail) / width
        dens = np.where(x <= t1, 1.0 - pw * e_0, pw * (e_m - e_0)) / width
    below = x < t0
    return np.where(below, 0.0, cdf), np.where(below, 0.0, dens)


def _share(groups: Iterable[Sequence[np.ndarray]],
           f: Callable[[np.ndarray], np.ndarray]) -> list[tuple[np.ndarray, ...]]:
    """``f`` applied to every array of the groups, once per distinct array object
    (groups often share t0 and t1), so that the results are shared in turn."""
    done: dict[int, np.ndarray] = {}
    out = []
    for g in groups:
        row = []
        for v in g:
            if id(v) not in done:
                done[id(v)] = f(v)
            row.append(done[id(v)])
        out.append(tuple(row))
    return out


def _p90(groups, lo=None, start=None, tol=1e-10, max_iter=60):
    """90th percentile of wait + travel for a mixture of groups (weight, pw, θ, t0, t1).

    In group g the wait is 0 w.p. 1 − pw, else exponential with rate θ, and the
    time to arrive (readiness + travel) is uniform on [t0, t1]. Safeguarded
    Newton on the closed-form CDF: a Newton step where it stays inside the
    bracket, bisection otherwise; stops once every sample has converged.
    ``lo`` (a lower bound of the answer) defaults to the smallest t0, ``start``
    to the weighted percentile without waiting.
    """
    groups = [g for g in groups if np.any(np.asarray(g[0]) > 0)]  # no weight: adds nothing
    n = np.broadcast_shapes(*(v.shape for g in groups for v in g))
    if lo is None:
        lo = np.min(np.broadcast_arrays(*(g[3] for g in groups)), axis=0)
    lo = np.broadcast_to(lo, n) + 0.0
    if start is None:
        start = sum(g[0] * (g[3] + 0.9 * (g[4] - g[3])) for g in groups)
    x = np.broadcast_to(start, n) + 0.0
    hi = lo.copy()
    for _, pw, theta, _, t1 in groups:
        with np.errstate(all="ignore"):
            extra = np.where(pw > 0.1, np.log(pw / 0.1) / theta, 0.0)
        hi = np.maximum(hi, t1 + extra)
    groups = _share(groups, lambda v: np.broadcast_to(v, n))
    active = np.arange(x.size)  # samples still moving: work shrinks as they converge
    for _ in range(max_iter):
        if active.size == 0:
            break
        every = active.size == x.size   # no sample has converged yet: no gathers
        xa = x if every else x[active]
        cdf = dens = 0.0
        for w, pw, theta, t0, t1 in (groups if every else
                                     _share(groups, lambda v, keep=active: v[keep])):
            c, d = _sum_cdf(xa, t0, t1, pw, theta)
            cdf, dens = cdf + w * c, dens + w * d
        gap = cdf - 0.9
        la = np.where(gap < 0, xa, lo if every else lo[active])
        ha = np.where(gap < 0, hi if every else hi[active], xa)
        with np.errstate(all="ignore"):
            step = xa - gap / dens
        new = np.where((step >= la) & (step <= ha), step, 0.5 * (la + ha))
        done = (np.abs(new - xa) <= tol * np.maximum(1.0, np.abs(xa))) | (ha - la <= tol) \
            | (np.abs(gap) <= 1e-15)
        if every:
            lo, hi, x = la, ha, new
        else:
            lo[active], hi[active], x[active] = la, ha, new
        active = active[~done]
    return x


def _queue(c, a, s, cv2):
    """(P(wait), mean wait, θ of the conditional exponential wait) per base."""
    pw = erlang_c(c, a)
    wq = mmc_wait_mean(c, a, s, pw) * (1.0 + cv2) / 2.0
    with np.errstate(all="ignore"):
        theta = np.where(pw > 0, pw / wq, 1.0)   # θ only matters where pw > 0
    return pw, wq, theta


def _uniform(lam, s, cv2, teams, manned, line, t0, kmh):
    """Threat per km uniform: every manned base has the same load and catchment."""
    bs = np.maximum(manned, 1.0)
    a = lam * s / bs                                     # erlangs per base
    q = np.floor(teams / bs)                             # teams at most bases
    extra = teams - q * bs                               # bases with one more
    share_high = extra / bs
    t1 = t0 + line / (2.0 * bs) / kmh
    over_low = (a >= q) & (a > 0) & (manned > 0)
    over_high = (a >= q + 1.0) & (a > 0) & (extra > 0)
    weight = 1.0 - share_high
    pw, wq, theta = _queue(q, a, s, cv2)
    groups = [(weight, pw, theta, t0, t1)]
    with np.errstate(all="ignore"):
        wait_mean = np.where(weight > 0, weight * wq, 0.0)
    p_wait = weight * pw
    busy = weight * np.minimum(a, q)
    some = np.flatnonzero(extra > 0)     # bases with one team more: often none at all
    if some.size:
        hi = [np.zeros(a.shape), np.zeros(a.shape), np.ones(a.shape)]   # pw, wq, θ
        a_h = a[some]
        s_h = s[some] if np.ndim(s) else s
        cv2_h = cv2[some] if np.ndim(cv2) else cv2
        for full, part in zip(hi, _queue(q[some] + 1.0, a_h, s_h, cv2_h), strict=True):
            full[some] = part
        pw_h, wq_h, theta_h = hi
        groups.append((share_high, pw_h, theta_h, t0, t1))
        with np.errstate(all="ignore"):
            wait_mean = wait_mean + np.where(share_high > 0, share_high * wq_h, 0.0)
        p_wait = p_wait + share_high * pw_h
        busy = busy + share_high * np.minimum(a, q + 1.0)
    n_over = np.where(over_low, manned - extra, 0.0) + np.where(over_high, extra, 0.0)
    with np.errstate(all="ignore"):
        util = busy * bs / teams
        peak = a / q
    travel = 0.5 * (t0 + t1)
    flags = None
    if np.any(n_over > 0):
        top = int(np.max(manned))
        j = np.arange(top)[:, None]
        c_j = q + (j < extra)
        flags = (j < manned) & (a >= c_j) & (a > 0)
    return dict(p_wait=p_wait, wait_mean=wait_mean, travel=travel, util=util, peak=peak,
                n_over=n_over, flags=flags, groups=groups, lo=t0 + 0.9 * (t1 - t0))


def _general(lam, s, cv2, teams, manned, line, t0, kmh, layout, density):
    """Threat per km differs along the line: loads and catchment pieces per base.

    ``layout``: (start_km, length_km) per sector; ``density``: detected incursions
    per km in each sector (relative). Pieces: each catchment cut at sector
    boundaries and at its base, so that the distance along the line to the base is
    uniform on each piece.
    """
    n = np.shape(lam)[0]
    # One layout for every sample (the usual case): the geometry in plain numbers.
    same = _constant(manned) and _constant(line) and all(np.ndim(x) == 0 for x in
                                                          np.ravel(layout))
    geo = float(np.ravel(manned)[0]) if same else manned
    width = (float(np.ravel(line)[0]) if same else line) / np.maximum(geo, 1.0)
    top = max(int(np.max(manned)), 1)
    share = np.zeros((top, n))
    pieces = []                              # (base j, mass, nearest km, farthest km)
    for j in range(top):
        valid = j < geo
        a_km = j * width
        c_km = a_km + 0.5 * width
        b_km = a_km + width
        for (s0, length), dens in zip(layout, density, strict=True):
            s1 = s0 + length
            halves = []
            for lo_km, hi_km, left in ((np.maximum(a_km, s0), np.minimum(c_km, s1), True),
                                       (np.maximum(c_km, s0), np.minimum(b_km, s1), False)):
                ell = np.where(valid, np.maximum(hi_km - lo_km, 0.0), 0.0)
                if not np.any(ell > 0):
                    continue
                mass = ell * dens
                near, far = (c_km - hi_km, c_km - lo_km) if left else (lo_km - c_km,
                                                                       hi_km - c_km)
                halves.append((j, mass, near, far))
                share[j] += mass
            if len(halves) == 2 and all(np.allclose(x, y, rtol=1e-12, atol=1e-9) for x, y
                                        in zip(halves[0][2:], halves[1][2:], strict=True)):
                # Both sides of the base in one sector, same distances: one piece.
                halves = [(j, halves[0][1] + halves[1][1], halves[0][2], halves[0][3])]
            pieces += halves
    total = share.sum(axis=0)
    share /= total
    a = lam * s * share                                  # (top, n) erlangs
    bs = np.maximum(manned, 1.0)
    q = np.floor(teams / bs)
    extra = teams - q * bs
    valid = np.arange(top)[:, None] < manned
    # Extra teams to the busiest bases; ties (to 12 digits) to the lower index.
    key = np.where(valid, np.round(share, 12), -1.0)
    order = np.argsort(-key, axis=0, kind="stable")
    rank = np.argsort(order, axis=0)                     # inverse permutation
    c = q + (rank < extra)
    pw, wq, theta = _queue(np.where(valid, c, 1.0), np.where(valid, a, 0.0), s, cv2)
    flags = valid & (a >= c) & (a > 0)
    with np.errstate(all="ignore"):
        p_wait = np.sum(np.where(valid, share * pw, 0.0), axis=0)
        wait_mean = np.sum(np.where(valid & (share > 0), share * wq, 0.0), axis=0)
        busy = np.sum(np.where(valid, np.minimum(a, c), 0.0), axis=0)
        util = busy / teams
        peak = np.max(np.where(valid, a / c, -np.inf), axis=0)
    groups, travel = [], 0.0
    for j, mass, near, far in pieces:
        w = mass / total
        g0 = t0 + near / kmh
        g1 = np.where(w > 0, t0 + far / kmh, g0 + 1.0)   # no weight: any positive width
        groups.append((w, pw[j], theta[j], g0, g1))
        travel = travel + w * 0.5 * (g0 + g1)
    n_over = flags.sum(axis=0).astype(float)
    return dict(p_wait=p_wait, wait_mean=wait_mean, travel=travel, util=util, peak=peak,
                n_over=n_over, flags=flags if flags.any() else None, groups=groups, lo=None)


def _constant(v) -> bool:
    """True if every element of ``v`` equals the first (NaN never does)."""
    v = np.asarray(v)
    return v.size == 0 or bool(np.all(v == v.flat[0]))


def _is_uniform(density) -> bool:
    """True where detected incursions are equally likely per km in every sample."""
    if len(density) < 2:
        return True
    dens = np.broadcast_arrays(*density)
    hi, lo = np.max(dens, axis=0), np.min(dens, axis=0)
    return bool(np.all(hi - lo <= 1e-12 * hi))


def overload_flags(flags, manned, line) -> dict[str, np.ndarray]:
    """{"base j (km a–b)": per sample, whether that manned base is overloaded}.

    ``flags``: (bases, samples) booleans in the layout of each sample's manned
    bases; a label names base j (1-based) of a layout of ``manned`` bases on
    ``line`` km, so samples with different layouts get different labels.
    """
    if flags is None:
        return {}
    shape = flags.shape[1:]
    bm = np.broadcast_to(manned, shape)
    ln = np.broadcast_to(line, shape)
    j, i = np.nonzero(flags)
    rows = np.unique(np.stack([j, bm[i], ln[i]]), axis=1)
    out: dict[str, np.ndarray] = {}
    for jj, b, length in rows.T:
        lo, hi = jj * length / b, (jj + 1) * length / b
        label = f"base {int(jj) + 1} (km {round(lo, 1):g}–{round(hi, 1):g})"
        hit = flags[int(jj)] & (bm == b) & (ln == length)
        out[label] = out[label] | hit if label in out else hit
    return out


def response(scenario: Scenario, d: Draws, teams, detection, sector_weights=None,
             sector_detection=None, layout=None) -> dict:
    """QRF metrics; NaN everywhere if there is no QRF.

    ``sector_weights`` (share of incursions per sector), ``sector_detection``
    (P(detect) per sector) and ``layout`` ((start_km, length_km) per sector) give
    the load per base; without them incursions are uniform along the line. Also
    returns the private entry ``_base_overload`` ({label: per sample, overloaded?},
    see :func:`overload_flags`).
    """
    nan = np.full(d.n, np.nan)
    if scenario.posture.qrf is None:
        return {**{k: nan for k in NAMES}, "_base_overload": {}}
    q = "posture.qrf"
    line = d["theatre.line_km"] + np.zeros(d.n)
    s = d[f"{q}.engagement_hours"]
    qrf = scenario.posture.qrf
    cv2 = {"exponential": 1.0, "deterministic": 0.0,
           "lognormal": d[f"{q}.engagement_cv"] ** 2}[qrf.engagement_distribution]

    lam = d["incursions.rate_per_day"] / 24.0 * detection + np.zeros(d.n)   # per hour
    teams = np.asarray(teams, dtype=float) + np.zeros(d.n)
    manned = np.minimum(d[f"{q}.bases"], teams)
    no_force = teams == 0
    kmh = d[f"{q}.speed_kmh"] / d[f"{q}.road_factor"]       # km of line per hour
    t0 = d[f"{q}.readiness_hours"] + d[f"{q}.depth_km"] / kmh + np.zeros(d.n)

    density = [1.0]
    if sector_weights is not None and len(sector_weights) > 1:
        seen = detection > 0          # no detection at all: weigh by incursions alone
        density = [w * np.where(seen, p, 1.0) / length for w, p, (_, length)
                   in zip(sector_weights, sector_detection, layout, strict=True)]

    # Only samples with a force have a queue: compute on those alone (with a
    # partly filled coalition, "no force" can be most of the samples).
    n = d.n
    live = np.flatnonzero(~no_force)
    every = live.size == n

    def sub(v):
        return v if every or np.ndim(v) == 0 else np.broadcast_to(v, (n,))[live]

    def full(v, fill):
        if every:
            return v
        out = np.full(n, fill)
        out[live] = v
        return out

    readiness = d[f"{q}.readiness_hours"]
    m = live.size
    r: dict[str, Any] = {"util": np.empty(0), "peak": np.empty(0), "n_over": np.zeros(0),
         "p_wait": np.empty(0), "wait_mean": np.empty(0), "travel": np.empty(0),
         "flags": None}
    p90 = np.full(m, np.inf)
    if m:
        # (a tuple of eight, so that layout and density follow the positional ones)
        args = (sub(lam), sub(s), sub(cv2), sub(teams), sub(manned), sub(line), sub(t0),
                sub(kmh))
        with np.errstate(all="ignore"):
            if _is_uniform(density):
                r = _uniform(*args)
            else:
                r = _general(*args, layout, [sub(v) for v in density])
        ok = r["n_over"] == 0  # an overloaded QRF has no percentile to solve for
        if ok.any():
            groups = _share(r["groups"], lambda v: np.broadcast_to(v, (m,))[ok])
            lo = None if r["lo"] is None else np.broadcast_to(r["lo"], (m,))[ok]
            arrays = [v for g in groups for v in g] + ([] if lo is None else [lo])
            if all(_constant(v) for v in arrays):
                # Every sample has the same queue and travel (a constant QRF block and
                # saturated detection are common): solve once.
                one = _share(groups, lambda v: v[:1])
                p90[ok] = _p90(one, lo=None if lo is None else lo[:1],
                               start=None if lo is None else lo[:1])[0]
            else:
                p90[ok] = _p90(groups, lo=lo, start=lo)
    overloaded = r["n_over"] > 0
    flags = r["flags"]
    if flags is not None and not every:
        wide = np.zeros((flags.shape[0], n), dtype=bool)
        wide[:, live] = flags
        flags = wide
    out = {
        "qrf_utilisation": full(r["util"], np.nan),
        "qrf_peak_load": full(r["peak"], np.nan),
        "qrf_bases_manned": manned,
        "qrf_no_force": no_force.astype(float),
        "qrf_overloaded": full(overloaded.astype(float), 0.0),
        "qrf_overloaded_bases": full(r["n_over"], 0.0),
        "qrf_wait_probability": full(np.where(overloaded, 1.0, r["p_wait"]), np.nan),
        "qrf_wait_hours_mean": full(np.where(overloaded, np.inf, r["wait_mean"]), np.inf),
        "travel_hours_mean": full(r["travel"] - sub(readiness), np.nan),
        "response_hours_mean": full(np.where(overloaded, np.inf,
                                             r["wait_mean"] + r["travel"]), np.inf),
        "response_hours_p90": full(p90, np.inf),
        "_base_overload": overload_flags(flags, manned, line),
    }
    # No incident is ever detected (no layer sees anything, or no incursions): the
    # wait and response of a detected incident are undefined, not the empty-queue
    # value; the simulation, which sees no such incident, agrees.
    unseen = (lam <= 0) & ~no_force
    if unseen.any():
        for k in ("qrf_wait_probability", "qrf_wait_hours_mean", "travel_hours_mean",
                  "response_hours_mean", "response_hours_p90"):
            out[k] = np.where(unseen, np.nan, out[k])
    return out
