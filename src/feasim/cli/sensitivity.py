"""feasim sensitivity FILE: the uncertain inputs ranked by their effect on an output."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys

from .._table import table
from ..loader import load_scenario
from ..metrics import METRICS
from ..output import fmt
from ._common import (
    EXIT_OK,
    Adder,
    add_set,
    positive_int,
    seed,
)


def add_parser(add: Adder) -> None:
    p = add(
        "sensitivity", help="rank the uncertain inputs by their effect on an output",
        description="Sensitivity of one output to the scenario's uncertain inputs and its "
                    "condition/honour events. tornado: each input at its 5th and 95th "
                    "percentile, the others at their medians (swing in the output's unit, "
                    "arc elasticity). morris: elementary effects (mu_star, in output units "
                    "per unit of probability). sobol: first-order and total Sobol' indices "
                    "(shares of the output's variance) with 95% bootstrap intervals. Morris "
                    "needs SALib: pip install 'feasim[sensitivity]'.",
        epilog="example: feasim sensitivity scenarios/claims/c02-experts-100k-in-theatre.yaml "
               "--method sobol --output fill_ratio --n 1024 --group-by contributor")
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("--method", choices=["tornado", "morris", "sobol"], default="sobol",
                   help="method (default: sobol)")
    p.add_argument("--output", metavar="METRIC",
                   help="a metric (see 'feasim metrics') or 'feasible' (1 where every "
                        "criterion holds; the default when the scenario has criteria)")
    p.add_argument("--n", type=positive_int, metavar="N",
                   help="sobol: base samples, a power of 2 (default 1024; evaluations "
                        "N x (factors + 2)); morris: trajectories (default 100; evaluations "
                        "N x (factors + 1)); tornado: unused")
    p.add_argument("--seed", type=seed, metavar="S",
                   help="seed of the design (default: the scenario's uncertainty.seed)")
    p.add_argument("--group-by", choices=["contributor", "condition", "both"],
                   help="rank a contributor's inputs (pledge, honour, ramp-up...) or a "
                        "condition's probability and event as one factor")
    add_set(p)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table",
                   help="output format (default: table)")


def run(args: argparse.Namespace) -> int:
    from ..sensitivity import MorrisResult, SobolResult, TornadoResult, analyse

    scenario = load_scenario(args.file, args.overrides)
    res = analyse(scenario, args.method, output=args.output, n=args.n, seed=args.seed,
                  group_by=args.group_by)
    if args.format == "json":
        sys.stdout.write(json.dumps(res.to_dict(), indent=2, allow_nan=False) + "\n")
        return EXIT_OK
    rows = res.rows()
    cols = [c for c in rows[0] if c != "factor" and not c.endswith("_conf")]
    if args.format == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        allc = [c for c in rows[0] if c != "factor"]
        w.writerow(["factor", *allc, "members"])
        for r in rows:
            w.writerow([r["factor"], *[repr(float(r[c])) for c in allc],
                        ";".join(res.groups[r["factor"]])])
        sys.stdout.write(buf.getvalue())
        return EXIT_OK
    unit = METRICS[res.output].unit if res.output in METRICS else "probability"
    if isinstance(res, SobolResult):
        what = (f"Sobol' indices: shares of the output's variance, {100 * res.conf_level:g}% "
                "bootstrap intervals")
    elif isinstance(res, MorrisResult):
        what = (f"Morris elementary effects, per unit of probability, {100 * res.conf_level:g}% "
                "bootstrap intervals of mu_star")
    else:
        lo, hi = res.quantiles
        what = (f"one at a time: each factor at its {100 * lo:g}th and {100 * hi:g}th "
                "percentile, the others at their medians, every condition holding and "
                "every pledge honoured")
    print(f"{scenario.name}: sensitivity of {res.output} ({unit})")
    print(f"{what}; {res.evaluations:,} evaluations")
    if isinstance(res, TornadoResult):
        print(f"output in that base case: {fmt(res.base_output)}")
    conf = {c[:-5] for c in rows[0] if c.endswith("_conf")}
    heads = ["factor"] + [c + (" (± half-width)" if c in conf else "") for c in cols]
    cells = [[r["factor"]] + [fmt(r[c]) if c not in conf else
                              f"{r[c]:.3f} ± {r[c + '_conf']:.3f}" for c in cols] for r in rows]
    print()
    print("\n".join(table(heads, cells)))
    grouped = {g: m for g, m in res.groups.items() if len(m) > 1}
    if grouped:
        print("\ngroups:")
        for g, m in grouped.items():
            print(f"  {g}: {', '.join(m)}")
        if res.method == "morris":
            print("(sigma is n/a for a group: with groups, SALib's Morris method "
                  "(Campolongo et al. 2007) moves a group's members together and "
                  "ranks by mu_star alone)")
    return EXIT_OK
