"""Figures of feasim.plots: rendered headless, checked through their artists and data."""

from __future__ import annotations

import io
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import feasim  # noqa: E402
from feasim import plots, refdata  # noqa: E402
from feasim.plots.labels import _short, metric_label  # noqa: E402
from feasim.frontier import Frontier, MinimumForce  # noqa: E402
from feasim.results import CriterionResult, Result  # noqa: E402
from feasim.sensitivity import MorrisResult, SobolResult, analyse  # noqa: E402
from feasim.simulation import simulate  # noqa: E402

from .conftest import BASE_YAML, SCENARIOS, scenario_from  # noqa: E402

C2 = SCENARIOS / "claims" / "c02-experts-100k-in-theatre.yaml"
C6 = SCENARIOS / "claims" / "c06-coalition-of-the-willing.yaml"

SECTORED = """\
name: sectored
theatre:
  line_km: 600
  sectors:
    - {name: North, length_km: 150, visibility: 1.0, threat: 1}
    - {name: Centre, length_km: 250, visibility: 0.5, threat: {dist: uniform, low: 2, high: 4}}
    - {name: South, length_km: 200, visibility: 1.5, threat: 0.5}
force: {basis: in_theatre, support_fraction: 0.5}
contributors:
  - {name: A, troops: {dist: uniform, low: 8000, high: 15000}}
posture:
  observation_posts: {spacing_km: 5, radius_km: {dist: uniform, low: 1.5, high: 2.5}}
  patrols: {teams: 40}
  sensors: {count: 20, coverage_km_each: 10}
  qrf: {bases: 5}
criteria:
  detection_probability: {min: 0.9}
uncertainty: {samples: 200, seed: 3}
"""


def render(fig: Figure) -> None:
    """Draw the whole figure, as saving it does: layout and text must not fail."""
    assert isinstance(fig, Figure)
    fig.savefig(io.BytesIO(), format="png", dpi=50)


def by_gid(artists, gid: str) -> list:
    return [a for a in artists if a.get_gid() == gid]


def texts(ax: Axes, gid: str) -> list[str]:
    return [t.get_text() for t in by_gid(ax.texts, gid)]


def yticks_top_down(ax: Axes) -> list[str]:
    ticks = zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)
    return [t.get_text() for _, t in sorted(ticks, key=lambda p: -p[0])]


@pytest.fixture(scope="module")
def c2():
    s = feasim.load_scenario(C2)
    return s, feasim.evaluate(s, samples=300)


@pytest.fixture(scope="module")
def sim(c2):
    return simulate(c2[0], replications=4, days=20)


# ------------------------------------------------------------------ density chart


def test_density_chart_axes_points_and_labels(c2):
    s, r = c2
    fig = plots.density_chart(s, r)
    render(fig)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert "km" in ax.get_xlabel() and "km" in ax.get_ylabel()
    assert "persons/km" in ax.get_ylabel()
    assert ax.get_title() and ax.get_legend() is not None
    assert any("Sources: feasim.refdata" in t for t in texts(ax, "note"))

    with_line = [m for m in refdata.missions() if m.has_line and m.density_low is not None]
    assert {"unifil", "ifor", "korean_dmz"} <= {m.key for m in with_line}
    for m in with_line:
        (point,) = by_gid(ax.lines, f"mission:{m.key}")
        x, y = point.get_xdata()[0], point.get_ydata()[0]
        assert m.line_km_low <= x <= m.line_km_high
        assert m.density_low <= y <= m.density_high
        (label,) = texts(ax, f"mission:{m.key}")
        assert m.short_name in label

    for cid, troops in (("C2", 100_000), ("C4", 200_000)):
        (point,) = by_gid(ax.lines, f"claim:{cid}")
        assert point.get_xdata()[0] == 1200
        assert point.get_ydata()[0] == pytest.approx(troops / 1200)
        (label,) = texts(ax, f"claim:{cid}")
        assert label.startswith(f"{cid}: ≥{troops:,} on 1,200 km")
        assert "(line of C1)" in label  # C2-C4 give no line: C1's is used, and said so
    (c3,) = texts(ax, "claim:C3")
    assert c3.startswith("C3: 10,000–30,000 on 1,200 km") and "8.3–25 /km" in c3

    (point,) = by_gid(ax.lines, "scenario")
    assert point.get_xdata()[0] == 1200
    assert point.get_ydata()[0] == pytest.approx(np.median(r["troops_per_km"]))
    (label,) = texts(ax, "scenario")
    assert s.name in label and "median 83 /km" in label
    assert len(by_gid(ax.lines, "iso:100000")) == 1


