"""Demo extension (db.demo.DEMO_EXTENSIONS): two meeting snapshots of the demo campaign, so that
/snapshots and its compare view have something to show on a fresh demo database.

- “5月19日调度会”: the overview as of 2017-05-19 (平邑县 has just stopped reporting);
- “5月31日总结会”: the overview as of 2017-05-31, the 统计截止.

Both are taken through `db.snapshots.create` (the same path as a leader's 生成快照, audited
`snapshot.create`) by the actor "demo", with fixed created-at times, so rebuilding the demo gives
the same documents. Registered after the other extensions: the snapshots then include the demo's
典型 highlights and see its thresholds.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from db import snapshots
from db.models import Campaign

ACTOR = "demo"
METRIC = "ent_coverage"  # the overview's default metric (domain.metrics.DEFAULT_METRIC)

# (title, as-of date, created at, note)
MEETINGS: tuple[tuple[str, dt.date, dt.datetime, str], ...] = (
    ("5月19日调度会", dt.date(2017, 5, 19), dt.datetime(2017, 5, 19, 15, 0),
     "演示数据：调度会上通报的进度，截至 5 月 19 日的报表"),
    ("5月31日总结会", dt.date(2017, 5, 31), dt.datetime(2017, 5, 31, 15, 0),
     "演示数据：统计截止日的总结会，与 5 月 19 日调度会对比"),
)


def build(session: Session, campaign: Campaign, seed: int) -> None:  # noqa: ARG001 - figures come from the reports
    """Take the two meeting snapshots of the freshly built demo campaign."""
    from db.admin.campaigns import threshold_overrides
    from domain.lagging import Thresholds

    thresholds = Thresholds(**threshold_overrides(session, campaign.id))
    for title, as_of, created_at, note in MEETINGS:
        snapshots.create(session, campaign_id=campaign.id, as_of=as_of, metric=METRIC, title=title, note=note,
                         actor=ACTOR, thresholds=thresholds, now=created_at)


def delete(session: Session, campaign_id: int) -> None:  # noqa: ARG001 - see below
    """Nothing to do: `db.demo.snapshot_reset.delete` (also a demo extension, see test_dsn003) already deletes
    every snapshot of the demo campaign on `demo --reset`, these two included, with the append-only
    trigger lifted for that one statement. Deleting them here as well would lift the trigger twice
    to delete rows that the other extension deletes anyway."""
