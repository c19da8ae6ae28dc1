"""The submission and review callbacks over HTTP. They are public endpoints: previews store nothing,
only a confirmed, signed preview is stored (once), a reporter acts only on its own unit (refused,
audited, nothing stored), leaders get 403 and anonymous requests 401."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from dash._utils import stringify_id
from sqlalchemy import func, select

from dashboard import ids
from dashboard.components import submission as view
from db import queries
from db.engine import read_session
from db.models import AuditEvent, Report, ReportLine, Unit
from db.submission import review
from db.submission.xlsx_template import workbook_bytes
from domain.measures import MEASURES
from tests.http_helpers import UPDATE, callback_body, callback_key, demo_app, login, post_callback

LANSHAN, LUOZHUANG = "371302", "371311"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """Its own demo database: these tests store reports and reviews."""
    return demo_app(tmp_path_factory.mktemp("submit"))


@pytest.fixture(scope="module")
def engine(app):
    return app.server.extensions["jizhong_engine"]


@pytest.fixture(scope="module")
def campaign(engine) -> dict:
    with read_session(engine) as s:
        return next(c for c in queries.campaigns(s) if c["is_demo"])


def signed_in(app, username: str):
    c = app.server.test_client()
    assert login(c, username).status_code == 302
    return c


# --- requests as dash-renderer sends them ------------------------------------------------------------


def key(app, name: str, prefix: str = "su-") -> str:
    return callback_key(app, name, prefix)


def body(app, name: str, values: dict, prefix: str = "su-") -> str:
    k = key(app, name, prefix)
    cb = app.callback_map[k]
    many = isinstance(cb["output"], list | tuple)
    outputs = [{"id": o.component_id, "property": o.component_property.split("@")[0]}
               for o in (cb["output"] if many else [cb["output"]])]

    def fill(deps):
        return [{**d, "value": values.get(f"{d['id']}.{d['property']}")} for d in deps]

    first = cb["inputs"][0]
    return json.dumps({"output": k, "outputs": outputs if many else outputs[0], "inputs": fill(cb["inputs"]),
                       "state": fill(cb["state"]), "changedPropIds": [f"{first['id']}.{first['property']}"]})


def preview_body(app, campaign_id: int, unit: str, day: dt.date, figures: dict, reason: str = "") -> str:
    return body(app, "preview_form", {
        f"{ids.SU_PREVIEW_BTN}.n_clicks": 1, f"{ids.SU_GRID}.rowData": view.grid_rows(figures),
        f"{ids.SU_CAMPAIGN}.value": campaign_id, f"{ids.SU_UNIT}.value": unit, f"{ids.SU_DATE}.value": day.isoformat(),
        f"{ids.SU_LEADER}.value": "周传东", f"{ids.SU_FILLED_BY}.value": "朱红梅",
        f"{ids.SU_FILLED_ON}.value": day.isoformat(), f"{ids.SU_REASON}.value": reason,
    })


def confirm_body(app, token) -> str:
    return body(app, "confirm", {f"{ids.SU_CONFIRM}.n_clicks": 1, f"{ids.SU_PENDING}.data": token})


def reload_body(app, campaign_id: int, unit: str, day: dt.date) -> str:
    return body(app, "reload", {f"{ids.SU_CAMPAIGN}.value": campaign_id, f"{ids.SU_UNIT}.value": unit,
                                f"{ids.SU_DATE}.value": day.isoformat()})


def upload_body(app, campaign_id: int, unit: str, day: dt.date, data: bytes, filename: str = "兰山区.xlsx") -> str:
    url = "data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;base64," + \
        base64.b64encode(data).decode()
    return body(app, "preview_upload", {
        f"{ids.SU_UPLOAD}.contents": url, f"{ids.SU_UPLOAD}.filename": filename, f"{ids.SU_CAMPAIGN}.value": campaign_id,
        f"{ids.SU_UNIT}.value": unit, f"{ids.SU_DATE}.value": day.isoformat(), f"{ids.SU_REASON}.value": ""})


def decide_body(app, report_id: int, action: str, comment: str = "", campaign_id: int | None = None) -> str:
    accept = {"type": ids.RV_ACCEPT, "index": report_id}
    ret = {"type": ids.RV_RETURN, "index": report_id}
    comment_id = {"type": ids.RV_COMMENT, "index": report_id}
    clicked = accept if action == "accept" else ret
    return json.dumps({
        "output": key(app, "decide", "rv-"),
        "outputs": [{"id": ids.RV_RESULT, "property": "children"}, {"id": ids.RV_QUEUE, "property": "children"},
                    {"id": ids.RV_DETAIL, "property": "children"}],
        "inputs": [[{"id": accept, "property": "n_clicks", "value": 1 if action == "accept" else None}],
                   [{"id": ret, "property": "n_clicks", "value": 1 if action == "return" else None}]],
        "state": [[{"id": comment_id, "property": "value", "value": comment}],
                  [{"id": comment_id, "property": "id", "value": comment_id}],
                  {"id": ids.RV_CAMPAIGN, "property": "value", "value": campaign_id},
                  {"id": ids.RV_UNIT, "property": "value", "value": None}],
        "changedPropIds": [f"{stringify_id(clicked)}.n_clicks"],
    })


def shown(response, component: str, prop: str = "children"):
    return response.get_json()["response"].get(component, {}).get(prop)


def text(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- database helpers --------------------------------------------------------------------------------


def report_count(engine) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count(Report.id)))


def audits(engine, action: str, actor: str) -> list[AuditEvent]:
    with read_session(engine) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.actor == actor)
                              .order_by(AuditEvent.id)))


def current(engine, campaign_id: int, unit: str, before: dt.date) -> tuple[dt.date, dict]:
    """The unit's figures of its latest report before `before` (what validation compares with)."""
    from db.submission import store

    with read_session(engine) as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.code == unit))
        return store.current_figures(s, campaign_id, unit_id, before)


