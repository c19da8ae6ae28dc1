"""Campaigns, units and their reports (SQLAlchemy 2.0 typed models). Tables are created by the Alembic migrations in db/migrations.

Reports are append-only: a correction is a new row in `report` with a higher `version` for the
same (campaign, unit, report_date); the highest version is current. Nothing is updated or deleted
(the migration installs triggers that refuse UPDATE and DELETE on report and report_line).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.models.base import Base
from domain.measures import LINE_KINDS, MEASURES


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[dt.date] = mapped_column(Date)
    window_end: Mapped[dt.date] = mapped_column(Date)
    cutoff_date: Mapped[dt.date] = mapped_column(Date)  # 统计截止
    deadline: Mapped[dt.date] = mapped_column(Date)  # 报送截止 (6月10日)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        CheckConstraint("window_start <= window_end", name="ck_campaign_window"),
        CheckConstraint("cutoff_date <= deadline", name="ck_campaign_deadline"),
    )


class Unit(Base):
    """A unit of the hierarchy 全国 → 省 → 市 → 县区 (see db/hierarchy.py), or an off-map unit
    (开发区, 旅游区, 市直系统 …) attached at any level. Loaded from a preset file or /admin/units.

    `level` is the unit's tier (nation / province / city / county); a child is always at a lower
    tier than its parent. Units without a parent are the roots: in a one-city installation (临沂)
    the city itself is the implicit root and its units are county-level roots.
    """

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    adcode: Mapped[str | None] = mapped_column(String(12), unique=True, index=True)  # only units with a boundary
    level: Mapped[str] = mapped_column(String(10), default="county", server_default="county")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    __table_args__ = (
        CheckConstraint("level IN ('nation', 'province', 'city', 'county')", name="ck_unit_level"),
    )


class UnitCampaign(Base):
    """Per campaign: the unit's remit (baseline) and its targets."""

    __tablename__ = "unit_campaign"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    baseline_ents: Mapped[int] = mapped_column(Integer)  # enterprises in remit
    baseline_workers: Mapped[int] = mapped_column(Integer)  # workers in remit
    target_ents: Mapped[int] = mapped_column(Integer)  # enterprises to cover by signed contracts
    target_workers: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint(
            "baseline_ents >= 0 AND baseline_workers >= 0 AND target_ents >= 0 AND target_workers >= 0",
            name="ck_unit_campaign_nonneg",
        ),
    )


class Report(Base):
    """One version of one unit's statistics table, cumulative to report_date."""

    __tablename__ = "report"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"))  # indexed with report_date (below)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    report_date: Mapped[dt.date] = mapped_column(Date)  # figures cumulative to this date
    version: Mapped[int] = mapped_column(Integer)
    leader: Mapped[str] = mapped_column(String(50), default="")  # 负责人
    filled_by: Mapped[str] = mapped_column(String(50), default="")  # 填报人
    filled_on: Mapped[dt.date | None] = mapped_column(Date)  # 填报时间
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime)
    submitted_by: Mapped[str] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(String(10))  # web / excel / api / cli / demo
    is_correction: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was corrected
    warnings: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of warning messages

    lines: Mapped[list[ReportLine]] = relationship(order_by="ReportLine.kind")

    __table_args__ = (
        UniqueConstraint("campaign_id", "unit_id", "report_date", "version", name="uq_report_version"),
        CheckConstraint("version >= 1", name="ck_report_version"),
        # A campaign's reports in date order: its report dates and its last one by index seeks (migration 0012).
        Index("ix_report_campaign_date", "campaign_id", "report_date"),
    )


def _nonneg_check() -> CheckConstraint:
    return CheckConstraint(" AND ".join(f"{m} >= 0" for m in MEASURES), name="ck_report_line_nonneg")


class _Measures:
    """The nine measures (domain/measures.py MEASURES) as integer columns: a line's, or a report's sum."""

    offer_copies: Mapped[int] = mapped_column(Integer)
    offer_ents: Mapped[int] = mapped_column(Integer)
    offer_workers: Mapped[int] = mapped_column(Integer)
    signed_copies: Mapped[int] = mapped_column(Integer)
    signed_ents: Mapped[int] = mapped_column(Integer)
    signed_workers: Mapped[int] = mapped_column(Integer)
    filed_copies: Mapped[int] = mapped_column(Integer)
    filed_ents: Mapped[int] = mapped_column(Integer)
    filed_workers: Mapped[int] = mapped_column(Integer)


class ReportLine(_Measures, Base):
    """One row of the attachment (单独开展企业 / 区域 / 行业) with its nine measures."""

    __tablename__ = "report_line"

    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)

    __table_args__ = (
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in LINE_KINDS) + ")", name="ck_report_line_kind"),
        _nonneg_check(),
    )


class ReportTotal(_Measures, Base):
    """A report's key and its nine measures summed over its lines (migration 0011). Kept by the
    database: a trigger creates the row (zeros) with each report, another adds each inserted
    report_line to it. Read it instead of report + summed lines wherever a report's totals are
    needed; its index gives a unit's reports in (date, version) order."""

    __tablename__ = "report_total"

    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    report_date: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_report_total_unit_date", "campaign_id", "unit_id", "report_date", "version"),)


# --- admin-managed settings (migration 0007) ----------------------------------------------------


class CampaignThreshold(Base):
    """An admin's lagging thresholds for one campaign (migration 0007). NULL: the app's default."""

    __tablename__ = "campaign_threshold"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    pace_gap_points: Mapped[float | None] = mapped_column(Float)
    filing_gap_points: Mapped[float | None] = mapped_column(Float)
    stale_days: Mapped[int | None] = mapped_column(Integer)
    coverage_margin_points: Mapped[float | None] = mapped_column(Float)
    min_expected_fraction: Mapped[float | None] = mapped_column(Float)
    pace: Mapped[str | None] = mapped_column(Text)  # JSON [["2017-03-31", 0.2], ...]
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(50))
