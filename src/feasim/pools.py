"""National force pools: what each contributor can sustain, and its reference data.

A contributor names its state (``state: FRA``, ISO 3166-1 alpha-3) to take its force
pool from :func:`feasim.refdata.force_pools`, or states ``pool_troops`` itself. The
closed forms are in :mod:`feasim.model.pools` (and docs/model.md); this module turns a
state into a pool and a scenario into a table per contributor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic_core import PydanticCustomError

__all__ = ["pool_from_state", "troops_from_units", "units_for", "sustainability_table",
           "Timeline", "strength_over_years", "expected_strength"]


def pool_from_state(code: str) -> dict[str, Any]:
    """The contributor fields a state's force pool fills: ``pool_troops`` (a number, or
    a uniform range where sources differ), ``pool_basis`` and ``pool_source``.

    Raises a validation error (``unknown_state``, ``no_pool_figure``) when the reference
    data has no such state or no pool figure for it.
    """
    from . import refdata

    pools = refdata.force_pools()
    rec = pools.get(code)
    if rec is None:
        raise PydanticCustomError(
            "unknown_state", "no force pool for state {code} in the reference data "
            "(known: {known}); state pool_troops yourself",
            {"code": code, "known": ", ".join(pools)})
    if rec.army_low is not None and rec.army_high is not None:
        low, high, basis, what = rec.army_low, rec.army_high, "army", "active army"
    elif rec.active_low is not None and rec.active_high is not None:
        low, high, basis, what = (rec.active_low, rec.active_high, "armed_forces",
                                  "active armed forces")
    else:
        raise PydanticCustomError(
            "no_pool_figure", "the reference data found no force figure for {code} "
            "({name}); state pool_troops yourself", {"code": code, "name": rec.name})
    value: Any = float(low) if low == high else {"dist": "uniform", "low": float(low),
                                                 "high": float(high)}
    return {"pool_troops": value, "pool_basis": basis,
            "pool_source": f"reference data: force pool {code}, {what} "
                           f"({', '.join(rec.sources)}; grade {rec.grade})"}


def troops_from_units(units: dict[str, Any]) -> Any:
    """Persons in ``count`` units of ``kind`` (the ``units`` mapping of a contributor): a
    number, or a uniform range where the unit sizes of the reference data give one.

    Raises a validation error (``unknown_unit``) for a kind the data does not hold; a
    malformed count is left for the field's own check.
    """
    from . import refdata

    sizes = refdata.unit_sizes()
    kind, count = units.get("kind"), units.get("count")
    if not isinstance(kind, str) or kind not in sizes:
        raise PydanticCustomError("unknown_unit", "no unit size '{kind}' in the reference "
                                  "data (known: {known})",
                                  {"kind": kind, "known": ", ".join(sizes)})
    if isinstance(count, bool) or not isinstance(count, (int, float)) or not count > 0:
        return 0.0    # a placeholder: units.count fails its own check, reported alone
    u = sizes[kind]
    low, high = float(count) * u.low, float(count) * u.high
    return low if low == high else {"dist": "uniform", "low": low, "high": high}


def units_for(troops: Any, kind: str) -> tuple[Any, Any]:
    """How many units of ``kind`` (a key of :func:`feasim.refdata.unit_sizes`, e.g.
    ``brigade``) ``troops`` persons make: ``(fewest, most)``, the troops divided by the
    largest and by the smallest unit size of the reference data (equal where the data
    gives one size). Counts are not rounded; ``troops`` may be an array.

    Raises ``KeyError`` naming the known kinds for a kind the data does not hold.
    """
    from . import refdata

    sizes = refdata.unit_sizes()
    if kind not in sizes:
        raise KeyError(f"no unit size {kind!r} in the reference data (known: "
                       f"{', '.join(sizes)})")
    u = sizes[kind]
    t = np.asarray(troops, dtype=float)
    fewest, most = t / float(u.high), t / float(u.low)
    if t.ndim == 0:
        return float(fewest), float(most)
    return fewest, most


def sustainability_table(scenario: Any, samples: int | None = None,
                         seed: int | None = None,
                         sampler: str | None = None) -> list[dict[str, Any]]:
    """One row per contributor, medians over the scenario's samples: pledge in theatre,
    land force, deployable force, sustainable over the commitment and indefinitely,
    years the pledge can be held, shortfall and share of the land force tied down
    (persons, years, fractions; ``None`` where the contributor has no pool).
    ``samples``, ``seed`` and ``sampler`` default to the scenario's ``uncertainty``
    block: the same arguments as a run give that run's draws."""
    from .model.pools import contributor_pools, sustainable_troops, tour_years
    from .sampling import draw

    d = draw(scenario, samples, seed, sampler)
    rows = contributor_pools(scenario, d)
    tour = tour_years(scenario, d)

    def med(x: Any) -> float:
        return float(np.median(np.broadcast_to(np.asarray(x, dtype=float), (d.n,))))

    out = []
    for c in scenario.contributors:
        r = rows[c.name]
        row: dict[str, Any] = {"contributor": c.name, "state": c.state,
                               "pledge_in_theatre": med(r["in_theatre"]),
                               "rotation_multiplier": med(r["rotation"])}
        if "land" in r:
            row.update(land_force=med(r["land"]), deployable=med(r["deployable"]),
                       sustainable=med(r["sustainable"]),
                       sustainable_indefinitely=med(sustainable_troops(
                           r["deployable"], r["rotation"], np.inf, tour)),
                       years=med(r["years"]), shortfall=med(r["shortfall"]),
                       share_committed=med(r["share"]))
        else:
            row.update(land_force=None, deployable=None, sustainable=None,
                       sustainable_indefinitely=None, years=None, shortfall=None,
                       share_committed=None)
        row["pool_source"] = c.pool_source
        out.append(row)
    return out


