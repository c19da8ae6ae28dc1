"""SQL for 专职指导员, 实效评价 and 监督检查 (issue 6): reads return plain dicts, writes validate,
audit and flush inside the caller's transaction (`write_session`).

Rules (what counts as short-staffed, inactive, overdue, weakest) live in domain/followup.py.
Phone numbers leave this module only masked: `roster()` has no raw-phone field, so no page or export
built on it can show one. Authorisation is the caller's job (callbacks check the role); the writes
take `unit_scope` (a reporter's own unit) and refuse anything outside it, as a second line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.accounts.auth import audit
from db.clock import now as _now
from db.models import Campaign, Unit, UnitCampaign
from db.models.followup import (
    EvalDimension,
    Evaluation,
    EvaluationScore,
    Instructor,
    InstructorQuota,
    RefusalCase,
    RefusalEvent,
    WorkLog,
)
from domain import followup as rules
from domain.followup import ActionError

# --- units -----------------------------------------------------------------------------------------


def units(session: Session, campaign_id: int) -> list[dict]:
    """The units taking part in the campaign (those with a baseline), in the preset's order."""
    rows = session.execute(
        select(Unit.code, Unit.name, Unit.kind)
        .join(UnitCampaign, UnitCampaign.unit_id == Unit.id)
        .where(UnitCampaign.campaign_id == campaign_id)
        .order_by(Unit.sort_order, Unit.code)
    )
    return [{"code": c, "name": n, "kind": k} for c, n, k in rows]


def _unit(session: Session, campaign_id: int, code: object, unit_scope: str | None) -> Unit:
    code = str(code or "").strip()
    if not code:
        raise ActionError("请选择单位")
    if unit_scope is not None and code != unit_scope:
        raise ActionError(f"只能为本单位（{unit_scope}）录入或修改")
    unit = session.scalar(
        select(Unit).join(UnitCampaign, UnitCampaign.unit_id == Unit.id)
        .where(Unit.code == code, UnitCampaign.campaign_id == campaign_id)
    )
    if unit is None:
        raise ActionError(f"单位“{code[:32]}”不在本次行动中")
    return unit


def _campaign(session: Session, campaign_id: object) -> Campaign:
    campaign = session.get(Campaign, campaign_id) if isinstance(campaign_id, int) else None
    if campaign is None:
        raise ActionError("行动不存在，请刷新页面后重试")
    return campaign


# --- 专职指导员: staffing, roster, work logs --------------------------------------------------------


def _on_roster(as_of: dt.date):
    return (Instructor.since <= as_of) & (Instructor.left_on.is_(None) | (Instructor.left_on > as_of))


def staffing(session: Session, campaign_id: int, as_of: dt.date) -> dict[str, dict]:
    """code -> {"required": int | None, "staffed": int} for every unit of the campaign."""
    out = {u["code"]: {"required": None, "staffed": 0} for u in units(session, campaign_id)}
    quotas = session.execute(
        select(Unit.code, InstructorQuota.required).join(Unit, Unit.id == InstructorQuota.unit_id)
        .where(InstructorQuota.campaign_id == campaign_id)
    )
    for code, required in quotas:
        if code in out:
            out[code]["required"] = required
    staffed = session.execute(
        select(Unit.code, func.count(Instructor.id)).join(Unit, Unit.id == Instructor.unit_id)
        .where(Instructor.campaign_id == campaign_id, _on_roster(as_of)).group_by(Unit.code)
    )
    for code, n in staffed:
        if code in out:
            out[code]["staffed"] = n
    return out


