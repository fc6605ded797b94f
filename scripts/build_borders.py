#!/usr/bin/env python3
"""Build feasim's packaged border geometry from Natural Earth (via world-atlas).

What it makes (in ``src/feasim/refdata/geo/`` unless ``--out-dir`` says otherwise):

``ukraine-belarus-border.geojson``
    The Belarus-Ukraine international border as one LineString, from the
    Belarus-Poland-Ukraine tripoint to the Belarus-Russia-Ukraine tripoint.
``ukraine-russia-border.geojson``
    Every boundary the data draws between a Ukraine polygon and a Russia
    polygon, stitched into as few LineStrings as possible (a MultiLineString
    when the pieces do not join), each piece in the order it occurs along
    Ukraine's outline, the land border first.
``countries-ukraine-region.geojson``
    The outlines of Ukraine and its neighbours clipped to lon 20..42,
    lat 43..54, as a backdrop for maps.

Source: Natural Earth 1:10m Admin 0 countries (public domain), as carried
by the npm package ``world-atlas`` 2.0.2, file ``countries-10m.json`` (a
quantized TopoJSON topology; world-atlas itself is ISC-licensed).  Get the
tarball with ``npm pack world-atlas@2.0.2`` and run, from the repository
root::

    python scripts/build_borders.py /tmp/world-atlas-2.0.2.tgz

How it works: the TopoJSON arcs are decoded (delta-encoded integer
positions, then ``transform`` scale and translate; a negative arc index
``i`` in a ring means arc ``~i`` traversed backwards).  Two countries'
common border is the set of arcs both countries' rings refer to, because a
topology stores every shared boundary once.  Those arcs are taken in the
order Ukraine's rings walk them and joined end to end; joins are tested on
the exact integer positions, so there is no tolerance to choose.  An arc
that starts and ends at the same position and encloses no area (an
out-and-back spike left by quantization) is left out of a line and
reported.  Coordinates are WGS84 longitude/latitude rounded to 5 decimals.

Only the Python standard library is used.  The script prints what it
matched, the pieces it stitched, their haversine lengths and how the data
depicts Crimea; its output is deterministic, so re-running it on the same
tarball reproduces the shipped files byte for byte.
"""

from __future__ import annotations

import argparse
import json
import math
import tarfile
from pathlib import Path

MEMBER = "package/countries-10m.json"
PACKAGE_VERSION = "2.0.2"
SOURCE = ("Natural Earth 1:10m Admin 0 countries, via the world-atlas npm package "
          "2.0.2 (countries-10m.json)")
SOURCE_URL = ["https://www.naturalearthdata.com/", "https://github.com/topojson/world-atlas"]
LICENCE = "public domain (Natural Earth terms of use)"
LICENCE_NOTE = ("Natural Earth data are in the public domain; the world-atlas packaging "
                "is ISC-licensed (Copyright 2013-2019 Michael Bostock).")
GENERATED_BY = "scripts/build_borders.py"
DECIMALS = 5
EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius

#: Countries by ISO 3166-1 numeric code (the TopoJSON ``id``) and the name
#: the file's ``properties.name`` must carry; both must agree.
COUNTRIES = {
    "UKR": ("804", "Ukraine"),
    "BLR": ("112", "Belarus"),
    "RUS": ("643", "Russia"),
    "POL": ("616", "Poland"),
    "SVK": ("703", "Slovakia"),
    "HUN": ("348", "Hungary"),
    "ROU": ("642", "Romania"),
    "MDA": ("498", "Moldova"),
}
REGION = ["UKR", "BLR", "RUS", "POL", "SVK", "HUN", "ROU", "MDA"]
REGION_BOX = (20.0, 43.0, 42.0, 54.0)  # lon_min, lat_min, lon_max, lat_max
REGION_MAX_BYTES = 300_000
LENGTH_NOTE = ("Lengths are haversine on a sphere of radius 6371.0088 km. Natural Earth "
               "1:10m is generalized for 1:10 000 000 mapping and cuts off river meanders: "
               "this line measures about {measured} km against {surveyed} for the surveyed "
               "border. Use it to draw the border, not to measure it.")
SURVEYED_BLR = "about 1,084 km (feasim figures.yaml, belarus_ukraine_border_km)"
SURVEYED_RUS = "about 1,926-1,974 km on land (feasim figures.yaml, russia_ukraine_border_km)"
CRIMEA_PROBE = (34.1, 44.95)  # a point in central Crimea (near Simferopol)


