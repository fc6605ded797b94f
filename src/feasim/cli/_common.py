"""What every command shares: exit codes, argument types, common options, JSON hygiene."""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import Any, Protocol

from ..errors import FeasimError, clip

EXIT_OK, EXIT_ERROR, EXIT_INPUT = 0, 1, 2


class UsageError(FeasimError):
    """Options that do not go together."""


class Adder(Protocol):
    """``add(name, **kw)``: a new sub-command's parser, with the options every command has."""

    def __call__(self, name: str, **kw: Any) -> argparse.ArgumentParser: ...

_MAX_WHOLE = 10**18  # counts and seeds beyond this are typing errors, not requests


def whole(text: str) -> int:
    """A whole number, also written as users write large ones: 1e5, 2.5E6."""
    exact: int | None
    try:
        exact = int(text) if len(text) <= 40 else None
    except ValueError:
        exact = None
    if exact is not None:
        if abs(exact) > _MAX_WHOLE:
            raise argparse.ArgumentTypeError(f"too large: at most 10^18, got {clip(text)}")
        return exact
    if len(text) > 40 and text.strip().lstrip("+-").isdigit():
        raise argparse.ArgumentTypeError(f"too large: at most 10^18, got a number of "
                                         f"{len(text.strip().lstrip('+-'))} digits")
    try:
        value = float(text) if len(text) <= 40 else math.nan
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value.is_integer()):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {clip(repr(text))}")
    if abs(value) > _MAX_WHOLE:
        raise argparse.ArgumentTypeError(f"too large: at most 10^18, got {clip(text)}")
    return int(value)


def workers(text: str) -> int:
    """--workers K: worker processes, at most 4 per CPU (at least 8): more only queue."""
    value = positive_int(text)
    most = max(8, 4 * (os.cpu_count() or 1))
    if value > most:
        raise argparse.ArgumentTypeError(f"at most {most} (4 per CPU of this machine), "
                                         f"got {value:,}")
    return value


def positive_int(text: str) -> int:
    value = whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def seed(text: str) -> int:
    value = whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def out_dir(text: str) -> str:
    """--out DIR: an empty one would silently mean the default folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty (leave it out for the default "
                                         "folder)")
    return text


def out_file(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty (leave it out for stdout)")
    return text


def probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return value


def add_samples_seed(p: argparse.ArgumentParser) -> None:
    """--samples N and --seed S of the analytic model, defaulting to the scenario's."""
    p.add_argument("--samples", type=positive_int, metavar="N",
                   help="Monte Carlo samples (default: the scenario's uncertainty.samples)")
    p.add_argument("--seed", type=seed, metavar="S",
                   help="random seed (default: the scenario's uncertainty.seed)")


def add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="K=V",
                   help="override a field by dotted path before running, e.g. "
                        "posture.patrols.teams=120 or 'contributors[France].troops="
                        "{dist: uniform, low: 5000, high: 10000}' (repeatable)")


def add_export(p: argparse.ArgumentParser, what: str) -> None:
    """-o/--output FILE: where --format xlsx (and csv, for sweeps) writes."""
    p.add_argument("-o", "--output", metavar="FILE", type=out_file,
                   help=f"with --format xlsx: the Excel workbook to write ({what}); "
                        "needs openpyxl: pip install 'feasim[xlsx]'")


def export_path(args: argparse.Namespace, formats: tuple[str, ...] = ("xlsx",)) -> str | None:
    """The file a --format in ``formats`` writes; -o without such a format is an error."""
    if args.format in formats:
        if not args.output:
            raise UsageError(f"--format {args.format} writes a file: give it with -o FILE")
        return str(args.output)
    if getattr(args, "output", None):
        raise UsageError(f"-o FILE is for --format {' or '.join(formats)}; "
                         f"--format {args.format} prints to stdout")
    return None


def warn_csv(result: Any, fmt_name: str) -> None:
    """CSV has no place for the result's warnings: they go to stderr (tables show them
    below the metrics, JSON under ``warnings``)."""
    if fmt_name == "csv":
        for w in result.warnings:
            print(f"warning: {w}", file=sys.stderr)


def finite(obj: Any) -> Any:
    """JSON has no infinity: unbounded values become null (their share is stated beside)."""
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
