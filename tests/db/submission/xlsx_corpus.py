"""A corpus of workbooks, built by the tests themselves: the ways districts retype the attachment,
and the broken or hostile files an upload must refuse.

`handmade(...)` lays a table out the way a clerk might; the byte-level helpers patch the sheet XML
for what openpyxl cannot write (cached formula values, error values, hostile constructs).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from openpyxl import Workbook

from db.submission.xlsx_template import workbook_bytes
from domain.measures import INDUSTRY, LINE_KINDS, MEASURES, REGIONAL, SINGLE

# A valid table (every validation rule holds), figures chosen so no two cells are equal.
FIGURES: dict[str, dict[str, int]] = {
    SINGLE: dict(zip(MEASURES, (120, 120, 8450, 100, 100, 7300, 90, 90, 6800))),
    REGIONAL: dict(zip(MEASURES, (15, 320, 21873, 12, 260, 18020, 10, 200, 15500))),
    INDUSTRY: dict(zip(MEASURES, (8, 150, 9600, 6, 120, 7900, 5, 100, 6400))),
}
TOTALS = {m: sum(FIGURES[k][m] for k in LINE_KINDS) for m in MEASURES}  # 143, 590, 39923, 118, ...
ROW_LABELS = {SINGLE: "单独开展企业", REGIONAL: "区域", INDUSTRY: "行业"}
GROUPS = ("发出工资集体协商要约书份数（份）", "签订工资专项集体合同份数（份）", "审查备案数（份）")
PARTS = ("总数", "覆盖企业数（家）", "覆盖职工数（人）")
SINGLE_ROW = ("发出要约书份数", "发出要约覆盖企业数", "发出要约覆盖职工数", "签订合同份数", "签订合同覆盖企业数",
              "签订合同覆盖职工数", "审查备案数", "审查备案覆盖企业数", "审查备案覆盖职工数")
DAY = dt.date(2017, 4, 28)


def _fullwidth(text: str) -> str:
    return text.translate(str.maketrans("0123456789,", "０１２３４５６７８９，"))


def styled(value: int, style: str):
    if style == "text":
        return f"{value:,}"
    if style == "fullwidth":
        return _fullwidth(f"{value:,}")
    if style == "float":
        return float(value)
    return value


def save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def handmade(
    *,
    row0: int = 1,
    col0: int = 1,
    gap_rows: int = 0,  # blank rows between the header line and the table
    gap_col: bool = False,  # a blank column between the row labels and the figures
    header: str = "cells",  # cells | one_cell | below | none
    headers: str = "merged",  # merged | first (unmerged, label over the first column) | single_row | none
    label: dict[str, str] | None = None,
    part_labels: tuple[str, ...] = PARTS,
    figures: dict[str, dict[str, object]] | None = None,
    style: str = "int",
    total: str = "none",  # none | values | wrong
    order: tuple[str, ...] = LINE_KINDS,
    unit: str = "兰山区总工会",
    leader: str = "王建国",
    filled_by: str = "刘敏",
    filled_on: object = "2017年4月28日",
    title: str | None = "工资集体协商“集中要约”行动情况统计表",
    sheet: str = "Sheet1",
    before: tuple[str, ...] = (),  # names of sheets (with some text) placed before the table's sheet
) -> bytes:
    """A table as a clerk might type it into a fresh workbook."""
    wb = Workbook()
    for i, name in enumerate(before):
        ws = wb.active if i == 0 else wb.create_sheet()
        ws.title = name
        ws["A1"] = "填写说明：请按通知附件填写，单独开展企业每家一份。"
    ws = wb.active if not before else wb.create_sheet()
    ws.title = sheet
    label = {**ROW_LABELS, **(label or {})}
    figures = figures or FIGURES
    r, c = row0, col0
    first = c + 1 + (1 if gap_col else 0)  # first figure column
    head = [("单位：", unit), ("负责人：", leader), ("填报人：", filled_by), ("填报时间：", filled_on)]
    if title:
        ws.cell(r, c, title)
        r += 2
    if header == "cells":
        for i, (name, value) in enumerate(head):
            ws.cell(r, c + 2 * i, name)
            ws.cell(r, c + 2 * i + 1, value)
        r += 1
    elif header == "one_cell":
        ws.cell(r, c, "   ".join(f"{name}{value}" for name, value in head))
        r += 1
    r += gap_rows
    ws.cell(r, c, "统计项目（单位）")
    if headers in ("merged", "first"):
        for i, group in enumerate(GROUPS):
            ws.cell(r, first + 3 * i, group)
            if headers == "merged":
                ws.merge_cells(start_row=r, start_column=first + 3 * i, end_row=r, end_column=first + 3 * i + 2)
        ws.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c)
        r += 1
    if headers == "single_row":
        for i, text in enumerate(SINGLE_ROW):
            ws.cell(r, first + i, text)
    else:
        for i in range(9):
            ws.cell(r, first + i, part_labels[i % 3])
    r += 1
    for kind in order:
        ws.cell(r, c, label[kind])
        for i, m in enumerate(MEASURES):
            value = figures[kind].get(m)
            ws.cell(r, first + i, styled(value, style) if isinstance(value, int) else value)
        r += 1
    if total != "none":
        ws.cell(r, c, "合  计")
        for i, m in enumerate(MEASURES):
            ws.cell(r, first + i, TOTALS[m] + (1 if total == "wrong" and i == 4 else 0))
        r += 1
    ws.cell(r, c, "注：“单独开展企业”不计算被区域性、行业性协商覆盖的企业；时间截止到2017年5月底。")
    if header == "below":  # some in one cell, some as label and value cells, without colons
        r += 2
        for col, value in ((c, f"单位：{unit}"), (c + 2, "负责人"), (c + 3, leader), (c + 5, f"填报人：{filled_by}"),
                           (c + 7, "填报时间"), (c + 8, filled_on)):
            ws.cell(r, col, value)
    return save(wb)


def template(figures=FIGURES, **kw) -> bytes:
    """Our own template, filled in (a programmatic fill: the 合计 formulas have no cached values)."""
    return workbook_bytes(unit_name=kw.pop("unit_name", "兰山区"), figures=figures,
                          leader=kw.pop("leader", "王建国"), filled_by=kw.pop("filled_by", "刘敏"),
                          filled_on=kw.pop("filled_on", DAY), **kw)


# --- byte-level patches ---------------------------------------------------------------------------


def patch(data: bytes, edit, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    """Rewrite one part of the zip with `edit(text) -> text`."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == part:
                body = edit(body.decode("utf-8")).encode("utf-8")
            dst.writestr(info.filename, body)
    return out.getvalue()


