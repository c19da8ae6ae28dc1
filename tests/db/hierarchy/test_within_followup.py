"""The reads of /instructors, /evaluation and /supervision scoped to an area (`within=`), on the tiny
tree of test_rollups with test_within's evaluations and refusal cases (SQLite and PostgreSQL).

By hand, on top of `followed` (evaluations of K1, K2, K4 on 2017-05-20; refusal cases of K1, K4):
  instructors  甲 of K1 (since 2017-03-10), 乙 of K4 (since 2017-03-15, left 2017-04-30),
               丙 of S1 (since 2017-06-01: after AS_OF 2017-05-31)
  work logs    K2 2017-04-12 宣传指导 (nobody named), K4 2017-04-20 参加协商 by 乙, K1 2017-05-02 调查研究 by 甲
Within 甲省 P1 (子市 C1: K1 K2 D1; 丑市 C2: K3): roster 甲; logs K1's, K2's; evaluations K2's, K1's
(same date, newest id first); refusal case K1's. Within 乙省 P2 (寅市 C3: K4; S1): roster as of
AS_OF 乙 only (left 04-30; 丙 starts later); logs K4's; evaluation K4's, scores 2 and 2; refusal K4's.
"""

from __future__ import annotations

import datetime as dt

import pytest

from db import hierarchy
from db.engine import read_session, write_session
from db.followup import common as followup_db
from db.followup import evaluation as evaluation_db
from db.followup import instructors as instructors_db
from db.followup import supervision as supervision_db
from tests.db.hierarchy.test_rollups import tree  # noqa: F401  (the fixture)
from tests.db.hierarchy.test_within import AS_OF, NOW, followed  # noqa: F401  (the fixture)

D = dt.date


@pytest.fixture
def staffed(followed):  # noqa: F811
    engine, cid, ids, dim_ids = followed
    with write_session(engine) as s:
        jia = instructors_db.add_instructor(s, cid, "K1", "甲", "13812345678", "2017-03-10", actor="admin", now=NOW)
        yi = instructors_db.add_instructor(s, cid, "K4", "乙", "13900001111", "2017-03-15", actor="admin", now=NOW)
        instructors_db.add_instructor(s, cid, "S1", "丙", "13700002222", "2017-06-01", actor="admin", now=NOW)
        instructors_db.remove_instructor(s, yi, "2017-04-30", actor="admin", now=NOW)
        instructors_db.add_work_log(s, cid, "K2", "2017-04-12", "宣传指导", actor="admin", now=NOW)
        instructors_db.add_work_log(s, cid, "K4", "2017-04-20", "参加协商", instructor_id=yi, actor="admin", now=NOW)
        instructors_db.add_work_log(s, cid, "K1", "2017-05-02", "调查研究", instructor_id=jia, actor="admin", now=NOW)
    return engine, cid, ids, dim_ids


def test_within_followup001_units_roster_and_logs_keep_to_the_area(staffed):
    engine, cid, ids, _dim_ids = staffed
    p1, p2 = hierarchy.subtree_ids(ids["P1"]), hierarchy.subtree_ids(ids["P2"])
    with read_session(engine) as s:
        assert [u["code"] for u in followup_db.units(s, cid, p1)] == ["K1", "K2", "D1", "K3"]
        mine = instructors_db.roster(s, cid, as_of=AS_OF, within=p1)
        assert [(p["unit_code"], p["name"], p["phone"], p["left_on"]) for p in mine] == [("K1", "甲", "138****5678", None)]
        theirs = instructors_db.roster(s, cid, as_of=AS_OF, within=p2)
        assert [(p["unit_code"], p["name"], p["left_on"]) for p in theirs] == [("K4", "乙", D(2017, 4, 30))]
        assert [p["name"] for p in instructors_db.roster(s, cid, within=p2)] == ["丙", "乙"]  # no as_of: 丙 too
        assert [p["name"] for p in instructors_db.roster(s, cid, as_of=AS_OF)] == ["甲", "乙"]  # the whole tree
        assert instructors_db.roster(s, cid, "K4", AS_OF, p1) == []  # a unit outside the area: nothing
        logs = instructors_db.work_logs(s, cid, limit=None, as_of=AS_OF, within=p1)
        assert [(w["unit_code"], w["log_date"], w["activity"], w["instructor"]) for w in logs] == [
            ("K1", D(2017, 5, 2), "调查研究", "甲"), ("K2", D(2017, 4, 12), "宣传指导", "")]
        assert [(w["unit_code"], w["instructor"]) for w in instructors_db.work_logs(s, cid, within=p2)] == [("K4", "乙")]
        assert instructors_db.work_logs(s, cid, "K4", within=p1) == []
        assert len(instructors_db.work_logs(s, cid)) == 3


def test_within_followup002_evaluations_and_cases_keep_to_the_area(staffed):
    engine, cid, ids, dim_ids = staffed
    p1, p2 = hierarchy.subtree_ids(ids["P1"]), hierarchy.subtree_ids(ids["P2"])
    with read_session(engine) as s:
        assert [e["unit_code"] for e in evaluation_db.evaluations(s, cid, limit=None, as_of=AS_OF, within=p1)] == [
            "K2", "K1"]
        theirs = evaluation_db.evaluations(s, cid, limit=None, as_of=AS_OF, within=p2)
        assert [(e["unit_code"], e["unit_name"], e["scores"]) for e in theirs] == [
            ("K4", "四县", {dim_ids[0]: 2, dim_ids[1]: 2})]
        assert evaluation_db.evaluations(s, cid, "K4", within=p1) == []
        assert [e["unit_code"] for e in evaluation_db.evaluations(s, cid, limit=None)] == ["K4", "K2", "K1"]
        assert {r["unit_code"] for r in evaluation_db.score_rows(s, cid, AS_OF, within=p2)} == {"K4"}
        assert [(c["unit_code"], c["enterprise"]) for c in supervision_db.refusal_cases(s, cid, as_of=AS_OF, within=p1)] \
            == [("K1", "K1甲公司")]
        assert [c["unit_code"] for c in supervision_db.refusal_cases(s, cid, as_of=AS_OF, within=p2)] == ["K4"]
