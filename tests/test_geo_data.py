"""The packaged border geometry in feasim/refdata/geo: well-formed, sourced, where it should be.

Made by scripts/build_borders.py from Natural Earth 1:10m (via world-atlas
2.0.2). Standard library + numpy only: no shapely or pyproj needed.
"""

from __future__ import annotations

import json
from importlib.resources import files

import numpy as np
import pytest

GEO = files("feasim") / "refdata" / "geo"
FILES = ["ukraine-belarus-border.geojson", "ukraine-russia-border.geojson",
         "countries-ukraine-region.geojson"]
EARTH_RADIUS_KM = 6371.0088
BLR_UKR_SURVEYED_KM = 1084.0  # figures.yaml: belarus_ukraine_border_km


def load(name: str) -> dict:
    return json.loads((GEO / name).read_text(encoding="utf-8"))


def lines_of(geometry: dict) -> list[np.ndarray]:
    if geometry["type"] == "LineString":
        return [np.asarray(geometry["coordinates"], dtype=float)]
    assert geometry["type"] == "MultiLineString"
    return [np.asarray(c, dtype=float) for c in geometry["coordinates"]]


def positions(geometry: dict) -> np.ndarray:
    """Every position of any GeoJSON geometry as an (n, 2) array."""
    kind, coords = geometry["type"], geometry["coordinates"]
    depth = {"Point": 0, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
             "MultiPolygon": 3}[kind]
    flat = [coords]
    for _ in range(depth):
        flat = [c for group in flat for c in group]
    return np.asarray(flat, dtype=float).reshape(-1, 2)


def haversine_km(line: np.ndarray) -> float:
    lon, lat = np.radians(line[:, 0]), np.radians(line[:, 1])
    dlat, dlon = np.diff(lat), np.diff(lon)
    h = np.sin(dlat / 2) ** 2 + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(dlon / 2) ** 2
    return float(np.sum(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(h))))


@pytest.mark.parametrize("name", FILES)
def test_file_is_a_sourced_feature_collection(name):
    data = load(name)
    assert data["type"] == "FeatureCollection"
    assert data["features"]
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        props = feature["properties"]
        assert props["name"]
        assert "Natural Earth" in props["source"] and "world-atlas" in props["source"]
        assert "2.0.2" in props["source"]
        assert "public domain" in props["licence"]
        assert "https://www.naturalearthdata.com/" in props["source_url"]
        assert props["generated_by"] == "scripts/build_borders.py"
        assert "takes no position" in props["depiction"]
        xy = positions(feature["geometry"])
        assert len(xy) >= 2
        assert np.all(np.isfinite(xy))
        assert np.all((xy[:, 0] >= -180) & (xy[:, 0] <= 180))
        assert np.all((xy[:, 1] >= -90) & (xy[:, 1] <= 90))
        # everything here is in or near Ukraine
        assert np.all((xy[:, 0] >= 20) & (xy[:, 0] <= 42)), name
        assert np.all((xy[:, 1] >= 43) & (xy[:, 1] <= 54)), name


def test_readme_is_shipped_and_states_source_and_licence():
    text = " ".join((GEO / "README.md").read_text(encoding="utf-8").split())
    for needle in ("Natural Earth", "world-atlas", "2.0.2", "public domain",
                   "scripts/build_borders.py", "No contact line"):
        assert needle in text


def test_belarus_ukraine_line_runs_tripoint_to_tripoint():
    (feature,) = load("ukraine-belarus-border.geojson")["features"]
    (line,) = lines_of(feature["geometry"])  # one unbroken line
    # Belarus-Poland-Ukraine tripoint (data: 23.60724, 51.51736) ...
    np.testing.assert_allclose(line[0], [23.6, 51.5], atol=0.3)
    # ... to the Belarus-Russia-Ukraine tripoint (data: 31.76492, 52.09992)
    np.testing.assert_allclose(line[-1], [31.8, 52.1], atol=0.3)


def test_belarus_ukraine_length():
    """Natural Earth 1:10m is generalized: its line is ~20% shorter than the surveyed border.

    The surveyed figure is ~1,084 km; this data gives ~861 km (1:50m gives
    745 km, 1:110m 675 km), because the generalization straightens river
    meanders. The line is for drawing, not measuring; the test pins both
    the data's own length and its ratio to the surveyed figure, so a
    regeneration that drops or adds arcs is caught.
    """
    (feature,) = load("ukraine-belarus-border.geojson")["features"]
    km = sum(haversine_km(line) for line in lines_of(feature["geometry"]))
    assert km == pytest.approx(861.1, rel=0.01)
    assert km == pytest.approx(feature["properties"]["length_km_haversine"], abs=0.1)
    assert 0.75 < km / BLR_UKR_SURVEYED_KM < 0.85


def test_russia_ukraine_line_is_the_land_border_only():
    (feature,) = load("ukraine-russia-border.geojson")["features"]
    (land,) = lines_of(feature["geometry"])
    # from the Belarus-Russia-Ukraine tripoint to the Sea of Azov
    np.testing.assert_allclose(land[0], [31.8, 52.1], atol=0.3)
    np.testing.assert_allclose(land[-1], [38.2, 47.1], atol=0.3)
    assert haversine_km(land) == pytest.approx(1521.3, rel=0.01)
    # the boundary Natural Earth draws around its Crimea polygon is not an international
    # border: it is left out, and the file says so
    assert max(lat for _, lat in land) > 52 and min(lat for _, lat in land) > 47.0
    assert "not an international border" in feature["properties"]["depiction"]


def test_region_outlines():
    features = load("countries-ukraine-region.geojson")["features"]
    names = {f["properties"]["name"] for f in features}
    assert names == {"Ukraine", "Belarus", "Russia", "Poland", "Slovakia", "Hungary",
                     "Romania", "Moldova"}
    for feature in features:
        geometry = feature["geometry"]
        polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
                    else geometry["coordinates"])
        for polygon in polygons:
            for ring in polygon:
                assert len(ring) >= 4 and ring[0] == ring[-1]
    assert (GEO / "countries-ukraine-region.geojson").read_bytes().__len__() < 300_000


def test_border_lines_lie_on_the_ukraine_outline():
    """The border lines are made of the same positions as Ukraine's outline."""
    (ukraine,) = [f for f in load("countries-ukraine-region.geojson")["features"]
                  if f["properties"]["name"] == "Ukraine"]
    outline = {tuple(p) for p in positions(ukraine["geometry"]).tolist()}
    for name in FILES[:2]:
        (feature,) = load(name)["features"]
        for line in lines_of(feature["geometry"]):
            assert {tuple(p) for p in line.tolist()} <= outline, name