def roster(session: Session, campaign_id: int, unit_code: str | None = None) -> list[dict]:
    """Instructors, current ones first; `phone` is masked (the stored number never leaves here)."""
    stmt = (
        select(Instructor, Unit.code, Unit.name).join(Unit, Unit.id == Instructor.unit_id)
        .where(Instructor.campaign_id == campaign_id)
        .order_by(Instructor.left_on.is_not(None), Unit.sort_order, Instructor.since, Instructor.id)
    )
    if unit_code:
        stmt = stmt.where(Unit.code == unit_code)
    return [
        {"id": i.id, "unit_code": code, "unit_name": name, "name": i.name, "phone": rules.mask_phone(i.phone),
         "since": i.since, "left_on": i.left_on}
        for i, code, name in session.execute(stmt)
    ]


def log_counts_by_day(session: Session, campaign_id: int, start: dt.date, end: dt.date) -> list[tuple[str, dt.date, int]]:
    """(unit code, day, logs) for start <= day <= end."""
    rows = session.execute(
        select(Unit.code, WorkLog.log_date, func.count(WorkLog.id)).join(Unit, Unit.id == WorkLog.unit_id)
        .where(WorkLog.campaign_id == campaign_id, WorkLog.log_date >= start, WorkLog.log_date <= end)
        .group_by(Unit.code, WorkLog.log_date)
    )
    return [(code, day, n) for code, day, n in rows]


def last_log_dates(session: Session, campaign_id: int, as_of: dt.date) -> dict[str, dt.date]:
    """code -> the latest work log on or before as_of (units without one are absent)."""
    rows = session.execute(
        select(Unit.code, func.max(WorkLog.log_date)).join(Unit, Unit.id == WorkLog.unit_id)
        .where(WorkLog.campaign_id == campaign_id, WorkLog.log_date <= as_of).group_by(Unit.code)
    )
    return {code: day for code, day in rows if day is not None}


def recent_log_counts(session: Session, campaign_id: int, as_of: dt.date, days: int = rules.INACTIVE_DAYS) -> dict[str, int]:
    """code -> work logs in the `days` days ending on as_of."""
    start = as_of - dt.timedelta(days=days - 1)
    out: dict[str, int] = {}
    for code, _day, n in log_counts_by_day(session, campaign_id, start, as_of):
        out[code] = out.get(code, 0) + n
    return out


def work_logs(session: Session, campaign_id: int, unit_code: str | None = None, limit: int = 100) -> list[dict]:
    """The latest work logs, newest first."""
    stmt = (
        select(WorkLog, Unit.code, Unit.name, Instructor.name).join(Unit, Unit.id == WorkLog.unit_id)
        .outerjoin(Instructor, Instructor.id == WorkLog.instructor_id)
        .where(WorkLog.campaign_id == campaign_id)
        .order_by(WorkLog.log_date.desc(), WorkLog.id.desc()).limit(limit)
    )
    if unit_code:
        stmt = stmt.where(Unit.code == unit_code)
    return [
        {"id": w.id, "unit_code": code, "unit_name": name, "instructor": who or "", "log_date": w.log_date,
         "activity": w.activity, "enterprise": w.enterprise, "note": w.note}
        for w, code, name, who in session.execute(stmt)
    ]


def set_required(session: Session, campaign_id: int, unit_code: str, required: object, *, actor: str,
                 ip: str = "", now: dt.datetime | None = None) -> int:
    """Admin only (the caller checks): how many instructors a unit must have."""
    _campaign(session, campaign_id)
    unit = _unit(session, campaign_id, unit_code, None)
    n = rules.clean_number(required, "应配专职指导员人数", high=999, integer=True)
    quota = session.get(InstructorQuota, (campaign_id, unit.id))
    old = quota.required if quota else None
    if quota is None:
        quota = InstructorQuota(campaign_id=campaign_id, unit_id=unit.id, required=n)
        session.add(quota)
    quota.required, quota.updated_at, quota.updated_by = n, now or _now(), actor
    audit(session, actor, "instructor.quota", f"{unit.name}（{unit.code}）应配 {old if old is not None else '未定'} → {n} 人",
          ip=ip, now=now)
    session.flush()
    return n


