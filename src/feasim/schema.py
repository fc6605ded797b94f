"""The scenario file format (docs/model.md) as strict pydantic v2 models.

Every model forbids unknown keys (a typo is an error, not a silently ignored
key) and is frozen. Every field's docstring states its unit and feeds the JSON
Schema printed by ``feasim schema``. Numeric fields accept a constant or a
distribution (:mod:`feasim.distributions`); the distribution's whole support
must lie in the field's domain, so nothing is ever clipped silently.

This module imports neither the models nor SimPy.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from .distributions import Quantity, is_uncertain, support

__all__ = [
    "Scenario",
    "Theatre",
    "Sector",
    "Force",
    "Contributor",
    "Posture",
    "ObservationPosts",
    "Patrols",
    "Sensors",
    "QRF",
    "Incursions",
    "Night",
    "SharedCause",
    "Staffing",
    "Surplus",
    "Adversary",
    "Host",
    "Reserves",
    "Criterion",
    "SimulationSettings",
    "UncertaintySettings",
    "ROLES",
    "CrossFieldProblems",
    "point_problems",
    "MAX_CONTRIBUTORS",
    "MAX_SECTORS",
]

class FrozenDict(dict):
    """A ``dict`` that refuses changes: the mappings of a frozen :class:`Scenario`
    (``conditions``, ``criteria``). A changed scenario is a new one, made and
    validated by :func:`feasim.with_overrides`, e.g.
    ``feasim.with_overrides(scenario, {"conditions.ceasefire": 0.5})``."""

    __slots__ = ()

    def _read_only(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("a scenario is read-only; make a changed, validated copy "
                        "with feasim.with_overrides(scenario, {'path': value})")

    __setitem__ = __delitem__ = _read_only
    clear = pop = popitem = setdefault = update = __ior__ = _read_only  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))

    def __copy__(self) -> "FrozenDict":
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> "FrozenDict":
        import copy

        return type(self)({k: copy.deepcopy(v, memo) for k, v in self.items()})


ROLES = ("line", "reserve", "rear", "training", "air", "maritime")


#: Most contributors a scenario may list (a coalition of every state on earth has ~200).
MAX_CONTRIBUTORS = 1000
#: Most sectors a theatre may have.
MAX_SECTORS = 1000

#: Largest magnitude any number may have: beyond it arithmetic overflows (and no
#: line, force or rate is that large). Values past it are rejected, never clipped.
LIMIT = 1e12


def _domain(
    lo: float = -math.inf,
    hi: float = math.inf,
    *,
    lo_open: bool = False,
    hi_open: bool = False,
    whole: bool = False,
) -> tuple[AfterValidator, _DomainJsonSchema]:
    """Check that a constant, or a distribution's whole support, lies in a range,
    and that no value that can be drawn exceeds :data:`LIMIT` in magnitude.

    Returns the validator and the same range for the JSON Schema (on the plain
    number; a distribution's support is checked by feasim alone).
    """

    def describe() -> str:
        parts = []
        if lo > -math.inf:
            parts.append(f"{'>' if lo_open else '>='} {lo:g}")
        if hi < math.inf:
            parts.append(f"{'<' if hi_open else '<='} {hi:g}")
        return " and ".join(parts)

    def check(value: Any) -> Any:
        a, b = support(value)
        reach_a, reach_b = value.attains() if is_uncertain(value) else (True, True)
        below = a < lo or (lo_open and a == lo and reach_a)
        above = b > hi or (hi_open and b == hi and reach_b)
        if below or above:
            if is_uncertain(value):
                raise PydanticCustomError(
                    "out_of_range",
                    "every value must be {rng}, but the distribution reaches [{a}, {b}] "
                    "(use a bounded one such as truncnormal, pert or uniform)",
                    {"rng": describe(), "a": f"{a:g}", "b": f"{b:g}"},
                )
            raise PydanticCustomError("out_of_range", "must be {rng}", {"rng": describe()})
        # The largest value a draw can reach (u < 1 − 2^-53 in the sampler).
        top = max(abs(a), abs(b)) if not is_uncertain(value) else float(np.max(np.abs(
            value.ppf(np.array([np.finfo(float).tiny, 1 - 2.0**-53])))))
        if not top <= LIMIT:
            raise PydanticCustomError(
                "too_large", "must stay within ±{limit}: larger numbers are implausible "
                "here and overflow the arithmetic", {"limit": f"{LIMIT:g}"})
        if whole and not is_uncertain(value) and float(value) != int(value):
            raise PydanticCustomError("whole_number", "must be a whole number")
        return value

    return AfterValidator(check), _DomainJsonSchema(lo, hi, lo_open, hi_open, whole)


class _DomainJsonSchema:
    """Puts a field's range into the number branch of its JSON Schema, so that
    editors flag a constant out of range as the scenario is typed."""

    def __init__(self, lo: float, hi: float, lo_open: bool, hi_open: bool, whole: bool):
        self.bounds: dict[str, float] = {}
        if lo > -math.inf:
            self.bounds["exclusiveMinimum" if lo_open else "minimum"] = lo
        else:
            self.bounds["minimum"] = -LIMIT
        if hi < math.inf:
            self.bounds["exclusiveMaximum" if hi_open else "maximum"] = hi
        else:
            self.bounds["maximum"] = LIMIT
        if whole:
            self.bounds["multipleOf"] = 1

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        js = handler(core_schema)
        for branch in js.get("oneOf", [js]):
            if branch.get("type") == "number":
                branch.update(self.bounds)
        return js


Positive = Annotated[Quantity, *_domain(0, lo_open=True)]
NonNegative = Annotated[Quantity, *_domain(0)]
Probability = Annotated[Quantity, *_domain(0, 1)]
Count = Annotated[Quantity, *_domain(0, whole=True)]
PositiveCount = Annotated[Quantity, *_domain(1, whole=True)]
AtLeastOne = Annotated[Quantity, *_domain(1)]
Fraction = Annotated[Quantity, *_domain(0, 1, hi_open=True)]
HoursPerDay = Annotated[Quantity, *_domain(0, 24, lo_open=True)]

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$", min_length=1, max_length=80)]
Label = Annotated[str, Field(pattern=r"^[^\[\]\.=]+$", min_length=1, max_length=120)]
ConditionName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=80)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class CrossFieldProblems(ValueError):
    """Cross-field rule violations, each with its field path (collected, not first-only)."""

    def __init__(self, problems: list[tuple[tuple[Any, ...], str, str, Any]]):
        self.problems = problems  # (loc, rule, message, value)
        super().__init__("; ".join(f"{'.'.join(map(str, p[0]))}: {p[2]}" for p in problems))


# ---------------------------------------------------------------- theatre


def _sector_schema(schema: dict[str, Any]) -> None:
    # On loading, a sector may give to_km (its end mark) instead of length_km.
    schema["properties"]["to_km"] = {
        "type": "number", "exclusiveMinimum": 0, "title": "To Km",
        "description": "Kilometre mark along the line where this sector ends (km from the "
                       "line's start), instead of length_km; turned into length_km on "
                       "loading."}
    schema["required"] = [r for r in schema.get("required", []) if r != "length_km"]


def _theatre_schema(schema: dict[str, Any]) -> None:
    # line_km may be left out when line_file gives the line.
    schema["required"] = [r for r in schema.get("required", []) if r != "line_km"]
    schema["anyOf"] = [{"required": ["line_km"]}, {"required": ["line_file"]}]


class Sector(_Strict):
    """A stretch of the line with its own visibility and threat."""

    model_config = ConfigDict(json_schema_extra=_sector_schema)   # merged with _Strict's

    name: Label
    """Sector name, unique within the theatre."""
    length_km: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    """Length of line in this sector (km, a constant). Instead, a sector may give
    ``to_km``, the kilometre mark along the line where it ends (counted from the line's
    start, or the first point of ``theatre.line_file``); the last sector may give neither
    and runs to the line's end. Marks are turned into lengths on loading."""
    visibility: Positive = 1.0
    """Terrain visibility factor scaling observation-post radius (dimensionless, 1 = open)."""
    threat: NonNegative = 1.0
    """Relative weight of incursions in this sector per km (dimensionless)."""


class Theatre(_Strict):
    """The line to be held."""

    model_config = ConfigDict(json_schema_extra=_theatre_schema)   # merged with _Strict's

    line_km: Positive
    """Length of the line (km)."""
    line_file: Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    """A GeoJSON ``LineString`` or ``MultiLineString`` (WGS84 longitude/latitude) that the
    line follows, or a line shipped with feasim as ``builtin:NAME`` (``feasim.geo.
    builtin_lines()``). Its geodesic length (km) is ``line_km``, which may then be left
    out; a stated ``line_km`` more than 1% away from it is an error. A path is read
    relative to the scenario file's folder and kept resolved. Needs the ``geo`` extra
    (``pip install 'feasim[geo]'``)."""
    buffer_depth_km: NonNegative = 0.0
    """Depth of the buffer zone in front of the line (km); the models do not use it, the
    analogues requirement does (zone area = line × depth)."""
    sectors: Annotated[tuple[Sector, ...], Field(max_length=MAX_SECTORS)] | None = None
    """Optional sectors; their lengths must sum to ``line_km`` (default: one sector; at
    most 1,000)."""
    population: NonNegative | None = None
    """Residents of the zone the force is to secure (persons; omit if unknown). Used only
    by the population method of the requirements table (20–25 security personnel per
    1,000 residents, Quinlivan 2003, McGrath 2006)."""
    behind: Literal["left", "right"] | None = None
    """Which side of ``line_file`` is behind the line, facing along it from its first
    point: where the QRF bases stand (``posture.qrf.depth_km`` from it) on the map
    (``feasim.plots.line_map``). ``null``: the bases are drawn on the line. The models do
    not use it."""
    regions_file: Annotated[str, Field(min_length=1, max_length=4096)] | None = None
    """A GeoJSON ``FeatureCollection`` of ``Polygon``/``MultiPolygon`` regions, each with a
    ``name`` property and optionally ``visibility`` and ``threat``: the line (``line_file``)
    is cut into one sector per stretch inside a region, in order along it, with the
    region's inputs. A path relative to the scenario file's folder, kept resolved; needs
    the ``geo`` extra. Not together with sectors written by hand."""

    @model_validator(mode="before")
    @classmethod
    def _geography(cls, data: Any, info: ValidationInfo) -> Any:
        # Sectors cut at kilometre marks (to_km) become lengths; a line file gives the
        # line's length. Both run before the fields are checked, so the models see only
        # line_km and sector lengths, as for a line typed in.
        if not isinstance(data, dict):
            return data
        base = (info.context or {}).get("base_dir")
        if isinstance(data.get("line_file"), str):
            data = _line_from_file(data, base)
        if isinstance(data.get("regions_file"), str):
            data = _sectors_from_regions(data, base)
        sectors = data.get("sectors")
        if isinstance(sectors, (list, tuple)) and any(
                isinstance(x, dict) and "to_km" in x for x in sectors):
            data = {**data, "sectors": _sectors_from_marks(list(sectors), data.get("line_km"))}
        return data


def _line_from_file(data: dict, base_dir: Any) -> dict:
    """``line_km`` from the geodesic length of ``line_file`` (checked against a stated one)."""
    from . import geo

    try:
        path = geo.resolve(data["line_file"], base_dir)
        length = geo.line_length_km_cached(path)
    except geo.GeoError as exc:
        raise PydanticCustomError(exc.rule, "theatre.line_file {file}: {why}",
                                  {"file": repr(data["line_file"])[:200],
                                   "why": str(exc)[:300]}) from None
    # a path is kept resolved, so that overrides validate it again without the folder
    kept = data["line_file"] if data["line_file"].startswith(geo.BUILTIN) \
        else str(path.resolve())
    stated = data.get("line_km")
    if stated is None:
        return {**data, "line_km": length, "line_file": kept}
    if isinstance(stated, dict):
        raise PydanticCustomError("constant_with_line_file", "line_km must be a constant "
                                  "with theatre.line_file (the line has one length)")
    if isinstance(stated, bool) or not isinstance(stated, (int, float)):
        return data   # a bad value: the field's own check reports it
    if abs(float(stated) - length) > geo.LENGTH_TOLERANCE * length:
        raise PydanticCustomError(
            "line_length_mismatch", "line_km = {stated} km differs by more than 1% from "
            "the geodesic length of theatre.line_file ({length} km); leave line_km out "
            "to take the file's length", {"stated": f"{float(stated):,.6g}",
                                          "length": f"{length:,.1f}"})
    return {**data, "line_file": kept}


def _sectors_from_regions(data: dict, base_dir: Any) -> dict:
    """Sectors where ``line_file`` crosses the regions of ``regions_file``."""
    from . import geo

    if not isinstance(data.get("line_file"), str):
        raise PydanticCustomError("regions_need_line", "theatre.regions_file cuts "
                                  "theatre.line_file into sectors: give line_file too")
    try:
        line = geo.resolve(data["line_file"], base_dir)
        regions = geo.resolve(data["regions_file"], base_dir)
        made = geo.sectors_from_files(line, regions)
    except geo.GeoError as exc:
        raise PydanticCustomError(exc.rule, "theatre.regions_file {file}: {why}",
                                  {"file": repr(data["regions_file"])[:200],
                                   "why": str(exc)[:400]}) from None
    data = {**data, "regions_file": str(regions.resolve())}
    given = data.get("sectors")
    if given:
        # a scenario written back out (with_overrides) holds the sectors the regions
        # gave; other inputs of theirs may have been changed, names and lengths not
        same = isinstance(given, (list, tuple)) and len(given) == len(made) and all(
            isinstance(g, dict) and g.get("name") == m["name"]
            and isinstance(g.get("length_km"), (int, float))
            and math.isclose(float(g["length_km"]), m["length_km"], rel_tol=1e-9)
            for g, m in zip(given, made, strict=True))
        if not same:
            raise PydanticCustomError("sectors_and_regions", "give theatre.sectors or "
                                      "theatre.regions_file, not both")
        return data
    return {**data, "sectors": made}


def _sectors_from_marks(sectors: list[Any], line_km: Any) -> list[Any]:
    """Sectors given by the kilometre mark where each ends (``to_km``, from the line's
    start) turned into lengths; the last one may leave ``to_km`` out to run to the end."""
    out, start = [], 0.0
    for i, x in enumerate(sectors):
        if not isinstance(x, dict):
            out.append(x)
            continue
        x = dict(x)
        end = x.pop("to_km", None)
        if end is None and "length_km" not in x and i == len(sectors) - 1 \
                and isinstance(line_km, (int, float)) and not isinstance(line_km, bool):
            end = float(line_km)   # the last sector runs to the line's end
        if end is not None:
            if "length_km" in x:
                raise PydanticCustomError("length_and_mark", "sector {name}: give "
                                          "length_km or to_km, not both",
                                          {"name": repr(x.get("name"))[:60]})
            if isinstance(end, bool) or not isinstance(end, (int, float)) or not end > start:
                raise PydanticCustomError(
                    "marks_not_increasing", "sector {name}: to_km = {end} must be a "
                    "number above the previous sector's end ({start} km)",
                    {"name": repr(x.get("name"))[:60], "end": str(end)[:40],
                     "start": f"{start:g}"})
            x["length_km"] = float(end) - start
            start = float(end)
        elif isinstance(x.get("length_km"), (int, float)):
            start += float(x["length_km"])
        out.append(x)
    return out


# ---------------------------------------------------------------- forces


class Staffing(_Strict):
    """Persons needed to keep one position filled around the clock, by kind of position
    (persons); a kind left out takes ``force.staff_per_position``."""

    posts: Positive | None = None
    """Armed observation posts manned 24/7 (persons; default ``staff_per_position``, 4.7:
    8,760 hours a year ÷ 1,874 productive hours per soldier, facts R17, derived)."""
    patrols: Positive | None = None
    """Armed patrol crews (persons per position filled around the clock; a patrol out h
    hours a day needs h/24 of it; default ``staff_per_position``)."""
    monitors: Positive = 3.43
    """Unarmed monitors on daylight patrols (persons per position filled around the clock;
    derived from the OSCE SMM's own figures: ~600 monitors fielded ~70 five-person daylight
    patrols a day (S1, S2, W9), read with a 12-hour day (assumption): 600 ÷ (350 × 12/24))."""
    sensor_operators: Positive | None = None
    """Sensor operators and maintainers (persons per position on duty around the clock;
    default ``staff_per_position``)."""
    qrf: Positive | None = None
    """QRF team members on standby (persons per position; default ``staff_per_position``)."""


class Force(_Strict):
    """How pledged figures become troops, and what troops cost."""

    basis: Literal["in_theatre", "committed"]
    """Reading of every pledge: troops in theatre at one time (``in_theatre``) or the
    total committed including rotation (``committed``). Required: claims rarely say."""
    rotation_multiplier: AtLeastOne = 3.0
    """Total force ÷ force in theatre at one time (dimensionless, >= 1; rule of thirds = 3)."""
    support_fraction: Fraction = 0.5
    """Share of in-theatre troops in support (tail) roles (fraction in [0, 1))."""
    staff_per_position: Positive = 4.7
    """Persons needed to keep one position filled around the clock (persons; source R17)."""
    staffing: Staffing = Staffing()
    """Persons per continuously filled position by kind (posts, patrols, monitors, sensor
    operators, QRF); kinds left out take ``staff_per_position``."""
    assess_day: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    """Day (days after day 0) at which the analytic model reads the force; ``null`` means
    once every contributor has finished its ramp-up (steady state)."""


class UnitPledge(_Strict):
    """A pledge in units rather than persons: ``count`` units of ``kind``."""

    kind: str
    """Unit kind, a key of ``feasim.refdata.unit_sizes()`` (``company``, ``battalion``,
    ``battalion_group``, ``battle_group``, ``battlegroup_eu``, ``battlegroup_efp``,
    ``brigade``, ``brigade_group``, ``division``)."""
    count: Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)]
    """Number of units pledged (count)."""


