"""feasim explore FILE: an interactive page of a run's samples, for a browser, offline."""

from __future__ import annotations

import argparse

from ..presets import MISSIONS
from ._common import EXIT_OK, Adder, add_samples_seed, add_set, out_dir


def add_parser(add: Adder) -> None:
    p = add(
        "explore", help="write an interactive page of a run's samples (no server needed)",
        description="Run a scenario and write DIR/explore.html: one self-contained page "
                    "(Bokeh, embedded; it loads nothing from the network) with the run's "
                    "samples. Range sliders narrow each uncertain input (in its unit); the "
                    "page shows P(feasible) among the samples kept, with their count, each "
                    "key metric's mean and 90th percentile, each criterion's share met, and "
                    "the density chart (line length in km against troops per km) of the kept "
                    "samples. At most --max-samples are embedded (a fixed random subset "
                    "beyond, stated on the page). Needs Bokeh: pip install 'feasim[explore]'.",
        epilog="example: feasim explore scenarios/claims/c02-experts-100k-in-theatre.yaml "
               "-o feasim-out/c02-explore --samples 5000")
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("-o", "--out", metavar="DIR", type=out_dir,
                   help="output folder (default: feasim-out/NAME-explore)")
    add_samples_seed(p)
    p.add_argument("--method", choices=["analytic", "simulation"], default="analytic",
                   help="model to run (default: analytic; the simulation draws no inputs per "
                        "replication, so its page has no sliders)")
    p.add_argument("--mission", choices=MISSIONS,
                   help="explore the scenario with this mission type's posture preset")
    p.add_argument("--max-samples", type=int, default=20_000, metavar="N",
                   help="samples embedded at most (default: 20,000; about 4 bytes per "
                        "sample and column, BokehJS about 1.7 MB)")
    add_set(p)


def run(args: argparse.Namespace) -> int:
    from ..explore import explore
    from ..loader import load_scenario

    name = load_scenario(args.file, args.overrides).name
    out = args.out or f"feasim-out/{name}-explore"
    path = explore(args.file, out, samples=args.samples, seed=args.seed, method=args.method,
                   overrides=args.overrides, mission=args.mission,
                   max_samples=args.max_samples)
    print(f"wrote {path} (self-contained; open it in a browser)")
    return EXIT_OK
