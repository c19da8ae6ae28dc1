"""Instructors and work logs, effectiveness evaluations, supervision of refusals (issue 6).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Frozen copies of db.action_rules' vocabularies as of this revision (a later edit there needs a migration).
ACTIVITIES = ("宣传指导", "参加协商", "调查研究", "监督检查")
REFUSAL_KINDS = ("拒绝协商", "变相拒绝协商")
STATUSES = ("督促整改", "已整改", "追究责任", "媒体曝光")
TABLES = ("refusal_event", "refusal_case", "evaluation_score", "evaluation", "eval_dimension", "work_log",
          "instructor", "instructor_quota")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _campaign() -> sa.Column:
    return sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id"), nullable=False)


def _unit() -> sa.Column:
    return sa.Column("unit_id", sa.Integer, sa.ForeignKey("unit.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "instructor_quota",
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id"), primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("unit.id"), primary_key=True),
        sa.Column("required", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(50), nullable=False),
        sa.CheckConstraint("required >= 0", name="ck_instructor_quota_nonneg"),
    )
    op.create_table(
        "instructor",
        sa.Column("id", sa.Integer, primary_key=True),
        _campaign(),
        _unit(),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(30), nullable=False),
        sa.Column("since", sa.Date, nullable=False),
        sa.Column("left_on", sa.Date, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(50), nullable=False),
    )
    op.create_index("ix_instructor_campaign_id", "instructor", ["campaign_id"])
    op.create_table(
        "work_log",
        sa.Column("id", sa.Integer, primary_key=True),
        _campaign(),
        _unit(),
        sa.Column("instructor_id", sa.Integer, sa.ForeignKey("instructor.id"), nullable=True),
        sa.Column("log_date", sa.Date, nullable=False),
        sa.Column("activity", sa.String(10), nullable=False),
        sa.Column("enterprise", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(50), nullable=False),
        sa.CheckConstraint(_in("activity", ACTIVITIES), name="ck_work_log_activity"),
    )
    op.create_index("ix_work_log_campaign_id", "work_log", ["campaign_id"])
    op.create_table(
        "eval_dimension",
        sa.Column("id", sa.Integer, primary_key=True),
        _campaign(),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("scale_max", sa.Float, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(50), nullable=False),
        sa.CheckConstraint("weight >= 0 AND scale_max > 0", name="ck_eval_dimension_weight_scale"),
    )
    op.create_index("ix_eval_dimension_campaign_id", "eval_dimension", ["campaign_id"])
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Integer, primary_key=True),
        _campaign(),
        _unit(),
        sa.Column("enterprise", sa.String(200), nullable=False),
        sa.Column("eval_date", sa.Date, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(50), nullable=False),
    )
    op.create_index("ix_evaluation_campaign_id", "evaluation", ["campaign_id"])
    op.create_table(
        "evaluation_score",
        sa.Column("evaluation_id", sa.Integer, sa.ForeignKey("evaluation.id"), primary_key=True),
        sa.Column("dimension_id", sa.Integer, sa.ForeignKey("eval_dimension.id"), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("scale_max", sa.Float, nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= scale_max", name="ck_evaluation_score_range"),
    )
    op.create_table(
        "refusal_case",
        sa.Column("id", sa.Integer, primary_key=True),
        _campaign(),
        _unit(),
        sa.Column("enterprise", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("occurred_on", sa.Date, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("intervention", sa.Text, nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("status_at", sa.DateTime, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("created_by", sa.String(50), nullable=False),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_refusal_case_status"),
        sa.CheckConstraint(_in("kind", REFUSAL_KINDS), name="ck_refusal_case_kind"),
    )
    op.create_index("ix_refusal_case_campaign_id", "refusal_case", ["campaign_id"])
    op.create_table(
        "refusal_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("refusal_case.id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(50), nullable=False),
        sa.Column("from_status", sa.String(10), nullable=True),
        sa.Column("to_status", sa.String(10), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_refusal_event_case_id", "refusal_event", ["case_id"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)  # drops its indexes with it
