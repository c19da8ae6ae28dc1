"""How much of the overview's first computation is its own SQL: router `/`, update_data on each kind of change.

    python benchmarks/sql_share.py [--runs N] [--database-url URL] [--scale city|nation] [--profile NAME] [--json PATH]

The demo database is built as benchmarks/run.py builds it (a temporary SQLite file, or a fresh
PostgreSQL schema with --database-url): with --scale city (the default) the 临沂 demo, signed in as
its leader; with --scale nation the national demo (3,569 units, ~115,000 report lines), signed in as
demo-nation, whose `/` is 全国 with the provinces as its children. The app runs with the shared
cache off, so every request computes (the first viewer after a change). Each request goes through
the Flask test client with the body dash-renderer sends; the data callbacks carry the area store as
the router's page set it. For each callback it prints, as medians over --runs:

- total: wall ms of the request (session and CSRF checks, the callback, JSON encoding);
- in-callback SQL: the sum of the cursor executions during the request (SQLAlchemy
  before/after_cursor_execute), and how many statements;
- SQL + fetch: those same statements replayed alone on a raw DBAPI connection, each executed and
  all its rows fetched (SQLite does most of a query's work while rows are fetched, after
  after_cursor_execute has fired, so the in-callback figure understates it);
- ratio: total / (SQL + fetch), both wall medians; the issue 14 goal is <= 2;
- floor: the same measures for the live poll when nothing changed (session and CSRF checks, Dash's
  dispatch, one small query, a 204): what any callback request costs before it computes anything;
  "(total - floor) / SQL" is then the callback's own computation over its SQL.

On a page that shows the action panel (a city's), the page's answer carries only the panel's frame and
Dash asks for the panel at once, in a request of its own: "refresh_panel: after the page".

"router /", "update_data: new data" and the panel stand for the first computation after a change: before each of
their requests (warm-ups included, outside the timed region) a cheap real write gives the data a new
version (benchmarks/run.new_data_version: an audit event data_version sees), so nothing the app keeps per
data version (the overview's trend, dashboard/trend_memo.py) is reused. "update_data: date" and
"update_data: metric" keep the version, as in real use (a viewer changes the date on a page already
loaded): the page is loaded at that version first, so the date change finds the trend read by it.

The CPU columns (this process only) are steadier on a busy machine; on PostgreSQL they leave out
the server's own work.

With --profile NAME (a prefix of a request's name: router, "update_data: date", floor) it prints a cProfile of that
request instead. A measuring tool: prints the numbers, exits 0.
"""
# ruff: noqa: E402

from __future__ import annotations

import argparse
import cProfile
import functools
import inspect
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event

from app import create_app, settle_heap
from benchmarks.run import (
    SCALES,
    find_props,
    idle_poll,
    new_data_version,
    page_area,
    post,
    request_body,
    setup_database,
    sign_in,
    table,
)
from dashboard import ids
from db.engine import database_url
from domain.metrics import DEFAULT_METRIC


class StatementLog:
    """Every cursor execution on `engine` while `on`: (statement, parameters, seconds)."""

    def __init__(self, engine) -> None:
        self.on, self.items, self._t0, self.seconds = False, [], 0.0, 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._t0 = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        spent = time.perf_counter() - self._t0
        self.seconds += spent
        if self.on:
            self.items.append((statement, parameters, spent))


