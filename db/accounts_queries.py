"""Read-only queries for the admin page: accounts and the units a reporter can be bound to.

Writes (create a user, tokens, the audit log) go through db/auth.py; this only lists, as plain
dicts, and never returns a password hash.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Unit, User


def list_users(session: Session) -> list[dict]:
    """Every account, oldest first, with its unit (None for leaders and admins)."""
    stmt = (
        select(
            User.id,
            User.username,
            User.role,
            Unit.code.label("unit_code"),
            Unit.name.label("unit_name"),
            User.is_active,
            User.failed_logins,
            User.locked_until,
            User.created_at,
        )
        .outerjoin(Unit, Unit.id == User.unit_id)
        .order_by(User.created_at, User.id)
    )
    return [dict(row._mapping) for row in session.execute(stmt)]


def unit_choices(session: Session) -> list[dict]:
    """Units in their preset order: code, name, kind (for the unit dropdowns)."""
    stmt = select(Unit.code, Unit.name, Unit.kind).order_by(Unit.sort_order, Unit.code)
    return [dict(row._mapping) for row in session.execute(stmt)]
