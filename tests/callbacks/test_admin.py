"""The admin page over HTTP: its callbacks are public endpoints, so only an admin's requests may
change anything; everyone else's forged POSTs are refused (403) and audited."""

from __future__ import annotations

import json

import pytest
from dash._utils import stringify_id
from sqlalchemy import func, select

from dashboard import ids
from db.accounts import auth
from db.accounts.queries import list_users
from db.engine import read_session, write_session
from db.models import AuditEvent, Campaign, User
from tests.http_helpers import UPDATE, demo_app, login, post_callback

NEW_PASSWORD = "luozhuang-2017-pass"
WRITE_ACTIONS = ("user.create", "token.create", "token.revoke", "user.deactivate", "user.password_reset",
                 "user.update", "campaign.create", "campaign.update", "campaign.thresholds", "unit.create",
                 "unit.update", "unit.import", "baseline.update", "case.target", "instructor.quota")


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


def _output_ids(key: str) -> list[str]:
    return [part.split(".")[0] for part in key.strip(".").split("...")]


def admin_callback_keys(app) -> list[str]:
    """Every callback of the admin pages: those whose outputs are admin ids (ad- prefix)."""
    return [k for k in app.callback_map if all(i.startswith("ad-") for i in _output_ids(k))]


def forged_body(app, key: str) -> str:
    """A syntactically valid request for any callback (every value None; wildcard inputs empty),
    as a forger would send it. The first input is marked as changed."""
    cb = app.callback_map[key]
    many = isinstance(cb["output"], list | tuple)
    outputs = [{"id": o.component_id, "property": o.component_property.split("@")[0]}
               for o in (cb["output"] if many else [cb["output"]])]

    def fill(deps):
        return [[] if isinstance(d["id"], dict) else {**d, "value": None} for d in deps]

    first = cb["inputs"][0]
    # A concrete id as a browser sends it: a wildcard (["ALL"]) there is refused at the door (400).
    pattern = json.loads(first["id"]) if first["id"].startswith("{") else None  # callback_map: the id as JSON
    concrete = {k: 1 if isinstance(v, list) else v for k, v in pattern.items()} if pattern else None
    changed = stringify_id(concrete) if concrete is not None else first["id"]
    return json.dumps({"output": key, "outputs": outputs if many else outputs[0], "inputs": fill(cb["inputs"]),
                       "state": fill(cb["state"]), "changedPropIds": [f"{changed}.{first['property']}"]})


def user_action_body(app, user_id: int, op: str) -> str:
    """A confirmed click on one row's 停用/启用/解锁/重置密码 button."""
    button = {"type": ids.AD_USER_ACTION, "index": user_id, "op": op}
    key = next(k for k in app.callback_map if ids.AD_USER_ACTION in json.dumps(app.callback_map[k]["inputs"]))
    return json.dumps({
        "output": key,
        "outputs": {"id": ids.AD_USER_RESULT, "property": "children"},
        "inputs": [[{"id": button, "property": "submit_n_clicks", "value": 1}]],
        "state": [],
        "changedPropIds": [f"{stringify_id(button)}.submit_n_clicks"],
    })


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
    # /admin 9 (incl. user actions, roles and areas), /admin/campaigns 2, /admin/units 4, /admin/targets 3
    assert len(keys) == 18
    bodies = [forged_body(app, key) for key in keys]
    bodies += [revoke_body(app, 1), create_token_body(app, "371302"), user_action_body(app, 1, "deactivate"),
               user_action_body(app, 1, "reset")]
    writes_before = {a: len(audit_rows(engine, a)) for a in WRITE_ACTIONS}
    for request_body in bodies:
        before = len(audit_rows(engine, "forbidden", actor=username))
        assert post_callback(c, request_body).status_code == 403, request_body[:120]
        refused = audit_rows(engine, "forbidden", actor=username)
        assert len(refused) == before + 1, request_body[:120]
        assert refused[-1].detail.startswith("/_dash-update-component → ")
    with read_session(engine) as s:
        assert len(auth.list_tokens(s)) == tokens_before
        assert all(u["is_active"] for u in list_users(s) if u["username"].startswith("demo-"))
    assert {a: len(audit_rows(engine, a)) for a in WRITE_ACTIONS} == writes_before


