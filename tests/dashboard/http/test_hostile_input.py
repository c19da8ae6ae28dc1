"""Hostile input at the door, on SQLite and PostgreSQL: deep JSON, lone surrogates, control
characters and out-of-range ids get a 4xx with a Chinese message, never a 500, and nothing is
stored. (The fuzz tests in test_fuzz.py look for more of the same.)"""

from __future__ import annotations

import io
import json

import pytest

from db.accounts import auth
from db.engine import write_session
from tests.dashboard.http.test_api import PASSWORD, URL, Env, body, fast_hashing  # noqa: F401
from tests.http_helpers import callback_body, form_token, login, post_callback

HUGE = "9" * 40


@pytest.fixture
def env(preset_engine):
    e = Env(preset_engine)
    yield e
    e.app.server.extensions["jizhong_engine"].dispose()


def _message(r) -> str:
    return r.get_json()["errors"][0]["message"]


@pytest.mark.parametrize("depth", [1_000, 30_000])
def test_deeply_nested_json_is_400_not_500(env, depth):
    raw = b"[" * depth + b"]" * depth
    r = env.post(None, env.lanshan, raw=raw)
    assert r.status_code == 400 and "嵌套" in _message(r)
    r = env.post(None, "garbage-token", raw=raw)
    assert r.status_code == 401
    nested = {**body(), "rows": json.loads("[" * 500 + "]" * 500)}
    assert env.post(nested, env.lanshan).status_code == 400
    assert env.reports() == 0


@pytest.mark.parametrize("raw", [b'{"unit": "\\ud800"}', b'{"\\udfff": 1}', b'{"rows": ["\\ud83d"]}'])
def test_lone_surrogate_escapes_are_400_not_500(env, raw):
    r = env.post(None, env.lanshan, raw=raw)
    assert r.status_code == 400 and "无效的 Unicode 字符" in _message(r)
    assert env.post(None, "garbage-token", raw=raw).status_code == 401
    assert env.reports() == 0


@pytest.mark.parametrize("field,label", [("responsible", "负责人"), ("filled_by", "填报人"),
                                         ("correction_reason", "更正原因"), ("unit", "单位代码")])
@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\x0b"])
def test_control_characters_in_text_fields_are_400_naming_the_field(env, field, label, char):
    payload = body(**{field: f"王{char}建国"})
    r = env.post(payload, env.lanshan)
    assert r.status_code == 400, r.get_data(as_text=True)
    error = r.get_json()["errors"][0]
    assert error["field"] == field and label in error["message"] and "控制字符" in error["message"]
    assert env.reports() == 0


def test_tab_and_newline_only_where_text_may_span_lines(env):
    r = env.post(body(responsible="王\t建国"), env.lanshan)
    assert r.status_code == 400 and "负责人" in _message(r)
    assert env.post(body(responsible="王建国", correction_reason=None), env.lanshan).status_code == 201
    r = env.post(body(responsible="王建国", correction_reason="第一行\n第二行\t补报"), env.lanshan)
    assert r.status_code == 201, r.get_json()


@pytest.mark.parametrize("value", [10**40, 2**31, -(10**40)])
def test_out_of_range_campaign_id_in_the_api_is_400(env, value):
    r = env.post(body(campaign_id=value), env.lanshan)
    assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "campaign_id"
    assert env.reports() == 0


@pytest.mark.parametrize("path", [f"/files/{HUGE}", f"/files/{HUGE}/thumb", "/files/2147483648"])
def test_huge_file_ids_are_404_with_a_chinese_page(env, path):
    c = env.app.server.test_client()
    assert login(c, "leader", PASSWORD).status_code == 302
    r = c.get(path)
    assert r.status_code == 404 and "不存在" in r.get_data(as_text=True)


def _page(env, c, pathname, search=""):
    r = post_callback(c, callback_body(env.app, "page-content.children",
                                       {"url.pathname": pathname, "url.search": search}))
    assert r.status_code == 200, (pathname, search, r.status_code)
    return json.dumps(r.get_json(), ensure_ascii=False)


@pytest.mark.parametrize("pathname,expected", [
    (f"/case/{HUGE}", "不存在"), (f"/snapshot/{HUGE}", "不存在"), (f"/submit/{HUGE}", ""),
    (f"/district/{HUGE}", "不存在"), ("/case/2147483648", "不存在"), ("/case/²", "不存在"),
])
def test_huge_ids_in_page_paths_are_not_found(env, pathname, expected):
    c = env.app.server.test_client()
    assert login(c, "lanshan", PASSWORD).status_code == 302
    assert expected in _page(env, c, pathname)


@pytest.mark.parametrize("pathname", ["/", "/district/371302", "/cases", "/summaries", "/submit", "/snapshots"])
def test_huge_campaign_in_the_query_string_falls_back_to_the_default(env, pathname):
    c = env.app.server.test_client()
    assert login(c, "lanshan", PASSWORD).status_code == 302
    _page(env, c, pathname, f"?campaign={HUGE}")
    assert c.get(f"{pathname}?campaign={HUGE}").status_code in (200, 302)
    assert c.get(f"/summaries/upload?campaign={HUGE}").status_code == 200
    assert c.get("/summaries/upload?campaign=²").status_code == 200