def test_density_chart_labels_stay_apart(c2):
    """The labels of missions, claims and scenario do not overlap each other."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    fig = plots.density_chart(*c2)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # resolves the annotations' positions
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    # the text of each label, without its leader line
    boxes = [Text.get_window_extent(t, renderer) for t in ax.texts
             if (t.get_gid() or "").startswith(("mission:", "claim:", "scenario"))]
    assert len(boxes) == len(ax.texts) - 4 - 1  # all but the 4 iso labels and the note
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (a, b)


def test_density_chart_without_result_evaluates_and_without_scenario(c2):
    s, _ = c2
    fig = plots.density_chart(s)  # evaluated inside
    (point,) = by_gid(fig.axes[0].lines, "scenario")
    assert point.get_ydata()[0] == pytest.approx(100_000 / 1200)
    fig = plots.density_chart()  # history and claims only
    render(fig)
    assert not by_gid(fig.axes[0].lines, "scenario")
    assert "this scenario" not in fig.axes[0].get_title()
    fig = plots.density_chart(claims=())
    assert not [a for a in fig.axes[0].lines if (a.get_gid() or "").startswith("claim:")]


def test_density_chart_zero_median_on_bottom_edge():
    """Most samples without troops (conditions fail): 0 /km cannot sit on a log axis."""
    s = feasim.load_scenario(C6)
    r = feasim.evaluate(s, samples=300)
    assert np.median(r["troops_per_km"]) == 0
    fig = plots.density_chart(s, r)
    render(fig)
    ax = fig.axes[0]
    (point,) = by_gid(ax.lines, "scenario")
    assert point.get_ydata()[0] == pytest.approx(ax.get_ylim()[0] * 1.08)
    (label,) = texts(ax, "scenario")
    share = np.mean(r["troops_per_km"] <= 0)
    assert f"no troops in {100 * share:.0f}% of samples" in label


def test_density_chart_into_given_axes_and_bad_claims(c2):
    fig = Figure()
    ax = fig.add_subplot()
    assert plots.density_chart(*c2, ax=ax) is fig
    with pytest.raises(ValueError, match="unknown claim 'C99'"):
        plots.density_chart(claims=("C99",))
    with pytest.raises(ValueError, match="C6 states no troop figure"):
        plots.density_chart(claims=("C6",))


# ------------------------------------------------------------------ distributions


def test_metric_distributions_thresholds(c2):
    s, r = c2
    fig = plots.metric_distributions(r)
    render(fig)
    axes = [a for a in fig.axes if a.get_visible()]
    assert len(axes) == len(s.criteria) == 4
    for ax, (name, crit) in zip(axes, r.criteria.items(), strict=True):
        assert ax.get_xlabel() == f"{metric_label(name)} ({feasim.METRICS[name].unit})"
        (line,) = by_gid(ax.lines, f"threshold:{name}")
        assert line.get_xdata()[0] == crit.threshold == getattr(s.criteria[name], crit.bound)
        (label,) = texts(ax, f"criterion:{name}")
        assert label.startswith(f"{crit.bound} {crit.threshold:g}")
        assert f"P(met) = {crit.p_met:.2f}" in label
        heights = sum(p.get_height() for p in ax.patches
                      if p.get_gid() != f"met_side:{name}")
        assert heights == pytest.approx(np.isfinite(r[name]).mean())  # shares of all samples


def test_metric_distributions_defaults_without_criteria():
    text = BASE_YAML.replace("criteria:\n  detection_probability: {min: 0.9}\n"
                             "  response_hours_p90: {max: 5}\n", "")
    s = scenario_from(text)
    assert not s.criteria
    r = feasim.evaluate(s, samples=100)
    fig = plots.metric_distributions(r)
    shown = [a.get_xlabel().rsplit(" (", 1)[0] for a in fig.axes if a.get_visible()]
    assert shown == [metric_label(m) for m in plots.DEFAULT_METRICS]


def _result(values: dict[str, np.ndarray], criteria: dict | None = None) -> Result:
    n = len(next(iter(values.values())))
    crit = {}
    for name, (bound, t) in (criteria or {}).items():
        v = values[name]
        met = v >= t if bound == "min" else v <= t
        crit[name] = CriterionResult(name, bound, t, met, np.where(met, 1.0, -1.0))
    return Result(scenario="handmade", seed=0, samples=n, method="analytic",
                  metrics=values, criteria=crit)


def test_metric_distributions_unbounded_values_are_counted():
    v = np.array([1.0, 2.0, 2.5, np.inf, np.inf, 3.0, np.inf, 1.5])
    w = np.array([np.nan, 0.5, 0.5, 0.6, np.nan, 0.9, 0.7, 0.8])
    r = _result({"response_hours_p90": v, "fill_ratio": w},
                {"response_hours_p90": ("max", 3.0)})
    fig = plots.metric_distributions(r, ["response_hours_p90", "fill_ratio"])
    render(fig)
    a, b = fig.axes[:2]
    assert texts(a, "unbounded:response_hours_p90") == ["unbounded (∞) in 38% of samples"]
    assert texts(b, "unbounded:fill_ratio") == ["undefined in 25% of samples"]
    (line,) = by_gid(a.lines, "threshold:response_hours_p90")
    assert line.get_xdata()[0] == 3.0
    (label,) = texts(a, "criterion:response_hours_p90")
    assert "P(met) = 0.62" in label


def test_metric_distributions_all_unbounded_and_one_axes():
    r = _result({"response_hours_p90": np.full(5, np.inf)},
                {"response_hours_p90": ("max", 3.0)})
    fig = Figure()
    ax = fig.add_subplot()
    assert plots.metric_distributions(r, "response_hours_p90", ax=ax) is fig
    render(fig)
    assert texts(ax, "unbounded:response_hours_p90") == ["unbounded (∞) in 100% of samples"]


def test_metric_distributions_bad_input(c2, sim):
    _, r = c2
    with pytest.raises(ValueError, match="unknown metric 'troops_per_mile'"):
        plots.metric_distributions(r, ["troops_per_mile"])
    with pytest.raises(ValueError, match="'local_force_ratio' is not in this simulation result"):
        plots.metric_distributions(sim, ["local_force_ratio"])
    fig = Figure()
    with pytest.raises(ValueError, match="got 1 axes for 2 metrics"):
        plots.metric_distributions(r, ["fill_ratio", "troops_per_km"], ax=fig.add_subplot())


# ------------------------------------------------------------------ posture by sector


def test_posture_by_sector_coverage_and_threat():
    s = scenario_from(SECTORED)
    r = feasim.evaluate(s, samples=200)
    fig = plots.posture_by_sector(s, r)
    render(fig)
    ax = fig.axes[0]
    assert "km" in ax.get_xlabel() and "fraction" in ax.get_ylabel()
    bars = [p for p in ax.patches if (p.get_gid() or "").startswith("sector:")]
    assert [b.get_gid() for b in bars] == ["sector:North", "sector:Centre", "sector:South"]
    assert [b.get_x() for b in bars] == [0, 150, 400]
    assert [b.get_width() for b in bars] == [150, 250, 200]
    radius = r.inputs["posture.observation_posts.radius_km"]
    for b, vis in zip(bars, (1.0, 0.5, 1.5), strict=True):
        expect = np.median(np.minimum(1.0, r["observation_posts"] * 2 * radius * vis / 600))
        assert b.get_height() == pytest.approx(expect)
    (threat,) = by_gid(ax.patches, "threat")
    # threat per km ÷ the largest, per sample (Centre, 2–4, is always the largest)
    centre = r.inputs["theatre.sectors[Centre].threat"]
    assert threat.get_data().values == pytest.approx([np.median(1 / centre), 1.0,
                                                      np.median(0.5 / centre)])
    (det,) = by_gid(ax.lines, "ref:detection_probability")
    assert det.get_ydata()[0] == pytest.approx(np.median(r["detection_probability"]))
    (bases,) = by_gid(ax.lines, "qrf_bases")
    assert list(bases.get_xdata()) == [60, 180, 300, 420, 540]


def test_posture_by_sector_without_sectors(c2, sim):
    s, r = c2
    for result in (r, sim, None):
        fig = plots.posture_by_sector(s, result)
        render(fig)
        ax = fig.axes[0]
        (bar,) = [p for p in ax.patches if (p.get_gid() or "").startswith("sector:")]
        assert (bar.get_x(), bar.get_width()) == (0, 1200)
        assert not by_gid(ax.patches, "threat")
    posts = np.median(r["observation_posts"])
    assert bar.get_height() == pytest.approx(min(1.0, posts * 2 * 2 / 1200))


# ------------------------------------------------------------------ fan chart


def test_strength_fan_chart_bands(sim):
    fig = plots.strength_fan_chart(sim)
    render(fig)
    ax = fig.axes[0]
    table = sim.series["in_theatre_troops"]
    assert table.shape == (4, 20)
    assert ax.get_xlabel() == "day" and "(persons)" in ax.get_ylabel()
    (median,) = by_gid(ax.lines, "median")
    assert list(median.get_xdata()) == list(range(20))
    assert median.get_ydata() == pytest.approx(np.percentile(table, 50, axis=0))
    for gid, (lo, hi) in (("band90", (5, 95)), ("band50", (25, 75))):
        (band,) = by_gid(ax.collections, gid)
        verts = band.get_paths()[0].vertices
        p_lo, p_hi = np.percentile(table, [lo, hi], axis=0)
        for day in range(20):
            ys = verts[np.isclose(verts[:, 0], day), 1]
            assert ys.min() == pytest.approx(p_lo[day])
            assert ys.max() == pytest.approx(p_hi[day])


def test_strength_fan_chart_other_series_and_errors(c2, sim):
    fig = plots.strength_fan_chart(sim, series="detections")
    assert "(per day)" in fig.axes[0].get_ylabel()
    with pytest.raises(ValueError, match=r"needs a simulation result \(feasim simulate\)"):
        plots.strength_fan_chart(c2[1])
    with pytest.raises(ValueError, match="no series 'troops'"):
        plots.strength_fan_chart(sim, series="troops")


# ------------------------------------------------------------------ sensitivity


def test_sensitivity_chart_tornado(c2):
    s, _ = c2
    res = analyse(s, "tornado", output="detection_probability")
    fig = plots.sensitivity_chart(res)
    render(fig)
    ax = fig.axes[0]
    k = len(res.factors)
    low = by_gid(ax.patches, "tornado_low")
    high = by_gid(ax.patches, "tornado_high")
    assert len(low) == len(high) == k
    # most influential on top: bar i (from the top) is ranking()[i], from low to high
    order = sorted(range(k), key=lambda i: -low[i].get_y())
    for i, f in zip(order, res.ranking(), strict=True):
        assert low[i].get_x() == pytest.approx(res.base_output)
        assert low[i].get_x() + low[i].get_width() == pytest.approx(res.low[f])
        assert high[i].get_x() + high[i].get_width() == pytest.approx(res.high[f])
    assert yticks_top_down(ax) == [_short(f, res.groups) for f in res.ranking()]
    assert ax.get_xlabel() == "probability of detection (probability)"

    fig = plots.sensitivity_chart(res, top=3)
    assert len(by_gid(fig.axes[0].patches, "tornado_low")) == 3
    assert "top 3 of" in fig.axes[0].get_title()


def test_sensitivity_chart_sobol():
    factors = ("a.long_parameter_name", "event:contributors[France].honour", "c")
    first = {factors[0]: 0.5, factors[1]: 0.2, factors[2]: 0.0}
    total = {factors[0]: 0.6, factors[1]: 0.35, factors[2]: 0.01}
    conf = {f: 0.05 for f in factors}
    res = SobolResult(method="sobol", output="fill_ratio", factors=factors,
                      groups={f: (f,) for f in factors}, evaluations=100,
                      columns={"first": first, "first_conf": conf, "total": total,
                               "total_conf": conf}, _key="total")
    fig = plots.sensitivity_chart(res, top=2)
    render(fig)
    ax = fig.axes[0]
    bars = sorted(by_gid(ax.patches, "sobol_total"), key=lambda p: -p.get_y())
    assert [b.get_width() for b in bars] == [0.6, 0.35]
    firsts = sorted(by_gid(ax.patches, "sobol_first"), key=lambda p: -p.get_y())
    assert [b.get_width() for b in firsts] == [0.5, 0.2]
    assert yticks_top_down(ax) == ["a: long parameter name", "France: pledge honoured"]
    assert "fraction" in ax.get_xlabel()


def test_sensitivity_chart_morris_grouped_sigma():
    factors = ("contributors[France]", "posture.sensors.availability", "host.line_fraction")
    cols = {"mu_star": {factors[0]: 0.3, factors[1]: 0.1, factors[2]: 0.0},
            "mu_star_conf": {factors[0]: 0.1, factors[1]: 0.02, factors[2]: 0.0},
            "mu": {factors[0]: 0.3, factors[1]: 0.1, factors[2]: 0.0},
            "sigma": {factors[0]: math.nan, factors[1]: 0.05, factors[2]: 0.0}}
    res = MorrisResult(method="morris", output="detection_probability", factors=factors,
                       groups={factors[0]: ("contributors[France].troops",
                                            "event:contributors[France].honour"),
                               factors[1]: (factors[1],), factors[2]: (factors[2],)},
                       evaluations=40, columns=cols, _key="mu_star")
    fig = plots.sensitivity_chart(res)
    render(fig)
    ax = fig.axes[0]
    (plain,) = by_gid(ax.lines, "morris")
    assert list(plain.get_xdata()) == [0.1] and list(plain.get_ydata()) == [0.05]
    (grouped,) = by_gid(ax.lines, "morris_no_sigma")
    assert list(grouped.get_xdata()) == [0.3] and list(grouped.get_ydata()) == [0.0]
    assert texts(ax, "factor:contributors[France]") == ["France (contributor)"]
    assert texts(ax, "factor:posture.sensors.availability") == ["sensors: availability"]
    assert not texts(ax, "factor:host.line_fraction")
    assert "host: line fraction" in texts(ax, "note")[0]


def test_sensitivity_chart_bad_input(c2):
    with pytest.raises(ValueError, match="needs a tornado, morris or sobol result"):
        plots.sensitivity_chart(c2[1])
    res = analyse(c2[0], "tornado", output="fill_ratio")
    with pytest.raises(ValueError, match="top must be a whole number >= 1"):
        plots.sensitivity_chart(res, top=0)


def test_short_factor_names():
    assert _short("event:contributors[United Kingdom].honour") == \
        "United Kingdom: pledge honoured"
    assert _short("event:conditions.ceasefire") == "condition ceasefire holds"
    assert _short("conditions.ceasefire") == "P(ceasefire)"
    assert _short("conditions.ceasefire", {"conditions.ceasefire": ("a", "b")}) == \
        "ceasefire (condition)"
    assert _short("contributors[France].ramp_up_days") == "France: ramp up days"
    assert _short("posture.observation_posts.radius_km") == "posts: radius (km)"
    long = _short("contributors[Nordic states (Denmark, Finland, Norway, Sweden)]",
                        {"contributors[Nordic states (Denmark, Finland, Norway, Sweden)]":
                         ("x", "y")})
    assert long.startswith("Nordic states") and long.endswith("(contributor)")
    assert len(long) <= 38


# ------------------------------------------------------------------ frontier


def _point(reachable: bool, troops: float, failing: float = 1.0) -> MinimumForce:
    nan = math.nan
    return MinimumForce(
        scenario="x", probability=0.9, reachable=reachable,
        scale=troops / 1e5 if reachable else nan, p_feasible=0.95 if reachable else 0.1,
        p_below=nan, tol=1e-3, pledged_troops=troops if reachable else nan,
        in_theatre_troops=troops if reachable else nan,
        troops_per_km=troops / 1000 if reachable else nan,
        criteria_p_met={"detection_probability": 1.0, "response_hours_p90": failing})


def test_frontier_chart_marks_unreachable():
    fr = Frontier(scenario="x", parameter="theatre.line_km", values=(300, 600, 1200, 2400),
                  points=(_point(True, 20_000), _point(True, 30_000), _point(False, 0, 0.2),
                          _point(False, 0, 0.1)))
    fig = plots.frontier_chart(fr)
    render(fig)
    ax = fig.axes[0]
    (line,) = by_gid(ax.lines, "frontier")
    assert list(line.get_xdata()) == [300, 600]
    assert list(line.get_ydata()) == [20_000, 30_000]
    (bad,) = by_gid(ax.lines, "unreachable")
    assert list(bad.get_xdata()) == [1200, 2400]
    assert texts(ax, "unreachable_label") == ["unreachable", "unreachable"]
    assert ax.get_xlabel() == "line length (km)"
    assert "(persons)" in ax.get_ylabel()
    (note,) = texts(ax, "note")
    assert "1,200, 2,400" in note and "response time (90th percentile)" in note

    fig = plots.frontier_chart(fr, quantity="troops_per_km")
    assert list(by_gid(fig.axes[0].lines, "frontier")[0].get_ydata()) == [20, 30]
    assert "(persons/km)" in fig.axes[0].get_ylabel()
    with pytest.raises(ValueError, match="quantity must be one of"):
        plots.frontier_chart(fr, quantity="troops")


def test_frontier_chart_real_sweep(c2):
    from feasim.frontier import frontier

    fr = frontier(c2[0], "theatre.line_km", [600, 2400], samples=100, max_scale=4, tol=0.05)
    fig = plots.frontier_chart(fr)
    render(fig)
    ax = fig.axes[0]
    reachable = [v for v, p in zip(fr.values, fr.points, strict=True) if p.reachable]
    unreachable = [v for v, p in zip(fr.values, fr.points, strict=True) if not p.reachable]
    drawn = list(by_gid(ax.lines, "frontier")[0].get_xdata()) if reachable else []
    marked = list(by_gid(ax.lines, "unreachable")[0].get_xdata()) if unreachable else []
    assert sorted(drawn + marked) == [600, 2400]  # nothing dropped silently


def test_frontier_chart_all_unreachable_and_categorical():
    fr = Frontier(scenario="x", parameter="force.basis", values=("in_theatre", "committed"),
                  points=(_point(False, 0), _point(False, 0)))
    fig = plots.frontier_chart(fr)
    render(fig)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["in_theatre", "committed"]
    assert len(by_gid(ax.lines, "unreachable")[0].get_xdata()) == 2


# ------------------------------------------------------------------ optional dependency


def test_import_without_matplotlib_and_no_pyplot(tmp_path):
    """``import feasim.plots`` needs no matplotlib; calls say how to install it.
    With matplotlib, drawing never imports pyplot (no window, no global state)."""
    code = textwrap.dedent(f"""
        import sys
        sys.modules["matplotlib"] = None          # as if not installed
        import feasim, feasim.plots
        from feasim.errors import MissingDependency
        try:
            feasim.plots.density_chart()
        except MissingDependency as exc:
            assert 'pip install "feasim[plots]"' in str(exc), exc
        else:
            raise SystemExit("no MissingDependency")
        del sys.modules["matplotlib"]
        s = feasim.load_scenario({str(C2)!r})
        feasim.plots.density_chart(s).savefig({str(tmp_path / "d.png")!r})
        assert "matplotlib.pyplot" not in sys.modules
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "d.png").stat().st_size > 10_000


