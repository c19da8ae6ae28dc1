"""Metric queries against totals worked out by hand on a small fixture.

Fixture (campaign window 2017-03-01..05-31):
  兰山区 371302  baseline 100 ents / 5,000 workers, target 40 / 2,000
     03-10 v1, 03-17 v1, 03-17 v2 (correction: single signed 4->5, filed 2->3)
  罗庄区 371311  baseline 50 / 2,000, target 20 / 800; one report 03-10
  高新区 KF01    baseline 10 / 1,000, target 4 / 400; never reports
Rows are (offer copies, ents, workers, signed copies, ents, workers, filed copies, ents, workers).
"""

import datetime as dt

import pytest
from sqlalchemy import select

from db import queries
from db.engine import read_session, write_session
from db.models import Campaign, Report, ReportLine, Unit, UnitCampaign
from domain.measures import MEASURES

D = dt.date
REPORTS = [
    # unit, date, version, {kind: 9 values}
    ("371302", D(2017, 3, 10), 1, {
        "single": (5, 5, 500, 2, 2, 200, 1, 1, 100),
        "regional": (1, 20, 600, 1, 20, 600, 0, 0, 0),
        "industry": (2, 10, 300, 1, 5, 150, 1, 5, 150)}),
    ("371302", D(2017, 3, 17), 1, {
        "single": (8, 8, 800, 4, 4, 400, 2, 2, 200),
        "regional": (2, 30, 900, 1, 20, 600, 1, 20, 600),
        "industry": (2, 10, 300, 2, 10, 300, 1, 5, 150)}),
    ("371302", D(2017, 3, 17), 2, {
        "single": (8, 8, 800, 5, 5, 500, 3, 3, 300),
        "regional": (2, 30, 900, 1, 20, 600, 1, 20, 600),
        "industry": (2, 10, 300, 2, 10, 300, 1, 5, 150)}),
    ("371311", D(2017, 3, 10), 1, {
        "single": (3, 3, 90, 3, 3, 90, 0, 0, 0),
        "regional": (0, 0, 0, 0, 0, 0, 0, 0, 0),
        "industry": (1, 4, 100, 0, 0, 0, 0, 0, 0)}),
]


@pytest.fixture
def fx(engine):
    with write_session(engine) as s:
        c = Campaign(name="测试行动", year=2017, window_start=D(2017, 3, 1), window_end=D(2017, 5, 31),
                     cutoff_date=D(2017, 5, 31), deadline=D(2017, 6, 10), is_demo=False,
                     created_at=dt.datetime(2017, 3, 1))
        s.add(c)
        units = {}
        for i, (code, name, kind, adcode, base) in enumerate([
            ("371302", "兰山区", "县区", "371302", (100, 5000, 40, 2000)),
            ("371311", "罗庄区", "县区", "371311", (50, 2000, 20, 800)),
            ("KF01", "临沂高新技术产业开发区", "开发区", None, (10, 1000, 4, 400)),
        ]):
            u = Unit(code=code, name=name, kind=kind, adcode=adcode, sort_order=i)
            s.add(u)
            s.flush()
            units[code] = u.id
            s.add(UnitCampaign(campaign_id=c.id, unit_id=u.id, baseline_ents=base[0], baseline_workers=base[1],
                               target_ents=base[2], target_workers=base[3]))
        s.flush()
        for code, date, version, lines in REPORTS:
            r = Report(campaign_id=c.id, unit_id=units[code], report_date=date, version=version, leader="",
                       filled_by="", submitted_at=dt.datetime(2017, 3, 20), submitted_by="测试", source="cli",
                       is_correction=version > 1, reason="更正" if version > 1 else "", warnings="[]")
            s.add(r)
            s.flush()
            for kind, vals in lines.items():
                s.add(ReportLine(report_id=r.id, kind=kind, **dict(zip(MEASURES, vals))))
        cid = c.id
    return engine, cid


def test_qry001_unit_metrics_use_latest_version(fx):
    engine, cid = fx
    with read_session(engine) as s:
        df = queries.unit_metrics(s, cid, D(2017, 3, 17)).set_index("code")
    a = df.loc["371302"]
    assert [a[m] for m in MEASURES] == [12, 48, 2000, 8, 35, 1400, 5, 28, 1050]
    assert a["sign_rate"] == pytest.approx(8 / 12)
    assert a["filing_rate"] == pytest.approx(5 / 8)
    assert a["ent_coverage"] == pytest.approx(0.35)
    assert a["worker_coverage"] == pytest.approx(0.28)
    assert a["target_progress"] == pytest.approx(35 / 40)
    assert a["last_report_date"] == D(2017, 3, 17)
    b = df.loc["371311"]
    assert [b[m] for m in MEASURES] == [4, 7, 190, 3, 3, 90, 0, 0, 0]
    assert b["filing_rate"] == 0.0
    assert b["last_report_date"] == D(2017, 3, 10)


