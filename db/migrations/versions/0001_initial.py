"""Initial schema: campaigns, units, baselines/targets, append-only reports.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from domain.measures import LINE_KINDS, MEASURES

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("report", "report_line")


def upgrade() -> None:
    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("window_start", sa.Date, nullable=False),
        sa.Column("window_end", sa.Date, nullable=False),
        sa.Column("cutoff_date", sa.Date, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("is_demo", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("window_start <= window_end", name="ck_campaign_window"),
        sa.CheckConstraint("cutoff_date <= deadline", name="ck_campaign_deadline"),
    )
    op.create_table(
        "unit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("unit.id"), nullable=True),
        sa.Column("adcode", sa.String(12), nullable=True),
        sa.Column("sort_order", sa.Integer, nullable=False),
    )
    op.create_table(
        "unit_campaign",
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id"), primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("unit.id"), primary_key=True),
        sa.Column("baseline_ents", sa.Integer, nullable=False),
        sa.Column("baseline_workers", sa.Integer, nullable=False),
        sa.Column("target_ents", sa.Integer, nullable=False),
        sa.Column("target_workers", sa.Integer, nullable=False),
        sa.CheckConstraint(
            "baseline_ents >= 0 AND baseline_workers >= 0 AND target_ents >= 0 AND target_workers >= 0",
            name="ck_unit_campaign_nonneg",
        ),
    )
    op.create_table(
        "report",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id"), nullable=False),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("report_date", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("leader", sa.String(50), nullable=False),
        sa.Column("filled_by", sa.String(50), nullable=False),
        sa.Column("filled_on", sa.Date, nullable=True),
        sa.Column("submitted_at", sa.DateTime, nullable=False),
        sa.Column("submitted_by", sa.String(50), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("is_correction", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("warnings", sa.Text, nullable=False),
        sa.UniqueConstraint("campaign_id", "unit_id", "report_date", "version", name="uq_report_version"),
        sa.CheckConstraint("version >= 1", name="ck_report_version"),
    )
    op.create_index("ix_report_campaign_id", "report", ["campaign_id"])
    op.create_index("ix_report_unit_id", "report", ["unit_id"])
    op.create_table(
        "report_line",
        sa.Column("report_id", sa.Integer, sa.ForeignKey("report.id"), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        *[sa.Column(m, sa.Integer, nullable=False) for m in MEASURES],
        sa.CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in LINE_KINDS) + ")", name="ck_report_line_kind"),
        sa.CheckConstraint(" AND ".join(f"{m} >= 0" for m in MEASURES), name="ck_report_line_nonneg"),
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    """Refuse UPDATE and DELETE on the report tables in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION jizhong_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '报送记录只可追加，不可修改或删除 (%)', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION jizhong_append_only()"
            )
    else:
        for table in APPEND_ONLY:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '报送记录只可追加，不可修改或删除'); END"
                )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS jizhong_append_only()")
    for table in ("report_line", "report", "unit_campaign", "unit", "campaign"):
        op.drop_table(table)
