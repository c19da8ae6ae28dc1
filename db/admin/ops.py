"""Admin writes: campaigns and their lagging thresholds, units (one at a time or imported from a
file), baselines and targets. Plus the pure parsers and checks behind them.

Every write takes `actor` and `ip` and appends an audit row in the same transaction
(`campaign.create`, `campaign.update`, `campaign.thresholds`, `unit.create`, `unit.update`,
`unit.import`, `baseline.update`, and for the grid's 典型培育目标 and 应配专职指导员 columns
`case.target` and `instructor.quota`). Like db/accounts/auth.py the functions flush but do not commit: run them
inside `write_session(engine)`, so a refusal (AdminError, raised before anything is written or
rolled back with everything else) leaves the database as it was.

Errors are Chinese and say where: "第 3 行“上级代码”列：……" for a file, the field for a form.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import delete as sql_delete
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.accounts.auth import audit
from db.models import Campaign, CampaignThreshold, Report, Unit, UnitCampaign
from domain.errors import UserError


class AdminError(UserError):
    """A refused admin change. `messages` are Chinese, one per problem, each saying where."""

    def __init__(self, messages: str | Sequence[str]):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("；".join(self.messages))

    @property
    def message(self) -> str:
        return "；".join(self.messages)


from db.clock import now as _now  # noqa: E402 - one clock for every writer

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
    "pace_gap_points": ("进度差阈值", "个百分点", 0, 100, False),
    "filing_gap_points": ("备案率差阈值", "个百分点", 0, 100, False),
    "stale_days": ("未报送天数阈值", "天", 1, 366, True),
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
    ({} when the admin set none). `pace` comes back as a tuple of (date, fraction)."""
    row = session.get(CampaignThreshold, campaign_id)
    if row is None:
        return {}
    values = {field: getattr(row, field) for field in THRESHOLD_FIELDS if getattr(row, field) is not None}
    if row.pace:
        values["pace"] = tuple((dt.date.fromisoformat(d), float(f)) for d, f in json.loads(row.pace))
    return values


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


# --- units -----------------------------------------------------------------------------------------

UNIT_KINDS = ("县区", "开发区", "旅游区", "市直系统")
UNIT_COLUMNS = {"code": "代码", "name": "名称", "kind": "类型", "parent": "上级代码", "adcode": "行政区划代码",
                "sort_order": "排序"}
_CODE = re.compile(r"^[0-9A-Za-z_\-]{1,32}$")
_ADCODE = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str | None
    adcode: str | None
    sort_order: int
    where: str = ""  # "第 3 行" / "第 3 个单位": for error messages


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet's 371302.0
    return str(value).strip()


def check_unit_fields(raw: dict, where: str, columns: dict[str, str] = UNIT_COLUMNS) -> tuple[UnitSpec | None, list[str]]:
    """One unit's fields, checked on their own (no database): a spec, or the problems.
    `columns` names each field as the user sees it (a spreadsheet column or a JSON key)."""
    problems = []

    def bad(field: str, text: str) -> None:
        problems.append(f"{where}“{columns[field]}”{text}")

    code, name, kind = _text(raw.get("code")), _text(raw.get("name")), _text(raw.get("kind"))
    parent, adcode = _text(raw.get("parent")) or None, _text(raw.get("adcode")) or None
    if not code:
        bad("code", "为空")
    elif not _CODE.match(code):
        bad("code", f"只能由字母、数字、-、_ 组成，最多 32 个字符：{code}")
    if not name:
        bad("name", "为空")
    elif len(name) > 100:
        bad("name", "超过 100 个字符")
    if kind not in UNIT_KINDS:
        bad("kind", f"应为 {'、'.join(UNIT_KINDS)} 之一：{kind or '（空）'}")
    if adcode is not None and not _ADCODE.match(adcode):
        bad("adcode", f"应为 6 位数字（如 371302）或留空：{adcode}")
    if parent is not None and parent == code:
        bad("parent", f"不能是单位自己：{parent}")
    order_raw = raw.get("sort_order")
    order = 0
    if _text(order_raw):
        try:
            order = int(float(_text(order_raw)))
            if order < 0 or order != float(_text(order_raw)):
                raise ValueError
        except ValueError:
            bad("sort_order", f"应为非负整数：{_text(order_raw)}")
    if problems:
        return None, problems
    return UnitSpec(code, name, kind, parent, adcode, order, where), []


