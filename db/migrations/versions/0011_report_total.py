"""report_total: each report's nine measures summed over its three lines, kept by the database.

Every figure on screen starts from "each unit at its latest report, current version, its lines
summed". At national scale that sum reads 115,000 lines on every roll-up and, for the progress
trend, every version of every report. A report's lines never change once written (append-only,
0001), so their sum can be kept beside them: a trigger on INSERT INTO report_line adds the line to
its report's row here (created by the first line). Whatever writes lines (the store, the scale
demo's bulk insert, a test) gets the row without knowing about it; a report without lines has no
row (read as zeros). Rows go with their report (ON DELETE CASCADE; the demo reset deletes them
first on SQLite). Existing lines are summed once here.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

from domain.measures import MEASURES

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_COLUMNS = ", ".join(MEASURES)
_NEW = ", ".join(f"NEW.{m}" for m in MEASURES)
_ADD = ", ".join(f"{m} = report_total.{m} + excluded.{m}" for m in MEASURES)


def upgrade() -> None:
    op.create_table(
        "report_total",
        sa.Column("report_id", sa.Integer, sa.ForeignKey("report.id", ondelete="CASCADE"), primary_key=True),
        *[sa.Column(m, sa.Integer, nullable=False) for m in MEASURES],
    )
    upsert = (f"INSERT INTO report_total (report_id, {_COLUMNS}) VALUES (NEW.report_id, {_NEW}) "
              f"ON CONFLICT (report_id) DO UPDATE SET {_ADD}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION jizhong_report_total() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {upsert}; RETURN NULL; END $$"
        )
        op.execute("CREATE TRIGGER report_line_total AFTER INSERT ON report_line "
                   "FOR EACH ROW EXECUTE FUNCTION jizhong_report_total()")
    else:
        op.execute(f"CREATE TRIGGER report_line_total AFTER INSERT ON report_line BEGIN {upsert}; END")
    op.execute(f"INSERT INTO report_total (report_id, {_COLUMNS}) "
               f"SELECT report_id, {', '.join(f'SUM({m})' for m in MEASURES)} FROM report_line GROUP BY report_id")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS report_line_total ON report_line")
        op.execute("DROP FUNCTION IF EXISTS jizhong_report_total()")
    else:
        op.execute("DROP TRIGGER IF EXISTS report_line_total")
    op.drop_table("report_total")