def add_parts(data: bytes, parts: dict[str, bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        for name, body in parts.items():
            dst.writestr(name, body)
    return out.getvalue()


def cached(data: bytes, values: dict[str, object]) -> bytes:
    """Give formula cells cached values, as Excel does when it saves (openpyxl writes none)."""

    def edit(xml: str) -> str:
        for ref, value in values.items():
            xml, n = re.subn(rf'(<c r="{ref}"[^>]*>(?:<f>[^<]*</f>))<v\s*/?>(?:</v>)?', rf"\g<1><v>{value}</v>", xml)
            assert n == 1, ref
        return xml

    return patch(data, edit)


def formula_cells(data: bytes, formulas: dict[str, str]) -> bytes:
    """Replace the given cells by formulas (no cached value) via openpyxl."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    for ref, formula in formulas.items():
        ws[ref] = formula
    return save(wb)


def error_value(data: bytes, ref: str, error: str = "#DIV/0!") -> bytes:
    """Make `ref` a formula whose cached result is an Excel error."""
    data = formula_cells(data, {ref: "=1/0"})

    def edit(xml: str) -> str:
        xml, n = re.subn(rf'<c r="{ref}"([^>]*)><f>([^<]*)</f><v\s*/?>(?:</v>)?',
                         rf'<c r="{ref}"\1 t="e"><f>\2</f><v>{error}</v>', xml)
        assert n == 1
        return xml

    return patch(data, edit)


def zip_of(parts: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return out.getvalue()


# --- hostile and broken files -----------------------------------------------------------------------

CSV = "单位,兰山区\n统计项目,总数,覆盖企业数\n单独开展企业,120,120\n".encode("gb18030")
HTML = b"<html><body><table><tr><td>\xe5\x8c\xba\xe5\x9f\x9f</td></tr></table></body></html>"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # the start of a legacy .xls (compound file)


def zip_bomb(size: int = 60 * 1024 * 1024) -> bytes:
    """A well-formed-looking workbook whose sheet inflates to `size` bytes of nothing."""
    good = zipfile.ZipFile(io.BytesIO(template()))
    parts = {i.filename: good.read(i) for i in good.infolist()}
    parts["xl/worksheets/sheet1.xml"] = b"<a>" + b" " * size + b"</a>"
    return zip_of(parts)


def ratio_bomb() -> bytes:
    """Under the total size cap, but one entry compresses over a thousand times."""
    return zip_bomb(size=8 * 1024 * 1024)


def huge_merge() -> bytes:
    """A tiny file whose merged range covers the whole sheet (openpyxl would create every cell)."""
    return patch(template(), lambda xml: re.sub(r"<mergeCells count=\"(\d+)\">",
                                                r'<mergeCells count="1"><mergeCell ref="A20:XFD1048576"/></mergeCells>'
                                                r'<mergeCells count="\1">', xml, count=1))


def too_many_cells(n: int = 250_000) -> bytes:
    """Many empty-looking cells: under the size limits, over the cell count limit."""
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{col}{r}" t="n"><v>1</v></c>' for col in "KLMNO") + "</row>"
                   for r in range(20, 20 + n // 5))
    return patch(template(), lambda xml: xml.replace("</sheetData>", rows + "</sheetData>", 1))


def entity_bomb() -> bytes:
    """The 'billion laughs' XML entity expansion inside the sheet."""
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
              + "]>")

    def edit(xml: str) -> str:
        body = xml.split("?>", 1)[1] if xml.startswith("<?xml") else xml
        return laughs + body.replace("<sheetData>", "<sheetData><row r=\"40\"><c r=\"A40\" t=\"inlineStr\"><is><t>&lol9;</t>"
                                     "</is></c></row>", 1)

    return patch(template(), edit)


def macro_workbook() -> bytes:
    """A workbook carrying VBA and the macro-enabled content type."""
    data = add_parts(template(), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake vba"})
    return patch(data, lambda xml: xml.replace("spreadsheetml.sheet.main+xml",
                                               "ms-excel.sheet.macroEnabled.main+xml"), part="[Content_Types].xml")


def docx() -> bytes:
    return zip_of({"[Content_Types].xml": b'<Types><Override ContentType="application/vnd.openxmlformats-'
                   b'officedocument.wordprocessingml.document.main+xml"/></Types>',
                   "word/document.xml": b"<w:document/>"})


def ods() -> bytes:
    return zip_of({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"},
                  method=zipfile.ZIP_STORED)


def truncated() -> bytes:
    data = template()
    return data[: len(data) // 2]


def encrypted_entry() -> bytes:
    """A zip whose entries are flagged as encrypted."""
    data = bytearray(template())
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        start = 0
        while (i := data.find(sig, start)) >= 0:
            flag_at = i + (6 if sig == b"PK\x03\x04" else 8)
            data[flag_at] |= 1
            start = i + 4
    return bytes(data)


def no_table() -> bytes:
    wb = Workbook()
    wb.active["B2"] = "兰山区2017年工作总结"
    wb.active["B4"] = "今年以来，我区集中要约行动进展顺利。"
    return save(wb)


def two_sheets() -> bytes:
    wb = Workbook()
    for name in ("四月", "五月"):
        ws = wb.active if name == "四月" else wb.create_sheet(name)
        ws.title = name
        ws["A3"] = "统计项目"
        for i, text in enumerate(PARTS * 3):
            ws.cell(4, 2 + i, text)
        for j, kind in enumerate(LINE_KINDS):
            ws.cell(5 + j, 1, ROW_LABELS[kind])
    return save(wb)


def forged_bomb(size: int = 256 * 1024 * 1024, declared: int = 4096) -> bytes:
    """A workbook of a few hundred KB whose sheet inflates to `size` bytes while every zip header
    (local and central) declares only `declared` bytes: the size checks on the headers all pass."""
    good = zipfile.ZipFile(io.BytesIO(template()))
    target = "xl/worksheets/sheet1.xml"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in good.infolist():
            if info.filename != target:
                out.writestr(info.filename, good.read(info))
        with out.open(target, "w") as sheet:
            chunk = b" " * (1024 * 1024)
            sheet.write(b"<a>")
            for _ in range(size // len(chunk)):
                sheet.write(chunk)
            sheet.write(b"</a>")
    data = bytearray(buf.getvalue())
    at = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(target).header_offset
    data[at + 22:at + 26] = declared.to_bytes(4, "little")  # local header: uncompressed size
    central = data.find(b"PK\x01\x02")  # walk the central directory to the target's entry
    name = target.encode()
    while central != -1:
        n = int.from_bytes(data[central + 28:central + 30], "little")
        if data[central + 46:central + 46 + n] == name:
            data[central + 24:central + 28] = declared.to_bytes(4, "little")
            break
        central = data.find(b"PK\x01\x02", central + 4)
    else:
        raise AssertionError("central directory entry not found")
    return bytes(data)
