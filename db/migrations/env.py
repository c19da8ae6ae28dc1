"""Alembic environment: the engine comes from db.migrate (or DATABASE_URL for the alembic CLI).

On SQLite a batch migration rebuilds a table (create a copy, copy the rows, drop the old one, rename).
With foreign keys enforced, dropping a table that other tables reference fails on a database with
data, so they are off while migrating (a PRAGMA that only takes effect outside a transaction) and
every reference is checked afterwards."""

from alembic import context

from db.engine import make_engine
from db.models import Base

config = context.config
engine = config.attributes.get("engine") or make_engine()

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    driver = connection.connection.driver_connection if sqlite else None
    if sqlite:
        driver.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.rollback()
            if broken:
                raise RuntimeError(f"迁移后外键不一致 / foreign keys broken after the migration: {broken[:5]}")
    finally:
        if sqlite:
            driver.execute("PRAGMA foreign_keys=ON")
