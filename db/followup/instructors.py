"""SQL for 专职指导员: how many each unit must have, the roster, and their work logs.

Reads return plain dicts; writes validate, audit and flush inside the caller's transaction
(`write_session`). Rules live in domain/followup.py. Authorisation is the caller's job (callbacks
check the role); the writes take `unit_scope` (a reporter's own unit) and refuse anything outside it,
as a second line.

Phone numbers leave this module only masked: `roster()` has no raw-phone field, so no page or export
built on it can show one.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from db.accounts.auth import audit
from db.clock import now as _now
from db.engine import column_rows
from db.followup.common import _campaign, _unit
from db.models import Unit, UnitCampaign
from db.models.followup import Instructor, InstructorQuota, WorkLog
from db.queries import AS_OF, CAMPAIGN_ID, restrict
from domain import followup as rules
from domain.followup import ActionError

# --- 专职指导员: staffing, roster, work logs --------------------------------------------------------


def _on_roster(as_of):  # a date, or the AS_OF parameter
    return (Instructor.since <= as_of) & (Instructor.left_on.is_(None) | (Instructor.left_on > as_of))


def staffing(session: Session, campaign_id: int, as_of: dt.date, within=None) -> dict[str, dict]:
    """code -> {"required": int | None, "staffed": int} for every unit of the campaign (of `within`),
    in the order of `units`."""
    return staffing_by_code(staffed_units(session, campaign_id, as_of, within))


def staffing_by_code(staffed: list[dict]) -> dict[str, dict]:
    """`staffing`'s answer from rows of `staffed_units`."""
    return {u["code"]: {"required": u["required"], "staffed": u["staffed"]} for u in staffed}


def staffed_units(session: Session, campaign_id: int, as_of: dt.date, within=None) -> list[dict]:
    """The units of `units` (code, name, kind), each with `required` (int | None) and `staffed` (int),
    in one statement: the units with their quota and their roster count."""
    rows = column_rows(session, _staffing_statement(within), {"campaign_id": campaign_id, "as_of": as_of})
    return [{"code": code, "name": name, "kind": kind, "required": required, "staffed": staffed or 0}
            for code, name, kind, required, staffed in rows]


@lru_cache(maxsize=64)
def _staffing_statement(within):
    on_roster = (
        select(Instructor.unit_id, func.count(Instructor.id).label("staffed"))
        .where(Instructor.campaign_id == CAMPAIGN_ID, _on_roster(AS_OF))
        .group_by(Instructor.unit_id)
        .subquery("on_roster")
    )
    return (
        select(Unit.code, Unit.name, Unit.kind, InstructorQuota.required, on_roster.c.staffed)
        .join(UnitCampaign, UnitCampaign.unit_id == Unit.id)
        .outerjoin(InstructorQuota, (InstructorQuota.unit_id == Unit.id) & (InstructorQuota.campaign_id == CAMPAIGN_ID))
        .outerjoin(on_roster, on_roster.c.unit_id == Unit.id)
        .where(UnitCampaign.campaign_id == CAMPAIGN_ID, *restrict(Unit.id, within))
        .order_by(Unit.sort_order, Unit.code)
    )


def roster(session: Session, campaign_id: int, unit_code: str | None = None, as_of: dt.date | None = None,
           within=None) -> list[dict]:
    """Instructors (of the units of `within`), current ones first; `phone` is masked (the stored
    number never leaves here).

    With `as_of`: only those who had started by then, and `left_on` as it stood that day (None for
    someone who left later); `active_now` says whether the person is on the roster today."""
    stmt = (
        select(Instructor, Unit.code, Unit.name).join(Unit, Unit.id == Instructor.unit_id)
        .where(Instructor.campaign_id == campaign_id, *restrict(Unit.id, within))
        .order_by(Instructor.left_on.is_not(None), Unit.sort_order, Instructor.since, Instructor.id)
    )
    if unit_code:
        stmt = stmt.where(Unit.code == unit_code)
    if as_of is not None:
        stmt = stmt.where(Instructor.since <= as_of)

    def left(day: dt.date | None) -> dt.date | None:
        return day if as_of is None or (day is not None and day <= as_of) else None

    rows = [
        {"id": i.id, "unit_code": code, "unit_name": name, "name": i.name, "phone": rules.mask_phone(i.phone),
         "since": i.since, "left_on": left(i.left_on), "active_now": i.left_on is None}
        for i, code, name in session.execute(stmt)
    ]
    return sorted(rows, key=lambda r: r["left_on"] is not None)  # stable: current ones first, as of that day


