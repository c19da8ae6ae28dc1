"""A snapshot records the area it was taken of (issue 13, item 7).

snapshot.area_id: the unit (a nation, province or city unit) whose overview the snapshot froze;
NULL is the installation's root (every snapshot taken before this revision, and every snapshot of a
one-city installation such as 临沂). Listing, viewing and exporting filter on it by the user's scope.
Rows stay append-only: the column is added, never filled in afterwards.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _sqlite_triggers(action: str) -> None:
    """The append-only triggers of 0006: SQLite's batch mode rebuilds the table and drops them."""
    for verb in ("UPDATE", "DELETE"):
        if action == "drop":
            op.execute(f"DROP TRIGGER IF EXISTS snapshot_no_{verb.lower()}")
        else:
            op.execute(
                f"CREATE TRIGGER snapshot_no_{verb.lower()} BEFORE {verb} ON snapshot "
                "BEGIN SELECT RAISE(ABORT, '快照不可修改或删除'); END"
            )


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _sqlite_triggers("drop")
    with op.batch_alter_table("snapshot") as batch:
        batch.add_column(sa.Column("area_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_snapshot_area_id", "unit", ["area_id"], ["id"])
    op.create_index("ix_snapshot_area_id", "snapshot", ["area_id"])
    if sqlite:
        _sqlite_triggers("create")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("ix_snapshot_area_id", table_name="snapshot")
    if sqlite:
        _sqlite_triggers("drop")
    with op.batch_alter_table("snapshot") as batch:
        batch.drop_constraint("fk_snapshot_area_id", type_="foreignkey")
        batch.drop_column("area_id")
    if sqlite:
        _sqlite_triggers("create")
