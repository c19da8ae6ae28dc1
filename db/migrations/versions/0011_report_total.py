"""report_total: each report's key and its nine measures summed over its lines, kept by the database.

Every figure on screen starts from "each unit at its latest report, current version, its lines
summed". At national scale that sum reads 115,000 lines on every roll-up and, for the progress
trend, every version of every report. A report's lines never change once written (append-only,
0001), so their sum can be kept beside them: a trigger on INSERT INTO report_line adds the line to
its report's row here, which a trigger on INSERT INTO report creates (zeros, with the report's
campaign, unit, date and version, so that the roll-ups read this one narrow table in index order
and never join report). Whatever writes reports and lines (the store, the scale demo's bulk
insert, a test) gets the row without knowing about it. Rows go with their report (ON DELETE
CASCADE; the demo reset deletes them first). Existing reports are summed once here.

A future SQLite migration that rebuilds report or report_line (batch mode) drops these triggers
and must create them again, as 0010 does for the snapshot table's.

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
_KEY = "report_id, campaign_id, unit_id, report_date, version"
_ADD = ", ".join(f"{m} = {m} + NEW.{m}" for m in MEASURES)
_ZEROS = ", ".join("0" for _ in MEASURES)


def upgrade() -> None:
    op.create_table(
        "report_total",
        sa.Column("report_id", sa.Integer, sa.ForeignKey("report.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("campaign_id", sa.Integer, nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("report_date", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        *[sa.Column(m, sa.Integer, nullable=False) for m in MEASURES],
    )
    # The order every roll-up reads in: a unit's reports by date and version (the current one last).
    op.create_index("ix_report_total_unit_date", "report_total", ["campaign_id", "unit_id", "report_date", "version"])
    new_report = (f"INSERT INTO report_total ({_KEY}, {_COLUMNS}) "
                  f"VALUES (NEW.id, NEW.campaign_id, NEW.unit_id, NEW.report_date, NEW.version, {_ZEROS})")
    add_line = f"UPDATE report_total SET {_ADD} WHERE report_id = NEW.report_id"
    if op.get_bind().dialect.name == "postgresql":
        for name, body, table in (("jizhong_report_total_new", new_report, "report"),
                                  ("jizhong_report_total_add", add_line, "report_line")):
            op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$")
            op.execute(f"CREATE TRIGGER {table}_to_total AFTER INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()")
    else:
        op.execute(f"CREATE TRIGGER report_to_total AFTER INSERT ON report BEGIN {new_report}; END")
        op.execute(f"CREATE TRIGGER report_line_to_total AFTER INSERT ON report_line BEGIN {add_line}; END")
    sums = ", ".join(f"COALESCE(SUM(l.{m}), 0)" for m in MEASURES)
    op.execute(f"INSERT INTO report_total ({_KEY}, {_COLUMNS}) "
               f"SELECT r.id, r.campaign_id, r.unit_id, r.report_date, r.version, {sums} "
               "FROM report r LEFT JOIN report_line l ON l.report_id = r.id "
               "GROUP BY r.id, r.campaign_id, r.unit_id, r.report_date, r.version")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS report_to_total ON report")
        op.execute("DROP TRIGGER IF EXISTS report_line_to_total ON report_line")
        op.execute("DROP FUNCTION IF EXISTS jizhong_report_total_new()")
        op.execute("DROP FUNCTION IF EXISTS jizhong_report_total_add()")
    else:
        op.execute("DROP TRIGGER IF EXISTS report_to_total")
        op.execute("DROP TRIGGER IF EXISTS report_line_to_total")
    op.drop_table("report_total")