def add_instructor(session: Session, campaign_id: int, unit_code: str, name: object, phone: object, since: object,
                   *, actor: str, ip: str = "", unit_scope: str | None = None, now: dt.datetime | None = None) -> int:
    _campaign(session, campaign_id)
    unit = _unit(session, campaign_id, unit_code, unit_scope)
    clean_name = rules.clean_text(name, "姓名", rules.NAME_MAX)
    clean_phone = rules.clean_phone(phone)
    day = rules.parse_date(since, "到岗日期")
    person = Instructor(campaign_id=campaign_id, unit_id=unit.id, name=clean_name, phone=clean_phone, since=day,
                        created_at=now or _now(), created_by=actor)
    session.add(person)
    session.flush()
    audit(session, actor, "instructor.add",
          f"{unit.name}：{clean_name}，电话 {rules.mask_phone(clean_phone)}，{day.isoformat()} 到岗", ip=ip, now=now)
    return person.id


def remove_instructor(session: Session, instructor_id: object, left_on: object, *, actor: str, ip: str = "",
                      unit_scope: str | None = None, now: dt.datetime | None = None) -> None:
    """Take someone off the roster from `left_on` (kept for the record, no longer counted)."""
    person = session.get(Instructor, instructor_id) if isinstance(instructor_id, int) else None
    if person is None:
        raise ActionError("指导员不存在，请刷新页面")
    unit = session.get(Unit, person.unit_id)
    if unit_scope is not None and unit.code != unit_scope:
        raise ActionError(f"只能修改本单位（{unit_scope}）的指导员")
    if person.left_on is not None:
        raise ActionError(f"{person.name} 已于 {person.left_on.isoformat()} 离岗")
    day = rules.parse_date(left_on, "离岗日期")
    if day < person.since:
        raise ActionError(f"离岗日期 {day.isoformat()} 早于到岗日期 {person.since.isoformat()}")
    person.left_on = day
    audit(session, actor, "instructor.remove", f"{unit.name}：{person.name} {day.isoformat()} 离岗", ip=ip, now=now)
    session.flush()


def add_work_log(session: Session, campaign_id: int, unit_code: str, log_date: object, activity: object,
                 enterprise: object = "", note: object = "", instructor_id: object = None, *, actor: str, ip: str = "",
                 unit_scope: str | None = None, now: dt.datetime | None = None) -> int:
    _campaign(session, campaign_id)
    unit = _unit(session, campaign_id, unit_code, unit_scope)
    day = rules.parse_date(log_date, "日期")
    if activity not in rules.ACTIVITIES:
        raise ActionError("请选择活动类型：" + "、".join(rules.ACTIVITIES))
    who = None
    if instructor_id not in (None, ""):
        who = session.get(Instructor, instructor_id) if isinstance(instructor_id, int) else None
        if who is None or who.unit_id != unit.id or who.campaign_id != campaign_id:
            raise ActionError("所选指导员不属于该单位")
    log = WorkLog(campaign_id=campaign_id, unit_id=unit.id, instructor_id=who.id if who else None, log_date=day,
                  activity=activity, enterprise=rules.clean_text(enterprise, "企业", rules.ENTERPRISE_MAX, required=False),
                  note=rules.clean_text(note, "备注", rules.TEXT_MAX, required=False),
                  created_at=now or _now(), created_by=actor)
    session.add(log)
    session.flush()
    audit(session, actor, "worklog.add", f"{unit.name}：{day.isoformat()} {activity} {log.enterprise}".strip(),
          ip=ip, now=now)
    return log.id


# --- 实效评价 --------------------------------------------------------------------------------------


def dimensions(session: Session, campaign_id: int, active_only: bool = False) -> list[dict]:
    stmt = select(EvalDimension).where(EvalDimension.campaign_id == campaign_id)
    if active_only:
        stmt = stmt.where(EvalDimension.active.is_(True))
    return [
        {"id": d.id, "name": d.name, "weight": d.weight, "scale_max": d.scale_max, "sort_order": d.sort_order,
         "active": d.active}
        for d in session.scalars(stmt.order_by(EvalDimension.sort_order, EvalDimension.id))
    ]