class Contributor(_Strict):
    """One nation or group and its pledge."""

    name: Label
    """Contributor name, unique within the scenario."""
    troops: NonNegative
    """Pledged troops (persons), read according to ``force.basis``; with ``units`` it is
    filled in from the unit sizes of the reference data (leave it out)."""
    units: UnitPledge | None = None
    """The pledge in units (e.g. ``{kind: brigade, count: 2}``): ``troops`` becomes count ×
    the unit's size, a uniform range where the sources give one (eFP battlegroups:
    643–1,887 persons each; brigades: 3,000–5,000)."""
    conditions: tuple[ConditionName, ...] = ()
    """Names of conditions (from ``conditions``) that must all hold for the pledge to be honoured."""
    honour_probability: Probability = 1.0
    """Probability the pledge is honoured once its conditions hold (probability)."""
    rotation_multiplier: AtLeastOne | None = None
    """Override of ``force.rotation_multiplier`` for this contributor (dimensionless, >= 1)."""
    ramp_up_days: NonNegative = 0.0
    """Days from ``start_day`` to full strength, linear (days)."""
    start_day: NonNegative = 0.0
    """Day the first troops arrive (days after day 0)."""
    role: Literal["line", "reserve", "rear", "training", "air", "maritime"] = "line"
    """Where the troops count: ``line`` (posts, patrols, QRF), ``reserve`` (QRF only);
    ``rear``, ``training``, ``air``, ``maritime`` are reported but do not cover the line."""
    withdrawal_hazard_per_year: NonNegative = 0.0
    """Rate at which the contributor withdraws for good (per year): the simulation draws
    the day; the cost over the commitment counts the expected troop-years."""
    source: str | None = None
    """Where the pledge figure comes from (claim id, source key or citation)."""
    state: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    """ISO 3166-1 alpha-3 code of the contributing state (e.g. ``FRA``). With it, and no
    ``pool_troops``, the force pool comes from the reference data (``feasim.refdata.
    force_pools()``): the active army where a figure was found, else all active armed
    forces (then ``land_share`` of them count); a range where sources differ."""
    pool_troops: NonNegative | None = None
    """The national force the pledge draws on (persons; see ``pool_basis``). Omit with
    ``state`` to take it from the reference data; omit both and the pledge is taken as
    sustainable as written (not checked)."""
    pool_basis: Literal["army", "armed_forces"] = "army"
    """What ``pool_troops`` counts: the active army (land forces), or all active armed
    forces, of which ``land_share`` are land forces."""
    land_share: Probability = 0.5
    """Share of the active armed forces that are land forces, when ``pool_basis`` is
    ``armed_forces`` (fraction; assumption: 0.5, between the 0.36–0.78 of the five states
    whose army and armed-forces figures the reference data both holds)."""
    deployable_share: Probability = 0.3
    """Share of the land force that can deploy at all (fraction; assumption: no sourced
    figure was found; with the rule of thirds, 0.3 sustains 10% of the land force,
    close to the largest sustained deployments found: UK ~9,500 in Afghanistan, Canada's
    ~2,250 'indefinitely' from a regular army of ~25,500)."""
    pool_source: str | None = None
    """Where ``pool_troops`` comes from (filled in when taken from the reference data)."""
    cost_per_troop_year_usd: NonNegative | None = None
    """Cost of one deployed troop-year for this contributor (US dollars per person-year;
    default ``cost.per_troop_year_usd``)."""

    @model_validator(mode="before")
    @classmethod
    def _troops_from_units(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("units"), dict):
            return data
        from .pools import troops_from_units

        troops = troops_from_units(data["units"])
        given = data.get("troops")
        if given is not None:
            # a scenario written back out (with_overrides, dump) holds both, in agreement
            if isinstance(given, BaseModel):
                given = given.model_dump()
            if given != troops:
                raise PydanticCustomError("troops_and_units",
                                          "give troops or units, not both")
        return {**data, "troops": troops}

    @model_validator(mode="before")
    @classmethod
    def _pool_from_state(cls, data: Any) -> Any:
        # A pool taken from another state's data (a state changed with --set or
        # with_overrides) is looked up again for the state now named.
        if isinstance(data, dict) and isinstance(data.get("state"), str) \
                and isinstance(data.get("pool_source"), str) \
                and data["pool_source"].startswith("reference data: force pool ") \
                and not data["pool_source"].startswith(f"reference data: force pool {data['state']},"):
            data = {k: v for k, v in data.items()
                    if k not in ("pool_troops", "pool_basis", "pool_source")}
        if not isinstance(data, dict) or data.get("state") is None \
                or data.get("pool_troops") is not None or not isinstance(data["state"], str) \
                or not re.fullmatch(r"[A-Z]{3}", data["state"]):
            return data   # no lookup; a malformed code fails the field's own pattern
        from .pools import pool_from_state

        return {**data, **pool_from_state(data["state"])}


