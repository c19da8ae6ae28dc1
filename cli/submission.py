"""Command line: python -m db import-xlsx FILE [--unit CODE] [--campaign ID] [--date YYYY-MM-DD] [--reason TEXT].

Reads a district's 统计表 (db/submission/xlsx_import.py) and stores it through db.submission.store.submit_audited, audited
as cli:<login name>. Exit 0 printing the stored version; exit 1 printing every problem, in Chinese.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from pathlib import Path

from sqlalchemy import Engine

from db.engine import read_session
from db.migrate import upgrade
from db.submission.xlsx_container import MAX_UPLOAD_BYTES, CellIssue, WorkbookRefused, human_size
from db.submission.xlsx_submission import import_workbook, unit_name
from domain.measures import LINE_KINDS, LINE_LABELS, MEASURES
from domain.validation import fmt_date, parse_count


def add_commands(sub) -> None:
    p = sub.add_parser(
        "import-xlsx",
        help="导入一份县区报来的《行动情况统计表》（.xlsx），校验后存为新的报送版本",
        description="按表中的文字（而不是固定单元格）读取统计表：单位取自表中“单位：”（或 --unit），"
        "报送日期取自 --date（或表中“填报时间”）。有任何问题则一条也不保存，并逐条列出工作表、单元格和字段。",
    )
    p.add_argument("file", metavar="文件", help="统计表文件（.xlsx）")
    p.add_argument("--unit", metavar="单位代码", help="报送单位代码，如 371302；不填则按表中“单位：”识别")
    p.add_argument("--campaign", type=int, metavar="行动编号", help="默认：最近的正式行动（没有则为最近的行动）")
    p.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="统计截至日期；不填则用表中“填报时间”")
    p.add_argument("--reason", default="", metavar="更正原因", help="更正已报送日期的数据时必填；填写即按更正报送")
    p.set_defaults(run=run_import)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期 {value} 无效，应为 YYYY-MM-DD，如 2017-04-28") from None


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in this environment
        return ""


def _max_bytes() -> int:
    try:
        return int(os.environ.get("UPLOAD_MAX_BYTES", "")) or MAX_UPLOAD_BYTES
    except ValueError:
        return MAX_UPLOAD_BYTES


def _refused(path: str, issues) -> int:
    print(f"未导入 {path}：发现 {len(issues)} 个问题，没有保存任何数据。", file=sys.stderr)
    for n, issue in enumerate(issues, 1):
        print(f"  {n}. {issue.message}", file=sys.stderr)
    return 1


def run_import(engine: Engine, args) -> int:
    upgrade(engine)
    path = Path(args.file)
    if not path.is_file():
        print(f"找不到文件：{args.file}", file=sys.stderr)
        return 1
    limit = _max_bytes()
    size = path.stat().st_size
    if size > limit:  # do not even read it
        message = f"文件“{path.name}”大小 {human_size(size)}，超过上限 {human_size(limit)}"
        return _refused(args.file, [CellIssue("", None, "file", message)])
    user = _user()
    actor = f"cli:{user}"[:50] if user else "cli"
    try:
        done = import_workbook(engine, path.read_bytes(), path.name, submitted_by=user or "命令行", actor=actor,
                               campaign_id=args.campaign, unit=args.unit, report_date=args.date, reason=args.reason,
                               max_bytes=limit)
    except WorkbookRefused as refused:
        return _refused(args.file, refused.issues)
    sub = done.submission
    with read_session(engine) as s:
        name = unit_name(s, sub.unit_code) or sub.unit_code
    kind = "更正" if done.version > 1 or sub.is_correction else "报送"
    print(f"已导入：{name}（{sub.unit_code}）{fmt_date(sub.report_date)} 第 {done.version} 版（{kind}），"
          f"报表编号 {done.report_id}，来自工作表“{done.parsed.sheet}”")
    for line in LINE_KINDS:
        print(f"  {LINE_LABELS[line]}：" + "  ".join(f"{parse_count(sub.lines[line].get(m)):,}" for m in MEASURES))
    for w in done.warnings:
        print(f"  提示：{w.message}")
    return 0

