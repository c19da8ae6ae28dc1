"""Admin writes for campaigns: their dates, their lagging thresholds and the expected-pace curve.

Every write takes `actor` and `ip` and appends an audit row in the same transaction
(`campaign.create`, `campaign.update`, `campaign.thresholds`). Like db/accounts/auth.py the functions
flush but do not commit: run them inside `write_session(engine)`, so a refusal (AdminError, raised
before anything is written or rolled back with everything else) leaves the database as it was.

Errors are Chinese and say where: the form field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.accounts.auth import audit
from db.admin.common import AdminError
from db.clock import now as _now
from db.engine import column_rows, refresh_statistics
from db.models import Campaign, CampaignThreshold, Report, UnitCampaign
from db.queries import CAMPAIGN_ID
from domain.metrics import label as metric_label

# --- campaigns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignDates:
    window_start: dt.date
    window_end: dt.date
    cutoff_date: dt.date  # 统计截止
    deadline: dt.date  # 报送截止


DATE_LABELS = {"window_start": "行动开始", "window_end": "行动结束", "cutoff_date": "统计截止", "deadline": "报送截止"}


def parse_date(value: object, label: str) -> dt.date:
    """A date from a form value ("2017-03-01", or a date picker's "2017-03-01T00:00:00")."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise AdminError(f"请填写“{label}”")
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise AdminError(f"“{label}”不是有效日期（应为 年-月-日，如 2017-03-01）：{value}") from None


def check_dates(values: dict) -> CampaignDates:
    """Parse and check the four dates: start ≤ end, start ≤ 统计截止 ≤ 报送截止."""
    problems, parsed = [], {}
    for key, label in DATE_LABELS.items():
        try:
            parsed[key] = parse_date(values.get(key), label)
        except AdminError as exc:
            problems += exc.messages
    if problems:
        raise AdminError(problems)
    d = CampaignDates(**parsed)
    if d.window_start > d.window_end:
        problems.append(f"行动开始（{d.window_start}）晚于行动结束（{d.window_end}）")
    if d.cutoff_date < d.window_start:
        problems.append(f"统计截止（{d.cutoff_date}）早于行动开始（{d.window_start}）")
    if d.cutoff_date > d.deadline:
        problems.append(f"统计截止（{d.cutoff_date}）晚于报送截止（{d.deadline}）")
    if problems:
        raise AdminError(problems)
    return d


def _check_name(session: Session, name: object, campaign_id: int | None) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise AdminError("请填写行动名称")
    if len(name) > 200:
        raise AdminError("行动名称不能超过 200 个字符")
    clash = session.scalar(select(Campaign.id).where(Campaign.name == name))
    if clash is not None and clash != campaign_id:
        raise AdminError(f"已有名为“{name}”的行动")
    return name


def create_campaign(
    session: Session, name: str, dates: dict, *, copy_from: int | None = None, actor: str, ip: str = ""
) -> Campaign:
    """A new (real, not demo) campaign. `copy_from`: copy that campaign's baselines and targets."""
    name = _check_name(session, name, None)
    d = check_dates(dates)
    source = None
    if copy_from is not None:
        source = session.get(Campaign, copy_from)
        if source is None:
            raise AdminError(f"要复制基数的行动（编号 {copy_from}）不存在")
    now = _now()
    campaign = Campaign(name=name, year=d.window_start.year, is_demo=False, created_at=now, **asdict(d))
    session.add(campaign)
    session.flush()
    copied = 0
    if source is not None:
        for row in session.scalars(select(UnitCampaign).where(UnitCampaign.campaign_id == source.id)):
            session.add(UnitCampaign(campaign_id=campaign.id, unit_id=row.unit_id, baseline_ents=row.baseline_ents,
                                     baseline_workers=row.baseline_workers, target_ents=row.target_ents,
                                     target_workers=row.target_workers))
            copied += 1
        session.flush()
        refresh_statistics(session)
    note = f"；复制“{source.name}”的基数与目标 {copied} 个单位" if source is not None else ""
    audit(session, actor, "campaign.create",
          f"新建行动（编号 {campaign.id}）“{name}”：{_dates_text(d)}{note}", ip=ip, now=now)
    return campaign


def _dates_text(d: CampaignDates) -> str:
    return f"{d.window_start} 至 {d.window_end}，统计截止 {d.cutoff_date}，报送截止 {d.deadline}"


def update_campaign(session: Session, campaign_id: int, name: str, dates: dict, *, actor: str, ip: str = "") -> list[str]:
    """Rename or re-date a campaign. Refused when reports already fall outside the new window.
    Returns the changes (Chinese, "报送截止 2017-06-10 → 2017-06-12"); none means nothing written."""
    campaign = session.get(Campaign, campaign_id, with_for_update=True)
    if campaign is None:
        raise AdminError(f"行动（编号 {campaign_id}）不存在")
    name = _check_name(session, name, campaign.id)
    d = check_dates(dates)
    first, last, count = session.execute(
        select(func.min(Report.report_date), func.max(Report.report_date), func.count(Report.id))
        .where(Report.campaign_id == campaign.id)
    ).one()
    if count and (first < d.window_start or last > d.deadline):
        raise AdminError(f"本行动已有报送，日期从 {first} 到 {last}；新的行动期（{d.window_start} 至报送截止 {d.deadline}）"
                         "须包含这些日期")
    changes = [] if campaign.name == name else [f"名称“{campaign.name}” → “{name}”"]
    for key, label in DATE_LABELS.items():
        old, new = getattr(campaign, key), getattr(d, key)
        if old != new:
            changes.append(f"{label} {old} → {new}")
    if not changes:
        return []
    campaign.name = name
    for key in DATE_LABELS:
        setattr(campaign, key, getattr(d, key))
    campaign.year = d.window_start.year
    session.flush()
    audit(session, actor, "campaign.update", f"行动（编号 {campaign.id}）：" + "；".join(changes), ip=ip)
    return changes


# --- lagging thresholds per campaign ---------------------------------------------------------------


# field -> (label, unit, minimum, maximum, integer?)
THRESHOLD_FIELDS: dict[str, tuple[str, str, float, float, bool]] = {
    "pace_gap_points": (f"{metric_label('pace')}阈值", "个百分点", 0, 100, False),
    "filing_gap_points": (f"{metric_label('filing_rate')}差阈值", "个百分点", 0, 100, False),
    "stale_days": (f"{metric_label('stale_days')}阈值", "天", 1, 366, True),
    "coverage_margin_points": ("覆盖率容差", "个百分点", 0, 100, False),
    "min_expected_fraction": ("开始预测覆盖率的行动进度", "（0—1）", 0, 1, False),
}


def parse_threshold_value(field: str, value: object) -> float | int | None:
    """A threshold from a form field: blank -> None (the default); else a number in range."""
    label, unit, low, high, integer = THRESHOLD_FIELDS[field]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise AdminError(f"“{label}”须为数字：{value}") from None
    if number != number or not low <= number <= high:  # NaN, or out of range
        raise AdminError(f"“{label}”须在 {low:g} 到 {high:g}{unit} 之间：{value}")
    if integer:
        if number != int(number):
            raise AdminError(f"“{label}”须为整数：{value}")
        return int(number)
    return number


_PACE_LINE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})[\s,，:：]+([0-9.]+)\s*(%?)$")