def test_density_chart_requirement_by_method(c2):
    """Each applicable method's median requirement ÷ the line, at the scenario's line."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    from feasim.requirements import requirements

    s, r = c2
    reqs = requirements(s, r)
    fig = plots.density_chart(s, r, requirements=reqs)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    ax = fig.axes[0]
    drawn = []
    for method, req in reqs.items():
        lines = by_gid(ax.lines, f"requirement:{method}")
        med = float(np.median(req.in_theatre)) if req.applies else 0.0
        if med > 0:
            (line,) = lines
            assert line.get_xdata()[0] == 1200
            assert line.get_ydata()[0] == pytest.approx(med / 1200)
            assert texts(ax, f"requirement:{method}")
            drawn.append(method)
        else:
            assert not lines   # not applicable (population) or no need (force ratio): none
    assert drawn == ["posture", "analogues", "published"]
    renderer = canvas.get_renderer()
    boxes = [Text.get_window_extent(t, renderer) for t in ax.texts
             if (t.get_gid() or "").startswith(("mission:", "claim:", "scenario", "requirement:"))]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (a, b)


# ------------------------------------------------------------------ issue 15: data, not prose


def test_density_chart_reads_the_claims_fields_not_their_prose(monkeypatch):
    """Changing a claim's fields (and not its quoted figure) moves its point."""
    import dataclasses

    known = dict(refdata.claims())
    known["C3"] = dataclasses.replace(known["C3"], troops_low=40_000, troops_high=60_000,
                                      line_km=800.0)
    monkeypatch.setattr(refdata, "claims", lambda: known)
    fig = plots.density_chart(claims=("C3",))
    ax = fig.axes[0]
    (point,) = by_gid(ax.lines, "claim:C3")
    assert point.get_xdata()[0] == 800
    assert point.get_ydata()[0] == pytest.approx(math.sqrt(50 * 75))  # 40,000/800 … 60,000/800
    (label,) = texts(ax, "claim:C3")
    assert label.startswith("C3: 40,000–60,000 on 800 km") and "line of" not in label