# ---------------------------------------------------------------- posture


class ObservationPosts(_Strict):
    """Fixed, continuously manned observation posts, evenly spaced."""

    spacing_km: Positive
    """Distance between posts along the line (km)."""
    on_post: Positive = 2.0
    """Persons on post at any moment (persons; FM 3-21.8 says >= 2)."""
    radius_km: Positive = 2.0
    """Observation radius of a post in open terrain (km)."""
    detection_probability: Probability = 1.0
    """Probability a post detects an incursion inside its radius (probability)."""


class Patrols(_Strict):
    """Patrol teams, each moving back and forth along its own sub-sector."""

    teams: Count
    """Number of patrol teams active at once (teams; sampled values are rounded)."""
    team_size: Positive = 8.0
    """Persons per team (persons)."""
    speed_kmh: Positive = 5.0
    """Patrol speed along the line (km/h)."""
    hours_per_day: HoursPerDay = 24.0
    """Hours per day the patrols are out (hours, in (0, 24])."""
    detection_radius_km: NonNegative = 0.0
    """Distance within which a patrol detects an incursion in its own sub-sector (km;
    0 = only when it passes the point); scaled by the sector's visibility."""
    detection_probability: Probability = 1.0
    """Probability that one pass (or close approach, within the radius) detects the
    incursion (probability; each pass is an independent chance); scaled by the sector's
    visibility (capped at 1) and by night and shared-cause factors."""
    start_hour: Annotated[float, Field(ge=0, lt=24, allow_inf_nan=False)] = 0.0
    """Clock hour at which the patrols' daily duty starts (hours after midnight, in
    [0, 24)); they are out ``hours_per_day`` hours from then (e.g. 6 with 12 for daylight)."""
    kind: Literal["armed", "monitor"] = "armed"
    """Staffing kind: ``armed`` patrol crews or unarmed ``monitor`` teams (see
    ``force.staffing``)."""