@dataclass(frozen=True)
class Timeline:
    """In-theatre strength over a commitment: ``strength`` is replication × time
    (persons), drawn by the simulation's force flow (arrivals, ramp-up, reliefs with
    their handover gaps, withdrawal at an exponential time); ``expected`` is the closed
    form of its mean at the same times (persons)."""

    scenario: str
    days: np.ndarray
    """Times (days after day 0, whole days)."""
    strength: np.ndarray
    """Simulated in-theatre strength, replication × time (persons)."""
    expected: np.ndarray
    """Closed-form mean strength at ``days`` over the same input distributions (persons)."""

    @property
    def years(self) -> np.ndarray:
        """``days`` in years (365 days)."""
        return self.days / 365.0

    def quantiles(self, q: Any = (5, 25, 50, 75, 95)) -> np.ndarray:
        """Percentiles ``q`` of the simulated strength at each time (persons), q × time."""
        return np.percentile(self.strength, q, axis=0)


def expected_strength(scenario: Any, days: Any, samples: int = 2000,
                      seed: int | None = None) -> np.ndarray:
    """Closed form of the mean in-theatre strength at ``days`` (persons): for each
    contributor P(honoured) × full strength × the ramp-up at whole days × the chance of
    not having withdrawn, ``exp(−h (t − start) / 365)``, × the share not in a handover
    gap; averaged over ``samples`` draws of the uncertain inputs (exact for constants)."""
    from .model.force import condition_states, honoured, ramp_fraction
    from .model.pools import pledge_in_theatre
    from .sampling import draw
    from .simulation.forceflow import _relief_gaps

    t = np.asarray(days, dtype=float)
    d = draw(scenario, samples, seed)
    real = honoured(scenario, d, condition_states(scenario, d))
    sim = scenario.simulation
    total = np.zeros((d.n, t.size))
    for c in scenario.contributors:
        key = f"contributors[{c.name}]"
        full = np.broadcast_to(pledge_in_theatre(scenario, d, c.name)[0], (d.n,))
        start = np.broadcast_to(np.asarray(d[f"{key}.start_day"], dtype=float), (d.n,))
        ramp = np.broadcast_to(np.asarray(d[f"{key}.ramp_up_days"], dtype=float), (d.n,))
        lam = np.broadcast_to(np.asarray(d[f"{key}.withdrawal_hazard_per_year"],
                                         dtype=float), (d.n,)) / 365.0
        frac = np.stack([ramp_fraction(float(x), start, ramp) for x in t], axis=1)
        alive = np.exp(-lam[:, None] * np.maximum(t[None, :] - start[:, None], 0.0))
        absent = np.zeros((d.n, t.size))
        if sim.handover_gap_days > 0:
            horizon = float(t.max()) + 1.0
            for i in range(d.n):
                gaps = _relief_gaps(start[i] + ramp[i], horizon, sim.tour_days,
                                    sim.rotation_units, sim.handover_gap_days)
                for a, b in gaps:
                    absent[i] += ((t >= a) & (t < b)) / sim.rotation_units
        total += (np.asarray(real[c.name], dtype=float) * full)[:, None] * frac * alive \
            * (1.0 - absent)
    return total.mean(axis=0)


def strength_over_years(scenario: Any, years: float | None = None, *,
                        step_days: float = 30.0, replications: int | None = None,
                        seed: int | None = None) -> Timeline:
    """Simulated in-theatre strength over a commitment of ``years`` (default
    ``commitment.years``), sampled every ``step_days`` whole days, in ``replications``
    independent replications (default ``simulation.replications``), with its closed-form
    mean. Only the force flow is simulated (no incidents), so decades take seconds."""
    from .loader import with_overrides
    from .model.force import condition_states, honoured
    from .sampling import draw
    from .simulation.forceflow import contributor_flows, strength_at

    if years is None:
        y = scenario.commitment.years
        if not isinstance(y, (int, float)):
            raise ValueError("commitment.years is uncertain: pass years= explicitly")
        years = float(y)
    if not 0 < years <= 100:
        raise ValueError(f"years must be in (0, 100]; got {years!r}")
    if not step_days >= 1:
        raise ValueError(f"step_days must be at least 1 (days); got {step_days!r}")
    reps = scenario.simulation.replications if replications is None else int(replications)
    if reps < 1:
        raise ValueError(f"replications must be >= 1; got {reps!r}")
    over: dict[str, Any] = {"simulation.days": years * 365.0}
    tour = scenario.commitment.tour_days
    if isinstance(tour, (int, float)):   # one tour length for reliefs and sustainability
        over["simulation.tour_days"] = float(tour)
    long = with_overrides(scenario, over)
    days = np.arange(0.0, np.floor(years * 365.0) + 1.0, float(np.floor(step_days)))
    root = np.random.SeedSequence(scenario.simulation.seed if seed is None else seed)
    out = np.zeros((reps, days.size))
    for i, ss in enumerate(root.spawn(reps)):
        input_seed, flow_seed = ss.spawn(2)
        d = draw(long, n=1, seed=np.random.default_rng(input_seed), sampler="random")
        real = {k: bool(np.asarray(v).ravel()[0])
                for k, v in honoured(long, d, condition_states(long, d)).items()}
        for f in contributor_flows(long, d, real, np.random.default_rng(flow_seed)):
            out[i] += strength_at(f, days * 24.0)
    return Timeline(scenario.name, days, out,
                    expected_strength(long, days, samples=max(reps, 2000), seed=seed))
