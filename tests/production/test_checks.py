"""Production mode's start-up checks (production.py): no fixed SECRET_KEY, no start; warnings otherwise.

The refusals run the real commands (gunicorn with gunicorn.conf.py, the Celery worker): they exit
with status 2 and a message in Chinese and English before building the app.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import production

ROOT = Path(__file__).resolve().parents[2]
KEY = "0123456789abcdef" * 4


def test_prc001_the_secret_must_be_set_and_long_enough():
    for env in ({}, {"SECRET_KEY": ""}, {"SECRET_KEY": "   "}):
        message = production.secret_problem(env)
        assert "当前未设置" in message and "it is not set" in message and production.MAKE_SECRET in message
    assert "太短" in production.secret_problem({"SECRET_KEY": "short"})
    assert production.secret_problem({"SECRET_KEY": KEY}) is None


def test_prc002_warnings_for_sqlite_no_redis_and_no_broker_only():
    assert len(production.warnings({})) == 3
    every = production.warnings({"DATABASE_URL": "sqlite:///x.db"})
    assert [w for w in every if "SQLite" in w] and [w for w in every if "REDIS_URL" in w] \
        and [w for w in every if "CELERY_BROKER_URL" in w]
    redis = "redis://127.0.0.1:6379/1"
    assert production.warnings({"DATABASE_URL": "postgresql://db/x", "REDIS_URL": redis,
                                "CELERY_BROKER_URL": redis}) == []


def test_prc003_the_worker_needs_a_broker():
    assert "CELERY_BROKER_URL" in production.worker_problem({})
    assert production.worker_problem({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"}) is None


def _run(argv: list[str], **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "CELERY_BROKER_URL", "DATABASE_URL")}
    return subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, env={**base, **env}, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("argv", [["gunicorn", "-c", "gunicorn.conf.py", "wsgi:application"],
                                  ["celery", "-A", "worker", "worker", "--concurrency", "1"]])
def test_prc004_gunicorn_and_the_worker_refuse_to_start_without_a_secret(argv, tmp_path):
    done = _run(argv, CELERY_BROKER_URL="redis://127.0.0.1:1/0", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert done.returncode == 2, done.stderr
    assert "无法以生产模式启动 / Cannot start in production mode" in done.stderr
    assert "SECRET_KEY" in done.stderr and "secrets.token_hex(32)" in done.stderr
    assert "Traceback" not in done.stderr


def test_prc005_the_worker_refuses_to_start_without_a_broker(tmp_path):
    done = _run(["celery", "-A", "worker", "worker"], SECRET_KEY=KEY, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    assert done.returncode == 2 and "CELERY_BROKER_URL" in done.stderr and "Traceback" not in done.stderr
