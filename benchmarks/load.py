"""Load benchmark: signed-in viewers keep the overview open in live mode while a writer submits reports.

    python benchmarks/load.py --start sqlite   [--viewers 50] [--duration 120] [--json PATH]
    python benchmarks/load.py --start postgres [--workers 2] [--database-url postgresql://...]
    python benchmarks/load.py --url http://127.0.0.1:8050 [--database-url URL]

Set-up. `--start sqlite` builds a fresh demo database in a temporary directory (as benchmarks/run.py
does: migrate, preset, demo campaign, demo accounts) and runs `python app.py` (waitress, one process)
on a free port of 127.0.0.1. `--start postgres` builds it in a fresh schema of TEST_POSTGRES_URL
(or --database-url) and runs gunicorn with --workers N. Both get a fixed SECRET_KEY, so every
process accepts every session. `--url` uses a server that is already running (on a demo database:
the writer adds reports to it); give --database-url (the same database) for the writer, which needs
API tokens (revoked at the end) and the last figures. Everything the
benchmark started is stopped at the end (the server's process group, the schema or the directory),
also on Ctrl-C or an error.

Viewers. Each viewer signs in as the demo leader through the login form (all before the clock starts:
every login is an audited write, which changes the data version), then, at a random moment within the
first live interval, loads the overview as the browser does: GET /, /_dash-layout,
/_dash-dependencies, the router callback for "/", and the callbacks dash-renderer fires once the page
is in. Then it polls the data version every LIVE_INTERVAL (each viewer with its own phase, each tick
jittered by ±5 %). When a poll returns a new version it replays the callbacks the page runs on that
change, in dash-renderer's order: a callback whose input is the output of another triggered callback
waits for it, independent ones run side by side (each viewer has up to six connections, as a browser
has). Which callbacks fire, with which inputs, is worked out from the server's own /_dash-dependencies
and the rendered page, not listed here, so the benchmark follows the app when its callbacks change.
A viewer is closed-loop: its next poll goes out at the first tick after its previous refresh ended
(a browser would send it on time, so a slow server gets somewhat less load here than from browsers).

Writer. Every --write-every seconds one unit submits through POST /api/v1/reports with its bearer
token: its last figures plus one in every cell, dated the day after its last report (a correction of
that report, with a reason, once the deadline is reached), so every submission passes validation and
changes the data version. Accepted (201) and refused submissions are counted.

Output. Per request kind: count, p50, p95, max (ms) and errors (a status other than 2xx, except a
callback's 204 PreventUpdate which is normal, or an exception / timeout). "After a change" is, per
viewer and new version, the time from its poll's answer to the last of its refresh callbacks' answers.
Also the server's RSS per process (psutil over the server's process tree) at the end and at its peak,
CPU seconds used by the server and by this client, and the load average. The client is one process
(threads, requests.Session with keep-alive, responses read but not parsed except the tiny poll
answer) and shares the machine's CPUs with the server: on 2 cores its share shows in the CPU line.
A measuring tool: prints the numbers and exits 0, or 1 when a request failed (an error count > 0).
"""
# ruff: noqa: E402

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psutil
import requests
from requests.adapters import HTTPAdapter

from dashboard import ids

MAX_VIEWERS = 200
MAX_DURATION_S = 3600
BROWSER_CONNECTIONS = 6  # what a browser opens to one host over HTTP/1.1
LEADER = "demo-leader"
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"
SECRET_KEY = "load-benchmark-fixed-secret-key"  # every server process must accept every session
UPDATE = "/_dash-update-component"
API_REPORTS = "/api/v1/reports"
DATA_VERSION = f"{ids.DATA_VERSION}.data"
POLL_INPUT = f"{ids.LIVE_INTERVAL}.n_intervals"
JITTER = 0.05
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
VENV_BIN = Path(sys.executable).parent


# --- results ---------------------------------------------------------------------------------------


