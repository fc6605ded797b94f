"""Coverage and detection of incursions (docs/model.md)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from ..sampling import Draws
from ..schema import Scenario

__all__ = ["patrol_detection", "pass_detection", "coverage", "sector_layout",
           "sensor_detection", "sector_names", "sector_outputs"]

_DAY = 24.0
_TIE = 1e-12   # cells within this of the minimum count as tied (lowest hour wins)


def _g(x):
    """P(detection) for a window of x round trips of motion: 1 − (1 − x)², 1 for x ≥ 1."""
    return np.where(x < 1.0, 1.0 - (1.0 - np.minimum(x, 1.0)) ** 2, 1.0)


def _g_integral(x):
    """∫₀ˣ g(y) dy = x − (1 − (1 − min(x, 1))³)/3 (x − 1/3 for x ≥ 1)."""
    return x - (1.0 - (1.0 - np.minimum(x, 1.0)) ** 3) / 3.0


def _is_one(p) -> bool:
    return isinstance(p, (int, float)) and float(p) == 1.0


def pass_detection(x, p=1.0):
    """P(detect) for a window of ``x`` round trips of motion, each pass detecting with
    probability ``p`` independently (contract v3 §A): with x = n + ξ, q = 1 − p,
    ``1 − q^(2n)·(1 − pξ)²``; ``p = 1`` gives v2's g(x). Vectorised."""
    if _is_one(p):
        return _g(x)
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    with np.errstate(all="ignore"):
        n = np.floor(x)
        xi = x - n
        q2n = np.where(n > 0, (1.0 - p) ** (2.0 * n), 1.0)
        out = 1.0 - q2n * (1.0 - p * xi) ** 2
    return np.where(np.isinf(x), np.where(p > 0, 1.0, 0.0), out)


def _pass_integral(x, p=1.0):
    """∫₀ˣ pass_detection(y, p) dy (contract v3 §A): with c = (1 − q³)/(3p) and
    h(ξ) = (1 − (1 − pξ)³)/(3p), G(x) = x − (1 − q^(2n))/(1 − q²)·c − q^(2n)·h(ξ);
    written without cancellation, and 0 for p = 0. Vectorised."""
    if _is_one(p):
        return _g_integral(x)
    x = np.asarray(x, dtype=float)
    p = np.asarray(p, dtype=float)
    with np.errstate(all="ignore"):
        n = np.floor(x)
        xi = x - n
        q2n = np.where(n > 0, (1.0 - p) ** (2.0 * n), 1.0)
        c = (3.0 - 3.0 * p + p * p) / 3.0                          # (1 − q³)/(3p)
        hx = xi * (3.0 - 3.0 * p * xi + (p * xi) ** 2) / 3.0       # (1 − (1 − pξ)³)/(3p)
        geo = np.where(p > 0, (1.0 - q2n) / (p * (2.0 - p)), n)   # Σ_{j<n} q^(2j)
        out = x - geo * c - q2n * hx
    return np.where(p > 0, out, 0.0)


def _active_hours(t, h):
    """Duty hours in clock [0, t): teams out [24k, 24k + h) every day."""
    days = np.floor(t / _DAY)
    return days * h + np.minimum(t - days * _DAY, h)


def _kinks(tau, h):
    """Sorted kinks of M(t0) in [0, 24] (duty from midnight) and M at each (5 rows)."""
    kinks = np.sort(np.stack(np.broadcast_arrays(
        np.zeros_like(tau), h, np.mod(-tau, _DAY), np.mod(h - tau, _DAY),
        np.full_like(tau, _DAY))), axis=0)
    m = _active_hours(kinks + tau, h) - np.minimum(kinks, h)   # M at each kink (t0 ≤ 24)
    return kinks, m


