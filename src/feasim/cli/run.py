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
    UsageError,
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
    p.add_argument("--units", metavar="KIND",
                   help="also give the requirements as counts of this unit (company, "
                        "battalion, battalion_group, battle_group, battlegroup_eu, "
                        "battlegroup_efp, brigade, brigade_group, division; an unknown KIND "
                        "lists them with their sizes in persons); a range where the "
                        "unit's size is one, e.g. eFP battlegroups of 643-1,887")
    add_set(p)
    p.add_argument("--format", choices=["table", "json", "csv", "xlsx"], default="table",
                   help="output format (default: table); xlsx writes a workbook to -o FILE")
    add_export(p, "summary with units, criteria, inputs with sources, one row per sample")


def _check_units(kind: str | None) -> None:
    """A usage error naming the known unit kinds, with their sizes, for an unknown one."""
    if kind is None:
        return
    from .. import refdata

    sizes = refdata.unit_sizes()
    if kind not in sizes:
        known = "; ".join(f"{k} ({u.low:,}–{u.high:,} persons)" if u.low != u.high
                          else f"{k} ({u.low:,} persons)" for k, u in sizes.items())
        raise UsageError(f"--units {kind!r}: no such unit in the reference data; "
                         f"known: {known}")


def _contributors(scenario, args: argparse.Namespace, fmt_name: str) -> tuple[list, str]:
    """The per-contributor sustainability rows (medians) and their table, when at least
    one contributor has a force pool (``state:`` or ``pool_troops``); else nothing."""
    if not any(c.pool_troops is not None for c in scenario.contributors):
        return [], ""
    from .._table import table
    from ..output import fmt
    from ..pools import sustainability_table

    rows = sustainability_table(scenario, args.samples, args.seed, args.sampler)
    if fmt_name != "table":
        return rows, ""

    def cell(x, share: bool = False) -> str:
        if x is None:
            return "no pool"
        if share:
            return f"{x:.1%}"
        return "unbounded" if x == float("inf") else fmt(x)

    body = [[f"  {r['contributor']}", r["state"] or "", cell(r["pledge_in_theatre"]),
             cell(r["land_force"]), cell(r["deployable"]), cell(r["sustainable"]),
             cell(r["sustainable_indefinitely"]), cell(r["years"]), cell(r["shortfall"]),
             cell(r["share_committed"], share=True)] for r in rows]
    years = scenario.commitment.years
    lines = [""] + table(["Contributors (medians)", "state", "in theatre", "land force",
                          "deployable", f"sustainable {years:g} y", "indefinitely",
                          "years held", "shortfall", "share tied"], body, align="llrrrrrrrr")
    lines.append("  persons, except years held (years) and share tied (of the land force); "
                 "a shortfall is the pledge in theatre above what the pool sustains over the "
                 "commitment; docs/model.md §12")
    return rows, "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    _check_units(args.units)
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
    from ..requirements import in_units, requirements, to_table

    reqs = requirements(scenario, result)
    # an input changed on the command line (or by a preset) no longer has the file's source
    baseline = scenario if not (args.overrides or args.mission) else load_scenario(args.file)
    prov = provenance(scenario, args.file, baseline=baseline)
    text = verdict(scenario, result, reqs, verdict_hinges(scenario, result), prov)
    hinges = criteria_hinges(scenario, prov)
    rows, contributors = _contributors(scenario, args, args.format)
    if args.format == "json":
        d = result.to_dict()
        d["requirements"] = finite({k: r.to_dict() for k, r in reqs.items()})
        if args.units is not None:
            d["requirements_in_units"] = finite(in_units(reqs, args.units))
        if rows:   # years held can be unbounded: null in JSON, flagged beside
            d["contributors"] = finite([{**r, "years_unbounded": r["years"] == float("inf")}
                                        for r in rows])
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
    sys.stdout.write(render(result, args.format, scenario.title, notes)
                     + to_table(reqs, result, args.units) + contributors
                     + f"\nUncertain inputs by grade of their source: {grade_tally(prov)}\n"
                     + hinge_text + f"Verdict: {text}\n")
    return EXIT_OK
