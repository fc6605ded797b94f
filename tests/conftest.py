"""Shared fixtures: small scenarios written inline, as users would write them."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

import feasim

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

BASE_YAML = """\
name: example
title: "An example line"
sources: [C1]
theatre:
  line_km: 1200
force:
  basis: in_theatre
  rotation_multiplier: 3
  support_fraction: 0.5
  staff_per_position: 4.7
conditions:
  ceasefire: 1.0
contributors:
  - name: France
    troops: 10000
    conditions: [ceasefire]
  - name: United Kingdom
    troops: 10000
posture:
  observation_posts: {spacing_km: 5, on_post: 2, radius_km: 2, detection_probability: 0.9}
  patrols: {teams: 100, team_size: 8, speed_kmh: 10, hours_per_day: 24}
  sensors: {count: 50, coverage_km_each: 10, availability: 0.7, detection_probability: 0.8}
  qrf: {bases: 6, teams_per_base: 2, team_size: 30, readiness_hours: 0.5,
        speed_kmh: 40, depth_km: 20, road_factor: 1.3, engagement_hours: 4}
incursions: {rate_per_day: 10, exposure_hours: 6}
adversary: {troops: 700000, line_fraction: 0.6, massed_share: 0.2, attack_sector_km: 30}
host: {troops: 800000, line_fraction: 0.4, effectiveness: 1.5}
criteria:
  detection_probability: {min: 0.9}
  response_hours_p90: {max: 5}
uncertainty: {samples: 200, seed: 1}
"""


def scenario_from(text: str = BASE_YAML, overrides=None) -> feasim.Scenario:
    return feasim.parse_scenario(textwrap.dedent(text), "test.yaml", overrides)


@pytest.fixture
def base() -> feasim.Scenario:
    return scenario_from()


@pytest.fixture
def write(tmp_path):
    """Write text to a YAML file in a temporary directory and return its path."""

    def _write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


def make_not_a_file(path: Path, kind: str) -> None:
    """Put something that is not a regular file at ``path``: a link to /dev/zero, a FIFO,
    a folder, or a dangling link (skips where the system has no such thing)."""
    if kind == "dev-zero":
        if not os.path.exists("/dev/zero"):
            pytest.skip("no /dev/zero")
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs")
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        path.symlink_to(path.parent / "nowhere")
