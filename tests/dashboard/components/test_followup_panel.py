"""The overview's action panel builders (pure), the figures, and the issue-6 callbacks over HTTP: who may
write what (reporters only for their own unit, admins everything, leaders nothing), audited writes,
masked phones in what the pages send."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from dash._utils import stringify_id
from sqlalchemy import select

from dashboard import ids
from dashboard.components.followup_forms import page_unit, with_unit
from dashboard.components.followup_panel import PANEL_LOADING, headline, overview_panel, unit_href
from dashboard.figures import followup as action_figures
from dashboard.pages.supervision import STATUS_CODES
from db.demo import DEMO_NAME
from db.engine import read_session
from db.followup import evaluation as evaluation_db
from db.followup import instructors as instructors_db
from db.models import AuditEvent, Campaign, Unit
from db.models.followup import Instructor, RefusalCase, WorkLog
from tests.http_helpers import UPDATE, demo_app, login, post_callback

D = dt.date
DIMS = [{"id": 1, "name": "工作管理", "weight": 50}, {"id": 2, "name": "协商效果", "weight": 50}]


def row(code="371302", name="兰山区", **kw):
    base = {"code": code, "name": name, "kind": "县区", "cases": {"total": 3, "city_level": 1, "target": 4},
            "required": 4, "staffed": 4, "gap": 0, "last_log": D(2017, 5, 30), "recent_logs": 5, "inactive": False,
            "profile": [0.9, 0.5], "score": 70.0, "weakest": 2, "open": 2, "overdue": 1,
            "summary": {"submitted": True, "late": False}}
    return {**base, **kw}


def texts(component) -> list[str]:
    """Every string in a rendered component tree, in order."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list | tuple):
        return [t for c in component for t in texts(c)]
    if component is None or isinstance(component, int | float):
        return [str(component)] if component is not None else []
    return texts(getattr(component, "children", None))


def renderer_id(component_id: dict) -> str:
    """A dict id as dash-renderer writes it in changedPropIds (sorted keys, no spaces, UTF-8 as is)."""
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def cells(tr) -> dict[str, object]:
    return {td.__dict__.get("data-col"): td for td in tr.children}


def links(td) -> list[str]:
    found = []

    def walk(c):
        if isinstance(c, list):
            for x in c:
                walk(x)
        elif hasattr(c, "href"):
            found.append(c.href)
        elif hasattr(c, "children"):
            walk(c.children)

    walk(td)
    return found


def test_acp001_each_cell_links_to_its_page_filtered_by_unit():
    panel = overview_panel([row()], DIMS, D(2017, 5, 31), "?campaign=2&date=2017-05-31&metric=pace")
    tr = panel[-1].children.children[1].children[0]
    c = cells(tr)
    q = "unit=371302&campaign=2&date=2017-05-31"
    assert links(c["unit"]) == ["/district/371302"]
    assert links(c["cases"]) == [f"/cases?{q}"]
    assert links(c["staff"]) == [f"/instructors?{q}"] and links(c["activity"]) == [f"/instructors?{q}"]
    assert links(c["evaluation"]) == [f"/evaluation?{q}"]
    assert links(c["refusals"]) == [f"/supervision?{q}"]
    assert links(c["summary"]) == [f"/summaries?{q}"]
    assert texts(c["cases"]) == ["3 个 / 目标 4（市级 1）"]
    assert texts(c["staff"]) == ["4/4"] and texts(c["activity"]) == ["近 14 天 5 条"]
    assert texts(c["evaluation"])[0] == "70.0 分 · 弱项 协商效果"
    assert texts(c["refusals"]) == ["2 起未结，1 起逾期"] and c["refusals"].className == "ac-warn"
    assert texts(c["summary"]) == ["已交"] and c["summary"].className is None
    assert unit_href("/cases", "KF01") == "/cases?unit=KF01"


