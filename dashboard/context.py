"""The running app's database and the acting user, written once (flaskr's `get_db` is the model).

    with read() as s:      # a read-only session on the app's engine
    with write() as s:     # one write transaction: commits on success, rolls back on any exception
    engine()               # the Engine itself (for functions that open their own transactions)
    actor()                # {"actor": user name, "ip": client IP}: the audit fields of a write
    client_ip()            # the requesting client's address

Only inside a Flask request or app context, except `engine(server)` and `install(server, engine)`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, request
from flask_login import current_user
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from db.engine import read_session, write_session

EXTENSION = "jizhong_engine"  # the key of the engine in `Flask.extensions`


def install(server: Flask, engine_: Engine) -> None:
    """Attach the app's engine to the Flask server (the app factory does this once)."""
    server.extensions[EXTENSION] = engine_


def engine(server: Flask | None = None) -> Engine:
    """The engine of `server`, by default of the app handling the current request."""
    return (server or current_app).extensions[EXTENSION]


@contextmanager
def read() -> Iterator[Session]:
    with read_session(engine()) as s:
        yield s


session = read  # the name layouts and callbacks have always used


_POOL: tuple[int, ThreadPoolExecutor] | None = None  # (pid, pool): threads do not survive gunicorn's fork


def _pool() -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None or _POOL[0] != os.getpid():
        _POOL = (os.getpid(), ThreadPoolExecutor(max_workers=4, thread_name_prefix="jizhong-read"))
    return _POOL[1]


def concurrently(**jobs: Callable[[Session], Any]) -> dict[str, Any]:
    """Run independent reads at the same time, each `job(session)` in a read session of its own,
    and return their results by name: on PostgreSQL a page's roll-ups then wait for the slowest of
    them, not for their sum (the server works on each in its own process while these threads wait;
    national overview 316 -> 209 ms). SQLite runs them in turn, in one session: its work happens in
    this process under the GIL, and threads made the 临沂 county page slower (80 -> 120 ms). The
    jobs get a session only (no Flask context)."""
    eng = engine()
    if eng.dialect.name != "postgresql":
        with read_session(eng) as s:
            return {name: job(s) for name, job in jobs.items()}

    def run(job):
        with read_session(eng) as s:
            return job(s)

    futures = {name: _pool().submit(run, job) for name, job in jobs.items()}
    return {name: future.result() for name, future in futures.items()}


@contextmanager
def write() -> Iterator[Session]:
    with write_session(engine()) as s:
        yield s


def client_ip() -> str:
    return request.remote_addr or ""


def actor() -> dict:
    """The audit fields of a write by the signed-in user: actor (user name) and ip."""
    return {"actor": current_user.username, "ip": client_ip()}
