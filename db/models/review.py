"""Models of migration 0003: the review of submitted reports and the API's idempotency keys.

report_review is append-only (triggers refuse UPDATE and DELETE): a version is accepted or
returned once, and a new version after a return starts over as 待审核. api_request keeps, per API
token and Idempotency-Key, the hash of the request and the answer given, so a retried request gets
the first answer and stores nothing twice. preview_use (migration 0008) does the same for the web
form: the nonce of each confirmed preview, stored with the version it became, once.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base

ACCEPTED = "accepted"
RETURNED = "returned"
DECISIONS = (ACCEPTED, RETURNED)


class ReportReview(Base):
    """An admin's decision on one version of a report."""

    __tablename__ = "report_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"))  # the version reviewed
    decision: Mapped[str] = mapped_column(String(10))  # accepted / returned
    comment: Mapped[str] = mapped_column(Text, default="")  # required to return
    reviewer: Mapped[str] = mapped_column(String(50))
    at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (
        UniqueConstraint("report_id", name="uq_report_review_report"),
        CheckConstraint("decision IN ('accepted', 'returned')", name="ck_report_review_decision"),
        CheckConstraint("decision <> 'returned' OR length(trim(comment)) > 0", name="ck_report_review_comment"),
    )


class ApiRequest(Base):
    """One Idempotency-Key used with the JSON API, and the answer it got."""

    __tablename__ = "api_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id"))
    idempotency_key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))  # sha256 hex of the canonical JSON body
    status: Mapped[int] = mapped_column(Integer)  # the HTTP status answered
    response: Mapped[str] = mapped_column(Text)  # the JSON body answered
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("token_id", "idempotency_key", name="uq_api_request_key"),)


class PreviewUse(Base):
    """A signed /submit preview that was confirmed: its nonce, stored with the version it became."""

    __tablename__ = "preview_use"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), index=True)
    used_by: Mapped[str] = mapped_column(String(50))
    used_at: Mapped[dt.datetime] = mapped_column(DateTime)

    __table_args__ = (UniqueConstraint("nonce", name="uq_preview_use_nonce"),)
