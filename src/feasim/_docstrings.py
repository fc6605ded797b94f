"""Field descriptions from attribute docstrings, one parse per module.

feasim's pydantic models document each field with a docstring under it
(``use_attribute_docstrings``). On Python < 3.13 pydantic finds each class's
source by walking the call stack, cutting the class's block out of its file and
parsing it: about 2 ms a class, a fifth of ``import feasim``. For feasim's own
modules this reads each file once, parses it once and hands pydantic, per class,
the same mapping (field → cleaned docstring) its own extraction returns
(``tests/test_schema_docs.py`` compares the two for every model). Anything else
(other packages' models, a class defined twice in one file, a file that cannot
be read) goes to pydantic's own extraction, as does everything if pydantic's
internals ever change shape.
"""

from __future__ import annotations

import ast
import os
import sys
from typing import Any, Callable

_PARSED: dict[tuple[str, int, int], dict[str, dict[str, str]] | None] = {}


def _module_docs(module: str) -> dict[str, dict[str, str]] | None:
    """Class name → {field: docstring} for every top-level class of ``module`` that is
    defined once (``None``: the file cannot be read or parsed). Kept per file version
    (path, modification time, size), so a reloaded, edited module is read again."""
    from pydantic._internal._docs_extraction import DocstringVisitor

    try:
        path = sys.modules[module].__file__
        assert path is not None
        st = os.stat(path)
    except (KeyError, AssertionError, OSError):
        return None
    key = (path, st.st_mtime_ns, st.st_size)
    if key in _PARSED:
        return _PARSED[key]
    out: dict[str, dict[str, str]] | None = None
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
    except (OSError, SyntaxError, ValueError):
        pass
    else:
        out, seen = {}, set()
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                if node.name in seen:   # defined twice: which one is meant is unclear
                    out.pop(node.name, None)
                    continue
                seen.add(node.name)
                visitor = DocstringVisitor()
                visitor.generic_visit(node)
                out[node.name] = visitor.attrs
    _PARSED[key] = out
    return out


def install() -> None:
    """Route pydantic's docstring extraction for feasim's own classes through
    :func:`_module_docs` (idempotent; does nothing if pydantic's internals differ)."""
    try:
        from pydantic._internal import _fields
    except ImportError:   # pragma: no cover - another pydantic layout
        return
    original: Callable[..., dict[str, str]] | None = getattr(
        _fields, "extract_docstrings_from_cls", None)
    if original is None or getattr(original, "_feasim", False):
        return

    def extract(cls: type[Any], *args: Any, **kwargs: Any) -> dict[str, str]:
        module = getattr(cls, "__module__", "")
        if module.startswith("feasim.") and cls.__qualname__ == cls.__name__:
            try:
                docs = _module_docs(module)
            except Exception:  # noqa: BLE001 - pydantic's internals changed: its own path
                docs = None
            if docs is not None and cls.__name__ in docs:
                return dict(docs[cls.__name__])
        return original(cls, *args, **kwargs)

    extract._feasim = True  # type: ignore[attr-defined]
    extract.original = original  # type: ignore[attr-defined]
    _fields.extract_docstrings_from_cls = extract
