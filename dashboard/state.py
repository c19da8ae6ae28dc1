"""The page state that lives in the URL (?campaign=1&date=2017-05-31&metric=filing_rate).

Pure: parse and compose query strings, so a link can be shared and "back" keeps the filters.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from domain.inputs import as_id
from domain.metrics import DEFAULT_METRIC, METRICS


@dataclass(frozen=True)
class PageState:
    campaign: int | None = None  # None: the default campaign
    date: dt.date | None = None  # None: the latest report date ("最新")
    metric: str = DEFAULT_METRIC


def coerce(campaign: object, date_value: object, metric: object) -> PageState:
    """Control values as a callback receives them. Callbacks are public endpoints: anything may
    arrive, so malformed values fall back to the defaults instead of raising."""
    campaign_id = as_id(campaign) if isinstance(campaign, int) else None  # out of range: the default
    try:
        date = dt.date.fromisoformat(date_value) if isinstance(date_value, str) and date_value else None
    except ValueError:
        date = None
    return PageState(campaign_id, date, metric if isinstance(metric, str) and metric in METRICS else DEFAULT_METRIC)


def parse(search: str | None) -> PageState:
    """Tolerant: unknown or malformed values fall back to the defaults."""
    q = {k: v[-1] for k, v in parse_qs((search or "").lstrip("?")).items()}
    campaign = as_id(q.get("campaign", ""))  # malformed or out of range: the default campaign
    try:
        date = dt.date.fromisoformat(q["date"]) if q.get("date") else None
    except ValueError:
        date = None
    metric = q.get("metric") if q.get("metric") in METRICS else DEFAULT_METRIC
    return PageState(campaign, date, metric)


def compose(state: PageState) -> str:
    q = {}
    if state.campaign is not None:
        q["campaign"] = state.campaign
    if state.date is not None:
        q["date"] = state.date.isoformat()
    if state.metric != DEFAULT_METRIC:
        q["metric"] = state.metric
    return "?" + urlencode(q) if q else ""
