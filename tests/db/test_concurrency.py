"""Issue 5: 20 units upload at once, through the real app under waitress, on PostgreSQL and on SQLite
in WAL mode. Exactly 20 versions result, none lost, no "database is locked", no 5xx. And 20 uploads
for one unit and date at once: one first version, the rest corrections or refusals as validation
dictates, with no lost or duplicate version numbers."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text
from waitress.server import create_server

from app import create_app
from db.accounts import auth
from db.admin.presets import read_preset
from db.engine import read_session, write_session
from db.models import Campaign, Report, Unit

N = 20
ROW = {"offers": 3, "offer_enterprises": 40, "offer_workers": 2000, "contracts": 2, "contract_enterprises": 30,
       "contract_workers": 1500, "filed": 1, "filed_enterprises": 20, "filed_workers": 900}
SINGLE = {"offers": 5, "offer_enterprises": 5, "offer_workers": 900, "contracts": 4, "contract_enterprises": 4,
          "contract_workers": 700, "filed": 2, "filed_enterprises": 2, "filed_workers": 300}


def payload(unit: str, reason: str | None = None) -> bytes:
    body = {"unit": unit, "report_date": "2017-04-28", "responsible": "王建国", "filled_by": "刘敏",
            "rows": {"single": SINGLE, "regional": ROW, "industry": ROW}, "correction_reason": reason}
    return json.dumps(body, ensure_ascii=False).encode()


@contextmanager
def waitress_server(engine) -> Iterator[str]:
    """The real app (create_app) on this database, served by waitress on a free port of 127.0.0.1."""
    url = engine.url.render_as_string(hide_password=False)
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    server = create_server(app.server, host="127.0.0.1", port=0, threads=N)
    stopping = threading.Event()

    def run():
        try:
            server.run()
        except (OSError, ValueError):  # closing the sockets under the poll loop; only when stopping
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        server.task_dispatcher.shutdown(timeout=5)  # let running requests finish, then stop the loop
        server.close()
        thread.join(timeout=10)
        app.server.extensions["jizhong_engine"].dispose()


def post(base: str, data: bytes, token: str, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/api/v1/reports", data=data, method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}", "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def at_once(jobs) -> list:
    """Run the callables in as many threads, released together by a barrier; results in job order."""
    barrier, results = threading.Barrier(len(jobs)), [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        try:
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - reported by the assertions below
            results[i] = (0, {"exception": repr(exc)})

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


@pytest.fixture
def tokens(preset_engine) -> dict[str, str]:
    codes = [u["code"] for u in read_preset()["units"]][:N]
    with write_session(preset_engine) as s:
        return {code: auth.create_token(s, code, actor="test") for code in codes}


def count_reports(engine) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count(Report.id)))


def test_con001_twenty_units_upload_at_once(preset_engine, tokens, caplog):
    if preset_engine.dialect.name == "sqlite":
        with preset_engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    caplog.set_level(logging.WARNING)
    before = count_reports(preset_engine)
    with waitress_server(preset_engine) as base:
        started = time.perf_counter()
        results = at_once([lambda c=code, t=token: post(base, payload(c), t, f"{c}-0428")
                           for code, token in tokens.items()])
        seconds = time.perf_counter() - started
        # Logged while serving (not the shutdown's closing of idle sockets): no error, nothing "locked".
        problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or "locked" in r.getMessage()]
    print(f"\n{preset_engine.dialect.name}: {N} concurrent API submissions in {seconds:.2f} s")
    assert [status for status, _ in results] == [201] * N, results
    assert count_reports(preset_engine) - before == N
    assert {body["version"] for _, body in results} == {1}
    with read_session(preset_engine) as s:
        stored = dict(s.execute(select(Report.id, Unit.code).join(Unit, Unit.id == Report.unit_id)).all())
    assert {body["version_id"]: body["unit"] for _, body in results} == stored
    assert sorted(stored.values()) == sorted(tokens)
    assert problems == []


def test_con002_twenty_uploads_for_one_unit_and_date_at_once(preset_engine, tokens, caplog):
    """Every second request carries a correction reason: the first to commit becomes version 1,
    the later ones with a reason become corrections, the later ones without are refused (VAL005)."""
    caplog.set_level(logging.WARNING)
    code, token = next(iter(tokens.items()))
    reasons = [f"第 {i} 次更正" if i % 2 else None for i in range(N)]
    with waitress_server(preset_engine) as base:
        results = at_once([lambda i=i: post(base, payload(code, reasons[i]), token, f"key-{i}") for i in range(N)])
        problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or "locked" in r.getMessage()]
    statuses = [status for status, _ in results]
    assert set(statuses) <= {201, 422}, results
    stored = [(i, body) for i, (status, body) in enumerate(results) if status == 201]
    refused = [(i, body) for i, (status, body) in enumerate(results) if status == 422]
    assert sorted(body["version"] for _, body in stored) == list(range(1, len(stored) + 1))
    first = next(i for i, body in stored if body["version"] == 1)
    # Everything after the first is a correction with a reason, or refused for lacking one.
    assert all(reasons[i] for i, body in stored if body["version"] > 1)
    assert [i for i, _ in refused] == [i for i in range(N) if i != first and not reasons[i]]
    assert all(body["errors"][0]["field"] == "correction_reason" for _, body in refused)
    assert len(stored) == 1 + sum(1 for i in range(N) if i != first and reasons[i])
    with read_session(preset_engine) as s:
        versions = s.execute(select(Report.id, Report.version, Report.is_correction, Report.reason)
                             .order_by(Report.version)).all()
        campaign_id = s.scalar(select(Campaign.id))
    assert [v.version for v in versions] == list(range(1, len(stored) + 1))
    assert {v.id for v in versions} == {body["version_id"] for _, body in stored}
    assert all(v.is_correction and v.reason for v in versions[1:])
    assert all(body["campaign_id"] == campaign_id for _, body in stored)
    assert problems == []
