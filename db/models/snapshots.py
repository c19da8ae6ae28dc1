"""The snapshot table (migrations 0006, 0010): a frozen dashboard view of one area, append-only."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base


class Snapshot(Base):
    """What the overview showed at one moment, as one JSON document (db/snapshots.py builds it).

    Never updated or deleted (triggers refuse it), so a file exported months later from this row
    carries the same figures as the one handed out at the meeting. `sha256` is the digest of
    `document`, to show that it was not altered.
    """

    __tablename__ = "snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    # The area whose overview was frozen (a nation/province/city unit); None: the installation's root.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True, default=None)
    as_of: Mapped[dt.date] = mapped_column(Date)
    metric: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    created_by: Mapped[str] = mapped_column(String(50))
    data_version: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
