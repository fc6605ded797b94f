"""Record types of the reference data: frozen, validated dataclasses.

Each type mirrors one row of a packaged YAML file. Pydantic validates the
fields (``extra="forbid"``: a misspelt key in a data file is an error);
:mod:`._load` adds the cross-field checks (low <= high, known source keys).
Derived quantities (densities) are properties, never stored.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

__all__ = [
    "Kind", "Comparability", "Grade", "Status", "Category", "Group",
    "StrengthFigure", "Mission", "Rule", "Figure", "Source", "Claim",
]

_CONFIG = ConfigDict(extra="forbid")

Kind = Literal["un_peacekeeping", "non_un_peacekeeping", "monitoring_unarmed",
               "stabilisation", "armistice", "deterrence"]
#: How a mission's line density compares with a line-holding force.
Comparability = Literal["comparable", "upper_bound", "not_comparable", "no_line"]
Grade = Literal["A", "B", "C", "B/C"]
Status = Literal["sourced", "disputed", "derived", "weak"]
Category = Literal["population", "force_ratio", "rotation", "manning", "tooth_to_tail"]
Group = Literal["estimate_2025", "adversary_partner", "sensors"]



def _persons() -> Any:
    return Field(ge=0)  # persons, a count


def _positive() -> Any:
    return Field(default=None, gt=0)  # km, km² or residents; None if not known


def _ratio(num: float, den: float | None, scale: float = 1.0) -> float | None:
    return None if den is None else scale * num / den


@dataclass(frozen=True, kw_only=True, config=_CONFIG)
class StrengthFigure:
    """Another strength figure of a mission (persons), kept beside the range."""

    persons: int = _persons()
    year: Optional[str] = None
    note: Optional[str] = None


@dataclass(frozen=True, kw_only=True, config=_CONFIG)
class Mission:
    """A historical mission: strength in persons, lengths in km, areas in km².

    The density convention (troops per km of line): ``density_low`` is
    ``strength_low / L_high`` and ``density_high`` is ``strength_high / L_low``,
    where ``L_low = L_high = density_line_km`` if the mission pins one reference
    length (UNIFIL: 120 km, as the reference data does), else the line's own low/high.
    """

    key: str
    name: str
    kind: Kind
    strength_low: int = _persons()
    strength_high: int = _persons()
    comparability: Comparability
    sources: tuple[str, ...]
    notes: str
    year: Optional[str] = None
    line_name: Optional[str] = None
    line_km_low: Optional[float] = _positive()
    line_km_high: Optional[float] = _positive()
    density_line_km: Optional[float] = _positive()
    zone_width_km: Optional[float] = _positive()
    area_km2: Optional[float] = _positive()
    population: Optional[int] = _positive()
    other_strengths: tuple[StrengthFigure, ...] = ()

    @property
    def short_name(self) -> str:
        """Name without the bracketed place: ``"UNIFIL (Lebanon)"`` → ``"UNIFIL"``."""
        return self.name.split(" (")[0]

    @property
    def has_line(self) -> bool:
        """True if the mission held or watched a line of known length."""
        return self.line_km_low is not None

    @property
    def comparable(self) -> bool:
        """True if its line density may be set against a line-holding force
        (``comparable``, or ``upper_bound`` such as IFOR)."""
        return self.comparability in ("comparable", "upper_bound")

    @property
    def density_low(self) -> float | None:
        """Lower density, troops per km of line; None without a line."""
        return _ratio(self.strength_low, self.density_line_km or self.line_km_high)

    @property
    def density_high(self) -> float | None:
        """Upper density, troops per km of line; None without a line."""
        return _ratio(self.strength_high, self.density_line_km or self.line_km_low)

    @property
    def area_density_low(self) -> float | None:
        """strength_low ÷ area, troops per km²; None without an area."""
        return _ratio(self.strength_low, self.area_km2)

    @property
    def area_density_high(self) -> float | None:
        """strength_high ÷ area, troops per km²; None without an area."""
        return _ratio(self.strength_high, self.area_km2)

    @property
    def per_1000_residents_low(self) -> float | None:
        """strength_low per 1,000 residents; None without a population."""
        return _ratio(self.strength_low, self.population, 1000.0)

    @property
    def per_1000_residents_high(self) -> float | None:
        """strength_high per 1,000 residents; None without a population."""
        return _ratio(self.strength_high, self.population, 1000.0)


class _Ranged:
    """Mixin for records that bound a figure by ``low`` and ``high``."""

    low: float
    high: float

    @property
    def is_range(self) -> bool:
        """True if the sources give a range rather than one number."""
        return self.low != self.high


@dataclass(frozen=True, kw_only=True, config=_CONFIG)
class Rule(_Ranged):
    """A rule of thumb; ``value`` is the figure quoted as the rule (None when
    only a range is sourced), ``low``/``high`` bound it, all in ``unit``."""

    key: str
    name: str
    category: Category
    value: Optional[float]
    low: float
    high: float
    unit: str
    status: Status
    sources: tuple[str, ...]
    notes: Optional[str] = None


@dataclass(frozen=True, kw_only=True, config=_CONFIG)
class Figure(_Ranged):
    """A sourced figure (estimate, adversary or partner figure, sensor proxy):
    ``low``/``high`` in ``unit``; ``as_stated`` keeps the source's wording."""

    key: str
    group: Group
    label: str
    low: float
    high: float
    unit: str
    as_stated: str
    sources: tuple[str, ...]
    date: Optional[str] = None
    notes: Optional[str] = None


