"""Typical cases (典型): pure rules, queries and writes. The final summaries (总结) are in
db/cases/summaries.py, which shares this module's CaseError and unit lookups.

Pure rules (plain pytest tests, no database): `target_gap`, `target_rows`, `can_edit_case`,
`can_mark_city_level`, `location_area`, `validate_case` (its location check reads the offline
boundaries of domain/divisions.py).

Contract used by the overview action panel and the meeting snapshots (keep the names):
    case_counts(session, campaign_id)      unit_code -> {"total", "city_level", "target", "by_stage", ...}
    highlights(session, campaign_id, limit) 市级典型 first, then newest
    case_locations(session, campaign_id)   cases that have a location, for the map

Writes flush and audit but do not commit: run them inside `write_session(engine)`. They trust the
unit they are given; the web layer decides it (a reporter's own unit, whatever the request says).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import case as sql_case
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from db.accounts.auth import audit
from db.admin.presets import installation_city
from db.cases import files
from db.engine import column_rows
from db.followup.common import units as campaign_units
from db.hierarchy import ancestors
from db.models import Campaign, Unit
from db.models.cases import LEVELS, STAGES, CasePhoto, CaseTarget, StoredFile, SummaryFile, TypicalCase
from db.queries import CAMPAIGN_ID, restrict
from domain import divisions
from domain.errors import UserError
from domain.hierarchy import DEFAULT_LEVEL

# Cases that count towards the yearly 典型培育目标: new ones. Older cases under 跟踪服务 do not.
NEW_STAGES = ("cultivating", "selected")
SHORT_SUMMARY = 60
# A location outside the box of its unit's division (widened by this, in degrees, for a point on the
# border) is a typing error.
LOCATION_MARGIN = 0.05
MAX_TITLE = 100
MAX_SUMMARY = 5000


class CaseError(UserError):
    """A refused case or summary operation. `message` is Chinese, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


from db.clock import now as _now  # noqa: E402 - one clock for every writer

# --- pure rules -----------------------------------------------------------------------------------


def target_gap(new_cases: int, target: int) -> int:
    """How many more new cases a unit needs to reach its 典型培育目标 (never negative)."""
    return max(target - new_cases, 0)


def target_rows(counts: Mapping[str, Mapping], names: Mapping[str, str]) -> list[dict]:
    """Cases against target per unit, in the order of `counts`: none = no case at all (highlighted)."""
    rows = []
    for code, c in counts.items():
        gap = target_gap(c["new"], c["target"])
        rows.append({"code": code, "name": names.get(code, code), "total": c["total"], "new": c["new"],
                     "city_level": c["city_level"], "target": c["target"], "gap": gap,
                     "none": c["total"] == 0, "met": c["target"] > 0 and gap == 0})
    return rows


def can_edit_case(role: str, user_unit: str | None, case_unit: str) -> bool:
    """Admins edit any case; reporters only their own unit's; leaders only view."""
    return role == "admin" or (role == "reporter" and user_unit is not None and user_unit == case_unit)


def can_mark_city_level(role: str) -> bool:
    return role == "admin"


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _number(value: object) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def location_area(adcodes: Sequence[str]) -> tuple[str, tuple[float, float, float, float]]:
    """(name, (west, south, east, north)) of the area a case's location must lie in: the first of
    `adcodes` (nearest first, see `location_adcodes`) that has a boundary; 全国 and China's box if none."""
    for adcode in adcodes:
        box = divisions.bounds(adcode)
        if box is not None:
            return divisions.division(adcode).name, box
    return divisions.NATION_NAME, divisions.CHINA_BOX


