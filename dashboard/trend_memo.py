"""The overview's progress trend, computed once per data version: a date change only cuts it.

db.hierarchy.child_trend up to `as_of` is exactly the trend over every date cut at `date <= as_of`:
its running sums only look back, its date grid is the subtree's distinct report dates, and a child
appears from its first report on. So for one data version, campaign, area and set of measures the
whole trend is read once (child_trend through THROUGH_ALL) and every as-of date is a filter of it
(`trend_through`). At national scale that is most of a date change's SQL (76 of 150 ms on SQLite).

The memo (`TrendMemo`) is per app and per process, in `server.extensions` (not a module global:
tests run many apps on different databases, and data versions repeat across databases), a small
LRU keyed on (data version, campaign, area, measures). A new data version makes new keys; the old
entries age out. The version is the one the shared cache keyed the request on
(dashboard/cache.request_version), so a page is never memoised under a version older than its data.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict

import pandas as pd
from flask import Flask, current_app
from sqlalchemy.orm import Session

from db import hierarchy

EXTENSION = "jizhong_trend_memo"
ENTRIES = 128  # (version, campaign, area) triples kept; a national root's trend is ~1,000 rows
THROUGH_ALL = dt.date.max  # 9999-12-31: "every report date"; SQLite and PostgreSQL both take it


class TrendMemo:
    """Full trends by (data version, campaign id, area id, measures), least recently used dropped first.
    Thread-safe: PostgreSQL runs load()'s reads in threads. Two concurrent misses may both compute;
    both store the same frame."""

    def __init__(self, entries: int = ENTRIES) -> None:
        self.entries = entries
        self._frames: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._frames)

    def full(self, session: Session, version: str, campaign_id: int, area_id: int | None,
             measures: tuple[str, ...]) -> pd.DataFrame:
        """child_trend through every date, at this data version (read on a miss). Do not modify it:
        it is shared; `trend_through` returns a new frame."""
        key = (version, campaign_id, area_id, tuple(measures))
        with self._lock:
            if key in self._frames:
                self._frames.move_to_end(key)
                return self._frames[key]
        frame = hierarchy.child_trend(session, campaign_id, THROUGH_ALL, area_id, measures=tuple(measures))
        with self._lock:
            self._frames[key] = frame
            self._frames.move_to_end(key)
            while len(self._frames) > self.entries:
                self._frames.popitem(last=False)
        return frame


def of(server: Flask | None = None) -> TrendMemo:
    """The memo of `server`, by default of the app handling the current request (made on first use)."""
    extensions = (server or current_app).extensions
    memo = extensions.get(EXTENSION)
    if memo is None:
        memo = extensions.setdefault(EXTENSION, TrendMemo())
    return memo


def trend_through(full: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """child_trend(as_of) from the full trend: its rows dated up to as_of, same columns and order, index reset."""
    return full[full["date"] <= as_of].reset_index(drop=True)
