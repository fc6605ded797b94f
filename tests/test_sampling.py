"""The sampling design: Latin hypercube strata, replicated blocks, seeds, events."""

from __future__ import annotations

import numpy as np
import pytest

from feasim.sampling import LHS_BLOCK, design, draw

from .conftest import scenario_from


def _stratified(row: np.ndarray) -> bool:
    """Each of the len(row) strata [k/m, (k+1)/m) holds exactly one value."""
    m = row.size
    return np.array_equal(np.sort(np.floor(row * m).astype(np.int64)), np.arange(m))


def test_lhs_has_one_value_per_stratum_in_every_row():
    u = design(4, 5000, "lhs", np.random.default_rng(7))
    assert u.shape == (4, 5000)
    assert all(_stratified(r) for r in u)
    assert (u > 0).all() and (u < 1).all()


def test_lhs_is_the_textbook_construction_up_to_one_block():
    # (random permutation of the strata + uniform jitter) / n, row after row
    n, rng = 3000, np.random.default_rng(11)
    expected = np.array([(rng.permutation(n) + rng.random(n)) / n for _ in range(3)])
    assert np.array_equal(design(3, n, "lhs", np.random.default_rng(11)), expected)


def test_large_lhs_is_replicated_in_blocks_each_a_latin_hypercube():
    n = 2 * LHS_BLOCK + 1234
    u = design(2, n, "lhs", np.random.default_rng(3))
    for row in u:
        for lo in range(0, n, LHS_BLOCK):
            assert _stratified(row[lo:lo + LHS_BLOCK])
    # the blocks are independent draws, not copies of one another
    assert not np.array_equal(np.argsort(u[0, :LHS_BLOCK]),
                              np.argsort(u[0, LHS_BLOCK:2 * LHS_BLOCK]))


def test_random_sampler_is_not_stratified_and_bad_sampler_is_refused():
    u = design(1, 5000, "random", np.random.default_rng(7))
    assert not _stratified(u[0])
    with pytest.raises(ValueError, match="sampler must be 'lhs' or 'random'"):
        design(1, 10, "sobol", np.random.default_rng(7))


def test_draw_is_reproducible_and_names_every_event():
    s = scenario_from(overrides={
        "conditions.ceasefire": {"dist": "uniform", "low": 0.2, "high": 0.9},
        "contributors[France].troops": {"dist": "pert", "low": 5000, "mode": 8000,
                                        "high": 12000},
    })
    a, b = draw(s, 2000, seed=5), draw(s, 2000, seed=5)
    assert set(a.events) == {"event:conditions.ceasefire",
                             "event:contributors[France].honour",
                             "event:contributors[United Kingdom].honour"}
    for path in a.uncertain():
        assert np.array_equal(a[path], b[path])
    troops = a["contributors[France].troops"]
    assert 5000 <= troops.min() and troops.max() <= 12000
    assert not np.array_equal(troops, draw(s, 2000, seed=6)["contributors[France].troops"])
    with pytest.raises(ValueError, match="samples must be >= 1"):
        draw(s, 0)


def test_chunked_mapping_and_evaluation_give_the_same_numbers(monkeypatch, base):
    import feasim.analytic as analytic
    import feasim.sampling as sampling

    s = scenario_from(overrides={
        "theatre.line_km": {"dist": "pert", "low": 900, "mode": 1200, "high": 1500},
        "posture.qrf.bases": {"dist": "uniform", "low": 3, "high": 9},
    })
    whole = analytic.evaluate_draws(s, draw(s, 1000, seed=2))
    monkeypatch.setattr(sampling, "CHUNK", 77)
    monkeypatch.setattr(analytic, "CHUNK", 77)
    d = draw(s, 1000, seed=2)
    chunked = analytic.evaluate_draws(s, d)
    for name, values in whole.metrics.items():
        np.testing.assert_array_equal(chunked.metrics[name], values, err_msg=name)
        assert not chunked.metrics[name].flags.writeable


def test_condition_as_distribution_and_shared_cause_blocks_are_inputs():
    # Regression: walking mappings of blocks (shared_causes) must not walk into a
    # distribution given for a condition (it is one input, not a block).
    from feasim.sampling import quantity_paths

    from .conftest import scenario_from

    s = scenario_from(overrides={
        "conditions.ceasefire": {"dist": "uniform", "low": 0.2, "high": 0.8},
        "shared_causes": {"fog": {"probability": 0.3, "posts": 0.5}}})
    paths = dict(quantity_paths(s))
    assert "conditions.ceasefire" in paths and "conditions.ceasefire.low" not in paths
    assert paths["shared_causes.fog.posts"] == 0.5
    import feasim
    d = feasim.draw(s, 50, seed=1)
    assert d["conditions.ceasefire"].min() >= 0.2 and d["conditions.ceasefire"].max() <= 0.8
