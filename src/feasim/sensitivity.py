"""Sensitivity analysis: which uncertain inputs drive an output.

Three methods, one shape. Each takes a *vectorised* function and the
distributions of its inputs, and returns a result whose indices are mappings
``name → value`` that convert to a table:

- :func:`tornado`: one input at a time from a low to a high quantile, the others
  at their medians; swings and arc elasticities (``2k + 1`` evaluations for
  ``k`` factors).
- :func:`morris`: Morris elementary effects (screening), ``μ*`` with a bootstrap
  interval, ``σ`` (``n (k + 1)`` evaluations).
- :func:`sobol`: Sobol' first-order and total indices with bootstrap intervals
  (Saltelli/Jansen estimators; ``n (k + 2)`` evaluations).

``func(x)`` receives ``x``: a dict ``name → 1-D float array`` (one entry per
parameter, all of one length) and returns one value per row. ``parameters``
maps names to distributions written as in scenario files (``{dist: pert, low:
…, mode: …, high: …}``) or :mod:`feasim.distributions` objects. ``groups``
(``group → [names]``) makes several inputs one factor: they move together
(Morris, tornado) or are varied as one block (Sobol'), so that e.g. a nation's
pledge, honour and ramp-up rank as one.

Morris and Sobol' follow SALib (Herman & Usher 2017; Iwanaga et al. 2022), a
maintained library whose estimators are checked against published test
functions, and the only one at hand with grouped factors for both methods;
``scipy.stats.sobol_indices`` has neither groups nor Morris. Morris calls SALib,
an optional extra: ``pip install "feasim[sensitivity]"``. Sobol' runs SALib's
design, estimators and bootstrap as vectorised code of its own (identical
results, several times faster, no extra). Tornado needs nothing.

For a scenario, :func:`analyse` builds ``func`` and ``parameters`` itself: every
uncertain input and every condition/honour event uniform of the scenario is a
parameter, and the output is a metric or ``feasible`` (1 where every criterion
holds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from pydantic import TypeAdapter, ValidationError

from .distributions import Distribution, Uniform, _Dist
from .errors import FeasimError, MissingDependency

__all__ = ["tornado", "morris", "sobol", "analyse", "scenario_problem",
           "SensitivityError", "TornadoResult", "MorrisResult", "SobolResult",
           "ScenarioProblem", "METHODS"]

METHODS = ("tornado", "morris", "sobol")
_DIST = TypeAdapter(Distribution)
_EPS = 1e-12  # keeps uniforms off 0 and 1, where unbounded quantiles are infinite


class SensitivityError(FeasimError, ValueError):
    """Bad parameters, groups or options, or an output that cannot be analysed."""


# ------------------------------------------------------------------ inputs


def _distributions(parameters: Mapping[str, Any]) -> dict[str, _Dist]:
    """Parse every parameter; report every bad one at once."""
    if not isinstance(parameters, Mapping) or not parameters:
        raise SensitivityError("parameters must be a non-empty mapping name -> distribution; "
                               f"got {parameters!r}")
    out, bad = {}, []
    for name, spec in parameters.items():
        if isinstance(spec, _Dist):
            out[str(name)] = spec
            continue
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            bad.append(f"{name}: a constant ({spec!r}) has no sensitivity; give a "
                       "distribution, or fix it inside the function")
            continue
        try:
            out[str(name)] = _DIST.validate_python(spec)
        except ValidationError as exc:
            msgs = "; ".join(e["msg"] for e in exc.errors())
            bad.append(f"{name}: {msgs} (got {spec!r})")
    if bad:
        raise SensitivityError(f"{len(bad)} bad parameter(s):\n" +
                               "\n".join(f"  - {b}" for b in bad))
    return out


def _factors(names: Sequence[str], groups: Mapping[str, Sequence[str]] | None
             ) -> tuple[list[str], list[str]]:
    """(factor of each name, factor names in order): ungrouped names are their own factor."""
    if not groups:
        return list(names), list(names)
    owner: dict[str, str] = {}
    bad = []
    for g, members in groups.items():
        if isinstance(members, str) or not members:
            bad.append(f"group {g!r}: needs a non-empty list of parameter names, "
                       f"got {members!r}")
            continue
        for m in members:
            if m not in names:
                bad.append(f"group {g!r}: no parameter {m!r}")
            elif m in owner:
                bad.append(f"parameter {m!r} is in two groups ({owner[m]!r}, {g!r})")
            else:
                owner[m] = str(g)
        if g in names and g not in members:
            bad.append(f"group {g!r} has the name of a parameter outside it")
    if bad:
        raise SensitivityError(f"{len(bad)} bad group(s):\n" +
                               "\n".join(f"  - {b}" for b in bad))
    per_name = [owner.get(n, n) for n in names]
    order = list(dict.fromkeys(per_name))
    return per_name, order


def _values(dists: Mapping[str, _Dist], u: np.ndarray) -> dict[str, np.ndarray]:
    """Map a (rows × k) matrix of uniforms to parameter values by quantile."""
    u = np.clip(u, _EPS, 1.0 - _EPS)
    return {name: np.ascontiguousarray(d.ppf(u[:, j])) for j, (name, d)
            in enumerate(dists.items())}


def _call(func: Callable, x: dict[str, np.ndarray], rows: int, output: str) -> np.ndarray:
    y = np.asarray(func(x), dtype=float)
    if y.shape != (rows,):
        raise SensitivityError(f"func must return one value per row ({rows}); "
                               f"got shape {y.shape}")
    bad = ~np.isfinite(y)
    if bad.any():
        kinds = [k for k, m in (("inf", np.isinf(y)), ("NaN", np.isnan(y))) if m.any()]
        raise SensitivityError(
            f"output {output!r} is not finite ({' and '.join(kinds)}) in {int(bad.sum())} of "
            f"{rows} evaluations; indices need a finite output (an unbounded value, such as "
            "the response time of an overloaded QRF, has no variance): choose another "
            "output, e.g. a criterion or 'feasible'")
    return y


def _salib():
    try:
        from SALib.analyze import morris as morris_analyze
        from SALib.sample import morris as morris_sample
    except ImportError:
        raise MissingDependency('Morris screening needs SALib: '
                                'pip install "feasim[sensitivity]"') from None
    return morris_sample, morris_analyze


def _problem(names: list[str], per_name: list[str], grouped: bool) -> dict:
    p: dict[str, Any] = {"num_vars": len(names), "names": names,
                         "bounds": [[0.0, 1.0]] * len(names)}
    if grouped:
        p["groups"] = per_name
    return p


def _seed(seed: int | None) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SensitivityError(f"seed must be a whole number >= 0; got {seed!r}")
    return int(seed)


def _check_level(conf_level: float) -> float:
    if not 0 < conf_level < 1:
        raise SensitivityError(f"conf_level must be in (0, 1); got {conf_level!r}")
    return float(conf_level)


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class _Result:
    method: str
    output: str
    factors: tuple[str, ...]
    """Factor names (a group's name stands for all its members)."""
    groups: dict[str, tuple[str, ...]]
    """Members of every factor (a plain input is a group of one)."""
    evaluations: int
    """Rows the function was evaluated on."""
    columns: dict[str, dict[str, float]] = field(repr=False)

    _key: str = field(default="", repr=False)

    def ranking(self) -> list[str]:
        """Factors from most to least influential (by the method's main measure)."""
        main = self.columns[self._key]
        return sorted(self.factors, key=lambda f: (-abs(main[f]) if math.isfinite(main[f])
                                                   else math.inf, f))

    def rows(self) -> list[dict[str, Any]]:
        """One dict per factor, most influential first."""
        return [{"factor": f, **{c: v[f] for c, v in self.columns.items()}}
                for f in self.ranking()]

    def to_dataframe(self):
        """The indices as a pandas DataFrame indexed by factor, most influential first."""
        try:
            import pandas as pd
        except ImportError:
            raise MissingDependency('tables need pandas: pip install "feasim[tables]"') from None
        return pd.DataFrame(self.rows()).set_index("factor")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (non-finite numbers become None)."""
        def clean(v):
            return v if isinstance(v, str) or math.isfinite(v) else None
        return {"method": self.method, "output": self.output,
                "evaluations": self.evaluations,
                "groups": {g: list(m) for g, m in self.groups.items() if len(m) > 1},
                "factors": [{k: clean(v) for k, v in r.items()} for r in self.rows()]}


def _ci(col: Mapping[str, float], half: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    return {f: (col[f] - half[f], col[f] + half[f]) for f in col}


@dataclass(frozen=True)
class SobolResult(_Result):
    """Sobol' indices: ``first`` (S1) and ``total`` (ST), name → index, with CIs."""

    conf_level: float = 0.95

    @property
    def first(self) -> dict[str, float]:
        return dict(self.columns["first"])

    @property
    def total(self) -> dict[str, float]:
        return dict(self.columns["total"])

    @property
    def first_ci(self) -> dict[str, tuple[float, float]]:
        """Bootstrap interval at ``conf_level`` (normal approximation, SALib's)."""
        return _ci(self.columns["first"], self.columns["first_conf"])

    @property
    def total_ci(self) -> dict[str, tuple[float, float]]:
        return _ci(self.columns["total"], self.columns["total_conf"])


@dataclass(frozen=True)
class MorrisResult(_Result):
    """Morris screening: ``mu_star`` (mean |elementary effect|), ``mu``, ``sigma``.

    Effects are in output units per unit of probability: moving an input
    across its whole distribution (quantile 0.125 → 0.875 with 4 levels) is a
    step of 0.75, so ``mu_star`` compares inputs of different units directly.
    With groups, ``sigma`` is NaN for a group of two or more inputs: SALib's
    grouped method (Campolongo, Cariboni & Saltelli 2007) moves the members
    together and is meant to rank by ``mu_star`` alone.
    """

    conf_level: float = 0.95

    @property
    def mu_star(self) -> dict[str, float]:
        return dict(self.columns["mu_star"])

    @property
    def mu_star_ci(self) -> dict[str, tuple[float, float]]:
        return _ci(self.columns["mu_star"], self.columns["mu_star_conf"])

    @property
    def mu(self) -> dict[str, float]:
        return dict(self.columns["mu"])

    @property
    def sigma(self) -> dict[str, float]:
        return dict(self.columns["sigma"])


@dataclass(frozen=True)
class TornadoResult(_Result):
    """One-at-a-time: output at each factor's low and high quantile, others at median.

    ``swing`` = |high − low| (output units); ``elasticity`` is the arc
    elasticity ``(Δy / y_base) / (Δx / x_base)`` (NaN for a group, or where
    ``y_base`` or ``x_base`` is 0).
    """

    base_output: float = math.nan
    quantiles: tuple[float, float] = (0.05, 0.95)

    @property
    def low(self) -> dict[str, float]:
        """Output with the factor at its low quantile."""
        return dict(self.columns["low"])

    @property
    def high(self) -> dict[str, float]:
        return dict(self.columns["high"])

    @property
    def swing(self) -> dict[str, float]:
        return dict(self.columns["swing"])

    @property
    def elasticity(self) -> dict[str, float]:
        return dict(self.columns["elasticity"])


def _by_factor(order: list[str], values) -> dict[str, float]:
    return {f: float(v) for f, v in zip(order, np.asarray(values, dtype=float), strict=True)}


def _members(names: list[str], per_name: list[str], order: list[str]) -> dict[str, tuple]:
    return {f: tuple(n for n, g in zip(names, per_name, strict=True) if g == f) for f in order}


# ------------------------------------------------------------------ methods


def tornado(func: Callable, parameters: Mapping[str, Any], *,
            quantiles: tuple[float, float] = (0.05, 0.95),
            groups: Mapping[str, Sequence[str]] | None = None,
            base: Mapping[str, float] | None = None,
            output: str = "output") -> TornadoResult:
    """One-at-a-time sensitivity: each factor at its low and high quantile.

    All other inputs sit at their base: the median, or the quantile ``base[name]``
    (a scenario's condition and honour events sit at "holds", quantile ~0).
    ``2k + 1`` rows in one call of ``func``. A group moves all its members to the
    same quantile at once.
    """
    dists = _distributions(parameters)
    names = list(dists)
    lo_q, hi_q = (float(q) for q in quantiles)
    if not 0 < lo_q < 0.5 < hi_q < 1:
        raise SensitivityError(f"quantiles must satisfy 0 < low < 0.5 < high < 1; "
                               f"got {quantiles!r}")
    base_q = dict(base or {})  # parameter -> the quantile it sits at
    bad = [f"{k!r}: {v!r}" for k, v in base_q.items()
           if k not in dists or not (isinstance(v, (int, float)) and 0 < v < 1)]
    if bad:
        raise SensitivityError("base must map parameter names to quantiles in (0, 1); "
                               f"bad: {', '.join(bad)}")
    per_name, order = _factors(names, groups)
    k = len(order)
    u = np.full((2 * k + 1, len(names)), 0.5)
    for j, name in enumerate(names):
        u[:, j] = base_q.get(name, 0.5)
    for i, f in enumerate(order):
        cols = [j for j, g in enumerate(per_name) if g == f]
        u[1 + 2 * i, cols] = lo_q
        u[2 + 2 * i, cols] = hi_q
    x = {n: d.ppf(u[:, j]) for j, (n, d) in enumerate(dists.items())}
    y = _call(func, x, 2 * k + 1, output)
    y_base = float(y[0])
    low, high = y[1::2], y[2::2]
    elasticity = np.full(k, np.nan)
    members = _members(names, per_name, order)
    for i, f in enumerate(order):
        if len(members[f]) == 1 and y_base != 0:
            n = members[f][0]
            xb, xl, xh = x[n][0], x[n][1 + 2 * i], x[n][2 + 2 * i]
            if xb != 0 and xh != xl:
                elasticity[i] = ((high[i] - low[i]) / y_base) / ((xh - xl) / xb)
    columns = {"low": _by_factor(order, low), "high": _by_factor(order, high),
               "swing": _by_factor(order, np.abs(high - low)),
               "elasticity": _by_factor(order, elasticity)}
    return TornadoResult(method="tornado", output=output, factors=tuple(order),
                         groups=members, evaluations=2 * k + 1, columns=columns, _key="swing",
                         base_output=y_base, quantiles=(lo_q, hi_q))


def morris(func: Callable, parameters: Mapping[str, Any], *, n: int = 100,
           seed: int | None = None, levels: int = 4,
           groups: Mapping[str, Sequence[str]] | None = None,
           conf_level: float = 0.95, output: str = "output") -> MorrisResult:
    """Morris screening with ``n`` trajectories of ``levels`` levels (SALib).

    Level ``i`` of an input is its quantile ``(i + 0.5) / levels``. ``n (k + 1)``
    rows for ``k`` factors, in one call of ``func``.
    """
    morris_sample, morris_analyze = _salib()
    dists = _distributions(parameters)
    names = list(dists)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise SensitivityError(f"n (trajectories) must be a whole number >= 2; got {n!r}")
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 2 \
            or levels % 2:
        raise SensitivityError(f"levels must be an even whole number >= 2; got {levels!r}")
    conf_level = _check_level(conf_level)
    seed = _seed(seed)
    per_name, order = _factors(names, groups)
    problem = _problem(names, per_name, bool(groups))
    grid = morris_sample.sample(problem, int(n), num_levels=int(levels), seed=seed)
    u = (grid * (levels - 1) + 0.5) / levels  # level midpoints: finite for any distribution
    rows = grid.shape[0]
    y = _call(func, _values(dists, u), rows, output)
    res = morris_analyze.analyze(problem, grid, y, num_levels=int(levels),
                                 conf_level=conf_level, seed=seed)
    scale = levels / (levels - 1)  # SALib's effects are per unit of the level grid, ours of u
    cols = {"mu_star": _by_factor(order, np.asarray(res["mu_star"]) * scale),
            "mu_star_conf": _by_factor(order, np.asarray(res["mu_star_conf"]) * scale),
            "mu": _by_factor(order, np.asarray(res["mu"]) * scale),
            "sigma": _by_factor(order, np.asarray(res["sigma"]) * scale)}
    return MorrisResult(method="morris", output=output, factors=tuple(order),
                        groups=_members(names, per_name, order), evaluations=rows,
                        columns=cols, _key="mu_star", conf_level=conf_level)


def sobol(func: Callable, parameters: Mapping[str, Any], *, n: int = 1024,
          seed: int | None = None, groups: Mapping[str, Sequence[str]] | None = None,
          conf_level: float = 0.95, resamples: int = 200,
          output: str = "output") -> SobolResult:
    """Sobol' first-order and total indices (Saltelli 2010, Jansen; scrambled Sobol' design).

    ``n`` base samples (a power of 2: the Sobol' sequence is balanced only
    then); ``n (k + 2)`` rows for ``k`` factors, in one call of ``func``.
    Intervals: ``resamples`` bootstrap resamples at ``conf_level``.

    The design, the estimators and the bootstrap are SALib's
    (``SALib.sample.sobol`` and ``SALib.analyze.sobol`` without second order),
    vectorised: the same seed gives the same indices and intervals, bit for bit,
    several times faster, and without SALib installed.
    """
    dists = _distributions(parameters)
    names = list(dists)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2 or n & (n - 1):
        hint = f"; use {1 << max(1, int(n) - 1).bit_length()}" \
            if isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n > 2 else ""
        raise SensitivityError(f"n must be a power of 2 >= 2 (Sobol' sequences are "
                               f"balanced only then); got {n!r}{hint}")
    if isinstance(resamples, bool) or not isinstance(resamples, (int, np.integer)) \
            or resamples < 10:
        raise SensitivityError(f"resamples must be a whole number >= 10; got {resamples!r}")
    conf_level = _check_level(conf_level)
    seed = _seed(seed)
    per_name, order = _factors(names, groups)
    problem = _problem(names, per_name, bool(groups))
    u = _saltelli(problem, int(n), seed)
    rows = u.shape[0]
    y = _call(func, _values(dists, u), rows, output)
    if np.ptp(y) == 0:
        raise SensitivityError(f"output {output!r} is {y[0]:g} in all {rows} evaluations: "
                               "nothing varies, so there is nothing to attribute (choose another output)")
    res = _sobol_analyze(problem, y, int(resamples), conf_level, seed)
    cols = {"first": _by_factor(order, res["S1"]),
            "first_conf": _by_factor(order, res["S1_conf"]),
            "total": _by_factor(order, res["ST"]),
            "total_conf": _by_factor(order, res["ST_conf"])}
    return SobolResult(method="sobol", output=output, factors=tuple(order),
                       groups=_members(names, per_name, order), evaluations=rows,
                       columns=cols, _key="total", conf_level=conf_level)


def _saltelli(problem: dict, n: int, seed: int | None) -> np.ndarray:
    """SALib's Saltelli design without second order (``SALib.sample.sobol.sample``), built
    with array operations instead of its loop over rows: for each base point, the row of
    A, one row per factor with that factor's inputs taken from B, then the row of B."""
    from scipy.stats import qmc

    d = problem["num_vars"]
    groups = problem.get("groups")
    labels = list(dict.fromkeys(groups)) if groups else list(range(d))
    member = [np.array([g == lab for g in groups]) if groups else np.arange(d) == lab
              for lab in labels]
    base = qmc.Sobol(d=2 * d, scramble=True, seed=seed).random(n)
    a, b = base[:, :d], base[:, d:]
    out = np.empty((n, len(labels) + 2, d))
    out[:, 0] = a
    for k, m in enumerate(member):
        out[:, k + 1] = np.where(m, b, a)
    out[:, -1] = b
    return out.reshape(-1, d)


def _sobol_analyze(problem: dict, y: np.ndarray, resamples: int, conf_level: float,
                   seed: int | None) -> dict[str, np.ndarray]:
    """``SALib.analyze.sobol.analyze`` without second order, with what does not depend on
    the factor (the resampled variance and range) computed once instead of per factor.
    Same operations on arrays of the same layout, so the same bits."""
    from scipy.stats import norm

    labels = list(dict.fromkeys(problem.get("groups") or problem["names"]))
    d = len(labels)
    step = d + 2
    n = y.size // step
    draw = np.random.default_rng(seed).integers if seed else np.random.randint
    y = (y - y.mean()) / y.std()
    a, b = y[0:y.size:step], y[step - 1:y.size:step]
    ab = np.zeros((n, d))
    for j in range(d):
        ab[:, j] = y[j + 1:y.size:step]
    r = draw(n, size=(n, resamples))
    z = norm.ppf(0.5 + conf_level / 2)
    eps = np.finfo(float).eps

    def index(ya, yab, yb, var, constant, total):
        if constant:
            return np.zeros(var.shape, dtype=np.float64)
        num = 0.5 * np.mean((ya - yab) ** 2, axis=0) if total \
            else np.mean(yb * (yab - ya), axis=0)
        return np.divide(num, var, out=np.zeros_like(var, dtype=np.float64), where=var > eps)

    y_all = np.r_[a, b]
    var_all, const_all = np.var(y_all, axis=0), np.ptp(y_all) <= eps
    ar, br = a[r], b[r]
    y_r = np.r_[ar, br]
    var_r, spread_r = np.var(y_r, axis=0), np.ptp(y_r)
    del y_r
    out = {k: np.zeros(d) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    for j in range(d):
        abr = ab[r, j]
        out["S1"][j] = index(a, ab[:, j], b, var_all, const_all, False)
        out["ST"][j] = index(a, ab[:, j], b, var_all, const_all, True)
        if spread_r != 0.0:
            out["S1_conf"][j] = z * index(ar, abr, br, var_r, spread_r <= eps, False).std(ddof=1)
            out["ST_conf"][j] = z * index(ar, abr, br, var_r, spread_r <= eps, True).std(ddof=1)
    return out


# ------------------------------------------------------------------ scenarios


@dataclass(frozen=True)
class ScenarioProblem:
    """A scenario as a vectorised function of its uncertain inputs and events."""

    func: Callable[[dict[str, np.ndarray]], np.ndarray]
    parameters: dict[str, _Dist]
    groups: dict[str, list[str]]
    output: str


GROUPINGS = ("contributor", "condition", "both")


def scenario_problem(scenario, output: str | None = None,
                     group_by: str | None = None) -> ScenarioProblem:
    """The function, parameters and groups :func:`analyse` uses for a scenario.

    Parameters are the scenario's uncertain inputs (their distributions) and its
    condition/honour event uniforms (Uniform(0, 1): a condition holds iff its
    uniform is below its probability). ``output`` is a metric name or
    ``feasible`` (1.0 where every criterion holds; the default when the
    scenario has criteria). ``group_by``: ``contributor`` (everything under
    ``contributors[NAME]``, honour event included), ``condition`` (a condition's
    probability and its event) or ``both``.
    """
    from .metrics import METRICS
    from .models import AnalyticModel
    from .sampling import _event_names as event_names
    from .sampling import quantity_paths

    if output is None:
        if not scenario.criteria:
            raise SensitivityError(f"scenario {scenario.name!r} has no criteria, so there is "
                                   "no 'feasible' to analyse: name an output metric")
        output = "feasible"
    if output != "feasible" and output not in METRICS:
        raise SensitivityError(f"unknown output {output!r}: 'feasible' or a metric "
                               "(see 'feasim metrics')")
    if output == "feasible" and not scenario.criteria:
        raise SensitivityError(f"scenario {scenario.name!r} has no criteria: 'feasible' "
                               "is undefined; name an output metric")
    if group_by is not None and group_by not in GROUPINGS:
        raise SensitivityError(f"group_by must be one of {', '.join(GROUPINGS)}; "
                               f"got {group_by!r}")
    leaves = list(quantity_paths(scenario))
    params: dict[str, _Dist] = {p: v for p, v in leaves if isinstance(v, _Dist)}
    for e in event_names(scenario):
        params[e] = Uniform(low=0.0, high=1.0)
    if not params:
        raise SensitivityError(f"scenario {scenario.name!r} has no uncertain input and no "
                               "condition or honour event: nothing to analyse")
    model = AnalyticModel()

    def func(x: dict[str, np.ndarray]) -> np.ndarray:
        # Every uncertain input and event is given: the model draws nothing.
        r = model.evaluate(scenario, x, n=len(next(iter(x.values()))))
        return r.feasible.astype(float) if output == "feasible" else r.metrics[output]

    groups: dict[str, list[str]] = {}
    if group_by in ("contributor", "both"):
        for c in scenario.contributors:
            key = f"contributors[{c.name}]"
            members = [p for p in params
                       if p.startswith(key + ".") or p == f"event:{key}.honour"]
            if members:
                groups[key] = members
    if group_by in ("condition", "both"):
        for cond in scenario.conditions:
            key = f"conditions.{cond}"
            members = [p for p in params if p in (key, f"event:{key}")]
            if members:
                groups[key] = members
    groups = {g: m for g, m in groups.items() if not (len(m) == 1 and m[0] == g)}
    return ScenarioProblem(func=func, parameters=params, groups=groups, output=output)


def analyse(scenario, method: str = "sobol", *, output: str | None = None,
            n: int | None = None, seed: int | None = None, group_by: str | None = None,
            **options) -> TornadoResult | MorrisResult | SobolResult:
    """Sensitivity of a scenario's output to its uncertain inputs and events.

    ``n``: Sobol' base samples (default 1024) or Morris trajectories (default
    100); unused by tornado. ``seed`` defaults to the scenario's
    ``uncertainty.seed``. Other options go to the method.
    """
    if method not in METHODS:
        raise SensitivityError(f"method must be one of {', '.join(METHODS)}; got {method!r}")
    prob = scenario_problem(scenario, output, group_by)
    kw: dict[str, Any] = dict(groups=prob.groups or None, output=prob.output, **options)
    if method == "tornado":
        # Base case: the plan as stated, every condition holding and every pledge honoured.
        kw.setdefault("base", {p: _EPS for p in prob.parameters if p.startswith("event:")})
        return tornado(prob.func, prob.parameters, **kw)
    kw["seed"] = scenario.uncertainty.seed if seed is None else seed
    if n is not None:
        kw["n"] = n
    fn = morris if method == "morris" else sobol
    return fn(prob.func, prob.parameters, **kw)