def test_posture_by_sector_draws_the_results_per_sector_values():
    import dataclasses

    s = scenario_from(SECTORED)
    r = feasim.evaluate(s, samples=50)
    cover = {"North": np.full(50, 0.1), "Centre": np.full(50, 0.5), "South": np.full(50, 0.9)}
    mine = dataclasses.replace(r, by_sector={**r.by_sector, "op_coverage": cover})
    ax = plots.posture_by_sector(s, mine).axes[0]
    bars = [p for p in ax.patches if (p.get_gid() or "").startswith("sector:")]
    assert [b.get_height() for b in bars] == [0.1, 0.5, 0.9]
    with pytest.raises(plots.PlotValueError, match="no per-sector op_coverage"):
        plots.posture_by_sector(s, dataclasses.replace(r, by_sector={}))
    with pytest.raises(TypeError, match="scenario must be a feasim Scenario"):
        plots.posture_by_sector(r, s)


def test_posture_by_sector_from_a_simulation():
    s = scenario_from(SECTORED)
    sim = simulate(s, replications=3, days=10)
    ax = plots.posture_by_sector(s, sim).axes[0]
    bars = [p for p in ax.patches if (p.get_gid() or "").startswith("sector:")]
    for b, name in zip(bars, ("North", "Centre", "South"), strict=True):
        v = sim.by_sector["op_coverage"][name]
        assert b.get_height() == pytest.approx(np.median(v[np.isfinite(v)]))