def test_adm005_anonymous_admin_callbacks_are_401_and_audited(app, engine):
    c = app.server.test_client()
    r = c.post(UPDATE, data=create_user_body(app, "anon-01", role="admin", unit=None), content_type="application/json")
    assert r.status_code == 401
    assert user(engine, "anon-01") is None
    writes_before = {a: len(audit_rows(engine, a)) for a in WRITE_ACTIONS}
    for key in admin_callback_keys(app):
        r = c.post(UPDATE, data=forged_body(app, key), content_type="application/json")
        assert r.status_code == 401, key
        refused = [e for e in audit_rows(engine, "forbidden", actor="") if e.detail.endswith(key[:200])]
        assert refused and refused[-1].detail == f"未登录：POST /_dash-update-component → {key[:200]}", key
    # The same forged request again within a minute: refused, but not logged twice (a stale tab polls).
    before = len(audit_rows(engine, "forbidden", actor=""))
    assert c.post(UPDATE, data=forged_body(app, admin_callback_keys(app)[0]),
                  content_type="application/json").status_code == 401
    assert len(audit_rows(engine, "forbidden", actor="")) == before
    assert {a: len(audit_rows(engine, a)) for a in WRITE_ACTIONS} == writes_before


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


# --- the admin sub-pages and user actions (issue 4, second part) -----------------------------------


def response_text(r) -> str:
    return json.dumps(r.get_json(), ensure_ascii=False)


def campaign_save_body(app, chosen, name, dates=("2018-03-01", "2018-05-31", "2018-05-31", "2018-06-10"),
                       thresholds=None, copy=None) -> str:
    th = {"pace_gap_points": "", "filing_gap_points": "", "stale_days": "", "coverage_margin_points": "",
          "min_expected_fraction": "", "pace": "", **(thresholds or {})}
    values = {f"{ids.AD_CAMP_SAVE}.n_clicks": 1, f"{ids.AD_CAMP_PICK}.value": chosen, f"{ids.AD_CAMP_COPY}.value": copy,
              f"{ids.AD_CAMP_NAME}.value": name}
    for cid, value in zip((ids.AD_CAMP_START, ids.AD_CAMP_END, ids.AD_CAMP_CUTOFF, ids.AD_CAMP_DEADLINE), dates,
                          strict=True):
        values[f"{cid}.value"] = value
    values.update({f"{ids.AD_CAMP_TH[k]}.value": v for k, v in th.items()})
    return body(app, f"{ids.AD_CAMP_RESULT}.children", values)


def campaign_named(engine, name: str):
    from db.models import Campaign

    with read_session(engine) as s:
        return s.scalar(select(Campaign).where(Campaign.name == name))


def test_adm011_admin_creates_a_campaign_with_thresholds_used_by_the_lagging_rules(app, admin, engine):
    from dashboard.data import thresholds

    r = post_callback(admin, campaign_save_body(app, "new", "2018年集中要约", copy=1,
                                                thresholds={"stale_days": "7", "pace": "2018-04-30 60%"}))
    assert r.status_code == 200 and "已新建行动“2018年集中要约”" in response_text(r)
    created = campaign_named(engine, "2018年集中要约")
    assert created.deadline.isoformat() == "2018-06-10" and created.year == 2018
    assert r.get_json()["response"][ids.AD_CAMP_PICK]["value"] == created.id
    with app.server.test_request_context():
        t = thresholds({"id": created.id})
        assert t.stale_days == 7 and t.pace_gap_points == 10.0  # the default where nothing was set
        assert thresholds(None).stale_days == 10 and thresholds(1).stale_days == 10
    assert "未报送天数阈值 默认 → 7" in audit_rows(engine, "campaign.thresholds", actor="demo-admin")[-1].detail
    # A refused threshold keeps the dates unsaved too (one transaction), and says what is wrong.
    r = post_callback(admin, campaign_save_body(app, created.id, "2018年集中要约（改）",
                                                thresholds={"filing_gap_points": "200"}))
    assert "“备案率差阈值”须在 0 到 100个百分点 之间：200" in response_text(r)
    assert campaign_named(engine, "2018年集中要约（改）") is None
    r = post_callback(admin, campaign_save_body(app, created.id, "2018年集中要约",
                                                dates=("2018-03-01", "2018-05-31", "2018-05-31", "2018-06-15"),
                                                thresholds={"stale_days": "7", "pace": "2018-04-30 60%"}))
    assert "报送截止 2018-06-10 → 2018-06-15" in response_text(r)
    assert "报送截止 2018-06-10 → 2018-06-15" in audit_rows(engine, "campaign.update", actor="demo-admin")[-1].detail


