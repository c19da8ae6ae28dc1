"""Reading a district's 统计表 from an .xlsx file, by labels rather than fixed cells.

Districts retype the notice's attachment in their own Excel, so the table is found by its labels:
the row labels 单独开展企业 / 区域 / 行业 in one column, the column headers (总数, 覆盖企业数, 覆盖职工数
under the three stage headers) above them, the header line 单位 / 负责人 / 填报人 / 填报时间 anywhere
else on the sheet. Offsets, blank rows and columns, spaces inside labels, merged cells, numbers as
text (“２１，８７３”), an optional 合计 row and formulas with cached values are all accepted.

Every file is checked before openpyxl touches it (size, zip entry sizes and ratios, macros, merged
ranges, cell count: db/submission/xlsx_container.py), because openpyxl reads whatever it is given: a
merged range is expanded cell by cell and a zip bomb is inflated in memory. defusedxml is installed,
so openpyxl refuses XML entity tricks. Every refusal is a WorkbookRefused carrying CellIssues in plain
Chinese; nothing is stored.

Figures are validated by domain/validation.py (through db/submission/store.py when storing); `locate` maps its
issues back to sheet and cell.

Which unit and date a parsed sheet reports for, and storing it: db/submission/xlsx_submission.py.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Final

from openpyxl import load_workbook
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.datetime import from_excel

from db.submission.xlsx_container import (
    MAX_UPLOAD_BYTES,
    SAVE_AS,
    CellIssue,
    WorkbookRefused,
    check_container,
    refuse,
)
from domain.measures import INDUSTRY, LINE_KINDS, LINE_LABELS, MEASURE_LABELS, MEASURES, REGIONAL, SINGLE, STAGES
from domain.validation import Context, Issue, Submission, parse_count, validate

MAX_TEXT: Final = 50  # 负责人 / 填报人 columns are String(50)
TOTAL: Final = "total"


@dataclass
class ParsedWorkbook:
    sheet: str
    unit_label: str
    leader: str
    filled_by: str
    filled_on: dt.date | None
    report_date: dt.date | None  # a 统计截至 date on the sheet, else 填报时间
    lines: dict[str, dict[str, object]]  # kind -> measure -> the cell's value (int, float, str, None)
    cells: dict[tuple[str, str], str]  # (kind, measure) -> "C6"
    header_cells: dict[str, str] = field(default_factory=dict)  # unit/leader/filled_by/filled_on/report_date -> cell
    totals: dict[str, object] = field(default_factory=dict)  # the 合计 row as written, if any
    total_cells: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- opening


def _load(data: bytes, name: str, data_only: bool):
    with warnings.catch_warnings():  # openpyxl warns about unsupported extensions; irrelevant here
        warnings.simplefilter("ignore")
        try:
            return load_workbook(io.BytesIO(data), data_only=data_only, read_only=False, keep_vba=False,
                                 keep_links=False, rich_text=False)
        except Exception:  # noqa: BLE001 - any parser failure is a broken or hostile file, never a 500
            refuse(f"文件“{name}”无法读取：文件已损坏，或含有不允许的内容；{SAVE_AS}")


# --------------------------------------------------------------------------- labels


def norm(value: object) -> str:
    """Text as compared with labels: NFKC (full-width to ASCII), no whitespace at all."""
    if not isinstance(value, str):
        return ""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))


_ROW_LABELS: Final = {
    **dict.fromkeys(("单独开展企业", "单独开展的企业", "单独开展"), SINGLE),
    **dict.fromkeys(("区域", "区域性", "区域性协商", "区域协商"), REGIONAL),
    **dict.fromkeys(("行业", "行业性", "行业性协商", "行业协商"), INDUSTRY),
    **dict.fromkeys(("合计", "总计", "总数", "合计数"), TOTAL),
}
_ROW_PREFIX = re.compile(r"^(?:其中[:：]?|\d+[.、)]|\(\d+\)|[一二三四][、.])")


def row_kind(value: object) -> str | None:
    """'区  域' -> 'regional', '合计' -> 'total'; None for anything else."""
    return _ROW_LABELS.get(_ROW_PREFIX.sub("", norm(value)))


def header_part(text: str) -> str | None:
    """Which part a column header names: copies (总数/份数), ents (企业/家) or workers (职工/人)."""
    if "企业" in text or "(家)" in text:
        return "ents"
    if "职工" in text or "(人)" in text:
        return "workers"
    if "总数" in text or "份数" in text or "(份)" in text:
        return "copies"
    return None


def header_stage(text: str) -> str | None:
    """Which stage a header names: filed (备案), signed (签订/合同) or offer (要约)."""
    if "备案" in text:
        return "filed"
    if "签订" in text or "合同" in text:
        return "signed"
    if "要约" in text:
        return "offer"
    return None


# Header-line labels, longest first; spaces may sit between their characters.
_HEAD_FIELDS: Final = {
    "report_date": ("统计截至日期", "统计截止日期", "统计截至", "截至日期", "报送日期"),
    "filled_on": ("填报时间", "填报日期", "填表时间", "填表日期"),
    "unit": ("填报单位", "报送单位", "单位名称", "单位"),
    "leader": ("负责人",),
    "filled_by": ("填报人", "填表人"),
}
_HEAD_NAMES: Final = {"unit": "单位", "leader": "负责人", "filled_by": "填报人", "filled_on": "填报时间",
                      "report_date": "统计截至日期"}
_LABEL_TO_FIELD = {label: f for f, labels in _HEAD_FIELDS.items() for label in labels}
_HEAD_LABEL = re.compile(
    r"(?:^|(?<=[\s,;，；]))("
    + "|".join(r"\s*".join(map(re.escape, lab)) for lab in sorted(_LABEL_TO_FIELD, key=len, reverse=True))
    + r")\s*(?:[:：]|$)"
)


def _head_labels(text: str) -> list[tuple[str, str]]:
    """[(field, value typed after the label in the same cell)] for 'name：value  name：value' text."""
    text = unicodedata.normalize("NFKC", text).strip()
    found = list(_HEAD_LABEL.finditer(text))
    out = []
    for i, match in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        label = re.sub(r"\s+", "", match.group(1))
        out.append((_LABEL_TO_FIELD[label], text[match.end():end].strip(" _\t　")))
    return out


# --------------------------------------------------------------------------- the sheet


class _Grid:
    """The non-empty cells of one sheet (never its whole dimension), with merged ranges resolved."""

    def __init__(self, ws):
        self.title = ws.title
        # ws._cells holds only the cells the file defines; iterating ws.iter_rows() would walk the
        # declared dimension, which a hostile file can make enormous.
        self.values = {
            key: cell.value
            for key, cell in ws._cells.items()  # noqa: SLF001
            if cell.value is not None and not (isinstance(cell.value, str) and not cell.value.strip())
        }
        self.errors = {key for key, cell in ws._cells.items() if cell.data_type == "e"}  # noqa: SLF001
        self.anchor: dict[tuple[int, int], tuple[int, int]] = {}
        self.span: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for rng in ws.merged_cells.ranges:  # total area checked by check_container
            c0, r0, c1, r1 = rng.bounds
            self.span[(r0, c0)] = (c0, r0, c1, r1)
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        self.anchor[(r, c)] = (r0, c0)

    def value(self, r: int, c: int, merged: bool = True):
        v = self.values.get((r, c))
        if v is None and merged and (r, c) in self.anchor:
            v = self.values.get(self.anchor[(r, c)])
        return v

    def left_of_span(self, r: int, c: int) -> int:
        """The first column of the merged range holding (r, c), or c."""
        top = self.anchor.get((r, c), (r, c))
        return self.span.get(top, (c,))[0]

    def max_col(self) -> int:
        return max((c for _, c in self.values), default=0)


def ref(r: int, c: int) -> str:
    return f"{get_column_letter(c)}{r}"


class _NoTable(Exception):
    def __init__(self, message: str, progress: int):
        self.message, self.progress = message, progress
        super().__init__(message)


@dataclass
class _Table:
    label_col: int
    rows: dict[str, int]  # kind -> row
    total_row: int | None
    columns: dict[str, int]  # measure -> column
    top: int  # first header row


def _find_table(grid: _Grid) -> _Table:
    sheet = f"工作表“{grid.title}”"
    by_col: dict[int, dict[str, list[int]]] = {}
    for (r, c), v in grid.values.items():
        kind = row_kind(v)
        if kind is not None:
            by_col.setdefault(c, {}).setdefault(kind, []).append(r)
    full = [c for c, kinds in by_col.items() if all(k in kinds for k in LINE_KINDS)]
    if not full:
        best = max(by_col.values(), key=lambda ks: sum(k in ks for k in LINE_KINDS), default={})
        have = [LINE_LABELS[k] for k in LINE_KINDS if k in best]
        lack = [LINE_LABELS[k] for k in LINE_KINDS if k not in best]
        if have:
            raise _NoTable(f"{sheet}找到了“{'”“'.join(have)}”行，但没有找到“{'”“'.join(lack)}”行；"
                           "三行须在同一列", len(have))
        raise _NoTable(f"{sheet}中没有找到统计表（需要“单独开展企业”“区域”“行业”三行）", 0)
    if len(full) > 1:
        cols = "、".join(get_column_letter(c) for c in sorted(full))
        raise _NoTable(f"{sheet}的 {cols} 列都有“单独开展企业”“区域”“行业”：一个工作表只能有一张统计表", 3)
    col = full[0]
    kinds = by_col[col]
    for kind in LINE_KINDS:
        if len(kinds[kind]) > 1:
            where = "、".join(ref(r, col) for r in sorted(kinds[kind]))
            raise _NoTable(f"{sheet}中“{LINE_LABELS[kind]}”出现了多次（{where}）：一个工作表只能有一张统计表", 3)
    rows = {k: kinds[k][0] for k in LINE_KINDS}
    part_row, columns, top = _columns(grid, col, min(rows.values()), sheet)
    totals = [r for r in kinds.get(TOTAL, []) if r > part_row]
    if len(totals) > 1:
        where = "、".join(ref(r, col) for r in sorted(totals))
        raise _NoTable(f"{sheet}中合计行出现了多次（{where}）：请只保留一行合计", 4)
    return _Table(col, rows, totals[0] if totals else None, columns, top)


def _header_text(grid: _Grid, r: int, c: int, label_col: int) -> str:
    """A header cell's text; merged ranges reaching into the label column (the title) do not count."""
    if grid.left_of_span(r, c) <= label_col:
        return ""
    return norm(grid.value(r, c))


