"""The overview's progress trend, read once per data version and cut at the as-of date
(dashboard/trend_memo.py), against child_trend computed directly and against figures by hand.

By hand on the tiny tree of tests/db/hierarchy (signed enterprises, 全国's children P1 and P2):
  P1: 04-07 31, 04-10 35, 04-12 55, 04-14 76 (K1's corrected v2), and 76 on every later date
  P2: 04-01 0 (K4's first report signs nothing), 04-05 5 (S1), 5 until K4's 04-25 report: 10 + 5 = 15
  the full trend (through every date) ends at 04-25: P1 76, P2 15.
A K4 report on 04-18 signing 7 enterprises (single row) makes P2 7 + 5 = 12 on 04-18; signing 9, 14.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import flask
import pandas as pd
import pytest
from sqlalchemy import select

from dashboard import cache, ids, trend_memo
from dashboard.context import EXTENSION
from dashboard.data import resolve
from dashboard.pages import overview
from db import hierarchy, queries
from db.engine import make_engine, read_session, write_session
from db.models import Report, ReportLine, Unit
from domain.measures import MEASURES
from tests.db.hierarchy.test_rollups import AS_OF, tree  # noqa: F401  (the fixture)
from tests.http_helpers import callback_body, callback_key, demo_app, login, post_callback

D = dt.date
SIGNED = {  # (date, child) -> signed enterprises, the full trend of 全国 (see the module docstring)
    (D(2017, 4, 1), "P2"): 0, (D(2017, 4, 5), "P2"): 5,
    (D(2017, 4, 7), "P1"): 31, (D(2017, 4, 7), "P2"): 5, (D(2017, 4, 10), "P1"): 35, (D(2017, 4, 10), "P2"): 5,
    (D(2017, 4, 12), "P1"): 55, (D(2017, 4, 12), "P2"): 5, (D(2017, 4, 14), "P1"): 76, (D(2017, 4, 14), "P2"): 5,
    (D(2017, 4, 25), "P1"): 76, (D(2017, 4, 25), "P2"): 15,
}


@pytest.fixture
def app_ctx():
    """A bare app of its own (its own memo), for load() on the fixture's engine."""
    with flask.Flask(__name__).app_context():
        yield


def _signed(trend: pd.DataFrame) -> dict:
    return {(r.date, r.code): int(r.signed_ents) for r in trend.itertuples()}


def _add_k4_report(engine, cid: int, signed: int) -> None:
    """K4 reports on 04-18: its single row signs `signed` enterprises, nothing else."""
    with write_session(engine) as s:
        k4 = s.scalar(select(Unit.id).where(Unit.code == "K4"))
        r = Report(campaign_id=cid, unit_id=k4, report_date=D(2017, 4, 18), version=1, leader="", filled_by="",
                   submitted_at=dt.datetime(2017, 4, 26), submitted_by="测试", source="cli", is_correction=False,
                   reason="", warnings="[]")
        s.add(r)
        s.flush()
        single = dict.fromkeys(MEASURES, 0) | {"offer_copies": 1, "offer_ents": signed, "signed_copies": 1,
                                               "signed_ents": signed}
        s.add(ReportLine(report_id=r.id, kind="single", **single))
        for kind in ("regional", "industry"):
            s.add(ReportLine(report_id=r.id, kind=kind, **dict.fromkeys(MEASURES, 0)))


def _load_nation(engine, cid: int, nation_id: int, as_of: dt.date) -> overview.Snapshot:
    with read_session(engine) as s:
        return overview.load(s, resolve(s, cid, as_of), overview.area_by_id(s, nation_id), with_cases=False)


# --- the cut -------------------------------------------------------------------------------------


def test_tm001_the_full_trend_and_its_cuts_by_hand(tree):  # noqa: F811
    engine, cid, ids_ = tree
    memo = trend_memo.TrendMemo()
    with read_session(engine) as s:
        full = memo.full(s, "v1", cid, ids_["N"], ("signed_ents",))
    assert list(full.columns) == ["date", "code", "name", "signed_ents"]
    assert _signed(full) == SIGNED  # through every date: K4's 04-25 report is in
    assert list(zip(full["date"], full["code"])) == sorted(SIGNED)  # by date, then code
    early = trend_memo.trend_through(full, D(2017, 4, 6))
    assert _signed(early) == {(D(2017, 4, 1), "P2"): 0, (D(2017, 4, 5), "P2"): 5}
    assert list(early.index) == [0, 1]
    at = trend_memo.trend_through(full, AS_OF)  # 04-20: no report that day, 04-25 left out
    assert _signed(at) == {k: v for k, v in SIGNED.items() if k[0] <= AS_OF}
    none = trend_memo.trend_through(full, D(2017, 3, 1))
    assert none.empty and list(none.columns) == ["date", "code", "name", "signed_ents"]
    assert len(full) == len(SIGNED)  # the memo's frame is left as it was


@pytest.fixture(params=["city", "province"])
def demo(request, engine):
    """(engine, campaign id, areas): the 临沂 demo (its root: the county-level units) or the 山东省 demo
    (the root, 山东省 and one of its cities)."""
    if request.param == "city":
        from db.admin.presets import ensure_campaign, load_units, read_preset
        from db.demo import build_demo

        preset = read_preset()
        with write_session(engine) as s:
            load_units(s, preset)
            for spec in preset.get("campaigns", []):
                ensure_campaign(s, spec)
        cid = build_demo(engine).campaign_id
        return engine, cid, [None]
    from db.demo.scale import build_scale_demo

    cid = build_scale_demo(engine, "province").campaign_id
    with read_session(engine) as s:
        (province,) = hierarchy.children(s, None)
        city = hierarchy.children(s, province.id)[0]
    return engine, cid, [None, province.id, city.id]


