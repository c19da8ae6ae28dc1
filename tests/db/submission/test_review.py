"""Review of reports (db/submission/review.py) on SQLite and PostgreSQL: status rules, refusals, audit, the
append-only table, the dashboard's as-of status and the demo extension."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from db.admin.presets import ensure_campaign, read_preset
from db.demo import review as demo_review
from db.engine import read_session, write_session
from db.models import AuditEvent, Base, Campaign, Report
from db.models.review import ReportReview
from db.submission import review
from db.submission.review import ReviewError
from db.submission.store import submit
from domain.measures import MEASURES
from domain.validation import Submission

LANSHAN, LUOZHUANG, HEDONG = "371302", "371311", "371312"
APR7, APR14, APR21 = dt.date(2017, 4, 7), dt.date(2017, 4, 14), dt.date(2017, 4, 21)
T0 = dt.datetime(2017, 4, 8, 9, 0)


def table(scale: int = 1) -> dict[str, dict[str, int]]:
    rows = {
        "single": (10, 10, 5000, 8, 8, 4000, 6, 6, 3000),
        "regional": (3, 40, 2000, 2, 30, 1500, 2, 30, 1500),
        "industry": (2, 25, 3000, 1, 20, 2500, 1, 15, 2000),
    }
    return {kind: {m: v * scale for m, v in zip(MEASURES, values, strict=True)} for kind, values in rows.items()}


@pytest.fixture
def campaign_id(preset_engine) -> int:
    with read_session(preset_engine) as s:
        return s.scalar(select(Campaign.id))


def put(engine, campaign_id, unit, day, at, scale=1, reason="", by="张三") -> int:
    """Store one version (a correction when `reason` is given); returns the report id."""
    sub = Submission(campaign_id, unit, day, table(scale), filled_by=by, source="web",
                     is_correction=bool(reason), reason=reason)
    return submit(engine, sub, now=at).report_id


def accept(engine, report_id, reviewer="admin", at=None):
    with write_session(engine) as s:
        return review.accept(s, report_id, reviewer, ip="10.0.0.9", now=at)


def give_back(engine, report_id, comment, reviewer="admin", at=None):
    with write_session(engine) as s:
        return review.return_report(s, report_id, reviewer, comment, ip="10.0.0.9", now=at)


def queue(engine, campaign_id):
    with read_session(engine) as s:
        return review.review_queue(s, campaign_id)


def status(engine, campaign_id, as_of):
    with read_session(engine) as s:
        return review.status_by_unit(s, campaign_id, as_of)


def reviews(engine) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count(ReportReview.id)))


def audit_rows(engine, prefix="report.") -> list[tuple]:
    with read_session(engine) as s:
        rows = s.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail, AuditEvent.ip)
                         .where(AuditEvent.action.like(f"{prefix}%")).order_by(AuditEvent.id))
        return [tuple(r) for r in rows]


def test_rev001_a_new_report_is_pending_and_queued_with_its_details(preset_engine, campaign_id):
    rid = put(preset_engine, campaign_id, LANSHAN, APR7, T0, by="刘敏")
    [item] = queue(preset_engine, campaign_id)
    assert item == {
        "report_id": rid, "campaign_id": campaign_id, "unit_code": LANSHAN, "unit_name": "兰山区",
        "report_date": APR7, "version": 1, "submitted_at": T0, "submitted_by": "刘敏", "leader": "",
        "filled_by": "刘敏", "source": "web", "is_correction": False, "reason": "", "warnings": [],
    }
    assert status(preset_engine, campaign_id, APR7) == {LANSHAN: "pending"}
    with read_session(preset_engine) as s:
        assert s.scalar(select(func.count(ReportReview.id))) == 0
        assert review.history_status(s, [rid])[rid] == {
            "status": "pending", "label": "待审核", "comment": "", "reviewer": "", "reviewed_at": None}


def test_rev002_accept_leaves_the_queue_and_is_audited(preset_engine, campaign_id):
    rid = put(preset_engine, campaign_id, LANSHAN, APR7, T0)
    at = dt.datetime(2017, 4, 9, 10, 30)
    row = accept(preset_engine, rid, at=at)
    assert (row.report_id, row.decision, row.comment, row.reviewer, row.at) == (rid, "accepted", "", "admin", at)
    assert queue(preset_engine, campaign_id) == []
    assert status(preset_engine, campaign_id, APR14) == {LANSHAN: "accepted"}
    assert audit_rows(preset_engine) == [
        ("admin", "report.accept", f"{LANSHAN} 2017-04-07 第1版（报表编号 {rid}） 审核通过", "10.0.0.9")
    ]


def test_rev003_return_needs_a_comment_and_shows_for_the_unit(preset_engine, campaign_id):
    rid = put(preset_engine, campaign_id, LANSHAN, APR7, T0)
    for blank in ("", "   ", None):
        with pytest.raises(ReviewError, match="退回报表须填写退回意见"):
            give_back(preset_engine, rid, blank)
    with pytest.raises(ReviewError, match="不能超过 1000 个字"):
        give_back(preset_engine, rid, "长" * 1001)
    assert reviews(preset_engine) == 0
    at = dt.datetime(2017, 4, 9, 11, 0)
    give_back(preset_engine, rid, "  区域行覆盖职工数偏高，请核实  ", at=at)
    assert status(preset_engine, campaign_id, APR7) == {LANSHAN: "returned"}
    assert queue(preset_engine, campaign_id) == []
    with read_session(preset_engine) as s:
        [item] = review.returned_for_unit(s, campaign_id, LANSHAN)
        assert review.returned_for_unit(s, campaign_id, LUOZHUANG) == []
    assert (item["report_id"], item["version"], item["comment"], item["reviewer"], item["reviewed_at"]) == (
        rid, 1, "区域行覆盖职工数偏高，请核实", "admin", at)
    assert audit_rows(preset_engine) == [
        ("admin", "report.return", f"{LANSHAN} 2017-04-07 第1版（报表编号 {rid}） 退回：区域行覆盖职工数偏高，请核实",
         "10.0.0.9")
    ]


def test_rev004_a_new_version_after_a_return_is_pending_again(preset_engine, campaign_id):
    v1 = put(preset_engine, campaign_id, LANSHAN, APR7, T0)
    give_back(preset_engine, v1, "请核实")
    v2 = put(preset_engine, campaign_id, LANSHAN, APR7, T0 + dt.timedelta(hours=2), scale=2, reason="按退回意见更正")
    assert status(preset_engine, campaign_id, APR7) == {LANSHAN: "pending"}
    with read_session(preset_engine) as s:
        assert review.returned_for_unit(s, campaign_id, LANSHAN) == []
        [item] = review.review_queue(s, campaign_id)
        history = review.history_status(s, [v1, v2, 99999])
    assert (item["report_id"], item["version"], item["is_correction"], item["reason"]) == (v2, 2, True, "按退回意见更正")
    assert {k: v["status"] for k, v in history.items()} == {v1: "returned", v2: "pending"}
    assert history[v1]["comment"] == "请核实" and history[v2]["label"] == "待审核"
    accept(preset_engine, v2)
    assert status(preset_engine, campaign_id, APR7) == {LANSHAN: "accepted"}


def test_rev005_superseded_versions_and_second_reviews_are_refused(preset_engine, campaign_id):
    v1 = put(preset_engine, campaign_id, LANSHAN, APR7, T0)
    v2 = put(preset_engine, campaign_id, LANSHAN, APR7, T0 + dt.timedelta(hours=1), scale=2, reason="补报")
    with pytest.raises(ReviewError, match="兰山区 2017年4月7日 的报表第 1 版已被第 2 版更正，不能再审核"):
        accept(preset_engine, v1)
    with pytest.raises(ReviewError, match="已被第 2 版更正"):
        give_back(preset_engine, v1, "不对")
    accept(preset_engine, v2, at=dt.datetime(2017, 4, 9, 8, 5))
    with pytest.raises(ReviewError, match=r"第 2 版已于 2017-04-09 08:05 由 admin 审核（已通过），不能重复审核"):
        give_back(preset_engine, v2, "再看看", reviewer="admin2")
    with pytest.raises(ReviewError, match="不能重复审核"):
        accept(preset_engine, v2)
    with read_session(preset_engine) as s:
        assert review.history_status(s, [v1])[v1]["status"] == "superseded"
        assert review.history_status(s, [v1])[v1]["label"] == "未审核（已被更正）"
    assert reviews(preset_engine) == 1
    assert [a[1] for a in audit_rows(preset_engine)] == ["report.accept"]
    # The database itself refuses a second review of a version (unique report_id).
    with pytest.raises(IntegrityError):
        with write_session(preset_engine) as s:
            s.add(ReportReview(report_id=v2, decision="returned", comment="x", reviewer="sql", at=T0))


def test_rev006_unknown_report_and_missing_reviewer(preset_engine, campaign_id):
    rid = put(preset_engine, campaign_id, LANSHAN, APR7, T0)
    with pytest.raises(ReviewError, match="报表（编号 424242）不存在"):
        accept(preset_engine, 424242)
    with pytest.raises(ReviewError, match="未指明审核人"):
        accept(preset_engine, rid, reviewer=" ")
    assert reviews(preset_engine) == 0


def test_rev007_review_rows_are_append_only(preset_engine, campaign_id):
    rid = put(preset_engine, campaign_id, LANSHAN, APR7, T0)
    accept(preset_engine, rid)
    for sql in ("UPDATE report_review SET decision = 'returned', comment = 'x'", "DELETE FROM report_review"):
        with pytest.raises(DBAPIError, match="只可追加"):
            with write_session(preset_engine) as s:
                s.execute(text(sql))
    rid2 = put(preset_engine, campaign_id, LUOZHUANG, APR7, T0)
    with pytest.raises(IntegrityError, match="(?i)check|ck_report_review"):  # a return needs a comment
        with write_session(preset_engine) as s:
            s.execute(text("INSERT INTO report_review (report_id, decision, comment, reviewer, at) "
                           "VALUES (:r, 'returned', '  ', 'x', :at)"), {"r": rid2, "at": T0})
    assert reviews(preset_engine) == 1


def test_rev008_status_by_unit_follows_the_report_the_dashboard_shows(preset_engine, campaign_id):
    e = preset_engine
    lan7 = put(e, campaign_id, LANSHAN, APR7, T0)
    put(e, campaign_id, LANSHAN, APR21, T0 + dt.timedelta(days=14), scale=2)
    luo7 = put(e, campaign_id, LUOZHUANG, APR7, T0)
    luo14 = put(e, campaign_id, LUOZHUANG, APR14, T0 + dt.timedelta(days=7), scale=2)
    he14 = put(e, campaign_id, HEDONG, APR14, T0 + dt.timedelta(days=7))
    accept(e, lan7)
    give_back(e, luo7, "第一周数字有误")
    accept(e, luo14)
    give_back(e, he14, "请补填行业行")
    assert status(e, campaign_id, dt.date(2017, 4, 6)) == {}
    assert status(e, campaign_id, APR7) == {LANSHAN: "accepted", LUOZHUANG: "returned"}
    assert status(e, campaign_id, dt.date(2017, 4, 20)) == {LANSHAN: "accepted", LUOZHUANG: "accepted",
                                                             HEDONG: "returned"}
    assert status(e, campaign_id, APR21) == {LANSHAN: "pending", LUOZHUANG: "accepted", HEDONG: "returned"}
    # A correction of 河东区's returned report makes it pending; 罗庄区's old return stays in its list.
    put(e, campaign_id, HEDONG, APR14, T0 + dt.timedelta(days=8), scale=3, reason="补填行业行")
    assert status(e, campaign_id, APR21)[HEDONG] == "pending"
    with read_session(e) as s:
        assert [r["report_id"] for r in review.returned_for_unit(s, campaign_id, LUOZHUANG)] == [luo7]
        assert review.returned_for_unit(s, campaign_id, HEDONG) == []


def test_rev009_queue_has_latest_unreviewed_versions_oldest_first(preset_engine, campaign_id):
    e = preset_engine
    late = put(e, campaign_id, LANSHAN, APR14, T0 + dt.timedelta(days=6))
    early = put(e, campaign_id, LUOZHUANG, APR7, T0)
    old = put(e, campaign_id, HEDONG, APR7, T0 + dt.timedelta(hours=1))
    new = put(e, campaign_id, HEDONG, APR7, T0 + dt.timedelta(days=7), scale=2, reason="更正")
    done = put(e, campaign_id, HEDONG, APR14, T0 + dt.timedelta(days=6, hours=1), scale=3)
    accept(e, done)
    assert [(r["report_id"], r["unit_code"], r["version"]) for r in queue(e, campaign_id)] == [
        (early, LUOZHUANG, 1), (late, LANSHAN, 1), (new, HEDONG, 2)]
    assert old not in [r["report_id"] for r in queue(e, campaign_id)]


def test_rev010_two_admins_accepting_at_once_store_one_review(preset_engine, campaign_id):
    rid = put(preset_engine, campaign_id, LANSHAN, APR7, T0)
    barrier, results = threading.Barrier(4), []

    def worker(name):
        barrier.wait()
        try:
            accept(preset_engine, rid, reviewer=name)
            results.append("ok")
        except ReviewError as exc:
            results.append(exc.message)

    threads = [threading.Thread(target=worker, args=(f"admin{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 4 and results.count("ok") == 1
    assert all("不能重复审核" in r for r in results if r != "ok")
    assert reviews(preset_engine) == 1


def test_rev011_demo_extension_builds_reviews_and_reset_removes_them(preset_engine):
    e = preset_engine
    spec = read_preset()["campaigns"][0]
    with write_session(e) as s:
        demo = ensure_campaign(s, spec, name="演示", is_demo=True)
        demo_id, cutoff = demo.id, demo.cutoff_date
    early = put(e, demo_id, LANSHAN, APR7, T0)
    last = put(e, demo_id, LANSHAN, dt.date(2017, 5, 26), dt.datetime(2017, 5, 27, 9))
    luo_old = put(e, demo_id, LUOZHUANG, APR7, T0)
    luo_new = put(e, demo_id, LUOZHUANG, APR7, T0 + dt.timedelta(days=1), scale=2, reason="更正")
    luo_late = put(e, demo_id, LUOZHUANG, dt.date(2017, 5, 19), dt.datetime(2017, 5, 20, 9), scale=2)
    assert cutoff - dt.timedelta(days=14) == dt.date(2017, 5, 17)
    with write_session(e) as s:
        demo_review.build(s, s.get(Campaign, demo_id), 2017)
    with read_session(e) as s:
        got = {r.report_id: (r.decision, r.at) for r in s.scalars(select(ReportReview))}
    assert got == {
        early: ("accepted", dt.datetime(2017, 4, 9, 9, 30)),
        last: ("returned", dt.datetime(2017, 5, 28, 9, 30)),
        luo_new: ("accepted", dt.datetime(2017, 4, 10, 9, 30)),
    }
    assert luo_old not in got and luo_late not in got  # superseded; within the last two weeks
    with write_session(e) as s:
        demo_review.delete(s, demo_id)
    assert reviews(e) == 0
    # The triggers are back after the demo reset lifted them.
    accept(e, luo_late)
    with pytest.raises(DBAPIError, match="只可追加"):
        with write_session(e) as s:
            s.execute(text("DELETE FROM report_review"))


def test_rev012_models_match_migration_0003(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)

    def mine(entry) -> bool:
        text_ = repr(entry)
        return "report_review" in text_ or "api_request" in text_

    assert [d for d in diff if mine(d)] == []
    with read_session(engine) as s:
        assert review.review_version(s) == "0:0"
        assert review.history_status(s, []) == {}


def test_rev013_queues_and_statuses_are_per_campaign(preset_engine, campaign_id):
    """Queues and statuses are per campaign: a review in one campaign does not leak into another."""
    e = preset_engine
    spec = read_preset()["campaigns"][0]
    with write_session(e) as s:
        other = ensure_campaign(s, spec, name="另一行动", is_demo=True).id
    a = put(e, campaign_id, LANSHAN, APR7, T0)
    b = put(e, other, LANSHAN, APR7, T0)
    accept(e, a)
    assert [r["report_id"] for r in queue(e, other)] == [b]
    assert queue(e, campaign_id) == []
    assert status(e, other, APR7) == {LANSHAN: "pending"}
    with read_session(e) as s:
        assert s.scalar(select(func.count(Report.id))) == 2


def test_rev020_batch_accept_all_or_nothing(preset_engine, campaign_id):
    """Three pending reports accepted at once, each audited; a batch with one bad report accepts none
    and says which one failed."""
    eng = preset_engine
    a = put(eng, campaign_id, LANSHAN, APR7, T0)
    b = put(eng, campaign_id, LUOZHUANG, APR7, T0 + dt.timedelta(minutes=1))
    c = put(eng, campaign_id, HEDONG, APR7, T0 + dt.timedelta(minutes=2))
    old = put(eng, campaign_id, LANSHAN, APR14, T0 + dt.timedelta(days=7))
    newer = put(eng, campaign_id, LANSHAN, APR14, T0 + dt.timedelta(days=7, hours=1), scale=2, reason="更正覆盖人数")

    # One superseded version among them: nothing is accepted, the message names it.
    with pytest.raises(ReviewError) as refused, write_session(eng) as s:
        review.accept_many(s, [a, b, old, c], "admin", ip="10.0.0.9")
    assert "兰山区 2017年4月14日 的报表第 1 版已被第 2 版更正" in refused.value.message
    assert "所选 4 份报表均未通过" in refused.value.message
    with read_session(eng) as s:
        assert s.scalar(select(func.count(ReportReview.id))) == 0
        assert s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "report.accept")) == 0
    for bad, message in (([], "请先勾选要通过的报表"), ([a, "7"], "报表编号无效：7"), ([a, True], "报表编号无效"),
                         ([a, 999999], "报表（编号 999999）不存在")):
        with pytest.raises(ReviewError, match=message), write_session(eng) as s:
            review.accept_many(s, bad, "admin")

    # The three (a duplicate counts once): accepted, audited one by one, no longer queued.
    with write_session(eng) as s:
        done = review.accept_many(s, [a, b, c, a], "admin", ip="10.0.0.9", now=dt.datetime(2017, 4, 15, 9))
    assert [r.report_id for r in done] == [a, b, c]
    with read_session(eng) as s:
        assert [i["report_id"] for i in review.review_queue(s, campaign_id)] == [newer]
        audits = s.scalars(select(AuditEvent).where(AuditEvent.action == "report.accept").order_by(AuditEvent.id)).all()
        assert [(e.actor, e.ip) for e in audits] == [("admin", "10.0.0.9")] * 3
        assert [f"报表编号 {i}）" in e.detail for e, i in zip(audits, (a, b, c), strict=True)] == [True] * 3
    # Accepting one of them again refuses the whole batch.
    with pytest.raises(ReviewError, match="不能重复审核"), write_session(eng) as s:
        review.accept_many(s, [newer, b], "admin")
    with read_session(eng) as s:
        assert [i["report_id"] for i in review.review_queue(s, campaign_id)] == [newer]
