"""The analytic model's computation: one vectorised pass over all Monte Carlo samples.

:func:`run` chains force generation → troop-to-task → coverage → QRF response
→ force ratios, with NumPy arrays of one value per sample throughout (no Python
loop per sample). Drawing the inputs, judging the criteria and building the
:class:`~feasim.Result` belong to :class:`feasim.models.AnalyticModel`;
:func:`evaluate` and :func:`evaluate_draws` are kept here as its conveniences.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .metrics import METRICS
from .model.coverage import coverage, sector_layout
from .model.force import condition_states, force_generation, honoured
from .model.pools import cost_metrics, sustainability, troop_cost
from .model.qrf import response
from .model.ratios import force_ratios
from .model.tasks import achievement, requirements
from .sampling import CHUNK, Draws
from .schema import Scenario

__all__ = ["evaluate", "evaluate_draws", "run"]


def evaluate(scenario: Scenario, samples: int | None = None, seed: int | None = None,
             sampler: str | None = None):
    """Run the analytic model on ``samples`` Monte Carlo samples of ``scenario``.

    The same as :func:`feasim.evaluate` (see :class:`feasim.models.AnalyticModel`).
    """
    from .models.analytic import evaluate as _evaluate
    return _evaluate(scenario, samples, seed, sampler)


def evaluate_draws(scenario: Scenario, d: Draws, seed: int = 0):
    """Run the analytic model on given draws (see :func:`feasim.evaluate_draws`)."""
    from .models.analytic import evaluate_draws as _evaluate_draws
    return _evaluate_draws(scenario, d, seed=seed)


def _own_arrays(values: dict, n: int) -> dict[str, np.ndarray]:
    """One read-only float array of length n per metric, none shared with another
    (constants are broadcast; arrays already of the right shape are not copied)."""
    out, seen = {}, set()
    for k, v in values.items():
        a = np.asarray(v, dtype=float)
        if a.shape != (n,) or id(a) in seen or not a.flags.owndata:
            a = np.broadcast_to(a, (n,)).copy()
        seen.add(id(a))
        a.flags.writeable = False
        out[k] = a
    return out


def _slice(d: Draws, lo: int, hi: int) -> Draws:
    def cut(v):
        return v[lo:hi] if isinstance(v, np.ndarray) else v
    return Draws(n=hi - lo, values={k: cut(v) for k, v in d.values.items()},
                 events={k: v[lo:hi] for k, v in d.events.items()})


def _model(scenario: Scenario, d: Draws) -> dict:
    """Every metric for the samples of ``d``; each sample is computed on its own."""
    conds = condition_states(scenario, d)
    m: dict[str, np.ndarray] = {}
    m.update(force_generation(scenario, d, conds))
    req = requirements(scenario, d)
    m.update({k: v for k, v in req.items() if k in METRICS})
    # Troops that can fill the posture, tail included: line and reserve roles.
    covering = (m["line_combat_troops"] + m["reserve_combat_troops"]) \
        / (1.0 - d["force.support_fraction"])
    m.update(achievement(req, m["line_combat_troops"], m["reserve_combat_troops"], covering))
    # Coverage uses the filled counts, sensors included (contract v3 §D).
    cov = coverage(scenario, d, m["observation_posts"], m["patrol_teams"], m["sensors"])
    m.update(cov)
    # The QRF load per base follows the threat and detection of each sector.
    qrf = response(scenario, d, m["qrf_teams"], m["detection_probability"],
                   cov["_sector_weights"], cov["_sector_detection"], sector_layout(scenario, d))
    m.update(qrf)
    m.update(force_ratios(scenario, d, m["line_combat_troops"], conds,
                          reserve_combat=m["reserve_combat_troops"],
                          unassigned=m["unassigned_combat_troops"],
                          detection=m["detection_probability"]))
    m.update(sustainability(scenario, d, m["required_in_theatre_troops"]))
    m.update(cost_metrics(scenario, d, troop_cost(scenario, d, honoured(scenario, d, conds)),
                          m["sensors"], m["detection_probability"]))
    out: dict[str, Any] = {k: m[k] for k in METRICS}   # private entries ("_…") are not metrics
    out["base_overloaded"] = qrf["_base_overload"]   # label → overloaded per sample
    # Contract v3 §H: the worst cell per sample (sector index, clock hour).
    out["worst_cell"] = {"sector": np.asarray(cov["_worst_sector"]),
                         "hour": np.asarray(m["detection_worst_hour"]).astype(int)}
    if scenario.posture.qrf is not None:   # contract §3: unmanned bases get a warning
        short = m["qrf_bases_manned"] < d["posture.qrf.bases"]
        if np.any(short & (m["qrf_no_force"] == 0)):
            out["warnings"] = ("some requested QRF bases are unmanned (fewer QRF teams "
                               "filled than bases): the manned bases cover longer "
                               "stretches; see qrf_bases_manned",)
    return out


def _split(out: dict) -> tuple[dict, dict]:
    """The metrics of one pass (in METRICS order) and anything else it returned."""
    return ({k: out[k] for k in METRICS if k in out},
            {k: v for k, v in out.items() if k not in METRICS})


def _join(parts: list[dict], n: int) -> dict:
    """Extras of consecutive chunks joined (arrays concatenated, mappings per key)."""
    sizes = [min(CHUNK, n - i * CHUNK) for i in range(len(parts))]  # parts are chunks
    out: dict = {}
    # A key may be missing from some chunks (e.g. a base overloaded in one chunk only).
    for k in dict.fromkeys(key for p in parts for key in p):
        v = next(p[k] for p in parts if k in p)
        if isinstance(v, dict):
            out[k] = _join([p.get(k, {}) for p in parts], n)
        elif isinstance(v, np.ndarray) and v.ndim >= 1:
            out[k] = np.concatenate([p[k] if k in p else np.zeros(m, v.dtype)
                                     for p, m in zip(parts, sizes, strict=True)])
        elif isinstance(v, tuple):   # sentences (warnings): each once, in order
            out[k] = tuple(dict.fromkeys(x for p in parts for x in p.get(k, ())))
        else:
            out[k] = v
    return out


def run(scenario: Scenario, d: Draws) -> tuple[dict[str, np.ndarray], dict]:
    """Every metric for the samples of ``d`` (read-only arrays), and the pass's extras.

    Samples are independent, so the model runs on ``CHUNK`` (32,768) of them at a
    time: the same numbers as one pass, with less memory traffic. Extras are what
    the pass returns beside the metrics (e.g. ``base_overloaded``: per base label,
    a boolean per sample).
    """
    n = d.n
    if n <= CHUNK:
        metrics, extras = _split(_model(scenario, d))
        return _own_arrays(metrics, n), extras
    block = np.empty((len(METRICS), n))  # one allocation: far fewer page faults
    out = {k: block[i] for i, k in enumerate(METRICS)}
    names: list[str] = []
    parts = []
    for lo in range(0, n, CHUNK):
        hi = min(lo + CHUNK, n)
        metrics, extras = _split(_model(scenario, _slice(d, lo, hi)))
        names = list(metrics)
        parts.append(extras)
        for k, v in metrics.items():
            out[k][lo:hi] = v
    out = {k: out[k] for k in names}
    for a in out.values():
        a.flags.writeable = False
    return out, _join(parts, n)
