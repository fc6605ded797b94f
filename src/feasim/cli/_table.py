"""The command line's table formatter: :mod:`feasim._table`, re-exported here so
``from feasim.cli._table import table`` keeps working."""

from __future__ import annotations

from .._table import table, tables

__all__ = ["table", "tables"]
