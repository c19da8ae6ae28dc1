"""Command line: python -m db {init,demo,status}. See --help."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from db.engine import database_url, make_engine, read_session, write_session
from db.migrate import upgrade
from db.presets import DEFAULT_PRESET, ensure_campaign, load_units, read_preset


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's default is English and terse
        self.print_usage(sys.stderr)
        self.exit(2, f"参数错误：{message}\n请运行 python -m db --help 查看用法。\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="python -m db",
        description="工资集体协商“集中要约”行动监测系统 · 数据库管理。数据库由环境变量 DATABASE_URL 指定，"
        "默认 instance/jizhong.db（SQLite）。",
    )
    sub = p.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    sub.required = True
    init = sub.add_parser("init", help="迁移数据库到最新结构，载入单位名单和2017年行动（不含报送数据；可重复运行）")
    init.add_argument("--preset", default=str(DEFAULT_PRESET), help="单位预置文件（JSON），默认临沂市")
    demo = sub.add_parser("demo", help="生成演示数据：2017年行动3—5月各单位每周累计报送（确定性、标记为演示）")
    demo.add_argument("--reset", action="store_true", help="先删除演示行动及其报送再重新生成（正式数据不受影响）")
    demo.add_argument("--if-empty", action="store_true", help="仅当数据库中还没有任何报送时生成")
    sub.add_parser("status", help="显示数据库位置、行动和报送数量")
    return p


def cmd_init(engine, preset_path: str) -> str:
    upgrade(engine)
    preset = read_preset(preset_path)
    with write_session(engine) as s:
        added = load_units(s, preset)
        names = [ensure_campaign(s, spec).name for spec in preset.get("campaigns", [])]
    return f"数据库已就绪：新增单位 {added} 个；行动：{'、'.join(names) or '无'}"


def cmd_demo(engine, reset: bool, if_empty: bool) -> str:
    from db import queries
    from db.demo import build_demo

    cmd_init(engine, str(DEFAULT_PRESET))
    if if_empty and not reset:
        with read_session(engine) as s:
            if any(c["reports"] for c in queries.campaigns(s)):
                return "数据库中已有报送数据，未生成演示数据。"
    summary = build_demo(engine, reset=reset)
    with engine.begin() as conn:  # fresh statistics: PostgreSQL's planner is lost right after a bulk load
        conn.exec_driver_sql("ANALYZE")
    return str(summary)


def cmd_status(engine) -> str:
    from db import queries

    upgrade(engine)
    with read_session(engine) as s:
        lines = [f"数据库：{engine.url.render_as_string(hide_password=True)}"]
        for c in queries.campaigns(s):
            tag = "（演示）" if c["is_demo"] else ""
            lines.append(f"{c['id']}  {c['name']}{tag}  报送 {c['reports']} 份  最近 {c['last_report_date'] or '—'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        engine = make_engine()
    except Exception as exc:  # bad DATABASE_URL
        print(f"无法连接数据库 {database_url()}：{exc}", file=sys.stderr)
        return 1
    try:
        if args.command == "init":
            print(cmd_init(engine, args.preset))
        elif args.command == "demo":
            print(cmd_demo(engine, args.reset, args.if_empty))
        else:
            print(cmd_status(engine))
    except FileNotFoundError as exc:
        print(f"找不到文件：{exc.filename}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"数据库错误：{exc.__class__.__name__}：{str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