def test_acp002_short_silent_unevaluated_and_missing_modules():
    rows = [row("371328", "蒙阴县", required=3, staffed=1, gap=2, cases=None, summary=None),
            row("371326", "平邑县", inactive=True, last_log=D(2017, 5, 3), recent_logs=0, profile=None, score=None,
                weakest=None, open=0, overdue=0, cases=None, summary=None),
            row("SZ01", "临沂商城", required=None, staffed=0, inactive=True, last_log=None, cases=None, summary=None,
                open=0, overdue=0)]
    panel = overview_panel(rows, DIMS, D(2017, 5, 31))
    assert "（典型、总结模块尚未接入，相应列显示“—”）" in panel[1].children
    body = panel[-1].children.children[1].children
    meng, ping, shang = (cells(tr) for tr in body)
    assert texts(meng["staff"]) == ["1/3，缺 2"] and meng["staff"].className == "ac-warn"
    assert texts(meng["cases"]) == ["—"] and texts(meng["summary"]) == ["—"]  # unknown, not 0
    assert texts(ping["activity"]) == ["14 天无记录（末次 5月3日）"] and ping["activity"].className == "ac-warn"
    assert texts(ping["evaluation"]) == ["未评价"] and texts(ping["refusals"]) == ["无未结案件"]
    assert texts(shang["staff"]) == ["未定编"] and texts(shang["activity"]) == ["—"]  # no quota: not "silent"
    head = texts(headline(rows, 14))
    assert head == ["指导员缺编：蒙阴县（缺 2 人）", "14 天无工作日志：平邑县", "逾期未整改案件 1 起"]
    # Nothing to measure against is said as such, not as "all staffed, all active" (a new area's page).
    blank = [row(code=c, name=n, required=None, staffed=0, gap=0, last_log=None, recent_logs=0, inactive=True,
                 overdue=0, summary=None) for c, n in (("371302", "兰山区"), ("371311", "罗庄区"))]
    assert texts(headline(blank, 14)) == ["尚未设定应配指导员人数", "尚未登记专职指导员", "逾期未整改案件 0 起"]
    full = [row(), row(code="371311", name="罗庄区")]
    assert texts(headline(full, 14))[:2] == ["指导员均已配齐", "各单位近 14 天均有工作日志"]


def test_acp003_query_string_unit_filter():
    assert page_unit("?unit=371302&campaign=2") == "371302"
    assert page_unit("?campaign=2") is None and page_unit(None) is None
    assert with_unit("?campaign=2&unit=371302", "KF01") == "?unit=KF01&campaign=2"
    assert with_unit("?unit=371302", None) == ""


def test_acp004_figures_are_plain_dicts():
    fig = action_figures.radar(["甲", "乙", "丙"], "兰山区", [0.5, 1.0, None], [0.6, 0.7, 0.8])
    city, unit = fig["data"]
    assert unit["r"] == [50.0, 100.0, 0.0, 50.0] and unit["theta"] == ["甲", "乙", "丙", "甲"]
    assert city["name"] == "全市平均" and city["line"]["dash"] == "dash"
    assert fig["layout"]["polar"]["radialaxis"]["angle"] == 30  # between the first two of three spokes
    json.dumps(fig)
    grid = action_figures.score_grid(["甲", "乙"], [("A", "甲县", [0.5, 0.5], "乙"), ("B", "乙县", [1, 1], None)],
                                     [0.7, 0.7], highlight="B")
    assert grid["data"][0]["z"] == [[70.0, 70.0], [50.0, 50.0], [100.0, 100.0]]  # the city first, then each unit
    assert "▼" in grid["data"][0]["text"][1][1] and "▼" not in grid["data"][0]["text"][1][0]  # 甲县's weakest: 乙
    assert action_figures.LAGGING in grid["data"][0]["y"][2]  # the highlighted unit's name
    trend = action_figures.rate_over_time("满意度评价", {"": [(D(2017, 3, 1), 0.6)], "A": [(D(2017, 3, 1), 0.8)]},
                                          {"A": "甲县"}, "A")
    assert [t["name"] for t in trend["data"]] == ["全市平均", "甲县"] and trend["data"][1]["y"] == [80.0]
    assert action_figures.radar([], "x", None, None)["data"] == []


# --- callbacks over HTTP ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """Its own demo database: these tests write."""
    return demo_app(tmp_path_factory.mktemp("action"))


@pytest.fixture(scope="module")
def engine(app):
    return app.server.extensions["jizhong_engine"]


@pytest.fixture(scope="module")
def cid(engine):
    with read_session(engine) as s:
        return s.scalar(select(Campaign.id).where(Campaign.name == DEMO_NAME))


def client(app, username):
    c = app.server.test_client()
    assert login(c, username).status_code == 302
    return c