def check_unit_list(specs: Sequence[UnitSpec], existing: dict[str, dict], columns: dict[str, str] = UNIT_COLUMNS,
                    ) -> list[str]:
    """Problems across a whole list merged over the units already stored (`existing` by code:
    name, kind, parent, adcode): duplicate codes or adcodes, unknown parents, parent cycles."""
    problems, seen, adcodes = [], {}, {}
    for spec in specs:
        if spec.code in seen:
            problems.append(f"{spec.where}“{columns['code']}”{spec.code} 与{seen[spec.code]}重复")
        seen.setdefault(spec.code, spec.where)
    parents = {code: u.get("parent") for code, u in existing.items()}
    parents.update({s.code: s.parent for s in specs})
    merged_adcodes = {code: u.get("adcode") for code, u in existing.items()}
    merged_adcodes.update({s.code: s.adcode for s in specs})
    for code, adcode in merged_adcodes.items():
        if adcode:
            adcodes.setdefault(adcode, []).append(code)
    for spec in specs:
        if spec.parent is not None and spec.parent not in parents:
            problems.append(f"{spec.where}“{columns['parent']}”{spec.parent} 既不在文件中，也不是已有单位")
        if spec.adcode and len(adcodes.get(spec.adcode, [])) > 1:
            others = "、".join(c for c in adcodes[spec.adcode] if c != spec.code)
            problems.append(f"{spec.where}“{columns['adcode']}”{spec.adcode} 已用于单位 {others}（地图上每个区划只能对应一个单位）")
    for spec in specs:  # a cycle through parents (A -> B -> A) would loop every tree walk
        node, steps = spec.parent, 0
        while node is not None and steps <= len(parents):
            if node == spec.code:
                problems.append(f"{spec.where}“{columns['parent']}”形成循环：{spec.code} 最终成为自己的上级")
                break
            node, steps = parents.get(node), steps + 1
    return problems


def existing_units(session: Session) -> dict[str, dict]:
    """Stored units by code: id, name, kind, parent (code), adcode, sort_order."""
    parent = Unit.__table__.alias("parent")
    stmt = (select(Unit.id, Unit.code, Unit.name, Unit.kind, parent.c.code.label("parent"), Unit.adcode,
                   Unit.sort_order)
            .outerjoin(parent, parent.c.id == Unit.parent_id).order_by(Unit.sort_order, Unit.code))
    return {row.code: dict(row._mapping) for row in session.execute(stmt)}


def save_unit(session: Session, unit_id: int | None, fields: dict, *, actor: str, ip: str = "") -> tuple[Unit, list[str]]:
    """Create (`unit_id` None) or edit one unit. Returns the unit and its changes (Chinese)."""
    labels = {**UNIT_COLUMNS}
    spec, problems = check_unit_fields(fields, "", labels)
    if problems:
        raise AdminError(problems)
    stored = existing_units(session)
    unit = None
    if unit_id is not None:
        unit = session.get(Unit, unit_id, with_for_update=True)
        if unit is None:
            raise AdminError(f"单位（编号 {unit_id}）不存在")
        stored.pop(unit.code, None)  # the edited unit's old code is free for it
        if spec.code != unit.code and spec.code in stored:
            raise AdminError(f"单位代码 {spec.code} 已被“{stored[spec.code]['name']}”使用")
        # Children keep pointing at this unit by id: rename their parent in the merged view.
        for other in stored.values():
            if other["parent"] == unit.code:
                other["parent"] = spec.code
    elif spec.code in stored:
        raise AdminError(f"单位代码 {spec.code} 已被“{stored[spec.code]['name']}”使用")
    problems = check_unit_list([spec], stored, labels)
    if problems:
        raise AdminError(problems)
    parent_id = session.scalar(select(Unit.id).where(Unit.code == spec.parent)) if spec.parent else None
    changes = _apply_spec(session, unit, spec, parent_id)
    unit = unit or session.scalar(select(Unit).where(Unit.code == spec.code))
    if unit_id is None:
        audit(session, actor, "unit.create", f"新增单位 {spec.code} {spec.name}（{spec.kind}）", ip=ip)
    elif changes:
        audit(session, actor, "unit.update", f"单位（编号 {unit.id}）{spec.code}：" + "；".join(changes), ip=ip)
    return unit, changes


