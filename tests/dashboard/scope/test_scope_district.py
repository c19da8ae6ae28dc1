"""A provincial leader or admin sees only their province: the county page of another province is the
forbidden page (audited), its refresh callback answers 403; their own units open as before."""

from __future__ import annotations

import json

from sqlalchemy import select

from dashboard import ids
from db.engine import read_session
from db.models import AuditEvent
from tests.dashboard.scope.conftest import A_UNIT, B_UNIT, client
from tests.http_helpers import callback_body, post_callback


def route(app, c, path: str) -> str:
    body = callback_body(app, f"{ids.PAGE}.children", {f"{ids.URL}.pathname": path, f"{ids.URL}.search": ""})
    r = post_callback(c, body)
    assert r.status_code == 200, r.status_code
    return json.dumps(r.get_json(), ensure_ascii=False)  # Dash escapes "/" as \u002f


def refresh(app, c, path: str):
    key = next(k for k in app.callback_map if k.startswith(f"{ids.D_BODY}.") or f"..{ids.D_BODY}." in k)
    body = callback_body(app, key, {f"{ids.DATA_VERSION}.data": "v2", f"{ids.URL}.pathname": path,
                                    f"{ids.URL}.search": ""})
    return post_callback(c, body)


def test_scope_district001_provincial_leader_cannot_see_another_province(app, engine):
    c = client(app, "prov-leader")
    other = route(app, c, f"/district/{B_UNIT}")
    assert "forbidden" in other and "玄武区" not in other and "统计表" not in other
    own = route(app, c, f"/district/{A_UNIT}")
    assert "兰山区" in own and "统计表" in own and "forbidden" not in own
    # Compared and ranked within its city, 临沂市: 22 units (23 demo units less 玄武区), of which 21 have
    # reported (临港经济开发区 never does); nothing of province B is counted.
    assert "与全市比较" in own and "21 / 22 个单位已报送" in own and " / 22" in own and " / 23" not in own
    unbound = route(app, client(app, "demo-leader"), f"/district/{A_UNIT}")  # the same comparison: its city
    assert "与全市比较" in unbound and "21 / 22 个单位已报送" in unbound
    with read_session(engine) as s:
        events = s.scalars(select(AuditEvent.detail).where(AuditEvent.actor == "prov-leader",
                                                           AuditEvent.action == "forbidden")).all()
    assert any(B_UNIT in e for e in events)


def test_scope_district002_refresh_callback_refuses_another_province(app):
    c = client(app, "prov-leader")
    assert refresh(app, c, f"/district/{B_UNIT}").status_code == 403
    ok = refresh(app, c, f"/district/{A_UNIT}")
    assert ok.status_code == 200 and "统计表" in json.dumps(ok.get_json(), ensure_ascii=False)


def test_scope_district003_other_province_and_unbound_accounts(app):
    b = client(app, "b-admin")
    assert "forbidden" in route(app, b, f"/district/{A_UNIT}")
    assert "玄武区" in route(app, b, f"/district/{B_UNIT}")
    leader = client(app, "demo-leader")  # unbound: the whole installation, as today
    for code in (A_UNIT, B_UNIT):
        assert "forbidden" not in route(app, leader, f"/district/{code}")
