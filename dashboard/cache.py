"""Shared results: each data-heavy callback is computed once per data version and served to every viewer.

When fifty leaders keep the overview open and a district submits, every open page asks for the same
refresh. Without sharing, each request recomputes the same SQL aggregates, figures and component
trees. Here the finished response of a *shared* callback is kept in a cache that every process sees
(Redis when REDIS_URL is set, else this process's memory), under a key made of:

- the database (so apps on different databases never share entries),
- the data version (`db.queries.data_version`, read on the server: a forged client value changes nothing),
- today's date (pages that count days or default to today's report),
- the viewer's scope: role, plus the unit for a reporter (what that user may see),
- the callback's own request: outputs, inputs, state and which input changed.

A callback opts in where it is registered: `share(app, Output(...))` names its first output (the
router passes `when` to share only some pages). Everything else (forms, saves, uploads, the live
poll) is never cached. Concurrent misses for one key wait for the first computation instead of
repeating it (a lock with `add`, which is atomic on Redis and on the local cache).

Answers are stored gzip-compressed and sent as stored to clients that take gzip, the first viewer
included (one compression per answer, not one more by flask-compress); none larger than
MAX_ENTRY_BYTES (uncompressed) is stored.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import time
from collections.abc import Callable
from functools import wraps

from flask import Flask, Response, current_app, has_request_context, request
from flask_caching import Cache

from dashboard import context, ids
from dashboard import scope as user_scope
from db import clock, queries

log = logging.getLogger(__name__)

UPDATE_ENDPOINT = "/_dash-update-component"
EXTENSION = "jizhong_shared"
ENTRY_TIMEOUT_S = 600  # an entry outlives any data version a viewer still shows
LOCAL_ENTRIES = 256  # the local cache's bound (about 100 KB compressed-or-less each)
MAX_ENTRY_BYTES = 4 * 1024 * 1024
LOCK_TIMEOUT_S = 30  # a computation that takes longer lets the next request compute too
WAIT_STEP_S = 0.02
REDIS_TIMEOUT_S = 1.0
GZIP_LEVEL = 6  # once per entry, like flask-compress's default for each response
VERSION_KEY = "jizhong.data_version"  # request.environ: the data version respond() keyed this request on


def config_for(settings: dict) -> dict:
    """Flask-Caching settings: Redis when REDIS_URL is set, else a bounded in-process cache.
    `SHARED_CACHE` in the app config overrides (e.g. {"CACHE_TYPE": "NullCache"} turns sharing off)."""
    if settings.get("SHARED_CACHE"):
        return dict(settings["SHARED_CACHE"])
    if settings.get("REDIS_URL"):
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": settings["REDIS_URL"],
                "CACHE_KEY_PREFIX": "jizhong:", "CACHE_DEFAULT_TIMEOUT": ENTRY_TIMEOUT_S,
                # a Redis that stops answering costs a request one second, not a hung thread
                "CACHE_OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT_S, "socket_timeout": REDIS_TIMEOUT_S}}
    return {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": LOCAL_ENTRIES, "CACHE_DEFAULT_TIMEOUT": ENTRY_TIMEOUT_S}


class Shared:
    """The cache and the table of shared callbacks of one app."""

    def __init__(self, server: Flask):
        self.cache = Cache(config=config_for(server.config))
        self.cache.init_app(server)
        self.outputs: dict[str, Callable[[dict], bool] | None] = {}
        url = context.engine(server).url.render_as_string(hide_password=True)
        self.namespace = hashlib.sha256(url.encode()).hexdigest()[:12]
        self.stats = {"hit": 0, "miss": 0, "wait": 0, "skip": 0}


def install(app) -> None:
    """Attach the shared cache to a Dash app: wraps the callback endpoint (after Dash set it up)."""
    server = app.server
    shared = Shared(server)
    server.extensions[EXTENSION] = shared
    view = server.view_functions[UPDATE_ENDPOINT]

    @wraps(view)  # keeps Dash's view name, which integrations (CSRF exemptions) key on
    def dispatch(*args, **kwargs):
        return respond(shared, lambda: view(*args, **kwargs))

    server.view_functions[UPDATE_ENDPOINT] = dispatch


def share(app, output, when: Callable[[dict], bool] | None = None) -> None:
    """Declare a callback shared, by its first Output. `when(body)` may refuse some requests."""
    app.server.extensions[EXTENSION].outputs[output_name(output.component_id, output.component_property)] = when


def stats(server: Flask | None = None) -> dict:
    return dict((server or current_app).extensions[EXTENSION].stats)


def output_name(component_id, prop: str) -> str:
    cid = json.dumps(component_id, sort_keys=True, separators=(",", ":")) if isinstance(component_id, dict) else str(component_id)
    return f"{cid}.{prop}"


def first_output(body: dict) -> str | None:
    outputs = body.get("outputs")
    first = outputs[0] if isinstance(outputs, list) and outputs else outputs
    if not isinstance(first, dict) or not isinstance(first.get("property"), str):
        return None
    return output_name(first.get("id"), first["property"])


def scope() -> str:
    """What the signed-in user may see: the role, a reporter's unit, a leader's or admin's area."""
    return user_scope.cache_key()


