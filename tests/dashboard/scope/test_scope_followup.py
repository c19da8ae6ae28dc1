"""/cases, /case/<id>, /summaries, /instructors, /evaluation, /supervision for a leader or admin bound to
province A: lists hold only A's units; B's case page is forbidden; writes for B's units are 403."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from dashboard import ids
from dashboard.pages.supervision import STATUS_BY_CODE
from db.engine import read_session
from db.models import Unit
from db.models.cases import TypicalCase
from db.models.followup import Instructor, RefusalCase
from tests.dashboard.scope.conftest import A_UNIT, B_UNIT, client
from tests.dashboard.scope.test_scope_district import route
from tests.dashboard.scope.test_scope_submit import demo_campaign
from tests.http_helpers import callback_body, callback_key, form_token, post_callback

PAGES = ("/cases", "/summaries", "/instructors", "/evaluation", "/supervision")


def body_of(app, c, page: str) -> str:
    """The page as the router renders it plus its body callback (the follow-up pages fill their body)."""
    text = route(app, c, page)
    name = {"/instructors": "instructors_body", "/evaluation": "evaluation_body",
            "/supervision": "supervision_body"}.get(page)
    if name:
        r = post_callback(c, callback_body(app, callback_key(app, name), {f"{ids.URL}.search": ""}))
        assert r.status_code == 200, r.status_code
        text += r.get_data(as_text=True)
    return text


def row_of(engine, model, code: str) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.min(model.id)).join(Unit, Unit.id == model.unit_id).where(Unit.code == code))


@pytest.mark.parametrize("page", PAGES)
def test_scope_followup001_lists_only_the_area(app, page):
    mine = body_of(app, client(app, "prov-leader"), page)
    assert "兰山区" in mine and "玄武区" not in mine
    assert "玄武区" in body_of(app, client(app, "demo-leader"), page)  # unbound: as today


def test_scope_followup002_another_provinces_case_is_forbidden(app, engine):
    theirs, ours = row_of(engine, TypicalCase, B_UNIT), row_of(engine, TypicalCase, A_UNIT)
    c = client(app, "prov-leader")
    page = route(app, c, f"/case/{theirs}")
    assert "forbidden" in page and "玄武区" not in page
    assert "forbidden" not in route(app, c, f"/case/{ours}")
    admin = client(app, "prov-admin")
    detail = callback_body(app, callback_key(app, "refresh_detail"), {f"{ids.CS_F_RESULT}.children": "x",
                                                                        f"{ids.CS_F_CASE}.data": theirs})
    assert post_callback(admin, detail).status_code == 403
    mark = callback_body(app, callback_key(app, "mark"), {f"{ids.CS_MARK}.n_clicks": 1, f"{ids.CS_F_CASE}.data": theirs})
    assert post_callback(admin, mark).status_code == 403


def test_scope_followup003_writes_for_another_province_are_refused(app, engine):
    cid = demo_campaign(engine)
    c = client(app, "prov-admin")
    with read_session(engine) as s:
        before = s.scalar(select(func.count()).select_from(Instructor))
    add = callback_body(app, callback_key(app, "add_instructor"), {
        f"{ids.AC_IN_ADD}.n_clicks": 1, f"{ids.AC_CAMPAIGN}.data": cid, f"{ids.AC_IN_UNIT}.value": B_UNIT,
        f"{ids.AC_IN_NAME}.value": "张三", f"{ids.AC_IN_PHONE}.value": "13800000000",
        f"{ids.AC_IN_SINCE}.value": "2017-05-02", f"{ids.AC_SAVED}.data": 0})
    assert post_callback(c, add).status_code == 403
    required = callback_body(app, callback_key(app, "set_required"), {
        f"{ids.AC_Q_SAVE}.n_clicks": 1, f"{ids.AC_CAMPAIGN}.data": cid, f"{ids.AC_Q_UNIT}.value": B_UNIT,
        f"{ids.AC_Q_REQUIRED}.value": 9, f"{ids.AC_SAVED}.data": 0})
    assert post_callback(c, required).status_code == 403
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Instructor)) == before
    case = row_of(engine, RefusalCase, B_UNIT)
    with read_session(engine) as s:
        status = s.get(RefusalCase, case).status
    code = next(iter(STATUS_BY_CODE))
    key = callback_key(app, "refusal_status")
    button = app.callback_map[key]["inputs"][0]["id"]
    move = callback_body(app, key, {f"{button}.n_clicks": 1, f"{ids.AC_SAVED}.data": 0}, wild=f"{case}|{code}")
    assert post_callback(c, move).status_code == 403
    with read_session(engine) as s:
        assert s.get(RefusalCase, case).status == status


def test_scope_followup004_summary_upload_for_another_province_is_refused(app, engine):
    c = client(app, "prov-admin")
    page = c.get("/summaries/upload").get_data(as_text=True)
    assert "兰山区" in page and "玄武区" not in page
    r = c.post("/summaries/upload", data={"csrf_token": form_token(c, "/summaries/upload"),
                                          "campaign": str(demo_campaign(engine)), "unit": B_UNIT, "kind": "written"})
    assert r.status_code == 400 and "只能为本辖区的单位上传" in r.get_data(as_text=True)
