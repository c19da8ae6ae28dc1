"""The append-only report store: the one place submissions are written.

`submit()` validates inside a write transaction (BEGIN IMMEDIATE on SQLite) and either
inserts a new version or raises SubmissionRefused having written nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.engine import write_session
from db.models import Campaign, Report, ReportLine, Unit
from db.models.review import PreviewUse
from db.submission.preview import PreviewRefused
from domain.inputs import as_id, refusal
from domain.measures import LINE_KINDS, MEASURES
from domain.validation import Context, Issue, Submission, SubmissionRefused, validate


@dataclass(frozen=True)
class Stored:
    report_id: int
    version: int
    warnings: list[str]


def submit(engine: Engine, sub: Submission, now: dt.datetime | None = None) -> Stored:
    with write_session(engine) as session:
        return submit_in(session, sub, now)


PREVIEW_USED = "该预览已提交，请勿重复确认"


def submit_audited(engine: Engine, sub: Submission, actor: str, ip: str = "", now: dt.datetime | None = None,
                   preview_nonce: str | None = None) -> Stored:
    """Every entry path (web form, Excel upload, API, CLI) stores through here: the new version and
    its audit event commit together, and a refusal (SubmissionRefused) is audited in its own
    transaction, so the log shows refused attempts while the report tables stay untouched.

    `preview_nonce` (确认提交 of a signed preview) makes the preview single-use: the nonce is stored
    in the same transaction as the version, under a unique constraint, so a double click, concurrent
    confirms or a replay store one version; the others raise PreviewRefused and write nothing."""
    from db.accounts import auth

    door = at_the_door(sub)
    if door:  # refused before anything is written, the audit log included (it cannot hold a NUL either)
        raise SubmissionRefused(door)
    try:
        with write_session(engine) as session:
            if preview_nonce is not None and preview_used(session, preview_nonce):
                raise PreviewRefused(PREVIEW_USED)
            stored = submit_in(session, sub, now)
            if preview_nonce is not None:
                _claim_preview(session, preview_nonce, stored.report_id, actor, now)
            action = "report.correct" if stored.version > 1 or sub.is_correction else "report.submit"
            detail = f"{sub.unit_code} {sub.report_date.isoformat()} 第{stored.version}版（{sub.source}）"
            if sub.reason:
                detail += f" 原因：{sub.reason}"
            auth.audit(session, actor, action, detail[:1000], ip=ip, now=now)
            return stored
    except SubmissionRefused as refused:
        with write_session(engine) as session:
            detail = f"{sub.unit_code} {sub.report_date.isoformat()}（{sub.source}）：{refused}"
            auth.audit(session, actor, "report.refused", detail[:1000], ip=ip, now=now)
        raise


def preview_used(session: Session, nonce: str) -> bool:
    """Was the preview with this nonce already confirmed (and stored)?"""
    return session.scalar(select(PreviewUse.id).where(PreviewUse.nonce == nonce)) is not None


def _claim_preview(session: Session, nonce: str, report_id: int, actor: str, now: dt.datetime | None) -> None:
    """Store the preview's nonce with the version it became; a concurrent confirm of the same preview
    that got here first (the unique constraint) refuses this one, and the caller rolls back."""
    session.add(PreviewUse(nonce=nonce, report_id=report_id, used_by=(actor or "未署名")[:50],
                           used_at=now or dt.datetime.now().replace(microsecond=0)))
    try:
        session.flush()
    except IntegrityError as exc:
        raise PreviewRefused(PREVIEW_USED) from exc


# The text fields of a submission: (attribute, Chinese label, may span lines).
TEXT_FIELDS = (("unit_code", "单位代码", False), ("leader", "负责人", False), ("filled_by", "填报人", False),
               ("submitted_by", "报送人", False), ("source", "来源", False), ("reason", "更正原因", True))


def at_the_door(sub: Submission) -> list[Issue]:
    """What no entry path may store: control characters in a text field (domain/inputs.py), a
    campaign id no row can have (a database integer would overflow)."""
    issues = []
    for name, label, multiline in TEXT_FIELDS:
        value = getattr(sub, name)
        message = refusal(label, value, multiline=multiline) if isinstance(value, str) else None
        if message is not None:
            issues.append(Issue(name, message))
    if as_id(sub.campaign_id) is None:
        issues.append(Issue("campaign_id", f"行动（编号 {str(sub.campaign_id)[:20]}）不存在"))
    return issues


def submit_in(session: Session, sub: Submission, now: dt.datetime | None = None) -> Stored:
    """Submit inside an open write transaction (the caller commits or rolls back)."""
    door = at_the_door(sub)
    if door:
        raise SubmissionRefused(door)
    campaign = session.get(Campaign, sub.campaign_id)
    if campaign is None:
        raise SubmissionRefused([Issue("campaign_id", f"行动（编号 {sub.campaign_id}）不存在")])
    # FOR NO KEY UPDATE serialises submissions per unit on PostgreSQL, so validation sees any report
    # committed meanwhile (SQLite's BEGIN IMMEDIATE already serialises all writers; it ignores this).
    unit = session.scalar(select(Unit).where(Unit.code == sub.unit_code).with_for_update(key_share=True))
    if unit is None:
        raise SubmissionRefused([Issue("unit_code", f"单位代码 {sub.unit_code} 不存在")])

    ctx = _context(session, campaign, unit, sub.report_date)
    result = validate(sub, ctx)
    if result.errors:
        raise SubmissionRefused(result.errors)

    last_version = session.scalar(
        select(func.max(Report.version)).where(
            Report.campaign_id == campaign.id, Report.unit_id == unit.id, Report.report_date == sub.report_date
        )
    )
    version = (last_version or 0) + 1
    warnings = [w.message for w in result.warnings]
    report = Report(
        campaign_id=campaign.id,
        unit_id=unit.id,
        report_date=sub.report_date,
        version=version,
        leader=sub.leader,
        filled_by=sub.filled_by,
        filled_on=sub.filled_on,
        submitted_at=now or dt.datetime.now().replace(microsecond=0),
        submitted_by=sub.submitted_by or sub.filled_by or "未署名",
        source=sub.source,
        is_correction=sub.is_correction or version > 1,
        reason=sub.reason,
        warnings=json.dumps(warnings, ensure_ascii=False),
    )
    session.add(report)
    session.flush()
    for kind in LINE_KINDS:
        values = result.figures[kind]
        session.add(ReportLine(report_id=report.id, kind=kind, **{m: values[m] for m in MEASURES}))
    session.flush()
    return Stored(report.id, version, warnings)


def validation_context(session: Session, campaign_id: int, unit_code: str, report_date: dt.date) -> Context | None:
    """The Context `submit_in` validates against, read-only (for previews), or None if the campaign or
    unit does not exist. Preview and store share this builder, so they cannot disagree."""
    campaign = session.get(Campaign, campaign_id)
    unit = session.scalar(select(Unit).where(Unit.code == unit_code))
    if campaign is None or unit is None:
        return None
    return _context(session, campaign, unit, report_date)


def current_figures(session: Session, campaign_id: int, unit_id: int, before: dt.date,
                    later: bool = False) -> tuple[dt.date, dict] | None:
    """The unit's current (latest-version) figures of its latest report dated before `before`, or with
    `later`, of its earliest report dated after it."""
    nearest = func.min(Report.report_date) if later else func.max(Report.report_date)
    side = Report.report_date > before if later else Report.report_date < before
    prev_date = session.scalar(
        select(nearest).where(Report.campaign_id == campaign_id, Report.unit_id == unit_id, side)
    )
    if prev_date is None:
        return None
    report_id = session.scalar(
        select(Report.id)
        .where(Report.campaign_id == campaign_id, Report.unit_id == unit_id, Report.report_date == prev_date)
        .order_by(Report.version.desc())
        .limit(1)
    )
    lines = session.scalars(
        select(ReportLine).where(ReportLine.report_id == report_id).order_by(ReportLine.kind)
    ).all()
    return prev_date, {ln.kind: {m: getattr(ln, m) for m in MEASURES} for ln in lines}


def _context(session: Session, campaign: Campaign, unit: Unit, report_date: dt.date) -> Context:
    prev = current_figures(session, campaign.id, unit.id, report_date)
    after = current_figures(session, campaign.id, unit.id, report_date, later=True)
    same = session.scalar(
        select(func.count(Report.id)).where(
            Report.campaign_id == campaign.id, Report.unit_id == unit.id, Report.report_date == report_date
        )
    )
    return Context(
        window_start=campaign.window_start,
        deadline=campaign.deadline,
        previous=prev[1] if prev else None,
        previous_date=prev[0] if prev else None,
        next=after[1] if after else None,
        next_date=after[0] if after else None,
        has_same_date=bool(same),
        window_end=campaign.window_end,
        cutoff_date=campaign.cutoff_date,
    )
