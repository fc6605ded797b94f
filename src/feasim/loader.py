"""Loading scenario files: safe YAML, every problem at once, dotted overrides.

YAML is read with :class:`yaml.SafeLoader` only, so a tag that would build a
Python object (``!!python/object/apply:...``) is rejected, never executed.
Duplicate keys, which plain YAML silently resolves to the last one, are errors.
Each problem names the file, line and column, the field path, the rule broken
and the value received.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml
from pydantic import ValidationError

from .distributions import DIST_NAMES
from .errors import Problem, ProblemsError, ScenarioError
from .schema import CrossFieldProblems, Scenario, cross_problems

__all__ = [
    "load_scenario",
    "parse_scenario",
    "validate_data",
    "with_overrides",
    "dump_scenario",
    "parse_override",
    "scenario_to_data",
]

Loc = tuple[Any, ...]
_UNION_TAGS = frozenset(("const",) + DIST_NAMES)


# ---------------------------------------------------------------- YAML with marks


MAX_NODES = 100_000  # nodes a document may expand to, aliases included
MAX_DEPTH = 100      # nesting depth


class _TooBig(Exception):
    def __init__(self, rule: str, message: str, mark: yaml.Mark):
        super().__init__(message)
        self.rule, self.message, self.mark = rule, message, mark


def _index(node: yaml.Node, loc: Loc, marks: dict[Loc, tuple[int, int]],
           problems: list[tuple[Loc, str, str, Any, yaml.Mark]],
           key_mark: yaml.Mark | None = None, stack: tuple = (),
           count: list[int] | None = None) -> None:
    # Aliases make a document a graph: refuse cycles, depth and expansion bombs
    # before anything is built from it.
    count = count if count is not None else [0]
    count[0] += 1
    if id(node) in stack:
        raise _TooBig("recursive_alias", "an alias refers to a node that contains it",
                      node.start_mark)
    if len(stack) > MAX_DEPTH:
        raise _TooBig("too_deep", f"nested more than {MAX_DEPTH} levels", node.start_mark)
    if count[0] > MAX_NODES:
        raise _TooBig("too_large", f"expands to more than {MAX_NODES:,} nodes "
                      f"(aliases included)", node.start_mark)
    stack = stack + (id(node),)
    # Scalars point at their value; blocks at their key, where a missing field belongs.
    mark = key_mark if key_mark is not None and not isinstance(node, yaml.ScalarNode) \
        else node.start_mark
    marks[loc] = (mark.line + 1, mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
            if key in seen:
                problems.append((loc + (key,), "duplicate_key",
                                 f"key {key!r} appears more than once", key, key_node.start_mark))
            seen.add(key)
            _index(value_node, loc + (key,), marks, problems, key_node.start_mark, stack, count)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, loc + (i,), marks, problems, None, stack, count)


def _read_yaml(text: str, filename: str) -> tuple[Any, dict[Loc, tuple[int, int]], list[Problem]]:
    marks: dict[Loc, tuple[int, int]] = {}
    raw: list[tuple[Loc, str, str, Any, yaml.Mark]] = []
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None, marks, [Problem(filename, 1, 1, "", "empty", "the file holds no YAML document")]
        _index(node, (), marks, raw)
        data = loader.construct_document(node)
    except _TooBig as exc:
        return None, marks, [Problem(filename, exc.mark.line + 1, exc.mark.column + 1, "",
                                     exc.rule, exc.message)]
    except RecursionError:
        return None, marks, [Problem(filename, None, None, "", "too_deep",
                                     "the document is nested too deeply")]
    except yaml.constructor.ConstructorError as exc:
        return None, marks, [_yaml_problem(filename, exc, "unsafe_tag",
                                           "tags that build objects are not allowed")]
    except yaml.MarkedYAMLError as exc:
        return None, marks, [_yaml_problem(filename, exc, "yaml_syntax", "")]
    except yaml.YAMLError as exc:
        return None, marks, [Problem(filename, None, None, "", "yaml_syntax", str(exc))]
    finally:
        if loader is not None:
            loader.dispose()
    problems = [Problem(filename, m.line + 1, m.column + 1, _show(loc), rule, msg, val, True)
                for loc, rule, msg, val, m in raw]
    return data, marks, problems


def _yaml_problem(filename: str, exc: yaml.MarkedYAMLError, rule: str, extra: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    msg = " ".join(x for x in (exc.context, exc.problem) if x)
    if extra:
        msg = f"{extra}: {msg}"
    line = mark.line + 1 if mark else None
    col = mark.column + 1 if mark else None
    return Problem(filename, line, col, "", rule, msg)


# ---------------------------------------------------------------- validation


def _show(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _locate(loc: Loc, marks: Mapping[Loc, tuple[int, int]]) -> tuple[Loc, tuple[int, int] | None]:
    """Drop union tags pydantic adds to locations; find the deepest YAML node reached."""
    shown: list[Any] = []
    here: Loc = ()
    found = marks.get((), None)
    for part in loc:
        if here + (part,) in marks:
            here = here + (part,)
            found = marks[here]
            shown.append(part)
        elif isinstance(part, str) and part in _UNION_TAGS:
            continue
        else:
            shown.append(part)
            here = here + (part,)
    return tuple(shown), found


def _problems_from(err: ValidationError, filename: str, marks, origin: Mapping[Loc, str]):
    for e in err.errors():
        ctx = e.get("ctx") or {}
        exc = ctx.get("error")
        if isinstance(exc, CrossFieldProblems):
            for loc, rule, msg, value in exc.problems:
                yield _problem(tuple(e["loc"]) + tuple(loc), rule, msg, value, True,
                               filename, marks, origin)
            continue
        msg = e["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        rule = e["type"]
        if rule == "value_error":
            rule = "invalid_value"
        has_value = rule != "missing"
        yield _problem(tuple(e["loc"]), rule, msg, e.get("input"), has_value,
                       filename, marks, origin)


def _problem(loc, rule, msg, value, has_value, filename, marks, origin) -> Problem:
    shown, mark = _locate(loc, marks)
    for prefix, where in origin.items():
        label, _, key = where.partition("\0")
        if shown[: len(prefix)] == prefix:
            # Name the field as the override did (contributors[France], not [1]).
            rest = _show(shown[len(prefix):])
            path = key + ("" if not rest else rest if rest.startswith("[") else "." + rest)
            return Problem(label, None, None, path or _show(shown), rule, msg, value, has_value)
        if shown and prefix[: len(shown)] == tuple(shown) and tuple(shown) not in marks:
            # A block the override created (--set nope.x=3 makes 'nope'): blame the override.
            return Problem(label, None, None, _show(shown), rule, msg, value, has_value)
    line, col = mark if mark else (None, None)
    return Problem(filename, line, col, _show(shown), rule, msg, value, has_value)


def validate_data(data: Any, filename: str = "<data>",
                  marks: Mapping[Loc, tuple[int, int]] | None = None,
                  origin: Mapping[Loc, str] | None = None,
                  prior: Iterable[Problem] = ()) -> Scenario:
    """Validate plain data (a dict as read from YAML) into a :class:`Scenario`.

    Raises :class:`ScenarioError` listing every problem.
    """
    marks = marks or {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(filename, 1, 1, "", "not_a_mapping",
                                     "a scenario must be a mapping of keys to values",
                                     data, True)])
    problems = list(prior)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        problems += _problems_from(err, filename, marks, origin or {})
        if not any(isinstance((e.get("ctx") or {}).get("error"), CrossFieldProblems)
                   for e in err.errors()):
            # Field errors stop pydantic before its cross-field checks: run them on the data.
            problems += [_problem(loc, rule, msg, value, True, filename, marks, origin or {})
                         for loc, rule, msg, value in cross_problems(data)]
    if problems:
        raise ScenarioError(sorted(problems, key=lambda p: (p.line is None, p.line or 0,
                                                            p.column or 0)))
    return scenario


def parse_scenario(text: str, filename: str = "<string>",
                   overrides: Iterable[str] | Mapping[str, Any] | None = None) -> Scenario:
    """Parse YAML text into a validated scenario, applying ``overrides`` first."""
    data, marks, problems = _read_yaml(text, filename)
    if data is None and problems:
        raise ScenarioError(problems)
    origin: dict[Loc, str] = {}
    if overrides:
        data, origin, bad = _apply_overrides(data, overrides)
        problems = problems + bad
    # Duplicate keys and bad overrides are reported together with the validation problems.
    return validate_data(data, filename, marks, origin, prior=problems)


def load_scenario(path: str | Path,
                  overrides: Iterable[str] | Mapping[str, Any] | None = None) -> Scenario:
    """Load and validate a scenario file.

    Parameters
    ----------
    path:
        A YAML scenario file.
    overrides:
        ``["posture.patrols.teams=120", ...]`` or ``{"posture.patrols.teams": 120}``,
        applied before validation (see :func:`with_overrides`).

    Raises
    ------
    ScenarioError
        With every problem: file, line, column, field path, rule and value.
    """
    path = Path(path)
    return parse_scenario(read_input(path, ScenarioError), str(path), overrides)


def read_input(path: Path, error: type[ProblemsError] = ScenarioError) -> str:
    """The text of an input file, or ``error`` (a ProblemsError) saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error([Problem(str(path), None, None, "", "unreadable",
                             f"cannot read file: {exc}")]) from None


