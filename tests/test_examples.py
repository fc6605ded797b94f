"""Examples are tests: each script in examples/ runs and prints what it promises."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT

EXPECTED = {
    "library_basics.py": [
        "c02-experts-100k-in-theatre: 83.3 troops per km of line",
        "83 /km is inside UNIFIL's 64–88 /km range",
        "read as committed: 27.8 troops per km",
        "response_hours_p90: median 2.62 hours",
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
