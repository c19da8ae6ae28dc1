"""Benchmark the overview's server-side callbacks, payload sizes and memory on the demo campaign.

    python benchmarks/run.py [--runs N] [--database-url URL] [--json PATH] [--profile NAME]

Builds a fresh database (a temporary SQLite file, or with --database-url / BENCH_DATABASE_URL a
fresh schema in that PostgreSQL database, dropped at the end; another SQLite URL is used as is),
then drives the app through the Flask test client with the same POST /_dash-update-component
bodies dash-renderer sends. Times are server time per request (test-client overhead included,
request JSON encoded beforehand). A measuring tool: prints the numbers, marks misses, exits 0.
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import os
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plotly.io.json import to_json_plotly  # noqa: E402  (what Dash serialises responses with)
from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from dashboard import ids  # noqa: E402
from dashboard.metrics import DEFAULT_METRIC, METRICS  # noqa: E402
from db.demo import build_demo  # noqa: E402
from db.engine import database_url, make_engine, write_session  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.presets import ensure_campaign, load_units, read_preset  # noqa: E402

CALLBACK_MS, POLL_MS = 150.0, 10.0  # p95 targets: overview callbacks (the issue); the idle live poll
FIRST_MAP_GZ_KB, PATCH_KB = 300.0, 10.0
DISTRICT = "371324"
UPDATE = "/_dash-update-component"


def setup_database(url: str | None):
    """Returns (url, cleanup, {timings}, campaign id) for a migrated database with the preset and the demo."""
    cleanup, tmp = (lambda: None), None
    if not url:
        tmp = tempfile.mkdtemp(prefix="jizhong-bench-")
        url = f"sqlite:///{tmp}/bench.db"
        cleanup = lambda: shutil.rmtree(tmp, ignore_errors=True)  # noqa: E731
    elif database_url(url).startswith("postgresql"):
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
        preset = read_preset()
        with write_session(engine) as s:
            load_units(s, preset)
            for spec in preset.get("campaigns", []):
                ensure_campaign(s, spec)
        t1 = time.perf_counter()
        summary = build_demo(engine)
        setup = {"migrate_preset_s": t1 - t0, "demo_build_s": time.perf_counter() - t1, "demo_built": summary.built,
                 "demo_reports": summary.reports}
    except BaseException:
        engine.dispose()
        cleanup()
        raise
    engine.dispose()
    return url, cleanup, setup, summary.campaign_id


def callback_key(app, output: str) -> str:
    """The callback_map key of the callback that has `output` ("id.prop") among its outputs."""
    for key in app.callback_map:
        if key == output or f"..{output}.." in key or f"..{output}@" in key:
            return key
    raise KeyError(output)


def request_body(app, output: str, values: dict, changed: list[str]) -> bytes:
    """The JSON body dash-renderer posts: output, outputs, inputs and state with values, changedPropIds."""
    key = callback_key(app, output)
    cb = app.callback_map[key]
    outs = cb["output"] if isinstance(cb["output"], list) else [cb["output"]]
    outputs = [{"id": o.component_id, "property": o.component_property.split("@")[0]} for o in outs]

    def with_values(deps):
        return [{**d, "value": values[f"{d['id']}.{d['property']}"]} for d in deps]

    return json.dumps({
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],
        "inputs": with_values(cb["inputs"]),
        "state": with_values(cb["state"]),
        "changedPropIds": changed,
    }).encode()


def post(client, body: bytes, expect: int = 200):
    r = client.post(UPDATE, data=body, content_type="application/json")
    if r.status_code != expect:
        raise SystemExit(f"{UPDATE} answered {r.status_code}, expected {expect}: {r.get_data(as_text=True)[:300]}")
    return r


def timed(client, body: bytes, runs: int, expect: int = 200, warmup: int = 3) -> list[float]:
    times = []
    for i in range(warmup + runs):
        t = time.perf_counter()
        post(client, body, expect)
        if i >= warmup:
            times.append((time.perf_counter() - t) * 1000)
    return times


def find_props(node, component_id: str):
    """The props of the component with this id, anywhere in a serialised layout."""
    if isinstance(node, dict):
        if isinstance(node.get("props"), dict) and node["props"].get("id") == component_id:
            return node["props"]
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = find_props(child, component_id)
        if found is not None:
            return found
    return None


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    p.add_argument("--json", metavar="PATH", help="also write the numbers to this file")
    p.add_argument("--profile", metavar="NAME", help="cProfile one benchmark (a name from the table, or a prefix)")
    args = p.parse_args()

    url, cleanup, setup, campaign = setup_database(args.database_url)
    try:
        app = create_app({"DATABASE_URL": url})
        try:
            return run(app, args, setup, campaign, url)
        finally:
            app.server.extensions["jizhong_engine"].dispose()
    finally:
        cleanup()


def run(app, args, setup: dict, campaign: int, url: str) -> int:
    client = app.server.test_client()
    layout = client.get("/_dash-layout").get_json()  # what the browser loads first
    values = {
        f"{ids.URL}.pathname": "/", f"{ids.URL}.search": "", f"{ids.CAMPAIGN}.value": campaign,
        f"{ids.AS_OF}.value": "", f"{ids.METRIC}.value": DEFAULT_METRIC, f"{ids.COMPOSITION_PART}.value": "ents",
        f"{ids.DATA_VERSION}.data": find_props(layout, ids.DATA_VERSION)["data"], f"{ids.LIVE_INTERVAL}.n_intervals": 1,
    }
    page, route = f"{ids.PAGE}.children", [f"{ids.URL}.pathname"]
    cases = [("router / (overview page)", request_body(app, page, values, route), 200, CALLBACK_MS)]
    for key in METRICS:
        body = request_body(app, f"{ids.MAP}.figure", {**values, f"{ids.METRIC}.value": key}, [f"{ids.METRIC}.value"])
        cases.append((f"update_metric {key}", body, 200, CALLBACK_MS))
    cases += [
        ("update_data", request_body(app, f"{ids.KPIS}.children", values, [f"{ids.AS_OF}.value"]), 200, CALLBACK_MS),
        ("date_choices", request_body(app, f"{ids.AS_OF}.options", values, [f"{ids.CAMPAIGN}.value"]), 200, CALLBACK_MS),
        ("poll, nothing changed (204)",
         request_body(app, f"{ids.DATA_VERSION}.data", values, [f"{ids.LIVE_INTERVAL}.n_intervals"]), 204, POLL_MS),
        (f"router /district/{DISTRICT}",
         request_body(app, page, {**values, f"{ids.URL}.pathname": f"/district/{DISTRICT}"}, route), 200, CALLBACK_MS),
    ]

    if args.profile:
        name, body, expect, _ = next(c for c in cases if c[0].startswith(args.profile))
        post(client, body, expect)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.runs):
            post(client, body, expect)
        prof.disable()
        print(f"cProfile: {name}, {args.runs} runs (cumulative, top 40)")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)
        return 0

    results = {}
    for name, body, expect, target in cases:
        t = timed(client, body, args.runs, expect)
        p95 = statistics.quantiles(t, n=100, method="inclusive")[94] if len(t) > 1 else t[0]
        results[name] = {"p50": statistics.median(t), "p95": p95, "max": max(t), "target_p95": target, "ok": p95 <= target}

    # Payloads: the first map (router "/") and the metric switch (a Patch of the map, never its geometry).
    first = post(client, cases[0][1]).get_data()
    the_map = find_props(json.loads(first), ids.MAP)["figure"]
    map_bytes = to_json_plotly(the_map).encode()
    patch_sizes, switch_sizes = {}, {}
    for key in METRICS:
        body = post(client, next(c[1] for c in cases if c[0] == f"update_metric {key}")).get_data()
        fig = json.loads(body)["response"][ids.MAP]["figure"]
        assert "__dash_patch_update" in fig, f"update_metric {key}: the map is not a partial update (Dash Patch)"
        assert "geojson" not in json.dumps(fig), f"update_metric {key}: the patch carries geometry"
        patch_sizes[key], switch_sizes[key] = len(to_json_plotly(fig).encode()), len(body)
    worst = max(patch_sizes, key=patch_sizes.get)
    sizes = {
        "router_overview_raw": len(first), "router_overview_gzip": gz(first),
        "map_figure_raw": len(map_bytes), "map_figure_gzip": gz(map_bytes),
        "map_patch_raw_max": patch_sizes[worst], "map_patch_metric": worst,
        "update_metric_response_raw_max": max(switch_sizes.values()),
        "update_metric_response_gzip_max": max(gz(post(client, c[1]).get_data()) for c in cases if "metric" in c[0]),
    }

    tracemalloc.start()
    post(client, cases[0][1])
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    memory = {"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
              "tracemalloc_overview_render_peak_mb": traced_peak / 2**20}

    backend = "PostgreSQL" if database_url(url).startswith("postgresql") else "SQLite"
    print(f"\n{backend} · demo: {setup['demo_reports']} reports, build {setup['demo_build_s']:.2f} s"
          f"{'' if setup['demo_built'] else ' (already there, not rebuilt)'}, migrate+preset"
          f" {setup['migrate_preset_s']:.2f} s · {args.runs} runs each after 3 warm-up · load average"
          f" {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    rows = [(n, f"{r['p50']:.1f}", f"{r['p95']:.1f}", f"{r['max']:.1f}", f"p95 ≤ {r['target_p95']:.0f}",
             "ok" if r["ok"] else "MISS") for n, r in results.items()]
    table(["benchmark (ms)", "p50", "p95", "max", "target", "ok?"], rows)
    checks = [
        ("first map payload: router / response", f"{kb(sizes['router_overview_raw'])} raw",
         f"{kb(sizes['router_overview_gzip'])} gz", f"≤ {FIRST_MAP_GZ_KB:.0f} KB gz",
         ok(sizes["router_overview_gzip"] <= FIRST_MAP_GZ_KB * 1024)),
        ("  of which the map figure", f"{kb(sizes['map_figure_raw'])} raw", f"{kb(sizes['map_figure_gzip'])} gz",
         "", ""),
        (f"metric switch: map Patch (max, {worst})", f"{kb(sizes['map_patch_raw_max'])} raw", "",
         f"≤ {PATCH_KB:.0f} KB raw", ok(sizes["map_patch_raw_max"] <= PATCH_KB * 1024)),
        ("metric switch: whole update_metric response", f"{kb(sizes['update_metric_response_raw_max'])} raw",
         f"{kb(sizes['update_metric_response_gzip_max'])} gz", "", ""),
        ("peak RSS of this process", f"{memory['peak_rss_mb']:.0f} MB", "", "", ""),
        ("tracemalloc peak, one overview render", f"{memory['tracemalloc_overview_render_peak_mb']:.1f} MB", "", "", ""),
    ]
    table(["payload / memory", "size", "gzip -6", "target", "ok?"], checks)
    misses = [n for n, r in results.items() if not r["ok"]] + [c[0] for c in checks if c[4] == "MISS"]
    print("targets: all met" if not misses else f"MISSED: {', '.join(misses)}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"backend": backend, "runs": args.runs, "setup": setup, "timings_ms": results,
                                               "sizes_bytes": sizes, "memory": memory, "misses": misses}, indent=2))
    return 0


def ok(passed: bool) -> str:
    return "ok" if passed else "MISS"


def table(head: list[str], rows: list[tuple]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    line = lambda cells: " | ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)  # noqa: E731
                                    for i, (c, w) in enumerate(zip(cells, widths)))
    print("\n" + line(head) + "\n" + "-+-".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


if __name__ == "__main__":
    sys.exit(main())