class Sensors(_Strict):
    """Unmanned sensors (cameras, radars, drones) along the line."""

    count: Count
    """Number of sensors (sensors; sampled values are rounded)."""
    coverage_km_each: Positive
    """Length of line each sensor watches (km)."""
    availability: Probability = 1.0
    """Fraction of time a sensor works (probability)."""
    detection_probability: Probability = 1.0
    """Probability a working sensor detects an incursion it covers (probability)."""
    placement: Literal["even", "random"] = "even"
    """``even``: the sensors tile the line, coverage ``min(1, k·w/L)``; ``random``: at
    independent uniform positions, views overlap, coverage ``1 − (1 − w/L)^k``."""
    operators_on_duty: NonNegative = 0.25
    """Persons on duty per sensor around the clock, operating or maintaining it (persons;
    assumption: one operator watches four feeds); counted in troop-to-task."""


class QRF(_Strict):
    """Quick-reaction force: bases evenly spaced behind the line."""

    bases: PositiveCount
    """Number of QRF bases (bases; sampled values are rounded)."""
    teams_per_base: PositiveCount = 2.0
    """Teams on standby at each base (teams; sampled values are rounded)."""
    team_size: Positive = 30.0
    """Persons per QRF team (persons)."""
    readiness_hours: NonNegative = 0.5
    """Time from alert to departure (hours)."""
    speed_kmh: Positive = 40.0
    """Road speed of a QRF team (km/h)."""
    depth_km: NonNegative = 20.0
    """Distance of each base behind the line (km)."""
    road_factor: AtLeastOne = 1.3
    """Road distance ÷ straight distance (dimensionless, >= 1)."""
    engagement_hours: Positive = 4.0
    """Mean time a team is busy with one incident (hours)."""
    engagement_distribution: Literal["exponential", "deterministic", "lognormal"] = "exponential"
    """Distribution of engagement times; Erlang C is exact for ``exponential`` and an
    Allen–Cunneen approximation otherwise."""
    engagement_cv: Positive = 1.0
    """Coefficient of variation of engagement time for ``lognormal`` (dimensionless)."""


