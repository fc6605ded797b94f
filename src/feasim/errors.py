"""feasim's errors: a small hierarchy whose messages repeat the bad value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["FeasimError", "MissingDependency", "ProblemsError", "ScenarioError", "Problem"]


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
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.path or '(top level)'}: {self.message} [{self.rule}]"
        if self.has_value:
            shown = repr(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            text += f" (got {shown})"
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
