"""Force ratios, the Lanchester square law and tripwire exposure (model-spec §6)."""

from __future__ import annotations

import numpy as np

from ..sampling import Draws
from ..schema import Scenario

__all__ = ["lanchester_square", "force_ratios"]


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


def force_ratios(scenario: Scenario, d: Draws, coalition_line, conditions) -> dict:
    """Global and local ratios, breakthrough margin, square law, tripwire exposure."""
    names = ("global_force_ratio", "local_force_ratio", "breakthrough_margin",
             "lanchester_attacker_wins", "lanchester_attacker_survivors",
             "lanchester_defender_survivors", "tripwire_troops_exposed")
    if scenario.adversary is None:
        return {k: np.full(d.n, np.nan) for k in names}
    zero = np.zeros(d.n)
    line = d["theatre.line_km"]
    width = d["adversary.attack_sector_km"]
    adv_line = d["adversary.troops"] * d["adversary.line_fraction"] + zero
    host = scenario.host
    host_line = d["host.troops"] * d["host.line_fraction"] if host else 0.0
    defenders = host_line + coalition_line
    in_sector = defenders * width / line
    massed = adv_line * d["adversary.massed_share"]

    e = d["host.effectiveness"] + zero if host else zero + 1.0
    if host and host.air_support_condition:
        e = np.where(conditions[host.air_support_condition],
                     e * d["host.air_support_multiplier"], e)
    wins, a_left, d_left = lanchester_square(massed, in_sector, e)
    local = _div(massed, in_sector)
    return {
        "global_force_ratio": _div(adv_line, defenders),
        "local_force_ratio": local,
        "breakthrough_margin": local / d["adversary.breakthrough_ratio"],
        "lanchester_attacker_wins": wins.astype(float),
        "lanchester_attacker_survivors": a_left,
        "lanchester_defender_survivors": d_left,
        "tripwire_troops_exposed": coalition_line * width / line + zero,
    }
