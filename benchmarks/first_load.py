"""First load of the overview in headless Chromium: time until the map is drawn, bytes and requests.

    python benchmarks/first_load.py [--runs 5] [--database-url URL] [--requests] [--timeout 300]

Builds a demo database in a temporary directory (or uses --database-url as is), serves the app
with waitress as `python app.py` does, on a free port of 127.0.0.1, and opens `/` in Debian's
Chromium (/usr/bin/chromium, or CHROMIUM_PATH), signed in as the demo leader:

- cold: `--runs` loads, each in a fresh browser context (empty cache). Time is the page's own clock
  from navigation start until the map has its figure and MapLibre has its style and is still
  (tests/browser/conftest.py's wait_for_map); bytes are what crossed the network (DevTools'
  "transferred": headers and encoded bodies, Network.loadingFinished.encodedDataLength). The
  milestones of the load come from the page's resource timing, and the main thread's time in
  running plotly.js (the app's partial bundle, or dash's full plotly.min.js before it) from the
  Long Animation Frames API.
- warm: the last cold page is reloaded (a normal reload: the browser cache stays) and measured
  the same way; requests answered from the cache count as requests but move no bytes.

A first, untimed load (--warmup) lets the server do its one-time work (imports, compressing each
file once), for the code before a change as for the code after it. Every request must go to
127.0.0.1: the browser's proxy for any other host does not exist (Chromium never proxies loopback),
and such a request is reported. A measuring tool: prints the numbers and exits 0 (1 if a request
tried to leave the machine; an exception if the map is never drawn within --timeout).
"""
# ruff: noqa: E402

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dashboard import ids
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, build_demo_database, login_password

