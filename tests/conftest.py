"""Shared fixtures. Every db test runs on SQLite and, when TEST_POSTGRES_URL is set, on PostgreSQL.

On PostgreSQL each test gets its own schema (search_path), migrated from empty, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import text

from db.engine import database_url, make_engine
from db.migrate import upgrade

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_POSTGRES_URL") else [])


@pytest.fixture(params=BACKENDS)
def engine(request, tmp_path):
    """A migrated, empty database."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        upgrade(eng)
        yield eng
        eng.dispose()
        return
    base = database_url(os.environ["TEST_POSTGRES_URL"])
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    eng = make_engine(f"{base}{sep}options={quote(f'-csearch_path={schema}')}")
    upgrade(eng)
    yield eng
    eng.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def preset_engine(engine):
    """Migrated database with the 临沂 units and the 2017 campaign (no reports)."""
    from db.admin.presets import ensure_campaign, load_units, read_preset
    from db.engine import write_session

    preset = read_preset()
    with write_session(engine) as s:
        load_units(s, preset)
        ensure_campaign(s, preset["campaigns"][0])
    return engine