def parse_pace(text: object, window_start: dt.date, window_end: dt.date) -> list[tuple[dt.date, float]] | None:
    """The expected-pace curve from a text box: one "日期 比例" a line ("2017-03-31 20%" or
    "2017-03-31 0.2"), dates inside the window, ascending, the share never falling.
    Blank or "linear"/"线性" -> None (the default, linear over the window)."""
    if not isinstance(text, str) or text.strip().lower() in ("", "linear", "线性"):
        return None
    points, problems = [], []
    for number, line in enumerate(text.strip().splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = _PACE_LINE.match(line)
        try:
            day = dt.date.fromisoformat("-".join(f"{int(p):02d}" for p in match.group(1).split("-"))) if match else None
            share = float(match.group(2)) / (100 if match.group(3) else 1) if match else None
        except ValueError:
            day = share = None
        if day is None or share is None:
            problems.append(f"应达进度曲线第 {number} 行应为“日期 比例”（如 2017-03-31 20%）：{line}")
            continue
        if not window_start <= day <= window_end:
            problems.append(f"应达进度曲线第 {number} 行：日期 {day} 不在行动期（{window_start} 至 {window_end}）内")
        if not 0 <= share <= 1:
            problems.append(f"应达进度曲线第 {number} 行：比例须在 0 到 100% 之间：{line}")
        if points and (day <= points[-1][0] or share < points[-1][1]):
            problems.append(f"应达进度曲线第 {number} 行：日期须逐行递增、比例不得下降")
        points.append((day, share))
    if problems:
        raise AdminError(problems)
    return points or None


def pace_text(points: Iterable[tuple[dt.date, float]] | None) -> str:
    return "\n".join(f"{d} {share * 100:g}%" for d, share in points or ())


def threshold_overrides(session: Session, campaign_id: int) -> dict:
    """The campaign's non-default thresholds, as keyword arguments of domain.lagging.Thresholds
    ({} when the admin set none). `pace` comes back as a tuple of (date, fraction). Every page reads
    it: one statement, built once."""
    rows = column_rows(session, _THRESHOLDS, {"campaign_id": campaign_id})
    if not rows:
        return {}
    *fields, pace = rows[0]
    values = {field: value for field, value in zip(THRESHOLD_FIELDS, fields, strict=True) if value is not None}
    if pace:
        values["pace"] = tuple((dt.date.fromisoformat(d), float(f)) for d, f in json.loads(pace))
    return values


_THRESHOLDS = (select(*[getattr(CampaignThreshold, field) for field in THRESHOLD_FIELDS], CampaignThreshold.pace)
               .where(CampaignThreshold.campaign_id == CAMPAIGN_ID))


def _shown(field: str, value) -> str:
    if value is None:
        return "默认"
    if field == "pace":  # stored JSON -> "2017-04-30 60%，2017-05-31 100%"
        return "，".join(f"{d} {f * 100:g}%" for d, f in json.loads(value))
    return f"{value:g}"


def set_thresholds(session: Session, campaign_id: int, form: dict, *, actor: str, ip: str = "") -> list[str]:
    """Store the thresholds in `form` (field -> text or number; blank -> the default; "pace" is the
    curve's text). Returns the changes (none: nothing written)."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise AdminError(f"行动（编号 {campaign_id}）不存在")
    values, problems = {}, []
    for field in THRESHOLD_FIELDS:
        try:
            values[field] = parse_threshold_value(field, form.get(field))
        except AdminError as exc:
            problems += exc.messages
    try:
        curve = parse_pace(form.get("pace"), campaign.window_start, campaign.window_end)
    except AdminError as exc:
        problems += exc.messages
        curve = None
    if problems:
        raise AdminError(problems)
    values["pace"] = json.dumps([[d.isoformat(), f] for d, f in curve]) if curve else None
    row = session.get(CampaignThreshold, campaign_id, with_for_update=True)
    old = {field: getattr(row, field) if row else None for field in values}
    changes = []
    for field, new in values.items():
        if old[field] != new:
            label = THRESHOLD_FIELDS[field][0] if field in THRESHOLD_FIELDS else "应达进度曲线"
            changes.append(f"{label} {_shown(field, old[field])} → {_shown(field, new)}")
    if not changes:
        return []
    if row is None:
        row = CampaignThreshold(campaign_id=campaign_id)
        session.add(row)
    for field, new in values.items():
        setattr(row, field, new)
    row.updated_at, row.updated_by = _now(), actor[:50]
    session.flush()
    audit(session, actor, "campaign.thresholds", f"行动（编号 {campaign_id}）落后阈值：" + "；".join(changes), ip=ip)
    return changes
