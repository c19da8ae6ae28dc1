"""/admin for an admin bound to province A: it lists and manages only A's accounts and tokens;
creating a reporter or a token for B's unit, or acting on B's accounts and tokens, is 403 and audited;
the leaders and admins it creates are bound to its own area, never to the whole installation."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dashboard import ids
from dashboard.pages import admin as page
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


def role_body(app, username: str, role: str, unit: str | None, area: object = None) -> str:
    key = next(k for k in app.callback_map if ids.AD_ROLE_SAVE in json.dumps(app.callback_map[k]["inputs"]))
    return callback_body(app, key, {f"{ids.AD_ROLE_SAVE}.n_clicks": 1, f"{ids.AD_ROLE_USER}.value": username,
                                    f"{ids.AD_ROLE_ROLE}.value": role, f"{ids.AD_ROLE_UNIT}.value": unit,
                                    f"{ids.AD_ROLE_AREA}.value": area})


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


def leader_in(engine, username: str, code: str) -> None:
    with write_session(engine) as s:
        created = auth.create_user(s, username, "lead-2017-password", "leader", None, actor="test")
        created.area_unit_id = s.scalar(select(Unit.id).where(Unit.code == code))


def test_scope_admin011_an_area_admin_moves_a_leader_only_within_its_own_area(app, engine):
    """The role form's 负责区域: a provincial admin may move a leader of its province to another area inside
    it, never to another province (403) nor to the whole system (left empty: its own province); a county,
    a code as text or an unknown id is refused in Chinese; every refusal leaves the area as it was."""
    shandong, jiangsu, linyi = area_id(engine, "370000"), area_id(engine, "320000"), area_id(engine, "371300")
    leader_in(engine, "ly-lead", "371300")
    prov = client(app, "prov-admin")
    assert post_callback(prov, role_body(app, "ly-lead", "leader", None, jiangsu)).status_code == 403
    assert user(engine, "ly-lead").area_unit_id == linyi
    for forged in (area_id(engine, A_UNIT), "370000", 10**12):
        r = post_callback(prov, role_body(app, "ly-lead", "leader", None, forged))
        refused = r.status_code == 200 and "负责区域无效" in r.get_data(as_text=True)
        assert refused or (forged == 10**12 and r.status_code == 400), forged  # 400: the request guard
        assert user(engine, "ly-lead").area_unit_id == linyi
    r = post_callback(prov, role_body(app, "ly-lead", "leader", None, None))
    assert "已将用户 ly-lead 改为领导（负责区域：山东省）" in r.get_data(as_text=True)
    assert user(engine, "ly-lead").area_unit_id == shandong  # never None (the whole system)
    r = post_callback(prov, role_body(app, "ly-lead", "admin", None, linyi))
    assert "已将用户 ly-lead 改为管理员（负责区域：临沂市）" in r.get_data(as_text=True)
    assert (user(engine, "ly-lead").role, user(engine, "ly-lead").area_unit_id) == ("admin", linyi)
    r = post_callback(prov, role_body(app, "ly-lead", "admin", None, linyi))
    assert "角色、单位和负责区域都没有变化" in r.get_data(as_text=True)
    r = post_callback(prov, role_body(app, "prov-admin", "admin", None, linyi))
    assert "不能修改自己的负责区域" in r.get_data(as_text=True) and user(engine, "prov-admin").area_unit_id == shandong
    with read_session(engine) as s:
        details = [e["detail"] for e in auth.audit_log(s, 20) if e["action"] == "user.update" and e["detail"].startswith("用户 ly-lead：")]
    assert details == ["用户 ly-lead：领导（负责区域：山东省） → 管理员（负责区域：临沂市）",
                       "用户 ly-lead：领导（负责区域：临沂市） → 领导（负责区域：山东省）"]  # newest first


def test_scope_admin012_the_installations_admin_moves_a_leader_anywhere(app, engine):
    """An unbound admin may move a provincial leader to another province and to the whole system; the
    provincial admin no longer manages it once it is outside its province."""
    jiangsu = area_id(engine, "320000")
    leader_in(engine, "sd-lead", "370000")
    top = client(app, "demo-admin")
    r = post_callback(top, role_body(app, "sd-lead", "leader", None, jiangsu))
    assert "已将用户 sd-lead 改为领导（负责区域：江苏省）" in r.get_data(as_text=True)
    assert user(engine, "sd-lead").area_unit_id == jiangsu
    assert post_callback(client(app, "prov-admin"), role_body(app, "sd-lead", "leader", None, None)).status_code == 403
    r = post_callback(top, role_body(app, "sd-lead", "leader", None, None))
    assert "已将用户 sd-lead 改为领导（负责区域：全部）" in r.get_data(as_text=True)
    assert user(engine, "sd-lead").area_unit_id is None


def area_field(app, c, username, role, area=None, changed=ids.AD_ROLE_USER) -> dict:
    body = callback_body(app, f"{ids.AD_ROLE_AREA}.disabled", {f"{ids.AD_ROLE_USER}.value": username,
                         f"{ids.AD_ROLE_ROLE}.value": role, f"{ids.AD_ROLE_AREA}.value": area},
                         changed=f"{changed}.value")
    r = post_callback(c, body)
    assert r.status_code == 200
    return r.get_json()["response"][ids.AD_ROLE_AREA]


def test_scope_admin013_the_role_form_shows_the_chosen_accounts_area(app, engine):
    """Choosing a user fills 负责区域 with its area (only an account the admin manages); the field is
    on the page and only for leaders and admins."""
    linyi = area_id(engine, "371300")
    leader_in(engine, "ly-lead-2", "371300")
    prov = client(app, "prov-admin")
    assert ids.AD_ROLE_AREA in route(app, prov, "/admin")
    assert area_field(app, prov, "ly-lead-2", "leader") == {"disabled": False, "value": linyi}
    assert area_field(app, prov, "b-admin", "leader") == {"disabled": False, "value": None}  # not its account
    assert area_field(app, prov, "ly-lead-2", "reporter", linyi, ids.AD_ROLE_ROLE) == {"disabled": True, "value": None}
    assert area_field(app, prov, "ly-lead-2", "admin", None, ids.AD_ROLE_ROLE) == {"disabled": False, "value": linyi}


@pytest.mark.parametrize("role,area,current,user_changed,expected", [
    ("reporter", 7, 5, True, (True, None)),      # a reporter has no area
    (None, None, 5, True, (True, 5)),            # no role yet: the user's area, greyed out
    ("leader", 7, 5, True, (False, 5)),          # another user chosen: its area
    ("admin", 7, 5, False, (False, 7)),          # the role changed: the area chosen stays
    ("admin", None, 5, False, (False, 5)),       # back from reporter: the user's area, not the whole system
    ("leader", None, None, False, (False, None)),  # an unbound account: the whole system
])
def test_scope_admin014_role_area(role, area, current, user_changed, expected):
    assert page.role_area(role, area, current, user_changed) == expected


def test_scope_admin015_the_users_table_shows_each_accounts_area(engine):
    """负责区域 in the users table: the bound area's name, 全部 for an unbound leader or admin, the unit
    for a reporter."""
    from db.accounts.queries import list_users

    with read_session(engine) as s:
        users = {u["username"]: u for u in list_users(s)}
    assert users["prov-leader"]["area_name"] == "山东省" and users["city-admin"]["area_name"] == "临沂市"
    assert users["demo-leader"]["area_name"] is None
    text = str(page.users_table([users[n] for n in ("prov-leader", "b-admin", "demo-admin", "demo-lanshan")]))
    for shown in ("负责区域：山东省", "负责区域：江苏省", "负责区域：全部", "兰山区（371302）"):
        assert shown in text, shown
