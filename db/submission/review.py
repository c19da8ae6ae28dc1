"""Review of submitted reports: an admin accepts a version or returns it with a comment.

The status of a report (campaign, unit, report_date) is the review of its *latest* version:

    待审核 pending   the latest version has no review yet (a new version after a return is pending again)
    已通过 accepted  the latest version was accepted
    已退回 returned  the latest version was returned, with the reviewer's comment

A version is reviewed at most once (the table refuses a second row for the same version, and is
append-only), and only the latest version can be reviewed: a superseded version's figures are no
longer what the dashboard shows. The functions flush but do not commit: call them inside
`db.engine.write_session(engine)`; a ReviewError leaves nothing written.

Its demo data (a few accepted and one returned report) is made by db/demo/review.py.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, aliased

from db.accounts import auth
from db.clock import now as _now
from db.models import Report, Unit
from db.models.review import ACCEPTED, RETURNED, ReportReview
from db.queries import _current_report_ids, restrict  # the one definition of "the report the dashboard shows"
from domain.errors import UserError

PENDING = "pending"
SUPERSEDED = "superseded"  # history only: an older version nobody reviewed before it was corrected
STATUS_LABELS = {PENDING: "待审核", ACCEPTED: "已通过", RETURNED: "已退回", SUPERSEDED: "未审核（已被更正）"}
MAX_COMMENT = 1000

_Outer = aliased(Report, name="outer_report")


class ReviewError(UserError):
    """A refused review. `message` is Chinese, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _day(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- decisions -------------------------------------------------------------------------------------


def accept(
    session: Session, report_id: int, reviewer: str, ip: str = "", now: dt.datetime | None = None
) -> ReportReview:
    """Accept this version (audited as report.accept)."""
    return _review(session, report_id, reviewer, ACCEPTED, "", ip, now)


MAX_BATCH = 500  # reports one batch approval may carry (a forged request cannot ask for more)


def accept_many(
    session: Session, report_ids: Iterable[object], reviewer: str, ip: str = "", now: dt.datetime | None = None
) -> list[ReportReview]:
    """Accept several versions at once, all or nothing: each is checked as `accept` checks one (it
    exists, is the latest version, nobody reviewed it) and audited as report.accept. The first that
    fails raises a ReviewError naming it and saying nothing was accepted; the caller's write
    transaction then rolls back the ones already done. Duplicates count once."""
    wanted: list[int] = []
    for raw in report_ids:
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise ReviewError(f"报表编号无效：{str(raw)[:20]}；未通过任何报表")
        if raw not in wanted:
            wanted.append(raw)
    if not wanted:
        raise ReviewError("请先勾选要通过的报表")
    if len(wanted) > MAX_BATCH:
        raise ReviewError(f"一次最多通过 {MAX_BATCH} 份报表（所选 {len(wanted)} 份）；未通过任何报表")
    now = now or _now()
    done = []
    for report_id in wanted:
        try:
            done.append(_review(session, report_id, reviewer, ACCEPTED, "", ip, now))
        except ReviewError as exc:
            raise ReviewError(f"{exc.message}。所选 {len(wanted)} 份报表均未通过，请取消勾选这一份后重试") from None
    return done


def return_report(
    session: Session, report_id: int, reviewer: str, comment: str, ip: str = "", now: dt.datetime | None = None
) -> ReportReview:
    """Return this version to its unit with a comment (required; audited as report.return)."""
    comment = (comment or "").strip()
    if not comment:
        raise ReviewError("退回报表须填写退回意见，说明需要修改什么")
    if len(comment) > MAX_COMMENT:
        raise ReviewError(f"退回意见不能超过 {MAX_COMMENT} 个字")
    return _review(session, report_id, reviewer, RETURNED, comment, ip, now)


def _review(
    session: Session, report_id: int, reviewer: str, decision: str, comment: str, ip: str, now: dt.datetime | None
) -> ReportReview:
    reviewer = (reviewer or "").strip()
    if not reviewer:
        raise ReviewError("未指明审核人")
    report = session.get(Report, report_id)
    if report is None:
        raise ReviewError(f"报表（编号 {report_id}）不存在")
    # Lock the unit row the way store.submit_in does (FOR NO KEY UPDATE on PostgreSQL; SQLite's
    # BEGIN IMMEDIATE serialises all writers): no new version of this unit's report can commit
    # between the checks below and the insert, and concurrent reviews of it queue up.
    unit = session.scalar(select(Unit).where(Unit.id == report.unit_id).with_for_update(key_share=True))
    what = f"{unit.name} {_day(report.report_date)} 的报表第 {report.version} 版"
    latest = session.scalar(
        select(func.max(Report.version)).where(
            Report.campaign_id == report.campaign_id,
            Report.unit_id == report.unit_id,
            Report.report_date == report.report_date,
        )
    )
    if latest > report.version:
        raise ReviewError(f"{what}已被第 {latest} 版更正，不能再审核；请审核最新的第 {latest} 版")
    done = session.scalar(select(ReportReview).where(ReportReview.report_id == report.id))
    if done is not None:
        raise ReviewError(
            f"{what}已于 {done.at:%Y-%m-%d %H:%M} 由 {done.reviewer} 审核（{STATUS_LABELS[done.decision]}），不能重复审核"
        )
    now = now or _now()
    row = ReportReview(report_id=report.id, decision=decision, comment=comment, reviewer=reviewer[:50], at=now)
    session.add(row)
    session.flush()
    detail = f"{unit.code} {report.report_date.isoformat()} 第{report.version}版（报表编号 {report.id}）"
    if decision == ACCEPTED:
        auth.audit(session, reviewer, "report.accept", f"{detail} 审核通过", ip=ip, now=now)
    else:
        auth.audit(session, reviewer, "report.return", f"{detail} 退回：{comment}"[:1000], ip=ip, now=now)
    return row


# --- reading ---------------------------------------------------------------------------------------


def _latest_versions(campaign_id: int):
    """Report rows that are the latest version of their (unit, report_date), as a subquery of ids."""
    lv = (
        select(Report.unit_id, Report.report_date, func.max(Report.version).label("version"))
        .where(Report.campaign_id == campaign_id)
        .group_by(Report.unit_id, Report.report_date)
        .subquery("lv")
    )
    return (
        select(Report.id.label("report_id"))
        .join(
            lv,
            and_(
                lv.c.unit_id == Report.unit_id, lv.c.report_date == Report.report_date, lv.c.version == Report.version
            ),
        )
        .where(Report.campaign_id == campaign_id)
        .subquery("latest")
    )


def _report_dict(report: Report, unit: Unit) -> dict:
    return {
        "report_id": report.id,
        "campaign_id": report.campaign_id,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "report_date": report.report_date,
        "version": report.version,
        "submitted_at": report.submitted_at,
        "submitted_by": report.submitted_by,
        "leader": report.leader,
        "filled_by": report.filled_by,
        "source": report.source,
        "is_correction": bool(report.is_correction),
        "reason": report.reason,
        "warnings": json.loads(report.warnings or "[]"),
    }


def review_queue(session: Session, campaign_id: int, within=None) -> list[dict]:
    """Latest versions nobody has reviewed yet, oldest submission first. `within`: a one-column
    select of unit ids to restrict to (a leader's or admin's area, dashboard/scope.py).

    Each: report_id, campaign_id, unit_code, unit_name, report_date, version, submitted_at,
    submitted_by, leader, filled_by, source, is_correction, reason, warnings (list of str)."""
    latest = _latest_versions(campaign_id)
    stmt = (
        select(Report, Unit)
        .join(latest, latest.c.report_id == Report.id)
        .join(Unit, Unit.id == Report.unit_id)
        .outerjoin(ReportReview, ReportReview.report_id == Report.id)
        .where(ReportReview.id.is_(None), *restrict(Unit.id, within))
        .order_by(Report.submitted_at, Report.id)
    )
    return [_report_dict(r, u) for r, u in session.execute(stmt)]


def returned_for_unit(session: Session, campaign_id: int, unit_code: str) -> list[dict]:
    """The unit's reports whose latest version is currently returned, by report date.

    Each: the review_queue fields plus comment, reviewer, reviewed_at."""
    latest = _latest_versions(campaign_id)
    stmt = (
        select(Report, Unit, ReportReview)
        .join(latest, latest.c.report_id == Report.id)
        .join(Unit, Unit.id == Report.unit_id)
        .join(ReportReview, ReportReview.report_id == Report.id)
        .where(Unit.code == unit_code, ReportReview.decision == RETURNED)
        .order_by(Report.report_date, Report.id)
    )
    return [
        {**_report_dict(r, u), "comment": rv.comment, "reviewer": rv.reviewer, "reviewed_at": rv.at}
        for r, u, rv in session.execute(stmt)
    ]


def status_by_unit(session: Session, campaign_id: int, as_of: dt.date, within=None) -> dict[str, str]:
    """Per unit code: 'accepted', 'pending' or 'returned', the status of the report the dashboard
    shows at `as_of` (the unit's latest report dated on or before it, latest version). Units with
    no report by then are absent. `within`: a one-column select of unit ids (an area's subtree)."""
    cur = _current_report_ids(campaign_id, as_of, within)
    stmt = (
        select(Unit.code, ReportReview.decision)
        .select_from(cur)
        .join(Unit, Unit.id == cur.c.unit_id)
        .outerjoin(ReportReview, ReportReview.report_id == cur.c.report_id)
    )
    return {code: decision or PENDING for code, decision in session.execute(stmt)}


def history_status(session: Session, report_ids: Iterable[int]) -> dict[int, dict]:
    """Per report id (any version): {"status", "label", "comment", "reviewer", "reviewed_at"}.

    status is 'accepted' / 'returned' for a reviewed version, 'pending' for an unreviewed latest
    version and 'superseded' for an unreviewed older one. Unknown ids are absent."""
    ids = sorted({int(i) for i in report_ids})
    if not ids:
        return {}
    newer = (
        select(func.count(Report.id))
        .where(
            Report.campaign_id == _Outer.campaign_id,
            Report.unit_id == _Outer.unit_id,
            Report.report_date == _Outer.report_date,
            Report.version > _Outer.version,
        )
        .correlate(_Outer)
        .scalar_subquery()
    )
    stmt = (
        select(_Outer.id, newer.label("newer"), ReportReview)
        .outerjoin(ReportReview, ReportReview.report_id == _Outer.id)
        .where(_Outer.id.in_(ids))
    )
    out: dict[int, dict] = {}
    for report_id, n_newer, review in session.execute(stmt):
        if review is not None:
            status = review.decision
        else:
            status = SUPERSEDED if n_newer else PENDING
        out[report_id] = {
            "status": status,
            "label": STATUS_LABELS[status],
            "comment": review.comment if review else "",
            "reviewer": review.reviewer if review else "",
            "reviewed_at": review.at if review else None,
        }
    return out


def review_version(session: Session) -> str:
    """A cheap fingerprint that changes with every review (the table is append-only), for the live
    poll beside queries.data_version: a review changes how the dashboard marks figures."""
    count, last = session.execute(select(func.count(ReportReview.id), func.max(ReportReview.id))).one()
    return f"{count or 0}:{last or 0}"
