"""Roll-ups up the unit tree against totals worked out by hand, on SQLite and PostgreSQL.

Tree (levels in brackets; * = a unit of the campaign, with a baseline):
  全国 N [nation]
  ├─ 甲省 P1 [province]
  │   ├─ 子市 C1 [city]:   K1* [county]  K2* [county]  D1* 开发区 [county, no adcode]
  │   └─ 丑市 C2 [city]:   K3* [county, never reports]
  └─ 乙省 P2 [province]
      ├─ 寅市 C3 [city]:   K4* [county; one report before as_of, one after]
      └─ S1* 省直系统 [city level, directly under the province]
As of 2017-04-20. K1 has two dates and a correction (v2) of the later one.
Rows are (offer copies, ents, workers, signed copies, ents, workers, filed copies, ents, workers).

By hand (nine measures):
  K1 (04-14 v2)   single 3,3,300 2,2,200 1,1,100  regional 2,50,1000 2,50,1000 1,30,600  industry 1,10,300 0 0
                  = 6,63,1600  4,52,1200  2,31,700
  K2              = 4,4,400  4,4,400  2,2,200          (single only)
  D1              = 1,20,500 1,20,500 1,20,500         (industry only)
  C1 = K1+K2+D1   = 11,87,2500  9,76,2100  5,53,1400
  P1 = C1 (+ K3 zeros); 4 units, 3 reported
  K4 (04-01)      = 1,10,100 0,0,0 0,0,0   (the 04-25 report is after as_of)
  S1              = 5,5,1000 5,5,1000 5,5,1000
  P2 = K4+S1      = 6,15,1100 5,5,1000 5,5,1000; 2 units, 2 reported
  N = P1+P2       = 17,102,3600 14,81,3100 10,58,2400; 6 units, 5 reported
The 单独开展企业 row is summed like the others: it already excludes enterprises covered by
区域/行业 bargaining, so P1's signed enterprises are 6 (single) + 50 (regional) + 20 (industry) = 76.
"""

import datetime as dt

import pandas as pd
import pytest

from db import hierarchy, queries
from db.engine import read_session, write_session
from db.models import Campaign, Report, ReportLine, Unit, UnitCampaign
from domain.measures import MEASURES
from domain.metrics import CATALOGUE

D = dt.date
AS_OF = D(2017, 4, 20)
Z = (0, 0, 0, 0, 0, 0, 0, 0, 0)