def _apply_spec(session: Session, unit: Unit | None, spec: UnitSpec, parent_id: int | None) -> list[str]:
    """Write one spec onto `unit` (None: a new unit). Returns what changed, in Chinese."""
    if unit is None:
        session.add(Unit(code=spec.code, name=spec.name, kind=spec.kind, adcode=spec.adcode,
                         sort_order=spec.sort_order, parent_id=parent_id))
        session.flush()
        return ["新增"]
    old_parent = session.scalar(select(Unit.code).where(Unit.id == unit.parent_id)) if unit.parent_id else None
    changes = []
    for attr, label, old, new in (
        ("code", "代码", unit.code, spec.code), ("name", "名称", unit.name, spec.name),
        ("kind", "类型", unit.kind, spec.kind), ("parent_id", "上级", old_parent, spec.parent),
        ("adcode", "行政区划代码", unit.adcode, spec.adcode), ("sort_order", "排序", unit.sort_order, spec.sort_order),
    ):
        if old != new:
            changes.append(f"{label} {old if old not in (None, '') else '（无）'} → {new if new not in (None, '') else '（无）'}")
            setattr(unit, attr, parent_id if attr == "parent_id" else new)
    session.flush()
    return changes


# --- unit import from a file -----------------------------------------------------------------------

MAX_IMPORT_BYTES = 2_000_000
MAX_IMPORT_ROWS = 2_000
MAX_XLSX_UNPACKED = 50_000_000  # the sum of the zip entries' uncompressed sizes (zip-bomb guard)
JSON_KEYS = {"code": "code", "name": "name", "kind": "kind", "parent": "parent", "adcode": "adcode",
             "sort_order": "sort_order"}
_HEADER_ALIASES = {"代码": "code", "单位代码": "code", "名称": "name", "单位名称": "name", "类型": "kind",
                   "上级代码": "parent", "行政区划代码": "adcode", "排序": "sort_order"}


def parse_unit_file(filename: str, content: bytes) -> list[UnitSpec]:
    """Units from an uploaded file: JSON shaped like db/presets/linyi.json (an object with "units",
    or the list itself), or .xlsx/.csv with the columns 代码/名称/类型/上级代码/行政区划代码 (排序
    optional). Checks each row on its own; AdminError lists every problem, naming row and column."""
    name = (filename or "").lower()
    if len(content) > MAX_IMPORT_BYTES:
        raise AdminError(f"文件过大（{len(content) / 1e6:.1f} MB），单位名单文件不应超过 {MAX_IMPORT_BYTES / 1e6:.0f} MB")
    if name.endswith(".json"):
        rows, columns, where = _json_rows(content), JSON_KEYS, "第 {} 个单位（units[{}]）"
    elif name.endswith(".xlsx"):
        rows, columns, where = _table_rows(_xlsx_cells(content)), UNIT_COLUMNS, "第 {} 行"
    elif name.endswith(".csv"):
        rows, columns, where = _table_rows(_csv_cells(content)), UNIT_COLUMNS, "第 {} 行"
    else:
        raise AdminError(f"不支持的文件类型：{filename}（请上传 .json、.xlsx 或 .csv 文件）")
    if not rows:
        raise AdminError("文件中没有单位")
    if len(rows) > MAX_IMPORT_ROWS:
        raise AdminError(f"文件中的单位过多（{len(rows)} 个），一次最多导入 {MAX_IMPORT_ROWS} 个")
    specs, problems = [], []
    for number, raw in rows:
        label = where.format(number, number - 1) if columns is JSON_KEYS else where.format(number)
        spec, found = check_unit_fields(raw, label, columns)
        problems += found
        if spec:
            specs.append(spec)
    if problems:
        raise AdminError(problems)
    return specs


