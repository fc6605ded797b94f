"""feasim.explore: the offline interactive page, checked as data and in a real browser.

The browser tests drive Debian's chromium through chromedriver (both at /usr/bin; the
CI installs them). Without them the browser tests are skipped, except under CI (env
var ``CI`` set), where they fail.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import os
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import feasim
from feasim.errors import FeasimError, MissingDependency
from feasim.explore import (FILE_NAME, ExploreTypeError, ExploreValueError, encode_column,
                            explore, explore_sweep, fmt, subset)
from feasim.results import CriterionResult, Result

pytest.importorskip("bokeh")

ROOT = Path(__file__).resolve().parents[1]
C02 = ROOT / "scenarios" / "claims" / "c02-experts-100k-in-theatre.yaml"
N = 1000
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


# --------------------------------------------------------------------------- reading a page

def _docs(path: Path) -> dict:
    """The page's Bokeh document JSON, parsed strictly (NaN or Infinity literals, which
    are not JSON, raise)."""
    text = path.read_text(encoding="utf-8")
    found = re.findall(r'<script type="application/json" id="[^"]+">\s*(.*?)\s*</script>',
                       text, re.S)
    assert len(found) == 1

    def refuse(token: str):
        raise AssertionError(f"non-JSON literal {token} in the page's data")

    return json.loads(found[0], parse_constant=refuse)


def _models(doc: dict) -> dict[str, dict]:
    """Every named model of the document: name → {"type": ..., **attributes}."""
    out: dict[str, dict] = {}

    def walk(o):
        if isinstance(o, dict):
            at = o.get("attributes")
            if o.get("type") == "object" and isinstance(at, dict) and isinstance(
                    at.get("name"), str):
                out[at["name"]] = {"type": o.get("name"), **at}
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(doc)
    return out


def _array(entry: dict) -> np.ndarray:
    """A column the page embeds (Bokeh's ndarray: base64 bytes, gzip-compressed)."""
    assert entry["type"] == "ndarray"
    raw = base64.b64decode(entry["array"]["data"])
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return np.frombuffer(raw, dtype=entry["dtype"])


def _columns(path: Path) -> dict[str, np.ndarray]:
    src = _models(_docs(path))["samples"]
    return {k: _array(v) for k, v in src["data"]["entries"]}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k in ("src", "href", "srcset", "data", "action", "poster") and v:
                self.links.append((tag, k, v))


def _links(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


# --------------------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def scenario():
    return feasim.load_scenario(C02)


@pytest.fixture(scope="module")
def result(scenario):
    return feasim.evaluate(scenario, samples=N, seed=3)


@pytest.fixture(scope="module")
def page(tmp_path_factory, scenario, result) -> Path:
    return explore(scenario, tmp_path_factory.mktemp("explore"), result=result)


def _synthetic(n: int = 200, inputs: bool = True) -> Result:
    """A result with an unbounded response time in a fifth of its samples."""
    rng = np.random.default_rng(7)
    line = rng.uniform(500, 1500, n)
    resp = rng.uniform(1, 5, n)
    resp[::5] = np.inf
    met = resp <= 3
    return Result(scenario="synthetic", seed=None, samples=n, method="analytic",
                  metrics={"troops_per_km": 50000 / line, "in_theatre_troops": np.full(n, 5e4),
                           "response_hours_p90": resp},
                  criteria={"response_hours_p90": CriterionResult(
                      "response_hours_p90", "max", 3.0, met, 3.0 - resp)},
                  inputs={"theatre.line_km": line} if inputs else {})


# --------------------------------------------------------------------------- pure helpers

def test_fmt_known_answers():
    assert fmt(math.inf) == "unbounded"
    assert fmt(-math.inf) == "−unbounded"
    assert fmt(math.nan) == "n/a"
    assert fmt(0.0) == "0"
    assert fmt(1234567.0) == "1,235,000"
    assert fmt(100000.0) == "100,000"
    assert fmt(0.86133) == "0.8613"
    assert fmt(2.5) == "2.5"
    assert fmt(83.3333) == "83.33"
    assert fmt(-3.14159) == "-3.142"
    assert fmt(0.0001234) == "0.0001234"
    assert fmt(9999.6) == "10,000"       # rounding carries into a new digit
    assert fmt(0.125) == "0.125"


def test_encode_column_keeps_infinity_and_nan_and_refuses_text():
    a = encode_column([1.5, math.inf, math.nan, True])
    assert a.dtype == np.float32 and a.shape == (4,)
    assert a[0] == 1.5 and np.isposinf(a[1]) and np.isnan(a[2]) and a[3] == 1.0
    assert encode_column(np.array([True, False])).tolist() == [1.0, 0.0]
    with pytest.raises(ExploreTypeError, match=r"metric 'x' must be numbers"):
        encode_column(np.array(["a", "b"]), "metric 'x'")


def test_subset_is_all_rows_or_a_fixed_sorted_sample():
    assert subset(5, 10).tolist() == [0, 1, 2, 3, 4]
    a, b = subset(1000, 300), subset(1000, 300)
    assert a.size == 300 and np.array_equal(a, b)
    assert np.all(np.diff(a) > 0) and a.min() >= 0 and a.max() < 1000
    assert not np.array_equal(a, np.arange(300))   # drawn, not the first rows


# --------------------------------------------------------------------------- the HTML

def test_page_embeds_every_sample_input_and_verdict(page, result):
    assert page.name == FILE_NAME
    cols = _columns(page)
    varying = [p for p, v in result.inputs.items() if np.ptp(v) > 0]
    assert varying
    assert all(len(v) == N for v in cols.values())
    for p in varying:
        assert np.array_equal(cols[f"input:{p}"], result.inputs[p].astype(np.float32))
    assert int(cols["feasible"].sum()) == int(result.feasible.sum())
    for key, c in result.criteria.items():
        assert int(cols[f"met:{key}"].sum()) == int(np.sum(c.met))
    assert np.array_equal(cols["metric:troops_per_km"],
                          np.asarray(result["troops_per_km"], dtype=np.float32))
    models = _models(_docs(page))
    sliders = {n for n, m in models.items() if m["type"] == "RangeSlider"}
    assert sliders == {f"slider:{p}" for p in varying}
    assert "line length (km)" in json.dumps(models["density_chart"])
    assert models["slider:adversary.troops"]["title"] == "adversary: troops (persons)"
    assert f"This page holds {N:,} samples" in models["about"]["text"]


def test_page_loads_nothing_from_the_network(page):
    p = _links(page)
    assert p.links == [] or all(not re.match(r"(?i)\s*(https?:)?//", v)
                                for _, _, v in p.links), p.links
    assert "link" not in p.tags and "iframe" not in p.tags
    text = page.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", text)
    assert page.stat().st_size < 3_000_000   # BokehJS (about 1.7 MB) and 1,000 samples


def test_large_runs_are_subsampled_and_say_so(tmp_path, result):
    a = explore(result, tmp_path / "a", max_samples=300)
    b = explore(result, tmp_path / "b", max_samples=300)
    ca, cb = _columns(a), _columns(b)
    assert all(len(v) == 300 for v in ca.values())
    assert all(np.array_equal(ca[k], cb[k]) for k in ca)
    about = _models(_docs(a))["about"]["text"]
    assert "The run has 1,000 samples; this page holds 300 of them" in about


def test_unbounded_values_survive_as_infinity(tmp_path):
    r = _synthetic()
    path = explore(r, tmp_path)
    cols = _columns(path)   # parsed strictly: no Infinity literal in the JSON
    resp = cols["metric:response_hours_p90"]
    assert int(np.isposinf(resp).sum()) == int(np.isinf(r["response_hours_p90"]).sum()) == 40


def test_result_without_uncertain_inputs_is_a_page_without_sliders(tmp_path):
    path = explore(_synthetic(inputs=False), tmp_path)
    models = _models(_docs(path))
    assert not [n for n in models if n.startswith("slider:")]
    assert "p_feasible" in models and "density_chart" in models
    assert 'id="no-inputs"' in models["about"]["text"]
    assert len(_columns(path)["feasible"]) == 200


def test_bad_input_raises_feasim_errors(tmp_path, result):
    empty = Result(scenario="empty", seed=None, samples=0, method="analytic",
                   metrics={"troops_per_km": np.array([])})
    with pytest.raises(ExploreValueError, match=r"holds no samples.*samples=0"):
        explore(empty, tmp_path)
    with pytest.raises(ExploreTypeError, match=r"source must be .*got int"):
        explore(5, tmp_path)  # type: ignore[arg-type]
    with pytest.raises(ExploreValueError, match=r"max_samples must be a whole number >= 1; "
                                                r"got 0"):
        explore(result, tmp_path, max_samples=0)
    with pytest.raises(ExploreValueError, match=r"method must be one of analytic, "
                                                r"simulation; got 'fast'"):
        explore(C02, tmp_path, method="fast")
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    with pytest.raises(ExploreValueError, match=r"out_dir must be a folder"):
        explore(result, afile)
    with pytest.raises(ExploreTypeError, match=r"result must be a feasim Result; got dict"):
        explore(C02, tmp_path, result={})  # type: ignore[arg-type]
    assert not (tmp_path / FILE_NAME).exists()
    assert issubclass(ExploreValueError, FeasimError)


def test_cli_writes_the_page_and_refuses_bad_input(capsys, tmp_path):
    from feasim.cli import main

    out = tmp_path / "e"
    assert main(["explore", str(C02), "-o", str(out), "--samples", "300"]) == 0
    assert (out / FILE_NAME).is_file() and "wrote" in capsys.readouterr().out
    assert len(_columns(out / FILE_NAME)["feasible"]) == 300
    assert main(["explore", str(tmp_path / "missing.yaml"), "-o", str(out)]) == 2
    assert main(["explore", str(C02), "-o", str(out), "--samples", "0"]) == 2


def test_without_bokeh_names_the_extra(tmp_path, result, monkeypatch):
    monkeypatch.setitem(sys.modules, "bokeh.embed", None)
    with pytest.raises(MissingDependency, match=r"feasim\[explore\]"):
        explore(result, tmp_path)


@pytest.fixture(scope="module")
def sweep_page(tmp_path_factory, scenario):
    pytest.importorskip("pyarrow")
    from feasim.sweep import Sweep, run_sweep

    sw = Sweep(scenario, {"theatre.line_km": {"low": 300, "high": 2000},
                          "posture.patrols.teams": {"low": 50, "high": 300, "integer": True},
                          "force.basis": {"values": ["in_theatre", "committed"]}},
               design={"method": "lhs", "points": 40, "seed": 1},
               outputs=["troops_per_km", "detection_probability", "response_hours_p90"],
               samples_per_point=5, seed=1)
    out = tmp_path_factory.mktemp("sweep")
    res = run_sweep(sw, out / "store", executor="serial", progress=False)
    return explore(res, out / "page"), res.to_dataframe()


def test_sweep_page_embeds_points_sliders_and_choices(sweep_page):
    path, df = sweep_page
    cols = _columns(path)
    assert len(cols["p_feasible"]) == len(df) == 40
    assert np.allclose(cols["p_feasible"], df["p_feasible"].to_numpy(), atol=1e-6)
    models = _models(_docs(path))
    assert {"slider:theatre.line_km", "slider:posture.patrols.teams",
            "choice:force.basis"} <= set(models)
    assert models["choice:force.basis"]["labels"] == list(dict.fromkeys(df["force.basis"]))


def test_explore_sweep_refuses_other_objects(tmp_path, result):
    with pytest.raises(ExploreTypeError, match="sweep_result must be a feasim SweepResult"):
        explore_sweep(result, tmp_path)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- in a browser

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("the selenium package")
    if missing:
        why = f"the browser test needs {', '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(why + " (CI is set: install chromium and chromium-driver)")
        pytest.skip(why)
    profile = tmp_path_factory.mktemp("chromium-profile")
    opts = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                f"--user-data-dir={profile}"):
        opts.add_argument(arg)
    opts.binary_location = CHROMIUM
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit chromedriver: Selenium Manager never runs (it would download one).
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        driver.set_page_load_timeout(30)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


_MODEL = "return Bokeh.documents[0].get_model_by_name(arguments[0])"


def _open(driver, path: Path) -> list[dict]:
    """Load the page, wait for its code to have filled the statistics; the console log."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, 20).until(lambda d: d.execute_script(
        "return !!(window.Bokeh && Bokeh.documents.length && "
        "Bokeh.documents[0].get_model_by_name('stats').text.length)"))
    return driver.get_log("browser")


def _wait_tags(driver, before: list) -> list:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(lambda d: d.execute_script(
        _MODEL + ".tags", "p_feasible") != before)
    return driver.execute_script(_MODEL + ".tags", "p_feasible")


def _severe(log: list[dict]) -> list[dict]:
    return [e for e in log if e.get("level") == "SEVERE"]


def _stat(stats_html: str, key: str, stat: str) -> str:
    m = re.search(rf'<tr data-key="{re.escape(key)}">.*?data-stat="{stat}">([^<]*)<',
                  stats_html)
    assert m, (key, stat)
    return m.group(1)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def test_browser_page_loads_filters_and_matches_python(browser, page, result):
    log = _open(browser, page)
    assert _severe(log) == []
    varying = [p for p, v in result.inputs.items() if np.ptp(v) > 0]
    for p in varying:
        assert browser.execute_script(_MODEL + " !== null", f"slider:{p}"), p
    for name in ("p_feasible", "stats", "density_chart", "filter:feasible",
                 "filter:infeasible"):
        assert browser.execute_script(_MODEL + " !== null", name), name
    feasible = result.feasible
    tags = browser.execute_script(_MODEL + ".tags", "p_feasible")
    assert tags == [N, int(feasible.sum())]
    text0 = browser.execute_script(_MODEL + ".text", "p_feasible")
    assert f"{N:,} of {N:,} samples kept" in text0

    # Narrow one input: its lower 40 % of samples, the bound halfway between two samples.
    key = "adversary.troops"
    vals = result.inputs[key].astype(np.float32).astype(float)   # as the page holds them
    s = np.sort(vals)
    hi = float((s[399] + s[400]) / 2)
    lo = float(s[0])
    kept = (vals >= lo) & (vals <= hi)
    n_kept, n_feas = int(kept.sum()), int(feasible[kept].sum())
    assert n_kept == 400
    browser.execute_script(_MODEL + ".value = [arguments[1], arguments[2]]",
                           f"slider:{key}", lo, hi)
    assert _wait_tags(browser, tags) == [n_kept, n_feas]
    text = browser.execute_script(_MODEL + ".text", "p_feasible")
    p = n_feas / n_kept
    assert f'<span class="big">{p:.3f}</span>' in text
    assert f"{n_kept:,} of {N:,} samples kept" in text and text != text0
    # the chart shows the kept samples only, in two colours
    shown_f = browser.execute_script(_MODEL + ".booleans.filter(Boolean).length",
                                     "filter:feasible")
    shown_i = browser.execute_script(_MODEL + ".booleans.filter(Boolean).length",
                                     "filter:infeasible")
    assert (shown_f, shown_i) == (n_feas, n_kept - n_feas)
    # the statistics are those of the kept samples (numpy, not the page's code)
    stats = browser.execute_script(_MODEL + ".text", "stats")
    sr = np.asarray(result["strength_to_requirement"], dtype=float)[kept]
    assert _number(_stat(stats, "metric:strength_to_requirement", "mean")) == \
        pytest.approx(sr.mean(), rel=1e-3)
    assert _number(_stat(stats, "metric:strength_to_requirement", "p90")) == \
        pytest.approx(np.percentile(sr, 90), rel=1e-3)
    for ckey, c in result.criteria.items():
        assert _stat(stats, f"met:{ckey}", "share") == f"{np.mean(c.met[kept]):.3f}"

    # A selection on the chart (the box and lasso tools set the source's selection).
    before = [n_kept, n_feas]
    browser.execute_script(_MODEL + ".selected.indices = [...Array(100).keys()]", "samples")
    both = kept & (np.arange(N) < 100)
    assert _wait_tags(browser, before) == [int(both.sum()), int(feasible[both].sum())]
    assert "(100 selected on the chart)" in browser.execute_script(_MODEL + ".text",
                                                                   "p_feasible")

    # Back to the full range and no selection: every sample again.
    browser.execute_script(_MODEL + ".selected.indices = []", "samples")
    browser.execute_script("const s = Bokeh.documents[0].get_model_by_name(arguments[0]);"
                           "s.value = [s.start, s.end]", f"slider:{key}")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(lambda d: d.execute_script(
        _MODEL + ".tags", "p_feasible") == [N, int(feasible.sum())])

    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(re.match(r"(file|data|blob):", r) for r in resources), resources
    assert _severe(browser.get_log("browser")) == []


def test_browser_shows_unbounded_values(browser, tmp_path):
    r = _synthetic()
    log = _open(browser, explore(r, tmp_path))
    assert _severe(log) == []
    stats = browser.execute_script(_MODEL + ".text", "stats")
    assert _stat(stats, "metric:response_hours_p90", "mean") == "unbounded"
    assert _stat(stats, "metric:response_hours_p90", "p90") == "unbounded"
    feasible = int(r.feasible.sum())
    assert browser.execute_script(_MODEL + ".tags", "p_feasible") == [200, feasible]


def test_browser_sweep_choices_filter_points(browser, sweep_page):
    path, df = sweep_page
    log = _open(browser, path)
    assert _severe(log) == []
    labels = browser.execute_script(_MODEL + ".labels", "choice:force.basis")
    before = browser.execute_script(_MODEL + ".tags", "p_feasible")
    assert before[0] == 40
    browser.execute_script(_MODEL + ".active = [0]", "choice:force.basis")
    keep = (df["force.basis"] == labels[0]).to_numpy()
    tags = _wait_tags(browser, before)
    assert tags[0] == int(keep.sum())
    assert tags[1] == pytest.approx(float(df["p_feasible"][keep].mean()), abs=1e-6)
    resources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert all(re.match(r"(file|data|blob):", r) for r in resources), resources
