"""Command line: python -m db {init,demo,status,create-user,create-token,revoke-token,list-tokens,demo-accounts}.

See --help."""

from __future__ import annotations

import argparse
import getpass
import importlib
import sys
import unicodedata

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from db.accounts import auth
from db.admin.presets import DEFAULT_PRESET, ensure_campaign, load_units, read_preset
from db.engine import database_url, make_engine, read_session, refresh_statistics, write_session
from db.migrate import upgrade
from db.models import ApiToken, Unit
from domain.errors import UserError

# Modules that add their own commands: add_commands(sub) registers sub-parsers that set
# `run=callable(engine, args) -> int` (the exit code) with set_defaults; they print their own output.
COMMAND_MODULES: tuple[str, ...] = ("cli.snapshot", "cli.submission", "cli.geo")


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
    demo.add_argument("--scale", choices=("city", "province", "nation"), default="city",
                      help="city：临沂市（默认）；province：山东省 16 市 136 县区；nation：全国（需单独的数据库）")
    sub.add_parser("status", help="显示数据库位置、行动和报送数量")

    user = sub.add_parser(
        "create-user",
        help="创建用户（领导、县区填报员或管理员）；密码从标准输入读取",
        description="创建用户。密码从标准输入读取（一行），不接受命令行参数中的密码，以免留在 shell 历史和进程列表中。"
        "例：printf '%s\\n' \"$PASSWORD\" | python -m db create-user 张三 --role reporter --unit 371302 --password-stdin",
    )
    user.add_argument("name", metavar="用户名", help="登录用的用户名（1—50 个字符，不含空格）")
    user.add_argument(
        "--role",
        required=True,
        type=_role,
        metavar="{leader,reporter,admin}",
        help="角色：leader 领导，reporter 县区填报员（须加 --unit），admin 管理员",
    )
    user.add_argument("--unit", metavar="单位代码", help="县区填报员所属单位的代码，如 371302（兰山区）")
    user.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码（必需）")
    user.set_defaults(subparser=user)  # for its own usage line in the --password-stdin error
    token = sub.add_parser("create-token", help="为某单位创建机器报送用的 API 令牌（只显示一次）")
    token.add_argument("--unit", required=True, metavar="单位代码", help="令牌绑定的单位代码，如 371302")
    token.add_argument("--label", default="", metavar="说明", help="令牌说明，如“兰山区报送脚本”")
    revoke = sub.add_parser("revoke-token", help="吊销 API 令牌")
    revoke.add_argument("token_id", type=int, metavar="令牌编号", help="create-token 或 list-tokens 显示的编号")
    tokens = sub.add_parser("list-tokens", help="列出 API 令牌（不含令牌本身）")
    tokens.add_argument("--unit", metavar="单位代码", help="只列出该单位的令牌")
    sub.add_parser("demo-accounts", help="在演示数据库中创建演示账户并显示用户名和密码（正式数据库不会创建）")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(sub)
    return p


def _role(value: str) -> str:
    if value not in auth.ROLES:
        raise argparse.ArgumentTypeError(
            f"角色 {value} 无效，应为 leader（领导）、reporter（县区填报员）或 admin（管理员）"
        )
    return value


