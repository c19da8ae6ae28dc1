"""The declarative base every model registers on (one metadata for the migrations and their check)."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass
