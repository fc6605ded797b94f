"""Reserves and time at the point of attack: who reaches the attacked sector, and when.

The static local ratio of v1 spreads every defender evenly along the line and
holds nothing back, so it restates its own assumption. Here part of the
defence is a mobile reserve (the host's ``reserve_fraction`` of its troops, and
the coalition's combat troops that the posture leaves unassigned), held
``depth_km`` behind the line and moving at ``speed_kmh`` on roads
``road_factor`` longer than the straight line once alerted. It is alerted
``alert_hours`` after the attack starts, or ``warning_hours`` earlier when the
build-up is detected (with the line's detection probability).

Placement ``spread``: the reserve is spread evenly along the line; the part
within along-line distance x of the attacked sector (x ≤ L/2 on each side)
arrives at ``t_alert + (depth + x) × road_factor / speed``, so reinforcements
arrive at a constant rate between ``t₁ = t_alert + depth × rf / v`` and
``t₂ = t₁ + (L/2) × rf / v``. Placement ``central``: the whole reserve waits at
one place ``depth_km`` behind the attacked sector's centre and arrives at once,
at ``t₁``. Reserves that arrive before the attack (a warning longer than the
move) are in the sector when it starts.

The fight in the sector is Lanchester's square law with reinforcement,
``dA/dt = −e·k·D``, ``dD/dt = −k·A + r(t)``, to the finish. With ``r``
constant on a piece, ``A − r/k`` and ``D`` follow hyperbolic functions of
``ω t`` (``ω = k√e``), so each piece, its end and the first side to reach zero
have closed forms (:func:`fight`), vectorised over samples; the tests check them
against ``scipy.integrate.solve_ivp``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["arrival_window", "arrived_by", "fight", "square_piece"]


def arrival_window(alert_hours, depth_km, line_km, speed_kmh, road_factor, placement: str):
    """``(t₁, t₂)``: hours after the attack's start when reinforcements begin and finish
    arriving (``t₂ == t₁`` for a central reserve, which arrives at once)."""
    alert = np.asarray(alert_hours, dtype=float)
    pace = np.asarray(road_factor, dtype=float) / np.asarray(speed_kmh, dtype=float)
    t1 = alert + np.asarray(depth_km, dtype=float) * pace
    if placement == "central":
        return t1, t1
    return t1, t1 + 0.5 * np.asarray(line_km, dtype=float) * pace


def arrived_by(t, reserve, t1, t2):
    """Reserve troops (persons) in the attacked sector by ``t`` hours after the attack starts."""
    t, t1, t2 = (np.asarray(a, dtype=float) for a in (t, t1, t2))
    width = t2 - t1
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(width > 0, (t - t1) / np.where(width > 0, width, 1.0),
                        np.where(t >= t1, 1.0, 0.0))
    return np.asarray(reserve, dtype=float) * np.clip(frac, 0.0, 1.0)


def _first_zero_a(a0, d0, ks, a_star, omega):
    """Hours until A = A* + a₀ cosh ωt − √e D₀ sinh ωt first reaches 0 (inf if never).

    With E = e^{ωt}: ((a₀ − √e D₀)/2) E² + A* E + (a₀ + √e D₀)/2 = 0; the
    smallest root E ≥ 1 gives t = ln(E)/ω.
    """
    alpha = 0.5 * (a0 - ks * d0)
    beta = a_star
    gamma = 0.5 * (a0 + ks * d0)
    with np.errstate(all="ignore"):
        disc = beta * beta - 4.0 * alpha * gamma
        root = np.sqrt(np.maximum(disc, 0.0))
        # Two roots of the quadratic, written to avoid cancellation.
        q = -0.5 * (beta + np.copysign(root, beta + (beta == 0)))
        e1 = np.where(alpha != 0, q / alpha, np.where(beta != 0, -gamma / beta, np.nan))
        e2 = np.where(q != 0, gamma / q, np.nan)
        ok1 = (disc >= 0) & (e1 >= 1.0) & np.isfinite(e1)
        ok2 = (disc >= 0) & (e2 >= 1.0) & np.isfinite(e2)
        e = np.where(ok1 & ok2, np.minimum(e1, e2), np.where(ok1, e1, np.where(ok2, e2, np.nan)))
        return np.where(np.isfinite(e), np.log(e) / omega, np.inf)


def _first_zero_d(a0, d0, ks, omega):
    """Hours until D = D₀ cosh ωt − (a₀/√e) sinh ωt first reaches 0 (inf if never)."""
    with np.errstate(all="ignore"):
        x = ks * d0 / a0
        return np.where((a0 > 0) & (x < 1.0), np.arctanh(np.clip(x, 0.0, 1.0)) / omega,
                        np.where(d0 <= 0, 0.0, np.inf))


def square_piece(a, d, e, k, rate, hours):
    """Advance the square-law fight with constant reinforcement ``rate`` (persons/hour)
    for ``hours``, or until one side is annihilated.

    Returns ``(a, d, over)``: strengths at the piece's end (or when a side reached 0),
    and True where the fight ended inside the piece.
    """
    a, d, e, k, rate, hours = np.broadcast_arrays(*(np.asarray(x, dtype=float)
                                                    for x in (a, d, e, k, rate, hours)))
    ks = np.sqrt(e)
    omega = k * ks
    a_star = rate / k
    a0 = a - a_star
    t_a = _first_zero_a(a0, d, ks, a_star, omega)
    t_d = _first_zero_d(a0, d, ks, omega)
    t_end = np.minimum(np.minimum(t_a, t_d), hours)
    with np.errstate(all="ignore"):
        ch, sh = np.cosh(omega * t_end), np.sinh(omega * t_end)
        a_new = a_star + a0 * ch - ks * d * sh
        d_new = d * ch - a0 / ks * sh
    over = (t_a <= hours) | (t_d <= hours)
    a_new = np.where(t_a <= t_end, 0.0, np.maximum(a_new, 0.0))
    d_new = np.where((t_d <= t_end) & ~(t_a <= t_end), 0.0, np.maximum(d_new, 0.0))
    # Where t_a is hours (no finite crossing inside): both alive; cosh of huge
    # arguments overflows only for pieces far longer than the fight, handled by t_end.
    a_new = np.where(hours <= 0, a, a_new)
    d_new = np.where(hours <= 0, d, d_new)
    return a_new, d_new, over & (hours > 0)


def fight(attackers, defenders, effectiveness, attrition_per_hour, reserve, t1, t2):
    """Square-law fight to the finish in the attacked sector, with the reserve arriving
    over ``[t₁, t₂]`` hours after the attack starts (at once at ``t₁`` if equal).

    Reserves due before the attack are added to ``defenders`` at the start.
    Returns ``(attacker_wins, attacker_survivors, defender_survivors)``.
    """
    a, d0, e, k, r, t1, t2 = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (
        attackers, defenders, effectiveness, attrition_per_hour, reserve, t1, t2)))
    early = arrived_by(0.0, r, t1, t2)               # due before the attack
    d = d0 + early
    left = r - early                                 # still to come after t = 0
    start = np.maximum(t1, 0.0)
    end = np.maximum(t2, 0.0)
    width = end - start
    zero = np.zeros_like(a)
    # 1. Until the first reserves arrive: no reinforcement.
    a, d, over = square_piece(a, d, e, k, zero, start)
    # 2. Arrivals: at a constant rate, or all at once.
    alive = ~over
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(width > 0, left / np.where(width > 0, width, 1.0), 0.0)
    impulse = alive & (width <= 0)
    d = np.where(impulse, d + left, d)
    a2, d2, over2 = square_piece(a, d, e, k, np.where(alive, rate, 0.0), np.where(alive, width, 0.0))
    a, d = np.where(alive, a2, a), np.where(alive, d2, d)
    # 3. The rest: no reinforcement; the square law's invariant decides.
    kk = a * a - e * d * d
    wins = kk > 0
    a_left = np.where(wins, np.sqrt(np.maximum(kk, 0.0)), 0.0)
    d_left = np.where(wins, 0.0, np.sqrt(np.maximum(-kk / e, 0.0)))
    return wins, a_left, d_left
