"""A geographic line (issue 17): geodesic lengths against closed forms, sectors at
kilometre marks, the same results as the one-dimensional twin, and bad input."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest
import yaml
from scipy import integrate

import feasim
from feasim import geo
from feasim.cli import main

pytest.importorskip("pyproj")

A, F = 6_378_137.0, 1 / 298.257223563     # WGS84 semi-major axis (m) and flattening
E2 = F * (2 - F)


def meridian_arc_km(lat0: float, lat1: float) -> float:
    """Meridian arc length on the WGS84 ellipsoid: a(1 − e²) ∫ (1 − e² sin²φ)^(-3/2) dφ."""
    val, _ = integrate.quad(lambda p: (1 - E2 * math.sin(p) ** 2) ** -1.5,
                            math.radians(lat0), math.radians(lat1), epsabs=1e-13)
    return A * (1 - E2) * val / 1000.0


def write_line(path, coords, kind="LineString", wrap="feature"):
    geom = {"type": kind, "coordinates": coords}
    obj = {"type": "Feature", "properties": {}, "geometry": geom} if wrap == "feature" else geom
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def scenario_data(line_file, **theatre):
    return {"name": "geo", "theatre": {"line_file": str(line_file), **theatre},
            "force": {"basis": "in_theatre"},
            "contributors": [{"name": "a", "troops": 6_000}],
            "posture": {"observation_posts": {"spacing_km": 10, "radius_km": 3},
                        "patrols": {"teams": 30},
                        "qrf": {"bases": 4, "teams_per_base": 2}},
            "incursions": {"rate_per_day": 6, "exposure_hours": 3},
            "uncertainty": {"samples": 400, "seed": 3}}


MERIDIAN = [[30.0, 0.5 * i] for i in range(21)]       # lon 30°E, lat 0° to 10°N


def test_meridian_arc_matches_its_closed_form():
    assert geo.geodesic_length_km([tuple(p) for p in MERIDIAN]) == pytest.approx(
        meridian_arc_km(0, 10), rel=1e-9)
    # a longer arc in one segment: the geodesic between two points of one meridian
    assert geo.geodesic_length_km([(10.0, 40.0), (10.0, 55.0)]) == pytest.approx(
        meridian_arc_km(40, 55), rel=1e-9)


def test_equator_arc_is_a_times_the_angle():
    # the equator is a geodesic for spans below (1 − f)·180°
    assert geo.geodesic_length_km([(0.0, 0.0), (5.0, 0.0), (12.0, 0.0)]) == pytest.approx(
        A * math.radians(12) / 1000.0, rel=1e-12)


def test_parts_of_a_multilinestring_add_up(tmp_path):
    f = write_line(tmp_path / "m.geojson", [MERIDIAN[:11], MERIDIAN[12:]], "MultiLineString",
                   wrap="geometry")
    parts = geo.read_line(f)
    assert len(parts) == 2
    assert geo.line_length_km(parts) == pytest.approx(
        meridian_arc_km(0, 5) + meridian_arc_km(6, 10), rel=1e-9)


def test_the_line_file_gives_line_km_and_marks_give_sector_lengths(tmp_path):
    f = write_line(tmp_path / "line.geojson", MERIDIAN)
    s = feasim.validate_data(scenario_data(f, sectors=[
        {"name": "south", "to_km": 300, "threat": 2},
        {"name": "middle", "to_km": 700, "visibility": 0.5},
        {"name": "north"}]))
    length = meridian_arc_km(0, 10)
    assert s.theatre.line_km == pytest.approx(length, rel=1e-9)
    got = [(x.name, x.length_km, x.threat, x.visibility) for x in s.theatre.sectors]
    assert got[:2] == [("south", 300.0, 2.0, 1.0), ("middle", 400.0, 1.0, 0.5)]
    assert got[2][1] == pytest.approx(length - 700, rel=1e-9)
    assert sum(x.length_km for x in s.theatre.sectors) == pytest.approx(s.theatre.line_km)
    # overrides validate again without the file's folder: the path is kept resolved
    again = feasim.with_overrides(s, {"posture.patrols.teams": 40})
    assert again.theatre.line_km == s.theatre.line_km


def test_same_results_as_the_one_dimensional_twin(tmp_path):
    f = write_line(tmp_path / "line.geojson", MERIDIAN)
    s = feasim.validate_data(scenario_data(f, sectors=[
        {"name": "south", "to_km": 300, "threat": 3}, {"name": "north"}]))
    twin_data = scenario_data(f, line_km=s.theatre.line_km, sectors=[
        {"name": "south", "length_km": 300, "threat": 3},
        {"name": "north", "length_km": s.theatre.sectors[1].length_km}])
    del twin_data["theatre"]["line_file"]
    twin = feasim.validate_data(twin_data)
    a, b = feasim.evaluate(s), feasim.evaluate(twin)
    for k in feasim.METRICS:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    from feasim.models.simulation import simulate

    sa, sb = simulate(s, replications=3), simulate(twin, replications=3)
    for k in ("detection_probability", "response_hours_mean", "in_theatre_troops"):
        np.testing.assert_array_equal(sa[k], sb[k], err_msg=k)


def test_a_relative_path_is_read_from_the_scenario_folder(tmp_path, monkeypatch):
    (tmp_path / "lines").mkdir()
    write_line(tmp_path / "lines" / "l.geojson", MERIDIAN)
    data = scenario_data("lines/l.geojson")
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.chdir("/")
    s = feasim.load_scenario(tmp_path / "s.yaml")
    assert s.theatre.line_km == pytest.approx(meridian_arc_km(0, 10), rel=1e-9)


def test_a_stated_length_within_one_percent_is_kept_beyond_it_an_error(tmp_path, capsys):
    f = write_line(tmp_path / "line.geojson", MERIDIAN)
    length = meridian_arc_km(0, 10)
    ok = feasim.validate_data(scenario_data(f, line_km=round(length * 1.009)))
    assert ok.theatre.line_km == round(length * 1.009)
    y = tmp_path / "s.yaml"
    y.write_text(yaml.safe_dump(scenario_data(f, line_km=1_000)), encoding="utf-8")
    assert main(["validate", str(y)]) == 2
    err = capsys.readouterr().err
    assert "line_length_mismatch" in err and "line_km = 1,000 km" in err
    assert f"({length:,.1f} km)" in err and "Traceback" not in err


@pytest.mark.parametrize("content, rule", [
    ("not json", "not_geojson"),
    (json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}),
     "not_a_line"),
    (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[2, 0], [3, 1]]}},
    ]}), "not_one_line"),
    (json.dumps({"type": "LineString", "coordinates": [[0, 0], [200, 1]]}), "bad_coordinates"),
    (json.dumps({"type": "LineString", "coordinates": [[0, 0]]}), "bad_coordinates"),
    (json.dumps({"type": "LineString", "coordinates": [[0, 0], ["a", 1]]}), "bad_coordinates"),
])
def test_bad_line_files_are_clear_errors(tmp_path, capsys, content, rule):
    f = tmp_path / "bad.geojson"
    f.write_text(content, encoding="utf-8")
    y = tmp_path / "s.yaml"
    y.write_text(yaml.safe_dump(scenario_data(f)), encoding="utf-8")
    assert main(["run", str(y)]) == 2
    err = capsys.readouterr().err
    assert f"[{rule}]" in err and "theatre.line_file" in err and "Traceback" not in err


def test_missing_file_and_unknown_builtin(tmp_path, capsys):
    y = tmp_path / "s.yaml"
    for line, rule in (("nowhere.geojson", "no_such_file"), ("builtin:atlantis", "unknown_line")):
        y.write_text(yaml.safe_dump(scenario_data(line)), encoding="utf-8")
        assert main(["validate", str(y)]) == 2
        assert f"[{rule}]" in capsys.readouterr().err


def test_without_the_extra_the_error_names_it(tmp_path, capsys, monkeypatch):
    f = write_line(tmp_path / "line.geojson", MERIDIAN[:5])   # a file not read before
    monkeypatch.setitem(sys.modules, "pyproj", None)           # import pyproj fails
    y = tmp_path / "s.yaml"
    y.write_text(yaml.safe_dump(scenario_data(f)), encoding="utf-8")
    assert main(["run", str(y)]) == 2
    err = capsys.readouterr().err
    assert "pip install 'feasim[geo]'" in err and "[geo_extra_missing]" in err


def test_bad_marks_are_clear_errors(tmp_path, capsys):
    base = {"name": "marks", "theatre": {"line_km": 100},
            "force": {"basis": "in_theatre"}, "contributors": [{"name": "a", "troops": 5}]}
    y = tmp_path / "s.yaml"
    for sectors, rule in (
            ([{"name": "a", "to_km": 60}, {"name": "b", "to_km": 40}], "marks_not_increasing"),
            ([{"name": "a", "to_km": 60, "length_km": 60}, {"name": "b"}], "length_and_mark"),
            ([{"name": "a", "to_km": 60}, {"name": "b", "to_km": 90}], "sectors_sum")):
        y.write_text(yaml.safe_dump({**base, "theatre": {"line_km": 100, "sectors": sectors}}),
                     encoding="utf-8")
        assert main(["validate", str(y)]) == 2
        assert f"[{rule}]" in capsys.readouterr().err, rule
    # marks on a line typed in work as lengths
    ok = feasim.validate_data({**base, "theatre": {"line_km": 100, "sectors": [
        {"name": "a", "to_km": 25}, {"name": "b"}]}})
    assert [x.length_km for x in ok.theatre.sectors] == [25.0, 75.0]


def _band(lat0, lat1):
    """A ring around lon 30° from lat0 to lat1, with vertices on the meridian itself so
    that the crossings fall exactly at lat0 and lat1."""
    return [[29, lat0], [30, lat0], [31, lat0], [31, lat1], [30, lat1], [29, lat1], [29, lat0]]


def write_regions(path, regions):
    feats = [{"type": "Feature", "properties": props,
              "geometry": {"type": "MultiPolygon", "coordinates": [[_band(*b)] for b in bands]}}
             for props, bands in regions]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}),
                    encoding="utf-8")
    return path


def test_sectors_cut_at_region_crossings(tmp_path):
    line = write_line(tmp_path / "line.geojson", MERIDIAN)
    regions = write_regions(tmp_path / "regions.geojson", [
        ({"name": "plain", "threat": 0.5}, [(-1, 2), (3, 6), (7, 11)]),
        ({"name": "hills", "visibility": 0.4, "threat": 2, "population": 1}, [(2, 3), (6, 7)])])
    s = feasim.validate_data({**scenario_data(line, regions_file=str(regions))})
    got = [(x.name, x.length_km, x.visibility, x.threat) for x in s.theatre.sectors]
    marks = [0, 2, 3, 6, 7, 10]
    names = ["plain", "hills", "plain (2)", "hills (2)", "plain (3)"]
    assert [g[0] for g in got] == names
    for (name, length, vis, threat), lo, hi in zip(got, marks, marks[1:]):
        assert length == pytest.approx(meridian_arc_km(lo, hi), rel=1e-7), name
        assert (vis, threat) == ((0.4, 2.0) if name.startswith("hills") else (1.0, 0.5))
    assert sum(g[1] for g in got) == pytest.approx(s.theatre.line_km, rel=1e-12)
    # the sectors reach the model: the same results as the sectors typed in
    twin_data = scenario_data(line, line_km=s.theatre.line_km, sectors=[
        {"name": n.replace(" (", "-").replace(")", ""), "length_km": ln, "visibility": v,
         "threat": t} for n, ln, v, t in got])
    del twin_data["theatre"]["line_file"]
    a, b = feasim.evaluate(s), feasim.evaluate(feasim.validate_data(twin_data))
    for k in ("detection_probability", "response_hours_p90", "observation_posts"):
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)
    # overrides keep the regions' sectors, and may change their inputs
    again = feasim.with_overrides(s, {"theatre.sectors[hills].threat": 5})
    assert [x.threat for x in again.theatre.sectors][:2] == [0.5, 5.0]


def test_bad_regions_are_clear_errors(tmp_path, capsys):
    line = write_line(tmp_path / "line.geojson", MERIDIAN)
    y = tmp_path / "s.yaml"
    cases = [
        ([({"name": "south"}, [(-1, 4)])], "regions_do_not_cover",
         f"outside every region: km {meridian_arc_km(0, 4):,.1f}–{meridian_arc_km(0, 10):,.1f}"),
        ([({"name": "a"}, [(-1, 6)]), ({"name": "b"}, [(4, 11)])], "regions_do_not_cover",
         "overlap"),
        ([({}, [(-1, 11)])], "region_without_name", "feature 0"),
        ([({"name": "a"}, [(-1, 5)]), ({"name": "a"}, [(5, 11)])], "duplicate_region", "'a'"),
    ]
    for regions, rule, text in cases:
        r = write_regions(tmp_path / "r.geojson", regions)
        y.write_text(yaml.safe_dump(scenario_data(line, regions_file=str(r))), encoding="utf-8")
        assert main(["validate", str(y)]) == 2
        err = capsys.readouterr().err
        assert f"[{rule}]" in err and text in err and "Traceback" not in err, (rule, err)
    r = write_regions(tmp_path / "r2.geojson", [({"name": "all"}, [(-1, 11)])])
    data = scenario_data(line, regions_file=str(r))
    data["theatre"]["sectors"] = [{"name": "x", "length_km": 5}]
    y.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["validate", str(y)]) == 2
    assert "[sectors_and_regions]" in capsys.readouterr().err
    data = scenario_data(line, regions_file=str(r))
    del data["theatre"]["line_file"]
    data["theatre"]["line_km"] = 100
    y.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["validate", str(y)]) == 2
    assert "[regions_need_line]" in capsys.readouterr().err


def test_the_map_draws_the_line_sectors_and_bases_without_network(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    import socket

    from feasim.plots import line_map

    def no_network(*a, **k):
        raise AssertionError("the map tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    f = write_line(tmp_path / "line.geojson", MERIDIAN)
    s = feasim.validate_data(scenario_data(f, behind="right", sectors=[
        {"name": "south", "to_km": 300}, {"name": "north"}]))
    fig = line_map(s)
    ax = fig.axes[0]
    gids = {a.get_gid() for a in ax.get_children()}
    assert {"sector:south", "sector:north", "sector_boundaries", "bases"} <= gids
    assert sum(1 for g in gids if str(g).startswith("catchment:")) == 4
    bases = next(a for a in ax.collections if a.get_gid() == "bases").get_offsets()
    # 4 bases at (j + ½) × L/4 along a meridian heading north, 20 km to its right (east)
    lat_expected = [geo.points_along(geo.read_line(f), [(j + 0.5) * s.theatre.line_km / 4])[1][0]
                    for j in range(4)]
    assert np.allclose(bases[:, 1], lat_expected, atol=1e-3)
    dx_km = (bases[:, 0] - 30.0) * 111.32 * np.cos(np.radians(bases[:, 1]))
    assert np.all(dx_km > 0) and np.allclose(dx_km, s.posture.qrf.depth_km, rtol=0.01)
    south = next(a for a in ax.lines if a.get_gid() == "sector:south")
    assert south.get_ydata().max() == pytest.approx(2.713, abs=0.01)   # km 300 ≈ lat 2.713°
    with pytest.raises(feasim.plots.PlotValueError):
        line_map(feasim.load_scenario("scenarios/claims/c02-experts-100k-in-theatre.yaml"))


def test_shipped_lines_by_name_and_their_generalised_lengths():
    lines = geo.builtin_lines()
    assert set(lines) == {"ukraine-belarus-border", "ukraine-russia-border"}
    blr = geo.line_length_km(geo.read_line(lines["ukraine-belarus-border"]))
    # Natural Earth 1:10m straightens river meanders: ~863 km on the ellipsoid against the
    # surveyed ~1,084 km (the docs say so); the issue's 5% cannot hold for this source
    assert blr == pytest.approx(863.0, rel=0.005)
    assert 0.78 < blr / 1084 < 0.82
    rus = geo.line_length_km(geo.read_line(lines["ukraine-russia-border"]))
    assert rus == pytest.approx(1524.1, rel=0.005)
    s = feasim.load_scenario("scenarios/geo/belarus-ukraine-monitoring.yaml")
    assert s.theatre.line_file == "builtin:ukraine-belarus-border"
    assert s.theatre.line_km == pytest.approx(blr, rel=1e-12)
    assert [x.length_km for x in s.theatre.sectors][0] == 430


def test_the_shipped_example_on_a_map(monkeypatch):
    pytest.importorskip("matplotlib")
    from feasim.plots import line_map

    s = feasim.load_scenario("scenarios/geo/belarus-ukraine-monitoring.yaml")
    fig = line_map(s, feasim.evaluate(s, samples=50))
    gids = {a.get_gid() for a in fig.axes[0].get_children()}
    assert {"sector:west", "sector:east", "country:Ukraine", "country:Belarus"} <= gids


def test_the_report_of_a_geographic_scenario_has_the_map(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "rep"
    assert main(["report", "scenarios/geo/belarus-ukraine-monitoring.yaml", "-o", str(out),
                 "--samples", "200"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "The line on a map" in html and 'id="map"' in html
    assert "The line on a map" not in _report_of(tmp_path, "scenarios/history/osce-smm.yaml")


def _report_of(tmp_path, path):
    out = tmp_path / "other"
    assert main(["report", path, "-o", str(out), "--samples", "100"]) == 0
    return (out / "report.html").read_text(encoding="utf-8")


def test_posts_on_the_map_stand_where_the_models_put_them(tmp_path):
    pytest.importorskip("matplotlib")
    from feasim.plots import line_map

    f = write_line(tmp_path / "line.geojson", MERIDIAN)
    s = feasim.validate_data(scenario_data(f))
    r = feasim.evaluate(s, samples=20)
    posts = int(np.median(r["observation_posts"]))
    dots = next(a for a in line_map(s, r).axes[0].collections
                if a.get_gid() == "posts").get_offsets()
    assert len(dots) == posts
    # along a meridian from the equator, km k maps to the latitude whose arc is k km
    length = s.theatre.line_km
    for (_, lat), k in zip(dots, (np.arange(posts) + 0.5) * length / posts):
        assert meridian_arc_km(0, lat) == pytest.approx(k, abs=0.01)
    assert geo.grid_positions_km(100, 4, phase_km=20).tolist() == [7.5, 20 + 12.5, 57.5, 82.5]


def test_regions_without_shapely_name_the_extra(tmp_path, capsys, monkeypatch):
    line = write_line(tmp_path / "line.geojson", MERIDIAN)
    r = write_regions(tmp_path / "r.geojson", [({"name": "all"}, [(-1, 11)])])
    monkeypatch.setitem(sys.modules, "shapely", None)
    geo._cached_sectors.cache_clear()
    y = tmp_path / "s.yaml"
    y.write_text(yaml.safe_dump(scenario_data(line, regions_file=str(r))), encoding="utf-8")
    assert main(["validate", str(y)]) == 2
    err = capsys.readouterr().err
    assert "[geo_extra_missing]" in err and "pip install 'feasim[geo]'" in err


def test_line_km_as_a_distribution_with_a_line_file_is_an_error(tmp_path, capsys):
    f = write_line(tmp_path / "line.geojson", MERIDIAN)
    y = tmp_path / "s.yaml"
    y.write_text(yaml.safe_dump(scenario_data(f, line_km={"dist": "uniform", "low": 1000,
                                                          "high": 1200})), encoding="utf-8")
    assert main(["validate", str(y)]) == 2
    assert "[constant_with_line_file]" in capsys.readouterr().err
