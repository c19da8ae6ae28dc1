"""Snapshots of an area (issue 13, item 7) on the hand-computed tree of tests/db/hierarchy/test_rollups.py.

P1 甲省 as of 2017-04-20 (see that module's doc for the tree and the reports):
  totals        11,87,2500  9,76,2100  5,53,1400; 4 units, 3 reported; baseline 450 ents, target 180
  children      C1 子市 = the totals, 3 units 3 reported; C2 丑市 = zeros, 1 unit, none reported
  three rows    single   = K1 3,3,300 2,2,200 1,1,100 + K2 4,4,400 4,4,400 2,2,200 = 7,7,700 6,6,600 3,3,300
                regional = K1 (v2) 2,50,1000 2,50,1000 1,30,600
                industry = K1 1,10,300 0,0,0 0,0,0 + D1 1,20,500 ×3        = 2,30,800 1,20,500 1,20,500
  lagging       C2 (never reported: 尚未报送)
  trend         from 04-07 (K1's first report; nothing of P1 before): signed_ents 31 (1 + 30), … 76 on 04-14
"""

from __future__ import annotations

import datetime as dt

import pytest

from db import snapshots
from db.engine import read_session, write_session
from tests.db.hierarchy.test_rollups import AS_OF, tree  # noqa: F401 - the fixture

P1_MEASURES = [11, 87, 2500, 9, 76, 2100, 5, 53, 1400]
MEASURE_KEYS = ("offer_copies", "offer_ents", "offer_workers", "signed_copies", "signed_ents", "signed_workers",
                "filed_copies", "filed_ents", "filed_workers")


def _measures(row: dict) -> list[int]:
    return [row[k] for k in MEASURE_KEYS]


def _take(engine, cid, area_id, title="甲省调度会"):
    with write_session(engine) as s:
        return snapshots.create(s, campaign_id=cid, as_of=AS_OF, metric="ent_coverage", title=title,
                                actor="leader", area_id=area_id, now=dt.datetime(2017, 4, 21, 9)).id


def test_sna001_province_document_by_hand(tree):  # noqa: F811
    engine, cid, ids = tree
    sid = _take(engine, cid, ids["P1"])
    with read_session(engine) as s:
        doc = snapshots.get(s, sid)
    assert doc["area"] == {"id": ids["P1"], "code": "P1", "name": "甲省", "level": "province", "adcode": "110000",
                           "path": ["全国", "甲省"]}
    now = doc["kpis"]["now"]
    assert _measures(now) == P1_MEASURES
    assert (now["units"], now["units_reported"], now["baseline_ents"], now["target_ents"]) == (4, 3, 450, 180)
    assert now["signed_ents"] / 180 == pytest.approx(now["target_progress"])
    assert [u["code"] for u in doc["units"]] == ["C1", "C2"]
    c1, c2 = doc["units"]
    assert _measures(c1) == P1_MEASURES and (c1["units"], c1["units_reported"]) == (3, 3)
    assert _measures(c2) == [0] * 9 and (c2["units"], c2["units_reported"]) == (1, 0)
    assert [line["kind"] for line in doc["lines"]] == ["single", "regional", "industry"]
    assert [_measures(line) for line in doc["lines"]] == [
        [7, 7, 700, 6, 6, 600, 3, 3, 300], [2, 50, 1000, 2, 50, 1000, 1, 30, 600], [2, 30, 800, 1, 20, 500, 1, 20, 500]]
    assert [_measures(line) for line in c1["lines"]] == [_measures(line) for line in doc["lines"]]
    # Each city lists its own units (for the spreadsheet's per-city sheets).
    assert [k["code"] for k in c1["children"]] == ["K1", "K2", "D1"]
    assert [k["code"] for k in c2["children"]] == ["K3"]
    assert _measures(c1["children"][0]) == [6, 63, 1600, 4, 52, 1200, 2, 31, 700]
    # The flat list: every county-level unit of the province, with its city and province.
    assert [(x["code"], x["city"], x["province"]) for x in doc["leaves"]] == [
        ("K1", "子市", "甲省"), ("K2", "子市", "甲省"), ("D1", "子市", "甲省"), ("K3", "丑市", "甲省")]
    assert doc["leaves"][2]["signed_workers"] == 500 and doc["leaves"][3]["last_report_date"] is None
    assert [x["code"] for x in doc["lagging"]] == ["C2"]
    assert doc["lagging"][0]["reasons"][0]["text"] == "尚未报送"
    assert doc["trend"]["dates"][0] == "2017-04-07" and doc["trend"]["signed_ents"][0] == 31
    assert doc["trend"]["dates"][-1] == "2017-04-14" and doc["trend"]["signed_ents"][-1] == 76
    assert doc["highlights"] == [] and doc["followup"] is None
    assert {r["code"] for r in doc["rankings"]["ent_coverage"]} == {"C1", "C2"}


