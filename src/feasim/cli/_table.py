"""The one plain-text table of the command line: every command's rows go through it."""

from __future__ import annotations

from collections.abc import Sequence


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, align: str = "",
          indent: str = "", gap: int = 2) -> list[str]:
    """Lines of a table; ``align`` has one letter per column, ``l`` or ``r`` (default:
    the first column left, the others right).

    Each column is as wide as its widest cell or header; cells are text already
    formatted (numbers through :func:`feasim.output.fmt`), so units belong in the
    headers or in a column of their own.
    """
    n = len(headers)
    for r in rows:
        if len(r) != n:
            raise ValueError(f"a row has {len(r)} cells, the table {n} columns: {list(r)!r}")
    align = align or "l" + "r" * (n - 1)
    if len(align) != n or set(align) - {"l", "r"}:
        raise ValueError(f"align needs one of 'l'/'r' per column ({n}), got {align!r}")
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    sep = " " * gap

    def line(cells: Sequence[str]) -> str:
        out = [c.ljust(w) if a == "l" else c.rjust(w)
               for c, w, a in zip(cells, widths, align, strict=True)]
        return (indent + sep.join(out)).rstrip()

    return [line(headers)] + [line(r) for r in rows]