class Surplus(_Strict):
    """What the line-role combat troops left over after filling the posture do."""

    patrols: Fraction = 0.0
    """Share of them formed into extra patrol teams of the posture's size and hours
    (fraction in [0, 1)); the rest stays unassigned (a reserve, with a ``reserves`` block)."""


class Posture(_Strict):
    """The desired posture on the line; any block may be omitted."""

    observation_posts: ObservationPosts | None = None
    """Observation posts (omit for none)."""
    patrols: Patrols | None = None
    """Patrols (omit for none)."""
    sensors: Sensors | None = None
    """Sensors (omit for none)."""
    qrf: QRF | None = None
    """Quick-reaction force (omit for none)."""
    surplus: Surplus = Surplus()
    """Use of the troops left over (default: none; v1 leaves them unassigned)."""


class Night(_Strict):
    """The night: looks at incursions that start at night are less (or more) likely to
    detect, per layer."""

    start_hour: Annotated[float, Field(ge=0, lt=24, allow_inf_nan=False)] = 18.0
    """Clock hour at which the night starts (hours after midnight; assumption: 18)."""
    hours: Annotated[float, Field(gt=0, lt=24, allow_inf_nan=False)] = 12.0
    """Length of the night (hours; assumption: 12, an equinox night)."""
    posts: NonNegative = 0.5
    """Factor on an observation post's detection probability at night (dimensionless;
    assumption: night vision reaches 20/25–20/40 acuity and a 40° field, facts W15, W16)."""
    patrols: NonNegative = 0.5
    """Factor on a patrol pass's detection probability at night (dimensionless; assumption,
    as for posts)."""
    sensors: NonNegative = 1.0
    """Factor on a sensor's detection probability at night (dimensionless; assumption:
    thermal cameras and radars work day and night, facts Q19)."""


class SharedCause(_Strict):
    """A cause that degrades several layers at once (weather, smoke, jamming)."""

    probability: Probability
    """Share of days on which the cause is active (probability)."""
    posts: NonNegative = 1.0
    """Factor on a post's detection probability while active (dimensionless)."""
    patrols: NonNegative = 1.0
    """Factor on a patrol pass's detection probability while active (dimensionless)."""
    sensors: NonNegative = 1.0
    """Factor on a sensor's detection probability while active (dimensionless)."""


class Incursions(_Strict):
    """Incidents the posture must detect and answer."""

    rate_per_day: NonNegative = 10.0
    """Incursions per day along the whole line (per day)."""
    exposure_hours: Positive = 6.0
    """Time an incursion stays detectable (hours)."""