class Recorder:
    """Milliseconds per request kind, errors per kind with a few samples, and "after a change" times."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []
        self.after_change: list[float] = []
        self.rounds: dict[str, int] = defaultdict(int)  # the refresh rounds seen, " -> " joined, and how often
        self.order: list[str] = []

    def add(self, name: str, ms: float, error: str | None = None) -> None:
        with self.lock:
            if name not in self.times:
                self.order.append(name)
            self.times[name].append(ms)
            if error:
                self.errors[name] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{name}: {error}")


def summary(values: list[float]) -> dict:
    if not values:
        return {"count": 0, "p50": None, "p95": None, "max": None}
    p95 = statistics.quantiles(values, n=100, method="inclusive")[94] if len(values) > 1 else values[0]
    return {"count": len(values), "p50": statistics.median(values), "p95": p95, "max": max(values)}


# --- the page, as dash-renderer sees it ------------------------------------------------------------


def outputs_of(key: str) -> list[tuple[str, str]]:
    """(id, property) of each output of a callback key: "a.b" or "..a.b...c.d.." (an "@hash" dropped)."""
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    return [(p.rsplit(".", 1)[0], p.rsplit(".", 1)[1].split("@")[0]) for p in parts]


class Callback:
    """One server callback from /_dash-dependencies."""

    def __init__(self, dep: dict, name: str) -> None:
        self.key, self.name = dep["output"], name
        self.outputs = outputs_of(self.key)
        self.inputs = [(d["id"], d["property"]) for d in dep["inputs"]]
        self.state = [(d["id"], d["property"]) for d in dep["state"]]
        self.prevent_initial_call = bool(dep.get("prevent_initial_call"))
        self.out_props = {f"{i}.{p}" for i, p in self.outputs}
        self.in_props = {f"{i}.{p}" for i, p in self.inputs}

    def ids(self) -> set:
        return {i for i, _ in self.outputs + self.inputs + self.state}

    def body(self, values: dict, changed: list[str]) -> bytes:
        """dash-renderer's request body: output, outputs, inputs and state with their values, changedPropIds."""
        outs = [{"id": i, "property": p} for i, p in self.outputs]
        dep = lambda pairs: [{"id": i, "property": p, "value": values.get(f"{i}.{p}")} for i, p in pairs]  # noqa: E731
        return json.dumps({"output": self.key, "outputs": outs if self.key.startswith("..") else outs[0],
                           "inputs": dep(self.inputs), "state": dep(self.state), "changedPropIds": changed},
                          ensure_ascii=False).encode()