def stored_figures(engine, report_id: int) -> dict:
    with read_session(engine) as s:
        lines = s.scalars(select(ReportLine).where(ReportLine.report_id == report_id)).all()
        return {ln.kind: {m: getattr(ln, m) for m in MEASURES} for ln in lines}


# --- tests -------------------------------------------------------------------------------------------


def test_sub001_reporter_previews_then_confirms_exactly_what_was_shown(app, engine, campaign):
    c = signed_in(app, "demo-lanshan")
    day = dt.date(2017, 6, 7)
    _, figures = current(engine, campaign["id"], LANSHAN, day)
    figures["regional"]["offer_ents"] += 5  # 2,395 -> 2,400 in the demo
    figures["regional"]["offer_workers"] += 300
    before = report_count(engine)

    r = post_callback(c, preview_body(app, campaign["id"], LANSHAN, day, figures))
    assert r.status_code == 200, r.get_data(as_text=True)
    token = shown(r, ids.SU_PENDING, "data")
    assert token and "确认提交" in text(shown(r, ids.SU_PREVIEW))
    assert "2 项有变化" in text(shown(r, ids.SU_PREVIEW))
    assert report_count(engine) == before  # a preview stores nothing

    r = post_callback(c, confirm_body(app, token))
    assert r.status_code == 200
    assert "已提交：兰山区 截至 2017年6月7日 第 1 版" in text(shown(r, ids.SU_RESULT))
    report_id = shown(r, ids.SU_STAMP, "data")
    assert report_count(engine) == before + 1
    with read_session(engine) as s:
        report = s.get(Report, report_id)
        assert (report.report_date, report.version, report.source, report.submitted_by, report.leader) == (
            day, 1, "web", "demo-lanshan", "周传东")
    assert stored_figures(engine, report_id) == figures
    assert "371302 2017-06-07 第1版（web）" in audits(engine, "report.submit", "demo-lanshan")[-1].detail

    # The same preview confirmed again (a replay or a double click) stores nothing more.
    r = post_callback(c, confirm_body(app, token))
    assert "该预览已提交，请勿重复确认" in text(shown(r, ids.SU_RESULT))
    assert report_count(engine) == before + 1


def test_sub002_a_tampered_or_missing_preview_stores_nothing(app, engine, campaign):
    c = signed_in(app, "demo-lanshan")
    day = dt.date(2017, 6, 8)
    _, figures = current(engine, campaign["id"], LANSHAN, day)
    token = shown(post_callback(c, preview_body(app, campaign["id"], LANSHAN, day, figures)), ids.SU_PENDING, "data")
    before = report_count(engine)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad in (forged, None, "validated", {"ok": True}):
        r = post_callback(c, confirm_body(app, bad))
        assert r.status_code == 200
        assert "没有可提交的预览" in text(shown(r, ids.SU_RESULT))
    assert report_count(engine) == before


