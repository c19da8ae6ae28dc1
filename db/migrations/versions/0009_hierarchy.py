"""The unit hierarchy 全国 → 省 → 市 → 县区, and the area an account oversees.

- unit.level: the unit's tier, one of nation / province / city / county (existing units are the
  county-level units of one city, the implicit root, so they become 'county'). Off-map units
  (开发区, 市直系统 …) take the tier below the area they are attached to.
- ix_unit_parent_id: roll-ups walk the tree downwards by parent_id (db/hierarchy.py).
- ix_unit_adcode (unique): an area is addressed by its adcode (/area/<adcode>); one unit per adcode
  was already enforced by the unit admin, now by the database too.
- app_user.area_unit_id: the area (a nation/province/city unit) a leader or admin oversees;
  NULL means the whole installation.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit") as batch:
        batch.add_column(sa.Column("level", sa.String(10), nullable=False, server_default="county"))
        batch.create_check_constraint("ck_unit_level", "level IN ('nation', 'province', 'city', 'county')")
    op.create_index("ix_unit_parent_id", "unit", ["parent_id"])
    op.create_index("ix_unit_adcode", "unit", ["adcode"], unique=True)
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("area_unit_id", sa.Integer, nullable=True))
        batch.create_foreign_key("fk_app_user_area_unit_id", "unit", ["area_unit_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_constraint("fk_app_user_area_unit_id", type_="foreignkey")
        batch.drop_column("area_unit_id")
    op.drop_index("ix_unit_adcode", table_name="unit")
    op.drop_index("ix_unit_parent_id", table_name="unit")
    with op.batch_alter_table("unit") as batch:
        batch.drop_constraint("ck_unit_level", type_="check")
        batch.drop_column("level")
