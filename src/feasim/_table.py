"""The one plain-text table of feasim: every table printed for people goes through it.

``feasim run``'s grouped metric table (:func:`feasim.output.to_table`), its
requirements table (:func:`feasim.requirements.to_table`) and the tables of the
command line (sweep, sensitivity, frontier, breakeven, discover, metrics, compare)
build their rows as text and hand them to :func:`table` or :func:`tables`, so
their columns are laid out one way.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["table", "tables"]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, align: str = "",
          indent: str = "", gap: int = 2) -> list[str]:
    """Lines of a table; ``align`` has one letter per column, ``l`` or ``r`` (default:
    the first column left, the others right).

    Each column is as wide as its widest cell or header; cells are text already
    formatted (numbers through :func:`feasim.output.fmt`), so units belong in the
    headers or in a column of their own.
    """
    return tables([(headers, rows)], align=align, indent=indent, gap=gap)[0]


def tables(groups: Sequence[tuple[Sequence[str], Sequence[Sequence[str]]]], *,
           align: str = "", indent: str = "", gap: int = 2) -> list[list[str]]:
    """Lines of several tables that share their columns, one list per ``(headers,
    rows)`` group: each column is as wide as its widest cell or header in any group,
    so groups printed one after another (with titles or blank lines between them)
    line up. Every group has the same number of columns; ``align``, ``indent`` and
    ``gap`` are those of :func:`table`.
    """
    if not groups:
        return []
    n = len(groups[0][0])
    for headers, rows in groups:
        if len(headers) != n:
            raise ValueError(f"a group has {len(headers)} headers, the table {n} columns: "
                             f"{list(headers)!r}")
        for r in rows:
            if len(r) != n:
                raise ValueError(f"a row has {len(r)} cells, the table {n} columns: {list(r)!r}")
    align = align or "l" + "r" * (n - 1)
    if len(align) != n or set(align) - {"l", "r"}:
        raise ValueError(f"align needs one of 'l'/'r' per column ({n}), got {align!r}")
    widths = [max(len(line[i]) for headers, rows in groups for line in (headers, *rows))
              for i in range(n)]
    sep = " " * gap

    def line(cells: Sequence[str]) -> str:
        out = [c.ljust(w) if a == "l" else c.rjust(w)
               for c, w, a in zip(cells, widths, align, strict=True)]
        return (indent + sep.join(out)).rstrip()

    return [[line(headers)] + [line(r) for r in rows] for headers, rows in groups]