def save_scheme(session: Session, campaign_id: int, rows: list[Mapping], *, actor: str, ip: str = "",
                now: dt.datetime | None = None) -> list[dict]:
    """Admin only (the caller checks). Rows with an id update that dimension, rows without add one.
    A dimension is never deleted (its scores keep their meaning); untick 启用 instead."""
    _campaign(session, campaign_id)
    cleaned = rules.check_scheme(list(rows))
    existing = {d.id: d for d in session.scalars(select(EvalDimension).where(EvalDimension.campaign_id == campaign_id))}
    listed = {c["id"] for c in cleaned if c["id"] is not None}
    unknown = listed - set(existing)
    if unknown:
        raise ActionError("评价方案已被他人修改，请刷新页面后重试")
    missing = set(existing) - listed
    if missing:
        names = "、".join(existing[i].name for i in sorted(missing))
        raise ActionError(f"维度不能删除（已有评分的含义会丢失）：{names}；请改为停用")
    stamp = now or _now()
    changes = []
    for c in cleaned:
        dim = existing.get(c["id"]) if c["id"] is not None else None
        if dim is None:
            dim = EvalDimension(campaign_id=campaign_id)
            session.add(dim)
            changes.append(f"新增 {c['name']}")
        else:
            before = (dim.name, dim.weight, dim.scale_max, dim.active, dim.sort_order)
            if before != (c["name"], c["weight"], c["scale_max"], c["active"], c["sort_order"]):
                changes.append(f"{dim.name}→{c['name']}")
        dim.name, dim.weight, dim.scale_max = c["name"], c["weight"], c["scale_max"]
        dim.active, dim.sort_order, dim.updated_at, dim.updated_by = c["active"], c["sort_order"], stamp, actor
    session.flush()
    summary = "；".join(f"{c['name']} 权重 {c['weight']:g} 满分 {c['scale_max']:g}{'' if c['active'] else '（停用）'}"
                       for c in cleaned)
    audit(session, actor, "scheme.update", f"{'、'.join(changes) or '未变'}｜{summary}", ip=ip, now=now)
    return dimensions(session, campaign_id)


def add_evaluation(session: Session, campaign_id: int, unit_code: str, eval_date: object, scores: Mapping[int, object],
                   enterprise: object = "", note: object = "", *, actor: str, ip: str = "",
                   unit_scope: str | None = None, now: dt.datetime | None = None) -> int:
    """One evaluation with a score for every active dimension (each within its 满分)."""
    _campaign(session, campaign_id)
    unit = _unit(session, campaign_id, unit_code, unit_scope)
    day = rules.parse_date(eval_date, "评价日期")
    dims = dimensions(session, campaign_id, active_only=True)
    if not dims:
        raise ActionError("还没有评价方案：请管理员先设置评价维度")
    clean = {}
    for d in dims:
        clean[d["id"]] = rules.clean_number(scores.get(d["id"]), f"“{d['name']}”得分", high=d["scale_max"])
    subject = rules.clean_text(enterprise, "企业名称", rules.ENTERPRISE_MAX, required=False)
    ev = Evaluation(campaign_id=campaign_id, unit_id=unit.id, enterprise=subject, eval_date=day,
                    note=rules.clean_text(note, "备注", rules.TEXT_MAX, required=False),
                    created_at=now or _now(), created_by=actor)
    session.add(ev)
    session.flush()
    for d in dims:
        session.add(EvaluationScore(evaluation_id=ev.id, dimension_id=d["id"], score=clean[d["id"]],
                                    scale_max=d["scale_max"]))
    session.flush()
    scored = "，".join(f"{d['name']} {clean[d['id']]:g}/{d['scale_max']:g}" for d in dims)
    audit(session, actor, "eval.add", f"{unit.name}{('·' + subject) if subject else ''} {day.isoformat()}：{scored}",
          ip=ip, now=now)
    return ev.id


