"""Where each uncertain input comes from, and a plain-language verdict from the numbers.

:func:`provenance` reads the comment written after every uncertain input in the
scenario file (``troops: {dist: ...}  # C3, T7``): the first known source key
gives the source and its grade from the reference data (``A``, ``B`` or ``C``;
the reference data's split ``B/C`` counts as ``C`` and is kept as ``grade_as_stated``; a claim
id of the claims data, the claim under test, is graded ``C`` and marked ``"claim": true``);
a comment without a known key,
or no comment (an input set with ``--set``, a scenario built in Python), gives
``assumption``. A comment that says "assumption" is an assumption even when it
also names a source that informed it.

:func:`verdict` writes one or two neutral sentences: what the figure buys (P(feasible)
and the criterion met least often), what the independent methods say it needs,
and which inputs it hinges on (break-even values inside their range,
:mod:`feasim.breakeven`) with their grades.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from . import refdata
from .distributions import is_uncertain
from .output import fmt
from .plots.labels import input_label, metric_label
from .results import Result
from .sampling import quantity_paths
from .schema import Scenario

__all__ = ["provenance", "verdict"]

_TOKEN = re.compile(r"(?:facts:|claims:)?[A-Z]\d+")


def provenance(scenario: Scenario, path: str | Path | None = None,
               comments: dict[str, str] | None = None,
               baseline: Scenario | None = None) -> dict[str, dict[str, Any]]:
    """``{INPUT_PATH: {"source": KEY or None, "grade": GRADE}}`` for every uncertain input.

    ``comments`` (``--set`` path → comment) default to those of the file at ``path``
    (:func:`feasim.report.field_comments`); neither: every input is an assumption.
    ``baseline`` is the scenario as the file writes it: an input whose value differs
    from it (changed with ``--set``, in whatever path form) no longer has the file's
    source and is an assumption.
    """
    if comments is None:
        from .report import field_comments

        comments = field_comments(path) if path is not None else {}
    written = dict(quantity_paths(baseline)) if baseline is not None else None
    out: dict[str, dict[str, Any]] = {}
    for p, v in quantity_paths(scenario):
        if not is_uncertain(v):
            continue
        if written is not None and written.get(p) != v:
            out[p] = {"source": None, "grade": "assumption"}
            continue
        text = comments.get(p, "")
        ref = _from_reference_data(scenario, p, v)
        if ref is not None and not text:
            out[p] = ref
            continue
        keys = [k for k in _TOKEN.findall(text) if refdata.is_known_source(k)]
        if not keys or "assumption" in text.lower():
            out[p] = {"source": keys[0] if keys else None, "grade": "assumption"}
            continue
        key = keys[0]
        prefix, bare = (key.split(":", 1) if ":" in key else (None, key))
        if prefix != "facts" and bare in refdata.claims():
            # the claim under test, quoted from its (often partisan) source: graded C
            out[p] = {"source": key, "grade": "C", "claim": True}
            continue
        stated = refdata.source(bare).grade
        grade = "C" if stated == "B/C" else stated   # the lower of a split grade
        out[p] = {"source": key, "grade": grade}
        if stated != grade:
            out[p]["grade_as_stated"] = stated
    return out


DEFAULT_TROOP_COST_KEYS = ("un_reimbursement_2018", "france_barkhane", "uk_afghanistan_2010_11")
"""The troop-cost records the default ``cost.per_troop_year_usd`` range is built from."""


def _from_reference_data(scenario: Scenario, path: str, value: Any) -> dict[str, Any] | None:
    """Source and grade of an input the reference data filled in: a pledge in units, a
    state's force pool, or the default cost range (the lowest grade of the records it comes from)."""
    order = {"A": 0, "B": 1, "B/C": 2, "C": 3}
    if path == "cost.per_troop_year_usd":
        from .schema import _default_troop_cost

        if value != _default_troop_cost():
            return None
        recs = [refdata.cost_figure(k) for k in DEFAULT_TROOP_COST_KEYS]
        grade = max((r.grade for r in recs), key=order.__getitem__)
        return {"source": recs[1].sources[0], "grade": "C" if grade == "B/C" else grade,
                "reference": "troop costs: " + ", ".join(DEFAULT_TROOP_COST_KEYS)}
    for c in scenario.contributors:
        if path == f"contributors[{c.name}].troops" and c.units is not None:
            u = refdata.unit_size(c.units.kind)
            return {"source": u.sources[0], "grade": "C" if u.grade == "B/C" else u.grade,
                    "reference": f"unit size {c.units.kind}"}
        if path == f"contributors[{c.name}].pool_troops" and c.state is not None \
                and (c.pool_source or "").startswith("reference data"):
            rec = refdata.force_pool(c.state)
            return {"source": rec.sources[0], "grade": "C" if rec.grade == "B/C" else rec.grade,
                    "reference": f"force pool {c.state}"}
    return None


