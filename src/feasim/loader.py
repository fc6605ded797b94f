"""Loading scenario files: safe YAML, every problem at once, dotted overrides.

YAML is read with :class:`yaml.SafeLoader` only, so a tag that would build a
Python object (``!!python/object/apply:...``) is rejected, never executed.
Duplicate keys, which plain YAML silently resolves to the last one, are errors.
Each problem names the file, line and column, the field path, the rule broken
and the value received.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Any, Iterable, Mapping, NoReturn

import yaml
from pydantic import ValidationError

from .distributions import DIST_NAMES
from .errors import Problem, ProblemsError, ScenarioError, clip, shown_value
from .schema import (LIMIT, MAX_CONTRIBUTORS, MAX_SECTORS, CrossFieldProblems, Scenario,
                     cross_problems)

__all__ = [
    "load_scenario",
    "parse_scenario",
    "validate_data",
    "with_overrides",
    "dump_scenario",
    "parse_override",
    "scenario_to_data",
    "check_samples",
    "read_input",
    "OverrideError",
    "MAX_BYTES",
    "MAX_NODES",
    "MAX_DEPTH",
]

Loc = tuple[Any, ...]
_UNION_TAGS = frozenset(("const",) + DIST_NAMES)


# ---------------------------------------------------------------- YAML with marks


#: Largest input file read (bytes, 2 MB: over 100 times the largest shipped scenario, and
#: room for 1,000 contributors with their sources; PyYAML reads some 0.7 to 2 MB a
#: second, so no file takes more than a few seconds). A larger one is refused (rule
#: ``too_large``) without being read further.
MAX_BYTES = 2_000_000
MAX_NODES = 100_000  # nodes a document may expand to, aliases included
MAX_DEPTH = 100      # nesting depth
#: Items a list may hold, by its place in a scenario, checked while the YAML is read so
#: that a file of 20,000 contributors is refused at the 1,001st (see :mod:`.schema`).
MAX_ITEMS: dict[Loc, int] = {("contributors",): MAX_CONTRIBUTORS,
                             ("theatre", "sectors"): MAX_SECTORS}

# YAML 1.2 floats that YAML 1.1 reads as text: 1e9, 1E+9, -2.5e-3, .5e3 (1.1 wants a
# dot and a signed exponent, 1.0e+9). Written as users write them, they are numbers.
_FLOAT_12 = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)[eE][-+]?[0-9]+$")


class _TooBig(Exception):
    def __init__(self, rule: str, message: str, mark: yaml.Mark | None, path: Loc = ()):
        super().__init__(message)
        self.rule, self.message, self.mark, self.path = rule, message, mark, path


class _BadScalar(Exception):
    """A scalar its tag cannot build (``!!float "abc"``, ``!!timestamp "x"``)."""

    def __init__(self, node: yaml.Node):
        super().__init__(node.tag)
        self.node = node


class _Loader(yaml.SafeLoader):
    """:class:`yaml.SafeLoader` (the global one is left alone) that also reads YAML 1.2
    floats, stops composing at :data:`MAX_NODES` nodes, :data:`MAX_DEPTH` levels and the
    :data:`MAX_ITEMS` of a list, before the whole text is parsed, and turns a scalar its
    tag cannot build into a problem at that scalar."""

    def __init__(self, stream: str, items: Mapping[Loc, int] | None = None):
        super().__init__(stream)
        self._nodes = 0
        self._path: list[Any] = []
        self._items = MAX_ITEMS if items is None else items

    def compose_node(self, parent: Any, index: Any) -> Any:
        mark = self.peek_event().start_mark
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _TooBig("too_large", f"holds more than {MAX_NODES:,} nodes", mark,
                          tuple(self._path))
        if index is None:  # a mapping's key: not a level of the path
            # PyYAML composes a key with index None; types-PyYAML types index as int
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        if len(self._path) >= MAX_DEPTH:
            raise _TooBig("too_deep", f"nested more than {MAX_DEPTH} levels", mark,
                          tuple(self._path))
        if isinstance(index, int):
            cap = self._items.get(tuple(self._path))
            if cap is not None and index >= cap:
                raise _TooBig("too_long", f"may hold at most {cap:,} items", mark,
                              tuple(self._path))
            self._path.append(index)
        else:
            self._path.append(index.value if isinstance(index, yaml.ScalarNode) else "?")
        try:
            return super().compose_node(parent, index)
        finally:
            self._path.pop()

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError, KeyError, AttributeError,
                IndexError) as exc:
            raise _BadScalar(node) from exc


_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+.0123456789"))


def _index(node: yaml.Node, loc: Loc, marks: dict[Loc, tuple[int, int]],
           problems: list[tuple[Loc, str, str, Any, yaml.Mark]],
           key_mark: yaml.Mark | None = None, stack: tuple = (),
           count: list[int] | None = None, paths: dict[int, Loc] | None = None) -> None:
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
    if paths is not None:
        paths.setdefault(id(node), loc)
    stack = stack + (id(node),)
    # Scalars point at their value; blocks at their key, where a missing field belongs.
    mark = key_mark if key_mark is not None and not isinstance(node, yaml.ScalarNode) \
        else node.start_mark
    marks[loc] = (mark.line + 1, mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            if paths is not None:
                paths.setdefault(id(key_node), loc)
            # (never repr() a node: it walks the whole graph below it, aliases and all)
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else \
                f"<{key_node.id} key at line {key_node.start_mark.line + 1}>"
            if key in seen:
                problems.append((loc + (key,), "duplicate_key",
                                 f"key {clip(repr(key))} appears more than once", key,
                                 key_node.start_mark))
            seen.add(key)
            _index(value_node, loc + (key,), marks, problems, key_node.start_mark, stack,
                   count, paths)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, loc + (i,), marks, problems, None, stack, count, paths)


def _where(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in ``text``."""
    offset = max(0, min(offset, len(text)))
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _read_yaml(text: str, filename: str, items: Mapping[Loc, int] | None = None
               ) -> tuple[Any, dict[Loc, tuple[int, int]], list[Problem]]:
    marks: dict[Loc, tuple[int, int]] = {}
    raw: list[tuple[Loc, str, str, Any, yaml.Mark]] = []
    paths: dict[int, Loc] = {}
    loader = None
    try:
        loader = _Loader(text, items)
        node = loader.get_single_node()
        if node is None:
            return None, marks, [Problem(filename, 1, 1, "", "empty", "the file holds no YAML document")]
        _index(node, (), marks, raw, paths=paths)
        data = loader.construct_document(node)
    except _TooBig as exc:
        line, col = (exc.mark.line + 1, exc.mark.column + 1) if exc.mark else (None, None)
        return None, marks, [Problem(filename, line, col, _show(exc.path), exc.rule,
                                     exc.message)]
    except _BadScalar as exc:
        return None, marks, [_scalar_problem(filename, text, exc.node, paths)]
    except RecursionError:
        line, col = _where(text, loader.get_mark().pointer) if loader else (None, None)
        return None, marks, [Problem(filename, line, col, "", "too_deep",
                                     "the document is nested too deeply")]
    except yaml.reader.ReaderError as exc:
        line, col = _where(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else \
            ord(exc.character[:1] or "?")
        what = "a NUL byte" if code == 0 else f"the character U+{code:04X}"
        return None, marks, [Problem(filename, line, col, "", "bad_character",
                                     f"{what} is not allowed in YAML text ({exc.reason})")]
    except yaml.constructor.ConstructorError as exc:
        problem = exc.problem or ""
        if "could not determine a constructor" in problem:
            return None, marks, [_yaml_problem(filename, exc, "unsafe_tag",
                                               "tags that build objects are not allowed")]
        rule = "unhashable_key" if "unhashable" in problem else "bad_tag"
        return None, marks, [_yaml_problem(filename, exc, rule, "")]
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


def _scalar_problem(filename: str, text: str, node: yaml.Node, paths: Mapping[int, Loc]
                    ) -> Problem:
    mark = node.start_mark
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    explicit = text.startswith("!", mark.pointer) if mark.pointer is not None else True
    value = node.value if isinstance(node, yaml.ScalarNode) else None
    where = (filename, mark.line + 1, mark.column + 1, _show(paths.get(id(node), ())))
    digits = value.strip().replace("_", "").lstrip("+-") if isinstance(value, str) else ""
    if tag == "!!int" and digits.isdigit():  # beyond Python's int() digit limit
        return Problem(*where, "too_large", f"an integer of {len(digits):,} digits is too "
                       "large for any field", f"<integer of {len(digits):,} digits>", True)
    if explicit:
        msg = f"the text cannot be read as {clip(tag)}, the tag given to it"
    else:
        kind = tag.lstrip("!")
        msg = f"the text looks like {'an' if kind[:1] in 'aeiou' else 'a'} {kind} but is not a valid one"
    return Problem(*where, "bad_tag" if explicit else "bad_value", msg, value,
                   isinstance(value, str))


def _yaml_problem(filename: str, exc: yaml.MarkedYAMLError, rule: str, extra: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    msg = " ".join(x for x in (exc.context, exc.problem) if x)
    if "simple key" in (exc.context or "") and "expected ':'" in (exc.problem or ""):
        msg += " (a key ends with ':' on its line and is at most 1,024 characters long)"
    if extra:
        msg = f"{extra}: {msg}"
    line = mark.line + 1 if mark else None
    col = mark.column + 1 if mark else None
    return Problem(filename, line, col, "", rule, msg)


def _check_data(data: Any) -> list[tuple[Loc, str, str, Any]]:
    """Plain data's structure problems, as ``(loc, rule, message, value)``: more than :data:`MAX_NODES` nodes counted with every repeat of a
    shared part (a billion-laughs graph built in Python), more than :data:`MAX_DEPTH`
    levels, a list or mapping that contains itself, and integers too large for any
    arithmetic (more than ~300 digits). Visits at most :data:`MAX_NODES` nodes."""
    found: list[tuple[Loc, str, str, Any]] = []
    count = 0
    active: set[int] = set()

    def walk(x: Any, loc: Loc) -> None:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise _TooBig("too_large", f"expands to more than {MAX_NODES:,} nodes "
                          "(shared parts counted each time)", None)
        if isinstance(x, int) and not isinstance(x, bool):
            if x.bit_length() > 1000:
                found.append((loc, "too_large", "a number of this many digits cannot be "
                              f"used (numbers must stay within ±{LIMIT:g})", x))
            return
        if not isinstance(x, (dict, list, tuple, set, frozenset)):
            return
        if len(loc) >= MAX_DEPTH:
            raise _TooBig("too_deep", f"nested more than {MAX_DEPTH} levels", None)
        if id(x) in active:
            raise _TooBig("recursive_alias", "contains itself", None)
        active.add(id(x))
        if isinstance(x, dict):
            for k, v in x.items():
                walk(v, loc + (k,))
        else:
            for i, v in enumerate(x):
                walk(v, loc + (i,))
        active.discard(id(x))

    try:
        walk(data, ())
    except _TooBig as exc:
        return [((), exc.rule, exc.message, None)]
    return found


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
                  prior: Iterable[Problem] = (),
                  base_dir: str | Path | None = None) -> Scenario:
    """Validate plain data (a dict as read from YAML) into a :class:`Scenario`.

    ``base_dir`` is the folder relative paths in the data (``theatre.line_file``) are
    read from (default: the working directory).
    Raises :class:`ScenarioError` listing every problem.
    """
    marks = marks or {}
    if not isinstance(data, dict):
        raise ScenarioError([Problem(filename, 1, 1, "", "not_a_mapping",
                                     "a scenario must be a mapping of keys to values",
                                     data, True)])
    problems = list(prior)
    hostile = _check_data(data)
    if hostile:  # nothing is validated that could hang or overflow on the way
        raise ScenarioError(problems + [
            _problem(loc, rule, msg, value, value is not None, filename, marks, origin or {})
            for loc, rule, msg, value in hostile])
    try:
        scenario = Scenario.model_validate(data, context={"base_dir": base_dir})
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
                   overrides: Iterable[str] | Mapping[str, Any] | None = None,
                   base_dir: str | Path | None = None) -> Scenario:
    """Parse YAML text into a validated scenario, applying ``overrides`` first;
    relative paths in it are read from ``base_dir`` (default: the working directory)."""
    data, marks, problems = _read_yaml(text, filename)
    if data is None and problems:
        raise ScenarioError(problems)
    origin: dict[Loc, str] = {}
    if overrides:
        data, origin, bad = _apply_overrides(data, overrides)
        problems = problems + bad
    # Duplicate keys and bad overrides are reported together with the validation problems.
    return validate_data(data, filename, marks, origin, prior=problems, base_dir=base_dir)


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
    return parse_scenario(read_input(path, ScenarioError), str(path), overrides,
                          base_dir=path.parent)


