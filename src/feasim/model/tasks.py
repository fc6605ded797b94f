"""Troop-to-task in both directions (docs/model.md).

*Requirement*: posture → troops needed. *Achievement*: available force →
posture filled. The QRF is filled first (from reserve-role troops, then
line-role troops); observation posts, patrols and sensors are each filled in
proportion to what remains of the line force; counts are whole posts, teams and
sensors (floor). A share ``posture.surplus.patrols`` of the line troops left over
forms extra patrol teams.

Staffing by kind (contract v3 §F): persons per continuously filled position are
``force.staffing.posts`` (posts), ``.patrols`` (armed patrol crews), ``.monitors``
(patrols of ``kind: monitor``), ``.sensor_operators`` and ``.qrf``; a kind left
out takes ``force.staff_per_position`` (monitors have their own default).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..sampling import Draws
from ..schema import Scenario

__all__ = ["requirements", "achievement", "staff"]

_EPS = 1e-9  # guards floor/ceil against round-off such as 1200 / 5 = 239.99999…


def staff(scenario: Scenario, d: Draws, kind: str):
    """Persons per continuously filled position of one kind (contract v3 §F)."""
    value = d.get(f"force.staffing.{kind}")
    return d["force.staff_per_position"] if value is None else value


def _patrol_staff(scenario: Scenario, d: Draws):
    p = scenario.posture.patrols
    return staff(scenario, d, "monitors" if p is not None and p.kind == "monitor"
                 else "patrols")


def requirements(scenario: Scenario, d: Draws) -> dict[str, Any]:
    """Posts, teams, sensors and persons the desired posture needs (whole posts: ceil).

    Besides the metrics, private entries (``_…``) carry what the achievement needs
    for sensors and surplus patrols.
    """
    p = scenario.posture
    line = d["theatre.line_km"]
    zero = np.zeros(d.n)
    req: dict[str, Any] = {"observation_posts_required": zero, "op_persons": zero,
                           "patrol_teams_required": zero, "patrol_persons": zero,
                           "sensors_required": zero, "sensor_persons": zero,
                           "qrf_teams_required": zero, "qrf_persons": zero,
                           "_team_persons": np.inf, "_surplus_share": 0.0, "_sensor_operators": 0.0}
    if p.observation_posts:
        n_op = np.ceil(line / d["posture.observation_posts.spacing_km"] - _EPS) + zero
        req["observation_posts_required"] = n_op
        req["op_persons"] = n_op * d["posture.observation_posts.on_post"] \
            * staff(scenario, d, "posts")
    if p.patrols:
        teams = d["posture.patrols.teams"] + zero
        # Persons one team takes, rotation round the clock included, for h hours a day.
        per_team = (d["posture.patrols.team_size"] * _patrol_staff(scenario, d)
                    * d["posture.patrols.hours_per_day"] / 24.0) + zero
        req["patrol_teams_required"] = teams
        req["patrol_persons"] = teams * per_team
        req["_team_persons"] = per_team
        req["_surplus_share"] = d.get("posture.surplus.patrols", 0.0)
    if p.sensors:
        count = d["posture.sensors.count"] + zero
        ops = d["posture.sensors.operators_on_duty"]
        req["sensors_required"] = count
        req["sensor_persons"] = count * ops * staff(scenario, d, "sensor_operators")
        req["_sensor_operators"] = ops
    if p.qrf:
        teams = d["posture.qrf.bases"] * d["posture.qrf.teams_per_base"] + zero
        req["qrf_teams_required"] = teams
        req["qrf_persons"] = teams * d["posture.qrf.team_size"] * staff(scenario, d, "qrf")
    combat = req["op_persons"] + req["patrol_persons"] + req["sensor_persons"] \
        + req["qrf_persons"]
    in_theatre = combat / (1.0 - d["force.support_fraction"])
    req["required_combat_troops"] = combat
    req["required_in_theatre_troops"] = in_theatre
    req["required_committed_troops"] = in_theatre * d["force.rotation_multiplier"]
    return req


def _ratio(num, den, fill=np.nan):
    """num ÷ den, ``fill`` (NaN) where nothing is required (den <= 0)."""
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    out = np.full(np.broadcast_shapes(num.shape, den.shape), fill)
    np.divide(num, den, out=out, where=den > 0)
    return out


def achievement(req: dict, line_combat, reserve_combat, covering) -> dict:
    """What the available combat troops fill of the required posture.

    ``covering`` is the line- and reserve-role troops in theatre, tail included,
    compared with the in-theatre requirement in ``strength_to_requirement``.
    Sensors are filled with posts and patrols in the same proportion; sensors that
    need no operators run iff some line- or reserve-role combat troops are in
    theatre (no sensor coverage without the force that runs it). A share
    ``_surplus_share`` of the line troops left over forms extra patrol teams
    (``surplus_patrol_teams``, counted in ``patrol_teams``).
    """
    zero = np.zeros(np.shape(line_combat))
    qrf_need = req["qrf_persons"]
    from_reserve = np.minimum(qrf_need, reserve_combat)
    from_line = np.minimum(qrf_need - from_reserve, line_combat)
    qrf_filled = from_reserve + from_line
    qrf_share = _ratio(qrf_filled, qrf_need, 0.0)

    left = line_combat - from_line
    rest_need = req["op_persons"] + req["patrol_persons"] + req["sensor_persons"]
    share = np.minimum(1.0, _ratio(left, rest_need, 0.0))
    rest_filled = share * rest_need
    # Where the posture takes all that is left, nothing is (exactly zero, not round-off).
    line_left = np.where((rest_need > 0) & (share < 1), 0.0, left - rest_need)

    sensors_req = req.get("sensors_required", 0.0)
    ops = req.get("_sensor_operators", 0.0)
    if not np.any(sensors_req):
        sensors = zero
    elif np.all(ops > 0):
        sensors = np.floor(sensors_req * share + _EPS)
    else:
        force_present = (line_combat + reserve_combat) > 0
        sensors = np.where(ops > 0, np.floor(sensors_req * share + _EPS),
                           np.where(force_present, sensors_req, 0.0)) + zero

    per_team = req.get("_team_persons", np.inf)
    surplus_share = req.get("_surplus_share", 0.0)
    if np.any(surplus_share > 0):
        with np.errstate(divide="ignore", invalid="ignore"):
            extra = np.floor(surplus_share * np.maximum(line_left, 0.0) / per_team + _EPS)
        extra = np.where(np.isfinite(extra) & (surplus_share > 0), extra, 0.0) + zero
        taken = extra * np.where(np.isfinite(per_team), per_team, 0.0)
        line_left = line_left - taken
    else:
        extra = zero
    patrols = np.floor(req["patrol_teams_required"] * share + _EPS)

    return {
        "qrf_teams": np.floor(req["qrf_teams_required"] * qrf_share + _EPS),
        "observation_posts": np.floor(req["observation_posts_required"] * share + _EPS),
        "patrol_teams": patrols + extra if extra is not zero else patrols,
        "sensors": sensors,
        "surplus_patrol_teams": extra,
        "fill_ratio": _ratio(qrf_filled + rest_filled, req["required_combat_troops"]),
        "strength_to_requirement": _ratio(covering, req["required_in_theatre_troops"]),
        "unassigned_combat_troops": line_left + (reserve_combat - from_reserve),
    }
