"""Requirement by method: what independent ways of sizing a force say the line needs.

A claim's troop figure is set against five methods, each a distribution of troops
**in theatre** (persons) and of troops **committed** (in theatre × the rotation
multiplier), with its sources:

``posture``
    The scenario's own troop-to-task: ``required_in_theatre_troops`` and
    ``required_committed_troops`` of the analytic model (the posture written in the
    file, its assumptions included).
``analogues``
    Historical missions whose line density compares with a line-holding force
    (:func:`feasim.refdata.missions` with comparability ``comparable`` or
    ``upper_bound``): a mission drawn with equal weight, a density uniform in its
    range (persons per km), times the line length. Where the scenario states a zone
    (``theatre.buffer_depth_km`` > 0), the missions that held a zone of known area
    (UNIFIL, UNFICYP, KFOR) join the draw with their area densities (persons per
    km²) times the zone, line × depth.
``force_ratio``
    The coalition strength in theatre that keeps the local force ratio at the point
    of attack at or below ``adversary.breakthrough_ratio``, given the host, the
    adversary, the reserves and the posture as written: per sample, the pledges are
    replaced by one force of ``X`` troops in theatre (role line, always honoured)
    and ``X`` is found by bisection (the local ratio never rises with ``X``). Where
    even 10,000,000 troops do not bring the ratio down to the threshold the
    requirement is unbounded (+inf). Needs an ``adversary`` block. Computed on at
    most ``FORCE_RATIO_SAMPLES`` (10,000) samples: 40 bisection steps, two a model
    pass (21 passes).
``population``
    20–25 security personnel per 1,000 residents (Quinlivan 2003, McGrath 2006;
    :func:`feasim.refdata.rule` ``troops_per_1000_population``), uniform in that
    range, times ``theatre.population``. Needs ``theatre.population``.
``published``
    The 2025 published estimates of a force for Ukraine in persons
    (:func:`feasim.refdata.estimates`: IISS, CSIS, GCSP troops, Bloomberg
    Economics, the UK's reported 64,000), a figure drawn with equal weight and
    uniform in its stated range. They do not say which reading they mean: the same
    figures are given as in theatre and as committed.

Methods that do not apply to a scenario are returned with ``in_theatre`` and
``committed`` ``None`` and a note saying why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import refdata
from .models import AnalyticModel
from .models.base import repeat_inputs
from .results import Result
from .sampling import draw
from .schema import Scenario

__all__ = ["requirements", "in_units", "Requirement", "METHODS", "METHOD_LABELS", "PUBLISHED"]

METHODS = ("posture", "analogues", "force_ratio", "population", "published")

METHOD_LABELS = {"posture": "posture", "analogues": "analogues", "force_ratio": "force ratio",
                 "population": "population", "published": "published"}
"""Each method as people read it in tables (the JSON keeps the names of ``METHODS``)."""

PUBLISHED = ("iiss_2025_brigade", "iiss_2025_division", "iiss_2025_corps", "csis_2025",
             "gcsp_2025_troops", "bloomberg_2025", "uk_cds_2025_requested")
"""Keys of :func:`feasim.refdata.estimates` used by the ``published`` method: estimates
of the whole force in persons (not a single nation's share, monitors or states)."""

FORCE_RATIO_MAX = 10_000_000.0
"""Largest force (persons in theatre) the force-ratio method tries."""

_BISECTIONS = 40   # 10,000,000 / 2**40: a thousandth of a person (even: two a pass)

FORCE_RATIO_SAMPLES = 10_000
"""At most this many samples for the force-ratio method (21 model passes, of two and
three times as many samples)."""


def _stats(a: np.ndarray | None) -> dict[str, float] | None:
    if a is None:
        return None
    a = np.asarray(a, dtype=float)
    fin = a[~np.isnan(a)]
    if fin.size == 0:
        return {"mean": math.nan, "p05": math.nan, "p50": math.nan, "p95": math.nan,
                "unbounded_share": 0.0}
    with np.errstate(invalid="ignore"):
        q = np.quantile(fin, [0.05, 0.5, 0.95]) if np.all(np.isfinite(fin)) else \
            np.array([_q(fin, p) for p in (0.05, 0.5, 0.95)])
    return {"mean": float(np.mean(fin)), "p05": float(q[0]), "p50": float(q[1]),
            "p95": float(q[2]), "unbounded_share": float(np.mean(np.isinf(fin)))}


def _q(a: np.ndarray, p: float) -> float:
    s = np.sort(a)                      # +inf sorts last: a quantile may be +inf
    return float(s[min(len(s) - 1, int(math.floor(p * (len(s) - 1) + 0.5)))])


@dataclass(frozen=True)
class Requirement:
    """One method's requirement: troops in theatre and committed (persons) per sample."""

    method: str
    in_theatre: np.ndarray | None
    committed: np.ndarray | None
    sources: tuple[str, ...] = ()
    note: str = ""
    points: tuple[dict[str, Any], ...] = field(default_factory=tuple)
    """Reference points the method draws from (missions, estimates), as stated."""

    @property
    def applies(self) -> bool:
        return self.in_theatre is not None

    def to_dict(self) -> dict[str, Any]:
        return {"in_theatre": _stats(self.in_theatre), "committed": _stats(self.committed),
                "sources": list(self.sources), "note": self.note,
                "points": [dict(p) for p in self.points]}


def _mixture(ranges: list[tuple[float, float]], n: int, rng: np.random.Generator):
    pick = rng.integers(0, len(ranges), size=n)
    lo = np.array([r[0] for r in ranges])[pick]
    hi = np.array([r[1] for r in ranges])[pick]
    return lo + (hi - lo) * rng.random(n)


def requirements(scenario: Scenario, result: Result | None = None, *,
                 samples: int | None = None, seed: int | None = None
                 ) -> dict[str, Requirement]:
    """Requirement by every method (see the module docstring), keyed by method name.

    ``result`` is the analytic result of ``scenario`` (computed when not given);
    ``samples`` and ``seed`` default to the result's, then the scenario's.
    """
    u = scenario.uncertainty
    n = int(samples or (result.samples if result is not None else u.samples))
    seed = int(seed if seed is not None else (result.seed if result is not None
                                              and result.seed is not None else u.seed))
    if result is None or result.samples != n:
        result = AnalyticModel().evaluate(scenario, n=n, rng=seed)
    d = draw(scenario, n, seed)
    line = np.broadcast_to(np.asarray(d["theatre.line_km"], dtype=float), (n,))
    rot = np.broadcast_to(np.asarray(d["force.rotation_multiplier"], dtype=float), (n,))
    rng = np.random.default_rng([seed, 13])   # the methods' own draws, apart from the model's
    out: dict[str, Requirement] = {}

    out["posture"] = Requirement(
        "posture", np.asarray(result["required_in_theatre_troops"], dtype=float),
        np.asarray(result["required_committed_troops"], dtype=float), (),
        "the posture written in the scenario (its troop-to-task); see its notes for sources")

    ms = [m for m in refdata.missions() if m.has_line and m.comparable]
    depth = np.broadcast_to(np.asarray(d["theatre.buffer_depth_km"], dtype=float), (n,))
    zones = [m for m in refdata.missions() if m.area_km2] if np.all(depth > 0) else []
    # One reading per mission and measure: a line density × the line, or (where the
    # scenario states a zone depth) an area density × the zone, line × depth.
    ranges = [(m.density_low, m.density_high) for m in ms] + \
             [(m.area_density_low, m.area_density_high) for m in zones]
    pick = rng.integers(0, len(ranges), size=n)
    lo = np.array([r[0] for r in ranges])[pick]
    hi = np.array([r[1] for r in ranges])[pick]
    dens = lo + (hi - lo) * rng.random(n)
    size = np.where(pick < len(ms), line, line * depth)
    src = tuple(dict.fromkeys(k for m in ms + zones for k in m.sources))
    note = f"{len(ms)} missions' line densities (persons/km) × the line; IFOR's is an upper bound"
    if zones:
        note += (f"; and {len(zones)} missions' area densities (persons/km²) × the zone, "
                 "theatre.line_km × theatre.buffer_depth_km")
    out["analogues"] = Requirement(
        "analogues", dens * size, dens * size * rot, src, note,
        tuple({"mission": m.short_name, "density_low": m.density_low,
               "density_high": m.density_high, "sources": list(m.sources)} for m in ms)
        + tuple({"mission": m.short_name, "area_density_low": m.area_density_low,
                 "area_density_high": m.area_density_high, "sources": list(m.sources)}
                for m in zones))

    out["force_ratio"] = _force_ratio(scenario, min(n, FORCE_RATIO_SAMPLES), seed,
                                      rot[:FORCE_RATIO_SAMPLES])

    rule = refdata.rule("troops_per_1000_population")
    pop = scenario.theatre.population
    if pop is None:
        out["population"] = Requirement("population", None, None, tuple(rule.sources),
                                        "not applicable: the scenario states no "
                                        "theatre.population")
    else:
        residents = np.broadcast_to(np.asarray(d["theatre.population"], dtype=float), (n,))
        per = rule.low + (rule.high - rule.low) * rng.random(n)
        out["population"] = Requirement(
            "population", residents * per / 1000, residents * per / 1000 * rot,
            tuple(rule.sources), f"{rule.low:g}–{rule.high:g} {rule.unit} × theatre.population")

    figs = [refdata.figure(k) for k in PUBLISHED]
    pub = _mixture([(f.low, f.high) for f in figs], n, rng)
    out["published"] = Requirement(
        "published", pub, pub, tuple(dict.fromkeys(k for f in figs for k in f.sources)),
        "2025 estimates as stated; they do not say in theatre or committed, so both "
        "columns are the same figures",
        tuple({"label": f.label, "low": f.low, "high": f.high, "as_stated": f.as_stated,
               "sources": list(f.sources)} for f in figs))
    return out


def _force_ratio(scenario: Scenario, n: int, seed: int, rot: np.ndarray) -> Requirement:
    if scenario.adversary is None:
        return Requirement("force_ratio", None, None, ("R6",),
                           "not applicable: the scenario has no adversary block")
    from .loader import with_overrides

    one = with_overrides(scenario, {
        "contributors": [{"name": "requirement", "troops": 1.0, "role": "line",
                          "honour_probability": 1.0}],
        "force.basis": "in_theatre"})
    model = AnalyticModel()
    d = model.draws(one, n=n, rng=seed)
    base = d.inputs()
    limit = np.broadcast_to(np.asarray(d["adversary.breakthrough_ratio"], dtype=float), (n,))
    key = "contributors[requirement].troops"

    def within(*xs: np.ndarray) -> list[np.ndarray]:
        """Whether each force in ``xs`` keeps every sample's ratio within the limit: the
        samples repeated once per force and evaluated in one pass (samples are computed
        on their own, so the numbers are those of one pass per force; a pass of a
        thousand samples costs mostly its fixed overhead)."""
        k = len(xs)
        r = model.evaluate(one, {**repeat_inputs(base, k), key: np.concatenate(xs)}, n=k * n)
        # an undefined ratio (no attackers at the point of attack) asks for nothing
        ok = ~(np.asarray(r["local_force_ratio"], dtype=float) > np.tile(limit, k))
        return np.split(ok, k)

    lo, hi = np.zeros(n), np.full(n, FORCE_RATIO_MAX)
    ok_zero, ok_max = within(lo, hi)
    for _ in range(_BISECTIONS // 2):
        # Two bisection steps in one pass: the midpoint, and both midpoints the second
        # step may take; the same iterates as one step at a time.
        mid = 0.5 * (lo + hi)
        below, above = 0.5 * (lo + mid), 0.5 * (mid + hi)
        ok, ok_below, ok_above = within(mid, below, above)
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
        mid = np.where(ok, below, above)
        ok = np.where(ok, ok_below, ok_above)
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    x = np.where(ok_zero, 0.0, np.where(ok_max, hi, np.inf))
    return Requirement(
        "force_ratio", x, x * rot, ("R6", "R7", "R8"),
        "coalition troops in theatre keeping the local ratio at or below "
        "adversary.breakthrough_ratio (3:1 is a disputed rule of thumb), with the host, "
        "reserves and posture as written")


def in_units(reqs: dict[str, Requirement], kind: str) -> dict[str, Any]:
    """Each method's median requirement as a count of units of ``kind`` (a key of
    :func:`feasim.refdata.unit_sizes`): ``[fewest, most]`` in theatre and committed,
    the median in persons divided by the largest and the smallest unit size (see
    :func:`feasim.pools.units_for`); ``None`` where the method does not apply.

    Raises ``KeyError`` (naming the known kinds) for an unknown kind.
    """
    from .pools import units_for

    units_for(0.0, kind)   # an unknown kind raises, naming the known ones
    size = refdata.unit_sizes()[kind]
    methods: dict[str, Any] = {}
    for name in METHODS:
        r = reqs.get(name)
        if r is None:
            continue
        a, c = _stats(r.in_theatre), _stats(r.committed)
        methods[name] = None if a is None or c is None else {
            "in_theatre_p50": list(units_for(a["p50"], kind)),
            "committed_p50": list(units_for(c["p50"], kind))}
    return {"kind": kind, "name": size.name, "size_persons": [size.low, size.high],
            "sources": list(size.sources), "grade": size.grade, "methods": methods}


def _count(pair: tuple[float, float]) -> str:
    """A count of units as text: one figure, or 'fewest–most' (1 decimal below 10)."""
    def one(x: float) -> str:
        if math.isinf(x):
            return "unbounded"
        return f"{x:.1f}" if x < 10 else f"{x:,.0f}"
    lo, hi = (one(x) for x in pair)
    return lo if lo == hi else f"{lo}–{hi}"


def to_table(reqs: dict[str, Requirement], result: Result, unit: str | None = None) -> str:
    """The requirements table of ``feasim run``: each method's median and 5–95% range in
    theatre, its median committed, and the claim's own figures against them.

    ``unit`` (a key of :func:`feasim.refdata.unit_sizes`, e.g. ``brigade``) adds the
    medians as counts of that unit, a range where the unit's size is one.
    """
    from ._table import table
    from .output import fmt

    units = in_units(reqs, unit) if unit is not None else None

    claim_in = float(np.median(np.asarray(result["in_theatre_troops"], dtype=float)))
    claim_c = float(np.median(np.asarray(result["committed_troops"], dtype=float)))

    def cell(x: float) -> str:
        return "unbounded" if math.isinf(x) else fmt(x)

    rows = []
    for name in METHODS:
        r = reqs.get(name)
        if r is None:
            continue
        label = f"  {METHOD_LABELS[name]}"
        a, c = _stats(r.in_theatre), _stats(r.committed)
        extra: list[str] = []
        if units is not None:
            per = units["methods"].get(name)
            extra = ["", ""] if per is None else [_count(per["in_theatre_p50"]),
                                                  _count(per["committed_p50"])]
        if a is None or c is None:   # the method does not apply: its note says why
            rows.append([label, "", "", "", *extra, r.note])
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            ri = claim_in / a["p50"] if a["p50"] > 0 else math.inf
            rc = claim_c / c["p50"] if c["p50"] > 0 else math.inf
        ratios = ", ".join("no need" if math.isinf(x) else f"{x:.2f}" for x in (ri, rc))
        rows.append([label, cell(a["p50"]), f"{cell(a['p05'])} – {cell(a['p95'])}",
                     cell(c["p50"]), *extra, ratios])
    headers = ["Requirement by method", "in theatre p50", "5–95% range", "committed p50"]
    align = "lrlr"
    if units is not None:
        word = units["name"].lower()
        headers += [f"in theatre, {word}s", f"committed, {word}s"]
        align += "rr"
    lines = [""] + table([*headers, "claim ÷ need (in theatre, committed)"], rows,
                         align=align + "l")
    lines.append(f"  claim: {fmt(claim_in)} in theatre, {fmt(claim_c)} committed (medians, "
                 "persons); 'no need': the method asks for no troops in most samples")
    if units is not None:
        low, high = units["size_persons"]
        size = fmt(low) if low == high else f"{fmt(low)}–{fmt(high)}"
        lines.append(f"  units: a {units['name'].lower()} is {size} persons (reference data, "
                     f"{', '.join(units['sources'])}; grade {units['grade']}); counts are the "
                     "median persons ÷ the largest and ÷ the smallest size")
    lines.append("  methods and sources: feasim run --format json ('requirements'), "
                 "docs/model.md §10")
    return "\n".join(lines) + "\n"
