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

__all__ = ["Draws", "draw", "design", "quantity_paths", "COUNT_FIELDS", "LHS_BLOCK", "CHUNK",
           "WARNING_EVENT"]

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
                if isinstance(item, BaseModel) and not is_uncertain(item):
                    yield from _walk(item, f"{path}.{key}.")
                elif isinstance(item, (int, float)) or is_uncertain(item):
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

    def inputs(self) -> dict[str, np.ndarray]:
        """The drawn values that vary and the event uniforms, as ``inputs`` of
        :meth:`feasim.models.Model.evaluate`: evaluating them gives these samples back,
        and replacing one column holds that input fixed with the others as drawn."""
        out = {p: np.asarray(v, dtype=float) for p, v in self.values.items()
               if isinstance(v, np.ndarray)}
        out.update({k: np.asarray(v, dtype=float) for k, v in self.events.items()})
        return out


WARNING_EVENT = "event:adversary.warning"
"""The uniform that decides whether the attack's build-up is detected (warning given)."""


def _event_names(scenario: Scenario) -> list[str]:
    names = [f"event:conditions.{c}" for c in scenario.conditions]
    names += [f"event:contributors[{c.name}].honour" for c in scenario.contributors]
    if scenario.reserves is not None and scenario.adversary is not None:
        names.append(WARNING_EVENT)  # only here: other scenarios keep their draws
    return names


LATE_PREFIXES = ("cost.",)
LATE_FIELDS = frozenset({"pool_troops", "land_share", "deployable_share",
                         "cost_per_troop_year_usd"})
"""Inputs drawn after the events: the default cost range (``cost.*``) and the national
pools and costs of contributors (these fields), so that adding them to a scenario keeps
the draws of everything else."""


def _late(path: str) -> bool:
    return path.startswith(LATE_PREFIXES) or path.rsplit(".", 1)[-1] in LATE_FIELDS

LHS_BLOCK = 2**16
"""Largest Latin hypercube drawn in one piece (samples); larger designs are replicated."""

CHUNK = 2**15
"""Samples mapped (here) and evaluated (in :mod:`feasim.analytic`) at a time, so
that temporaries stay in the processor's cache: same numbers, less memory traffic."""


def design(d: int, n: int, sampler: str, rng: np.random.Generator) -> np.ndarray:
    """A ``d × n`` matrix of uniforms in (0, 1), one row per input (contiguous).

    ``lhs``: a Latin hypercube. Up to ``LHS_BLOCK`` (65,536) samples, in every row
    each of the ``n`` strata ``[k/n, (k+1)/n)`` holds exactly one value, strata
    permuted independently per row. Beyond that the samples are split into
    consecutive blocks of 65,536 (the last one shorter), each an independent Latin
    hypercube of its own size: a *replicated* Latin hypercube (McKay, Beckman &
    Conover 1979; Iman 1981). Every row is then stratified at 1/65,536, which is
    as much as any estimate of a million samples can use, and each shuffle stays
    in the processor's cache (a shuffle of a million values is memory-bound and
    took half of the analytic model's time).
    ``random``: independent uniforms.
    """
    # Quantile functions of unbounded distributions are infinite at 0 (probability
    # 2^-53): every value is raised to at least the smallest normal float.
    tiny = np.finfo(float).tiny
    if sampler == "lhs":
        u = np.empty((d, n))
        blocks = [(lo, min(lo + LHS_BLOCK, n)) for lo in range(0, n, LHS_BLOCK)]
        # Strata as floats: the shuffle swaps 8-byte items either way, so the
        # permutation is the one rng.permutation(m) gives, and the sum below
        # needs no conversion.
        identity = np.arange(min(n, LHS_BLOCK), dtype=np.float64)
        strata = np.empty_like(identity)
        for j in range(d):
            for lo, hi in blocks:      # one block at a time, in the processor's cache
                m = hi - lo
                perm = strata[:m]
                perm[:] = identity[:m]
                rng.shuffle(perm)             # the same stream as rng.permutation(m)
                row = u[j, lo:hi]
                rng.random(out=row)
                row += perm
                row /= m
                np.maximum(row, tiny, out=row)
    elif sampler == "random":
        u = rng.random((d, n))
        np.maximum(u, tiny, out=u)
    else:
        raise ValueError(f"sampler must be 'lhs' or 'random'; got {sampler!r}")
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
    # Rows: the uncertain inputs, then the events, then the inputs every scenario has by
    # default (the cost range): a scenario written before they existed keeps its draws.
    # the default cost first: it is in every scenario, the pools only where stated
    late = sorted([(p, v) for p, v in uncertain if _late(p)],
                  key=lambda pv: not pv[0].startswith(LATE_PREFIXES))
    uncertain = [(p, v) for p, v in uncertain if not _late(p)]
    row = list(range(len(uncertain))) + list(range(len(uncertain) + len(events),
                                                   len(uncertain) + len(events) + len(late)))
    k = len(uncertain)
    uncertain += late

    values: dict[str, float | np.ndarray] = {}
    for path, v in leaves:
        if not is_uncertain(v):
            values[path] = float(v)
    for j, (path, v) in zip(row, uncertain, strict=True):
        # Each uniform is replaced by its quantile in place, a chunk at a time:
        # no new memory for the values, and the temporaries stay in cache.
        x = u[j]
        count = path.rsplit(".", 1)[-1] in COUNT_FIELDS
        for lo in range(0, n, CHUNK):
            part = x[lo:lo + CHUNK]
            part[:] = v.ppf(part)
            if count:
                np.rint(part, out=part)
        values[path] = x
    ev = {name: u[k + i] for i, name in enumerate(events)}
    return Draws(n=n, values=values, events=ev)