# ----------------------------------------------------------------- reading and decoding


def read_topology(tarball: Path) -> dict:
    """The parsed ``countries-10m.json`` from the world-atlas npm tarball."""
    with tarfile.open(tarball, "r:gz") as tar:
        member = tar.getmember(MEMBER)
        handle = tar.extractfile(member)
        if handle is None:
            raise SystemExit(f"{tarball}: {MEMBER} is not a regular file")
        return json.load(handle)


def decode_arcs(topology: dict) -> list[list[tuple[int, int]]]:
    """Every arc as absolute quantized integer positions (deltas summed)."""
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        positions = []
        for dx, dy in arc:
            x += dx
            y += dy
            positions.append((x, y))
        arcs.append(positions)
    return arcs


class Decoder:
    """Turns quantized positions into rounded lon/lat with the topology's transform."""

    def __init__(self, topology: dict):
        transform = topology["transform"]
        self.sx, self.sy = transform["scale"]
        self.tx, self.ty = transform["translate"]

    def lonlat(self, position: tuple[int, int]) -> list[float]:
        x, y = position
        return [round(x * self.sx + self.tx, DECIMALS), round(y * self.sy + self.ty, DECIMALS)]

    def line(self, positions: list[tuple[int, int]]) -> list[list[float]]:
        return [self.lonlat(p) for p in positions]


def oriented(arcs: list, index: int) -> list[tuple[int, int]]:
    """Arc ``index`` as a ring refers to it: ``~index`` reversed when negative."""
    return list(arcs[index]) if index >= 0 else list(reversed(arcs[~index]))


def absolute(index: int) -> int:
    return index if index >= 0 else ~index


def polygons_of(geometry: dict) -> list[list[list[int]]]:
    """A Polygon or MultiPolygon geometry's arc references as a list of polygons."""
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    raise SystemExit(f"unexpected geometry type {geometry['type']!r}")


def find_countries(topology: dict) -> dict[str, dict]:
    """The geometries of :data:`COUNTRIES`, matched on ISO numeric id and name."""
    found = {}
    geometries = topology["objects"]["countries"]["geometries"]
    for code, (iso_n3, name) in COUNTRIES.items():
        by_id = [g for g in geometries if g.get("id") == iso_n3]
        by_name = [g for g in geometries if g.get("properties", {}).get("name") == name]
        if len(by_id) != 1 or len(by_name) != 1 or by_id[0] is not by_name[0]:
            raise SystemExit(f"{code}: expected one geometry with id {iso_n3} and name "
                             f"{name!r}; found {len(by_id)} by id, {len(by_name)} by name")
        geometry = by_id[0]
        polygons = polygons_of(geometry)
        print(f"matched {code}: id={geometry['id']} name={geometry['properties']['name']!r} "
              f"{geometry['type']} with {len(polygons)} polygon(s)")
        found[code] = geometry
    return found


def rings_of(arcs: list, geometry: dict) -> list[list[list[tuple[int, int]]]]:
    """Each polygon's rings as closed lists of quantized positions."""
    result = []
    for polygon in polygons_of(geometry):
        rings = []
        for ring in polygon:
            positions: list[tuple[int, int]] = []
            for index in ring:
                part = oriented(arcs, index)
                positions.extend(part if not positions else part[1:])
            rings.append(positions)
        result.append(rings)
    return result


# ----------------------------------------------------------------- shared borders


def is_spike(arc: list[tuple[int, int]]) -> bool:
    """A closed arc with no area: quantization left an out-and-back spur."""
    return arc[0] == arc[-1] and abs(signed_area(arc)) == 0