def validate_case(fields: Mapping, adcodes: Sequence[str]) -> dict:
    """Check a case form; returns the clean fields or raises CaseError listing every problem (字段：问题).
    `adcodes`: the case's unit's divisions, nearest first (`location_adcodes`), for the location check."""
    errors = []
    title, subject, summary = _text(fields.get("title")), _text(fields.get("subject")), _text(fields.get("summary"))
    if not title:
        errors.append("标题：必填")
    elif len(title) > MAX_TITLE:
        errors.append(f"标题：不能超过 {MAX_TITLE} 个字")
    if not subject:
        errors.append("企业、行业或区域名称：必填")
    elif len(subject) > MAX_TITLE:
        errors.append(f"企业、行业或区域名称：不能超过 {MAX_TITLE} 个字")
    if not summary:
        errors.append("好经验、好做法：必填")
    elif len(summary) > MAX_SUMMARY:
        errors.append(f"好经验、好做法：不能超过 {MAX_SUMMARY} 个字")
    level, stage = fields.get("level"), fields.get("stage")
    if level not in LEVELS:
        errors.append("层级：请选择 企业、行业 或 区域")
    if stage not in STAGES:
        errors.append("阶段：请选择 培育中、已选树 或 跟踪服务")
    started = _date(fields.get("started_on"))
    if started is None:
        errors.append("开始培育日期：必填，格式如 2017-03-15")
    raw_selected = fields.get("selected_on")
    selected = _date(raw_selected)
    if raw_selected not in (None, "") and selected is None:
        errors.append("选树日期：格式不对，应如 2017-05-20")
    if stage in ("selected", "follow_up") and selected is None and raw_selected in (None, ""):
        errors.append("选树日期：已选树或跟踪服务的典型请填写选树日期")
    if started and selected and selected < started:
        errors.append("选树日期：不能早于开始培育日期")
    lon, lat = _number(fields.get("lon")), _number(fields.get("lat"))
    raw_lon, raw_lat = fields.get("lon"), fields.get("lat")
    if (raw_lon not in (None, "") and lon is None) or (raw_lat not in (None, "") and lat is None):
        errors.append("位置：经纬度须为数字")
    elif (lon is None) != (lat is None):
        errors.append("位置：经度和纬度须同时填写或同时留空")
    elif lon is not None:
        name, (west, south, east, north) = location_area(adcodes)
        m = LOCATION_MARGIN  # the message's box, rounded to 0.1°, lies within the accepted one
        if not (west - m <= lon <= east + m and south - m <= lat <= north + m):
            errors.append(f"位置：经纬度（{lon:g}, {lat:g}）不在{name}范围内"
                          f"（经度 {west:.1f}—{east:.1f}，纬度 {south:.1f}—{north:.1f}）")
    if errors:
        raise CaseError("；".join(errors))
    return {"title": title, "subject": subject, "summary": summary, "level": level, "stage": stage,
            "started_on": started, "selected_on": selected, "lon": lon, "lat": lat}


def short(text: str, limit: int = SHORT_SUMMARY) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def file_url(file_id: int, thumb: bool = False) -> str:
    return f"/files/{file_id}/thumb" if thumb else f"/files/{file_id}"


# --- queries --------------------------------------------------------------------------------------


def units(session: Session, within=None) -> list[dict]:
    """Every unit in display order (areas too: a case or a file may belong to a city); `within` keeps to
    an area (db.hierarchy.subtree_ids). The units expected to cultivate 典型 and send a summary are the
    campaign's: db.followup.common.units."""
    rows = session.execute(select(Unit.code, Unit.name, Unit.kind, Unit.adcode).where(*restrict(Unit.id, within))
                           .order_by(Unit.sort_order, Unit.code))
    return [{"code": c, "name": n, "kind": k, "adcode": a} for c, n, k, a in rows]


def campaign(session: Session, campaign_id: int) -> Campaign | None:
    return session.get(Campaign, campaign_id)


def _unit_id(session: Session, unit_code: str) -> int:
    unit_id = session.scalar(select(Unit.id).where(Unit.code == unit_code))
    if unit_id is None:
        raise CaseError(f"单位代码 {unit_code} 不存在")
    return unit_id


def location_adcodes(session: Session, unit_code: str | None) -> tuple[str, ...]:
    """The adcodes of the divisions a location of this unit's cases may lie in, nearest first: the
    unit's own, its ancestors' (a 开发区 or 市直系统 has none: its parent's), then, above the
    county-level roots of a one-city installation such as 临沂 (no city unit stored), the
    installation's city (the preset's, 371300). Empty for an unknown unit."""
    unit_id = session.scalar(select(Unit.id).where(Unit.code == unit_code))
    if unit_id is None:
        return ()
    chain = ancestors(session, unit_id)  # root first
    codes = [a.adcode for a in reversed(chain) if a.adcode]
    if chain[0].level == DEFAULT_LEVEL and (city := installation_city()[1]):
        codes.append(city)
    return tuple(codes)


