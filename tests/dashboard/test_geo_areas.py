"""Boundaries of every level, prepared once as files and read back (dashboard/geo_areas.py)."""

import json

import shapely
from shapely.geometry import shape

from dashboard import geo_areas
from domain.divisions import children_of


def test_gar001_build_and_read_a_province_and_a_city(tmp_path):
    report = geo_areas.build(tmp_path, only=["370000", "371300"])
    assert report.areas == 2 and report.features == 16 + 12
    assert report.largest[1] < 120_000
    shandong = geo_areas.children_geojson("370000", tmp_path)
    assert [f["id"] for f in shandong["features"]] == [c.adcode for c in children_of("370000")]
    linyi = geo_areas.children_geojson("371300", tmp_path)
    assert {f["properties"]["name"] for f in linyi["features"]} >= {"兰山区", "兰陵县"}
    for feature in shandong["features"] + linyi["features"]:
        geom = shape(feature["geometry"])
        assert geom.is_valid and not geom.is_empty, feature["id"]
        for poly in geom.geoms:
            assert shapely.is_ccw(poly.exterior), feature["id"]  # what MapLibre's choroplethmap draws
    assert geo_areas.children_geojson("371302", tmp_path) is None  # a county has no children
    manifest = json.loads((geo_areas.set_directory(tmp_path) / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["areas"] == 2 and manifest["fingerprint"] == geo_areas.fingerprint()


def test_gar002_prepared_once_then_only_read(tmp_path, monkeypatch):
    geo_areas.build(tmp_path, only=["371300"])
    body = geo_areas.children_geojson_bytes("371300", tmp_path)

    def no_build(*_a, **_k):
        raise AssertionError("rebuilt although the set exists")

    monkeypatch.setattr(geo_areas, "build", no_build)
    assert geo_areas.ensure_built(tmp_path) == geo_areas.set_directory(tmp_path)
    assert geo_areas.children_geojson_bytes("371300", tmp_path) == body
    assert not list(tmp_path.glob("*/*.building-*"))  # nothing left half-built
