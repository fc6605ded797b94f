"""The example notebook runs, cell by cell, without Jupyter (and is stored without outputs)."""

from __future__ import annotations

import json
import os

import pytest

from .conftest import ROOT

NOTEBOOK = ROOT / "examples" / "notebook.ipynb"


def test_notebook_is_nbformat_4_without_stored_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    assert all("id" in c for c in nb["cells"])


def test_notebook_cells_run_in_order(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    pytest.importorskip("openpyxl")
    pytest.importorskip("pandas")
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    ns: dict = {"__name__": "__notebook__"}
    last = None
    for i, c in enumerate(nb["cells"]):
        if c["cell_type"] != "code":
            continue
        src = "".join(c["source"])
        *body, tail = src.rstrip().splitlines()
        exec(compile("\n".join(body), f"notebook cell {i}", "exec"), ns)  # noqa: S102
        try:   # a cell's last line is shown by Jupyter when it is an expression
            last = eval(compile(tail, f"notebook cell {i}", "eval"), ns)  # noqa: S307
        except SyntaxError:
            exec(compile(tail, f"notebook cell {i}", "exec"), ns)  # noqa: S102
            last = None
    assert 0 <= ns["result"].p_feasible <= 1
    assert "<table" in ns["result"]._repr_html_()
    assert last == ["c02.csv", "c02.xlsx"]
    assert os.path.commonpath([ns["out"], tmp_path]) == str(tmp_path)
