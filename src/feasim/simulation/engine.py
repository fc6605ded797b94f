"""One replication of the SimPy simulation (model-spec §8).

What is known before the clock starts is computed before it starts: the force
flow (:mod:`.forceflow`) and, from it, the posture filled at every moment and
the patrols' layouts. The SimPy event loop then carries only what interacts:
Poisson incursion arrivals, QRF teams as one :class:`simpy.PriorityResource`
per base (capacity ``teams_per_base``; slots of teams not filled are held by
blocking requests of higher priority), engagements, and posture changes. The
number of events therefore grows with incidents and force changes, not with
the distance patrols travel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from ..model.force import condition_states, honoured
from ..model.tasks import achievement, requirements
from ..sampling import Draws, draw
from ..schema import Scenario
from .forceflow import ContributorFlow, change_times, contributor_flows, strength_at
from .patrols import PatrolLayout, first_pass

__all__ = ["Replication", "run_replication"]


def _scalar(x) -> float:
    return float(np.asarray(x, dtype=float).ravel()[0])


@dataclass
class Posture:
    """Posture filled from clock ``start`` (hours) on."""

    start: float
    in_theatre: float
    posts: int
    patrol_teams: int
    qrf_teams: int
    fill_ratio: float


@dataclass
class Replication:
    """Raw outcome of one replication: per-incident records and the posture timeline."""

    index: int
    horizon_hours: float
    postures: list[Posture]
    flows: list[ContributorFlow]
    arrivals: np.ndarray = field(default_factory=lambda: np.empty(0))   # hours
    detected_at: np.ndarray = field(default_factory=lambda: np.empty(0))  # hours, inf if never
    by_post: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    by_sensor: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    by_patrol: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    in_post_radius: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    in_sensor_view: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    granted: list[float] = field(default_factory=list)   # hours a team was assigned
    waits: list[float] = field(default_factory=list)     # hours
    travel: list[float] = field(default_factory=list)    # hours, readiness excluded
    busy: list[tuple[int, float, float]] = field(default_factory=list)  # base, from, to
    base_work: np.ndarray = field(default_factory=lambda: np.empty(0))  # hours offered
    events: int = 0
    params: dict = field(default_factory=dict)  # this replication's sampled inputs in use


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
        if p.sensors:
            q = "posture.sensors"
            self.sen_count = int(_scalar(d[f"{q}.count"]))
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

    def _sectors(self):
        sectors = self.s.theatre.sectors
        if not sectors:
            return [(0.0, self.line, 1.0, 1.0)]
        out, x = [], 0.0
        for sec in sectors:
            threat = _scalar(self.d[f"theatre.sectors[{sec.name}].threat"])
            vis = _scalar(self.d[f"theatre.sectors[{sec.name}].visibility"])
            out.append((x, sec.length_km, vis, threat * sec.length_km))
            x += sec.length_km
        return out

    def position(self, rng: np.random.Generator) -> tuple[float, float]:
        """A threat-weighted uniform position (km) and its sector's visibility."""
        w = np.array([s[3] for s in self.sectors])
        w = w / w.sum() if w.sum() > 0 else np.array([s[1] for s in self.sectors]) / self.line
        i = int(rng.choice(len(self.sectors), p=w)) if len(self.sectors) > 1 else 0
        start, length, vis, _ = self.sectors[i]
        return start + rng.random() * length, vis

    def engagement(self, rng: np.random.Generator) -> float:
        if self.eng_kind == "deterministic":
            return self.eng_mean
        if self.eng_kind == "lognormal":
            sigma2 = math.log1p(self.eng_cv**2)
            return float(rng.lognormal(math.log(self.eng_mean) - sigma2 / 2, math.sqrt(sigma2)))
        return float(rng.exponential(self.eng_mean))


def _postures(m: _Model, flows: list[ContributorFlow]) -> list[Posture]:
    """The posture filled after every change of force (QRF first, then posts and patrols)."""
    s, d = m.s, m.d
    req = requirements(s, d)
    keep = 1.0 - _scalar(d["force.support_fraction"])
    out: list[Posture] = []
    for t in change_times(flows):
        strength = {f.name: float(strength_at(f, t)) for f in flows}
        line = sum(v for f in flows if f.role == "line" for v in [strength[f.name]]) * keep
        reserve = sum(v for f in flows if f.role == "reserve" for v in [strength[f.name]]) * keep
        total = sum(strength.values())
        a = achievement(req, np.array([line]), np.array([reserve]),
                        np.array([(line + reserve) / keep]))
        p = Posture(float(t), total, int(a["observation_posts"][0]), int(a["patrol_teams"][0]),
                    int(a["qrf_teams"][0]), float(a["fill_ratio"][0]))
        if out and (p.posts, p.patrol_teams, p.qrf_teams, p.in_theatre) == (
                out[-1].posts, out[-1].patrol_teams, out[-1].qrf_teams, out[-1].in_theatre):
            continue
        out.append(p)
    return out


def _layouts(m: _Model, postures: list[Posture], rng: np.random.Generator) -> list[PatrolLayout]:
    """A fresh layout, with random phases, whenever the number of patrol teams changes."""
    if not m.s.posture.patrols:
        return []
    out: list[PatrolLayout] = []
    for p in postures:
        if out and out[-1].teams == p.patrol_teams:
            continue
        period = 2.0 * m.line / max(p.patrol_teams, 1) / m.pat_speed
        out.append(PatrolLayout(p.start, p.patrol_teams, m.line, m.pat_speed, m.pat_hours,
                                rng.random(max(p.patrol_teams, 0)) * period, m.pat_radius))
    return out


