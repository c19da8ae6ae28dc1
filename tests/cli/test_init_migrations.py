"""Migrations match the models on both databases; the CLI is idempotent and fails cleanly."""

import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select, text

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
        assert s.scalar(select(func.count(Campaign.id))) == 3  # the real 2017, the demo 2017 and its 2016 (同期)
        assert s.scalar(select(func.count(Report.id))) > 200
    engine.dispose()


def test_cli009_init_leaves_a_province_installation_without_the_city_preset(tmp_path):
    """`make serve` runs `db init` at every start: on a province (or nation) installation it must not
    add the 临沂 preset's units as roots beside the tree (the overview's root would change)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert _cli("demo", "--scale", "province", url=url).returncode == 0
    from db.engine import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:  # a tree grown unit by unit has no planner statistics (db.engine.refresh_statistics)
        conn.exec_driver_sql("DELETE FROM sqlite_stat1")
    with read_session(engine) as s:
        before = s.scalar(select(func.count(Unit.id)))
    init = _cli("init", url=url)
    assert init.returncode == 0 and "已有单位层级（山东省）" in init.stdout
    with read_session(engine) as s:
        assert s.scalar(select(func.count(Unit.id))) == before
        assert s.scalar(select(func.count(Unit.id)).where(Unit.parent_id.is_(None))) == 1
        assert {"unit", "unit_campaign"} <= set(s.scalars(text("SELECT DISTINCT tbl FROM sqlite_stat1")))
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


def _cli_stdin(*args, url, stdin=""):
    return subprocess.run([sys.executable, "-m", "db", *args], cwd=ROOT, capture_output=True, text=True, input=stdin,
                          env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"}, timeout=120)


def test_cli005_create_user_reads_the_password_from_stdin(tmp_path):
    from db.accounts import auth
    from db.engine import make_engine, write_session

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    _cli("init", url=url)
    r = _cli_stdin("create-user", "张三", "--role", "reporter", "--unit", "371302", "--password-stdin",
                   url=url, stdin="a-long-password-1\n")
    assert r.returncode == 0 and "已创建用户 张三（县区填报员" in r.stdout
    again = _cli_stdin("create-user", "张三", "--role", "leader", "--password-stdin", url=url, stdin="a-long-password-1\n")
    assert again.returncode == 1 and "用户名 张三 已存在" in again.stderr and "Traceback" not in again.stderr
    short = _cli_stdin("create-user", "李四", "--role", "admin", "--password-stdin", url=url, stdin="short\n")
    assert short.returncode == 1 and "密码至少 10 位" in short.stderr
    no_unit = _cli_stdin("create-user", "王五", "--role", "reporter", "--password-stdin", url=url, stdin="a-long-password-1\n")
    assert no_unit.returncode == 1 and "县区填报员必须指定所属单位" in no_unit.stderr
    engine = make_engine(url)
    with write_session(engine) as s:
        user = auth.authenticate(s, "张三", "a-long-password-1")
        assert user.role == "reporter" and auth.user_unit_code(s, user) == "371302"
        assert [e["action"] for e in auth.audit_log(s)] == ["login.success", "user.create"]
    engine.dispose()


def test_cli006_create_user_refuses_without_password_stdin_or_with_a_bad_role(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    missing = _cli_stdin("create-user", "张三", "--role", "admin", url=url)
    assert missing.returncode == 2 and "--password-stdin" in missing.stderr and "参数错误" in missing.stderr
    bad_role = _cli_stdin("create-user", "张三", "--role", "boss", "--password-stdin", url=url, stdin="a-long-password-1\n")
    assert bad_role.returncode == 2 and "角色 boss 无效" in bad_role.stderr and "Traceback" not in bad_role.stderr
    assert not (tmp_path / "cli.db").exists()  # refused before touching the database


def test_cli007_create_token_prints_a_token_that_verifies_and_revoke_token(tmp_path):
    from db.accounts import auth
    from db.engine import make_engine, write_session

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    _cli("init", url=url)
    r = _cli("create-token", "--unit", "371302", "--label", "兰山区报送脚本", url=url)
    assert r.returncode == 0 and "不会再次显示" in r.stderr
    token = r.stdout.strip()  # the token alone on stdout, for scripts
    engine = make_engine(url)
    with write_session(engine) as s:
        row = auth.verify_token(s, token)
        assert row is not None and row.label == "兰山区报送脚本"
        token_id = row.id
    listed = _cli("list-tokens", url=url)
    assert listed.returncode == 0 and "371302 兰山区" in listed.stdout and token not in listed.stdout
    assert _cli("revoke-token", str(token_id), url=url).returncode == 0
    with write_session(engine) as s:
        assert auth.verify_token(s, token) is None
    engine.dispose()
    twice = _cli("revoke-token", str(token_id), url=url)
    assert twice.returncode == 1 and "已于" in twice.stderr
    unknown = _cli("create-token", "--unit", "999999", url=url)
    assert unknown.returncode == 1 and "单位代码 999999 不存在" in unknown.stderr and not unknown.stdout


def test_cli008_demo_prints_demo_accounts_and_a_real_database_gets_none(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    _cli("init", url=url)
    real = _cli("demo-accounts", url=url)
    assert real.returncode == 0 and "不是演示数据库" in real.stdout
    demo = _cli("demo", "--if-empty", url=url)
    assert demo.returncode == 0
    for name, password in (("demo-leader", "leader-2017-demo"), ("demo-admin", "admin-2017-demo"),
                           ("demo-lanshan", "lanshan-2017-demo")):
        assert name in demo.stdout and password in demo.stdout
    assert "371302 兰山区" in demo.stdout
    again = _cli("demo", "--if-empty", url=url)
    assert again.returncode == 0 and "已有报送数据" in again.stdout and "demo-lanshan" in again.stdout


def test_mig003_migrations_keep_the_data_of_a_working_database(engine):
    """An installation with reports upgrades (and downgrades) across table rebuilds: SQLite's batch
    migrations copy a table that others reference, which fails with foreign keys on unless handled."""
    from db.demo import build_demo

    build_demo(engine)
    with read_session(engine) as s:
        before = [s.scalar(select(func.count()).select_from(m)) for m in (Unit, Campaign, Report)]
    assert before[2] > 0
    downgrade(engine, "0008")
    upgrade(engine)
    with read_session(engine) as s:
        assert [s.scalar(select(func.count()).select_from(m)) for m in (Unit, Campaign, Report)] == before
        assert set(s.scalars(select(Unit.level))) == {"county"}