def _cli_actor() -> str:
    """Who ran the command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"[:50]
    except Exception:  # no login name in this environment
        return "cli"


def cmd_init(engine, preset_path: str) -> str:
    """Migrate, load the preset's units and campaigns if the database has no tree of its own, and
    refresh the tree's planner statistics (`make run` and `make serve` run this at every start, so a
    tree grown unit by unit through /admin/units gets them too; milliseconds)."""
    upgrade(engine)
    with read_session(engine) as s:  # a province or nation installation: its tree replaces the city preset
        tree = s.scalar(select(Unit.name).where(Unit.level != "county").order_by(Unit.id).limit(1))
    with write_session(engine) as s:
        if tree is not None:
            message = f"数据库已就绪：已有单位层级（{tree}），未载入预置单位名单"
        else:
            preset = read_preset(preset_path)
            added = load_units(s, preset)
            names = [ensure_campaign(s, spec).name for spec in preset.get("campaigns", [])]
            message = f"数据库已就绪：新增单位 {added} 个；行动：{'、'.join(names) or '无'}"
        refresh_statistics(s)
    return message


def cmd_demo(engine, reset: bool, if_empty: bool, scale: str = "city") -> str:
    from db import queries
    from db.demo import build_demo
    from db.demo.scale import build_scale_demo

    if scale == "city":
        cmd_init(engine, str(DEFAULT_PRESET))
    else:
        upgrade(engine)  # no 临沂 preset: the province or nation tree replaces it
    if if_empty and not reset:
        with read_session(engine) as s:
            if any(c["reports"] for c in queries.campaigns(s)):
                return "数据库中已有报送数据，未生成演示数据。"
    summary = build_demo(engine, reset=reset) if scale == "city" else build_scale_demo(engine, scale, reset=reset)
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


def _read_password() -> str:
    if sys.stdin.isatty():  # typed by hand: do not echo, ask twice
        first = getpass.getpass("密码：")
        if getpass.getpass("再次输入密码：") != first:
            raise auth.AuthError("两次输入的密码不一致")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_create_user(engine, name: str, role: str, unit: str | None, password: str) -> str:
    upgrade(engine)
    with write_session(engine) as s:
        user = auth.create_user(s, name, password, role, unit, actor=_cli_actor())
        where = f"，单位 {unit}" if unit else ""
        return f"已创建用户 {user.username}（{auth.ROLE_LABELS[role]}{where}），编号 {user.id}"


def cmd_create_token(engine, unit: str, label: str) -> tuple[str, str]:
    """(the token, the notice). The token alone goes to stdout so scripts can capture it."""
    upgrade(engine)
    with write_session(engine) as s:
        token = auth.create_token(s, unit, _cli_actor(), label)
        token_id = s.scalar(select(ApiToken.id).where(ApiToken.token_hash == auth.hash_token(token)))
    notice = (
        f"已为单位 {unit} 创建 API 令牌（编号 {token_id}）。令牌只显示这一次，不会再次显示，请立即妥善保存；"
        "数据库中只保存其哈希值。吊销：python -m db revoke-token " + str(token_id)
    )
    return token, notice


def cmd_revoke_token(engine, token_id: int) -> str:
    upgrade(engine)
    with write_session(engine) as s:
        auth.revoke_token(s, token_id, _cli_actor())
    return f"令牌（编号 {token_id}）已吊销"


def cmd_list_tokens(engine, unit: str | None) -> str:
    upgrade(engine)
    with read_session(engine) as s:
        rows = auth.list_tokens(s, unit)
    if not rows:
        return "没有 API 令牌"
    lines = ["编号  单位  说明  创建时间  创建人  最近使用  状态"]
    for t in rows:
        state = f"已吊销（{t['revoked_at']:%Y-%m-%d %H:%M}）" if t["revoked_at"] else "有效"
        used = f"{t['last_used_at']:%Y-%m-%d %H:%M}" if t["last_used_at"] else "从未使用"
        lines.append(
            f"{t['id']}  {t['unit_code']} {t['unit_name']}  {t['label'] or '—'}  {t['created_at']:%Y-%m-%d %H:%M}  "
            f"{t['created_by']}  {used}  {state}"
        )
    return "\n".join(lines)


def cmd_demo_accounts(engine) -> str:
    upgrade(engine)
    with write_session(engine) as s:
        accounts = auth.ensure_demo_accounts(s)
        units = dict(s.execute(select(Unit.code, Unit.name)).tuples().all())
    if not accounts:
        return "当前数据库不是演示数据库（没有演示行动，或已有正式报送），未创建演示账户。"
    rows = [("用户名", "密码", "角色", "单位")]
    for a in accounts:
        unit = f"{a.unit_code} {units.get(a.unit_code, '')}" if a.unit_code else "—"
        rows.append((a.username, a.password or "（已修改，不再显示）", auth.ROLE_LABELS[a.role], unit))
    widths = [max(_width(r[i]) for r in rows) for i in range(3)]
    table = ["  ".join([*(_pad(c, w) for c, w in zip(r, widths)), r[3]]) for r in rows]
    return "\n".join(["演示账户（仅供演示，密码公开，切勿用于正式数据）：", *table])


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "create-user" and not args.password_stdin:
        args.subparser.error("create-user 需要 --password-stdin：密码从标准输入读取，不接受命令行参数中的密码")
    try:
        engine = make_engine()
    except Exception as exc:  # bad DATABASE_URL
        print(f"无法连接数据库 {database_url()}：{exc}", file=sys.stderr)
        return 1
    try:
        if hasattr(args, "run"):
            return args.run(engine, args)
        if args.command == "init":
            print(cmd_init(engine, args.preset))
        elif args.command == "demo":
            print(cmd_demo(engine, args.reset, args.if_empty, args.scale))
            print(cmd_demo_accounts(engine))  # so `make run` shows a newcomer how to log in
        elif args.command == "create-user":
            print(cmd_create_user(engine, args.name, args.role, args.unit, _read_password()))
        elif args.command == "create-token":
            token, notice = cmd_create_token(engine, args.unit, args.label)
            print(token)
            print(notice, file=sys.stderr)
        elif args.command == "revoke-token":
            print(cmd_revoke_token(engine, args.token_id))
        elif args.command == "list-tokens":
            print(cmd_list_tokens(engine, args.unit))
        elif args.command == "demo-accounts":
            print(cmd_demo_accounts(engine))
        else:
            print(cmd_status(engine))
    except auth.AuthError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    except UserError as exc:  # e.g. a scale demo refused on a database that holds another tree
        print(exc.message, file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # e.g. at the password prompt
        print("\n已取消", file=sys.stderr)
        return 130
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