class Adversary(_Strict):
    """The opposing force facing the line."""

    troops: NonNegative
    """Total adversary troops (persons)."""
    line_fraction: Probability = 0.6
    """Share of the adversary's troops on the line (fraction)."""
    massed_share: Probability = 0.2
    """Share of its line force the adversary masses at the point of attack (fraction)."""
    attack_sector_km: Positive = 30.0
    """Width of the attacked sector (km)."""
    breakthrough_ratio: Positive = 3.0
    """Local force ratio taken as enough for a breakthrough (dimensionless). A disputed
    rule of thumb (Mearsheimer 1989 vs Epstein, Dupuy 1989): a threshold, never a law."""
    breakthrough_hours: Positive = 24.0
    """Hours the attacker needs to break through the attacked sector once the attack
    starts; reserves arriving later do not count in the local ratio (hours; assumption,
    used only with a ``reserves`` block)."""
    warning_hours: NonNegative = 0.0
    """Hours of warning the defence gets when the attack's build-up is detected (with the
    line's detection probability): reserves are alerted that much earlier (hours)."""
    attrition_per_hour: Positive = 0.02
    """Square-law attrition coefficient k: defenders lost per attacker per hour
    (``dD/dt = −k·A``; attackers lost ``dA/dt = −e·k·D``) (per hour; assumption; sets how fast
    the fight goes against how fast reserves arrive, used only with a ``reserves`` block)."""


class Host(_Strict):
    """The host nation's own forces on the line."""

    troops: NonNegative = 0.0
    """Host troops (persons)."""
    line_fraction: Probability = 0.4
    """Share of host troops on the line (fraction)."""
    effectiveness: Positive = 1.0
    """Defender effectiveness in the Lanchester square law (dimensionless; prepared defence > 1)."""
    air_support_condition: ConditionName | None = None
    """Condition (e.g. ``us_backstop``) under which air support multiplies effectiveness."""
    air_support_multiplier: Positive = 1.0
    """Factor on effectiveness while ``air_support_condition`` holds (dimensionless)."""
    reserve_fraction: Probability = 0.0
    """Share of host troops held back as a mobile reserve behind the line (fraction; at most
    ``1 − line_fraction``; used with a ``reserves`` block)."""


class Reserves(_Strict):
    """Mobile reserves that reinforce the attacked sector: the host's ``reserve_fraction``
    and the coalition's combat troops the posture leaves unassigned."""

    placement: Literal["spread", "central"] = "spread"
    """``spread``: evenly along the line behind it (reinforcements arrive over time);
    ``central``: all in one place behind the attacked sector (they arrive at once)."""
    depth_km: NonNegative = 50.0
    """Distance of the reserves behind the line (km; assumption)."""
    speed_kmh: Positive = 20.0
    """Road speed of the reserves once moving (km/h; assumption)."""
    road_factor: AtLeastOne = 1.3
    """Road distance ÷ straight distance (dimensionless, >= 1)."""
    alert_hours: NonNegative = 6.0
    """Hours from the attack's start to the reserves moving, without warning (hours;
    assumption)."""


class Criterion(_Strict):
    """A threshold on one named output: exactly one of ``min`` or ``max``."""

    min: Annotated[float, Field(allow_inf_nan=False)] | None = None
    """The output must be at least this (in the output's unit)."""
    max: Annotated[float, Field(allow_inf_nan=False)] | None = None
    """The output must be at most this (in the output's unit)."""

    @model_validator(mode="after")
    def _one(self) -> "Criterion":
        if (self.min is None) == (self.max is None):
            raise ValueError("needs exactly one of 'min' or 'max'")
        return self


class SimulationSettings(_Strict):
    """Settings of the SimPy simulation."""

    days: Annotated[float, Field(gt=0, le=36_500, allow_inf_nan=False)] = 90.0
    """Horizon (days, at most 36,500)."""
    replications: Annotated[int, Field(ge=1)] = 100
    """Independent replications (count)."""
    seed: Annotated[int, Field(ge=0)] = 1
    """Seed of the replications' ``SeedSequence``."""
    tour_days: Annotated[float, Field(gt=0, allow_inf_nan=False)] = 180.0
    """Length of one unit's tour before it is relieved (days)."""
    rotation_units: Annotated[int, Field(ge=1, le=1000)] = 4
    """Units each contributor's force is split into; their reliefs are staggered (count)."""
    handover_gap_days: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0
    """Days a relieved unit's place stays empty before its relief arrives (days)."""
    warmup_days: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    """Days at the start of the horizon left out of every metric (days); ``null`` means
    until the last contributor has finished its ramp-up, so that the simulation measures
    the steady state the analytic model reads. Must be shorter than ``days``."""


class Commitment(_Strict):
    """How long the force is to stay, which the sustainability and cost outputs read."""

    years: Annotated[Quantity, *_domain(0, 100, lo_open=True)] = 1.0
    """Length of the commitment (years, in (0, 100]; assumption: 1 when not stated).
    Sustainable strength falls with it, from the whole deployable pool for one tour to
    deployable ÷ rotation multiplier once every soldier must rotate."""
    tour_days: Positive | None = None
    """Length of one tour in theatre (days; default ``simulation.tour_days``, 180)."""


class Cost(_Strict):
    """What the force costs (US dollars; a contributor's own figure wins)."""

    per_troop_year_usd: NonNegative = Field(default_factory=lambda: _default_troop_cost())
    """Cost of one deployed troop-year (US dollars per person-year). Default: a
    triangular range from what the UN reimburses (a floor, $1,428 a month) through the
    additional cost of France's Barkhane (mode) to the UK's in Afghanistan (2010–11);
    ``feasim.refdata.troop_costs()`` lists these and other figures with their sources."""
    per_sensor_usd: NonNegative = 930_000.0
    """One-off cost of one sensor (US dollars each; CBP autonomous surveillance towers,
    a budget increment of $28 M for 30 towers, source Q18, derived)."""
    per_sensor_year_usd: NonNegative = 0.0
    """Running cost of one sensor (US dollars per sensor-year; assumption: none found,
    0 unless stated)."""


