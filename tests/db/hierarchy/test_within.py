"""The follow-up reads scoped to an area (`within=hierarchy.subtree_ids(area)`), on the tiny tree of
test_rollups (SQLite and PostgreSQL): the county page of a unit reads, and compares with, only the
units of the area it belongs to, not the whole installation.

By hand, one dimension scheme of two dimensions (满分 10 and 20):
  K1 (子市 C1): 8/10, 10/20  -> rates 0.8, 0.5
  K2 (子市 C1): 6/10, 20/20  -> rates 0.6, 1.0
  K4 (寅市 C3, 乙省):  2/10, 2/20 -> rates 0.2, 0.1
  子市's average (K1, K2): 0.7, 0.75; the installation's (K1, K2, K4): 0.5333…, 0.5333…
Refusal cases: one for K1, one for K4. Typical cases: one for K2, one for K4.
"""

from __future__ import annotations

import datetime as dt

import flask
import pytest

from dashboard.components import followup_panel
from dashboard.context import EXTENSION
from db import hierarchy
from db.cases import summaries as summaries_db
from db.cases import typical as typical_db
from db.engine import read_session, write_session
from db.followup import evaluation as evaluation_db
from db.followup import overview as overview_db
from db.followup import supervision as supervision_db
from domain import followup as rules
from tests.db.hierarchy.test_rollups import tree  # noqa: F401  (the fixture)

D = dt.date
AS_OF = D(2017, 5, 31)
NOW = dt.datetime(2017, 4, 1, 9, 30)
SCORES = {"K1": (8, 10), "K2": (6, 20), "K4": (2, 2)}


@pytest.fixture
def followed(tree):  # noqa: F811
    engine, cid, ids = tree
    with write_session(engine) as s:
        dims = evaluation_db.save_scheme(s, cid, [{"name": "工作管理", "weight": 50, "scale_max": 10, "active": True},
                                                  {"name": "协商效果", "weight": 50, "scale_max": 20, "active": True}],
                                         actor="admin", now=NOW)
        dim_ids = [d["id"] for d in dims]
        for code, scores in SCORES.items():
            evaluation_db.add_evaluation(s, cid, code, "2017-05-20", dict(zip(dim_ids, scores, strict=True)),
                                         actor="admin", now=NOW)
        for code in ("K1", "K4"):
            supervision_db.add_refusal(s, cid, code, {"enterprise": f"{code}甲公司", "kind": "拒绝协商",
                                                      "occurred_on": "2017-04-10", "description": "不答复要约",
                                                      "intervention": "约谈", "deadline": "2017-05-15"},
                                       actor="admin", now=NOW)
        for code in ("K2", "K4"):
            typical_db.create_case(s, cid, code, {"title": f"{code}的典型", "level": "enterprise", "stage": "cultivating", "subject": f"{code}乙公司", "started_on": "2017-04-01",
                                                  "summary": "做法"}, actor="admin", now=NOW)
    return engine, cid, ids, dim_ids


def test_within001_every_followup_read_keeps_to_the_area(followed):
    engine, cid, ids, dim_ids = followed
    with read_session(engine) as s:
        c1 = overview_db.overview_inputs(s, cid, AS_OF, hierarchy.subtree_ids(ids["C1"]))
        everyone = overview_db.overview_inputs(s, cid, AS_OF)
        cases = typical_db.case_counts(s, cid, hierarchy.subtree_ids(ids["C1"]))
        summaries = summaries_db.summary_status(s, cid, AS_OF, hierarchy.subtree_ids(ids["C1"]))
    assert [u["code"] for u in c1["units"]] == ["K1", "K2", "D1"]
    assert [u["code"] for u in everyone["units"]] == ["K1", "K2", "D1", "K3", "K4", "S1"]
    assert set(c1["staffing"]) == {"K1", "K2", "D1"}
    assert set(c1["profiles"]) == {"K1", "K2"} and set(everyone["profiles"]) == {"K1", "K2", "K4"}
    assert set(c1["refusals"]) == {"K1"} and set(everyone["refusals"]) == {"K1", "K4"}
    # cases and summaries: the campaign's units of the subtree (not the city unit, which has no baseline)
    assert set(cases) == {"K1", "K2", "D1"} and cases["K2"]["total"] == 1
    assert set(summaries) == {"K1", "K2", "D1"}
    average = rules.city_profile(c1["profiles"], dim_ids)
    assert [average[d] for d in dim_ids] == pytest.approx([0.7, 0.75])
    whole = rules.city_profile(everyone["profiles"], dim_ids)
    assert [whole[d] for d in dim_ids] == pytest.approx([1.6 / 3, 1.6 / 3])


def test_within002_county_page_radar_against_its_own_city(followed):
    engine, cid, ids, _dim_ids = followed
    with flask.Flask(__name__).app_context():
        flask.current_app.extensions[EXTENSION] = engine  # what dashboard.data.session() reads
        _radar_checks(engine, cid, ids)


def _radar_checks(engine, cid, ids):
    block = followup_panel.district_section("K1", cid, AS_OF, "", (ids["C1"], "全市"))
    text = str(block)
    assert "实效评价（得分率，与全市平均比较）" in text
    radar = next(g for g in _graphs(block) if g.id == "ac-dt-radar")
    average = next(t for t in radar.figure["data"] if t["name"] == "全市平均")
    assert average["r"][:2] == pytest.approx([70, 75])  # 子市's K1 and K2, not the installation's 53.3
    alone = followup_panel.district_section("K1", cid, AS_OF, "", (ids["K1"], "本单位"))
    assert "实效评价（得分率）" in str(alone)
    assert [t["name"] for t in next(g for g in _graphs(alone) if g.id == "ac-dt-radar").figure["data"]] == ["一县"]


def _graphs(component):
    from dash import dcc

    found = []

    def walk(c):
        if isinstance(c, dcc.Graph):
            found.append(c)
        children = getattr(c, "children", None)
        for child in children if isinstance(children, list) else [children]:
            if child is not None and not isinstance(child, str | int | float):
                walk(child)

    walk(component)
    return found
