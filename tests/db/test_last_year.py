"""同期: the previous campaign, the matching day of its window, and its figures, against hand-computed values.

Fixture (units 兰山区 371302, 罗庄区 371311, 高新区 KF01; only the 单独开展企业 row is filled):
  2015演示  demo  2015-04-01..2015-06-30  no reports (a demo campaign: never a real campaign's 同期)
  2015行动  real  2015-03-01..2015-05-31  no reports
  2016行动  real  2016-03-01..2016-05-31  371302 04-08, 04-15; 371311 04-14 v1, v2 (correction)
  2016冬季  real  2016-11-01..2017-03-05  ends after 2017 starts: not 2017's previous campaign
  2017行动  real  2017-03-01..2017-05-31  371302 04-14; 371311 04-14; KF01 has a baseline, never reports
Baselines (ents, workers, target ents, target workers): 371302 (100, 5000, 40, 2000), 371311 (50, 2000, 20, 800),
KF01 (10, 1000, 4, 400), KF01 in 2017 only.
Rows are (offer copies, ents, workers, signed copies, ents, workers, filed copies, ents, workers).
"""

from __future__ import annotations

import datetime as dt

import pytest

from db import hierarchy, queries
from db.engine import read_session, write_session
from db.models import Campaign, Report, ReportLine, Unit, UnitCampaign
from domain.kpis import tiles
from domain.measures import MEASURES

D = dt.date
BASE = {"371302": (100, 5000, 40, 2000), "371311": (50, 2000, 20, 800), "KF01": (10, 1000, 4, 400)}
CAMPAIGNS = [  # name, is_demo, window start, window end, units with a baseline
    ("2015演示", True, D(2015, 4, 1), D(2015, 6, 30), ("371302", "371311")),
    ("2015行动", False, D(2015, 3, 1), D(2015, 5, 31), ("371302", "371311")),
    ("2016行动", False, D(2016, 3, 1), D(2016, 5, 31), ("371302", "371311")),
    ("2016冬季", False, D(2016, 11, 1), D(2017, 3, 5), ("371302", "371311")),
    ("2017行动", False, D(2017, 3, 1), D(2017, 5, 31), ("371302", "371311", "KF01")),
]
REPORTS = [  # campaign, unit, date, version, single row
    ("2016行动", "371302", D(2016, 4, 8), 1, (10, 10, 1000, 6, 6, 600, 3, 3, 300)),
    ("2016行动", "371302", D(2016, 4, 15), 1, (12, 12, 1200, 8, 8, 800, 4, 4, 400)),
    ("2016行动", "371311", D(2016, 4, 14), 1, (5, 5, 250, 4, 4, 200, 1, 1, 50)),
    ("2016行动", "371311", D(2016, 4, 14), 2, (5, 5, 250, 5, 5, 250, 2, 2, 100)),
    ("2017行动", "371302", D(2017, 4, 14), 1, (15, 15, 1500, 10, 10, 1000, 5, 5, 500)),
    ("2017行动", "371311", D(2017, 4, 14), 1, (6, 6, 300, 3, 3, 150, 3, 3, 150)),
]


@pytest.fixture
def fx(engine):
    with write_session(engine) as s:
        units = {}
        for i, (code, name) in enumerate([("371302", "兰山区"), ("371311", "罗庄区"), ("KF01", "临沂高新技术产业开发区")]):
            u = Unit(code=code, name=name, kind="县区", sort_order=i)
            s.add(u)
            s.flush()
            units[code] = u.id
        ids = {}
        for name, demo, start, end, codes in CAMPAIGNS:
            c = Campaign(name=name, year=start.year, window_start=start, window_end=end, cutoff_date=end,
                         deadline=end + dt.timedelta(days=10), is_demo=demo, created_at=dt.datetime(2015, 1, 1))
            s.add(c)
            s.flush()
            ids[name] = c.id
            for code in codes:
                b = BASE[code]
                s.add(UnitCampaign(campaign_id=c.id, unit_id=units[code], baseline_ents=b[0], baseline_workers=b[1],
                                   target_ents=b[2], target_workers=b[3]))
        for name, code, date, version, single in REPORTS:
            r = Report(campaign_id=ids[name], unit_id=units[code], report_date=date, version=version, leader="",
                       filled_by="", submitted_at=dt.datetime.combine(date, dt.time(9)), submitted_by="测试",
                       source="cli", is_correction=version > 1, reason="更正" if version > 1 else "", warnings="[]")
            s.add(r)
            s.flush()
            s.add(ReportLine(report_id=r.id, kind="single", **dict(zip(MEASURES, single, strict=True))))
    return engine, ids