UNITS = [  # code, name, kind, level, parent, adcode, baseline (ents, workers, target ents, target workers)
    ("N", "全国", "全国", "nation", None, "100000", None),
    ("P1", "甲省", "省", "province", "N", "110000", None),
    ("P2", "乙省", "省", "province", "N", "120000", None),
    ("C1", "子市", "市", "city", "P1", "110100", None),
    ("C2", "丑市", "市", "city", "P1", "110200", None),
    ("C3", "寅市", "市", "city", "P2", "120100", None),
    ("K1", "一县", "县区", "county", "C1", "110101", (200, 10000, 80, 4000)),
    ("K2", "二县", "县区", "county", "C1", "110102", (100, 5000, 40, 2000)),
    ("D1", "子市开发区", "开发区", "county", "C1", None, (50, 2000, 20, 800)),
    ("K3", "三县", "县区", "county", "C2", "110201", (100, 4000, 40, 1600)),
    ("K4", "四县", "县区", "county", "C3", "120101", (80, 3000, 30, 1200)),
    ("S1", "乙省省直系统", "省直系统", "city", "P2", None, (20, 8000, 10, 4000)),
]
REPORTS = [  # unit, date, version, single, regional, industry
    ("K1", D(2017, 4, 7), 1, (2, 2, 200, 1, 1, 100, 1, 1, 100), (1, 30, 600, 1, 30, 600, 0, 0, 0), Z),
    ("K1", D(2017, 4, 14), 1, (3, 3, 300, 2, 2, 200, 1, 1, 100), (2, 50, 1000, 1, 30, 600, 1, 30, 600),
     (1, 10, 300, 0, 0, 0, 0, 0, 0)),
    ("K1", D(2017, 4, 14), 2, (3, 3, 300, 2, 2, 200, 1, 1, 100), (2, 50, 1000, 2, 50, 1000, 1, 30, 600),
     (1, 10, 300, 0, 0, 0, 0, 0, 0)),
    ("K2", D(2017, 4, 10), 1, (4, 4, 400, 4, 4, 400, 2, 2, 200), Z, Z),
    ("D1", D(2017, 4, 12), 1, Z, Z, (1, 20, 500, 1, 20, 500, 1, 20, 500)),
    ("K4", D(2017, 4, 1), 1, Z, (1, 10, 100, 0, 0, 0, 0, 0, 0), Z),
    ("K4", D(2017, 4, 25), 1, Z, (3, 30, 300, 1, 10, 100, 0, 0, 0), Z),
    ("S1", D(2017, 4, 5), 1, (5, 5, 1000, 5, 5, 1000, 5, 5, 1000), Z, Z),
]
EXPECTED = {
    "N": ([17, 102, 3600, 14, 81, 3100, 10, 58, 2400], 6, 5),
    "P1": ([11, 87, 2500, 9, 76, 2100, 5, 53, 1400], 4, 3),
    "P2": ([6, 15, 1100, 5, 5, 1000, 5, 5, 1000], 2, 2),
    "C1": ([11, 87, 2500, 9, 76, 2100, 5, 53, 1400], 3, 3),
    "C2": (list(Z), 1, 0),
    "C3": ([1, 10, 100, 0, 0, 0, 0, 0, 0], 1, 1),
    "S1": ([5, 5, 1000, 5, 5, 1000, 5, 5, 1000], 1, 1),
    "K1": ([6, 63, 1600, 4, 52, 1200, 2, 31, 700], 1, 1),
}
BASELINE_ENTS = {"N": 550, "P1": 450, "P2": 100, "C1": 350, "C2": 100, "C3": 80, "S1": 20}


@pytest.fixture
def tree(engine):
    with write_session(engine) as s:
        c = Campaign(name="测试行动", year=2017, window_start=D(2017, 3, 1), window_end=D(2017, 5, 31),
                     cutoff_date=D(2017, 5, 31), deadline=D(2017, 6, 10), is_demo=False,
                     created_at=dt.datetime(2017, 3, 1))
        s.add(c)
        s.flush()
        ids = {}
        for i, (code, name, kind, level, parent, adcode, base) in enumerate(UNITS):
            u = Unit(code=code, name=name, kind=kind, level=level, adcode=adcode, sort_order=i,
                     parent_id=ids[parent] if parent else None)
            s.add(u)
            s.flush()
            ids[code] = u.id
            if base:
                s.add(UnitCampaign(campaign_id=c.id, unit_id=u.id, baseline_ents=base[0], baseline_workers=base[1],
                                   target_ents=base[2], target_workers=base[3]))
        for code, date, version, *lines in REPORTS:
            r = Report(campaign_id=c.id, unit_id=ids[code], report_date=date, version=version, leader="",
                       filled_by="", submitted_at=dt.datetime(2017, 4, 26), submitted_by="测试", source="cli",
                       is_correction=version > 1, reason="更正" if version > 1 else "", warnings="[]")
            s.add(r)
            s.flush()
            for kind, vals in zip(("single", "regional", "industry"), lines, strict=True):
                s.add(ReportLine(report_id=r.id, kind=kind, **dict(zip(MEASURES, vals, strict=True))))
        cid = c.id
    return engine, cid, ids


def _measures(row) -> list[int]:
    return [int(row[m]) for m in MEASURES]


def test_hie001_area_totals_at_every_level(tree):
    engine, cid, ids = tree
    with read_session(engine) as s:
        for code, (measures, units, reported) in EXPECTED.items():
            totals = hierarchy.area_totals(s, cid, AS_OF, ids[code])
            assert _measures(totals) == measures, code
            assert (totals["units"], totals["units_reported"]) == (units, reported), code
        p1 = hierarchy.area_totals(s, cid, AS_OF, ids["P1"])
    assert p1["baseline_ents"] == 450 and p1["target_ents"] == 180
    for metric in CATALOGUE:
        if metric.is_ratio:
            assert p1[metric.key] == pytest.approx(p1[metric.numerator] / p1[metric.denominator]), metric.key


