"""A finished (or partly finished) sweep in its output folder, read lazily."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .store import ChunkStore

__all__ = ["SweepResult"]


class SweepResult:
    """The results of a sweep in its output folder (read lazily from Parquet)."""

    def __init__(self, out: str | Path, computed: int = 0, skipped: int = 0):
        self.store = ChunkStore(out)
        self.out = Path(out)
        self.computed_chunks = computed
        self.skipped_chunks = skipped

    def to_arrow(self, columns: list[str] | None = None):
        """All rows as a pyarrow Table, in point order."""
        return self.store.read(columns)

    def to_dataframe(self, columns: list[str] | None = None):
        """All rows as a pandas DataFrame indexed by ``point``."""
        return self.to_arrow(columns).to_pandas().set_index("point")

    def failed(self):
        """Rows whose point failed, with the error."""
        df = self.to_dataframe()
        return df[df["error"].notna()]

    def summary(self) -> dict[str, Any]:
        """Counts and, per output, min / median / max over the points that ran."""
        import json

        info = json.loads(self.store.manifest.read_text(encoding="utf-8"))
        errors = self.store.read(["error"]).column("error")  # one column at a time
        out: dict[str, Any] = {"sweep": info["name"], "points": info["points"],
                               "rows": len(errors), "failed": len(errors) - errors.null_count,
                               "out": str(self.out), "outputs": {}}
        del errors
        for name in info["outputs"] + ["p_feasible"]:
            v = np.asarray(self.store.read([name]).column(name).to_numpy(zero_copy_only=False),
                           dtype=float)
            v = v[~np.isnan(v)]  # NaN: failed or undefined; ±inf (unbounded) counts
            out["outputs"][name] = ({"min": float(v.min()), "median": float(np.median(v)),
                                     "max": float(v.max()),
                                     "unbounded_fraction": float(np.mean(np.isinf(v)))}
                                    if v.size else None)
        return out
