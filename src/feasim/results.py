"""One result type for the analytic model and the simulation.

A :class:`Result` holds every named metric as an array over samples (or
replications), the criteria with their per-sample verdicts and margins, and
the sampled uncertain inputs. It summarises itself, turns into the JSON shape
of ``feasim run --format json``, and into pandas or xarray tables.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import MissingDependency
from .metrics import METRICS, SERIES_UNITS

__all__ = ["Result", "CriterionResult", "summarise", "undefined_fraction", "confidence"]


def _percentiles(v: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """Linear-interpolation percentiles that treat infinities as numbers (inf stays inf)."""
    a = np.sort(v)
    out = []
    for q in qs:
        h = (a.size - 1) * q / 100.0
        lo, hi = int(np.floor(h)), int(np.ceil(h))
        frac = h - lo
        if frac == 0 or a[lo] == a[hi]:
            out.append(float(a[lo]))
        elif np.isinf(a[lo]) or np.isinf(a[hi]):
            out.append(float(a[hi] if np.isinf(a[hi]) else a[lo]))
        else:
            out.append(float(a[lo] + frac * (a[hi] - a[lo])))
    return out


def summarise(values: np.ndarray) -> dict[str, float]:
    """Mean and 5th/50th/95th percentiles over the samples where the metric is defined.

    NaN marks "not defined in this sample" (e.g. revisit time without patrols);
    such samples are left out (see :func:`undefined_fraction`). All NaN → NaN.
    Infinite values (an overloaded QRF) count: the mean is then infinite.
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return {"mean": math.nan, "p05": math.nan, "p50": math.nan, "p95": math.nan}
    with np.errstate(all="ignore"):
        mean = float(np.mean(v))
    if math.isnan(mean):  # +inf and -inf together
        mean = math.inf if np.isposinf(v).sum() >= np.isneginf(v).sum() else -math.inf
    p05, p50, p95 = _percentiles(v, (5, 50, 95))
    return {"mean": mean, "p05": p05, "p50": p50, "p95": p95}


def undefined_fraction(values: np.ndarray) -> float:
    """Share of samples where the metric is not defined (NaN)."""
    return float(np.mean(np.isnan(np.asarray(values, dtype=float))))


