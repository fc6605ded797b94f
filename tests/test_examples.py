"""Examples are tests: each script in examples/ runs and prints what it promises."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

EXPECTED = {
    "density_chart.py": [
        "c02-experts-100k-in-theatre: median 83.3 troops per km of a 1,200 km line",
        "83 /km is inside UNIFIL's 64–88 /km range",
        "labels on the chart",
    ],
    "library_basics.py": [
        "c02-experts-100k-in-theatre: 83.3 troops per km of line",
        "83 /km is inside UNIFIL's 64–88 /km range",
        "read as committed: 27.8 troops per km",
        "response_hours_p90: median 2.62 hours",
    ],
    "sweep_in_a_script.py": [
        "c02-experts-100k-in-theatre: 56 points, 0 failed",
        "P(feasible), read as 100,000 committed in total (33,333 in theatre)",
        "    1,200           0.82         0.83         0.93         1.00",
        "1,200 km  2.62 hours",
        "1,800 km  3.35 hours",
    ],
    "compare_claims.py": [
        "c02-experts-100k-in-theatre              in_theatre        100,000",
        "c03-france-uk-30k-in-theatre             in_theatre         30,000",
        "86.1%",
        "c02-experts-100k-committed               28 /km is above UNDOF (11–17 /km) "
        "and below IFOR (43–56 /km)",
        "83 /km is inside UNIFIL's 64–88 /km range",
        "[troops deploy in 12.1% of samples]",
    ],
    "what_a_claim_needs.py": [
        "c02-experts-100k-in-theatre: requirement by method (persons, medians)",
        "posture            23,676      71,028",
        "the claim         100,000     300,000",
        "interposition posture needs    67,855 in theatre; P(feasible) = 0.0%",
        "posture.patrols.detection_probability: 0.389 (range 0.3 to 0.8)",
    ],
    "coalition_uncertain_pledges.py": [
        "P(feasible) = 11.7%",
        "troops in theatre on day 90: p05 3,000, p50 18,739, p95 27,938 persons",
        "condition ceasefire fails in 20.0% of samples",
        "condition air_cover fails in 40.7% of samples",
        "Sobol' indices of feasible, 2,816 evaluations",
        "contributors[Nation B]",
        "minimum force for P(feasible) >= 50%: 1.49 x every pledge",
        "minimum force for P(feasible) >= 90%: unreachable by force alone",
    ],
    "line_on_a_map.py": [
        "belarus-ukraine-monitoring: line 863.0 km from builtin:ukraine-belarus-border "
        "(0.80 of the surveyed 1,084 km)",
        "  sector west: 430.0 km",
        "every metric equal: True",
        "wrote ",
    ],
    "sustain_and_cost.py": [
        "sustain-three-pledges: 3 contributors, commitment 3 years, 2,000 samples, seed 1",
        "  pledge_shortfall_troops           2,460  (2,091 – 2,829) persons",
        "  pledge_sustainable_years_min       1.16  (1.11 – 1.18) years",
        "  cost_per_year_usd                 3,667  (1,300 – 7,385) million USD/year",
        "  United Kingdom   10,000     78,396     23,519       7,840       1.16     2,160",
        "  Nation X          1,500     12,000      3,600       1,200       1.18       300",
        "in theatre (median): 19,500 persons, the pledges as written",
        "day 1095: p05 18,000, p50 19,500, p95 19,500; mean 18,788, closed form 18,823",
        "wrote ",
    ],
}


def test_every_example_has_expectations():
    assert {p.name for p in (ROOT / "examples").glob("*.py")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_runs_and_prints(name):
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / name)], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", check=False)
    assert proc.returncode == 0, proc.stderr
    for line in EXPECTED[name]:
        assert line in proc.stdout