def test_qry002_unit_without_reports_is_kept_with_zeros(fx):
    engine, cid = fx
    with read_session(engine) as s:
        df = queries.unit_metrics(s, cid, D(2017, 3, 17)).set_index("code")
    c = df.loc["KF01"]
    assert [c[m] for m in MEASURES] == [0] * 9
    assert c["sign_rate"] is None and c["filing_rate"] is None
    assert c["ent_coverage"] == 0.0
    assert c["last_report_date"] is None
    assert list(df.index) == ["371302", "371311", "KF01"]


def test_qry003_as_of_earlier_date(fx):
    engine, cid = fx
    with read_session(engine) as s:
        df = queries.unit_metrics(s, cid, D(2017, 3, 12)).set_index("code")
        before = queries.unit_metrics(s, cid, D(2017, 3, 9)).set_index("code")
    assert [df.loc["371302"][m] for m in MEASURES] == [8, 35, 1400, 4, 27, 950, 2, 6, 250]
    assert before["offer_copies"].sum() == 0


def test_qry004_city_totals_are_rates_of_sums(fx):
    engine, cid = fx
    with read_session(engine) as s:
        city = queries.city_metrics(s, cid, D(2017, 3, 17))
    assert [city[m] for m in MEASURES] == [16, 55, 2190, 11, 38, 1490, 5, 28, 1050]
    assert (city["baseline_ents"], city["baseline_workers"], city["target_ents"]) == (160, 8000, 64)
    assert city["sign_rate"] == pytest.approx(11 / 16)
    assert city["filing_rate"] == pytest.approx(5 / 11)
    assert city["ent_coverage"] == pytest.approx(38 / 160)
    assert city["worker_coverage"] == pytest.approx(1490 / 8000)
    assert city["target_progress"] == pytest.approx(38 / 64)
    assert (city["units"], city["units_reported"]) == (3, 2)


def test_qry005_line_totals_three_rows(fx):
    engine, cid = fx
    with read_session(engine) as s:
        city = queries.line_totals(s, cid, D(2017, 3, 17)).set_index("kind")
        kf = queries.line_totals(s, cid, D(2017, 3, 17), "KF01")
        lanshan = queries.line_totals(s, cid, D(2017, 3, 17), "371302").set_index("kind")
    assert list(city.index) == ["single", "regional", "industry"]
    assert list(city.loc["single"][list(MEASURES)]) == [11, 11, 890, 8, 8, 590, 3, 3, 300]
    assert list(city.loc["industry"][list(MEASURES)]) == [3, 14, 400, 2, 10, 300, 1, 5, 150]
    assert list(lanshan.loc["single"][list(MEASURES)]) == [8, 8, 800, 5, 5, 500, 3, 3, 300]
    assert kf[list(MEASURES)].to_numpy().sum() == 0 and len(kf) == 3


def test_qry006_trend_city_unit_and_by_unit(fx):
    engine, cid = fx
    with read_session(engine) as s:
        city = queries.trend(s, cid, D(2017, 5, 31))
        one = queries.trend(s, cid, D(2017, 5, 31), unit_code="371311")
        per = queries.trend(s, cid, D(2017, 5, 31), by_unit=True)
    assert list(city["date"]) == [D(2017, 3, 10), D(2017, 3, 17)]
    assert list(city["signed_ents"]) == [30, 38]
    assert list(one["date"]) == [D(2017, 3, 10)] and list(one["signed_ents"]) == [3]
    per = per.set_index(["date", "code"])
    assert per.loc[(D(2017, 3, 17), "371311"), "signed_ents"] == 3  # carried forward
    assert per.loc[(D(2017, 3, 17), "371302"), "signed_ents"] == 35


