"""Sustainability and cost: what the contributors can keep in theatre, and what it costs.

Closed forms (docs/model.md, "Sustainability and cost"), one value per sample:

* A contributor's **deployable force** is ``D = pool × land × deployable_share``
  (``land`` is ``land_share`` when the pool counts all armed forces, else 1).
* The largest force it can keep in theatre for a commitment of ``N`` years with
  tours of ``L`` years and rotation multiplier ``m`` (total force ÷ deployed at one
  time) is ``S(N) = D × min(1, max(1/m, L/N))``: for one tour (``N ≤ L``) every
  deployable soldier can go once; up to ``m`` tours' length each goes once, in
  turn (``D × L`` person-years shared over ``N`` years); beyond that every soldier
  must rotate and dwell and ``D / m`` is held indefinitely. ``S`` never rises
  with ``N``: what can be held for ``N`` years can be held for less.
* A pledge of ``P`` in theatre can then be held ``∞`` years if ``P ≤ D/m``,
  ``D × L / P`` years if ``D/m < P ≤ D``, and not at all if ``P > D``.
* **Cost** counts expected troop-years in theatre over the commitment: ramp-up
  from ``start_day`` over ``ramp_up_days`` and withdrawal at rate ``h`` per year
  (exponential time, as the simulation draws it), integrated exactly; plus each
  running sensor's one-off and yearly cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..sampling import Draws
from ..schema import Scenario

__all__ = ["sustainable_troops", "sustainable_years", "presence_years",
           "contributor_pools", "sustainability", "troop_cost", "cost_metrics",
           "COST_INPUTS", "tour_years", "pledge_in_theatre"]

DAYS_PER_YEAR = 365.0

#: The inputs :func:`cost_metrics` reads besides its arguments.
COST_INPUTS = ("commitment.years", "cost.per_sensor_usd", "cost.per_sensor_year_usd",
               "theatre.line_km")


def sustainable_troops(deployable, rotation_multiplier, years, tour_years):
    """``D × min(1, max(1/m, L/N))``: the largest force held in theatre for ``years``
    (persons; arrays broadcast)."""
    d = np.asarray(deployable, dtype=float)
    m = np.asarray(rotation_multiplier, dtype=float)
    n = np.asarray(years, dtype=float)
    t = np.asarray(tour_years, dtype=float)
    return d * np.minimum(1.0, np.maximum(1.0 / m, t / n))


def sustainable_years(in_theatre, deployable, rotation_multiplier, tour_years):
    """Years a pledge of ``in_theatre`` persons can be held (``inf``: indefinitely;
    0: more than the whole deployable force)."""
    p = np.asarray(in_theatre, dtype=float)
    d = np.asarray(deployable, dtype=float)
    m = np.asarray(rotation_multiplier, dtype=float)
    t = np.asarray(tour_years, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        finite = np.where(p > 0, d * t / np.where(p > 0, p, 1.0), np.inf)
    return np.where(p <= d / m, np.inf, np.where(p <= d, finite, 0.0))


def presence_years(start_day, ramp_days, hazard_per_year, years):
    """Expected years in theatre, per person of full strength, within ``[0, years]``:
    ``∫ ramp(t) · exp(−h (t − start)) dt`` with a linear ramp over ``ramp_days`` from
    ``start_day`` and withdrawal at rate ``h`` per year after ``start_day``."""
    s = np.asarray(start_day, dtype=float)
    r = np.asarray(ramp_days, dtype=float)
    lam = np.asarray(hazard_per_year, dtype=float) / DAYS_PER_YEAR   # per day
    u = np.maximum(np.asarray(years, dtype=float) * DAYS_PER_YEAR - s, 0.0)  # days present
    a = np.minimum(u, r)                                             # days of ramp
    small = lam * np.maximum(u, r) < 1e-9
    lam_safe = np.where(small, 1.0, lam)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = lam_safe * a
        ramp_exact = -(np.expm1(-x) + x * np.exp(-x)) / (lam_safe ** 2 * np.where(r > 0, r, 1.0))
        ramp_part = np.where(r > 0, np.where(small, a * a / (2 * np.where(r > 0, r, 1.0)),
                                             ramp_exact), 0.0)
        flat_exact = (np.exp(-lam_safe * r) - np.exp(-lam_safe * u)) / lam_safe
        flat_part = np.where(u > r, np.where(small, u - r, flat_exact), 0.0)
    return (ramp_part + flat_part) / DAYS_PER_YEAR


def pledge_in_theatre(scenario: Scenario, d: Draws, name: str) -> tuple[np.ndarray, np.ndarray]:
    """A contributor's pledge in theatre at full strength and its rotation multiplier
    (persons, dimensionless; per sample): the pledge itself, or ÷ the multiplier when
    ``force.basis`` is ``committed``."""
    key = f"contributors[{name}]"
    pledge = np.asarray(d[f"{key}.troops"], dtype=float)
    rot = d.get(f"{key}.rotation_multiplier")
    rot = np.asarray(d["force.rotation_multiplier"] if rot is None else rot, dtype=float)
    return (pledge if scenario.force.basis == "in_theatre" else pledge / rot), rot


def tour_years(scenario: Scenario, d: Draws):
    """Tour length in years: ``commitment.tour_days`` or ``simulation.tour_days``."""
    days = d.get("commitment.tour_days")
    days = scenario.simulation.tour_days if days is None else days
    return np.asarray(days, dtype=float) / DAYS_PER_YEAR


def contributor_pools(scenario: Scenario, d: Draws) -> dict[str, dict]:
    """Per contributor: ``in_theatre`` (its pledge in theatre at full strength),
    ``rotation``, and, where it has a pool, ``land`` (its land force), ``deployable``,
    ``sustainable`` (over the commitment), ``years`` (the pledge can be held),
    ``shortfall`` and ``share`` (committed ÷ land force). Persons and years, per sample."""
    years = d["commitment.years"]
    tour = tour_years(scenario, d)
    out: dict[str, dict] = {}
    for c in scenario.contributors:
        key = f"contributors[{c.name}]"
        full, rot = pledge_in_theatre(scenario, d, c.name)
        row: dict = {"in_theatre": full, "rotation": rot}
        pool = d.get(f"{key}.pool_troops")
        if pool is not None:
            land = np.asarray(pool, dtype=float)
            if c.pool_basis == "armed_forces":
                land = land * d[f"{key}.land_share"]
            dep = land * d[f"{key}.deployable_share"]
            sus = sustainable_troops(dep, rot, years, tour)
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(land > 0, full * rot / np.where(land > 0, land, 1.0),
                                 np.where(full > 0, np.inf, 0.0))
            row.update(land=land, deployable=dep, sustainable=sus,
                       years=sustainable_years(full, dep, rot, tour),
                       shortfall=np.maximum(full - sus, 0.0), share=share)
        out[c.name] = row
    return out


def sustainability(scenario: Scenario, d: Draws, required_in_theatre) -> dict:
    """The sustainability metrics of every sample (see :data:`feasim.metrics.METRICS`)."""
    rows = contributor_pools(scenario, d)
    n = d.n
    zero = np.zeros(n)
    sus, short = zero.copy(), zero.copy()
    share_max = np.full(n, np.nan)
    req_max = np.full(n, np.nan)
    years_min = np.full(n, np.inf)
    total = sum((r["in_theatre"] for r in rows.values()), zero.copy())
    k = len(rows)
    for r in rows.values():
        if "land" not in r:
            sus = sus + r["in_theatre"]      # not checked: taken as written
            continue
        sus = sus + r["sustainable"]
        short = short + r["shortfall"]
        share_max = np.fmax(share_max, r["share"])
        years_min = np.minimum(years_min, r["years"])
        weight = np.where(total > 0, r["in_theatre"] / np.where(total > 0, total, 1.0),
                          1.0 / k)
        land = r["land"]
        demand = required_in_theatre * weight * r["rotation"]
        with np.errstate(divide="ignore", invalid="ignore"):
            req = np.where(land > 0, demand / np.where(land > 0, land, 1.0),
                           np.where(demand > 0, np.inf, 0.0))
        req_max = np.fmax(req_max, req)
    return {"sustainable_in_theatre_troops": sus, "pledge_shortfall_troops": short,
            "national_share_committed_max": share_max,
            "pledge_sustainable_years_min": years_min,
            "requirement_national_share_max": req_max}


def troop_cost(scenario: Scenario, d: Draws, honoured: dict) -> np.ndarray:
    """Cost of the honoured contributors' expected troop-years over the commitment
    (US dollars, per sample); ``honoured``: contributor name → bool per sample."""
    years = d["commitment.years"]
    total = np.zeros(d.n)
    for c in scenario.contributors:
        key = f"contributors[{c.name}]"
        full, _ = pledge_in_theatre(scenario, d, c.name)
        rate = d.get(f"{key}.cost_per_troop_year_usd")
        rate = d["cost.per_troop_year_usd"] if rate is None else rate
        present = presence_years(d[f"{key}.start_day"], d[f"{key}.ramp_up_days"],
                                 d[f"{key}.withdrawal_hazard_per_year"], years)
        total = total + np.asarray(honoured[c.name], dtype=float) * full * present * rate
    return total


def cost_metrics(scenario: Scenario, d: Draws | Mapping[str, Any], troops_usd, sensors,
                 detection) -> dict:
    """Cost metrics from the troops' cost over the commitment (US dollars), the sensors
    running and the detection probability (arrays per sample); ``d`` needs only the
    :data:`COST_INPUTS`."""
    years = np.asarray(d["commitment.years"], dtype=float)
    sensor_usd = np.asarray(sensors, dtype=float) * (
        d["cost.per_sensor_usd"] + d["cost.per_sensor_year_usd"] * years)
    total = np.asarray(troops_usd, dtype=float) + sensor_usd
    per_year = total / years
    with np.errstate(divide="ignore", invalid="ignore"):
        eff = np.where(per_year > 0, np.asarray(detection, dtype=float)
                       / np.where(per_year > 0, per_year, 1.0) * 1e9, np.nan)
    return {"cost_per_year_usd": per_year, "cost_total_usd": total,
            "cost_per_km_year_usd": per_year / d["theatre.line_km"],
            "detection_per_billion_usd_year": eff}