def upload(text: str) -> str:
    import base64

    return "data:text/csv;base64," + base64.b64encode(text.encode("utf-8")).decode()


def unit_file_body(app, output: str, trigger: str, contents: str, filename: str) -> str:
    return body(app, output, {trigger: 1 if trigger.endswith("n_clicks") else contents,
                              f"{ids.AD_UNIT_UPLOAD}.contents": contents, f"{ids.AD_UNIT_UPLOAD}.filename": filename})


def test_adm012_unit_import_previews_then_applies_and_errors_name_row_and_column(app, admin, engine):
    from db.accounts.queries import admin_units

    good = upload("代码,名称,类型,上级代码,行政区划代码\nJN01,济南高新区,开发区,,\nJN02,济南新旧动能区,开发区,JN01,\n")
    preview = body(app, f"{ids.AD_UNIT_PREVIEW}.children", {f"{ids.AD_UNIT_UPLOAD}.contents": good,
                                                           f"{ids.AD_UNIT_UPLOAD}.filename": "jinan.csv"})
    r = post_callback(admin, preview)
    text = response_text(r)
    assert "将新增 2 个单位，修改 0 个" in text and r.get_json()["response"][ids.AD_UNIT_APPLY]["disabled"] is False
    with read_session(engine) as s:
        assert "JN01" not in {u["code"] for u in admin_units(s)}  # a preview writes nothing
    apply_key = next(k for k in app.callback_map if k.startswith(f"..{ids.AD_UNIT_PREVIEW}.children@"))
    cb = app.callback_map[apply_key]
    apply = json.dumps({
        "output": apply_key,
        "outputs": [{"id": o.component_id, "property": o.component_property.split("@")[0]} for o in cb["output"]],
        "inputs": [{"id": ids.AD_UNIT_APPLY, "property": "n_clicks", "value": 1}],
        "state": [{"id": ids.AD_UNIT_UPLOAD, "property": "contents", "value": good},
                  {"id": ids.AD_UNIT_UPLOAD, "property": "filename", "value": "jinan.csv"}],
        "changedPropIds": [f"{ids.AD_UNIT_APPLY}.n_clicks"]})
    r = post_callback(admin, apply)
    assert "已导入 jinan.csv：新增 2 个单位" in response_text(r)
    with read_session(engine) as s:
        units = {u["code"]: u for u in admin_units(s)}
    assert units["JN02"]["parent_code"] == "JN01"
    assert "新增 2 个（JN01、JN02）" in audit_rows(engine, "unit.import", actor="demo-admin")[-1].detail
    bad = upload("代码,名称,类型,上级代码,行政区划代码\nJN03,济南某区,县区,,12\nJN04,,县区,,\n")
    r = post_callback(admin, apply.replace(good, bad).replace("jinan.csv", "bad.csv"))
    text = response_text(r)
    assert "第 2 行“行政区划代码”应为 6 位数字" in text and "第 3 行“名称”为空" in text
    with read_session(engine) as s:
        assert not {"JN03", "JN04"} & {u["code"] for u in admin_units(s)}


def target_save_body(app, rows: list[dict], campaign: int) -> str:
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.AD_TGT_RESULT}.children@"))
    cb = app.callback_map[key]
    return json.dumps({
        "output": key,
        "outputs": [{"id": o.component_id, "property": o.component_property.split("@")[0]} for o in cb["output"]],
        "inputs": [{"id": ids.AD_TGT_SAVE, "property": "n_clicks", "value": 1}],
        "state": [{"id": ids.AD_TGT_GRID, "property": "rowData", "value": rows},
                  {"id": ids.AD_TGT_CAMPAIGN, "property": "value", "value": campaign}],
        "changedPropIds": [f"{ids.AD_TGT_SAVE}.n_clicks"]})


