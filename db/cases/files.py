"""Uploaded files: checks, storage on disk, thumbnails, and the metadata row. Reusable by any feature.

- Accepted: photos jpg/png (opened and fully decoded with Pillow: a file that is not an image is
  refused), video mp4 (size limit; an `ftyp` box is required), documents docx/pdf (zip structure
  with word/document.xml, or a PDF header, trailer and pages pypdf can read).
- Limits are configurable (`Limits`, from app config UPLOAD_MAX_PHOTO / _VIDEO / _DOC in bytes);
  defaults 5 MB photos, 200 MB video, 20 MB documents.
- Bytes are stored under the upload directory (app config or environment UPLOAD_DIR, default
  instance/uploads/) with random names; the database keeps only metadata (`StoredFile`). Files are
  looked up by id and served by their stored name, never by a name a user typed.
- Photos are stored re-encoded, without their metadata: EXIF (camera, time, GPS position), XMP and
  comments are dropped, after the EXIF orientation has been applied to the pixels (`process_photo`).
  Only the colour profile and PNG transparency are kept. `size`, `sha256`, `width` and `height` of
  the row describe the stored file, not the upload.
- Photos are bounded in pixels and in memory: at most MAX_PIXELS (24 million: 6000×4000, the largest
  common camera output; phones default to about 12 million), refused from the header before any
  decoding. Photos above STORE_MAX_PIXELS (16 million) are stored at a half, a third, ... of their
  size: a JPEG is decoded directly at that size (`draft`), a PNG is reduced right after decoding.
  Each photo is decoded once (check, orientation, metadata and thumbnail from the same pixels), and at
  most IMAGE_WORKERS photos are decoded at once per process; an upload that waits longer than
  IMAGE_WAIT_SECONDS for its turn is refused ("服务器正在处理其他图片…请稍后再试").
- Slow work stays out of write transactions: `prepare` copies, checks and processes an upload into
  temporary files without any database session; `store` then only renames them into place and adds
  the row. Callers prepare before they open their write transaction (SQLite has a single writer).
- A refused upload leaves nothing: the stream is copied to a temporary file in the upload
  directory and checked there, and only a file that passed is renamed into place. Files written in
  a transaction that later rolls back are removed too (a session hook, see `_track`).

Every refusal raises `FileRejected` with a Chinese message that names the file.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import hashlib
import io
import os
import re
import secrets
import tempfile
import threading
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from PIL import Image
from sqlalchemy import event
from sqlalchemy.orm import Session

from db.engine import ROOT
from db.models.cases import StoredFile
from domain.errors import UserError

MB = 1024 * 1024
DEFAULT_DIR = ROOT / "instance" / "uploads"
THUMB_SIZE = (480, 360)
MAX_PIXELS = 24_000_000  # 6000×4000; more is a decompression bomb (a 49 MP PNG can be 200 KB), not a photo
STORE_MAX_PIXELS = 16_000_000  # larger photos are stored reduced (a 12 MP phone photo is kept as it is)
IMAGE_WORKERS = 1  # photos decoded at once per process: each may take ~100 MB while it is decoded
IMAGE_WAIT_SECONDS = 30.0
IMAGE_SLOTS = threading.BoundedSemaphore(IMAGE_WORKERS)
MAX_DOCX_UNCOMPRESSED = 200 * MB
MAX_DOCX_ENTRIES = 5_000
CHUNK = 1 * MB

# extension -> (kind, content type)
TYPES: dict[str, tuple[str, str]] = {
    ".jpg": ("photo", "image/jpeg"),
    ".jpeg": ("photo", "image/jpeg"),
    ".png": ("photo", "image/png"),
    ".mp4": ("video", "video/mp4"),
    ".pdf": ("doc", "application/pdf"),
    ".docx": ("doc", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
KIND_LABELS = {"photo": "图片", "video": "视频", "doc": "文档"}
ACCEPT_TEXT = {"photo": "jpg、png 图片", "video": "mp4 视频", "doc": "docx、pdf 文档"}
_PIL_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
_STORED_NAME = re.compile(r"^[A-Za-z0-9_-]{8,64}(\.thumb)?\.(jpg|jpeg|png|mp4|pdf|docx)$")
_SESSION_KEY = "jizhong_new_files"


class FileRejected(UserError):
    """An upload that is not accepted. `message` is Chinese and names the file."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Photos one case save may carry: bounds the callback body (6 × 5 MB photos ≈ 40 MB of base64) and the
