"""mkdocs hook: links from the docs to repository files outside docs/ (../scenarios/...,
../examples/..., ../README.md) work in the repository's Markdown but go nowhere on the
built site; on the site they point at the file in the repository instead."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

_PROJECT = tomllib.loads((Path(__file__).parent / "pyproject.toml").read_text(encoding="utf-8"))
REPOSITORY = _PROJECT["project"]["urls"]["Repository"].rstrip("/")
_OUTSIDE = re.compile(r"\]\(\.\./([^)#\s]+)(#[^)\s]*)?\)")


def on_page_markdown(markdown: str, **kwargs: object) -> str:
    return _OUTSIDE.sub(lambda m: f"]({REPOSITORY}/blob/main/{m.group(1)}{m.group(2) or ''})",
                        markdown)