def _cumulative(u, tau, trip, rho, h, p, kinks=None):
    """C(u) = ∫₀ᵘ [M(t0) > 0]·f((M(t0) + ρ)/T) dt0 for u in [0, 24] (duty from midnight).

    M(t0) = A(t0 + τ) − A(t0) is piecewise linear with slope −1, 0 or +1 between
    the kinks 0, h, −τ, h − τ (mod 24); on a sloped piece ∫ f dt0 = T·ΔG/slope
    (G the antiderivative of f in x), on a flat piece length × f(M) (0 where the
    window holds no duty hour). ``u`` broadcasts against the other arguments
    (e.g. shape (K, 1) against (n,)).
    """
    if kinks is None:
        kinks = _kinks(tau, h)
    k, m = kinks
    u = np.asarray(u, dtype=float)
    total = 0.0
    with np.errstate(all="ignore"):
        for i in range(4):
            a, b = k[i], k[i + 1]
            width = b - a
            dm = m[i + 1] - m[i]
            sloped = (np.abs(dm) > 0.5 * width) & (width > 0)
            slope = np.where(sloped, np.sign(dm), 1.0)
            end = np.clip(u, a, b)
            m_end = m[i] + slope * (end - a) * sloped
            g0 = _pass_integral((m[i] + rho) / trip, p)
            g1 = _pass_integral((m_end + rho) / trip, p)
            part_sloped = trip * (g1 - g0) / slope
            mid = 0.5 * (m[i] + m[i + 1])
            f_flat = np.where(mid > 1e-9 * (1.0 + tau), pass_detection((mid + rho) / trip, p),
                              0.0)
            part = np.where(sloped, part_sloped, (end - a) * f_flat)
            total = total + np.where(width > 0, part, 0.0)
    return total


def _part_time(tau, trip, rho, h, p=1.0):
    """Exact mean over t0 ~ U[0, 24) of P(detect | t0) (contract v2 §1, v3 §A)."""
    return _cumulative(_DAY, tau, trip, rho, h, p) / _DAY


