"""XLSX: the notice's attachment layout for the city total and for every unit, plus flat data.

Sheets: 全市合计 and one per unit, each laid out by db/xlsx_template.write_attachment (merged
group headers, the three rows and 合计, the note; values, not formulas, so any viewer shows them);
then 数据 (one row per unit, every figure, numbers as numbers) and 快照信息 (title, stamp, filters).
"""

from __future__ import annotations

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


def build(doc: dict) -> bytes:
    as_of = content.day(doc["filters"]["as_of"])
    cutoff = content.day(doc["campaign"].get("cutoff_date"))
    wb = Workbook()
    used: set[str] = set()
    city = wb.active
    city.title = _sheet_name("全市合计", used)
    write_attachment(city, unit_name="全市合计", figures=_figures(doc["lines"]), report_date=as_of, cutoff=cutoff,
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

    info = wb.create_sheet(_sheet_name("快照信息", used))
    for key, value in (("标题", doc["title"]), ("备注", doc.get("note") or ""), ("", content.stamp(doc)),
                       ("快照编号", doc.get("id")), ("行动", doc["filters"]["campaign_name"]),
                       ("截至日期", doc["filters"]["as_of"]), ("指标", doc["filters"]["metric_label"]),
                       ("数据版本", doc["data_version"])):
        info.append([key, safe_cell(value)])
    info.column_dimensions["A"].width = 12
    info.column_dimensions["B"].width = 80
    wb.properties.creator = "集中要约行动监测"
    wb.properties.title = doc["title"]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export(doc: dict, progress=None) -> bytes:
    if progress:
        progress(1, 1, "生成 Excel")
    return build(doc)
