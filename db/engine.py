"""Engine and sessions from DATABASE_URL.

Default: a SQLite file under instance/ so the first run needs nothing. SQLite runs in WAL mode
with foreign keys on and a busy timeout; write transactions start with BEGIN IMMEDIATE so a
transaction that reads first and writes later cannot hit SQLITE_BUSY half-way.
PostgreSQL URLs (postgresql://...) are driven by psycopg 3.

Reads of columns (not entities) run through `column_rows`, with statements the hot paths build once
per shape (functools.lru_cache, parameters such as db.queries.CAMPAIGN_ID): in SQLAlchemy, building
and keying a statement and loading rows through the ORM cost more than a small statement's own SQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, Row, Select, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'instance' / 'jizhong.db'}"
_WRITE = "jizhong_write"  # execution option that marks a write transaction


def database_url(url: str | None = None) -> str:
    url = url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


CONNECT_TIMEOUT_S = 10


def make_engine(url: str | None = None, **kwargs) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 15}, **kwargs)
        _configure_sqlite(engine)
        return engine
    # A database host that does not answer fails a request after CONNECT_TIMEOUT_S instead of hanging it.
    kwargs.setdefault("connect_args", {"connect_timeout": CONNECT_TIMEOUT_S})
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    _configure_postgresql(engine)
    return engine


def _configure_postgresql(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Planner settings for a database that fits in memory, read by many small statements:
        # - no JIT: a recursive CTE's row estimate (tens of thousands of rows for a 3,569-unit tree)
        #   can push a statement over jit_above_cost, and compiling it then took 130 ms of a 380 ms
        #   national roll-up;
        # - random_page_cost 1.1 (the default 4 assumes spinning disks): a few thousand primary-key
        #   lookups (the current reports' lines) cost what they do, instead of a hash over the whole
        #   115,000-row table (national roll-up: 300 ms -> 80 ms on PostgreSQL 15).
        dbapi_conn.execute("SET jit = off")
        dbapi_conn.execute("SET random_page_cost = 1.1")
        dbapi_conn.commit()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred and late).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=15000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session whose transaction takes the write lock up front (SQLite) and commits on success.

    Any exception rolls everything back: a refused submission writes nothing.
    """
    with Session(engine.execution_options(**{_WRITE: True}), expire_on_commit=False) as session:
        with session.begin():
            yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reads. On PostgreSQL its connection is in autocommit: no BEGIN before the first
    statement and no ROLLBACK when it goes back to the pool, two round trips less per session (an
    overview request opens one per parallel read). Nothing is lost: under READ COMMITTED, the
    default, every statement already reads its own snapshot, in a transaction or not."""
    with Session(_reading(engine)) as session:
        yield session


@lru_cache(maxsize=32)
def _reading(engine: Engine) -> Engine:
    return engine.execution_options(isolation_level="AUTOCOMMIT") if engine.dialect.name == "postgresql" else engine


def column_rows(session: Session, stmt: Select, params: dict | None = None) -> Sequence[Row]:
    """Every row of a select of columns (no entities), run on the session's connection as Core runs
    it and fetched at once: through Session.execute an ORM-annotated select also goes through the
    ORM's per-row loading step, which cost as much as fetching the rows (child_trend's 800 rows:
    +0.9 ms), and iterating a Core result fetches row by row. Keys: `stmt.selected_columns.keys()`.
    No autoflush either: for reads (a write path that reads back flushes first, as it does anyway)."""
    return session.connection().execute(stmt, params or {}).all()


TREE_TABLES = ("unit", "unit_campaign")  # what the planner must know the size of to walk the unit tree


def refresh_statistics(session: Session, tables: Sequence[str] = TREE_TABLES) -> None:
    """ANALYZE `tables` in the session's transaction, after a write that changes their size a lot (a
    unit tree loaded or imported, a campaign's units copied). SQLite keeps no statistics until ANALYZE
    runs, and without them it joined the national tree (3,569 units) to itself unit by unit: 0.42 s
    for the national overview's roll-up instead of 0.03 s (benchmarks/sql_share.py --scale nation).
    PostgreSQL's autovacuum would analyze too, but later than the first readers. Milliseconds."""
    for table in tables:
        session.execute(text(f"ANALYZE {table}"))


PROBE_TIMEOUT_S = 2  # libpq rounds a connect_timeout under 2 s up to 2 s


def probe_engine(engine: Engine, timeout_s: int = PROBE_TIMEOUT_S) -> Engine:
    """An engine on the same database for health checks: no pool (a fresh connection each time, so a
    busy pool never delays the answer and a fork shares nothing), and a short connect timeout (a
    database that does not answer is reported in seconds, not after the TCP timeout)."""
    url = engine.url
    if url.get_backend_name() == "sqlite":
        return create_engine(url, poolclass=NullPool, connect_args={"timeout": timeout_s})
    return create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": max(2, int(timeout_s))})


def ping(engine: Engine) -> None:
    """`SELECT 1` on a new connection; raises (SQLAlchemyError, OSError) when the database is unreachable."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
