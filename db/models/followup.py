"""Models for 专职指导员, 实效评价 and 监督检查. Tables come from migration 0005.

Everything belongs to one campaign (the roster and the scheme of the 2017 action are the 2017
action's), which also lets the demo reset delete exactly its own rows. Phone numbers are stored as
given and leave db/followup/instructors.py only masked.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from domain.followup import ACTIVITIES, REFUSAL_KINDS, STATUSES


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class InstructorQuota(Base):
    """How many 专职指导员 a unit must have (set by an admin)."""

    __tablename__ = "instructor_quota"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    required: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(50))

    __table_args__ = (CheckConstraint("required >= 0", name="ck_instructor_quota_nonneg"),)


class Instructor(Base):
    """One 专职指导员 on a unit's roster."""

    __tablename__ = "instructor"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(30))  # as given; shown masked everywhere
    since: Mapped[dt.date] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)  # left the roster (not counted from this day)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(50))


class WorkLog(Base):
    """One entry of an instructor's 工作日志."""

    __tablename__ = "work_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    instructor_id: Mapped[int | None] = mapped_column(ForeignKey("instructor.id"))
    log_date: Mapped[dt.date] = mapped_column(Date)
    activity: Mapped[str] = mapped_column(String(10))
    enterprise: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(50))

    __table_args__ = (CheckConstraint(_in("activity", ACTIVITIES), name="ck_work_log_activity"),)


class EvalDimension(Base):
    """One dimension of the 实效评价 scheme: its name, weight and 满分 are data an admin edits."""

    __tablename__ = "eval_dimension"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    weight: Mapped[float] = mapped_column(Float)
    scale_max: Mapped[float] = mapped_column(Float)  # 满分
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str] = mapped_column(String(50))

    __table_args__ = (CheckConstraint("weight >= 0 AND scale_max > 0", name="ck_eval_dimension_weight_scale"),)


class Evaluation(Base):
    """One 实效评价 of a unit (enterprise "") or of one enterprise in it, on one date."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    enterprise: Mapped[str] = mapped_column(String(200), default="")
    eval_date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(50))


class EvaluationScore(Base):
    """A score on one dimension, with the 满分 it was given on (a later change of scale leaves it right)."""

    __tablename__ = "evaluation_score"

    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"), primary_key=True)
    dimension_id: Mapped[int] = mapped_column(ForeignKey("eval_dimension.id"), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    scale_max: Mapped[float] = mapped_column(Float)

    __table_args__ = (CheckConstraint("score >= 0 AND score <= scale_max", name="ck_evaluation_score_range"),)


class RefusalCase(Base):
    """A case of refusing, or in disguise refusing, to bargain (拒绝或者变相拒绝), and what was done."""

    __tablename__ = "refusal_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    enterprise: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)  # 情况
    intervention: Mapped[str] = mapped_column(Text, default="")  # 介入措施
    deadline: Mapped[dt.date] = mapped_column(Date)  # 整改期限
    status: Mapped[str] = mapped_column(String(10))
    status_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(50))

    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="ck_refusal_case_status"),
        CheckConstraint(_in("kind", REFUSAL_KINDS), name="ck_refusal_case_kind"),
    )


class RefusalEvent(Base):
    """A case's history: its creation (from_status NULL) and every status change."""

    __tablename__ = "refusal_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("refusal_case.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(50))
    from_status: Mapped[str | None] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
