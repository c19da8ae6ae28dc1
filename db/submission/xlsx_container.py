"""Checks on an uploaded .xlsx file as a container, made before openpyxl opens anything: openpyxl reads
whatever it is given (a merged range is expanded cell by cell, a zip bomb is inflated in memory), so
size, zip entry count, sizes and ratios, encryption, macros, the kind of document, the cell count and
the merged ranges are all checked first, on the raw bytes and the zip directory.

Zip headers are not trusted: every entry is inflated here, from its raw compressed bytes, in bounded
chunks, counting the bytes actually produced under a hard cap per entry (MAX_ENTRY_BYTES) and in total
(MAX_UNCOMPRESSED_BYTES). An entry whose real size or CRC differs from what the headers declare is
refused. So once the check passes, each entry inflates to exactly its declared size, and openpyxl
(which reads the same bytes through zipfile, whole entries at a time) allocates no more than the caps.

Every refusal is a WorkbookRefused carrying CellIssues in plain Chinese (the same types the label
reader in db/submission/xlsx_import.py raises).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import Final

from openpyxl.utils import range_boundaries

from domain.errors import UserError

MAX_UPLOAD_BYTES: Final = 5 * 1024 * 1024  # default; the app's UPLOAD_MAX_BYTES overrides
MAX_UNCOMPRESSED_BYTES: Final = 40 * 1024 * 1024  # all zip entries together: as declared and as inflated
MAX_ENTRY_BYTES: Final = 20 * 1024 * 1024  # one zip entry, as inflated (a full 200,000-cell sheet is ~10 MB)
INFLATE_CHUNK: Final = 256 * 1024  # bytes produced per step while inflating
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
        _check_entries(data, infos, name)


def _too_big_in_total(name: str, advice: str = "请只保留统计表后再上传") -> str:
    return f"文件“{name}”解压后总计超过上限 {human_size(MAX_UNCOMPRESSED_BYTES)}（疑似“压缩炸弹”），已拒绝；{advice}"


def _check_entries(data: bytes, infos: list[zipfile.ZipInfo], name: str) -> None:
    bomb = f"文件“{name}”解压后异常庞大（疑似“压缩炸弹”），已拒绝；请只保留统计表后再上传"
    if len(infos) > MAX_ENTRIES:
        refuse(f"文件“{name}”内部包含 {len(infos)} 个部件，超过上限 {MAX_ENTRIES}；请只保留统计表后再上传")
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:  # as declared: refused without inflating
        refuse(_too_big_in_total(name))
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            refuse(bomb)
        if info.flag_bits & 0x1:
            refuse(f"文件“{name}”已加密；请取消密码后，另存为“Excel 工作簿（*.xlsx）”再上传")
    names = {i.filename for i in infos}
    kept: dict[str, bytes] = {}  # the two small parts whose content decides the kind of document
    cells = merged = 0
    for info, chunks in _inflated(data, infos, name):
        scan = _TagCounter() if info.filename.endswith(".xml") else None
        keep = info.filename in ("mimetype", "[Content_Types].xml")
        parts: list[bytes] = []
        for chunk in chunks:
            if scan is not None:
                scan.feed(chunk)
            if keep:
                parts.append(chunk)
        if scan is not None:
            scan.close()
            cells, merged = cells + scan.cells, merged + scan.merged
        if keep:
            kept[info.filename] = b"".join(parts)
    if b"opendocument" in kept.get("mimetype", b""):
        refuse(f"文件“{name}”是 OpenDocument 表格（.ods）；{SAVE_AS}")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        refuse(f"文件“{name}”含有宏（VBA），为安全起见不接受；请另存为“Excel 工作簿（*.xlsx）”后再上传")
    types = kept.get("[Content_Types].xml", b"")
    if b"macroEnabled" in types:
        refuse(f"文件“{name}”是启用宏的工作簿，为安全起见不接受；请另存为“Excel 工作簿（*.xlsx）”后再上传")
    if "xl/workbook.bin" in names:
        refuse(f"文件“{name}”是 Excel 二进制工作簿（.xlsb）；{SAVE_AS}")
    if b"spreadsheetml" not in types:
        kind = "Word 文档" if "word/document.xml" in names else "PowerPoint 演示文稿" if any(
            n.startswith("ppt/") for n in names) else "压缩包"
        refuse(f"文件“{name}”是 {kind}，不是 Excel 工作簿；请上传统计表的 .xlsx 文件")
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


def check_inflated(data: bytes, filename: str, advice: str = "请只保留统计表后再上传") -> None:
    """Only the zip checks, for any .xlsx read elsewhere: every entry inflated under the caps, its real size
    and CRC equal to its headers. Raises WorkbookRefused (Chinese, naming the file and the limit)."""
    name = PurePath(filename or "").name or "上传的文件"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        refuse(f"文件“{name}”已损坏，无法打开；{SAVE_AS}")
    if len(infos) > MAX_ENTRIES:
        refuse(f"文件“{name}”内部包含 {len(infos)} 个部件，超过上限 {MAX_ENTRIES}；{advice}")
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        refuse(_too_big_in_total(name, advice))
    for _, chunks in _inflated(data, infos, name, advice):
        for _ in chunks:
            pass


def _inflated(data: bytes, infos: list[zipfile.ZipInfo], name: str, advice: str = "请只保留统计表后再上传"
              ) -> Iterator[tuple[zipfile.ZipInfo, Iterator[bytes]]]:
    """(entry, its inflated chunks) for every entry, refusing as soon as an entry or the total goes over
    its cap, and at the end of an entry whose size or CRC differs from its headers. Consume each entry's
    chunks before asking for the next entry."""
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            refuse(f"文件“{name}”已加密；请取消密码后，另存为“Excel 工作簿（*.xlsx）”再上传")
        counted = {"size": 0, "crc": 0}

        def chunks(info=info, counted=counted):
            nonlocal total
            for chunk in _inflate(data, info, name):
                counted["size"] += len(chunk)
                total += len(chunk)
                if counted["size"] > MAX_ENTRY_BYTES:
                    refuse(f"文件“{name}”中的部件“{info.filename[:100]}”解压后超过上限 "
                           f"{human_size(MAX_ENTRY_BYTES)}（疑似“压缩炸弹”），已拒绝；{advice}")
                if total > MAX_UNCOMPRESSED_BYTES:
                    refuse(_too_big_in_total(name, advice))
                counted["crc"] = zlib.crc32(chunk, counted["crc"])
                yield chunk
            if counted["size"] != info.file_size or counted["crc"] != info.CRC:
                refuse(f"文件“{name}”已损坏（部件“{info.filename[:100]}”解压后的实际大小与文件中记录的不符）；"
                       f"{SAVE_AS}")

        yield info, chunks()


def _inflate(data: bytes, info: zipfile.ZipInfo, name: str) -> Iterator[bytes]:
    """The bytes of one entry, inflated from its raw compressed data in chunks of at most INFLATE_CHUNK,
    whatever its headers declare (zipfile's own whole-entry read inflates everything in one go)."""
    broken = f"文件“{name}”已损坏，无法打开；{SAVE_AS}"
    view = memoryview(data)
    at = info.header_offset
    head = bytes(view[at:at + 30])
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        refuse(broken)
    start = at + 30 + int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")
    end = start + info.compress_size
    if end > len(data):
        refuse(broken)
    if info.compress_type == zipfile.ZIP_STORED:
        for pos in range(start, end, INFLATE_CHUNK):
            yield bytes(view[pos:min(pos + INFLATE_CHUNK, end)])
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:  # Excel and WPS write only these two
        refuse(broken)
    inflater = zlib.decompressobj(-15)
    try:
        for pos in range(start, end, INFLATE_CHUNK):
            pending = view[pos:min(pos + INFLATE_CHUNK, end)]
            while pending:
                out = inflater.decompress(pending, INFLATE_CHUNK)
                pending = inflater.unconsumed_tail
                if out:
                    yield out
                if inflater.eof:
                    return
        if not inflater.eof:
            refuse(broken)
    except zlib.error:
        refuse(broken)


class _TagCounter:
    """Counts cell tags and merged-range areas in XML fed in chunks, holding at most a short tail."""

    TAIL = 4096  # a tag that long is not one we count

    def __init__(self):
        self.cells = self.merged = 0
        self._tail = b""

    def _count(self, text: bytes) -> None:
        self.cells += len(_CELL_TAG.findall(text))
        self.merged += sum(_area(m) for m in _MERGE_REF.findall(text))

    def feed(self, chunk: bytes) -> None:
        text = self._tail + chunk
        cut = text.rfind(b"<")  # matches start at "<": keep the last, maybe unfinished, tag for later
        if cut < 0 or len(text) - cut > self.TAIL:
            self._tail = b""
            self._count(text)
        else:
            self._tail = text[cut:]
            self._count(text[:cut])

    def close(self) -> None:
        self._count(self._tail)
        self._tail = b""