def confidence(values: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """Student-t confidence interval of the mean across replications.

    Over the replications where the metric is defined; ``stderr`` is the
    standard error of the mean. NaN where fewer than two values are defined,
    and infinite bounds where any value is infinite.
    """
    from scipy import stats

    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size < 2:
        return {"low": math.nan, "high": math.nan, "stderr": math.nan}
    if np.isinf(v).any():
        mean = summarise(v)["mean"]
        return {"low": mean, "high": mean, "stderr": math.inf}
    mean = float(np.mean(v))
    se = float(np.std(v, ddof=1) / math.sqrt(v.size))
    half = float(stats.t.ppf(0.5 + level / 2, v.size - 1)) * se
    return {"low": mean - half, "high": mean + half, "stderr": se}


def _json_number(x: float) -> float | None:
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class CriterionResult:
    """One criterion: threshold, per-sample verdict and margin (metric unit, > 0 = met)."""

    name: str
    bound: str
    threshold: float
    met: np.ndarray
    margin: np.ndarray

    @property
    def p_met(self) -> float:
        """Share of samples meeting the criterion."""
        return float(np.mean(self.met))


@dataclass(frozen=True)
class Result:
    """Named metrics over samples, with criteria and feasibility."""

    scenario: str
    seed: int | None
    """The seed given (``None`` when the randomness came from a ``Generator``)."""
    samples: int
    method: str
    metrics: dict[str, np.ndarray]
    criteria: dict[str, CriterionResult] = field(default_factory=dict)
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    series: dict[str, np.ndarray] = field(default_factory=dict)
    """Simulation only: daily time series, each an array (replication × day)."""
    not_judged: tuple[str, ...] = ()
    """Criteria of the scenario this method cannot judge (their metric is not estimated):
    P(feasible) covers the other criteria only."""
    not_observed: tuple[str, ...] = ()
    """Metrics of the shared vocabulary this method does not estimate (e.g. force
    ratios in the simulation, which plays out no combat)."""
    warnings: tuple[str, ...] = ()
    """Plain-language warnings about this result (e.g. a simulation horizon too short
    for the QRF's load); shown by the CLI and in ``to_dict()``."""
    worst_case: dict[str, Any] = field(default_factory=dict)
    """Where detection is lowest: ``{"sector": NAME, "hour": k, "share": s}``, the sector and
    clock hour most often worst over the samples, and the share of samples where it is."""
    cells: dict[str, list[float]] = field(default_factory=dict)
    """Simulation only: ``{"SECTOR|HOUR": [detected, incursions]}`` pooled over
    replications, by the sector and clock hour (0–23) in which each window starts."""
    by_sector: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    """Per-sector outputs of :data:`feasim.metrics.SECTOR_METRICS`: quantity → sector name
    (line order; ``line`` without sectors) → one value per sample or replication."""
    base_overload: dict[str, float] = field(default_factory=dict)
    """Per QRF base (``"base 1 (km 0–100)"``): share of samples or replications in which
    it is manned and overloaded; only bases overloaded somewhere are listed."""

    def __repr__(self) -> str:
        """One line: what was run and P(feasible), not the sample arrays (``to_dataframe``
        and ``summary`` show those)."""
        p = self.p_feasible
        feas = f", P(feasible)={p:.3g}" if math.isfinite(p) else ""
        seed = "" if self.seed is None else f", seed={self.seed}"
        n_c = len(self.criteria)
        return (f"Result({self.scenario!r}, {self.method}, {self.samples:,} "
                f"sample{'s' if self.samples != 1 else ''}{seed}, {len(self.metrics)} metrics, "
                f"{n_c} criteri{'a' if n_c != 1 else 'on'}{feas})")

    def _repr_html_(self) -> str:
        """A notebook's view: the criteria with their share met, then each metric's mean
        and 5th-95th percentiles with its unit (bounded size whatever the samples)."""
        import html

        def num(x: float) -> str:
            return "unbounded" if math.isinf(x) else ("n/a" if math.isnan(x) else f"{x:.4g}")

        rows = []
        for c in self.criteria.values():
            bound = {"min": "≥", "max": "≤"}.get(c.bound, c.bound)
            rows.append(f"<tr><td>{html.escape(c.name)} {html.escape(bound)} "
                        f"{c.threshold:g}</td><td>{c.p_met:.3f}</td></tr>")
        crit = ("<table><tr><th>criterion</th><th>share of samples met</th></tr>"
                + "".join(rows) + "</table>") if rows else ""
        mrows = []
        for name in self.metrics:
            st = self.summary(name)
            mrows.append(f"<tr><td>{html.escape(name)}</td><td>{num(st['mean'])}</td>"
                         f"<td>{num(st['p05'])} – {num(st['p95'])}</td>"
                         f"<td>{html.escape(self.unit(name))}</td></tr>")
        return (f"<div><p><b>{html.escape(repr(self))}</b></p>{crit}"
                "<table><tr><th>metric</th><th>mean</th><th>5th–95th percentile</th>"
                "<th>unit</th></tr>" + "".join(mrows) + "</table></div>")

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.metrics[name]
        except KeyError:
            raise KeyError(f"no metric {name!r}; known: {', '.join(self.metrics)}") from None

    def unit(self, name: str) -> str:
        """Unit of a metric ('' for outputs outside the shared vocabulary, e.g. a function's)."""
        m = METRICS.get(name)
        return m.unit if m is not None else ""

    @property
    def feasible(self) -> np.ndarray:
        """Per sample: True iff every criterion holds (all True if there are none)."""
        ok = np.ones(self.samples, dtype=bool)
        for c in self.criteria.values():
            ok &= c.met
        return ok

    @property
    def p_feasible(self) -> float:
        """Share of samples meeting every criterion; NaN if the scenario has no criteria."""
        return float(np.mean(self.feasible)) if self.criteria else math.nan

    def summary(self, name: str) -> dict[str, float]:
        """Mean, p05, p50, p95 of one metric."""
        return summarise(self[name])

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``feasim run --format json``; non-finite numbers become null.

        A metric that is infinite in some samples (an overloaded QRF) also carries
        ``unbounded_fraction``, the share of such samples; one that is undefined in
        some (revisit time where no patrol is out) carries ``undefined_fraction``,
        and its statistics cover the samples where it is defined.
        """
        metrics = {}
        for name, values in self.metrics.items():
            entry: dict[str, Any] = {"unit": self.unit(name)}
            entry.update({k: _json_number(v) for k, v in summarise(values).items()})
            inf = np.isinf(np.asarray(values, dtype=float))
            if inf.any():
                entry["unbounded_fraction"] = float(np.mean(inf))
            undefined = undefined_fraction(values)
            if 0 < undefined:
                entry["undefined_fraction"] = undefined
            if self.method == "simulation":
                ci = confidence(values)
                entry["ci95"] = [_json_number(ci["low"]), _json_number(ci["high"])]
                entry["stderr"] = _json_number(ci["stderr"])
            metrics[name] = entry
        criteria = {}
        for name, c in self.criteria.items():
            criteria[name] = {c.bound: c.threshold, "p_met": c.p_met,
                              "margin": {k: _json_number(v)
                                         for k, v in summarise(c.margin).items()}}
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "method": self.method,
            "seed": self.seed,
            "samples": self.samples,
            "metrics": metrics,
            "criteria": criteria,
            "p_feasible": _json_number(self.p_feasible),
        }
        if self.not_judged:
            out["criteria_not_judged"] = list(self.not_judged)
        if self.not_observed:
            out["metrics_not_observed"] = list(self.not_observed)
        if self.base_overload:
            out["qrf_overloaded_bases"] = dict(self.base_overload)
        if self.worst_case:
            out["worst_case"] = dict(self.worst_case)
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.series:
            out["series"] = self.series_summary()
        return out

    def series_summary(self) -> dict[str, dict[str, Any]]:
        """Per series and day: mean, 5th and 95th percentile across replications."""
        out: dict[str, dict[str, Any]] = {}
        for name, table in self.series.items():
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN days
                mean = np.nanmean(table, axis=0)
                p05, p95 = np.nanpercentile(table, [5, 95], axis=0)
            out[name] = {"unit": SERIES_UNITS.get(name, ""), "day": list(range(table.shape[1])),
                         "mean": [_json_number(float(x)) for x in mean],
                         "p05": [_json_number(float(x)) for x in p05],
                         "p95": [_json_number(float(x)) for x in p95]}
        return out

    def to_dataframe(self):
        """Per-sample pandas DataFrame: one column per metric and uncertain input.

        Units are in ``df.attrs['units']``; needs ``pip install feasim[tables]``.
        """
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on environment
            raise MissingDependency("to_dataframe() needs pandas: pip install 'feasim[tables]'") from exc
        cols = {k: np.asarray(v) for k, v in self.metrics.items()}
        cols["feasible"] = self.feasible
        cols.update({f"input:{k}": v for k, v in self.inputs.items()})
        df = pd.DataFrame(cols)
        df.index.name = "sample"
        df.attrs["units"] = {k: self.unit(k) for k in self.metrics}
        df.attrs["scenario"] = self.scenario
        return df

    def to_xlsx(self, path, *, scenario=None, source_path=None):
        """An Excel workbook: summary with units, criteria, inputs with sources (given the
        scenario), one row per sample (needs ``feasim[xlsx]``; see :mod:`feasim.export`)."""
        from .export import result_to_xlsx

        return result_to_xlsx(self, path, scenario=scenario, source_path=source_path)

    def to_csv(self, target=None):
        """One row per sample as CSV (units in the header) to a path or open file; with no
        target, the text (see :mod:`feasim.export`)."""
        from .export import result_to_csv

        return result_to_csv(self, target)

    def to_xarray(self):
        """xarray Dataset over dimension ``sample``, each variable with a ``units`` attribute.

        A simulation's daily series are kept as ``series:NAME`` over (``sample``, ``day``):
        one row per replication, one column per day from 0.
        """
        try:
            import xarray as xr
        except ImportError as exc:  # pragma: no cover - depends on environment
            raise MissingDependency("to_xarray() needs xarray: pip install 'feasim[tables]'") from exc
        data = {k: ("sample", np.asarray(v), {"units": self.unit(k), "description":
                                              METRICS[k].description if k in METRICS else ""})
                for k, v in self.metrics.items()}
        data["feasible"] = ("sample", self.feasible, {"units": "bool"})
        for k, v in self.inputs.items():
            data[f"input:{k}"] = ("sample", np.asarray(v), {})
        coords = {}
        for k, table in self.series.items():  # simulation: replication × day
            table = np.asarray(table, dtype=float)
            data[f"series:{k}"] = (("sample", "day"), table,
                                   {"units": SERIES_UNITS.get(k, ""),
                                    "description": f"daily {k} per replication"})
            coords["day"] = ("day", np.arange(table.shape[1]), {"units": "days"})
        return xr.Dataset(data, coords=coords or None,
                          attrs={"scenario": self.scenario, "seed": self.seed,
                                 "method": self.method})
