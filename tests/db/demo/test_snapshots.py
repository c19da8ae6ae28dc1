"""The demo's two meeting snapshots (db/demo/snapshots.py): taken by build_demo, compared, and reset.

The figures below were checked by hand against the demo's reports with plain SQL (latest current
report per unit dated on or before the meeting, summed over the three rows). SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from db import demo, snapshots
from db.demo import build_demo
from db.engine import read_session, write_session
from db.models import AuditEvent
from db.models.snapshots import Snapshot


def _demo_docs(engine) -> tuple[dict, dict]:
    with read_session(engine) as s:
        rows = sorted(snapshots.listing(s), key=lambda r: r["as_of"])
        return snapshots.get(s, rows[0]["id"]), snapshots.get(s, rows[1]["id"])


def test_dsn001_build_demo_takes_the_two_meeting_snapshots(engine):
    cid = build_demo(engine).campaign_id
    with read_session(engine) as s:
        rows = snapshots.listing(s)
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "snapshot.create")).all()
    assert [(r["title"], r["as_of"], r["created_at"], r["created_by"], r["campaign_id"], r["metric"]) for r in rows] == [
        ("5月31日总结会", dt.date(2017, 5, 31), dt.datetime(2017, 5, 31, 15, 0), "demo", cid, "ent_coverage"),
        ("5月19日调度会", dt.date(2017, 5, 19), dt.datetime(2017, 5, 19, 15, 0), "demo", cid, "ent_coverage"),
    ]
    assert [e.actor for e in events] == ["demo", "demo"]  # through snapshots.create, audited like a leader's
    a, b = _demo_docs(engine)
    assert a["filters"]["as_of"] == "2017-05-19" and b["filters"]["as_of"] == "2017-05-31"
    assert a["created_at"] == "2017-05-19T15:00:00" and b["filters"]["is_demo"] is True
    assert b["highlights"]  # taken after db.demo.cases: the 典型 are in the document


def test_dsn002_compare_shows_what_moved_between_the_meetings(engine):
    build_demo(engine)
    a, b = _demo_docs(engine)
    diff = snapshots.compare(a, b)
    # 平邑县 stopped reporting after its report dated 5-15: 4 days by 5-19, 16 days by 5-31
    assert diff["started"] == [{"code": "371326", "name": "平邑县", "reasons": ["16 天未报送"]}]
    # 中直省直驻临单位 reported only on 4-7 (42 days before 5-19) and on 5-31
    assert [x["code"] for x in diff["stopped"]] == ["SZ05"]
    assert "42 天未报送" in diff["stopped"][0]["reasons"]
    assert {x["code"] for x in diff["still"]} == {"KF03", "371328", "371324", "SZ07"}
    units = {u["code"]: u for u in diff["units"]}
    assert units["371302"]["changes"]["signed_ents"] == {"before": 3601, "after": 3672, "change": 71}
    assert units["371302"]["changes"]["filed_copies"] == {"before": 343, "after": 365, "change": 22}
    assert units["SZ05"]["changes"]["filed_copies"] == {"before": 0, "after": 45, "change": 45}
    assert units["371326"]["changes"]["signed_ents"]["change"] == 0  # no report since 5-15
    kpis = {k["key"]: k for k in diff["kpis"]}
    assert (kpis["signed_ents"]["before"], kpis["signed_ents"]["after"], kpis["signed_ents"]["change"]) == (20174, 21065, 891)
    assert (kpis["filed_copies"]["before"], kpis["filed_copies"]["after"]) == (1920, 2155)


def test_dsn003_reset_rebuilds_exactly_two_and_removes_a_leaders_snapshot(engine):
    # db.demo.snapshots.delete relies on db.demo.snapshot_reset.delete (an earlier extension) to remove them
    assert demo.DEMO_EXTENSIONS.index("db.demo.snapshot_reset") < demo.DEMO_EXTENSIONS.index("db.demo.snapshots")
    cid = build_demo(engine).campaign_id
    with write_session(engine) as s:
        snapshots.create(s, campaign_id=cid, as_of=dt.date(2017, 5, 26), metric="filing_rate", title="领导自拍快照",
                         actor="demo-leader")
    build_demo(engine)  # no reset: nothing written twice
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Snapshot)) == 3
    build_demo(engine, reset=True)
    with read_session(engine) as s:
        titles = sorted(s.scalars(select(Snapshot.title)))
    assert titles == ["5月19日调度会", "5月31日总结会"]
