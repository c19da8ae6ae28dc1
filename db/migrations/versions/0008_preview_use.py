"""Single-use previews: the nonce of every confirmed /submit preview.

- preview_use: one row per signed preview that 确认提交 stored, written in the same transaction as
  the report version it stored. The unique nonce makes a preview single-use: a double click, five
  concurrent confirms or a replay of the token store one version; the others are refused
  ("该预览已提交，请勿重复确认") and write nothing.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "preview_use",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("report.id"), nullable=False),
        sa.Column("used_by", sa.String(50), nullable=False),
        sa.Column("used_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("nonce", name="uq_preview_use_nonce"),
    )
    op.create_index("ix_preview_use_report_id", "preview_use", ["report_id"])


def downgrade() -> None:
    op.drop_index("ix_preview_use_report_id", table_name="preview_use")
    op.drop_table("preview_use")
