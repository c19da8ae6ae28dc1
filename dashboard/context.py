"""The running app's database and the acting user, written once (flaskr's `get_db` is the model).

    with read() as s:      # a read-only session on the app's engine
    with write() as s:     # one write transaction: commits on success, rolls back on any exception
    engine()               # the Engine itself (for functions that open their own transactions)
    actor()                # {"actor": user name, "ip": client IP}: the audit fields of a write
    client_ip()            # the requesting client's address

Only inside a Flask request or app context, except `engine(server)` and `install(server, engine)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def write() -> Iterator[Session]:
    with write_session(engine()) as s:
        yield s


def client_ip() -> str:
    return request.remote_addr or ""


def actor() -> dict:
    """The audit fields of a write by the signed-in user: actor (user name) and ip."""
    return {"actor": current_user.username, "ip": client_ip()}
