"""Sweep results on disk: one Parquet file per chunk, written atomically.

Why Parquet (through pyarrow) and not Zarr or netCDF: a sweep's results are a
table (one row per point, one column per parameter and output), which is what
Parquet stores, column-compressed and readable by pandas, polars, DuckDB,
Arrow and R without feasim. One file per chunk makes resuming trivial and
safe: a chunk is written to a temporary name and renamed into place, so a file
that exists is complete, a chunk is either on disk or recomputed, and no row is
ever lost or written twice. Memory stays bounded by the chunks in flight.

Layout of ``OUT/``: ``sweep.json`` (the sweep, its fingerprint, sizes) and
``chunks/part-NNNNNNNN.parquet``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FeasimError, MissingDependency

__all__ = ["ChunkStore", "StoreError"]


class StoreError(FeasimError, ValueError):
    """The output folder cannot hold this sweep (another sweep's results, or not resumable)."""


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on environment
        raise MissingDependency("sweeps write Parquet and need pyarrow: "
                          "pip install 'feasim[sweep]'") from exc
    return pa, pq


class ChunkStore:
    """The output folder of one sweep."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.chunks = self.root / "chunks"
        self.manifest = self.root / "sweep.json"

    def open(self, info: dict[str, Any], resume: bool) -> set[int]:
        """Prepare the folder; return the chunks already done (resume) or raise."""
        if self.manifest.exists():
            old = json.loads(self.manifest.read_text(encoding="utf-8"))
            if not resume:
                raise StoreError(f"{self.root} already holds a sweep ({old.get('name')}); "
                                 f"use --resume to continue it, or another --out")
            if old.get("fingerprint") != info["fingerprint"]:
                raise StoreError(f"{self.root} holds a different sweep (fingerprint "
                                 f"{old.get('fingerprint')} ≠ {info['fingerprint']}): the sweep "
                                 f"or its scenario changed; use another --out")
        elif self.root.exists() and (not self.root.is_dir() or any(self.root.iterdir())):
            raise StoreError(f"{self.root} exists and is not a sweep folder; use another --out")
        try:
            self.chunks.mkdir(parents=True, exist_ok=True)
            tmp = self.manifest.with_suffix(".json.tmp")
            tmp.write_text(json.dumps(info, indent=2, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.manifest)
        except OSError as exc:
            raise StoreError(f"cannot write the sweep folder {self.root}: "
                             f"{exc.strerror or exc}; use another --out") from None
        return self.done()

    def path(self, k: int) -> Path:
        return self.chunks / f"part-{k:08d}.parquet"

    def done(self) -> set[int]:
        out = set()
        for p in self.chunks.glob("part-*.parquet"):
            try:
                out.add(int(p.stem.split("-")[1]))
            except (IndexError, ValueError):
                continue
        return out

    def write(self, k: int, columns: dict[str, Any]) -> None:
        pa, pq = _pyarrow()
        # Lists (the error column) are text, also when every entry is None.
        table = pa.table({name: pa.array(col, type=pa.string()) if isinstance(col, list)
                          else np.asarray(col) for name, col in columns.items()})
        tmp = self.path(k).with_suffix(".parquet.tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, self.path(k))

    def read(self, columns: list[str] | None = None):
        """All chunks as one pyarrow Table, rows in point order."""
        pa, pq = _pyarrow()
        parts = sorted(self.chunks.glob("part-*.parquet"))
        if not parts:
            raise StoreError(f"{self.root} has no results yet")
        return pa.concat_tables([pq.read_table(p, columns=columns) for p in parts])
