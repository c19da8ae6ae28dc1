"""The overview of any area at 12 / 136 / 2,875 county-level units: server time, payload, interactive.

    TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test python benchmarks/areas.py [--runs 20]
    python benchmarks/areas.py --sqlite              # the same on temporary SQLite files
    python benchmarks/areas.py --scales city,province # a subset (city = the 临沂 demo)

For each scale, a fresh database (a new PostgreSQL schema, or a SQLite file) is migrated and filled
(`python -m db demo`, `demo --scale province`, `demo --scale nation`; the build is timed and
ANALYZEd), then served by waitress in a child process, as `python app.py` does, twice: with the
shared cache (as in production) and with it off (`SHARED_CACHE` NullCache: every answer computed).

For every page of the scale (the top of the leader's scope and the areas below it, down to a
county), headless Chromium signs in as the scale's leader and opens the page in a fresh context:
- interactive: the page's own clock from navigation until the map is drawn and still and no Dash
  callback is pending;
- first payload: bytes that crossed the network for the page's data (the HTML, `_dash-layout`,
  `_dash-dependencies`, every `_dash-update-component` answer and the boundaries), not the
  JavaScript and CSS files, which a browser caches for a year (benchmarks/first_load.py has those);
- the page's Dash requests (router and data callbacks) are recorded as sent.
Then each recorded request is replayed `--runs` times over HTTP, one after another, against the
cache-off server ("state cold": every callback computes from the database; before each run, outside
the timing, a new data version (benchmarks/run.new_data_version), so nothing the app keeps per data
version, such as the overview's trend, is reused: the first viewer after a change) and the cached one
(after one warm-up: what every other viewer gets). "server time" is a page's whole set of Dash
requests replayed in sequence (what one viewer costs the server; the browser overlaps some of
them), p50 and p95 over the runs.

Every request stays on 127.0.0.1. A measuring tool: prints the numbers and exits 0.
"""
# ruff: noqa: E402

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.first_load import Traffic, free_port, new_context
from benchmarks.run import new_data_version, table

# Per scale: the leader who signs in, and the pages opened (the top of the scope first).
SCALES = {
    "city": ("demo-leader", None, ("/", "/district/371302")),
    "province": ("demo-shandong", "shandong-2017-demo", ("/", "/area/371300", "/district/371302")),
    "nation": ("demo-nation", "nation-2017-demo", ("/", "/area/370000", "/area/371300", "/district/371302")),
}
SECRET_KEY = "bench-areas-" + uuid.uuid4().hex
COUNTIES = {"city": "12", "province": "136", "nation": "2,875"}
DATA_PATHS = ("/_dash-layout", "/_dash-dependencies", "/_dash-update-component", "/geo/")
# Interactive: the map (if the page has one) is drawn and still, and no Dash callback is pending.
READY_JS = """
() => {
    if (document.querySelector('[data-dash-is-loading="true"]')) return false;
    if (!document.querySelector('#_pages_content, #page-content, .card')) return false;
    const gds = Array.from(document.querySelectorAll('.js-plotly-plot'));
    if (!gds.length) return false;
    for (const gd of gds) {
        if (!gd._fullLayout) return false;
        const sub = gd._fullLayout.map && gd._fullLayout.map._subplot;
        if (sub && !(sub.map && sub.map.isStyleLoaded() && !sub.map.isMoving())) return false;
    }
    return performance.now();
}
"""


@dataclass
class PageResult:
    path: str
    interactive_ms: float = 0.0
    payload: int = 0
    requests: list[tuple[dict, bytes]] = field(default_factory=list)  # (headers, body) of each Dash POST
    cold_ms: list[float] = field(default_factory=list)
    cached_ms: list[float] = field(default_factory=list)


# --- databases ---------------------------------------------------------------------------------


def _database(base: str | None, tmp: Path, scale: str) -> tuple[str, callable]:
    """(URL, drop) of a fresh, empty database for one scale."""
    if base is None:
        return f"sqlite:///{tmp}/{scale}.db", lambda: None
    from sqlalchemy import text

    from db.engine import make_engine

    schema = f"bench_{scale}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}", drop