def _json_rows(content: bytes) -> list[tuple[int, dict]]:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AdminError(f"JSON 文件无法解析：{exc}") from None
    units = data.get("units") if isinstance(data, dict) else data
    if not isinstance(units, list):
        raise AdminError("JSON 文件应为含 \"units\" 列表的对象（同 db/presets/linyi.json），或单位列表本身")
    rows = []
    for number, item in enumerate(units, start=1):
        if not isinstance(item, dict):
            raise AdminError(f"第 {number} 个单位（units[{number - 1}]）应为对象，含 code、name、kind 等字段")
        rows.append((number, item))
    return rows


def _csv_cells(content: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK unless told otherwise
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise AdminError("CSV 文件的编码无法识别（请另存为 UTF-8 编码的 CSV）")
    return [row for row in csv.reader(io.StringIO(text))]


def _xlsx_cells(content: bytes) -> list[list[object]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise AdminError("不是有效的 .xlsx 文件（无法打开）") from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise AdminError("该 .xlsx 文件解压后过大，拒绝处理")
    from openpyxl import load_workbook  # defusedxml is installed: openpyxl parses with it

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is one Chinese message
        raise AdminError(f"无法读取 .xlsx 文件：{type(exc).__name__}") from None
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_IMPORT_ROWS + 2)]
    finally:
        book.close()


def _table_rows(cells: list[list[object]]) -> list[tuple[int, dict]]:
    """Rows of a sheet as (spreadsheet row number, field -> value); the first row is the header."""
    if not cells:
        return []
    header = [_HEADER_ALIASES.get(_text(h)) for h in cells[0]]
    missing = [label for field, label in UNIT_COLUMNS.items()
               if field not in header and field not in ("parent", "adcode", "sort_order")]
    if missing:
        raise AdminError(f"第 1 行（表头）缺少列：{'、'.join(missing)}（应有 代码、名称、类型、上级代码、行政区划代码）")
    rows = []
    for number, row in enumerate(cells[1:], start=2):
        if all(_text(v) == "" for v in row):
            continue  # blank lines between or after the data
        rows.append((number, {field: row[i] if i < len(row) else None for i, field in enumerate(header) if field}))
    return rows


@dataclass(frozen=True)
class ImportPlan:
    added: list[UnitSpec]
    changed: list[tuple[UnitSpec, list[str]]]  # spec, Chinese changes
    unchanged: int
    kept: list[str]  # stored codes absent from the file: kept as they are

    @property
    def empty(self) -> bool:
        return not self.added and not self.changed


def plan_import(session: Session, specs: Sequence[UnitSpec]) -> ImportPlan:
    """What importing `specs` would do, checked against the stored units (raises AdminError)."""
    stored = existing_units(session)
    problems = check_unit_list(specs, stored)
    if problems:
        raise AdminError(problems)
    added, changed, unchanged = [], [], 0
    for spec in specs:
        old = stored.get(spec.code)
        if old is None:
            added.append(spec)
            continue
        diffs = [f"{label} {old[key] if old[key] not in (None, '') else '（无）'} → "
                 f"{getattr(spec, key) if getattr(spec, key) not in (None, '') else '（无）'}"
                 for key, label in (("name", "名称"), ("kind", "类型"), ("parent", "上级"), ("adcode", "行政区划代码"),
                                    ("sort_order", "排序"))
                 if old[key] != getattr(spec, key)]
        if diffs:
            changed.append((spec, diffs))
        else:
            unchanged += 1
    in_file = {s.code for s in specs}
    return ImportPlan(added, changed, unchanged, [code for code in stored if code not in in_file])