def test_hie002_children_rows_carry_their_subtree_totals(tree):
    engine, cid, ids = tree
    with read_session(engine) as s:
        nation = hierarchy.child_metrics(s, cid, AS_OF, ids["N"]).set_index("code")
        p2 = hierarchy.child_metrics(s, cid, AS_OF, ids["P2"]).set_index("code")
        p1 = hierarchy.child_metrics(s, cid, AS_OF, ids["P1"]).set_index("code")
        flat = queries.unit_metrics(s, cid, AS_OF)
    assert list(nation.index) == ["P1", "P2"]
    assert list(p2.index) == ["C3", "S1"]  # an off-map unit sits beside the cities
    for code, frame in (("P1", nation), ("P2", nation), ("C3", p2), ("S1", p2), ("C1", p1), ("C2", p1)):
        measures, units, reported = EXPECTED[code]
        row = frame.loc[code]
        assert _measures(row) == measures, code
        assert (row["units"], row["units_reported"]) == (units, reported), code
        assert row["baseline_ents"] == BASELINE_ENTS[code], code
    assert p1.loc["C2", "last_report_date"] is None and p1.loc["C2", "sign_rate"] is None
    assert p1.loc["C1", "last_report_date"] == D(2017, 4, 14)
    assert p1.loc["C1", "stalest_report_date"] == D(2017, 4, 10)  # K2 has not reported since
    assert nation.loc["P1", "level"] == "province" and nation.loc["P1", "adcode"] == "110000"
    # Same columns as today's unit_metrics (ranking, map and lagging take either), plus five.
    columns = set(nation.reset_index().columns)
    assert set(flat.columns) <= columns
    assert columns - set(flat.columns) == {"id", "level", "units", "units_reported", "stalest_report_date"}


def test_hie003_county_children_equal_unit_metrics(tree):
    engine, cid, ids = tree
    with read_session(engine) as s:
        c1 = hierarchy.child_metrics(s, cid, AS_OF, ids["C1"]).set_index("code")
        flat = queries.unit_metrics(s, cid, AS_OF).set_index("code")
    for code in ("K1", "K2", "D1"):
        for col in flat.columns:
            mine, theirs = c1.loc[code, col], flat.loc[code, col]
            assert (pd.isna(mine) and pd.isna(theirs)) or mine == theirs, (code, col)


def test_hie004_single_enterprises_counted_once_at_every_level(tree):
    engine, cid, ids = tree
    with read_session(engine) as s:
        lines = hierarchy.area_line_totals(s, cid, AS_OF, ids["P1"]).set_index("kind")
        totals = hierarchy.area_totals(s, cid, AS_OF, ids["P1"])
        root_lines = hierarchy.area_line_totals(s, cid, AS_OF, None).set_index("kind")
        city_lines = queries.line_totals(s, cid, AS_OF).set_index("kind")
    assert list(lines.index) == ["single", "regional", "industry"]
    assert _measures(lines.loc["single"]) == [7, 7, 700, 6, 6, 600, 3, 3, 300]
    assert _measures(lines.loc["regional"]) == [2, 50, 1000, 2, 50, 1000, 1, 30, 600]
    assert _measures(lines.loc["industry"]) == [2, 30, 800, 1, 20, 500, 1, 20, 500]
    # The area's total is the plain sum of the three rows: 6 + 50 + 20 signed enterprises.
    assert totals["signed_ents"] == 76 == sum(lines["signed_ents"])
    assert lines.loc["single", "signed_copies"] == lines.loc["single", "signed_ents"]  # one contract per enterprise
    assert root_lines.equals(city_lines)


