"""SQL for 监督检查: cases of enterprises refusing to negotiate, and their 督促整改 → 已整改 / 追究责任 /
媒体曝光 history.

Reads return plain dicts; writes validate, audit and flush inside the caller's transaction
(`write_session`). Rules live in domain/followup.py. Authorisation is the caller's job (callbacks
check the role); the writes take `unit_scope` (a reporter's own unit) and refuse anything outside it,
as a second line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from db.accounts.auth import audit
from db.clock import now as _now
from db.engine import column_rows
from db.followup.common import _campaign, _unit
from db.models import Unit
from db.models.followup import RefusalCase, RefusalEvent
from db.queries import AS_OF, CAMPAIGN_ID, restrict
from domain import followup as rules
from domain.followup import ActionError

# --- 监督检查 --------------------------------------------------------------------------------------


def _day_end(as_of: dt.date | None) -> dt.datetime | None:
    """The first moment after `as_of`: a time stamp belongs to the as-of date when it is before this
    (None without a date)."""
    return None if as_of is None else dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())


_CASE_FIELDS = ("id", "enterprise", "kind", "occurred_on", "description", "intervention", "deadline", "status",
                "status_at")


def refusal_cases(session: Session, campaign_id: int, unit_code: str | None = None,
                  as_of: dt.date | None = None, within=None) -> list[dict]:
    """The cases, by rectification deadline. With `as_of`: only those found by then, each with its
    status as it stood that day (the last status change on or before it; a case entered later keeps
    its first status), and `current_status`, the status today."""
    stmt = _cases_statement(bool(unit_code), as_of is not None, within)
    params = {"campaign_id": campaign_id, "unit_code": unit_code, "as_of": as_of}
    cases = [
        {"id": i, "unit_code": code, "unit_name": name, "enterprise": enterprise, "kind": kind,
         "occurred_on": occurred_on, "description": description, "intervention": intervention,
         "deadline": deadline, "status": status, "status_at": status_at, "current_status": status}
        for i, enterprise, kind, occurred_on, description, intervention, deadline, status, status_at, code, name
        in column_rows(session, stmt, params)
    ]
    if as_of is None or not cases:
        return cases
    history = refusal_events(session, [c["id"] for c in cases])
    end = _day_end(as_of)
    for c in cases:
        events = history[c["id"]]
        by_then = [e for e in events if e["at"] < end] or events[:1]
        if by_then:
            c["status"], c["status_at"] = by_then[-1]["to"], by_then[-1]["at"]
    return cases


@lru_cache(maxsize=64)
def _cases_statement(one_unit: bool, dated: bool, within):
    stmt = (
        select(*[getattr(RefusalCase, k) for k in _CASE_FIELDS], Unit.code, Unit.name)
        .join(Unit, Unit.id == RefusalCase.unit_id)
        .where(RefusalCase.campaign_id == CAMPAIGN_ID, *restrict(Unit.id, within))
        .order_by(RefusalCase.deadline, RefusalCase.id)
    )
    if one_unit:
        stmt = stmt.where(Unit.code == bindparam("unit_code"))
    if dated:
        stmt = stmt.where(RefusalCase.occurred_on <= AS_OF)
    return stmt


def refusal_events(session: Session, case_ids: Iterable[int], as_of: dt.date | None = None) -> dict[int, list[dict]]:
    """case id -> its status changes in order (those on or before `as_of`, if given)."""
    ids_ = list(case_ids)
    out: dict[int, list[dict]] = {i: [] for i in ids_}
    if not ids_:
        return out
    params = {"case_ids": ids_, "day_end": _day_end(as_of)}
    for case_id, at, actor, from_status, to_status, note in column_rows(session, _events_statement(as_of is not None),
                                                                        params):
        out[case_id].append({"at": at, "actor": actor, "from": from_status, "to": to_status, "note": note})
    return out


@lru_cache(maxsize=2)
def _events_statement(dated: bool):
    stmt = (select(RefusalEvent.case_id, RefusalEvent.at, RefusalEvent.actor, RefusalEvent.from_status,
                   RefusalEvent.to_status, RefusalEvent.note)
            .where(RefusalEvent.case_id.in_(bindparam("case_ids", expanding=True))))
    if dated:
        stmt = stmt.where(RefusalEvent.at < bindparam("day_end"))
    return stmt.order_by(RefusalEvent.at, RefusalEvent.id)


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


def refusal_case_unit(session: Session, case_id: int) -> str | None:
    """The code of the unit a refusal case belongs to (None: no such case)."""
    return session.scalar(select(Unit.code).join(RefusalCase, RefusalCase.unit_id == Unit.id)
                          .where(RefusalCase.id == case_id))


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
