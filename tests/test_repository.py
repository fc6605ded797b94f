"""Repository habits people expect: licence, citation, changelog, URLs, one version."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import metadata
from pathlib import Path

import yaml

import feasim

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_licence_file_matches_pyproject():
    assert PROJECT["license"] == {"text": "MIT"}
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text


def test_version_is_read_from_package_metadata():
    assert feasim.__version__ == PROJECT["version"] == metadata("feasim")["Version"]
    init = (ROOT / "src/feasim/__init__.py").read_text(encoding="utf-8")
    assert not re.search(r'__version__\s*=\s*["\']', init), "the version is typed in twice"


def test_citation_names_this_version_and_licence():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["version"] == PROJECT["version"]
    assert cff["license"] == "MIT"
    assert cff["title"] and cff["authors"] and cff["repository-code"].startswith("https://")


def test_changelog_has_a_section_for_this_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(PROJECT['version'])}\]", text, re.M)
    assert "## [Unreleased]" in text


def test_project_urls_are_declared():
    urls = PROJECT["urls"]
    assert {"Repository", "Documentation", "Issues", "Changelog"} <= set(urls)
    assert all(u.startswith("https://") for u in urls.values())
    assert metadata("feasim").get_all("Project-URL")


def test_docs_and_packaged_data_stand_on_their_own():
    """Docs, packaged data, scenarios and examples refer to nothing outside the repository:
    no project-internal notes (model-spec, claims.md, facts.md) and no ../shared."""
    # Walk the tree rather than ask git: CI runs on a plain copy without .git.
    files = [ROOT / "README.md"] + [
        p for d in ("docs", "src", "scenarios", "examples", "benchmarks")
        for p in sorted((ROOT / d).rglob("*"))
        if p.is_file() and not any(part.startswith(".") or part in {"__pycache__", "site"}
                                   or part.endswith(".egg-info")
                                   for part in p.relative_to(ROOT).parts)]
    bad = re.compile(r"model-spec|claims\.md|facts\.md|\.\./shared")
    hits = []
    for path in files:
        f = path.relative_to(ROOT)
        if path.suffix in {".md", ".py", ".yaml", ".yml", ".json", ".ipynb", ".txt", ".cff"}:
            text = path.read_text(encoding="utf-8")
            hits += [f"{f}:{i}" for i, line in enumerate(text.splitlines(), 1)
                     if bad.search(line)]
    assert not hits, hits