def test_sna002_city_document_lists_its_units(tree):  # noqa: F811
    engine, cid, ids = tree
    with read_session(engine) as s:
        doc = snapshots.freeze(s, cid, AS_OF, "ent_coverage", area_id=ids["C1"])
    assert [u["code"] for u in doc["units"]] == ["K1", "K2", "D1"]
    assert all("children" not in u for u in doc["units"])
    assert [x["code"] for x in doc["leaves"]] == ["K1", "K2", "D1"]
    assert doc["leaves"][0]["city"] == "子市" and doc["leaves"][0]["province"] == "甲省"
    assert _measures(doc["kpis"]["now"]) == P1_MEASURES
    k1 = doc["units"][0]
    assert _measures(k1) == [6, 63, 1600, 4, 52, 1200, 2, 31, 700]
    assert k1["last_report_date"] == "2017-04-14"


def test_sna003_root_document_has_no_area(tree):  # noqa: F811
    engine, cid, _ = tree
    with read_session(engine) as s:
        doc = snapshots.freeze(s, cid, AS_OF, "ent_coverage")
    assert "area" not in doc and "leaves" not in doc
    # as it always was: every unit of the campaign, flat (queries.unit_metrics)
    assert [u["code"] for u in doc["units"]] == ["K1", "K2", "D1", "K3", "K4", "S1"]


def test_sna004_listing_and_get_within_a_scope(tree):  # noqa: F811
    engine, cid, ids = tree
    p1 = _take(engine, cid, ids["P1"], "甲省")
    c3 = _take(engine, cid, ids["C3"], "寅市")
    root = _take(engine, cid, None, "全部")
    with read_session(engine) as s:
        assert [x["id"] for x in snapshots.listing(s)] == [root, c3, p1]
        assert [x["id"] for x in snapshots.listing(s, within=ids["P1"])] == [p1]
        assert [x["id"] for x in snapshots.listing(s, within=ids["P2"])] == [c3]
        assert [x["id"] for x in snapshots.listing(s, within=ids["N"])] == [c3, p1]
        assert [x["area_name"] for x in snapshots.listing(s, within=ids["N"])] == ["寅市", "甲省"]
        assert snapshots.get(s, p1, within=ids["P2"]) is None
        assert snapshots.get(s, p1, within=ids["P1"])["id"] == p1
        assert snapshots.get(s, root, within=ids["P1"]) is None
        assert snapshots.get(s, root)["id"] == root
        assert snapshots.area_of(s, p1) == (True, ids["P1"]) and snapshots.area_of(s, 999) == (False, None)


def test_sna005_unknown_area_is_refused(tree):  # noqa: F811
    engine, cid, _ = tree
    with read_session(engine) as s, pytest.raises(snapshots.SnapshotError, match="区域 9999 不存在"):
        snapshots.freeze(s, cid, AS_OF, "ent_coverage", area_id=9999)


def test_sna006_a_county_is_not_an_area(tree):  # noqa: F811
    engine, cid, ids = tree
    with read_session(engine) as s, pytest.raises(snapshots.SnapshotError, match="一县没有下级单位"):
        snapshots.freeze(s, cid, AS_OF, "ent_coverage", area_id=ids["K1"])
