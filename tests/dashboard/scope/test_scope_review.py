"""/review for an admin bound to province A: the queue holds only A's reports; deciding on one of
province B's (a forged click, one or in a batch) is refused with 403 and changes nothing."""

from __future__ import annotations

import json

from sqlalchemy import select

from dashboard import ids
from db.engine import read_session
from db.models import Campaign
from db.models.review import ReportReview
from db.submission import review
from tests.dashboard.scope.conftest import B_UNIT, client
from tests.dashboard.scope.test_scope_district import route
from tests.http_helpers import callback_body, callback_key, post_callback


def pending(engine) -> tuple[int, dict[str, list[int]]]:
    with read_session(engine) as s:
        cid = s.scalar(select(Campaign.id).where(Campaign.is_demo.is_(True)))
        by_unit: dict[str, list[int]] = {}
        for item in review.review_queue(s, cid):
            by_unit.setdefault(item["unit_code"], []).append(item["report_id"])
    return cid, by_unit


def decide(app, c, cid: int, report_id: int):
    key = callback_key(app, "decide")
    accept = app.callback_map[key]["inputs"][0]["id"]
    body = callback_body(app, key, {f"{accept}.n_clicks": 1, f"{ids.RV_CAMPAIGN}.value": cid}, wild=report_id)
    return post_callback(c, body)


def reviewed(engine, report_id: int) -> bool:
    with read_session(engine) as s:
        return s.scalar(select(ReportReview.id).where(ReportReview.report_id == report_id)) is not None


def test_scope_review001_queue_holds_only_the_area(app, engine):
    cid, by_unit = pending(engine)
    assert B_UNIT in by_unit and "371302" in by_unit
    page = route(app, client(app, "prov-admin"), "/review")
    assert "玄武区" not in page and "兰山区" in page
    assert "玄武区" in route(app, client(app, "b-admin"), "/review")
    assert "玄武区" in route(app, client(app, "demo-admin"), "/review")  # unbound: as today


def test_scope_review002_deciding_on_another_provinces_report_is_refused(app, engine):
    cid, by_unit = pending(engine)
    theirs = by_unit[B_UNIT][0]
    c = client(app, "prov-admin")
    assert decide(app, c, cid, theirs).status_code == 403
    assert not reviewed(engine, theirs)
    batch = callback_body(app, callback_key(app, "accept_selected"), {
        f"{ids.RV_CONFIRM}.submit_n_clicks": 1, f"{ids.RV_GRID}.selectedRows": [{"id": by_unit["371302"][0]},
                                                                               {"id": theirs}],
        f"{ids.RV_CAMPAIGN}.value": cid})
    assert post_callback(c, batch).status_code == 403
    assert not reviewed(engine, theirs) and not reviewed(engine, by_unit["371302"][0])
    show = callback_body(app, callback_key(app, "show"), {
        f"{ids.RV_GRID}.cellClicked": {"rowId": str(theirs), "colId": "unit"}, f"{ids.RV_CAMPAIGN}.value": cid})
    assert post_callback(c, show).status_code == 403
    # Its own province's report goes through.
    ours = by_unit["371302"][0]
    ok = decide(app, c, cid, ours)
    assert ok.status_code == 200 and "已通过" in json.dumps(ok.get_json(), ensure_ascii=False)
    assert reviewed(engine, ours)