def build(url: str, scale: str) -> float:
    """Migrate and fill; seconds taken by the demo build itself."""
    from sqlalchemy import text

    from db.engine import make_engine
    from db.migrate import upgrade

    started = time.perf_counter()
    if scale == "city":
        from tests.browser.conftest import build_demo_database

        build_demo_database(url)  # migrates too
    else:
        from db.demo.scale import build_scale_demo

        engine = make_engine(url)
        upgrade(engine)
        started = time.perf_counter()
        build_scale_demo(engine, scale)
        engine.dispose()
    seconds = time.perf_counter() - started
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return seconds


# --- the server ----------------------------------------------------------------------------------

SERVE = """
import os, sys
sys.path.insert(0, {root!r})
from waitress import serve
from app import create_app, settle_heap
config = {{"DATABASE_URL": os.environ["DATABASE_URL"], "SESSION_COOKIE_SECURE": False}}
if os.environ.get("BENCH_CACHE") == "off":
    config["SHARED_CACHE"] = {{"CACHE_TYPE": "NullCache"}}
app = create_app(config)
settle_heap()
serve(app.server, host="127.0.0.1", port=int(os.environ["PORT"]), threads=8,
      max_request_body_size=app.server.config["MAX_CONTENT_LENGTH"])
"""


def serve(url: str, cached: bool) -> tuple[str, subprocess.Popen]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "BENCH_CACHE": "on" if cached else "off",
           "SECRET_KEY": SECRET_KEY}  # one key: cookies recorded on one server are replayed on the other
    env.pop("REDIS_URL", None)  # the local cache: one process
    proc = subprocess.Popen([sys.executable, "-c", SERVE.format(root=str(ROOT))], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return f"http://127.0.0.1:{port}", proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"server exited: {proc.stderr.read().decode()[-2000:]}") from None
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start in 120 s")


# --- the browser ---------------------------------------------------------------------------------


def open_page(browser, base: str, username: str, password: str, path: str, timeout_ms: float) -> PageResult:
    context = new_context(browser, base, username, password)
    page = context.new_page()
    traffic = Traffic(page)
    posts: list[tuple[dict, bytes]] = []

    def on_request(request) -> None:
        if request.method == "POST" and urlsplit(request.url).path == "/_dash-update-component":
            headers = {k: v for k, v in request.headers.items() if k.lower() in ("content-type", "x-csrftoken")}
            posts.append((headers, request.post_data_buffer or b""))

    page.on("request", on_request)
    page.goto(f"{base}{path}", wait_until="commit", timeout=timeout_ms)
    handle = page.wait_for_function(READY_JS, polling=20, timeout=timeout_ms)
    interactive = float(handle.json_value())
    page.wait_for_load_state("networkidle", timeout=timeout_ms)
    if traffic.foreign:
        raise SystemExit(f"a request left 127.0.0.1: {traffic.foreign[:3]}")
    payload = sum(r.get("bytes", 0) for r in traffic.requests.values()
                  if not r.get("cache") and (urlsplit(r.get("url", "")).path == path
                                             or any(p in r.get("url", "") for p in DATA_PATHS)))
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    result = PageResult(path, interactive, payload, [({**h, "Cookie": cookies}, b) for h, b in posts])
    context.close()
    return result


# --- replay --------------------------------------------------------------------------------------


