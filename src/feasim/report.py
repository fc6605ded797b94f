"""Reports: one scenario's inputs, verdict, distributions and context, as HTML and Markdown.

:func:`write_report` runs the analytic model (and, on request, the simulation
and a sensitivity analysis), finds the minimum force, draws the figures of
:mod:`feasim.plots` and writes

- ``report.html``: one self-contained file, figures embedded (PNG, base64);
- ``report.md`` with the figures as PNG files in ``figures/``;
- ``.feasim-report.json``: the list of the files written.

An earlier report in the folder is replaced: the files its manifest lists are
deleted first, so no stale figure stays. Nothing else is ever deleted: a
folder holding any other file (an unlisted PNG in ``figures/`` included), or
with no manifest at all, is refused unless ``overwrite=True``, which writes
feasim's names over whatever is there and keeps the rest. Links are never
followed (a ``figures`` link is refused; a link at a name feasim writes is
replaced, not written through).

The wording is the model's, not an opinion: the report states what the
scenario's inputs imply under the model's assumptions and says what it leaves
out. Every input is listed with its unit and, for scenario files, the source
comment written beside it.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
from pydantic import BaseModel

from . import __version__
from .distributions import is_uncertain
from .errors import FeasimError
from .metrics import GROUPS, METRICS
from .models import evaluate
from .output import fmt, plural
from .results import Result, summarise
from .schema import Scenario

__all__ = ["write_report", "build_report", "ReportData", "Report", "Section", "Table",
           "verdict_section", "requirements_table", "requirements_section", "input_rows",
           "field_comments", "render_html", "render_markdown", "wilson_interval", "write_file",
           "png", "FIGURE_DPI"]

_SKIP = frozenset({"criteria", "simulation", "uncertainty", "name", "title", "description",
                   "sources", "notes"})


# ------------------------------------------------------------------ inputs


def field_comments(path: str | Path) -> dict[str, str]:
    """Comments written after a field on its line in a scenario file, by ``--set`` path.

    ``line_km: 1200  # C1`` gives ``{"theatre.line_km": "C1"}``; list items are
    named as in ``--set`` (``contributors[France].troops``).
    """
    from .loader import _read_yaml

    text = Path(path).read_text(encoding="utf-8")
    data, marks, _ = _read_yaml(text, str(path))
    lines = text.splitlines()
    out: dict[str, str] = {}
    for loc, (line, _col) in marks.items():
        if not loc or line > len(lines):
            continue
        comment = _trailing_comment(lines[line - 1])
        if comment:
            out[_path_of(loc, data)] = comment
    return out


def _trailing_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and i > 0 and line[i - 1] in " \t":
            return line[i + 1:].strip()
    return ""


def _path_of(loc: tuple, data: Any) -> str:
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            item = node[key] if isinstance(node, list) and key < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            parts[-1] += f"[{name if name is not None else key}]"
            node = item
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts)


def _describe(value: Any) -> str:
    if is_uncertain(value):
        d = value.model_dump(by_alias=True)
        kind = d.pop("dist")
        return kind + " " + ", ".join(f"{k} {fmt(float(v))}" for k, v in d.items()
                                      if isinstance(v, (int, float)))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return fmt(float(value))
    return str(value)


def _meaning(info) -> str:
    return " ".join((info.description or "").replace("``", "").split())


def input_rows(scenario: Scenario, comments: dict[str, str] | None = None
               ) -> list[dict[str, str]]:
    """Every input field of a scenario: path, value, meaning (with unit), source comment."""
    comments = comments or {}
    rows: list[dict[str, str]] = []

    def walk(model: BaseModel, prefix: str) -> None:
        for name, info in type(model).model_fields.items():
            if not prefix and name in _SKIP:
                continue
            value = getattr(model, name)
            path = f"{prefix}{name}"
            if value is None:
                continue
            if isinstance(value, BaseModel) and not is_uncertain(value):
                walk(value, path + ".")
            elif isinstance(value, (list, tuple)) and value and isinstance(value[0], BaseModel):
                for item in value:
                    walk(item, f"{path}[{getattr(item, 'name', '?')}].")
            elif isinstance(value, dict):
                for k, v in value.items():
                    rows.append({"field": f"{path}.{k}", "value": _describe(v),
                                 "meaning": _meaning(info),
                                 "source": comments.get(f"{path}.{k}", "")})
            elif isinstance(value, (list, tuple)):
                rows.append({"field": path, "value": ", ".join(map(str, value)) or "(none)",
                             "meaning": _meaning(info),
                             "source": comments.get(path, "")})
            else:
                rows.append({"field": path, "value": _describe(value),
                             "meaning": _meaning(info),
                             "source": comments.get(path, "")})

    walk(scenario, "")
    return rows


# ------------------------------------------------------------------ the report


@dataclass
class Report:
    """What :func:`write_report` wrote, and the results it drew on."""

    html: Path
    markdown: Path
    figures: dict[str, Path]
    result: Result
    notes: list[str] = field(default_factory=list)
    """Parts left out and why (e.g. a sensitivity output that never varies)."""
    replaced: list[Path] = field(default_factory=list)
    """Files of an earlier report in the folder, deleted before writing this one."""


_MANIFEST = ".feasim-report.json"
_MANIFEST_MAX = 1 << 20  # bytes: a list of a dozen names is a few hundred
_LISTED = re.compile(r"(report\.html|report\.md|figures/[A-Za-z0-9_-]+\.png)")


def _read_manifest(out: Path) -> list[str] | None:
    """The names listed by the manifest of an earlier report in ``out``.

    None if there is no manifest, or it is not one (not JSON, not a list of the
    names feasim writes). A manifest that is not a regular file (a link, a FIFO,
    a device, a folder) or is larger than 1 MB is refused: it is never opened
    in a way that could block or read without end.
    """
    import json
    import os
    import stat

    path = out / _MANIFEST
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode) or st.st_size > _MANIFEST_MAX:
        what = ("is not a regular file" if not stat.S_ISREG(st.st_mode)
                else f"is larger than {_MANIFEST_MAX:,} bytes")
        raise FeasimError(f"{path} {what}, so it is not the list of files of a feasim report; "
                          "remove it or choose another -o folder")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced since the lstat
            raise FeasimError(f"{path} is not a regular file, so it is not the list of files "
                              "of a feasim report; remove it or choose another -o folder")
        data = os.read(fd, _MANIFEST_MAX + 1)
    finally:
        os.close(fd)
    try:
        names = json.loads(data.decode("utf-8"))["files"]
    except (ValueError, KeyError, TypeError, IndexError):
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return None
    return [n for n in names if _LISTED.fullmatch(n)]


def _earlier_report(out: Path) -> tuple[list[Path], list[str]]:
    """Files of an earlier feasim report in ``out``, and the names of anything else there.

    A report is what :func:`write_report` writes: ``report.html``, ``report.md``,
    ``figures/*.png`` and ``.feasim-report.json``, the list of the files it
    wrote. Only files that list names, and that are regular files (not links),
    are the earlier report's; everything else is the user's, and a folder with
    no valid list holds no feasim report at all. Links are never followed; a
    ``figures`` that is a link is refused.
    """
    import os

    listed = _read_manifest(out)
    known = set(listed or ())
    ours: list[Path] = []
    foreign: list[str] = []

    def sort(entry: os.DirEntry, rel: str) -> None:
        if rel in known and entry.is_file(follow_symlinks=False):
            ours.append(out / rel)
        else:
            foreign.append(rel + (" (a symbolic link)" if entry.is_symlink() else ""))

    with os.scandir(out) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        if entry.name == _MANIFEST:
            if listed is None:
                foreign.append(entry.name)
            else:
                ours.append(out / entry.name)
        elif entry.name == "figures" and entry.is_symlink():
            raise FeasimError(f"{out / 'figures'} is a symbolic link; feasim neither writes "
                              "nor deletes through links: remove it or choose another -o "
                              "folder")
        elif entry.name == "figures" and entry.is_dir(follow_symlinks=False):
            with os.scandir(entry.path) as it:
                figs = sorted(it, key=lambda e: e.name)
            for fig in figs:
                sort(fig, f"figures/{fig.name}")
        else:
            sort(entry, entry.name)
    return ours, foreign


def write_file(path: Path, data: bytes) -> None:
    """``data`` to ``path`` through a temporary file renamed over it.

    The rename replaces whatever ``path`` is (a link included) without writing
    through it: a link at a name feasim writes never redirects the write.
    """
    import os

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0),
                 0o644)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


Table = tuple[list[str], list[list[str]]]
"""A table of text cells: its headers (units in them) and its rows."""


@dataclass
class Section:
    """One section of a report or comparison page: heading, paragraphs, an optional figure
    (its name in the PNGs handed to :func:`render_html`, ``figures/NAME.png`` in Markdown)
    and an optional table of text cells (headers carry units).

    ``id`` names the section for programs (``verdict``, ``requirements``, ``inputs``...);
    left empty it is made from the title (``Requirement by method`` →
    ``requirement-by-method``). HTML gives each section's heading that id."""

    title: str
    paragraphs: list[str] = field(default_factory=list)
    table: Table | None = None
    figure: str | None = None
    caption: str = ""
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") or "section"


def wilson_interval(p: float, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson's score interval for a share ``p`` of ``n`` samples: unlike p ± z·SE it
    stays inside [0, 1] and is not empty at p = 0 or 1 (at p = 0 its top is z²/(n + z²))."""
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low = 0.0 if p <= 0 else max(0.0, centre - half)   # exact ends, not rounding residue
    high = 1.0 if p >= 1 else min(1.0, centre + half)
    return low, high


def verdict_section(scenario: Scenario, result: Result,
                    requirements: dict[str, Any] | None = None,
                    provenance: dict[str, dict[str, Any]] | None = None,
                    hinges: list[str] | None = None) -> Section:
    """A scenario's verdict (section id ``verdict``): the plain-language verdict of
    :func:`feasim.provenance.verdict` (``requirements``, ``provenance`` and ``hinges`` as
    it takes them), P(feasible) with its 95% Wilson interval, and each criterion's
    threshold, share met and median margin. A comparison page can show one per scenario."""
    from .provenance import verdict as plain_verdict

    sec = _criteria_section(result)
    sec.paragraphs.insert(0, plain_verdict(scenario, result, requirements, hinges, provenance))
    return sec


def _criteria_section(result: Result) -> Section:
    from .plots.labels import metric_label

    sec = Section("Verdict", id="verdict")
    if not result.criteria:
        sec.paragraphs.append("The scenario sets no criteria, so there is no verdict; the "
                              "metrics below describe what its force buys.")
        return sec
    p = result.p_feasible
    n = result.samples
    low, high = wilson_interval(p, n)
    sec.paragraphs.append(
        f"Under the model's assumptions, the scenario meets every criterion in "
        f"{100 * p:.1f}% of {n:,} Monte Carlo samples: P(feasible) = {p:.3f} "
        f"(95% sampling interval {low:.3f}–{high:.3f}).")
    rows = []
    for name, c in result.criteria.items():
        unit = METRICS[name].unit if name in METRICS else ""
        margin = float(np.nanmedian(c.margin)) if np.isfinite(c.margin).any() else math.nan
        rows.append([metric_label(name),
                     f"{'≥' if c.bound == 'min' else '≤'} {fmt(c.threshold)} {unit}",
                     f"{c.p_met:.3f}", f"{fmt(margin)} {unit}"])
    sec.table = (["criterion", "threshold (metric's unit)", "P(met)",
                  "median margin (metric's unit; > 0: met)"], rows)
    return sec


def _metrics_table(result: Result) -> tuple[list[str], list[list[str]]]:
    rows = []
    for group in GROUPS:
        for name, m in METRICS.items():
            if m.group != group or name not in result.metrics:
                continue
            v = result.metrics[name]
            if np.isnan(v).all():
                continue
            s = summarise(v)
            rows.append([group, name, m.unit, fmt(s["p05"]), fmt(s["p50"]), fmt(s["p95"])])
    return ["group", "metric", "unit", "p05", "median", "p95"], rows


def _baseline_line(scenario: Scenario) -> float | None:
    line = scenario.theatre.line_km
    if scenario.theatre.sectors:
        return None  # sector lengths are tied to line_km: no curve over it
    if isinstance(line, (int, float)):
        return float(line)
    return float(line.ppf(np.array([0.5]))[0])


@dataclass
class ReportData:
    """A report built but not yet written: its sections, figures and the run behind them.

    :func:`build_report` makes it; :func:`render_markdown` and :func:`render_html` render
    ``sections`` (with the figures as PNG); :func:`write_report` writes the files.
    """

    title: str
    sections: list[Section]
    figures: dict[str, bytes]
    """Figure name → PNG bytes; a section shows the one its ``figure`` names."""
    result: Result
    notes: list[str] = field(default_factory=list)
    """Parts left out and why."""
    verdict: str = ""
    """The plain-language verdict (:func:`feasim.provenance.verdict`)."""
    p_feasible: float | None = None
    """Share of samples meeting every criterion; None without criteria."""
    p_interval: tuple[float, float] | None = None
    """95% Wilson interval of ``p_feasible`` (:func:`wilson_interval`)."""
    requirements: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Requirement by method (:meth:`feasim.requirements.Requirement.to_dict`: persons in
    theatre and committed, mean and percentiles; ``None`` where a method does not apply)."""
    inputs: list[dict[str, str]] = field(default_factory=list)
    """Every input: field, value, meaning (unit) and source (:func:`input_rows`)."""
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Source and grade of each uncertain input (:func:`feasim.provenance.provenance`)."""

    def section(self, id: str) -> Section:
        """The section with this id; a :class:`~feasim.errors.FeasimError` names the ids
        there are when none has it."""
        for sec in self.sections:
            if sec.id == id:
                return sec
        raise FeasimError(f"the report has no section {id!r}; it has "
                          + ", ".join(s.id for s in self.sections))

    def pngs(self) -> dict[str, bytes]:
        """Every figure as PNG bytes (``figures``, a copy)."""
        return dict(self.figures)


FIGURE_DPI = 110
"""Resolution of the report's figures (dots per inch)."""


def png(fig: Any, dpi: int = FIGURE_DPI) -> bytes:
    """A matplotlib figure as PNG bytes (tight bounding box)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def write_report(scenario: Scenario | str | Path, out_dir: str | Path, *,
                 simulate: bool = False, sensitivity: str | None = None,
                 samples: int | None = None, seed: int | None = None,
                 overrides: Sequence[str] = (), probability: float = 0.9,
                 progress: bool | None = False, mission: str | None = None,
                 overwrite: bool = False) -> Report:
    """Write ``report.html`` and ``report.md`` (with ``figures/*.png``) to ``out_dir``.

    The steps are public: :func:`build_report` computes and lays out (a
    :class:`ReportData`), :func:`render_markdown` and :func:`render_html` render, and
    this function checks the folder and writes.

    Parameters
    ----------
    scenario:
        A scenario, or the path of a scenario file (then the comments beside
        its fields are reported as their sources).
    simulate:
        Also run the SimPy simulation (its settings from the scenario) for the
        in-theatre strength fan chart and a comparison with the analytic model.
    sensitivity:
        ``tornado``, ``morris`` or ``sobol``: rank the inputs by their effect on
        P(feasible) (or on ``fill_ratio`` when the scenario has no criteria).
    samples, seed:
        Monte Carlo samples and seed (default: the scenario's).
    probability:
        Target P(feasible) of the minimum-force search.
    mission:
        A mission type (``monitoring``, ``interposition``, ``deterrence``, ``defence``):
        report on the scenario with that posture preset instead of its own.
    overwrite:
        Write into ``out_dir`` even if it holds other files than an earlier
        report (they are kept; only the names feasim writes are overwritten).
        Without it such a folder is refused, before any work. An earlier feasim
        report there (its ``.feasim-report.json`` lists its files) is always
        replaced: the listed files (figures included) are deleted first, so none
        is left stale (they are listed in the result's ``replaced``). Files it
        does not list are never deleted.
    """
    if sensitivity is not None and sensitivity not in ("tornado", "morris", "sobol"):
        raise FeasimError(f"sensitivity must be tornado, morris or sobol; got {sensitivity!r}")
    scen, written, comments, mission_note = _prepare(scenario, overrides, mission)
    out = Path(out_dir)
    old_files = _check_out(out, overwrite)
    data = build_report(scen, comments=comments, written=written, simulate=simulate,
                        sensitivity=sensitivity, samples=samples, seed=seed,
                        probability=probability, progress=progress, mission_note=mission_note)
    return _write(data, out, old_files)


def _prepare(scenario: Scenario | str | Path, overrides: Sequence[str], mission: str | None
             ) -> tuple[Scenario, Scenario | None, dict[str, str], str | None]:
    """The scenario as reported, as written (for provenance), its comments, a mission note."""
    from .loader import load_scenario, with_overrides

    comments: dict[str, str] = {}
    written = None
    if isinstance(scenario, (str, Path)):
        src = Path(scenario)
        written = load_scenario(src)
        scen = load_scenario(src, list(overrides))
        comments = field_comments(src)
    else:
        scen = with_overrides(scenario, list(overrides)) if overrides else scenario
    note = None
    if mission is not None:
        from .presets import under_mission

        scen, dropped = under_mission(scen, mission)
        if overrides:   # --set applies to the preset's posture too
            scen = with_overrides(scen, list(overrides))
        note = (f"The posture is the {mission} preset (docs/model.md §11), not the "
                "file's" + (f"; criteria it cannot model were dropped: "
                            f"{', '.join(dropped)}" if dropped else "") + ".")
    return scen, written, comments, note


def _check_out(out: Path, overwrite: bool) -> list[Path]:
    """Refuse a folder holding more than an earlier report, before any work; the earlier
    report's files (to delete before writing)."""
    old_files: list[Path] = []
    try:
        if out.is_dir():
            old_files, foreign = _earlier_report(out)
            if foreign and not overwrite:
                shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
                raise FeasimError(f"{out} is not empty and holds more than a feasim report "
                                  f"({shown}); choose another -o folder, or overwrite to "
                                  "write the report into it (those files are kept)")
        (out / "figures").mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # before any work: a folder that cannot be written is bad input
        raise FeasimError(f"cannot write the report to {out}: {exc.strerror or exc}; "
                          "choose another -o folder") from None
    return old_files


def build_report(scenario: Scenario, *, comments: dict[str, str] | None = None,
                 written: Scenario | None = None, simulate: bool = False,
                 sensitivity: str | None = None, samples: int | None = None,
                 seed: int | None = None, probability: float = 0.9,
                 progress: bool | None = False, mission_note: str | None = None
                 ) -> ReportData:
    """Run the scenario and lay the report out, section by section (nothing is written).

    ``comments`` are the scenario file's field comments (its sources), ``written`` the
    scenario as the file writes it (inputs changed since are assumptions).
    """
    from . import plots
    from .provenance import provenance, verdict, verdict_hinges
    from .requirements import requirements

    comments = comments or {}
    result = evaluate(scenario, samples=samples, seed=seed)
    reqs = requirements(scenario, result)
    prov = provenance(scenario, comments=comments, baseline=written)
    hinges = verdict_hinges(scenario, result)
    data = ReportData(scenario.title or scenario.name, [], {}, result,
                      verdict=verdict(scenario, result, reqs, hinges, prov),
                      requirements={k: r.to_dict() for k, r in reqs.items()},
                      inputs=input_rows(scenario, comments), provenance=prov)
    if result.criteria:
        data.p_feasible = result.p_feasible
        data.p_interval = wilson_interval(result.p_feasible, result.samples)
    data.sections += [_head(scenario, result, mission_note),
                      verdict_section(scenario, result, reqs, prov, hinges),
                      requirements_section(result, reqs)]
    if prov:
        data.sections.append(_provenance_section(scenario, prov))
    data.figures["density"] = png(plots.density_chart(scenario, result, requirements=reqs))
    data.figures["distributions"] = png(plots.metric_distributions(result))
    data.figures["posture"] = png(plots.posture_by_sector(scenario, result))
    data.sections += _figure_sections()
    if scenario.theatre.line_file is not None:   # a geographic line: the map
        data.figures["map"] = png(plots.line_map(scenario, result))
        data.sections.append(Section("The line on a map", figure="map", id="map", caption=(
            f"The line of theatre.line_file ({float(cast(float, scenario.theatre.line_km)):,.0f} km, "
            "geodesic), "
            "each sector coloured by its median observation-post coverage, the sector "
            "boundaries, and the QRF bases where the models place them; country outlines "
            "from Natural Earth 1:10m (public domain). No map tiles, nothing from the "
            "network.")))
    data.sections.append(Section("All metrics", table=_metrics_table(result), id="metrics"))
    if simulate:
        data.sections.append(_simulation_section(data, scenario, progress))
    if sensitivity:
        _sensitivity_section(data, scenario, sensitivity)
    if scenario.criteria:
        data.sections.append(_minimum_force_section(data, scenario, probability, samples,
                                                    seed))
    data.sections += _closing_sections(scenario, data.inputs)
    if data.notes:
        data.sections.append(Section("Left out", paragraphs=list(data.notes), id="left-out"))
    return data


def _head(scenario: Scenario, result: Result, mission_note: str | None) -> Section:
    head = Section("Scenario", id="scenario")
    head.paragraphs.append(scenario.description or "")
    basis = {"in_theatre": "troops in theatre at one time",
             "committed": "total committed, rotation included"}[scenario.force.basis]
    head.paragraphs.append(f"Troop figures are read as {basis} (force.basis: "
                           f"{scenario.force.basis}). Analytic model, "
                           f"{plural(result.samples, 'sample')}, seed {result.seed}; "
                           f"feasim {__version__}.")
    if mission_note:
        head.paragraphs.append(mission_note)
    return head


def _provenance_section(scenario: Scenario, prov: dict[str, dict[str, Any]]) -> Section:
    """Source and grade of each uncertain input, and the inputs each criterion hinges on."""
    from .plots.labels import input_label, metric_label
    from .provenance import criteria_hinges, grade_tally, hinge_list

    sec = Section(
        "Provenance of the uncertain inputs", id="provenance",
        paragraphs=["Grade of the first source named beside each input written as a "
                    "distribution (A official or peer-reviewed, B reputable secondary, "
                    "C aggregator; 'assumption' where the file says so or names no "
                    "source): " + grade_tally(prov) + "."],
        table=(["input", "field", "source", "grade"],
               [[input_label(k), k, v["source"] or "", v["grade"]] for k, v in prov.items()]))
    hinged = {k: v for k, v in criteria_hinges(scenario, prov).items() if v}
    sec.paragraphs.append(
        ("Criteria that one input can take across its threshold (tornado: the input "
         "from its 5th to its 95th percentile, the others at their medians): "
         + "; ".join(f"{metric_label(k)}: {hinge_list(v)}" for k, v in hinged.items()) + ".")
        if hinged else
        "No criterion is taken across its threshold by one input alone (tornado).")
    return sec


def requirements_table(result: Result, requirements: dict[str, Any]) -> Table:
    """Requirement by method as a table: per method (in words) the median and 5–95% range
    of troops in theatre, the median committed (persons) and the sources; a method that
    does not apply says why. ``requirements``: :func:`feasim.requirements.requirements`."""
    from .requirements import METHOD_LABELS, METHODS

    rows = []
    for name in METHODS:
        r = requirements.get(name)
        if r is None:
            continue
        d = r.to_dict()
        a, c = d["in_theatre"], d["committed"]
        if a is None or c is None:
            rows.append([METHOD_LABELS[name], "not applicable", "", "", r.note])
            continue
        rows.append([METHOD_LABELS[name], fmt(a["p50"]), f"{fmt(a['p05'])} – {fmt(a['p95'])}",
                     fmt(c["p50"]), ", ".join(r.sources) or r.note])
    return (["method", "in theatre, median (persons)", "in theatre, 5–95% (persons)",
             "committed, median (persons)", "sources"], rows)


def requirements_section(result: Result, requirements: dict[str, Any]) -> Section:
    """Section ``requirements``: :func:`requirements_table` with the claim's own medians."""
    claim_in = float(np.median(np.asarray(result["in_theatre_troops"], dtype=float)))
    claim_c = float(np.median(np.asarray(result["committed_troops"], dtype=float)))
    return Section(
        "Requirement by method", id="requirements",
        paragraphs=[f"What independent ways of sizing a force say the line needs, in persons "
                    f"(docs/model.md §10). The claim: {fmt(claim_in)} in theatre, "
                    f"{fmt(claim_c)} committed (medians)."],
        table=requirements_table(result, requirements))


def _figure_sections() -> list[Section]:
    return [
        Section("In historical context", figure="density", id="density", caption=(
            "Troops per km of line against line length (log scales): historical missions "
            "(ranges as bars), the claims C2, C3 and C4, and this scenario (median, "
            "5–95% range). Densities of missions that watch a line are comparable only "
            "roughly with a force meant to hold one; see docs/reference-data.md.")),
        Section("Metric distributions", figure="distributions", id="distributions", caption=(
            "Distributions over the Monte Carlo samples, with each criterion's threshold.")),
        Section("Posture along the line", figure="posture", id="posture",
                caption="Median coverage by sector along the line.")]


def _simulation_section(data: ReportData, scenario: Scenario,
                        progress: bool | None) -> Section:
    from . import plots
    from .models import simulate as run_sim

    sim = run_sim(scenario, progress=progress)
    data.figures["strength"] = png(plots.strength_fan_chart(sim))
    rows = []
    for name in ("in_theatre_troops", "detection_probability", "response_hours_mean",
                 "qrf_wait_probability"):
        if name in sim.metrics and name in data.result.metrics:
            rows.append([name, METRICS[name].unit,
                         fmt(summarise(data.result[name])["mean"]),
                         fmt(summarise(sim[name])["mean"])])
    return Section(
        "Over time (simulation)", figure="strength", id="simulation",
        paragraphs=[f"SimPy simulation, {plural(sim.samples, 'replication')} of "
                    f"{scenario.simulation.days:g} days. Analytic means beside simulated "
                    "means (time averages over the horizon):"],
        table=(["metric", "unit", "analytic mean", "simulated mean"], rows),
        caption="Troops in theatre by day: median and 50%/90% bands across replications.")


def _sensitivity_section(data: ReportData, scenario: Scenario, method: str) -> None:
    from . import plots
    from .plots.labels import column_label
    from .sensitivity import SensitivityError, analyse

    output = "feasible" if scenario.criteria else "fill_ratio"
    try:
        sens = analyse(scenario, method, output=output, group_by="both")
        data.figures["sensitivity"] = png(plots.sensitivity_chart(sens))
    except (SensitivityError, FeasimError) as exc:
        data.notes.append(f"sensitivity not shown: {exc}")
        return
    top = sens.rows()[:10]
    cols = [c for c in top[0] if c != "factor"]
    data.sections.append(Section(
        f"Which inputs matter ({method})", figure="sensitivity", id="sensitivity",
        paragraphs=[f"Sensitivity of {output}; contributors and conditions grouped; "
                    f"{sens.evaluations:,} evaluations."],
        table=(["factor", *(column_label(c) for c in cols)],
               [[_factor_words(r["factor"]), *[fmt(r[c]) for c in cols]] for r in top]),
        caption="Inputs ranked by their effect."))


def _factor_words(factor: str) -> str:
    """A sensitivity factor (an input path, event or group name) in words, with its name."""
    from .plots.labels import input_label

    words = input_label(factor)
    return factor if words == factor else f"{words} ({factor})"


def _minimum_force_section(data: ReportData, scenario: Scenario, probability: float,
                           samples: int | None, seed: int | None) -> Section:
    from . import plots
    from .frontier import frontier, minimum_force

    base = _baseline_line(scenario)
    if base is None:
        m = minimum_force(scenario, probability, samples=samples, seed=seed)
        text = (f"Smallest scale of every pledge meeting P(feasible) ≥ {probability:g}: "
                + (f"{m.scale:.3g} ({fmt(m.pledged_troops)} pledged, "
                   f"{fmt(m.in_theatre_troops)} in theatre)." if m.reachable
                   else m.message))
        return Section("Minimum force", paragraphs=[text], id="minimum-force")
    values = [round(base * f) for f in (0.25, 0.5, 0.75, 1.0, 1.5, 2.0)]
    fr = frontier(scenario, "theatre.line_km", values, probability, samples=samples, seed=seed)
    data.figures["frontier"] = png(plots.frontier_chart(fr))
    rows = [[fmt(v), "unreachable" if not m.reachable else f"{m.scale:.3g}",
             fmt(m.pledged_troops), fmt(m.in_theatre_troops)]
            for v, m in zip(fr.values, fr.points, strict=True)]
    paras = [f"Smallest scale of every pledge at which P(feasible) ≥ {probability:g}, "
             "over line length (the posture otherwise as written)."]
    paras += [f"At {fmt(v)} km: {m.message}" for v, m in zip(fr.values, fr.points, strict=True)
              if m.message]
    return Section(
        "Minimum force", figure="frontier", paragraphs=paras, id="minimum-force",
        table=(["line (km)", "scale", "pledged (persons)", "in theatre (persons)"], rows),
        caption="Minimum force against line length; unreachable points marked.")


def _closing_sections(scenario: Scenario, inputs: list[dict[str, str]]) -> list[Section]:
    from .refdata import cite

    src = Section("Sources and notes", id="sources")
    if scenario.sources:
        src.paragraphs.append("Sources (keys of the reference data, grades in brackets): "
                              + cite(scenario.sources) + ".")
    src.paragraphs += list(scenario.notes)
    return [
        Section("Inputs", id="inputs", paragraphs=[
            "Every input as written; the source column is the comment beside the field in "
            "the scenario file."],
                table=(["field", "value", "meaning (unit)", "source"],
                       [[r["field"], r["value"], r["meaning"], r["source"]] for r in inputs])),
        src,
        Section("What this report does not say", id="limits", paragraphs=[
            "It evaluates the scenario as written, under the model's assumptions "
            "(docs/model.md): steady-state closed forms for coverage and queues, no terrain, "
            "weather, logistics or adversary adaptation, and force ratios as rules of thumb, "
            "some disputed. A probability here is the share of samples of the stated input "
            "distributions, not a forecast."])]


def _write(data: ReportData, out: Path, old_files: list[Path]) -> Report:
    """Delete the earlier report (so that no stale figure remains), then write this one."""
    import json
    import os
    import stat

    figdir = out / "figures"
    try:
        for p in old_files:  # regular files listed by its manifest, never a link's target
            try:
                if stat.S_ISREG(os.lstat(p).st_mode):
                    os.unlink(p)
            except FileNotFoundError:
                pass
        figdir.mkdir(parents=True, exist_ok=True)
        if figdir.is_symlink():  # made a link while the model ran
            raise FeasimError(f"{figdir} is a symbolic link; feasim neither writes nor "
                              "deletes through links: remove it or choose another -o folder")
        pngs = data.figures
        paths: dict[str, Path] = {}
        for key, png in pngs.items():
            paths[key] = figdir / f"{key}.png"
            write_file(paths[key], png)
        md = out / "report.md"
        write_file(md, render_markdown(data.title, data.sections).encode("utf-8"))
        page = out / "report.html"
        write_file(page, render_html(data.title, data.sections, pngs).encode("utf-8"))
        listed = [md.name, page.name] + [f"figures/{p.name}" for p in paths.values()]
        write_file(out / _MANIFEST, (json.dumps({"feasim": __version__, "files": listed},
                                                indent=1) + "\n").encode("utf-8"))
    except OSError as exc:
        raise FeasimError(f"cannot write the report to {out}: {exc.strerror or exc} "
                          f"({exc.filename or out}); choose another -o folder") from None
    return Report(html=page, markdown=md, figures=paths, result=data.result,
                  notes=data.notes, replaced=[p for p in old_files if p.name != _MANIFEST])


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(title: str, sections: list[Section]) -> str:
    """The sections as one Markdown document; figures link to ``figures/NAME.png``."""
    out = [f"# {title}", ""]
    for s in sections:
        out += [f"## {s.title}", ""]
        for p in s.paragraphs:
            if p:
                out += [p, ""]
        if s.figure:
            out += [f"![{_md_cell(s.caption)}](figures/{s.figure}.png)", "", f"*{s.caption}*", ""]
        if s.table:
            head, rows = s.table
            out.append("| " + " | ".join(map(_md_cell, head)) + " |")
            out.append("|" + "---|" * len(head))
            out += ["| " + " | ".join(map(_md_cell, r)) + " |" for r in rows]
            out.append("")
    return "\n".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:980px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;
margin-top:1.6em}table{border-collapse:collapse;font-size:.9em;margin:.6em 0}
td,th{border:1px solid #ddd;padding:.25em .5em;vertical-align:top}th{background:#f5f5f5}
td.num{text-align:right}figure{margin:1em 0}img{max-width:100%}
figcaption{font-size:.9em;color:#555}
"""
_NUM = re.compile(r"^[\s≥≤<>±\-–+0-9.,%a-z/]*[0-9][\s0-9.,%a-z/]*$")


def render_html(title: str, sections: list[Section], pngs: dict[str, bytes]) -> str:
    """The sections as one self-contained HTML page: CSS inline, figures embedded as PNG
    data (``pngs``: figure name → PNG bytes); nothing is loaded from elsewhere."""
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{e(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{e(title)}</h1>"]
    for s in sections:
        out.append(f'<h2 id="{e(s.id)}">{e(s.title)}</h2>')
        out += [f"<p>{e(p)}</p>" for p in s.paragraphs if p]
        if s.figure and s.figure in pngs:
            data = base64.b64encode(pngs[s.figure]).decode("ascii")
            out.append(f'<figure><img alt="{e(s.caption)}" src="data:image/png;base64,{data}">'
                       f"<figcaption>{e(s.caption)}</figcaption></figure>")
        if s.table:
            head, rows = s.table
            out.append("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head)
                       + "</tr></thead><tbody>")
            for r in rows:
                cells = "".join(
                    f'<td class="num">{e(c)}</td>' if _NUM.match(str(c)) else f"<td>{e(c)}</td>"
                    for c in map(str, r))
                out.append(f"<tr>{cells}</tr>")
            out.append("</tbody></table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
