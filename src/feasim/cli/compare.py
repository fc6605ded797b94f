"""feasim compare FILE...: scenarios side by side, on the terminal, a page or a workbook."""

from __future__ import annotations

import argparse
import json
import sys

from ..presets import MISSIONS
from ._common import EXIT_OK, Adder, UsageError, add_samples_seed, add_set, out_dir


def add_parser(add: Adder) -> None:
    p = add(
        "compare", help="compare scenarios side by side (verdicts, one chart, requirements)",
        description="Run every scenario with the analytic model (the same samples and seed "
                    "for all) and compare them: P(feasible) with its 95% interval and each "
                    "criterion's share met, key metrics (medians, in their units), the "
                    "troops in theatre each requirement method asks for (persons), one "
                    "density chart with every scenario (troops per km against line length "
                    "in km), and the inputs whose values differ. With -o DIR, writes "
                    "DIR/compare.html (self-contained) and DIR/compare.md with "
                    "DIR/figures/density.png (the chart needs 'feasim[plots]').",
        epilog="example: feasim compare scenarios/claims/c02-experts-100k-in-theatre.yaml "
               "scenarios/claims/c03-france-uk-30k-in-theatre.yaml -o feasim-out/compare")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files (2 to 12 "
                   "runs in all, counting each --mission)")
    p.add_argument("-o", "--out", metavar="PATH", type=out_dir,
                   help="folder for compare.html and compare.md; with --format xlsx, the "
                        "workbook FILE.xlsx")
    p.add_argument("--label", action="append", default=None, metavar="L",
                   help="a column's name, once per run in order (default: scenario names)")
    p.add_argument("--mission", action="append", default=None, choices=MISSIONS,
                   help="run every file under this mission type's posture preset; "
                        "repeat to compare one claim under several mission types")
    add_samples_seed(p)
    add_set(p)
    p.add_argument("--format", choices=["table", "json", "md", "xlsx"], default="table",
                   help="what is printed: the table (default), the comparison as JSON or "
                        "as Markdown; xlsx writes a workbook to -o FILE.xlsx")


def run(args: argparse.Namespace) -> int:
    from ..compare import compare

    if args.format == "xlsx" and not args.out:
        raise UsageError("--format xlsx writes a workbook: give it with -o FILE.xlsx")
    c = compare(args.files, labels=args.label, missions=args.mission, samples=args.samples,
                seed=args.seed, overrides=args.overrides)
    if args.format == "xlsx":
        c.to_xlsx(args.out)
        print(f"wrote {args.out} (sheets: verdicts, requirements, inputs that differ)")
        return EXIT_OK
    written = c.write(args.out) if args.out else None
    if args.format == "json":
        sys.stdout.write(json.dumps(c.to_dict(), indent=2, allow_nan=False) + "\n")
    elif args.format == "md":
        sys.stdout.write(c.to_markdown())
    else:
        print("\n".join(c.table()))
    if written:
        print(f"wrote {written['html']} (self-contained) and {written['markdown']}",
              file=sys.stderr if args.format != "table" else sys.stdout)
    return EXIT_OK