def patrol_detection(exposure_hours, round_trip_hours, radius_hours=0.0, hours_per_day=24.0,
                     pass_probability=1.0):
    """P(a patrol team detects a uniformly placed point within a window of τ hours).

    Each point of a sub-sector is passed twice per round trip ``T``; averaged
    over the point's position, ``P = g((τ + 2r/v)/T)`` with ``g(x) = 1 − (1 − x)²``
    for ``x < 1`` and 1 for ``x ≥ 1`` (continuous patrolling, every pass detects).
    ``T = inf`` (no patrol) gives 0. A detection radius ``r`` widens the window by
    ``2r/v`` (``radius_hours`` is ``r/v``): exact for a team that searches only its
    own sub-sector, ends included.

    Per-pass probability ``p`` (``pass_probability``, contract v3 §A): each counted
    pass detects independently with probability p; with X = (τ + 2r/v)/T = n + ξ,
    ``P = 1 − (1 − p)^(2n)·(1 − pξ)²`` (p = 1 gives g).

    Part-time patrols (``hours_per_day`` h < 24, out in clock ``[24k, 24k + h)``,
    standing still and never detecting otherwise): with ``M(t0)`` the duty hours
    inside the window ``[t0, t0 + τ]``, ``P = mean over t0 ~ U[0, 24) of
    [M > 0]·P(detect | M)``, exact (contract v2 §1). Vectorised over every
    argument.
    """
    tau = np.asarray(exposure_hours, dtype=float)
    trip = np.asarray(round_trip_hours, dtype=float)
    rho = 2.0 * np.asarray(radius_hours, dtype=float)
    h = np.asarray(hours_per_day, dtype=float)
    p = pass_probability if _is_one(pass_probability) else np.asarray(pass_probability,
                                                                        dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        full = pass_detection((tau + rho) / trip, p)
    full = np.where(np.isinf(trip), 0.0, full)
    if not np.any(h < _DAY):
        return full
    tau, trip, rho, h = np.broadcast_arrays(tau, trip, rho, h)
    part = _part_time(tau + 0.0, trip, rho, h, p)
    return np.where(np.isinf(trip), 0.0, np.where(h < _DAY, part, full))


def sensor_detection(count, width_km, line_km, availability=1.0, probability=1.0,
                     placement="even"):
    """(coverage, P(detect)) of ``count`` sensors of view ``width_km`` on a line
    (contract v3 §D). ``even``: min(1, k·w/L)·a and that × p; ``random`` (independent
    uniform positions on the closed line): 1 − (1 − a·w/L)^k and 1 − (1 − a·p·w/L)^k."""
    k = np.asarray(count, dtype=float)
    frac = np.minimum(1.0, np.asarray(width_km, dtype=float) / line_km)
    if placement == "random":
        cov = 1.0 - (1.0 - availability * frac) ** k
        det = 1.0 - (1.0 - availability * probability * frac) ** k
    else:
        cov = np.minimum(1.0, k * frac) * availability
        det = cov * probability
    return cov, det


def sector_layout(scenario: Scenario, d: Draws):
    """(start_km, length_km) per sector, in line order; one sector without sectors."""
    sectors = scenario.theatre.sectors
    if not sectors:
        return [(0.0, d["theatre.line_km"])]
    out: list[tuple[Any, Any]] = []
    x: Any = 0.0
    for s in sectors:
        length = d.get(f"theatre.sectors[{s.name}].length_km", s.length_km)
        out.append((x, length))
        x = x + length
    return out


def sector_names(scenario: Scenario) -> list[str]:
    """Names of the sectors in line order (``line`` for a theatre without sectors)."""
    sectors = scenario.theatre.sectors
    return [s.name for s in sectors] if sectors else ["line"]


def _sector_weights(scenario: Scenario, d: Draws):
    """(weights, visibility) per sector; weights are threat × length, normalised."""
    sectors = scenario.theatre.sectors
    if not sectors:
        return [1.0], [1.0]
    lengths = [length for _, length in sector_layout(scenario, d)]
    raw = [d[f"theatre.sectors[{s.name}].threat"] * ln for s, ln in zip(sectors, lengths,
                                                                          strict=True)]
    total = sum(raw)
    line = sum(lengths)
    # Where every threat is zero, incursions are equally likely per km.
    weights = [np.where(total > 0, w / np.where(total > 0, total, 1.0), ln / line)
               for w, ln in zip(raw, lengths, strict=True)]
    vis = [d[f"theatre.sectors[{s.name}].visibility"] for s in sectors]
    return weights, vis


def _post_cover(scenario: Scenario, d: Draws, posts, vis) -> list:
    """Per sector: the share inside a post's radius, ``min(1, posts × 2r × visibility ÷
    line)`` (posts spread evenly over the whole line); 0 without posts."""
    zero = np.zeros(d.n)
    if not scenario.posture.observation_posts:
        return [zero] * len(vis)
    reach = posts * 2.0 * d["posture.observation_posts.radius_km"] / d["theatre.line_km"]
    return [np.minimum(1.0, reach * v) + zero for v in vis]


def _sensor_cover(scenario: Scenario, d: Draws, k_sen, vis) -> tuple[list, list]:
    """Per sector: (view width km, share watched by a working sensor) of ``k_sen`` sensors."""
    s = "posture.sensors"
    line = d["theatre.line_km"]
    width = [np.minimum(line, d[f"{s}.coverage_km_each"] * v) for v in vis]
    avail = d[f"{s}.availability"]
    sensors = scenario.posture.sensors
    assert sensors is not None
    return width, [sensor_detection(k_sen, w, line, avail, 1.0, sensors.placement)[0]
                   for w in width]


def sector_outputs(scenario: Scenario, d: Draws, posts, sensors=None
                   ) -> dict[str, dict[str, np.ndarray]]:
    """The per-sector outputs of :data:`feasim.metrics.SECTOR_METRICS`: quantity →
    sector name (line order) → one value per sample.

    ``incursion_share`` is the sector's threat × length ÷ the sum over sectors;
    ``op_coverage`` and ``sensor_coverage`` are the same per-sector values that
    :func:`coverage` weights into the line-wide metrics, for ``posts`` filled
    posts and ``sensors`` filled sensors (``None``: the posture's count).
    """
    zero = np.zeros(d.n)
    weights, vis = _sector_weights(scenario, d)
    names = sector_names(scenario)
    c_op = _post_cover(scenario, d, posts, vis)
    if scenario.posture.sensors:
        k_sen = (d["posture.sensors.count"] if sensors is None else sensors) + zero
        c_sen = _sensor_cover(scenario, d, k_sen, vis)[1]
    else:
        c_sen = [zero] * len(vis)

    def per(values) -> dict[str, np.ndarray]:
        return {n: np.broadcast_to(np.asarray(v, dtype=float), (d.n,)).copy()
                for n, v in zip(names, values, strict=True)}

    return {"incursion_share": per(weights), "op_coverage": per(c_op),
            "sensor_coverage": per(c_sen)}


def _states(scenario: Scenario, d: Draws):
    """Shared-cause states (contract v3 §E): (weight, post, patrol, sensor factors) each."""
    causes = list(scenario.shared_causes)
    if not causes:
        return [(1.0, 1.0, 1.0, 1.0)]
    out = []
    for active in itertools.product((False, True), repeat=len(causes)):
        w: Any = 1.0
        fo: Any = 1.0
        fp: Any = 1.0
        fs: Any = 1.0
        for name, on in zip(causes, active, strict=True):
            key = f"shared_causes.{name}"
            pi = d[f"{key}.probability"]
            w = w * (pi if on else 1.0 - pi)
            if on:
                fo = fo * d[f"{key}.posts"]
                fp = fp * d[f"{key}.patrols"]
                fs = fs * d[f"{key}.sensors"]
        out.append((w, fo, fp, fs))
    return out


def _night_pieces(scenario: Scenario, d: Draws):
    """Night as clock intervals within [0, 24] (at most two, after the wrap)."""
    if scenario.night is None:
        return []
    a = float(scenario.night.start_hour) % _DAY
    b = a + float(scenario.night.hours)
    return [(a, b)] if b <= _DAY else [(a, _DAY), (0.0, b - _DAY)]


def _cap(x):
    return np.minimum(1.0, x)


_HOUR_0 = np.zeros(1, dtype=int)


def _worst(grid, average, hours, n_sec: int):
    """The worst cell per sample (contract v3 §H) of a ``(len(hours) × n_sec, n)`` grid,
    row ``k·S + s`` for hour ``hours[k]`` and sector ``s``: (P(detect) there, capped by
    the average; its clock hour; its sector), the lowest hour then the lowest sector on
    ties within ``_TIE``."""
    low = grid.min(axis=0)
    first = np.argmax(grid <= low + _TIE, axis=0)
    return np.minimum(low, average), hours[first // n_sec].astype(float), first % n_sec


def _constant_in_time(out, d, weights, vis, has_pat, pass_p, miss_static, pat):
    """Detection when nothing depends on the window's start (round-the-clock patrols, no
    night, no shared cause): every hour of a sector is its average (worst hour 0)."""
    zero = np.zeros(d.n)
    st = (1.0, 1.0, 1.0, 1.0)
    sector_p, pat_avg = [], 0.0
    for i, w in enumerate(weights):
        miss = miss_static(i, False, st)
        if has_pat:
            tau, trip, radius_h = pat
            rho = 2.0 * radius_h * vis[i]
            with np.errstate(divide="ignore", invalid="ignore"):   # T = inf: x = 0, f = 0
                f = pass_detection((tau + rho) / trip, pass_p(i, False, st))
            pat_avg = f if len(weights) == 1 else pat_avg + w * f
            sector_p.append(1.0 - miss * (1.0 - f))
        else:
            sector_p.append(1.0 - miss + zero)
    if has_pat:
        out["patrol_detection_probability"] = pat_avg + zero
    if len(weights) == 1:
        out["detection_probability"] = sector_p[0] + zero
        out["detection_probability_worst"] = out["detection_probability"]
        out["detection_worst_hour"] = zero
        out["_worst_sector"] = np.zeros(d.n, dtype=np.int64)
        out["_sector_weights"] = weights
        out["_sector_detection"] = [out["detection_probability"]]
        return out
    out["detection_probability"] = sum(w * x for w, x in zip(weights, sector_p, strict=True)) \
        + zero
    grid = np.stack(np.broadcast_arrays(*sector_p, zero))[:-1]
    (out["detection_probability_worst"], out["detection_worst_hour"],
     out["_worst_sector"]) = _worst(grid, out["detection_probability"], _HOUR_0, len(weights))
    out["_sector_weights"] = weights
    out["_sector_detection"] = sector_p
    return out


def coverage(scenario: Scenario, d: Draws, posts, teams, sensors=None) -> dict:
    """Coverage of posts and sensors, patrol detection, their combination, worst case.

    ``sensors`` is the number of sensors filled (contract v3 §D; ``None``: the
    posture's count). Besides the metrics, returns private entries (not metrics)
    for the QRF load and the worst case: ``_sector_weights`` (share of incursions
    per sector, threat × length, normalised), ``_sector_detection`` (P(detect) per
    sector, averaged over the day and the shared causes) and ``_worst_sector``
    (index of the sector of the worst cell, per sample).
    """
    p = scenario.posture
    line = d["theatre.line_km"]
    tau = d["incursions.exposure_hours"]
    zero = np.zeros(d.n)
    out: dict[str, Any] = {"op_coverage": zero, "patrol_detection_probability": zero,
           "sensor_coverage": zero, "revisit_hours_mean": zero + np.nan,
           "revisit_hours_max": zero + np.nan}
    weights, vis = _sector_weights(scenario, d)
    n_sec = len(weights)
    night = scenario.night
    nf_post = d["night.posts"] if night else 1.0
    nf_pat = d["night.patrols"] if night else 1.0
    nf_sen = d["night.sensors"] if night else 1.0
    states = _states(scenario, d)

    # Geometry per sector (visibility on every layer, contract v3 §B).
    c_op = _post_cover(scenario, d, posts, vis)
    if p.observation_posts:
        out["op_coverage"] = sum(w * c for w, c in zip(weights, c_op, strict=True)) + zero
        dp_op = d["posture.observation_posts.detection_probability"]
    else:
        dp_op = 0.0

    has_pat = bool(p.patrols)
    if has_pat:
        speed = d["posture.patrols.speed_kmh"]
        with np.errstate(divide="ignore"):
            trip = np.where(teams > 0, 2.0 * line / (teams * speed), np.inf)
        radius_h = d["posture.patrols.detection_radius_km"] / speed
        h = d["posture.patrols.hours_per_day"]
        start: Any = d.get("posture.patrols.start_hour", 0.0)
        shift = float(start) % _DAY
        p_pass = d["posture.patrols.detection_probability"]
        out["revisit_hours_mean"] = np.where(teams > 0, trip / 2.0, np.nan)
        out["revisit_hours_max"] = np.where(teams > 0, trip, np.nan)
        part_time = bool(np.any(h < _DAY))

    if p.sensors:
        s = "posture.sensors"
        k_sen = (d[f"{s}.count"] if sensors is None else sensors) + zero
        width, c_sen = _sensor_cover(scenario, d, k_sen, vis)
        avail = d[f"{s}.availability"]
        dp_sen = d[f"{s}.detection_probability"]
        place = p.sensors.placement
        out["sensor_coverage"] = sum(w * c for w, c in zip(weights, c_sen, strict=True)) \
            + zero

    def miss_static(i, night_on, st):
        """P(posts and sensors both miss) in sector i, given night and cause state."""
        _, fo, _, fs = st
        miss = 1.0
        if p.observation_posts:
            miss = 1.0 - c_op[i] * _cap(dp_op * fo * (nf_post if night_on else 1.0))
        if p.sensors:
            ps = _cap(dp_sen * fs * (nf_sen if night_on else 1.0))
            if place == "even":   # P(detect) = coverage × p_s
                miss = miss * (1.0 - c_sen[i] * ps)
            else:
                miss = miss * (1.0 - sensor_detection(k_sen, width[i], line, avail, ps,
                                                      place)[1])
        return miss

    def pass_p(i, night_on, st):
        if not has_pat:
            return 1.0
        return _cap(p_pass * np.minimum(1.0, vis[i]) * st[2] * (nf_pat if night_on else 1.0))

    # Clock points: the day, night boundaries, and the hours when cells vary in t0.
    night_pieces = _night_pieces(scenario, d)
    varies = bool(night_pieces) or (has_pat and part_time)
    if not varies and len(states) == 1:
        return _constant_in_time(out, d, weights, vis, has_pat, pass_p, miss_static,
                                 (tau, trip, radius_h) if has_pat else None)
    points: Any = {0.0, _DAY}
    for a, b in night_pieces:
        points.update((a, b))
    if varies:
        points.update(float(k) for k in range(1, 24))
    points = np.array(sorted(points))
    lengths = np.diff(points)
    mids = 0.5 * (points[:-1] + points[1:])
    is_night = np.zeros(len(mids), dtype=bool)
    for a, b in night_pieces:
        is_night |= (mids >= a) & (mids < b)
    hour_of = np.floor(mids).astype(int) if varies else np.zeros(len(mids), dtype=int)

    def pat_integrals(i, pp):
        """∫ P_pat dt0 over every elementary interval, per-pass probability pp."""
        if not has_pat:
            return [0.0] * len(lengths)
        rho = 2.0 * radius_h * vis[i]
        if not part_time:   # M = τ: constant in t0
            with np.errstate(divide="ignore", invalid="ignore"):
                f = np.where(np.isinf(trip), 0.0, pass_detection((tau + rho) / trip, pp)) + zero
            return [f * ln for ln in lengths]
        tau_b, trip_b, rho_b, h_b = (np.broadcast_to(np.asarray(x, dtype=float), (d.n,))
                                     for x in (tau, trip, rho, h))
        kinks = _kinks(tau_b, h_b)
        full = _cumulative(_DAY, tau_b, trip_b, rho_b, h_b, pp, kinks)
        x = points - shift   # clock → duty-from-midnight time, in [−24, 24]
        wrap = np.floor(x / _DAY)
        c = _cumulative(np.mod(x, _DAY)[:, None], tau_b, trip_b, rho_b, h_b, pp, kinks)
        c = c + wrap[:, None] * full
        c = np.where(np.isinf(trip_b), 0.0, c)
        return list(np.diff(c, axis=0))

    sector_avg, pat_avg, cells = [], 0.0, []
    if not (has_pat and part_time):
        # Nothing varies with the window's start within a day or a night piece: a
        # piece contributes its length × the per-hour value of its night flag, so an
        # hour's cell is H[hour, flag] @ value[flag] (H: length of the hour's pieces
        # with that flag). Same sums as the piecewise loop below, without n-sized
        # arrays per piece.
        flags = sorted(set(is_night.tolist()))
        rows = 24 if varies else 1
        H = np.zeros((rows, len(flags)))
        for j, flag in enumerate(flags):
            sel = is_night == flag
            np.add.at(H[:, j], hour_of[sel], lengths[sel])
        day_len = H.sum(axis=0)
        # Hours with the same pieces have the same cells: each distinct row of H once,
        # at its first hour (the worst case below keeps the lowest hour on ties).
        hours = np.sort(np.unique(H, axis=0, return_index=True)[1]) if varies \
            else np.zeros(1, dtype=int)
        H_rows = H[hours]
        for i in range(n_sec):
            rho = 2.0 * radius_h * vis[i] if has_pat else 0.0
            u_rows, f_rows = [], []
            f: Any
            for flag in flags:
                u, f_sum = 0.0, 0.0
                for st in states:
                    if has_pat:
                        pp = pass_p(i, flag, st)
                        with np.errstate(divide="ignore", invalid="ignore"):
                            f = np.where(np.isinf(trip), 0.0,
                                         pass_detection((tau + rho) / trip, pp))
                    else:
                        f = 0.0
                    u = u + st[0] * (1.0 - miss_static(i, flag, st) * (1.0 - f))
                    f_sum = f_sum + st[0] * f
                u_rows.append(u + zero)
                f_rows.append(f_sum + zero)
            U = np.stack(u_rows)
            sector_avg.append(day_len @ U / _DAY)
            pat_avg = pat_avg + weights[i] * (day_len @ np.stack(f_rows)) / _DAY
            cells.append(H_rows @ U if varies else sector_avg[-1][None, :])
    else:
        hours = np.arange(24)
        starts = np.searchsorted(hour_of, hours)   # hours' first pieces (sorted)
        for i in range(n_sec):
            tot: Any = 0.0                      # Σ_states π × ∫ P dt0 per elementary interval
            pat_tot: Any = 0.0
            for st in states:
                wst = st[0]
                per_night = {}
                for night_on in sorted(set(is_night.tolist())):
                    pp = pass_p(i, night_on, st)
                    per_night[night_on] = (pat_integrals(i, pp), miss_static(i, night_on, st))
                parts, pparts = [], []
                for j, ln in enumerate(lengths):
                    ipat, miss = per_night[bool(is_night[j])]
                    parts.append(ln - miss * (ln - ipat[j]))
                    pparts.append(ipat[j])
                tot = tot + wst * np.stack(np.broadcast_arrays(*parts, zero))[:-1]
                pat_tot = pat_tot + wst * np.stack(np.broadcast_arrays(*pparts, zero))[:-1]
            sector_avg.append(tot.sum(axis=0) / _DAY)
            pat_avg = pat_avg + weights[i] * pat_tot.sum(axis=0) / _DAY
            # lengths of an hour's pieces sum to 1; every hour has a piece (varies)
            cells.append(np.add.reduceat(tot, starts, axis=0))

    if has_pat:
        out["patrol_detection_probability"] = pat_avg + zero
    out["detection_probability"] = sum(w * s_ for w, s_ in zip(weights, sector_avg,
                                                              strict=True)) + zero
    grid = np.stack(cells, axis=1).reshape(-1, d.n)          # (hours × sectors, n)
    (out["detection_probability_worst"], out["detection_worst_hour"],
     out["_worst_sector"]) = _worst(grid, out["detection_probability"], hours, n_sec)
    out["_sector_weights"] = weights
    out["_sector_detection"] = sector_avg if n_sec > 1 else [out["detection_probability"]]
    return out