def score_rows(session: Session, campaign_id: int, as_of: dt.date | None = None,
               unit_code: str | None = None) -> list[dict]:
    """Long rows of the active dimensions' scores, for domain.followup.group_scores."""
    stmt = (
        select(Evaluation.id, Unit.code, Evaluation.enterprise, Evaluation.eval_date, EvaluationScore.dimension_id,
               EvaluationScore.score, EvaluationScore.scale_max)
        .join(EvaluationScore, EvaluationScore.evaluation_id == Evaluation.id)
        .join(EvalDimension, EvalDimension.id == EvaluationScore.dimension_id)
        .join(Unit, Unit.id == Evaluation.unit_id)
        .where(Evaluation.campaign_id == campaign_id, EvalDimension.active.is_(True))
    )
    if as_of is not None:
        stmt = stmt.where(Evaluation.eval_date <= as_of)
    if unit_code:
        stmt = stmt.where(Unit.code == unit_code)
    keys = ("evaluation_id", "unit_code", "enterprise", "eval_date", "dimension_id", "score", "scale_max")
    return [dict(zip(keys, row, strict=True)) for row in session.execute(stmt)]


def evaluations(session: Session, campaign_id: int, unit_code: str | None = None, limit: int = 60) -> list[dict]:
    """The latest evaluations with their scores {dimension id: score}, newest first."""
    stmt = (
        select(Evaluation, Unit.code, Unit.name).join(Unit, Unit.id == Evaluation.unit_id)
        .where(Evaluation.campaign_id == campaign_id)
        .order_by(Evaluation.eval_date.desc(), Evaluation.id.desc()).limit(limit)
    )
    if unit_code:
        stmt = stmt.where(Unit.code == unit_code)
    out = [{"id": e.id, "unit_code": code, "unit_name": name, "enterprise": e.enterprise, "eval_date": e.eval_date,
            "created_by": e.created_by, "scores": {}} for e, code, name in session.execute(stmt)]
    by_id = {e["id"]: e for e in out}
    if by_id:
        for eid, dim, score in session.execute(
            select(EvaluationScore.evaluation_id, EvaluationScore.dimension_id, EvaluationScore.score)
            .where(EvaluationScore.evaluation_id.in_(list(by_id)))
        ):
            by_id[eid]["scores"][dim] = score
    return out


# --- 监督检查 --------------------------------------------------------------------------------------


def refusal_cases(session: Session, campaign_id: int, unit_code: str | None = None) -> list[dict]:
    stmt = (
        select(RefusalCase, Unit.code, Unit.name).join(Unit, Unit.id == RefusalCase.unit_id)
        .where(RefusalCase.campaign_id == campaign_id)
        .order_by(RefusalCase.deadline, RefusalCase.id)
    )
    if unit_code:
        stmt = stmt.where(Unit.code == unit_code)
    return [
        {"id": c.id, "unit_code": code, "unit_name": name, "enterprise": c.enterprise, "kind": c.kind,
         "occurred_on": c.occurred_on, "description": c.description, "intervention": c.intervention,
         "deadline": c.deadline, "status": c.status, "status_at": c.status_at}
        for c, code, name in session.execute(stmt)
    ]


def refusal_events(session: Session, case_ids: Iterable[int]) -> dict[int, list[dict]]:
    ids_ = list(case_ids)
    out: dict[int, list[dict]] = {i: [] for i in ids_}
    if not ids_:
        return out
    for e in session.scalars(select(RefusalEvent).where(RefusalEvent.case_id.in_(ids_))
                             .order_by(RefusalEvent.at, RefusalEvent.id)):
        out[e.case_id].append({"at": e.at, "actor": e.actor, "from": e.from_status, "to": e.to_status,
                               "note": e.note})
    return out