def apply_import(session: Session, specs: Sequence[UnitSpec], *, filename: str, actor: str, ip: str = "") -> ImportPlan:
    """Add and update the units of a file, all or nothing (one transaction: the caller's)."""
    plan = plan_import(session, specs)
    if plan.empty:
        return plan
    for spec in plan.added:  # parents set afterwards: a file may list a child before its parent
        _apply_spec(session, None, spec, None)
    ids = {code: uid for code, uid in session.execute(select(Unit.code, Unit.id))}
    for spec, _ in plan.changed:
        unit = session.get(Unit, ids[spec.code])
        _apply_spec(session, unit, spec, ids.get(spec.parent) if spec.parent else None)
    for spec in plan.added:
        if spec.parent:
            session.get(Unit, ids[spec.code]).parent_id = ids[spec.parent]
    session.flush()
    detail = (f"从文件 {filename[:100]} 导入单位名单：新增 {len(plan.added)} 个"
              f"{'（' + '、'.join(s.code for s in plan.added[:50]) + '）' if plan.added else ''}，"
              f"修改 {len(plan.changed)} 个"
              f"{'（' + '；'.join(f'{s.code}：' + '，'.join(d) for s, d in plan.changed[:50]) + '）' if plan.changed else ''}，"
              f"未变 {plan.unchanged} 个")
    audit(session, actor, "unit.import", detail, ip=ip)
    return plan


# --- baselines and targets -------------------------------------------------------------------------

BASELINE_FIELDS = {"baseline_ents": "辖区企业数", "baseline_workers": "辖区职工数", "target_ents": "目标企业数",
                   "target_workers": "目标职工数"}
MAX_COUNT = 100_000_000  # more enterprises or workers than this in one unit is a typing error