def verdict(scenario: Scenario, result: Result, requirements: dict | None = None,
            hinges: list[str] | None = None, prov: dict | None = None) -> str:
    """One or two sentences, neutral in wording, generated from the numbers; inputs and
    metrics in words (:func:`feasim.plots.labels.input_label`), not field names."""
    reading = {"in_theatre": "read as troops in theatre at one time",
               "committed": "read as the total committed, rotation included"}
    pledged = float(np.median(np.asarray(result["pledged_troops"], dtype=float)))
    per_km = np.asarray(result["troops_per_km"], dtype=float)
    deployed = np.asarray(result["in_theatre_troops"], dtype=float) > 0
    line_km = scenario.theatre.line_km
    km = f"{fmt(line_km)} km" if isinstance(line_km, (int, float)) else "the line"
    if deployed.all():
        density = f"give {fmt(float(np.median(per_km)))} per km"
    elif deployed.any():
        density = (f"give {fmt(float(np.median(per_km[deployed])))} per km where troops "
                   f"deploy (in {100 * deployed.mean():.1f}% of samples)")
    else:
        density = "deploy in no sample"
    under = f" under the {scenario.mission} preset posture" if scenario.mission else ""
    parts = [f"{fmt(pledged)} pledged troops ({reading[scenario.force.basis]}) on {km}{under} "
             + density]
    if result.criteria:
        worst = min(result.criteria.values(), key=lambda c: c.p_met)
        parts.append(f"and meet every criterion in {100 * result.p_feasible:.1f}% of samples"
                     + ("" if worst.p_met >= 1 else
                        f" (the criterion on {metric_label(worst.name)} is met least "
                        f"often, in {100 * worst.p_met:.1f}%)"))
    first = " ".join(parts) + "."
    second = []
    if requirements:
        said = []
        own = f"the {scenario.mission} preset's posture" if scenario.mission else \
            "the file's posture"
        for name, label in (("posture", own), ("analogues", "historical "
                            "analogues"), ("force_ratio", "the force-ratio method"),
                            ("population", "the population rule"),
                            ("published", "published estimates")):
            r = requirements.get(name)
            if r is None or not r.applies:
                continue
            a = np.asarray(r.in_theatre if scenario.force.basis == "in_theatre"
                           else r.committed, dtype=float)
            p50 = float(np.median(a))
            said.append(f"{label} {'unbounded' if math.isinf(p50) else fmt(p50)}")
        if said:
            which = "in theatre" if scenario.force.basis == "in_theatre" else "committed"
            second.append(f"Median requirement {which}: " + ", ".join(said) + ".")
    if hinges is not None:
        if hinges:
            grades = prov or {}
            named = [f"{input_label(h)} ({grades.get(h, {}).get('grade', 'assumption')})"
                     for h in hinges]
            second.append("The verdict hinges on " + ", ".join(named) + ".")
        elif result.criteria:
            second.append("No single uncertain input flips it within its stated range.")
    return " ".join([first] + second)


def criteria_hinges(scenario: Scenario, prov: dict[str, dict[str, Any]]
                    ) -> dict[str, list[dict[str, Any]]]:
    """Per criterion, the inputs (with their grades) on which it hinges, from the
    tornado ranking (:func:`feasim.sensitivity.analyse`, method ``tornado``): an input
    hinges a criterion when moving it from its 5th to its 95th percentile, the others
    at their medians, takes the criterion's metric across its threshold. Event inputs
    (``event:conditions.X``) take the grade of the condition's probability. A criterion
    whose metric the tornado cannot rank (unbounded or never varying at the medians)
    gets an empty list. Honour events take the grade of the contributor's
    ``honour_probability``."""
    from .errors import FeasimError
    from .sensitivity import analyse

    out: dict[str, list[dict[str, Any]]] = {}
    for name, crit in scenario.criteria.items():
        out[name] = []
        try:
            t = analyse(scenario, "tornado", output=name)
        except (FeasimError, ValueError):
            continue
        low_bound, high_bound = crit.min, crit.max

        def met(v: float) -> bool:
            if low_bound is not None:
                return v >= low_bound
            return high_bound is None or v <= high_bound

        for f in t.to_dict()["factors"]:
            lo, hi = f["low"], f["high"]
            if lo is None or hi is None or met(lo) == met(hi):
                continue
            key = f["factor"]
            base = key
            if key.startswith("event:"):
                base = key.split(":", 1)[1]
                if base.endswith(".honour"):
                    base = base.removesuffix(".honour") + ".honour_probability"
            grade = prov.get(base, {}).get("grade", "assumption")
            out[name].append({"input": key, "grade": grade, "low": lo, "high": hi})
    return out


def verdict_hinges(scenario: Scenario, result: Result) -> list[str] | None:
    """Inputs whose break-even of P(feasible) = 0.5 lies inside their range (on at most
    1,000 of the result's samples, its seed), or None when the scenario has no criteria:
    what :func:`verdict` says the verdict hinges on."""
    from .breakeven import breakeven

    if not scenario.criteria:
        return None
    return breakeven(scenario, 0.5, samples=min(result.samples, 1000),
                     seed=result.seed).hinges_on()


def grade_tally(prov: dict[str, dict[str, Any]]) -> str:
    """``"1 B, 9 assumption"``: the uncertain inputs counted by grade, or ``"none"``."""
    grades: dict[str, int] = {}
    for v in prov.values():
        grades[v["grade"]] = grades.get(v["grade"], 0) + 1
    return ", ".join(f"{n} {g}" for g, n in sorted(grades.items())) or "none"


def hinge_list(hinges: list[dict[str, Any]]) -> str:
    """``"input in words (grade), ..."`` for one criterion's entry of
    :func:`criteria_hinges` (``event:conditions.X`` reads ``condition X holds``)."""
    return ", ".join(f"{input_label(h['input'])} ({h['grade']})" for h in hinges)