def test_qry009_trend_carries_units_forward_and_takes_in_a_late_unit(fx):
    """Three snapshot dates: 兰山区 corrects its 03-17 report, 罗庄区 reports once (03-10) and is carried
    forward, 高新区 reports only on 03-24 (corrected the same day). Every measure of the city series is
    the sum of each unit's current version of its latest report on or before the date."""
    engine, cid = fx
    late = {"single": (2, 2, 50, 1, 1, 20, 1, 1, 20), "regional": (1, 6, 90, 0, 0, 0, 0, 0, 0),
            "industry": (0,) * 9}
    with write_session(engine) as s:
        kf01 = s.scalar(select(Unit.id).where(Unit.code == "KF01"))
        for version, lines in ((1, {**late, "single": (9,) * 9}), (2, late)):
            r = Report(campaign_id=cid, unit_id=kf01, report_date=D(2017, 3, 24), version=version, leader="",
                       filled_by="", submitted_at=dt.datetime(2017, 3, 24), submitted_by="测试", source="cli",
                       is_correction=version > 1, reason="", warnings="[]")
            s.add(r)
            s.flush()
            for kind, vals in lines.items():
                s.add(ReportLine(report_id=r.id, kind=kind, **dict(zip(MEASURES, vals))))
    lanshan_0310 = [8, 35, 1400, 4, 27, 950, 2, 6, 250]
    lanshan_0317 = [12, 48, 2000, 8, 35, 1400, 5, 28, 1050]  # version 2
    luozhuang = [4, 7, 190, 3, 3, 90, 0, 0, 0]
    kf01_0324 = [3, 8, 140, 1, 1, 20, 1, 1, 20]  # version 2
    total = lambda *units: [sum(v) for v in zip(*units)]  # noqa: E731
    with read_session(engine) as s:
        city = queries.trend(s, cid, D(2017, 5, 31))
        before_late = queries.trend(s, cid, D(2017, 3, 23))
        per = queries.trend(s, cid, D(2017, 5, 31), by_unit=True)
        kf = queries.trend(s, cid, D(2017, 5, 31), unit_code="KF01")
        kf_early = queries.trend(s, cid, D(2017, 3, 20), unit_code="KF01")
    assert list(city.columns) == ["date", *MEASURES]
    assert list(per.columns) == ["date", "code", "name", *MEASURES]
    assert all(city[m].dtype.kind == "i" and per[m].dtype.kind == "i" for m in MEASURES)
    assert list(city["date"]) == [D(2017, 3, 10), D(2017, 3, 17), D(2017, 3, 24)]
    assert [list(r) for r in city[list(MEASURES)].itertuples(index=False)] == [
        total(lanshan_0310, luozhuang),
        total(lanshan_0317, luozhuang),  # 罗庄区 carried forward
        total(lanshan_0317, luozhuang, kf01_0324),  # both carried forward, 高新区 joins
    ]
    assert before_late.equals(city.iloc[:2])
    # one row per date and unit that has reported by then, sorted by date then code
    assert list(zip(per["date"], per["code"])) == [
        (D(2017, 3, 10), "371302"), (D(2017, 3, 10), "371311"),
        (D(2017, 3, 17), "371302"), (D(2017, 3, 17), "371311"),
        (D(2017, 3, 24), "371302"), (D(2017, 3, 24), "371311"), (D(2017, 3, 24), "KF01"),
    ]
    assert list(per["name"][-3:]) == ["兰山区", "罗庄区", "临沂高新技术产业开发区"]
    assert [list(r) for r in per[list(MEASURES)].itertuples(index=False)] == [
        lanshan_0310, luozhuang, lanshan_0317, luozhuang, lanshan_0317, luozhuang, kf01_0324]
    # one unit: only its own report dates
    assert list(kf["date"]) == [D(2017, 3, 24)] and list(kf.iloc[0][list(MEASURES)]) == kf01_0324
    assert kf_early.empty and list(kf_early.columns) == ["date", *MEASURES]


def test_qry007_report_history_marks_current_version(fx):
    engine, cid = fx
    with read_session(engine) as s:
        h = queries.report_history(s, cid, "371302")
    assert list(zip(h["report_date"], h["version"], h["is_current"])) == [
        (D(2017, 3, 17), 2, True), (D(2017, 3, 17), 1, False), (D(2017, 3, 10), 1, True)]
    assert list(h["signed_copies"]) == [8, 7, 4]
    assert h.iloc[0]["reason"] == "更正"


