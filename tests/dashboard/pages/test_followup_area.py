"""/evaluation, /instructors and /supervision for a viewer bound to an area: the pages read only the
area's units (in SQL, `within=`), a forged ?unit= outside it shows nothing of that unit, and the
average is named by the area's level (全省平均 for a province, 全国平均 for the whole tree, 全市平均
for the flat 临沂 installation).

By hand on the tiny tree (tests/db/hierarchy/test_within_followup.py): 甲省 P1's units of the campaign
are K1 K2 D1 K3; its evaluated units K1 (0.8, 0.5) and K2 (0.6, 1.0) average 0.7, 0.75; the whole
tree's (K1, K2, K4 0.2, 0.1) 1.6/3 on both dimensions.
"""

from __future__ import annotations

import flask
import pytest
from sqlalchemy import select

from dashboard import ids
from dashboard.components.followup_forms import whole_word
from dashboard.context import EXTENSION
from dashboard.pages import evaluation, instructors, supervision
from db.engine import read_session, write_session
from db.followup import evaluation as evaluation_db
from db.models import Campaign
from tests.dashboard.pages.test_area import viewer  # noqa: F401  (the fixture)
from tests.db.hierarchy.test_rollups import tree  # noqa: F401  (the fixture)
from tests.db.hierarchy.test_within import AS_OF, NOW, followed  # noqa: F401  (the fixture)
from tests.db.hierarchy.test_within_followup import staffed  # noqa: F401  (the fixture)


@pytest.fixture
def served(staffed):  # noqa: F811
    """The tree with its follow-up data, behind dashboard.data.session()."""
    engine = staffed[0]
    with flask.Flask(__name__).app_context():
        flask.current_app.extensions[EXTENSION] = engine
        yield staffed


def _radar(parts) -> dict:
    from tests.db.hierarchy.test_within import _graphs

    return next(g for p in parts for g in _graphs(p) if g.id == ids.AC_EV_RADAR).figure


def test_followup_area001_whole_word_by_level():
    assert [whole_word(level) for level in ("nation", "province", "city", None)] == ["全国", "全省", "全市", "全市"]


def test_followup_area002_province_leader_sees_its_units_and_the_provinces_average(served, viewer):  # noqa: F811
    _engine, cid, ids, dim_ids = served
    viewer("leader", ids["P1"])
    v = evaluation.load(cid, AS_OF, "K4")  # a forged ?unit= of 乙省: all of 甲省's units instead
    assert v["unit"] is None and v["whole"] == "全省"
    assert [u["code"] for u in v["units"]] == ["K1", "K2", "D1", "K3"]
    assert set(v["profiles"]) == {"K1", "K2"} and [e["unit_code"] for e in v["recent"]] == ["K2", "K1"]
    assert [v["city"][d] for d in dim_ids] == pytest.approx([0.7, 0.75])
    text = str(evaluation.body_view(v))
    assert "首行为全省平均" in text and "全市平均" not in text
    assert "四县" not in text and "K4" not in text
    one = evaluation.body(cid, AS_OF, "K1")
    assert "一县：实效评价与全省平均" in str(one)
    average = next(t for t in _radar(one)["data"] if t["name"] == "全省平均")
    assert average["r"][:2] == pytest.approx([70, 75])

    cases = supervision.load(cid, AS_OF, "K4")
    assert cases["unit"] is None and [(c["unit_code"], c["enterprise"]) for c in cases["cases"]] == [("K1", "K1甲公司")]
    shown = str(supervision.body_view(cases))
    assert "K1甲公司" in shown and "K4甲公司" not in shown and "四县" not in shown
    staff = instructors.load(cid, AS_OF, "K4")
    assert staff["unit"] is None and [p["name"] for p in staff["roster"]] == ["甲"]
    assert [w["unit_code"] for w in staff["logs"]] == ["K1", "K2"]
    assert set(staff["staffing"]) == {"K1", "K2", "D1", "K3"}


def test_followup_area003_unbound_viewer_of_the_tree_sees_the_nation(served, viewer):  # noqa: F811
    _engine, cid, _ids, dim_ids = served
    v = evaluation.load(cid, AS_OF, None)
    assert v["whole"] == "全国" and set(v["profiles"]) == {"K1", "K2", "K4"}
    assert [v["city"][d] for d in dim_ids] == pytest.approx([1.6 / 3, 1.6 / 3])
    assert "首行为全国平均" in str(evaluation.body_view(v))
    assert [p["name"] for p in instructors.load(cid, AS_OF, None)["roster"]] == ["甲", "乙"]


def test_followup_area004_the_flat_linyi_installation_says_city(preset_engine, viewer):  # noqa: F811
    with read_session(preset_engine) as s:
        cid = s.scalar(select(Campaign.id))
    with write_session(preset_engine) as s:
        dims = evaluation_db.save_scheme(s, cid, [{"name": "满意度评价", "weight": 100, "scale_max": 10, "active": True}],
                                         actor="admin", now=NOW)
        evaluation_db.add_evaluation(s, cid, "371302", "2017-05-20", {dims[0]["id"]: 9}, actor="admin", now=NOW)
    with flask.Flask(__name__).app_context():
        flask.current_app.extensions[EXTENSION] = preset_engine
        v = evaluation.load(cid, AS_OF, "371302")
        parts = evaluation.body_view(v)
    assert v["whole"] == "全市" and v["unit"] == "371302"
    assert "首行为全市平均" in str(parts) and "兰山区：实效评价与全市平均" in str(parts)
    assert [t["name"] for t in _radar(parts)["data"]] == ["全市平均", "兰山区"]
