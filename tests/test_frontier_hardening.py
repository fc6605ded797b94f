"""The minimum-force bisection always ends, whatever ``tol``, and says what it achieved."""

from __future__ import annotations

import math
import subprocess
import sys
import time

import pytest

from feasim import frontier as frontier_mod
from feasim.frontier import FrontierError, minimum_force

from .conftest import ROOT, SCENARIOS, scenario_from

C02 = SCENARIOS / "claims" / "c02-experts-100k-in-theatre.yaml"


@pytest.fixture(scope="module")
def short():
    """A scenario whose pledges fall short: the minimum force is above 1."""
    return scenario_from(overrides={"contributors[United Kingdom].troops": 3000,
                                    "contributors[France].troops": 4000})


def test_ordinary_tol_is_met_without_a_note(short):
    m = minimum_force(short, 0.9, samples=300, seed=2, tol=1e-3)
    assert m.reachable and m.achieved_tol <= 1e-3 and m.message == ""
    assert m.p_feasible >= 0.9 > m.p_below


@pytest.mark.parametrize("tol", [1e-300, 5e-324, 1e-17])
def test_tol_below_float_resolution_ends_and_says_so(short, tol):
    t = time.perf_counter()
    m = minimum_force(short, 0.9, samples=300, seed=2, tol=tol)
    assert time.perf_counter() - t < 60
    assert m.reachable and m.tol == tol
    assert 0 < m.achieved_tol < 1e-14
    assert "finer than the search can resolve" in m.message and "float resolution" in m.message
    assert "not monotone" not in m.message  # the check below uses the achieved width
    assert m.p_feasible >= 0.9 > m.p_below
    assert m.evaluations < frontier_mod.MAX_BISECTIONS + 70
    ref = minimum_force(short, 0.9, samples=300, seed=2, tol=1e-9)
    assert m.scale == pytest.approx(ref.scale, rel=1e-8)


def test_bisection_steps_are_capped(short, monkeypatch):
    monkeypatch.setattr(frontier_mod, "MAX_BISECTIONS", 5)
    m = minimum_force(short, 0.9, samples=300, seed=2, tol=1e-12)
    assert "stopped after 5 bisection steps" in m.message and "(at most 5 steps)" in m.message
    assert m.achieved_tol > 1e-12


@pytest.mark.parametrize("tol", [0, -1e-3, math.nan, 0.5, math.inf])
def test_tol_outside_its_range_is_refused(short, tol):
    with pytest.raises(FrontierError, match="tol must be in"):
        minimum_force(short, 0.9, samples=100, tol=tol)


def test_cli_frontier_tiny_tol_terminates():
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "feasim", "frontier", str(C02), "--tol",
                           "1e-300", "--samples", "300"], capture_output=True, text=True,
                          timeout=180, cwd=ROOT)
    assert time.perf_counter() - t < 180
    assert proc.returncode == 0, proc.stderr
    assert "note: tol 1e-300 is finer than the search can resolve" in proc.stdout


@pytest.mark.parametrize("tol", ["0", "-1", "nan"])
def test_cli_frontier_bad_tol_exits_2(tol, capsys):
    from feasim.cli import main

    assert main(["frontier", str(C02), "--tol", tol, "--samples", "100"]) == 2
    err = capsys.readouterr().err
    assert "tol" in err and "Traceback" not in err and "internal error" not in err
