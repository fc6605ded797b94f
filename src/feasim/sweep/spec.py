"""What a sweep is: parameters by dotted path, a design, a model, outputs.

A sweep file sits beside scenarios::

    name: c02-line-length
    scenario: ../claims/c02-experts-100k-in-theatre.yaml   # relative to this file
    model: analytic                 # analytic | simulation
    parameters:
      theatre.line_km: {low: 100, high: 2000}               # a range (km)
      posture.patrols.teams: {values: [50, 100, 200]}       # listed values
      force.basis: {values: [in_theatre, committed]}        # not only numbers
    design: {method: lhs, points: 1000, seed: 1}            # factorial | lhs | sobol
    outputs: [troops_per_km, detection_probability]

A *numeric* parameter names a numeric input of the scenario (a path that
``--set`` accepts and that the analytic model reads per sample); it is swept
inside one vectorised evaluation. Any other parameter (``force.basis``, an
engagement distribution, a whole block) is applied with
:func:`feasim.with_overrides`, once per distinct value; a value the scenario
rejects makes its points fail, recorded with the error, and the sweep goes on.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Annotated, Any, Callable, Iterator, Literal, Mapping

import numpy as np
from pydantic import (BaseModel, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)

from ..errors import Problem, ProblemsError, ScenarioError
from ..loader import Loc, _problems_from, _read_yaml, load_scenario, read_input, with_overrides
from ..metrics import METRICS
from ..sampling import quantity_paths
from ..schema import Scenario
from .stats import column_name, parse_stat, split_column

__all__ = ["SweepError", "ParameterSpec", "DesignSpec", "SweepSpec", "Sweep", "load_sweep"]


class SweepError(ProblemsError):
    """A sweep file or sweep definition is invalid; ``problems`` lists every problem."""

    what = "sweep"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


Scalar = float | int | str | bool | None


class ParameterSpec(_Strict):
    """One swept input: listed ``values``, or a range ``low``..``high``."""

    values: list[Any] | None = None
    """The values to take (in the field's unit); any YAML value for non-numeric fields."""
    low: Annotated[float, Field(allow_inf_nan=False)] | None = None
    """Lower end of a range, in the field's unit."""
    high: Annotated[float, Field(allow_inf_nan=False)] | None = None
    """Upper end of a range, in the field's unit."""
    integer: bool = False
    """Round range values to whole numbers (counts: teams, bases, sensors)."""

    @model_validator(mode="after")
    def _one_kind(self) -> "ParameterSpec":
        has_range = self.low is not None or self.high is not None
        if (self.values is not None) == has_range:
            raise ValueError("give either 'values' or both 'low' and 'high'")
        if has_range:
            if self.low is None or self.high is None:
                raise ValueError("a range needs both 'low' and 'high'")
            if not self.low < self.high:
                raise ValueError(f"needs low < high; got low={self.low:g}, high={self.high:g}")
            if self.integer and not (float(self.low).is_integer()
                                     and float(self.high).is_integer()):
                raise ValueError("an integer range needs whole 'low' and 'high'")
        elif not self.values:
            raise ValueError("'values' must list at least one value")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """``(low, high)`` of a range (a ValueError for listed values)."""
        if self.low is None or self.high is None:
            raise ValueError("a parameter with listed values has no range")
        return self.low, self.high


class DesignSpec(_Strict):
    """How points are chosen."""

    method: Literal["factorial", "lhs", "sobol"] = "lhs"
    """Full factorial, Latin hypercube or scrambled Sobol (``scipy.stats.qmc``)."""
    points: Annotated[int, Field(ge=1, le=10**10)] | None = None
    """Number of points (lhs, sobol; required there)."""
    levels: Annotated[int, Field(ge=2, le=10**6)] = 5
    """Factorial: evenly spaced levels per range parameter (count)."""
    seed: Annotated[int, Field(ge=0)] = 1
    """Seed of the design."""

    @model_validator(mode="after")
    def _points(self) -> "DesignSpec":
        if self.method != "factorial" and self.points is None:
            raise ValueError(f"design '{self.method}' needs 'points'")
        if self.method == "factorial" and self.points is not None:
            raise ValueError("a factorial design's size follows from its levels; drop 'points'")
        return self


class SweepSpec(_Strict):
    """A sweep file."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$", min_length=1, max_length=80)]
    """Identifier: letters, digits, '-' and '_'."""
    title: str = ""
    """One-line human title."""
    scenario: str
    """Scenario file, relative to the sweep file."""
    model: Literal["analytic", "simulation"] = "analytic"
    """Evaluate each point with the analytic model or the simulation."""
    samples_per_point: Annotated[int, Field(ge=1, le=10**6)] = 1
    """Analytic: Monte Carlo samples of the scenario's other uncertain inputs per point."""
    replications: Annotated[int, Field(ge=1)] | None = None
    """Simulation: replications per point (default: the scenario's)."""
    days: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    """Simulation: horizon in days (default: the scenario's)."""
    seed: Annotated[int, Field(ge=0)] = 1
    """Seed of the model's randomness (point ``i`` uses stream ``(seed, i)``)."""
    parameters: Annotated[dict[str, ParameterSpec], Field(min_length=1)]
    """Dotted path (as for ``--set``) → values or range."""
    design: DesignSpec = DesignSpec(points=100)
    """The design."""
    outputs: list[str] | dict[str, list[str] | None] | None = None
    """Metric names to keep, each as its mean per point (default: all); or a mapping of
    metric name to the statistics to keep per point (``mean``, ``pNN``, ``min``, ``max``,
    ``std``, ``unbounded``, ``undefined``, ``met``), stored as ``OUTPUT__STAT`` columns."""

    @field_validator("outputs", mode="before")
    @classmethod
    def _stats(cls, value: Any) -> Any:
        """Plain messages for the shapes ``outputs`` takes (pydantic's union errors name
        its internals), and the statistics checked by name."""
        if value is None:
            return value
        if isinstance(value, list):
            for i, name in enumerate(value):
                if not isinstance(name, str):
                    raise ValueError(f"outputs[{i}]: an output is a metric name, got {name!r}")
            return value
        if not isinstance(value, dict):
            raise ValueError("'outputs' is a list of metric names or a mapping of metric "
                             f"name to statistics, got {type(value).__name__}")
        if not value:
            raise ValueError("'outputs' must name at least one output")
        for name, stats in value.items():
            if stats is None:
                continue  # the mean
            if not isinstance(stats, list) or not stats:
                raise ValueError(f"outputs.{name}: expected a list of statistics such as "
                                 f"[mean, p90], got {stats!r}")
            seen: set = set()
            for stat in stats:
                why = parse_stat(stat)
                if why:
                    raise ValueError(f"outputs.{name}: {why}")
                key = float(stat[1:]) if stat.startswith("p") else stat
                if key in seen:
                    raise ValueError(f"outputs.{name}: {stat!r} is listed twice")
                seen.add(key)
        return value
    chunk_points: Annotated[int, Field(ge=1, le=10**7)] | None = None
    """Points per chunk written to disk (default 10,000 analytic, 4 simulation)."""


def _is_count(path: str) -> bool:
    """Whether a path names a whole-number field (teams, sensors, bases)."""
    from ..sampling import COUNT_FIELDS

    return path.rsplit(".", 1)[-1] in COUNT_FIELDS


def _level_values(p: ParameterSpec, levels: int, path: str = "") -> list[Any]:
    if p.values is not None:
        return list(p.values)
    grid = np.linspace(*p.bounds, levels)
    if p.integer or _is_count(path):
        grid = np.unique(np.round(grid))
    return [float(x) for x in grid]


class Sweep:
    """A validated sweep: the scenario, its parameters and the design, ready to run.

    Build one from a file with :func:`load_sweep`, or in Python::

        Sweep(scenario, {"theatre.line_km": {"low": 100, "high": 2000}},
              design={"method": "lhs", "points": 1000, "seed": 1})
    """

    spec: SweepSpec
    scenario: Scenario | None
    """The scenario (with the sweep's simulation settings); ``None`` for a function sweep."""
    function: Callable[..., Any] | None = None
    """The swept function of :meth:`from_function` (``None`` for a scenario sweep)."""
    vectorized: bool = True

    def __init__(self, scenario: Scenario, parameters: dict[str, Any], *,
                 design: dict[str, Any] | DesignSpec | None = None, model: str = "analytic",
                 outputs: list[str] | dict[str, list[str] | None] | None = None,
                 name: str | None = None,
                 samples_per_point: int = 1, replications: int | None = None,
                 days: float | None = None, seed: int = 1, chunk_points: int | None = None,
                 scenario_path: str = "<scenario>", title: str = ""):
        try:
            spec = SweepSpec.model_validate({
                "name": name or f"{scenario.name}-sweep", "title": title,
                "scenario": scenario_path, "model": model,
                "samples_per_point": samples_per_point, "replications": replications,
                "days": days, "seed": seed, "chunk_points": chunk_points,
                "parameters": {k: v.model_dump() if isinstance(v, ParameterSpec) else v
                               for k, v in parameters.items()},
                "design": design.model_dump() if isinstance(design, DesignSpec)
                else (design or {"method": "lhs", "points": 100}),
                "outputs": outputs})
        except ValidationError as err:
            raise SweepError(list(_problems_from(err, "<sweep>", {}, {}))) from None
        self._init(spec, scenario, "<sweep>", {})

    @classmethod
    def from_function(cls, function, parameters: dict[str, Any], outputs: list[str], *,
                      design: dict[str, Any] | None = None, name: str = "function-sweep",
                      vectorized: bool = True, chunk_points: int | None = None,
                      seed: int = 1) -> "Sweep":
        """A sweep of any Python function instead of a scenario.

        ``function(values) -> {output: value(s)}`` gets a dict of parameter name →
        NumPy array of the chunk's points (``vectorized=True``) or → one value
        (``vectorized=False``, called once per point). It must be picklable (a
        module-level function) for the processes and Dask executors. Parameters
        are plain names or any labels; ranges and values work as for scenarios.
        """
        self = cls.__new__(cls)
        try:
            spec = SweepSpec.model_validate({
                "name": name, "scenario": "<function>", "model": "analytic", "seed": seed,
                "parameters": parameters, "design": design or {"method": "lhs", "points": 100},
                "chunk_points": chunk_points})
        except ValidationError as err:
            raise SweepError(list(_problems_from(err, "<sweep>", {}, {}))) from None
        if not outputs:
            raise SweepError([Problem("<sweep>", None, None, "outputs", "missing",
                                      "a function sweep must name its outputs")])
        self.spec, self.scenario = spec, None
        self.function, self.vectorized = function, vectorized
        self._split(numeric_paths=None)
        self._size(outputs, default_chunk=10_000)
        return self

    @property
    def model(self) -> str:
        return "function" if self.function is not None else self.spec.model

    @classmethod
    def from_spec(cls, spec: SweepSpec, scenario: Scenario, filename: str = "<sweep>",
                  marks: Mapping[Loc, tuple[int, int]] | None = None) -> "Sweep":
        self = cls.__new__(cls)
        self._init(spec, scenario, filename, marks or {})
        return self

    # ------------------------------------------------------------ set-up

    def _init(self, spec: SweepSpec, scenario: Scenario, filename: str,
              marks: Mapping[Loc, tuple[int, int]]) -> None:
        self.spec = spec
        if spec.model == "simulation" and (spec.replications or spec.days):
            over: dict[str, Any] = {}
            if spec.replications:
                over["simulation.replications"] = spec.replications
            if spec.days:
                over["simulation.days"] = spec.days
            scenario = with_overrides(scenario, over)
        self.scenario = scenario
        self._split({p for p, _ in quantity_paths(scenario)})
        problems = list(self._check(scenario, filename, marks))
        if problems:
            raise SweepError(problems)
        self._size(output_columns(spec.outputs) or list(METRICS),
                   default_chunk=10_000 if spec.model == "analytic" else 4)
        if spec.model == "analytic":
            self._check_memory(scenario, filename, marks)
        missing = [c for c in self.outputs if c.endswith("__met")
                   and c[:-len("__met")] not in (scenario.criteria or {})]
        if missing:
            raise SweepError([Problem(*_at(filename, marks, ("outputs",)),
                                      f"outputs.{c[:-5]}", "no_criterion",
                                      "'met' needs a criterion on this output in the scenario",
                                      c[:-5], True) for c in missing])

    def _check_memory(self, scenario: Scenario, filename: str,
                      marks: Mapping[Loc, tuple[int, int]]) -> None:
        """Refuse a chunk (``chunk_points`` × ``samples_per_point`` samples in one analytic
        evaluation) larger than this machine's memory, before anything is allocated."""
        from ..loader import available_memory, samples_memory

        per_chunk = min(self.chunk_points, self.n_points) * self.spec.samples_per_point
        avail = available_memory()
        need = samples_memory(scenario, per_chunk)
        if avail is None or need <= avail:
            return
        fit = max(1, int(avail // samples_memory(scenario, 1)) // self.spec.samples_per_point)
        raise SweepError([Problem(
            *_at(filename, marks, ("chunk_points",), ("samples_per_point",)), "chunk_points", "too_many_samples",
            f"a chunk of {min(self.chunk_points, self.n_points):,} points × "
            f"{self.spec.samples_per_point:,} samples is {per_chunk:,} samples in one "
            f"evaluation, about {need / 1e9:,.1f} GB, more than the {avail / 1e9:,.1f} GB "
            f"available here: set chunk_points to at most {fit:,}", per_chunk, True)])

    def _split(self, numeric_paths: set[str] | None) -> None:
        """Numeric parameters (swept inside a vectorised evaluation) and the others.

        ``numeric_paths``: the scenario's numeric inputs; ``None`` (a function sweep)
        accepts any name whose values are numbers.
        """
        def numbers(ps: ParameterSpec) -> bool:
            return ps.values is None or all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in ps.values)

        params = self.spec.parameters
        self.names = list(params)
        self.numeric = [p for p, ps in params.items()
                        if (numeric_paths is None or p in numeric_paths) and numbers(ps)]
        self.categorical = [p for p in params if p not in self.numeric]

    def _size(self, outputs: list[str], default_chunk: int) -> None:
        self.outputs = list(outputs)  # the result columns: OUTPUT or OUTPUT__STAT
        self.metrics = list(dict.fromkeys(split_column(c)[0] for c in self.outputs))
        self.n_points = self._count()
        self.chunk_points = self.spec.chunk_points or default_chunk
        self.n_chunks = math.ceil(self.n_points / self.chunk_points)

    def _check(self, scenario: Scenario, filename: str,
               marks: Mapping[Loc, tuple[int, int]]) -> Iterator[Problem]:
        def where(*loc: Any) -> tuple[str, int | None, int | None]:
            return _where(filename, marks, *loc)

        spec = self.spec
        for path, ps in spec.parameters.items():
            first = ps.values[0] if ps.values is not None else ps.low
            unknown = _unknown_path(scenario, path, first, where)
            if unknown is not None:
                yield unknown
                continue
            if ps.low is not None and path not in self.numeric:
                yield Problem(*where("parameters", path), f"parameters.{path}", "not_numeric",
                              "a range needs a numeric input of the scenario; give 'values' "
                              "(or add the block the path is in to the scenario)", path, True)
                continue
            probe: list[Any] = (list(ps.bounds) if ps.values is None
                                else list(ps.values) if path in self.numeric else [])
            for value in probe:
                try:
                    with_overrides(scenario, {path: value})
                except ScenarioError as exc:
                    reason = "; ".join(p.message for p in exc.problems)
                    yield Problem(*where("parameters", path), f"parameters.{path}",
                                  "invalid_value", f"the scenario rejects {value!r}: {reason}",
                                  value, True)
        yield from _unknown_outputs(spec.outputs or [], where)

    def _count(self) -> int:
        d = self.spec.design
        if d.method == "factorial":
            return int(np.prod([len(_level_values(p, d.levels, name))
                                for name, p in self.spec.parameters.items()]))
        assert d.points is not None  # DesignSpec requires points outside factorial
        return int(d.points)

    # ------------------------------------------------------------ design

    def fingerprint(self) -> str:
        """Hash of everything that decides the results (spec and scenario)."""
        scen = self.scenario.model_dump(mode="json", by_alias=True) if self.scenario else None
        func = self.function
        blob = json.dumps({"spec": self.spec.model_dump(mode="json"), "scenario": scen,
                           "function": f"{func.__module__}.{func.__qualname__}" if func else None,
                           "outputs": self.outputs}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def chunk_bounds(self, k: int) -> tuple[int, int]:
        lo = k * self.chunk_points
        return lo, min(self.n_points, lo + self.chunk_points)

    def points(self, lo: int, hi: int) -> dict[str, np.ndarray]:
        """Parameter values of points ``lo``..``hi - 1`` (computed per chunk: memory O(chunk),
        whatever the number of points)."""
        d = self.spec.design
        specs = list(self.spec.parameters.values())
        if d.method == "factorial":
            return self._factorial(lo, hi, specs)
        u = self._uniforms(lo, hi)
        out = {}
        for j, (name, p) in enumerate(zip(self.names, specs, strict=True)):
            if p.values is not None:
                idx = np.minimum((u[:, j] * len(p.values)).astype(np.int64), len(p.values) - 1)
                out[name] = _pick(p.values, idx)
            elif p.integer or _is_count(name):
                # Whole numbers, each equally likely (count fields are always whole).
                low, high = p.bounds
                first, last = math.ceil(low), math.floor(high)
                out[name] = np.minimum(np.floor(first + u[:, j] * (last - first + 1)), last)
            else:
                low, high = p.bounds
                out[name] = low + u[:, j] * (high - low)
        return out

    def _factorial(self, lo: int, hi: int, specs) -> dict[str, np.ndarray]:
        levels = [_level_values(p, self.spec.design.levels, name)
                  for name, p in zip(self.names, specs, strict=True)]
        idx = np.arange(lo, hi, dtype=np.int64)
        out = {}
        for name, lv in reversed(list(zip(self.names, levels, strict=True))):  # last fastest
            out[name] = _pick(lv, idx % len(lv))
            idx = idx // len(lv)
        return {name: out[name] for name in self.names}

    def _uniforms(self, lo: int, hi: int) -> np.ndarray:
        d = self.spec.design
        k = len(self.names)
        if d.method == "sobol":
            from scipy.stats import qmc  # imported for Sobol' designs only (slow to import)

            engine = qmc.Sobol(k, scramble=True, rng=np.random.default_rng(d.seed))
            if lo:
                engine.fast_forward(lo)
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # balance needs 2^m points
                return engine.random(hi - lo)
        idx = np.arange(lo, hi, dtype=np.uint64)
        strata = np.stack([permute(idx, self.n_points, (d.seed, j)) for j in range(k)], axis=1)
        return (strata + _jitter(d.seed, lo, hi, k)) / self.n_points


_BLOCK = 4096
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def permute(i: np.ndarray, n: int, key: tuple[int, ...], rounds: int = 4) -> np.ndarray:
    """A pseudo-random permutation of ``0..n-1`` evaluated at the indices ``i``.

    A keyed Feistel network (``rounds`` rounds, each a multiply-xorshift hash of one
    half) on the smallest even number of bits covering ``n``, with cycle walking:
    an image ``>= n`` is permuted again until it falls in range (the domain is
    below ``4n``, so a few steps on average). A bijection by construction, so a
    Latin hypercube built from it has one point in every stratum, with memory
    O(len(i)) however large ``n`` is.
    """
    half = max(1, (max(n - 1, 1).bit_length() + 1) // 2)
    mask, shift = np.uint64((1 << half) - 1), np.uint64(64 - half)
    keys = np.random.SeedSequence(list(key)).generate_state(rounds, np.uint64)
    x = np.asarray(i, dtype=np.uint64)
    out = np.empty(x.shape, dtype=np.int64)
    pos = np.arange(x.size)
    with np.errstate(over="ignore"):  # uint64 products wrap: that is the hash
        while x.size:
            left, right = x >> np.uint64(half), x & mask
            for r in range(rounds):
                f = (right ^ keys[r]) * _GOLDEN
                f ^= f >> np.uint64(29)
                f *= _GOLDEN
                left, right = right, left ^ (f >> shift)
            y = (left << np.uint64(half)) | right
            ok = y < np.uint64(n)
            out[pos[ok]] = y[ok]
            x, pos = y[~ok], pos[~ok]
    return out


def _jitter(seed: int, lo: int, hi: int, k: int) -> np.ndarray:
    """Uniforms for points lo..hi-1, drawn per fixed block of points, so a point's
    value does not depend on how the sweep is cut into chunks."""
    first, last = lo // _BLOCK, (hi - 1) // _BLOCK
    parts = [np.random.default_rng(np.random.SeedSequence([seed, 1, b])).random((_BLOCK, k))
             for b in range(first, last + 1)]
    return np.concatenate(parts)[lo - first * _BLOCK: hi - first * _BLOCK]


def _pick(values: list[Any], idx: np.ndarray) -> np.ndarray:
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=float)[idx]
    table = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):  # element by element: lists stay whole values
        table[i] = v
    return table[idx]


Where = Callable[..., tuple[str, int | None, int | None]]


def _at(filename: str, marks: Mapping[Loc, tuple[int, int]],
        *locs: Loc) -> tuple[str, int | None, int | None]:
    """``(file, line, column)`` of the first of ``locs`` marked, else unknown."""
    for loc in locs:
        if loc in marks:
            return (filename, *marks[loc])
    return filename, None, None


def _where(filename: str, marks: Mapping[Loc, tuple[int, int]],
           *loc: Any) -> tuple[str, int | None, int | None]:
    """``(file, line, column)`` of the key at ``loc``, else of its parent, else unknown."""
    return _at(filename, marks, tuple(loc), tuple(loc[:-1]))


def _unknown_path(scenario: Scenario, path: str, value: Any, where: Where) -> Problem | None:
    """A problem if ``path`` names no field of ``scenario`` (whatever ``value`` is)."""
    try:
        with_overrides(scenario, {path: value})
    except ScenarioError as exc:
        structural = [p for p in exc.problems if p.rule in ("bad_override", "extra_forbidden")]
        if structural:
            return Problem(*where("parameters", path), f"parameters.{path}", "unknown_path",
                           f"the scenario has no field {path!r}: "
                           + "; ".join(p.message for p in structural), path, True)
    return None


def output_columns(outputs: list[str] | dict[str, list[str] | None] | None) -> list[str]:
    """The result columns a sweep's ``outputs`` asks for, in order (empty: none given)."""
    if not outputs:
        return []
    if isinstance(outputs, dict):
        return [column_name(name, stat) for name, stats in outputs.items()
                for stat in (stats or ["mean"])]
    return list(outputs)


def _unknown_outputs(outputs: Any, where: Where) -> Iterator[Problem]:
    named = list(outputs) if isinstance(outputs, (list, dict)) else []
    for i, name in enumerate(named):
        if isinstance(name, str) and name not in METRICS:
            loc = ("outputs", name) if isinstance(outputs, dict) else ("outputs", i)
            shown = f"outputs.{name}" if isinstance(outputs, dict) else f"outputs[{i}]"
            yield Problem(*where(*loc), shown, "unknown_metric",
                          f"no output named {name!r}; 'feasim metrics' lists them", name, True)


def _raw_problems(data: dict, path: Path,
                  marks: Mapping[Loc, tuple[int, int]]) -> list[Problem]:
    """Unknown outputs and parameter paths of a sweep file that failed validation,
    so that they are reported together with its other problems."""
    def where(*loc: Any) -> tuple[str, int | None, int | None]:
        return _where(str(path), marks, *loc)

    found = list(_unknown_outputs(data.get("outputs"), where))
    params, scen = data.get("parameters"), data.get("scenario")
    if isinstance(params, dict) and isinstance(scen, str):
        try:
            scenario = load_scenario(path.parent / scen)
        except Exception:  # noqa: BLE001 - its own problems are reported once the sweep is valid
            return found
        for p, ps in params.items():
            if not isinstance(p, str):
                continue
            values = ps.get("values") if isinstance(ps, dict) else None
            value = ps.get("low") if isinstance(ps, dict) and "low" in ps else (
                values[0] if isinstance(values, list) and values else None)
            problem = _unknown_path(scenario, p, value, where)
            if problem is not None:
                found.append(problem)
    return found


def load_sweep(path: str | Path) -> Sweep:
    """Load and validate a sweep file; every problem (its own and its scenario's) at once."""
    path = Path(path)
    text = read_input(path, SweepError)
    data, marks, problems = _read_yaml(text, str(path))
    if data is None and problems:
        raise SweepError(problems)
    if not isinstance(data, dict):
        raise SweepError([Problem(str(path), 1, 1, "", "not_a_mapping",
                                  "a sweep must be a mapping of keys to values", data, True)])
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as err:
        found = problems + list(_problems_from(err, str(path), marks, {}))
        seen = {p.path for p in found}
        found += [p for p in _raw_problems(data, path, marks) if p.path not in seen]
        raise SweepError(sorted(found, key=lambda p: (p.line is None, p.line or 0,
                                                      p.column or 0))) from None
    if problems:
        raise SweepError(problems)
    scenario_path = (path.parent / spec.scenario)
    try:
        scenario = load_scenario(scenario_path)
    except ScenarioError as exc:
        raise SweepError(exc.problems) from None
    return Sweep.from_spec(spec, scenario, str(path), marks)