def test_hie005_root_is_the_whole_installation(tree):
    engine, cid, ids = tree
    with read_session(engine) as s:
        root = hierarchy.area_totals(s, cid, AS_OF, None)
        city = queries.city_metrics(s, cid, AS_OF)
        roots = hierarchy.child_metrics(s, cid, AS_OF, None)
    assert root == city
    assert list(roots["code"]) == ["N"]


def test_hie006_tree_navigation(tree):
    engine, _, ids = tree
    with read_session(engine) as s:
        assert [a.code for a in hierarchy.ancestors(s, ids["K1"])] == ["N", "P1", "C1", "K1"]
        assert hierarchy.ancestors(s, None) == []
        assert [a.code for a in hierarchy.children(s, ids["P2"])] == ["C3", "S1"]
        assert [a.code for a in hierarchy.children(s, None)] == ["N"]
        assert hierarchy.area(s, "110000").code == "P1"  # by adcode
        assert hierarchy.area(s, "D1").level == "county"  # by code
        assert hierarchy.area(s, ids["C2"]).name == "丑市"  # by id
        assert hierarchy.area(s, "999999") is None
        assert hierarchy.subtree_unit_count(s, ids["P1"]) == 7
        assert hierarchy.subtree_unit_count(s, None) == 12


def test_hie007_an_area_without_campaign_units(tree):
    engine, cid, ids = tree
    with read_session(engine) as s:
        k3 = hierarchy.area_totals(s, cid, AS_OF, ids["K3"])
        nothing = hierarchy.child_metrics(s, cid, AS_OF, ids["K3"])  # a county has no children
        empty = hierarchy.area_totals(s, cid + 99, AS_OF, ids["N"])
    assert _measures(k3) == list(Z) and (k3["units"], k3["units_reported"]) == (1, 0)
    assert nothing.empty
    assert empty["units"] == 0 and empty["sign_rate"] is None


# child_trend(N) by hand: P2 from 04-01 (K4), with S1 from 04-05; P1 from 04-07 (K1's first report),
# K2 joins on 04-10, D1 on 04-12, and K1's corrected 04-14 report (v2, not v1) on 04-14.
P1_TREND = {
    D(2017, 4, 7): [3, 32, 800, 2, 31, 700, 1, 1, 100],
    D(2017, 4, 10): [7, 36, 1200, 6, 35, 1100, 3, 3, 300],
    D(2017, 4, 12): [8, 56, 1700, 7, 55, 1600, 4, 23, 800],
    D(2017, 4, 14): EXPECTED["P1"][0],
}
P2_TREND = {D(2017, 4, 1): [1, 10, 100, 0, 0, 0, 0, 0, 0], **dict.fromkeys(
    (D(2017, 4, 5), D(2017, 4, 7), D(2017, 4, 10), D(2017, 4, 12), D(2017, 4, 14)), EXPECTED["P2"][0])}


def test_hie007_child_trend_rolls_each_child_up_at_every_date(tree):
    engine, cid, ids = tree
    with read_session(engine) as s:
        nation = hierarchy.child_trend(s, cid, AS_OF, ids["N"])
        early = hierarchy.child_trend(s, cid, D(2017, 4, 6), ids["N"])
        empty = hierarchy.child_trend(s, cid, D(2017, 3, 1), ids["N"])
    assert list(nation.columns) == ["date", "code", "name", *MEASURES]
    got = {(r.date, r.code): [int(getattr(r, m)) for m in MEASURES] for r in nation.itertuples()}
    want = {**{(d, "P1"): v for d, v in P1_TREND.items()}, **{(d, "P2"): v for d, v in P2_TREND.items()}}
    assert got == want
    assert list(nation["date"]) == sorted(nation["date"])  # by date, then code
    assert list(nation.loc[nation["date"] == D(2017, 4, 14), "code"]) == ["P1", "P2"]
    assert list(nation.loc[nation["code"] == "P1", "name"].unique()) == ["甲省"]
    # as_of cuts the dates (and K4's 04-25 report never counts)
    assert [(r.date, r.code) for r in early.itertuples()] == [(D(2017, 4, 1), "P2"), (D(2017, 4, 5), "P2")]
    assert empty.empty and list(empty.columns) == ["date", "code", "name", *MEASURES]


