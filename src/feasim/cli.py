"""The ``feasim`` command line: a thin layer that parses, calls and prints.

Exit codes: 0 success; 2 bad input or usage (no traceback unless ``--debug``);
1 anything else.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
import traceback
from typing import Sequence

from . import __version__
from .models import evaluate
from .errors import FeasimError, ScenarioError, clip
from .loader import check_samples, load_scenario
from .metrics import GROUPS, METRICS
from .output import fmt, render
from .presets import MISSIONS
from .schema import Scenario

EXIT_OK, EXIT_ERROR, EXIT_INPUT = 0, 1, 2

_EPILOG = """\
exit codes: 0 success, 2 bad input or usage, 1 anything else.
units: km, hours, days, persons (troops). See 'feasim metrics' for every output.
"""


_MAX_WHOLE = 10**18  # counts and seeds beyond this are typing errors, not requests


def _whole(text: str) -> int:
    """A whole number, also written as users write large ones: 1e5, 2.5E6."""
    try:
        value = int(text) if len(text) <= 40 else None
    except ValueError:
        value = None
    if value is not None:
        if abs(value) > _MAX_WHOLE:
            raise argparse.ArgumentTypeError(f"too large: at most 10^18, got {clip(text)}")
        return value
    if len(text) > 40 and text.strip().lstrip("+-").isdigit():
        raise argparse.ArgumentTypeError(f"too large: at most 10^18, got a number of "
                                         f"{len(text.strip().lstrip('+-'))} digits")
    try:
        value = float(text) if len(text) <= 40 else math.nan
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value.is_integer()):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {clip(repr(text))}")
    if abs(value) > _MAX_WHOLE:
        raise argparse.ArgumentTypeError(f"too large: at most 10^18, got {clip(text)}")
    return int(value)


def _workers(text: str) -> int:
    """--workers K: worker processes, at most 4 per CPU (at least 8): more only queue."""
    value = _positive_int(text)
    most = max(8, 4 * (os.cpu_count() or 1))
    if value > most:
        raise argparse.ArgumentTypeError(f"at most {most} (4 per CPU of this machine), "
                                         f"got {value:,}")
    return value


def _positive_int(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def _seed(text: str) -> int:
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _out_dir(text: str) -> str:
    """--out DIR: an empty one would silently mean the default folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty (leave it out for the default "
                                         "folder)")
    return text


