"""Reserves and time at the point of attack: closed forms against solve_ivp and by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

import feasim
from feasim.model.reserves import arrival_window, arrived_by, fight

from .conftest import scenario_from


def _ode_fight(a0, d0, e, k, reserve, t1, t2):
    """Square law with reinforcement by numerical integration, written independently:
    dA/dt = −e·k·D, dD/dt = −k·A + r(t); reserves due before t = 0 start in the sector."""
    if t2 > t1:
        pre = reserve * min(1.0, max(0.0, -t1 / (t2 - t1)))
    else:
        pre = reserve if t1 <= 0 else 0.0
    d0, left = d0 + pre, reserve - pre
    start, end = max(t1, 0.0), max(t2, 0.0)
    rate = left / (end - start) if end > start else 0.0

    def rhs(t, y):
        r = rate if start <= t < end else 0.0
        return [-e * k * y[1], -k * y[0] + r]

    def a_zero(t, y):
        return y[0]

    def d_zero(t, y):
        return y[1]

    a_zero.terminal = d_zero.terminal = True
    a_zero.direction = d_zero.direction = -1
    y = [a0, d0]
    pieces = [(0.0, start), (start, end)] if end > start else [(0.0, start)]
    for lo, hi in pieces:
        if hi <= lo or min(y) <= 0:
            continue
        sol = solve_ivp(rhs, (lo, hi), y, events=[a_zero, d_zero], rtol=1e-10, atol=1e-6,
                        max_step=(hi - lo) / 20)
        y = [max(v, 0.0) for v in sol.y[:, -1]]
        if sol.status == 1:
            if sol.t_events[0].size:
                y[0] = 0.0
            if sol.t_events[1].size:
                y[1] = 0.0
            break
    if end <= start and min(y) > 0 and t1 > 0:
        y[1] += left                       # a central reserve arrives at once
    kk = y[0] ** 2 - e * y[1] ** 2         # after the last arrival: the square law's invariant
    return kk > 0, math.sqrt(max(kk, 0.0)), math.sqrt(max(-kk / e, 0.0))


@pytest.mark.parametrize("case", range(60))
def test_fight_matches_solve_ivp(case):
    rng = np.random.default_rng(case)
    a0, d0 = rng.uniform(0, 20_000), rng.uniform(0, 10_000)
    e, k = rng.uniform(0.5, 3.0), rng.uniform(0.005, 0.1)
    reserve = rng.uniform(0, 30_000)
    t1 = rng.uniform(-10, 30)
    t2 = t1 + (0.0 if case % 3 == 0 else rng.uniform(0, 50))   # central or spread
    wins, a_left, d_left = fight(a0, d0, e, k, reserve, t1, t2)
    ref = _ode_fight(a0, d0, e, k, reserve, t1, t2)
    assert bool(wins) == ref[0]
    assert float(a_left) == pytest.approx(ref[1], rel=1e-4, abs=1.0)
    assert float(d_left) == pytest.approx(ref[2], rel=1e-4, abs=1.0)


def test_no_reserve_is_the_square_law():
    wins, a_left, d_left = fight(5000.0, 3000.0, 2.0, 0.03, 0.0, 5.0, 10.0)
    k = 5000.0**2 - 2.0 * 3000.0**2
    assert bool(wins) and float(a_left) == pytest.approx(math.sqrt(k))
    assert float(d_left) == 0.0


def test_reserves_that_come_too_late_do_not_save_the_sector():
    # D falls at t = atanh(√e D/A)/(k√e) = atanh(0.5)/0.02 ≈ 27.5 h; the reserve is due at 100 h.
    wins, _, _ = fight(2000.0, 1000.0, 1.0, 0.02, 1e6, 100.0, 100.0)
    assert bool(wins)
    wins, _, _ = fight(2000.0, 1000.0, 1.0, 0.02, 1e6, 20.0, 20.0)
    assert not bool(wins)


def test_arrival_window_and_arrivals_by_hand():
    # Spread: t₁ = 6 + 50 × 1.3 / 20 = 9.25 h; t₂ = t₁ + 600 × 1.3 / 20 = 48.25 h.
    t1, t2 = arrival_window(6.0, 50.0, 1200.0, 20.0, 1.3, "spread")
    assert (float(t1), float(t2)) == pytest.approx((9.25, 48.25))
    assert float(arrived_by(24.0, 39_000.0, t1, t2)) == pytest.approx(39_000 * 14.75 / 39)
    t1, t2 = arrival_window(6.0, 50.0, 1200.0, 20.0, 1.3, "central")
    assert float(t1) == float(t2) == pytest.approx(9.25)
    assert float(arrived_by(9.0, 100.0, t1, t2)) == 0.0
    assert float(arrived_by(9.5, 100.0, t1, t2)) == 100.0


RESERVES = """\
name: reserves-test
theatre: {line_km: 1200}
force: {basis: in_theatre, support_fraction: 0.5}
contributors:
  - {name: a, troops: 100000}