def instructor(session: Session, instructor_id: int) -> dict | None:
    """One instructor's name and unit (None if there is no such id)."""
    row = session.execute(select(Instructor.name, Unit.code, Unit.name).join(Unit, Unit.id == Instructor.unit_id)
                          .where(Instructor.id == instructor_id)).first()
    return {"name": row[0], "unit_code": row[1], "unit_name": row[2]} if row else None


def log_counts_by_day(session: Session, campaign_id: int, start: dt.date, end: dt.date,
                      within=None) -> list[tuple[str, dt.date, int]]:
    """(unit code, day, logs) for start <= day <= end."""
    rows = column_rows(session, _log_counts_statement(within), {"campaign_id": campaign_id, "start": start, "end": end})
    return [(code, day, n) for code, day, n in rows]


@lru_cache(maxsize=64)
def _log_counts_statement(within):
    return (
        select(Unit.code, WorkLog.log_date, func.count(WorkLog.id)).join(Unit, Unit.id == WorkLog.unit_id)
        .where(WorkLog.campaign_id == CAMPAIGN_ID, WorkLog.log_date >= bindparam("start"),
               WorkLog.log_date <= bindparam("end"), *restrict(Unit.id, within))
        .group_by(Unit.code, WorkLog.log_date)
    )


def log_activity(session: Session, campaign_id: int, as_of: dt.date, days: int = rules.INACTIVE_DAYS,
                 within=None) -> tuple[dict[str, dt.date], dict[str, int]]:
    """(code -> the latest work log on or before as_of, code -> work logs in the `days` days ending on
    as_of), in one statement; units without a log (in those days) are absent."""
    start = as_of - dt.timedelta(days=days - 1)
    rows = column_rows(session, _activity_statement(within), {"campaign_id": campaign_id, "as_of": as_of, "start": start})
    return {code: day for code, day, _ in rows if day is not None}, {code: n for code, _, n in rows if n}


@lru_cache(maxsize=64)
def _activity_statement(within):
    recent = func.count(case((WorkLog.log_date >= bindparam("start"), WorkLog.id)))
    return (
        select(Unit.code, func.max(WorkLog.log_date), recent).join(Unit, Unit.id == WorkLog.unit_id)
        .where(WorkLog.campaign_id == CAMPAIGN_ID, WorkLog.log_date <= AS_OF, *restrict(Unit.id, within))
        .group_by(Unit.code)
    )


def work_logs(session: Session, campaign_id: int, unit_code: str | None = None, limit: int | None = 100,
              as_of: dt.date | None = None, within=None) -> list[dict]:
    """The latest work logs (dated on or before `as_of`, if given; of the units of `within`), newest
    first; `limit=None` for all."""
    stmt = (
        select(WorkLog, Unit.code, Unit.name, Instructor.name).join(Unit, Unit.id == WorkLog.unit_id)
        .outerjoin(Instructor, Instructor.id == WorkLog.instructor_id)
        .where(WorkLog.campaign_id == campaign_id, *restrict(Unit.id, within))
        .order_by(WorkLog.log_date.desc(), WorkLog.id.desc()).limit(limit)
    )
    if unit_code:
        stmt = stmt.where(Unit.code == unit_code)
    if as_of is not None:
        stmt = stmt.where(WorkLog.log_date <= as_of)
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