# ------------------------------------------------------------------ density comparison


def test_density_comparison_one_entry_per_scenario(c2):
    s, r = c2
    s6 = feasim.load_scenario(C6)
    r6 = feasim.evaluate(s6, samples=200)
    fig = plots.density_comparison([(s, r), (s6, r6)])
    render(fig)
    ax = fig.axes[0]
    colours = []
    for i, (sc, res) in enumerate(((s, r), (s6, r6))):
        (point,) = by_gid(ax.lines, f"scenario:{i}")
        med = float(np.median(res["troops_per_km"]))
        assert point.get_xdata()[0] == 1200
        assert point.get_ydata()[0] == pytest.approx(med if med > 0 else ax.get_ylim()[0] * 1.08)
        colours.append(point.get_markerfacecolor())
        (label,) = texts(ax, f"scenario:{i}")
        assert label.startswith(sc.name)
    assert colours[0] != colours[1]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith(f"{s.name}: median 83 /km") for t in legend)
    assert any(t.startswith(f"{s6.name}: median") for t in legend)
    assert ax.get_xscale() == "log" and "persons/km" in ax.get_ylabel()
    assert by_gid(ax.lines, "mission:unifil") and by_gid(ax.lines, "claim:C2")


def test_density_comparison_results_alone_labels_and_errors(c2):
    s, r = c2
    fig = plots.density_comparison([r, r], ["first", "second"], scenarios=[s, s])
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any(t.startswith("first: ") for t in legend)
    assert any(t.startswith("second: ") for t in legend)
    default = plots.density_comparison([r, r])   # alike names told apart
    (a,) = texts(default.axes[0], "scenario:0")
    (b,) = texts(default.axes[0], "scenario:1")
    assert a.split("\n")[0] != b.split("\n")[0]
    with pytest.raises(TypeError, match="got one Result"):
        plots.density_comparison(r)
    with pytest.raises(ValueError, match="1 labels for 2 results"):
        plots.density_comparison([r, r], ["one"])
    with pytest.raises(ValueError, match="results is empty"):
        plots.density_comparison([])


