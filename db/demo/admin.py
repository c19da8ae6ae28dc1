"""Demo hooks for the admin tables (registered in db.demo.DEMO_EXTENSIONS)."""

from __future__ import annotations

from sqlalchemy import delete as sql_delete
from sqlalchemy.orm import Session

from db.models import Campaign, CampaignThreshold


def build(session: Session, campaign: Campaign, seed: int) -> None:
    """The demo has no thresholds of its own: it uses the defaults."""


def delete(session: Session, campaign_id: int) -> None:
    """`demo --reset` deletes the demo campaign: first the thresholds an admin may have set on it."""
    session.execute(sql_delete(CampaignThreshold).where(CampaignThreshold.campaign_id == campaign_id))