def collect_props(node, into: dict, ids_seen: set) -> None:
    """Every "id.prop" -> value of the components with a (string) id in a serialised layout."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and isinstance(props.get("id"), str):
            ids_seen.add(props["id"])
            for k, v in props.items():
                if k != "children" or not isinstance(v, (dict, list)):
                    into[f"{props['id']}.{k}"] = v
        for child in node.values():
            collect_props(child, into, ids_seen)
    elif isinstance(node, list):
        for child in node:
            collect_props(child, into, ids_seen)


class Page:
    """The overview as one signed-in browser has it: its callbacks, the props of its components, and
    which callbacks fire on load and on a data change."""

    def __init__(self, dependencies: list[dict], names: dict[str, str], layout: dict, routed: dict) -> None:
        server = [d for d in dependencies if not d.get("clientside_function")]
        self.callbacks = [Callback(d, names.get(d["output"], d["output"])) for d in server
                          if "{" not in d["output"] and not any("{" in str(x["id"]) for x in d["inputs"] + d["state"])]
        self.values: dict = {}
        shell_ids: set = set()
        collect_props(layout, self.values, shell_ids)
        content = routed["response"][ids.PAGE]["children"]
        self.chunk_ids: set = set()
        collect_props(content, self.values, self.chunk_ids)
        self.present = shell_ids | self.chunk_ids
        self.values.update({f"{ids.URL}.pathname": "/", f"{ids.URL}.search": ""})  # the browser's address
        self.router = self.by_output(f"{ids.PAGE}.children")
        self.poll = self.by_output(DATA_VERSION)

    def by_output(self, prop: str) -> Callback:
        return next(c for c in self.callbacks if prop in c.out_props)

    def on_page(self, cb: Callback) -> bool:
        return cb.ids() <= self.present

    def on_load(self) -> list[Callback]:
        """What dash-renderer fires once the router's page is in: callbacks with an input in the new page,
        unless prevent_initial_call holds them back (it does only when every output is in the new page too)."""
        return [c for c in self.callbacks if c not in (self.router, self.poll) and self.on_page(c)
                and {i for i, _ in c.inputs} & self.chunk_ids
                and (not c.prevent_initial_call or not {i for i, _ in c.outputs} <= self.chunk_ids)]

    def triggered(self, changed: set, done: set) -> list[tuple[Callback, list[str]]]:
        """The callbacks on the page that `changed` props set off (not yet run), each with its changedPropIds;
        one waits while another of them outputs one of its inputs, as dash-renderer does."""
        hit = [(c, sorted(c.in_props & changed)) for c in self.callbacks
               if c not in done and c is not self.poll and c.in_props & changed and self.on_page(c)]
        return [(c, why) for c, why in hit if not any(o is not c and o.out_props & c.in_props for o, _ in hit)]


# --- HTTP ------------------------------------------------------------------------------------------


def new_session() -> requests.Session:
    http = requests.Session()
    http.mount("http://", HTTPAdapter(pool_connections=1, pool_maxsize=BROWSER_CONNECTIONS))
    return http


def sign_in(http: requests.Session, base: str, password: str, timeout: float) -> None:
    page = http.get(f"{base}/login", timeout=timeout)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    if page.status_code != 200 or token is None:
        raise RuntimeError(f"GET /login answered {page.status_code}")
    r = http.post(f"{base}/login", data={"username": LEADER, "password": password, "csrf_token": token.group(1),
                                         "next": "/"}, allow_redirects=False, timeout=timeout)
    if r.status_code != 302:
        raise RuntimeError(f"login answered {r.status_code}")


class Viewer:
    def __init__(self, n: int, base: str, page: Page, rec: Recorder, pool: ThreadPoolExecutor, args) -> None:
        self.n, self.base, self.page, self.rec, self.pool, self.args = n, base, page, rec, pool, args
        self.http = new_session()
        self.version = None
        self.intervals = 0

    def timed(self, name: str, method: str, path: str, body: bytes | None = None, ok=(200,)) -> requests.Response | None:
        started = time.perf_counter()
        try:
            if body is None:
                r = self.http.get(f"{self.base}{path}", timeout=self.args.timeout)
            else:
                r = self.http.post(f"{self.base}{path}", data=body, timeout=self.args.timeout, headers={
                    "Content-Type": "application/json", "X-CSRFToken": self.http.cookies.get("_csrf_token", "")})
            r.content  # noqa: B018 - read the whole answer, as a browser does
        except requests.RequestException as exc:
            name = "poll: no answer" if name == "poll" else name
            self.rec.add(name, (time.perf_counter() - started) * 1000, type(exc).__name__)
            return None
        if name == "poll":  # an unchanged version (204) and a new one (200) are different work
            name = "poll: new version (200)" if r.status_code == 200 else "poll: no change (204)"
        self.rec.add(name, (time.perf_counter() - started) * 1000,
                     None if r.status_code in ok else f"HTTP {r.status_code} {r.text[:120]!r}")
        return r

    def values(self) -> dict:
        return {**self.page.values, DATA_VERSION: self.version, POLL_INPUT: self.intervals}

    def fire(self, batch: list, suffix: str = "") -> set:
        """Run a round of callbacks side by side; the outputs of those that answered 200."""
        values = self.values()
        futures = {self.pool.submit(self.timed, f"{c.name}{suffix}", "POST", UPDATE, c.body(values, why), (200, 204)): c
                   for c, why in batch}
        wait(futures)
        changed = set()
        for future, c in futures.items():
            r = future.result()
            if r is not None and r.status_code == 200:
                changed |= c.out_props
        return changed

    def cascade(self, changed: set, done: set, suffix: str = "") -> list[str]:
        """Run what `changed` sets off, round after round, as long as answers (200) change more props."""
        rounds = []
        for _ in range(8):  # dash-renderer follows chains; ours are two deep
            batch = self.page.triggered(changed, done)
            if not batch:
                break
            rounds.append(" + ".join(c.name for c, _ in batch))
            done |= {c for c, _ in batch}
            changed = changed | self.fire(batch, suffix)
        return rounds

    def load(self) -> None:
        for path, name in (("/", "GET /"), ("/_dash-layout", "GET /_dash-layout"),
                           ("/_dash-dependencies", "GET /_dash-dependencies")):
            r = self.timed(name, "GET", path)
            if path == "/_dash-layout" and r is not None and r.status_code == 200:
                self.version = version_in_layout(r.json())
        router = self.page.router
        self.timed("router /", "POST", UPDATE, router.body(self.values(), [f"{ids.URL}.pathname"]))
        first = self.page.on_load()
        done = {router, self.page.poll, *first}
        # Their inputs in the new page count as changed (what the browser sends as changedPropIds).
        changed = self.fire([(c, [f"{i}.{p}" for i, p in c.inputs if i in self.page.chunk_ids]) for c in first],
                            " (on load)")
        self.cascade(changed, done, " (on load)")

    def live(self, start: float, stop: float, stopping: threading.Event) -> None:
        interval = self.args.live_interval
        tick = start + random.uniform(0, interval)
        if stopping.wait(max(0.0, tick - time.monotonic())):
            return
        self.load()
        while not stopping.is_set():
            tick += interval * random.uniform(1 - JITTER, 1 + JITTER)
            now = time.monotonic()
            while tick < now:  # a refresh outlasted the interval: the next tick
                tick += interval
            if tick >= stop or stopping.wait(tick - now):
                return
            self.intervals += 1
            poll = self.page.poll
            r = self.timed("poll", "POST", UPDATE, poll.body(self.values(), [POLL_INPUT]), (200, 204))
            if r is None or r.status_code != 200:
                continue
            seen = time.perf_counter()
            self.version = r.json()["response"][ids.DATA_VERSION]["data"]
            rounds = self.cascade({DATA_VERSION}, set())
            self.rec.after_change.append((time.perf_counter() - seen) * 1000)
            self.rec.rounds[" -> ".join(rounds)] += 1


def version_in_layout(layout) -> str | None:
    values: dict = {}
    collect_props(layout, values, set())
    return values.get(DATA_VERSION)


# --- the writer ------------------------------------------------------------------------------------


class Writer:
    """Submits through the API, one unit after another, figures growing so that each one is accepted."""

    def __init__(self, base: str, units: list[dict], deadline: dt.date, rec: Recorder, timeout: float) -> None:
        self.base, self.units, self.deadline, self.rec, self.timeout = base, units, deadline, rec, timeout
        self.accepted = self.refused = 0
        self.http = requests.Session()

    def body(self, unit: dict) -> dict:
        from dashboard.http.api import API_MEASURES

        day = unit["last_date"] + dt.timedelta(days=1)
        correction = day > self.deadline
        day = unit["last_date"] if correction else day
        unit["figures"] = {kind: {m: v + 1 for m, v in row.items()} for kind, row in unit["figures"].items()}
        unit["last_date"] = day
        rows = {kind: {key: row[m] for key, m in API_MEASURES.items()} for kind, row in unit["figures"].items()}
        return {"unit": unit["code"], "report_date": day.isoformat(), "responsible": "负载测试",
                "filled_by": "负载测试", "rows": rows, "correction_reason": "负载测试：累计数更新" if correction else None}

    def run(self, start: float, stop: float, every: float, stopping: threading.Event) -> None:
        n = 0
        while not stopping.wait(max(0.0, start + every * (n + 0.5) - time.monotonic())):
            if time.monotonic() >= stop:
                return
            unit = self.units[n % len(self.units)]
            n += 1
            started = time.perf_counter()
            try:
                r = self.http.post(f"{self.base}{API_REPORTS}", json=self.body(unit), timeout=self.timeout,
                                   headers={"Authorization": f"Bearer {unit['token']}"})
            except requests.RequestException as exc:
                self.refused += 1
                self.rec.add("api submit (writer)", (time.perf_counter() - started) * 1000, type(exc).__name__)
                continue
            ok = r.status_code == 201
            self.accepted += ok
            self.refused += not ok
            self.rec.add("api submit (writer)", (time.perf_counter() - started) * 1000,
                         None if ok else f"HTTP {r.status_code} {r.text[:200]!r}")


def writer_units(db_url: str) -> tuple[list[dict], dt.date]:
    """Each unit with reports in the newest campaign: an API token, its last report date and figures."""
    from sqlalchemy import distinct, select
    from sqlalchemy.orm import Session

    from db import queries
    from db.accounts.auth import create_token
    from db.engine import make_engine, write_session
    from db.models import Report, Unit
    from domain.measures import MEASURES

    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            campaign = queries.default_campaign(queries.campaigns(s))
            codes = s.scalars(select(distinct(Unit.code)).join(Report, Report.unit_id == Unit.id)
                              .where(Report.campaign_id == campaign["id"]).order_by(Unit.code)).all()
            units = []
            for code in codes:
                last = queries.report_history(s, campaign["id"], code)["report_date"].max()
                lines = queries.line_totals(s, campaign["id"], last, code)
                units.append({"code": code, "last_date": last, "figures": {
                    row["kind"]: {m: int(row[m]) for m in MEASURES} for row in lines.to_dict("records")}})
        with write_session(engine) as s:
            for unit in units:
                unit["token"] = create_token(s, unit["code"], "load-benchmark", "benchmarks/load.py")
        random.Random(7).shuffle(units)  # districts submit in no particular order
        return units, campaign["deadline"]
    finally:
        engine.dispose()


def revoke_tokens(db_url: str, units: list[dict]) -> None:
    """--url mode: the database outlives the run, so the writer's tokens are revoked (its reports stay)."""
    from sqlalchemy import select

    from db.accounts.auth import hash_token, revoke_token
    from db.engine import make_engine, write_session
    from db.models import ApiToken

    engine = make_engine(db_url)
    try:
        with write_session(engine) as s:
            for unit in units:
                token_id = s.scalar(select(ApiToken.id).where(ApiToken.token_hash == hash_token(unit["token"])))
                revoke_token(s, token_id, "load-benchmark")
    finally:
        engine.dispose()


