"""feasim simulate FILE: the SimPy simulation in independent replications."""

from __future__ import annotations

import argparse
import sys

from ..loader import load_scenario
from ..output import render
from ._common import (
    EXIT_OK,
    Adder,
    add_set,
    positive_float,
    positive_int,
    seed,
    warn_csv,
    workers,
)


def add_parser(add: Adder) -> None:
    p = add(
        "simulate", help="run the SimPy simulation on a scenario",
        description="Play the scenario out over time with SimPy: force flow, moving "
                    "patrols, incursions and QRF queues, in independent replications. "
                    "Prints the metrics the simulation estimates with 95% confidence "
                    "intervals of their means across replications.",
        epilog="example: feasim simulate scenarios/claims/c02-experts-100k-in-theatre.yaml "
               "--replications 50 --days 30 --workers 2 --format json")
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("--replications", type=positive_int, metavar="N",
                   help="independent replications (default: simulation.replications)")
    p.add_argument("--days", type=positive_float, metavar="D",
                   help="horizon in days (default: simulation.days)")
    p.add_argument("--seed", type=seed, metavar="S",
                   help="seed of the replications' SeedSequence (default: simulation.seed)")
    p.add_argument("--workers", type=workers, default=1, metavar="K",
                   help="local processes; results are identical for any K (default: 1)")
    add_set(p)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table",
                   help="output format (default: table); JSON adds ci95, stderr and daily series")
    p.add_argument("--no-progress", action="store_true",
                   help="never show the progress bar (it is shown only on a terminal)")


def run(args: argparse.Namespace) -> int:
    from ..models import simulate

    scenario = load_scenario(args.file, args.overrides)
    progress = False if (args.no_progress or args.format != "table") else None
    result = simulate(scenario, replications=args.replications, days=args.days,
                      seed=args.seed, workers=args.workers, progress=progress)
    notes = [f"horizon {scenario.simulation.days if args.days is None else args.days:g} days; "
             f"in-theatre troops and posture counts are time averages over it"]
    sys.stdout.write(render(result, args.format, scenario.title, notes))
    warn_csv(result, args.format)
    return EXIT_OK