def _default_troop_cost() -> Any:
    from .distributions import Triangular
    from .refdata import default_troop_cost

    low, mode, high = default_troop_cost()
    return Triangular(low=low, mode=mode, high=high)


class UncertaintySettings(_Strict):
    """Monte Carlo settings of the analytic model."""

    samples: Annotated[int, Field(ge=1, le=100_000_000)] = 1000
    """Monte Carlo samples (count)."""
    sampler: Literal["lhs", "random"] = "lhs"
    """Latin hypercube (``lhs``) or plain random (``random``) sampling of distributions."""
    seed: Annotated[int, Field(ge=0)] = 1
    """Seed of the sampler."""


# ---------------------------------------------------------------- scenario


MissionType = Literal["monitoring", "interposition", "deterrence", "defence"]
"""Mission types with a posture preset (``feasim.presets``)."""


class Scenario(_Strict):
    """A claim written as a runnable deployment scenario."""

    name: Name
    """Identifier: letters, digits, '-' and '_'."""
    title: str = ""
    """One-line human title."""
    description: str = ""
    """What the scenario encodes and which reading of the figures it uses."""
    sources: tuple[str, ...] = ()
    """Claim ids or source keys of the reference data (feasim.refdata) the numbers come from."""
    notes: tuple[str, ...] = ()
    """Assumptions not backed by a source, stated in words."""
    theatre: Theatre
    """The line."""
    force: Force
    """Force-generation rules."""
    conditions: dict[ConditionName, Probability] = {}
    """Named conditions and their probabilities (probability, or a distribution of it)."""
    contributors: Annotated[tuple[Contributor, ...], Field(max_length=MAX_CONTRIBUTORS)]
    """Contributors and their pledges (at least one, at most 1,000)."""
    mission: MissionType | None = None
    """Posture preset to start from (``feasim.presets``; docs/model.md §11): the fields
    written under ``posture`` override it and ``null`` removes a block; counts per 100 km
    follow ``theatre.line_km``. Omit for a posture written in full."""
    mission_types: tuple[MissionType, ...] = ()
    """Mission types the claim's sources could mean; ``feasim run --mission TYPE`` runs
    the scenario with that preset instead of its own posture."""
    posture: Posture = Posture()
    """Desired posture on the line."""
    incursions: Incursions = Incursions()
    """Incursion process."""
    night: Night | None = None
    """Night period with its own detection factors per layer (omit: no night effect)."""
    shared_causes: Annotated[dict[ConditionName, SharedCause], Field(max_length=4)] = {}
    """Causes that degrade several layers at once, each active on a share of days
    (at most 4; omit for independent layers)."""
    adversary: Adversary | None = None
    """Opposing force (omit to skip force ratios)."""
    host: Host | None = None
    """Host-nation forces (omit for none)."""
    reserves: Reserves | None = None
    """Mobile reserves reinforcing the attacked sector over time (omit: every defender is
    spread evenly along the line and nothing is held back, as in v1)."""
    commitment: Commitment = Commitment()
    """Length of the commitment and of a tour (sustainability and cost outputs)."""
    cost: Cost = Field(default_factory=Cost)
    """Cost per troop-year and per sensor (cost outputs)."""
    criteria: dict[str, Criterion] = {}
    """Output name -> threshold; a sample is feasible iff all hold."""
    simulation: SimulationSettings = SimulationSettings()
    """Simulation settings."""
    uncertainty: UncertaintySettings = UncertaintySettings()
    """Monte Carlo settings."""

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: Any) -> Any:
        from .presets import apply_preset

        return apply_preset(data)

    @model_validator(mode="after")
    def _cross_checks(self) -> "Scenario":
        problems = list(cross_problems(self.model_dump(mode="json", by_alias=True)))
        if problems:
            raise CrossFieldProblems(problems)
        # A frozen model still holds plain dicts: make them read-only as well.
        for name in ("conditions", "criteria", "shared_causes"):
            object.__setattr__(self, name, FrozenDict(getattr(self, name)))
        return self


