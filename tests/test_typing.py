"""The package type-checks: mypy with the project's own configuration reports nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_reports_no_errors():
    api = pytest.importorskip("mypy.api")
    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"),
                                      str(ROOT / "src")])
    assert status == 0, f"mypy exited with {status}:\n{stdout}{stderr}"
