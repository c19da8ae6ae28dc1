"""Export benchmark (issue 7): seconds for each export of the 临沂 demo snapshot, cold and warm, and file sizes.

    .venv/bin/python benchmarks/exports.py [--runs 3]

Builds the demo in a temporary SQLite database, takes one snapshot, then for each format:
  cold  — the first export with no browser running (PDF/PPTX include starting Chromium through kaleido);
  warm  — the median of --runs further exports with the renderer kept running.
A DiskCache background job is a fresh process, so a web export costs about "cold" plus the job's
start; a Celery worker keeps its renderer, so it costs about "warm". Target: ≤ 10 s each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_S = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default="pdf,pptx,xlsx,csv")
    parser.add_argument("--out", metavar="DIR", help="also write each export into this directory, to look at")
    args = parser.parse_args(argv)

    from dashboard.exports import export, render
    from db import snapshots
    from db.demo import build_demo
    from db.engine import make_engine, read_session, write_session
    from db.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{os.path.join(tmp, 'bench.db')}")
        upgrade(engine)
        cid = build_demo(engine).campaign_id
        began = time.perf_counter()
        with write_session(engine) as s:
            cid, as_of = snapshots.default_view(s, cid)
            sid = snapshots.create(s, campaign_id=cid, as_of=as_of, metric="filing_rate", title="基准测试",
                                   actor="bench").id
        snap_s = time.perf_counter() - began
        with read_session(engine) as s:
            doc = snapshots.get(s, sid)
        engine.dispose()

    print(f"临沂 demo: {len(doc['units'])} units, as of {doc['filters']['as_of']}; snapshot taken in {snap_s:.2f} s "
          f"(document {len(str(doc)) / 1024:.0f} KB); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'format':6} | {'cold s':>7} | {'warm s (median of ' + str(args.runs) + ')':>24} | {'size':>9} | ok?")
    print("-" * 62)
    failed = False
    for fmt in args.formats.split(","):
        render.shutdown()  # no browser running: a true cold start for the formats that render
        t0 = time.perf_counter()
        data = export(doc, fmt)
        cold = time.perf_counter() - t0
        warm_runs = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            export(doc, fmt)
            warm_runs.append(time.perf_counter() - t0)
        warm = statistics.median(warm_runs)
        if args.out:
            Path(args.out).mkdir(parents=True, exist_ok=True)
            (Path(args.out) / f"snapshot.{fmt}").write_bytes(data)
        ok = cold <= TARGET_S and warm <= TARGET_S
        failed |= not ok
        print(f"{fmt:6} | {cold:7.2f} | {warm:24.2f} | {len(data) / 1024:6.0f} KB | {'ok' if ok else 'SLOW'}")
    start = render.renderer()
    render.shutdown()
    start = render.renderer()
    print(f"renderer cold start alone (Chromium via kaleido): {start.start():.2f} s")
    render.shutdown()
    print("targets: " + ("all met (≤ 10 s each)" if not failed else "NOT met"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
