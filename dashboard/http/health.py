"""GET /healthz: are the database and the shared cache reachable? For load balancers and operators.

Public (the one path besides /login that needs no sign-in: see auth.PUBLIC_PATHS), so it says only
"ok" or "unreachable" per dependency, never a URL, a version or an error text (those go to the log):

    {"status": "ok", "database": "ok", "cache": "ok"}              200
    {"status": "unavailable", "database": "unreachable", ...}    503
    "cache": "local" when REDIS_URL is not set (each process keeps its own cache)

Each check is bounded (a fresh database connection with a 2 s connect timeout; Redis PING with a 1 s
timeout), so a dead dependency answers 503 within seconds, and any failure is a 503, never a 500.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, jsonify

from dashboard import context
from dashboard.shared import redis_client, redis_problem
from db.engine import ping, probe_engine

PATH = "/healthz"
EXTENSION = "jizhong_probe_engine"
log = logging.getLogger(__name__)


def _database() -> str:
    server = current_app
    try:
        if EXTENSION not in server.extensions:
            server.extensions[EXTENSION] = probe_engine(context.engine(server))
        ping(server.extensions[EXTENSION])
    except Exception as exc:  # noqa: BLE001 - whatever it is, the database is not usable
        log.warning("healthz: database unreachable: %s: %s", exc.__class__.__name__, str(exc).splitlines()[:1])
        return "unreachable"
    return "ok"


def _cache() -> str:
    try:
        client = redis_client()
    except Exception as exc:  # noqa: BLE001 - a malformed REDIS_URL
        log.warning("healthz: bad REDIS_URL: %s", exc.__class__.__name__)
        return "unreachable"
    if client is None:
        return "local"
    problem = redis_problem(client)
    if problem:
        log.warning("healthz: redis unreachable: %s", problem)
        return "unreachable"
    return "ok"


def healthz() -> Response:
    # Anonymous for this request whatever cookie came with it: loading a signed-in user would read
    # the database, which may be the thing that is down.
    g._login_user = current_app.login_manager.anonymous_user()
    checks = {"database": _database(), "cache": _cache()}
    healthy = all(v in ("ok", "local") for v in checks.values())
    response = jsonify({"status": "ok" if healthy else "unavailable", **checks})
    response.status_code = 200 if healthy else 503
    response.cache_control.no_store = True
    return response


def register(server: Flask) -> None:
    server.add_url_rule(PATH, "healthz", healthz, methods=["GET"])