@dataclass(frozen=True, kw_only=True, config=_CONFIG)
class Source:
    """A source of the reference data: key, address text and grade (A, B, C or "B/C")."""

    key: str
    address: str
    grade: Grade

    @property
    def grades(self) -> tuple[str, ...]:
        """The grade letters: ``("B", "C")`` for ``"B/C"``."""
        return tuple(self.grade.split("/"))


@dataclass(frozen=True, kw_only=True, config=_CONFIG)
class Claim:
    """A claim of the register: id (C1..C18), what is claimed, the figure as
    quoted, and the seed files that state it.

    Where the quoted figure states a force or a line, its numbers are fields
    too: ``troops_low``/``troops_high`` (persons; equal for one number),
    ``at_least`` (the quote is a minimum) and ``line_km`` (km, the line the
    claim itself states). ``None`` where the claim states no such number.
    """

    id: str
    claim: str
    figure: str
    seed_files: tuple[str, ...]
    troops_low: Optional[int] = Field(default=None, ge=0)
    troops_high: Optional[int] = Field(default=None, ge=0)
    at_least: bool = False
    line_km: Optional[float] = _positive()

    @property
    def has_troops(self) -> bool:
        """True if the claim states a troop figure (``troops_low``/``troops_high``)."""
        return self.troops_low is not None and self.troops_high is not None


# ---------------------------------------------------------------- force pools, unit sizes, costs
# (pools.yaml: read by ._pools)

__all__ += ["UnitStatus", "CostBasis", "CostUnit", "ForcePool", "UnitSize", "CostFigure"]

#: How a unit size is known: from a source, computed from sourced figures, or assumed.
UnitStatus = Literal["sourced", "derived", "assumption"]
#: What a cost per troop-year counts (see docs/reference-data.md, "Costs").
CostBasis = Literal["reimbursement", "additional", "full", "stationing", "estimate"]
CostUnit = Literal["USD per troop-year", "USD per item"]


def _count() -> Any:
    return Field(default=None, ge=0)  # persons; None if not found


@dataclass(frozen=True, kw_only=True, config=_CONFIG)
class ForcePool:
    """One state's force pool, in persons: active armed forces, active army (land,
    regular only) and the largest sustained deployment abroad found.

    ``state`` is the ISO 3166-1 alpha-3 code. Where sources or years differ,
    ``*_low``/``*_high`` span the figures listed; ``None`` where none was found
    (``*_as_stated`` keeps the sources' wording and years). ``grade`` is the
    lowest grade among ``sources``.
    """

    state: str = Field(pattern=r"^[A-Z]{3}$")
    name: str
    active_low: Optional[int] = _count()
    active_high: Optional[int] = _count()
    active_as_stated: str
    army_low: Optional[int] = _count()
    army_high: Optional[int] = _count()
    army_as_stated: Optional[str] = None
    deployed_max: Optional[int] = _count()
    deployed_as_stated: Optional[str] = None
    sources: tuple[str, ...] = Field(min_length=1)
    grade: Grade
    notes: Optional[str] = None

    @property
    def key(self) -> str:
        """The record's key: ``state``."""
        return self.state

    @property
    def has_active(self) -> bool:
        """True if an active armed forces figure was found."""
        return self.active_low is not None

    @property
    def has_army(self) -> bool:
        """True if an active army (land) figure was found."""
        return self.army_low is not None

    @property
    def has_pool(self) -> bool:
        """True if an army or an active armed forces figure was found."""
        return self.has_army or self.has_active

    @property
    def land_low(self) -> int | None:
        """``army_low`` (persons), None if no army figure was found."""
        return self.army_low

    @property
    def land_high(self) -> int | None:
        """``army_high`` (persons), None if no army figure was found."""
        return self.army_high


@dataclass(frozen=True, kw_only=True, config=_CONFIG)
class UnitSize(_Ranged):
    """The size of a unit type in persons: ``low``/``high``, the sources' wording in
    ``as_stated``; ``status`` says whether the range is sourced, derived or (in part)
    an assumption."""

    key: str
    name: str
    low: int = _persons()
    high: int = _persons()
    as_stated: str
    sources: tuple[str, ...] = Field(min_length=1)
    grade: Grade
    status: UnitStatus
    notes: Optional[str] = None


@dataclass(frozen=True, kw_only=True, config=_CONFIG)
class CostFigure(_Ranged):
    """A cost figure in US dollars: ``low``/``high`` in ``unit`` (per deployed
    troop-year, or per item). ``as_stated`` keeps the source's wording and currency,
    ``conversion`` says how it became ``unit`` (None if it is already in it)."""

    key: str
    label: str
    low: float = Field(ge=0)
    high: float = Field(ge=0)
    unit: CostUnit
    basis: CostBasis
    as_stated: str
    conversion: Optional[str] = None
    sources: tuple[str, ...] = Field(min_length=1)
    grade: Grade
    date: Optional[str] = None
    notes: Optional[str] = None

    @property
    def mid(self) -> float:
        """The midpoint of ``low`` and ``high``."""
        return (self.low + self.high) / 2