def body(app, trigger: str, values: dict, states_ids: dict | None = None, output: str = "") -> str:
    """A request as dash-renderer sends it for the callback whose first input is `trigger` ("id.property");
    `values` by "id.property", pattern-matching ALL states in `states_ids` as [(id, value)]."""
    key = next(k for k, cb in app.callback_map.items()
               if f"{cb['inputs'][0]['id']}.{cb['inputs'][0]['property']}" == trigger and output in k)
    cb = app.callback_map[key]
    many = isinstance(cb["output"], list | tuple)
    outs = [{"id": o.component_id, "property": o.component_property.split("@")[0]}
            for o in (cb["output"] if many else [cb["output"]])]

    def fill(deps):
        out = []
        for d in deps:
            if d["id"].startswith("{"):  # pattern-matching ALL: a list of {id, property, value}
                kind = json.loads(d["id"])["type"]
                out.append([{"id": i, "property": d["property"], "value": v}
                            for i, v in (states_ids or {}).get(f"{kind}.{d['property']}", [])])
            else:
                out.append({**d, "value": values.get(f"{d['id']}.{d['property']}")})
        return out

    first = cb["inputs"][0]
    changed = first["id"] if isinstance(first["id"], str) else stringify_id(first["id"])
    return json.dumps({"output": key, "outputs": outs if many else outs[0], "inputs": fill(cb["inputs"]),
                       "state": fill(cb["state"]), "changedPropIds": [f"{changed}.{first['property']}"]})


def add_instructor_body(app, cid, unit, name="赵立新", phone="13912345678"):
    return body(app, f"{ids.AC_IN_ADD}.n_clicks", {
        f"{ids.AC_IN_ADD}.n_clicks": 1, f"{ids.AC_CAMPAIGN}.data": cid, f"{ids.AC_IN_UNIT}.value": unit,
        f"{ids.AC_IN_NAME}.value": name, f"{ids.AC_IN_PHONE}.value": phone, f"{ids.AC_IN_SINCE}.value": "2017-05-02",
        f"{ids.AC_SAVED}.data": 0})


def audit_rows(engine, action_name):
    with read_session(engine) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action_name).order_by(AuditEvent.id)))


def test_acp005_reporter_adds_only_for_own_unit_whatever_the_request_says(app, engine, cid):
    lanshan = client(app, "demo-lanshan")
    r = post_callback(lanshan, add_instructor_body(app, cid, "371311", name="赵立新"))  # asks for 罗庄区
    assert r.status_code == 200, r.get_data(as_text=True)
    assert "已登记专职指导员 赵立新" in r.get_data(as_text=True)
    with read_session(engine) as s:
        person = s.scalar(select(Instructor).where(Instructor.name == "赵立新"))
        people = instructors_db.roster(s, cid, "371302")
    assert person is not None and person.phone == "13912345678"
    assert [p["phone"] for p in people if p["name"] == "赵立新"] == ["139****5678"]
    with read_session(engine) as s:
        assert s.get(Unit, person.unit_id).code == "371302"  # pinned to the reporter's own unit
    event = audit_rows(engine, "instructor.add")[-1]
    assert event.actor == "demo-lanshan" and "139****5678" in event.detail and "13912345678" not in event.detail


def test_acp006_leader_cannot_write_and_is_audited(app, engine, cid):
    leader = client(app, "demo-leader")
    before = len(audit_rows(engine, "forbidden"))
    r = post_callback(leader, add_instructor_body(app, cid, "371302", name="领导伪造"))
    assert r.status_code == 403
    quota = body(app, f"{ids.AC_Q_SAVE}.n_clicks", {f"{ids.AC_Q_SAVE}.n_clicks": 1, f"{ids.AC_CAMPAIGN}.data": cid,
                                                        f"{ids.AC_Q_UNIT}.value": "371302", f"{ids.AC_Q_REQUIRED}.value": 9})
    assert post_callback(leader, quota).status_code == 403
    assert post_callback(client(app, "demo-lanshan"), quota).status_code == 403  # quotas are for admins
    assert len(audit_rows(engine, "forbidden")) == before + 3
    with read_session(engine) as s:
        assert s.scalar(select(Instructor).where(Instructor.name == "领导伪造")) is None
        assert instructors_db.staffing(s, cid, D(2017, 5, 31))["371302"]["required"] == 4
    r = post_callback(client(app, "demo-admin"), quota)
    assert r.status_code == 200 and "已设定应配 9 人" in r.get_data(as_text=True)
    assert audit_rows(engine, "instructor.quota")[-1].detail == "兰山区（371302）应配 4 → 9 人"