def cross_problems(data: Any):
    """Cross-field rule violations in raw scenario data, as ``(loc, rule, message, value)``.

    Works on plain data (as read from YAML) and tolerates malformed parts, so the
    loader can report these problems together with field-level ones.
    """
    from .metrics import METRICS, needs_block  # local: metrics has no model code

    if not isinstance(data, dict):
        return
    theatre = _get(data, "theatre", dict)
    sectors = _get(theatre, "sectors", list)
    line = theatre.get("line_km")
    if sectors:
        lengths = [x.get("length_km") for x in sectors if isinstance(x, dict)]
        if isinstance(line, dict):
            yield (("theatre", "line_km"), "constant_with_sectors",
                   "must be a constant when sectors are given", line)
        elif _number(line) and all(_number(x) for x in lengths) and len(lengths) == len(sectors):
            total = float(sum(float(x) for x in lengths if x is not None))
            if not math.isclose(total, float(line), rel_tol=1e-9, abs_tol=1e-9):
                yield (("theatre", "sectors"), "sectors_sum",
                       f"sector lengths sum to {total:g} km, not line_km = {float(line):g} km",
                       total)
        yield from _duplicates(("theatre", "sectors"), sectors)
    conditions = _get(data, "conditions", dict)
    contributors = _get(data, "contributors", list)
    if "contributors" in data and isinstance(data["contributors"], list) and not contributors:
        yield (("contributors",), "too_short", "list at least one contributor", [])
    yield from _duplicates(("contributors",), contributors)
    for i, c in enumerate(contributors):
        for j, cond in enumerate(_get(c, "conditions", list) if isinstance(c, dict) else []):
            if isinstance(cond, str) and cond not in conditions:
                yield (("contributors", i, "conditions", j), "unknown_condition",
                       f"condition {cond!r} is not defined under 'conditions' "
                       f"(defined: {', '.join(map(str, conditions)) or 'none'})", cond)
    air = _get(data, "host", dict).get("air_support_condition")
    if isinstance(air, str) and air not in conditions:
        yield (("host", "air_support_condition"), "unknown_condition",
               f"condition {air!r} is not defined under 'conditions'", air)
    host = _get(data, "host", dict)
    held, on_line = _raw_support(host.get("reserve_fraction", 0.0)), \
        _raw_support(host.get("line_fraction", 0.4))
    if held and on_line and held[1] + on_line[1] > 1.0 + 1e-12:
        yield (("host", "reserve_fraction"), "reserve_and_line_over_whole",
               f"a reserve of up to {held[1]:g} and a line share of up to {on_line[1]:g} "
               "of the host's troops add up to more than all of them",
               host.get("reserve_fraction"))
    adversary = _get(data, "adversary", dict)
    width, length = _raw_support(adversary.get("attack_sector_km")), _raw_support(line)
    if width and length and 0 < length[0] < width[1]:
        yield (("adversary", "attack_sector_km"), "wider_than_line",
               f"the attacked sector (up to {width[1]:g} km) can be longer than the line "
               f"(from {length[0]:g} km)", adversary.get("attack_sector_km"))
    sim = _get(data, "simulation", dict)
    gap, tour = sim.get("handover_gap_days"), sim.get("tour_days", 180.0)
    if _number(gap) and _number(tour) and tour > 0 and gap >= tour:
        yield (("simulation", "handover_gap_days"), "gap_not_shorter_than_tour",
               f"a handover gap of {gap:g} days leaves no time in a {tour:g}-day tour", gap)
    warm, days = sim.get("warmup_days"), sim.get("days", 90.0)
    if _number(warm) and _number(days) and warm >= days:
        yield (("simulation", "warmup_days"), "warmup_not_shorter_than_horizon",
               f"a warm-up of {warm:g} days leaves nothing to measure in a {days:g}-day "
               f"horizon (simulation.days); it must be shorter", warm)
    for name in _get(data, "criteria", dict):
        if name not in METRICS:
            yield (("criteria", name), "unknown_metric",
                   f"no output named {name!r}; 'feasim metrics' lists them", name)
            continue
        block = needs_block(name)
        if block and _block_missing(data, block):
            yield (("criteria", name), "metric_not_modelled",
                   f"output {name!r} needs '{block}' in the scenario", name)


def point_problems(scenario: "Scenario", values: dict[str, Any]) -> list[str | None]:
    """The rules between fields, checked point by point for a sweep that sets numeric
    inputs per point without building a scenario for each (the analytic model).

    ``values`` maps input paths (``theatre.line_km``, ``adversary.attack_sector_km``,
    ``theatre.sectors[NAME].length_km``, …) to one value
    per point; inputs not in it keep the scenario's value. Returns, per point,
    ``None`` or the message of every broken rule, as ``path: message [rule]``.
    Only the rules that numeric inputs can break are checked here: the sectors'
    sum and the attacked sector's width (settings such as ``simulation.*`` are
    applied by building a scenario, which checks every rule).
    """
    n = len(next(iter(values.values()))) if values else 0
    out: dict[int, list[str]] = {}  # only the points that break a rule: n is large

    def get(path: str, default: Any) -> np.ndarray:
        v = values.get(path)
        return np.full(n, float(default)) if v is None else np.asarray(v, dtype=float)

    def flag(bad: np.ndarray, text: Any) -> None:
        for i in np.flatnonzero(bad):
            out.setdefault(int(i), []).append(text(i))

    th = scenario.theatre
    if th.sectors and (("theatre.line_km" in values)
                       or any(f"theatre.sectors[{x.name}].length_km" in values
                              for x in th.sectors)):
        line = get("theatre.line_km", support(th.line_km)[0])
        total = np.sum([get(f"theatre.sectors[{x.name}].length_km", x.length_km)
                        for x in th.sectors], axis=0)
        flag(~np.isclose(total, line, rtol=1e-9, atol=1e-9),
             lambda i: f"theatre.sectors: sector lengths sum to {total[i]:g} km, "
                       f"not line_km = {line[i]:g} km [sectors_sum]")
    adv = scenario.adversary
    if adv is not None and ("theatre.line_km" in values or "adversary.attack_sector_km" in values):
        line_lo = get("theatre.line_km", support(th.line_km)[0])
        width_hi = get("adversary.attack_sector_km", support(adv.attack_sector_km)[1])
        flag((line_lo > 0) & (line_lo < width_hi),
             lambda i: f"adversary.attack_sector_km: the attacked sector (up to "
                       f"{width_hi[i]:g} km) can be longer than the line (from "
                       f"{line_lo[i]:g} km) [wider_than_line]")
    result: list[str | None] = [None] * n
    for i, msgs in out.items():
        result[i] = "; ".join(msgs)
    return result


def _raw_support(x: Any) -> tuple[float, float] | None:
    """Support of a raw constant or distribution mapping; None if it is not valid."""
    from pydantic import TypeAdapter, ValidationError

    if _number(x):
        return float(x), float(x)
    if isinstance(x, dict):
        try:
            return support(TypeAdapter(Quantity).validate_python(x))
        except (ValidationError, ValueError, TypeError):
            return None
    return None


def _number(x: Any) -> bool:
    # an integer beyond float's range (10**400) is no usable number: float() overflows
    return isinstance(x, (int, float)) and not isinstance(x, bool) and \
        not (isinstance(x, int) and x.bit_length() > 1000)


def _get(d: Any, key: str, kind: type) -> Any:
    value = d.get(key) if isinstance(d, dict) else None
    return value if isinstance(value, kind) else kind()


def _block_missing(data: dict, block: str) -> bool:
    obj: Any = data
    for part in block.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
        if obj is None:
            return True
    return False


def _duplicates(loc: tuple[Any, ...], items: list):
    seen: set[str] = set()
    for i, item in enumerate(items):
        n = item.get("name") if isinstance(item, dict) else None
        if not isinstance(n, str):
            continue
        if n in seen:
            yield (loc + (i, "name"), "duplicate_name", f"name {n!r} is used twice", n)
        seen.add(n)
