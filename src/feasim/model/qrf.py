"""Quick-reaction force response: Erlang C waits and travel (model-spec §5).

Detected incidents reach each of ``B`` bases at ``λ_b = λ·P_detect / B`` per
hour; each base has ``c`` teams, each busy for an engagement of mean ``s``
hours. With offered load ``a = λ_b·s`` the probability of waiting is Erlang C,
``C(c, a)``, and the mean wait ``W_q = C·s / (c − a)`` while ``a < c``. At
``a ≥ c`` the base is *overloaded*: waits grow without bound; the model
reports this with ``qrf_overloaded = 1`` and infinite response times, never a
negative or silently capped number. A base with no team filled counts as
overloaded even when no incident is detected: it could answer none.

For non-exponential engagements the Allen–Cunneen approximation scales the
wait by ``(1 + cv²) / 2`` (``cv = 0`` deterministic); it is exact only for
exponential engagements.
"""

from __future__ import annotations

import numpy as np

from ..sampling import Draws
from ..schema import Scenario

__all__ = ["erlang_c", "mmc_wait_mean", "response"]


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


def _p90(t0, t1, groups, tol=1e-10, max_iter=60):
    """90th percentile of wait + travel, for a mixture of base groups (weight, pw, θ).

    Safeguarded Newton on the closed-form CDF: a Newton step where it stays
    inside the bracket, bisection otherwise; stops once every sample has
    converged (typically in a handful of steps). Starts from the percentile
    without waiting, ``t0 + 0.9 (t1 − t0)``, which waits can only delay.
    """
    t0 = np.asarray(t0, dtype=float) + 0.0
    t1 = np.asarray(t1, dtype=float) + 0.0
    lo = t0 + 0.9 * (t1 - t0)
    hi = t1.copy()
    for _, pw, theta in groups:
        with np.errstate(all="ignore"):
            extra = np.where(pw > 0.1, np.log(pw / 0.1) / theta, 0.0)
        hi = np.maximum(hi, t1 + extra)
    x = lo.copy()
    groups = [tuple(np.broadcast_to(np.asarray(g, dtype=float), x.shape) for g in grp)
              for grp in groups]
    groups = [g for g in groups if np.any(g[0] > 0)]  # a group of no base adds nothing
    active = np.arange(x.size)  # samples still moving: work shrinks as they converge
    for _ in range(max_iter):
        if active.size == 0:
            break
        xa, a0, a1 = x[active], t0[active], t1[active]
        cdf = dens = 0.0
        for w, pw, theta in groups:
            c, d = _sum_cdf(xa, a0, a1, pw[active], theta[active])
            cdf, dens = cdf + w[active] * c, dens + w[active] * d
        gap = cdf - 0.9
        la = np.where(gap < 0, xa, lo[active])
        ha = np.where(gap < 0, hi[active], xa)
        with np.errstate(all="ignore"):
            step = xa - gap / dens
        new = np.where((step >= la) & (step <= ha), step, 0.5 * (la + ha))
        done = (np.abs(new - xa) <= tol * np.maximum(1.0, np.abs(xa))) | (ha - la <= tol) \
            | (np.abs(gap) <= 1e-15)
        lo[active], hi[active], x[active] = la, ha, new
        active = active[~done]
    return x


def response(scenario: Scenario, d: Draws, teams, detection) -> dict:
    """QRF waits, travel and response times; NaN everywhere if there is no QRF."""
    nan = np.full(d.n, np.nan)
    names = ("qrf_utilisation", "qrf_overloaded", "qrf_wait_probability",
             "qrf_wait_hours_mean", "travel_hours_mean", "response_hours_mean",
             "response_hours_p90")
    if scenario.posture.qrf is None:
        return {k: nan for k in names}
    q = "posture.qrf"
    line = d["theatre.line_km"]
    bases = d[f"{q}.bases"]
    s = d[f"{q}.engagement_hours"]
    qrf = scenario.posture.qrf
    cv2 = {"exponential": 1.0, "deterministic": 0.0,
           "lognormal": d[f"{q}.engagement_cv"] ** 2}[qrf.engagement_distribution]

    lam = d["incursions.rate_per_day"] / 24.0 * detection          # per hour, whole line
    load = lam / bases * s                                           # erlangs per base
    teams = np.asarray(teams, dtype=float)
    low = np.floor(teams / bases)                                    # teams at most bases
    share_high = (teams - low * bases) / bases                       # bases with one more

    speed = d[f"{q}.speed_kmh"]
    rf = d[f"{q}.road_factor"]
    t0 = d[f"{q}.readiness_hours"] + d[f"{q}.depth_km"] * rf / speed + np.zeros(d.n)
    t1 = t0 + line / (2.0 * bases) * rf / speed

    groups, wait_mean, p_wait, overloaded = [], 0.0, 0.0, np.zeros(d.n, dtype=bool)
    for c, weight in ((low, 1.0 - share_high), (low + 1.0, share_high)):
        pw = erlang_c(c, load)
        wq = mmc_wait_mean(c, load, s, pw) * (1.0 + cv2) / 2.0
        # A base without a team can answer nothing, whether or not incidents come.
        over = (load >= c) & ((load > 0) | (c == 0)) & (weight > 0)
        overloaded |= over
        with np.errstate(all="ignore"):
            theta = np.where(wq > 0, pw / wq, np.inf)
        groups.append((weight, pw, theta))
        with np.errstate(all="ignore"):
            wait_mean = wait_mean + np.where(weight > 0, weight * wq, 0.0)
        p_wait = p_wait + weight * pw

    travel_mean = 0.5 * (t0 + t1) - d[f"{q}.readiness_hours"]
    with np.errstate(all="ignore"):
        util = np.where(teams > 0, lam * s / teams, np.where(lam > 0, np.inf, 0.0))
    p90 = np.full(d.n, np.inf)
    ok = ~overloaded  # an overloaded QRF has no percentile to solve for
    if ok.any():
        p90[ok] = _p90(np.broadcast_to(t0, (d.n,))[ok], np.broadcast_to(t1, (d.n,))[ok], [
            tuple(np.broadcast_to(np.asarray(g, dtype=float), (d.n,))[ok] for g in grp)
            for grp in groups])
    return {
        "qrf_utilisation": util,
        "qrf_overloaded": overloaded.astype(float),
        "qrf_wait_probability": np.where(overloaded, 1.0, p_wait),
        "qrf_wait_hours_mean": np.where(overloaded, np.inf, wait_mean),
        "travel_hours_mean": travel_mean,
        "response_hours_mean": np.where(overloaded, np.inf, wait_mean + 0.5 * (t0 + t1)),
        "response_hours_p90": p90,
    }