def add_refusal(session: Session, campaign_id: int, unit_code: str, fields: Mapping, *, actor: str, ip: str = "",
                unit_scope: str | None = None, now: dt.datetime | None = None) -> int:
    """A new case, status 督促整改. fields: enterprise, kind, occurred_on, description, intervention, deadline."""
    _campaign(session, campaign_id)
    unit = _unit(session, campaign_id, unit_code, unit_scope)
    enterprise = rules.clean_text(fields.get("enterprise"), "企业名称", rules.ENTERPRISE_MAX)
    kind = fields.get("kind")
    if kind not in rules.REFUSAL_KINDS:
        raise ActionError("请选择情形：" + "、".join(rules.REFUSAL_KINDS))
    occurred = rules.parse_date(fields.get("occurred_on"), "发现日期")
    description = rules.clean_text(fields.get("description"), "情况说明", rules.TEXT_MAX)
    intervention = rules.clean_text(fields.get("intervention"), "介入措施", rules.TEXT_MAX, required=False)
    deadline = rules.parse_date(fields.get("deadline"), "整改期限")
    if deadline < occurred:
        raise ActionError(f"整改期限 {deadline.isoformat()} 早于发现日期 {occurred.isoformat()}")
    stamp = now or _now()
    case = RefusalCase(campaign_id=campaign_id, unit_id=unit.id, enterprise=enterprise, kind=kind, occurred_on=occurred,
                       description=description, intervention=intervention, deadline=deadline, status=rules.URGING,
                       status_at=stamp, created_at=stamp, created_by=actor)
    session.add(case)
    session.flush()
    session.add(RefusalEvent(case_id=case.id, at=stamp, actor=actor, from_status=None, to_status=rules.URGING,
                             note=intervention))
    audit(session, actor, "refusal.add", f"{unit.name}：{enterprise}（{kind}），整改期限 {deadline.isoformat()}",
          ip=ip, now=now)
    session.flush()
    return case.id


def set_refusal_status(session: Session, case_id: object, status: object, note: object = "", *, actor: str,
                       ip: str = "", unit_scope: str | None = None, now: dt.datetime | None = None) -> str:
    """Move a case along 督促整改 → 已整改 / 追究责任 / 媒体曝光 (domain.followup.TRANSITIONS)."""
    case = session.get(RefusalCase, case_id) if isinstance(case_id, int) else None
    if case is None:
        raise ActionError("案件不存在，请刷新页面")
    unit = session.get(Unit, case.unit_id)
    if unit_scope is not None and unit.code != unit_scope:
        raise ActionError(f"只能处理本单位（{unit_scope}）的案件")
    rules.check_transition(case.status, str(status))
    stamp = now or _now()
    old, case.status, case.status_at = case.status, str(status), stamp
    session.add(RefusalEvent(case_id=case.id, at=stamp, actor=actor, from_status=old, to_status=case.status,
                             note=rules.clean_text(note, "说明", rules.TEXT_MAX, required=False)))
    audit(session, actor, "refusal.status", f"{unit.name}：{case.enterprise} {old} → {case.status}", ip=ip, now=now)
    session.flush()
    return case.status


# --- everything the overview panel needs ------------------------------------------------------------


def overview_inputs(session: Session, campaign_id: int, as_of: dt.date) -> dict:
    """The action panel's data for one campaign and date, as plain values for action_rules.panel_rows."""
    dims = dimensions(session, campaign_id, active_only=True)
    dim_ids = [d["id"] for d in dims]
    evals = rules.group_scores(score_rows(session, campaign_id, as_of))
    return {
        "units": units(session, campaign_id),
        "staffing": staffing(session, campaign_id, as_of),
        "last_logs": last_log_dates(session, campaign_id, as_of),
        "recent_logs": recent_log_counts(session, campaign_id, as_of),
        "dims": dims,
        "profiles": rules.unit_profiles(evals, dim_ids),
        "refusals": rules.refusal_counts(refusal_cases(session, campaign_id), as_of),
    }
