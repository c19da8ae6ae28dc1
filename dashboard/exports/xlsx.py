"""XLSX: the notice's attachment layout for the city total and for every unit, plus flat data.

Sheets: 全市合计 and one per unit, each laid out by db/xlsx_template.write_attachment (merged
group headers, the three rows and 合计, the note; values, not formulas, so any viewer shows them);
then 数据 (one row per unit, every figure, numbers as numbers) and 快照信息 (title, stamp, filters).

A snapshot of an area whose children have units of their own (a province: its cities) is laid out
for that size instead: 全省合计 (the attachment layout of the area's three rows), 各市汇总 (one row
per child), one sheet per child that has units of its own, listing them (a city's counties and
off-map units, with the city's 合计 row last), 全部县区 (every county-level unit of the area, flat, with its province and
city) and 快照信息. Numbers are numbers, rates carry a percent format, dates are dates.
"""

from __future__ import annotations

import datetime as dt
import io
import re

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dashboard.exports import content
from db.submission.xlsx_template import write_attachment
from domain.format import safe_cell

INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _figures(lines: list[dict]) -> dict[str, dict[str, int]]:
    return {line["kind"]: {k: v for k, v in line.items() if k not in ("kind", "label")} for line in lines}


def _sheet_name(name: str, used: set[str]) -> str:
    base = INVALID_SHEET_CHARS.sub("_", name)[:31] or "单位"
    candidate, n = base, 2
    while candidate in used:
        candidate = f"{base[:28]}({n})"
        n += 1
    used.add(candidate)
    return candidate


# The tables of an area's spreadsheet: (key, header). Rates get a percent format, dates a date format.
FIGURE_COLUMNS = tuple((k, h) for k, h in content.FLAT_COLUMNS
                       if k not in ("code", "name", "kind", "last_report_date", "lagging", "lagging_reasons"))
AREA_COLUMNS = (("code", "单位代码"), ("name", "单位"), ("kind", "类别"), ("units", "单位数"),
                ("units_reported", "已报送单位数"), ("last_report_date", "最近报送日期"), *FIGURE_COLUMNS)
LEAF_COLUMNS = (("province", "省"), ("city", "市"), ("code", "单位代码"), ("name", "单位"), ("kind", "类别"),
                ("last_report_date", "最近报送日期"), *FIGURE_COLUMNS)
# What the children of an area are called in the summary sheet's name, by the area's level.
CHILD_WORDS = {"nation": "各省", "province": "各市", "city": "各县区"}


def _value(key: str, value):
    if key == "last_report_date":
        return content.day(value)
    return safe_cell(value)


