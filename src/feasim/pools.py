"""National force pools: what each contributor can sustain, and its reference data.

A contributor names its state (``state: FRA``, ISO 3166-1 alpha-3) to take its force
pool from :func:`feasim.refdata.force_pools`, or states ``pool_troops`` itself. The
closed forms are in :mod:`feasim.model.pools` (and docs/model.md); this module turns a
state into a pool and a scenario into a table per contributor.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic_core import PydanticCustomError

__all__ = ["pool_from_state", "sustainability_table"]


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


def sustainability_table(scenario: Any, samples: int | None = None,
                         seed: int | None = None) -> list[dict[str, Any]]:
    """One row per contributor, medians over the scenario's samples: pledge in theatre,
    land force, deployable force, sustainable over the commitment and indefinitely,
    years the pledge can be held, shortfall and share of the land force tied down
    (persons, years, fractions; ``None`` where the contributor has no pool)."""
    from .model.pools import contributor_pools, sustainable_troops, tour_years
    from .sampling import draw

    d = draw(scenario, samples, seed)
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
