"""What the demo and its extensions (db.demo.DEMO_EXTENSIONS) share: the name pool of clerks and
instructors, the DemoError, lifting the append-only triggers for a reset, and deleting a demo campaign. Extensions import it
from here, not from db.demo, which loads them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.orm import Session

from db.models import Campaign, Report, ReportLine, ReportTotal, UnitCampaign
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


def delete_demo_campaign(session: Session, name: str, before: Callable[[int], None] | None = None) -> None:
    """Delete the demo campaign called `name`, its baselines and its reports (units and accounts stay);
    refuse a real campaign of that name. `before(campaign_id)` runs first: what refers to the campaign."""
    campaign = session.scalar(select(Campaign).where(Campaign.name == name))
    if campaign is None:
        return
    if not campaign.is_demo:
        raise DemoError(f"“{name}”不是演示行动，拒绝删除")
    if before is not None:
        before(campaign.id)
    report_ids = select(Report.id).where(Report.campaign_id == campaign.id).scalar_subquery()
    with append_only_lifted(session, ("report", "report_line")):
        session.execute(delete(ReportTotal).where(ReportTotal.report_id.in_(report_ids)))
        session.execute(delete(ReportLine).where(ReportLine.report_id.in_(report_ids)))
        session.execute(delete(Report).where(Report.campaign_id == campaign.id))
    session.execute(delete(UnitCampaign).where(UnitCampaign.campaign_id == campaign.id))
    session.execute(delete(Campaign).where(Campaign.id == campaign.id))
    session.expunge_all()