def _table(ws, columns, rows: list[dict], extra: list[tuple[str, list]] = ()) -> None:
    """A header row, one row per dict (numbers as numbers), then `extra` rows (label, values) in bold."""
    ws.append([safe_cell(h) for _, h in columns])
    for row in rows:
        ws.append([_value(k, row.get(k)) for k, _ in columns])
    for values in extra:
        ws.append(values)
        for c in ws[ws.max_row]:
            c.font = Font(bold=True)
    for c in ws[1]:
        c.font = Font(bold=True)
    for i, (key, _) in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = 18 if key in ("name", "city", "province") else 13
        fmt = "0.0%" if key in content.RATE_KEYS else "yyyy-mm-dd" if key == "last_report_date" else None
        if fmt:
            for (c,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                c.number_format = fmt
    ws.freeze_panes = "C2" if columns[0][0] == "code" else "E2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(ws.max_row, 1)}"


def _total_row(columns, name: str, totals: dict) -> list:
    return [name if k == "name" else _value(k, totals.get(k)) if k not in ("code", "kind", "last_report_date",
                                                                           "province", "city") else None
            for k, _ in columns]


def _info(wb: Workbook, doc: dict, used: set[str]) -> None:
    info = wb.create_sheet(_sheet_name("快照信息", used))
    area = [("区域", " › ".join(doc["area"]["path"]))] if doc.get("area") else []
    for key, value in (("标题", doc["title"]), ("备注", doc.get("note") or ""), ("", content.stamp(doc)),
                       ("快照编号", doc.get("id")), ("行动", doc["filters"]["campaign_name"]), *area,
                       ("截至日期", doc["filters"]["as_of"]), ("指标", doc["filters"]["metric_label"]),
                       ("数据版本", doc["data_version"])):
        info.append([key, safe_cell(value)])
    info.column_dimensions["A"].width = 12
    info.column_dimensions["B"].width = 80


def _save(wb: Workbook, doc: dict) -> bytes:
    wb.properties.creator = "集中要约行动监测"
    wb.properties.title = doc["title"]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def nested(doc: dict) -> bool:
    """An area whose children have units of their own (a province and its cities)."""
    return bool(doc.get("area")) and any(u.get("children") for u in doc["units"])


def build_area(doc: dict) -> bytes:
    """The spreadsheet of an area with grandchildren (see the module doc)."""
    as_of: dt.date = content.day(doc["filters"]["as_of"])
    cutoff = content.day(doc["campaign"].get("cutoff_date"))
    word = content.area_word(doc)
    wb = Workbook()
    used: set[str] = set()
    total = wb.active
    total.title = _sheet_name(f"{word}合计", used)
    write_attachment(total, unit_name=f"{doc['area']['name']}合计", figures=_figures(doc["lines"]), report_date=as_of,
                     cutoff=cutoff, editable=False)
    summary = wb.create_sheet(_sheet_name(f"{CHILD_WORDS.get(doc['area']['level'], '下级')}汇总", used))
    lag = {x["code"] for x in doc["lagging"]}
    columns = (*AREA_COLUMNS, ("lagging", "是否落后"))
    rows = [{**u, "lagging": "是" if u["code"] in lag else "否"} for u in doc["units"]]
    _table(summary, columns, rows, [_total_row(columns, f"{word}合计", doc["kpis"]["now"])])
    names = set()
    for unit in doc["units"]:
        if not unit.get("children"):
            continue  # a child without units of its own (省直系统): on the summary and the flat sheet only
        ws = wb.create_sheet(_sheet_name(unit["name"], used | names | {"全部县区", "快照信息"}))
        names.add(ws.title)
        _table(ws, AREA_COLUMNS, unit.get("children") or [], [_total_row(AREA_COLUMNS, f"{unit['name']}合计", unit)])
    used |= names
    flat = wb.create_sheet(_sheet_name("全部县区", used))
    _table(flat, LEAF_COLUMNS, doc.get("leaves") or [])
    _info(wb, doc, used)
    return _save(wb, doc)


def build(doc: dict) -> bytes:
    if nested(doc):
        return build_area(doc)
    as_of = content.day(doc["filters"]["as_of"])
    cutoff = content.day(doc["campaign"].get("cutoff_date"))
    wb = Workbook()
    used: set[str] = set()
    city = wb.active
    total_name = f"{content.area_word(doc)}合计"
    city.title = _sheet_name(total_name, used)
    write_attachment(city, unit_name=total_name, figures=_figures(doc["lines"]), report_date=as_of, cutoff=cutoff,
                     editable=False)
    for unit in doc["units"]:
        ws = wb.create_sheet(_sheet_name(unit["name"], used))
        reported = unit.get("last_report_date") is not None
        write_attachment(ws, unit_name=unit["name"], figures=_figures(unit["lines"]) if reported else None,
                         leader=unit.get("leader") or "", filled_by=unit.get("filled_by") or "",
                         filled_on=content.day(unit.get("filled_on")), report_date=as_of, cutoff=cutoff,
                         editable=False)

    data = wb.create_sheet(_sheet_name("数据", used))
    headers, rows = content.flat_rows(doc)
    data.append([safe_cell(h) for h in headers])
    for cell in data[1]:
        cell.font = Font(bold=True)
    for row in rows:
        data.append([safe_cell(v) for v in row])
    rate_cols = {i for i, (k, _) in enumerate(content.FLAT_COLUMNS, start=1) if k in content.RATE_KEYS}
    for col in range(1, len(headers) + 1):
        data.column_dimensions[get_column_letter(col)].width = 14 if col > 2 else 18
        if col in rate_cols:
            for (cell,) in data.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.number_format = "0.0%"
    data.freeze_panes = "C2"
    data.auto_filter.ref = data.dimensions

    _info(wb, doc, used)
    return _save(wb, doc)


def export(doc: dict, progress=None) -> bytes:
    if progress:
        progress(1, 1, "生成 Excel")
    return build(doc)
