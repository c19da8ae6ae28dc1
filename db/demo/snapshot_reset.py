"""Demo extension (db.demo.DEMO_EXTENSIONS): on `demo --reset`, remove every snapshot of the demo
campaign (the two meeting snapshots of db/demo/snapshots.py and any a leader took), with the
append-only trigger lifted for that one statement. A separate extension from db/demo/snapshots.py,
so that a demo built without its meeting snapshots still resets cleanly.
"""

from __future__ import annotations

from sqlalchemy import delete as sql_delete
from sqlalchemy.orm import Session

from db.demo.common import append_only_lifted
from db.models.snapshots import Snapshot


def build(session: Session, campaign, seed: int) -> None:  # noqa: ARG001 - the demo makes no snapshot here
    """Nothing: the meeting snapshots are taken by db/demo/snapshots.py, others by leaders (and the tests)."""


def delete(session: Session, campaign_id: int) -> None:
    """`python -m db demo --reset`: delete the demo campaign's snapshots (append-only lifted for it)."""
    with append_only_lifted(session, ("snapshot",)):
        session.execute(sql_delete(Snapshot).where(Snapshot.campaign_id == campaign_id))