def replay(base: str, requests: list[tuple[dict, bytes]], runs: int, warmup: int,
           each: dict | None = None, before=None) -> list[float]:
    """Per run, the milliseconds to answer the page's Dash requests one after another; `each`, if
    given, collects every request's own milliseconds by its first output; `before()`, if given, runs
    before each run, outside the timing."""
    host = urlsplit(base)
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=300)
    times = []
    for run in range(warmup + runs):
        if before is not None:
            before()
        started = time.perf_counter()
        for headers, body in requests:
            one = time.perf_counter()
            conn.request("POST", "/_dash-update-component", body=body,
                         headers={**headers, "Accept-Encoding": "gzip", "Origin": base, "Referer": base + "/"})
            response = conn.getresponse()
            response.read()
            if response.status not in (200, 204):
                raise SystemExit(f"replay answered {response.status}: {body[:200]!r}")
            if each is not None and run >= warmup:
                name = str(json.loads(body).get("output", "?")).strip(".").split("...")[0]
                each.setdefault(name, []).append((time.perf_counter() - one) * 1000)
        if run >= warmup:
            times.append((time.perf_counter() - started) * 1000)
    conn.close()
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("TEST_POSTGRES_URL"),
                        help="PostgreSQL to create schemas in (default TEST_POSTGRES_URL)")
    parser.add_argument("--sqlite", action="store_true", help="temporary SQLite files instead")
    parser.add_argument("--scales", default="city,province,nation")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--detail", action="store_true", help="also print each Dash request's own cold time")
    parser.add_argument("--timeout", type=float, default=120, help="seconds a page may take to become interactive")
    args = parser.parse_args()
    base_url = None if args.sqlite else args.database_url
    if not args.sqlite and not base_url:
        raise SystemExit("set TEST_POSTGRES_URL (or --database-url), or pass --sqlite")

    from playwright.sync_api import sync_playwright

    from db.engine import make_engine
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    tmp = Path(tempfile.mkdtemp(prefix="bench-areas-"))
    rows, builds = [], []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", CHROMIUM),
                                         headless=True, args=CHROMIUM_ARGS)
            for scale in [s.strip() for s in args.scales.split(",") if s.strip()]:
                username, password, pages = SCALES[scale]
                url, drop = _database(base_url, tmp, scale)
                try:
                    seconds = build(url, scale)
                    builds.append((scale, COUNTIES[scale], f"{seconds:,.1f} s"))
                    print(f"{scale}: demo built in {seconds:,.1f} s", flush=True)
                    cached_base, cached_proc = serve(url, cached=True)
                    cold_base, cold_proc = serve(url, cached=False)
                    try:
                        for path in pages:
                            open_page(browser, cold_base, username, password, path, args.timeout * 1000)  # warm-up
                            result = open_page(browser, cold_base, username, password, path, args.timeout * 1000)
                            each: dict[str, list[float]] = {}
                            writer = make_engine(url)  # a new data version before each cold run
                            try:
                                result.cold_ms = replay(cold_base, result.requests, args.runs, warmup=1, each=each,
                                                        before=lambda: new_data_version(writer))  # noqa: B023
                            finally:
                                writer.dispose()
                            if args.detail:
                                for name, ms in each.items():
                                    print(f"    cold {name}: p50 {statistics.median(ms):,.0f} ms, p95 {p95(ms):,.0f} ms")
                            result.cached_ms = replay(cached_base, result.requests, args.runs, warmup=1)
                            rows.append((COUNTIES[scale], path, str(len(result.requests)),
                                         f"{statistics.median(result.cold_ms):,.0f} / {p95(result.cold_ms):,.0f}",
                                         f"{statistics.median(result.cached_ms):,.1f} / {p95(result.cached_ms):,.1f}",
                                         f"{result.payload / 1024:,.0f} KB", f"{result.interactive_ms / 1000:,.2f} s"))
                            print(" | ".join(rows[-1]), flush=True)
                    finally:
                        for proc in (cached_proc, cold_proc):
                            proc.terminate()
                            proc.wait(timeout=30)
                finally:
                    drop()
            browser.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    kind = "SQLite" if args.sqlite else "PostgreSQL"
    print()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {kind}; {args.runs} runs per page")
    table(["county-level units", "page", "Dash requests", "server ms cold p50 / p95", "server ms cached p50 / p95",
           "first payload", "interactive"], rows)
    print()
    table(["scale", "county-level units", "demo build"], builds)
    print(json.dumps({"rows": rows, "builds": builds}, ensure_ascii=False), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
