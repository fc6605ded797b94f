"""feasim frontier FILE: the minimum force that meets the criteria, optionally over a parameter."""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys

from .._table import table
from ..errors import clip
from ..loader import check_samples, load_scenario
from ..output import fmt
from ._common import (
    EXIT_OK,
    Adder,
    UsageError,
    add_samples_seed,
    add_set,
    finite,
    positive_float,
    probability,
)


def add_parser(add: Adder) -> None:
    p = add(
        "frontier", help="find the minimum force that meets the scenario's criteria",
        description="Scale every contributor's pledge by one factor and find, by "
                    "bisection on the same Monte Carlo draws, the smallest scale at which "
                    "P(feasible) reaches --probability. Reports the scale, the pledged "
                    "troops (mean, persons), in-theatre troops and troops per km (medians) "
                    "at that scale. With --over, repeats this for each value of a parameter "
                    "and prints the curve. A target that no force meets (conditions, or a "
                    "fixed posture) is reported as unreachable, with the failing criteria.",
        epilog="example: feasim frontier scenarios/claims/c02-experts-100k-in-theatre.yaml "
               "--probability 0.9 --over theatre.line_km --range 100:2000:5")
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("--probability", type=probability, default=0.9, metavar="P",
                   help="target P(feasible), in (0, 1] (default: 0.9)")
    p.add_argument("--over", metavar="PATH",
                   help="parameter to vary, by dotted path (e.g. theatre.line_km)")
    vals = p.add_mutually_exclusive_group()
    vals.add_argument("--values", metavar="V1,V2,...",
                      help="values of --over, comma-separated (in the field's unit)")
    vals.add_argument("--range", dest="value_range", metavar="LO:HI:N",
                      help="N evenly spaced values of --over from LO to HI")
    add_samples_seed(p)
    p.add_argument("--tol", type=positive_float, default=1e-3, metavar="T",
                   help="relative precision of the minimum (default: 0.001)")
    p.add_argument("--max-scale", type=positive_float, default=1000.0, metavar="X",
                   help="largest scale of the pledges tried (default: 1000)")
    add_set(p)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table",
                   help="output format (default: table)")


_MAX_RANGE = 1000


def _frontier_values(args) -> list:
    from ..loader import parse_override

    if args.values is not None:
        items = [t.strip() for t in args.values.split(",")]
        if not all(items):
            raise UsageError(f"--values: empty item in {clip(repr(args.values))}")
        if len(items) > _MAX_RANGE:
            raise UsageError(f"--values: at most {_MAX_RANGE:,} values (each is a "
                             f"minimum-force search); got {len(items):,}")
        try:  # read as --set values are: 1e9 is a number, with the same limits
            return [parse_override(f"v={t}")[1] for t in items]
        except ValueError as exc:
            raise UsageError(f"--values: {exc}") from None
    try:
        lo, hi, n = args.value_range.split(":")
        lo_f, hi_f = float(lo), float(hi)
        n_i = int(n) if len(n.strip()) <= 40 else _MAX_RANGE + 1
    except ValueError:
        raise UsageError(f"--range must be LO:HI:N, e.g. 100:2000:5; "
                         f"got {args.value_range!r}") from None
    if n_i < 1 or not (math.isfinite(lo_f) and math.isfinite(hi_f)):
        raise UsageError(f"--range needs finite LO and HI and N >= 1; got "
                         f"{clip(repr(args.value_range))}")
    if n_i > _MAX_RANGE:
        raise UsageError(f"--range: at most {_MAX_RANGE:,} values (each is a minimum-force "
                         f"search); got N = {clip(n)}")
    vals = [lo_f + (hi_f - lo_f) * i / max(n_i - 1, 1) for i in range(n_i)]
    return [int(v) if float(v).is_integer() else v for v in vals]


def run(args: argparse.Namespace) -> int:
    from ..frontier import frontier, minimum_force

    if (args.values is not None or args.value_range is not None) and not args.over:
        raise UsageError("--values and --range need --over PATH")
    if args.over and args.values is None and args.value_range is None:
        raise UsageError("--over needs --values or --range")
    scenario = load_scenario(args.file, args.overrides)
    check_samples(scenario, args.samples, args.file)
    opts = dict(samples=args.samples, seed=args.seed, tol=args.tol, max_scale=args.max_scale)
    if args.over:
        res = frontier(scenario, args.over, _frontier_values(args), args.probability, **opts)
        rows = res.rows()
        payload = res.to_dict()
    else:
        m = minimum_force(scenario, args.probability, **opts)
        rows = [{**{k: getattr(m, k) for k in ("reachable", "scale", "p_feasible",
                                              "pledged_troops", "in_theatre_troops",
                                              "troops_per_km", "cost_per_year_usd")},
                 "message": m.message}]
        payload = m.to_dict()
    if args.format == "json":
        sys.stdout.write(json.dumps(finite(payload), indent=2, allow_nan=False) + "\n")
        return EXIT_OK
    if args.format == "csv":
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
        sys.stdout.write(buf.getvalue())
        return EXIT_OK
    print(f"{scenario.name}: minimum force for P(feasible) >= {args.probability:g}")
    print("every pledge scaled by one factor; same draws at every scale; "
          f"{scenario.uncertainty.samples if args.samples is None else args.samples:,} samples")
    first = [args.over] if args.over else []
    heads = first + ["scale", "pledged (mean)", "in theatre (p50)", "troops/km (p50)",
                     "cost $M/year (p50)", "P(feasible)"]
    cells_rows = []
    notes = []
    for r in rows:
        cells = [fmt(r[args.over]) if isinstance(r[args.over], (int, float)) else
                 str(r[args.over])] if args.over else []
        if r["reachable"]:
            cells += [f"{r['scale']:.4g}", fmt(r["pledged_troops"]),
                      fmt(r["in_theatre_troops"]), fmt(r["troops_per_km"]),
                      fmt(r["cost_per_year_usd"] / 1e6), f"{r['p_feasible']:.3f}"]
        else:
            cells += ["unreachable", "", "", "", "", f"{r['p_feasible']:.3f}"]
        cells_rows.append(cells)
        if r["message"]:
            notes.append((cells[0] if args.over else "", r["message"]))
    print()
    print("\n".join(table(heads, cells_rows, align="r" * len(heads))))
    print("\nunits: troops in persons, cost in millions of US dollars a year; scale 1 = the pledges "
          "as written; cost grows with the scale, so the minimum force is the cheapest "
          "force of this shape")
    for where, msg in notes:
        print(f"note{' (' + args.over + ' = ' + where + ')' if where else ''}: {msg}")
    return EXIT_OK
