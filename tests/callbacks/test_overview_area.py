"""The overview callbacks read the area from a dcc.Store (client state): a forged value gets nothing
(204), never a 500; the root (null) of the 临沂 installation gets the figures; a click drills down."""

from __future__ import annotations

import pytest

from dashboard import ids
from tests.http_helpers import callback_body, callback_key, demo_app, login, post_callback


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = demo_app(tmp_path_factory.mktemp("area-callbacks"))
    c = app.server.test_client()
    assert login(c).status_code == 302
    return app, c


def _post(app, c, name: str, area, **values):
    body = callback_body(app, callback_key(app, name), {f"{ids.AREA}.data": area, f"{ids.DATA_VERSION}.data": "x",
                                                         f"{ids.METRIC}.value": "sign_rate", **values})
    return post_callback(c, body)


def test_ovc001_the_root_gets_its_figures(client):
    """A new data version redraws everything in one answer: the counts and the map's Patch."""
    app, c = client
    r = _post(app, c, "update_data", None, **{f"{ids.COMPOSITION_PART}.value": "ents"})
    assert r.status_code == 200
    response = r.get_json()["response"]
    assert response[ids.AREA_REPORTED]["children"] == "已报送 22 / 23 个单位"
    assert "__dash_patch_update" in response[ids.MAP]["figure"] and response[ids.RANKING]["figure"]["data"]


@pytest.mark.parametrize("forged", ["1", 10**9, -1, True, 1.5, {"id": 1}, [1], 1])
def test_ovc002_a_forged_area_gets_nothing(client, forged):
    """1 is a unit of the city installation (none has children): not an area either."""
    app, c = client
    r = _post(app, c, "update_data", forged, **{f"{ids.COMPOSITION_PART}.value": "ents", f"{ids.URL}.search": "?metric=sign_rate"})
    assert r.status_code in (204, 400), r.get_data(as_text=True)[:300]


def test_ovc003_a_click_on_a_county_opens_its_page(client):
    app, c = client
    click = {"points": [{"customdata": ["371302", "兰山区"], "location": "371302"}]}
    body = callback_body(app, callback_key(app, "drill_down"), {f"{ids.MAP}.clickData": click,
                                                                 f"{ids.METRIC}.value": "filing_rate"})
    r = post_callback(c, body)
    assert r.status_code == 200
    response = r.get_json()["response"]
    assert response[ids.URL]["pathname"] == "/district/371302" and response[ids.URL]["search"] == "?metric=filing_rate"
    unknown = {"points": [{"customdata": ["nope"]}]}
    body = callback_body(app, callback_key(app, "drill_down"), {f"{ids.MAP}.clickData": unknown})
    assert post_callback(c, body).status_code == 204


@pytest.mark.parametrize("forged", ["/area/999999", "/area/371302", "/admin", "/area/a/b", 5, ["/"], {"p": "/"}])
def test_ovc004_breadcrumbs_follow_the_path_and_a_forged_one_gets_nothing(client, forged):
    """The breadcrumbs are rebuilt from the URL's path (on Back the page's area store may still be the
    previous page's); an unknown area, a county, another page or a non-string gets nothing."""
    app, c = client
    key = callback_key(app, "keep_crumbs_in_step")
    ok = post_callback(c, callback_body(app, key, {f"{ids.URL}.pathname": "/", f"{ids.URL}.search": "?metric=sign_rate"}))
    assert ok.status_code == 200 and "临沂市" in ok.get_data(as_text=True)
    r = post_callback(c, callback_body(app, key, {f"{ids.URL}.pathname": forged, f"{ids.URL}.search": "?metric=sign_rate"}))
    assert r.status_code in (204, 400), r.get_data(as_text=True)[:300]
