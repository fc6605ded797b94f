"""feasim run FILE: the analytic model, its requirements, provenance and verdict."""

from __future__ import annotations

import argparse
import json
import sys

from ..loader import check_samples, load_scenario
from ..models import evaluate
from ..output import render
from ..presets import MISSIONS
from ._common import (
    EXIT_OK,
    Adder,
    add_export,
    add_samples_seed,
    add_set,
    export_path,
    finite,
    warn_csv,
)


def add_parser(add: Adder) -> None:
    p = add(
        "run", help="run the analytic model on a scenario",
        description="Run the analytic model (vectorised Monte Carlo) on a scenario and "
                    "print its metrics with units, their 5-95% ranges and the criteria.",
        epilog="example: feasim run scenarios/claims/c02-experts-100k-in-theatre.yaml "
               "--set posture.patrols.teams=120 --format json")
    p.add_argument("file", metavar="FILE", help="scenario YAML file")
    add_samples_seed(p)
    p.add_argument("--mission", choices=MISSIONS,
                   help="run with this mission type's posture preset instead of the file's "
                        "posture (counts per 100 km of the line; criteria on outputs the "
                        "preset does not model are dropped, and the output says so)")
    p.add_argument("--sampler", choices=["lhs", "random"],
                   help="Latin hypercube or plain random (default: the scenario's)")
    add_set(p)
    p.add_argument("--format", choices=["table", "json", "csv", "xlsx"], default="table",
                   help="output format (default: table); xlsx writes a workbook to -o FILE")
    add_export(p, "summary with units, criteria, inputs with sources, one row per sample")


def run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.file, args.overrides)
    dropped: list[str] = []
    if args.mission:
        from ..loader import with_overrides
        from ..presets import under_mission

        scenario, dropped = under_mission(scenario, args.mission)
        if args.overrides:   # --set applies to the preset's posture too
            scenario = with_overrides(scenario, args.overrides)
    check_samples(scenario, args.samples, args.file)
    xlsx = export_path(args)
    result = evaluate(scenario, samples=args.samples, seed=args.seed, sampler=args.sampler)
    basis = {"in_theatre": "pledges read as troops in theatre at one time (basis: in_theatre)",
             "committed": "pledges read as total committed incl. rotation (basis: committed)"}
    notes = [basis[scenario.force.basis]]
    if args.mission:
        notes.append(f"posture: the {args.mission} preset (feasim.presets), not the file's"
                     + (f"; criteria dropped (the preset does not model them): "
                        f"{', '.join(dropped)}" if dropped else ""))
    if xlsx is not None:
        result.to_xlsx(xlsx, scenario=scenario, source_path=args.file)
        print(f"wrote {xlsx} (sheets: summary, criteria, inputs, samples)")
        return EXIT_OK
    if args.format == "csv":
        sys.stdout.write(render(result, args.format, scenario.title, notes))
        warn_csv(result, args.format)
        return EXIT_OK
    from ..provenance import (
        criteria_hinges,
        grade_tally,
        hinge_list,
        provenance,
        verdict,
        verdict_hinges,
    )
    from ..requirements import requirements, to_table

    reqs = requirements(scenario, result)
    # an input changed on the command line (or by a preset) no longer has the file's source
    baseline = scenario if not (args.overrides or args.mission) else load_scenario(args.file)
    prov = provenance(scenario, args.file, baseline=baseline)
    text = verdict(scenario, result, reqs, verdict_hinges(scenario, result), prov)
    hinges = criteria_hinges(scenario, prov)
    if args.format == "json":
        d = result.to_dict()
        d["requirements"] = finite({k: r.to_dict() for k, r in reqs.items()})
        d["provenance"] = prov
        d["criteria_hinges"] = finite(hinges)
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