# memory it takes to parse it. A clerk adds more by saving again.
MAX_PHOTOS_PER_SAVE = 6


@dataclass(frozen=True)
class Limits:
    photo: int = 5 * MB
    video: int = 200 * MB
    doc: int = 20 * MB

    def of(self, kind: str) -> int:
        return getattr(self, kind)


DEFAULT_LIMITS = Limits()


def limits_from(config: Mapping | None) -> Limits:
    config = config or {}
    defaults = Limits()
    return Limits(
        photo=int(config.get("UPLOAD_MAX_PHOTO") or defaults.photo),
        video=int(config.get("UPLOAD_MAX_VIDEO") or defaults.video),
        doc=int(config.get("UPLOAD_MAX_DOC") or defaults.doc),
    )


def upload_dir(config: Mapping | None = None) -> Path:
    """App config UPLOAD_DIR, else the environment's UPLOAD_DIR, else instance/uploads/."""
    value = (config or {}).get("UPLOAD_DIR") or os.environ.get("UPLOAD_DIR")
    return Path(value) if value else DEFAULT_DIR


def size_text(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n / 1024:.0f} KB"


def display_name(filename: str | None) -> str:
    """The user's file name for display and downloads only: last path part, no control characters."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if c.isprintable()).strip()
    return name[:200] or "未命名文件"


def kind_of(filename: str | None) -> tuple[str, str, str] | None:
    """(kind, extension, content type) by extension, or None for a type we never accept."""
    ext = os.path.splitext(display_name(filename))[1].lower()
    if ext not in TYPES:
        return None
    kind, content_type = TYPES[ext]
    return kind, ext, content_type


def accepted_text(kinds: tuple[str, ...]) -> str:
    return "、".join(ACCEPT_TEXT[k] for k in kinds)


# --- checks on a file on disk (pure apart from reading it) -----------------------------------------


_BAD_IMAGE = "“{}”不是有效的图片文件，无法打开（只接受 jpg、png 图片）"
_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning)


def check_image(path: Path, ext: str, name: str) -> tuple[int, int]:
    """Check the header without decoding: the format must match the extension and the pixels stay within
    MAX_PIXELS; `verify` checks the structure (PNG chunk checksums). Returns (width, height).
    The pixels are decoded later, once, by `process_photo` (a truncated image fails there)."""
    expected = _PIL_FORMATS[ext]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                fmt, size = im.format, im.size
                if size[0] * size[1] > MAX_PIXELS:
                    raise FileRejected(
                        f"“{name}”有 {size[0]}×{size[1]} 像素（约 {size[0] * size[1] / 10_000:.0f} 万），"
                        f"超过图片上限 {MAX_PIXELS // 10_000} 万像素；请缩小到 {MAX_PIXELS // 10_000} 万像素以内"
                        "（如 6000×4000）后再上传")
                im.verify()
    except FileRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:  # far too many pixels
        raise FileRejected(f"“{name}”的像素过多，超过图片上限 {MAX_PIXELS // 10_000} 万像素；请缩小到 "
                           f"{MAX_PIXELS // 10_000} 万像素以内（如 6000×4000）后再上传") from exc
    except _IMAGE_ERRORS as exc:
        raise FileRejected(_BAD_IMAGE.format(name)) from exc
    if fmt != expected:
        actual = {"JPEG": "JPG", "PNG": "PNG"}.get(fmt or "", fmt or "未知")
        raise FileRejected(f"“{name}”的内容是 {actual} 格式，与扩展名 {ext} 不符，请另存为正确格式后上传")
    return size


def check_mp4(path: Path, name: str) -> None:
    with path.open("rb") as f:
        head = f.read(12)
    if len(head) < 12 or head[4:8] != b"ftyp":
        raise FileRejected(f"“{name}”不是有效的 mp4 视频文件")


def check_docx(path: Path, name: str) -> None:
    bad = f"“{name}”不是有效的 Word 文档（docx），可能已损坏或只是改了扩展名"
    with path.open("rb") as f:
        if f.read(4) != b"PK\x03\x04":
            raise FileRejected(bad)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                raise FileRejected(bad)
            if len(infos) > MAX_DOCX_ENTRIES or sum(i.file_size for i in infos) > MAX_DOCX_UNCOMPRESSED:
                raise FileRejected(f"“{name}”解压后过大，拒绝接收")
            with zf.open("[Content_Types].xml") as ct:
                if b"wordprocessingml" not in ct.read(1 * MB):
                    raise FileRejected(bad)
    except (zipfile.BadZipFile, OSError, KeyError) as exc:
        raise FileRejected(bad) from exc


def check_pdf(path: Path, name: str) -> None:
    bad = f"“{name}”不是有效的 PDF 文件，可能已损坏或只是改了扩展名"
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(1024)
        f.seek(max(0, size - 2048))
        tail = f.read()
    if b"%PDF-" not in head or b"%%EOF" not in tail:
        raise FileRejected(bad)
    try:
        from pypdf import PdfReader

        if len(PdfReader(str(path), strict=False).pages) < 1:
            raise FileRejected(f"“{name}”是空的 PDF（没有页面）")
    except FileRejected:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors for broken files
        raise FileRejected(bad) from exc


def _digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


_ORIENTATION = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
                4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
                7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}


def reduction(size: tuple[int, int]) -> int:
    """The factor a photo of `size` is stored reduced by: 1, or the least integer that brings it within
    STORE_MAX_PIXELS (a power of two for JPEG, whose decoder scales by 1/2, 1/4, 1/8)."""
    factor = 1
    while size[0] * size[1] > STORE_MAX_PIXELS * factor * factor:
        factor += 1
    return factor


def process_photo(path: Path, ext: str, name: str, thumb: Path) -> tuple[int, int]:
    """Decode a checked photo once, reduced if it is large; rewrite it in place without EXIF (GPS
    included), XMP or comments, the EXIF orientation applied to the pixels so it still shows upright;
    write its JPEG thumbnail to `thumb`. Returns the stored (width, height).

    Re-encoding (not editing the EXIF block) leaves no metadata segment behind, whatever the camera
    wrote. A JPEG is re-encoded at quality 92: a small loss, once, at upload time. Only the colour
    profile and PNG transparency are kept.
    """
    fmt = _PIL_FORMATS[ext]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                factor = reduction(opened.size)
                if fmt == "JPEG" and factor > 1:
                    scale = 1 << (factor - 1).bit_length()  # the decoder's power of two at or above factor
                    opened.draft(opened.mode, (opened.size[0] // scale, opened.size[1] // scale))
                orientation = opened.getexif().get(0x0112)
                icc, transparency = opened.info.get("icc_profile"), opened.info.get("transparency")
                opened.load()  # the one full decode; a truncated image fails here
                pixels = opened
                if pixels.size[0] * pixels.size[1] > STORE_MAX_PIXELS:  # a PNG (or a JPEG draft could not)
                    pixels = _reduced(pixels, reduction(pixels.size))
            del opened  # from here on only `pixels` holds decoded pixels: each step frees the one before
            if orientation in _ORIENTATION:
                pixels = pixels.transpose(_ORIENTATION[orientation])
            pixels.info = {}  # nothing reaches the encoder unless passed below
            options: dict = {"icc_profile": icc} if icc else {}
            if fmt == "JPEG":  # optimized Huffman tables buffer the whole image once more: small photos only
                options.update(quality=92, optimize=pixels.size[0] * pixels.size[1] <= 2_000_000)
            elif transparency is not None and pixels.mode in ("P", "L", "RGB"):
                options["transparency"] = transparency
            clean = path.with_name(path.name + ".clean")
            try:
                pixels.save(clean, fmt, **options)
                os.replace(clean, path)
            except BaseException:
                clean.unlink(missing_ok=True)
                raise
            _thumbnail(pixels, thumb)
            return pixels.size
    except FileRejected:
        raise
    except _IMAGE_ERRORS as exc:
        raise FileRejected(_BAD_IMAGE.format(name)) from exc


def _reduced(im: Image.Image, factor: int) -> Image.Image:
    """`im` a `factor` smaller: averaged where the mode allows it; palette, 1-bit and 16-bit images take
    every factor-th pixel (averaging palette indices would make up colours)."""
    if im.mode in ("L", "LA", "RGB", "RGBA", "CMYK", "I", "F"):
        return im.reduce(factor)
    return im.resize((max(1, im.size[0] // factor), max(1, im.size[1] // factor)), Image.Resampling.NEAREST)


def _thumbnail(im: Image.Image, target: Path) -> None:
    """A JPEG fitted into THUMB_SIZE, built without copying the full-size pixels."""
    ratio = min(THUMB_SIZE[0] / im.size[0], THUMB_SIZE[1] / im.size[1], 1.0)
    size = (max(1, round(im.size[0] * ratio)), max(1, round(im.size[1] * ratio)))
    small = im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0) if size != im.size else im
    if small.mode not in ("RGB", "L"):
        background = Image.new("RGB", small.size, "white")
        background.paste(small, mask=small.convert("RGBA").split()[-1])
        small = background
    small.convert("RGB").save(target, "JPEG", quality=82)


def return_freed_memory_to_os() -> None:
    """Have glibc give big freed buffers back to the OS at once (Linux; elsewhere nothing happens).

    glibc raises its mmap threshold to the size of every big block it frees, after which blocks of that
    size come from per-thread heaps that keep them: decoded images (Pillow allocates 16 MB blocks) then
    stay resident in every server thread that ever decoded one (eight uploads left about 1 GB behind).
    A fixed threshold of 1 MB keeps big buffers mmapped, so they are returned when freed."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 1024 * 1024)
    except (OSError, AttributeError):
        pass