def case_counts(session: Session, campaign_id: int, within=None) -> dict[str, dict]:
    """unit_code -> {"total", "city_level", "target", "by_stage": {stage: n}, "new", "gap"}: every unit of
    the campaign (of `within`, an area's db.hierarchy.subtree_ids), and any other unit with a case or a
    target (a city's own)."""
    def blank() -> dict:
        return {"total": 0, "city_level": 0, "target": 0, "by_stage": dict.fromkeys(STAGES, 0), "new": 0, "gap": 0}

    out = {u["code"]: blank() for u in campaign_units(session, campaign_id, within)}
    by_stage, targets = _case_counts_statements(within)
    for code, stage, n, city in column_rows(session, by_stage, {"campaign_id": campaign_id}):
        c = out.setdefault(code, blank())
        c["total"] += n
        c["city_level"] += int(city or 0)
        c["by_stage"][stage] = n
        if stage in NEW_STAGES:
            c["new"] += n
    for code, target in column_rows(session, targets, {"campaign_id": campaign_id}):
        out.setdefault(code, blank())["target"] = target
    for c in out.values():
        c["gap"] = target_gap(c["new"], c["target"])
    return out


@lru_cache(maxsize=64)
def _case_counts_statements(within):
    """case_counts' two statements: cases per unit and stage, and the units' targets."""
    by_stage = (
        select(Unit.code, TypicalCase.stage, func.count(), func.sum(sql_case((TypicalCase.city_level, 1), else_=0)))
        .join(Unit, Unit.id == TypicalCase.unit_id)
        .where(TypicalCase.campaign_id == CAMPAIGN_ID, *restrict(Unit.id, within))
        .group_by(Unit.code, TypicalCase.stage)
    )
    targets = (
        select(Unit.code, CaseTarget.target).join(Unit, Unit.id == CaseTarget.unit_id)
        .where(CaseTarget.campaign_id == CAMPAIGN_ID, *restrict(Unit.id, within))
    )
    return by_stage, targets


def _photos(session: Session, case_ids: list[int]) -> dict[int, list[dict]]:
    if not case_ids:
        return {}
    rows = session.execute(
        select(CasePhoto.case_id, StoredFile.id, StoredFile.original_name, StoredFile.width, StoredFile.height)
        .join(StoredFile, StoredFile.id == CasePhoto.file_id)
        .where(CasePhoto.case_id.in_(case_ids))
        .order_by(CasePhoto.case_id, CasePhoto.sort_order, StoredFile.id)
    )
    out: dict[int, list[dict]] = {}
    for case_id, file_id, name, width, height in rows:
        out.setdefault(case_id, []).append({"id": file_id, "name": name, "width": width, "height": height,
                                            "url": file_url(file_id), "thumb_url": file_url(file_id, True)})
    return out


def _case_dict(case: TypicalCase, unit_code: str, unit_name: str, photos: list[dict]) -> dict:
    return {
        "id": case.id, "campaign_id": case.campaign_id, "unit_code": unit_code, "unit_name": unit_name,
        "level": case.level, "level_label": LEVELS[case.level], "title": case.title, "subject": case.subject,
        "summary": case.summary, "short": short(case.summary), "stage": case.stage, "stage_label": STAGES[case.stage],
        "started_on": case.started_on, "selected_on": case.selected_on, "lon": case.lon, "lat": case.lat,
        "city_level": case.city_level, "city_level_by": case.city_level_by, "city_level_at": case.city_level_at,
        "created_by": case.created_by, "created_at": case.created_at, "updated_by": case.updated_by,
        "updated_at": case.updated_at, "photos": photos,
        "thumb_url": photos[0]["thumb_url"] if photos else None,
    }


