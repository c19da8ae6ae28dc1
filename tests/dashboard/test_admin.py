"""The admin page over HTTP: its callbacks are public endpoints, so only an admin's requests may
change anything; everyone else's forged POSTs are refused (403) and audited."""

from __future__ import annotations

import json

import pytest
from dash._utils import stringify_id
from sqlalchemy import func, select

from dashboard import ids
from db import auth
from db.accounts_queries import list_users
from db.engine import read_session, write_session
from db.models import AuditEvent, User
from tests.dashboard.conftest import UPDATE, demo_app, login, post_callback

NEW_PASSWORD = "luozhuang-2017-pass"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """Its own demo database: these tests create users and tokens."""
    return demo_app(tmp_path_factory.mktemp("admin"))


@pytest.fixture(scope="module")
def engine(app):
    return app.server.extensions["jizhong_engine"]


def signed_in(app, username: str):
    c = app.server.test_client()
    assert login(c, username).status_code == 302
    return c


@pytest.fixture(scope="module")
def admin(app):
    return signed_in(app, "demo-admin")


def _key(app, output: str) -> str:
    """The callback_map key of the callback whose first output is `output` ("id.property")."""
    return next(k for k in app.callback_map if k == output or k.startswith(f"..{output}..."))


def body(app, output: str, values: dict) -> str:
    """A request as dash-renderer sends it for the callback of `output`; `values` by "id.property"
    (missing ones are None). The first input is the one that changed."""
    key = _key(app, output)
    cb = app.callback_map[key]
    many = isinstance(cb["output"], list | tuple)
    outputs = [{"id": o.component_id, "property": o.component_property.split("@")[0]}
               for o in (cb["output"] if many else [cb["output"]])]
    outputs = outputs if many else outputs[0]

    def fill(deps):
        return [{**d, "value": values.get(f"{d['id']}.{d['property']}")} for d in deps]

    first = cb["inputs"][0]
    return json.dumps({"output": key, "outputs": outputs, "inputs": fill(cb["inputs"]), "state": fill(cb["state"]),
                       "changedPropIds": [f"{first['id']}.{first['property']}"]})


def create_user_body(app, username: str, role: str = "reporter", unit: str | None = "371311",
                     password: str = NEW_PASSWORD, again: str | None = None) -> str:
    return body(app, f"{ids.AD_USER_RESULT}.children", {
        f"{ids.AD_USER_CREATE}.n_clicks": 1,
        f"{ids.AD_USER_NAME}.value": username,
        f"{ids.AD_USER_ROLE}.value": role,
        f"{ids.AD_USER_UNIT}.value": unit,
        f"{ids.AD_USER_PASSWORD}.value": password,
        f"{ids.AD_USER_PASSWORD2}.value": password if again is None else again,
    })


def create_token_body(app, unit: str, label: str = "") -> str:
    return body(app, f"{ids.AD_TOKEN_RESULT}.children", {
        f"{ids.AD_TOKEN_CREATE}.n_clicks": 1, f"{ids.AD_TOKEN_UNIT}.value": unit, f"{ids.AD_TOKEN_LABEL}.value": label})


def revoke_body(app, token_id: int) -> str:
    """A confirmed click on one row's 吊销 button (a pattern-matching ALL input)."""
    button = {"type": ids.AD_TOKEN_REVOKE, "index": token_id}
    key = next(k for k in app.callback_map if ids.AD_TOKEN_REVOKE in json.dumps(app.callback_map[k]["inputs"]))
    return json.dumps({
        "output": key,
        "outputs": {"id": ids.AD_TOKEN_RESULT, "property": "children"},
        "inputs": [[{"id": button, "property": "submit_n_clicks", "value": 1}]],
        "state": [],
        "changedPropIds": [f"{stringify_id(button)}.submit_n_clicks"],
    })


def route_body(app, pathname: str) -> str:
    return body(app, f"{ids.PAGE}.children", {f"{ids.URL}.pathname": pathname, f"{ids.URL}.search": ""})


def find(component, class_name: str):
    """The first component in a rendered tree whose className contains `class_name`."""
    if isinstance(component, list):
        return next((hit for c in component if (hit := find(c, class_name)) is not None), None)
    if not isinstance(component, dict):
        return None
    props = component.get("props", {})
    if class_name in (props.get("className") or "").split():
        return component
    return find(props.get("children"), class_name)


