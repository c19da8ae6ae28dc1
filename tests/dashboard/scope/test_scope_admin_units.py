"""/admin/units for an admin bound to province A: lists only A's subtree; editing B's unit is 403;
a new or edited unit's parent must be inside A (no roots, nothing moved out); imports likewise."""

from __future__ import annotations

import base64
import json

from sqlalchemy import select

from dashboard import ids
from db.engine import read_session
from db.models import Unit
from tests.dashboard.scope.conftest import A_UNIT, B_UNIT, client
from tests.dashboard.scope.test_scope_district import route
from tests.http_helpers import callback_body, callback_key, post_callback


def save_body(app, chosen: str, code: str, parent: str | None, name: str = "测试单位", kind: str = "县区") -> str:
    return callback_body(app, callback_key(app, "save", ids.AD_UNIT_RESULT), {
        f"{ids.AD_UNIT_SAVE}.n_clicks": 1, f"{ids.AD_UNIT_PICK}.value": chosen, f"{ids.AD_UNIT_CODE}.value": code,
        f"{ids.AD_UNIT_NAME}.value": name, f"{ids.AD_UNIT_KIND}.value": kind, f"{ids.AD_UNIT_PARENT}.value": parent,
        f"{ids.AD_UNIT_ADCODE}.value": "", f"{ids.AD_UNIT_SORT}.value": "0"})


def import_body(app, name: str, csv: str, apply: bool = False) -> str:
    url = "data:text/csv;base64," + base64.b64encode(csv.encode("utf-8")).decode()
    first = f"{ids.AD_UNIT_APPLY}.n_clicks" if apply else f"{ids.AD_UNIT_UPLOAD}.contents"
    return callback_body(app, callback_key(app, "apply" if apply else "preview", ids.AD_UNIT_PREVIEW), {
        first: 1 if apply else url, f"{ids.AD_UNIT_UPLOAD}.contents": url, f"{ids.AD_UNIT_UPLOAD}.filename": name})


def parent_of(engine, code: str) -> str | None:
    with read_session(engine) as s:
        unit = s.scalar(select(Unit).where(Unit.code == code))
        return unit.parent.code if unit and unit.parent else None


def said(r) -> str:
    assert r.status_code == 200, r.status_code
    return json.dumps(r.get_json()["response"], ensure_ascii=False)


def test_scope_units001_lists_only_the_subtree(app):
    page = route(app, client(app, "prov-admin"), "/admin/units")
    assert "兰山区" in page and "临沂市" in page and "玄武区" not in page and "江苏省" not in page
    assert "玄武区" in route(app, client(app, "demo-admin"), "/admin/units")


def test_scope_units002_edits_stay_inside_the_area(app, engine):
    c = client(app, "prov-admin")
    # Another province's unit: a forged request, 403.
    assert post_callback(c, save_body(app, B_UNIT, B_UNIT, "320000", name="改名")).status_code == 403
    assert parent_of(engine, B_UNIT) == "320000"
    # Moving an own unit out (to B, or to no parent) and creating one outside: refused in Chinese.
    for body in (save_body(app, A_UNIT, A_UNIT, "320000", name="兰山区"), save_body(app, A_UNIT, A_UNIT, None, name="兰山区"),
                 save_body(app, "new", "320199", "320000"), save_body(app, "new", "999001", None)):
        assert "须在本辖区" in said(post_callback(c, body))
    assert parent_of(engine, A_UNIT) == "371300"
    # The area's own top unit cannot be moved.
    assert "不能移动本辖区" in said(post_callback(c, save_body(app, "370000", "370000", "371300", name="山东省",
                                                                kind="省")))
    # Inside the area: fine.
    assert "已新增单位 371399" in said(post_callback(c, save_body(app, "new", "371399", "371300")))
    assert parent_of(engine, "371399") == "371300"


def test_scope_units003_imports_stay_inside_the_area(app, engine):
    c = client(app, "prov-admin")
    head = "代码,名称,类型,上级代码,行政区划代码\n"
    outside = head + f"{B_UNIT},玄武区改,县区,320000,\n"
    assert "不在本辖区内" in said(post_callback(c, import_body(app, "b.csv", outside)))
    assert "不在本辖区内" in said(post_callback(c, import_body(app, "b.csv", outside, apply=True)))
    moved = head + "371398,新区,县区,320000,\n"
    assert "须在本辖区" in said(post_callback(c, import_body(app, "m.csv", moved, apply=True)))
    with read_session(engine) as s:
        assert s.scalar(select(Unit.name).where(Unit.code == B_UNIT)) == "玄武区"
        assert s.scalar(select(Unit.id).where(Unit.code == "371398")) is None
    fine = head + "371397,新区,县区,371300,\n"
    assert "已导入" in said(post_callback(c, import_body(app, "ok.csv", fine, apply=True)))
    assert parent_of(engine, "371397") == "371300"