def test_adm013_baselines_save_checks_on_the_server(app, admin, engine):
    from db.accounts.queries import baseline_rows

    with read_session(engine) as s:
        rows = [{k: r[k] for k in ("code", "baseline_ents", "baseline_workers", "target_ents", "target_workers")}
                for r in baseline_rows(s, 1)]
    lanshan = next(r for r in rows if r["code"] == "371302")
    lanshan["target_ents"] = 99_999  # more than its 9,800 enterprises
    r = post_callback(admin, target_save_body(app, rows, 1))
    assert "兰山区（371302）“目标企业数”99,999 大于“辖区企业数”9,800" in response_text(r)
    lanshan["target_ents"] = "3500"
    r = post_callback(admin, target_save_body(app, rows, 1))
    assert "已保存 1 个单位的基数与目标" in response_text(r)
    with read_session(engine) as s:
        assert next(x for x in baseline_rows(s, 1) if x["code"] == "371302")["target_ents"] == 3500
    assert "目标企业数 3,430 → 3,500" in audit_rows(engine, "baseline.update", actor="demo-admin")[-1].detail


def target_preview_body(app, rows: list[dict], campaign: int) -> str:
    """An edited cell of the targets grid, as dash-renderer sends it (cellValueChanged)."""
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.AD_TGT_PREVIEW}.children@"))
    cb = app.callback_map[key]
    return json.dumps({
        "output": key,
        "outputs": [{"id": o.component_id, "property": o.component_property.split("@")[0]} for o in cb["output"]],
        "inputs": [{"id": ids.AD_TGT_GRID, "property": "cellValueChanged", "value": [{"rowIndex": 0}]}],
        "state": [{"id": ids.AD_TGT_GRID, "property": "rowData", "value": rows},
                  {"id": ids.AD_TGT_CAMPAIGN, "property": "value", "value": campaign}],
        "changedPropIds": [f"{ids.AD_TGT_GRID}.cellValueChanged"]})


def test_adm016_case_targets_and_instructor_quotas_preview_save_and_refusals(app, admin, engine):
    from db.admin.targets import target_rows

    with read_session(engine) as s:
        demo_id = s.scalar(select(Campaign.id).where(Campaign.is_demo.is_(True)))
        rows = [{k: v for k, v in r.items() if k not in ("name", "kind")} for r in target_rows(s, demo_id)]
    lanshan = next(r for r in rows if r["code"] == "371302")
    assert (lanshan["case_target"], lanshan["instructors_required"]) == (4, 4)  # as the demo sets them
    lanshan.update(case_target="-1", instructors_required="五")
    text = response_text(post_callback(admin, target_preview_body(app, rows, demo_id)))
    assert "兰山区（371302）“典型培育目标”须为非负整数：-1" in text
    assert "兰山区（371302）“应配专职指导员”须为非负整数：五" in text
    r = post_callback(admin, target_save_body(app, rows, demo_id))  # the server checks again on save
    assert "兰山区（371302）“典型培育目标”须为非负整数：-1" in response_text(r)
    assert audit_rows(engine, "case.target") == [] and audit_rows(engine, "instructor.quota") == []

    lanshan.update(case_target=6, instructors_required="5")
    text = response_text(post_callback(admin, target_preview_body(app, rows, demo_id)))
    assert "兰山区（371302）：典型培育目标 4 → 6" in text and "兰山区（371302）：应配专职指导员 4 → 5" in text
    assert "将修改 1 个单位" in text
    # a reporter forging the same save for their own unit is refused and changes nothing
    assert post_callback(signed_in(app, "demo-lanshan"), target_save_body(app, rows, demo_id)).status_code == 403
    assert audit_rows(engine, "case.target") == []
    r = post_callback(admin, target_save_body(app, rows, demo_id))
    assert "已保存 1 个单位的基数与目标" in response_text(r)
    with read_session(engine) as s:
        stored = next(x for x in target_rows(s, demo_id) if x["code"] == "371302")
    assert (stored["case_target"], stored["instructors_required"]) == (6, 5)
    [case_event] = audit_rows(engine, "case.target", actor="demo-admin")
    assert "兰山区（371302）：典型培育目标 4 → 6" in case_event.detail
    [quota_event] = audit_rows(engine, "instructor.quota", actor="demo-admin")
    assert quota_event.detail == "兰山区（371302）应配 4 → 5 人"


