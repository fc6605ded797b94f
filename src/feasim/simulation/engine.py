"""One replication of the SimPy simulation (model-spec §8).

What is known before the clock starts is computed before it starts: the force
flow (:mod:`.forceflow`) and, from it, the posture filled at every moment and
the patrols' layouts. So are the incursions: Poisson
arrivals, positions and detection by posts, sensors and patrols do not depend
on the QRF, and are computed with NumPy for all incursions at once. The SimPy
event loop then carries only what interacts: detected incidents meeting QRF
teams, one :class:`simpy.PriorityResource` per base (capacity
``teams_per_base``; slots of teams not filled are held by blocking requests of
higher priority), engagements, and posture changes. The number of events
therefore grows with incidents and force changes, not with the distance
patrols travel.
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
    positions: np.ndarray = field(default_factory=lambda: np.empty(0))  # km along the line
    detected_at: np.ndarray = field(default_factory=lambda: np.empty(0))  # hours, inf if never
    by_post: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    by_sensor: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    by_patrol: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    in_post_radius: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    in_sensor_view: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    granted: list[float] = field(default_factory=list)   # hours a team was assigned
    waits: list[float] = field(default_factory=list)     # hours
    travel: list[float] = field(default_factory=list)    # hours, readiness excluded
    busy: list[tuple[float, float]] = field(default_factory=list)  # a team busy from, to
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

    def positions(self, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
        """``n`` threat-weighted uniform positions (km) and their sectors' visibility."""
        w = np.array([sec[3] for sec in self.sectors])
        lengths = np.array([sec[1] for sec in self.sectors])
        w = w / w.sum() if w.sum() > 0 else lengths / lengths.sum()
        i = rng.choice(len(self.sectors), size=n, p=w) if len(self.sectors) > 1 \
            else np.zeros(n, dtype=int)
        starts = np.array([sec[0] for sec in self.sectors])
        vis = np.array([sec[2] for sec in self.sectors])
        return starts[i] + rng.random(n) * lengths[i], vis[i]

    def engagements(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` engagement times (hours) of the scenario's distribution."""
        if self.eng_kind == "deterministic":
            return np.full(n, self.eng_mean)
        if self.eng_kind == "lognormal":
            sigma2 = math.log1p(self.eng_cv**2)
            return rng.lognormal(math.log(self.eng_mean) - sigma2 / 2, math.sqrt(sigma2), n)
        return rng.exponential(self.eng_mean, n)


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
    starts = [p.start for p in postures]
    return postures[max(0, int(np.searchsorted(starts, t, side="right")) - 1)]


def _in_posts(m: _Model, posts: np.ndarray, x: np.ndarray, vis: np.ndarray) -> np.ndarray:
    """Within a post's radius (posts evenly spaced at the centres of L/N stretches)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        spacing = np.where(posts > 0, m.line / np.maximum(posts, 1), np.inf)
        offset = np.mod(x, spacing) - spacing / 2.0
    return (posts > 0) & (np.abs(offset) <= m.op_radius * vis)


def _in_sensors(m: _Model, x: np.ndarray) -> np.ndarray:
    """Within the stretch watched by the nearest sensor (sensors evenly spaced)."""
    if m.sen_count <= 0:
        return np.zeros(x.shape, dtype=bool)
    spacing = m.line / m.sen_count
    offset = np.mod(x, spacing) - spacing / 2.0
    return np.abs(offset) <= min(m.sen_cov, spacing) / 2.0


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


def _detect(m: _Model, rep: Replication, layouts, rng: np.random.Generator) -> None:
    """Arrivals, positions and detection of every incursion, vectorised.

    None of it depends on the QRF, so it is computed before the clock starts.
    """
    s = m.s
    t0 = _arrivals(m.rate_per_hour, rep.horizon_hours, rng)
    n = t0.size
    x, vis = m.positions(rng, n)
    u = rng.random((n, 3))                      # post, sensor availability, sensor
    starts = np.array([p.start for p in rep.postures])
    posts = np.array([p.posts for p in rep.postures])[
        np.maximum(np.searchsorted(starts, t0, side="right") - 1, 0)]
    in_post = _in_posts(m, posts, x, vis) if s.posture.observation_posts \
        else np.zeros(n, dtype=bool)
    in_sen = (_in_sensors(m, x) & (u[:, 1] < m.sen_avail)) if s.posture.sensors \
        else np.zeros(n, dtype=bool)
    by_post = in_post & (u[:, 0] < m.op_p) if s.posture.observation_posts else in_post
    by_sen = in_sen & (u[:, 2] < m.sen_p) if s.posture.sensors else in_sen
    t_pat = first_pass(layouts, x, t0, t0 + m.tau) if layouts else np.full(n, np.inf)
    rep.arrivals, rep.positions = t0, x
    rep.detected_at = np.where(by_post | by_sen, t0, t_pat)
    rep.by_post, rep.by_sensor, rep.by_patrol = by_post, by_sen, t_pat < np.inf
    rep.in_post_radius, rep.in_sensor_view = in_post, in_sen


def _simulate(m: _Model, rep: Replication, layouts, rng: np.random.Generator) -> None:
    _detect(m, rep, layouts, rng)
    env = simpy.Environment()
    has_qrf = m.s.posture.qrf is not None
    if has_qrf:
        _run_qrf(env, m, rep, rng)
    env.run(until=rep.horizon_hours)
    rep.events = next(env._eid)  # events scheduled so far: the benchmarks' cost measure


def _run_qrf(env: simpy.Environment, m: _Model, rep: Replication,
             rng: np.random.Generator) -> None:
    """The event loop proper: posture changes and detected incidents meeting QRF teams."""
    bases = [simpy.PriorityResource(env, capacity=m.per_base) for _ in range(m.bases)]
    blockers: list[list] = [[] for _ in bases]
    order = np.argsort(rep.detected_at, kind="stable")
    order = order[rep.detected_at[order] < rep.horizon_hours]
    t_det = rep.detected_at[order]
    spacing = m.line / m.bases
    base_of = np.minimum((rep.positions[order] / spacing).astype(int), m.bases - 1)
    along = np.abs(rep.positions[order] - (base_of + 0.5) * spacing)
    travel = (along + m.depth) * m.road / m.speed
    service = m.engagements(rng, t_det.size)
    work = np.zeros(m.bases)
    np.add.at(work, base_of, service)
    rep.base_work = work
    granted, waits, busy, travelled = rep.granted, rep.waits, rep.busy, rep.travel

    def set_capacity(total_teams: int):
        for j, teams in enumerate(_teams_per_base(total_teams, m.bases)):
            want, held = m.per_base - teams, blockers[j]
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
            set_capacity(p.qrf_teams)

    def respond(res, t, s, trip):
        with res.request(priority=0) as req:
            yield req
            now = env.now
            granted.append(now)
            waits.append(now - t)
            travelled.append(trip)
            busy.append((now, now + s))
            yield env.timeout(s)

    def dispatch():
        for i in range(t_det.size):
            t = float(t_det[i])
            if t > env.now:
                yield env.timeout(t - env.now)
            env.process(respond(bases[base_of[i]], t, float(service[i]), float(travel[i])))

    env.process(force())
    env.process(dispatch())
