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
           "line_length_km", "line_length_km_cached", "read_line", "read_regions", "resolve",
           "sectors_from_files", "sectors_from_regions", "points_along", "behind",
           "base_positions_km", "grid_positions_km", "countries"]

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


def _version(p: Path) -> tuple[int, int]:
    """``(mtime_ns, size)`` of a regular file: the key under which its contents are cached
    (scenarios are validated again on every override)."""
    if not p.is_file():
        raise GeoError("no_such_file", f"no such file (or not a regular file): {p}")
    st = p.stat()
    return st.st_mtime_ns, st.st_size


def line_length_km_cached(path: str | Path) -> float:
    """:func:`line_length_km` of the file at ``path``, read once per version of the file."""
    p = Path(path)
    version = _version(p)
    _geod()   # the extra's absence is reported before the file is read
    return _cached(str(p), *version)


# ---------------------------------------------------------------- sectors from regions

GAP_TOLERANCE = 0.001
"""Largest share of the line's length allowed outside every region (fraction: 0.1%);
pieces are scaled to sum to the line's length exactly."""

REGION_KEYS = ("visibility", "threat")
"""Per-sector inputs a region's properties may give (the other properties are ignored)."""


def _transformers(parts: list[list[tuple[float, float]]]) -> tuple[Any, Any]:
    """Transforms between WGS84 and an azimuthal equidistant projection centred on the
    line, where intersections are cut (distances from the centre are exact)."""
    _geod()
    from pyproj import Transformer

    lons = [p[0] for part in parts for p in part]
    lats = [p[1] for part in parts for p in part]
    lon0, lat0 = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    proj = f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m"
    return (Transformer.from_crs("EPSG:4326", proj, always_xy=True),
            Transformer.from_crs(proj, "EPSG:4326", always_xy=True))


