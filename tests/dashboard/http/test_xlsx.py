"""GET /submit/template.xlsx: signed-in users only; a reporter gets its own unit and nothing else."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from db.engine import read_session
from db.models import AuditEvent, Campaign, Unit
from db.submission.xlsx_template import XLSX_MIME, cell_of, last_report
from domain.measures import LINE_KINDS, MEASURES
from tests.http_helpers import demo_app, login

URL = "/submit/template.xlsx"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return demo_app(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="module")
def engine(app):
    return app.server.extensions["jizhong_engine"]


def client(app, username: str | None = None):
    c = app.server.test_client()
    if username:
        assert login(c, username).status_code == 302
    return c


def sheet(response):
    return load_workbook(io.BytesIO(response.data)).active


def demo_campaign(engine) -> int:
    with read_session(engine) as s:
        return s.scalar(select(Campaign.id).where(Campaign.is_demo.is_(True)))


def test_tpl001_anonymous_is_sent_to_login(app):
    response = client(app).get(f"{URL}?unit=371302")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_tpl002_reporter_gets_its_own_unit_prefilled(app, engine):
    campaign = demo_campaign(engine)
    response = client(app, "demo-lanshan").get(f"{URL}?unit=&campaign={campaign}")
    assert response.status_code == 200
    assert response.mimetype == XLSX_MIME
    name = quote("兰山区-集中要约行动情况统计表.xlsx", safe="")
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"template-371302.xlsx\"; filename*=UTF-8''{name}")
    assert response.headers["Cache-Control"] == "no-store"
    ws = sheet(response)
    with read_session(engine) as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.code == "371302"))
        report, figures = last_report(s, campaign, unit_id)
    assert ws["B2"].value == "兰山区" and ws["E2"].value == report.leader
    assert {k: {m: ws[cell_of(k, m)].value for m in MEASURES} for k in LINE_KINDS} == figures
    assert figures["regional"]["offer_copies"] > 0  # the demo has figures, so the prefill is visible


def test_tpl003_reporter_asking_for_another_unit_is_refused_and_audited(app, engine):
    response = client(app, "demo-lanshan").get(f"{URL}?unit=371311")
    assert response.status_code == 403
    with read_session(engine) as s:
        detail = s.scalar(select(AuditEvent.detail).where(AuditEvent.action == "forbidden",
                                                          AuditEvent.actor == "demo-lanshan"))
    assert detail == f"{URL} 单位 371311"


def test_tpl004_leaders_and_admins_name_any_unit(app, engine):
    leader = client(app, "demo-leader").get(f"{URL}?unit=371324")
    assert leader.status_code == 200 and sheet(leader)["B2"].value == "兰陵县"
    admin = client(app, "demo-admin")
    assert admin.get(f"{URL}?unit=KF01&campaign={demo_campaign(engine)}").status_code == 200
    assert admin.get(URL).status_code == 400
    assert admin.get(f"{URL}?unit=999999").status_code == 404
    assert admin.get(f"{URL}?unit=371302&campaign=abc").status_code == 400
    assert admin.get(f"{URL}?unit=371302&campaign=9999").status_code == 404
