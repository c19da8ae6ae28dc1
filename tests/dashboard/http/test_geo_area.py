"""GET /geo/area/<adcode>.geojson: an area's children boundaries, from the stored set
(dashboard/geo_areas.py), with a strong ETag, 304 on If-None-Match, public caching, 404 JSON for an
unknown adcode and 401 for anonymous visitors."""

from __future__ import annotations

import json

import pytest

from dashboard import geo_areas
from tests.http_helpers import demo_app, login

LINYI = "371300"


@pytest.fixture(scope="module")
def app_and_geo(tmp_path_factory):
    geo_dir = tmp_path_factory.mktemp("geo")
    geo_areas.build(geo_dir, only=[LINYI])  # the stored set holds 临沂市's counties only
    return demo_app(tmp_path_factory.mktemp("geo-app")), geo_dir


@pytest.fixture
def client(app_and_geo, monkeypatch):
    app, geo_dir = app_and_geo
    monkeypatch.setenv("GEO_DIR", str(geo_dir))
    c = app.server.test_client()
    assert login(c).status_code == 302
    return c, geo_dir


def test_geo_area001_serves_the_stored_file_with_a_strong_etag(client):
    c, geo_dir = client
    r = c.get(f"/geo/area/{LINYI}.geojson")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    assert r.get_data() == geo_areas.children_geojson_bytes(LINYI, geo_dir)  # the stored bytes as they are
    fc = json.loads(r.get_data())
    assert {f["id"] for f in fc["features"]} >= {"371302", "371311", "371329"} and len(fc["features"]) == 12
    etag = r.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "public" in r.headers["Cache-Control"] and "max-age=" in r.headers["Cache-Control"]
    again = c.get(f"/geo/area/{LINYI}.geojson", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data() and again.headers["ETag"] == etag
    stale = c.get(f"/geo/area/{LINYI}.geojson", headers={"If-None-Match": '"0123456789abcdef"'})
    assert stale.status_code == 200 and stale.headers["ETag"] == etag


@pytest.mark.parametrize("adcode", ["999999", "371302", "37130", "abcdef", "37130a", "3713000"])
def test_geo_area002_unknown_or_leaf_adcodes_are_404_json(client, adcode):
    c, _ = client
    r = c.get(f"/geo/area/{adcode}.geojson")
    assert r.status_code == 404 and r.mimetype == "application/json"
    assert "未找到" in r.get_json()["error"]


def test_geo_area003_anonymous_gets_401(app_and_geo, monkeypatch):
    app, geo_dir = app_and_geo
    monkeypatch.setenv("GEO_DIR", str(geo_dir))
    r = app.server.test_client().get(f"/geo/area/{LINYI}.geojson")
    assert r.status_code == 401
