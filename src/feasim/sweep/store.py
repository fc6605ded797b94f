"""Sweep results on disk: one Parquet file per chunk, written atomically and verified.

Why Parquet (through pyarrow) and not Zarr or netCDF: a sweep's results are a
table (one row per point, one column per parameter and output), which is what
Parquet stores, column-compressed and readable by pandas, polars, DuckDB,
Arrow and R without feasim. One file per chunk makes resuming simple and
safe; memory stays bounded by the chunks in flight.

Layout of ``OUT/``:

- ``sweep.json``: the sweep, its fingerprint, sizes (``"layout": 2``);
- ``chunks/part-NNNNNNNN.parquet``: chunk ``N``'s rows, in point order;
- ``ledger/part-NNNNNNNN.json``: chunk ``N``'s record, written after the chunk:
  the sweep's fingerprint, the chunk's index, first point, row count, size and
  the SHA-256 of the file's bytes;
- ``.lock``: held (``flock``) by the run that writes ``OUT``, with its pid.

A chunk (and then its record) is written to a hidden temporary name, flushed
to disk (``fsync``) and renamed into place. A chunk counts as done only if
its file and its record exist, the record is the one this sweep expects for
that chunk (fingerprint, index, first point, rows) and the file's size and
checksum match the record, and the file's Parquet metadata says the rows and
its ``point`` column holds exactly the chunk's points. On ``--resume`` a chunk
failing any check is deleted and computed again (the run says which and
why); :meth:`ChunkStore.read` reads only chunks that pass, and refuses a
damaged one. Anything at a chunk's or record's path that is not a regular
file (a folder, a link, a FIFO, a device) is damage ("not a regular file"):
it is never followed nor opened in a way that could block, and ``--resume``
removes it (the link itself, never its target) and computes the chunk again.
A damaged ``sweep.json`` is written again by ``--resume`` and listed with the
repaired chunks. Files in ``chunks/`` whose name is not exactly
``part-NNNNNNNN.parquet`` are ignored. Two runs on one ``OUT`` at once are
refused; the lock goes with the process that holds it (also when killed).

Folders written before the ledger (no ``layout`` in ``sweep.json``) are read
with the structural checks only, and resuming one records its chunks that pass.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import stat
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ..errors import FeasimError, MissingDependency

__all__ = ["ChunkStore", "StoreError", "LAYOUT"]

LAYOUT = 2
_NAME = re.compile(r"part-(\d{8,})\.parquet")


class StoreError(FeasimError, ValueError):
    """The output folder cannot hold this sweep (another sweep's, damaged, in use)."""

    why: str = ""
    """For a damaged ``sweep.json``: what is wrong with it, in a few words."""


class _NotRegular(Exception):
    """A path that should be a regular file is a link, folder, FIFO, device or socket."""


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _read_regular(path: Path, limit: int | None = None) -> bytes:
    """The bytes of ``path`` if it is a regular file, else :class:`_NotRegular`.

    Links are not followed, and a FIFO or device is never opened: the path is
    ``lstat``-ed first, opened without following a link and without blocking,
    and checked again (``fstat``) before a byte is read. More than ``limit``
    bytes is a ValueError.
    """
    if not stat.S_ISREG(os.lstat(path).st_mode):
        raise _NotRegular(path)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if os.path.islink(path):  # became a link since the lstat (ELOOP)
            raise _NotRegular(path) from None
        raise exc from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced since the lstat
            raise _NotRegular(path)
        parts, size = [], 0
        while True:
            part = os.read(fd, 1 << 20)
            if not part:
                break
            parts.append(part)
            size += len(part)
            if limit is not None and size > limit:
                raise ValueError(f"{path} is larger than {limit} bytes")
    finally:
        os.close(fd)
    return b"".join(parts)


def _remove(path: Path) -> None:
    """Delete whatever is at ``path`` (a folder with its contents); never follows a link."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path)
    else:
        os.unlink(path)  # a link: the link itself, never its target


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on environment
        raise MissingDependency("sweeps write Parquet and need pyarrow: "
                          "pip install 'feasim[sweep]'") from exc
    return pa, pq


def _write_atomic(path: Path, data: bytes) -> None:
    """``data`` to ``path``: a hidden temporary file, fsync, rename."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _bounds_of(info: dict[str, Any]) -> Callable[[int], tuple[int, int]]:
    points, per = int(info["points"]), int(info["chunk_points"])
    return lambda k: (k * per, min(points, (k + 1) * per))


class ChunkStore:
    """The output folder of one sweep."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.chunks = self.root / "chunks"
        self.ledger = self.root / "ledger"
        self.manifest = self.root / "sweep.json"
        self.lockfile = self.root / ".lock"
        self.repaired: list[tuple[str, str]] = []
        """What :meth:`open` repaired: ``(name, why)``; chunks deleted to be computed
        again, and ``sweep.json`` when it was damaged and written again."""
        self._fingerprint: str | None = None
        self._lock_fd: int | None = None
        self._verified: dict[int, tuple] = {}

    # ------------------------------------------------------------ names

    def path(self, k: int) -> Path:
        return self.chunks / f"part-{k:08d}.parquet"

    def record_path(self, k: int) -> Path:
        return self.ledger / f"part-{k:08d}.json"

    def _indices(self, folder: Path, suffix: str) -> set[int]:
        """Chunk numbers of the files in ``folder`` named exactly ``part-N{suffix}``."""
        out: set[int] = set()
        try:
            names = os.listdir(folder)
        except OSError:
            return out
        for name in names:
            if not name.endswith(suffix):
                continue
            m = _NAME.fullmatch(name[: -len(suffix)] + ".parquet")
            if m and name == f"part-{int(m.group(1)):08d}{suffix}":
                out.add(int(m.group(1)))
        return out

    # ------------------------------------------------------------ lock

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            return
        try:
            fd = os.open(self.lockfile, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"cannot write the sweep folder {self.root}: "
                             f"{exc.strerror or exc}; use another --out") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "?"
            except OSError:  # pragma: no cover
                holder = "?"
            os.close(fd)
            raise StoreError(f"{self.root} is in use by another feasim sweep (pid {holder}); "
                             "wait for it to finish, or use another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def close(self) -> None:
        """Release the folder (the lock taken by :meth:`open`); safe to call twice."""
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            try:
                os.ftruncate(fd, 0)
            except OSError:  # pragma: no cover
                pass
            os.close(fd)  # closing the descriptor drops the flock

    def __enter__(self) -> "ChunkStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------ manifest

    def _load_manifest(self) -> dict[str, Any]:
        """``sweep.json``, or a StoreError saying what is wrong with it (and its ``why``)."""
        def damaged(message: str, why: str) -> StoreError:
            exc = StoreError(message)
            exc.why = why
            return exc

        try:
            text = _read_regular(self.manifest).decode("utf-8")
        except FileNotFoundError:
            raise StoreError(f"{self.root} holds no sweep (no sweep.json)") from None
        except _NotRegular:
            raise damaged(f"{self.manifest} is damaged (not a regular file)",
                          "not a regular file") from None
        except (OSError, UnicodeDecodeError) as exc:
            why = getattr(exc, "strerror", None) or str(exc)
            raise damaged(f"cannot read {self.manifest}: {why}", why) from None
        if not text.strip():
            raise damaged(f"{self.manifest} is damaged (empty file)", "empty file")
        try:
            info = json.loads(text)
        except ValueError as exc:
            raise damaged(f"{self.manifest} is damaged (not JSON: {exc})",
                          f"not JSON: {exc}") from None
        if not isinstance(info, dict) or not all(
                isinstance(info.get(k), int) and not isinstance(info.get(k), bool)
                for k in ("points", "chunks", "chunk_points")) \
                or not isinstance(info.get("fingerprint"), str):
            raise damaged(f"{self.manifest} is damaged (fields missing or of the wrong "
                          "type: points, chunks, chunk_points, fingerprint)",
                          "fields missing or of the wrong type")
        return info

    def info(self) -> dict[str, Any]:
        """The sweep's ``sweep.json`` (a StoreError if missing or damaged)."""
        return self._load_manifest()

    # ------------------------------------------------------------ open

    def open(self, info: dict[str, Any], resume: bool,
             bounds: Callable[[int], tuple[int, int]] | None = None) -> set[int]:
        """Lock the folder, check it, repair it (resume); return the chunks already done.

        ``bounds(k)`` is ``(first point, end)`` of chunk ``k`` (default: from
        ``info``). Chunks that fail verification are deleted and listed in
        :attr:`repaired`. The lock is held until :meth:`close`.
        """
        bounds = bounds or _bounds_of(info)
        self._fingerprint = info["fingerprint"]
        if self.root.exists() and not self.root.is_dir():
            raise StoreError(f"{self.root} exists and is not a sweep folder; use another --out")
        if self.root.is_dir() and not os.path.lexists(self.manifest) and any(
                p.name != ".lock" for p in self.root.iterdir()):
            raise StoreError(f"{self.root} exists and is not a sweep folder; use another --out")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot write the sweep folder {self.root}: "
                             f"{exc.strerror or exc}; use another --out") from None
        self._lock()
        legacy = False
        if os.path.lexists(self.manifest):
            try:
                old = self._load_manifest()
            except StoreError as exc:
                if not resume:
                    raise StoreError(f"{exc}; use --resume to repair it and continue the "
                                     "sweep, or another --out") from None
                self._adopt_damaged_manifest()
                self.repaired.append((self.manifest.name,
                                      f"unreadable: {exc.why or exc}; written again"))
                try:  # a folder, link or FIFO there: removed, never followed
                    if not stat.S_ISREG(os.lstat(self.manifest).st_mode):
                        _remove(self.manifest)
                except OSError as err:
                    raise StoreError(f"cannot write the sweep folder {self.root}: "
                                     f"{err.strerror or err}; use another --out") from None
            else:
                if not resume:
                    raise StoreError(f"{self.root} already holds a sweep ({old.get('name')}); "
                                     f"use --resume to continue it, or another --out")
                if old.get("fingerprint") != info["fingerprint"]:
                    raise StoreError(f"{self.root} holds a different sweep (fingerprint "
                                     f"{old.get('fingerprint')} ≠ {info['fingerprint']}): the "
                                     f"sweep or its scenario changed; use another --out")
                legacy = old.get("layout", 1) < LAYOUT
        elif any(p.name != ".lock" for p in self.root.iterdir()):  # appeared meanwhile
            raise StoreError(f"{self.root} exists and is not a sweep folder; use another --out")
        try:
            self.chunks.mkdir(exist_ok=True)
            self.ledger.mkdir(exist_ok=True)
            self._clean_temporaries()
            done = self._repair(info, bounds, legacy)
            _write_atomic(self.manifest, json.dumps({**info, "layout": LAYOUT}, indent=2,
                                                    sort_keys=True).encode("utf-8"))
        except OSError as exc:
            raise StoreError(f"cannot write the sweep folder {self.root}: "
                             f"{exc.strerror or exc}; use another --out") from None
        return done

    def _adopt_damaged_manifest(self) -> None:
        """Resuming over a damaged sweep.json: only if every record is this sweep's."""
        recorded = self._indices(self.ledger, ".json")
        for k in sorted(recorded):
            rec = self._record(k)
            if isinstance(rec, dict) and rec.get("fingerprint") not in (None,
                                                                       self._fingerprint):
                raise StoreError(f"{self.manifest} is damaged and the chunks in {self.root} "
                                 "belong to a different sweep; use another --out")
        if not recorded and self._indices(self.chunks, ".parquet"):
            raise StoreError(f"{self.manifest} is damaged and the chunks in {self.root} "
                             "carry no record of their sweep; use another --out")

    def _clean_temporaries(self) -> None:
        """Delete what runs interrupted mid-write left (only under the lock)."""
        for folder in (self.chunks, self.ledger, self.root):
            for p in folder.iterdir():
                n = p.name
                ours = (n.startswith((".part-", ".sweep.json")) and ".tmp-" in n) or \
                    n == "sweep.json.tmp" or \
                    (n.endswith(".parquet.tmp") and _NAME.fullmatch(n[:-4]) is not None)
                if ours and p.is_file():
                    p.unlink(missing_ok=True)

    def _repair(self, info: dict[str, Any], bounds, legacy: bool) -> set[int]:
        n = int(info["chunks"])
        files = {k for k in self._indices(self.chunks, ".parquet") if k < n}
        records = {k for k in self._indices(self.ledger, ".json") if k < n}
        done = set()
        for k in sorted(files | records):
            if legacy and k in files and k not in records:
                why = self._check(k, *bounds(k), structural_only=True)
                if why is None:  # a chunk of the old layout that passes: record it
                    data = _read_regular(self.path(k))
                    lo, hi = bounds(k)
                    self._write_record(k, lo, hi - lo, data)
                    done.add(k)
                    continue
            else:
                why = self._check(k, *bounds(k))
            if why is None:
                done.add(k)
                continue
            if k in files or why != "its file is missing":
                self.repaired.append((self.path(k).stem, why))
            _remove(self.path(k))  # a folder there too; a link, never its target
            _remove(self.record_path(k))
        return done

    # ------------------------------------------------------------ verification

    def _record(self, k: int) -> dict[str, Any] | str:
        try:
            rec = json.loads(_read_regular(self.record_path(k), limit=1 << 20))
        except FileNotFoundError:
            return "its record is missing"
        except _NotRegular:
            return "its record is not a regular file"
        except (OSError, ValueError):
            return "its record is damaged"
        return rec if isinstance(rec, dict) else "its record is damaged"

    def _check(self, k: int, lo: int, hi: int, *, structural_only: bool = False,
               data: bytes | None = None) -> str | None:
        """None if chunk ``k`` (points ``lo``..``hi``-1) is sound, else why not."""
        path = self.path(k)
        try:  # lstat: a link, folder or FIFO is damage, never followed or opened
            st = os.lstat(path)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            return f"unreadable ({exc.strerror or exc})"
        if st is not None and not stat.S_ISREG(st.st_mode):
            return "not a regular file"
        rec: dict[str, Any] = {}  # the chunk's record (read unless structural_only)
        if not structural_only:
            found = self._record(k)
            if isinstance(found, str):
                return found if st is not None or "regular" in found else "its file is missing"
            rec = found
            want: dict[str, Any] = {"chunk": k, "first_point": lo, "rows": hi - lo}
            if self._fingerprint is not None:
                want["fingerprint"] = self._fingerprint
            if any(rec.get(key) != v for key, v in want.items()):
                return "its record is not this chunk's"
        if st is None:
            return "its file is missing"
        if not structural_only and st.st_size != rec.get("bytes"):
            return (f"checksum mismatch: {st.st_size} bytes, not {rec.get('bytes')}"
                    if st.st_size else "empty file")
        try:
            data = _read_regular(path) if data is None else data
        except FileNotFoundError:
            return "its file is missing"
        except _NotRegular:
            return "not a regular file"
        except OSError as exc:
            return f"unreadable ({exc.strerror or exc})"
        if not structural_only and hashlib.sha256(data).hexdigest() != rec.get("sha256"):
            return "checksum mismatch"
        pa, pq = _pyarrow()
        try:
            f = pq.ParquetFile(io.BytesIO(data))
            if f.metadata.num_rows != hi - lo:
                return f"{f.metadata.num_rows} rows, not {hi - lo}"
            point = f.read(columns=["point"]).column("point").to_numpy()
        except Exception as exc:  # noqa: BLE001 - any damage pyarrow reports
            return f"not a readable Parquet file ({type(exc).__name__})"
        if not np.array_equal(point, np.arange(lo, hi)):
            return (f"holds points {int(point.min())}..{int(point.max())}, "
                    f"not {lo}..{hi - 1}" if point.size else "holds no points")
        return None

    def _write_record(self, k: int, first_point: int, rows: int, data: bytes) -> None:
        rec = {"chunk": k, "file": self.path(k).name, "first_point": first_point,
               "rows": rows, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
               "fingerprint": self._fingerprint}
        _write_atomic(self.record_path(k), json.dumps(rec, sort_keys=True).encode("utf-8"))

    # ------------------------------------------------------------ write / read

    def done(self) -> set[int]:
        """Chunks whose file and record are both on disk (not verified: see :meth:`open`)."""
        files = self._indices(self.chunks, ".parquet")
        if not self.ledger.is_dir():
            return files  # a folder of the old layout
        return files & self._indices(self.ledger, ".json")

    def write(self, k: int, columns: dict[str, Any]) -> None:
        pa, pq = _pyarrow()
        # Lists (the error column) are text, also when every entry is None.
        def text(col: list) -> Any:  # all None (no point failed): no per-item conversion
            if not any(x is not None for x in col):
                return pa.nulls(len(col), pa.string())
            return pa.array(col, type=pa.string())

        table = pa.table({name: text(col) if isinstance(col, list) else np.asarray(col)
                          for name, col in columns.items()})
        buf = pa.BufferOutputStream()
        pq.write_table(table, buf)
        data = buf.getvalue().to_pybytes()
        point = np.asarray(columns["point"])
        self.record_path(k).unlink(missing_ok=True)  # never a record of another file
        _write_atomic(self.path(k), data)
        self._write_record(k, int(point[0]) if point.size else 0, int(point.size), data)

    def _verified_chunks(self):
        """``(k, path, bytes or None)`` of every verified chunk, in point order.

        ``bytes`` is the file's content when it was just read to be checked (None:
        checked before by this store, and unchanged since). A recorded chunk that
        fails its checks is a StoreError; chunks not recorded are left out.
        """
        info = self._load_manifest()
        if self._fingerprint is None:
            self._fingerprint = info["fingerprint"]
        bounds = _bounds_of(info)
        legacy = info.get("layout", 1) < LAYOUT
        n = info["chunks"]
        if legacy:
            todo = {k for k in self._indices(self.chunks, ".parquet") if k < n}
        else:
            todo = {k for k in self._indices(self.ledger, ".json") if k < n}
        for k in sorted(todo):
            path = self.path(k)
            try:
                st = os.lstat(path)  # never follows a link
            except FileNotFoundError:
                continue  # recorded, file gone: not done
            key = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino)
            if self._verified.get(k) == key:
                yield k, path, None
                continue
            try:
                data = _read_regular(path)
            except _NotRegular:
                data, why = None, "not a regular file"
            except OSError as exc:
                raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from None
            else:
                why = self._check(k, *bounds(k), structural_only=legacy, data=data)
            if why is not None:
                raise StoreError(f"chunk {path.stem} in {self.root} is damaged ({why}); run "
                                 "the sweep again with --resume to compute it again")
            self._verified[k] = key
            yield k, path, data

    def verified_files(self) -> list[Path]:
        """The chunk files that pass verification, in point order (see :meth:`read`)."""
        return [path for _, path, _ in self._verified_chunks()]

    def read(self, columns: list[str] | None = None):
        """The verified chunks as one pyarrow Table, rows in point order.

        Only chunks named exactly ``part-NNNNNNNN.parquet`` with their record are
        read, each checked (checksum, rows, points) once per store; a recorded
        chunk that fails is a StoreError (``--resume`` recomputes it); chunks not
        (yet) recorded are left out.
        """
        pa, pq = _pyarrow()
        tables = [pq.read_table(path if data is None else pa.BufferReader(data),
                                columns=columns) for _, path, data in self._verified_chunks()]
        if not tables:
            raise StoreError(f"{self.root} has no results yet")
        return pa.concat_tables(tables)
