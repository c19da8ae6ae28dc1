"""The final summaries (总结) each unit uploads by the campaign's 报送截止: a 书面总结 (docx/pdf) and
图片/影像资料. Pure rules, queries and writes.

Pure rules (plain pytest tests, no database): `days_left`, `countdown_text`, `is_late`, `summary_state`,
`missing_summaries`, `can_upload_summary`.

Contract used by the overview action panel (keep the name):
    summary_status(session, campaign_id, as_of)   unit_code -> {"submitted", "at", "files", "late", "state", ...}

Writes flush and audit but do not commit: run them inside `write_session(engine)`. They trust the
unit they are given; the web layer decides it (a reporter's own unit, whatever the request says).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import bindparam, func, select, true
from sqlalchemy.orm import Session

from db.accounts.auth import audit
from db.cases import files
from db.cases.typical import CaseError, _unit_id, file_url
from db.clock import now as _now
from db.engine import column_rows
from db.followup.common import units as campaign_units
from db.followup.supervision import _day_end
from db.models import Campaign, Unit
from db.models.cases import SUMMARY_KINDS, StoredFile, SummaryFile
from db.queries import CAMPAIGN_ID, restrict

# --- pure rules -----------------------------------------------------------------------------------


def days_left(deadline: dt.date, today: dt.date) -> int:
    """Days until the deadline: 0 on the day itself, negative once it has passed."""
    return (deadline - today).days


def countdown_text(deadline: dt.date, today: dt.date) -> str:
    left = days_left(deadline, today)
    due = f"{deadline.month}月{deadline.day}日"
    if left > 0:
        return f"距 {due} 报送截止还有 {left} 天"
    if left == 0:
        return f"今天（{due}）报送截止"
    return f"报送已于 {deadline.year}年{due} 截止（已过 {-left} 天）"


def is_late(at: dt.datetime | None, deadline: dt.date) -> bool:
    return at is not None and at.date() > deadline


def summary_state(submitted_at: dt.datetime | None, deadline: dt.date, today: dt.date) -> str:
    """on_time / late (submitted after the deadline) / pending (not yet, still time) / overdue (not, too late)."""
    if submitted_at is not None:
        return "late" if is_late(submitted_at, deadline) else "on_time"
    return "pending" if today <= deadline else "overdue"


SUMMARY_STATE_LABELS = {"on_time": "已按时报送", "late": "逾期报送", "pending": "尚未报送", "overdue": "逾期未报送"}


def missing_summaries(status: Mapping[str, Mapping], deadline: dt.date, today: dt.date) -> dict:
    """Who to chase: the units without a 书面总结, in the given order, and how much time is left.

    {"missing": [codes], "days_left": int, "overdue": bool (deadline passed with units missing)}
    """
    missing = [code for code, row in status.items() if not row["submitted"]]
    left = days_left(deadline, today)
    return {"missing": missing, "days_left": left, "overdue": left < 0 and bool(missing)}


def can_upload_summary(role: str, user_unit: str | None, unit: str) -> bool:
    return role == "admin" or (role == "reporter" and user_unit is not None and user_unit == unit)


# --- queries --------------------------------------------------------------------------------------


def _uploaded_by(day_end):
    """Files uploaded before `day_end`, the first moment after the as-of date (supervision._day_end, or
    a parameter bound to it); every file for None."""
    if day_end is None:
        return true()
    return SummaryFile.uploaded_at < day_end


def summary_status(session: Session, campaign_id: int, as_of: dt.date | None = None,
                   within=None) -> dict[str, dict]:
    """unit_code -> {"submitted", "at", "files", "late", "state", "written", "media", "last_at"}: every unit of
    the campaign (of `within`), and any other unit that sent a file.

    As it stood on `as_of` (files uploaded later do not count; without it, today). submitted: the unit
    has uploaded its 书面总结; at: when the first one arrived; late: after the deadline; state: see
    `summary_state` (pending before the deadline, overdue after it).
    """
    deadline = session.scalar(_DEADLINE, {"campaign_id": campaign_id})

    def blank() -> dict:
        return {"submitted": False, "at": None, "files": 0, "late": False, "written": 0, "media": 0, "last_at": None}

    out = {u["code"]: blank() for u in campaign_units(session, campaign_id, within)}
    params = {"campaign_id": campaign_id, "day_end": _day_end(as_of)}
    for code, kind, n, first, last in column_rows(session, _files_by_kind_statement(as_of is not None, within), params):
        s = out.setdefault(code, blank())
        s[kind] = n
        s["files"] += n
        s["last_at"] = max(filter(None, (s["last_at"], last)))
        if kind == "written":
            s["submitted"], s["at"] = True, first
            s["late"] = deadline is not None and is_late(first, deadline)
    day = as_of or dt.date.today()
    for s in out.values():
        s["state"] = summary_state(s["at"], deadline, day) if deadline is not None else None
    return out


_DEADLINE = select(Campaign.deadline).where(Campaign.id == CAMPAIGN_ID)


@lru_cache(maxsize=64)
def _files_by_kind_statement(dated: bool, within):
    return (
        select(Unit.code, SummaryFile.kind, func.count(), func.min(SummaryFile.uploaded_at),
               func.max(SummaryFile.uploaded_at))
        .join(Unit, Unit.id == SummaryFile.unit_id)
        .where(SummaryFile.campaign_id == CAMPAIGN_ID, _uploaded_by(bindparam("day_end") if dated else None),
               *restrict(Unit.id, within))
        .group_by(Unit.code, SummaryFile.kind)
    )


def summary_files(session: Session, campaign_id: int, unit_code: str | None = None,
                  as_of: dt.date | None = None) -> list[dict]:
    """The summary files (uploaded on or before `as_of`, if given), by unit and upload time."""
    stmt = (
        select(SummaryFile, Unit.code, Unit.name, StoredFile)
        .join(Unit, Unit.id == SummaryFile.unit_id)
        .join(StoredFile, StoredFile.id == SummaryFile.file_id)
        .where(SummaryFile.campaign_id == campaign_id, _uploaded_by(_day_end(as_of)))
        .order_by(Unit.sort_order, SummaryFile.uploaded_at, SummaryFile.id)
    )
    if unit_code:
        stmt = stmt.where(Unit.code == unit_code)
    return [
        {"id": sf.id, "unit_code": code, "unit_name": name, "kind": sf.kind, "kind_label": SUMMARY_KINDS[sf.kind],
         "file_id": f.id, "file_kind": f.kind, "name": f.original_name, "size": f.size, "content_type": f.content_type,
         "uploaded_by": sf.uploaded_by, "uploaded_at": sf.uploaded_at, "url": file_url(f.id),
         "thumb_url": file_url(f.id, True) if f.thumb_name else None}
        for sf, code, name, f in session.execute(stmt)
    ]


# --- writes ---------------------------------------------------------------------------------------


def add_summary_file(session: Session, campaign_id: int, unit_code: str, kind: str, stream: BinaryIO | bytes,
                     filename: str | None, *, actor: str, directory: Path, limits: files.Limits = files.DEFAULT_LIMITS,
                     ip: str = "", now: dt.datetime | None = None, stem: str | None = None) -> SummaryFile:
    """Upload one file of a unit's final summary: written = 书面总结 (docx/pdf); media = photos or mp4."""
    if kind not in SUMMARY_KINDS:
        raise CaseError("请选择上传的是 书面总结 还是 图片/影像资料")
    if session.get(Campaign, campaign_id) is None:
        raise CaseError(f"行动编号 {campaign_id} 不存在")
    unit_id = _unit_id(session, unit_code)
    allowed = ("doc",) if kind == "written" else ("photo", "video")
    now = now or _now()
    stored = files.store(session, stream, filename, allowed=allowed, actor=actor, directory=directory, limits=limits,
                         now=now, stem=stem)
    row = SummaryFile(campaign_id=campaign_id, unit_id=unit_id, kind=kind, file_id=stored.id, uploaded_by=actor,
                      uploaded_at=now)
    session.add(row)
    session.flush()
    audit(session, actor, "file.upload", f"{files.KIND_LABELS[stored.kind]} #{stored.id}「{stored.original_name}」",
          ip=ip, now=now)
    audit(session, actor, "summary.upload", f"{unit_code} {SUMMARY_KINDS[kind]}：文件 #{stored.id}", ip=ip, now=now)
    return row
