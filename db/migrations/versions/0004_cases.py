"""Typical cases, photos, and the 6月10日 summaries with their files (issue 6).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

Files (photos, videos, documents) live on disk under UPLOAD_DIR with random names; `stored_file`
keeps only their metadata. Cases and summaries refer to files by id, never by a name a user gave.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_file",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),  # photo / video / doc
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("storage_name", sa.String(80), nullable=False, unique=True),
        sa.Column("thumb_name", sa.String(80), nullable=True),
        sa.Column("original_name", sa.String(200), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("width", sa.Integer, nullable=True),
        sa.Column("height", sa.Integer, nullable=True),
        sa.Column("uploaded_by", sa.String(50), nullable=False),
        sa.Column("uploaded_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("kind IN ('photo', 'video', 'doc')", name="ck_stored_file_kind"),
        sa.CheckConstraint("size >= 0", name="ck_stored_file_size"),
    )
    op.create_table(
        "typical_case",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id"), nullable=False, index=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("unit.id"), nullable=False, index=True),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("stage", sa.String(12), nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("selected_on", sa.Date, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("city_level", sa.Boolean, nullable=False),
        sa.Column("city_level_by", sa.String(50), nullable=True),
        sa.Column("city_level_at", sa.DateTime, nullable=True),
        sa.Column("created_by", sa.String(50), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(50), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("level IN ('enterprise', 'industry', 'region')", name="ck_typical_case_level"),
        sa.CheckConstraint("stage IN ('cultivating', 'selected', 'follow_up')", name="ck_typical_case_stage"),
        sa.CheckConstraint("(lon IS NULL) = (lat IS NULL)", name="ck_typical_case_location"),
    )
    op.create_table(
        "case_photo",
        sa.Column("case_id", sa.Integer, sa.ForeignKey("typical_case.id"), primary_key=True),
        sa.Column("file_id", sa.Integer, sa.ForeignKey("stored_file.id"), primary_key=True),
        sa.Column("sort_order", sa.Integer, nullable=False),
    )
    op.create_table(
        "case_target",
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id"), primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("unit.id"), primary_key=True),
        sa.Column("target", sa.Integer, nullable=False),
        sa.CheckConstraint("target >= 0", name="ck_case_target_nonneg"),
    )
    op.create_table(
        "summary_file",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id"), nullable=False, index=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),  # written (书面总结) / media (图片/影像资料)
        sa.Column("file_id", sa.Integer, sa.ForeignKey("stored_file.id"), nullable=False, unique=True),
        sa.Column("uploaded_by", sa.String(50), nullable=False),
        sa.Column("uploaded_at", sa.DateTime, nullable=False),
        sa.CheckConstraint("kind IN ('written', 'media')", name="ck_summary_file_kind"),
    )


def downgrade() -> None:
    for table in ("summary_file", "case_target", "case_photo", "typical_case", "stored_file"):
        op.drop_table(table)