def shared_border(arcs: list, first: dict, second: dict, label: str
                  ) -> list[tuple[list[tuple[int, int]], set[int]]]:
    """The arcs ``first`` and ``second`` have in common, stitched into lines.

    Lines follow the order and direction in which ``first``'s rings walk
    the arcs; runs of consecutive shared arcs are joined (also across the
    ring's start), then any remaining pieces whose ends coincide.  Each
    line comes with the set of arc indices it is made of.
    """
    second_arcs = {absolute(i) for polygon in polygons_of(second) for ring in polygon for i in ring}
    pieces: list[tuple[list[tuple[int, int]], set[int]]] = []
    for polygon in polygons_of(first):
        for ring in polygon:
            flags = [absolute(i) in second_arcs for i in ring]
            if not any(flags):
                continue
            start = 0
            if all(flags):
                pass
            else:  # rotate so the ring starts right after a non-shared arc
                while flags[start - 1] is not False or flags[start] is not True:
                    start += 1
            rotated = ring[start:] + ring[:start]
            run: list[tuple[int, int]] = []
            used: set[int] = set()
            for index in rotated + [None]:
                if index is not None and absolute(index) in second_arcs:
                    arc = oriented(arcs, index)
                    if is_spike(arc):
                        print(f"  {label}: left out arc {absolute(index)}, a zero-area "
                              f"out-and-back spike of {len(arc)} positions")
                        continue
                    run.extend(arc if not run else arc[1:])
                    used.add(absolute(index))
                elif run:
                    pieces.append((run, used))
                    run, used = [], set()
            print(f"  {label}: ring of {len(ring)} arcs shares "
                  f"{sorted(absolute(i) for i in ring if absolute(i) in second_arcs)}")
    # join pieces whose ends touch (e.g. pieces from different rings)
    joined = True
    while joined and len(pieces) > 1:
        joined = False
        for a in range(len(pieces)):
            for b in range(len(pieces)):
                if a != b and pieces[a][0][-1] == pieces[b][0][0]:
                    pieces[a] = (pieces[a][0] + pieces[b][0][1:], pieces[a][1] | pieces[b][1])
                    del pieces[b]
                    joined = True
                    break
            if joined:
                break
    return pieces


def haversine_km(line: list[list[float]]) -> float:
    """Length of a lon/lat polyline on a sphere of radius :data:`EARTH_RADIUS_KM`."""
    total = 0.0
    for (lon1, lat1), (lon2, lat2) in zip(line, line[1:], strict=False):
        p1, p2 = math.radians(lat1), math.radians(lat2)
        dp, dl = p2 - p1, math.radians(lon2 - lon1)
        h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
        total += 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))
    return total


# ----------------------------------------------------------------- polygons


def signed_area(ring) -> float:
    """Shoelace area in coordinate units (positive when counter-clockwise)."""
    pairs = zip(ring, ring[1:] + ring[:1], strict=True)
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in pairs) / 2


