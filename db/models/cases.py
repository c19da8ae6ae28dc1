"""Models for typical cases (典型), their photos, the yearly 典型培育目标,
the 6月10日 summaries, and the metadata of every uploaded file (the bytes live on disk, see
db/cases/files.py). Tables are created by migration 0004.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base

LEVELS = {"enterprise": "企业", "industry": "行业", "region": "区域"}
STAGES = {"cultivating": "培育中", "selected": "已选树", "follow_up": "跟踪服务"}
SUMMARY_KINDS = {"written": "书面总结", "media": "图片/影像资料"}


class StoredFile(Base):
    """One uploaded file. `storage_name` is random (never the user's name); `original_name` is shown only."""

    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # photo / video / doc
    content_type: Mapped[str] = mapped_column(String(100))
    storage_name: Mapped[str] = mapped_column(String(80), unique=True)
    thumb_name: Mapped[str | None] = mapped_column(String(80))
    original_name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    uploaded_by: Mapped[str] = mapped_column(String(50))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class TypicalCase(Base):
    """A 典型: an enterprise, industry or area whose practice is cultivated and shown as a model."""

    __tablename__ = "typical_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    level: Mapped[str] = mapped_column(String(10))  # key of LEVELS
    title: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(100))  # the enterprise, industry or area
    summary: Mapped[str] = mapped_column(Text)  # 好经验、好做法
    stage: Mapped[str] = mapped_column(String(12))  # key of STAGES
    started_on: Mapped[dt.date] = mapped_column(Date)
    selected_on: Mapped[dt.date | None] = mapped_column(Date)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    city_level: Mapped[bool] = mapped_column(Boolean, default=False)  # 市级典型, set by admins only
    city_level_by: Mapped[str | None] = mapped_column(String(50))
    city_level_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(50))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class CasePhoto(Base):
    __tablename__ = "case_photo"

    case_id: Mapped[int] = mapped_column(ForeignKey("typical_case.id"), primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), primary_key=True)
    sort_order: Mapped[int] = mapped_column(Integer)


class CaseTarget(Base):
    """The yearly 典型培育目标 of a unit (how many new cases it should cultivate)."""

    __tablename__ = "case_target"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    target: Mapped[int] = mapped_column(Integer)


class SummaryFile(Base):
    """One file of a unit's final summary: its 书面总结 (written) or 图片/影像资料 (media)."""

    __tablename__ = "summary_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    kind: Mapped[str] = mapped_column(String(10))  # key of SUMMARY_KINDS
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), unique=True)
    uploaded_by: Mapped[str] = mapped_column(String(50))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime)