def _count(value: object) -> int | None | str:
    """A cell as a non-negative integer; None when blank; a string (the problem) otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "须为非负整数"
    text = value.strip().replace(",", "").replace("，", "") if isinstance(value, str) else value
    try:
        number = float(text)
    except (TypeError, ValueError):
        return "须为非负整数"
    if number != number or number < 0 or number != int(number):
        return "须为非负整数"
    if number > MAX_COUNT:
        return f"超过 {MAX_COUNT:,}，请核对"
    return int(number)


@dataclass(frozen=True)
class BaselineChange:
    code: str
    name: str
    old: dict | None  # None: the unit had no baseline in this campaign
    new: dict

    def text(self) -> str:
        if self.old is None:
            return f"{self.name}（{self.code}）：新增 " + "，".join(f"{BASELINE_FIELDS[k]} {v:,}" for k, v in self.new.items())
        return f"{self.name}（{self.code}）：" + "，".join(
            f"{BASELINE_FIELDS[k]} {self.old[k]:,} → {v:,}" for k, v in self.new.items() if self.old[k] != v)


def check_baselines(rows: Sequence[dict], stored: Sequence[dict]) -> tuple[list[BaselineChange], list[str]]:
    """Compare the edited table with the stored one (pure). `rows`: dicts with "code" and the four
    fields (text or numbers); `stored`: db.accounts.queries.baseline_rows. Returns the changes and
    the problems, each naming the unit and the column. A unit left blank stays without a baseline;
    a stored baseline cannot be blanked (enter 0 instead)."""
    by_code = {r["code"]: r for r in stored}
    changes, problems, seen = [], [], set()
    for row in rows:
        code = row.get("code") if isinstance(row, dict) else None
        if code not in by_code:
            problems.append(f"单位代码 {code} 不存在")
            continue
        if code in seen:
            problems.append(f"单位 {code} 出现了两次")
            continue
        seen.add(code)
        before = by_code[code]
        where = f"{before['name']}（{code}）"
        values, bad = {}, False
        for field, label in BASELINE_FIELDS.items():
            value = _count(row.get(field))
            if isinstance(value, str):
                problems.append(f"{where}“{label}”{value}：{row.get(field)}")
                bad = True
            values[field] = value
        if bad:
            continue
        had = before["baseline_ents"] is not None
        if all(v is None for v in values.values()):
            if had:
                problems.append(f"{where}已有基数与目标，不能清空（如不参加本次行动，请填 0）")
            continue
        blank = [BASELINE_FIELDS[f] for f, v in values.items() if v is None]
        if blank:
            problems.append(f"{where}“{'”“'.join(blank)}”未填写（四项须同时填写）")
            continue
        for target, base in (("target_ents", "baseline_ents"), ("target_workers", "baseline_workers")):
            if values[target] > values[base]:
                problems.append(f"{where}“{BASELINE_FIELDS[target]}”{values[target]:,} 大于"
                                f"“{BASELINE_FIELDS[base]}”{values[base]:,}")
                bad = True
        if bad:
            continue
        old = {f: before[f] for f in BASELINE_FIELDS} if had else None
        if old != values:
            changes.append(BaselineChange(code, before["name"], old, values))
    return changes, problems


def save_baselines(session: Session, campaign_id: int, rows: Sequence[dict], *, actor: str, ip: str = "",
                   ) -> list[BaselineChange]:
    """Check the edited table against what is stored now and write the changes (all or nothing)."""
    from db.accounts.queries import baseline_rows

    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise AdminError(f"行动（编号 {campaign_id}）不存在")
    stored = baseline_rows(session, campaign_id)
    changes, problems = check_baselines(rows, stored)
    if problems:
        raise AdminError(problems)
    if not changes:
        return []
    ids = {code: uid for code, uid in session.execute(select(Unit.code, Unit.id))}
    for change in changes:
        row = session.get(UnitCampaign, (campaign_id, ids[change.code]), with_for_update=True)
        if row is None:
            session.add(UnitCampaign(campaign_id=campaign_id, unit_id=ids[change.code], **change.new))
        else:
            for field, value in change.new.items():
                setattr(row, field, value)
    session.flush()
    audit(session, actor, "baseline.update",
          f"行动（编号 {campaign_id}）“{campaign.name}”基数与目标，{len(changes)} 个单位：" + "；".join(c.text() for c in changes),
          ip=ip)
    return changes


# --- 典型培育目标 and 应配专职指导员, edited in the same grid as the baselines ------------------------

# field -> column label. Stored in case_target (db/models/cases.py) and instructor_quota (db/models/followup.py).
UNIT_TARGET_FIELDS = {"case_target": "典型培育目标", "instructors_required": "应配专职指导员"}
MAX_UNIT_TARGET = 999  # as db.followup.ops.set_required allows


@dataclass(frozen=True)
class UnitTargetChange:
    code: str
    name: str
    field: str  # key of UNIT_TARGET_FIELDS
    old: int | None  # None: not set before
    new: int

    def text(self) -> str:
        old = "未设定" if self.old is None else f"{self.old:,}"
        return f"{self.name}（{self.code}）：{UNIT_TARGET_FIELDS[self.field]} {old} → {self.new:,}"


def target_rows(session: Session, campaign_id: int) -> list[dict]:
    """baseline_rows plus each unit's 典型培育目标 and 应配专职指导员 in the campaign (None: not set)."""
    from db.accounts.queries import baseline_rows
    from db.models.cases import CaseTarget
    from db.models.followup import InstructorQuota

    rows = baseline_rows(session, campaign_id)
    cases = dict(session.execute(select(Unit.code, CaseTarget.target).join(Unit, Unit.id == CaseTarget.unit_id)
                                 .where(CaseTarget.campaign_id == campaign_id)).all())
    quotas = dict(session.execute(select(Unit.code, InstructorQuota.required)
                                  .join(Unit, Unit.id == InstructorQuota.unit_id)
                                  .where(InstructorQuota.campaign_id == campaign_id)).all())
    return [{**r, "case_target": cases.get(r["code"]), "instructors_required": quotas.get(r["code"])} for r in rows]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_targets(rows: Sequence[dict], stored: Sequence[dict],
                  ) -> tuple[list[BaselineChange], list[UnitTargetChange], list[str]]:
    """The whole grid checked against `stored` (target_rows), pure: the baseline changes and problems of
    check_baselines, then the two per-unit targets (non-negative integers up to 999; a stored one
    cannot be blanked, enter 0; 应配专职指导员 only for a unit taking part, i.e. with a baseline).
    A row without one of these keys leaves that column as stored."""
    baseline_changes, problems = check_baselines(rows, stored)
    by_code = {r["code"]: r for r in stored}
    changes, seen = [], set()
    for row in rows:
        code = row.get("code") if isinstance(row, dict) else None
        if code not in by_code or code in seen:  # already reported by check_baselines
            continue
        seen.add(code)
        before = by_code[code]
        where = f"{before['name']}（{code}）"
        taking_part = before["baseline_ents"] is not None or not all(_blank(row.get(f)) for f in BASELINE_FIELDS)
        for field, label in UNIT_TARGET_FIELDS.items():
            if field not in row:  # a row without the column (an older client): that column is not edited
                continue
            raw, old = row[field], before.get(field)
            value = _count(raw)
            if isinstance(value, int) and value > MAX_UNIT_TARGET:
                value = f"超过 {MAX_UNIT_TARGET}，请核对"
            if isinstance(value, str):
                problems.append(f"{where}“{label}”{value}：{raw}")
            elif value is None:
                if old is not None:
                    problems.append(f"{where}“{label}”已设定为 {old}，不能清空（不需要时请填 0）")
            elif value != old:
                if field == "instructors_required" and not taking_part:
                    problems.append(f"{where}没有基数与目标，不参加本次行动，不能设定“{label}”")
                else:
                    changes.append(UnitTargetChange(code, before["name"], field, old, value))
    return baseline_changes, changes, problems