# ------------------------------------------------------------------ reader fixes


def test_density_chart_arguments_the_wrong_way_round(c2):
    s, r = c2
    for args in ((r,), (r, s)):
        with pytest.raises(TypeError, match=r"first argument is the scenario.*"
                                            r"density_chart\(scenario, result\)"):
            plots.density_chart(*args)
    with pytest.raises(TypeError, match="result must be a feasim Result"):
        plots.density_chart(s, s)
    assert by_gid(plots.density_chart(result=r).axes[0].lines, "scenario")


def test_frontier_chart_nothing_reachable_has_no_troop_ticks():
    fr = Frontier(scenario="x", parameter="theatre.line_km", values=(600, 1200, 2400),
                  points=(_point(False, 0), _point(False, 0), _point(False, 0)))
    fig = plots.frontier_chart(fr)
    render(fig)
    ax = fig.axes[0]
    assert list(ax.get_yticks()) == []
    (text,) = texts(ax, "nothing_reachable")
    assert text.startswith("Nothing reachable")
    fr1 = Frontier(scenario="x", parameter="theatre.line_km", values=(1200,),
                   points=(_point(False, 0),))
    ax1 = plots.frontier_chart(fr1).axes[0]
    lo, hi = ax1.get_xlim()
    assert lo < 1200 < hi and hi - lo >= 100   # a margin of its own size, not ±1 km


