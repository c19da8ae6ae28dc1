"""Demo extension (db.demo.DEMO_EXTENSIONS): reviews of the demo campaign's reports, so that the review
queue, the status badges and the demo reporter's returned report have something to show.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.demo.common import append_only_lifted
from db.models import Campaign, Report, Unit
from db.models.review import ACCEPTED, RETURNED, ApiRequest, ReportReview
from db.submission.review import _latest_versions

DEMO_REVIEWER = "demo-admin"
DEMO_RETURNED_UNIT = "371302"  # 兰山区: the demo reporter account's unit sees a returned report
DEMO_RETURN_COMMENT = "区域行签订合同覆盖职工数与人社部门备案回执不一致，请核实后更正报送"
DEMO_UNREVIEWED_DAYS = 14  # reports of the campaign's last two weeks are still waiting for review


def build(session: Session, campaign: Campaign, seed: int) -> None:
    """Deterministic demo reviews, each the morning after the version arrived: every latest version
    dated up to two weeks before the cut-off is accepted; 兰山区's very last report is returned
    with a comment (so the demo reporter sees one); the rest stay 待审核. Superseded versions are
    left unreviewed (corrected before anyone looked)."""
    del seed  # no randomness needed
    horizon = campaign.cutoff_date - dt.timedelta(days=DEMO_UNREVIEWED_DAYS)
    latest = _latest_versions(campaign.id)
    rows = session.execute(
        select(Report, Unit.code)
        .join(latest, latest.c.report_id == Report.id)
        .join(Unit, Unit.id == Report.unit_id)
        .order_by(Report.submitted_at, Report.id)
    ).all()
    lanshan = [r for r, code in rows if code == DEMO_RETURNED_UNIT]
    returned = max(lanshan, key=lambda r: r.report_date).id if lanshan else None
    for report, _code in rows:
        if report.id == returned:
            decision, comment = RETURNED, DEMO_RETURN_COMMENT
        elif report.report_date <= horizon:
            decision, comment = ACCEPTED, ""
        else:
            continue
        at = dt.datetime.combine(report.submitted_at.date() + dt.timedelta(days=1), dt.time(9, 30))
        session.add(
            ReportReview(report_id=report.id, decision=decision, comment=comment, reviewer=DEMO_REVIEWER, at=at)
        )
    session.flush()


def delete(session: Session, campaign_id: int) -> None:
    """Before --reset deletes the demo campaign's reports: remove the rows that refer to them."""
    report_ids = select(Report.id).where(Report.campaign_id == campaign_id).scalar_subquery()
    with append_only_lifted(session, ("report_review",)):
        session.execute(sql_delete(ReportReview).where(ReportReview.report_id.in_(report_ids)))
    session.execute(sql_delete(ApiRequest).where(ApiRequest.report_id.in_(report_ids)))