_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"))


def read_input(path: Path, error: type[ProblemsError] = ScenarioError) -> str:
    """The text of an input file, or ``error`` (a ProblemsError) saying why it cannot be read.

    Only a regular file is read (a FIFO would block, ``/dev/zero`` never ends), of at
    most :data:`MAX_BYTES` bytes, as UTF-8; an undecodable byte is reported at its line.
    """
    name = str(path)

    def fail(rule: str, message: str, line: int | None = None,
             col: int | None = None) -> NoReturn:
        raise error([Problem(name, line, col, "", rule, message)]) from None

    def check(st: os.stat_result) -> None:
        if not stat.S_ISREG(st.st_mode):
            kind = next((k for test, k in _KINDS if test(st.st_mode)), "not a regular file")
            fail("not_a_file", f"cannot read file: it is {kind}, not a regular file")
        if st.st_size > MAX_BYTES:
            fail("too_large", f"the file has {st.st_size:,} bytes; at most {MAX_BYTES:,} "
                              "are read")

    try:
        check(os.stat(path))  # before opening: opening a FIFO to read waits for a writer
        # O_NONBLOCK: should a FIFO replace the file meanwhile, open() does not wait
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        fail("unreadable", f"cannot read file: {exc.strerror or exc}")
    try:
        with os.fdopen(fd, "rb") as fh:
            check(os.fstat(fh.fileno()))  # the file opened is the file checked
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        fail("unreadable", f"cannot read file: {exc.strerror or exc}")
    if len(data) > MAX_BYTES:
        fail("too_large", f"the file has more than {MAX_BYTES:,} bytes; at most "
                          f"{MAX_BYTES:,} are read")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        col = len(data[start:exc.start].decode("utf-8", "replace")) + 1
        fail("not_utf8", f"cannot read file: not UTF-8 text: byte 0x{data[exc.start]:02x} "
                         f"(byte offset {exc.start:,}) {exc.reason}", line, col)


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
            raise ValueError(f"cannot parse path {clip(repr(path))} at position {pos}")
        out.append(("item", m.group(1)) if m.group(1) is not None else ("key", m.group(2)))
        pos = m.end()
    if not out:
        raise ValueError("empty path")
    return out


