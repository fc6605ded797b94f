"""feasim metrics: every output metric with its unit."""

from __future__ import annotations

import argparse

from .._table import table
from ..metrics import GROUPS, METRICS
from ._common import (
    EXIT_OK,
    Adder,
)


def add_parser(add: Adder) -> None:
    add("metrics", help="list every output metric with its unit",
            description="List every metric name, unit and meaning, by group.")


def run(args: argparse.Namespace) -> int:
    for group in GROUPS:
        print(group)
        rows = [[m.name, m.unit, m.description] for m in METRICS.values() if m.group == group]
        print("\n".join(table(["metric", "unit", "meaning"], rows, align="lll", indent="  ")))
        print()
    return EXIT_OK
