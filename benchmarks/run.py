"""Benchmark the overview's server-side callbacks, payload sizes and memory on the demo campaign.

    python benchmarks/run.py [--runs N] [--database-url URL] [--json PATH] [--profile NAME]

Builds a fresh database: a temporary SQLite file by default; with --database-url (or
BENCH_DATABASE_URL) a PostgreSQL URL gets a fresh schema, dropped at the end, and any other URL is
used as is (init and demo are idempotent). Then drives the app through the Flask test client with
the POST /_dash-update-component bodies dash-renderer sends, built from app.callback_map.
Times are server time per request, wall clock (test-client overhead included, the request JSON is
encoded beforehand); "cpu" is this process's CPU time, steadier on a busy machine (it leaves out
the PostgreSQL server's own work). The router's `/` stands for the first viewer after a change: before
each of its requests (outside the timing) a new data version (new_data_version), so nothing kept per
data version is reused; the other requests keep the version the page was loaded at, as a viewer's do.
A measuring tool: prints the numbers, marks misses, exits 0.
"""
# ruff: noqa: E402

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import os
import pstats
import re
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plotly.io.json import to_json_plotly  # what Dash serialises responses with
from sqlalchemy import text

from app import create_app, settle_heap
from dashboard import ids
from dashboard.http.routes import GEOJSON_URL
from db.accounts.auth import DEMO_ACCOUNTS, audit, ensure_demo_accounts
from db.admin.presets import ensure_campaign, load_units, read_preset
from db.demo import build_demo
from db.demo.scale import ACCOUNTS, build_scale_demo
from db.engine import database_url, make_engine, write_session
from db.migrate import upgrade
from domain.metrics import DEFAULT_METRIC, METRICS

CALLBACK_MS, POLL_MS = 150.0, 10.0  # p95 targets: overview callbacks (from the issue); the idle live poll
FIRST_MAP_GZ_KB, PATCH_KB = 300.0, 10.0
DISTRICT = "371324"
UPDATE = "/_dash-update-component"
SCALES = ("city", "nation")  # --scale of naive.py and sql_share.py: the 临沂 demo, or the national one


SHARED_CASES = ("router / (overview page)", "update_data", f"metric switch {DEFAULT_METRIC}", f"router /district/{DISTRICT}")
OTHER_PAGES = ("/cases", "/summaries", "/instructors", "/evaluation", "/supervision", "/snapshots")


def setup_database(url: str | None, analyze: bool = True, scale: str = "city"):
    """(url, cleanup, setup timings, demo campaign id) of a migrated database with the demo of `scale`:
    "city" the preset and the 临沂 demo (279 reports); "province" or "nation" the tree and campaign of
    db/demo/scale.py instead (nation: 3,569 units, 38,556 reports, about 30 s on PostgreSQL)."""
    cleanup = lambda: None  # noqa: E731
    if not url:
        tmp = tempfile.mkdtemp(prefix="jizhong-bench-")
        url, cleanup = f"sqlite:///{tmp}/bench.db", lambda: shutil.rmtree(tmp, ignore_errors=True)
    elif database_url(url).startswith("postgresql"):  # like tests/conftest.py: a schema of our own
        base, schema = database_url(url), f"bench_{uuid.uuid4().hex[:12]}"
        admin = make_engine(base)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={schema}')}"

        def cleanup():
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()
    engine = make_engine(url)
    try:
        t0 = time.perf_counter()
        upgrade(engine)
        if scale == "city":
            preset = read_preset()
            with write_session(engine) as s:  # what `python -m db init` does
                load_units(s, preset)
                for spec in preset.get("campaigns", []):
                    ensure_campaign(s, spec)
            t1 = time.perf_counter()
            demo = build_demo(engine)
            with write_session(engine) as s:  # the benchmark signs in as the demo leader
                ensure_demo_accounts(s)
        else:  # what `python -m db demo --scale ...` does: the scale's tree, no 临沂 preset; its leaders too
            t1 = time.perf_counter()
            demo = build_scale_demo(engine, scale)
        if analyze:  # fresh rows, no statistics yet: what `python -m db demo` does after its build (and
            with engine.begin() as conn:  # PostgreSQL's autovacuum soon after); --no-analyze measures without
                conn.exec_driver_sql("ANALYZE")
        setup = {"migrate_preset_s": t1 - t0, "demo_build_s": demo.seconds, "demo_built": demo.built,
                 "demo_reports": demo.reports, "analyzed": analyze}
    except BaseException:
        cleanup()
        raise
    finally:
        engine.dispose()
    return url, cleanup, setup, demo.campaign_id


