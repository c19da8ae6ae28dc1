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
  comments are dropped, after the EXIF orientation has been applied to the pixels (`strip_metadata`).
  Only the colour profile and PNG transparency are kept. `size`, `sha256`, `width` and `height` of
  the row describe the stored file, not the upload.
- A refused upload leaves nothing: the stream is copied to a temporary file in the upload
  directory and checked there, and only a file that passed is renamed into place. Files written in
  a transaction that later rolls back are removed too (a session hook, see `_track`).

Every refusal raises `FileRejected` with a Chinese message that names the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import secrets
import tempfile
import unicodedata
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageOps
from sqlalchemy import event
from sqlalchemy.orm import Session

from db.engine import ROOT
from db.models.cases import StoredFile
from domain.errors import UserError

MB = 1024 * 1024
DEFAULT_DIR = ROOT / "instance" / "uploads"
THUMB_SIZE = (480, 360)
MAX_PIXELS = 50_000_000  # a 5 MB "photo" of more pixels is a decompression bomb, not a photo
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


def check_image(path: Path, ext: str, name: str) -> tuple[int, int]:
    """Open and fully decode the image; its format must match the extension. Returns (width, height)."""
    expected = _PIL_FORMATS[ext]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                fmt, size = im.format, im.size
                if size[0] * size[1] > MAX_PIXELS:
                    raise FileRejected(f"“{name}”的像素过多（{size[0]}×{size[1]}），请缩小后再上传")
                im.verify()
            with Image.open(path) as im:
                im.load()  # verify() does not decode: a truncated image fails only here
    except FileRejected:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FileRejected(f"“{name}”不是有效的图片文件，无法打开（只接受 jpg、png 图片）") from exc
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


def strip_metadata(path: Path, ext: str) -> tuple[int, int]:
    """Rewrite a checked photo in place without EXIF (GPS included), XMP or comments, the EXIF
    orientation applied to the pixels first so the photo still shows upright. Returns its (width, height).

    Re-encoding (not editing the EXIF block) leaves no metadata segment behind, whatever the camera
    wrote. A JPEG is re-encoded at quality 92: a small loss, once, at upload time.
    """
    fmt = _PIL_FORMATS[ext]
    with Image.open(path) as im:
        upright = ImageOps.exif_transpose(im)  # a new image; the original stays open for its info
        icc = im.info.get("icc_profile")
        transparency = im.info.get("transparency")
    upright.info = {}  # drops exif, xmp, comment, text chunks: nothing reaches the encoder unless passed below
    options: dict = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        options.update(quality=92, optimize=True)
    elif transparency is not None and upright.mode in ("P", "L", "RGB"):
        options["transparency"] = transparency
    clean = path.with_name(path.name + ".clean")
    try:
        upright.save(clean, fmt, **options)
        os.replace(clean, path)
    except BaseException:
        clean.unlink(missing_ok=True)
        raise
    return upright.size


def _digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def make_thumbnail(source: Path, target: Path) -> None:
    with Image.open(source) as im:
        im = ImageOps.exif_transpose(im)
        im.thumbnail(THUMB_SIZE)
        if im.mode not in ("RGB", "L"):
            background = Image.new("RGB", im.size, "white")
            background.paste(im, mask=im.convert("RGBA").split()[-1])
            im = background
        im.convert("RGB").save(target, "JPEG", quality=82)


# --- storing -------------------------------------------------------------------------------------


def store(
    session: Session,
    stream: BinaryIO | bytes,
    filename: str | None,
    *,
    allowed: tuple[str, ...],
    actor: str,
    directory: Path,
    limits: Limits | None = None,
    now: dt.datetime | None = None,
    stem: str | None = None,
) -> StoredFile:
    """Check an upload, store it under `directory` with a random name, add its metadata row (flushed).

    `stem` fixes the stored name (the deterministic demo only). Raises FileRejected, leaving no file
    and no row; a file stored in a transaction that later rolls back is removed by a session hook.
    """
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
    tmp = Path(tmp_name)
    thumb_tmp: Path | None = None
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
        width = height = None
        sha = digest.hexdigest()
        if kind == "photo":
            check_image(tmp, ext, name)
            width, height = strip_metadata(tmp, ext)  # the stored photo carries no EXIF/GPS
            sha, size = _digest(tmp)
            thumb_tmp = tmp.with_name(tmp.name + ".thumb")
            make_thumbnail(tmp, thumb_tmp)
        elif kind == "video":
            check_mp4(tmp, name)
        elif ext == ".docx":
            check_docx(tmp, name)
        else:
            check_pdf(tmp, name)
        deterministic = stem is not None
        stem = stem or secrets.token_hex(16)
        storage_name = f"{stem}{'.jpg' if ext == '.jpeg' else ext}"
        thumb_name = f"{stem}.thumb.jpg" if thumb_tmp else None
        os.replace(tmp, directory / storage_name)
        if thumb_tmp is not None:
            os.replace(thumb_tmp, directory / thumb_name)
    except BaseException:
        for leftover in (tmp, thumb_tmp):
            if leftover is not None:
                leftover.unlink(missing_ok=True)
        raise
    written = [directory / storage_name] + ([directory / thumb_name] if thumb_name else [])
    if not deterministic:  # a demo file may be shared by several demo databases: never removed
        _track(session, written)
    row = StoredFile(
        kind=kind, content_type=content_type, storage_name=storage_name, thumb_name=thumb_name, original_name=name,
        size=size, sha256=sha, width=width, height=height, uploaded_by=actor[:50],
        uploaded_at=now or dt.datetime.now().replace(microsecond=0),
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