def test_qry008_lookups_and_data_version(fx):
    engine, cid = fx
    with read_session(engine) as s:
        v1 = queries.data_version(s)
        cs = queries.campaigns(s)
        assert queries.report_dates(s, cid) == [D(2017, 3, 10), D(2017, 3, 17)]
        assert queries.unit(s, "371302")["name"] == "兰山区"
        assert queries.unit(s, "nope") is None
    assert cs[0]["reports"] == 4 and cs[0]["last_report_date"] == D(2017, 3, 17)
    with write_session(engine) as s:
        r = Report(campaign_id=cid, unit_id=s.scalar(select(Unit.id).where(Unit.code == "KF01")),
                   report_date=D(2017, 3, 24), version=1, leader="", filled_by="", submitted_at=dt.datetime(2017, 3, 24),
                   submitted_by="x", source="cli", is_correction=False, reason="", warnings="[]")
        s.add(r)
    with read_session(engine) as s:
        assert queries.data_version(s) != v1


def test_qry009_data_version_follows_audited_writes_not_logins(fx):
    """A review, case or work log is audited; open dashboards must refresh on it, not on a login."""
    from db.accounts.auth import audit

    engine, _cid = fx
    with read_session(engine) as s:
        v1 = queries.data_version(s)
    with write_session(engine) as s:
        audit(s, "demo-leader", "login.success", "", ip="10.0.0.1")
        audit(s, "demo-leader", "export.pdf", "快照 1", ip="10.0.0.1")
    with read_session(engine) as s:
        v2 = queries.data_version(s)
    assert v2 == v1
    with write_session(engine) as s:
        audit(s, "demo-admin", "report.accept", "371302 2017-03-17 第2版", ip="10.0.0.1")
    with read_session(engine) as s:
        assert queries.data_version(s) != v2


def _campaign(s, name: str, year: int, is_demo: bool = False) -> int:
    c = Campaign(name=name, year=year, window_start=D(year, 3, 1), window_end=D(year, 5, 31), cutoff_date=D(year, 5, 31),
                 deadline=D(year, 6, 10), is_demo=is_demo, created_at=dt.datetime(year, 3, 1))
    s.add(c)
    s.flush()
    return c.id


def _report(s, campaign_id: int, code: str, date: dt.date, version: int = 1) -> None:
    s.add(Report(campaign_id=campaign_id, unit_id=s.scalar(select(Unit.id).where(Unit.code == code)), report_date=date,
                 version=version, leader="", filled_by="", submitted_at=dt.datetime(2017, 3, 20), submitted_by="x",
                 source="cli", is_correction=version > 1, reason="", warnings="[]"))
    s.flush()


def test_qry010_report_dates_and_campaigns_per_campaign(fx):
    """Each campaign's own dates, in order, each once (corrections and several units on one date);
    none for a campaign without reports, whose count is 0 and last date None."""
    engine, cid = fx
    with write_session(engine) as s:
        empty = _campaign(s, "无报送行动", 2018)
        other = _campaign(s, "另一行动", 2016)
        # written out of date order: 03-24 twice (a correction), 03-05 by two units, 03-12
        for code, date, version in [("371302", D(2016, 3, 24), 1), ("371302", D(2016, 3, 5), 1),
                                    ("371302", D(2016, 3, 24), 2), ("371311", D(2016, 3, 5), 1),
                                    ("KF01", D(2016, 3, 12), 1)]:
            _report(s, other, code, date, version)
    with read_session(engine) as s:
        assert queries.report_dates(s, other) == [D(2016, 3, 5), D(2016, 3, 12), D(2016, 3, 24)]
        assert queries.report_dates(s, cid) == [D(2017, 3, 10), D(2017, 3, 17)]  # the other campaign's not mixed in
        assert queries.report_dates(s, empty) == []
        assert queries.report_dates(s, 999) == []
        got = [(c["id"], c["reports"], c["last_report_date"]) for c in queries.campaigns(s)]
    assert got == [(empty, 0, None), (cid, 4, D(2017, 3, 17)), (other, 5, D(2016, 3, 24))]  # newest year first


def test_qry011_data_version_sees_a_deleted_demo_campaign(fx):
    """Deleting a demo campaign removes reports below the highest id: the version still changes."""
    from db.demo.common import delete_demo_campaign

    engine, cid = fx
    with write_session(engine) as s:
        demo = _campaign(s, "演示行动", 2016, is_demo=True)
        _report(s, demo, "371302", D(2016, 3, 10))
        _report(s, cid, "KF01", D(2017, 3, 24))  # a later report: the highest id is not the demo's
    with read_session(engine) as s:
        before = queries.data_version(s)
    assert before.split(":")[:3] == ["6", "6", "2"]  # 4 + 2 reports, highest id 6, two campaigns
    with write_session(engine) as s:
        delete_demo_campaign(s, "演示行动")
    with read_session(engine) as s:
        after = queries.data_version(s)
    assert after.split(":")[:3] == ["5", "6", "1"] and after != before