def _out_file(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty (leave it out for stdout)")
    return text


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return value


def _add_samples_seed(p: argparse.ArgumentParser) -> None:
    """--samples N and --seed S of the analytic model, defaulting to the scenario's."""
    p.add_argument("--samples", type=_positive_int, metavar="N",
                   help="Monte Carlo samples (default: the scenario's uncertainty.samples)")
    p.add_argument("--seed", type=_seed, metavar="S",
                   help="random seed (default: the scenario's uncertainty.seed)")


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="K=V",
                   help="override a field by dotted path before running, e.g. "
                        "posture.patrols.teams=120 or 'contributors[France].troops="
                        "{dist: uniform, low: 5000, high: 10000}' (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feasim",
        description="Deployment feasibility simulation: write a claim as a scenario "
                    "file and see, with uncertainty, what it buys.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"feasim {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show a traceback on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = argparse.ArgumentParser(add_help=False)  # --debug also after the command
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show a traceback on errors")

    def add(name: str, **kw) -> argparse.ArgumentParser:
        return sub.add_parser(name, parents=[common], **kw)

    p = add("validate", help="check scenario files and report every problem",
            description="Check scenario files; print every problem with its "
                        "file, line, column, field, rule and value.")
    p.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    _add_set(p)

    p = add(
        "run", help="run the analytic model on a scenario",
        description="Run the analytic model (vectorised Monte Carlo) on a scenario and "
                    "print its metrics with units, their 5-95% ranges and the criteria.",
        epilog="example: feasim run scenarios/claims/c02-experts-100k-in-theatre.yaml "
               "--set posture.patrols.teams=120 --format json")
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    _add_samples_seed(p)
    p.add_argument("--mission", choices=MISSIONS,
                   help="run with this mission type's posture preset instead of the file's "
                        "posture (counts per 100 km of the line; criteria on outputs the "
                        "preset does not model are dropped, and the output says so)")
    p.add_argument("--sampler", choices=["lhs", "random"],
                   help="Latin hypercube or plain random (default: the scenario's)")
    _add_set(p)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table",
                   help="output format (default: table)")

    p = add(
        "simulate", help="run the SimPy simulation on a scenario",
        description="Play the scenario out over time with SimPy: force flow, moving "
                    "patrols, incursions and QRF queues, in independent replications. "
                    "Prints the metrics the simulation estimates with 95% confidence "
                    "intervals of their means across replications.",
        epilog="example: feasim simulate scenarios/claims/c02-experts-100k-in-theatre.yaml "
               "--replications 50 --days 30 --workers 2 --format json")
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    p.add_argument("--replications", type=_positive_int, metavar="N",
                   help="independent replications (default: simulation.replications)")
    p.add_argument("--days", type=_positive_float, metavar="D",
                   help="horizon in days (default: simulation.days)")
    p.add_argument("--seed", type=_seed, metavar="S",
                   help="seed of the replications' SeedSequence (default: simulation.seed)")
    p.add_argument("--workers", type=_workers, default=1, metavar="K",
                   help="local processes; results are identical for any K (default: 1)")
    _add_set(p)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table",
                   help="output format (default: table); JSON adds ci95, stderr and daily series")
    p.add_argument("--no-progress", action="store_true",
                   help="never show the progress bar (it is shown only on a terminal)")

    p = add(
        "sweep", help="run a sweep file: many variants of a scenario, resumable",
        description="Run a sweep: the scenario evaluated at every point of a design over "
                    "parameters given by dotted path. Results stream to OUT as one Parquet "
                    "file per chunk; an interrupted sweep continues with --resume. Failed "
                    "points are recorded with their error and the sweep goes on.",
        epilog="example: feasim sweep scenarios/sweeps/c02-line-length.yaml --workers 2 "
               "--out feasim-out/c02-line-length")
    p.add_argument("file", metavar="SWEEP", help="sweep YAML file")
    p.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes",
                   help="where points are evaluated (default: processes, local)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 "
                        "(with --executor dask; without it a local cluster is started)")
    p.add_argument("--workers", type=_workers, metavar="K",
                   help="worker processes (default: the machine's CPUs)")
    p.add_argument("--out", metavar="DIR", type=_out_dir,
                   help="output folder (default: feasim-out/NAME)")
    p.add_argument("--resume", action="store_true",
                   help="continue the sweep in DIR: finished chunks are kept")
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="summary format (default: table)")
    p.add_argument("--no-progress", action="store_true",
                   help="never show the progress bar (it is shown only on a terminal)")

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
    p.add_argument("--n", type=_positive_int, metavar="N",
                   help="sobol: base samples, a power of 2 (default 1024; evaluations "
                        "N x (factors + 2)); morris: trajectories (default 100; evaluations "
                        "N x (factors + 1)); tornado: unused")
    p.add_argument("--seed", type=_seed, metavar="S",
                   help="seed of the design (default: the scenario's uncertainty.seed)")
    p.add_argument("--group-by", choices=["contributor", "condition", "both"],
                   help="rank a contributor's inputs (pledge, honour, ramp-up...) or a "
                        "condition's probability and event as one factor")
    _add_set(p)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table",
                   help="output format (default: table)")

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
    p.add_argument("--probability", type=_probability, default=0.9, metavar="P",
                   help="target P(feasible), in (0, 1] (default: 0.9)")
    p.add_argument("--over", metavar="PATH",
                   help="parameter to vary, by dotted path (e.g. theatre.line_km)")
    vals = p.add_mutually_exclusive_group()
    vals.add_argument("--values", metavar="V1,V2,...",
                      help="values of --over, comma-separated (in the field's unit)")
    vals.add_argument("--range", dest="value_range", metavar="LO:HI:N",
                      help="N evenly spaced values of --over from LO to HI")
    _add_samples_seed(p)
    p.add_argument("--tol", type=_positive_float, default=1e-3, metavar="T",
                   help="relative precision of the minimum (default: 0.001)")
    p.add_argument("--max-scale", type=_positive_float, default=1000.0, metavar="X",
                   help="largest scale of the pledges tried (default: 1000)")
    _add_set(p)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table",
                   help="output format (default: table)")

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
    _add_samples_seed(p)
    p.add_argument("--grid", type=_positive_int, default=9, metavar="G",
                   help="values of each input's range scanned before refining (default: 9)")
    _add_set(p)
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="output format (default: table)")

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
    p.add_argument("--threshold", type=_probability, metavar="D",
                   help="choose the box of highest coverage with density >= D "
                        "(default: the densest box)")
    p.add_argument("--samples", type=_positive_int, metavar="N",
                   help="Monte Carlo samples (default: the scenario's; several thousand "
                        "are advisable)")
    p.add_argument("--seed", type=_seed, metavar="S",
                   help="random seed (default: the scenario's uncertainty.seed)")
    _add_set(p)
    p.add_argument("--format", choices=["table", "json"], default="table",
                   help="output format (default: table)")

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
    p.add_argument("-o", "--out", metavar="DIR", type=_out_dir,
                   help="output folder (default: feasim-out/NAME-report)")
    p.add_argument("--simulate", action="store_true",
                   help="also run the simulation (its settings from the scenario)")
    p.add_argument("--sensitivity", choices=["tornado", "morris", "sobol"], metavar="METHOD",
                   help="also rank the inputs: tornado, morris or sobol")
    _add_samples_seed(p)
    p.add_argument("--mission", choices=MISSIONS,
                   help="report on the scenario with this mission type's posture preset "
                        "instead of its own posture (docs/model.md §11)")
    p.add_argument("--force", action="store_true",
                   help="write into DIR even if it holds files other than an earlier report "
                        "(they are kept; an earlier report there is always replaced, its "
                        "old figures deleted)")
    p.add_argument("--probability", type=_probability, default=0.9, metavar="P",
                   help="target P(feasible) of the minimum-force search (default: 0.9)")
    _add_set(p)

    p = add("schema", help="print the scenario JSON Schema",
            description="Print the JSON Schema of scenario files, for editors. "
                        "Save it and add '# yaml-language-server: $schema=PATH' "
                        "as the first line of a scenario file.")
    p.add_argument("-o", "--output", metavar="PATH", type=_out_file,
                   help="write to PATH instead of stdout")
    p.add_argument("--markdown", action="store_true",
                   help="print the fields as Markdown tables (docs/scenario-reference.md) "
                        "instead of the JSON Schema")

    add("metrics", help="list every output metric with its unit",
        description="List every metric name, unit and meaning, by group.")
    return parser