def request_version(session) -> str:
    """The data version of the current request: the one respond() keyed a shared callback on (read once,
    before the callback computed), else read now (a callback not shared, an export, no request). In the
    request's environ, not in flask.g: g belongs to the app context, which the requests of a test
    client share while a test holds one, so a version there could outlive its request."""
    version = request.environ.get(VERSION_KEY) if has_request_context() else None
    return version if version is not None else queries.data_version(session)


def request_key(shared: Shared, body: dict, version: str) -> str:
    """The cache key of one callback request (see the module docstring for what goes in)."""
    inputs = [x for x in body.get("inputs") or [] if not (isinstance(x, dict) and x.get("id") == ids.DATA_VERSION)]
    material = json.dumps(
        [shared.namespace, version, clock.now().date().isoformat(), scope(), body.get("output"), inputs,
         body.get("state"), body.get("changedPropIds")],
        sort_keys=True, separators=(",", ":"), default=str,
    )
    return "cb:" + hashlib.sha256(material.encode()).hexdigest()


def respond(shared: Shared, compute: Callable[[], Response]):
    body = request.get_json(silent=True)
    name = first_output(body) if isinstance(body, dict) else None
    if name not in shared.outputs or not _wanted(shared.outputs[name], body):
        shared.stats["skip"] += 1
        return compute()
    with context.read() as s:
        version = queries.data_version(s)
    request.environ[VERSION_KEY] = version  # for request_version: read once per request
    key = request_key(shared, body, version)
    cached = _get(shared, key)
    if cached is not None:
        shared.stats["hit"] += 1
        return cached
    lock = key + ":lock"
    if not _safely(shared.cache.add, lock, 1, timeout=LOCK_TIMEOUT_S, default=True):
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while time.monotonic() < deadline and _safely(shared.cache.get, lock) is not None:
            time.sleep(WAIT_STEP_S)
            cached = _get(shared, key)
            if cached is not None:
                shared.stats["wait"] += 1
                return cached
    else:  # got the lock; another request may have stored the result just before it let go
        cached = _get(shared, key)
        if cached is not None:
            _safely(shared.cache.delete, lock)
            shared.stats["hit"] += 1
            return cached
    shared.stats["miss"] += 1
    try:
        return _put(shared, key, compute())
    finally:
        _safely(shared.cache.delete, lock)


def _safely(operation, *args, default=None, **kwargs):
    """A cache operation that degrades to `default` when the cache is unreachable: never a 500 for that."""
    try:
        return operation(*args, **kwargs)
    except Exception:
        log.warning("shared cache unreachable", exc_info=True)
        return default


def _wanted(when, body: dict) -> bool:
    try:
        return when is None or bool(when(body))
    except Exception:  # a malformed body: not shared, Dash answers it as usual
        return False


def _get(shared: Shared, key: str) -> Response | None:
    """A stored answer, gzip-compressed as stored when the client takes gzip (every browser does: no
    compression per hit), else decompressed."""
    entry = _safely(shared.cache.get, key)
    if not entry:
        return None
    status, mimetype, packed = entry
    if "gzip" in request.accept_encodings:
        return _gzipped(status, mimetype, packed)
    return Response(gzip.decompress(packed), status=status, mimetype=mimetype)


def _gzipped(status: int, mimetype: str, packed: bytes) -> Response:
    response = Response(packed, status=status, mimetype=mimetype)
    response.headers["Content-Encoding"] = "gzip"  # flask-compress leaves an encoded response alone
    response.vary.add("Accept-Encoding")
    return response


def _put(shared: Shared, key: str, response):
    """Store the answer; return what to send: the stored gzip bytes to a client that takes gzip (so
    the first viewer's answer is compressed once, not again by flask-compress), else `response`."""
    if not isinstance(response, Response) or response.status_code not in (200, 204) or response.direct_passthrough:
        return response
    data = response.get_data()
    if len(data) > MAX_ENTRY_BYTES:
        return response
    packed = gzip.compress(data, GZIP_LEVEL, mtime=0)
    _safely(shared.cache.set, key, (response.status_code, response.mimetype, packed))
    if "gzip" in request.accept_encodings:
        return _gzipped(response.status_code, response.mimetype, packed)
    return response
