"""The documentation site builds with ``mkdocs build --strict`` (warnings are errors)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="install the docs or test extra")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "--site-dir", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-6000:]
    assert (tmp_path / "site" / "api" / "index.html").exists()
    page = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    assert "minimum_force" in page and "sobol" in page  # the API reference is generated
    _no_link_goes_nowhere(tmp_path / "site")


def _no_link_goes_nowhere(site):
    """Every relative href of every built page resolves to a file of the site."""
    import re
    from pathlib import Path
    from urllib.parse import unquote, urlsplit

    broken = []
    for page in Path(site).rglob("*.html"):
        for href in re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8")):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path or href.startswith("#"):
                continue
            base = Path(site) if parts.path.startswith("/") else page.parent  # 404.html
            target = (base / unquote(parts.path).lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)}: {href}")
    assert not broken, broken
