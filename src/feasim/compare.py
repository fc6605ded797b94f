"""Scenarios side by side: verdicts, one density chart, requirements, the inputs that differ.

:func:`compare` runs each scenario with the analytic model (the same samples and
seed for all) and returns a :class:`Comparison`, which renders as a terminal
table, Markdown, one self-contained HTML page (the figure embedded, nothing
loaded from elsewhere), JSON and an Excel workbook::

    from feasim.compare import compare

    c = compare(["scenarios/claims/c02-experts-100k-in-theatre.yaml",
                 "scenarios/claims/c03-france-uk-30k-in-theatre.yaml"], samples=2000)
    print("\\n".join(c.table()))
    c.write("feasim-out/compare")      # compare.html, compare.md, figures/density.png

A claim under several mission types is a comparison too:
``compare([FILE], missions=["monitoring", "deterrence"])``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import FeasimError, MissingDependency
from .metrics import METRICS
from .output import fmt
from .results import Result, summarise
from .schema import Scenario

__all__ = ["compare", "Comparison", "Entry", "CompareError", "MAX_SCENARIOS", "KEY_METRICS"]

MAX_SCENARIOS = 12
"""Scenarios on one page at most: beyond, a chart and a table stop being readable."""

KEY_METRICS = ("in_theatre_troops", "troops_per_km", "detection_probability",
               "response_hours_p90", "fill_ratio", "local_force_ratio")
"""Metrics shown for every scenario, besides those its criteria use."""


class CompareError(FeasimError):
    """Scenarios that cannot be compared as asked (too few, too many, labels that clash)."""


@dataclass
class Entry:
    """One compared scenario: its run and what the page shows of it."""

    label: str
    scenario: Scenario
    result: Result
    path: str | None
    mission: str | None
    verdict: str
    requirements: dict[str, Any]

    @property
    def p_feasible(self) -> float | None:
        return self.result.p_feasible if self.result.criteria else None

    def interval(self) -> tuple[float, float] | None:
        """95% Wilson score interval of P(feasible) (sampling error only)."""
        from .report import wilson_interval

        p = self.p_feasible
        return None if p is None else wilson_interval(p, self.result.samples)


@dataclass
class Comparison:
    """Scenarios run side by side (see :func:`compare`)."""

    entries: list[Entry]
    differing: list[tuple[str, str, list[str]]] = field(default_factory=list)
    """Inputs whose value differs between the scenarios: (field, meaning with unit,
    one value per scenario; "—" where a scenario does not have the field)."""

    # ------------------------------------------------------------ numbers

    def metric_names(self) -> list[str]:
        names = [m for m in KEY_METRICS]
        for e in self.entries:
            names += [c for c in e.result.criteria if c not in names]
        return [m for m in names if any(m in e.result.metrics for e in self.entries)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: no NaN or infinity (null, with the share of unbounded samples)."""
        out = []
        for e in self.entries:
            iv = e.interval()
            metrics = {}
            for m in self.metric_names():
                if m not in e.result.metrics:
                    continue
                v = np.asarray(e.result.metrics[m], dtype=float)
                s = summarise(v)
                metrics[m] = {"unit": e.result.unit(m), **{k: _num(s[k]) for k in
                                                            ("mean", "p05", "p50", "p95")},
                              "unbounded_fraction": float(np.mean(np.isinf(v)))}
            out.append({
                "label": e.label, "scenario": e.scenario.name, "title": e.scenario.title,
                "file": e.path, "mission": e.mission, "samples": e.result.samples,
                "seed": e.result.seed, "p_feasible": e.p_feasible,
                "p_feasible_interval95": list(iv) if iv else None,
                "criteria": {n: {c.bound: c.threshold, "p_met": c.p_met}
                             for n, c in e.result.criteria.items()},
                "metrics": metrics, "requirements": _finite(e.requirements),
                "verdict": e.verdict})
        return {"scenarios": out,
                "inputs_that_differ": [{"field": f, "meaning": m, "values": v}
                                       for f, m, v in self.differing]}

    # ------------------------------------------------------------ text

    def table(self) -> list[str]:
        """The terminal table: one column per scenario."""
        from .cli._table import table

        heads = ["", *(e.label for e in self.entries)]
        rows = [["P(feasible)", *(_p(e) for e in self.entries)]]
        names = sorted({c for e in self.entries for c in e.result.criteria})
        rows += [[f"  {c} (share met)", *(f"{e.result.criteria[c].p_met:.3f}"
                                         if c in e.result.criteria else "—"
                                         for e in self.entries)] for c in names]
        for m in self.metric_names():
            unit = METRICS[m].unit if m in METRICS else ""
            rows.append([f"{m} p50 ({unit})", *(_median(e, m) for e in self.entries)])
        for method in self._methods():
            rows.append([f"need: {method} p50 (troops in theatre)",
                         *(_need(e, method) for e in self.entries)])
        lines = table(heads, rows)
        if self.differing:
            lines += ["", f"inputs that differ ({len(self.differing)}):"]
            lines += table(["field", *(e.label for e in self.entries)],
                           [[f, *v] for f, _, v in self.differing], indent="  ",
                           align="l" * (1 + len(self.entries)))
        return lines

    def _methods(self) -> list[str]:
        out: list[str] = []
        for e in self.entries:
            out += [k for k, r in e.requirements.items() if r.get("in_theatre") and k not in out]
        return out

    def sections(self) -> list[Any]:
        """The page's sections (:class:`feasim.report.Section`), shared by HTML and Markdown."""
        from .report import Section

        labels = [e.label for e in self.entries]
        verdict = Section("Verdicts side by side", paragraphs=[
            "Each scenario run with the analytic model on the same number of samples and "
            "the same seed. P(feasible) is the share of samples meeting every criterion of "
            "that scenario, with its 95% sampling interval (Wilson score); scenarios with "
            "different criteria answer different questions."],
            table=(["", *labels], [r for r in self._verdict_rows()]))
        words = Section("What each verdict says", paragraphs=[
            f"{e.label}: {e.verdict}" for e in self.entries])
        chart = Section("Troops per km against line length", figure="density", caption=(
            "Every compared scenario on one density chart: troops in theatre per km of "
            "line (median and 5–95% range) against the line's length in km, with past "
            "missions for scale."))
        need = Section("Requirements by method", paragraphs=[
            "Troops in theatre each method asks for (median and 5–95% range, persons), "
            "against what each scenario puts in theatre (median)."],
            table=(["method", *labels], self._need_rows()))
        sections = [verdict, words, chart, need]
        if self.differing:
            sections.append(Section("Inputs that differ", paragraphs=[
                "Every input whose value is not the same in all the compared scenarios "
                "(— : the scenario does not have it)."],
                table=(["field", "meaning (unit)", *labels],
                       [[f, m, *v] for f, m, v in self.differing])))
        else:
            sections.append(Section("Inputs that differ", paragraphs=[
                "The scenarios have the same inputs (they differ in mission only)."]))
        return sections

    def _verdict_rows(self) -> list[list[str]]:
        rows = [["scenario", *(e.scenario.name for e in self.entries)],
                ["P(feasible)", *(_p(e) for e in self.entries)],
                ["95% interval", *(_iv(e) for e in self.entries)]]
        names = sorted({c for e in self.entries for c in e.result.criteria})
        for c in names:
            cells = []
            for e in self.entries:
                cr = e.result.criteria.get(c)
                cells.append("—" if cr is None else
                             f"{cr.p_met:.3f} ({'≥' if cr.bound == 'min' else '≤'} "
                             f"{fmt(cr.threshold)})")
            rows.append([f"{c}: share met (threshold)", *cells])
        for m in self.metric_names():
            unit = METRICS[m].unit if m in METRICS else ""
            rows.append([f"{m} median ({unit})", *(_median(e, m) for e in self.entries)])
        return rows

    def _need_rows(self) -> list[list[str]]:
        rows = [["in theatre (this scenario)",
                 *(_median(e, "in_theatre_troops") for e in self.entries)]]
        for method in self._methods():
            cells = []
            for e in self.entries:
                r = (e.requirements.get(method) or {}).get("in_theatre")
                cells.append("—" if not r else f"{_cell(r['p50'])} ({_cell(r['p05'])} – "
                                               f"{_cell(r['p95'])})")
            rows.append([method, *cells])
        return rows

    def title(self) -> str:
        return "Comparison: " + ", ".join(e.label for e in self.entries)

    def to_markdown(self) -> str:
        """The page as Markdown; the chart is ``figures/density.png`` beside it."""
        from .report import render_markdown

        return render_markdown(self.title(), self.sections())

    def figure_png(self) -> bytes | None:
        """The density chart of every scenario as PNG, or None without matplotlib."""
        try:
            from .plots import density_comparison
        except MissingDependency:
            return None
        try:
            fig = density_comparison([(e.scenario, e.result) for e in self.entries],
                                     [e.label for e in self.entries])
        except MissingDependency:
            return None
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        return buf.getvalue()

    def to_html(self, png: bytes | None = None) -> str:
        """One self-contained page: CSS inline, the chart embedded as PNG data (``png``,
        drawn when not given; without matplotlib the page says the chart is left out)."""
        from .report import render_html

        png = self.figure_png() if png is None else png
        sections = self.sections()
        if png is None:
            for s in sections:
                if s.figure:
                    s.figure = None
                    s.paragraphs.append("(The chart needs matplotlib: pip install "
                                        "'feasim[plots]'.)")
        return render_html(self.title(), sections, {"density": png} if png else {})

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write ``compare.html``, ``compare.md`` and ``figures/density.png`` in ``out_dir``
        (created if missing; those three files are replaced, nothing else is touched)."""
        from .report import write_file

        out = Path(out_dir)
        try:
            (out / "figures").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CompareError(f"cannot create {out}: {exc.strerror or exc}") from None
        png = self.figure_png()
        paths = {"html": out / "compare.html", "markdown": out / "compare.md"}
        md = self.to_markdown()
        if png is not None:
            paths["figure"] = out / "figures" / "density.png"
            write_file(paths["figure"], png)
        else:
            md = md.replace("![", "(The chart needs matplotlib: pip install 'feasim[plots]'.) ![",
                            1)
        write_file(paths["markdown"], md.encode("utf-8"))
        write_file(paths["html"], self.to_html(png).encode("utf-8"))
        return paths

    def to_xlsx(self, path: str | Path) -> Path:
        """An Excel workbook: the verdict table, requirements and differing inputs."""
        from .export import Sheet, write_workbook

        labels = [e.label for e in self.entries]
        return write_workbook(path, [
            Sheet("verdicts", ["", *labels], self._verdict_rows(), [self.title()]),
            Sheet("requirements", ["method (troops in theatre, persons)", *labels],
                  self._need_rows()),
            Sheet("inputs that differ", ["field", "meaning (unit)", *labels],
                  [[f, m, *v] for f, m, v in self.differing])])


# ------------------------------------------------------------------ building


def compare(scenarios: Sequence[Scenario | str | Path], *, labels: Sequence[str] | None = None,
            missions: Sequence[str | None] | None = None, samples: int | None = None,
            seed: int | None = None, overrides: Sequence[str] = ()) -> Comparison:
    """Run every scenario (and every mission of ``missions``) and compare them.

    ``scenarios`` are scenario files or :class:`~feasim.Scenario` objects; with
    ``missions``, each scenario is run under each mission type's posture preset (``None``
    for its own posture). ``samples`` and ``seed`` are the same for every run (default:
    the first scenario's). ``labels`` name the columns (default: the scenario names,
    with the mission). Between 2 and :data:`MAX_SCENARIOS` runs.
    """
    from .loader import check_samples, load_scenario, with_overrides

    loaded: list[tuple[Scenario, str | None]] = []
    for s in scenarios:
        if isinstance(s, Scenario):
            loaded.append((with_overrides(s, list(overrides)) if overrides else s, None))
        elif isinstance(s, (str, Path)):
            loaded.append((load_scenario(s, list(overrides)), str(s)))
        else:
            raise CompareError(f"compare: a scenario must be a Scenario or the path of a "
                               f"scenario file; got {type(s).__name__}")
    runs = [(s, p, m) for s, p in loaded for m in (missions or [None])]
    if not 2 <= len(runs) <= MAX_SCENARIOS:
        raise CompareError(f"compare: needs 2 to {MAX_SCENARIOS} runs (scenarios × "
                           f"missions); got {len(runs)}")
    names = list(labels) if labels is not None else [
        s.name + (f" ({m})" if m else "") for s, _, m in runs]
    if len(names) != len(runs):
        raise CompareError(f"compare: {len(names)} labels for {len(runs)} runs")
    if len(set(names)) != len(names):
        raise CompareError("compare: every run needs its own label; the same scenario "
                           f"twice needs labels (got {names})")
    first = runs[0][0].uncertainty
    n = samples if samples is not None else first.samples
    sd = seed if seed is not None else first.seed
    entries = []
    for (s, path, mission), label in zip(runs, names, strict=True):
        check_samples(s, n, path or s.name)
        entries.append(_entry(label, s, path, mission, n, sd, overrides))
    return Comparison(entries, _differing(entries))


def _entry(label: str, scenario: Scenario, path: str | None, mission: str | None,
           samples: int, seed: int, overrides: Sequence[str]) -> Entry:
    from .models import evaluate
    from .provenance import provenance, verdict, verdict_hinges
    from .requirements import requirements

    if mission:
        from .loader import with_overrides
        from .presets import under_mission

        scenario, _ = under_mission(scenario, mission)
        if overrides:
            scenario = with_overrides(scenario, list(overrides))
    result = evaluate(scenario, samples=samples, seed=seed)
    reqs = requirements(scenario, result)
    prov = provenance(scenario, path) if path else provenance(scenario, comments={})
    text = verdict(scenario, result, reqs, verdict_hinges(scenario, result), prov)
    return Entry(label, scenario, result, path, mission, text,
                 {k: r.to_dict() for k, r in reqs.items()})


def _differing(entries: list[Entry]) -> list[tuple[str, str, list[str]]]:
    from .report import input_rows

    per = [{r["field"]: r for r in input_rows(e.scenario)} for e in entries]
    # a contributor that not every scenario has is one row of pledges, not ten of fields
    names = [{c.name for c in e.scenario.contributors} for e in entries]
    shared = set.intersection(*names)
    out: list[tuple[str, str, list[str]]] = []
    pledges = ["; ".join(f"{c.name}: {rows[f'contributors[{c.name}].troops']['value']}"
                         for c in e.scenario.contributors) for e, rows in zip(entries, per,
                                                                              strict=True)]
    if any(n != shared for n in names):
        out.append(("contributors", "contributor and pledge (troops, persons) of each",
                    pledges))
    per = [{f: r for f, r in rows.items() if not f.startswith("contributors[")
            or f.split("]", 1)[0][len("contributors["):] in shared} for rows in per]
    fields: list[str] = []
    for rows in per:
        fields += [f for f in rows if f not in fields]
    for f in fields:
        values = [rows[f]["value"] if f in rows else "—" for rows in per]
        if len(set(values)) > 1:
            meaning = next(rows[f]["meaning"] for rows in per if f in rows)
            out.append((f, meaning, values))
    return out


# ------------------------------------------------------------------ cells


def _num(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _finite(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _cell(x: float) -> str:
    return "unbounded" if isinstance(x, float) and math.isinf(x) else fmt(x)


def _p(e: Entry) -> str:
    return "not defined" if e.p_feasible is None else f"{e.p_feasible:.3f}"


def _iv(e: Entry) -> str:
    iv = e.interval()
    return "—" if iv is None else f"{iv[0]:.3f}–{iv[1]:.3f}"


def _median(e: Entry, m: str) -> str:
    if m not in e.result.metrics:
        return "—"
    v = np.asarray(e.result.metrics[m], dtype=float)
    if np.isnan(v).all():
        return "n/a"
    return _cell(float(np.nanmedian(v)) if not np.isinf(v).any() else
                 float(np.sort(v[~np.isnan(v)])[int((np.sum(~np.isnan(v)) - 1) / 2)]))


def _need(e: Entry, method: str) -> str:
    r = (e.requirements.get(method) or {}).get("in_theatre")
    return "—" if not r else _cell(r["p50"])