def _warn_csv(result, fmt_name: str) -> None:
    """CSV has no place for the result's warnings: they go to stderr (tables show them
    below the metrics, JSON under ``warnings``)."""
    if fmt_name == "csv":
        for w in result.warnings:
            print(f"warning: {w}", file=sys.stderr)


def _cmd_validate(args) -> int:
    bad = 0
    for path in args.files:
        try:
            s = load_scenario(path, args.overrides)
        except ScenarioError as exc:
            bad += 1
            print(f"invalid: {path}", file=sys.stderr)
            print(str(exc), file=sys.stderr)
            continue
        print(f"ok: {path} ({s.name}: {len(s.contributors)} contributors, "
              f"basis {s.force.basis})")
    return EXIT_INPUT if bad else EXIT_OK


def _cmd_run(args) -> int:
    scenario = load_scenario(args.file, args.overrides)
    dropped: list[str] = []
    if args.mission:
        from .loader import with_overrides
        from .presets import under_mission

        scenario, dropped = under_mission(scenario, args.mission)
        if args.overrides:   # --set applies to the preset's posture too
            scenario = with_overrides(scenario, args.overrides)
    check_samples(scenario, args.samples, args.file)
    result = evaluate(scenario, samples=args.samples, seed=args.seed, sampler=args.sampler)
    basis = {"in_theatre": "pledges read as troops in theatre at one time (basis: in_theatre)",
             "committed": "pledges read as total committed incl. rotation (basis: committed)"}
    notes = [basis[scenario.force.basis]]
    if args.mission:
        notes.append(f"posture: the {args.mission} preset (feasim.presets), not the file's"
                     + (f"; criteria dropped (the preset does not model them): "
                        f"{', '.join(dropped)}" if dropped else ""))
    if args.format == "csv":
        sys.stdout.write(render(result, args.format, scenario.title, notes))
        _warn_csv(result, args.format)
        return EXIT_OK
    from .requirements import requirements, to_table
    from .provenance import (criteria_hinges, grade_tally, hinge_list, provenance, verdict,
                             verdict_hinges)

    reqs = requirements(scenario, result)
    # an input changed on the command line (or by a preset) no longer has the file's source
    baseline = scenario if not (args.overrides or args.mission) else load_scenario(args.file)
    prov = provenance(scenario, args.file, baseline=baseline)
    text = verdict(scenario, result, reqs, verdict_hinges(scenario, result), prov)
    hinges = criteria_hinges(scenario, prov)
    if args.format == "json":
        d = result.to_dict()
        d["requirements"] = _finite({k: r.to_dict() for k, r in reqs.items()})
        d["provenance"] = prov
        d["criteria_hinges"] = _finite(hinges)
        d["verdict"] = text
        sys.stdout.write(json.dumps(d, indent=2, allow_nan=False) + "\n")
        return EXIT_OK
    hinged = {k: v for k, v in hinges.items() if v}
    lines = "".join(f"  {k}: {hinge_list(v)}\n" for k, v in hinged.items())
    hinge_text = ("Criteria that one input can take across its threshold (tornado, 5th to "
                  "95th percentile, the others at their medians):\n" + lines) if hinged else \
        "No criterion is taken across its threshold by one input alone (tornado).\n"
    sys.stdout.write(render(result, args.format, scenario.title, notes) + to_table(reqs, result)
                     + f"\nUncertain inputs by grade of their source: {grade_tally(prov)}\n"
                     + hinge_text + f"Verdict: {text}\n")
    return EXIT_OK


