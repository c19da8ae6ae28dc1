"""The app over HTTP (Flask test client): login gate, CSRF, layout, GeoJSON route, callbacks as
public endpoints."""

import json

import pytest

from app import create_app
from dashboard import ids
from db.engine import make_engine, write_session
from tests.http_helpers import PASSWORD, UPDATE, demo_app, form_token, login, post_callback


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return demo_app(tmp_path_factory.mktemp("app"))


@pytest.fixture(scope="module")
def client(app):
    c = app.server.test_client()
    assert login(c).status_code == 302
    return app, c




def _metric_body(app, campaign, date_value, metric) -> str:
    key = next(k for k in app.callback_map if f"..{ids.MAP}.figure" in k)
    cb = app.callback_map[key]
    values = {f"{ids.CAMPAIGN}.value": campaign, f"{ids.AS_OF}.date": date_value, f"{ids.METRIC}.value": metric,
              f"{ids.DATA_VERSION}.data": "x"}
    outputs = [{"id": o.component_id, "property": o.component_property.split("@")[0]} for o in cb["output"]]
    inputs = [{**d, "value": values.get(f"{d['id']}.{d['property']}")} for d in cb["inputs"]]
    state = [{**d, "value": None} for d in cb.get("state", [])]  # the area store: null, the installation's root
    return json.dumps({"output": key, "outputs": outputs, "inputs": inputs, "state": state,
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
    r = post_callback(c, _metric_body(app, None, "", "filing_rate"))
    assert r.status_code == 200
    body = r.get_json()
    assert set(body["response"]) == {ids.MAP, ids.OFFMAP, ids.RANKING}  # the KPIs, trend etc. stay as they are
    the_map = body["response"][ids.MAP]["figure"]
    assert "__dash_patch_update" in the_map and "geojson" not in json.dumps(the_map)
    assert len(json.dumps(the_map)) < 10_000


@pytest.mark.parametrize("campaign,date_value,metric", [
    ("1 or 1=1", "2017-99-99", "<script>"), (999, None, None), ({"a": 1}, ["x"], 12)])
def test_app004_forged_callback_inputs_do_not_break_the_server(client, campaign, date_value, metric):
    app, c = client
    r = post_callback(c, _metric_body(app, campaign, date_value, metric))
    assert r.status_code in (200, 204, 400)  # 400: a value no browser sends (an object for a dropdown)


def test_aut001_anonymous_reaches_only_login_health_and_static(app):
    c = app.server.test_client()
    r = c.get("/")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=/")
    assert "next=/district/371324" in c.get("/district/371324").headers["Location"]
    for path in ("/_dash-layout", "/_dash-dependencies", "/geo/districts.geojson"):
        assert c.get(path).status_code == 401, path
    forged = c.post(UPDATE, data=_metric_body(app, None, "", "filing_rate"), content_type="application/json")
    assert forged.status_code == 401 and "未登录" in forged.get_json()["error"]
    assert c.get("/login").status_code == 200
    assert c.get("/assets/style.css").status_code == 200
    # The one deliberate exception besides /login: the health check, which says only ok / unreachable.
    health = c.get("/healthz")
    assert health.status_code == 200 and set(health.get_json()) == {"status", "database", "cache"}


def test_aut002_callbacks_need_the_csrf_token(app):
    c = app.server.test_client()
    login(c)
    body = _metric_body(app, None, "", "filing_rate")
    assert c.post(UPDATE, data=body, content_type="application/json").status_code == 400
    bad = c.post(UPDATE, data=body, content_type="application/json", headers={"X-CSRFToken": "forged"})
    assert bad.status_code == 400
    assert post_callback(c, body).status_code == 200


def test_aut003_login_form_needs_its_csrf_token_and_right_password(app):
    c = app.server.test_client()
    no_token = c.post("/login", data={"username": "demo-leader", "password": PASSWORD["demo-leader"]})
    assert no_token.status_code == 400
    wrong = login(c, "demo-leader", "not the password")
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.get_data(as_text=True)
    assert c.get("/").status_code == 302


def test_aut004_session_fixation_a_pre_login_session_does_not_become_authenticated(app):
    attacker = app.server.test_client()
    attacker.get("/login")  # gets a session cookie (it holds the CSRF secret)
    planted = attacker.get_cookie("session").value
    victim = app.server.test_client()
    victim.set_cookie("session", planted)
    assert login(victim).status_code == 302
    # The planted cookie is still anonymous: the victim's login did not upgrade it.
    attacker.set_cookie("session", planted)
    assert attacker.get("/").status_code == 302


def test_aut005_open_redirect_refused(app):
    c = app.server.test_client()
    token = form_token(c)
    r = c.post("/login", data={"username": "demo-leader", "password": PASSWORD["demo-leader"], "csrf_token": token,
                               "next": "//evil.example/"})
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_aut006_security_headers_and_cookie_flags(client):
    _, c = client
    r = c.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "http" not in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    fresh = c.application.test_client()
    cookie = login(fresh).headers.getlist("Set-Cookie")
    session_cookie = next(h for h in cookie if h.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert create_app({"DATABASE_URL": "sqlite://"}).server.config["SESSION_COOKIE_SECURE"] is True  # the default


def test_aut007_change_password(app):
    from db.accounts.auth import create_user

    engine = make_engine(app.server.config["DATABASE_URL"])
    with write_session(engine) as s:
        create_user(s, "pw-tester", "first-password-1", "leader")
    engine.dispose()
    c = app.server.test_client()
    assert login(c, "pw-tester", "first-password-1").status_code == 302
    form = {"old_password": "first-password-1", "new_password": "second-password-2", "new_password2": "different!!"}
    r = c.post("/account/password", data={**form, "csrf_token": form_token(c, "/account/password")})
    assert r.status_code == 400 and "两次输入的新密码不一致" in r.get_data(as_text=True)
    bad_old = {**form, "old_password": "nope", "new_password2": form["new_password"]}
    r = c.post("/account/password", data={**bad_old, "csrf_token": form_token(c, "/account/password")})
    assert r.status_code == 400 and "原密码错误" in r.get_data(as_text=True)
    ok = {**form, "new_password2": form["new_password"]}
    r = c.post("/account/password", data={**ok, "csrf_token": form_token(c, "/account/password")})
    assert r.status_code == 200 and "密码已修改" in r.get_data(as_text=True)
    fresh = app.server.test_client()
    assert login(fresh, "pw-tester", "first-password-1").status_code == 401
    assert login(fresh, "pw-tester", "second-password-2").status_code == 302
    assert app.server.test_client().get("/account/password").status_code == 302  # anonymous: to the login page


def test_app010_bundles_are_registered_before_the_first_request(tmp_path):
    """Dash fills its registry of servable bundles on a process's first request; a second thread's
    first request skips that while the first is still filling it and got 500 for react-dom under
    gunicorn's threaded workers. create_app fills it, so no request ever finds it empty."""
    from app import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "TESTING": True})
    assert {"deps/react-dom@18.3.1.min.js", "dcc/dash_core_components.js", "dcc/async-graph.js"} <= \
        app.registered_paths["dash"]
    app._got_first_request["setup_server"] = True  # as a concurrent first request leaves it
    c = app.server.test_client()
    for path in ("deps/react-dom@18.3.1.min.js", "dcc/dash_core_components.js", "dcc/async-graph.js"):
        assert c.get(f"/_dash-component-suites/dash/{path}").status_code == 200, path
