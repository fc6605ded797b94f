"""Packaged reference data: historical missions, rules of thumb, estimates,
adversary and partner figures, national force pools, unit sizes, costs, sources
and claims (feasim.refdata).

Units: strengths in persons, lengths in km, areas in km², densities in troops
per km of line (derived here, never stored), costs in US dollars. Where
sources disagree a range is shipped (``low``/``high``). Each record cites
source keys of the reference data; grade A = official/primary/peer-reviewed,
B = reputable secondary, C = aggregator.
Everything is loaded once and returned as immutable objects.

Note: ``C1`` and ``C2`` are both source key (UNFICYP) and claim ids;
:func:`sources` holds the former, :func:`claims` the latter. Write
``facts:C1`` or ``claims:C1`` where the difference matters.

Examples
--------
>>> from feasim import refdata
>>> round(refdata.mission("unifil").density_high, 1)
87.5
>>> refdata.rule("rule_of_thirds").value
3.0
>>> [p.describe() for p in refdata.compare_density(100_000, 1200)
...  if p.mission.key == "unifil"]
["83 /km is inside UNIFIL's 64–88 /km range"]

"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, TypeVar

from . import _load, _pools
from ._compare import Placement, density_range_text, format_density, mission_row, place
from ._compare import to_dataframe as _to_dataframe
from ._load import DATA_FILES, RefDataError
from ._pools import POOL_FILES
from ._types import (
    Claim,
    CostFigure,
    Figure,
    ForcePool,
    Mission,
    Rule,
    Source,
    StrengthFigure,
    UnitSize,
)

__all__ = [
    "Mission", "StrengthFigure", "Rule", "Figure", "Source", "Claim", "Placement",
    "RefDataError", "DATA_FILES",
    "missions", "mission", "rules_of_thumb", "rule", "rotation_multipliers",
    "estimates", "adversary_figures", "sensor_proxies", "figure",
    "sources", "source", "claims", "claim", "is_known_source", "cite",
    "compare_density", "density_range_text", "format_density",
    "missions_table", "to_dataframe",
    "ForcePool", "UnitSize", "CostFigure", "POOL_FILES",
    "force_pools", "force_pool", "unit_sizes", "unit_size",
    "troop_costs", "equipment_costs", "cost_figure", "default_troop_cost",
]

T = TypeVar("T")


def _lookup(what: str, key: str, items: Mapping[str, T]) -> T:
    try:
        return items[key]
    except KeyError:
        known = ", ".join(items)
        raise KeyError(f"unknown {what} {key!r}; known: {known}") from None


# ---------------------------------------------------------------- missions


def missions() -> tuple[Mission, ...]:
    """All missions (UNIFIL, UNFICYP, UNDOF, MFO, OSCE SMM, KFOR, IFOR,
    Korean DMZ, UNMEE, NATO eFP), in the reference data order."""
    return _load.load_missions()


def mission(key: str) -> Mission:
    """The mission with ``key`` (e.g. ``"unifil"``); KeyError lists known keys."""
    return _lookup("mission", key, {m.key: m for m in missions()})


def compare_density(troops: float, line_km: float, *,
                    include_not_comparable: bool = False) -> list[Placement]:
    """Where ``troops`` (persons) over ``line_km`` (km) sits against each
    mission's line density (troops per km): below, within or above its range.

    Only missions with a line are placed; by default only those whose density
    is comparable to a line-holding force (IFOR counts, flagged as an upper
    bound). ``include_not_comparable=True`` adds the Korean DMZ.
    """
    chosen = [m for m in missions() if include_not_comparable or m.comparable]
    return place(troops, line_km, chosen)


def missions_table() -> list[dict[str, Any]]:
    """One plain dict per mission, with derived densities (troops per km and
    per km²); a fresh list each call, safe to modify."""
    return [mission_row(m) for m in missions()]


def to_dataframe(rows: Iterable[Mapping[str, Any]] | None = None) -> Any:
    """``rows`` (default :func:`missions_table`) as a pandas DataFrame.
    Raises ImportError with an install hint if pandas is missing."""
    return _to_dataframe(missions_table() if rows is None else rows)


# ---------------------------------------------------------------- rules of thumb


def rules_of_thumb() -> tuple[Rule, ...]:
    """All rules of thumb (population, force ratio, rotation, manning,
    tooth-to-tail), each with its unit, status and sources."""
    return _load.load_rules()


def rule(key: str) -> Rule:
    """The rule with ``key`` (e.g. ``"rule_of_thirds"``); KeyError lists known keys."""
    return _lookup("rule", key, {r.key: r for r in rules_of_thumb()})


def rotation_multipliers() -> tuple[Rule, ...]:
    """Rotation multipliers (total force ÷ deployed at one time), from the
    rule of halves (2) to the Harmony Guidelines / US reserve (5–6)."""
    return tuple(r for r in rules_of_thumb() if r.category == "rotation")


# ---------------------------------------------------------------- figures


def _group(name: str) -> tuple[Figure, ...]:
    return tuple(f for f in _load.load_figures() if f.group == name)


def estimates() -> tuple[Figure, ...]:
    """The 2025 estimates of a European force in Ukraine (the reference data's 2025 estimates)."""
    return _group("estimate_2025")


def adversary_figures() -> tuple[Figure, ...]:
    """Adversary and partner figures (the reference data's adversary figures): forces, lines, borders, aid."""
    return _group("adversary_partner")


def sensor_proxies() -> tuple[Figure, ...]:
    """Sensor proxies (the reference data's sensor proxies); no validated manpower coefficient exists."""
    return _group("sensors")


def figure(key: str) -> Figure:
    """The figure with ``key`` from any group; KeyError lists known keys."""
    return _lookup("figure", key, {f.key: f for f in _load.load_figures()})


# ---------------------------------------------------------------- sources and claims


def sources() -> Mapping[str, Source]:
    """the reference data's sources by key (U1 … X4), read-only."""
    return _load.load_sources()


def source(key: str) -> Source:
    """The source with ``key``; KeyError lists known keys."""
    return _lookup("source", key, sources())


def claims() -> Mapping[str, Claim]:
    """the claims by id (C1 … C18), read-only."""
    return _load.load_claims()


def claim(claim_id: str) -> Claim:
    """The claim with ``claim_id`` (e.g. ``"C2"``); KeyError lists known ids."""
    return _lookup("claim", claim_id, claims())


_PREFIXES = ("facts", "claims")


def _split(key: str) -> tuple[str | None, str]:
    prefix, sep, rest = key.partition(":")
    return (prefix, rest) if sep and prefix in _PREFIXES else (None, key)


def is_known_source(key: str) -> bool:
    """True if ``key`` is a claim id (C1..C18) or a source key of the reference data.

    ``"facts:C1"`` and ``"claims:C1"`` name one side of the C1/C2 clash
    unambiguously (the reference data's UNFICYP sources vs claims C1/C2).
    """
    prefix, bare = _split(key)
    in_claims, in_facts = bare in claims(), bare in sources()
    return {None: in_claims or in_facts, "claims": in_claims, "facts": in_facts}[prefix]


def cite(keys: Iterable[str], *, facts_keys: bool = False) -> str:
    """Keys with the grades of reference-data source, e.g. ``"C2, U1 (A), T7 (B/C)"``.

    A bare key that is a claim id is read as the claim (scenario files quote
    claims by id) and given as written; ``facts:C1`` reads the reference-data source.
    ``facts_keys=True`` reads every bare key as a source key, as the
    ``sources`` of this package's records are (e.g. UNFICYP's ``C1``, ``C2``).
    """
    known = sources()

    def one(k: str) -> str:
        prefix, bare = _split(k)
        as_fact = prefix == "facts" or (prefix is None and (facts_keys or bare not in claims()))
        return f"{k} ({known[bare].grade})" if as_fact and bare in known else k

    return ", ".join(one(k) for k in keys)


# ---------------------------------------------------------------- force pools, unit sizes, costs


def force_pools() -> Mapping[str, ForcePool]:
    """National force pools (persons) by ISO 3166-1 alpha-3 code (``"GBR"``,
    ``"FRA"``, …), in the reference data order, read-only: active armed forces,
    active army where found, and the largest sustained deployment abroad found."""
    return _pools.load_force_pools()


def force_pool(code: str) -> ForcePool:
    """The force pool of the state with ISO 3166-1 alpha-3 ``code`` (any case,
    e.g. ``"fra"``); KeyError lists the known codes."""
    pools = force_pools()
    found = pools.get(code.upper()) if isinstance(code, str) else None
    if found is None:
        raise KeyError(f"unknown force pool {code!r}; known: {', '.join(pools)}")
    return found


def unit_sizes() -> Mapping[str, UnitSize]:
    """Unit sizes (persons) by key (``"company"`` … ``"division"``), read-only."""
    return _pools.load_unit_sizes()


def unit_size(key: str) -> UnitSize:
    """The unit size with ``key`` (e.g. ``"brigade"``); KeyError lists known keys."""
    return _lookup("unit size", key, unit_sizes())


def troop_costs() -> tuple[CostFigure, ...]:
    """Costs in US dollars per deployed troop-year, each with its basis
    (reimbursement, additional, full, stationing, estimate) and conversion."""
    return _pools.load_troop_costs()


def equipment_costs() -> tuple[CostFigure, ...]:
    """Costs in US dollars per item (surveillance towers)."""
    return _pools.load_equipment_costs()


def cost_figure(key: str) -> CostFigure:
    """The troop or equipment cost with ``key``; KeyError lists known keys."""
    return _lookup("cost figure", key,
                   {c.key: c for c in (*troop_costs(), *equipment_costs())})


def default_troop_cost() -> tuple[float, float, float]:
    """``(low, mode, high)`` in US dollars per deployed troop-year: the default cost
    range of a contributor without its own figure.

    From what the UN reimburses (a floor: ``un_reimbursement_2018``) through a
    European expeditionary operation's additional cost (mode: ``france_barkhane``)
    to a high-intensity one (``uk_afghanistan_2010_11``). US figures are left out
    as US-specific; Bloomberg's $75,000 (``bloomberg_2025_cross_check``) is a
    cross-check. Read from the records, so it follows the data.

    >>> from feasim import refdata
    >>> refdata.default_troop_cost()
    (17136.0, 130000.0, 520000.0)
    """
    return (cost_figure("un_reimbursement_2018").low,
            cost_figure("france_barkhane").mid,
            cost_figure("uk_afghanistan_2010_11").high)