def contains(ring, point) -> bool:
    """Even-odd point-in-ring test in the lon/lat plane."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def polygon_contains(rings, point) -> bool:
    return contains(rings[0], point) and not any(contains(hole, point) for hole in rings[1:])


def clip_ring(ring: list[list[float]], box: tuple[float, float, float, float]) -> list[list[float]]:
    """Sutherland-Hodgman clip of a closed ring to an axis-aligned box.

    Where a country leaves and re-enters the box the result runs along the
    box edge; that is harmless for a map backdrop.
    """
    lon_min, lat_min, lon_max, lat_max = box
    edges = [
        (lambda p: p[0] >= lon_min, lambda p, q: _cut_x(p, q, lon_min)),
        (lambda p: p[0] <= lon_max, lambda p, q: _cut_x(p, q, lon_max)),
        (lambda p: p[1] >= lat_min, lambda p, q: _cut_y(p, q, lat_min)),
        (lambda p: p[1] <= lat_max, lambda p, q: _cut_y(p, q, lat_max)),
    ]
    points = ring[:-1] if ring and ring[0] == ring[-1] else list(ring)
    for inside, cut in edges:
        if not points:
            break
        output = []
        for i, current in enumerate(points):
            previous = points[i - 1]
            if inside(current):
                if not inside(previous):
                    output.append(cut(previous, current))
                output.append(current)
            elif inside(previous):
                output.append(cut(previous, current))
        points = output
    points = [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in points]
    deduped = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    if len(deduped) > 1 and deduped[0] == deduped[-1]:
        deduped.pop()
    if len(deduped) < 3 or signed_area(deduped) == 0:
        return []
    return deduped + [deduped[0]]


def _cut_x(p, q, x):
    t = (x - p[0]) / (q[0] - p[0])
    return [x, p[1] + t * (q[1] - p[1])]


def _cut_y(p, q, y):
    t = (y - p[1]) / (q[1] - p[1])
    return [p[0] + t * (q[0] - p[0]), y]


def thin(ring: list[list[float]], k: int) -> list[list[float]]:
    """Every ``k``-th position of a closed ring, keeping it closed."""
    if k <= 1 or len(ring) <= 4 * k:
        return ring
    kept = ring[:-1:k]
    return kept + [kept[0]] if len(kept) >= 3 else ring


def right_hand(rings: list[list[list[float]]]) -> list[list[list[float]]]:
    """RFC 7946 winding: exterior counter-clockwise, holes clockwise."""
    result = []
    for n, ring in enumerate(rings):
        ccw = signed_area(ring) > 0
        want_ccw = n == 0
        result.append(ring if ccw == want_ccw else list(reversed(ring)))
    return result


# ----------------------------------------------------------------- output


def common_properties() -> dict:
    return {
        "source": SOURCE,
        "source_version": f"world-atlas {PACKAGE_VERSION} (Natural Earth 4.1.0)",
        "source_url": SOURCE_URL,
        "licence": LICENCE,
        "licence_note": LICENCE_NOTE,
        "generated_by": GENERATED_BY,
    }


def dump(path: Path, features: list[dict]) -> None:
    """Compact, deterministic GeoJSON, one feature per line."""
    body = ",\n".join(json.dumps(f, separators=(",", ":"), ensure_ascii=False) for f in features)
    text = '{"type":"FeatureCollection","features":[\n' + body + "\n]}\n"
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} ({len(text.encode('utf-8')):,} bytes)")


def line_geometry(lines: list[list[list[float]]]) -> dict:
    if len(lines) == 1:
        return {"type": "LineString", "coordinates": lines[0]}
    return {"type": "MultiLineString", "coordinates": lines}


def main(argv: list[str] | None = None) -> int:
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tarball", nargs="?", default="/tmp/world-atlas-2.0.2.tgz", type=Path,
                        help="world-atlas npm tarball (npm pack world-atlas@2.0.2); "
                             "default %(default)s")
    parser.add_argument("--out-dir", type=Path, default=repo / "src" / "feasim" / "refdata" / "geo",
                        help="where to write the GeoJSON files; default %(default)s")
    args = parser.parse_args(argv)

    topology = read_topology(args.tarball)
    arcs = decode_arcs(topology)
    decoder = Decoder(topology)
    countries = find_countries(topology)
    rings = {code: rings_of(arcs, geometry) for code, geometry in countries.items()}

    # How is Crimea drawn?  Which country's polygon holds the probe point?
    q_probe = ((CRIMEA_PROBE[0] - decoder.tx) / decoder.sx, (CRIMEA_PROBE[1] - decoder.ty) / decoder.sy)
    holders = [code for code, polys in rings.items() if any(polygon_contains(p, q_probe) for p in polys)]
    crimea_arcs = {absolute(i)
                   for code in holders
                   for rings_, polygon in zip(rings[code], polygons_of(countries[code]),
                                              strict=True)
                   if polygon_contains(rings_, q_probe)
                   for ring in polygon for i in ring}
    print(f"Crimea probe lon {CRIMEA_PROBE[0]}, lat {CRIMEA_PROBE[1]} lies in: {holders or 'none'}")
    crimea_in_russia = holders == ["RUS"]

    args.out_dir.mkdir(parents=True, exist_ok=True)
    depiction_crimea = (
        "Natural Earth 4.1.0 (as packaged in world-atlas 2.0.2) draws Crimea as a polygon of "
        "Russia, so the boundary it draws between Ukraine and Russia also runs across the "
        "Perekop isthmus, the Syvash and the Arabat Spit; feasim takes the geometry as the "
        "data gives it and takes no position on it."
        if crimea_in_russia else
        f"Natural Earth places the point lon {CRIMEA_PROBE[0]}, lat {CRIMEA_PROBE[1]} (Crimea) in "
        f"{holders or 'no country'}; feasim takes the geometry as the data gives it and takes "
        "no position on it.")

    # -- Belarus-Ukraine
    blr = [decoder.line(p) for p, _ in shared_border(arcs, countries["UKR"], countries["BLR"], "UKR-BLR")]
    for n, line in enumerate(blr):
        print(f"  UKR-BLR piece {n}: {len(line)} points {line[0]} -> {line[-1]}, "
              f"{haversine_km(line):.1f} km (haversine)")
    dump(args.out_dir / "ukraine-belarus-border.geojson", [{
        "type": "Feature",
        "properties": {
            "name": "Belarus-Ukraine border",
            "countries": ["BLR", "UKR"],
            "description": ("The boundary Natural Earth draws between Belarus and Ukraine, from "
                            "the Belarus-Poland-Ukraine tripoint to the Belarus-Russia-Ukraine "
                            "tripoint."),
            "depiction": ("Natural Earth 1:10m Admin 0 boundary between the Belarus and Ukraine "
                          "polygons, generalized for 1:10 000 000 mapping and quantized by "
                          "world-atlas to 1/100 000 of the world's extent (about 0.0036 degrees "
                          "of longitude, 0.0017 of latitude); feasim takes the geometry as the "
                          "data gives it and takes no position on it."),
            "length_km_haversine": round(sum(haversine_km(ln) for ln in blr), 1),
            "length_note": LENGTH_NOTE.format(measured=round(sum(haversine_km(ln) for ln in blr)),
                                              surveyed=SURVEYED_BLR),
            **common_properties(),
        },
        "geometry": line_geometry(blr),
    }])

    # -- Ukraine-Russia: the international land border only. Where Natural Earth draws
    # Crimea inside Russia's polygon, the boundary of that polygon with mainland Ukraine
    # (Perekop, Syvash, Arabat Spit) is not an international border and is not shipped.
    rus_pieces = shared_border(arcs, countries["UKR"], countries["RUS"], "UKR-RUS")
    land, left_out = [], []
    for piece, (_, used) in zip([decoder.line(p) for p, _ in rus_pieces], rus_pieces,
                                strict=True):
        (left_out if used & crimea_arcs else land).append(piece)
        kind = "left out: boundary of the Crimea polygon" if used & crimea_arcs else "land border"
        print(f"  UKR-RUS piece ({kind}): {len(piece)} points {piece[0]} -> {piece[-1]}, "
              f"{haversine_km(piece):.1f} km (haversine)")
    note = ("Natural Earth 4.1.0 (as packaged in world-atlas 2.0.2) draws Crimea as a polygon "
            "of Russia; the boundary it draws between that polygon and mainland Ukraine "
            f"({sum(haversine_km(p) for p in left_out):.0f} km across the Perekop isthmus, the "
            "Syvash and the Arabat Spit) is not an international border and is not in this "
            "file. feasim takes the geometry as the data gives it and takes no position on it."
            if left_out else depiction_crimea)
    dump(args.out_dir / "ukraine-russia-border.geojson", [{
        "type": "Feature",
        "properties": {
            "name": "Russia-Ukraine land border",
            "countries": ["RUS", "UKR"],
            "description": ("The land border Natural Earth draws between Russia and Ukraine, "
                            "from the Belarus-Russia-Ukraine tripoint to the Sea of Azov."),
            "depiction": note,
            "length_km_haversine": round(sum(haversine_km(ln) for ln in land), 1),
            "length_note": LENGTH_NOTE.format(measured=round(sum(haversine_km(ln) for ln in land)),
                                              surveyed=SURVEYED_RUS),
            **common_properties(),
        },
        "geometry": line_geometry(land),
    }])

    # -- regional outlines
    box = REGION_BOX
    for k in range(1, 50):
        features = []
        for code in REGION:
            polys = []
            for polygon in rings[code]:
                clipped = []
                for n, ring in enumerate(polygon):
                    lonlat = decoder.line(ring)
                    lons = [p[0] for p in lonlat]
                    lats = [p[1] for p in lonlat]
                    if max(lons) < box[0] or min(lons) > box[2] or max(lats) < box[1] or min(lats) > box[3]:
                        if n == 0:
                            break  # exterior wholly outside: drop the polygon
                        continue
                    ring_clipped = clip_ring(thin(lonlat, k), box)
                    if not ring_clipped:
                        if n == 0:
                            break
                        continue
                    clipped.append(ring_clipped)
                if clipped:
                    polys.append(right_hand(clipped))
            iso_n3, name = COUNTRIES[code]
            features.append({
                "type": "Feature",
                "properties": {
                    "name": name, "iso_a3": code, "iso_n3": iso_n3,
                    "depiction": (depiction_crimea if code in ("UKR", "RUS") else
                                  "Natural Earth 1:10m Admin 0 outline; feasim takes the geometry "
                                  "as the data gives it and takes no position on it."),
                    "processing": (f"clipped to lon {box[0]:g}..{box[2]:g}, lat {box[1]:g}..{box[3]:g}"
                                   " (Sutherland-Hodgman; polygons wholly outside dropped)"
                                   + (f"; every {k}th position kept" if k > 1 else "")),
                    **common_properties(),
                },
                "geometry": ({"type": "Polygon", "coordinates": polys[0]} if len(polys) == 1 else
                             {"type": "MultiPolygon", "coordinates": polys}),
            })
        size = sum(len(json.dumps(f, separators=(",", ":"))) for f in features)
        if size <= REGION_MAX_BYTES:
            break
        print(f"  region outlines: {size:,} bytes with k={k}, thinning further")
    dump(args.out_dir / "countries-ukraine-region.geojson", features)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
