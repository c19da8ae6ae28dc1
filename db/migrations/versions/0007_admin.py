"""Campaign thresholds and admin-managed settings; user deactivation (issue 4).

- campaign_threshold: the lagging thresholds an admin sets for one campaign. Every column but the
  key is nullable: NULL means "the app's default" (create_app config LAGGING, else the defaults
  of domain.lagging.Thresholds), so a campaign without a row, or with a blank field, keeps them.
- ix_audit_event_ip_at: the IP-level login rate limit counts an address's recent failed logins
  in the audit log (db.accounts.auth.recent_login_failures); this index keeps that a range scan.
- session_revocation: per account, sessions signed in before `revoked_at` are no longer accepted
  (Flask's session cookie is signed, not stored: without this a copied cookie would outlive a
  logout, a password reset or a password change). Deactivation uses app_user.is_active (0002).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_threshold",
        sa.Column("campaign_id", sa.Integer, sa.ForeignKey("campaign.id"), primary_key=True),
        sa.Column("pace_gap_points", sa.Float, nullable=True),
        sa.Column("filing_gap_points", sa.Float, nullable=True),
        sa.Column("stale_days", sa.Integer, nullable=True),
        sa.Column("coverage_margin_points", sa.Float, nullable=True),
        sa.Column("min_expected_fraction", sa.Float, nullable=True),
        sa.Column("pace", sa.Text, nullable=True),  # JSON [["2017-03-31", 0.2], ...]; NULL: default pace
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("updated_by", sa.String(50), nullable=False),
    )
    op.create_index("ix_audit_event_ip_at", "audit_event", ["ip", "at"])
    op.create_table(
        "session_revocation",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id"), primary_key=True),
        sa.Column("revoked_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("session_revocation")
    op.drop_index("ix_audit_event_ip_at", table_name="audit_event")
    op.drop_table("campaign_threshold")