def request_body(app, output: str, values: dict, changed: list[str]) -> bytes:
    """dash-renderer's body for the callback that has `output` ("id.prop"): output, outputs, inputs and
    state with their values (looked up in `values` by "id.prop"), changedPropIds."""
    key = next(k for k in app.callback_map if k == output or f"..{output}.." in k or f"..{output}@" in k)
    cb = app.callback_map[key]
    outs = [{"id": o.component_id, "property": o.component_property.split("@")[0]}
            for o in (cb["output"] if isinstance(cb["output"], list) else [cb["output"]])]
    deps = lambda kind: [{**d, "value": values[f"{d['id']}.{d['property']}"]} for d in cb[kind]]  # noqa: E731
    return json.dumps({"output": key, "outputs": outs if key.startswith("..") else outs[0], "inputs": deps("inputs"),
                       "state": deps("state"), "changedPropIds": changed}).encode()


def post(client, body: bytes, expect: int = 200):
    r = client.post(UPDATE, data=body, content_type="application/json",
                    headers={"X-CSRFToken": client.get_cookie("_csrf_token").value})
    if r.status_code != expect:
        raise SystemExit(f"{UPDATE} answered {r.status_code}, expected {expect}: {r.get_data(as_text=True)[:300]}")
    return r


def timed(client, body: bytes, runs: int, expect: int, warmup: int = 3,
          before=None) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per request, after `warmup` unmeasured requests; `before()`, if given,
    runs before each request, outside the timing (e.g. new_data_version)."""
    wall, cpu = [], []
    for i in range(warmup + runs):
        if before is not None:
            before()
        t, c = time.perf_counter(), time.process_time()
        post(client, body, expect)
        if i >= warmup:
            wall.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    return wall, cpu


def new_data_version(engine) -> None:
    """A cheap real write that db.queries.data_version sees (an audit event of a data action, as a review
    writes one), for before a timed request that stands for the first computation after a change: the
    app then reuses nothing it keeps per data version (the overview's trend, dashboard/trend_memo.py)."""
    with write_session(engine) as s:
        audit(s, "benchmark", "report.benchmark", "基准测试：新的数据版本")


def idle_poll(app, client) -> bytes:
    """The live poll when nothing changed (answered 204): it carries the data version the page has now,
    read as the browser reads it (after new_data_version, the one the page set up with is stale)."""
    version = find_props(client.get("/_dash-layout").get_json(), ids.DATA_VERSION)["data"]
    return request_body(app, f"{ids.DATA_VERSION}.data", {f"{ids.DATA_VERSION}.data": version,
                                                          f"{ids.LIVE_INTERVAL}.n_intervals": 1},
                        [f"{ids.LIVE_INTERVAL}.n_intervals"])


def find_props(node, component_id: str):
    """The props of the component with this id, anywhere in a serialised layout."""
    if isinstance(node, dict) and isinstance(node.get("props"), dict) and node["props"].get("id") == component_id:
        return node["props"]
    for child in node.values() if isinstance(node, dict) else node if isinstance(node, list) else ():
        if (found := find_props(child, component_id)) is not None:
            return found
    return None


def page_area(client, router: bytes) -> int | None:
    """The overview's area store (ids.AREA) as the router's page `/` sets it, which the browser sends
    back with every data callback: None for the 临沂 root, the leader's area (全国) at national scale."""
    return find_props(post(client, router).get_json(), ids.AREA)["data"]


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def ok(passed: bool) -> str:
    return "ok" if passed else "MISS"


def table(head: list[str], rows: list[tuple]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda cells: " | ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)  # noqa: E731
                                    for i, (c, w) in enumerate(zip(cells, widths)))
    print("\n" + line(head) + "\n" + "-+-".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=50, help="measured requests per benchmark (default 50)")
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    p.add_argument("--no-analyze", action="store_true", help="skip the ANALYZE that `python -m db demo` runs after building the demo")
    p.add_argument("--json", metavar="PATH", help="also write the numbers to this file")
    p.add_argument("--profile", metavar="NAME", help="instead: cProfile one benchmark (name or prefix, e.g. update_data)")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still drop the schema / temp dir when killed
    url, cleanup, setup, campaign = setup_database(args.database_url, not args.no_analyze)
    try:
        # Computation is what is measured: the shared cache is off here (run() times its hits separately).
        app = create_app({"DATABASE_URL": url, "SESSION_COOKIE_SECURE": False,  # the test client speaks http
                          "SHARED_CACHE": {"CACHE_TYPE": "NullCache"}})
        settle_heap()  # as `python app.py` does
        try:
            return run(app, args, setup, campaign, url)
        finally:
            app.server.extensions["jizhong_engine"].dispose()
    finally:
        cleanup()


def shared_hits(url: str, cases: list[tuple], runs: int) -> dict:
    """The same requests on an app with the shared cache (local memory): after the first, each is a hit."""
    app = create_app({"DATABASE_URL": url, "SESSION_COOKIE_SECURE": False})
    try:
        client = app.server.test_client()
        sign_in(client)
        out = {}
        for name, body, expect, _ in cases:
            t, _cpu = timed(client, body, runs, expect)
            p95 = statistics.quantiles(t, n=100, method="inclusive")[94] if len(t) > 1 else t[0]
            out[name] = {"p50": statistics.median(t), "p95": p95, "max": max(t)}
        return out
    finally:
        app.server.extensions["jizhong_engine"].dispose()


def sign_in(client, scale: str = "city") -> None:
    """Through the real login form, as a leader would (the 临沂 demo's, or the top leader of a scale demo:
    demo-nation for "nation"); later posts carry the CSRF cookie's token."""
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    name, password, *_ = DEMO_ACCOUNTS[0] if scale == "city" else ACCOUNTS[scale][0]
    r = client.post("/login", data={"username": name, "password": password, "csrf_token": token})
    if r.status_code != 302:
        raise SystemExit(f"could not sign in as {name}: {r.status_code}")


def run(app, args, setup: dict, campaign: int, url: str) -> int:
    client = app.server.test_client()
    sign_in(client)
    layout = client.get("/_dash-layout").get_json()  # as the browser does first: it holds the data version
    values = {
        f"{ids.URL}.pathname": "/", f"{ids.URL}.search": "", f"{ids.CAMPAIGN}.value": campaign,
        f"{ids.AS_OF}.date": None, f"{ids.METRIC}.value": DEFAULT_METRIC, f"{ids.COMPOSITION_PART}.value": "ents",
        f"{ids.DATA_VERSION}.data": find_props(layout, ids.DATA_VERSION)["data"], f"{ids.LIVE_INTERVAL}.n_intervals": 1,
        f"{ids.AREA}.data": None,  # the overview's area store: the installation's root
    }
    page, route, metric = f"{ids.PAGE}.children", [f"{ids.URL}.pathname"], f"{ids.METRIC}.value"
    cases = [("router / (overview page)", request_body(app, page, values, route), 200, CALLBACK_MS)]
    cases += [(f"metric switch {key}", request_body(app, f"{ids.MAP}.figure", {**values, metric: key}, [metric]),
               200, CALLBACK_MS) for key in METRICS]  # update_data with the metric changed: map Patch, bars, ranking
    cases += [
        ("update_data", request_body(app, f"{ids.KPIS}.children", values, [f"{ids.AS_OF}.date"]), 200, CALLBACK_MS),
        ("date_choices", request_body(app, f"{ids.AS_OF}.disabled_days", values, [f"{ids.CAMPAIGN}.value"]), 200, CALLBACK_MS),
        ("poll, nothing changed (204)", idle_poll(app, client), 204, POLL_MS),
        (f"router /district/{DISTRICT}",
         request_body(app, page, {**values, f"{ids.URL}.pathname": f"/district/{DISTRICT}"}, route), 200, CALLBACK_MS),
    ]
    # The other pages a leader opens (issues 6 and 7); some fill their body in a follow-up callback.
    cases += [(f"router {path}", request_body(app, page, {**values, f"{ids.URL}.pathname": path}, route), 200,
               CALLBACK_MS) for path in OTHER_PAGES]
    action = {**values, f"{ids.AC_SAVED}.data": 0, f"{ids.AC_EV_TREND_DIM}.value": None}
    cases += [
        ("overview action panel", request_body(app, f"{ids.AC_PANEL}.children", values, [f"{ids.AS_OF}.date"]), 200,
         CALLBACK_MS),
        *[(f"{name} body", request_body(app, f"{out}.children", action, [f"{ids.URL}.search"]), 200, CALLBACK_MS)
          for name, out in (("instructors", ids.AC_IN_BODY), ("evaluation", ids.AC_EV_BODY),
                            ("supervision", ids.AC_SV_BODY))],
    ]

    if args.profile:
        name, body, expect, _ = next(c for c in cases if c[0].startswith(args.profile))
        post(client, body, expect)
        prof = cProfile.Profile()
        prof.runcall(lambda: [post(client, body, expect) for _ in range(args.runs)])
        print(f"cProfile of {name!r}, {args.runs} requests, by cumulative time:")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
        return 0

    results = {}
    engine = app.server.extensions["jizhong_engine"]
    for name, body, expect, target in cases:
        # The page stands for the first viewer after a change: a new data version before each request.
        # update_data (a date change) keeps the version the page was loaded at, as a viewer's does.
        fresh = (lambda: new_data_version(engine)) if name == cases[0][0] else None
        if expect == 204:
            body = idle_poll(app, client)
        t, cpu = timed(client, body, args.runs, expect, before=fresh)
        p95 = statistics.quantiles(t, n=100, method="inclusive")[94] if len(t) > 1 else t[0]
        results[name] = {"p50": statistics.median(t), "p95": p95, "max": max(t), "cpu_p50": statistics.median(cpu),
                         "target_p95": target, "ok": p95 <= target}
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    hits = shared_hits(url, [c for c in cases if c[0] in SHARED_CASES], args.runs)

    # Payloads: the first map (the router's "/" response) and the metric switch (a Patch, never geometry).
    first = post(client, cases[0][1]).get_data()
    the_map = to_json_plotly(find_props(json.loads(first), ids.MAP)["figure"]).encode()
    patches, switches = {}, {}
    for name, body, _, _ in cases[1:1 + len(METRICS)]:
        raw = post(client, body).get_data()
        fig = json.loads(raw)["response"][ids.MAP]["figure"]
        assert "__dash_patch_update" in fig, f"{name}: the map is not a partial update (Dash Patch)"
        assert "geojson" not in json.dumps(fig), f"{name}: the map patch carries geometry"
        patches[name.split()[-1]], switches[name] = len(to_json_plotly(fig).encode()), (len(raw), gz(raw))
    worst = max(patches, key=patches.get)
    # The map figure refers to its geometry by URL; the browser fetches it once (and caches it).
    geometry = client.get(GEOJSON_URL).get_data()
    sizes = {"router_overview_raw": len(first) + len(geometry), "router_overview_gzip": gz(first) + gz(geometry),
             "geometry_raw": len(geometry), "geometry_gzip": gz(geometry), "map_figure_raw": len(the_map),
             "map_figure_gzip": gz(the_map), "map_patch_raw_max": patches[worst], "map_patch_metric": worst,
             "metric_switch_response_raw_max": max(r for r, _ in switches.values()),
             "metric_switch_response_gzip_max": max(g for _, g in switches.values())}

    tracemalloc.start()
    post(client, cases[0][1])
    memory = {"peak_rss_mb": peak_rss_mb, "tracemalloc_overview_render_peak_mb": tracemalloc.get_traced_memory()[1] / 2**20}
    tracemalloc.stop()

    backend = "PostgreSQL" if database_url(url).startswith("postgresql") else "SQLite"
    print(f"\n{backend} · demo: {setup['demo_reports']} reports, built in {setup['demo_build_s']:.2f} s"
          f"{'' if setup['demo_built'] else ' (was there already)'} (migrate+preset {setup['migrate_preset_s']:.2f} s)"
          f"{' · ANALYZEd' if setup['analyzed'] else ''} · {args.runs} runs each after 3 warm-up · load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    table(["benchmark (wall ms)", "p50", "p95", "max", "target", "ok?", "cpu p50"],
          [(n, f"{r['p50']:.1f}", f"{r['p95']:.1f}", f"{r['max']:.1f}", f"p95 ≤ {r['target_p95']:.0f}", ok(r["ok"]),
            f"{r['cpu_p50']:.1f}") for n, r in results.items()])
    checks = [
        ("first map payload: router / + GeoJSON", f"{kb(sizes['router_overview_raw'])} raw",
         f"{kb(sizes['router_overview_gzip'])} gz", f"≤ {FIRST_MAP_GZ_KB:.0f} KB gz",
         ok(sizes["router_overview_gzip"] <= FIRST_MAP_GZ_KB * 1024)),
        ("  of which the map figure", f"{kb(sizes['map_figure_raw'])} raw", f"{kb(sizes['map_figure_gzip'])} gz", "", ""),
        ("  of which the GeoJSON (12 counties)", f"{kb(sizes['geometry_raw'])} raw", f"{kb(sizes['geometry_gzip'])} gz",
         "", ""),
        (f"metric switch: map Patch (largest: {worst})", f"{kb(sizes['map_patch_raw_max'])} raw", "",
         f"≤ {PATCH_KB:.0f} KB raw", ok(sizes["map_patch_raw_max"] <= PATCH_KB * 1024)),
        ("metric switch: whole update_data response", f"{kb(sizes['metric_switch_response_raw_max'])} raw",
         f"{kb(sizes['metric_switch_response_gzip_max'])} gz", "", ""),
        ("peak RSS of this process (after the runs)", f"{memory['peak_rss_mb']:.0f} MB", "", "", ""),
        ("tracemalloc peak, one overview render", f"{memory['tracemalloc_overview_render_peak_mb']:.1f} MB", "", "", ""),
    ]
    table(["served from the shared cache (wall ms)", "p50", "p95", "max"],
          [(n, f"{r['p50']:.1f}", f"{r['p95']:.1f}", f"{r['max']:.1f}") for n, r in hits.items()])
    table(["payload / memory", "size", "gzip -6", "target", "ok?"], checks)
    misses = [n for n, r in results.items() if not r["ok"]] + [c[0] for c in checks if c[4] == "MISS"]
    print("\ntargets: all met" if not misses else f"\nMISSED: {', '.join(misses)}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"backend": backend, "runs": args.runs, "setup": setup, "timings_ms": results,
                                               "sizes_bytes": sizes, "memory": memory, "shared_hits_ms": hits, "misses": misses}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
