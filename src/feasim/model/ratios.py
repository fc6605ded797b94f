"""Force ratios, the Lanchester square law and tripwire exposure (docs/model.md)."""

from __future__ import annotations

import numpy as np

from ..sampling import WARNING_EVENT, Draws
from ..schema import Reserves, Scenario
from .reserves import arrival_window, arrived_by, fight

__all__ = ["lanchester_square", "force_ratios", "RATIO_METRICS"]

RATIO_METRICS = ("global_force_ratio", "local_force_ratio", "breakthrough_margin",
                 "lanchester_attacker_wins", "lanchester_attacker_survivors",
                 "lanchester_defender_survivors", "tripwire_troops_exposed",
                 "reserve_troops", "reinforcement_troops", "defenders_at_attack_troops")


def lanchester_square(attackers, defenders, effectiveness):
    """Square-law outcome of a fight to the finish.

    The attacker prevails iff ``A₀² > e·D₀²``; survivors are
    ``√(A₀² − e·D₀²)`` attackers, or ``√(D₀² − A₀²/e)`` defenders. The
    invariant ``A² − e·D²`` is the same before and after.
    Returns ``(attacker_wins, attacker_survivors, defender_survivors)``.
    """
    a = np.asarray(attackers, dtype=float)
    dd = np.asarray(defenders, dtype=float)
    e = np.asarray(effectiveness, dtype=float)
    k = a**2 - e * dd**2
    wins = k > 0
    a_left = np.where(wins, np.sqrt(np.maximum(k, 0.0)), 0.0)
    d_left = np.where(wins, 0.0, np.sqrt(np.maximum(-k / e, 0.0)))
    return wins, a_left, d_left


def _div(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0),
                        np.where(num > 0, np.inf, np.nan))


def force_ratios(scenario: Scenario, d: Draws, coalition_line, conditions,
                 reserve_combat=0.0, unassigned=0.0, detection=0.0) -> dict:
    """Global and local ratios, breakthrough margin, square law, tripwire exposure.

    Without a ``reserves`` block (v1): every defender is on the line at uniform
    density and the fight is the square law without reinforcement. With one, the
    host's ``reserve_fraction`` and the coalition's unassigned combat troops
    (``unassigned``) form a mobile reserve that reaches the attacked sector over
    time (:mod:`feasim.model.reserves`); the local ratio counts what arrives within
    ``adversary.breakthrough_hours`` and the fight counts every arrival.
    """
    if scenario.adversary is None:
        return {k: np.full(d.n, np.nan) for k in RATIO_METRICS}
    zero = np.zeros(d.n)
    line = d["theatre.line_km"]
    width = d["adversary.attack_sector_km"]
    adv_line = d["adversary.troops"] * d["adversary.line_fraction"] + zero
    host = scenario.host
    host_line = d["host.troops"] * d["host.line_fraction"] if host else 0.0
    massed = adv_line * d["adversary.massed_share"]
    e = d["host.effectiveness"] + zero if host else zero + 1.0
    if host and host.air_support_condition:
        e = np.where(conditions[host.air_support_condition],
                     e * d["host.air_support_multiplier"], e)
    reserves = scenario.reserves
    if reserves is None:
        coalition = coalition_line + zero
        in_sector = (host_line + coalition) * width / line
        wins, a_left, d_left = lanchester_square(massed, in_sector, e)
        reserve = reinforcement = zero
        defenders = host_line + coalition
    else:
        coalition = coalition_line + reserve_combat - unassigned + zero
        in_sector = (host_line + coalition) * width / line
        reserve = (d["host.troops"] * d["host.reserve_fraction"] if host else 0.0) \
            + unassigned + zero
        t1, t2 = _arrival(reserves, d, detection)
        reinforcement = arrived_by(d["adversary.breakthrough_hours"], reserve, t1, t2)
        wins, a_left, d_left = fight(massed, in_sector, e, d["adversary.attrition_per_hour"],
                                     reserve, t1, t2)
        defenders = host_line + coalition + reserve
    at_attack = in_sector + reinforcement
    local = _div(massed, at_attack)
    return {
        "global_force_ratio": _div(adv_line, defenders),
        "local_force_ratio": local,
        "breakthrough_margin": local / d["adversary.breakthrough_ratio"],
        "lanchester_attacker_wins": wins.astype(float),
        "lanchester_attacker_survivors": a_left,
        "lanchester_defender_survivors": d_left,
        "tripwire_troops_exposed": coalition * width / line,
        "reserve_troops": reserve,
        "reinforcement_troops": reinforcement,
        "defenders_at_attack_troops": at_attack,
    }


def _arrival(reserves: Reserves, d: Draws, detection):
    """(t₁, t₂) of the reserves' arrival; warned where the build-up is detected."""
    r = "reserves"
    alert = d[f"{r}.alert_hours"] + np.zeros(d.n)
    warning = d["adversary.warning_hours"]
    event = d.events.get(WARNING_EVENT)
    if event is not None:
        warned = event < np.asarray(detection, dtype=float)
        alert = alert - np.where(warned, warning, 0.0)
    return arrival_window(alert, d[f"{r}.depth_km"], d["theatre.line_km"], d[f"{r}.speed_kmh"],
                          d[f"{r}.road_factor"], reserves.placement)