posture:
  observation_posts: {spacing_km: 5, on_post: 2, radius_km: 2}
incursions: {rate_per_day: 10, exposure_hours: 6}
adversary: {troops: 700000, line_fraction: 0.6, massed_share: 0.2, attack_sector_km: 30,
            breakthrough_hours: 24, attrition_per_hour: 0.02}
host: {troops: 800000, line_fraction: 0.4, effectiveness: 1.5, reserve_fraction: 0.1}
reserves: {placement: spread, depth_km: 50, speed_kmh: 20, road_factor: 1.3, alert_hours: 6}
uncertainty: {samples: 1, seed: 1}
"""


def test_force_ratio_with_reserves_by_hand():
    r = feasim.evaluate(scenario_from(RESERVES))
    # Posts: 240 × 2 × 4.7 = 2,256 combat troops assigned of the 50,000 line combat troops.
    unassigned = 50_000 - 240 * 2 * 4.7
    reserve = 800_000 * 0.1 + unassigned
    assert r["reserve_troops"][0] == pytest.approx(reserve)
    # Arrivals between 9.25 h and 48.25 h (as above); by 24 h, 14.75/39 of them.
    reinforcement = reserve * 14.75 / 39
    assert r["reinforcement_troops"][0] == pytest.approx(reinforcement)
    in_sector = (320_000 + 240 * 2 * 4.7) * 30 / 1200
    assert r["defenders_at_attack_troops"][0] == pytest.approx(in_sector + reinforcement)
    massed = 700_000 * 0.6 * 0.2
    assert r["local_force_ratio"][0] == pytest.approx(massed / (in_sector + reinforcement))
    assert r["tripwire_troops_exposed"][0] == pytest.approx(240 * 2 * 4.7 * 30 / 1200)
    ref = _ode_fight(massed, in_sector, 1.5, 0.02, reserve, 9.25, 48.25)
    assert r["lanchester_attacker_wins"][0] == float(ref[0])


def test_without_reserves_block_nothing_is_held_back():
    text = RESERVES.replace("reserves: {placement: spread, depth_km: 50, speed_kmh: 20, "
                            "road_factor: 1.3, alert_hours: 6}\n", "")
    r = feasim.evaluate(scenario_from(text))
    in_sector = (320_000 + 50_000) * 30 / 1200
    assert r["local_force_ratio"][0] == pytest.approx(84_000 / in_sector)
    assert r["reserve_troops"][0] == 0.0 and r["reinforcement_troops"][0] == 0.0


def test_warning_brings_reserves_earlier():
    warned = scenario_from(RESERVES, {"adversary.warning_hours": 48,
                                      "posture.observation_posts.detection_probability": 1.0})
    r = feasim.evaluate(warned)
    # Detection 1 (posts every 5 km with radius 2 km watch 80% of the line, p = 1: 0.8);
    # warned where the event uniform is below 0.8; then everything has arrived by 24 h.
    quiet = feasim.evaluate(scenario_from(RESERVES))
    assert r["reinforcement_troops"][0] >= quiet["reinforcement_troops"][0]
    many = feasim.evaluate(warned, samples=2000)
    share = float(np.mean(many["reinforcement_troops"] == many["reserve_troops"]))
    assert share == pytest.approx(float(np.mean(many["detection_probability"])), abs=0.03)


def test_reserves_block_needs_consistent_host_shares():
    with pytest.raises(feasim.ScenarioError, match="reserve_and_line_over_whole"):
        scenario_from(RESERVES, {"host.reserve_fraction": 0.7})


@settings(max_examples=25, deadline=None)
@given(st.floats(1_000, 400_000), st.floats(1.05, 3.0), st.floats(0.0, 0.6))
def test_more_troops_or_reserves_never_raise_the_local_ratio(troops, factor, held):
    s = scenario_from(RESERVES, {"contributors[a].troops": troops, "host.reserve_fraction": held})
    bigger = scenario_from(RESERVES, {"contributors[a].troops": troops * factor,
                                      "host.reserve_fraction": min(0.6, held + 0.05)})
    small, big = feasim.evaluate(s), feasim.evaluate(bigger)
    assert big["local_force_ratio"][0] <= small["local_force_ratio"][0] * (1 + 1e-12)
    assert big["defenders_at_attack_troops"][0] >= small["defenders_at_attack_troops"][0]


def test_coalition_size_moves_the_outcome():
    out = {}
    for troops in (30_000, 100_000, 300_000):
        r = feasim.evaluate(scenario_from(RESERVES, {"contributors[a].troops": troops,
                                                      "host.reserve_fraction": 0.0}))
        out[troops] = r["local_force_ratio"][0]
    assert out[30_000] > out[100_000] > out[300_000]
    assert out[30_000] / out[300_000] > 2
