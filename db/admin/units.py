"""Admin writes for units: one at a time from the form, or a whole list imported from a file
(.json, .xlsx or .csv) after a preview of what would change.

Every write takes `actor` and `ip` and appends an audit row in the same transaction (`unit.create`,
`unit.update`, `unit.import`). Like db/accounts/auth.py the functions flush but do not commit: run
them inside `write_session(engine)`, so a refusal (AdminError, raised before anything is written or
rolled back with everything else) leaves the database as it was.

Errors are Chinese and say where: "第 3 行“上级代码”列：……" for a file, the field for a form.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.accounts.auth import audit
from db.admin.common import AdminError
from db.engine import refresh_statistics
from db.models import Unit
from domain.hierarchy import LEVEL_LABELS, LEVELS, level_from_label, resolve_levels, tree_problems
from domain.inputs import refusal

# --- units -----------------------------------------------------------------------------------------

UNIT_KINDS = ("县区", "开发区", "旅游区", "市直系统", "全国", "省", "市", "省直系统", "产业系统")
UNIT_COLUMNS = {"code": "代码", "name": "名称", "kind": "类型", "parent": "上级代码", "adcode": "行政区划代码",
                "sort_order": "排序", "level": "层级"}
_CODE = re.compile(r"^[0-9A-Za-z_\-]{1,32}$")
_ADCODE = re.compile(r"^[0-9]{6}$")
MAX_SORT_ORDER = 1_000_000


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    parent: str | None
    adcode: str | None
    sort_order: int
    level: str | None = None  # nation/province/city/county; None: kept, or the tier below the parent's
    where: str = ""  # "第 3 行" / "第 3 个单位": for error messages


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)  # a spreadsheet's 371302.0
    if isinstance(value, int) and abs(value) >= 10**40:
        return "（数字过长）"  # str() of a 5000-digit int raises; no field wants one
    return str(value).strip()


def check_unit_fields(raw: dict, where: str, columns: dict[str, str] = UNIT_COLUMNS) -> tuple[UnitSpec | None, list[str]]:
    """One unit's fields, checked on their own (no database): a spec, or the problems.
    `columns` names each field as the user sees it (a spreadsheet column or a JSON key)."""
    problems = []

    def bad(field: str, text: str) -> None:
        problems.append(f"{where}“{columns[field]}”{text}")

    code, name, kind = _text(raw.get("code")), _text(raw.get("name")), _text(raw.get("kind"))
    parent, adcode = _text(raw.get("parent")) or None, _text(raw.get("adcode")) or None
    level_text = _text(raw.get("level"))
    for field, value in (("code", code), ("name", name), ("kind", kind), ("parent", parent), ("adcode", adcode),
                         ("sort_order", _text(raw.get("sort_order"))), ("level", level_text)):
        message = refusal(columns[field], value or "")
        if message is not None:  # control characters: neither the database nor a workbook can hold them
            problems.append(f"{where}{message}")
    if problems:
        return None, problems
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
    level = level_from_label(level_text) if level_text else None
    if level_text and level is None:
        bad("level", f"应为 {'、'.join(LEVEL_LABELS[v] for v in LEVELS)} 之一或留空：{level_text[:20]}")
    order_raw = raw.get("sort_order")
    order = 0
    if _text(order_raw):
        try:
            order = int(float(_text(order_raw)))
            if not 0 <= order <= MAX_SORT_ORDER or order != float(_text(order_raw)):
                raise ValueError
        except (ValueError, OverflowError):  # "1e400" is infinity
            bad("sort_order", f"应为非负整数：{_text(order_raw)[:20]}（最大 {MAX_SORT_ORDER}）")
    if problems:
        return None, problems
    return UnitSpec(code, name, kind, parent, adcode, order, level, where), []


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
        if spec.adcode and len(adcodes.get(spec.adcode, [])) > 1:
            others = "、".join(c for c in adcodes[spec.adcode] if c != spec.code)
            problems.append(f"{spec.where}“{columns['adcode']}”{spec.adcode} 已用于单位 {others}（地图上每个区划只能对应一个单位）")
    # The tree as a whole (unknown parents, cycles, tiers), including stored units a change would strand.
    levels = unit_levels(specs, existing)
    where = {s.code: s.where for s in specs}
    on_map = {code for code, adcode in merged_adcodes.items() if adcode}
    for code, text in tree_problems(parents, levels, on_map).items():
        prefix = where[code] if code in where else f"已有单位 {code} 的"
        problems.append(f"{prefix}“{columns['parent']}”{text}")
    return problems


def unit_levels(specs: Sequence[UnitSpec], existing: dict[str, dict]) -> dict[str, str]:
    """The tier of every unit once `specs` are applied over `existing` (see resolve_levels)."""
    return resolve_levels({s.code: (s.parent, s.level) for s in specs},
                          {code: u.get("level") or "county" for code, u in existing.items()})


def existing_units(session: Session) -> dict[str, dict]:
    """Stored units by code: id, name, kind, parent (code), adcode, sort_order, level."""
    parent = Unit.__table__.alias("parent")
    stmt = (select(Unit.id, Unit.code, Unit.name, Unit.kind, parent.c.code.label("parent"), Unit.adcode,
                   Unit.sort_order, Unit.level)
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
    if spec.level is None and unit is not None:
        spec = replace(spec, level=unit.level)  # a form without the field keeps the unit's tier
    problems = check_unit_list([spec], stored, labels)
    if problems:
        raise AdminError(problems)
    level = unit_levels([spec], stored)[spec.code]
    parent_id = session.scalar(select(Unit.id).where(Unit.code == spec.parent)) if spec.parent else None
    changes = _apply_spec(session, unit, spec, parent_id, level)
    unit = unit or session.scalar(select(Unit).where(Unit.code == spec.code))
    if unit_id is None:
        audit(session, actor, "unit.create", f"新增单位 {spec.code} {spec.name}（{spec.kind}）", ip=ip)
    elif changes:
        audit(session, actor, "unit.update", f"单位（编号 {unit.id}）{spec.code}：" + "；".join(changes), ip=ip)
    return unit, changes


def _apply_spec(session: Session, unit: Unit | None, spec: UnitSpec, parent_id: int | None, level: str) -> list[str]:
    """Write one spec onto `unit` (None: a new unit) at tier `level`. Returns what changed, in Chinese."""
    if unit is None:
        session.add(Unit(code=spec.code, name=spec.name, kind=spec.kind, adcode=spec.adcode,
                         sort_order=spec.sort_order, parent_id=parent_id, level=level))
        session.flush()
        return ["新增"]
    old_parent = session.scalar(select(Unit.code).where(Unit.id == unit.parent_id)) if unit.parent_id else None
    changes = []
    for attr, label, old, new in (
        ("code", "代码", unit.code, spec.code), ("name", "名称", unit.name, spec.name),
        ("kind", "类型", unit.kind, spec.kind), ("parent_id", "上级", old_parent, spec.parent),
        ("adcode", "行政区划代码", unit.adcode, spec.adcode), ("sort_order", "排序", unit.sort_order, spec.sort_order),
        ("level", "层级", unit.level, level),
    ):
        if old != new:
            if attr == "level":
                old, new = LEVEL_LABELS.get(old, old), LEVEL_LABELS[new]
            changes.append(f"{label} {old if old not in (None, '') else '（无）'} → {new if new not in (None, '') else '（无）'}")
            setattr(unit, attr, parent_id if attr == "parent_id" else level if attr == "level" else new)
    session.flush()
    return changes


# --- unit import from a file -----------------------------------------------------------------------

MAX_IMPORT_BYTES = 2_000_000
MAX_IMPORT_ROWS = 5_000  # a whole country is about 3,300 units
MAX_XLSX_UNPACKED = 50_000_000  # the sum of the zip entries' uncompressed sizes (zip-bomb guard)
JSON_KEYS = {"code": "code", "name": "name", "kind": "kind", "parent": "parent", "adcode": "adcode",
             "sort_order": "sort_order", "level": "level"}
_HEADER_ALIASES = {"代码": "code", "单位代码": "code", "名称": "name", "单位名称": "name", "类型": "kind",
                   "上级代码": "parent", "行政区划代码": "adcode", "排序": "sort_order", "层级": "level"}


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
        rows, columns, where = _table_rows(_xlsx_cells(content, filename)), UNIT_COLUMNS, "第 {} 行"
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
    except (ValueError, RecursionError):  # a number of thousands of digits; nesting deeper than Python's stack
        raise AdminError("JSON 文件无法解析：数字过长或嵌套过深") from None
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
    try:
        return [row for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:  # a field over csv.field_size_limit() (128 KB), say
        raise AdminError(f"CSV 文件无法解析：{exc}") from None


def _xlsx_cells(content: bytes, filename: str = "") -> list[list[object]]:
    from db.submission.xlsx_container import WorkbookRefused, check_inflated

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise AdminError("不是有效的 .xlsx 文件（无法打开）") from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise AdminError("该 .xlsx 文件解压后过大，拒绝处理")
    try:  # zip headers are not trusted: every entry is inflated under a hard cap before openpyxl opens it
        check_inflated(content, filename or "单位名单.xlsx", advice="请只保留单位名单后再上传")
    except WorkbookRefused as refused:
        raise AdminError(refused.message) from None
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
               if field not in header and field not in ("parent", "adcode", "sort_order", "level")]
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
    levels = unit_levels(specs, stored)
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
        if old["level"] != levels[spec.code]:
            diffs.append(f"层级 {LEVEL_LABELS[old['level']]} → {LEVEL_LABELS[levels[spec.code]]}")
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
    levels = unit_levels(specs, existing_units(session))
    for spec in plan.added:  # parents set afterwards: a file may list a child before its parent
        _apply_spec(session, None, spec, None, levels[spec.code])
    ids = {code: uid for code, uid in session.execute(select(Unit.code, Unit.id))}
    for spec, _ in plan.changed:
        unit = session.get(Unit, ids[spec.code])
        _apply_spec(session, unit, spec, ids.get(spec.parent) if spec.parent else None, levels[spec.code])
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
    refresh_statistics(session)
    return plan
