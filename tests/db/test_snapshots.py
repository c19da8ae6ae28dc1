"""Snapshots (issue 7): what is frozen, that it stays frozen, compare, demo reset. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from db import queries, snapshots
from db.demo import DEMO_EXTENSIONS, build_demo
from db.engine import read_session, write_session
from db.models import AuditEvent
from db.models.snapshots import Snapshot
from db.submission import store
from domain.lagging import Thresholds, evaluate
from domain.validation import Submission

FINAL = dt.date(2017, 5, 31)


@pytest.fixture
def demo(engine, monkeypatch):
    # These tests count the snapshots they take: build the demo without its two meeting snapshots
    # (db/demo/snapshots.py, tested in tests/db/demo/test_snapshots.py).
    monkeypatch.setattr("db.demo.DEMO_EXTENSIONS", tuple(e for e in DEMO_EXTENSIONS if e != "db.demo.snapshots"))
    summary = build_demo(engine)
    return engine, summary.campaign_id


def _take(engine, campaign_id, metric="filing_rate", title="5月31日调度会"):
    with write_session(engine) as s:
        row = snapshots.create(s, campaign_id=campaign_id, as_of=FINAL, metric=metric, title=title, note="备注",
                               actor="demo-leader", ip="127.0.0.1", now=dt.datetime(2017, 6, 1, 9, 30))
        return row.id


def test_snp001_freezes_what_the_overview_shows(demo):
    engine, cid = demo
    sid = _take(engine, cid)
    with read_session(engine) as s:
        doc = snapshots.get(s, sid)
        city = queries.city_metrics(s, cid, FINAL)
        units = queries.unit_metrics(s, cid, FINAL)
        lag = evaluate(units, city, FINAL, dt.date(2017, 3, 1), dt.date(2017, 5, 31), Thresholds())
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "snapshot.create")).all()
        lanshan_lines = queries.line_totals(s, cid, FINAL, "371302")
    assert doc["kpis"]["now"]["signed_ents"] == city["signed_ents"]
    assert doc["kpis"]["now"]["filing_rate"] == pytest.approx(city["filing_rate"])
    # every unit, the ones without a boundary (development zones, city-level systems) included
    assert [u["code"] for u in doc["units"]] == list(units["code"])
    assert len(doc["units"]) == 23 and sum(1 for u in doc["units"] if u["adcode"] is None) == 11
    assert [x["code"] for x in doc["lagging"]] == [x.code for x in lag]
    never = next(x for x in doc["lagging"] if x["code"] == "KF03")
    assert never["reasons"][0]["text"] == "尚未报送"
    lanshan = next(u for u in doc["units"] if u["code"] == "371302")
    assert lanshan["lines"][1]["signed_ents"] == int(lanshan_lines.loc[1, "signed_ents"])
    assert lanshan["leader"] and lanshan["filled_by"]
    assert doc["filters"] == {"campaign_id": cid, "campaign_name": doc["campaign"]["name"], "is_demo": True,
                              "as_of": "2017-05-31", "metric": "filing_rate", "metric_label": "备案率"}
    ranked = doc["rankings"]["filing_rate"]
    assert [r["rank"] for r in sorted(ranked, key=lambda r: r["rank"] or 99)][0] == 1
    assert doc["created_by"] == "demo-leader" and doc["created_at"] == "2017-06-01T09:30:00"
    assert doc["title"] == "5月31日调度会" and doc["note"] == "备注"
    assert isinstance(doc["highlights"], list)
    assert len(events) == 1 and events[0].actor == "demo-leader" and f"快照 {sid}" in events[0].detail


def test_snp002_unchanged_after_a_correction(demo):
    engine, cid = demo
    sid = _take(engine, cid)
    with read_session(engine) as s:
        before = s.get(Snapshot, sid).document
        lines = queries.line_totals(s, cid, FINAL, "371302").set_index("kind")
        live_before = int(queries.unit_metrics(s, cid, FINAL).set_index("code").loc["371302", "signed_workers"])
    figures = {kind: {m: int(v) for m, v in row.items()} for kind, row in lines.iterrows()}
    figures["single"]["signed_workers"] += 10
    store.submit_audited(engine, Submission(campaign_id=cid, unit_code="371302", report_date=FINAL, lines=figures,
                                            leader="周传东", filled_by="朱红梅", is_correction=True,
                                            reason="复核更正", submitted_by="demo-lanshan"), "demo-lanshan")
    with read_session(engine) as s:
        row = s.get(Snapshot, sid)
        live_after = int(queries.unit_metrics(s, cid, FINAL).set_index("code").loc["371302", "signed_workers"])
    assert live_after == live_before + 10  # the live view moved ...
    assert row.document == before  # ... the snapshot did not
    frozen = next(u for u in json.loads(row.document)["units"] if u["code"] == "371302")
    assert frozen["signed_workers"] == live_before


def test_snp003_rows_refuse_update_and_delete(demo):
    engine, cid = demo
    sid = _take(engine, cid)
    for statement in ("UPDATE snapshot SET title = 'x' WHERE id = :id", "DELETE FROM snapshot WHERE id = :id"):
        with pytest.raises(DBAPIError):
            with write_session(engine) as s:
                s.execute(text(statement), {"id": sid})
    with read_session(engine) as s:
        assert s.get(Snapshot, sid).title == "5月31日调度会"


def test_snp004_title_required_and_bounded(demo):
    engine, cid = demo
    with pytest.raises(snapshots.SnapshotError, match="请填写快照标题"):
        with write_session(engine) as s:
            snapshots.create(s, campaign_id=cid, as_of=FINAL, metric="pace", title="  ", actor="a")
    with pytest.raises(snapshots.SnapshotError, match="不能超过 200 个字"):
        with write_session(engine) as s:
            snapshots.create(s, campaign_id=cid, as_of=FINAL, metric="pace", title="长" * 201, actor="a")
    with pytest.raises(snapshots.SnapshotError, match="请填写快照标题"):  # a forged callback's number
        with write_session(engine) as s:
            snapshots.create(s, campaign_id=cid, as_of=FINAL, metric="pace", title=1, note=2, actor="a")
    with read_session(engine) as s:
        assert snapshots.listing(s) == []


def test_snp005_demo_reset_deletes_the_demo_snapshots(demo):
    engine, cid = demo
    _take(engine, cid)
    build_demo(engine, reset=True)
    with read_session(engine) as s:
        assert s.scalar(select(Snapshot.id)) is None


def _doc(units: list[tuple[str, int, float]], lagging: dict[str, str]) -> dict:
    rows = [{"code": c, "name": f"单位{c}", "signed_ents": e, "filing_rate": f,
             **{k: None for k, _, _ in snapshots.COMPARED if k not in ("signed_ents", "filing_rate")}}
            for c, e, f in units]
    now = {"signed_ents": sum(e for _, e, _ in units), "filing_rate": 0.5}
    return {"units": rows, "kpis": {"now": now},
            "lagging": [{"code": c, "name": f"单位{c}", "reasons": [{"text": t}]} for c, t in lagging.items()]}


def test_snp006_compare_per_unit_and_lagging_moves():
    a = _doc([("A", 10, 0.5), ("B", 20, 0.9), ("C", 5, 0.2)], {"A": "备案率 50%", "C": "尚未报送"})
    b = _doc([("A", 16, 0.75), ("B", 20, 0.6), ("C", 9, 0.4)], {"B": "备案率 60%", "C": "12 天未报送"})
    result = snapshots.compare(a, b)
    by_code = {u["code"]: u for u in result["units"]}
    assert by_code["A"]["changes"]["signed_ents"] == {"before": 10, "after": 16, "change": 6}
    assert by_code["B"]["changes"]["filing_rate"]["change"] == pytest.approx(-0.3)
    assert by_code["C"]["changes"]["sign_rate"]["change"] is None  # missing on both sides
    assert [x["code"] for x in result["started"]] == ["B"]
    assert [x["code"] for x in result["stopped"]] == ["A"]
    assert result["still"] == [{"code": "C", "name": "单位C", "reasons": ["12 天未报送"]}]
    kpi = next(k for k in result["kpis"] if k["key"] == "signed_ents")
    assert (kpi["before"], kpi["after"], kpi["change"]) == (35, 45, 10)