# ---------------------------------------------------------------- overrides

_TOKEN = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")


def _tokens(path: str) -> list[tuple[str, str]]:
    """Split ``a.b[France].c`` into (kind, text): kind 'key' or 'item'."""
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(path):
        if path[pos] == "." and out:
            pos += 1
        m = _TOKEN.match(path, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot parse path {path!r} at position {pos}")
        out.append(("item", m.group(1)) if m.group(1) is not None else ("key", m.group(2)))
        pos = m.end()
    if not out:
        raise ValueError("empty path")
    return out


def parse_override(text: str) -> tuple[str, Any]:
    """``'posture.patrols.teams=120'`` → ``('posture.patrols.teams', 120)``.

    The value is read as YAML (safely), so ``{dist: uniform, low: 1, high: 2}``
    sets a distribution and ``null`` removes an optional block.
    """
    if "=" not in text:
        raise ValueError(f"expected KEY=VALUE, got {text!r}")
    key, _, raw = text.partition("=")
    key = key.strip()
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError as exc:
        raise ValueError(f"cannot read value {raw!r} as YAML: {exc}") from None
    return key, value


def _set(data: Any, path: str, value: Any) -> Loc:
    tokens = _tokens(path)
    obj = data
    loc: list[Any] = []
    for i, (kind, text) in enumerate(tokens):
        last = i == len(tokens) - 1
        if kind == "key":
            if not isinstance(obj, dict):
                raise ValueError(f"{_show(loc) or 'top level'} is not a mapping")
            loc.append(text)
            if last:
                obj[text] = value
            else:
                if obj.get(text) is None:
                    obj[text] = {} if tokens[i + 1][0] == "key" else []
                obj = obj[text]
        else:
            if not isinstance(obj, list):
                raise ValueError(f"{_show(loc)} is not a list")
            index = _find_item(obj, text, _show(loc))
            loc.append(index)
            if last:
                obj[index] = value
            else:
                obj = obj[index]
    return tuple(loc)


def _find_item(items: list, key: str, where: str) -> int:
    for i, item in enumerate(items):
        if isinstance(item, dict) and str(item.get("name")) == key:
            return i
    if re.fullmatch(r"-?\d+", key):
        index = int(key)
        if -len(items) <= index < len(items):
            return index % len(items)
        raise ValueError(f"{where} has no item {index} (it has {len(items)}, from 0)")
    names = [str(x.get("name")) for x in items if isinstance(x, dict) and "name" in x]
    raise ValueError(f"{where} has no item named {key!r} (names: {', '.join(names) or 'none'})")


def _apply_overrides(data: Any, overrides: Iterable[str] | Mapping[str, Any]):
    import copy

    data = copy.deepcopy(data)
    pairs: list[tuple[str, Any, str]] = []
    problems: list[Problem] = []
    items = overrides.items() if isinstance(overrides, Mapping) else overrides
    for item in items:
        if isinstance(item, tuple):
            key, value = item
            label = f"--set {key}"
        else:
            label = f"--set {item}"
            try:
                key, value = parse_override(item)
            except ValueError as exc:
                problems.append(Problem(label, None, None, "", "bad_override", str(exc), item, True))
                continue
        pairs.append((key, value, label))
    origin: dict[Loc, str] = {}
    for key, value, label in pairs:
        try:
            origin[_set(data, key, value)] = f"{label}\0{key}"
        except ValueError as exc:
            problems.append(Problem(label, None, None, key, "bad_override", str(exc)))
    return data, origin, problems


def scenario_to_data(scenario: Scenario) -> dict[str, Any]:
    """Plain data (JSON/YAML-ready) that validates back to an equal scenario.

    With a ``mission`` preset the posture is written as what it adds to the preset, so
    that the preset's counts follow a changed line length.
    """
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    if scenario.mission is not None:
        from .presets import _line_mean, posture_overrides

        line = _line_mean(data["theatre"]["line_km"])
        data["posture"] = posture_overrides(scenario.mission, line, data.get("posture", {}))
    return data


def with_overrides(scenario: Scenario, overrides: Iterable[str] | Mapping[str, Any]) -> Scenario:
    """A validated copy of ``scenario`` with dotted-path overrides applied.

    Paths use the syntax of ``--set``: ``posture.patrols.teams``,
    ``contributors[France].troops`` (by name) or ``contributors[0].troops``
    (by index), ``conditions.us_backstop``.
    """
    data, origin, bad = _apply_overrides(scenario_to_data(scenario), overrides)
    return validate_data(data, f"<{scenario.name}>", None, origin, prior=bad)


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as YAML text that :func:`parse_scenario` reads back to an equal one."""
    return yaml.safe_dump(scenario_to_data(scenario), sort_keys=False, allow_unicode=True)
