"""/admin for an admin bound to province A: it lists and manages only A's accounts and tokens;
creating a reporter or a token for B's unit, or acting on B's accounts and tokens, is 403 and audited;
the leaders and admins it creates are bound to its own area, never to the whole installation."""

from __future__ import annotations

import json

from sqlalchemy import select

from dashboard import ids
from db.accounts import auth
from db.engine import read_session, write_session
from db.models import ApiToken, Unit, User
from tests.callbacks.test_admin import (
    create_token_body,
    create_user_body,
    revoke_body,
    user_action_body,
)
from tests.dashboard.scope.conftest import A_UNIT, B_UNIT, client
from tests.dashboard.scope.test_scope_district import route
from tests.http_helpers import callback_body, post_callback


def user(engine, username: str) -> User | None:
    with read_session(engine) as s:
        return s.scalar(select(User).where(User.username == username))


def area_id(engine, code: str) -> int:
    with read_session(engine) as s:
        return s.scalar(select(Unit.id).where(Unit.code == code))


def token_of(engine, code: str) -> int:
    with write_session(engine) as s:
        auth.create_token(s, code, actor="test", label=f"test {code}")
    with read_session(engine) as s:
        return s.scalar(select(ApiToken.id).join(Unit, Unit.id == ApiToken.unit_id).where(Unit.code == code)
                        .order_by(ApiToken.id.desc()))


def role_body(app, username: str, role: str, unit: str | None) -> str:
    key = next(k for k in app.callback_map if ids.AD_ROLE_SAVE in json.dumps(app.callback_map[k]["inputs"]))
    return callback_body(app, key, {f"{ids.AD_ROLE_SAVE}.n_clicks": 1, f"{ids.AD_ROLE_USER}.value": username,
                                    f"{ids.AD_ROLE_ROLE}.value": role, f"{ids.AD_ROLE_UNIT}.value": unit})


def test_scope_admin001_lists_only_the_areas_accounts_and_tokens(app, engine):
    token_of(engine, B_UNIT)
    token_of(engine, A_UNIT)
    page = route(app, client(app, "prov-admin"), "/admin")
    assert "demo-lanshan" in page and "prov-leader" in page
    for other in ("b-admin", "demo-admin", "demo-leader", f"test {B_UNIT}", "玄武区"):
        assert other not in page, other
    assert f"test {A_UNIT}" in page
    everything = route(app, client(app, "demo-admin"), "/admin")
    assert "b-admin" in everything and "玄武区" in everything


def test_scope_admin002_cannot_create_reporters_or_tokens_outside(app, engine):
    c = client(app, "prov-admin")
    assert post_callback(c, create_user_body(app, "xuanwu-01", unit=B_UNIT)).status_code == 403
    assert user(engine, "xuanwu-01") is None
    with read_session(engine) as s:
        before = len(auth.list_tokens(s, B_UNIT))
    assert post_callback(c, create_token_body(app, B_UNIT)).status_code == 403
    with read_session(engine) as s:
        assert len(auth.list_tokens(s, B_UNIT)) == before
    r = post_callback(c, create_user_body(app, "lanshan-02", unit=A_UNIT))
    assert r.status_code == 200 and user(engine, "lanshan-02").role == "reporter"


def test_scope_admin003_new_leaders_are_bound_to_the_admins_area(app, engine):
    c = client(app, "prov-admin")
    r = post_callback(c, create_user_body(app, "sd-leader-02", role="leader", unit=None))
    assert r.status_code == 200
    assert user(engine, "sd-leader-02").area_unit_id == area_id(engine, "370000")  # never the whole installation
    # A reporter of the area made admin: bound to the area too.
    post_callback(c, create_user_body(app, "lanshan-03", unit=A_UNIT))
    assert post_callback(c, role_body(app, "lanshan-03", "admin", None)).status_code == 200
    promoted = user(engine, "lanshan-03")
    assert promoted.role == "admin" and promoted.area_unit_id == area_id(engine, "370000")


