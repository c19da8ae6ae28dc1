"""report_total (migration 0011): each report's lines summed by a database trigger, whatever wrote them.

The roll-ups read it instead of summing report_line, so a wrong or missing row would change every
figure: checked here against the lines themselves for each way lines are written.
"""

import datetime as dt

from sqlalchemy import func, insert, select

from db.engine import read_session, write_session
from db.migrate import downgrade, upgrade
from db.models import Campaign, Report, ReportLine, ReportTotal, Unit
from domain.measures import MEASURES

D = dt.date


def _campaign_and_unit(s) -> tuple[int, int]:
    c = Campaign(name="合计行动", year=2017, window_start=D(2017, 3, 1), window_end=D(2017, 5, 31),
                 cutoff_date=D(2017, 5, 31), deadline=D(2017, 6, 10), is_demo=True, created_at=dt.datetime(2017, 3, 1))
    u = Unit(code="T01", name="测试区", kind="县区", sort_order=0)
    s.add_all([c, u])
    s.flush()
    return c.id, u.id


def _report(s, cid: int, uid: int, day: int, version: int = 1) -> int:
    r = Report(campaign_id=cid, unit_id=uid, report_date=D(2017, 3, day), version=version, leader="", filled_by="",
               submitted_at=dt.datetime(2017, 3, 20), submitted_by="测试", source="cli", is_correction=version > 1,
               reason="", warnings="[]")
    s.add(r)
    s.flush()
    return r.id


def _line_sums(s) -> dict[int, tuple]:
    stmt = select(ReportLine.report_id, *[func.sum(getattr(ReportLine, m)) for m in MEASURES]).group_by(ReportLine.report_id)
    return {rid: tuple(v) for rid, *v in s.execute(stmt)}


def _totals(s) -> dict[int, tuple]:
    """Per report with lines, its row's measures; every report has a row with its own key."""
    keys = s.execute(select(Report.id, Report.campaign_id, Report.unit_id, Report.report_date, Report.version)
                     .order_by(Report.id)).all()
    rows = s.execute(select(ReportTotal.report_id, ReportTotal.campaign_id, ReportTotal.unit_id,
                            ReportTotal.report_date, ReportTotal.version, *[getattr(ReportTotal, m) for m in MEASURES])
                     .order_by(ReportTotal.report_id)).all()
    assert [tuple(r[:5]) for r in rows] == [tuple(k) for k in keys]
    with_lines = set(s.scalars(select(ReportLine.report_id)))
    assert all(tuple(r[5:]) == (0,) * len(MEASURES) for r in rows if r[0] not in with_lines)
    return {r[0]: tuple(r[5:]) for r in rows if r[0] in with_lines}


def test_tot001_orm_and_bulk_inserts_are_summed_per_report(engine):
    with write_session(engine) as s:
        cid, uid = _campaign_and_unit(s)
        a = _report(s, cid, uid, 10)
        for i, kind in enumerate(("single", "regional", "industry")):
            s.add(ReportLine(report_id=a, kind=kind, **{m: (i + 1) * (j + 1) for j, m in enumerate(MEASURES)}))
        b = _report(s, cid, uid, 17)
        s.execute(insert(ReportLine), [{"report_id": b, "kind": k, **dict.fromkeys(MEASURES, n)}
                                       for k, n in (("single", 7), ("regional", 0), ("industry", 5))])
        _report(s, cid, uid, 24)  # no lines: a row of zeros (checked in _totals)
    with read_session(engine) as s:
        totals = _totals(s)
        assert totals == _line_sums(s)
    # by hand: report a has lines (1..9), (2..18), (3..27): each measure j sums to 6 * (j + 1)
    assert totals[a] == tuple(6 * (j + 1) for j in range(len(MEASURES)))
    assert totals[b] == (12,) * len(MEASURES)
    assert len(totals) == 2


def test_tot002_the_migration_sums_the_lines_already_written(engine):
    downgrade(engine, "0010")
    with write_session(engine) as s:
        cid, uid = _campaign_and_unit(s)
        rid = _report(s, cid, uid, 10)
        s.execute(insert(ReportLine), [{"report_id": rid, "kind": k, **dict.fromkeys(MEASURES, 4)}
                                       for k in ("single", "regional", "industry")])
    upgrade(engine)
    with read_session(engine) as s:
        assert _totals(s) == {rid: (12,) * len(MEASURES)}


def test_tot003_the_demo_reset_takes_the_totals_with_the_reports(engine):
    from db.demo import build_demo

    build_demo(engine)
    with read_session(engine) as s:
        assert _totals(s) == _line_sums(s) and len(_totals(s)) > 100
    build_demo(engine, reset=True)
    with read_session(engine) as s:
        reports = s.scalar(select(func.count()).select_from(Report))
        assert _totals(s) == _line_sums(s) and len(_totals(s)) == reports
