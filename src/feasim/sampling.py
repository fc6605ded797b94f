"""Monte Carlo draws of a scenario's uncertain inputs.

Every numeric input has a *path* (the same syntax as ``--set``), e.g.
``theatre.line_km``, ``contributors[France].troops``, ``conditions.ceasefire``,
``posture.qrf.bases``. :func:`draw` returns one array per uncertain path and a
plain float per constant, so a scenario with constants costs nothing extra.

Besides the declared distributions, every condition and every contributor's
honour has a uniform draw (``event:conditions.NAME`` and
``event:contributors[NAME].honour``) that decides whether it holds: the
condition holds in a sample iff its uniform is below its probability. All of
them are columns of one design (Latin hypercube or plain random), so every
source of randomness is a named input that sensitivity analysis can rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
from pydantic import BaseModel

from .distributions import is_uncertain
from .schema import Scenario

__all__ = ["Draws", "draw", "quantity_paths", "COUNT_FIELDS"]

# Whole-number fields: sampled values are rounded to the nearest integer.
COUNT_FIELDS = frozenset({"teams", "count", "bases", "teams_per_base"})
_SKIP = frozenset({"criteria", "simulation", "uncertainty"})


def quantity_paths(scenario: Scenario) -> Iterator[tuple[str, Any]]:
    """Yield ``(path, value)`` for every numeric input of a scenario."""
    yield from _walk(scenario, "")


def _walk(model: BaseModel, prefix: str) -> Iterator[tuple[str, Any]]:
    for field in type(model).model_fields:
        if not prefix and field in _SKIP:
            continue
        value = getattr(model, field)
        path = f"{prefix}{field}"
        if isinstance(value, bool) or value is None or isinstance(value, str):
            continue
        if isinstance(value, (int, float)) or is_uncertain(value):
            if path != "force.assess_day":
                yield path, value
        elif isinstance(value, BaseModel):
            yield from _walk(value, path + ".")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, (int, float)) or is_uncertain(item):
                    yield f"{path}.{key}", item
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, BaseModel) and hasattr(item, "name"):
                    yield from _walk(item, f"{path}[{item.name}].")


@dataclass(frozen=True)
class Draws:
    """Sampled inputs: ``values[path]`` is a float (constant) or an array of ``n``."""

    n: int
    values: dict[str, float | np.ndarray]
    events: dict[str, np.ndarray]  # uniforms deciding conditions and honour

    def __getitem__(self, path: str) -> float | np.ndarray:
        return self.values[path]

    def get(self, path: str, default: float | None = None) -> float | np.ndarray | None:
        return self.values.get(path, default)

    def uncertain(self) -> list[str]:
        """Paths whose values vary between samples."""
        return [p for p, v in self.values.items() if isinstance(v, np.ndarray)]


def _event_names(scenario: Scenario) -> list[str]:
    names = [f"event:conditions.{c}" for c in scenario.conditions]
    names += [f"event:contributors[{c.name}].honour" for c in scenario.contributors]
    return names


def design(d: int, n: int, sampler: str, rng: np.random.Generator) -> np.ndarray:
    """A ``d × n`` matrix of uniforms in (0, 1), one row per input (contiguous).

    ``lhs``: in every row each of the ``n`` strata ``[k/n, (k+1)/n)`` holds exactly
    one value, strata permuted independently per row (a Latin hypercube).
    ``random``: independent uniforms.
    """
    if sampler == "lhs":
        u = np.empty((d, n))
        for j in range(d):
            u[j] = (rng.permutation(n) + rng.random(n)) / n
    elif sampler == "random":
        u = rng.random((d, n))
    else:
        raise ValueError(f"sampler must be 'lhs' or 'random'; got {sampler!r}")
    # Quantile functions of unbounded distributions are infinite at 0 (probability 2^-53).
    np.maximum(u, np.finfo(float).tiny, out=u)
    return u


def draw(scenario: Scenario, n: int | None = None,
         seed: int | np.random.SeedSequence | np.random.Generator | None = None,
         sampler: str | None = None) -> Draws:
    """Draw ``n`` samples of every uncertain input of ``scenario``.

    ``n``, ``seed`` and ``sampler`` default to the scenario's ``uncertainty`` block;
    ``seed`` may also be a ``SeedSequence`` or ``Generator`` (the simulation passes
    each replication's stream). The same arguments always give the same draws.
    """
    u_set = scenario.uncertainty
    n = u_set.samples if n is None else int(n)
    if n < 1:
        raise ValueError(f"samples must be >= 1; got {n}")
    seed = u_set.seed if seed is None else seed
    sampler = u_set.sampler if sampler is None else sampler
    rng = np.random.default_rng(seed)

    leaves = list(quantity_paths(scenario))
    uncertain = [(p, v) for p, v in leaves if is_uncertain(v)]
    events = _event_names(scenario)
    u = design(len(uncertain) + len(events), n, sampler, rng)

    values: dict[str, float | np.ndarray] = {}
    for path, v in leaves:
        if not is_uncertain(v):
            values[path] = float(v)
    for j, (path, v) in enumerate(uncertain):
        x = v.ppf(u[j])
        if path.rsplit(".", 1)[-1] in COUNT_FIELDS:
            x = np.rint(x)
        values[path] = x
    k = len(uncertain)
    ev = {name: u[k + i] for i, name in enumerate(events)}
    return Draws(n=n, values=values, events=ev)
