"""A finished (or partly finished) sweep in its output folder, read lazily."""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from ..errors import MissingDependency
from .store import ChunkStore

__all__ = ["SweepResult", "column_summary"]


class SweepResult:
    """The results of a sweep in its output folder (read lazily from Parquet)."""

    def __init__(self, out: str | Path, computed: int = 0, skipped: int = 0,
                 repaired: list[tuple[str, str]] | None = None):
        self.store = ChunkStore(out)
        self.out = Path(out)
        self.computed_chunks = computed
        self.skipped_chunks = skipped
        self.repaired: list[tuple[str, str]] = list(repaired or [])
        """What the run that made this result repaired on resume: ``(name, why)``
        (empty for a result opened from its folder)."""

    def to_arrow(self, columns: list[str] | None = None):
        """All rows as a pyarrow Table, in point order."""
        return self.store.read(columns)

    def to_dataframe(self, columns: list[str] | None = None):
        """All rows as a pandas DataFrame indexed by ``point``."""
        return self.to_arrow(columns).to_pandas().set_index("point")

    def to_xlsx(self, path):
        """An Excel workbook: per-output summary with units, one row per point (refused
        beyond a sheet's 1,048,576 rows; needs ``feasim[xlsx]``)."""
        from ..export import sweep_to_xlsx

        return sweep_to_xlsx(self, path)

    def to_csv(self, target):
        """Every point as CSV, streamed chunk by chunk (units in the header)."""
        from ..export import sweep_to_csv

        return sweep_to_csv(self, target)

    def failed(self):
        """Rows whose point failed, with the error."""
        df = self.to_dataframe()
        return df[df["error"].notna()]

    # ------------------------------------------------------------ lazy reading

    def files(self) -> list[Path]:
        """The chunk files that pass verification (checksum, rows, points), in point order;
        stray files in the folder are ignored, a damaged chunk is a StoreError."""
        return self.store.verified_files()

    def dataset(self):
        """The rows as a lazy ``pyarrow.dataset.Dataset`` (nothing is read until asked).

        Filter and project without loading the sweep::

            ds = result.dataset()
            ds.to_table(columns=["theatre.line_km", "p_feasible"],
                        filter=pc.field("p_feasible") > 0.9)
        """
        import pyarrow.dataset as pads

        return pads.dataset([str(p) for p in self.files()], format="parquet")

    def to_dask(self, columns: list[str] | None = None):
        """The rows as a lazy Dask DataFrame, one partition per chunk (needs ``feasim[dask]``)."""
        try:
            import dask.dataframe as dd
        except ImportError as exc:  # pragma: no cover - depends on environment
            raise MissingDependency("to_dask needs Dask: pip install 'feasim[dask]'") from exc
        return dd.read_parquet([str(p) for p in self.files()], columns=columns)

    @staticmethod
    def _column(files: list[Path], name: str) -> Iterator[np.ndarray]:
        """One column, chunk by chunk, as float arrays (memory: one chunk)."""
        import pyarrow.parquet as pq

        for p in files:
            col = pq.read_table(p, columns=[name]).column(name)
            yield np.asarray(col.to_numpy(zero_copy_only=False), dtype=float)

    def cheapest(self, probability: float = 0.9,
                 cost: str = "cost_per_year_usd") -> dict[str, Any] | None:
        """The point with the lowest ``cost`` column among those whose P(feasible) is at
        least ``probability``: its row as a dict (parameters, outputs, ``p_feasible``), or
        ``None`` when no point reaches it. ``cost`` is any output column of the sweep (the
        default needs ``cost_per_year_usd`` among its outputs, in US dollars a year).
        Streams the chunks, so memory does not grow with the number of points."""
        import pyarrow.parquet as pq

        if not 0 <= probability <= 1:
            raise ValueError(f"probability must be in [0, 1]; got {probability!r}")
        files = self.files()
        if files:
            names = pq.read_schema(files[0]).names
            if cost not in names:
                raise ValueError(f"no column {cost!r} in this sweep; add it to the sweep's "
                                 f"outputs (columns: {', '.join(names)})")
        best: dict[str, Any] | None = None
        for p in files:
            t = pq.read_table(p)
            c = np.asarray(t.column(cost).to_numpy(zero_copy_only=False), dtype=float)
            f = np.asarray(t.column("p_feasible").to_numpy(zero_copy_only=False), dtype=float)
            ok = (f >= probability) & ~np.isnan(c)
            if not ok.any():
                continue
            i = int(np.flatnonzero(ok)[np.argmin(c[ok])])
            if best is None or c[i] < best[cost]:
                best = {k: t.column(k)[i].as_py() for k in t.column_names}
        return best

    def summary(self) -> dict[str, Any]:
        """Counts and, per output column, min / median / max over the points that ran.

        Streams the chunks one at a time, so memory does not grow with the number of
        points; the median is exact (order statistics by successive histograms).
        ``unbounded_fraction`` is the share of those points whose value is infinite.
        """
        import json

        from .store import StoreError

        try:
            info = json.loads(self.store.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot read {self.store.manifest}: {exc}") from None
        files = self.files()
        if not files:
            raise StoreError(f"{self.out} has no results yet")
        rows = failed = 0
        import pyarrow.parquet as pq

        for p in files:
            col = pq.read_table(p, columns=["error"]).column("error")
            rows += len(col)
            failed += len(col) - col.null_count
        out: dict[str, Any] = {"sweep": info["name"], "points": info["points"],
                               "rows": rows, "failed": failed,
                               "out": str(self.out), "outputs": {}}
        for name in info["outputs"] + ["p_feasible"]:
            out["outputs"][name] = column_summary(partial(self._column, files, name))
        return out


_GATHER = 1 << 20  # values gathered into memory to finish a selection
_BINS = 4096


def column_summary(chunks: Callable[[], Iterator[np.ndarray]]) -> dict[str, float] | None:
    """min, median, max and the share of infinite values over the non-NaN values that
    ``chunks()`` yields (called once per pass); ``None`` when there are none."""
    n = n_neg = n_pos = 0
    fmin, fmax = math.inf, -math.inf
    for v in chunks():
        v = v[~np.isnan(v)]
        n += v.size
        neg, pos = np.isneginf(v), np.isposinf(v)
        n_neg += int(neg.sum())
        n_pos += int(pos.sum())
        fin = v[~(neg | pos)]
        if fin.size:
            fmin, fmax = min(fmin, float(fin.min())), max(fmax, float(fin.max()))
    if n == 0:
        return None
    counts = (n_neg, n - n_neg - n_pos, n_pos)
    lo_k, hi_k = (n - 1) // 2, n // 2
    a = _kth(chunks, lo_k, counts, fmin, fmax)
    b = a if hi_k == lo_k else _kth(chunks, hi_k, counts, fmin, fmax)
    with np.errstate(all="ignore"):
        median = a if a == b else (a + b) / 2  # -inf and +inf: NaN, as numpy's median
    return {"min": -math.inf if n_neg else (fmin if n > n_pos else math.inf),
            "median": float(median),
            "max": math.inf if n_pos else (fmax if n > n_neg else -math.inf),
            "unbounded_fraction": (n_neg + n_pos) / n}


def _kth(chunks, k: int, counts: tuple[int, int, int], lo: float, hi: float) -> float:
    """The k-th smallest (0-based) non-NaN value, in a few passes over the chunks."""
    n_neg, n_fin, _ = counts
    if k < n_neg:
        return -math.inf
    if k >= n_neg + n_fin:
        return math.inf
    k -= n_neg
    closed = True  # the range is [lo, hi] (closed) or [lo, hi) (half-open)
    size = n_fin
    while True:
        def inside(v, lo=lo, hi=hi, closed=closed):
            return v[(v >= lo) & ((v <= hi) if closed else (v < hi))]

        if size <= _GATHER or lo == hi:
            if lo == hi:
                return lo
            vals = np.concatenate([inside(v) for v in chunks()] or [np.empty(0)])
            return float(np.partition(vals, k)[k])
        edges = np.linspace(lo, hi, _BINS + 1)
        hist = np.zeros(_BINS, dtype=np.int64)
        vmin, vmax = math.inf, -math.inf
        for v in chunks():
            v = inside(v)
            if v.size:
                vmin, vmax = min(vmin, float(v.min())), max(vmax, float(v.max()))
                j = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, _BINS - 1)
                hist += np.bincount(j, minlength=_BINS)
        if vmin == vmax:
            return vmin
        cum = np.cumsum(hist)
        j = int(np.searchsorted(cum, k, side="right"))
        k -= int(cum[j - 1]) if j else 0
        size = int(hist[j])
        last = j == _BINS - 1
        lo, hi, closed = float(edges[j]), float(hi if last else edges[j + 1]), closed and last