def test_scope_admin004_cannot_manage_accounts_or_tokens_outside(app, engine):
    c = client(app, "prov-admin")
    b_admin, top_admin = user(engine, "b-admin"), user(engine, "demo-admin")
    for target in (b_admin, top_admin):
        for op in ("deactivate", "reset", "unlock"):
            assert post_callback(c, user_action_body(app, target.id, op)).status_code == 403
        assert user(engine, target.username).is_active
        assert post_callback(c, role_body(app, target.username, "leader", None)).status_code == 403
        assert user(engine, target.username).role == "admin"
    # A reporter of the area cannot be moved to another province's unit.
    assert post_callback(c, role_body(app, "demo-lanshan", "reporter", B_UNIT)).status_code == 403
    theirs = token_of(engine, B_UNIT)
    assert post_callback(c, revoke_body(app, theirs)).status_code == 403
    with read_session(engine) as s:
        assert s.get(ApiToken, theirs).revoked_at is None
    ours = token_of(engine, A_UNIT)
    assert post_callback(c, revoke_body(app, ours)).status_code == 200
    with read_session(engine) as s:
        assert s.get(ApiToken, ours).revoked_at is not None


def area_body(app, username: str, role: str, area) -> str:
    from tests.callbacks.test_admin import NEW_PASSWORD, body

    return body(app, f"{ids.AD_USER_RESULT}.children", {
        f"{ids.AD_USER_CREATE}.n_clicks": 1, f"{ids.AD_USER_NAME}.value": username, f"{ids.AD_USER_ROLE}.value": role,
        f"{ids.AD_USER_UNIT}.value": None, f"{ids.AD_USER_PASSWORD}.value": NEW_PASSWORD,
        f"{ids.AD_USER_PASSWORD2}.value": NEW_PASSWORD, f"{ids.AD_USER_AREA}.value": area})


def test_scope_admin010_an_admin_binds_a_new_leader_to_an_area_within_its_own(app, engine):
    """The installation's admin picks 负责区域 for a new leader; an area admin may pick only areas inside its
    own (another province is 403 and nothing is created); a forged or non-area value is refused in Chinese."""
    shandong, jiangsu, linyi = area_id(engine, "370000"), area_id(engine, "320000"), area_id(engine, "371300")
    page = route(app, client(app, "demo-admin"), "/admin")
    assert "负责区域（领导、管理员）" in page and "山东省（省级）" in page and "临沂市（市级）" in page
    assert post_callback(client(app, "demo-admin"), area_body(app, "sd-boss", "leader", shandong)).status_code == 200
    assert user(engine, "sd-boss").area_unit_id == shandong
    prov = client(app, "prov-admin")
    assert "江苏省" not in route(app, prov, "/admin")
    assert post_callback(prov, area_body(app, "js-boss", "leader", jiangsu)).status_code == 403
    assert user(engine, "js-boss") is None
    assert post_callback(prov, area_body(app, "ly-boss", "admin", linyi)).status_code == 200
    assert user(engine, "ly-boss").area_unit_id == linyi
    unit = area_id(engine, A_UNIT)  # a county: not an area
    r = post_callback(prov, area_body(app, "x-boss", "leader", unit))
    assert r.status_code == 200 and "负责区域无效" in r.get_data(as_text=True)
    for forged in ("370000", 10**12, True):
        r = post_callback(prov, area_body(app, "x-boss", "leader", forged))
        assert r.status_code == 400 or (r.status_code == 200 and "负责区域无效" in r.get_data(as_text=True)), forged
    assert user(engine, "x-boss") is None
    # a reporter ignores the area (bound to its unit)
    r = post_callback(prov, create_user_body(app, "ly-clerk", "reporter", A_UNIT))
    assert r.status_code == 200 and user(engine, "ly-clerk").area_unit_id is None