def test_acp007_refusal_status_scope(app, engine, cid):
    with read_session(engine) as s:
        luozhuang = s.scalar(select(RefusalCase.id).where(RefusalCase.enterprise == "罗庄区宏达陶瓷有限公司"))
        lanshan_case = s.scalar(select(RefusalCase.id).where(RefusalCase.enterprise == "临沂华盛板材有限公司"))

    def status_body(case_id, status):
        button = {"type": ids.AC_RF_STATUS, "index": f"{case_id}|{STATUS_CODES[status]}"}
        key = next(k for k in app.callback_map if ids.AC_RF_STATUS_RESULT in k)
        return json.dumps({"output": key, "outputs": [{"id": ids.AC_RF_STATUS_RESULT, "property": "children"},
                                                      {"id": ids.AC_SAVED, "property": "data"}],
                           "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
                           "state": [{"id": ids.AC_SAVED, "property": "data", "value": 0}],
                           "changedPropIds": [f"{renderer_id(button)}.n_clicks"]})

    reporter = client(app, "demo-lanshan")
    r = post_callback(reporter, status_body(luozhuang, "已整改"))
    assert r.status_code == 200 and "只能处理本单位（371302）的案件" in r.get_data(as_text=True)
    r = post_callback(reporter, status_body(lanshan_case, "已整改"))
    assert "案件已改为“已整改”" in r.get_data(as_text=True)
    r = post_callback(reporter, status_body(lanshan_case, "追究责任"))
    assert "不能从“已整改”改为“追究责任”" in r.get_data(as_text=True)
    with read_session(engine) as s:
        assert s.get(RefusalCase, luozhuang).status == "督促整改"
        assert s.get(RefusalCase, lanshan_case).status == "已整改"
    assert [e.actor for e in audit_rows(engine, "refusal.status")] == ["demo-lanshan"]


def test_acp008_worklog_and_page_bodies_show_masked_phones(app, engine, cid):
    lanshan = client(app, "demo-lanshan")
    log = body(app, f"{ids.AC_LOG_ADD}.n_clicks", {
        f"{ids.AC_LOG_ADD}.n_clicks": 1, f"{ids.AC_CAMPAIGN}.data": cid, f"{ids.AC_LOG_UNIT}.value": "371302",
        f"{ids.AC_LOG_DATE}.value": "2017-05-31", f"{ids.AC_LOG_ACTIVITY}.value": "监督检查",
        f"{ids.AC_LOG_ENTERPRISE}.value": "临沂华盛板材有限公司", f"{ids.AC_LOG_NOTE}.value": "复查整改",
        f"{ids.AC_SAVED}.data": 3})
    r = post_callback(lanshan, log)
    assert r.status_code == 200 and r.get_json()["response"][ids.AC_SAVED]["data"] == 4
    with read_session(engine) as s:
        assert s.scalar(select(WorkLog.note).where(WorkLog.note == "复查整改")) == "复查整改"
        phones = list(s.scalars(select(Instructor.phone).where(Instructor.campaign_id == cid)))
    assert audit_rows(engine, "worklog.add")[-1].actor == "demo-lanshan"
    page = post_callback(client(app, "demo-leader"), body(app, f"{ids.URL}.search", {
        f"{ids.URL}.search": "?unit=371302", f"{ids.DATA_VERSION}.data": "x", f"{ids.AC_SAVED}.data": 0},
        output=ids.AC_IN_BODY))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "复查整改" in text and "****" in text
    assert phones and not any(p in text for p in phones)  # no stored number reaches the browser


