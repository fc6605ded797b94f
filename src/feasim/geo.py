"""The line on a map: a scenario's line read from a GeoJSON file (the ``geo`` extra).

``theatre.line_file`` names a GeoJSON ``LineString`` or ``MultiLineString`` in WGS84
longitude/latitude (a bare geometry, a ``Feature`` or a ``FeatureCollection`` holding one
line feature), or one of the lines shipped with feasim as ``builtin:NAME``
(:func:`builtin_lines`). Its geodesic length on the WGS84 ellipsoid (pyproj's
``Geod.line_length``, Karney's algorithm) becomes the scenario's ``line_km``; a stated
``line_km`` more than :data:`LENGTH_TOLERANCE` (1%) away from it is an error naming both.

The parts of a ``MultiLineString`` are separate stretches of one line: their lengths add
up, and nothing joins them. The models see the line only through its length and its
sectors, exactly as a typed-in ``line_km``: a scenario with a geographic line gives the
same results as its one-dimensional twin with the same lengths.

Needs ``pip install 'feasim[geo]'`` (pyproj); without it a scenario with ``line_file``
is refused (exit 2) with that command.
"""

from __future__ import annotations

import functools
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["LENGTH_TOLERANCE", "GeoError", "builtin_lines", "geodesic_length_km",
           "line_length_km", "line_length_km_cached", "read_line", "resolve"]

LENGTH_TOLERANCE = 0.01
"""Largest relative difference allowed between a stated ``line_km`` and the geodesic
length of ``line_file`` (fraction: 1%)."""

MAX_BYTES = 20_000_000
"""Largest GeoJSON file read (bytes)."""

MAX_POINTS = 2_000_000
"""Most coordinate pairs read from one file."""

BUILTIN = "builtin:"
"""Prefix of a line shipped with feasim (``builtin:ukraine-belarus-border``)."""

EXTRA = "pip install 'feasim[geo]'"


class GeoError(ValueError):
    """A line file that cannot be used: ``rule`` names the check that failed."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule


def builtin_lines() -> dict[str, Path]:
    """The lines shipped with feasim, by name (``builtin:NAME`` in ``theatre.line_file``):
    public-domain Natural Earth 1:10m borders (see their README for source and licence)."""
    folder = resources.files("feasim") / "refdata" / "geo"
    out = {}
    try:
        entries = list(folder.iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return {}
    for f in sorted(entries, key=lambda p: p.name):
        name = f.name
        if name.endswith("-border.geojson"):
            out[name[: -len(".geojson")]] = Path(str(f))
    return out


def resolve(line_file: str, base_dir: str | Path | None = None) -> Path:
    """The file ``line_file`` names: a shipped line (``builtin:NAME``), else a path,
    relative to ``base_dir`` (the scenario file's folder) when not absolute."""
    if line_file.startswith(BUILTIN):
        name = line_file[len(BUILTIN):]
        known = builtin_lines()
        if name not in known:
            raise GeoError("unknown_line", f"no shipped line {name!r} (known: "
                                           f"{', '.join(known) or 'none'})")
        return known[name]
    p = Path(line_file).expanduser()
    if not p.is_absolute() and base_dir is not None:
        p = Path(base_dir) / p
    return p


def _lines_of(obj: Any) -> list[list[list[float]]]:
    """The coordinate lists of a GeoJSON object's one line geometry."""
    if not isinstance(obj, dict):
        raise GeoError("not_geojson", "the file is not a GeoJSON object")
    kind = obj.get("type")
    if kind == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list):
            raise GeoError("not_geojson", "a FeatureCollection needs a list of features")
        lines = [f for f in feats if isinstance(f, dict) and isinstance(f.get("geometry"), dict)
                 and f["geometry"].get("type") in ("LineString", "MultiLineString")]
        if len(lines) != 1:
            raise GeoError("not_one_line", f"the FeatureCollection holds {len(lines)} line "
                                           "features; feasim needs exactly one")
        return _lines_of(lines[0]["geometry"])
    if kind == "Feature":
        return _lines_of(obj.get("geometry"))
    if kind == "LineString":
        return [obj.get("coordinates")]  # type: ignore[list-item]
    if kind == "MultiLineString":
        parts = obj.get("coordinates")
        if not isinstance(parts, list) or not parts:
            raise GeoError("bad_coordinates", "a MultiLineString needs a list of lines")
        return parts
    raise GeoError("not_a_line", f"the geometry is {kind!r}; feasim needs a LineString or "
                                 "MultiLineString")


def _check(parts: list[Any]) -> list[list[tuple[float, float]]]:
    out, count = [], 0
    for i, part in enumerate(parts):
        if not isinstance(part, list) or len(part) < 2:
            raise GeoError("bad_coordinates", f"line part {i} needs at least two positions")
        pts = []
        for j, pos in enumerate(part):
            count += 1
            if count > MAX_POINTS:
                raise GeoError("too_large", f"more than {MAX_POINTS:,} positions")
            ok = (isinstance(pos, list) and len(pos) >= 2
                  and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                          for v in pos[:2]))
            if not ok:
                raise GeoError("bad_coordinates", f"position {j} of part {i} is not "
                                                  f"[longitude, latitude]: {str(pos)[:60]}")
            lon, lat = float(pos[0]), float(pos[1])
            if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180
                    and -90 <= lat <= 90):
                raise GeoError("bad_coordinates", f"position {j} of part {i} is outside "
                                                  f"WGS84 longitude/latitude: {lon}, {lat}")
            pts.append((lon, lat))
        out.append(pts)
    return out


def read_line(path: str | Path) -> list[list[tuple[float, float]]]:
    """The parts of the line in a GeoJSON file, each a list of ``(lon, lat)`` in degrees.

    Raises :class:`GeoError` for a missing, oversized or malformed file, or one that
    holds no single line.
    """
    p = Path(path)
    if not p.is_file():
        raise GeoError("no_such_file", f"no such file: {p}")
    size = p.stat().st_size
    if size > MAX_BYTES:
        raise GeoError("too_large", f"{p} is {size:,} bytes (at most {MAX_BYTES:,})")
    try:
        obj = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GeoError("not_geojson", f"{p} is not JSON: {exc}") from None
    return _check(_lines_of(obj))


def _geod() -> Any:
    try:
        from pyproj import Geod
    except ImportError:
        raise GeoError("geo_extra_missing", "a geographic line (theatre.line_file) needs "
                                            f"the geo extra: {EXTRA}") from None
    return Geod(ellps="WGS84")


def geodesic_length_km(points: list[tuple[float, float]]) -> float:
    """Geodesic length (km) on the WGS84 ellipsoid of a path through ``(lon, lat)``
    points in degrees, segment by segment (pyproj ``Geod.line_length``)."""
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    return float(_geod().line_length(lons, lats)) / 1000.0


def line_length_km(parts: list[list[tuple[float, float]]]) -> float:
    """Geodesic length (km) of a line of one or more parts (their lengths add up)."""
    return sum(geodesic_length_km(p) for p in parts)


@functools.lru_cache(maxsize=32)
def _cached(path: str, mtime_ns: int, size: int) -> float:
    return line_length_km(read_line(path))


def line_length_km_cached(path: str | Path) -> float:
    """:func:`line_length_km` of the file at ``path``, read once per version of the file
    (scenarios are validated again on every override)."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        raise GeoError("no_such_file", f"no such file: {p}") from None
    if not p.is_file():
        raise GeoError("no_such_file", f"not a regular file: {p}")
    _geod()   # the extra's absence is reported before the file is read
    return _cached(str(p), st.st_mtime_ns, st.st_size)
