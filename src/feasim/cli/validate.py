"""feasim validate FILE...: every problem of every file, with its line."""

from __future__ import annotations

import argparse
import sys

from ..errors import ScenarioError
from ..loader import load_scenario
from ._common import (
    EXIT_INPUT,
    EXIT_OK,
    Adder,
    add_set,
)


def add_parser(add: Adder) -> None:
    p = add("validate", help="check scenario files and report every problem",
            description="Check scenario files; print every problem with its "
                        "file, line, column, field, rule and value.")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    add_set(p)


def run(args: argparse.Namespace) -> int:
    bad = 0
    for path in args.files:
        try:
            s = load_scenario(path, args.overrides)
        except ScenarioError as exc:
            bad += 1
            print(f"invalid: {path}", file=sys.stderr)
            print(str(exc), file=sys.stderr)
            continue
        n = len(s.contributors)
        line = (f"; line {s.theatre.line_km:,.1f} km, geodesic, from its line_file"
                if s.theatre.line_file is not None else "")
        print(f"ok: {path} ({s.name}: {n} contributor{'' if n == 1 else 's'}, "
              f"basis {s.force.basis}{line})")
    return EXIT_INPUT if bad else EXIT_OK

