"""Reading the packaged YAML files, validating them, caching the result.

Files are read with :func:`importlib.resources.files`, so the data loads the
same from a source tree, an installed wheel or a zip. YAML goes through
:func:`yaml.safe_load` only. Every problem in a file is collected into one
:class:`RefDataError` naming the file, the field path, the rule and the value.
"""

from __future__ import annotations

import functools
from importlib.resources import files
from types import MappingProxyType
from typing import Any, Iterable, Mapping, TypeVar

import yaml
from pydantic import TypeAdapter, ValidationError

from ..errors import Problem, ProblemsError
from ._types import Claim, Figure, Mission, Rule, Source

__all__ = ["RefDataError", "DATA_FILES", "read_text", "parse", "load_missions",
           "load_rules", "load_figures", "load_sources", "load_claims"]

T = TypeVar("T")

#: The packaged data files and the top-level key each one holds.
DATA_FILES: Mapping[str, str] = MappingProxyType({
    "missions.yaml": "missions",
    "rules.yaml": "rules",
    "figures.yaml": "figures",
    "sources.yaml": "sources",
    "claims.yaml": "claims",
})


class RefDataError(ProblemsError):
    """A reference-data file is invalid; ``problems`` lists every problem found."""

    what = "reference data"


def read_text(name: str) -> str:
    """The text of packaged data file ``name`` (e.g. ``"missions.yaml"``)."""
    return files(__package__).joinpath(name).read_text(encoding="utf-8")


def _problem(filename: str, path: str, rule: str, message: str, value: Any = None,
             has_value: bool = True) -> Problem:
    return Problem(filename, None, None, path, rule, message, value, has_value)


def _path(section: str, loc: Iterable[Any]) -> str:
    out = section
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _rows(data: Any, section: str, filename: str) -> list[Any]:
    if not isinstance(data, dict) or not isinstance(data.get(section), list):
        raise RefDataError([_problem(filename, section, "missing",
                                     f"expected a top-level mapping with a list {section!r}",
                                     data)])
    return data[section]


def _key_of(obj: Any) -> str:
    return obj.id if isinstance(obj, Claim) else obj.key


def _cross_checks(items: list[Any], section: str, filename: str,
                  known_sources: Mapping[str, Any] | None) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"{section}[{i}]"
        key = _key_of(item)
        if key in seen:
            problems.append(_problem(filename, where, "duplicate_key",
                                     f"key {key!r} appears more than once", key))
        seen.add(key)
        for lo, hi in _bounds(item):
            low, high = getattr(item, lo), getattr(item, hi)
            if low is not None and high is not None and low > high:
                problems.append(_problem(filename, f"{where}.{lo}", "low_above_high",
                                         f"{lo}(={low}) must be <= {hi}(={high})", low))
        problems += _item_checks(item, where, filename)
        for src in getattr(item, "sources", ()):
            if known_sources is not None and src not in known_sources:
                problems.append(_problem(filename, f"{where}.sources", "unknown_source",
                                         f"source {src!r} is not a key of sources.yaml", src))
    return problems


def _bounds(item: Any) -> list[tuple[str, str]]:
    if isinstance(item, Mission):
        return [("strength_low", "strength_high"), ("line_km_low", "line_km_high")]
    if isinstance(item, (Rule, Figure)):
        return [("low", "high")]
    if isinstance(item, Claim):
        return [("troops_low", "troops_high")]
    return []


def _item_checks(item: Any, where: str, filename: str) -> list[Problem]:
    out: list[Problem] = []
    if isinstance(item, Mission):
        if (item.line_km_low is None) != (item.line_km_high is None):
            out.append(_problem(filename, f"{where}.line_km_high", "incomplete_line",
                                "give both line_km_low and line_km_high, or neither",
                                item.line_km_high))
        if (item.comparability == "no_line") != (not item.has_line):
            out.append(_problem(filename, f"{where}.comparability", "line_mismatch",
                                "comparability is 'no_line' exactly when there is no line",
                                item.comparability))
        d, low, high = item.density_line_km, item.line_km_low, item.line_km_high
        # (an incomplete line is reported above: only a whole one bounds the density)
        if d is not None and low is not None and high is not None and not low <= d <= high:
            out.append(_problem(filename, f"{where}.density_line_km", "out_of_range",
                                "density_line_km must lie within the line's low..high", d))
    if isinstance(item, Claim):
        if (item.troops_low is None) != (item.troops_high is None):
            out.append(_problem(filename, f"{where}.troops_high", "incomplete_troops",
                                "give both troops_low and troops_high, or neither",
                                item.troops_high))
        if item.at_least and not item.has_troops:
            out.append(_problem(filename, f"{where}.at_least", "no_troops",
                                "at_least qualifies a troop figure: give troops_low and "
                                "troops_high", item.at_least))
    if isinstance(item, Rule) and item.value is not None and not item.low <= item.value <= item.high:
        out.append(_problem(filename, f"{where}.value", "out_of_range",
                            f"value must lie within low..high ({item.low}..{item.high})",
                            item.value))
    return out


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` through libyaml where PyYAML has it (the same safe constructor,
    ten times faster on the packaged data that ``feasim run`` reads)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def parse(text: str, filename: str, cls: type[T],
          known_sources: Mapping[str, Any] | None = None) -> tuple[T, ...]:
    """Parse and validate one data file's text into a tuple of ``cls`` records.

    ``known_sources`` (key → anything), when given, is what every ``sources``
    entry must cite. Raises :class:`RefDataError` listing every problem.
    """
    section = DATA_FILES.get(filename, f"{cls.__name__.lower()}s")
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        raise RefDataError([_problem(filename, "", "yaml_syntax", str(exc),
                                     has_value=False)]) from None
    rows = _rows(data, section, filename)
    try:
        # list[cls] is built at run time for pydantic; mypy reads a subscript as a static
        # type, and pydantic's TypeForm parameter accepts no runtime alias either
        adapter: TypeAdapter[list[T]] = TypeAdapter(list[cls])  # type: ignore[valid-type]
        items = list(adapter.validate_python(rows))
    except ValidationError as err:
        raise RefDataError([_problem(filename, _path(section, e["loc"]), e["type"],
                                     e["msg"], e.get("input")) for e in err.errors()]) from None
    problems = _cross_checks(items, section, filename, known_sources)
    if problems:
        raise RefDataError(problems)
    return tuple(items)


def _load(filename: str, cls: type[T], known: Mapping[str, Any] | None) -> tuple[T, ...]:
    return parse(read_text(filename), filename, cls, known)


@functools.cache
def load_sources() -> Mapping[str, Source]:
    """Sources of the reference data by key (read-only mapping)."""
    return MappingProxyType({s.key: s for s in _load("sources.yaml", Source, None)})


@functools.cache
def load_claims() -> Mapping[str, Claim]:
    """Claims of the claims data by id (read-only mapping)."""
    return MappingProxyType({c.id: c for c in _load("claims.yaml", Claim, None)})


@functools.cache
def load_missions() -> tuple[Mission, ...]:
    """Missions in file order."""
    return _load("missions.yaml", Mission, load_sources())


@functools.cache
def load_rules() -> tuple[Rule, ...]:
    """Rules of thumb in file order."""
    return _load("rules.yaml", Rule, load_sources())


@functools.cache
def load_figures() -> tuple[Figure, ...]:
    """Estimates, adversary/partner figures and sensor proxies in file order."""
    return _load("figures.yaml", Figure, load_sources())
