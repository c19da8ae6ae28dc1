"""Production mode end to end, on loopback: PostgreSQL, Redis, gunicorn with 2 workers, a Celery worker.

As an operator would: `python -m db init`, `python -m db demo`, `python -m db create-token`, then
gunicorn with gunicorn.conf.py and the Celery worker of worker.py as process groups, with a fixed
SECRET_KEY, a fresh PostgreSQL schema and a Redis database flushed before and after. In Chromium a
leader signs in and keeps the overview open; a district submits through the API with its token; the
open overview shows the new figure without a reload; the leader takes a snapshot of that view and
exports it as PDF, which the Celery worker renders (its Chromium warm) and the browser downloads.

Skips when PostgreSQL or Redis is not reachable; with CI=true that is a failure instead.
TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test) and TEST_PRODUCTION_REDIS_URL
(default redis://127.0.0.1:6379/15: a database number this test owns, flushed) say where they are.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.browser.conftest import BROWSER_TIMEOUT_MS, IN_CI, db_session, default_view, expect, wait_for_dash

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
# Its own database number: the shared cache's tests flush TEST_REDIS_URL's (14), which would wipe this
# test's broker queue and results if both ran at once (two checkouts on one machine).
REDIS = os.environ.get("TEST_PRODUCTION_REDIS_URL", "redis://127.0.0.1:6379/15")
UNIT = "371302"  # 兰山区: reports every week of the demo
REPORT_DATE = "2017-06-05"  # after the demo's last report, before the 6月10日 deadline
STEP = 7  # added to every cell of the unit's last report: keeps every validation rule
START_TIMEOUT_S = 120  # gunicorn and the Celery worker each build the whole app; a loaded machine is slow
WORKER_TASK = re.compile(r"Task \S+\[[0-9a-f-]+\] succeeded in ([0-9.]+)s")

MEASURE_API = {  # dashboard/http/api.py's names for the nine measures
    "offer_copies": "offers", "offer_ents": "offer_enterprises", "offer_workers": "offer_workers",
    "signed_copies": "contracts", "signed_ents": "contract_enterprises", "signed_workers": "contract_workers",
    "filed_copies": "filed", "filed_ents": "filed_enterprises", "filed_workers": "filed_workers",
}


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the production test must run)", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Stack:
    base: str
    db_url: str
    token: str
    env: dict
    logs: dict[str, Path] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def log(self, name: str) -> str:
        return self.logs[name].read_text(encoding="utf-8", errors="replace")

    def dump_logs(self) -> str:
        return "\n".join(f"----- {name} -----\n{self.log(name)[-20000:]}" for name in self.logs)

    def start(self, name: str, argv: list[str]) -> None:
        out = self.logs[name] = self.logs.get(name) or Path(self.env["LOG_DIR"]) / f"{name}.log"
        with open(out, "ab") as handle:  # the child keeps its own descriptor
            self.procs[name] = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self) -> None:
        for proc in self.procs.values():  # TERM first: gunicorn and celery shut down gracefully
            _signal_group(proc, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=10)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)  # the process group: gunicorn's workers, celery's pool, Chromium
    except ProcessLookupError:
        pass


def _run(stack: Stack, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "db", *args], cwd=ROOT, env=stack.env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"python -m db {' '.join(args)}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def _wait(stack: Stack, what: str, probe) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not probe():
        dead = [n for n, p in stack.procs.items() if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            pytest.fail(f"{what}: {'exited: ' + ', '.join(dead) if dead else 'timed out'}\n{stack.dump_logs()}",
                        pytrace=False)
        time.sleep(0.25)


def _reachable(redis_client) -> None:
    from sqlalchemy import text

    from db.engine import make_engine

    engine = make_engine(POSTGRES, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        _unavailable(f"PostgreSQL not reachable at {POSTGRES}: {exc.__class__.__name__}")
    finally:
        engine.dispose()
    try:
        redis_client.ping()
    except Exception as exc:  # noqa: BLE001
        _unavailable(f"Redis not reachable at {REDIS}: {exc.__class__.__name__}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    import redis
    from sqlalchemy import text

    from db.engine import database_url, make_engine

    client = redis.Redis.from_url(REDIS, socket_connect_timeout=3, socket_timeout=5)
    _reachable(client)
    schema = f"prod_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    client.flushdb()
    base = database_url(POSTGRES).replace("postgresql+psycopg://", "postgresql://")
    db_url = f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={schema}')}"
    directory = tmp_path_factory.mktemp("production")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST_"))}
    env.update({
        "DATABASE_URL": db_url, "REDIS_URL": REDIS, "CELERY_BROKER_URL": REDIS, "CELERY_RESULT_BACKEND": REDIS,
        "SECRET_KEY": secrets.token_hex(32), "LIVE_INTERVAL_MS": "1000", "SESSION_COOKIE_SECURE": "0",
        "WORKERS": "2", "HOST": "127.0.0.1", "PORT": str(port), "UPLOAD_DIR": str(directory / "uploads"),
        "LOG_DIR": str(directory), "PYTHONUNBUFFERED": "1",
    })
    stack = Stack(f"http://127.0.0.1:{port}", db_url, "", env)
    try:
        _run(stack, "init")
        _run(stack, "demo")
        stack.token = _run(stack, "create-token", "--unit", UNIT, "--label", "生产模式测试").strip().splitlines()[0]
        stack.start("gunicorn", [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:application"])
        stack.start("celery", [sys.executable, "-m", "celery", "-A", "worker", "worker", "--concurrency", "1",
                               "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
                               "--hostname", f"prod-test-{port}@%h"])
        _wait(stack, "gunicorn /healthz", lambda: _get(f"{stack.base}/healthz")[0] == 200)
        _wait(stack, "celery worker ready, renderer warm", lambda: "export renderer warm" in stack.log("celery"))
        yield stack
    finally:
        stack.stop()
        if stack.logs and any(_trouble(stack.log(name)) for name in stack.logs):
            print(stack.dump_logs())  # shown with a failure or error of the test or its teardown
        client.flushdb()
        client.close()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _trouble(log: str) -> bool:
    """A traceback, or a 5xx in gunicorn's access log ('"GET /x HTTP/1.1" 500 ...')."""
    return "Traceback" in log or re.search(r'HTTP/1\.[01]" 5\d\d ', log) is not None


