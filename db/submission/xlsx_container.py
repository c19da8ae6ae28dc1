"""Checks on an uploaded .xlsx file as a container, made before openpyxl opens anything: openpyxl reads
whatever it is given (a merged range is expanded cell by cell, a zip bomb is inflated in memory), so
size, zip entry count, sizes and ratios, encryption, macros, the kind of document, the cell count and
the merged ranges are all checked first, on the raw bytes and the zip directory.

Every refusal is a WorkbookRefused carrying CellIssues in plain Chinese (the same types the label
reader in db/submission/xlsx_import.py raises).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Final

from openpyxl.utils import range_boundaries

from domain.errors import UserError

MAX_UPLOAD_BYTES: Final = 5 * 1024 * 1024  # default; the app's UPLOAD_MAX_BYTES overrides
MAX_UNCOMPRESSED_BYTES: Final = 40 * 1024 * 1024  # all zip entries together, as declared
MAX_RATIO: Final = 100  # uncompressed / compressed, for entries above RATIO_FLOOR
RATIO_FLOOR: Final = 1024 * 1024
MAX_ENTRIES: Final = 1000
MAX_CELLS: Final = 200_000  # <c> elements over all sheets
MAX_MERGED_CELLS: Final = 100_000  # cells covered by merged ranges (openpyxl creates each one)
OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, and password-protected .xlsx
MACRO_EXTENSIONS: Final = (".xlsm", ".xltm", ".xlam")

SAVE_AS = "请在 Excel 或 WPS 中打开，另存为“Excel 工作簿（*.xlsx）”后再上传"


@dataclass(frozen=True)
class CellIssue:
    """One problem with a workbook. `message` is complete Chinese naming sheet, cell and field."""

    sheet: str
    cell: str | None
    field: str  # a measure name, a header field (unit, leader, filled_by, filled_on, report_date) or "file"
    message: str
    line: str | None = None  # a kind of domain.measures.LINE_KINDS, "total", or None


class WorkbookRefused(UserError):
    """The workbook cannot be imported; `issues` says every reason found."""

    def __init__(self, issues: list[CellIssue]):
        self.issues = list(issues)
        super().__init__("；".join(i.message for i in self.issues))



def refuse(message: str, *, field: str = "file", sheet: str = "", cell: str | None = None):
    raise WorkbookRefused([CellIssue(sheet, cell, field, message)])



def human_size(size: int) -> str:
    """'5.0 MB', '12.3 KB'."""
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def check_container(data: bytes, filename: str, max_bytes: int = MAX_UPLOAD_BYTES) -> None:
    """Refuse anything that is not a plain, reasonably sized .xlsx before openpyxl parses it."""
    name = PurePath(filename or "").name or "上传的文件"
    ext = PurePath(name).suffix.lower()
    if not data:
        refuse(f"文件“{name}”是空的（0 字节）")
    if len(data) > max_bytes:
        refuse(f"文件“{name}”大小 {human_size(len(data))}，超过上限 {human_size(max_bytes)}；请只保留统计表后再上传")
    if ext in MACRO_EXTENSIONS:
        refuse(f"文件“{name}”是启用宏的工作簿（{ext}），为安全起见不接受；请另存为“Excel 工作簿（*.xlsx）”后再上传")
    if data.startswith(OLE_MAGIC):
        refuse(f"文件“{name}”是旧版 Excel（.xls）或 WPS（.et）格式，或设置了打开密码；{SAVE_AS}（如有密码，请先取消）")
    if not data.startswith(b"PK\x03\x04"):
        if data.lstrip()[:1] == b"<":
            refuse(f"文件“{name}”是网页或 XML 格式，不是 Excel 工作簿；{SAVE_AS}")
        if _looks_like_text(data):
            refuse(f"文件“{name}”是文本（如 CSV）文件，不是 Excel 工作簿；{SAVE_AS}")
        refuse(f"文件“{name}”不是 Excel 工作簿（.xlsx）；{SAVE_AS}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        refuse(f"文件“{name}”已损坏，无法打开；{SAVE_AS}")
    with archive:
        _check_entries(archive, infos, name)


def _check_entries(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], name: str) -> None:
    bomb = f"文件“{name}”解压后异常庞大（疑似“压缩炸弹”），已拒绝；请只保留统计表后再上传"
    if len(infos) > MAX_ENTRIES:
        refuse(f"文件“{name}”内部包含 {len(infos)} 个部件，超过上限 {MAX_ENTRIES}；请只保留统计表后再上传")
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        refuse(bomb)
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            refuse(bomb)
        if info.flag_bits & 0x1:
            refuse(f"文件“{name}”已加密；请取消密码后，另存为“Excel 工作簿（*.xlsx）”再上传")
    names = {i.filename for i in infos}
    try:
        if "mimetype" in names and b"opendocument" in archive.read("mimetype"):
            refuse(f"文件“{name}”是 OpenDocument 表格（.ods）；{SAVE_AS}")
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            refuse(f"文件“{name}”含有宏（VBA），为安全起见不接受；请另存为“Excel 工作簿（*.xlsx）”后再上传")
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        if b"macroEnabled" in types:
            refuse(f"文件“{name}”是启用宏的工作簿，为安全起见不接受；请另存为“Excel 工作簿（*.xlsx）”后再上传")
        if "xl/workbook.bin" in names:
            refuse(f"文件“{name}”是 Excel 二进制工作簿（.xlsb）；{SAVE_AS}")
        if b"spreadsheetml" not in types:
            kind = "Word 文档" if "word/document.xml" in names else "PowerPoint 演示文稿" if any(
                n.startswith("ppt/") for n in names) else "压缩包"
            refuse(f"文件“{name}”是 {kind}，不是 Excel 工作簿；请上传统计表的 .xlsx 文件")
        cells = merged = 0
        for info in infos:
            if info.filename.endswith(".xml"):
                xml = archive.read(info)
                cells += len(_CELL_TAG.findall(xml))
                merged += sum(_area(m) for m in _MERGE_REF.findall(xml))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError):  # CRC, compression method
        refuse(f"文件“{name}”已损坏，无法打开；{SAVE_AS}")
    if cells > MAX_CELLS:
        refuse(f"文件“{name}”含有 {cells:,} 个单元格，超过上限 {MAX_CELLS:,}；请只保留统计表所在的工作表后再上传")
    if merged > MAX_MERGED_CELLS:
        refuse(f"文件“{name}”的合并单元格范围过大（共 {merged:,} 个单元格）；请取消不必要的合并后再上传")


_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Za-z0-9:$]+)\"")


def _area(ref: bytes) -> int:
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii").replace("$", ""))
    except (ValueError, TypeError):
        return 0
    if None in (min_col, min_row, max_col, max_row):  # whole rows/columns: as big as the sheet
        return MAX_MERGED_CELLS + 1
    return (max_col - min_col + 1) * (max_row - min_row + 1)
