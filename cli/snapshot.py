"""CLI: `python -m db snapshot --title T [--note N] [--area 370000]` and `python -m db export --snapshot ID --format F -o FILE`.

For a nightly or pre-meeting job. `snapshot` prints the new snapshot's id as its last line (so a
script can capture it with `| tail -1`); `export` writes the file from the stored snapshot, which
gives the same figures however much was submitted since. Both are audited (actor `cli:<login>`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from db.engine import read_session, write_session
from db.migrate import upgrade

FORMATS = ("pdf", "pptx", "xlsx", "csv")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"日期 {value} 无效，应为 YYYY-MM-DD，如 2017-05-31") from exc


def add_commands(sub) -> None:
    snap = sub.add_parser("snapshot", help="生成会议快照（冻结当前总览的全部数据），最后一行输出快照编号")
    snap.add_argument("--title", required=True, metavar="标题", help="快照标题，如“5月31日调度会”")
    snap.add_argument("--note", default="", metavar="备注", help="备注（可选）")
    snap.add_argument("--campaign", type=int, metavar="行动编号", help="默认：最新的有报送数据的行动")
    snap.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="数据截至日期，默认与总览相同")
    snap.add_argument("--area", metavar="区域", help="区域的行政区划代码或单位代码（如 370000 山东省），默认：整个系统")
    snap.add_argument("--metric", default="ent_coverage", metavar="指标",
                      help="地图和排名的指标：ent_coverage、worker_coverage、sign_rate、filing_rate、pace、stale_days")
    snap.set_defaults(run=run_snapshot)

    export = sub.add_parser("export", help="把快照导出为 PDF、PPTX、XLSX 或 CSV 文件")
    export.add_argument("--snapshot", required=True, type=int, metavar="快照编号")
    export.add_argument("--format", required=True, choices=FORMATS, help="pdf、pptx、xlsx 或 csv")
    export.add_argument("-o", "--output", required=True, metavar="文件", help="输出文件路径")
    export.set_defaults(run=run_export)


def _actor() -> str:
    from cli.__main__ import _cli_actor

    return _cli_actor()


def run_snapshot(engine, args) -> int:
    from db import hierarchy, snapshots
    from domain.metrics import METRICS

    if args.metric not in METRICS:
        print(f"未知的指标 {args.metric}：应为 {'、'.join(METRICS)}", file=sys.stderr)
        return 2
    upgrade(engine)
    try:
        with write_session(engine) as s:
            area = None
            if args.area:
                area = hierarchy.area(s, args.area.strip())
                if area is None:
                    raise snapshots.SnapshotError(f"区域 {args.area} 不存在：应为某个省、市单位的行政区划代码或单位代码")
            campaign_id, as_of = snapshots.default_view(s, args.campaign)
            row = snapshots.create(s, campaign_id=campaign_id, as_of=args.date or as_of, metric=args.metric,
                                   title=args.title, note=args.note, actor=_actor(),
                                   area_id=area.id if area else None)
            sid, as_of = row.id, row.as_of
    except snapshots.SnapshotError as exc:
        print(exc, file=sys.stderr)
        return 1
    where = f"，区域 {area.name}" if area else ""
    print(f"已生成快照「{args.title.strip()}」：行动 {campaign_id}{where}，数据截至 {as_of}")
    print(sid)
    return 0


def run_export(engine, args) -> int:
    from dashboard import exports
    from db import snapshots
    from db.accounts import auth

    upgrade(engine)
    with read_session(engine) as s:
        doc = snapshots.get(s, args.snapshot)
    if doc is None:
        print(f"快照 {args.snapshot} 不存在", file=sys.stderr)
        return 1
    began = time.perf_counter()
    try:
        data = exports.export(doc, args.format)
    except Exception as exc:  # noqa: BLE001 - the renderer's failures, told in Chinese
        print(f"导出失败：{exc}", file=sys.stderr)
        return 1
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    with write_session(engine) as s:
        auth.audit(s, _actor(), f"export.{args.format}", f"快照 {args.snapshot} → {out.name}（{len(data)} 字节）")
    print(f"已导出快照 {args.snapshot} 为 {args.format.upper()}：{out}（{len(data):,} 字节，{time.perf_counter() - began:.1f} 秒）")
    return 0