def read_regions(path: str | Path) -> list[dict[str, Any]]:
    """The regions of a GeoJSON ``FeatureCollection`` of ``Polygon``/``MultiPolygon``
    features: ``{"name", "geometry" (GeoJSON), "visibility"?, "threat"?}`` each; a
    feature needs a ``name`` property, unique in the file."""
    p = Path(path)
    if not p.is_file():
        raise GeoError("no_such_file", f"no such file: {p}")
    if p.stat().st_size > MAX_BYTES:
        raise GeoError("too_large", f"{p} is over {MAX_BYTES:,} bytes")
    try:
        obj = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GeoError("not_geojson", f"{p} is not JSON: {exc}") from None
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection" \
            or not isinstance(obj.get("features"), list):
        raise GeoError("not_geojson", "regions must be a GeoJSON FeatureCollection")
    out, seen = [], set()
    for i, f in enumerate(obj["features"]):
        geom = f.get("geometry") if isinstance(f, dict) else None
        props = (f.get("properties") or {}) if isinstance(f, dict) else {}
        if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
            raise GeoError("not_a_polygon", f"region feature {i} is not a Polygon or "
                                            "MultiPolygon")
        name = props.get("name") if isinstance(props, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise GeoError("region_without_name", f"region feature {i} has no 'name' property")
        if name in seen:
            raise GeoError("duplicate_region", f"two regions are named {name!r}")
        seen.add(name)
        rec: dict[str, Any] = {"name": name, "geometry": geom}
        for k in REGION_KEYS:
            if k in props:
                rec[k] = props[k]
        out.append(rec)
    if not out:
        raise GeoError("not_geojson", "the regions file holds no feature")
    return out


def sectors_from_regions(parts: list[list[tuple[float, float]]],
                         regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sectors where the line crosses the regions, in order along the line: one per
    stretch inside a region (named after it, ``NAME (2)`` for its second stretch), with
    the region's ``visibility`` and ``threat``, and ``length_km`` its geodesic length.

    Lengths are scaled to sum to the line's geodesic length exactly; a share of the line
    above :data:`GAP_TOLERANCE` outside every region (or inside two) is an error that
    gives the kilometre ranges.
    """
    import numpy as np
    try:
        import shapely
        from shapely.geometry import LineString, Point, shape
    except ImportError:
        raise GeoError("geo_extra_missing", "sectors from regions (theatre.regions_file) "
                                            f"need the geo extra: {EXTRA}") from None

    fwd_t, back_t = _transformers(parts)

    def fwd(xy: Any) -> Any:
        return np.column_stack(fwd_t.transform(xy[:, 0], xy[:, 1]))

    def back(xy: Any) -> Any:
        return np.column_stack(back_t.transform(xy[:, 0], xy[:, 1]))

    total = line_length_km(parts)
    pieces: list[tuple[float, str, float]] = []   # (position km, region, length km)
    offset = 0.0
    projected = [shapely.transform(shape(r["geometry"]), fwd) for r in regions]
    for part in parts:
        line = shapely.transform(LineString(part), fwd)
        scale = geodesic_length_km(part) / (line.length / 1000.0)   # projected → geodesic
        for r, poly in zip(regions, projected, strict=True):
            cut = line.intersection(poly)
            for seg in getattr(cut, "geoms", [cut]):
                if seg.is_empty or seg.geom_type != "LineString" or seg.length == 0:
                    continue
                start = line.project(Point(seg.coords[0]))
                ll = shapely.transform(seg, back)
                pieces.append((offset + start / 1000.0 * scale, r["name"],
                               geodesic_length_km(list(ll.coords))))
        offset += geodesic_length_km(part)
    if not pieces:
        raise GeoError("line_outside_regions", "the line crosses none of the regions")
    pieces.sort()
    covered = sum(p[2] for p in pieces)
    if abs(covered - total) > GAP_TOLERANCE * total:
        gaps, at = [], 0.0
        for pos, _, length in pieces:
            if pos - at > GAP_TOLERANCE * total:
                gaps.append(f"km {at:,.1f}–{pos:,.1f}")
            at = max(at, pos + length)
        if total - at > GAP_TOLERANCE * total:
            gaps.append(f"km {at:,.1f}–{total:,.1f}")
        what = ("outside every region: " + ", ".join(gaps[:10])) if gaps else \
            "in more than one region (regions overlap)"
        raise GeoError("regions_do_not_cover", f"{abs(covered - total):,.1f} km of the "
                                               f"{total:,.1f} km line lie {what}")
    count: dict[str, int] = {}
    by_name = {r["name"]: r for r in regions}
    out = []
    for _, name, length in pieces:
        count[name] = count.get(name, 0) + 1
        label = name if count[name] == 1 else f"{name} ({count[name]})"
        sec = {"name": label, "length_km": length * total / covered}
        sec.update({k: by_name[name][k] for k in REGION_KEYS if k in by_name[name]})
        out.append(sec)
    return out


@functools.lru_cache(maxsize=32)
def _cached_sectors(line: str, lstat: tuple[int, int], regions: str,
                    rstat: tuple[int, int]) -> tuple[tuple[tuple[str, Any], ...], ...]:
    secs = sectors_from_regions(read_line(line), read_regions(regions))
    return tuple(tuple(s.items()) for s in secs)


def sectors_from_files(line_path: str | Path, regions_path: str | Path) -> list[dict[str, Any]]:
    """:func:`sectors_from_regions` for a line file and a regions file, computed once per
    version of the two files."""
    lp, rp = Path(line_path), Path(regions_path)
    versions = _version(lp), _version(rp)
    _geod()
    return [dict(s) for s in _cached_sectors(str(lp), versions[0], str(rp), versions[1])]


# ---------------------------------------------------------------- placement


def points_along(parts: list[list[tuple[float, float]]], km: Any) -> tuple[Any, Any, Any]:
    """``(lon, lat, azimuth)`` (degrees) of the points ``km`` kilometres along the line from
    its first point, on the geodesic of the segment they fall in; the azimuth is the
    line's direction there (degrees clockwise from north). Positions past the end are
    placed at the end; the parts of a ``MultiLineString`` follow one another."""
    import numpy as np

    g = _geod()
    segs = []   # (start km, length km, lon0, lat0, azimuth)
    at = 0.0
    for part in parts:
        for (lon0, lat0), (lon1, lat1) in zip(part, part[1:], strict=False):
            az, _, dist = g.inv(lon0, lat0, lon1, lat1)
            segs.append((at, dist / 1000.0, lon0, lat0, az))
            at += dist / 1000.0
    starts = np.array([s[0] for s in segs])
    x = np.clip(np.atleast_1d(np.asarray(km, dtype=float)), 0.0, at)
    i = np.clip(np.searchsorted(starts, x, side="right") - 1, 0, len(segs) - 1)
    table = np.array(segs, dtype=float)   # columns: start, length, lon0, lat0, azimuth
    lon, lat, back = g.fwd(table[i, 2], table[i, 3], table[i, 4], (x - starts[i]) * 1000.0)
    return np.asarray(lon), np.asarray(lat), (np.asarray(back) + 180.0) % 360.0


def behind(lon: Any, lat: Any, azimuth: Any, depth_km: float, side: str) -> tuple[Any, Any]:
    """Points ``depth_km`` from ``(lon, lat)`` at right angles to a line heading
    ``azimuth``, on its ``left`` or ``right`` (facing along the line)."""
    import numpy as np

    turn = {"left": -90.0, "right": 90.0}[side]
    az = np.asarray(azimuth, dtype=float) + turn
    out_lon, out_lat, _ = _geod().fwd(lon, lat, az, np.full(np.shape(az), depth_km * 1000.0))
    return np.asarray(out_lon), np.asarray(out_lat)


def base_positions_km(line_km: float, bases: int) -> Any:
    """Where the QRF bases stand along the line (km): the centres of equal catchments,
    ``(j + ½) × L / B``, as both models place them."""
    import numpy as np

    return (np.arange(bases) + 0.5) * line_km / bases


def grid_positions_km(line_km: float, count: int, phase_km: float = 0.0) -> Any:
    """Where ``count`` observation posts or evenly placed sensors stand along the line
    (km): ``phase + (k + ½) × L / count`` modulo ``L``. The analytic model spreads them
    so; the simulation draws ``phase`` uniformly in ``[0, L / count)`` per replication
    (the map shows ``phase`` = 0)."""
    import numpy as np

    if count <= 0:
        return np.empty(0)
    return np.sort(np.mod(phase_km + (np.arange(count) + 0.5) * line_km / count, line_km))


def countries() -> dict[str, Any]:
    """The shipped country outlines around Ukraine (GeoJSON ``FeatureCollection``, public
    domain Natural Earth 1:10m), or an empty collection if they are not installed."""
    f = resources.files("feasim") / "refdata" / "geo" / "countries-ukraine-region.geojson"
    try:
        return json.loads(f.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return {"type": "FeatureCollection", "features": []}
