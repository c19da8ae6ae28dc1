"""Accounts, API tokens, session revocation and the audit log (SQLAlchemy 2.0 typed models)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base

# --- accounts, API tokens, audit log (migration 0002) ---------------------------------------------


class User(Base):
    """A person who logs in: 领导 (leader), 县区填报员 (reporter, bound to one unit) or 管理员 (admin).

    The table is `app_user` because USER is a reserved word in PostgreSQL. Only an argon2 hash of
    the password is stored; see db/accounts/auth.py for hashing, lockout and the audit trail.
    """

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))  # required for reporters
    # The area a leader or admin oversees (a nation/province/city unit); NULL: the whole installation.
    # Stored since migration 0009; scopes are not enforced from it yet.
    area_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)  # consecutive, reset by a success
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    password_changed_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint("role IN ('leader', 'reporter', 'admin')", name="ck_app_user_role"),
        CheckConstraint("role <> 'reporter' OR unit_id IS NOT NULL", name="ck_app_user_reporter_unit"),
    )


class ApiToken(Base):
    """A token for machine submission, bound to one unit. Only the sha256 hex of the token is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(50))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditEvent(Base):
    """Who did what, when, from where. Append-only (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(50), default="")  # "" for anonymous
    ip: Mapped[str] = mapped_column(String(45), default="")
    action: Mapped[str] = mapped_column(String(40))  # e.g. login.failure, token.create
    detail: Mapped[str] = mapped_column(Text, default="")


class SessionRevocation(Base):
    """Per account: sessions signed in before `revoked_at` are refused (migration 0007)."""

    __tablename__ = "session_revocation"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    revoked_at: Mapped[dt.datetime] = mapped_column(DateTime)


# The IP rate limit's lookup (recent_login_failures), created by migration 0007.
Index("ix_audit_event_ip_at", AuditEvent.ip, AuditEvent.at)
