"""From a parsed 统计表 (db/submission/xlsx_import.py) to a submission: which unit the sheet names
(by its 单位 label, short names and aliases included), which report date, the Submission itself, and
`import_workbook`, which reads, resolves, validates and stores a workbook in one go (the CLI).

Every refusal is a WorkbookRefused carrying CellIssues in plain Chinese; nothing is stored then.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.models import Campaign, Unit
from db.submission.xlsx_container import MAX_UPLOAD_BYTES, CellIssue, WorkbookRefused, refuse
from db.submission.xlsx_import import ParsedWorkbook, _where, locate, read_workbook
from domain.validation import Submission, SubmissionRefused

_PUNCT = re.compile(r"[\s、，,.。·()（）\[\]【】\-—_\"'“”《》<>:：;；]+")
# Everyday short names that the preset's formal names do not contain.
_ALIASES: Final = {
    "临沂高新技术产业开发区": ("高新区", "高新技术开发区", "高新技术产业开发区"),
    "临沂经济技术开发区": ("经开区", "经济技术开发区"),
    "临沂临港经济开发区": ("临港区", "临港开发区", "临港经济开发区"),
    "中直省直驻临单位": ("中直省直驻临",),
    "市直产业（系统）": ("市直产业",),
}


def _match_key(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text or ""))


def _unit_keys(name: str) -> set[str]:
    key = _match_key(name)
    keys = {key, *(_match_key(a) for a in _ALIASES.get(name, ()))}
    for prefix in ("临沂市", "临沂"):
        if key.startswith(prefix) and len(key) - len(prefix) >= 2:
            keys.add(key[len(prefix):])
    if key[-1:] in ("区", "县") and len(key) >= 3 and not key.endswith(("开发区", "旅游区")):
        keys.add(key[:-1])  # 兰山区 -> 兰山 (费县 stays 费县: one character is too little)
    return keys


def match_unit_name(units: Iterable[tuple[str, str]], label: str) -> str | None:
    """The code of the unit `label` names ('兰山区总工会' -> '371302'); None if none or ambiguous.

    `units` are (code, name). A code in the label wins; otherwise the unit whose name (or short
    name) is the longest found in the label; a tie between two units is ambiguous."""
    units = list(units)
    key = _match_key(label)
    if not key:
        return None
    codes = [code for code, _ in units if re.search(rf"(?<![0-9A-Za-z]){re.escape(code)}(?![0-9A-Za-z])", key)]
    if len(codes) == 1:
        return codes[0]
    best: dict[str, int] = {}
    for code, name in units:
        for k in _unit_keys(name):
            if k and k in key:
                best[code] = max(best.get(code, 0), len(k))
    if not best:
        return None
    top = max(best.values())
    winners = [code for code, n in best.items() if n == top]
    return winners[0] if len(winners) == 1 else None


def match_unit(session: Session, label: str) -> str | None:
    """'兰山区总工会' -> '371302'; None if no or ambiguous match."""
    return match_unit_name(session.execute(select(Unit.code, Unit.name)).tuples().all(), label)


def unit_name(session: Session, code: str) -> str | None:
    return session.scalar(select(Unit.name).where(Unit.code == code))


def resolve_unit(session: Session, parsed: ParsedWorkbook, chosen: str | None = None, own: str | None = None) -> str:
    """The unit a workbook reports for: `chosen` (an explicit choice) or the sheet's 单位.

    Refused when the sheet's 单位 names another unit than the one chosen, or one that matches no unit
    (a workbook is never stored under a unit its header does not name); when no unit can be found; or
    when `own` (a reporter's unit) is given and the unit is another one. A blank 单位 with a chosen unit
    is accepted: the choice applies."""
    sheet, cell = parsed.sheet, parsed.header_cells.get("unit")
    label = parsed.unit_label
    matched = match_unit(session, label) if label else None
    where = _where(sheet, cell, "单位")
    if chosen:
        chosen_name = unit_name(session, chosen)
        if chosen_name is None:
            refuse(f"单位代码 {chosen} 不存在", field="unit_code")
        if label and matched != chosen:  # another unit, or none we know: never stored under the chosen one
            named = f"表头对应的是{unit_name(session, matched)}" if matched else "表头无法对应到系统中的单位"
            refuse(f"{where}：工作簿表头的单位“{label}”与所选单位“{chosen_name}”不符（{named}）；"
                   "请核对是否上传错了文件", field="unit", sheet=sheet, cell=cell)
        unit = chosen  # a blank 单位 header: the chosen unit applies
    elif not label:
        refuse(f"{_where(sheet, None, '单位')}中没有填写单位；请在“单位：”后填写（如“兰山区总工会”），或选择单位",
               field="unit", sheet=sheet, cell=cell)
    elif matched is None:
        refuse(f"{where}“{label}”无法对应到系统中的单位；请写单位全称（如“兰山区总工会”），或选择单位",
               field="unit", sheet=sheet, cell=cell)
    else:
        unit = matched
    if own and unit != own:
        refuse(f"{where}是{unit_name(session, unit)}；您只能报送本单位（{unit_name(session, own)}）的数据",
               field="unit", sheet=sheet, cell=cell)
    return unit


def resolve_report_date(parsed: ParsedWorkbook, chosen: dt.date | None = None) -> dt.date:
    """An explicit choice wins, else the sheet's 统计截至/填报时间; refused when neither exists."""
    if chosen is not None:
        return chosen
    if parsed.report_date is not None:
        return parsed.report_date
    refuse(f"没有报送日期：工作表“{parsed.sheet}”的“填报时间”是空的，也没有另外指定报送日期。"
           "请在表中填写填报时间（如 2017年4月28日），或选择报送日期", field="report_date", sheet=parsed.sheet,
           cell=parsed.header_cells.get("filled_on"))


def build_submission(parsed: ParsedWorkbook, *, campaign_id: int, unit_code: str, report_date: dt.date,
                     submitted_by: str, is_correction: bool = False, reason: str = "") -> Submission:
    return Submission(
        campaign_id=campaign_id,
        unit_code=unit_code,
        report_date=report_date,
        lines={k: dict(v) for k, v in parsed.lines.items()},
        leader=parsed.leader,
        filled_by=parsed.filled_by,
        filled_on=parsed.filled_on,
        submitted_by=submitted_by,
        source="excel",
        is_correction=is_correction,
        reason=reason,
    )


def default_campaign_id(session: Session) -> int | None:
    """The latest non-demo campaign if any, else the latest campaign."""
    order = (Campaign.year.desc(), Campaign.id.desc())
    real = session.scalar(select(Campaign.id).where(Campaign.is_demo.is_(False)).order_by(*order).limit(1))
    return real if real is not None else session.scalar(select(Campaign.id).order_by(*order).limit(1))


@dataclass(frozen=True)
class Imported:
    parsed: ParsedWorkbook
    submission: Submission
    report_id: int
    version: int
    warnings: list[CellIssue]


def import_workbook(engine: Engine, data: bytes, filename: str, *, submitted_by: str, actor: str, ip: str = "",
                    campaign_id: int | None = None, unit: str | None = None, own_unit: str | None = None,
                    report_date: dt.date | None = None, reason: str = "",
                    max_bytes: int = MAX_UPLOAD_BYTES) -> Imported:
    """Read, resolve, validate and store one workbook in one go (the CLI; the web page previews first).
    A correction is an import with a reason. Raises WorkbookRefused; nothing is stored then."""
    from db.engine import read_session
    from db.submission import store

    parsed = read_workbook(data, filename, max_bytes)
    with read_session(engine) as s:
        campaign_id = campaign_id if campaign_id is not None else default_campaign_id(s)
        if campaign_id is None or s.get(Campaign, campaign_id) is None:
            refuse(f"行动（编号 {campaign_id}）不存在" if campaign_id is not None else "数据库中还没有任何行动",
                   field="campaign_id")
        code = resolve_unit(s, parsed, unit, own_unit)
    day = resolve_report_date(parsed, report_date)
    sub = build_submission(parsed, campaign_id=campaign_id, unit_code=code, report_date=day,
                           submitted_by=submitted_by, is_correction=bool(reason.strip()), reason=reason.strip())
    try:
        stored = store.submit_audited(engine, sub, actor=actor, ip=ip)
    except SubmissionRefused as refused:
        raise WorkbookRefused(locate(refused.errors, parsed, sub)) from None
    notes = [CellIssue(parsed.sheet, None, "warning", w) for w in stored.warnings]
    return Imported(parsed, sub, stored.report_id, stored.version, notes)

