"""Image bombs and memory (db/cases/files.py): a pixel cap that fits a photo, decoding with bounded memory,
and a bound on how many images are decoded at once."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from PIL import Image

from db.cases import files
from tests.db.cases.test_files import listing, rows, store

ROOT = Path(__file__).resolve().parents[3]


def png_of(size, mode="L") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG", optimize=False)
    return out.getvalue()


def test_pho001_a_49_megapixel_png_is_refused_before_it_is_decoded(engine, tmp_path):
    up = tmp_path / "uploads"
    data = png_of((7000, 7000))  # ~50 KB on disk, 49 megapixels
    with pytest.raises(files.FileRejected) as refused:
        store(engine, up, data, "巨图.png")
    assert refused.value.message == ("“巨图.png”有 7000×7000 像素（约 4900 万），超过图片上限 2400 万像素；"
                                     "请缩小到 2400 万像素以内（如 6000×4000）后再上传")
    assert rows(engine) == 0
    assert listing(up) == []


def test_pho002_the_largest_allowed_photo_is_stored_smaller_within_bounded_memory(tmp_path):
    """A 24-megapixel JPEG, rotated by its EXIF orientation: decoding it whole takes 96 MB, and rotating
    it 96 MB more. It is decoded at half size (JPEG draft) and stored at 2000×3000 instead."""
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to show upright
    source = tmp_path / "big.jpg"
    Image.new("RGB", (6000, 4000), (120, 160, 200)).save(source, "JPEG", quality=80, exif=exif.tobytes())
    script = textwrap.dedent(f"""
        import resource, sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from db.cases import files
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ready = files.prepare(Path({str(source)!r}).read_bytes(), "big.jpg", allowed=("photo",),
                              directory=Path({str(tmp_path / "up")!r}))
        grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(ready.width, ready.height, grew // 1024)
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    width, height, grew_mb = map(int, r.stdout.split())
    assert (width, height) == (2000, 3000)
    assert grew_mb < 48, f"peak memory grew by {grew_mb} MB"


def test_pho003_images_are_decoded_one_at_a_time_and_a_long_wait_is_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(files, "IMAGE_WAIT_SECONDS", 0.2)
    data = png_of((40, 30), "RGB")
    assert files.IMAGE_SLOTS.acquire(timeout=5)  # another upload is being decoded
    try:
        with pytest.raises(files.FileRejected) as busy:
            files.prepare(data, "a.png", allowed=("photo",), directory=tmp_path)
        assert busy.value.message == "服务器正在处理其他图片，“a.png”未保存；请稍后再试"
        assert listing(tmp_path) == []
    finally:
        files.IMAGE_SLOTS.release()
    ready = files.prepare(data, "a.png", allowed=("photo",), directory=tmp_path)
    ready.discard()
    assert listing(tmp_path) == []
    # The bound is one image per process: a second decode waits for the first.
    order: list[str] = []
    gate = threading.Event()
    real = files.check_image

    def slow(*args, **kwargs):
        order.append("start")
        gate.wait(5)
        result = real(*args, **kwargs)
        order.append("end")
        return result

    monkeypatch.setattr(files, "check_image", slow)
    monkeypatch.setattr(files, "IMAGE_WAIT_SECONDS", 10)
    done = []
    threads = [threading.Thread(target=lambda: done.append(files.prepare(data, "b.png", allowed=("photo",),
                                                                          directory=tmp_path))) for _ in range(2)]
    for t in threads:
        t.start()
    threading.Timer(0.5, gate.set).start()
    for t in threads:
        t.join(10)
    assert order == ["start", "end", "start", "end"] and len(done) == 2
    for ready in done:
        ready.discard()


def test_pho004_a_header_declaring_hundreds_of_megapixels_is_refused_as_too_many_pixels(engine, tmp_path):
    import struct
    import zlib

    png = bytearray(png_of((1, 1)))  # IHDR: width and height at 16..24, its CRC at 29..33
    png[16:24] = struct.pack(">II", 20000, 20000)
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))
    with pytest.raises(files.FileRejected) as refused:
        store(engine, tmp_path / "uploads", bytes(png), "炸弹.png")
    assert refused.value.message == ("“炸弹.png”的像素过多，超过图片上限 2400 万像素；请缩小到 2400 万像素以内"
                                     "（如 6000×4000）后再上传")


def test_pho005_decoded_photos_do_not_stay_resident_in_every_thread_that_decoded_one(tmp_path):
    """Four server threads each store a 12-megapixel photo shown rotated (one decoded at a time): while the
    threads live on, the process holds little more than before, not a decoded image or two per thread."""
    source = tmp_path / "p.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (4000, 3000), (120, 160, 200)).save(source, "JPEG", quality=80, exif=exif.tobytes())
    script = textwrap.dedent(f"""
        import sys, threading
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from db.cases import files

        def rss():
            with open("/proc/self/status") as f:
                return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) // 1024

        files.return_freed_memory_to_os()
        data = Path({str(source)!r}).read_bytes()
        before = rss()

        done, leave = threading.Semaphore(0), threading.Event()

        def one():  # a server thread: it lives on after its upload
            files.prepare(data, "p.jpg", allowed=("photo",), directory=Path({str(tmp_path / "up")!r})).discard()
            done.release()
            leave.wait()

        threads = [threading.Thread(target=one) for _ in range(4)]
        for t in threads:
            t.start()
        for _ in threads:
            done.acquire()
        print(rss() - before)
        leave.set()
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert int(r.stdout) < 30, f"{r.stdout.strip()} MB still resident after four photos"


@pytest.mark.parametrize("mode", ["P", "1", "RGBA"])
def test_pho006_a_large_png_of_any_mode_is_stored_reduced(engine, tmp_path, mode):
    up = tmp_path / "uploads"
    data = png_of((5000, 4000), mode)  # 20 megapixels: over the 16 million a photo is stored at
    _, name, thumb, *_, w, h, _ = store(engine, up, data, "扫描.png")
    assert (w, h) == (2500, 2000)
    with Image.open(up / name) as im:
        assert im.size == (2500, 2000) and im.mode == mode
