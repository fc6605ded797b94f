"""Per-point statistics declared in a sweep file, the streaming summary, lazy reading.

Known answers are computed here by brute force (plain Python over the samples),
never by the reduction under test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import feasim
from feasim.models import AnalyticModel
from feasim.sweep import Sweep, SweepError, load_sweep, run_sweep
from feasim.sweep import result as sweep_result
from feasim.sweep.stats import reduce_stat, split_column

pytest.importorskip("pyarrow")

ROOT = Path(__file__).resolve().parents[1]
C2 = ROOT / "scenarios/claims/c02-experts-100k-in-theatre.yaml"


def _brute_percentile(values: list[float], q: float) -> float:
    """Linear interpolation between order statistics; an interval touching an infinity
    gives the infinity (a rank-based definition, written out longhand)."""
    v = sorted(x for x in values if not math.isnan(x))
    if not v:
        return math.nan
    h = (len(v) - 1) * q / 100
    lo, hi = math.floor(h), math.ceil(h)
    if lo == hi or v[lo] == v[hi]:
        return v[lo]
    if math.isinf(v[hi]):
        return v[hi]
    if math.isinf(v[lo]):
        return v[lo]
    return v[lo] + (h - lo) * (v[hi] - v[lo])


def _brute(values: list[float], stat: str) -> float:
    finite = [x for x in values if math.isfinite(x)]
    defined = [x for x in values if not math.isnan(x)]
    if stat == "mean":
        return sum(finite) / len(finite) if finite else math.nan
    if stat == "std":
        if not finite:
            return math.nan
        m = sum(finite) / len(finite)
        return math.sqrt(sum((x - m) ** 2 for x in finite) / len(finite))
    if stat == "unbounded":
        return sum(math.isinf(x) for x in values) / len(values)
    if stat == "undefined":
        return sum(math.isnan(x) for x in values) / len(values)
    if stat == "min":
        return min(defined) if defined else math.nan
    if stat == "max":
        return max(defined) if defined else math.nan
    return _brute_percentile(values, float(stat[1:]))


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b or abs(a - b) <= 1e-9 * max(1, abs(b))


@pytest.mark.parametrize("stat", ["mean", "std", "min", "max", "unbounded", "undefined",
                                  "p0", "p2.5", "p50", "p90", "p100"])
def test_reduce_stat_matches_brute_force(stat):
    rng = np.random.default_rng(7)
    x = rng.exponential(3.0, size=(40, 9))
    x[rng.random(x.shape) < 0.2] = np.inf
    x[rng.random(x.shape) < 0.1] = np.nan
    x[3] = np.nan  # a point where the output is never defined
    x[4] = np.inf  # and one where it is always unbounded
    got = reduce_stat(x, stat)
    for i in range(x.shape[0]):
        want = _brute(list(x[i]), stat)
        assert _same(float(got[i]), want), (stat, i, got[i], want)


def test_met_is_the_share_of_samples_meeting():
    met = np.array([[True, False, True, True], [False] * 4])
    assert list(reduce_stat(np.zeros((2, 4)), "met", met)) == [0.75, 0.0]


def test_split_column():
    assert split_column("response_hours_p90__p90") == ("response_hours_p90", "p90")
    assert split_column("response_hours_p90") == ("response_hours_p90", None)
    assert split_column("a__notastat") == ("a__notastat", None)


def _overloaded_c2():
    s = feasim.load_scenario(C2)
    # engagements of 1-60 h: the two-base posture is past capacity in most samples
    return feasim.with_overrides(s, {"posture.qrf.engagement_hours":
                                     {"dist": "uniform", "low": 1, "high": 60}})


def test_declared_statistics_match_the_points_samples(tmp_path):
    s = _overloaded_c2()
    stats = ["mean", "p50", "p90", "unbounded", "undefined", "met"]
    sw = Sweep(s, {"posture.qrf.bases": {"values": [2, 12]}},
               design={"method": "factorial"}, samples_per_point=200,
               outputs={"response_hours_p90": stats, "troops_per_km": None})
    assert sw.outputs == [f"response_hours_p90__{x}" for x in stats] + ["troops_per_km__mean"]
    df = run_sweep(sw, tmp_path / "o", executor="serial").to_dataframe()
    # The same samples, drawn as the chunk does (stream (seed, chunk 0), one group).
    seq = np.random.SeedSequence([sw.spec.seed, 0]).spawn(1)[0]
    r = AnalyticModel().evaluate(s, {"posture.qrf.bases": np.repeat([2.0, 12.0], 200)},
                                 n=400, rng=np.random.default_rng(seq))
    x = r["response_hours_p90"].reshape(2, 200)
    met = r.criteria["response_hours_p90"].met.reshape(2, 200)
    for i in range(2):
        for st in stats[:-1]:
            assert _same(df[f"response_hours_p90__{st}"].iloc[i], _brute(list(x[i]), st)), st
        assert df["response_hours_p90__met"].iloc[i] == pytest.approx(met[i].mean())
    # The point the issue names: unbounded in some samples, yet a finite mean and median.
    two, twelve = df.iloc[0], df.iloc[1]
    assert 0.5 < two["response_hours_p90__unbounded"] < 1
    assert 0 < twelve["response_hours_p90__unbounded"] < 0.2
    assert math.isfinite(twelve["response_hours_p90__mean"])
    assert math.isfinite(twelve["response_hours_p90__p50"])


def test_bare_names_keep_the_plain_mean_column(tmp_path):
    s = _overloaded_c2()
    sw = Sweep(s, {"posture.qrf.bases": {"values": [12]}}, design={"method": "factorial"},
               samples_per_point=200, outputs=["response_hours_p90"])
    df = run_sweep(sw, tmp_path / "o", executor="serial").to_dataframe()
    assert "response_hours_p90" in df and df["response_hours_p90"].iloc[0] == math.inf


@pytest.mark.parametrize("outputs, rule, text", [
    ({"response_hours_p90": ["p900"]}, "invalid_value", "unknown statistic 'p900'"),
    ({"response_hours_p90": ["median"]}, "invalid_value", "unknown statistic 'median'"),
    ({"response_hours_p90": ["p50", "p50"]}, "invalid_value", "listed twice"),
    ({"response_hours_p90": ["p90", "p90.0"]}, "invalid_value", "listed twice"),
    ({"response_hours_p90": []}, "invalid_value", "expected a list of statistics"),
    ({"response_hours_p90": "mean"}, "invalid_value", "expected a list of statistics"),
    ({"response_hours_p90": [90]}, "invalid_value", "a statistic is a name"),
    ({}, "invalid_value", "at least one output"),
    ({"nope": ["mean"]}, "unknown_metric", "no output named 'nope'"),
    ({"troops_per_km": ["met"]}, "no_criterion", "needs a criterion"),
])
def test_bad_statistics_are_named(outputs, rule, text):
    s = feasim.load_scenario(C2)
    with pytest.raises(SweepError) as err:
        Sweep(s, {"posture.qrf.bases": {"values": [2]}}, design={"method": "factorial"},
              outputs=outputs)
    assert any(p.rule == rule and text in p.message for p in err.value.problems), \
        err.value.problems


def test_sweep_file_with_statistics_and_line_numbers(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(f"""name: stats
scenario: {C2}
parameters:
  posture.qrf.bases: {{values: [4, 8]}}
