"""report: an index on (campaign_id, report_date), in place of the one on campaign_id alone.

Every overview request reads a campaign's distinct report dates (the date picker) and each
campaign's last report date (the campaign list). At national scale (38,556 reports, 49 dates) both
read every report of the campaign. With the reports of a campaign in date order, the dates are one
index seek each (db.queries.report_dates: SQLite skips ahead within the index by itself, PostgreSQL
is walked from date to date by a recursive query) and the last date is one seek. The index starts
with campaign_id, so it serves every lookup by campaign the old one did (the foreign key's among
them), which is dropped.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_report_campaign_date", "report", ["campaign_id", "report_date"])
    op.drop_index("ix_report_campaign_id", table_name="report")


def downgrade() -> None:
    op.create_index("ix_report_campaign_id", "report", ["campaign_id"])
    op.drop_index("ix_report_campaign_date", table_name="report")
