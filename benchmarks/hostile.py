"""Hostile uploads against the app, and the peak memory (RSS) of the server process for each.

    python benchmarks/hostile.py [--quick] [--limit-mb 300]

Builds a demo database in a temporary directory, then runs each hostile upload in a fresh server
process (the app driven through the Flask test client, signed in through the real login form): the
process's resident memory is sampled every 5 ms while the upload runs. Prints one row per upload:
what the server answered, the RSS before, the peak during, and whether the peak stayed within the
limit (300 MB by default). Exits 1 if any upload went over the limit or got a 5xx.

Uploads: a zip with false size headers (inflates to ~2 GB, declares 4 KB) and an oversized .xlsx
through /submit (the upload callback); a PNG header declaring 20000×20000 pixels (an image bomb), a
49-megapixel PNG, a 12 MP phone photo and the largest allowed photo (24 MP JPEG), both rotated by EXIF,
and eight concurrent uploads of the largest, through /summaries/upload. --quick makes the zip bomb inflate to 256 MB and the photos 12 MP,
and runs every upload in one process (a quick check that the script works; the numbers are rougher).
"""
# ruff: noqa: E402

from __future__ import annotations

import argparse
import base64
import io
import json
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
REPORTER, PASSWORD = "hostile-lanshan", "hostile-bench-password-1"
SCENARIOS = ("zip_bomb", "oversized_xlsx", "image_bomb", "png_49mp", "phone_photo", "largest_photo", "eight_photos")
LABELS = {
    "zip_bomb": "/submit 虚假大小头的 zip 炸弹",
    "oversized_xlsx": "/submit 超过大小上限的 .xlsx",
    "image_bomb": "/summaries/upload PNG 头声明 20000×20000",
    "png_49mp": "/summaries/upload 4900 万像素 PNG",
    "phone_photo": "/summaries/upload 1200 万像素手机照片（旋转）",
    "largest_photo": "/summaries/upload 允许的最大照片（旋转）",
    "eight_photos": "/summaries/upload 8 张照片同时上传",
}


# --- the files ---------------------------------------------------------------------------------------


def build_files(directory: Path, quick: bool) -> dict[str, Path]:
    from PIL import Image

    from tests.db.submission.xlsx_corpus import forged_bomb

    out = {}
    out["zip_bomb"] = directory / "炸弹.xlsx"
    out["zip_bomb"].write_bytes(forged_bomb(size=(64 if quick else 2000) * MB))
    out["oversized_xlsx"] = directory / "超大.xlsx"
    out["oversized_xlsx"].write_bytes(b"PK\x03\x04" + bytes(6 * MB))
    tiny = io.BytesIO()
    Image.new("L", (1, 1)).save(tiny, "PNG")
    png = bytearray(tiny.getvalue())  # IHDR at 8: length, type, width, height, ...; its CRC after 13 bytes
    png[16:24] = struct.pack(">II", 20000, 20000)
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))
    out["image_bomb"] = directory / "炸弹.png"
    out["image_bomb"].write_bytes(bytes(png))
    out["png_49mp"] = directory / "巨图.png"
    Image.new("L" if quick else "RGB", (7000, 7000), 90).save(out["png_49mp"], "PNG", compress_level=1)
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated: the server turns the pixels upright
    out["largest_photo"] = directory / "照片.jpg"
    if quick:
        Image.new("RGB", (2000, 1500), (90, 140, 200)).save(out["largest_photo"], "JPEG", exif=exif.tobytes())
    else:  # 6000×4000, noisy enough to be about 4 MB like a real photo (the limit is 5 MB)
        Image.effect_noise((6000, 4000), 10).convert("RGB").save(out["largest_photo"], "JPEG", quality=70,
                                                                 exif=exif.tobytes())
    out["eight_photos"] = out["largest_photo"]
    out["phone_photo"] = directory / "手机.jpg"  # 4032×3024 is kept full size: decoded and turned whole
    phone = (1008, 756) if quick else (4032, 3024)
    Image.effect_noise(phone, 10).convert("RGB").save(out["phone_photo"], "JPEG", quality=80, exif=exif.tobytes())
    return out


def build_database(directory: Path) -> str:
    """The 临沂 units, the 2017 campaign and a reporter of 兰山区 (no reports: uploads need no more)."""
    from db.accounts.auth import create_user
    from db.admin.presets import ensure_campaign, load_units, read_preset
    from db.engine import make_engine, write_session
    from db.migrate import upgrade

    url = f"sqlite:///{directory / 'app.db'}"
    engine = make_engine(url)
    upgrade(engine)
    preset = read_preset()
    with write_session(engine) as s:
        load_units(s, preset)
        ensure_campaign(s, preset["campaigns"][0])
        create_user(s, REPORTER, PASSWORD, "reporter", "371302", actor="benchmark")
    engine.dispose()
    return url


# --- inside the server process -----------------------------------------------------------------------


def rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


class Sampler:
    """The highest RSS seen while the block runs, sampled every 5 ms."""

    def __enter__(self):
        self.before = self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss())

    def __exit__(self, *_):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


def signed_in(app, username: str):
    from tests.http_helpers import login

    c = app.server.test_client()
    if login(c, username, PASSWORD).status_code != 302:
        raise SystemExit(f"login as {username} failed")
    return c


def _same_session(app, signed):
    """Another test client carrying the cookies of `signed` (clients are not shared between threads)."""
    c = app.server.test_client()
    c._cookies.update(signed._cookies)
    return c