def test_tm002_the_cut_is_child_trend_at_that_date(demo):
    """On the demo data, at the root and at areas: before the first report, on report dates, between
    two, on the last and after it, the cut of the full trend is child_trend(as_of) itself."""
    engine, cid, areas = demo
    memo = trend_memo.TrendMemo()
    with read_session(engine) as s:
        days = queries.report_dates(s, cid)
        between = next(d + dt.timedelta(1) for d, e in zip(days, days[1:]) if (e - d).days > 1)
        as_ofs = [days[0] - dt.timedelta(1), days[0], days[len(days) // 2], between, days[-1], days[-1] + dt.timedelta(30)]
        for aid in areas:
            full = memo.full(s, "v", cid, aid, overview.TREND_MEASURES)
            assert full["date"].iloc[-1] == days[-1] and len(full) > len(areas)
            for as_of in as_ofs:
                direct = hierarchy.child_trend(s, cid, as_of, aid, measures=overview.TREND_MEASURES)
                cut = trend_memo.trend_through(full, as_of)
                if direct.empty:  # before the first report: no rows, the same columns (its empty date column is float)
                    assert cut.empty and list(cut.columns) == list(direct.columns), (aid, as_of)
                else:
                    pd.testing.assert_frame_equal(cut, direct, obj=f"area {aid} as of {as_of}")
        whole = memo.full(s, "v", cid, areas[-1], tuple(MEASURES))  # every measure too
        pd.testing.assert_frame_equal(trend_memo.trend_through(whole, days[len(days) // 2]),
                                      hierarchy.child_trend(s, cid, days[len(days) // 2], areas[-1]))
    assert len(memo) == len(areas) + 1


# --- through load(): a new data version, another app ----------------------------------------------


def test_tm003_load_reads_once_per_version_and_sees_new_data(tree, app_ctx, monkeypatch):  # noqa: F811
    engine, cid, ids_ = tree
    flask.current_app.extensions[EXTENSION] = engine
    reads = []
    child_trend = hierarchy.child_trend
    monkeypatch.setattr(hierarchy, "child_trend", lambda *a, **k: reads.append(a[2]) or child_trend(*a, **k))
    at = _load_nation(engine, cid, ids_["N"], AS_OF)
    assert _signed(at.trend) == {k: v for k, v in SIGNED.items() if k[0] <= AS_OF}
    early = _load_nation(engine, cid, ids_["N"], D(2017, 4, 6))  # a date change: the same data version
    assert _signed(early.trend) == {(D(2017, 4, 1), "P2"): 0, (D(2017, 4, 5), "P2"): 5}
    assert reads == [trend_memo.THROUGH_ALL]  # read once, through every date
    _add_k4_report(engine, cid, signed=7)  # a new report: a new data version, no stale trend
    after = _load_nation(engine, cid, ids_["N"], AS_OF)
    assert _signed(after.trend) == {**{k: v for k, v in SIGNED.items() if k[0] <= AS_OF},
                                    (D(2017, 4, 18), "P1"): 76, (D(2017, 4, 18), "P2"): 12}
    assert len(reads) == 2 and len(trend_memo.of()) == 2


def test_tm004_two_apps_on_two_databases_share_nothing(tree, tmp_path):  # noqa: F811
    """Two databases whose data versions are equal but whose data differ: each app shows its own."""
    engine, cid, ids_ = tree
    if engine.dialect.name != "sqlite":
        pytest.skip("the second database is a copy of the SQLite file")
    with sqlite3.connect(engine.url.database) as src, sqlite3.connect(tmp_path / "other.db") as dst:
        src.backup(dst)
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        _add_k4_report(engine, cid, signed=7)
        _add_k4_report(other, cid, signed=9)
        with read_session(engine) as s, read_session(other) as t:
            assert queries.data_version(s) == queries.data_version(t)  # the same version, other data
        shown = {}
        for name, eng in (("first", engine), ("second", other)):
            app = flask.Flask(name)
            app.extensions[EXTENSION] = eng
            with app.app_context():
                trend = _load_nation(eng, cid, ids_["N"], AS_OF).trend
                shown[name] = _signed(trend)[(D(2017, 4, 18), "P2")]
                assert len(trend_memo.of(app)) == 1
    finally:
        other.dispose()
    assert shown == {"first": 12, "second": 14}


def test_tm005_a_shared_request_reads_the_data_version_once(tmp_path, monkeypatch):
    """update_data's load() takes the version the shared cache keyed the request on: one read."""
    app = demo_app(tmp_path)
    c = app.server.test_client()
    assert login(c).status_code == 302
    body = callback_body(app, callback_key(app, "update_data"), {f"{ids.DATA_VERSION}.data": "x",
                                                                 f"{ids.COMPOSITION_PART}.value": "ents"},
                         changed=f"{ids.DATA_VERSION}.data")
    reads = []
    version = queries.data_version
    monkeypatch.setattr(queries, "data_version", lambda s: reads.append(1) or version(s))
    assert post_callback(c, body).status_code == 200
    assert len(reads) == 1 and cache.stats(app.server)["miss"] == 1
    assert len(trend_memo.of(app.server)) == 1
