"""The named outputs shared by the analytic model and the simulation.

One vocabulary: each metric has a name, a unit, a group (for tables) and a
one-line meaning. Criteria in scenario files refer to these names.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Metric", "METRICS", "GROUPS", "SERIES_UNITS", "SECTOR_METRICS", "needs_block"]


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    group: str
    description: str
    needs: str | None = None  # scenario block the metric needs, e.g. "posture.qrf"


GROUPS = (
    "Force generation",
    "Troop-to-task",
    "Coverage and detection",
    "Response (QRF)",
    "Force ratio",
    "Sustainability and cost",
)

_F, _T, _C, _R, _X, _S = GROUPS

_LIST = [
    Metric("pledged_troops", "persons", _F, "sum of all pledges as written, honoured or not"),
    Metric("honoured_troops", "persons", _F, "pledges whose conditions held and that were honoured"),
    Metric("contributors_honoured", "count", _F, "contributors whose pledge was honoured"),
    Metric("in_theatre_troops", "persons", _F, "troops in theatre at the assessment day"),
    Metric("committed_troops", "persons", _F, "total force contributors must generate, rotation included"),
    Metric("line_combat_troops", "persons", _F, "combat element of line-role contributors in theatre"),
    Metric("reserve_combat_troops", "persons", _F, "combat element of reserve-role contributors in theatre"),
    Metric("off_line_troops", "persons", _F, "in theatre in rear, training, air or maritime roles"),
    Metric("troops_per_km", "persons/km", _F, "in-theatre troops ÷ line length"),
    Metric("required_combat_troops", "persons", _T, "combat troops the posture needs in theatre"),
    Metric("required_in_theatre_troops", "persons", _T, "posture requirement plus tail, in theatre"),
    Metric("required_committed_troops", "persons", _T, "in-theatre requirement × rotation multiplier"),
    Metric("strength_to_requirement", "ratio", _T, "line and reserve troops in theatre (tail included) ÷ required in-theatre troops"),
    Metric("fill_ratio", "fraction", _T, "share of the posture's combat requirement actually filled"),
    Metric("unassigned_combat_troops", "persons", _T, "line and reserve combat troops left over after filling the posture"),
    Metric("observation_posts_required", "posts", _T, "observation posts the posture asks for"),
    Metric("observation_posts", "posts", _T, "observation posts filled (whole posts)"),
    Metric("patrol_teams_required", "teams", _T, "patrol teams the posture asks for"),
    Metric("patrol_teams", "teams", _T, "patrol teams filled (whole teams)"),
    Metric("sensors_required", "sensors", _T, "sensors the posture asks for"),
    Metric("sensors", "sensors", _T, "sensors running (filled with posts and patrols; none without a force to run them)"),
    Metric("sensor_persons", "persons", _T, "operators and maintainers the posture's sensors need in theatre (combat element)"),
    Metric("surplus_patrol_teams", "teams", _T, "extra patrol teams formed from leftover line troops (posture.surplus.patrols)"),
    Metric("qrf_teams_required", "teams", _T, "QRF teams the posture asks for"),
    Metric("qrf_teams", "teams", _T, "QRF teams filled (whole teams)"),
    Metric("op_coverage", "fraction", _C, "threat-weighted share of the line inside a post's radius"),
    Metric("patrol_detection_probability", "probability", _C, "P(a patrol passes an incursion inside its window)"),
    Metric("sensor_coverage", "fraction", _C, "share of the line watched by a working sensor"),
    Metric("detection_probability", "probability", _C, "P(an incursion is detected), posts, patrols and sensors combined"),
    Metric("detection_probability_worst", "probability", _C, "P(detected) in the sector and clock hour where it is lowest: the adversary's choice"),
    Metric("detection_worst_hour", "hours", _C, "clock hour (0-23) at whose start the worst-case detection is found"),
    Metric("revisit_hours_mean", "hours", _C, "mean gap between patrol passes at a point, while patrolling", "posture.patrols"),
    Metric("revisit_hours_max", "hours", _C, "longest gap between patrol passes at a point, while patrolling", "posture.patrols"),
    Metric("qrf_utilisation", "fraction", _R, "busy team-hours ÷ available team-hours over the manned bases (at most 1; NaN with no team)", "posture.qrf"),
    Metric("qrf_peak_load", "ratio", _R, "offered work per team at the busiest manned base (>= 1: that base is overloaded)", "posture.qrf"),
    Metric("qrf_bases_manned", "bases", _R, "bases with at least one QRF team (fewer teams than bases: fewer bases manned)", "posture.qrf"),
    Metric("qrf_no_force", "probability", _R, "1 where no QRF team is filled: nobody responds (not an overload)", "posture.qrf"),
    Metric("qrf_overloaded", "probability", _R, "1 where some manned base gets work faster than it can clear it", "posture.qrf"),
    Metric("qrf_overloaded_bases", "bases", _R, "manned bases that get work faster than they can clear it", "posture.qrf"),
    Metric("qrf_wait_probability", "probability", _R, "P(a detected incident waits for a free team) (Erlang C)", "posture.qrf"),
    Metric("qrf_wait_hours_mean", "hours", _R, "mean wait for a free team", "posture.qrf"),
    Metric("travel_hours_mean", "hours", _R, "mean travel time from the nearest base", "posture.qrf"),
    Metric("response_hours_mean", "hours", _R, "mean of wait + readiness + travel", "posture.qrf"),
    Metric("response_hours_p90", "hours", _R, "90th percentile of wait + readiness + travel", "posture.qrf"),
    Metric("global_force_ratio", "ratio", _X, "adversary line force ÷ defender line force", "adversary"),
    Metric("local_force_ratio", "ratio", _X, "adversary massed force ÷ defenders in the attacked sector, with the reinforcements that reach it within adversary.breakthrough_hours", "adversary"),
    Metric("breakthrough_margin", "ratio", _X, "local force ratio ÷ breakthrough threshold (>= 1: at or above a disputed rule of thumb)", "adversary"),
    Metric("lanchester_attacker_wins", "probability", _X, "1 where the square law (with reinforcement over time, given reserves) lets the attacker prevail", "adversary"),
    Metric("lanchester_attacker_survivors", "persons", _X, "attackers left by the square law in the attacked sector", "adversary"),
    Metric("lanchester_defender_survivors", "persons", _X, "defenders left by the square law in the attacked sector", "adversary"),
    Metric("tripwire_troops_exposed", "persons", _X, "coalition troops on the line in the attacked sector (reserves excluded)", "adversary"),
    Metric("reserve_troops", "persons", _X, "mobile reserve: host reserve_fraction plus coalition combat troops the posture leaves unassigned (0 without a reserves block)", "adversary"),
    Metric("reinforcement_troops", "persons", _X, "reserve troops that reach the attacked sector within adversary.breakthrough_hours", "adversary"),
    Metric("defenders_at_attack_troops", "persons", _X, "defenders in the attacked sector plus the reinforcements that reach it in time", "adversary"),
    Metric("sustainable_in_theatre_troops", "persons", _S, "largest force the contributors can keep in theatre over commitment.years (a contributor without a pool counts its pledge as written)"),
    Metric("pledge_shortfall_troops", "persons", _S, "pledged in-theatre troops beyond what their contributors can sustain over the commitment (0: every pledge sustainable; never negative)"),
    Metric("national_share_committed_max", "fraction", _S, "largest share of one contributor's land force that its pledge ties down, rotation included (NaN: no contributor has a pool)"),
    Metric("pledge_sustainable_years_min", "years", _S, "years the least sustainable pledge can be held (inf: indefinitely; 0: more than its deployable force)"),
    Metric("requirement_national_share_max", "fraction", _S, "largest share of one contributor's land force the posture's in-theatre requirement would tie down, split in proportion to the pledges (NaN: no contributor has a pool)"),
    Metric("cost_per_year_usd", "USD/year", _S, "cost of the honoured troops' expected troop-years and the running sensors, per year of the commitment"),
    Metric("cost_total_usd", "USD", _S, "cost over the whole commitment (commitment.years)"),
    Metric("cost_per_km_year_usd", "USD/km/year", _S, "cost per year ÷ line length"),
    Metric("detection_per_billion_usd_year", "probability per $bn/year", _S, "detection probability ÷ cost per year in billions of US dollars (NaN at no cost)"),
]

METRICS: dict[str, Metric] = {m.name: m for m in _LIST}


def needs_block(name: str) -> str | None:
    """The scenario block a metric needs (``None`` if it is always defined)."""
    return METRICS[name].needs


#: Per-sector outputs (``Result.by_sector``: quantity → sector name → one value per sample
#: or replication), in line order; a theatre without sectors has one sector, ``line``.
#: The line-wide metric of the same name is their combination weighted by
#: ``incursion_share``.
SECTOR_METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("incursion_share", "fraction", _C, "share of incursions that fall in the sector (threat × length, normalised)"),
    Metric("op_coverage", "fraction", _C, "share of the sector inside a post's radius (posts spread evenly over the whole line; 0 without posts)"),
    Metric("sensor_coverage", "fraction", _C, "share of the sector watched by a working sensor (0 without sensors)"),
]}

#: Daily time series of the simulation (replication × day) and their units.
SERIES_UNITS = {
    "in_theatre_troops": "persons",
    "fill_ratio": "fraction",
    "incursions": "per day",
    "detections": "per day",
    "qrf_utilisation": "ratio",
}