def _columns(grid: _Grid, label_col: int, first_row: int, sheet: str) -> tuple[int, dict[str, int], int]:
    """(row of the 总数/覆盖企业数/覆盖职工数 headers, measure -> column, first header row)."""
    last_col = max(grid.max_col(), label_col)
    span = range(label_col + 1, last_col + 1)
    part_row = None
    for r in range(first_row - 1, max(0, first_row - 6), -1):
        texts = {c: _header_text(grid, r, c, label_col) for c in span}
        parts = {c: header_part(t) or ("copies" if header_stage(t) and "数" in t else None) for c, t in texts.items()}
        if sum(p is not None for p in parts.values()) >= 3:
            part_row = r
            break
    if part_row is None:
        raise _NoTable(f"{sheet}在“单独开展企业”等行的上方没有找到表头（总数、覆盖企业数（家）、覆盖职工数（人））", 3)
    parts = {c: p for c, p in parts.items() if p is not None}
    stages = {c: header_stage(texts[c]) for c in parts}
    top = part_row
    for r in range(part_row - 1, max(0, part_row - 4), -1):  # the stage headers above, nearest first
        row_texts = {c: _header_text(grid, r, c, label_col) for c in span}
        if not any(header_stage(t) for t in row_texts.values()) or any(_head_labels(t) for t in row_texts.values()):
            break
        top, current = r, None
        for c in span:  # an unmerged stage header covers the columns to its right up to the next header
            if row_texts[c]:
                current = header_stage(row_texts[c])
            if c in stages and stages[c] is None:
                stages[c] = current
    if all(s is None for s in stages.values()):  # no stage headers at all: the attachment's order
        ordered = sorted(parts)
        pattern = [parts[c] for c in ordered[:9]]
        if pattern == ["copies", "ents", "workers"] * 3:
            stages = {c: STAGES[i // 3] for i, c in enumerate(ordered[:9])}
    found: dict[str, list[int]] = {}
    for c, part in parts.items():
        if stages.get(c):
            found.setdefault(f"{stages[c]}_{part}", []).append(c)
    problems = []
    for m in MEASURES:
        cols = found.get(m, [])
        if not cols:
            problems.append(f"没有找到“{MEASURE_LABELS[m]}”列")
        elif len(cols) > 1:
            problems.append(f"“{MEASURE_LABELS[m]}”列出现了多次（{'、'.join(get_column_letter(c) for c in cols)} 列）")
    if problems:
        raise _NoTable(f"{sheet}第 {part_row} 行的表头不完整：" + "；".join(problems), 4)
    return part_row, {m: found[m][0] for m in MEASURES}, top


def _parse_date(value: object) -> dt.date | None:
    """A date from a cell: a real date, an Excel serial number or text like 2017年4月28日. None if blank.
    Raises ValueError for anything else."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 32874 <= value <= 73051:  # 1990 .. 2099 as Excel serial days
            return from_excel(value).date()
        raise ValueError(value)
    text = norm(value) if isinstance(value, str) else ""
    if not re.sub(r"[年月日]", "", text):
        return None  # blank, or the attachment's “年 月 日” left empty
    match = re.fullmatch(r"(\d{4})(?:[年./-](\d{1,2})[月./-](\d{1,2})日?|(\d{2})(\d{2}))", text)
    if not match:
        raise ValueError(value)
    year, month, day = match.group(1), match.group(2) or match.group(4), match.group(3) or match.group(5)
    return dt.date(int(year), int(month), int(day))


def _head_fields(grid: _Grid, table: _Table) -> dict[str, tuple[object, str]]:
    """field -> (value, cell) for the header line, found anywhere outside the table."""
    last_row = max([*table.rows.values(), table.total_row or 0])
    last_col = max(table.columns.values())

    def inside(r: int, c: int) -> bool:
        return table.top <= r <= last_row and table.label_col <= c <= last_col

    found: dict[str, tuple[object, str]] = {}
    for (r, c), v in sorted(grid.values.items()):
        if not isinstance(v, str) or inside(r, c):
            continue
        labels = _head_labels(v)
        for i, (name, typed) in enumerate(labels):
            if name in found and found[name][0] not in (None, ""):
                continue
            value: object = typed
            cell = ref(r, c)
            if not typed and i == len(labels) - 1:  # the value sits in the next filled cell on the right
                right = _next_right(grid, r, c)
                if right is not None:
                    value, cell = grid.values[right], ref(*right)
            found[name] = (value, cell)
    return found


def _next_right(grid: _Grid, r: int, c: int) -> tuple[int, int] | None:
    for cc in range(c + 1, c + 8):
        v = grid.values.get((r, cc))
        if v is None:
            continue
        if isinstance(v, str) and _head_labels(v):
            return None  # the next label: this one was left blank
        return (r, cc)
    return None


def _sheet_table(wb) -> tuple[_Grid, _Table]:
    """The one sheet holding the table (visible sheets first)."""
    sheets = sorted(wb.worksheets, key=lambda ws: ws.sheet_state != "visible")
    hits, misses = [], []
    for ws in sheets:
        if not hasattr(ws, "_cells"):  # chart sheets
            continue
        grid = _Grid(ws)
        try:
            hits.append((ws.sheet_state == "visible", grid, _find_table(grid)))
        except _NoTable as miss:
            misses.append(miss)
    visible = [h for h in hits if h[0]] or hits
    if len(visible) > 1:
        names = "、".join(f"“{g.title}”" for _, g, _ in visible)
        refuse(f"工作簿中有多个工作表（{names}）都含有统计表；请只保留要报送的一张后再上传", field="sheet")
    if not visible:
        best = max(misses, key=lambda m: m.progress, default=None)
        detail = best.message if best and best.progress else "工作簿中没有找到统计表"
        refuse(f"{detail}。请使用下载的模板，或保留“单独开展企业”“区域”“行业”行和"
               "“发出工资集体协商要约书份数（份）”等表头", field="table")
    _, grid, table = visible[0]
    return grid, table


def _where(sheet: str, cell: str | None, label: str) -> str:
    return f"工作表“{sheet}” {cell} 单元格（{label}）" if cell else f"工作表“{sheet}”（{label}）"


def read_workbook(data: bytes, filename: str, max_bytes: int = MAX_UPLOAD_BYTES) -> ParsedWorkbook:
    """Parse one uploaded workbook. Raises WorkbookRefused listing every problem found."""
    check_container(data, filename, max_bytes)
    name = PurePath(filename or "").name or "上传的文件"
    wb = _load(data, name, data_only=True)
    grid, table = _sheet_table(wb)
    sheet = grid.title
    issues: list[CellIssue] = []
    head = _head_fields(grid, table)
    rows = [*table.rows.values(), table.total_row or table.top, *(_coords(cell)[0] for _, cell in head.values())]
    formulas = _formula_cells(data, name, sheet, min(rows), max(rows)) if _has_formulas(data) else {}

    lines: dict[str, dict[str, object]] = {k: {} for k in LINE_KINDS}
    cells: dict[tuple[str, str], str] = {}
    for kind, r in table.rows.items():
        for m, c in table.columns.items():
            cell, label = ref(r, c), f"{LINE_LABELS[kind]} · {MEASURE_LABELS[m]}"
            cells[(kind, m)] = cell
            lines[kind][m] = grid.values.get((r, c))
            issue = _cell_problem(grid, formulas, r, c)
            if issue:
                issues.append(CellIssue(sheet, cell, m, f"{_where(sheet, cell, label)}{issue}", kind))
                lines[kind][m] = "#"  # not a number: validation's cross-checks skip this cell

    totals, total_cells = {}, {}
    if table.total_row is not None:
        for m, c in table.columns.items():
            r = table.total_row
            total_cells[m], totals[m] = ref(r, c), grid.values.get((r, c))
            issues += _check_total(sheet, m, ref(r, c), totals[m], (r, c) in formulas and totals[m] is None,
                                   [lines[k][m] for k in LINE_KINDS], (r, c) in grid.errors)

    parsed = ParsedWorkbook(sheet, "", "", "", None, None, lines, cells, totals=totals, total_cells=total_cells)
    for name_, (value, cell) in head.items():
        parsed.header_cells[name_] = cell
        label = _HEAD_NAMES[name_]
        if _coords(cell) in formulas and value is None:
            issues.append(CellIssue(sheet, cell, name_, f"{_where(sheet, cell, label)}是公式，但文件中没有保存计算结果"))
            continue
        if name_ in ("filled_on", "report_date"):
            try:
                setattr(parsed, name_, _parse_date(value))
            except (ValueError, OverflowError):
                issues.append(CellIssue(sheet, cell, name_, f"{_where(sheet, cell, label)}“{value}”不是有效日期，"
                                        "请写成 2017年4月28日 或 2017-04-28"))
            continue
        text = value.strftime("%Y-%m-%d") if isinstance(value, dt.date) else str(value or "").strip()
        if name_ != "unit" and len(text) > MAX_TEXT:
            issues.append(CellIssue(sheet, cell, name_, f"{_where(sheet, cell, label)}超过 {MAX_TEXT} 个字"))
            continue
        setattr(parsed, "unit_label" if name_ == "unit" else name_, text)
    if parsed.report_date is None:
        parsed.report_date = parsed.filled_on
        parsed.header_cells.pop("report_date", None)  # a blank 统计截至 cell is not where the date came from
        if "filled_on" in parsed.header_cells:
            parsed.header_cells["report_date"] = parsed.header_cells["filled_on"]

    if issues:  # refusing anyway: add the figures' own problems so the clerk sees everything at once
        located = {(i.cell, i.field) for i in issues}
        issues += [i for i in locate(_cell_rules(parsed), parsed) if (i.cell, i.field) not in located]
        raise WorkbookRefused(issues)
    return parsed


def _coords(cell: str) -> tuple[int, int]:
    min_col, min_row, _, _ = range_boundaries(cell)
    return min_row, min_col


def _has_formulas(data: bytes) -> bool:
    """Whether any sheet holds a formula (<f> element); sheet XML is compressed, so look inside."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return any(re.search(rb"<(?:\w+:)?f[\s>/]", archive.read(i)) for i in archive.infolist()
                   if "worksheets/" in i.filename and i.filename.endswith(".xml"))


def _formula_cells(data: bytes, name: str, sheet: str, first_row: int, last_row: int) -> dict[tuple[int, int], str]:
    """(row, col) -> formula text in rows first_row..last_row of `sheet`: a second, streaming load that
    keeps formulas (the first one kept only their cached values) and reads nothing else."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
        except Exception:  # noqa: BLE001 - as in _load
            refuse(f"文件“{name}”无法读取：文件已损坏，或含有不允许的内容；{SAVE_AS}")
    try:
        found = {}
        for row in wb[sheet].iter_rows(min_row=first_row, max_row=last_row):
            for cell in row:
                if getattr(cell, "data_type", None) == "f":
                    found[(cell.row, cell.column)] = str(cell.value)
        return found
    except Exception:  # noqa: BLE001
        refuse(f"文件“{name}”无法读取：文件已损坏，或含有不允许的内容；{SAVE_AS}")
    finally:
        wb.close()


def _cell_problem(grid: _Grid, formulas: Mapping, r: int, c: int) -> str | None:
    """What is wrong with a figure's cell itself (validation judges its value)."""
    value = grid.values.get((r, c))
    if (r, c) in formulas and value is None:
        return (f"是公式 {formulas[(r, c)]}，但文件中没有保存计算结果；"
                "请在 Excel 或 WPS 中打开、保存后再上传，或直接填写数字")
    if (r, c) in grid.errors or (isinstance(value, str) and value.strip() in ERROR_CODES):
        return f"的公式出错（{value}）；请改正公式或直接填写数字"
    if value is None and (r, c) in grid.anchor and grid.values.get(grid.anchor[(r, c)]) is not None:
        return f"与 {ref(*grid.anchor[(r, c)])} 合并在一起，无法判断数字属于哪一列；请取消合并后分别填写"
    return None


def _check_total(sheet: str, m: str, cell: str, raw: object, uncomputed: bool, parts: list, error: bool
                 ) -> list[CellIssue]:
    """The 合计 row, when present, must equal the sum of the three rows. A 合计 formula without a cached
    value (our own template filled by a program) cannot be checked and is ignored: the rows count."""
    label = f"合计 · {MEASURE_LABELS[m]}"
    if uncomputed or raw is None:
        return []
    if error:
        return [CellIssue(sheet, cell, m, f"{_where(sheet, cell, label)}的公式出错（{raw}）", TOTAL)]
    total = parse_count(raw)
    if total is None or total < 0:
        return [CellIssue(sheet, cell, m, f"{_where(sheet, cell, label)}“{raw}”不是非负整数", TOTAL)]
    values = [parse_count(v) for v in parts]
    if any(v is None or v < 0 for v in values) or sum(values) == total:
        return []
    return [CellIssue(sheet, cell, m, f"{_where(sheet, cell, label)}为 {total:,}，但单独开展企业、区域、行业"
                      f"三行之和为 {sum(values):,}；请核对", TOTAL)]


def _cell_rules(parsed: ParsedWorkbook) -> list[Issue]:
    """Validation's rules on the figures alone (no campaign or previous report needed)."""
    sub = Submission(0, "-", dt.date(2000, 1, 1), parsed.lines)
    everything = Context(window_start=dt.date.min, deadline=dt.date.max)
    return [i for i in validate(sub, everything).errors if i.line is not None]


# --------------------------------------------------------------------------- locating problems


def locate(issues: Iterable[Issue], parsed: ParsedWorkbook, sub: Submission | None = None) -> list[CellIssue]:
    """Validation issues -> the sheet, cell and field they concern, in complete Chinese.

    With `sub`, a report date that was chosen explicitly (not read from the sheet) is not pinned on
    the sheet's 填报时间 cell."""
    out = []
    sheet = parsed.sheet
    for issue in issues:
        cell = None
        if issue.line in LINE_KINDS:
            cell = parsed.cells.get((issue.line, issue.field))
        elif issue.field in ("filled_on", "leader", "filled_by"):
            cell = parsed.header_cells.get(issue.field)
        elif issue.field == "unit_code":
            cell = parsed.header_cells.get("unit")
        elif issue.field == "report_date" and (sub is None or sub.report_date == parsed.report_date):
            cell = parsed.header_cells.get("report_date") if parsed.report_date else None
        message = f"工作表“{sheet}” {cell} 单元格：{issue.message}" if cell else issue.message
        out.append(CellIssue(sheet, cell, issue.field, message, issue.line))
    return out
