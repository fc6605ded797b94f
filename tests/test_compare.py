"""feasim compare: every verdict on one page, one chart, the same numbers in every format."""

from __future__ import annotations

import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import feasim
from feasim.cli import main
from feasim.compare import CompareError, compare

ROOT = Path(__file__).resolve().parents[1]
C2 = ROOT / "scenarios/claims/c02-experts-100k-in-theatre.yaml"
C3 = ROOT / "scenarios/claims/c03-france-uk-30k-in-theatre.yaml"
C4 = ROOT / "scenarios/claims/c04-ukraine-minimum-200k-in-theatre.yaml"


@pytest.fixture(scope="module")
def three():
    return compare([C2, C3, C4], samples=300, seed=5)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs: list[str] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.imgs.append(a.get("src") or "")
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def _p_met_independently(result, scenario):
    """P(feasible) from the metrics and the file's thresholds, written here."""
    ok = np.ones(result.samples, dtype=bool)
    for name, c in scenario.criteria.items():
        v = np.asarray(result.metrics[name], dtype=float)
        bound = c.min if c.min is not None else c.max
        ok &= (v >= bound) if c.min is not None else (v <= bound)
    return float(ok.mean())


def test_every_verdict_on_one_page_with_one_chart(three, tmp_path):
    paths = three.write(tmp_path / "c")
    page = paths["html"].read_text(encoding="utf-8")
    md = paths["markdown"].read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(page)
    assert len(parsed.imgs) == 1 and parsed.imgs[0].startswith("data:image/png;base64,")
    assert not [u for u in parsed.refs if re.match(r"(?i)(https?:)?//", u)]
    assert md.count("](figures/density.png)") == 1 and paths["figure"].is_file()
    for e in three.entries:
        p = _p_met_independently(e.result, e.scenario)
        assert e.p_feasible == pytest.approx(p, abs=1e-12)
        for text in (page, md):
            assert e.label in text and f"{p:.3f}" in text
            assert e.verdict.split(".")[0][:60] in text.replace("&#x27;", "'")


def test_the_chart_has_every_scenario(three):
    pytest.importorskip("matplotlib")
    from feasim.plots import density_comparison

    fig = density_comparison([(e.scenario, e.result) for e in three.entries],
                             [e.label for e in three.entries])
    legend = [t.get_text() for ax in fig.axes if ax.get_legend()
              for t in ax.get_legend().get_texts()]
    for e in three.entries:
        assert any(t.startswith(e.label) for t in legend), (e.label, legend)


def test_markdown_html_and_json_hold_the_same_numbers(three, capsys, tmp_path):
    out = tmp_path / "j"
    code = main(["compare", str(C2), str(C3), str(C4), "--samples", "300", "--seed", "5",
                 "--format", "json", "-o", str(out)])
    assert code == 0
    d = json.loads(capsys.readouterr().out)
    md = (out / "compare.md").read_text(encoding="utf-8")
    page = (out / "compare.html").read_text(encoding="utf-8")
    assert [s["label"] for s in d["scenarios"]] == [e.label for e in three.entries]
    for s, e in zip(d["scenarios"], three.entries, strict=True):
        assert s["p_feasible"] == e.p_feasible
        lo, hi = s["p_feasible_interval95"]
        for text in (md, page):
            assert f"{s['p_feasible']:.3f}" in text and f"{lo:.3f}–{hi:.3f}" in text
        med = float(np.median(e.result["in_theatre_troops"]))
        assert s["metrics"]["in_theatre_troops"]["p50"] == pytest.approx(med)
    json.dumps(d, allow_nan=False)   # no NaN or infinity anywhere


def test_wilson_interval_known_answer(three):
    from feasim.report import wilson_interval

    z = 1.959963984540054
    lo, hi = wilson_interval(0.0, 100)
    assert lo == 0 and hi == pytest.approx(z * z / (100 + z * z))
    p, n = 0.3, 50  # closed form written out
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson_interval(p, n) == pytest.approx((c - h, c + h))


def test_only_the_inputs_that_differ_are_listed():
    s = feasim.load_scenario(C2)
    t = feasim.with_overrides(s, {"posture.patrols.teams": 77})
    c = compare([s, t], labels=["as written", "77 teams"], samples=200, seed=1)
    assert [(f, v) for f, _, v in c.differing] == [("posture.patrols.teams",
                                                    [f"{s.posture.patrols.teams:g}", "77"])]
    assert "posture.qrf.bases" not in {f for f, _, _ in c.differing}


def test_one_claim_under_several_missions():
    c = compare([C3], missions=["monitoring", "deterrence"], samples=200, seed=1)
    assert [e.mission for e in c.entries] == ["monitoring", "deterrence"]
    assert c.entries[0].label.endswith("(monitoring)")
    assert c.entries[1].label.endswith("(deterrence)")


def test_terminal_table_and_workbook(capsys, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    assert main(["compare", str(C2), str(C3), "--samples", "200"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["c02-experts-100k-in-theatre",
                                           "c03-france-uk-30k-in-theatre"]
    assert "P(feasible)" in out and "inputs that differ" in out
    path = tmp_path / "c.xlsx"
    assert main(["compare", str(C2), str(C3), "--samples", "200", "--format", "xlsx",
                 "-o", str(path)]) == 0
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == ["verdicts", "requirements", "inputs that differ"]


@pytest.mark.parametrize("args, text", [
    ([str(C2)], "needs 2 to 12"),
    ([str(C2), "missing.yaml"], "missing.yaml"),
    ([str(C2), str(C2)], "its own label"),
    ([str(C2), str(C3), "--label", "a"], "1 labels for 2 runs"),
    ([str(C2), str(C3), "--format", "xlsx"], "-o FILE.xlsx"),
])
def test_bad_input_exits_2(capsys, tmp_path, args, text):
    assert main(["compare", *args, "--samples", "100"]) == 2
    assert text in capsys.readouterr().err


def test_a_file_that_is_not_a_scenario_exits_2(capsys, tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_text("just: a mapping\n", encoding="utf-8")
    assert main(["compare", str(C2), str(bad)]) == 2
    assert str(bad) in capsys.readouterr().err
    with pytest.raises(CompareError):
        compare([C2, 3])  # type: ignore[list-item]