def _cmd_simulate(args) -> int:
    from .models import simulate

    scenario = load_scenario(args.file, args.overrides)
    progress = False if (args.no_progress or args.format != "table") else None
    result = simulate(scenario, replications=args.replications, days=args.days,
                      seed=args.seed, workers=args.workers, progress=progress)
    notes = [f"horizon {scenario.simulation.days if args.days is None else args.days:g} days; "
             f"in-theatre troops and posture counts are time averages over it"]
    sys.stdout.write(render(result, args.format, scenario.title, notes))
    _warn_csv(result, args.format)
    return EXIT_OK


def _cmd_sweep(args) -> int:
    from .sweep import load_sweep, run_sweep
    from .sweep.stats import split_column, stat_unit

    sweep = load_sweep(args.file)
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    out = args.out or f"feasim-out/{sweep.spec.name}"
    progress = False if (args.no_progress or args.format != "table") else None
    try:
        result = run_sweep(sweep, out, executor=args.executor, workers=args.workers,
                           scheduler=args.scheduler, resume=args.resume, progress=progress)
        summary = result.summary()
    except KeyboardInterrupt:
        from .sweep.store import ChunkStore

        done = len(ChunkStore(out).done())
        print(f"\ninterrupted: {done} of {sweep.n_chunks} chunks are in {out}; "
              f"continue with --resume", file=sys.stderr)
        return 130
    summary["chunks_computed"] = result.computed_chunks
    summary["chunks_reused"] = result.skipped_chunks
    if args.format == "json":
        sys.stdout.write(json.dumps(_finite(summary), indent=2, allow_nan=False) + "\n")
        return EXIT_OK
    print(f"sweep {summary['sweep']}: {summary['rows']:,} of {summary['points']:,} points, "
          f"{summary['failed']:,} failed; {result.computed_chunks} chunks computed, "
          f"{result.skipped_chunks} reused")
    print(f"results: {out}/chunks/*.parquet (one row per point)")
    width = max(len(n) for n in summary["outputs"]) + 2
    print(f"\n{'output':<{width}} {'min':>11} {'median':>11} {'max':>11}  unit")
    for name, st in summary["outputs"].items():
        metric, stat = split_column(name)
        unit = stat_unit(METRICS[metric].unit, stat) if metric in METRICS else "probability"
        if st is None:
            print(f"{name:<{width}} {'n/a':>11} {'n/a':>11} {'n/a':>11}  {unit}")
        else:
            share = st["unbounded_fraction"]
            extra = f"  (unbounded in {100 * share:.1f}% of points)" if share else ""
            print(f"{name:<{width}} {fmt(st['min']):>11} {fmt(st['median']):>11} "
                  f"{fmt(st['max']):>11}  {unit}{extra}")
    if summary["failed"]:
        print(f"\n{summary['failed']} points failed; their errors are in the 'error' column")
    return EXIT_OK