def test_frontier_tick_labels_distinct_on_a_small_range():
    """Densities below 1 /km: ticks read 0.0, 0.2, … rather than 0, 0, 0, 1, 1."""
    fr = Frontier(scenario="x", parameter="theatre.line_km", values=(300, 600),
                  points=(_point(True, 300), _point(True, 600)))
    fig = plots.frontier_chart(fr, quantity="troops_per_km")   # 0.3 and 0.6 /km
    render(fig)
    ax = fig.axes[0]
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert len(set(shown)) == len(shown) > 2
    assert ax.yaxis.get_major_formatter().format_ticks([0, 0.2, 0.4]) == ["0.0", "0.2", "0.4"]
    assert ax.yaxis.get_major_formatter().format_ticks([0, 20000, 40000]) == \
        ["0", "20,000", "40,000"]


def test_people_facing_names_are_words():
    from feasim.plots.labels import COLUMN_WORDS, column_label, input_label

    for name in feasim.METRICS:
        assert "_" not in metric_label(name), name
    for col in ("first", "first_conf", "total_conf", "mu_star", "mu_star_conf", "sigma"):
        assert "_" not in column_label(col), col
    assert column_label("first_conf") == COLUMN_WORDS["first_conf"]
    assert input_label("theatre.line_km") == "line length"
    assert input_label("theatre.sectors[North].threat") == "sector North: threat"
    assert input_label("event:conditions.us_isr") == "condition us_isr holds"
    assert input_label("posture.patrols.speed_kmh") == "patrols: speed"
