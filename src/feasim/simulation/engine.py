"""One replication of the SimPy simulation (docs/model.md).

What is known before the clock starts is computed before it starts: the force
flow (:mod:`.forceflow`) and, from it, the posture filled at every moment, the
patrols' layouts and the QRF's staffing. So are the incursions: Poisson
arrivals, positions and detection by posts, sensors and patrols do not depend
on the QRF, and are computed with NumPy for all incursions at once. The SimPy
event loop then carries only what interacts: detected incidents meeting QRF
teams, engagements, and posture changes.

Queues: each manned base has a number of teams and a FIFO queue of its own (a
:class:`collections.deque`); an incident takes a free team of its base at
once or waits at the back of the queue; a team that finishes takes the head
of the queue. Capacity changes (force changes) are a number to set, not
blocking requests; SimPy's ``PriorityResource`` is not used because it sorts
its whole queue on every request, which made an overloaded QRF ten times
slower than raw SimPy. Each incident costs two SimPy events (its detection
and its engagement's end), scheduled as timeouts with callbacks.

Contract v2 in brief (see docs/simulation.md):

* Grid phases: posts, sensors and patrol sub-sectors are evenly spaced grids,
  each with its own uniformly random phase per replication (and per layout
  change), on a line treated as closed (mod ``L``). QRF bases are not
  randomised.
* QRF staffing: with ``Q`` teams filled and ``B`` bases requested, ``B_m =
  min(B, Q)`` bases are manned, laid out evenly (catchment ``j = [jL/B_m,
  (j+1)L/B_m)``, base at its centre); each gets ``Q // B_m`` teams and the
  ``Q mod B_m`` bases with the largest share ``w_j`` of detected incursions one
  more (ties: lower index). An incident goes to the base of the catchment it
  falls in, in the layout in force when it is detected; incidents waiting when
  the layout changes are sent to the new layout's bases, in their order.

Contract v3 in brief: every look (post, covering sensor, counted patrol pass) has
its detection probability × the night factor of the window's start hour × the
factors of the shared causes active on its start day (one draw per cause and
day), capped at 1; visibility scales post radius, sensor view, patrol radius and
(capped at 1) the patrol's per-pass probability. The sensors running are the
filled count; ``placement: random`` puts them at uniform positions drawn per
replication, each covering one an independent chance. Surplus patrol teams join
the layout. See :mod:`.patrols` for passes.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy
from simpy.events import Timeout

from ..model.force import condition_states, honoured
from ..model.pools import COST_INPUTS, sustainability, troop_cost
from ..model.tasks import achievement, requirements
from ..sampling import Draws, draw
from ..schema import Scenario
from .forceflow import ContributorFlow, change_times, contributor_flows, strength_at, warmup_days
from .patrols import (
    PatrolLayout,
    _pieces,
    draw_first_success,
    duty_hours,
    first_pass,
    pass_detection,
)

__all__ = ["Replication", "Posture", "Base", "run_replication"]


def _scalar(x) -> float:
    return float(np.asarray(x, dtype=float).ravel()[0])


@dataclass
class Posture:
    """Posture filled from clock ``start`` (hours) on."""

    start: float
    in_theatre: float          # persons
    line: float                # line-role combat troops (tail removed), persons
    reserve: float             # reserve-role combat troops, persons
    off_line: float            # other roles, persons
    posts: int
    patrol_teams: int          # filled teams plus surplus teams (contract v3 §G)
    qrf_teams: int
    fill_ratio: float
    strength_to_requirement: float
    unassigned: float          # persons
    sensors: int = 0           # sensors running (filled, contract v3 §D)
    surplus_teams: int = 0     # extra patrol teams from leftover line troops
    bases_manned: int = 0
    teams_at: tuple[int, ...] = ()       # teams at each manned base
    rate_at: tuple[float, ...] = ()      # expected detected incidents per hour at each base
    p_detect: float = 0.0                # expected detection probability, whole line


@dataclass(frozen=True)
class Base:
    """A manned QRF base: ``index`` (0-based) of ``of`` bases laid out evenly."""

    of: int
    index: int
    lo_km: float
    hi_km: float

    @property
    def centre_km(self) -> float:
        return 0.5 * (self.lo_km + self.hi_km)

    @property
    def label(self) -> str:
        return f"base {self.index + 1} (km {round(self.lo_km, 1):g}–{round(self.hi_km, 1):g})"


@dataclass
class Replication:
    """Raw outcome of one replication: per-incursion records and the posture timeline.

    Arrays over incursions are in arrival order.
    """

    index: int
    horizon_hours: float
    warmup_hours: float
    postures: list[Posture]
    flows: list[ContributorFlow]
    layouts: list[PatrolLayout] = field(default_factory=list)
    arrivals: np.ndarray = field(default_factory=lambda: np.empty(0))   # hours
    positions: np.ndarray = field(default_factory=lambda: np.empty(0))  # km along the line
    detected_at: np.ndarray = field(default_factory=lambda: np.empty(0))  # hours, inf if never
    by_post: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    by_sensor: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    by_patrol: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    in_post_radius: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    in_sensor_view: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    sector_of: np.ndarray = field(default_factory=lambda: np.empty(0, int))  # sector index
    sector_names: tuple[str, ...] = ("line",)
    # QRF, over incursions (NaN / inf / -1 where not detected or never served):
    granted_at: np.ndarray = field(default_factory=lambda: np.empty(0))   # hours, inf if never
    travel: np.ndarray = field(default_factory=lambda: np.empty(0))       # hours, no readiness
    service: np.ndarray = field(default_factory=lambda: np.empty(0))      # engagement hours
    base_of: np.ndarray = field(default_factory=lambda: np.empty(0, int))  # base routed to first
    bases: list[Base] = field(default_factory=list)
    base_layout: dict[int, list[int]] = field(default_factory=dict)  # B_m -> base ids
    events: int = 0
    params: dict = field(default_factory=dict)   # this replication's sampled inputs in use
    fixed: dict = field(default_factory=dict)    # metrics fixed by the draws (pledges, ...)
    notes: list[str] = field(default_factory=list)  # warnings found while setting up


class _Model:
    """Inputs of one replication, read once from its draws."""

    def __init__(self, scenario: Scenario, d: Draws):
        self.s = scenario
        self.d = d
        self.line = _scalar(d["theatre.line_km"])
        p = scenario.posture
        self.rate_per_hour = _scalar(d["incursions.rate_per_day"]) / 24.0
        self.tau = _scalar(d["incursions.exposure_hours"])
        self.sectors = self._sectors()
        if p.observation_posts:
            q = "posture.observation_posts"
            self.op_radius = _scalar(d[f"{q}.radius_km"])
            self.op_p = _scalar(d[f"{q}.detection_probability"])
        if p.patrols:
            q = "posture.patrols"
            self.pat_speed = _scalar(d[f"{q}.speed_kmh"])
            self.pat_hours = _scalar(d[f"{q}.hours_per_day"])
            self.pat_radius = _scalar(d[f"{q}.detection_radius_km"])
            self.pat_p = _scalar(d[f"{q}.detection_probability"])
            self.pat_start = float(p.patrols.start_hour)
        if p.sensors:
            q = "posture.sensors"
            self.sen_count = int(_scalar(d[f"{q}.count"]))      # required
            self.sen_random = p.sensors.placement == "random"
            self.sen_cov = _scalar(d[f"{q}.coverage_km_each"])
            self.sen_avail = _scalar(d[f"{q}.availability"])
            self.sen_p = _scalar(d[f"{q}.detection_probability"])
        if p.qrf:
            q = "posture.qrf"
            self.bases = int(_scalar(d[f"{q}.bases"]))
            self.per_base = int(_scalar(d[f"{q}.teams_per_base"]))
            self.readiness = _scalar(d[f"{q}.readiness_hours"])
            self.speed = _scalar(d[f"{q}.speed_kmh"])
            self.depth = _scalar(d[f"{q}.depth_km"])
            self.road = _scalar(d[f"{q}.road_factor"])
            self.eng_mean = _scalar(d[f"{q}.engagement_hours"])
            self.eng_cv = _scalar(d[f"{q}.engagement_cv"])
            self.eng_kind = p.qrf.engagement_distribution
        n = scenario.night
        # (start hour, hours, post factor, patrol factor, sensor factor), or None: no night
        self.night: tuple[float, float, float, float, float] | None
        if n is not None:
            self.night = (float(n.start_hour), float(n.hours), _scalar(d["night.posts"]),
                          _scalar(d["night.patrols"]), _scalar(d["night.sensors"]))
        else:
            self.night = None
        # (probability, post factor, patrol factor, sensor factor) per shared cause.
        self.causes = [tuple(_scalar(d[f"shared_causes.{name}.{k}"])
                             for k in ("probability", "posts", "patrols", "sensors"))
                       for name in scenario.shared_causes]

    def is_night(self, t0) -> np.ndarray:
        """Whether a window starting at clock ``t0`` (hours) starts at night (§C)."""
        t0 = np.asarray(t0, dtype=float)
        if self.night is None:
            return np.zeros(t0.shape, dtype=bool)
        start, hours = self.night[:2]
        return np.mod(t0 - start, 24.0) < hours

    def factors(self, night, active) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Look factors (posts, patrols, sensors) for night flags and cause states.

        ``active`` is (…, causes) booleans; the factors of night and of every active
        cause multiply (contract v3 §C, §E).
        """
        night = np.asarray(night, dtype=bool)
        out = []
        for j in range(3):
            f = np.ones(night.shape)
            if self.night is not None:
                f = np.where(night, self.night[2 + j], 1.0)
            for c, cause in enumerate(self.causes):
                f = f * np.where(active[..., c], cause[1 + j], 1.0)
            out.append(f)
        return out[0], out[1], out[2]

    def _sectors(self):
        """(start km, length km, visibility, threat share) per sector."""
        sectors = self.s.theatre.sectors
        if not sectors:
            return [(0.0, self.line, 1.0, 1.0)]
        out, x = [], 0.0
        for sec in sectors:
            threat = _scalar(self.d[f"theatre.sectors[{sec.name}].threat"])
            vis = _scalar(self.d[f"theatre.sectors[{sec.name}].visibility"])
            out.append([x, sec.length_km, vis, threat * sec.length_km])
            x += sec.length_km
        total = sum(sec[3] for sec in out)
        for sec in out:  # all threats 0: incursions equally likely per km
            sec[3] = sec[3] / total if total > 0 else sec[1] / x
        return [tuple(sec) for sec in out]

    def positions(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` threat-weighted uniform positions (km) and their sectors' indices."""
        w = np.array([sec[3] for sec in self.sectors])
        lengths = np.array([sec[1] for sec in self.sectors])
        i = rng.choice(len(self.sectors), size=n, p=w / w.sum()) if len(self.sectors) > 1 \
            else np.zeros(n, dtype=int)
        starts = np.array([sec[0] for sec in self.sectors])
        return starts[i] + rng.random(n) * lengths[i], i

    def engagements(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` engagement times (hours) of the scenario's distribution."""
        if self.eng_kind == "deterministic":
            return np.full(n, self.eng_mean)
        if self.eng_kind == "lognormal":
            sigma2 = math.log1p(self.eng_cv**2)
            return rng.lognormal(math.log(self.eng_mean) - sigma2 / 2, math.sqrt(sigma2), n)
        return rng.exponential(self.eng_mean, n)

    def sector_detection(self, posts: int, teams: int, sensors: int = 0) -> np.ndarray:
        """Expected P(detect) per sector for a posture (the analytic form, contracts v2–v3).

        With random grid phases every point's coverage is the analytic value, so
        this is what the replication's detections average to. Averaged exactly over
        the window's start ``t0`` on one day (pieces split at the duty, night and
        pass-count breakpoints, Gauss–Legendre on each) and over the ``2^m`` states
        of the shared causes. Memoised per posture counts.
        """
        key = (posts, teams, sensors)
        memo = self.__dict__.setdefault("_detection_memo", {})
        if key not in memo:
            memo[key] = self._sector_detection(posts, teams, sensors)
        return memo[key]

    def _sector_detection(self, posts: int, teams: int, sensors: int) -> np.ndarray:
        p = self.s.posture
        m = len(self.causes)
        states = np.array([[(j >> c) & 1 for c in range(m)] for j in range(2 ** m)],
                          dtype=bool).reshape(2 ** m, m)
        pis = np.array([c[0] for c in self.causes])
        weight = np.prod(np.where(states, pis, 1.0 - pis), axis=1) if m else np.ones(1)
        night_cuts = () if self.night is None else (self.night[0], self.night[0] + self.night[1])
        out = np.zeros(len(self.sectors))
        for i, (_, _, vis, _) in enumerate(self.sectors):
            pat = bool(p.patrols) and teams > 0
            if pat:
                period = 2.0 * self.line / (teams * self.pat_speed)
                rho = self.pat_radius * vis / self.pat_speed
                nodes, w = _pieces(self.tau, period, rho, self.pat_hours, self.pat_start,
                                   night_cuts)
            else:
                nodes, w = _pieces(self.tau, math.inf, 0.0, 24.0, 0.0, night_cuts)
            night = self.is_night(nodes)
            f_post, f_pat, f_sen = self.factors(night[None, :],
                                                states[:, None, :] & np.ones(
                                                    (1, nodes.size, 1), dtype=bool))
            miss = np.ones(f_post.shape)
            if p.observation_posts and posts > 0:
                cover = min(1.0, posts * 2.0 * self.op_radius * vis / self.line)
                miss *= 1.0 - cover * np.minimum(1.0, self.op_p * f_post)
            if pat:
                pp = np.minimum(1.0, self.pat_p * min(1.0, vis) * f_pat)
                M = duty_hours(nodes, self.tau, self.pat_hours, self.pat_start)
                miss *= 1.0 - pass_detection(M[None, :], period, rho, pp)
            if p.sensors and sensors > 0:
                width = min(self.line, self.sen_cov * vis)
                ps = np.minimum(1.0, self.sen_p * f_sen)
                if self.sen_random:
                    miss *= (1.0 - self.sen_avail * ps * width / self.line) ** sensors
                else:
                    miss *= 1.0 - min(1.0, sensors * width / self.line) * self.sen_avail * ps
            per_state = (1.0 - miss) @ w / 24.0
            out[i] = float(np.sum(weight * per_state))
        return out

    def base_rates(self, manned: int, posts: int, teams: int,
                   sensors: int = 0) -> tuple[np.ndarray, float]:
        """Expected detected incidents per hour at each of ``manned`` bases, and P(detect).

        ``λ_j = λ Σ_s π_s P_det,s overlap(catchment_j, s) / length_s`` (contract §3).
        """
        p_s = self.sector_detection(posts, teams, sensors)
        share = np.array([sec[3] for sec in self.sectors])
        p_detect = float(np.sum(share * p_s))
        if manned <= 0:
            return np.zeros(0), p_detect
        width = self.line / manned
        rates = np.zeros(manned)
        for (x0, length, _, pi), ps in zip(self.sectors, p_s, strict=True):
            lo = np.arange(manned) * width
            overlap = np.clip(np.minimum(lo + width, x0 + length) - np.maximum(lo, x0), 0, None)
            rates += self.rate_per_hour * pi * ps * overlap / length
        return rates, p_detect


def staffing(teams: int, bases: int, share) -> list[int]:
    """Teams at each of ``min(bases, teams)`` manned bases (contract §3).

    ``teams // manned`` each, and one more at the ``teams mod manned`` bases with
    the largest ``share`` (ties: the lower index first; shares are compared to 12
    significant digits so that round-off does not break a tie).
    """
    manned = min(bases, teams)
    if manned <= 0:
        return []
    low, extra = divmod(teams, manned)
    w = [float(f"{float(x):.12g}") for x in share] if len(share) else [0.0] * manned
    order = sorted(range(manned), key=lambda j: (-w[j], j))
    out = [low] * manned
    for j in order[:extra]:
        out[j] += 1
    return out


def _postures(m: _Model, flows: list[ContributorFlow]) -> list[Posture]:
    """The posture filled after every change of force (QRF first, then posts and patrols)."""
    s, d = m.s, m.d
    req = requirements(s, d)
    keep = 1.0 - _scalar(d["force.support_fraction"])
    out: list[Posture] = []
    for t in change_times(flows):
        strength = {f.name: float(strength_at(f, t)) for f in flows}
        line = sum(strength[f.name] for f in flows if f.role == "line") * keep
        reserve = sum(strength[f.name] for f in flows if f.role == "reserve") * keep
        off = sum(strength[f.name] for f in flows if f.role not in ("line", "reserve"))
        total = sum(strength.values())
        a = achievement(req, np.array([line]), np.array([reserve]),
                        np.array([(line + reserve) / keep]))
        p = Posture(float(t), total, line, reserve, off, int(a["observation_posts"][0]),
                    int(a["patrol_teams"][0]), int(a["qrf_teams"][0]),
                    float(a["fill_ratio"][0]), float(a["strength_to_requirement"][0]),
                    float(a["unassigned_combat_troops"][0]),
                    int(a["sensors"][0]) if s.posture.sensors else 0,
                    int(a["surplus_patrol_teams"][0]) if s.posture.patrols else 0)
        key = (p.posts, p.patrol_teams, p.qrf_teams, p.sensors, p.in_theatre, p.line, p.reserve)
        if out and key == (out[-1].posts, out[-1].patrol_teams, out[-1].qrf_teams,
                           out[-1].sensors, out[-1].in_theatre, out[-1].line, out[-1].reserve):
            continue
        out.append(p)
    for p in out:
        manned = min(m.bases, p.qrf_teams) if s.posture.qrf is not None else 0
        rates, p.p_detect = m.base_rates(manned, p.posts, p.patrol_teams, p.sensors)
        p.bases_manned = manned
        p.rate_at = tuple(float(r) for r in rates)
        share = rates / rates.sum() if rates.sum() > 0 else np.zeros(manned)
        p.teams_at = tuple(staffing(p.qrf_teams, m.bases, share)) if manned else ()
    return out


def _layouts(m: _Model, postures: list[Posture], rng: np.random.Generator) -> list[PatrolLayout]:
    """A fresh layout, with random phases and grid offset, whenever the team count changes."""
    if not m.s.posture.patrols:
        return []
    out: list[PatrolLayout] = []
    for p in postures:
        if out and out[-1].teams == p.patrol_teams:
            continue
        teams = max(p.patrol_teams, 0)
        sub = m.line / max(teams, 1)
        period = 2.0 * sub / m.pat_speed
        phases = rng.random(teams) * period
        offset = float(rng.random()) * sub
        out.append(PatrolLayout(p.start, p.patrol_teams, m.line, m.pat_speed, m.pat_hours,
                                phases, m.pat_radius, offset, m.pat_start))
    return out


def _posture_index(postures: list[Posture], t) -> np.ndarray:
    starts = np.array([p.start for p in postures])
    return np.maximum(np.searchsorted(starts, t, side="right") - 1, 0)


def _posture_at(postures: list[Posture], t: float) -> Posture:
    return postures[int(_posture_index(postures, t))]


def _near_grid(x: np.ndarray, spacing, phase, half_width) -> np.ndarray:
    """Within ``half_width`` of the nearest point of the grid ``phase + (k + ½) spacing``.

    The grid closes over the line (``spacing`` divides it), so distances are mod ``L``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        offset = np.mod(x - phase, spacing) - spacing / 2.0
    return np.abs(offset) <= half_width


def _arrivals(rate: float, horizon: float, rng: np.random.Generator) -> np.ndarray:
    """Poisson arrival times (hours) in ``[0, horizon)``."""
    if rate <= 0:
        return np.empty(0)
    chunk = int(rate * horizon * 1.1) + 16
    times = np.cumsum(rng.exponential(1.0 / rate, chunk))
    while times[-1] < horizon:
        more = times[-1] + np.cumsum(rng.exponential(1.0 / rate, chunk))
        times = np.concatenate([times, more])
    return times[times < horizon]


def _apply_inputs(d: Draws, inputs: Mapping[str, float]) -> None:
    """Replace this replication's draws by ``inputs`` (paths; ``event:`` paths are uniforms)."""
    for path, value in inputs.items():
        if path.startswith("event:"):
            if path not in d.events:
                raise KeyError(f"no random event {path!r} in this scenario")
            d.events[path] = np.full(d.n, float(value))
        else:
            if path not in d.values:
                raise KeyError(f"no input {path!r} in this scenario")
            old = d.values[path]
            d.values[path] = np.full(d.n, float(value)) if isinstance(old, np.ndarray) \
                else float(value)


def _fixed_metrics(scenario: Scenario, d: Draws, realised: dict[str, bool]) -> dict[str, Any]:
    """Metrics fixed by the replication's draws: pledges, commitment, requirements, and
    (private, "_…") what the cost metrics need once the sensors running are known."""
    force = scenario.force
    out: dict[str, Any] = dict.fromkeys(("pledged_troops", "honoured_troops",
                                         "contributors_honoured", "committed_troops"), 0.0)
    for c in scenario.contributors:
        key = f"contributors[{c.name}]"
        pledge = _scalar(d[f"{key}.troops"])
        rot = d.get(f"{key}.rotation_multiplier")
        rot = _scalar(d["force.rotation_multiplier"] if rot is None else rot)
        full = pledge if force.basis == "in_theatre" else pledge / rot
        real = 1.0 if realised[c.name] else 0.0
        out["pledged_troops"] += pledge
        out["honoured_troops"] += real * pledge
        out["contributors_honoured"] += real
        out["committed_troops"] += real * full * rot
    req = requirements(scenario, d)
    for k in ("required_combat_troops", "required_in_theatre_troops",
              "required_committed_troops", "observation_posts_required",
              "patrol_teams_required", "qrf_teams_required", "sensors_required",
              "sensor_persons"):
        out[k] = _scalar(req[k])
    # Sustainability and the troops' cost depend on the draws only (the cost counts the
    # expected troop-years under the withdrawal hazard, as the analytic model does).
    for k, v in sustainability(scenario, d, req["required_in_theatre_troops"]).items():
        out[k] = _scalar(v)
    out["_troop_cost_usd"] = _scalar(troop_cost(
        scenario, d, {k: np.array([v]) for k, v in realised.items()}))
    out["_cost_inputs"] = {k: _scalar(d[k]) for k in COST_INPUTS}
    return out


def run_replication(scenario: Scenario, index: int, seed: np.random.SeedSequence,
                    inputs: Mapping[str, float] | None = None) -> Replication:
    """Simulate one replication; all randomness comes from ``seed``.

    ``inputs``: values (by input path, as in ``Draws``) that replace this
    replication's draws, so that sweeps and sensitivity analyses can set inputs
    per replication; ``event:...`` paths replace the uniforms deciding
    conditions and honour. The other draws are unchanged.
    """
    input_seed, flow_seed, layout_seed, incident_seed = seed.spawn(4)
    d = draw(scenario, n=1, seed=np.random.default_rng(input_seed), sampler="random")
    if inputs:
        _apply_inputs(d, inputs)
    m = _Model(scenario, d)
    conds = condition_states(scenario, d)
    realised = {k: bool(np.asarray(v).ravel()[0]) for k, v in honoured(scenario, d, conds).items()}
    flows = contributor_flows(scenario, d, realised, np.random.default_rng(flow_seed))
    postures = _postures(m, flows)
    layout_rng = np.random.default_rng(layout_seed)
    layouts = _layouts(m, postures, layout_rng)
    horizon = scenario.simulation.days * 24.0
    warm, note = warmup_days(scenario)
    rep = Replication(index, horizon, warm * 24.0, postures, flows, layouts)
    if scenario.theatre.sectors:
        rep.sector_names = tuple(sec.name for sec in scenario.theatre.sectors)
    if note:
        rep.notes.append(note)
    rep.fixed = _fixed_metrics(scenario, d, realised)
    rep.params = {"line_km": m.line, "rate_per_hour": m.rate_per_hour,
                  "exposure_hours": m.tau}
    if scenario.posture.patrols is not None:
        rep.params.update(patrol_speed_kmh=m.pat_speed)
    if scenario.posture.qrf is not None:
        rep.params.update(bases=m.bases, readiness_hours=m.readiness,
                          engagement_hours=m.eng_mean, engagement_cv2={
                              "exponential": 1.0, "deterministic": 0.0,
                              "lognormal": m.eng_cv**2}[m.eng_kind])
    _detect(m, rep, layouts, layout_rng, np.random.default_rng(incident_seed))
    if scenario.posture.qrf is not None:
        _run_qrf(m, rep, np.random.default_rng(incident_seed.spawn(1)[0]))
    return rep


def _grid_phases(counts: np.ndarray, spacing_of, rng: np.random.Generator) -> np.ndarray:
    """A uniform grid phase per posture, fresh whenever the count changes (contract v2 §2)."""
    phase = np.zeros(len(counts))
    for i, c in enumerate(counts):
        if i and c == counts[i - 1]:
            phase[i] = phase[i - 1]
        else:
            phase[i] = float(rng.random()) * spacing_of(max(int(c), 1))
    return phase


def _covering(sorted_pos: np.ndarray, line: float, x: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Sensors at ``sorted_pos`` (km, on the closed line) whose view of ``width`` km,
    centred on the sensor, holds ``x``: those within ``width/2`` of ``x`` (mod ``L``)."""
    k = sorted_pos.size

    def upto(z):  # sensors at positions <= z on the line unrolled over whole turns
        turns, rest = np.divmod(z, line)
        return turns * k + np.searchsorted(sorted_pos, rest, side="right")

    return (upto(x + width / 2.0) - upto(x - width / 2.0)).astype(int)


def _detect(m: _Model, rep: Replication, layouts, layout_rng: np.random.Generator,
            rng: np.random.Generator) -> None:
    """Arrivals, positions and detection of every incursion, vectorised.

    None of it depends on the QRF, so it is computed before the clock starts.
    Posts and evenly placed sensors get a fresh random grid phase whenever their
    number changes (contract v2 §2); randomly placed sensors sit at positions drawn
    once per replication, the first ``k`` of them running while ``k`` are filled.
    Every look uses the night and shared-cause factors of the day and hour at which
    the incursion's window starts (contract v3 §C, §E).
    """
    s = m.s
    t0 = _arrivals(m.rate_per_hour, rep.horizon_hours, rng)
    n = t0.size
    x, sec = m.positions(rng, n)
    vis = np.array([q[2] for q in m.sectors])[sec]
    u = rng.random((n, 3))                      # post, sensor availability, sensor
    k = _posture_index(rep.postures, t0)
    # Shared causes: one Bernoulli draw per cause and day; an incursion takes its start day's.
    days = int(math.ceil(rep.horizon_hours / 24.0)) + 1
    if m.causes:
        pis = np.array([c[0] for c in m.causes])
        on_day = layout_rng.random((days, len(m.causes))) < pis
        active = on_day[np.minimum((t0 // 24.0).astype(int), days - 1)]
    else:
        active = np.zeros((n, 0), dtype=bool)
    f_post, f_pat, f_sen = m.factors(m.is_night(t0), active)
    if s.posture.observation_posts:
        counts = np.array([p.posts for p in rep.postures])
        phase = _grid_phases(counts, lambda c: m.line / c, layout_rng)
        posts = counts[k]
        spacing = np.where(posts > 0, m.line / np.maximum(posts, 1), np.inf)
        in_post = (posts > 0) & _near_grid(x, spacing, phase[k], m.op_radius * vis)
        by_post = in_post & (u[:, 0] < np.minimum(1.0, m.op_p * f_post))
    else:
        in_post = by_post = np.zeros(n, dtype=bool)
    in_sen = by_sen = np.zeros(n, dtype=bool)
    if s.posture.sensors:
        counts = np.array([p.sensors for p in rep.postures])
        running = counts[k]
        width = np.minimum(m.line, m.sen_cov * vis)
        p_s = np.minimum(1.0, m.sen_p * f_sen)
        if m.sen_random:
            where = layout_rng.random(max(m.sen_count, int(counts.max(initial=0)))) * m.line
            cover = np.zeros(n, dtype=int)
            for c in np.unique(running):
                if c > 0:
                    sel = running == c
                    cover[sel] = _covering(np.sort(where[:c]), m.line, x[sel], width[sel])
            # Each covering sensor is a chance: available (a) and detecting (p_s), independently.
            working = rng.binomial(cover, m.sen_avail) if n else cover
            in_sen = working > 0
            by_sen = in_sen & (u[:, 2] < 1.0 - (1.0 - p_s) ** working)
        else:
            phase = _grid_phases(counts, lambda c: m.line / c, layout_rng)
            spacing = np.where(running > 0, m.line / np.maximum(running, 1), np.inf)
            in_sen = (running > 0) & _near_grid(x, spacing, phase[k],
                                                np.minimum(width, spacing) / 2.0) \
                & (u[:, 1] < m.sen_avail)
            by_sen = in_sen & (u[:, 2] < p_s)
    if layouts:
        p_pass = np.minimum(1.0, m.pat_p * np.minimum(1.0, vis) * f_pat)
        first = draw_first_success(rng, p_pass)
        t_pat = first_pass(layouts, x, t0, t0 + m.tau, m.pat_radius * vis, first)
    else:
        t_pat = np.full(n, np.inf)
    rep.arrivals, rep.positions, rep.sector_of = t0, x, sec
    rep.detected_at = np.where(by_post | by_sen, t0, t_pat)
    rep.by_post, rep.by_sensor, rep.by_patrol = by_post, by_sen, t_pat < np.inf
    rep.in_post_radius, rep.in_sensor_view = in_post, in_sen


def _base_registry(m: _Model, rep: Replication) -> None:
    """One :class:`Base` per (layout, index) that some posture mans."""
    for p in rep.postures:
        b = p.bases_manned
        if b > 0 and b not in rep.base_layout:
            width = m.line / b
            ids = []
            for j in range(b):
                ids.append(len(rep.bases))
                rep.bases.append(Base(b, j, j * width, (j + 1) * width if j + 1 < b else m.line))
            rep.base_layout[b] = ids


def _route(m: _Model, rep: Replication, x, manned) -> tuple[np.ndarray, np.ndarray]:
    """Base id (-1: none manned) and travel hours for positions ``x`` under ``manned`` bases."""
    x = np.asarray(x, dtype=float)
    manned = np.asarray(manned)
    ids = np.full(x.shape, -1, dtype=int)
    travel = np.full(x.shape, np.nan)
    for b, layout in rep.base_layout.items():
        sel = manned == b
        if not sel.any():
            continue
        width = m.line / b
        j = np.minimum((x[sel] / width).astype(int), b - 1)
        ids[sel] = np.asarray(layout)[j]
        along = np.abs(x[sel] - (j + 0.5) * width)
        travel[sel] = (along + m.depth) * m.road / m.speed
    return ids, travel


def _run_qrf(m: _Model, rep: Replication, rng: np.random.Generator) -> None:
    """The event loop proper: posture changes and detected incidents meeting QRF teams."""
    _base_registry(m, rep)
    n_all = rep.arrivals.size
    H = rep.horizon_hours
    order = np.argsort(rep.detected_at, kind="stable")
    order = order[rep.detected_at[order] < H]
    n = order.size
    t_det = rep.detected_at[order]
    x = rep.positions[order]
    k = _posture_index(rep.postures, t_det)
    manned_now = np.array([p.bases_manned for p in rep.postures])[k]
    base_id, travel = _route(m, rep, x, manned_now)
    service = m.engagements(rng, n)

    granted = np.full(n, np.inf)
    nb = len(rep.bases)
    POOL = nb                                   # incidents waiting while no base is manned
    where = base_id.copy()
    where[where < 0] = POOL
    cap = [0] * (nb + 1)
    busy = [0] * (nb + 1)
    queues: list[deque[int]] = [deque() for _ in range(nb + 1)]
    inflight: set[int] = set()
    env = simpy.Environment()
    t_list = t_det.tolist()
    s_list = service.tolist()
    w_list = where.tolist()
    state = {"manned": 0}

    def start(i: int, b: int) -> None:
        granted[i] = env._now
        w_list[i] = b
        busy[b] += 1
        inflight.add(i)
        Timeout(env, s_list[i], i).callbacks.append(finish)

    def finish(ev) -> None:
        i = ev._value
        inflight.discard(i)
        b = w_list[i]
        busy[b] -= 1
        q = queues[b]
        if q and busy[b] < cap[b]:
            start(q.popleft(), b)

    def relayout(manned: int) -> None:
        """Send waiting incidents (in their order) and busy teams to the new layout's bases."""
        waiting = sorted(i for q in queues for i in q)
        for q in queues:
            q.clear()
        for b in range(nb + 1):
            busy[b] = 0
        moved = sorted(inflight) + waiting
        if moved:
            ids, trips = _route(m, rep, x[moved], np.full(len(moved), manned))
            ids[ids < 0] = POOL
            for i, b, trip in zip(moved, ids.tolist(), trips.tolist(), strict=True):
                if i in inflight:
                    w_list[i] = b
                    busy[b] += 1
                else:
                    w_list[i] = b
                    travel[i] = trip
                    queues[b].append(i)

    def set_posture(p: Posture) -> None:
        if p.bases_manned != state["manned"]:
            relayout(p.bases_manned)
            state["manned"] = p.bases_manned
        for b in range(nb + 1):
            cap[b] = 0
        for b, teams in zip(rep.base_layout.get(p.bases_manned, []), p.teams_at, strict=True):
            cap[b] = teams
        for b in range(nb + 1):
            q = queues[b]
            while q and busy[b] < cap[b]:
                start(q.popleft(), b)

    def posture_event(ev) -> None:
        set_posture(ev._value)

    pos = [0]

    def arrive(_ev) -> None:
        now = env._now
        i = pos[0]
        while True:
            b = w_list[i]
            if busy[b] < cap[b] and not queues[b]:
                granted[i] = t_list[i]   # no wait: exactly 0, free of clock round-off
                busy[b] += 1
                inflight.add(i)
                Timeout(env, s_list[i], i).callbacks.append(finish)
            else:
                queues[b].append(i)
            i += 1
            if i >= n or t_list[i] > now:
                break
        pos[0] = i
        if i < n:
            Timeout(env, t_list[i] - now).callbacks.append(arrive)

    set_posture(rep.postures[0])
    for p in rep.postures[1:]:
        if p.start < H:
            Timeout(env, p.start, p).callbacks.append(posture_event)
    if n:
        Timeout(env, t_list[0]).callbacks.append(arrive)
    env.run(until=H)
    rep.events = next(env._eid)  # events scheduled so far: the benchmarks' cost measure

    # Back to arrival order, over all incursions.
    rep.granted_at = np.full(n_all, np.inf)
    rep.travel = np.full(n_all, np.nan)
    rep.service = np.full(n_all, np.nan)
    rep.base_of = np.full(n_all, -1, dtype=int)
    rep.granted_at[order] = granted
    rep.travel[order] = travel
    rep.service[order] = service
    rep.base_of[order] = base_id