def _posture_at(postures: list[Posture], t: float) -> Posture:
    i = 0
    for j, p in enumerate(postures):
        if p.start <= t:
            i = j
        else:
            break
    return postures[i]


def _in_posts(m: _Model, posts: int, x: float, vis: float) -> bool:
    if posts <= 0:
        return False
    spacing = m.line / posts
    offset = (x % spacing) - spacing / 2.0
    return abs(offset) <= m.op_radius * vis


def _in_sensors(m: _Model, x: float) -> bool:
    if m.sen_count <= 0:
        return False
    spacing = m.line / m.sen_count
    offset = (x % spacing) - spacing / 2.0
    return abs(offset) <= min(m.sen_cov, spacing) / 2.0


def _teams_per_base(total: int, bases: int) -> list[int]:
    low, extra = divmod(total, bases)
    return [low + (1 if j < extra else 0) for j in range(bases)]


def run_replication(scenario: Scenario, index: int, seed: np.random.SeedSequence) -> Replication:
    """Simulate one replication; all randomness comes from ``seed``."""
    input_seed, flow_seed, layout_seed, incident_seed = seed.spawn(4)
    d = draw(scenario, n=1, seed=np.random.default_rng(input_seed), sampler="random")
    m = _Model(scenario, d)
    conds = condition_states(scenario, d)
    realised = {k: bool(np.asarray(v).ravel()[0]) for k, v in honoured(scenario, d, conds).items()}
    flows = contributor_flows(scenario, d, realised, np.random.default_rng(flow_seed))
    postures = _postures(m, flows)
    layouts = _layouts(m, postures, np.random.default_rng(layout_seed))
    horizon = scenario.simulation.days * 24.0
    rep = Replication(index, horizon, postures, flows)
    rep.params = {"line_km": m.line, "rate_per_hour": m.rate_per_hour}
    if scenario.posture.qrf is not None:
        rep.params.update(bases=m.bases, readiness_hours=m.readiness,
                          engagement_hours=m.eng_mean)
    _simulate(m, rep, layouts, np.random.default_rng(incident_seed))
    return rep


def _simulate(m: _Model, rep: Replication, layouts, rng: np.random.Generator) -> None:
    env = simpy.Environment()
    s = m.s
    has_qrf = s.posture.qrf is not None
    bases = [simpy.PriorityResource(env, capacity=m.per_base) for _ in range(m.bases)] \
        if has_qrf else []
    blockers: list[list] = [[] for _ in bases]
    work = np.zeros(len(bases))
    records = {k: [] for k in ("arr", "det", "post", "sen", "pat", "inpost", "insen")}

    def set_capacity(total_teams: int):
        for j, teams in enumerate(_teams_per_base(total_teams, m.bases)):
            want = m.per_base - teams
            held = blockers[j]
            while len(held) < want:
                held.append(bases[j].request(priority=-1))
            while len(held) > want:
                req = held.pop()
                if req.triggered:
                    bases[j].release(req)
                else:
                    req.cancel()

    def force():
        for p in rep.postures:
            if p.start > env.now:
                yield env.timeout(p.start - env.now)
            if has_qrf:
                set_capacity(p.qrf_teams)

    def respond(base: int, t_detect: float, along: float):
        if t_detect > env.now:
            yield env.timeout(t_detect - env.now)
        service = m.engagement(rng)
        work[base] += service
        with bases[base].request(priority=0) as req:
            yield req
            start = env.now
            rep.granted.append(start)
            rep.waits.append(start - t_detect)
            rep.travel.append((along + m.depth) * m.road / m.speed)
            rep.busy.append((base, start, start + service))
            yield env.timeout(service)

    def incursions():
        if m.rate_per_hour <= 0:
            return
        while True:
            yield env.timeout(rng.exponential(1.0 / m.rate_per_hour))
            t0 = env.now
            x, vis = m.position(rng)
            post = _posture_at(rep.postures, t0)
            u_post, u_avail, u_sen = rng.random(3)
            in_post = s.posture.observation_posts is not None and _in_posts(m, post.posts, x, vis)
            in_sen = s.posture.sensors is not None and _in_sensors(m, x) and u_avail < m.sen_avail
            by_post = in_post and u_post < m.op_p
            by_sen = in_sen and u_sen < m.sen_p
            t_pat = first_pass(layouts, x, t0, t0 + m.tau) if layouts else math.inf
            t_det = t0 if (by_post or by_sen) else t_pat
            for key, value in zip(records, (t0, t_det, by_post, by_sen, t_pat < math.inf,
                                            in_post, in_sen), strict=True):
                records[key].append(value)
            if has_qrf and t_det < math.inf:
                spacing = m.line / m.bases
                base = min(int(x / spacing), m.bases - 1)
                env.process(respond(base, t_det, abs(x - (base + 0.5) * spacing)))

    env.process(force())
    env.process(incursions())
    env.run(until=rep.horizon_hours)
    rep.events = next(env._eid)  # events scheduled so far: the benchmarks' cost measure
    rep.arrivals = np.array(records["arr"], dtype=float)
    rep.detected_at = np.array(records["det"], dtype=float)
    rep.by_post = np.array(records["post"], dtype=bool)
    rep.by_sensor = np.array(records["sen"], dtype=bool)
    rep.by_patrol = np.array(records["pat"], dtype=bool)
    rep.in_post_radius = np.array(records["inpost"], dtype=bool)
    rep.in_sensor_view = np.array(records["insen"], dtype=bool)
    rep.base_work = work