def user(engine, username: str) -> User | None:
    with read_session(engine) as s:
        return s.scalar(select(User).where(User.username == username))


def audit_rows(engine, action: str, actor: str | None = None) -> list[AuditEvent]:
    with read_session(engine) as s:
        stmt = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        if actor is not None:
            stmt = stmt.where(AuditEvent.actor == actor)
        return list(s.scalars(stmt))


def admin_callback_keys(app) -> list[str]:
    return [k for k in app.callback_map if "ad-" in k]


def test_adm001_admin_creates_a_reporter_through_the_callback(app, admin, engine):
    r = post_callback(admin, create_user_body(app, "luozhuang-01"))
    assert r.status_code == 200, r.get_data(as_text=True)
    shown = r.get_json()["response"]
    assert "已创建用户 luozhuang-01" in json.dumps(shown, ensure_ascii=False)
    assert shown[ids.AD_USER_PASSWORD]["value"] == "" and shown[ids.AD_USER_PASSWORD2]["value"] == ""
    created = user(engine, "luozhuang-01")
    assert created is not None and created.role == "reporter" and created.is_active
    with read_session(engine) as s:
        assert auth.user_unit_code(s, created) == "371311"
    events = audit_rows(engine, "user.create", actor="demo-admin")
    assert events and "luozhuang-01" in events[-1].detail and "371311" in events[-1].detail
    # The new account can log in.
    assert login(app.server.test_client(), "luozhuang-01", NEW_PASSWORD).status_code == 302


def test_adm002_refusals_show_the_chinese_message_and_create_nothing(app, admin, engine):
    cases = [
        (create_user_body(app, "mismatch-01", again="another-password-1"), "两次输入的密码不一致"),
        (create_user_body(app, "short-01", password="short"), "密码至少"),
        (create_user_body(app, "no-unit-01", unit=None), "必须指定所属单位"),
        (create_user_body(app, "demo-leader", role="leader", unit=None), "已存在"),
        (create_user_body(app, "has space", role="leader", unit=None), "不含空格"),
        (create_user_body(app, "bad-role-01", role="root", unit=None), "无效"),
    ]
    for request_body, message in cases:
        r = post_callback(admin, request_body)
        assert r.status_code == 200
        assert message in json.dumps(r.get_json()["response"][ids.AD_USER_RESULT], ensure_ascii=False)
    for name in ("mismatch-01", "short-01", "no-unit-01", "has space", "bad-role-01"):
        assert user(engine, name) is None
    # A leader is never bound to a unit, even if a forged request sends one.
    r = post_callback(admin, create_user_body(app, "leader-02", role="leader", unit="371302"))
    assert r.status_code == 200 and user(engine, "leader-02").unit_id is None


@pytest.mark.parametrize("username", ["demo-leader", "demo-lanshan"])
def test_adm003_non_admin_forged_create_user_is_403_and_audited(app, engine, username):
    c = signed_in(app, username)
    before = len(audit_rows(engine, "forbidden", actor=username))
    r = post_callback(c, create_user_body(app, f"forged-by-{username}", role="admin", unit=None))
    assert r.status_code == 403
    assert user(engine, f"forged-by-{username}") is None
    refused = audit_rows(engine, "forbidden", actor=username)
    assert len(refused) == before + 1 and "create_user" in refused[-1].detail
    assert not [e for e in audit_rows(engine, "user.create") if f"forged-by-{username}" in e.detail]


@pytest.mark.parametrize("username", ["demo-leader", "demo-lanshan"])
def test_adm004_every_admin_callback_refuses_non_admins(app, engine, username):
    c = signed_in(app, username)
    with read_session(engine) as s:
        tokens_before = len(auth.list_tokens(s))
    keys = admin_callback_keys(app)
    assert len(keys) == 5
    for key in keys:
        output = key.strip(".").split("...")[0]
        if "@" in output:  # the revoke callback (allow_duplicate output)
            request_body = revoke_body(app, 1)
        elif output == f"{ids.AD_TOKEN_RESULT}.children":
            request_body = create_token_body(app, "371302")
        else:
            request_body = body(app, output, {})
        before = len(audit_rows(engine, "forbidden", actor=username))
        assert post_callback(c, request_body).status_code == 403, key
        assert len(audit_rows(engine, "forbidden", actor=username)) == before + 1, key
    with read_session(engine) as s:
        assert len(auth.list_tokens(s)) == tokens_before