def test_hie008_child_trend_of_a_city_is_the_flat_trend_of_its_counties(tree):
    engine, cid, ids = tree
    with read_session(engine) as s:
        city = hierarchy.child_trend(s, cid, AS_OF, ids["C1"]).reset_index(drop=True)
        flat = queries.trend(s, cid, AS_OF, by_unit=True)
        root = hierarchy.child_trend(s, cid, AS_OF, None)
        whole = queries.trend(s, cid, AS_OF)
    mine = flat[flat["code"].isin(["K1", "K2", "D1"])].sort_values(["date", "code"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(city, mine, check_dtype=False)
    # the root's one child (N) is the installation's whole trend
    assert list(root["code"].unique()) == ["N"]
    assert [[int(v) for v in r] for r in root[list(MEASURES)].values] == \
        [[int(v) for v in r] for r in whole[list(MEASURES)].values]


def test_hie009_review_status_within_an_area(tree):
    """The overview's 待审核 count of an area counts only its subtree's shown reports (none reviewed here:
    all pending). At AS_OF: P1 shows K1, K2, D1 (K3 never reported); P2 shows K4 (04-01) and S1."""
    from sqlalchemy import select

    from db.submission import review

    engine, cid, ids = tree
    with read_session(engine) as s:
        everything = review.status_by_unit(s, cid, AS_OF)
        p1 = review.status_by_unit(s, cid, AS_OF, select(hierarchy.subtree(ids["P1"], per_child=False).c.unit_id))
        p2 = review.status_by_unit(s, cid, AS_OF, select(hierarchy.subtree(ids["P2"], per_child=False).c.unit_id))
    assert set(everything) == {"K1", "K2", "D1", "K4", "S1"}
    assert p1 == {"K1": "pending", "K2": "pending", "D1": "pending"}
    assert p2 == {"K4": "pending", "S1": "pending"}
    # The overview's count comes from the area view (one statement with the figures): the same counts,
    # and a reviewed report (accepted or returned) leaves it.
    with read_session(engine) as s:
        assert [hierarchy.view(s, cid, AS_OF, a).pending for a in (None, ids["P1"], ids["P2"])] == [5, 3, 2]
    with write_session(engine) as s:
        from db.models.review import ReportReview

        k1 = s.scalar(select(Report.id).join(Unit, Unit.id == Report.unit_id).where(Unit.code == "K1", Report.report_date <= AS_OF)
                      .order_by(Report.report_date.desc(), Report.version.desc()).limit(1))
        s.add(ReportReview(report_id=k1, decision="returned", comment="请核对", reviewer="测试", at=dt.datetime(2017, 4, 2)))
    with read_session(engine) as s:
        assert [hierarchy.view(s, cid, AS_OF, a).pending for a in (None, ids["P1"], ids["P2"])] == [4, 2, 2]
        assert review.status_by_unit(s, cid, AS_OF)["K1"] == "returned"


def test_hie010_units_without_an_adcode_carry_none_not_nan(tree):
    """pandas 3 stores the Nones of a list of strings as NaN, which is truthy: the overview hid its
    off-map bar because every row seemed to have an adcode."""
    engine, cid, ids = tree
    with read_session(engine) as s:
        children = hierarchy.child_metrics(s, cid, AS_OF, ids["C1"])
        flat = queries.unit_metrics(s, cid, AS_OF)
    for frame in (children, flat):
        d1 = frame.set_index("code").loc["D1", "adcode"]
        assert d1 is None


def test_hie011_child_trend_of_one_measure_is_that_column_of_the_full_trend(tree):
    engine, cid, ids = tree
    with read_session(engine) as s:
        full = hierarchy.child_trend(s, cid, AS_OF, ids["N"])
        one = hierarchy.child_trend(s, cid, AS_OF, ids["N"], measures=("signed_ents",))
    assert list(one.columns) == ["date", "code", "name", "signed_ents"]
    pd.testing.assert_frame_equal(one, full[["date", "code", "name", "signed_ents"]])
