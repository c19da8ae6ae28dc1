"""Migrations match the models on both databases; the CLI is idempotent and fails cleanly."""

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from db.engine import read_session
from db.migrate import downgrade, upgrade
from db.models import Base, Campaign, Report, Unit

ROOT = Path(__file__).resolve().parents[2]


def test_mig001_models_match_migrations(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_mig002_downgrade_to_base_and_up_again(engine):
    downgrade(engine)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert {"campaign", "unit", "unit_campaign", "report", "report_line"} <= set(inspect(engine).get_table_names())


def _cli(*args, url):
    return subprocess.run([sys.executable, "-m", "db", *args], cwd=ROOT, capture_output=True, text=True,
                          env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}, timeout=120)


def test_cli001_init_is_idempotent_and_demo_if_empty(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    first, second = _cli("init", url=url), _cli("init", url=url)
    assert first.returncode == 0 and "新增单位 23 个" in first.stdout
    assert second.returncode == 0 and "新增单位 0 个" in second.stdout
    demo = _cli("demo", "--if-empty", url=url)
    again = _cli("demo", "--if-empty", url=url)
    assert demo.returncode == 0 and again.returncode == 0 and "已有报送数据" in again.stdout
    from db.engine import make_engine

    engine = make_engine(url)
    with read_session(engine) as s:
        assert s.scalar(select(func.count(Unit.id))) == 23
        assert s.scalar(select(func.count(Campaign.id))) == 2
        assert s.scalar(select(func.count(Report.id))) > 200
    engine.dispose()


def test_cli002_bad_arguments_give_chinese_message_no_traceback(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    for args in (["bogus"], [], ["demo", "--nope"]):
        r = _cli(*args, url=url)
        assert r.returncode == 2
        assert "参数错误" in r.stderr and "Traceback" not in r.stderr


def test_cli003_unreachable_database_is_a_clear_error():
    r = _cli("status", url="postgresql://nobody@127.0.0.1:1/none")
    assert r.returncode == 1 and "数据库错误" in r.stderr and "Traceback" not in r.stderr


def test_cli004_missing_preset_file(tmp_path):
    r = _cli("init", "--preset", str(tmp_path / "none.json"), url=f"sqlite:///{tmp_path / 'x.db'}")
    assert r.returncode == 1 and "找不到文件" in r.stderr
