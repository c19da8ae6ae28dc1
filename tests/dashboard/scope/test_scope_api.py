"""The API for accounts bound to an area: a session cookie never reaches /api/v1/reports (401), the
API reads nothing (405 for other methods), and a token of province A's unit cannot write for province
B's unit (403, audited). Tokens are created by area admins only for their own units (test_scope_admin)."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from db.accounts import auth
from db.engine import read_session, write_session
from db.models import AuditEvent, Report
from tests.dashboard.http.test_api import body
from tests.dashboard.scope.conftest import A_UNIT, B_UNIT, client

URL = "/api/v1/reports"


def reports(engine) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count(Report.id)))


def post(c, payload, token=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return c.post(URL, data=json.dumps(payload, ensure_ascii=False).encode(), content_type="application/json",
                  headers=headers)


def test_scope_api001_area_accounts_reach_nothing_outside(app, engine):
    before = reports(engine)
    for who in ("prov-leader", "prov-admin"):
        c = client(app, who)
        assert post(c, body(unit=B_UNIT, day="2017-06-12")).status_code == 401  # a session is not a token
        assert post(c, body(unit=A_UNIT, day="2017-06-12")).status_code == 401
        assert c.get(URL).status_code == 405  # nothing to read
    with write_session(engine) as s:
        token = auth.create_token(s, A_UNIT, actor="prov-admin", label="兰山区脚本")
    anon = app.server.test_client()
    r = post(anon, body(unit=B_UNIT, day="2017-06-12"), token)
    assert r.status_code == 403
    assert reports(engine) == before
    with read_session(engine) as s:
        refused = s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "forbidden")
                            .order_by(AuditEvent.id.desc())).first()
    assert B_UNIT in refused
