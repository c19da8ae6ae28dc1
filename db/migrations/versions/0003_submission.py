"""Submission review (accept / return), idempotency keys for the API (issue 5).

report_review is append-only like the reports it judges: one row per reviewed version (a unique
report_id: a version is reviewed once), decision accepted/returned, a comment required to return.
api_request remembers each Idempotency-Key of the JSON API with the hash of its request and the
answer given, written in the same transaction as the report it stored.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_review",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("report.id"), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("reviewer", sa.String(50), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("report_id", name="uq_report_review_report"),
        sa.CheckConstraint("decision IN ('accepted', 'returned')", name="ck_report_review_decision"),
        sa.CheckConstraint("decision <> 'returned' OR length(trim(comment)) > 0", name="ck_report_review_comment"),
    )
    op.create_table(
        "api_request",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_id", sa.Integer, sa.ForeignKey("api_token.id"), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("report.id"), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("token_id", "idempotency_key", name="uq_api_request_key"),
    )
    op.create_index("ix_api_request_report_id", "api_request", ["report_id"])
    _append_only_triggers()


def _append_only_triggers() -> None:
    """Refuse UPDATE and DELETE on report_review in the database itself, as 0001 does for reports."""
    if op.get_bind().dialect.name == "postgresql":
        # jizhong_append_only() comes from 0001. Row triggers do not fire on TRUNCATE: refuse it too.
        op.execute(
            "CREATE TRIGGER report_review_append_only BEFORE UPDATE OR DELETE ON report_review "
            "FOR EACH ROW EXECUTE FUNCTION jizhong_append_only()"
        )
        op.execute(
            "CREATE TRIGGER report_review_no_truncate BEFORE TRUNCATE ON report_review "
            "FOR EACH STATEMENT EXECUTE FUNCTION jizhong_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER report_review_no_{action.lower()} BEFORE {action} ON report_review "
                "BEGIN SELECT RAISE(ABORT, '审核记录只可追加，不可修改或删除'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS report_review_append_only ON report_review")
        op.execute("DROP TRIGGER IF EXISTS report_review_no_truncate ON report_review")
    op.drop_index("ix_api_request_report_id", table_name="api_request")
    for table in ("api_request", "report_review"):
        op.drop_table(table)