def test_yoy001_previous_campaign_ends_before_this_one_starts(fx):
    engine, ids = fx
    with read_session(engine) as s:
        prev = queries.previous_campaign(s, ids["2017行动"])
        assert (prev["id"], prev["reports"]) == (ids["2016行动"], 4)  # not 2016冬季: it overlaps 2017's window
        assert (prev["window_start"], prev["window_end"]) == (D(2016, 3, 1), D(2016, 5, 31))
        # a real campaign's previous one is real (2015行动), never the later-ending demo 2015演示
        assert queries.previous_campaign(s, ids["2016行动"])["id"] == ids["2015行动"]
        assert queries.previous_campaign(s, ids["2015行动"]) is None
        assert queries.previous_campaign(s, ids["2015演示"]) is None  # the only demo campaign
        assert queries.previous_campaign(s, 999) is None


def test_yoy002_same_day_and_no_previous_reports(fx):
    engine, ids = fx
    with read_session(engine) as s:
        prev, day = queries.same_day_last_year(s, ids["2017行动"], D(2017, 4, 14))
        assert (prev["id"], day) == (ids["2016行动"], D(2016, 4, 14))
        assert queries.same_day_last_year(s, ids["2017行动"], D(2017, 6, 5))[1] == D(2016, 5, 31)  # clamped
        assert queries.same_day_last_year(s, ids["2017行动"], D(2017, 2, 20))[1] == D(2016, 3, 1)
        # 2015行动 exists but has no report: no 同期 of zeros
        assert queries.same_day_last_year(s, ids["2016行动"], D(2016, 4, 14)) is None
        assert queries.last_year_city(s, ids["2016行动"], D(2016, 4, 14)) is None
        assert queries.last_year_unit(s, ids["2016行动"], D(2016, 4, 14), "371302") is None


def test_yoy003_city_figures_on_the_same_day(fx):
    engine, ids = fx
    with read_session(engine) as s:
        last = queries.last_year_city(s, ids["2017行动"], D(2017, 4, 14))
        now = queries.city_metrics(s, ids["2017行动"], D(2017, 4, 14))
    assert last["date"] == D(2016, 4, 14) and last["campaign"]["name"] == "2016行动"
    f = last["figures"]
    # 371302 at its 04-08 report (04-15 is after the day), 371311 at the correction of 04-14
    assert [f[m] for m in MEASURES] == [15, 15, 1250, 11, 11, 850, 5, 5, 400]
    assert (f["baseline_ents"], f["baseline_workers"]) == (150, 7000)
    assert f["sign_rate"] == pytest.approx(11 / 15)
    assert f["ent_coverage"] == pytest.approx(11 / 150)
    assert [now[m] for m in MEASURES] == [21, 21, 1800, 13, 13, 1150, 8, 8, 650]
    with read_session(engine) as s:  # the overview of the root takes the same figures from the roll-up
        area = hierarchy.last_year_area(s, ids["2017行动"], D(2017, 4, 14), None)
    assert area["date"] == last["date"] and [area["figures"][m] for m in MEASURES] == [f[m] for m in MEASURES]
    assert area["figures"]["ent_coverage"] == pytest.approx(11 / 150)
    lines = {t["key"]: t["last_year"] for t in tiles(now, None, f, last["date"])}
    assert lines == {
        "offer_copies": "同期（2016年4月14日）15 份，+40.0%",  # 21 / 15 − 1
        "signed_copies": "同期（2016年4月14日）11 份，+18.2%",  # 13 / 11 − 1 = 18.18%
        "filed_copies": "同期（2016年4月14日）5 份，+60.0%",
        "sign_rate": "同期（2016年4月14日）73.3%，−11.4 个百分点",  # 13/21 = 61.90%, 11/15 = 73.33%
        "filing_rate": "同期（2016年4月14日）45.5%，+16.1 个百分点",  # 8/13 = 61.54%, 5/11 = 45.45%
        "ent_coverage": "同期（2016年4月14日）7.3%，+0.8 个百分点",  # 13/160 = 8.125%, 11/150 = 7.33%
        "worker_coverage": "同期（2016年4月14日）12.1%，+2.2 个百分点",  # 1150/8000 = 14.375%, 850/7000 = 12.14%
    }


def test_yoy004_unit_figures_on_the_same_day(fx):
    engine, ids = fx
    with read_session(engine) as s:
        luozhuang = queries.last_year_unit(s, ids["2017行动"], D(2017, 4, 14), "371311")
        lanshan_later = queries.last_year_unit(s, ids["2017行动"], D(2017, 4, 15), "371302")
        new_unit = queries.last_year_unit(s, ids["2017行动"], D(2017, 4, 14), "KF01")
    assert luozhuang["date"] == D(2016, 4, 14)
    assert [luozhuang["figures"][m] for m in MEASURES] == [5, 5, 250, 5, 5, 250, 2, 2, 100]  # version 2
    assert luozhuang["figures"]["filing_rate"] == pytest.approx(2 / 5)
    assert [lanshan_later["figures"][m] for m in MEASURES] == [12, 12, 1200, 8, 8, 800, 4, 4, 400]
    assert new_unit is None  # no baseline in 2016: nothing to compare with
