"""/submit for an admin bound to province A: the unit list holds only A's units; previewing, reloading
or uploading for province B's unit is refused (Chinese message, audited), and nothing is stored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from dashboard import ids
from db import queries
from db.engine import read_session
from db.models import AuditEvent
from db.submission.xlsx_template import workbook_bytes
from tests.callbacks.test_submit import (
    current,
    preview_body,
    reload_body,
    report_count,
    shown,
    text,
    upload_body,
)
from tests.dashboard.scope.conftest import A_UNIT, B_UNIT, client
from tests.dashboard.scope.test_scope_district import route


def demo_campaign(engine) -> int:
    with read_session(engine) as s:
        return next(c["id"] for c in queries.campaigns(s) if c["is_demo"])


def test_scope_submit001_form_lists_only_the_area(app):
    page = route(app, client(app, "prov-admin"), "/submit")
    assert "兰山区" in page and "玄武区" not in page
    assert "玄武区" in route(app, client(app, "demo-admin"), "/submit")


def test_scope_submit002_an_area_admin_cannot_submit_for_another_province(app, engine):
    cid, day = demo_campaign(engine), dt.date(2017, 6, 9)
    _, figures = current(engine, cid, B_UNIT, day)
    c = client(app, "prov-admin")
    before = report_count(engine)
    for b in (preview_body(app, cid, B_UNIT, day, figures), reload_body(app, cid, B_UNIT, day),
              upload_body(app, cid, B_UNIT, day, workbook_bytes(unit_name="玄武区总工会", figures=figures))):
        r = post_callback_ok(c, b)
        assert "只能报送本辖区单位的数据" in text(shown(r, ids.SU_PREVIEW))
        assert shown(r, ids.SU_PENDING, "data") is None
    assert report_count(engine) == before
    with read_session(engine) as s:
        details = s.scalars(select(AuditEvent.detail).where(AuditEvent.actor == "prov-admin",
                                                            AuditEvent.action == "forbidden")).all()
    assert sum(B_UNIT in d for d in details) >= 3
    # Its own province's unit previews as before.
    _, own = current(engine, cid, A_UNIT, day)
    r = post_callback_ok(c, preview_body(app, cid, A_UNIT, day, own))
    assert shown(r, ids.SU_PENDING, "data")


def post_callback_ok(c, body):
    from tests.http_helpers import post_callback

    r = post_callback(c, body)
    assert r.status_code == 200, r.status_code
    return r