def _next_report(db_url: str) -> tuple[int, dict]:
    """(campaign id, API body): UNIT's figures at the overview's date plus STEP everywhere, dated REPORT_DATE."""
    from db import queries
    from domain.measures import MEASURES

    with db_session(db_url) as s:
        campaign, as_of = default_view(s)
        lines = queries.line_totals(s, campaign["id"], as_of, UNIT)
    rows = {row["kind"]: {MEASURE_API[m]: int(row[m]) + STEP for m in MEASURES} for row in lines.to_dict("records")}
    return campaign["id"], {"unit": UNIT, "report_date": REPORT_DATE, "responsible": "生产模式测试",
                            "filled_by": "生产模式测试", "rows": rows, "campaign_id": campaign["id"]}


def _post_report(stack: Stack, body: dict) -> dict:
    request = urllib.request.Request(
        f"{stack.base}/api/v1/reports", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {stack.token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.status == 201
        return json.loads(r.read())


def _memory(master_pid: int) -> str:
    """RSS, and USS (what the process alone holds: the rest is shared copy-on-write), of gunicorn's processes."""
    import psutil

    master = psutil.Process(master_pid)
    out = []
    for label, proc in [("master", master)] + [("worker", p) for p in master.children()]:
        info = proc.memory_full_info()
        out.append(f"{label} {proc.pid} RSS {info.rss / 2**20:.0f} MB USS {info.uss / 2**20:.0f} MB")
    return "; ".join(out)


def _kpi(page, key: str) -> str:
    return " ".join((page.locator(f'[data-kpi="{key}"]').text_content() or "").split())


def test_prd001_signin_live_update_and_pdf_export_through_celery(stack, page, tmp_path):
    from db import queries
    from domain.format import thousands

    try:
        status, health = _get(f"{stack.base}/healthz")
        assert status == 200 and json.loads(health) == {"status": "ok", "database": "ok", "cache": "ok"}

        page.goto(f"{stack.base}/")  # sent to /login, signs in as the demo leader, comes back
        wait_for_dash(page)
        before = _kpi(page, "offer_copies")
        page.evaluate("() => { window.__prd_same_document = true; }")

        campaign_id, body = _next_report(stack.db_url)
        stored = _post_report(stack, body)
        assert (stored["unit"], stored["report_date"], stored["campaign_id"]) == (UNIT, REPORT_DATE, campaign_id)
        with db_session(stack.db_url) as s:
            city = queries.city_metrics(s, campaign_id, queries.report_dates(s, campaign_id)[-1])
        want = f"{thousands(city['offer_copies'])} 份"
        assert want != before, "the new report must change the city's 发出要约书 total"
        # The open page (polling every second, on whichever worker answers) shows the new total.
        expect(page.locator('[data-kpi="offer_copies"]')).to_have_text(want)
        assert page.evaluate("() => window.__prd_same_document === true"), "the page was reloaded"

        # A snapshot of that view, exported as PDF by the Celery worker.
        wait_for_dash(page)
        page.click("#sn-overview-link")
        expect(page.locator("#sn-title")).to_be_visible()
        page.fill("#sn-title", "生产模式")
        page.click("#sn-create")
        link = page.locator("#sn-new-link")
        expect(link).to_contain_text("生产模式")
        link.click()
        expect(page.locator("#sn-stamp")).to_contain_text("数据截至 2017年6月5日")
        wait_for_dash(page)
        with page.expect_download(timeout=2 * BROWSER_TIMEOUT_MS) as download:
            page.click("button:has-text('导出 PDF')")
        path = tmp_path / "snapshot.pdf"
        download.value.save_as(path)
        assert path.read_bytes().startswith(b"%PDF-")
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
        assert pages >= 1
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert thousands(city["offer_copies"]) in text, "the PDF shows the new total"
        expect(page.locator("#sn-export-result")).to_contain_text("已导出快照")

        tasks = [float(t) for t in WORKER_TASK.findall(stack.log("celery"))]
        assert tasks, "the export did not run on the Celery worker"
        workers = set(re.findall(r"Booting worker with pid: (\d+)", stack.log("gunicorn")))
        assert len(workers) == 2, workers
        print(f"\nPDF: {pages} pages, {path.stat().st_size / 1024:.0f} KB; Celery export task: {tasks[-1]:.2f} s; "
              f"memory: {_memory(stack.procs['gunicorn'].pid)}")
    except BaseException:
        print(stack.dump_logs())
        raise
