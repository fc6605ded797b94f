"""The explore page: self-contained, offline, and live in a real headless browser."""

from __future__ import annotations

import os
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import feasim
from feasim.cli import main

pytest.importorskip("bokeh")

ROOT = Path(__file__).resolve().parents[1]
C2 = ROOT / "scenarios/claims/c02-experts-100k-in-theatre.yaml"
SLIDER = "posture.patrols.detection_probability"
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    from feasim.explore import explore

    s = feasim.load_scenario(C2)
    r = feasim.evaluate(s, samples=1000, seed=4)
    path = explore(s, tmp_path_factory.mktemp("explore"), result=r)
    return path, r


def test_page_embeds_the_samples_and_loads_nothing_from_the_network(page):
    path, r = page
    text = path.read_text(encoding="utf-8")
    assert f"slider:{SLIDER}" in text and "p_feasible" in text
    # no script, stylesheet, image or frame from elsewhere: every src/href of the page's
    # elements is local (BokehJS's code holds a MathJax address it loads only for TeX
    # labels, which the page has none of; the browser test checks what is loaded)
    refs = _Refs()
    refs.feed(text)
    assert refs.tags and not [u for u in refs.urls if re.match(r"(?i)(https?:)?//", u)]
    assert not re.search(r"@import\s+url\(\s*['\"]?https?:", text)
    assert len(text) < 4_000_000


def test_cli_writes_the_page_and_refuses_bad_input(capsys, tmp_path):
    out = tmp_path / "e"
    assert main(["explore", str(C2), "-o", str(out), "--samples", "300"]) == 0
    assert (out / "explore.html").is_file() and "wrote" in capsys.readouterr().out
    assert main(["explore", str(tmp_path / "missing.yaml"), "-o", str(out)]) == 2
    assert main(["explore", str(C2), "-o", str(out), "--samples", "0"]) == 2


def _driver(tmp_path):
    if not (shutil.which(CHROMIUM) and shutil.which(DRIVER)):
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's chromium and chromium-driver for the browser test")
        pytest.skip("no /usr/bin/chromium or /usr/bin/chromedriver (apt-get install chromium "
                    "chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(DRIVER), options=opts)


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.tags = 0

    def handle_starttag(self, tag, attrs):
        self.tags += 1
        self.urls += [v for k, v in attrs if k in ("src", "href", "data") and v]


_MODEL = "return Bokeh.documents[0].get_model_by_name(arguments[0])"


def _wait(driver, script, *args, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = driver.execute_script(script, *args)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {script}")


def test_page_in_a_headless_browser_filters_and_updates(page, tmp_path):
    path, r = page
    driver = _driver(tmp_path)
    try:
        driver.set_page_load_timeout(60)
        driver.get(path.as_uri())
        _wait(driver, "return window.Bokeh && Bokeh.documents.length > 0 && "
                      "Bokeh.documents[0].get_model_by_name('p_feasible') !== null")
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not severe, severe
        # the controls exist: a slider for the input, the P(feasible) and chart
        for name in (f"slider:{SLIDER}", "p_feasible", "stats", "density_chart", "reset"):
            assert driver.execute_script(_MODEL + " !== null", name), name
        before = driver.execute_script(_MODEL + ".tags", "p_feasible")
        assert before[0] == 1000
        lo, hi = 0.5, 0.65
        driver.execute_script(_MODEL + ".value = [arguments[1], arguments[2]]",
                              f"slider:{SLIDER}", lo, hi)
        after = _wait(driver, "const t = Bokeh.documents[0].get_model_by_name('p_feasible')"
                              ".tags; return t[0] !== 1000 ? t : null")
        # independent: the same samples filtered in Python (the page holds float32)
        x = np.asarray(r.inputs[SLIDER], dtype=np.float32).astype(float)
        keep = (x >= lo) & (x <= hi)
        assert after[0] == int(keep.sum()) and 0 < after[0] < 1000
        assert after[1] == int(r.feasible[keep].sum())
        text = driver.execute_script(_MODEL + ".text", "p_feasible")
        assert f"{r.feasible[keep].mean():.3f}" in text
        assert f"{int(keep.sum()):,} of 1,000 samples kept" in text
        kept = driver.execute_script(
            "const f = Bokeh.documents[0].get_model_by_name('filter:feasible');"
            "return f.booleans.filter(Boolean).length")
        assert kept == int(r.feasible[keep].sum())   # the chart shows the kept samples
        # nothing came from the network: every resource is the file itself or inline
        urls = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(re.match(r"(file|data|blob):", u) for u in urls), urls
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not severe, severe
    finally:
        driver.quit()
