"""Troop-to-task in both directions (model-spec §3).

*Requirement*: posture → troops needed. *Achievement*: available force →
posture filled. The QRF is filled first (from reserve-role troops, then
line-role troops); observation posts and patrols are each filled in proportion
to what remains of the line force; counts are whole posts and teams (floor).
"""

from __future__ import annotations

import numpy as np

from ..sampling import Draws
from ..schema import Scenario

__all__ = ["requirements", "achievement"]

_EPS = 1e-9  # guards floor/ceil against round-off such as 1200 / 5 = 239.99999…


def requirements(scenario: Scenario, d: Draws) -> dict:
    """Posts, teams and persons the desired posture needs (whole posts: ceil)."""
    p = scenario.posture
    line = d["theatre.line_km"]
    staff = d["force.staff_per_position"]
    zero = np.zeros(d.n)
    req = {"observation_posts_required": zero, "op_persons": zero,
           "patrol_teams_required": zero, "patrol_persons": zero,
           "qrf_teams_required": zero, "qrf_persons": zero}
    if p.observation_posts:
        n_op = np.ceil(line / d["posture.observation_posts.spacing_km"] - _EPS) + zero
        req["observation_posts_required"] = n_op
        req["op_persons"] = n_op * d["posture.observation_posts.on_post"] * staff
    if p.patrols:
        teams = d["posture.patrols.teams"] + zero
        req["patrol_teams_required"] = teams
        req["patrol_persons"] = (teams * d["posture.patrols.team_size"] * staff
                                 * d["posture.patrols.hours_per_day"] / 24.0)
    if p.qrf:
        teams = d["posture.qrf.bases"] * d["posture.qrf.teams_per_base"] + zero
        req["qrf_teams_required"] = teams
        req["qrf_persons"] = teams * d["posture.qrf.team_size"] * staff
    combat = req["op_persons"] + req["patrol_persons"] + req["qrf_persons"]
    in_theatre = combat / (1.0 - d["force.support_fraction"])
    req["required_combat_troops"] = combat
    req["required_in_theatre_troops"] = in_theatre
    req["required_committed_troops"] = in_theatre * d["force.rotation_multiplier"]
    return req


def _ratio(num, den):
    """num ÷ den, NaN where nothing is required (0 ÷ 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def achievement(req: dict, line_combat, reserve_combat, covering) -> dict:
    """What the available combat troops fill of the required posture.

    ``covering`` is the line- and reserve-role troops in theatre, tail included,
    compared with the in-theatre requirement in ``strength_to_requirement``.
    """
    qrf_need = req["qrf_persons"]
    from_reserve = np.minimum(qrf_need, reserve_combat)
    from_line = np.minimum(qrf_need - from_reserve, line_combat)
    qrf_filled = from_reserve + from_line
    qrf_share = np.where(qrf_need > 0, _ratio(qrf_filled, qrf_need), 0.0)

    left = line_combat - from_line
    rest_need = req["op_persons"] + req["patrol_persons"]
    share = np.where(rest_need > 0, np.minimum(1.0, _ratio(left, rest_need)), 0.0)
    rest_filled = share * rest_need

    return {
        "qrf_teams": np.floor(req["qrf_teams_required"] * qrf_share + _EPS),
        "observation_posts": np.floor(req["observation_posts_required"] * share + _EPS),
        "patrol_teams": np.floor(req["patrol_teams_required"] * share + _EPS),
        "fill_ratio": _ratio(qrf_filled + rest_filled, req["required_combat_troops"]),
        "strength_to_requirement": _ratio(covering, req["required_in_theatre_troops"]),
        # Where the posture takes all that is left, nothing is (exactly zero, not round-off).
        "unassigned_combat_troops": np.where((rest_need > 0) & (share < 1), 0.0,
                                             left - rest_need)
        + (reserve_combat - from_reserve),
    }