def submit_upload(app, c, data: bytes, filename: str):
    from dashboard import ids
    from db import queries
    from tests.http_helpers import callback_body, callback_key, post_callback

    engine = app.server.extensions["jizhong_engine"]
    from db.engine import read_session

    with read_session(engine) as s:
        campaign = queries.campaigns(s)[0]
    k = callback_key(app, "preview_upload")
    values = {f"{ids.SU_UPLOAD}.contents": "data:application/octet-stream;base64," + base64.b64encode(data).decode(),
              f"{ids.SU_UPLOAD}.filename": filename, f"{ids.SU_CAMPAIGN}.value": campaign["id"],
              f"{ids.SU_UNIT}.value": "371302", f"{ids.SU_DATE}.value": campaign["cutoff_date"].isoformat(),
              f"{ids.SU_REASON}.value": ""}
    r = post_callback(c, callback_body(app, k, values))
    return r.status_code, _shown_text(r.get_data(as_text=True))


def _shown_text(body: str) -> str:
    """The first refusal or result message in a callback response."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    try:
        walk(json.loads(body))
    except ValueError:
        return body[:80]
    said = [t for t in found if any(w in t for w in ("上限", "压缩炸弹", "无法", "不是"))
            and not (t.startswith("上传的文件") and t.endswith("无法导入"))]  # the title names the file only
    return max(said, key=len, default="")


def summary_upload(app, c, path: Path):
    from dashboard.http.files import UPLOAD_PATH
    from db import queries
    from db.engine import read_session
    from tests.http_helpers import form_token

    engine = app.server.extensions["jizhong_engine"]
    with read_session(engine) as s:
        campaign = queries.campaigns(s)[0]["id"]
    data = {"campaign": str(campaign), "kind": "media", "csrf_token": form_token(c, UPLOAD_PATH),
            "file": [(path.open("rb"), path.name)]}
    r = c.post(UPLOAD_PATH, data=data, content_type="multipart/form-data")
    text = r.get_data(as_text=True)
    import re

    found = re.search(r'class="[^"]*(?:error|flash)[^"]*"[^>]*>([^<]+)<', text)
    return r.status_code, (found.group(1).strip() if found else ("已上传" if r.status_code == 303 else text[:80]))


def run_one(app, name: str, files: dict[str, Path]) -> dict:
    reporter = signed_in(app, REPORTER)
    if name == "eight_photos":
        clients = [_same_session(app, reporter) for _ in range(8)]  # one login (argon2) is enough
        results: list = [None] * 8
        with Sampler() as sample:
            threads = [threading.Thread(target=lambda i=i: results.__setitem__(
                i, summary_upload(app, clients[i], files[name]))) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        codes = sorted({r[0] for r in results})
        answer = "、".join(sorted({r[1] for r in results}))
        return {"status": "/".join(map(str, codes)), "answer": answer, "before": sample.before, "peak": sample.peak}
    with Sampler() as sample:
        if name in ("zip_bomb", "oversized_xlsx"):
            status, answer = submit_upload(app, reporter, files[name].read_bytes(), files[name].name)
        else:
            status, answer = summary_upload(app, reporter, files[name])
    return {"status": str(status), "answer": answer, "before": sample.before, "peak": sample.peak}


def serve(url: str, names: list[str], files: dict[str, Path], upload_dir: Path) -> None:
    """The server process: one app, the given uploads in turn, one JSON line each."""
    from app import create_app

    app = create_app({"DATABASE_URL": url, "TESTING": True, "SESSION_COOKIE_SECURE": False,
                      "UPLOAD_DIR": str(upload_dir)})
    for name in names:
        started = time.perf_counter()
        result = run_one(app, name, files)
        result.update(name=name, seconds=round(time.perf_counter() - started, 2))
        print(json.dumps(result, ensure_ascii=False), flush=True)


# --- the driver ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller files, one server process")
    parser.add_argument("--limit-mb", type=int, default=300)
    parser.add_argument("--only", choices=SCENARIOS, action="append", help="run only these uploads")
    parser.add_argument("--serve", help=argparse.SUPPRESS)  # internal: JSON arguments of a server process
    args = parser.parse_args(argv)
    if args.serve:
        spec = json.loads(args.serve)
        serve(spec["url"], spec["names"], {k: Path(v) for k, v in spec["files"].items()}, Path(spec["uploads"]))
        return 0
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        directory = Path(tmp)
        files = build_files(directory, args.quick)
        url = build_database(directory)
        chosen = [name for name in SCENARIOS if not args.only or name in args.only]
        batches = [chosen] if args.quick else [[name] for name in chosen]
        rows = []
        for names in batches:
            spec = json.dumps({"url": url, "names": names, "files": {k: str(v) for k, v in files.items()},
                               "uploads": str(directory / "uploads")})
            r = subprocess.run([sys.executable, __file__, "--serve", spec], capture_output=True, text=True,
                               cwd=ROOT, timeout=900)
            if r.returncode != 0:
                print(r.stderr[-3000:], file=sys.stderr)
                return 1
            rows += [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    failed = False
    print(f"{'上传':<34} {'HTTP':>7} {'之前 RSS':>9} {'峰值 RSS':>9} {'耗时':>6}  结果  服务器的回答")
    for row in rows:
        ok = row["peak"] <= args.limit_mb * MB and not row["status"].startswith("5")
        failed |= not ok
        print(f"{LABELS[row['name']]:<34} {row['status']:>7} {row['before'] / MB:>8.0f}M {row['peak'] / MB:>8.0f}M "
              f"{row['seconds']:>5.1f}s  {'通过' if ok else '超标'}  {row['answer'][:90]}")
    print(f"上限：任一恶意上传期间服务器进程峰值 RSS ≤ {args.limit_mb} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