class DbCalls:
    """Wall time in the data layer: every function of the loaded db.* modules (db.engine, models and
    migrations aside) is wrapped; only outermost calls count, by name, with the cursor time inside.
    Calls through names bound by `from db.x import f` elsewhere are not seen (they count as the rest)."""

    SKIP = ("db.engine", "db.models", "db.migrat", "db.clock")

    def __init__(self, log: StatementLog) -> None:
        self.log, self.depth, self.by_name, self.seconds = log, 0, {}, 0.0
        for name, mod in list(sys.modules.items()):
            if not name.startswith("db.") or name.startswith(self.SKIP) or mod is None:
                continue
            for attr, fn in list(vars(mod).items()):
                if inspect.isfunction(fn) and fn.__module__ == name and not inspect.isgeneratorfunction(fn):
                    setattr(mod, attr, self._wrap(f"{name}.{attr}", fn))

    def reset(self) -> None:
        self.by_name, self.seconds = {}, 0.0

    def _wrap(self, name: str, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if self.depth:
                return fn(*args, **kwargs)
            self.depth += 1
            t, sql = time.perf_counter(), self.log.seconds
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1
                spent = time.perf_counter() - t
                self.seconds += spent
                calls, total, in_sql = self.by_name.get(name, (0, 0.0, 0.0))
                self.by_name[name] = (calls + 1, total + spent, in_sql + self.log.seconds - sql)
        return timed


def replay_seconds(engine, statements: list[tuple], rounds: int = 9) -> tuple[float, float, int]:
    """Median over `rounds` of the wall and CPU time to execute every read statement and fetch all
    its rows, alone on a raw DBAPI connection; and how many statements were left out (not reads)."""
    reads = [(sql, params) for sql, params, _ in statements
             if sql.lstrip().split(None, 1)[0].upper() in ("SELECT", "WITH")]
    raw = engine.raw_connection()
    try:
        times, cpu = [], []
        for _ in range(rounds + 1):  # the first round warms caches and prepared plans, as the app's were
            t, c = time.perf_counter(), time.process_time()
            for sql, params in reads:
                cur = raw.cursor()
                cur.execute(sql, params)
                cur.fetchall()
                cur.close()
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            raw.rollback()
        return statistics.median(times[1:]), statistics.median(cpu[1:]), len(statements) - len(reads)
    finally:
        raw.close()


PACKAGES = (  # (label, what the profiled file's path contains), first match wins
    ("SQLite / psycopg (C: execute, fetch)", ("sqlite3.Cursor", "sqlite3.Connection", "psycopg")),
    ("SQLAlchemy (build, compile, cache keys, results)", ("/sqlalchemy/",)),
    ("pandas / numpy", ("/pandas/", "/numpy/")),
    ("plotly (JSON encoding)", ("/plotly/", "/_plotly_utils/")),
    ("orjson / json", ("orjson", "json/")),
    ("Dash (components, dispatch)", ("/dash/",)),
    ("Flask / Werkzeug / flask-login etc.", ("/flask", "/werkzeug/")),
    ("project db/", ("/db/",)),
    ("project dashboard/ + callbacks/", ("/dashboard/", "/callbacks/")),
    ("project domain/", ("/domain/",)),
)


def print_by_package(stats: pstats.Stats, runs: int) -> None:
    """Exclusive (own) time per package, per request: where the time goes, whoever called it."""
    totals: dict[str, float] = {}
    for (path, _line, func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():
        where = f"{path}:{func}"
        label = next((lab for lab, keys in PACKAGES if any(k in where for k in keys)), "other (stdlib, builtins)")
        totals[label] = totals.get(label, 0.0) + tottime
    whole = sum(totals.values())
    table(["own time by package (profiled)", "ms / request", "share"],
          [(k, f"{v * 1000 / runs:.1f}", f"{100 * v / whole:.0f}%") for k, v in sorted(totals.items(), key=lambda kv: -kv[1])])


FLOOR = "floor: live poll, no change"
ROUTER, NEW_DATA, DATE = "router /", "update_data: new data", "update_data: date"
PANEL = "refresh_panel: after the page"  # the action panel, filled right after a city page (its own request)
FRESH = (ROUTER, NEW_DATA, PANEL)  # the first computation after a change: a new data version before each request


def cases_for(app, client, campaign: int, layout: dict) -> list[tuple[str, bytes, int]]:
    """(name, body, expected status) of each request measured: the page, the one data callback on each
    kind of change, and the floor (a request with next to nothing to do, answered 204)."""
    values = {
        f"{ids.URL}.pathname": "/", f"{ids.URL}.search": "", f"{ids.CAMPAIGN}.value": campaign,
        f"{ids.AS_OF}.date": None, f"{ids.METRIC}.value": DEFAULT_METRIC, f"{ids.COMPOSITION_PART}.value": "ents",
        f"{ids.DATA_VERSION}.data": find_props(layout, ids.DATA_VERSION)["data"],
    }
    router = request_body(app, f"{ids.PAGE}.children", values, [f"{ids.URL}.pathname"])
    values[f"{ids.AREA}.data"] = page_area(client, router)
    data = lambda changed: request_body(app, f"{ids.KPIS}.children", values, [changed])  # noqa: E731
    # The page places the action panel's frame where it shows the panel (a city's page): Dash then asks
    # refresh_panel for it at once, a request of its own.
    placed = f'"{ids.AC_PANEL}"' in post(client, router, 200).get_data(as_text=True)
    panel = [(PANEL, request_body(app, f"{ids.AC_PANEL}.children", values, [f"{ids.DATA_VERSION}.data"]), 200)]
    return [
        (ROUTER, router, 200),
        *(panel if placed else []),
        (NEW_DATA, data(f"{ids.DATA_VERSION}.data"), 200),  # what every open page asks after a submission
        (DATE, data(f"{ids.AS_OF}.date"), 200),
        ("update_data: metric", data(f"{ids.METRIC}.value"), 200),
        (FLOOR, idle_poll(app, client), 204),
    ]


def measure(client, engine, log: StatementLog, db: DbCalls, body: bytes, expect: int, runs: int, fresh: bool) -> dict:
    """The request's numbers over `runs`; `fresh`: a new data version before each one (outside the timing)."""
    for _ in range(3):
        if fresh:
            new_data_version(engine)
        post(client, body, expect)
    totals, cpus, in_sql, counts, in_db, by_name = [], [], [], [], [], {}
    for _ in range(runs):
        if fresh:
            new_data_version(engine)
        log.items = []
        db.reset()
        log.on = True
        t, c = time.perf_counter(), time.process_time()
        post(client, body, expect)
        totals.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
        log.on = False
        in_sql.append(sum(x[2] for x in log.items))
        counts.append(len(log.items))
        in_db.append(db.seconds)
        for name, (calls, spent, sql) in db.by_name.items():
            old = by_name.get(name, (0, 0.0, 0.0))
            by_name[name] = (old[0] + calls / runs, old[1] + spent / runs, old[2] + sql / runs)
    statements = list(log.items)
    replay, replay_cpu, skipped = replay_seconds(engine, statements)
    total, db_layer = statistics.median(totals), statistics.median(in_db)
    return {"total_ms": total * 1000, "total_min_ms": min(totals) * 1000, "cpu_ms": statistics.median(cpus) * 1000,
            "in_callback_sql_ms": statistics.median(in_sql) * 1000, "db_layer_ms": db_layer * 1000,
            "statements": statistics.median(counts), "not_replayed": skipped, "sql_fetch_ms": replay * 1000,
            "sql_fetch_cpu_ms": replay_cpu * 1000, "ratio": total / replay if replay else float("inf"),
            "ratio_without_db_python": (total - db_layer + replay) / replay if replay else float("inf"),
            "db_calls": {k: {"calls": v[0], "ms": v[1] * 1000, "cursor_ms": v[2] * 1000} for k, v in by_name.items()},
            "sql": [s for s, _, _ in statements]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    p.add_argument("--scale", choices=SCALES, default="city", help="the 临沂 demo (default) or the national one")
    p.add_argument("--profile", metavar="NAME")
    p.add_argument("--show-sql", action="store_true", help="also list the statements of each callback")
    p.add_argument("--by-function", action="store_true", help="also time each db.* function the callbacks call")
    p.add_argument("--json", metavar="PATH")
    args = p.parse_args()
    url, cleanup, setup, campaign = setup_database(args.database_url, scale=args.scale)
    try:
        app = create_app({"DATABASE_URL": url, "SESSION_COOKIE_SECURE": False,
                          "SHARED_CACHE": {"CACHE_TYPE": "NullCache"}})
        settle_heap()
        engine = app.server.extensions["jizhong_engine"]
        try:
            client = app.server.test_client()
            sign_in(client, args.scale)
            layout = client.get("/_dash-layout").get_json()
            cases = cases_for(app, client, campaign, layout)
            if args.profile:
                name, body, expect = next(c for c in cases if c[0].startswith(args.profile))
                post(client, body, expect)
                prof = cProfile.Profile()
                for _ in range(args.runs):
                    if name in FRESH:
                        new_data_version(engine)
                    prof.runcall(post, client, body, expect)
                print(f"cProfile of {name!r}, {args.runs} requests:")
                stats = pstats.Stats(prof)
                stats.sort_stats("cumulative").print_stats(60)
                stats.sort_stats("tottime").print_stats(30)
                print_by_package(stats, args.runs)
                return 0
            log = StatementLog(engine)
            db = DbCalls(log)
            results = {}
            for name, body, expect in cases:
                if name == DATE:  # the viewer's page was loaded at this version before the date changes
                    post(client, cases[0][1], 200)
                if name == FLOOR:
                    body = idle_poll(app, client)
                results[name] = measure(client, engine, log, db, body, expect, args.runs, fresh=name in FRESH)
        finally:
            engine.dispose()
    finally:
        cleanup()
    backend = "PostgreSQL" if database_url(url).startswith("postgresql") else "SQLite"
    print(f"\n{backend} · {args.scale} demo ({setup['demo_reports']:,} reports) · shared cache off · median of {args.runs} requests"
          f" · load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    floor = results[FLOOR]["total_ms"]
    for r in results.values():
        r["ratio_over_floor"] = ((r["total_ms"] - floor) / r["sql_fetch_ms"]) if r["sql_fetch_ms"] else float("inf")
    table(["callback", "total ms", "min", "cpu ms", "statements", "in-callback SQL ms", "SQL + fetch ms", "its cpu ms",
           "db layer ms", "total / SQL", "if db = SQL", "(total - floor) / SQL"],
          [(n, f"{r['total_ms']:.1f}", f"{r['total_min_ms']:.1f}", f"{r['cpu_ms']:.1f}", f"{r['statements']:.0f}",
            f"{r['in_callback_sql_ms']:.1f}", f"{r['sql_fetch_ms']:.1f}", f"{r['sql_fetch_cpu_ms']:.1f}",
            f"{r['db_layer_ms']:.1f}", f"{r['ratio']:.1f}×", f"{r['ratio_without_db_python']:.1f}×",
            "" if n == FLOOR else f"{r['ratio_over_floor']:.1f}×")
           for n, r in results.items()])
    print("total: wall ms of the request (median; min); cpu: this process's CPU ms (steadier on a busy machine);\n"
          "SQL + fetch: the same statements replayed alone, rows fetched (wall; its cpu); db layer: wall ms inside\n"
          "db.* functions (their SQL included); total / SQL: wall over wall; if db = SQL: the ratio were the db layer\n"
          "to cost only its SQL + fetch (total - db layer + SQL, over SQL); floor: what any callback request costs\n"
          "here with next to nothing to do (session, CSRF, Dash dispatch, one small query, a 204); (total - floor) / SQL:\n"
          "the callback's own computation over its SQL")
    if args.by_function:
        for name, r in results.items():
            table([f"{name}: db functions (outermost)", "calls", "ms / request", "cursor ms"],
                  [(k, f"{v['calls']:.0f}", f"{v['ms']:.1f}", f"{v['cursor_ms']:.1f}")
                   for k, v in sorted(r["db_calls"].items(), key=lambda kv: -kv[1]["ms"])])
    if args.show_sql:
        for name, r in results.items():
            print(f"\n{name}:")
            for s in r["sql"]:
                print("  ", " ".join(s.split())[:160])
    if args.json:
        Path(args.json).write_text(json.dumps({"backend": backend, "runs": args.runs, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
