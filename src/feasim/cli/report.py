"""feasim report FILE: an HTML and a Markdown report."""

from __future__ import annotations

import argparse
import sys

from ..loader import check_samples, load_scenario
from ..presets import MISSIONS
from ._common import (
    EXIT_OK,
    Adder,
    add_samples_seed,
    add_set,
    out_dir,
    probability,
)


def add_parser(add: Adder) -> None:
    p = add(
        "report", help="write an HTML and a Markdown report on a scenario",
        description="Run a scenario and write report.html (one self-contained file, figures "
                    "embedded) and report.md (with figures/*.png) to DIR: the verdict "
                    "(criteria, P(feasible), margins), the scenario in historical context "
                    "(troops per km against line length), metric distributions, the posture "
                    "by sector, the minimum force over line length, every input with its "
                    "unit and source; with --simulate, in-theatre strength over time; with "
                    "--sensitivity, the inputs ranked. Needs matplotlib: "
                    "pip install 'feasim[plots]' (sobol and morris also need "
                    "'feasim[sensitivity]').",
        epilog="example: feasim report scenarios/claims/c02-experts-100k-in-theatre.yaml "
               "-o feasim-out/c02-report --simulate --sensitivity tornado")
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("-o", "--out", metavar="DIR", type=out_dir,
                   help="output folder (default: feasim-out/NAME-report)")
    p.add_argument("--simulate", action="store_true",
                   help="also run the simulation (its settings from the scenario)")
    p.add_argument("--sensitivity", choices=["tornado", "morris", "sobol"], metavar="METHOD",
                   help="also rank the inputs: tornado, morris or sobol")
    add_samples_seed(p)
    p.add_argument("--mission", choices=MISSIONS,
                   help="report on the scenario with this mission type's posture preset "
                        "instead of its own posture (docs/model.md §11)")
    p.add_argument("--force", action="store_true",
                   help="write into DIR even if it holds files other than an earlier report "
                        "(they are kept; an earlier report there is always replaced, its "
                        "old figures deleted)")
    p.add_argument("--probability", type=probability, default=0.9, metavar="P",
                   help="target P(feasible) of the minimum-force search (default: 0.9)")
    add_set(p)


def run(args: argparse.Namespace) -> int:
    from ..report import write_report

    scenario = load_scenario(args.file, args.overrides)
    check_samples(scenario, args.samples, args.file)
    out = args.out or f"feasim-out/{scenario.name}-report"
    rep = write_report(args.file, out, simulate=args.simulate, sensitivity=args.sensitivity,
                       samples=args.samples, seed=args.seed, overrides=args.overrides,
                       probability=args.probability, mission=args.mission,
                       overwrite=args.force)
    if rep.replaced:
        print(f"replaced the earlier report in {out} ({len(rep.replaced)} files deleted first)",
              file=sys.stderr)
    print(f"wrote {rep.html} (self-contained) and {rep.markdown} "
          f"(with {len(rep.figures)} figures in {rep.markdown.parent / 'figures'})")
    for note in rep.notes:
        print(f"note: {note}")
    return EXIT_OK
