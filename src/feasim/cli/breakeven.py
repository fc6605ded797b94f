"""feasim breakeven FILE: the value of each uncertain input at which the verdict flips."""

from __future__ import annotations

import argparse
import json
import sys

from .._table import table
from ..loader import check_samples, load_scenario
from ..metrics import METRICS
from ..output import fmt
from ._common import (
    EXIT_OK,
    Adder,
    add_samples_seed,
    add_set,
    finite,
    positive_int,
)


def add_parser(add: Adder) -> None:
    p = add(
        "breakeven", help="the value of each uncertain input at which the verdict flips",
        description="What you must believe: for each input written as a distribution, "
                    "hold it at one value with every other input at its distribution (the "
                    "same Monte Carlo draws) and find, by a grid scan and Brent's method, "
                    "the value at which P(feasible) equals --target. An input whose "
                    "break-even lies inside its range (the distribution's support where it reaches "
                    "its ends, else its 0.1-99.9%% quantiles) can flip the verdict on its own; one without "
                    "a break-even in its range cannot. Values are in each input's unit "
                    "(see docs/scenario-reference.md); with --output METRIC, the mean of that "
                    "metric is matched instead, in its unit.",
        epilog="example: feasim breakeven scenarios/claims/c02-experts-100k-in-theatre.yaml "
               "--target 0.5")
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("--target", type=float, default=0.5, metavar="P",
                   help="target P(feasible), in (0, 1) (default: 0.5), or the target mean "
                        "of --output in its unit")
    p.add_argument("--output", default="feasible", metavar="NAME",
                   help="'feasible' (default) or a metric (see 'feasim metrics')")
    add_samples_seed(p)
    p.add_argument("--grid", type=positive_int, default=9, metavar="G",
                   help="values of each input's range scanned before refining (default: 9)")
    add_set(p)
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="output format (default: table)")


def run(args: argparse.Namespace) -> int:
    from ..breakeven import breakeven

    scenario = load_scenario(args.file, args.overrides)
    check_samples(scenario, args.samples, args.file)
    res = breakeven(scenario, args.target, output=args.output, samples=args.samples,
                    seed=args.seed, grid=args.grid)
    if args.format == "json":
        sys.stdout.write(json.dumps(finite(res.to_dict()), indent=2, allow_nan=False) + "\n")
        return EXIT_OK
    what = "P(feasible)" if res.output == "feasible" else f"mean {res.output}"
    unit = "" if res.output == "feasible" else f" {METRICS[res.output].unit}"
    print(f"{scenario.name}: break-even of {what} = {res.target:g}{unit}; "
          f"{res.samples:,} samples, seed {res.seed}")
    print(f"{what} with every input at its distribution: {fmt(res.baseline)}{unit}")
    if not res.inputs:
        print("no input is written as a distribution: nothing to find a break-even of")
        return EXIT_OK
    rows = [[k, f"{fmt(b.range[0])} – {fmt(b.range[1])}",
             "—" if b.breakeven is None else fmt(b.breakeven), fmt(b.output_low),
             fmt(b.output_high), "yes" if b.can_flip else "no"] for k, b in res.inputs.items()]
    print()
    print("\n".join(table(["input", "range", "break-even", "at low", "at high", "can flip"],
                          rows, align="lrrrrl")))
    hinge = res.hinges_on()
    print("\nvalues in each input's unit; 'at low' and 'at high': the output with the input "
          "at the ends of its range")
    print(("the verdict hinges on: " + ", ".join(hinge)) if hinge else
          f"no single input flips {what} across {res.target:g} within its range")
    return EXIT_OK
