"""feasim's errors: a small hierarchy whose messages repeat the bad value."""

from __future__ import annotations

import re
import reprlib
from dataclasses import dataclass
from typing import Any

__all__ = ["FeasimError", "MissingDependency", "ProblemsError", "ScenarioError", "Problem",
           "clip", "shown_value"]

#: Characters of a value, field path or key shown in a message; longer ones end in "...".
SHOWN = 80


def clip(text: str, limit: int = SHOWN) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with "..."."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Repr(reprlib.Repr):
    """A repr that looks at a few items of a few levels only: its time and memory are
    bounded whatever the value (a huge list, a deep nest, a billion-laughs graph of
    shared references, a number of thousands of digits)."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxtuple = self.maxlist = self.maxarray = self.maxset = self.maxfrozenset = 6
        self.maxdeque = 6
        self.maxdict = 4
        self.maxstring = SHOWN
        self.maxlong = 40
        self.maxother = SHOWN

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 256:  # repr itself is quadratic, and refused past 4,300 digits
            return f"<integer of about {int(x.bit_length() * 0.30103) + 1:,} digits>"
        return super().repr_int(x, level)

    def repr_dict(self, x: dict, level: int) -> str:
        # reprlib sorts every key first: take the first few in order instead.
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        items = []
        for i, (k, v) in enumerate(x.items()):
            if i >= self.maxdict:
                items.append("...")
                break
            items.append(f"{self.repr1(k, level - 1)}: {self.repr1(v, level - 1)}")
        return "{" + ", ".join(items) + "}"

    def repr_instance(self, x: Any, level: int) -> str:
        try:
            return clip(repr(x), self.maxother)
        except Exception:  # noqa: BLE001 - a value whose repr fails is still shown
            return f"<{type(x).__name__}>"


_REPR = _Repr()


def shown_value(value: Any, limit: int = SHOWN) -> str:
    """A short repr of ``value`` for a message, at most ``limit`` characters, computed in
    bounded time and memory (see :class:`_Repr`)."""
    try:
        text = _REPR.repr(value)
    except Exception:  # noqa: BLE001 - e.g. RecursionError from a hostile __repr__
        text = f"<{type(value).__name__}>"
    return clip(text, limit)


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text)


class FeasimError(Exception):
    """Base of every error feasim raises on purpose."""


class MissingDependency(FeasimError, ImportError):
    """An optional package a feature needs is not installed; the message says which extra."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where, which rule, and the value received."""

    file: str
    line: int | None  # 1-based
    column: int | None  # 1-based
    path: str  # field path, e.g. "contributors[0].troops"
    rule: str  # e.g. "out_of_range", "missing", "extra_forbidden"
    message: str
    value: Any = None
    has_value: bool = False

    def __str__(self) -> str:
        # One line, bounded: a file name, field path or message is cut (a path given on
        # the command line can be 100,000 characters) and the value is a bounded repr.
        where = clip(_one_line(self.file), 4 * SHOWN)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        path = clip(_one_line(self.path)) if self.path else "(top level)"
        text = f"{where}: {path}: {clip(_one_line(self.message), 6 * SHOWN)} [{self.rule}]"
        if self.has_value:
            text += f" (got {shown_value(self.value)})"
        return text


class ProblemsError(FeasimError, ValueError):
    """Invalid input; ``problems`` lists every problem found, not only the first."""

    what = "input"

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in {self.what}:"
        super().__init__("\n".join([head] + [f"  - {p}" for p in self.problems]))


class ScenarioError(ProblemsError):
    """A scenario file or override is invalid; ``problems`` lists every problem found."""

    what = "scenario"