design: {{method: factorial}}
samples_per_point: 5
outputs:
  response_hours_p90: [mean, p90, unbounded]
  nope: [mean]
""")
    with pytest.raises(SweepError) as err:
        load_sweep(f)
    (p,) = err.value.problems
    assert (p.rule, p.path, p.line) == ("unknown_metric", "outputs.nope", 9)
    f.write_text(f.read_text().replace("  nope: [mean]\n", "  troops_per_km: [p101]\n"))
    with pytest.raises(SweepError) as err:
        load_sweep(f)
    (p,) = err.value.problems
    assert (p.rule, p.line) == ("invalid_value", 7) and "unknown statistic 'p101'" in p.message
    assert "scenario" not in str(p)  # the outputs, not the whole document, are echoed
    f.write_text(f.read_text().replace("  troops_per_km: [p101]\n", ""))
    sw = load_sweep(f)
    cols = run_sweep(sw, tmp_path / "o", executor="serial").to_dataframe().columns
    assert {"response_hours_p90__mean", "response_hours_p90__p90",
            "response_hours_p90__unbounded"} <= set(cols)


# ------------------------------------------------------------ streaming summary


@pytest.mark.parametrize("kind", ["normal", "ties", "unbounded", "mostly_one", "nan_and_neginf",
                                  "even_infinities"])
def test_streaming_summary_is_exact(monkeypatch, kind):
    monkeypatch.setattr(sweep_result, "_GATHER", 500)  # force the histogram passes
    rng = np.random.default_rng(hash(kind) % 2**32)
    for _ in range(20):
        n = int(rng.integers(1, 5000))
        v = rng.normal(size=n)
        if kind == "ties":
            v = np.round(v, 1)
        elif kind == "unbounded":
            v[rng.random(n) < 0.4] = np.inf
        elif kind == "mostly_one":
            v[:] = 1.0
            v[rng.random(n) < 0.01] = 0.5
        elif kind == "nan_and_neginf":
            v[rng.random(n) < 0.3] = np.nan
            v[rng.random(n) < 0.1] = -np.inf
        elif kind == "even_infinities":
            v = np.array([-np.inf, np.inf] * (n // 2 + 1))
        parts = np.array_split(v, int(rng.integers(1, 8)))
        got = sweep_result.column_summary(lambda: iter(parts))
        w = sorted(x for x in v.tolist() if not math.isnan(x))
        if not w:
            assert got is None
            continue
        m = len(w)
        a, b = w[(m - 1) // 2], w[m // 2]
        median = a if a == b else (math.nan if math.isinf(a) and math.isinf(b) else (a + b) / 2)
        assert got["min"] == w[0] and got["max"] == w[-1]
        assert _same(got["median"], median)
        assert got["unbounded_fraction"] == sum(math.isinf(x) for x in w) / m


def test_lazy_readers_see_every_row(tmp_path):
    s = feasim.load_scenario(C2)
    sw = Sweep(s, {"theatre.line_km": {"low": 500, "high": 1500}},
               design={"method": "lhs", "points": 300, "seed": 2}, chunk_points=100,
               outputs=["troops_per_km"])
    res = run_sweep(sw, tmp_path / "o", executor="serial")
    (tmp_path / "o/chunks/part-junk.parquet").write_bytes(b"not parquet")
    df = res.to_dataframe()
    ds = res.dataset()
    assert ds.count_rows() == 300
    table = ds.to_table(columns=["point", "troops_per_km"])
    assert sorted(table.column("point").to_pylist()) == list(range(300))
    pytest.importorskip("dask.dataframe")
    dd = res.to_dask(["point", "troops_per_km"]).compute().set_index("point").sort_index()
    assert np.array_equal(dd["troops_per_km"].to_numpy(), df["troops_per_km"].to_numpy())
    summ = res.summary()["outputs"]["troops_per_km"]
    assert summ["median"] == pytest.approx(float(np.median(df["troops_per_km"])))


# ------------------------------------------------------------ the Latin hypercube at any size


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 16, 17, 1000, 4097, 65_537, 250_000])
def test_permutation_is_a_bijection(n):
    from feasim.sweep.spec import permute

    p = permute(np.arange(n), n, (3, 1))
    assert np.array_equal(np.sort(p), np.arange(n))


def test_lhs_has_one_point_per_stratum_and_independent_columns():
    s = feasim.load_scenario(C2)
    n = 20_000
    sw = Sweep(s, {"theatre.line_km": {"low": 100, "high": 2100},
                   "force.rotation_multiplier": {"low": 1, "high": 3}},
               design={"method": "lhs", "points": n, "seed": 5}, chunk_points=3000)
    # chunk by chunk, as a sweep reads it: each column has one value in each of n strata
    ends = {"theatre.line_km": (100, 2100), "force.rotation_multiplier": (1, 3)}
    cols = {k: (np.concatenate([sw.points(*sw.chunk_bounds(c))[k] for c in range(sw.n_chunks)])
                - lo) / (hi - lo) for k, (lo, hi) in ends.items()}
    for v in cols.values():
        assert np.array_equal(np.sort(np.floor(v * n).astype(int)), np.arange(n))
    a, b = cols.values()
    # no structure between the columns, nor between successive points (|z| < 4)
    assert abs(np.corrcoef(a, b)[0, 1]) * math.sqrt(n) < 4
    assert abs(np.corrcoef(a[:-1], a[1:])[0, 1]) * math.sqrt(n) < 4
    h, _, _ = np.histogram2d(a, b, bins=10)
    chi2 = float(((h - n / 100) ** 2 / (n / 100)).sum())
    from scipy import stats

    assert stats.chi2.sf(chi2, 99) > 1e-4


def test_lhs_points_are_computed_in_memory_of_a_chunk():
    """10^10 points: the design is evaluated for a chunk without anything of size N."""
    import tracemalloc

    s = feasim.load_scenario(C2)
    sw = Sweep(s, {"theatre.line_km": {"low": 100, "high": 2000}},
               design={"method": "lhs", "points": 10**10, "seed": 1}, chunk_points=10_000)
    tracemalloc.start()
    pts = sw.points(*sw.chunk_bounds(sw.n_chunks - 1))["theatre.line_km"]
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(pts) == 10_000 and ((100 <= pts) & (pts <= 2000)).all()
    assert peak < 20 * 2**20


def test_a_chunk_larger_than_memory_is_refused_before_running(tmp_path):
    s = feasim.load_scenario(C2)
    with pytest.raises(SweepError) as err:
        Sweep(s, {"theatre.line_km": {"low": 100, "high": 2000}},
              design={"method": "lhs", "points": 10**7, "seed": 1},
              samples_per_point=10**6, chunk_points=10**6)
    (p,) = err.value.problems
    assert p.rule == "too_many_samples" and "set chunk_points to at most" in p.message
    f = tmp_path / "big.yaml"
    f.write_text(f"name: big\nscenario: {C2}\nparameters:\n  theatre.line_km: {{low: 100, high: 2000}}\n"
                 "design: {method: lhs, points: 10000000, seed: 1}\nsamples_per_point: 1000000\n"
                 "chunk_points: 1000000\n")
    from feasim.cli import main

    assert main(["sweep", str(f), "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()
