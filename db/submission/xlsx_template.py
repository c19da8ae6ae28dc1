"""The notice's attachment 《工资集体协商“集中要约”行动情况统计表》 as an Excel worksheet.

`write_attachment` lays the table out on an openpyxl worksheet (no request or database code, so the
snapshot export reuses it); `template_bytes` builds the download for one unit, prefilled with its
name, its 负责人/填报人 and its last figures. db/submission/xlsx_import.py reads such sheets back (by labels).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Campaign, Report, ReportLine, Unit
from domain.format import safe_cell
from domain.measures import LINE_KINDS, LINE_LABELS, MEASURES, STAGES

TITLE: Final = "工资集体协商“集中要约”行动情况统计表"
SHEET_TITLE: Final = "统计表"
XLSX_MIME: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The attachment's wording, column by column.
STAGE_HEADERS: Final = {
    "offer": "发出工资集体协商要约书份数（份）",
    "signed": "签订工资专项集体合同份数（份）",
    "filed": "审查备案数（份）",
}
PART_HEADERS: Final = ("总数", "覆盖企业数（家）", "覆盖职工数（人）")
CORNER: Final = "统计项目（单位）"
TOTAL_LABEL: Final = "合计"
NOTE: Final = "注：“单独开展企业”不计算被区域性、行业性协商覆盖的企业"
HEAD_LABELS: Final = ("单位：", "负责人：", "填报人：", "填报时间：")
DATE_FORMAT: Final = 'yyyy"年"m"月"d"日"'
NUMBER_FORMAT: Final = "#,##0"

# Layout: column A holds the row labels, B..J the nine measures in the attachment's order.
FIRST_COL: Final = 2
TITLE_ROW, HEAD_ROW, GROUP_ROW, PART_ROW, FIRST_LINE_ROW = 1, 2, 3, 4, 5
TOTAL_ROW: Final = FIRST_LINE_ROW + len(LINE_KINDS)
NOTE_ROW: Final = TOTAL_ROW + 1
LAST_COL: Final = FIRST_COL + len(MEASURES) - 1

_FONT: Final = "宋体"
_THIN = Side(style="thin", color="000000")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_HEAD_FILL = PatternFill("solid", fgColor="F2F2F2")
_INPUT_FILL = PatternFill("solid", fgColor="FFFDE7")  # the cells a clerk fills in


def cell_of(kind: str, measure: str) -> str:
    """'C6': where write_attachment puts one figure (the tests and the import use it)."""
    return f"{get_column_letter(FIRST_COL + MEASURES.index(measure))}{FIRST_LINE_ROW + LINE_KINDS.index(kind)}"


def date_cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def write_attachment(
    ws: Worksheet,
    *,
    unit_name: str,
    figures: dict[str, dict[str, int]] | None,
    leader: str = "",
    filled_by: str = "",
    filled_on: dt.date | None = None,
    report_date: dt.date | None = None,
    title: str | None = None,
    cutoff: dt.date | None = None,
    editable: bool = True,
) -> None:
    """Lay the attachment out on `ws`, starting at A1.

    `figures` (kind -> measure -> int) fills the three rows; None leaves them blank. `report_date`
    adds “（截至 …）” to the title. `cutoff` adds the notice's “时间截止到…” to the note. With
    `editable` (a template) the 合计 row holds SUM formulas and the input cells accept only whole
    numbers >= 0; without it (an export) the 合计 row holds the values, so any viewer shows them.
    """
    heading = title or TITLE
    if report_date is not None:
        heading += f"（截至{date_cn(report_date)}）"
    ws.title = SHEET_TITLE if ws.title.startswith("Sheet") else ws.title
    _title(ws, heading)
    _header_line(ws, unit_name, leader, filled_by, filled_on, editable)
    _column_headers(ws)
    _lines(ws, figures, editable)
    _note(ws, cutoff)
    _page_setup(ws)


def _font(**kw) -> Font:
    return Font(name=_FONT, **kw)


def _merge(ws: Worksheet, row: int, col: int, last_row: int, last_col: int, value, **style) -> None:
    ws.cell(row, col, safe_cell(value))  # every text cell: unit names, 负责人, 填报人, the title
    if (row, col) != (last_row, last_col):
        ws.merge_cells(start_row=row, start_column=col, end_row=last_row, end_column=last_col)
    for r in range(row, last_row + 1):
        for c in range(col, last_col + 1):
            for name, attr in style.items():
                setattr(ws.cell(r, c), name, attr)


def _title(ws: Worksheet, heading: str) -> None:
    _merge(ws, TITLE_ROW, 1, TITLE_ROW, LAST_COL, heading, font=_font(size=16, bold=True),
           alignment=Alignment(horizontal="center", vertical="center"))
    ws.row_dimensions[TITLE_ROW].height = 32


def _header_line(ws: Worksheet, unit_name: str, leader: str, filled_by: str, filled_on: dt.date | None,
                 editable: bool) -> None:
    """单位：[B:C]  负责人：[E]  填报人：[G]  填报时间：[I:J], labels and values in separate cells."""
    left = Alignment(horizontal="left", vertical="center")
    right = Alignment(horizontal="right", vertical="center")
    fill = {"fill": _INPUT_FILL} if editable else {}
    layout = [(1, (2, 3), unit_name), (4, (5, 5), leader), (6, (7, 7), filled_by), (8, (9, 10), filled_on)]
    for label, (col, (first, last), value) in zip(HEAD_LABELS, layout, strict=True):
        ws.cell(HEAD_ROW, col, label).font = _font(bold=True)
        ws.cell(HEAD_ROW, col).alignment = right
        _merge(ws, HEAD_ROW, first, HEAD_ROW, last, value, font=_font(), alignment=left, **fill)
    ws.cell(HEAD_ROW, 9).number_format = DATE_FORMAT
    ws.row_dimensions[HEAD_ROW].height = 24


def _column_headers(ws: Worksheet) -> None:
    style = {"font": _font(bold=True), "alignment": _CENTER, "border": _BOX, "fill": _HEAD_FILL}
    _merge(ws, GROUP_ROW, 1, PART_ROW, 1, CORNER, **style)
    for i, stage in enumerate(STAGES):
        first = FIRST_COL + 3 * i
        _merge(ws, GROUP_ROW, first, GROUP_ROW, first + 2, STAGE_HEADERS[stage], **style)
        for j, part in enumerate(PART_HEADERS):
            _merge(ws, PART_ROW, first + j, PART_ROW, first + j, part, **style)
    ws.row_dimensions[GROUP_ROW].height = 36
    ws.row_dimensions[PART_ROW].height = 36
    ws.column_dimensions["A"].width = 16
    for col in range(FIRST_COL, LAST_COL + 1):
        ws.column_dimensions[get_column_letter(col)].width = 13


def _lines(ws: Worksheet, figures: dict[str, dict[str, int]] | None, editable: bool) -> None:
    label_style = {"font": _font(bold=True), "alignment": _CENTER, "border": _BOX}
    number = Alignment(horizontal="right", vertical="center")
    for i, kind in enumerate((*LINE_KINDS, None)):
        row = FIRST_LINE_ROW + i
        _merge(ws, row, 1, row, 1, LINE_LABELS[kind] if kind else TOTAL_LABEL, **label_style)
        for j, m in enumerate(MEASURES):
            col = FIRST_COL + j
            cell = ws.cell(row, col)
            if kind is not None:
                value = (figures or {}).get(kind, {}).get(m)
                cell.value = int(value) if value is not None else None
                if editable:
                    cell.fill = _INPUT_FILL
            elif editable:
                letter = get_column_letter(col)
                cell.value = f"=SUM({letter}{FIRST_LINE_ROW}:{letter}{TOTAL_ROW - 1})"
            elif figures is not None:
                cell.value = sum(int((figures.get(k) or {}).get(m) or 0) for k in LINE_KINDS)
            cell.number_format = NUMBER_FORMAT
            cell.border = _BOX
            cell.alignment = number
            cell.font = _font(bold=kind is None)
        ws.row_dimensions[row].height = 24
    if editable:
        first, last = cell_of(LINE_KINDS[0], MEASURES[0]), cell_of(LINE_KINDS[-1], MEASURES[-1])
        check = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                               showErrorMessage=True, errorTitle="数值不正确", error="请填写大于或等于 0 的整数")
        check.add(f"{first}:{last}")
        ws.add_data_validation(check)


def _note(ws: Worksheet, cutoff: dt.date | None) -> None:
    text = NOTE + (f"；时间截止到{date_cn(cutoff)}。" if cutoff else "。")
    _merge(ws, NOTE_ROW, 1, NOTE_ROW, LAST_COL, text, font=_font(size=10),
           alignment=Alignment(horizontal="left", vertical="center", wrap_text=True))
    ws.row_dimensions[NOTE_ROW].height = 22


def _page_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


def workbook_bytes(**attachment) -> bytes:
    """A one-sheet workbook holding write_attachment(**attachment), as .xlsx bytes."""
    wb = Workbook()
    write_attachment(wb.active, **attachment)
    wb.properties.creator = "集中要约行动监测"
    wb.properties.title = attachment.get("title") or TITLE
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def last_report(session: Session, campaign_id: int, unit_id: int) -> tuple[Report, dict] | None:
    """The unit's latest report of the campaign (highest date, then version) and its figures."""
    report = session.scalars(
        select(Report)
        .where(Report.campaign_id == campaign_id, Report.unit_id == unit_id)
        .order_by(Report.report_date.desc(), Report.version.desc())
        .limit(1)
    ).first()
    if report is None:
        return None
    lines = session.scalars(select(ReportLine).where(ReportLine.report_id == report.id)).all()
    return report, {ln.kind: {m: getattr(ln, m) for m in MEASURES} for ln in lines}


def template_bytes(session: Session, unit_code: str, campaign_id: int) -> bytes:
    """The attachment for one unit, prefilled with its name and the 负责人, 填报人 and figures of its
    last report in the campaign. 填报时间 stays blank: the clerk dates each new report.
    Raises LookupError when the unit or campaign does not exist."""
    unit = session.scalar(select(Unit).where(Unit.code == unit_code))
    campaign = session.get(Campaign, campaign_id)
    if unit is None or campaign is None:
        raise LookupError(f"unit {unit_code!r} or campaign {campaign_id!r} not found")
    last = last_report(session, campaign.id, unit.id)
    report, figures = last if last else (None, None)
    return workbook_bytes(
        unit_name=unit.name,
        figures=figures,
        leader=report.leader if report else "",
        filled_by=report.filled_by if report else "",
        cutoff=campaign.cutoff_date,
    )


def download_name(unit_name: str) -> str:
    return f"{unit_name}-集中要约行动情况统计表.xlsx"