_M_MMAP_THRESHOLD = -3


class _ImageSlot:
    """At most IMAGE_WORKERS photos decoded at once in this process; a long wait is refused."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        if not IMAGE_SLOTS.acquire(timeout=IMAGE_WAIT_SECONDS):
            raise FileRejected(f"服务器正在处理其他图片，“{self.name}”未保存；请稍后再试")

    def __exit__(self, *_):
        IMAGE_SLOTS.release()


# --- storing -------------------------------------------------------------------------------------


@dataclass
class Prepared:
    """An upload checked and processed into temporary files in `directory`, not yet stored: `store`
    renames the files into place and adds the row. `discard` removes whatever was not stored."""

    kind: str
    ext: str
    content_type: str
    name: str
    size: int
    sha256: str
    directory: Path
    tmp: Path
    thumb_tmp: Path | None = None
    width: int | None = None
    height: int | None = None
    stored: bool = field(default=False, repr=False)

    def discard(self) -> None:
        if not self.stored:
            for leftover in (self.tmp, self.thumb_tmp):
                if leftover is not None:
                    leftover.unlink(missing_ok=True)


def prepare(stream: BinaryIO | bytes, filename: str | None, *, allowed: tuple[str, ...], directory: Path,
            limits: Limits | None = None) -> Prepared:
    """Copy, check and process an upload into temporary files in `directory`, outside any transaction
    (this is the slow part: decoding, stripping metadata, the thumbnail). Raises FileRejected, leaving
    nothing behind."""
    name = display_name(filename)
    found = kind_of(filename)
    if found is None or found[0] not in allowed:
        raise FileRejected(f"“{name}”的类型不支持：只接受 {accepted_text(allowed)}")
    kind, ext, content_type = found
    limit = (limits or DEFAULT_LIMITS).of(kind)
    if isinstance(stream, bytes | bytearray):
        stream = io.BytesIO(stream)
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".upload-", suffix=ext, dir=directory)
    ready = Prepared(kind, ext, content_type, name, 0, "", directory, Path(tmp_name))
    try:
        digest, size = hashlib.sha256(), 0
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise FileRejected(f"“{name}”超过{KIND_LABELS[kind]}大小上限 {size_text(limit)}，请压缩后再上传")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise FileRejected(f"“{name}”是空文件")
        ready.size, ready.sha256 = size, digest.hexdigest()
        if kind == "photo":
            with _ImageSlot(name):
                check_image(ready.tmp, ext, name)
                ready.thumb_tmp = ready.tmp.with_name(ready.tmp.name + ".thumb")
                ready.width, ready.height = process_photo(ready.tmp, ext, name, ready.thumb_tmp)
            ready.sha256, ready.size = _digest(ready.tmp)  # of the stored photo (no EXIF/GPS)
        elif kind == "video":
            check_mp4(ready.tmp, name)
        elif ext == ".docx":
            check_docx(ready.tmp, name)
        else:
            check_pdf(ready.tmp, name)
    except BaseException:
        ready.discard()
        raise
    return ready


@contextmanager
def prepared(uploads: Iterable[tuple[BinaryIO | bytes, str | None]], *, allowed: tuple[str, ...], directory: Path,
             limits: Limits | None = None) -> Iterator[list[Prepared]]:
    """Prepare every upload before the caller's write transaction; whatever is not stored is removed on
    leaving the block (a refusal of one upload discards the others)."""
    ready: list[Prepared] = []
    try:
        for stream, filename in uploads:
            ready.append(prepare(stream, filename, allowed=allowed, directory=directory, limits=limits))
        yield ready
    finally:
        for upload in ready:
            upload.discard()


def store(
    session: Session,
    stream: BinaryIO | bytes | Prepared,
    filename: str | None,
    *,
    allowed: tuple[str, ...],
    actor: str,
    directory: Path,
    limits: Limits | None = None,
    now: dt.datetime | None = None,
    stem: str | None = None,
) -> StoredFile:
    """Store an upload under `directory` with a random name and add its metadata row (flushed).

    Pass a `Prepared` upload (see `prepare`) so that no slow work happens inside the caller's write
    transaction; raw bytes or a stream are prepared here. `stem` fixes the stored name (the
    deterministic demo only). Raises FileRejected, leaving no file and no row; a file stored in a
    transaction that later rolls back is removed by a session hook.
    """
    ready = stream if isinstance(stream, Prepared) else prepare(stream, filename, allowed=allowed,
                                                                  directory=directory, limits=limits)
    try:
        if ready.kind not in allowed:
            raise FileRejected(f"“{ready.name}”的类型不支持：只接受 {accepted_text(allowed)}")
        if ready.directory != directory:
            raise ValueError("a prepared upload is stored in the directory it was prepared in")
        deterministic = stem is not None
        stem = stem or secrets.token_hex(16)
        storage_name = f"{stem}{'.jpg' if ready.ext == '.jpeg' else ready.ext}"
        thumb_name = f"{stem}.thumb.jpg" if ready.thumb_tmp else None
        os.replace(ready.tmp, directory / storage_name)
        if ready.thumb_tmp is not None:
            os.replace(ready.thumb_tmp, directory / thumb_name)
        ready.stored = True
    finally:
        ready.discard()
    written = [directory / storage_name] + ([directory / thumb_name] if thumb_name else [])
    if not deterministic:  # a demo file may be shared by several demo databases: never removed
        _track(session, written)
    row = StoredFile(
        kind=ready.kind, content_type=ready.content_type, storage_name=storage_name, thumb_name=thumb_name,
        original_name=ready.name, size=ready.size, sha256=ready.sha256, width=ready.width, height=ready.height,
        uploaded_by=actor[:50], uploaded_at=now or dt.datetime.now().replace(microsecond=0),
    )
    session.add(row)
    try:
        session.flush()
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return row


def _track(session: Session, paths: list[Path]) -> None:
    """Remember files written in this transaction: removed on rollback, forgotten on commit."""
    pending = session.info.get(_SESSION_KEY)
    if pending is None:
        pending = session.info[_SESSION_KEY] = []

        @event.listens_for(session, "after_commit")
        def _committed(s):
            s.info.get(_SESSION_KEY, []).clear()

        @event.listens_for(session, "after_rollback")
        def _rolled_back(s):
            for path in s.info.get(_SESSION_KEY, []):
                path.unlink(missing_ok=True)
            s.info.get(_SESSION_KEY, []).clear()

    pending.extend(paths)


def path_of(directory: Path, storage_name: str | None) -> Path | None:
    """The path of a stored file, or None if the name is not one we generate (no traversal)."""
    if not storage_name or not _STORED_NAME.fullmatch(storage_name):
        return None
    path = (directory / storage_name).resolve()
    if path.parent != directory.resolve():
        return None
    return path


def get(session: Session, file_id: int) -> StoredFile | None:
    return session.get(StoredFile, file_id)