def list_cases(
    session: Session,
    campaign_id: int,
    *,
    unit: str | None = None,
    level: str | None = None,
    stage: str | None = None,
    city_level: bool | None = None,
) -> list[dict]:
    """Cases of a campaign, filtered; 市级典型 first, then newest."""
    stmt = (
        select(TypicalCase, Unit.code, Unit.name)
        .join(Unit, Unit.id == TypicalCase.unit_id)
        .where(TypicalCase.campaign_id == campaign_id)
        .order_by(TypicalCase.city_level.desc(), TypicalCase.created_at.desc(), TypicalCase.id.desc())
    )
    if unit:
        stmt = stmt.where(Unit.code == unit)
    if level:
        stmt = stmt.where(TypicalCase.level == level)
    if stage:
        stmt = stmt.where(TypicalCase.stage == stage)
    if city_level is not None:
        stmt = stmt.where(TypicalCase.city_level == city_level)
    rows = session.execute(stmt).all()
    photos = _photos(session, [c.id for c, _, _ in rows])
    return [_case_dict(c, code, name, photos.get(c.id, [])) for c, code, name in rows]


def get_case(session: Session, case_id: int) -> dict | None:
    row = session.execute(
        select(TypicalCase, Unit.code, Unit.name).join(Unit, Unit.id == TypicalCase.unit_id)
        .where(TypicalCase.id == case_id)
    ).first()
    if row is None:
        return None
    case, code, name = row
    return _case_dict(case, code, name, _photos(session, [case.id]).get(case.id, []))


def highlights(session: Session, campaign_id: int, limit: int = 6) -> list[dict]:
    """市级典型 first, then newest: id, unit_code, unit_name, title, level, stage, summary (short), thumb_url."""
    keys = ("id", "unit_code", "unit_name", "title", "level", "stage", "thumb_url")
    cases = list_cases(session, campaign_id)[: max(limit, 0)]
    return [{**{k: c[k] for k in keys}, "summary": c["short"], "city_level": c["city_level"],
             "level_label": c["level_label"], "stage_label": c["stage_label"]} for c in cases]


def case_locations(session: Session, campaign_id: int, within=None) -> list[dict]:
    """Cases with a location: id, title, unit_code, unit_name, lon, lat, stage (and its label).
    `within`: a one-column select of unit ids to restrict to (an area's subtree)."""
    rows = column_rows(session, _locations_statement(within), {"campaign_id": campaign_id})
    return [{"id": i, "title": t, "unit_code": code, "unit_name": name, "lon": lon, "lat": lat, "stage": stage,
             "stage_label": STAGES[stage], "city_level": bool(city)}
            for i, t, code, name, lon, lat, stage, city in rows]


@lru_cache(maxsize=64)
def _locations_statement(within):
    return (
        select(TypicalCase.id, TypicalCase.title, Unit.code, Unit.name, TypicalCase.lon, TypicalCase.lat,
               TypicalCase.stage, TypicalCase.city_level)
        .join(Unit, Unit.id == TypicalCase.unit_id)
        .where(TypicalCase.campaign_id == CAMPAIGN_ID, TypicalCase.lon.is_not(None), TypicalCase.lat.is_not(None),
               *restrict(Unit.id, within))
        .order_by(TypicalCase.id)
    )


# --- writes ---------------------------------------------------------------------------------------


def _apply(case: TypicalCase, clean: dict) -> None:
    for key, value in clean.items():
        setattr(case, key, value)


def create_case(session: Session, campaign_id: int, unit_code: str, fields: Mapping, *, actor: str, ip: str = "",
                now: dt.datetime | None = None) -> TypicalCase:
    clean = validate_case(fields, location_adcodes(session, unit_code))
    if session.get(Campaign, campaign_id) is None:
        raise CaseError(f"行动编号 {campaign_id} 不存在")
    now = now or _now()
    case = TypicalCase(campaign_id=campaign_id, unit_id=_unit_id(session, unit_code), city_level=False,
                       created_by=actor, created_at=now, updated_by=actor, updated_at=now)
    _apply(case, clean)
    session.add(case)
    session.flush()
    audit(session, actor, "case.create", f"典型 #{case.id} {unit_code}「{clean['title']}」", ip=ip, now=now)
    return case


def _case(session: Session, case_id: int) -> TypicalCase:
    case = session.get(TypicalCase, case_id)
    if case is None:
        raise CaseError(f"典型 #{case_id} 不存在")
    return case


def case_unit_code(session: Session, case_id: int) -> str | None:
    return session.scalar(select(Unit.code).join(TypicalCase, TypicalCase.unit_id == Unit.id)
                          .where(TypicalCase.id == case_id))