def test_adm014_deactivate_unlock_reset_and_role_change(app, admin, engine):
    with write_session(engine) as s:
        target = auth.create_user(s, "junan-01", "junan-2017-pass", "reporter", "371327").id
    victim = app.server.test_client()
    assert login(victim, "junan-01", "junan-2017-pass").status_code == 302
    assert victim.get("/_dash-layout").status_code == 200

    r = post_callback(admin, user_action_body(app, target, "deactivate"))
    assert "已停用用户 junan-01" in response_text(r)
    assert victim.get("/_dash-layout").status_code == 401  # its session stopped at once
    assert login(app.server.test_client(), "junan-01", "junan-2017-pass").status_code == 401
    assert "已启用用户 junan-01" in response_text(post_callback(admin, user_action_body(app, target, "reactivate")))

    for _ in range(auth.MAX_FAILED_LOGINS):
        login(app.server.test_client(), "junan-01", "wrong-password")
    assert login(app.server.test_client(), "junan-01", "junan-2017-pass").status_code == 429  # locked
    assert "已解锁用户 junan-01" in response_text(post_callback(admin, user_action_body(app, target, "unlock")))
    assert login(app.server.test_client(), "junan-01", "junan-2017-pass").status_code == 302

    r = post_callback(admin, user_action_body(app, target, "reset"))
    password = find(r.get_json()["response"][ids.AD_USER_RESULT]["children"], "token")["props"]["children"]
    assert len(password) == 16 and "只显示这一次" in response_text(r)
    assert login(app.server.test_client(), "junan-01", "junan-2017-pass").status_code == 401
    assert login(app.server.test_client(), "junan-01", password).status_code == 302
    assert all(password not in e.detail for e in audit_rows(engine, "user.password_reset"))

    key = next(k for k in app.callback_map if ids.AD_ROLE_SAVE in json.dumps(app.callback_map[k]["inputs"]))
    role = json.dumps({"output": key, "outputs": {"id": ids.AD_USER_RESULT, "property": "children"},
                       "inputs": [{"id": ids.AD_ROLE_SAVE, "property": "n_clicks", "value": 1}],
                       "state": [{"id": ids.AD_ROLE_USER, "property": "value", "value": "junan-01"},
                                 {"id": ids.AD_ROLE_ROLE, "property": "value", "value": "leader"},
                                 {"id": ids.AD_ROLE_UNIT, "property": "value", "value": "371327"},
                                 {"id": ids.AD_ROLE_AREA, "property": "value", "value": None}],
                       "changedPropIds": [f"{ids.AD_ROLE_SAVE}.n_clicks"]})
    assert "已将用户 junan-01 改为领导（负责区域：全部）" in response_text(post_callback(admin, role))
    changed = user(engine, "junan-01")
    assert changed.role == "leader" and changed.unit_id is None
    # An admin cannot lock themself out: deactivating their own account is refused.
    me = user(engine, "demo-admin").id
    assert "不能停用自己的账户" in response_text(post_callback(admin, user_action_body(app, me, "deactivate")))
    actions = [e.action for e in audit_rows(engine, "user.deactivate") + audit_rows(engine, "user.reactivate")
               + audit_rows(engine, "user.unlock") + audit_rows(engine, "user.password_reset")
               + audit_rows(engine, "user.update")]
    assert sorted(set(actions)) == ["user.deactivate", "user.password_reset", "user.reactivate", "user.unlock",
                                    "user.update"]


@pytest.mark.parametrize("path,expected", [("/admin/campaigns", "新建或修改行动"), ("/admin/units", "从文件导入单位名单"),
                                           ("/admin/targets", "基数与目标")])
def test_adm015_sub_pages_render_for_admins_only(app, admin, path, expected):
    r = post_callback(admin, route_body(app, path))
    assert r.status_code == 200 and expected in response_text(r) and ids.AD_SUBNAV in response_text(r)
    for username in ("demo-leader", "demo-lanshan"):
        text = response_text(post_callback(signed_in(app, username), route_body(app, path)))
        assert "无权访问：仅管理员可用" in text and expected not in text
