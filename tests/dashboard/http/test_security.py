"""Attacks over HTTP: CSRF on every state-changing endpoint, session fixation, and the IP-level
rate limit of failed logins (on top of the per-account lockout)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from dashboard import ids
from db.accounts import auth
from db.engine import read_session, write_session
from db.models import AuditEvent
from tests.http_helpers import PASSWORD, UPDATE, demo_app, form_token, login, post_callback

ATTACKER = {"REMOTE_ADDR": "10.66.0.1"}
OFFICE = {"REMOTE_ADDR": "10.66.0.2"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return demo_app(tmp_path_factory.mktemp("security"))


@pytest.fixture(scope="module")
def engine(app):
    return app.server.extensions["jizhong_engine"]


def events(engine, action: str) -> list[AuditEvent]:
    with read_session(engine) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def create_user_body(app) -> str:
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.AD_USER_RESULT}.children..."))
    cb = app.callback_map[key]
    values = {f"{ids.AD_USER_CREATE}.n_clicks": 1, f"{ids.AD_USER_NAME}.value": "csrf-victim-01",
              f"{ids.AD_USER_ROLE}.value": "admin", f"{ids.AD_USER_PASSWORD}.value": "csrf-2017-password",
              f"{ids.AD_USER_PASSWORD2}.value": "csrf-2017-password"}
    return json.dumps({
        "output": key,
        "outputs": [{"id": o.component_id, "property": o.component_property} for o in cb["output"]],
        "inputs": [{**d, "value": values.get(f"{d['id']}.{d['property']}")} for d in cb["inputs"]],
        "state": [{**d, "value": values.get(f"{d['id']}.{d['property']}")} for d in cb["state"]],
        "changedPropIds": [f"{ids.AD_USER_CREATE}.n_clicks"]})


# --- CSRF ------------------------------------------------------------------------------------------


def test_sec001_login_post_needs_the_form_token(app):
    c = app.server.test_client()
    form = {"username": "demo-leader", "password": PASSWORD["demo-leader"], "next": "/"}
    assert c.post("/login", data=form).status_code == 400
    assert c.post("/login", data={**form, "csrf_token": "forged"}).status_code == 400
    other = app.server.test_client()  # a token from someone else's session is no good either
    assert c.post("/login", data={**form, "csrf_token": form_token(other)}).status_code == 400
    assert c.get("/").status_code == 302  # still anonymous
    assert c.post("/login", data={**form, "csrf_token": form_token(c)}).status_code == 302


def test_sec002_logout_needs_the_token(app):
    c = app.server.test_client()
    login(c)
    assert c.post("/logout").status_code == 400  # a cross-site form cannot sign the user out
    assert c.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert c.get("/_dash-layout").status_code == 200  # still signed in
    assert c.post("/logout", data={"csrf_token": form_token(c, "/account/password")}).status_code == 302
    assert c.get("/_dash-layout").status_code == 401


def test_sec003_password_change_needs_the_token(app, engine):
    with write_session(engine) as s:
        auth.create_user(s, "csrf-pw", "first-password-1", "leader")
    c = app.server.test_client()
    login(c, "csrf-pw", "first-password-1")
    form = {"old_password": "first-password-1", "new_password": "attacker-chosen-1", "new_password2": "attacker-chosen-1"}
    assert c.post("/account/password", data=form).status_code == 400
    assert c.post("/account/password", data={**form, "csrf_token": "forged"}).status_code == 400
    assert login(app.server.test_client(), "csrf-pw", "first-password-1").status_code == 302  # unchanged


def test_sec004_dash_callbacks_need_the_header_token(app, engine):
    c = app.server.test_client()
    login(c, "demo-admin")
    request_body = create_user_body(app)
    for headers in ({}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": ""}):
        r = c.post(UPDATE, data=request_body, content_type="application/json", headers=headers)
        assert r.status_code == 400, headers
    # The token of another session does not fit this one.
    other = app.server.test_client()
    login(other, "demo-leader")
    stolen = other.get_cookie("_csrf_token").value
    r = c.post(UPDATE, data=request_body, content_type="application/json", headers={"X-CSRFToken": stolen})
    assert r.status_code == 400
    assert not [e for e in events(engine, "user.create") if "csrf-victim-01" in e.detail]
    assert post_callback(c, request_body).status_code == 200  # the real token works
    assert [e for e in events(engine, "user.create") if "csrf-victim-01" in e.detail]


# --- session fixation ------------------------------------------------------------------------------


def test_sec005_login_issues_a_new_session_and_the_planted_one_stays_anonymous(app):
    attacker = app.server.test_client()
    attacker.get("/login")
    planted = attacker.get_cookie("session").value
    victim = app.server.test_client()
    victim.set_cookie("session", planted)
    assert login(victim, "demo-admin").status_code == 302
    issued = victim.get_cookie("session").value
    assert issued != planted  # the cookie changed on login
    assert victim.get("/_dash-layout").status_code == 200
    # Whoever holds the planted cookie is still nobody, and cannot post as the victim.
    attacker.set_cookie("session", planted)
    assert attacker.get("/_dash-layout").status_code == 401
    assert attacker.get("/admin").status_code == 302
    # Logging out ends the issued session for good: replaying its cookie is anonymous.
    victim.post("/logout", data={"csrf_token": form_token(victim, "/account/password")})
    replay = app.server.test_client()
    replay.set_cookie("session", issued)
    assert replay.get("/_dash-layout").status_code == 401


# --- IP-level rate limit of failed logins ----------------------------------------------------------


def _attempt(app, username: str, password: str, environ: dict):
    c = app.server.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login", environ_base=environ).get_data(as_text=True))
    return c.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1),
                                  "next": "/"}, environ_base=environ)


def test_sec006_twenty_failures_from_one_address_then_429(app, engine):
    # Spread over many user names (unknown ones too), so no single account locks: only the address limit acts.
    for k in range(auth.IP_MAX_FAILURES):
        r = _attempt(app, f"guess-{k:02d}", "wrong-password", ATTACKER)
        assert r.status_code == 401, k
    r = _attempt(app, "demo-leader", PASSWORD["demo-leader"], ATTACKER)  # even the right password: refused
    assert r.status_code == 429
    assert "来自您所在网络地址的登录失败次数过多，请 10 分钟后再试" in r.get_data(as_text=True)
    assert 540 <= int(r.headers["Retry-After"]) <= 600
    throttled = events(engine, "login.throttled")
    assert throttled[-1].ip == "10.66.0.1" and "10 分钟内登录失败 20 次" in throttled[-1].detail
    assert "demo-leader" in throttled[-1].detail
    # Another address is not affected, and nobody's account was locked by it.
    assert _attempt(app, "demo-leader", PASSWORD["demo-leader"], OFFICE).status_code == 302
    with read_session(engine) as s:
        assert auth.recent_login_failures(s, "10.66.0.1")[0] == 20  # refusals are not failures


def test_sec007_the_limit_lifts_when_old_failures_leave_the_window(app, engine, monkeypatch):
    import datetime as dt

    ip = "10.66.0.9"
    old = dt.datetime.now().replace(microsecond=0) - dt.timedelta(minutes=11)
    with write_session(engine) as s:
        for _ in range(auth.IP_MAX_FAILURES):
            auth.audit(s, "", "login.failure", "未知用户名：x", ip=ip, now=old)
    assert _attempt(app, "demo-leader", PASSWORD["demo-leader"], {"REMOTE_ADDR": ip}).status_code == 302
    monkeypatch.setitem(app.server.config, "LOGIN_IP_MAX_FAILURES", 3)  # configurable
    for _ in range(3):
        assert _attempt(app, "nobody", "wrong-password", {"REMOTE_ADDR": ip}).status_code == 401
    assert _attempt(app, "nobody", "wrong-password", {"REMOTE_ADDR": ip}).status_code == 429


def test_sec008_password_change_and_reset_end_other_sessions(app, engine):
    with write_session(engine) as s:
        user_id = auth.create_user(s, "sess-01", "first-password-1", "leader").id
    laptop, phone = app.server.test_client(), app.server.test_client()
    login(laptop, "sess-01", "first-password-1")
    login(phone, "sess-01", "first-password-1")
    form = {"old_password": "first-password-1", "new_password": "second-password-2",
            "new_password2": "second-password-2", "csrf_token": form_token(laptop, "/account/password")}
    assert laptop.post("/account/password", data=form).status_code == 200
    assert laptop.get("/_dash-layout").status_code == 200  # the session that changed it goes on
    assert phone.get("/_dash-layout").status_code == 401  # any other (or a stolen copy) ends
    with write_session(engine) as s:
        auth.reset_password(s, user_id, actor="demo-admin")
    assert laptop.get("/_dash-layout").status_code == 401  # an admin's reset ends them all
