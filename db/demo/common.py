"""What the demo and its extensions (db.demo.DEMO_EXTENSIONS) share: the name pool of clerks and
instructors, the DemoError, and lifting the append-only triggers for a reset. Extensions import it
from here, not from db.demo, which loads them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from domain.errors import UserError

SURNAMES = "王张刘李孙徐杜颜庄陈杨赵周吴高马朱胡郭宋厉丁魏彭"
GIVEN = (
    *("建国", "秀英", "志强", "红梅", "海燕", "立新", "玉兰", "春生", "丽娜", "文华", "晓东", "桂芳"),
    *("德明", "永刚", "凤霞", "振华", "淑珍", "明亮", "长青", "庆国", "传东", "宝山", "金凤", "翠萍"),
    *("静", "磊", "伟", "敏", "芳", "娜", "强", "军", "洁", "涛", "超", "鹏"),
)


class DemoError(UserError):
    """The demo cannot be built or reset (message in Chinese)."""


@contextmanager
def append_only_lifted(session: Session, tables: tuple[str, ...]) -> Iterator[None]:
    """Disable the append-only triggers of `tables` inside the current transaction, then restore them.

    No try/finally: on an error the transaction is rolled back, and with it the DDL (both backends
    have transactional DDL); re-running DDL in an aborted PostgreSQL transaction would only hide
    the real error.
    """
    conn = session.connection()
    dialect = conn.dialect.name
    if dialect == "postgresql":
        triggers = conn.execute(
            text(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relname = ANY(:tables) AND c.relnamespace = current_schema()::regnamespace "
                "AND NOT t.tgisinternal AND t.tgenabled <> 'D'"
            ),
            {"tables": list(tables)},
        ).all()
        for table, name in triggers:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" DISABLE TRIGGER "{name}"')
        yield
        for table, name in triggers:
            conn.exec_driver_sql(f'ALTER TABLE "{table}" ENABLE TRIGGER "{name}"')
    elif dialect == "sqlite":
        triggers = conn.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN :tables").bindparams(
                bindparam("tables", expanding=True)
            ),
            {"tables": list(tables)},
        ).all()
        for name, _sql in triggers:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        yield
        for _name, sql in triggers:
            conn.exec_driver_sql(sql)
    else:
        raise DemoError(f"不支持在 {dialect} 数据库上重建演示数据")