# Not route(): Playwright turns the HTTP cache off for a context with routes. Loopback bypasses proxies.
DEAD_PROXY = {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1,localhost"}
# Polled in the page: the navigation-relative time (ms) at which the map is drawn, false before.
MAP_DRAWN_MS_JS = """
(graphId) => {
    const gd = document.querySelector(`[id="${graphId}"] .js-plotly-plot`);
    if (!gd || !gd._fullLayout || !gd._fullData) return false;
    const sub = gd._fullLayout.map && gd._fullLayout.map._subplot;
    const map = sub && sub.map;
    if (!(map && map.isStyleLoaded() && !map.isMoving())) return false;
    return performance.now();
}
"""


# Milestones of a load from the page's resource timing (ms since navigation start): the renderer has
# started (asks for the layout), the first callbacks have answered, plotly.js has arrived, and the
# map exists (MapLibre asks for the boundaries once plotly.js has run and built the map). plotly.js is
# the app's partial bundle (assets/vendor/plotly-app.min.js) or, before it, dash's full plotly.min.js.
MILESTONES_JS = """
() => {
    const all = performance.getEntriesByType("resource");
    const first = (test, key) => {
        const hit = all.find(e => test(e.name));
        return hit ? hit[key] : null;
    };
    const has = (part) => (name) => name.includes(part);
    return {
        renderer_started: first(has("/_dash-layout"), "startTime"),
        first_callback_answered: first(has("/_dash-update-component"), "responseEnd"),
        plotly_received: first(name => PLOTLY_JS.test(name), "responseEnd"),
        map_created: first(has("/geo/districts.geojson"), "startTime"),
    };
}
""".replace("PLOTLY_JS", r"/plotly[^/]*\.min\.js/")
MILESTONES = ("renderer_started", "first_callback_answered", "plotly_received", "map_created")
PLOTLY_EVAL = ("plotly_evaluation", "plotly_evaluated")
# The main thread's time in running plotly.js (compiling and evaluating the script, ms) and when it
# ended, from the Long Animation Frames API: the script entries whose source is plotly.js.
PLOTLY_EVAL_JS = """
() => new Promise(resolve => {
    const scripts = [];
    const observer = new PerformanceObserver(list => {
        for (const frame of list.getEntries()) scripts.push(...frame.scripts);
    });
    observer.observe({type: "long-animation-frame", buffered: true});
    setTimeout(() => {
        for (const frame of observer.takeRecords()) scripts.push(...frame.scripts);
        observer.disconnect();
        const plotly = scripts.filter(s => PLOTLY_JS.test(s.sourceURL) && s.invokerType === "classic-script");
        resolve(plotly.length ? {
            plotly_evaluation: plotly.reduce((sum, s) => sum + s.duration, 0),
            plotly_evaluated: Math.max(...plotly.map(s => s.startTime + s.duration)),
        } : {});
    }, 200);
})
""".replace("PLOTLY_JS", r"/plotly[^/]*\.min\.js/")


class Traffic:
    """One page's requests seen through the DevTools Network domain (which, unlike Playwright's
    route(), leaves the HTTP cache on)."""

    def __init__(self, page) -> None:
        self.requests: dict[str, dict] = {}
        self.foreign: list[str] = []
        cdp = page.context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")
        self.cdp = cdp

    def _sent(self, event) -> None:
        url = event["request"]["url"]
        if urlsplit(url).scheme in {"http", "https"} and urlsplit(url).hostname != "127.0.0.1":
            self.foreign.append(url)
        r = self.requests.setdefault(event["requestId"], {"bytes": 0, "cache": False, "status": None})
        r["url"], r["start"] = url, event["timestamp"]

    def _from_cache(self, event) -> None:
        if event["requestId"] in self.requests:  # not one of a page before reset()
            self.requests[event["requestId"]]["cache"] = True

    def _received(self, event) -> None:
        r = self.requests.get(event["requestId"])
        if r is None:
            return
        response = event["response"]
        r["status"] = response["status"]
        if response.get("fromDiskCache") or response.get("fromMemoryCache"):
            r["cache"] = True
        r["encoding"] = {k.lower(): v for k, v in response.get("headers", {}).items()}.get("content-encoding", "")

    def _finished(self, event) -> None:
        r = self.requests.get(event["requestId"])
        if r is None:
            return
        r["bytes"], r["end"] = int(event.get("encodedDataLength") or 0), event["timestamp"]

    def reset(self) -> None:
        self.requests.clear()

    def totals(self) -> tuple[int, int, int]:
        """(requests, requests that reached the network, bytes transferred)."""
        network = [r for r in self.requests.values() if not r.get("cache")]
        return len(self.requests), len(network), sum(r.get("bytes", 0) for r in network)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_context(browser, base: str, username: str = "demo-leader", password: str | None = None):
    """A fresh context (empty cache) whose cookie jar is signed in through the real login form;
    the form's own requests go through Playwright's request API, not the page, so they neither
    warm the cache nor count."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  service_workers="block", proxy=DEAD_PROXY)
    html = context.request.get(f"{base}/login").text()
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = context.request.post(f"{base}/login", form={"username": username, "password": password or login_password(username),
                                                      "csrf_token": token, "next": "/"}, max_redirects=0)
    if r.status != 302:
        raise SystemExit(f"sign-in as {username} answered {r.status}")
    return context


def map_drawn_ms(page, timeout_ms: int) -> float:
    handle = page.wait_for_function(MAP_DRAWN_MS_JS, arg=ids.MAP, polling=20, timeout=timeout_ms)
    return float(handle.json_value())


def serve(url: str):
    """(base URL, stop) of the app served by waitress on a free loopback port."""
    from waitress.server import create_server

    from app import create_app, settle_heap

    app = create_app({"DATABASE_URL": url, "SESSION_COOKIE_SECURE": False})
    settle_heap()
    port = free_port()
    cap = app.server.config["MAX_CONTENT_LENGTH"]
    server = create_server(app.server, host="127.0.0.1", port=port, threads=8, max_request_body_size=cap)
    threading.Thread(target=server.run, name="waitress", daemon=True).start()
    return f"http://127.0.0.1:{port}", server.close


def fmt_kb(n: float) -> str:
    return f"{n / 1024:,.0f} KB" if n >= 10 * 1024 else f"{n / 1024:,.1f} KB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="cold loads, each in a fresh context (default 5)")
    parser.add_argument("--database-url", default=None, help="use this database as is (default: a fresh demo)")
    parser.add_argument("--warmup", type=int, default=1,
                        help="untimed loads first, so that the server has compressed and imported what it serves once")
    parser.add_argument("--requests", action="store_true", help="list every request of the last cold and the warm load")
    parser.add_argument("--timeout", type=float, default=300, help="give up after this many seconds (default 300)")
    args = parser.parse_args()
    deadline = time.monotonic() + args.timeout
    from playwright.sync_api import sync_playwright

    tmp = None
    url = args.database_url
    if not url:
        tmp = tempfile.mkdtemp(prefix="first-load-")
        url = f"sqlite:///{tmp}/demo.db"
        build_demo_database(url)
    base, stop = serve(url)
    cold_ms, cold_bytes, cold_requests, cold_network, cold_cpu = [], [], [], [], []
    milestones: dict[str, list[float]] = {name: [] for name in (*MILESTONES, *PLOTLY_EVAL)}
    problems: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", CHROMIUM),
                                         headless=True, args=CHROMIUM_ARGS)
            for _ in range(args.warmup):
                warm_context = new_context(browser, base)
                warm_page = warm_context.new_page()
                warm_page.goto(f"{base}/", wait_until="commit")
                map_drawn_ms(warm_page, max(1000, (deadline - time.monotonic()) * 1000))
                warm_context.close()
            page = None
            for run in range(args.runs):
                if page is not None:
                    page.context.close()
                page = new_context(browser, base).new_page()
                traffic = Traffic(page)
                left_ms = max(1000, (deadline - time.monotonic()) * 1000)
                cpu = time.process_time()  # the server runs in this process (Playwright's own share is small)
                page.goto(f"{base}/", wait_until="commit", timeout=left_ms)
                cold_ms.append(map_drawn_ms(page, left_ms))
                page.wait_for_load_state("networkidle", timeout=left_ms)
                cold_cpu.append((time.process_time() - cpu) * 1000)
                for name, value in (page.evaluate(MILESTONES_JS) | page.evaluate(PLOTLY_EVAL_JS)).items():
                    if value is not None:
                        milestones[name].append(value)
                total, network, moved = traffic.totals()
                cold_requests.append(total)
                cold_network.append(network)
                cold_bytes.append(moved)
                problems += traffic.foreign
                print(f"cold {run + 1}: map drawn at {cold_ms[-1]:,.0f} ms, {total} requests, {fmt_kb(moved)}",
                      flush=True)
            if args.requests:
                print_requests("cold (last run)", traffic)
            traffic.reset()
            left_ms = max(1000, (deadline - time.monotonic()) * 1000)
            page.reload(wait_until="commit", timeout=left_ms)
            warm_ms = map_drawn_ms(page, left_ms)
            page.wait_for_load_state("networkidle", timeout=left_ms)
            warm_total, warm_network, warm_bytes = traffic.totals()
            problems += traffic.foreign
            if args.requests:
                print_requests("warm reload", traffic)
            browser.close()
    finally:
        stop()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (the times depend on it; bytes do not)")
    rows = [
        (f"cold: map drawn, median of {len(cold_ms)} (min–max)",
         f"{statistics.median(cold_ms):,.0f} ms ({min(cold_ms):,.0f}–{max(cold_ms):,.0f})"),
        ("cold: transferred, requests (from the network)",
         f"{fmt_kb(statistics.median(cold_bytes))}, {statistics.median(cold_requests):.0f} "
         f"({statistics.median(cold_network):.0f})"),
        ("cold: server CPU per load, median", f"{statistics.median(cold_cpu):,.0f} ms"),
        *((f"cold: {name.replace('_', ' ')}, median", f"{statistics.median(milestones[name]):,.0f} ms")
          for name in (*MILESTONES, *PLOTLY_EVAL) if milestones[name]),
        ("warm reload: map drawn", f"{warm_ms:,.0f} ms"),
        ("warm reload: transferred, requests (from the network)", f"{fmt_kb(warm_bytes)}, {warm_total} ({warm_network})"),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"{'first load of / (demo, headless Chromium, loopback)':<{width}} | value")
    print(f"{'-' * width}-+-{'-' * 30}")
    for label, value in rows:
        print(f"{label:<{width}} | {value}")
    if problems:
        print(f"REQUESTS THAT LEFT 127.0.0.1: {sorted(set(problems))}")
        return 1
    return 0


def print_requests(title: str, traffic: Traffic) -> None:
    print(f"\n{title}:")
    t0 = min((r["start"] for r in traffic.requests.values() if "start" in r), default=0)
    for r in traffic.requests.values():
        end = f"{(r['end'] - t0) * 1000:>6,.0f}" if "end" in r else "     …"
        when = f"{(r.get('start', t0) - t0) * 1000:>6,.0f}–{end} ms"
        where = "cache" if r.get("cache") else str(r.get("status"))
        path = urlsplit(r.get("url", "?")).path
        print(f"  {when} {where:>5} {r.get('encoding', ''):>4} {r.get('bytes', 0):>10,} B  {path[:110]}")


if __name__ == "__main__":
    sys.exit(main())