def test_acp009_admin_edits_scheme_and_scores(app, engine, cid):
    admin = client(app, "demo-admin")
    with read_session(engine) as s:
        dims = evaluation_db.dimensions(s, cid)
    names = [d["name"] for d in dims] + ["新维度"]
    weights = [d["weight"] for d in dims] + [10]
    scales = [d["scale_max"] for d in dims] + [100]
    actives = [["on"]] * len(dims) + [["on"]]
    rows = range(len(names))
    scheme = body(app, f"{ids.AC_SC_SAVE}.n_clicks",
                  {f"{ids.AC_SC_SAVE}.n_clicks": 1, f"{ids.AC_CAMPAIGN}.data": cid,
                   f"{ids.AC_SC_IDS}.data": [d["id"] for d in dims] + [None], f"{ids.AC_SAVED}.data": 0},
                  {f"{ids.AC_SC_NAME}.value": [({"type": ids.AC_SC_NAME, "index": k}, names[k]) for k in rows],
                   f"{ids.AC_SC_WEIGHT}.value": [({"type": ids.AC_SC_WEIGHT, "index": k}, weights[k]) for k in rows],
                   f"{ids.AC_SC_SCALE}.value": [({"type": ids.AC_SC_SCALE, "index": k}, scales[k]) for k in rows],
                   f"{ids.AC_SC_ACTIVE}.value": [({"type": ids.AC_SC_ACTIVE, "index": k}, actives[k]) for k in rows]})
    assert post_callback(client(app, "demo-lanshan"), scheme).status_code == 403
    r = post_callback(admin, scheme)
    assert r.status_code == 200 and "已保存评价方案（7 个维度）" in r.get_data(as_text=True)
    with read_session(engine) as s:
        dims = evaluation_db.dimensions(s, cid)
    assert [d["name"] for d in dims][-1] == "新维度" and dims[-1]["scale_max"] == 100
    assert audit_rows(engine, "scheme.update")[-1].actor == "demo-admin"
    values = {d["id"]: d["scale_max"] / 2 for d in dims}
    values[dims[0]["id"]] = dims[0]["scale_max"] + 1  # over 满分: refused, names the dimension
    score_ids = {f"{ids.AC_ES_SCORE}.value": [({"type": ids.AC_ES_SCORE, "index": i}, v) for i, v in values.items()],
                 f"{ids.AC_ES_SCORE}.id": [({"type": ids.AC_ES_SCORE, "index": i}, {"type": ids.AC_ES_SCORE, "index": i})
                                           for i in values]}
    score = body(app, f"{ids.AC_ES_SAVE}.n_clicks", {
        f"{ids.AC_ES_SAVE}.n_clicks": 1, f"{ids.AC_CAMPAIGN}.data": cid, f"{ids.AC_ES_UNIT}.value": "371302",
        f"{ids.AC_ES_ENTERPRISE}.value": "", f"{ids.AC_ES_DATE}.value": "2017-05-30", f"{ids.AC_SAVED}.data": 0},
        score_ids)
    r = post_callback(admin, score)
    assert "“工作管理”得分 11 超过满分 10" in r.get_data(as_text=True)
    values[dims[0]["id"]] = 10
    score_ids[f"{ids.AC_ES_SCORE}.value"] = [({"type": ids.AC_ES_SCORE, "index": i}, v) for i, v in values.items()]
    score = body(app, f"{ids.AC_ES_SAVE}.n_clicks", {
        f"{ids.AC_ES_SAVE}.n_clicks": 1, f"{ids.AC_CAMPAIGN}.data": cid, f"{ids.AC_ES_UNIT}.value": "371302",
        f"{ids.AC_ES_ENTERPRISE}.value": "", f"{ids.AC_ES_DATE}.value": "2017-05-30", f"{ids.AC_SAVED}.data": 0},
        score_ids)
    r = post_callback(admin, score)
    assert "已保存评分（2017-05-30）" in r.get_data(as_text=True)
    assert audit_rows(engine, "eval.add")[-1].actor == "demo-admin"


def test_acp011_the_overview_places_the_frame_and_dash_fills_it_at_once(app, cid):
    """The page's first answer carries the panel's frame, not its rows; refresh_panel is not
    prevent_initial_call, so Dash calls it as soon as the frame appears, and it answers the rows."""
    from tests.dashboard.scope.test_scope_district import route

    leader = client(app, "demo-leader")
    page = route(app, leader, "/")
    assert f'"id": "{ids.AC_PANEL}"' in page and PANEL_LOADING in page and "ac-table" not in page
    (panel,) = [c for c in app._callback_list if c["output"] == f"{ids.AC_PANEL}.children"]
    assert panel["prevent_initial_call"] is False
    first = body(app, f"{ids.CAMPAIGN}.value", {f"{ids.CAMPAIGN}.value": cid, f"{ids.AS_OF}.date": None,
                                                f"{ids.DATA_VERSION}.data": "x"}, output=ids.AC_PANEL)
    text = json.dumps(post_callback(leader, first).get_json(), ensure_ascii=False)
    assert "ac-table" in text and 'data-unit": "371302"' in text and PANEL_LOADING not in text


def test_acp010_panel_refresh_follows_the_controls(app, cid):
    panel = body(app, f"{ids.CAMPAIGN}.value", {f"{ids.CAMPAIGN}.value": cid, f"{ids.AS_OF}.date": "2017-04-28",
                                                f"{ids.DATA_VERSION}.data": "x"}, output=ids.AC_PANEL)
    r = post_callback(client(app, "demo-leader"), panel)
    assert r.status_code == 200
    text = json.dumps(r.get_json(), ensure_ascii=False)
    assert "截至 2017年4月28日" in text
    assert f"/supervision?unit=371302&campaign={cid}&date=2017-04-28" in text
    anonymous = app.server.test_client().post(UPDATE, data=panel, content_type="application/json")
    assert anonymous.status_code in (400, 401, 403)  # refused, whichever check comes first
