"""The page context for layouts and callbacks: which campaign and date a page shows, and its thresholds.

SQL itself lives in db/queries.py; sessions come from dashboard/context.py (`session` is re-exported here).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import Session

from dashboard.context import session as session  # re-exported: layouts and callbacks read through it
from db import queries
from db.queries import default_as_of, default_campaign  # the rules live beside the lookups


@dataclass(frozen=True)
class Context:
    """What a page shows: the campaign, the as-of date, and the choices offered."""

    campaign: dict | None
    campaigns: list[dict]
    dates: list[dt.date]
    as_of: dt.date | None  # None only when the campaign has no reports yet

    @property
    def latest(self) -> dt.date | None:
        return self.dates[-1] if self.dates else None


def resolve(s: Session, campaign_id: int | None, date: dt.date | None, today: dt.date | None = None) -> Context:
    all_campaigns = queries.campaigns(s)
    chosen = next((c for c in all_campaigns if c["id"] == campaign_id), None) or default_campaign(all_campaigns)
    dates = queries.report_dates(s, chosen["id"]) if chosen else []
    return Context(chosen, all_campaigns, dates, date or default_as_of(chosen, dates, today or dt.date.today()))


def thresholds(campaign: dict | int | None = None):
    """Lagging thresholds and pace of a campaign (its dict or id): what an admin set for it on
    /admin/campaigns (db.models.CampaignThreshold), field by field over the app's defaults from
    create_app({"LAGGING": {...}}). Without a campaign, or for one without settings: the defaults.
    Read once per request and campaign (a page asks several times while it renders)."""
    from flask import g

    from db.admin.campaigns import threshold_overrides
    from domain.lagging import Thresholds

    settings = dict(current_app.config.get("LAGGING", {}))
    campaign_id = campaign.get("id") if isinstance(campaign, dict) else campaign
    if isinstance(campaign_id, int):
        cache = g.setdefault("jizhong_thresholds", {})
        if campaign_id not in cache:
            with session() as s:
                cache[campaign_id] = threshold_overrides(s, campaign_id)
        settings.update(cache[campaign_id])
    return Thresholds(**settings)
