"""Upload checks and storage (db/cases/files.py): what is accepted, what is refused (with a Chinese message),
and that a refusal or a rollback leaves no file and no row."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest
from PIL import Image
from sqlalchemy import func, select

from db.cases import files
from db.demo.cases import photo, summary_docx
from db.engine import read_session, write_session
from db.models.cases import StoredFile


def jpeg(size=(64, 48), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 100, 200, 128)).save(out, "PNG")
    return out.getvalue()


def pdf() -> bytes:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 200


@pytest.fixture
def up(tmp_path):
    """The upload directory (tmp_path also holds the SQLite test database)."""
    return tmp_path / "uploads"


def rows(engine) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(StoredFile))


def listing(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def store(engine, directory, data, name, allowed=("photo",), limits=None):
    with write_session(engine) as s:
        row = files.store(s, data, name, allowed=allowed, actor="tester", directory=directory, limits=limits)
        return row.id, row.storage_name, row.thumb_name, row.kind, row.content_type, row.width, row.height, row.size


def test_fil001_jpeg_is_stored_with_a_random_name_and_a_thumbnail(engine, up):
    data = photo(__import__("random").Random(1))
    file_id, name, thumb, kind, ctype, w, h, size = store(engine, up, data, "C:\\fakepath\\签约 仪式.JPG")
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", name) and thumb == name[:-4] + ".thumb.jpg"
    stored = (up / name).read_bytes()  # re-encoded without metadata (fil012), so not the uploaded bytes
    assert (kind, ctype, w, h, size) == ("photo", "image/jpeg", 720, 480, len(stored))
    with Image.open(up / name) as im:
        assert im.format == "JPEG" and im.size == (720, 480)
    with Image.open(up / thumb) as im:
        assert im.format == "JPEG" and im.size == (480, 320)  # 720x480 fitted into 480x360
    assert listing(up) == sorted([name, thumb])  # no temporary file left
    with read_session(engine) as s:
        row = s.get(StoredFile, file_id)
        assert row.original_name == "签约 仪式.JPG" and row.uploaded_by == "tester"
        assert row.sha256 == hashlib.sha256(stored).hexdigest()  # of the file we serve


def test_fil002_png_with_transparency_gets_a_jpeg_thumbnail(engine, up):
    _, name, thumb, kind, ctype, w, h, _ = store(engine, up, png(), "a.png")
    assert name.endswith(".png") and ctype == "image/png" and (w, h) == (40, 30)
    with Image.open(up / thumb) as im:
        assert im.mode == "RGB" and im.size == (40, 30)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"GIF89a....", "动图.gif", "“动图.gif”的类型不支持：只接受 jpg、png 图片"),
        (b"MZ\x90\x00", "setup.exe", "“setup.exe”的类型不支持：只接受 jpg、png 图片"),
        (b"no extension", "README", "“README”的类型不支持：只接受 jpg、png 图片"),
        (b"%PDF-1.4", "总结.pdf", "“总结.pdf”的类型不支持：只接受 jpg、png 图片"),
        (b"this is plain text, not a picture", "photo.jpg", "“photo.jpg”不是有效的图片文件，无法打开"),
        (jpeg()[:200], "truncated.jpg", "“truncated.jpg”不是有效的图片文件，无法打开"),
        (png(), "really-png.jpg", "“really-png.jpg”的内容是 PNG 格式，与扩展名 .jpg 不符"),
        (b"", "empty.png", "“empty.png”是空文件"),
    ],
)
def test_fil003_refused_uploads_leave_nothing(engine, up, data, name, message):
    with pytest.raises(files.FileRejected) as exc:
        store(engine, up, data, name)
    assert message in exc.value.message
    assert listing(up) == [] and rows(engine) == 0


def test_fil004_oversize_is_refused_with_the_limit_named(engine, up):
    limits = files.Limits(photo=1000)
    data = jpeg((200, 200))
    assert len(data) > 1000
    with pytest.raises(files.FileRejected, match="“big.jpg”超过图片大小上限 1 KB"):
        store(engine, up, data, "big.jpg", limits=limits)
    assert listing(up) == [] and rows(engine) == 0
    video = files.Limits(video=100)
    with pytest.raises(files.FileRejected, match="超过视频大小上限"):
        store(engine, up, MP4, "clip.mp4", allowed=("video",), limits=video)
    assert listing(up) == [] and rows(engine) == 0


def test_fil005_default_and_configured_limits():
    assert files.Limits() == files.Limits(photo=5 * files.MB, video=200 * files.MB, doc=20 * files.MB)
    configured = files.limits_from({"UPLOAD_MAX_PHOTO": 123, "UPLOAD_MAX_DOC": "456"})
    assert (configured.photo, configured.video, configured.doc) == (123, 200 * files.MB, 456)


def test_fil006_documents_are_checked_by_structure(engine, up):
    ok_docx = store(engine, up, summary_docx("兰山区"), "总结.docx", allowed=("doc",))
    ok_pdf = store(engine, up, pdf(), "总结.pdf", allowed=("doc",))
    assert ok_docx[4] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert ok_pdf[4] == "application/pdf" and ok_docx[2] is None  # no thumbnail for documents
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as zf:
        zf.writestr("hello.txt", "not a word document")
    bad = [
        (plain_zip.getvalue(), "fake.docx", "不是有效的 Word 文档"),
        (b"just text renamed", "renamed.docx", "不是有效的 Word 文档"),
        (b"%PDF-1.4\nbroken without trailer", "broken.pdf", "不是有效的 PDF 文件"),
        (b"hello", "hello.pdf", "不是有效的 PDF 文件"),
    ]
    before = listing(up)
    for data, name, message in bad:
        with pytest.raises(files.FileRejected, match=message):
            store(engine, up, data, name, allowed=("doc",))
    assert listing(up) == before and rows(engine) == 2


def test_fil007_video_needs_an_ftyp_box(engine, up):
    assert store(engine, up, MP4, "仪式.mp4", allowed=("video",))[4] == "video/mp4"
    with pytest.raises(files.FileRejected, match="不是有效的 mp4 视频文件"):
        store(engine, up, b"\x00" * 64, "fake.mp4", allowed=("video",))
    assert rows(engine) == 1


def test_fil008_rollback_after_store_removes_the_file(engine, up):
    with pytest.raises(RuntimeError), write_session(engine) as s:
        files.store(s, jpeg(), "a.jpg", allowed=("photo",), actor="t", directory=up)
        assert len(listing(up)) == 2  # photo and thumbnail were written ...
        raise RuntimeError("a later step of the same transaction failed")
    assert listing(up) == [] and rows(engine) == 0  # ... and removed with the rollback
    # A committed file stays after a later, unrelated transaction rolls back.
    store(engine, up, jpeg(), "b.jpg")
    with pytest.raises(RuntimeError), write_session(engine):
        raise RuntimeError("unrelated")
    assert len(listing(up)) == 2 and rows(engine) == 1


def test_fil009_stored_names_only_no_traversal(tmp_path):
    good = "0123456789abcdef0123456789abcdef.jpg"
    assert files.path_of(tmp_path, good) == (tmp_path / good).resolve()
    assert files.path_of(tmp_path, "demo-0123456789abcdef.thumb.jpg") is not None
    for bad in ("../etc/passwd", "../../x.jpg", "a/b.jpg", "..", "", None, "/etc/passwd", "x.jpg",
                "0123456789abcdef.php", "0123456789abcdef.jpg/..", "..%2f0123456789abcdef.jpg"):
        assert files.path_of(tmp_path, bad) is None, bad


def test_fil010_display_names_are_harmless():
    assert files.display_name("C:\\Users\\王\\照片.jpg") == "照片.jpg"
    assert files.display_name("../../etc/passwd") == "passwd"
    assert files.display_name("a\x00b\nc.pdf") == "abc.pdf"
    assert files.display_name("") == "未命名文件"
    assert len(files.display_name("长" * 500 + ".jpg")) == 200
    assert files.kind_of("x.JPEG") == ("photo", ".jpeg", "image/jpeg")
    assert files.kind_of("x.docx")[0] == "doc" and files.kind_of("x.gif") is None


def test_fil011_upload_dir_from_config_env_or_default(monkeypatch, tmp_path):
    monkeypatch.delenv("UPLOAD_DIR", raising=False)
    assert files.upload_dir({}) == files.DEFAULT_DIR
    assert files.DEFAULT_DIR.parts[-2:] == ("instance", "uploads")
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "env"))
    assert files.upload_dir(None) == tmp_path / "env"
    assert files.upload_dir({"UPLOAD_DIR": str(tmp_path / "cfg")}) == tmp_path / "cfg"


def gps_jpeg(size=(60, 40), orientation: int = 6) -> bytes:
    """A JPEG as a phone writes it: camera make, a GPS position (临沂 城区) and a rotation flag.
    Left half red, right half blue, so the test can tell which way it was turned."""
    im = Image.new("RGB", size, (220, 20, 20))
    im.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = orientation  # Orientation: 6 = turn 90° clockwise to view
    gps = exif.get_ifd(0x8825)  # GPSInfo
    gps.update({1: "N", 2: (35.0, 3.0, 0.0), 3: "E", 4: (118.0, 21.0, 0.0)})
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


def test_fil012_jpeg_exif_and_gps_are_stripped_and_orientation_applied(engine, up):
    data = gps_jpeg()
    with Image.open(io.BytesIO(data)) as im:  # the upload really carries them
        assert im.getexif()[0x0112] == 6 and im.getexif().get_ifd(0x8825)[1] == "N"
        assert b"PhoneMaker" in data
    _, name, thumb, _, _, w, h, size = store(engine, up, data, "现场.jpg")
    stored = (up / name).read_bytes()
    assert size == len(stored) and b"Exif" not in stored and b"PhoneMaker" not in stored
    for path in (up / name, up / thumb):
        with Image.open(path) as im:
            assert not im.getexif() and "exif" not in im.info
            assert im.size == (40, 60)  # 60x40 turned upright: portrait
            # turned 90° clockwise: the red left half is now on top, the blue right half below
            top, bottom = im.convert("RGB").getpixel((20, 5)), im.convert("RGB").getpixel((20, 55))
            assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]
    assert (w, h) == (40, 60)


def test_fil013_png_metadata_is_stripped_and_transparency_kept(engine, up):
    from PIL import PngImagePlugin

    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (35.0, 3.0, 0.0)})
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", "拍摄于 兰山区 某企业")
    out = io.BytesIO()
    Image.new("RGBA", (20, 10), (0, 100, 200, 0)).save(out, "PNG", exif=exif, pnginfo=text)
    _, name, _, _, _, w, h, _ = store(engine, up, out.getvalue(), "a.png")
    with Image.open(up / name) as im:
        assert not im.getexif() and "Comment" not in im.info and im.text == {}
        assert (im.mode, im.size, (w, h)) == ("RGBA", (20, 10), (20, 10))
        assert im.getpixel((3, 3)) == (0, 100, 200, 0)
