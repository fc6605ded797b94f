"""feasim sweep SWEEP: a resumable sweep and the summary of its outputs."""

from __future__ import annotations

import argparse
import json
import sys

from .._table import table
from ..metrics import METRICS
from ..output import fmt
from ._common import (
    EXIT_OK,
    Adder,
    UsageError,
    export_path,
    finite,
    out_dir,
    out_file,
    workers,
)


def add_parser(add: Adder) -> None:
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
    p.add_argument("--workers", type=workers, metavar="K",
                   help="worker processes (default: the machine's CPUs)")
    p.add_argument("--out", metavar="DIR", type=out_dir,
                   help="output folder (default: feasim-out/NAME)")
    p.add_argument("--resume", action="store_true",
                   help="continue the sweep in DIR: finished chunks are kept")
    p.add_argument("--format", choices=["table", "json", "xlsx", "csv"], default="table",
                   help="summary format (default: table); xlsx and csv also write every point "
                        "to -o FILE (xlsx: at most 1,048,576 rows; csv streams)")
    p.add_argument("-o", "--output", metavar="FILE", type=out_file,
                   help="with --format xlsx or csv: the file to write")
    p.add_argument("--no-progress", action="store_true",
                   help="never show the progress bar (it is shown only on a terminal)")


def run(args: argparse.Namespace) -> int:
    from ..sweep import load_sweep, run_sweep
    from ..sweep.stats import split_column, stat_unit

    sweep = load_sweep(args.file)
    if args.scheduler and args.executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    out = args.out or f"feasim-out/{sweep.spec.name}"
    export = export_path(args, ("xlsx", "csv"))
    progress = False if (args.no_progress or args.format != "table") else None
    try:
        result = run_sweep(sweep, out, executor=args.executor, workers=args.workers,
                           scheduler=args.scheduler, resume=args.resume, progress=progress)
        summary = result.summary()
    except KeyboardInterrupt:
        from ..sweep.store import ChunkStore

        done = len(ChunkStore(out).done())
        print(f"\ninterrupted: {done} of {sweep.n_chunks} chunks are in {out}; "
              f"continue with --resume", file=sys.stderr)
        return 130
    summary["chunks_computed"] = result.computed_chunks
    summary["chunks_reused"] = result.skipped_chunks
    if args.format == "json":
        sys.stdout.write(json.dumps(finite(summary), indent=2, allow_nan=False) + "\n")
        return EXIT_OK
    print(f"sweep {summary['sweep']}: {summary['rows']:,} of {summary['points']:,} points, "
          f"{summary['failed']:,} failed; {result.computed_chunks} chunks computed, "
          f"{result.skipped_chunks} reused")
    print(f"results: {out}/chunks/*.parquet (one row per point)")
    if export is not None:
        (result.to_xlsx if args.format == "xlsx" else result.to_csv)(export)
        print(f"wrote {export} (every point, units in the header)")
    rows = []
    for name, st in summary["outputs"].items():
        metric, stat = split_column(name)
        unit = stat_unit(METRICS[metric].unit, stat) if metric in METRICS else "probability"
        if st is None:
            rows.append([name, "n/a", "n/a", "n/a", unit, ""])
        else:
            share = st["unbounded_fraction"]
            rows.append([name, fmt(st["min"]), fmt(st["median"]), fmt(st["max"]), unit,
                         f"(unbounded in {100 * share:.1f}% of points)" if share else ""])
    print()
    print("\n".join(table(["output", "min", "median", "max", "unit", ""], rows,
                          align="lrrrll")))
    if summary["failed"]:
        print(f"\n{summary['failed']} points failed; their errors are in the 'error' column")
    return EXIT_OK
