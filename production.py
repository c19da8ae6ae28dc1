"""Checks of the environment for production mode (`make serve`, `make worker`): standard library only.

Several processes (gunicorn workers, the Celery worker) must agree on SECRET_KEY: sessions, CSRF
tokens and export tickets are signed with it. Without a fixed key each process draws its own, and a
request that lands on another process than the one that signed the user in is refused. So production
mode refuses to start without one. SQLite and a missing REDIS_URL or CELERY_BROKER_URL still work,
with a warning saying what is lost.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

MIN_SECRET_LENGTH = 16
MAKE_SECRET = "export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"


def secret_problem(env: Mapping[str, str]) -> str | None:
    """Why SECRET_KEY is not fit for several processes (Chinese, then English), or None."""
    key = env.get("SECRET_KEY", "")
    if not key.strip():
        why = ("生产模式需要固定的 SECRET_KEY（所有 gunicorn 进程和 Celery worker 使用同一个值），当前未设置。",
               "Production mode needs a fixed SECRET_KEY, shared by every gunicorn worker and the Celery worker; "
               "it is not set.")
    elif len(key) < MIN_SECRET_LENGTH:
        why = (f"SECRET_KEY 太短（{len(key)} 个字符，至少 {MIN_SECRET_LENGTH} 个）。",
               f"SECRET_KEY is too short ({len(key)} characters, at least {MIN_SECRET_LENGTH}).")
    else:
        return None
    return (f"{why[0]}\n{why[1]}\n"
            f"请生成一个并保存在部署配置中（重启后保持不变）/ Generate one and keep it in the deployment's "
            f"configuration (the same across restarts):\n    {MAKE_SECRET}")


def warnings(env: Mapping[str, str]) -> list[str]:
    """What works but is not what production mode is for (Chinese / English, one line each)."""
    out = []
    url = env.get("DATABASE_URL", "")
    if not url or url.startswith("sqlite"):
        out.append("警告：DATABASE_URL 是 SQLite（或未设置）：多个进程同时写入时会排队；正式部署请用 PostgreSQL。"
                   " / Warning: DATABASE_URL is SQLite (or unset): writers from several processes queue on one "
                   "lock; use PostgreSQL in production.")
    if not env.get("REDIS_URL"):
        out.append("警告：未设置 REDIS_URL：缓存和未登录请求的计数在每个进程内各自保存，不共享。"
                   " / Warning: REDIS_URL is unset: the cache and the counts of anonymous refusals are kept "
                   "per process, not shared.")
    if not env.get("CELERY_BROKER_URL"):
        out.append("警告：未设置 CELERY_BROKER_URL：每次导出在网页进程派生的新进程里运行，每次都要冷启动 Chromium。"
                   " / Warning: CELERY_BROKER_URL is unset: each export runs in a new process forked from a web "
                   "worker, starting Chromium cold every time.")
    return out


def worker_problem(env: Mapping[str, str]) -> str | None:
    """Why the Celery worker cannot start (besides the secret), or None."""
    if env.get("CELERY_BROKER_URL"):
        return None
    return ("Celery worker 需要 CELERY_BROKER_URL（如 redis://127.0.0.1:6379/0），与网页进程相同。\n"
            "The Celery worker needs CELERY_BROKER_URL (say redis://127.0.0.1:6379/0), the same as the web "
            "processes'.")


_warned = False  # gunicorn's master checks in its config, then again when it loads wsgi: warn once


def check_or_exit(env: Mapping[str, str] | None = None, *, worker: bool = False, warn: bool = True) -> None:
    """Print the warnings (once per process); exit with status 2 and a message when production mode
    cannot start."""
    global _warned
    env = os.environ if env is None else env
    problems = [p for p in (secret_problem(env), worker_problem(env) if worker else None) if p]
    if problems:
        print("\n".join(["无法以生产模式启动 / Cannot start in production mode:", *problems]), file=sys.stderr,
              flush=True)
        raise SystemExit(2)
    if _warned or not warn:
        return
    _warned = True
    for line in warnings(env):
        print(line, file=sys.stderr, flush=True)
