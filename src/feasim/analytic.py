"""The analytic model: one vectorised pass over all Monte Carlo samples.

``evaluate(scenario)`` draws the uncertain inputs (:mod:`feasim.sampling`) and
chains force generation → troop-to-task → coverage → QRF response → force
ratios → criteria, with NumPy arrays of one value per sample throughout (no
Python loop per sample).
"""

from __future__ import annotations

import numpy as np

from .metrics import METRICS
from .model.coverage import coverage
from .model.feasibility import check_criteria
from .model.force import condition_states, force_generation
from .model.qrf import response
from .model.ratios import force_ratios
from .model.tasks import achievement, requirements
from .results import CriterionResult, Result
from .sampling import CHUNK, Draws, draw
from .schema import Scenario

__all__ = ["evaluate", "evaluate_draws"]


def evaluate(scenario: Scenario, samples: int | None = None, seed: int | None = None,
             sampler: str | None = None) -> Result:
    """Run the analytic model on ``samples`` Monte Carlo samples of ``scenario``.

    Parameters
    ----------
    scenario:
        A validated scenario (see :func:`feasim.load_scenario`).
    samples, seed, sampler:
        Override the scenario's ``uncertainty`` block. The same seed always
        gives the same result.
    """
    d = draw(scenario, samples, seed, sampler)
    seed = scenario.uncertainty.seed if seed is None else int(seed)
    return evaluate_draws(scenario, d, seed=seed)


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
    m.update(coverage(scenario, d, m["observation_posts"], m["patrol_teams"]))
    m.update(response(scenario, d, m["qrf_teams"], m["detection_probability"]))
    m.update(force_ratios(scenario, d, m["line_combat_troops"], conds))
    return {k: m[k] for k in METRICS}


def evaluate_draws(scenario: Scenario, d: Draws, seed: int = 0) -> Result:
    """Run the analytic model on given draws (used by sweeps and sensitivity).

    Samples are independent, so the model runs on ``CHUNK`` (32,768) of them at a
    time: the same numbers as one pass, with less memory traffic.
    """
    n = d.n
    if n <= CHUNK:
        metrics = _own_arrays(_model(scenario, d), n)
    else:
        block = np.empty((len(METRICS), n))  # one allocation: far fewer page faults
        out = {k: block[i] for i, k in enumerate(METRICS)}
        for lo in range(0, n, CHUNK):
            hi = min(lo + CHUNK, n)
            for k, v in _model(scenario, _slice(d, lo, hi)).items():
                out[k][lo:hi] = v
        for a in out.values():
            a.flags.writeable = False
        metrics = out

    criteria = {
        name: CriterionResult(name, bound, threshold, met, np.broadcast_to(margin, (n,)).copy())
        for name, (bound, threshold, met, margin)
        in check_criteria(scenario.criteria, metrics).items()
    }
    inputs = {p: d[p] for p in d.uncertain()}
    inputs.update(d.events)
    return Result(scenario=scenario.name, seed=seed, samples=n, method="analytic",
                  metrics=metrics, criteria=criteria, inputs=inputs)