class OverrideError(ValueError):
    """A ``--set`` text that cannot be read; ``rule`` names why (``bad_override``,
    ``yaml_syntax``, ``too_deep``, ``too_large``, ``bad_tag``...)."""

    def __init__(self, message: str, rule: str = "bad_override"):
        super().__init__(message)
        self.rule = rule


def parse_override(text: str) -> tuple[str, Any]:
    """``'posture.patrols.teams=120'`` → ``('posture.patrols.teams', 120)``.

    The value is read as YAML (safely, with the limits of a file: nodes, depth, tags;
    ``1e9`` is a number), so ``{dist: uniform, low: 1, high: 2}`` sets a distribution
    and ``null`` removes an optional block. Raises :class:`OverrideError` (a
    ``ValueError``) with a one-line message.
    """
    if "=" not in text:
        raise OverrideError(f"expected KEY=VALUE, got {clip(repr(text))}")
    key, _, raw = text.partition("=")
    key = key.strip()
    if not raw.strip():
        return key, None
    data, _, problems = _read_yaml(raw, "--set", items={})
    if problems and problems[0].rule == "empty":  # only a comment: as YAML, null
        return key, None
    if problems:
        p = problems[0]
        where = "" if p.column is None else (
            f" (at column {p.column})" if "\n" not in raw else
            f" (at line {p.line}, column {p.column})")
        raise OverrideError(f"cannot read the value as YAML: {p.message}{where}",
                            p.rule if p.rule != "duplicate_key" else "yaml_syntax")
    return key, data