def save_targets(session: Session, campaign_id: int, rows: Sequence[dict], *, actor: str, ip: str = "",
                 ) -> tuple[list[BaselineChange], list[UnitTargetChange]]:
    """Check the whole grid against what is stored now and write every change, all or nothing.

    Baselines are written by save_baselines (audited `baseline.update`), 应配专职指导员 by
    db.followup.ops.set_required (one `instructor.quota` audit row per unit, as on the action pages), and
    典型培育目标 through db.cases.typical.set_target with one `case.target` audit row listing the units.
    """
    from db.cases import typical as cases
    from db.followup import ops as action
    from domain.followup import ActionError

    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise AdminError(f"行动（编号 {campaign_id}）不存在")
    baseline_changes, changes, problems = check_targets(rows, target_rows(session, campaign_id))
    if problems:
        raise AdminError(problems)
    if baseline_changes:
        save_baselines(session, campaign_id, rows, actor=actor, ip=ip)  # re-checks, writes and audits them
    case_changes = [c for c in changes if c.field == "case_target"]
    for change in case_changes:
        cases.set_target(session, campaign_id, change.code, change.new)
    if case_changes:
        audit(session, actor, "case.target",
              f"行动（编号 {campaign_id}）“{campaign.name}”典型培育目标，{len(case_changes)} 个单位："
              + "；".join(c.text() for c in case_changes), ip=ip)
    for change in changes:
        if change.field == "instructors_required":
            try:
                action.set_required(session, campaign_id, change.code, change.new, actor=actor, ip=ip)
            except ActionError as exc:  # checked above; a second line, raised inside the transaction
                raise AdminError(f"{change.name}（{change.code}）“应配专职指导员”：{exc}") from exc
    session.flush()
    return baseline_changes, changes


# --- demo extension (db.demo.DEMO_EXTENSIONS) ------------------------------------------------------


def build(session: Session, campaign: Campaign, seed: int) -> None:
    """The demo has no thresholds of its own: it uses the defaults."""


def delete(session: Session, campaign_id: int) -> None:
    """`demo --reset` deletes the demo campaign: first the thresholds an admin may have set on it."""
    session.execute(sql_delete(CampaignThreshold).where(CampaignThreshold.campaign_id == campaign_id))
