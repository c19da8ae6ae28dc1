"""Anonymous refusals counted in Redis: two apps (two gunicorn workers, say) share one budget and one
window, and a Redis that stops answering falls back to the process's own counts, never a 500.

Needs a redis-server (TEST_REDIS_URL, default redis://127.0.0.1:6379/13); skips without one, fails
with CI=true. Keys go under a prefix of their own, deleted afterwards (the database is not flushed).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from sqlalchemy import select

from app import create_app
from dashboard.http import denials
from db.engine import make_engine, read_session
from db.models import AuditEvent
from tests.http_helpers import demo_database, reachable_redis

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture(scope="module")
def redis_client():
    client = reachable_redis(REDIS)
    yield client
    client.close()


@pytest.fixture
def prefix(redis_client, monkeypatch):
    prefix = f"test:{uuid.uuid4().hex[:12]}:"
    monkeypatch.setattr(denials, "PREFIX", prefix)
    yield prefix
    keys = list(redis_client.scan_iter(f"{prefix}*"))
    if keys:
        redis_client.delete(*keys)


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    return demo_database(tmp_path_factory.mktemp("denials"))


def two_workers(db_url: str, redis_url: str = REDIS):
    return [create_app({"DATABASE_URL": db_url, "TESTING": True, "REDIS_URL": redis_url}) for _ in range(2)]


def refusals(db_url: str) -> list[AuditEvent]:
    engine = make_engine(db_url)
    try:
        with read_session(engine) as s:
            return list(s.scalars(select(AuditEvent).where(AuditEvent.action == "forbidden", AuditEvent.actor == "")
                                  .order_by(AuditEvent.id)))
    finally:
        engine.dispose()


def post(app, ip: str, path: str) -> int:
    return app.server.test_client().post(path, data={"x": "1"}, environ_base={"REMOTE_ADDR": ip}).status_code


def test_den001_two_workers_share_the_budget_and_write_one_summary(db_url, prefix, monkeypatch):
    a, b = two_workers(db_url)
    assert all(isinstance(app.server.extensions[denials.EXTENSION], denials.SharedDenials) for app in (a, b))
    now = [dt.datetime(2031, 3, 3, 9, 0)]
    monkeypatch.setattr(denials, "_clock", lambda: now[0])
    before = len(refusals(db_url))
    for i in range(100):  # one address, alternating workers, a new target each time
        assert post((a, b)[i % 2], "10.77.0.1", f"/flood/{i}") == 401
    assert len(refusals(db_url)) - before == denials.ROWS_PER_IP  # not 2 × 20: one budget
    assert post(a, "10.77.0.2", "/same") == 401
    assert post(b, "10.77.0.2", "/same") == 401  # the same refusal within a minute, on the other worker
    assert len(refusals(db_url)) - before == denials.ROWS_PER_IP + 1
    now[0] += denials.WINDOW
    assert post(b, "10.77.0.3", "/after") == 401
    summary, after = refusals(db_url)[-2:]
    assert after.detail == "未登录：POST /after" and after.ip == "10.77.0.3"
    assert summary.detail == ("未登录请求汇总：2031-03-03 09:00 起 10 分钟内另有 81 次被拒绝，未逐条记录"
                              "（2 个地址；最多：10.77.0.1 80 次，10.77.0.2 1 次）")
    assert post(a, "10.77.0.4", "/later") == 401  # the window was closed once, by one worker
    assert refusals(db_url)[-1].detail == "未登录：POST /later"


def test_den002_redis_down_counts_in_the_process(db_url, prefix, monkeypatch):
    (a, _) = two_workers(db_url, "redis://127.0.0.1:1/0")  # nothing listens there
    assert isinstance(a.server.extensions[denials.EXTENSION], denials.SharedDenials)
    now = [dt.datetime(2031, 4, 4, 9, 0)]
    monkeypatch.setattr(denials, "_clock", lambda: now[0])
    before = len(refusals(db_url))
    for i in range(30):
        assert post(a, "10.78.0.1", f"/down/{i}") == 401
    assert len(refusals(db_url)) - before == denials.ROWS_PER_IP