def update_case(session: Session, case_id: int, fields: Mapping, *, actor: str, ip: str = "",
                now: dt.datetime | None = None) -> TypicalCase:
    clean = validate_case(fields, location_adcodes(session, case_unit_code(session, case_id)))
    case = _case(session, case_id)
    now = now or _now()
    changed = sorted(k for k, v in clean.items() if getattr(case, k) != v)
    _apply(case, clean)
    case.updated_by, case.updated_at = actor, now
    session.flush()
    audit(session, actor, "case.update", f"典型 #{case.id}：{'、'.join(changed) or '无变化'}", ip=ip, now=now)
    return case


def set_city_level(session: Session, case_id: int, value: bool, *, actor: str, ip: str = "",
                   now: dt.datetime | None = None) -> TypicalCase:
    """Mark or unmark a case as 市级典型 (the caller must be an admin)."""
    case = _case(session, case_id)
    now = now or _now()
    case.city_level = bool(value)
    case.city_level_by, case.city_level_at = (actor, now) if value else (None, None)
    session.flush()
    audit(session, actor, "case.mark", f"典型 #{case.id} {'标记为' if value else '取消'}市级典型", ip=ip, now=now)
    return case


def add_case_photo(session: Session, case_id: int, stream: BinaryIO | bytes, filename: str | None, *, actor: str,
                   directory: Path, limits: files.Limits = files.DEFAULT_LIMITS, ip: str = "",
                   now: dt.datetime | None = None, stem: str | None = None) -> StoredFile:
    """Store a photo (jpg/png, checked) and attach it to the case. FileRejected leaves nothing behind."""
    _case(session, case_id)
    stored = files.store(session, stream, filename, allowed=("photo",), actor=actor, directory=directory,
                         limits=limits, now=now, stem=stem)
    order = session.scalar(select(func.count()).select_from(CasePhoto).where(CasePhoto.case_id == case_id))
    session.add(CasePhoto(case_id=case_id, file_id=stored.id, sort_order=order or 0))
    session.flush()
    audit(session, actor, "file.upload", f"图片 #{stored.id}「{stored.original_name}」→ 典型 #{case_id}", ip=ip,
          now=now)
    return stored


def file_in_use(session: Session, file_id: int) -> bool:
    """Whether a case shows this file or a unit's summary lists it. /files/<id> serves other files
    (a photo removed from its case) to admins only."""
    return bool(session.scalar(select(or_(exists().where(CasePhoto.file_id == file_id),
                                          exists().where(SummaryFile.file_id == file_id)))))


def remove_case_photo(session: Session, case_id: int, file_id: int, *, actor: str, ip: str = "") -> None:
    """Detach a photo from a case (audited `case.update`). On purpose, the `stored_file` row and the file
    on disk stay: the audit trail's `file.upload` and `case.update` events name the photo by its id, and
    other rows may reference the same file. The photo is no longer shown with the case, and
    /files/<id> serves it to admins only (see `file_in_use`)."""
    link = session.get(CasePhoto, (case_id, file_id))
    if link is None:
        raise CaseError(f"典型 #{case_id} 没有图片 #{file_id}")
    session.delete(link)
    session.flush()
    audit(session, actor, "case.update", f"典型 #{case_id}：移除图片 #{file_id}", ip=ip)


def set_target(session: Session, campaign_id: int, unit_code: str, target: int) -> None:
    if not isinstance(target, int) or target < 0:
        raise CaseError("典型培育目标须为不小于 0 的整数")
    unit_id = _unit_id(session, unit_code)
    row = session.get(CaseTarget, (campaign_id, unit_id))
    if row is None:
        session.add(CaseTarget(campaign_id=campaign_id, unit_id=unit_id, target=target))
    else:
        row.target = target
    session.flush()


def file_owner(session: Session, file_id: int) -> dict | None:
    """What a stored file belongs to (case / summary), for access decisions. None: unattached."""
    case = session.execute(select(CasePhoto.case_id).where(CasePhoto.file_id == file_id)).first()
    if case:
        return {"type": "case", "case_id": case[0]}
    summary = session.execute(
        select(SummaryFile.campaign_id, Unit.code).join(Unit, Unit.id == SummaryFile.unit_id)
        .where(SummaryFile.file_id == file_id)
    ).first()
    if summary:
        return {"type": "summary", "campaign_id": summary[0], "unit_code": summary[1]}
    return None