# --- the server ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(mode: str, db_url: str, port: int, args, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": SECRET_KEY, "SESSION_COOKIE_SECURE": "0",
           "PORT": str(port), "HOST": "127.0.0.1", "LIVE_INTERVAL_MS": str(int(args.live_interval * 1000))}
    if mode == "sqlite":
        cmd = [sys.executable, "app.py"]
    else:  # production mode as `make serve` runs it (gunicorn.conf.py), with its cache on Redis
        if args.redis_url:
            env["REDIS_URL"] = args.redis_url
        cmd = [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--workers", str(args.workers),
               "--bind", f"127.0.0.1:{port}", *(["--threads", str(args.threads)] if args.threads else []),
               "wsgi:application"]
    print(f"starting: {' '.join(cmd)}  (log: {log})", flush=True)
    with log.open("wb") as out:  # the child keeps its own descriptor
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()


def wait_for_server(base: str, proc: subprocess.Popen | None, log: Path | None, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log.read_text()[-2000:] if log else ''}")
        try:
            if requests.get(f"{base}/login", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the server did not answer on {base} within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)  # gunicorn's master and workers, or app.py
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    except ProcessLookupError:
        pass


def server_tree(pid: int | None) -> list[psutil.Process]:
    if pid is None:
        return []
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def process_label(p: psutil.Process, root: bool) -> str:
    words = [Path(w).name for w in p.cmdline()[:3]]
    if "gunicorn" in words:
        return "gunicorn master" if root else "gunicorn worker"
    return " ".join(words)[:40]