def test_adm005_anonymous_admin_callbacks_are_401(app, engine):
    c = app.server.test_client()
    r = c.post(UPDATE, data=create_user_body(app, "anon-01", role="admin", unit=None), content_type="application/json")
    assert r.status_code == 401
    assert user(engine, "anon-01") is None


@pytest.mark.parametrize("username", ["demo-leader", "demo-lanshan"])
def test_adm006_router_shows_non_admins_no_account_data(app, username):
    c = signed_in(app, username)
    r = post_callback(c, route_body(app, "/admin"))
    assert r.status_code == 200
    text = json.dumps(r.get_json(), ensure_ascii=False)
    assert "无权访问：仅管理员可用" in text
    for secret in ("demo-admin", "demo-lanshan" if username != "demo-lanshan" else "demo-leader",
                   "login.success", ids.AD_USERS, ids.AD_TOKENS, ids.AD_AUDIT):
        assert secret not in text
    # The top bar has no 管理 link for them.
    assert ids.AD_NAV not in c.get("/_dash-layout").get_data(as_text=True)


def test_adm007_router_shows_admins_users_tokens_and_audit(app, admin):
    r = post_callback(admin, route_body(app, "/admin"))
    text = json.dumps(r.get_json(), ensure_ascii=False)
    assert r.status_code == 200 and "无权访问" not in text
    for expected in ("demo-admin", "demo-lanshan", "县区填报员", "API 令牌", "审计日志", "login.success"):
        assert expected in text
    assert "password_hash" not in text and "$argon2" not in text
    assert ids.AD_NAV in admin.get("/_dash-layout").get_data(as_text=True)


def test_adm008_token_is_shown_once_verifies_and_can_be_revoked(app, admin, engine):
    r = post_callback(admin, create_token_body(app, "371302", "兰山区报送程序"))
    assert r.status_code == 200
    result = r.get_json()["response"][ids.AD_TOKEN_RESULT]["children"]
    token = find(result, "token")["props"]["children"]
    assert "只显示这一次" in json.dumps(result, ensure_ascii=False)
    with write_session(engine) as s:
        row = auth.verify_token(s, token)
        assert row is not None
        token_id = row.id
    # The tables and the audit log never carry the plain token again.
    refreshed = post_callback(admin, body(app, f"{ids.AD_USERS}.children", {}))
    assert refreshed.status_code == 200 and token not in refreshed.get_data(as_text=True)
    assert f"令牌编号 {token_id}" in audit_rows(engine, "token.create", actor="demo-admin")[-1].detail

    r = post_callback(admin, revoke_body(app, token_id))
    assert r.status_code == 200
    assert f"已吊销令牌（编号 {token_id}）" in json.dumps(r.get_json(), ensure_ascii=False)
    with write_session(engine) as s:
        assert auth.verify_token(s, token) is None
    assert f"令牌编号 {token_id}" in audit_rows(engine, "token.revoke", actor="demo-admin")[-1].detail
    again = post_callback(admin, revoke_body(app, token_id))
    assert "已于" in json.dumps(again.get_json(), ensure_ascii=False)  # already revoked: a message, not a 500
    missing = post_callback(admin, revoke_body(app, 999_999))
    assert missing.status_code == 200 and "不存在" in json.dumps(missing.get_json(), ensure_ascii=False)


def test_adm009_token_needs_a_unit(app, admin, engine):
    with read_session(engine) as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "token.create"))
    for unit, message in ((None, "请选择"), ("999999", "不存在")):
        r = post_callback(admin, create_token_body(app, unit))
        assert r.status_code == 200 and message in json.dumps(r.get_json(), ensure_ascii=False)
    assert len(audit_rows(engine, "token.create")) == before


def test_adm010_list_users_returns_plain_dicts_without_hashes(engine):
    with read_session(engine) as s:
        users = {u["username"]: u for u in list_users(s)}
    assert users["demo-lanshan"]["unit_code"] == "371302" and users["demo-lanshan"]["role"] == "reporter"
    assert users["demo-admin"]["unit_code"] is None
    assert all("password_hash" not in u for u in users.values())