def _set(data: Any, path: str, value: Any) -> Loc:
    tokens = _tokens(path)
    obj = data
    loc: list[Any] = []
    for i, (kind, text) in enumerate(tokens):
        last = i == len(tokens) - 1
        if kind == "key":
            if not isinstance(obj, dict):
                raise ValueError(f"{clip(_show(loc)) or 'top level'} is not a mapping")
            loc.append(text)
            if last:
                obj[text] = value
            else:
                if obj.get(text) is None:
                    obj[text] = {} if tokens[i + 1][0] == "key" else []
                obj = obj[text]
        else:
            if not isinstance(obj, list):
                raise ValueError(f"{clip(_show(loc))} is not a list")
            index = _find_item(obj, text, clip(_show(loc)))
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
        index = int(key) if len(key) <= 20 else None  # (int() refuses 4,300 digits)
        if index is not None and -len(items) <= index < len(items):
            return index % len(items)
        raise ValueError(f"{where} has no item {clip(key)} (it has {len(items)}, from 0)")
    names = [str(x.get("name")) for x in items if isinstance(x, dict) and "name" in x]
    raise ValueError(f"{where} has no item named {clip(repr(key))} "
                     f"(names: {clip(', '.join(names) or 'none', 4 * 80)})")


def _apply_overrides(data: Any, overrides: Iterable[str] | Mapping[str, Any]):
    import copy

    data = copy.deepcopy(data)
    pairs: list[tuple[str, Any, str]] = []
    problems: list[Problem] = []
    items = overrides.items() if isinstance(overrides, Mapping) else overrides
    for item in items:
        if isinstance(item, tuple):
            key, value = item
            if not isinstance(key, str):
                problems.append(Problem(f"--set {shown_value(key)}", None, None, "",
                                        "bad_override", "a path must be a string", key, True))
                continue
            label = f"--set {clip(key)}"
            hostile = _check_data(value)
            if hostile:  # a value that could hang or overflow what comes after
                problems += [Problem(label, None, None, clip(_show((key,) + loc)), rule, msg,
                                     v, v is not None) for loc, rule, msg, v in hostile]
                continue
        else:
            label = f"--set {clip(str(item))}"
            try:
                key, value = parse_override(item)
            except ValueError as exc:
                key = str(item).partition("=")[0].strip() if "=" in str(item) else ""
                problems.append(Problem(label, None, None, key,
                                        getattr(exc, "rule", "bad_override"), str(exc), item,
                                        True))
                continue
        pairs.append((key, value, label))
    origin: dict[Loc, str] = {}
    for key, value, label in pairs:
        try:
            origin[_set(data, key, value)] = f"{label}\0{key}"
        except ValueError as exc:
            problems.append(Problem(label, None, None, key, "bad_override", str(exc)))
    return data, origin, problems