def test_control_characters_in_callback_inputs_are_400(env):
    c = env.app.server.test_client()
    assert login(c, "lanshan", PASSWORD).status_code == 302
    r = post_callback(c, callback_body(env.app, "page-content.children",
                                       {"url.pathname": "/district/37\x0002", "url.search": ""}))
    assert r.status_code == 400 and "控制字符" in r.get_json()["message"]
    forged = callback_body(env.app, "page-content.children", {"url.pathname": "/cases", "url.search": "?x=\ud800"})
    r = post_callback(c, json.dumps(json.loads(forged)))  # ASCII: the lone surrogate as a \ud800 escape
    assert r.status_code == 400 and "无效的 Unicode 字符" in r.get_json()["message"]
    r = c.get("/cases?q=%00")
    assert r.status_code == 400 and "网址参数 q" in r.get_data(as_text=True)
    r = c.post("/account/password", data={"old": "a\x00b", "csrf_token": form_token(c, "/account/password")})
    assert r.status_code == 400 and "控制字符" in r.get_data(as_text=True)


def test_numbers_beyond_a_database_integer_in_callbacks_are_400(env):
    """No count, score or id of ours exceeds a database integer, so the door refuses larger numbers in
    any callback value (where a callback forgot its own bound, PostgreSQL would answer 500)."""
    c = env.app.server.test_client()
    assert login(c, "leader", PASSWORD).status_code == 302
    with write_session(env.engine) as s:
        auth.create_user(s, "admin2", PASSWORD, "admin", actor="admin")
    assert login(c, "admin2", PASSWORD).status_code == 302
    key = next(k for k in env.app.callback_map if "ac-q-result.children" in k)
    for required in (2**40, 2**31, 1e300):
        values = {"ac-q-save.n_clicks": 1, "ac-campaign.data": env.campaign_id, "ac-q-unit.value": "371302",
                  "ac-q-required.value": required, "ac-saved.data": 0}
        r = post_callback(c, callback_body(env.app, key, values))
        assert r.status_code == 400 and "超出范围" in r.get_json()["message"], (required, r.status_code)
    values["ac-q-required.value"] = 3
    assert post_callback(c, callback_body(env.app, key, values)).status_code == 200


@pytest.mark.parametrize("campaign,unit,name,message", [
    (HUGE, "371302", "总结.pdf", "请选择行动"), ("1", "3713\x0002", "总结.pdf", "“单位”含有不允许的控制字符"),
    ("1", "371302", "总\x00结.pdf", "“文件名”含有不允许的控制字符"), ("²", "371302", "总结.pdf", "请选择行动"),
])
def test_the_summary_upload_form_refuses_huge_ids_and_control_characters(env, campaign, unit, name, message):
    c = env.app.server.test_client()
    with write_session(env.engine) as s:
        auth.create_user(s, "admin2", PASSWORD, "admin", actor="admin")
    assert login(c, "admin2", PASSWORD).status_code == 302
    data = {"campaign": str(campaign), "unit": unit, "kind": "written", "csrf_token": form_token(c, "/summaries/upload"),
            "file": (io.BytesIO(b"%PDF-1.4 not really"), name)}
    r = c.post("/summaries/upload", data=data, content_type="multipart/form-data")
    assert r.status_code == 400 and message in r.get_data(as_text=True)


def test_the_district_refresh_ignores_impossible_codes():
    from dashboard.pages import district_code

    assert district_code("/district/371302") == "371302"
    assert district_code(f"/district/{'9' * 40}") is None and district_code("/district/a\x00") is None
    assert district_code(12) is None


def test_a_nul_in_the_login_form_is_400_not_a_database_error(env):
    c = env.app.server.test_client()
    r = c.post("/login", data={"username": "lan\x00shan", "password": "x", "csrf_token": form_token(c), "next": "/"})
    assert r.status_code == 400 and "“表单字段 username”含有不允许的控制字符" in r.get_data(as_text=True)
    assert login(c, "lanshan", PASSWORD).status_code == 302


def test_a_post_for_a_callback_the_server_does_not_run_is_400_at_the_door(env):
    # The upload size check is a clientside callback: its key is in callback_map but has no server
    # function; Dash itself would raise KeyError (a counted last-resort 400 at best).
    from dashboard.http.inputs import SHAPE_ERRORS

    c = env.app.server.test_client()
    assert login(c, "lanshan", PASSWORD).status_code == 302
    clientside = next(k for k, cb in env.app.callback_map.items() if "callback" not in cb)
    for key in (clientside, "made-up.children"):
        body = json.dumps({"output": key, "outputs": {"id": "x", "property": "children"}, "inputs": [],
                           "state": [], "changedPropIds": []})
        r = post_callback(c, body)
        assert r.status_code == 400 and "没有这个回调" in r.get_json()["message"]
    assert not env.app.server.extensions.get(SHAPE_ERRORS)
