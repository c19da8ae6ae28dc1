"""Benchmark the national demo build and the roll-up SQL of db/hierarchy.py on PostgreSQL.

    TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test python benchmarks/hierarchy.py [--runs 20]
    python benchmarks/hierarchy.py --sqlite      # the same on a temporary SQLite file

Builds `demo --scale province` and `demo --scale nation` each in a fresh schema of the database at
TEST_POSTGRES_URL (or --database-url), ANALYZEs, then times, for 全国, 山东省, 临沂市 and 兰山区:
the area's totals (area_totals), one row per child with its subtree totals (child_metrics) and the
recursive CTE alone (subtree_unit_count), each `--runs` times after two warm-ups, as of the
campaign's cut-off. Prints p50/p95 in milliseconds. The schemas are dropped at the end.
A measuring tool: prints the numbers and exits 0.
"""
# ruff: noqa: E402

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text

from db import hierarchy
from db.demo.scale import NAMES, build_scale_demo
from db.engine import database_url, make_engine, read_session
from db.migrate import upgrade
from db.models import Campaign

AREAS = (("全国", "100000"), ("山东省", "370000"), ("临沂市", "371300"), ("兰山区（县）", "371302"))
AS_OF = dt.date(2017, 5, 31)


def _schema_engine(base: str):
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    return admin, schema, make_engine(f"{base}{sep}options={quote(f'-csearch_path={schema}')}")


def _pad(text: str, width: int) -> str:
    """Left-justify to a display width (a Chinese character takes two columns)."""
    return text + " " * max(0, width - sum(2 if ord(c) > 0x2E7F else 1 for c in text))


def _timed(fn, runs: int) -> tuple[float, float]:
    for _ in range(2):
        fn()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]


def _build(base: str | None, scale: str) -> tuple[object, object, str, float, str]:
    if base is None:  # SQLite: a temporary file, removed with its directory at the end
        folder = tempfile.mkdtemp(prefix="bench-hierarchy-")
        admin, schema, engine = None, folder, make_engine(f"sqlite:///{folder}/{scale}.db")
    else:
        admin, schema, engine = _schema_engine(base)
    started = time.perf_counter()
    upgrade(engine)
    summary = build_scale_demo(engine, scale)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return admin, engine, schema, time.perf_counter() - started, str(summary).splitlines()[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("TEST_POSTGRES_URL"))
    parser.add_argument("--sqlite", action="store_true", help="use a temporary SQLite file instead")
    args = parser.parse_args()
    if not args.database_url and not args.sqlite:
        print("需要 PostgreSQL：设置 TEST_POSTGRES_URL 或 --database-url（或用 --sqlite）")
        return 0
    base = None if args.sqlite else database_url(args.database_url)
    cleanup = []
    try:
        admin, engine, schema, seconds, line = _build(base, "province")
        cleanup.append((admin, engine, schema))
        print(f"demo --scale province: {seconds:.1f} s (migrate + build + ANALYZE) · {line}")
        admin, engine, schema, seconds, line = _build(base, "nation")
        cleanup.append((admin, engine, schema))
        print(f"demo --scale nation:   {seconds:.1f} s (migrate + build + ANALYZE) · {line}")
        load = os.getloadavg()[0]
        print(f"\n{'SQLite' if base is None else 'PostgreSQL'} roll-ups on the nation demo, as of {AS_OF}, {args.runs} runs after 2 warm-ups · "
              f"load average {load:.1f} on {os.cpu_count()} CPUs\n")
        print(f"{'area':<14}| {'units':>5} | {'children':>8} | {'query':<19}| {'p50 ms':>7} | {'p95 ms':>7}")
        print("-" * 14 + "+-" + "-" * 5 + "-+-" + "-" * 8 + "-+-" + "-" * 19 + "+-" + "-" * 7 + "-+-" + "-" * 7)
        with read_session(engine) as s:
            cid = s.scalar(select(Campaign.id).where(Campaign.name == NAMES["nation"]))
            for label, adcode in AREAS:
                area = hierarchy.area(s, adcode)
                units = hierarchy.subtree_unit_count(s, area.id)
                kids = len(hierarchy.child_metrics(s, cid, AS_OF, area.id))
                for name, fn in (
                    ("area_totals", lambda a=area: hierarchy.area_totals(s, cid, AS_OF, a.id)),
                    ("child_metrics", lambda a=area: hierarchy.child_metrics(s, cid, AS_OF, a.id)),
                    ("subtree CTE alone", lambda a=area: hierarchy.subtree_unit_count(s, a.id)),
                ):
                    p50, p95 = _timed(fn, args.runs)
                    print(f"{_pad(label, 14)}| {units:>5} | {kids:>8} | {name:<19}| {p50:>7.1f} | {p95:>7.1f}")
    finally:
        for admin, engine, schema in cleanup:
            engine.dispose()
            if admin is None:
                shutil.rmtree(schema, ignore_errors=True)
                continue
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
