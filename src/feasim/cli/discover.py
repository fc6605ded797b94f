"""feasim discover FILE: PRIM boxes of the inputs where the outcome is likely."""

from __future__ import annotations

import argparse
import json
import math
import sys

from .._table import table
from ..loader import check_samples, load_scenario
from ..models import evaluate
from ..output import fmt
from ._common import (
    EXIT_OK,
    Adder,
    add_set,
    positive_int,
    probability,
    seed,
)


def add_parser(add: Adder) -> None:
    p = add(
        "discover", help="find the input ranges where the plan is feasible (PRIM boxes)",
        description="Scenario discovery: run the analytic model and find, with PRIM "
                    "(Friedman & Fisher 1999), a box of input ranges where the outcome "
                    "(feasible, or one criterion met) is likely. Reports the box's bounds "
                    "(in each input's unit; event inputs are uniforms in (0, 1): a "
                    "condition holds below its probability) with its coverage (share of "
                    "positive samples inside), density (P(outcome) inside) and mass "
                    "(share of all samples inside), and the peeling trajectory.",
        epilog="example: feasim discover scenarios/claims/c06-coalition-of-the-willing.yaml "
               "--samples 5000 --threshold 0.8")
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("--output", default="feasible", metavar="NAME",
                   help="'feasible' (default) or the name of one criterion")
    p.add_argument("--threshold", type=probability, metavar="D",
                   help="choose the box of highest coverage with density >= D "
                        "(default: the densest box)")
    p.add_argument("--samples", type=positive_int, metavar="N",
                   help="Monte Carlo samples (default: the scenario's; several thousand "
                        "are advisable)")
    p.add_argument("--seed", type=seed, metavar="S",
                   help="random seed (default: the scenario's uncertainty.seed)")
    add_set(p)
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="output format (default: table)")


def run(args: argparse.Namespace) -> int:
    from ..discovery import prim_result
    from ..plots.labels import input_label

    scenario = load_scenario(args.file, args.overrides)
    check_samples(scenario, args.samples, args.file)
    result = evaluate(scenario, samples=args.samples, seed=args.seed)
    res = prim_result(result, output=args.output, threshold=args.threshold)
    if args.format == "json":
        sys.stdout.write(json.dumps(res.to_dict(), indent=2, allow_nan=False) + "\n")
        return EXIT_OK
    share = res.n_positive / res.n
    print(f"{scenario.name}: where is '{args.output}' likely? PRIM on {res.n:,} samples "
          f"(overall {share:.3f}), {len(res.names)} varying inputs")
    if res.box is None:
        print(f"no box: {res.message}")
    else:
        b = res.box
        print(f"\nbox: coverage {b.coverage:.3f}, density {b.density:.3f}, mass {b.mass:.3f}, "
              f"{b.n_restricted} inputs restricted (in each field's unit; event inputs are "
              "uniforms, a condition holding below its probability)")
        for name, (lo, hi) in b.bounds.items():
            if math.isinf(lo):
                text = f"at most {fmt(hi)}"
            elif math.isinf(hi):
                text = f"at least {fmt(lo)}"
            else:
                text = f"{fmt(lo)} to {fmt(hi)}"
            if name.startswith("event:"):   # a uniform draw: the event holds below p
                text = f"its uniform draw {text}"
            print(f"  {input_label(name)}: {text}  ({name})")
    rows = [[str(i), f"{b.coverage:.3f}", f"{b.density:.3f}", f"{b.mass:.3f}",
             str(b.n_restricted), "<- chosen" if i == res.selected else ""]
            for i, b in enumerate(res.trajectory)]
    print()
    print("\n".join(table(["step", "coverage", "density", "mass", "inputs", ""], rows,
                          align="rrrrrl")))
    return EXIT_OK
