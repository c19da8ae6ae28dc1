"""SQL for 实效评价: the scheme (weighted dimensions, each with its 满分) and the evaluations scored on it.

Reads return plain dicts; writes validate, audit and flush inside the caller's transaction
(`write_session`). Rules live in domain/followup.py. Authorisation is the caller's job (callbacks
check the role); the writes take `unit_scope` (a reporter's own unit) and refuse anything outside it,
as a second line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from db.accounts.auth import audit
from db.clock import now as _now
from db.engine import column_rows
from db.followup.common import _campaign, _unit
from db.models import Unit
from db.models.followup import EvalDimension, Evaluation, EvaluationScore
from db.queries import AS_OF, CAMPAIGN_ID, restrict
from domain import followup as rules
from domain.followup import ActionError

# --- 实效评价 --------------------------------------------------------------------------------------


_DIMENSION_KEYS = ("id", "name", "weight", "scale_max", "sort_order", "active")


def dimensions(session: Session, campaign_id: int, active_only: bool = False) -> list[dict]:
    rows = column_rows(session, _dimensions_statement(active_only), {"campaign_id": campaign_id})
    return [dict(zip(_DIMENSION_KEYS, row)) for row in rows]


@lru_cache(maxsize=2)
def _dimensions_statement(active_only: bool):
    stmt = select(*[getattr(EvalDimension, k) for k in _DIMENSION_KEYS]).where(EvalDimension.campaign_id == CAMPAIGN_ID)
    if active_only:
        stmt = stmt.where(EvalDimension.active.is_(True))
    return stmt.order_by(EvalDimension.sort_order, EvalDimension.id)


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
               unit_code: str | None = None, within=None) -> list[dict]:
    """Long rows of the active dimensions' scores, for domain.followup.group_scores."""
    stmt = _scores_statement(as_of is not None, bool(unit_code), within)
    rows = column_rows(session, stmt, {"campaign_id": campaign_id, "as_of": as_of, "unit_code": unit_code})
    keys = ("evaluation_id", "unit_code", "enterprise", "eval_date", "dimension_id", "score", "scale_max")
    return [dict(zip(keys, row)) for row in rows]


@lru_cache(maxsize=64)
def _scores_statement(dated: bool, one_unit: bool, within):
    stmt = (
        select(Evaluation.id, Unit.code, Evaluation.enterprise, Evaluation.eval_date, EvaluationScore.dimension_id,
               EvaluationScore.score, EvaluationScore.scale_max)
        .join(EvaluationScore, EvaluationScore.evaluation_id == Evaluation.id)
        .join(EvalDimension, EvalDimension.id == EvaluationScore.dimension_id)
        .join(Unit, Unit.id == Evaluation.unit_id)
        .where(Evaluation.campaign_id == CAMPAIGN_ID, EvalDimension.active.is_(True), *restrict(Unit.id, within))
    )
    if dated:
        stmt = stmt.where(Evaluation.eval_date <= AS_OF)
    if one_unit:
        stmt = stmt.where(Unit.code == bindparam("unit_code"))
    return stmt


def evaluations(session: Session, campaign_id: int, unit_code: str | None = None, limit: int | None = 60,
                as_of: dt.date | None = None, within=None) -> list[dict]:
    """The latest evaluations (dated on or before `as_of`, if given; of the units of `within`) with
    their scores {dimension id: score}, newest first; `limit=None` for all of them."""
    stmt = (
        select(Evaluation, Unit.code, Unit.name).join(Unit, Unit.id == Evaluation.unit_id)
        .where(Evaluation.campaign_id == campaign_id, *restrict(Unit.id, within))
        .order_by(Evaluation.eval_date.desc(), Evaluation.id.desc()).limit(limit)
    )
    if unit_code:
        stmt = stmt.where(Unit.code == unit_code)
    if as_of is not None:
        stmt = stmt.where(Evaluation.eval_date <= as_of)
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