# ---------------------------------------------------------------- memory of a run

#: Bytes the analytic model holds per Monte Carlo sample, and per sample and contributor
#: (measured: peak RSS of ``feasim run``, ``frontier``, ``breakeven`` and ``discover`` on
#: the shipped claims at 10^5 to 10^6 samples, about 1,000 to 1,100 bytes a sample, some
#: 40 more per contributor), and the margin kept on top of it.
BYTES_PER_SAMPLE = 1_200
BYTES_PER_SAMPLE_PER_CONTRIBUTOR = 50
MEMORY_MARGIN = 2.0


def available_memory() -> int | None:
    """Bytes of memory this process can use now: ``MemAvailable`` (Linux), else the
    physical memory, bounded by a cgroup limit; None when unknown."""
    found: list[int] = []
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    if not found:
        try:
            found.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (AttributeError, ValueError, OSError):
            pass
    for cgroup in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(cgroup, encoding="ascii") as fh:
                text = fh.read().strip()
            if text.isdigit() and int(text) < 2**60:
                found.append(int(text))
        except (OSError, ValueError):
            pass
    return min(found) if found else None


def samples_memory(scenario: Scenario, samples: int) -> int:
    """Estimated bytes of memory an analytic run of ``samples`` samples needs, margin
    included."""
    per = BYTES_PER_SAMPLE + BYTES_PER_SAMPLE_PER_CONTRIBUTOR * len(scenario.contributors)
    return int(MEMORY_MARGIN * per * samples)


def check_samples(scenario: Scenario, samples: int | None = None, source: str = "") -> None:
    """Refuse, before anything is allocated, a Monte Carlo run this machine cannot hold.

    ``samples`` is the run's (None: the scenario's ``uncertainty.samples``); ``source``
    names where it comes from in the message. Raises :class:`ScenarioError` (rule
    ``too_many_samples``) saying the limit, when the estimate of
    :func:`samples_memory` exceeds :func:`available_memory`.
    """
    n = scenario.uncertainty.samples if samples is None else samples
    avail = available_memory()
    need = samples_memory(scenario, n)
    if avail is None or need <= avail:
        return
    most = max(1, int(avail // samples_memory(scenario, 1)))
    where = (source or f"<{scenario.name}>") if samples is None else f"--samples {n}"
    raise ScenarioError([Problem(
        clip(where, 4 * 80), None, None, "uncertainty.samples", "too_many_samples",
        f"{n:,} samples need about {need / 1e9:,.1f} GB of memory, more than the "
        f"{avail / 1e9:,.1f} GB available here (at most about {most:,} samples fit): use "
        "fewer samples, or split the work into a sweep (feasim sweep) of smaller runs",
        n, True)])


def scenario_to_data(scenario: Scenario) -> dict[str, Any]:
    """Plain data (JSON/YAML-ready) that validates back to an equal scenario.

    With a ``mission`` preset the posture is written as what it adds to the preset, so
    that the preset's counts follow a changed line length.
    """
    data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
    if scenario.mission is not None:
        from .presets import _line_mean, posture_overrides

        line = _line_mean(data["theatre"]["line_km"])
        if line is not None:  # (without a mean length apply_preset leaves posture as it is)
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