class Monitor:
    """Samples the server's RSS per process and the load average every second."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.peak_rss: dict[int, float] = defaultdict(float)
        self.peak_total = 0.0
        self.load_max = 0.0

    def sample(self) -> list[dict]:
        rows = []
        for p in server_tree(self.pid):
            try:
                rss = p.memory_info().rss / 2**20
                rows.append({"pid": p.pid, "process": process_label(p, p.pid == self.pid), "rss_mb": rss,
                             "cpu_s": sum(p.cpu_times()[:2])})
            except psutil.NoSuchProcess:
                continue
        for r in rows:
            self.peak_rss[r["pid"]] = max(self.peak_rss[r["pid"]], r["rss_mb"])
        self.peak_total = max(self.peak_total, sum(r["rss_mb"] for r in rows))
        self.load_max = max(self.load_max, os.getloadavg()[0])
        return rows

    def run(self, stopping: threading.Event) -> None:
        while not stopping.wait(1.0):
            self.sample()


# --- main ------------------------------------------------------------------------------------------


def callback_names() -> dict[str, str]:
    """callback_map key -> function name, from an app built here (no database is touched)."""
    from app import create_app

    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "names-only"})
    names = {k: cb["callback"].__name__ for k, cb in app.callback_map.items() if "callback" in cb}
    names = {k: ("router /" if n == "route" else n) for k, n in names.items()}
    app.server.extensions["jizhong_engine"].dispose()
    return names


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a server that is already running (loopback only)")
    where.add_argument("--start", choices=("sqlite", "postgres"), help="build a demo database and start a server")
    p.add_argument("--database-url", help=f"postgres mode: the server to make a schema on (default TEST_POSTGRES_URL "
                   f"or {DEFAULT_POSTGRES}); --url mode: the server's database, for the writer")
    p.add_argument("--workers", type=int, default=2, help="postgres mode: gunicorn workers (default 2)")
    p.add_argument("--threads", type=int, default=0,
                   help="postgres mode: gunicorn threads per worker (default: gunicorn.conf.py's THREADS, 4)")
    p.add_argument("--redis-url", default=DEFAULT_REDIS,
                   help=f"postgres mode: REDIS_URL of the server's shared cache, flushed before and after "
                        f"(default {DEFAULT_REDIS}; empty: each worker caches on its own)")
    p.add_argument("--viewers", type=int, default=50, help=f"signed-in viewers (default 50, at most {MAX_VIEWERS})")
    p.add_argument("--duration", type=float, default=120, help="seconds of live mode (default 120)")
    p.add_argument("--live-interval", type=float, default=5, help="seconds between polls (default 5, LIVE_INTERVAL_MS)")
    p.add_argument("--write-every", type=float, default=10, help="seconds between API submissions (default 10; 0: none)")
    p.add_argument("--timeout", type=float, default=60, help="seconds before a request counts as failed (default 60)")
    p.add_argument("--server-pid", type=int, help="--url mode: the server's pid, for its RSS")
    p.add_argument("--json", metavar="PATH", help="also write the results to this file")
    args = p.parse_args(argv)
    if not 1 <= args.viewers <= MAX_VIEWERS:
        p.error(f"--viewers must be between 1 and {MAX_VIEWERS}")
    if not 1 <= args.duration <= MAX_DURATION_S:
        p.error(f"--duration must be between 1 and {MAX_DURATION_S} s")
    if args.url and not re.match(r"https?://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/?$", args.url):
        p.error("--url must be a loopback address (http://127.0.0.1:PORT)")
    if args.live_interval <= 0 or args.write_every < 0 or args.workers < 1 or args.threads < 0:
        p.error("intervals must be positive, workers and threads at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop the server and drop the schema
    cleanup, proc, db_url, base, log, units = (lambda: None), None, args.database_url, None, None, []
    try:
        if args.start:
            from benchmarks.run import setup_database

            target = None if args.start == "sqlite" else (
                args.database_url or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES)
            t0 = time.perf_counter()
            db_url, cleanup, _, _ = setup_database(target)
            print(f"demo database built in {time.perf_counter() - t0:.1f} s", flush=True)
            port = free_port()
            log = Path(tempfile.mkdtemp(prefix="jizhong-load-")) / "server.log"
            if args.start == "postgres" and args.redis_url:
                flush_redis(args.redis_url)
            proc = start_server(args.start, db_url, port, args, log)
            base = f"http://127.0.0.1:{port}"
        else:
            base = args.url.rstrip("/")
        units, deadline = writer_units(db_url) if db_url and args.write_every else ([], None)
        if args.write_every and not units:
            print("no --database-url: the writer is off (it needs API tokens and the units' last figures)")
        names = callback_names()
        wait_for_server(base, proc, log)
        return run(args, base, proc.pid if proc else args.server_pid, units, deadline, names)
    finally:
        if proc is not None:
            stop_server(proc)
        if args.url and units:
            revoke_tokens(db_url, units)
        cleanup()
        if args.start == "postgres" and args.redis_url:
            flush_redis(args.redis_url)
        if log is not None:
            for f in log.parent.iterdir():
                f.unlink()
            log.parent.rmdir()


def run(args, base: str, pid: int | None, units: list[dict], deadline, names: dict[str, str]) -> int:
    from db.accounts.auth import DEMO_ACCOUNTS

    password = next(a.password for a in DEMO_ACCOUNTS if a.username == LEADER)
    mode = f"--start {args.start}" if args.start else f"--url {base}"
    if args.start == "postgres":
        mode += (f" (gunicorn -c gunicorn.conf.py --workers {args.workers}"
                 f"{f' --threads {args.threads}' if args.threads else ''}; "
                 f"{'cache on ' + args.redis_url if args.redis_url else 'a local cache per worker'})")
    elif args.start == "sqlite":
        mode += " (python app.py: waitress, 1 process, 8 threads)"
    rec = Recorder()
    load_before = os.getloadavg()

    # Sign everyone in first (a login is an audited write: it changes the data version).
    pool = ThreadPoolExecutor(max_workers=min(400, BROWSER_CONNECTIONS * args.viewers), thread_name_prefix="conn")

    probe = new_session()
    sign_in(probe, base, password, args.timeout)
    layout = probe.get(f"{base}/_dash-layout", timeout=args.timeout).json()
    dependencies = probe.get(f"{base}/_dash-dependencies", timeout=args.timeout).json()
    bootstrap = Page(dependencies, names, layout, {"response": {ids.PAGE: {"children": []}}})
    body = bootstrap.router.body({**bootstrap.values, f"{ids.URL}.pathname": "/", f"{ids.URL}.search": ""},
                                 [f"{ids.URL}.pathname"])
    routed = probe.post(f"{base}{UPDATE}", data=body, timeout=args.timeout, headers={
        "Content-Type": "application/json", "X-CSRFToken": probe.cookies.get("_csrf_token", "")}).json()
    page = Page(dependencies, names, layout, routed)
    print(f"replayed on load: {', '.join(c.name for c in page.on_load())}; on a data change, first: "
          f"{' + '.join(c.name for c, _ in page.triggered({DATA_VERSION}, set()))}", flush=True)

    def login(n: int) -> Viewer:
        v = Viewer(n, base, page, rec, pool, args)
        started = time.perf_counter()
        try:
            sign_in(v.http, base, password, args.timeout)
            rec.add("login", (time.perf_counter() - started) * 1000)
        except (requests.RequestException, RuntimeError) as exc:
            rec.add("login", (time.perf_counter() - started) * 1000, str(exc))
        return v

    with ThreadPoolExecutor(max_workers=4) as logins:
        viewers = list(logins.map(login, range(args.viewers)))
    print(f"{args.viewers} viewers signed in; live for {args.duration:.0f} s", flush=True)

    monitor = Monitor(pid)
    cpu_before = {r["pid"]: r["cpu_s"] for r in monitor.sample()}
    me = psutil.Process()
    client_cpu_before = sum(me.cpu_times()[:2])
    stopping = threading.Event()
    start = time.monotonic()
    stop = start + args.duration
    threads = [threading.Thread(target=v.live, args=(start, stop, stopping), daemon=True) for v in viewers]
    writer = Writer(base, units, deadline, rec, args.timeout) if units else None
    if writer:
        threads.append(threading.Thread(target=writer.run, args=(start, stop, args.write_every, stopping), daemon=True))
    threads.append(threading.Thread(target=monitor.run, args=(stopping,), daemon=True))
    for t in threads:
        t.start()
    try:
        while time.monotonic() < stop:
            time.sleep(0.5)
        for t in threads[:-1]:  # viewers finish their current refresh, bounded by the request timeout
            t.join(timeout=max(1.0, stop + 3 * args.timeout - time.monotonic()))
    finally:
        stopping.set()
    elapsed = time.monotonic() - start
    end_rows = monitor.sample()
    client_cpu = sum(me.cpu_times()[:2]) - client_cpu_before
    server_cpu = sum(r["cpu_s"] - cpu_before.get(r["pid"], 0.0) for r in end_rows)
    pool.shutdown(wait=False, cancel_futures=True)
    load_after = os.getloadavg()

    results = report(args, mode, rec, writer, end_rows, monitor, elapsed, load_before, load_after, client_cpu,
                     server_cpu)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    return 1 if results["errors"] else 0


def fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.0f}" if x >= 100 else f"{x:.1f}"


def report(args, mode, rec: Recorder, writer, end_rows, monitor, elapsed, load_before, load_after, client_cpu,
           server_cpu) -> dict:
    from benchmarks.run import table  # one table printer for every benchmark

    cpus = os.cpu_count()
    print(f"\n{mode} · {args.viewers} viewers, live poll every {args.live_interval:g} s, "
          f"{f'a submission every {args.write_every:g} s' if writer else 'no writer'}, {elapsed:.0f} s · "
          f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after (max {monitor.load_max:.1f}) on {cpus} CPUs")
    timings = {name: {**summary(rec.times[name]), "errors": rec.errors.get(name, 0)} for name in rec.order}
    table(["request (ms)", "count", "p50", "p95", "max", "errors"],
          [(n, t["count"], fmt(t["p50"]), fmt(t["p95"]), fmt(t["max"]), t["errors"]) for n, t in timings.items()])
    after = summary(rec.after_change)
    table(["after a change (ms): poll answer -> last refresh answer", "count", "p50", "p95", "max"],
          [("all changes seen", after["count"], fmt(after["p50"]), fmt(after["p95"]), fmt(after["max"]))])
    for rounds, n in sorted(rec.rounds.items(), key=lambda x: -x[1]):
        print(f"  refresh rounds ({n}×): {rounds}")
    if writer:
        print(f"\nwriter: {writer.accepted} submissions accepted, {writer.refused} refused "
              f"({int(args.duration // args.write_every)} scheduled; one at a time, so a slow answer delays the next)")
    table(["server process", "pid", "RSS at end (MB)", "peak RSS (MB)"],
          [(r["process"], r["pid"], f"{r['rss_mb']:.0f}", f"{monitor.peak_rss[r['pid']]:.0f}") for r in end_rows]
          or [("(unknown: --url without --server-pid)", "", "", "")])
    per_change = server_cpu * 1000 / after["count"] if after["count"] else None
    print(f"\nCPU during the run: server {server_cpu:.0f} s, this client {client_cpu:.0f} s, "
          f"of {elapsed * cpus:.0f} CPU-seconds on {cpus} CPUs (the client shares them with the server); "
          f"server CPU per refresh seen: {fmt(per_change)} ms (all its work divided by the changes viewers saw: "
          f"steadier than wall times on a busy machine)")
    errors = sum(rec.errors.values())
    print(f"errors: {errors}" + "".join(f"\n  {s}" for s in rec.samples))
    return {"mode": mode, "viewers": args.viewers, "duration_s": elapsed, "live_interval_s": args.live_interval,
            "write_every_s": args.write_every if writer else None, "timings_ms": timings, "after_change_ms": after,
            "refresh_rounds": dict(rec.rounds), "writer": {"accepted": writer.accepted, "refused": writer.refused} if writer
            else None, "server_processes": end_rows, "server_peak_rss_mb": dict(monitor.peak_rss),
            "load_average": {"before": load_before, "after": load_after, "max": monitor.load_max, "cpus": cpus},
            "cpu_s": {"server": server_cpu, "client": client_cpu, "server_ms_per_refresh": per_change}, "errors": errors, "error_samples": rec.samples}


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # main() has stopped the server and removed its database on the way out
        print("\ninterrupted: nothing measured; the server is stopped and its database removed", file=sys.stderr)
        sys.exit(130)
