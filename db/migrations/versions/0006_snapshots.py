"""Meeting snapshots, immutable (issue 7).

One row per snapshot: the filters it was taken with, who took it and when, and the whole frozen
view as one JSON document (see db/snapshots.py). Rows are append-only like reports (0001) and the
audit log (0002): triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshot",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id"), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("metric", sa.String(40), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(50), nullable=False),
        sa.Column("data_version", sa.String(64), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
    )
    op.create_index("ix_snapshot_created_at", "snapshot", ["created_at"])
    op.create_index("ix_snapshot_campaign_id", "snapshot", ["campaign_id"])
    if op.get_bind().dialect.name == "postgresql":
        # jizhong_append_only() comes from 0001.
        op.execute(
            "CREATE TRIGGER snapshot_append_only BEFORE UPDATE OR DELETE ON snapshot "
            "FOR EACH ROW EXECUTE FUNCTION jizhong_append_only()"
        )
        op.execute(
            "CREATE TRIGGER snapshot_no_truncate BEFORE TRUNCATE ON snapshot "
            "FOR EACH STATEMENT EXECUTE FUNCTION jizhong_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER snapshot_no_{action.lower()} BEFORE {action} ON snapshot "
                "BEGIN SELECT RAISE(ABORT, '快照不可修改或删除'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS snapshot_append_only ON snapshot")
        op.execute("DROP TRIGGER IF EXISTS snapshot_no_truncate ON snapshot")
    op.drop_index("ix_snapshot_campaign_id", table_name="snapshot")
    op.drop_index("ix_snapshot_created_at", table_name="snapshot")
    op.drop_table("snapshot")
