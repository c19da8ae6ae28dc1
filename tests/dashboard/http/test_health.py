"""GET /healthz: public, says only whether the database and the cache answer; 503 (never 500) when not."""

from __future__ import annotations

import os
import time

import pytest

from app import create_app
from tests.http_helpers import demo_app, login

DEAD_POSTGRES = "postgresql://postgres@127.0.0.1:1/test"  # nothing listens on port 1
DEAD_REDIS = "redis://127.0.0.1:1/0"
REDIS = "redis://127.0.0.1:6379/0"
LOCAL = "ok" if os.environ.get("REDIS_URL") else "local"  # a developer's REDIS_URL applies to apps without one


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return demo_app(tmp_path_factory.mktemp("health"))


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def test_hlz001_anonymous_gets_ok_and_nothing_else(app):
    c = app.server.test_client()
    r = c.get("/healthz")
    assert r.status_code == 200
    assert r.get_json() == {"status": "ok", "database": "ok", "cache": LOCAL}
    assert "no-store" in r.headers["Cache-Control"]
    assert not r.headers.getlist("Set-Cookie")  # no session is started for a probe
    assert c.head("/healthz").status_code == 200


def test_hlz002_signed_in_gets_the_same(app):
    c = app.server.test_client()
    login(c)
    assert c.get("/healthz").get_json() == {"status": "ok", "database": "ok", "cache": LOCAL}


def test_hlz003_a_dead_database_is_503_quickly_even_with_a_session_cookie(tmp_path):
    dead = create_app({"DATABASE_URL": DEAD_POSTGRES, "TESTING": True, "SESSION_COOKIE_SECURE": False})
    c = dead.server.test_client()
    with c.session_transaction() as s:  # a signed-in user's cookie: loading the user would need the database
        s["_user_id"] = "1"
    began = time.monotonic()
    r = c.get("/healthz")
    assert time.monotonic() - began < 5
    assert r.status_code == 503
    assert r.get_json() == {"status": "unavailable", "database": "unreachable", "cache": LOCAL}
    assert "127.0.0.1" not in r.get_data(as_text=True)  # no URL, no error text


def test_hlz004_an_unreachable_redis_is_503(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}", "TESTING": True, "REDIS_URL": DEAD_REDIS})
    r = app.server.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.get_json() == {"status": "unavailable", "database": "ok", "cache": "unreachable"}


def test_hlz005_a_reachable_redis_is_ok(tmp_path):
    if not _redis_up():
        pytest.skip(f"no redis-server at {REDIS}")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'h.db'}", "TESTING": True, "REDIS_URL": REDIS})
    r = app.server.test_client().get("/healthz")
    assert r.status_code == 200 and r.get_json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_hlz006_other_methods_and_near_paths_are_not_health(app):
    c = app.server.test_client()
    assert c.post("/healthz").status_code in (400, 405)
    r = c.get("/healthz-x")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login?next=")