def _cmd_sensitivity(args) -> int:
    from .sensitivity import analyse

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
    if res.method == "sobol":
        what = (f"Sobol' indices: shares of the output's variance, {100 * res.conf_level:g}% "
                "bootstrap intervals")
    elif res.method == "morris":
        what = (f"Morris elementary effects, per unit of probability, {100 * res.conf_level:g}% "
                "bootstrap intervals of mu_star")
    else:
        lo, hi = res.quantiles
        what = (f"one at a time: each factor at its {100 * lo:g}th and {100 * hi:g}th "
                "percentile, the others at their medians, every condition holding and "
                "every pledge honoured")
    print(f"{scenario.name}: sensitivity of {res.output} ({unit})")
    print(f"{what}; {res.evaluations:,} evaluations")
    if res.method == "tornado":
        print(f"output in that base case: {fmt(res.base_output)}")
    width = max(len(r["factor"]) for r in rows) + 2
    conf = {c[:-5] for c in rows[0] if c.endswith("_conf")}
    heads = [c + (" (± half-width)" if c in conf else "") for c in cols]
    colw = [max(12, len(h)) for h in heads]
    print(f"\n{'factor':<{width}}" + "".join(f" {h:>{w}}" for h, w in zip(heads, colw, strict=True)))
    for r in rows:
        cells = []
        for c, w in zip(cols, colw, strict=True):
            text = fmt(r[c]) if c not in conf else f"{r[c]:.3f} ± {r[c + '_conf']:.3f}"
            cells.append(f" {text:>{w}}")
        print(f"{r['factor']:<{width}}" + "".join(cells))
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


_MAX_RANGE = 1000


def _frontier_values(args) -> list:
    from .loader import parse_override

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


def _cmd_frontier(args) -> int:
    from .frontier import frontier, minimum_force

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
                                              "troops_per_km")}, "message": m.message}]
        payload = m.to_dict()
    if args.format == "json":
        sys.stdout.write(json.dumps(_finite(payload), indent=2, allow_nan=False) + "\n")
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
                     "P(feasible)"]
    print("\n" + "  ".join(f"{h:>16}" for h in heads))
    notes = []
    for r in rows:
        cells = [fmt(r[args.over]) if isinstance(r[args.over], (int, float)) else
                 str(r[args.over])] if args.over else []
        if r["reachable"]:
            cells += [f"{r['scale']:.4g}", fmt(r["pledged_troops"]),
                      fmt(r["in_theatre_troops"]), fmt(r["troops_per_km"]),
                      f"{r['p_feasible']:.3f}"]
        else:
            cells += ["unreachable", "", "", "", f"{r['p_feasible']:.3f}"]
        print("  ".join(f"{c:>16}" for c in cells))
        if r["message"]:
            notes.append((cells[0] if args.over else "", r["message"]))
    print("\nunits: troops in persons; scale 1 = the pledges as written")
    for where, msg in notes:
        print(f"note{' (' + args.over + ' = ' + where + ')' if where else ''}: {msg}")
    return EXIT_OK


