"""The app over HTTP (Flask test client): layout, GeoJSON route, callbacks as public endpoints."""

import json

import pytest

from app import create_app
from dashboard import ids
from db.demo import build_demo
from db.engine import make_engine
from db.migrate import upgrade

UPDATE = "/_dash-update-component"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'app.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_demo(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    return app, app.server.test_client()


def _metric_body(app, campaign, date_value, metric) -> str:
    key = next(k for k in app.callback_map if f"..{ids.MAP}.figure" in k)
    cb = app.callback_map[key]
    values = {f"{ids.CAMPAIGN}.value": campaign, f"{ids.AS_OF}.value": date_value, f"{ids.METRIC}.value": metric,
              f"{ids.DATA_VERSION}.data": "x"}
    outputs = [{"id": o.component_id, "property": o.component_property.split("@")[0]} for o in cb["output"]]
    inputs = [{**d, "value": values[f"{d['id']}.{d['property']}"]} for d in cb["inputs"]]
    return json.dumps({"output": key, "outputs": outputs, "inputs": inputs, "state": [],
                       "changedPropIds": [f"{ids.METRIC}.value"]})


def test_app001_layout_carries_the_data_version(client):
    _, c = client
    r = c.get("/_dash-layout")
    assert r.status_code == 200 and ids.DATA_VERSION in r.get_data(as_text=True)
    assert c.get("/").status_code == 200


def test_app002_geojson_route_is_cacheable(client):
    _, c = client
    r = c.get("/geo/districts.geojson")
    fc = r.get_json(force=True)
    assert r.status_code == 200 and len(fc["features"]) == 12
    assert {f["id"] for f in fc["features"]} >= {"371302", "371324", "371329"}
    again = c.get("/geo/districts.geojson", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304


def test_app003_metric_switch_is_a_patch_without_geometry(client):
    app, c = client
    r = c.post(UPDATE, data=_metric_body(app, None, "", "filing_rate"), content_type="application/json")
    assert r.status_code == 200
    body = r.get_json()
    the_map = body["response"][ids.MAP]["figure"]
    assert "__dash_patch_update" in the_map and "geojson" not in json.dumps(the_map)
    assert len(json.dumps(the_map)) < 10_000


@pytest.mark.parametrize("campaign,date_value,metric", [
    ("1 or 1=1", "2017-99-99", "<script>"), (999, None, None), ({"a": 1}, ["x"], 12)])
def test_app004_forged_callback_inputs_do_not_break_the_server(client, campaign, date_value, metric):
    app, c = client
    r = c.post(UPDATE, data=_metric_body(app, campaign, date_value, metric), content_type="application/json")
    assert r.status_code in (200, 204)
