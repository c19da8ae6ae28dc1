"""Database access for layouts and callbacks: the engine of the running app, and the page context.

SQL itself lives in db/queries.py; this only opens sessions and resolves what the URL asks for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app
from sqlalchemy.orm import Session

from db import queries
from db.engine import read_session


@contextmanager
def session() -> Iterator[Session]:
    with read_session(current_app.extensions["jizhong_engine"]) as s:
        yield s


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


def default_campaign(campaigns: list[dict]) -> dict | None:
    """The newest campaign that has reports, else the newest campaign."""
    with_reports = [c for c in campaigns if c["reports"]]
    return (with_reports or campaigns or [None])[0]


def resolve(s: Session, campaign_id: int | None, date: dt.date | None, today: dt.date | None = None) -> Context:
    all_campaigns = queries.campaigns(s)
    chosen = next((c for c in all_campaigns if c["id"] == campaign_id), None) or default_campaign(all_campaigns)
    dates = queries.report_dates(s, chosen["id"]) if chosen else []
    return Context(chosen, all_campaigns, dates, date or default_as_of(chosen, dates, today or dt.date.today()))


def default_as_of(campaign: dict | None, dates: list[dt.date], today: dt.date) -> dt.date | None:
    """Today while the campaign runs (so silence shows as days without a report), else its last report."""
    if campaign and campaign["window_start"] <= today <= campaign["deadline"]:
        return today
    return dates[-1] if dates else None


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
