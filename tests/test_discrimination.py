"""Discrimination on C2 as shipped: 30,000, 100,000 and 300,000 in theatre give answers
that differ by more than their sampling error, and the attacker does not win every time.

v1 gave detection 1.000 above ~30,000 troops and "attacker wins" in every sample of
every claim; these tests fail if either comes back.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import feasim

C2 = Path(__file__).resolve().parents[1] / "scenarios" / "claims" / "c02-experts-100k-in-theatre.yaml"
SIZES = (30_000, 100_000, 300_000)
SAMPLES = 2_000


@pytest.fixture(scope="module")
def runs():
    base = feasim.load_scenario(C2)
    return {t: feasim.evaluate(feasim.with_overrides(base, {"contributors[0].troops": t}),
                               samples=SAMPLES, seed=7)
            for t in SIZES}


def _mean_se(values):
    a = np.asarray(values, dtype=float)
    a = a[np.isfinite(a)]
    return a.mean(), a.std(ddof=1) / math.sqrt(a.size)


def _p_se(p, n=SAMPLES):
    # a proportion's standard error, floored at one sample's worth so that 0 and 1 count
    return max(math.sqrt(p * (1 - p) / n), 1 / n)


@pytest.mark.parametrize("metric", ["detection_probability", "detection_probability_worst",
                                    "local_force_ratio", "lanchester_attacker_wins"])
def test_metric_moves_with_the_force_by_more_than_its_sampling_error(runs, metric):
    stats = [_mean_se(runs[t][metric]) for t in SIZES]
    for (m1, s1), (m2, s2), lo, hi in zip(stats, stats[1:], SIZES, SIZES[1:]):
        z = abs(m2 - m1) / math.hypot(s1, s2)
        assert z > 4, f"{metric}: {lo:,} gives {m1:.4f}±{s1:.4f}, {hi:,} gives {m2:.4f}±{s2:.4f}"
    means = [m for m, _ in stats]
    if metric.startswith("detection"):
        assert means == sorted(means), means          # more troops see more
    else:
        assert means == sorted(means, reverse=True), means  # and face a lower ratio


def test_p_feasible_differs_between_sizes(runs):
    p = [runs[t].p_feasible for t in SIZES]
    for p1, p2 in zip(p, p[1:]):
        assert p2 - p1 > 4 * math.hypot(_p_se(p1), _p_se(p2)), p


def test_attacker_does_not_win_every_sample_at_any_size(runs):
    base = feasim.load_scenario(C2)
    nobody = feasim.evaluate(feasim.with_overrides(base, {"contributors[0].troops": 0}),
                             samples=SAMPLES, seed=7)
    for r in (*runs.values(), nobody):
        wins = np.asarray(r["lanchester_attacker_wins"], dtype=float)
        assert 0 < (wins < 0.5).mean()
    # the ratio itself is not pinned by the assumption: it spreads across samples
    for r in runs.values():
        ratio = np.asarray(r["local_force_ratio"], dtype=float)
        assert np.quantile(ratio, 0.9) > 1.2 * np.quantile(ratio, 0.1)