def _cmd_breakeven(args) -> int:
    from .breakeven import breakeven

    scenario = load_scenario(args.file, args.overrides)
    check_samples(scenario, args.samples, args.file)
    res = breakeven(scenario, args.target, output=args.output, samples=args.samples,
                    seed=args.seed, grid=args.grid)
    if args.format == "json":
        sys.stdout.write(json.dumps(_finite(res.to_dict()), indent=2, allow_nan=False) + "\n")
        return EXIT_OK
    what = "P(feasible)" if res.output == "feasible" else f"mean {res.output}"
    unit = "" if res.output == "feasible" else f" {METRICS[res.output].unit}"
    print(f"{scenario.name}: break-even of {what} = {res.target:g}{unit}; "
          f"{res.samples:,} samples, seed {res.seed}")
    print(f"{what} with every input at its distribution: {fmt(res.baseline)}{unit}")
    if not res.inputs:
        print("no input is written as a distribution: nothing to find a break-even of")
        return EXIT_OK
    width = max(len(k) for k in res.inputs)
    print(f"\n{'input':<{width}}  {'range':>22}  {'break-even':>11}  {'at low':>8}  "
          f"{'at high':>8}  can flip")
    for k, b in res.inputs.items():
        rng = f"{fmt(b.range[0])} – {fmt(b.range[1])}"
        be = "—" if b.breakeven is None else fmt(b.breakeven)
        print(f"{k:<{width}}  {rng:>22}  {be:>11}  {fmt(b.output_low):>8}  "
              f"{fmt(b.output_high):>8}  {'yes' if b.can_flip else 'no'}")
    hinge = res.hinges_on()
    print("\nvalues in each input's unit; 'at low' and 'at high': the output with the input "
          "at the ends of its range")
    print(("the verdict hinges on: " + ", ".join(hinge)) if hinge else
          f"no single input flips {what} across {res.target:g} within its range")
    return EXIT_OK


def _cmd_discover(args) -> int:
    from .discovery import prim_result

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
            print(f"  {name}: {text}")
    print(f"\n{'step':>4} {'coverage':>9} {'density':>8} {'mass':>6} {'inputs':>6}")
    for i, b in enumerate(res.trajectory):
        mark = "  <- chosen" if i == res.selected else ""
        print(f"{i:>4} {b.coverage:>9.3f} {b.density:>8.3f} {b.mass:>6.3f} "
              f"{b.n_restricted:>6}{mark}")
    return EXIT_OK


def _cmd_report(args) -> int:
    from .report import write_report

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


def _cmd_schema(args) -> int:
    if args.markdown:
        from .schema_doc import schema_markdown

        text = schema_markdown()
    else:
        schema = Scenario.model_json_schema()
        schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
                  "title": "feasim scenario",
                  **{k: v for k, v in schema.items() if k != "title"}}
        text = json.dumps(schema, indent=2) + "\n"
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _cmd_metrics(args) -> int:
    width = max(len(n) for n in METRICS) + 2
    for group in GROUPS:
        print(group)
        for m in METRICS.values():
            if m.group == group:
                print(f"  {m.name:<{width}} {m.unit:<12} {m.description}")
        print()
    return EXIT_OK


_COMMANDS = {"validate": _cmd_validate, "run": _cmd_run, "simulate": _cmd_simulate,
             "sweep": _cmd_sweep, "sensitivity": _cmd_sensitivity,
             "frontier": _cmd_frontier, "breakeven": _cmd_breakeven, "discover": _cmd_discover, "report": _cmd_report, "schema": _cmd_schema,
             "metrics": _cmd_metrics}


def _finite(obj):
    """JSON has no infinity: unbounded values become null (their share is stated beside)."""
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


class UsageError(FeasimError):
    """Options that do not go together."""



def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(exc.code or 0)
    try:
        return _COMMANDS[args.command](args)
    except FeasimError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:  # e.g. piped into 'head'
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
        if args.debug:
            traceback.print_exc()
        print(f"internal error: {type(exc).__name__}: {exc} "
              f"(run with --debug for a traceback; please report it)", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
