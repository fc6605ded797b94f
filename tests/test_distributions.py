"""Fast quantile functions agree with scipy's; every distribution's moments are right."""

from __future__ import annotations

import numpy as np
import pytest

from feasim.distributions import LogNormal, Normal, Pert, Triangular, TruncNormal, Uniform

U = np.concatenate([np.random.default_rng(4).random(200_000),
                    [1e-12, 1e-6, 1 / 1024, 0.5, 1 - 1 / 1024, 1 - 1e-6, 1 - 1e-12]])

CASES = [
    Uniform(low=2, high=7),
    Triangular(low=0, mode=2, high=10),
    Triangular(low=0, mode=0, high=1),
    Triangular(low=0, mode=1, high=1),
    Pert(low=5000, mode=8000, high=20000),
    Pert(low=0.4, mode=0.7, high=0.95),
    Pert(low=0, mode=0, high=1),
    Pert(low=0, mode=1, high=1, lamb=8),
    Normal(mean=3, sd=2),
    LogNormal(mean=100, sd=30),
    TruncNormal(mean=0.5, sd=0.1, low=0.2, high=0.8),
    TruncNormal(mean=0, sd=1, low=6, high=9),      # far tail: scipy's algorithm
]


@pytest.mark.parametrize("dist", CASES, ids=lambda d: f"{d.dist}")
def test_fast_quantiles_match_scipy(dist):
    lo, hi = dist.support()
    scale = (hi - lo) if np.isfinite(hi - lo) else dist.frozen().std()
    fast = dist.ppf(U)
    exact = np.clip(dist.frozen().ppf(U), lo, hi)
    assert np.max(np.abs(fast - exact)) <= 1e-8 * scale
    assert np.all(np.diff(dist.ppf(np.linspace(1e-9, 1 - 1e-9, 10_001))) >= 0)  # monotone


@pytest.mark.parametrize("dist", CASES[:-1], ids=lambda d: f"{d.dist}")
def test_sampled_mean_matches(dist):
    x = dist.ppf((np.arange(100_000) + 0.5) / 100_000)
    assert x.mean() == pytest.approx(dist.mean(), rel=1e-3, abs=1e-6)


def test_pert_table_cells_filled_on_demand_are_the_full_tables():
    """A few samples fill only their cells; the numbers are those of the whole table,
    and each cell starts at scipy's exact quantile of its left knot."""
    from scipy import special

    from feasim.distributions import _TABLE, _BetaTable

    a, b = 2.2, 3.7
    small = _BetaTable(a, b)
    rng = np.random.default_rng(5)
    cells = rng.integers(0, _TABLE, size=300)
    part = small.coefficients(cells)[:, cells].copy()
    assert not small.complete and small.known.sum() <= 300
    full = _BetaTable(a, b).coefficients(np.zeros(_TABLE, dtype=np.intp))
    assert np.array_equal(part, full[:, cells])
    assert np.array_equal(full[3], special.betaincinv(a, b, np.arange(_TABLE) / _TABLE))
    # the same draws through a fresh table give the same bytes as through a full one
    u = rng.random(500)
    d = Pert(low=3.0, mode=4.0, high=9.0)
    first = d.ppf(u)
    d.ppf(rng.random(_TABLE))   # fills the rest of the table
    assert np.array_equal(d.ppf(u), first)


def test_pert_quantile_outside_0_1_leaves_the_table_intact():
    """A uniform outside [0, 1] must not write into a cell of the shared table."""
    from scipy import stats

    d = Pert(low=0.0, mode=1.3, high=4.0)   # a shape no other test uses: a fresh table
    d.ppf(np.array([-0.5, -1e-3, 1.5]))      # cells -8192, -17 and 24576 if unclamped
    u = np.array([0.500001, 1 - 17 / 2**14 + 1e-6, 0.25])
    a, b = d._shape()
    want = 4.0 * stats.beta(a, b).ppf(u)
    assert np.allclose(d.ppf(u), want, rtol=0, atol=1e-7)
