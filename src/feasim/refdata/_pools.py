"""Reading ``pools.yaml``: national force pools, unit sizes and costs.

``pools.yaml`` holds four lists (:data:`POOL_SECTIONS`), so it is read here rather
than by :func:`._load.parse`, which reads one list per file; the per-record checks
are the same (:func:`._load._cross_checks`: duplicate keys, unknown source keys),
and the checks of these records are added: ranges ordered, ranges given whole,
a record's grade the lowest grade among its sources, the unit each cost section
holds. Every problem in the file is collected into one :class:`RefDataError`
naming the file, the field path, the rule and the value.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping, Sequence, TypeVar

import yaml
from pydantic import TypeAdapter, ValidationError

from ..errors import Problem
from ._load import RefDataError, _cross_checks, _path, _problem, load_sources, read_text, safe_load
from ._types import CostFigure, ForcePool, Source, UnitSize

__all__ = ["POOL_FILE", "POOL_SECTIONS", "POOL_FILES", "PoolData", "GRADE_ORDER",
           "lowest_grade", "parse_pools", "load_pools", "load_force_pools",
           "load_unit_sizes", "load_troop_costs", "load_equipment_costs"]

T = TypeVar("T")

POOL_FILE = "pools.yaml"
#: The lists of ``pools.yaml``, in file order.
POOL_SECTIONS: tuple[str, ...] = ("force_pools", "unit_sizes", "troop_costs", "equipment_costs")
#: The packaged data files read here and the top-level keys each one holds
#: (the counterpart of ``DATA_FILES``, whose files hold one list each).
POOL_FILES: Mapping[str, tuple[str, ...]] = MappingProxyType({POOL_FILE: POOL_SECTIONS})

_CLASSES: Mapping[str, type] = MappingProxyType({
    "force_pools": ForcePool, "unit_sizes": UnitSize,
    "troop_costs": CostFigure, "equipment_costs": CostFigure,
})
#: The unit every record of a cost section is in.
_COST_UNITS: Mapping[str, str] = MappingProxyType({
    "troop_costs": "USD per troop-year", "equipment_costs": "USD per item",
})

#: Grades from highest to lowest: A official/primary, B reputable secondary, B/C, C aggregator.
GRADE_ORDER: tuple[str, ...] = ("A", "B", "B/C", "C")


def lowest_grade(grades: Sequence[str]) -> str:
    """The lowest of ``grades`` (``"A"`` > ``"B"`` > ``"B/C"`` > ``"C"``)."""
    return max(grades, key=GRADE_ORDER.index)


@dataclass(frozen=True)
class PoolData:
    """The four lists of ``pools.yaml``, validated, in file order."""

    force_pools: tuple[ForcePool, ...]
    unit_sizes: tuple[UnitSize, ...]
    troop_costs: tuple[CostFigure, ...]
    equipment_costs: tuple[CostFigure, ...]


# ---------------------------------------------------------------- checks


def _ranges(item: Any) -> list[tuple[str, str]]:
    if isinstance(item, ForcePool):
        return [("active_low", "active_high"), ("army_low", "army_high")]
    return [("low", "high")]


def _range_checks(item: Any, where: str, filename: str) -> list[Problem]:
    out: list[Problem] = []
    for lo, hi in _ranges(item):
        low, high = getattr(item, lo), getattr(item, hi)
        if (low is None) != (high is None):
            missing = lo if low is None else hi
            out.append(_problem(filename, f"{where}.{missing}", "incomplete_range",
                                f"give both {lo} and {hi}, or neither", None))
        elif low is not None and low > high:
            out.append(_problem(filename, f"{where}.{lo}", "low_above_high",
                                f"{lo}(={low}) must be <= {hi}(={high})", low))
    return out


def _pool_checks(item: ForcePool, where: str, filename: str) -> list[Problem]:
    out: list[Problem] = []
    pairs = [("army_low", "army_as_stated", "an army figure"),
             ("deployed_max", "deployed_as_stated", "a deployment figure")]
    for number, text, what in pairs:
        has_number = getattr(item, number) is not None
        has_text = getattr(item, text) is not None
        if has_number != has_text:
            field = text if has_number else number
            out.append(_problem(filename, f"{where}.{field}", "incomplete_figure",
                                f"{what} needs both {number} and {text}, or neither",
                                getattr(item, field)))
    return out


def _grade_checks(item: Any, where: str, filename: str,
                  known_sources: Mapping[str, Any] | None) -> list[Problem]:
    if known_sources is None:
        return []
    cited = [known_sources[k].grade for k in item.sources
             if isinstance(known_sources.get(k), Source)]
    if not cited:
        return []
    if item.grade not in cited:
        return [_problem(filename, f"{where}.grade", "grade_not_cited",
                         f"grade {item.grade!r} is not the grade of any of its sources "
                         f"({', '.join(sorted(set(cited)))})", item.grade)]
    lowest = lowest_grade(cited)
    if item.grade != lowest:
        return [_problem(filename, f"{where}.grade", "grade_not_lowest",
                         f"grade must be the lowest grade among its sources ({lowest!r})",
                         item.grade)]
    return []


def _checks(items: list[Any], section: str, filename: str,
            known_sources: Mapping[str, Any] | None) -> list[Problem]:
    problems = _cross_checks(items, section, filename, known_sources)
    for i, item in enumerate(items):
        where = f"{section}[{i}]"
        problems += _range_checks(item, where, filename)
        if isinstance(item, ForcePool):
            problems += _pool_checks(item, where, filename)
        unit = _COST_UNITS.get(section)
        if unit is not None and item.unit != unit:
            problems.append(_problem(filename, f"{where}.unit", "wrong_unit",
                                     f"every record of {section} is in {unit!r}", item.unit))
        problems += _grade_checks(item, where, filename, known_sources)
    return problems


def _validate(rows: Any, section: str, filename: str, cls: type[T]) -> tuple[list[T], list[Problem]]:
    try:
        return list(TypeAdapter(list[cls]).validate_python(rows)), []  # type: ignore[valid-type]
    except ValidationError as err:
        return [], [_problem(filename, _path(section, e["loc"]), e["type"], e["msg"],
                             e.get("input")) for e in err.errors()]


# ---------------------------------------------------------------- parsing and loading


def parse_pools(text: str, filename: str = POOL_FILE,
                known_sources: Mapping[str, Any] | None = None) -> PoolData:
    """Parse and validate the text of ``pools.yaml`` into a :class:`PoolData`.

    ``known_sources`` (key → :class:`Source`, or anything), when given, is what
    every ``sources`` entry must cite; where its values are sources, each
    record's ``grade`` must be the lowest grade among its sources. Raises
    :class:`RefDataError` listing every problem of every section.
    """
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        raise RefDataError([_problem(filename, "", "yaml_syntax", str(exc),
                                     has_value=False)]) from None
    if not isinstance(data, dict):
        raise RefDataError([_problem(filename, "", "missing",
                                     f"expected a top-level mapping with the lists "
                                     f"{', '.join(POOL_SECTIONS)}", data)])
    problems: list[Problem] = []
    for extra in data:
        if extra not in POOL_SECTIONS:
            problems.append(_problem(filename, str(extra), "unknown_section",
                                     f"expected only the lists {', '.join(POOL_SECTIONS)}",
                                     extra))
    parsed: dict[str, list[Any]] = {}
    for section in POOL_SECTIONS:
        rows = data.get(section)
        if not isinstance(rows, list):
            problems.append(_problem(filename, section, "missing",
                                     f"expected a list {section!r}", rows))
            parsed[section] = []
            continue
        items: list[Any]
        items, errors = _validate(rows, section, filename, _CLASSES[section])
        parsed[section] = items
        problems += errors or _checks(items, section, filename, known_sources)
    seen = {c.key: "troop_costs" for c in parsed["troop_costs"]}
    for i, c in enumerate(parsed["equipment_costs"]):
        if c.key in seen:
            problems.append(_problem(filename, f"equipment_costs[{i}]", "duplicate_key",
                                     f"key {c.key!r} is also a key of troop_costs", c.key))
    if problems:
        raise RefDataError(problems)
    return PoolData(**{s: tuple(parsed[s]) for s in POOL_SECTIONS})


@functools.cache
def load_pools() -> PoolData:
    """The packaged ``pools.yaml``, validated against the packaged sources."""
    return parse_pools(read_text(POOL_FILE), POOL_FILE, load_sources())


@functools.cache
def load_force_pools() -> Mapping[str, ForcePool]:
    """Force pools by ISO 3166-1 alpha-3 code, in file order (read-only mapping)."""
    return MappingProxyType({p.state: p for p in load_pools().force_pools})


@functools.cache
def load_unit_sizes() -> Mapping[str, UnitSize]:
    """Unit sizes by key, in file order (read-only mapping)."""
    return MappingProxyType({u.key: u for u in load_pools().unit_sizes})


def load_troop_costs() -> tuple[CostFigure, ...]:
    """Costs per deployed troop-year, in file order."""
    return load_pools().troop_costs


def load_equipment_costs() -> tuple[CostFigure, ...]:
    """Costs per item, in file order."""
    return load_pools().equipment_costs