def test_sub003_anonymous_requests_to_every_callback_are_401(app, engine, campaign):
    c = app.server.test_client()
    c.get("/login")
    bodies = [preview_body(app, campaign["id"], LANSHAN, dt.date(2017, 6, 9), {}), confirm_body(app, "x"),
              reload_body(app, campaign["id"], LANSHAN, dt.date(2017, 6, 9)),
              upload_body(app, campaign["id"], LANSHAN, dt.date(2017, 6, 9), b"x"),
              body(app, "invalidate", {}), body(app, "reload", {}, "rv-"), decide_body(app, 1, "accept")]
    before = report_count(engine)
    for b in bodies:
        assert c.post(UPDATE, data=b, content_type="application/json").status_code == 401
    assert report_count(engine) == before


def test_sub004_a_leader_is_refused_every_callback_with_403_and_an_audit_row(app, engine, campaign):
    c = signed_in(app, "demo-leader")
    keys = [k for k, cb in app.callback_map.items() if "callback" in cb and ("su-" in k or "rv-" in k)]
    # submit: reload, preview_form, preview_upload, invalidate, confirm; review: reload, show, select_all,
    # count_selected, ask_batch, accept_selected, decide
    assert len(keys) == 12
    # (the size check of an upload runs in the browser: a clientside callback, no server endpoint)
    before, refused = report_count(engine), len(audits(engine, "forbidden", "demo-leader"))
    day = dt.date(2017, 6, 9)
    bodies = [preview_body(app, campaign["id"], LUOZHUANG, day, {}), confirm_body(app, "x"),
              reload_body(app, campaign["id"], LUOZHUANG, day),
              upload_body(app, campaign["id"], LUOZHUANG, day, b"x"), body(app, "invalidate", {}),
              body(app, "reload", {f"{ids.RV_CAMPAIGN}.value": campaign["id"]}, "rv-"),
              decide_body(app, 1, "accept", campaign_id=campaign["id"]),
              *[callback_body(app, callback_key(app, name, "rv-"), {})
                for name in ("show", "select_all", "count_selected", "ask_batch")],
              batch_body(app, [{"id": 1}], campaign["id"])]
    for b in bodies:
        assert post_callback(c, b).status_code == 403
    assert len(audits(engine, "forbidden", "demo-leader")) == refused + len(bodies)
    assert report_count(engine) == before
    assert not audits(engine, "report.accept", "demo-leader")


def test_sub005_lanshan_reporter_cannot_act_for_another_unit(app, engine, campaign):
    c = signed_in(app, "demo-lanshan")
    day = dt.date(2017, 6, 9)
    _, figures = current(engine, campaign["id"], LUOZHUANG, day)
    before, refused = report_count(engine), len(audits(engine, "forbidden", "demo-lanshan"))
    for b, output in ((preview_body(app, campaign["id"], LUOZHUANG, day, figures), ids.SU_PREVIEW),
                      (reload_body(app, campaign["id"], LUOZHUANG, day), ids.SU_PREVIEW),
                      (upload_body(app, campaign["id"], LUOZHUANG, day, workbook_bytes(unit_name="罗庄区总工会",
                                                                                          figures=figures)),
                       ids.SU_PREVIEW)):
        r = post_callback(c, b)
        assert r.status_code == 200
        assert "只能报送本单位（371302）的数据" in text(shown(r, output))
        assert shown(r, ids.SU_PENDING, "data") is None
    events = audits(engine, "forbidden", "demo-lanshan")
    assert len(events) == refused + 3 and "371311" in events[-1].detail

    # An admin's preview for 罗庄区 is not the reporter's to confirm.
    admin = signed_in(app, "demo-admin")
    token = shown(post_callback(admin, preview_body(app, campaign["id"], LUOZHUANG, day, figures)), ids.SU_PENDING,
                  "data")
    assert token
    r = post_callback(c, confirm_body(app, token))
    assert "不属于当前登录的用户" in text(shown(r, ids.SU_RESULT))
    assert report_count(engine) == before


def test_sub006_a_second_report_for_a_date_is_a_correction_and_needs_a_reason(app, engine, campaign):
    admin = signed_in(app, "demo-admin")
    day, figures = current(engine, campaign["id"], LUOZHUANG, dt.date(2017, 6, 10))  # its last report
    figures["industry"]["filed_workers"] += 1
    r = post_callback(admin, reload_body(app, campaign["id"], LUOZHUANG, day))
    assert "本次提交为更正，将保存为第 2 版" in text(shown(r, ids.SU_CORRECTION))
    r = post_callback(admin, preview_body(app, campaign["id"], LUOZHUANG, day, figures))
    assert shown(r, ids.SU_PENDING, "data") is None
    assert "更正报送须填写更正原因" in text(shown(r, ids.SU_PREVIEW))
    r = post_callback(admin, preview_body(app, campaign["id"], LUOZHUANG, day, figures, reason="行业备案职工数漏报 1 人"))
    assert "更正，将保存为第 2 版" in text(shown(r, ids.SU_PREVIEW))
    assert "与当前的第 1 版相比，1 项有变化" in text(shown(r, ids.SU_PREVIEW))
    r = post_callback(admin, confirm_body(app, shown(r, ids.SU_PENDING, "data")))
    report_id = shown(r, ids.SU_STAMP, "data")
    with read_session(engine) as s:
        report = s.get(Report, report_id)
        assert (report.version, report.is_correction, report.reason) == (2, True, "行业备案职工数漏报 1 人")
        assert review.history_status(s, [report_id])[report_id]["status"] == "pending"
    assert stored_figures(engine, report_id) == figures


