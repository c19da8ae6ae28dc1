"""CLI (issue 7): `python -m db snapshot` prints the id last; `python -m db export` writes the file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from db.demo import build_demo
from db.engine import make_engine, read_session
from db.migrate import upgrade
from db.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "db", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def demo_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_demo(engine)
    engine.dispose()
    return url


def test_cli001_snapshot_prints_its_id_last_and_export_writes_files(demo_url, tmp_path):
    made = _cli(demo_url, "snapshot", "--title", "夜间快照", "--note", "自动", "--metric", "pace")
    assert made.returncode == 0, made.stderr
    sid = made.stdout.strip().splitlines()[-1]
    assert sid == "3"  # after the demo's two meeting snapshots (db/demo/snapshots.py)
    out = tmp_path / "out" / "s.csv"
    done = _cli(demo_url, "export", "--snapshot", sid, "--format", "csv", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf") and "兰山区" in out.read_text("utf-8-sig")
    xlsx = tmp_path / "s.xlsx"
    assert _cli(demo_url, "export", "--snapshot", sid, "--format", "xlsx", "-o", str(xlsx)).returncode == 0
    assert xlsx.read_bytes()[:2] == b"PK"
    engine = make_engine(demo_url)
    with read_session(engine) as s:
        actions = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    engine.dispose()
    assert actions[-3:] == ["snapshot.create", "export.csv", "export.xlsx"]


def test_cli002_errors_in_chinese(demo_url, tmp_path):
    missing = _cli(demo_url, "export", "--snapshot", "99", "--format", "pdf", "-o", str(tmp_path / "x.pdf"))
    assert missing.returncode == 1 and "快照 99 不存在" in missing.stderr
    bad = _cli(demo_url, "export", "--snapshot", "1", "--format", "doc", "-o", str(tmp_path / "x.doc"))
    assert bad.returncode == 2 and "参数错误" in bad.stderr
    blank = _cli(demo_url, "snapshot", "--title", " ")
    assert blank.returncode == 1 and "请填写快照标题" in blank.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_cli004_snapshot_of_an_area(tmp_path):
    from db.demo.scale import build_scale_demo
    from db.models.snapshots import Snapshot

    url = f"sqlite:///{tmp_path / 'province.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_scale_demo(engine, "province")
    engine.dispose()
    made = _cli(url, "snapshot", "--title", "全省调度会", "--area", "370000")
    assert made.returncode == 0, made.stderr
    assert "区域 山东省" in made.stdout
    sid = int(made.stdout.strip().splitlines()[-1])
    out = tmp_path / "p.xlsx"
    assert _cli(url, "export", "--snapshot", str(sid), "--format", "xlsx", "-o", str(out)).returncode == 0
    from openpyxl import load_workbook

    assert {"各市汇总", "临沂市", "全部县区"} <= set(load_workbook(out).sheetnames)
    engine = make_engine(url)
    with read_session(engine) as s:
        row = s.get(Snapshot, sid)
        assert row.area_id is not None and '"name":"山东省"' in row.document
    engine.dispose()
    bad = _cli(url, "snapshot", "--title", "x", "--area", "999999")
    assert bad.returncode == 1 and "区域 999999 不存在" in bad.stderr and "Traceback" not in bad.stderr