def test_sub008_one_correction_preview_confirmed_five_times_at_once_stores_one_version(app, engine, campaign):
    import threading

    hedong = "371312"  # 河东区
    clients = [signed_in(app, "demo-admin") for _ in range(5)]
    day, figures = current(engine, campaign["id"], hedong, dt.date(2017, 6, 11))  # its last report
    figures["industry"]["filed_workers"] += 1
    r = post_callback(clients[0], preview_body(app, campaign["id"], hedong, day, figures, reason="行业备案职工数漏报"))
    token = shown(r, ids.SU_PENDING, "data")
    assert token, text(shown(r, ids.SU_PREVIEW))
    before = report_count(engine)
    barrier, results = threading.Barrier(5), [None] * 5

    def confirm(i):
        barrier.wait()
        results[i] = post_callback(clients[i], confirm_body(app, token))

    threads = [threading.Thread(target=confirm, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert report_count(engine) == before + 1
    said = [text(shown(r, ids.SU_RESULT)) for r in results]
    assert sum("已提交：" in m for m in said) == 1, said
    assert sum("该预览已提交，请勿重复确认" in m for m in said) == 4, said
    r = post_callback(clients[0], confirm_body(app, token))  # a replay, later
    assert "该预览已提交，请勿重复确认" in text(shown(r, ids.SU_RESULT))
    assert report_count(engine) == before + 1


def test_sub007_upload_errors_name_sheet_cell_and_field(app, engine, campaign):
    c = signed_in(app, "demo-lanshan")
    day = dt.date(2017, 6, 9)
    _, figures = current(engine, campaign["id"], LANSHAN, day)
    bad = {k: dict(v) for k, v in figures.items()}
    bad["regional"]["signed_workers"] = bad["regional"]["offer_workers"] + 1  # G6 in the template
    before = report_count(engine)
    r = post_callback(c, upload_body(app, campaign["id"], LANSHAN, day, workbook_bytes(unit_name="兰山区总工会",
                                                                                        figures=bad)))
    preview = text(shown(r, ids.SU_PREVIEW))
    assert "G6" in preview and "区域 · 签订合同覆盖职工数" in preview and "大于 发出要约覆盖职工数" in preview
    assert shown(r, ids.SU_PENDING, "data") is None
    # A workbook whose 单位 is another unit is refused with that cell named.
    r = post_callback(c, upload_body(app, campaign["id"], LANSHAN, day,
                                     workbook_bytes(unit_name="罗庄区总工会", figures=figures)))
    preview = text(shown(r, ids.SU_PREVIEW))
    assert "工作簿表头的单位“罗庄区总工会”与所选单位“兰山区”不符" in preview
    assert shown(r, ids.SU_PENDING, "data") is None
    # So is one whose 单位 names no known unit: it is not stored under the unit chosen in the form.
    r = post_callback(c, upload_body(app, campaign["id"], LANSHAN, day,
                                     workbook_bytes(unit_name="临沂大学工会", figures=figures)))
    assert "工作簿表头的单位“临沂大学工会”与所选单位“兰山区”不符" in text(shown(r, ids.SU_PREVIEW))
    assert shown(r, ids.SU_PENDING, "data") is None
    # Not a workbook at all.
    r = post_callback(c, upload_body(app, campaign["id"], LANSHAN, day, b"a,b\n1,2\n", "figures.xlsx"))
    assert "不是 Excel 工作簿" in text(shown(r, ids.SU_PREVIEW))
    # A good workbook previews, fills the grid with what it shows, and confirms as an Excel upload.
    r = post_callback(c, upload_body(app, campaign["id"], LANSHAN, day, workbook_bytes(
        unit_name="兰山区总工会", figures=figures, leader="周传东", filled_by="朱红梅", filled_on=day)))
    token = shown(r, ids.SU_PENDING, "data")
    assert token and shown(r, ids.SU_GRID, "rowData") == view.grid_rows(figures)
    assert report_count(engine) == before
    r = post_callback(c, confirm_body(app, token))
    with read_session(engine) as s:
        report = s.get(Report, shown(r, ids.SU_STAMP, "data"))
        assert (report.source, report.report_date, report.filled_by) == ("excel", day, "朱红梅")


def test_rev001_admin_returns_with_a_comment_and_the_reporter_sees_it(app, engine, campaign):
    admin = signed_in(app, "demo-admin")
    with read_session(engine) as s:
        queue = review.review_queue(s, campaign["id"])
    item = next(i for i in queue if i["unit_code"] == LANSHAN)
    r = post_callback(admin, decide_body(app, item["report_id"], "return", "  ", campaign["id"]))
    assert "退回报表须填写退回意见" in text(shown(r, ids.RV_RESULT))
    comment = "区域行覆盖职工数与备案回执不符，请核实"
    r = post_callback(admin, decide_body(app, item["report_id"], "return", comment, campaign["id"]))
    assert "已退回报表" in text(shown(r, ids.RV_RESULT))
    assert f'"id": {item["report_id"]}, "unit"' not in text(shown(r, ids.RV_QUEUE))  # not a grid row any more
    assert f'"data-report-id": "{item["report_id"]}"' not in text(shown(r, ids.RV_DETAIL))
    with read_session(engine) as s:
        assert review.history_status(s, [item["report_id"]])[item["report_id"]]["status"] == "returned"
    reporter = signed_in(app, "demo-lanshan")
    r = post_callback(reporter, reload_body(app, campaign["id"], LANSHAN, item["report_date"]))
    assert comment in text(shown(r, ids.SU_RETURNED))
    # A second decision on the same version is refused by the review module.
    r = post_callback(admin, decide_body(app, item["report_id"], "accept", campaign_id=campaign["id"]))
    assert "不能重复审核" in text(shown(r, ids.RV_RESULT))


def test_rev002_a_reporter_cannot_review(app, engine, campaign):
    c = signed_in(app, "demo-lanshan")
    with read_session(engine) as s:
        item = review.review_queue(s, campaign["id"])[0]
    assert post_callback(c, decide_body(app, item["report_id"], "accept", campaign_id=campaign["id"])).status_code == 403
    with read_session(engine) as s:
        assert review.history_status(s, [item["report_id"]])[item["report_id"]]["status"] == "pending"
    assert "decide" in audits(engine, "forbidden", "demo-lanshan")[-1].detail


def batch_body(app, rows: list, campaign_id: int) -> str:
    return callback_body(app, callback_key(app, "accept_selected", "rv-"), {
        f"{ids.RV_CONFIRM}.submit_n_clicks": 1, f"{ids.RV_GRID}.selectedRows": rows,
        f"{ids.RV_CAMPAIGN}.value": campaign_id, f"{ids.RV_UNIT}.value": None}, changed=f"{ids.RV_CONFIRM}.submit_n_clicks")


def test_rev002_batch_approval_checks_every_report_and_the_role(app, engine, campaign):
    """通过所选: three at once, each audited; one already decided refuses the lot; a reporter's forged
    request is refused (403) and changes nothing."""
    with read_session(engine) as s:
        queue = review.review_queue(s, campaign["id"])
    three = [i["report_id"] for i in queue[:3]]
    reporter = signed_in(app, "demo-lanshan")
    r = post_callback(reporter, batch_body(app, [{"id": i} for i in three], campaign["id"]))
    assert r.status_code == 403
    admin = signed_in(app, "demo-admin")
    with read_session(engine) as s:
        decided = s.scalar(select(func.max(review.ReportReview.report_id)))
    r = post_callback(admin, batch_body(app, [{"id": three[0]}, {"id": decided}], campaign["id"]))
    assert "所选 2 份报表均未通过" in text(shown(r, ids.RV_RESULT))
    with read_session(engine) as s:
        assert [i["report_id"] for i in review.review_queue(s, campaign["id"])][:3] == three
    r = post_callback(admin, batch_body(app, [{"id": i, "unit": "x"} for i in three] + ["forged"], campaign["id"]))
    assert "已通过 3 份报表" in text(shown(r, ids.RV_RESULT))
    queue_json = text(shown(r, ids.RV_QUEUE))
    assert all(f'"id": {i}, "unit"' not in queue_json for i in three)
    with read_session(engine) as s:
        assert {review.history_status(s, three)[i]["status"] for i in three} == {"accepted"}
        details = s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "report.accept",
                                                           AuditEvent.actor == "demo-admin")).all()
    assert all(any(f"报表编号 {i}）" in d for d in details) for i in three)
