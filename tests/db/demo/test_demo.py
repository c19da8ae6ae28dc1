"""build_demo(): the synthetic 2017 campaign, submitted through validation (codes DEMO001...)."""

from __future__ import annotations

import datetime as dt
import json
from typing import NamedTuple

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from db.admin.presets import read_preset
from db.demo import DEMO_CREATED_AT, DEMO_NAME, FINAL, PREVIOUS_NAME, PROFILES, build_demo
from db.engine import make_engine, read_session, write_session
from db.migrate import upgrade
from db.models import Campaign, Report, ReportLine, Unit, UnitCampaign
from db.submission.store import submit
from domain.measures import LINE_KINDS, MEASURES, SINGLE, STAGES, measure
from domain.validation import Submission

PRESET_CODES = {u["code"] for u in read_preset()["units"]}
NEVER = "KF03"  # 临港经济开发区, the unit that never reports


class Row(NamedTuple):
    """One stored demo report version, without database ids."""

    unit: str
    report_date: dt.date
    version: int
    leader: str
    filled_by: str
    filled_on: dt.date
    submitted_at: dt.datetime
    submitted_by: str
    source: str
    is_correction: bool
    reason: str
    warnings: tuple[str, ...]
    lines: tuple[tuple[str, tuple[int, ...]], ...]  # (kind, the nine measures)

    @property
    def figures(self) -> dict[str, dict[str, int]]:
        return {kind: dict(zip(MEASURES, values, strict=True)) for kind, values in self.lines}


def report_rows(engine, name: str = DEMO_NAME) -> list[Row]:
    with read_session(engine) as s:
        reports = s.scalars(
            select(Report)
            .join(Campaign, Campaign.id == Report.campaign_id)
            .where(Campaign.name == name)
            .order_by(Report.unit_id, Report.report_date, Report.version)
        ).all()
        codes = dict(s.execute(select(Unit.id, Unit.code)).all())
        return [
            Row(
                codes[r.unit_id],
                r.report_date,
                r.version,
                r.leader,
                r.filled_by,
                r.filled_on,
                r.submitted_at,
                r.submitted_by,
                r.source,
                r.is_correction,
                r.reason,
                # store.current_figures reads the previous lines without ORDER BY, so the order of
                # warnings can differ between backends; their content may not.
                tuple(sorted(json.loads(r.warnings))),
                tuple((ln.kind, tuple(getattr(ln, m) for m in MEASURES)) for ln in r.lines),
            )
            for r in reports
        ]


def current(engine) -> dict[str, list[tuple[dt.date, dict[str, dict[str, int]]]]]:
    """unit code -> [(report date, figures of its latest version)] in date order."""
    latest: dict[tuple[str, dt.date], Row] = {}
    for row in report_rows(engine):  # ordered by version, so the last one wins
        latest[(row.unit, row.report_date)] = row
    out: dict[str, list] = {}
    for (code, day), row in sorted(latest.items()):
        out.setdefault(code, []).append((day, row.figures))
    return out


def targets(engine) -> dict[str, int]:
    with read_session(engine) as s:
        return dict(
            s.execute(
                select(Unit.code, UnitCampaign.target_ents)
                .join(UnitCampaign, UnitCampaign.unit_id == Unit.id)
                .join(Campaign, Campaign.id == UnitCampaign.campaign_id)
                .where(Campaign.name == DEMO_NAME)
            ).all()
        )


def total(figures: dict, m: str) -> int:
    return sum(figures[kind][m] for kind in LINE_KINDS)


def test_demo001_builds_through_validation(preset_engine):
    summary = build_demo(preset_engine)
    assert summary.built
    assert summary.seconds < 30  # a few seconds in practice; this only catches a pathological slowdown
    rows = report_rows(preset_engine)
    assert summary.versions == len(rows) > 250
    assert summary.reports == len({(r.unit, r.report_date) for r in rows})
    assert summary.corrections == sum(r.version > 1 for r in rows)
    assert {r.source for r in rows} == {"demo"}
    assert all(r.leader and r.filled_by and r.submitted_by for r in rows)
    with read_session(preset_engine) as s:
        campaign = s.get(Campaign, summary.campaign_id)
        assert campaign.name == DEMO_NAME and campaign.is_demo
        assert campaign.created_at == DEMO_CREATED_AT
        assert s.scalar(select(func.count(Campaign.id)).where(Campaign.is_demo.is_(False))) == 1  # untouched
    assert str(summary).startswith("已生成演示数据")


def test_demo002_deterministic_across_databases(preset_engine, tmp_path):
    build_demo(preset_engine)
    # A second, bare database (no preset loaded beforehand): SQLite, so also another backend on PostgreSQL.
    other = make_engine(f"sqlite:///{tmp_path / 'second.db'}")
    upgrade(other)
    try:
        build_demo(other)
        assert report_rows(other) == report_rows(preset_engine)
        assert report_rows(other, PREVIOUS_NAME) == report_rows(preset_engine, PREVIOUS_NAME) != []  # 2016 too
    finally:
        other.dispose()


def test_demo003_every_unit_reports_but_one(preset_engine):
    summary = build_demo(preset_engine)
    assert summary.never_reported == (NEVER,)
    assert set(current(preset_engine)) == PRESET_CODES - {NEVER}


def cells(row: Row) -> dict[tuple[str, str], int]:
    return {(kind, m): v for kind, values in row.figures.items() for m, v in values.items()}


def test_demo004_corrections_are_second_versions_with_reasons(preset_engine):
    summary = build_demo(preset_engine)
    rows = report_rows(preset_engine)
    by_key = {(r.unit, r.report_date, r.version): r for r in rows}
    fixes = [r for r in rows if r.version > 1]
    assert summary.corrections == len(fixes) == 4
    assert len({r.unit for r in fixes}) == 4  # four different units
    for fix in fixes:
        first = by_key[(fix.unit, fix.report_date, 1)]
        assert fix.version == 2 and fix.is_correction and fix.reason.strip()
        assert not first.is_correction and first.reason == ""
        assert fix.submitted_at > first.submitted_at
        before, after = cells(first), cells(fix)
        changed = [cell for cell in after if after[cell] != before[cell]]
        assert len(changed) == 1 and after[changed[0]] > before[changed[0]]  # one figure, raised


def test_demo005_rules_hold_and_cumulative_figures_never_fall(preset_engine):
    build_demo(preset_engine)
    for code, reports in current(preset_engine).items():
        previous = None
        for day, figures in reports:
            for kind in LINE_KINDS:
                row = figures[kind]
                for stage in STAGES:
                    ents, workers = row[measure(stage, "ents")], row[measure(stage, "workers")]
                    assert workers >= ents and (workers > 0 or ents == 0), (code, day, kind, stage)
                    if kind == SINGLE:
                        assert row[measure(stage, "copies")] == ents
                for part in ("copies", "ents", "workers"):
                    assert row[measure("filed", part)] <= row[measure("signed", part)] <= row[measure("offer", part)]
                if previous is not None:
                    assert all(row[m] >= previous[kind][m] for m in MEASURES), (code, day, kind)
            previous = figures


def test_demo006_report_dates_and_lateness(preset_engine):
    build_demo(preset_engine)
    rows = report_rows(preset_engine)
    for r in rows:
        assert dt.date(2017, 3, 3) <= r.report_date <= FINAL
        if r.report_date != FINAL:
            assert r.report_date.weekday() in (4, 5, 0, 1)  # a Friday, or dated one to four days late
        if r.version == 1:
            assert 1 <= (r.filled_on - r.report_date).days <= 3
        assert r.submitted_at.date() == r.filled_on
    assert sum(r.report_date.weekday() in (5, 0, 1) for r in rows) > 10  # some dated late
    finals = {r.unit for r in rows if r.report_date == FINAL}
    assert finals == PRESET_CODES - {NEVER, "371326"}  # 平邑县 stopped in mid-May


def test_demo007_lagging_units_show_their_story(preset_engine):
    build_demo(preset_engine)
    reports, target = current(preset_engine), targets(preset_engine)
    final = {code: days[-1][1] for code, days in reports.items()}

    # 蒙阴县: clearly behind, below 60% of its target at the cut-off.
    assert total(final["371328"], "signed_ents") < 0.6 * target["371328"]

    # 兰陵县: signs plenty but files few.
    def filing_rate(code: str) -> float:
        return total(final[code], "filed_copies") / total(final[code], "signed_copies")

    assert total(final["371324"], "signed_ents") >= target["371324"]
    assert filing_rate("371324") < 0.5
    assert all(filing_rate(code) > 0.7 for code in final if code not in PROFILES)
    # 平邑县: nothing after mid-May.
    assert max(day for day, _ in reports["371326"]) < dt.date(2017, 5, 19)
    assert len(reports["371326"]) >= 5
    # 中直省直驻临单位: two reports in all.
    assert [day for day, _ in reports["SZ05"]] == [dt.date(2017, 4, 7), FINAL]
    # 沂水县: mostly dated late.
    assert sum(day.weekday() != 4 for day, _ in reports["371323"][:-1]) >= len(reports["371323"]) // 2


def test_demo008_normal_units_reach_target_with_plausible_sizes(preset_engine):
    build_demo(preset_engine)
    reports, target = current(preset_engine), targets(preset_engine)
    normal = [code for code in reports if code not in PROFILES]
    assert len(normal) >= 15
    for code in normal:
        final = reports[code][-1][1]
        assert 0.9 * target[code] <= total(final, "signed_ents") <= 1.6 * target[code], code
    city = sum(total(days[-1][1], "signed_ents") for days in reports.values())
    assert 0.8 * sum(target.values()) <= city <= 1.3 * sum(target.values())
    lanshan = reports["371302"][-1][1]
    assert 20 <= lanshan["regional"]["signed_ents"] / lanshan["regional"]["signed_copies"] <= 80
    assert 10 <= lanshan["industry"]["signed_ents"] / lanshan["industry"]["signed_copies"] <= 50
    assert 15 <= lanshan["regional"]["signed_workers"] / lanshan["regional"]["signed_ents"] <= 60
    assert 80 <= lanshan["single"]["signed_workers"] / lanshan["single"]["signed_ents"] <= 400
    mines = reports["SZ02"][-1][1]["single"]
    assert mines["signed_ents"] < 50 and mines["signed_workers"] / mines["signed_ents"] >= 500
    # Offers are sent before contracts are signed: the first report with signatures comes later.
    first_offer = next(day for day, f in reports["371302"] if total(f, "offer_copies"))
    first_signed = next(day for day, f in reports["371302"] if total(f, "signed_copies"))
    assert first_signed > first_offer


def test_demo009_second_call_without_reset_writes_nothing(preset_engine):
    first = build_demo(preset_engine)
    before = report_rows(preset_engine)
    again = build_demo(preset_engine, seed=1)  # even with another seed: the demo exists, leave it
    assert again.built is False
    assert (again.campaign_id, again.reports, again.versions, again.corrections) == (
        first.campaign_id,
        first.reports,
        first.versions,
        first.corrections,
    )
    assert report_rows(preset_engine) == before
    assert "未重复生成" in str(again)


def real_report(engine) -> None:
    with read_session(engine) as s:
        real = s.scalar(select(Campaign.id).where(Campaign.is_demo.is_(False)))
    lines = {kind: dict.fromkeys(MEASURES, 0) for kind in LINE_KINDS}
    lines[SINGLE].update(offer_copies=3, offer_ents=3, offer_workers=600)
    submit(engine, Submission(real, "371302", dt.date(2017, 3, 10), lines, filled_by="张三"))


def report_count(engine, *, demo: bool) -> int:
    with read_session(engine) as s:
        return s.scalar(
            select(func.count(Report.id))
            .join(Campaign, Campaign.id == Report.campaign_id)
            .where(Campaign.is_demo.is_(demo))
        )


def test_demo010_reset_rebuilds_only_the_demo(preset_engine):
    real_report(preset_engine)
    first = build_demo(preset_engine)
    rows, previous_rows = report_rows(preset_engine), report_rows(preset_engine, PREVIOUS_NAME)
    for _ in range(2):  # idempotent
        again = build_demo(preset_engine, reset=True)
        assert again.built and (again.reports, again.versions) == (first.reports, first.versions)
        assert report_rows(preset_engine) == rows
        assert report_rows(preset_engine, PREVIOUS_NAME) == previous_rows
        assert report_count(preset_engine, demo=False) == 1  # the real report survived
    with read_session(preset_engine) as s:
        assert s.scalar(select(func.count(Campaign.id)).where(Campaign.name == DEMO_NAME)) == 1
        assert s.scalar(select(func.count(Campaign.id)).where(Campaign.name == PREVIOUS_NAME)) == 1
        # one set of baselines per campaign (the real 2017, the demo 2017 and 2016), nothing orphaned
        assert s.scalar(select(func.count()).select_from(UnitCampaign)) == 3 * len(PRESET_CODES)
        assert s.scalar(select(func.count()).select_from(ReportLine)) == 3 * report_count(preset_engine, demo=True) + 3


def test_demo011_append_only_triggers_survive_reset(preset_engine):
    build_demo(preset_engine)
    build_demo(preset_engine, reset=True)  # lifts the triggers inside its own transaction only
    for statement in ("DELETE FROM report_line", "DELETE FROM report", "UPDATE report SET reason = 'x'"):
        with pytest.raises(DBAPIError), write_session(preset_engine) as s:
            s.execute(text(statement))
    assert report_count(preset_engine, demo=True) > 0


def test_demo012_reset_on_a_bare_database(engine):
    summary = build_demo(engine, reset=True)
    assert summary.built and summary.never_reported == (NEVER,)
    assert report_count(engine, demo=False) == 0


def test_demo020_a_2016_campaign_for_same_day_comparison(preset_engine):
    """同期: a 2016 demo campaign, same units, one year earlier, somewhat lower; 2017 stays the default."""
    from db import queries

    summary = build_demo(preset_engine)
    assert summary.previous_id is not None and summary.previous_id > summary.campaign_id  # 2017 keeps its id
    assert f"2016 年同期对比行动编号 {summary.previous_id}（报表 {summary.previous_reports} 份）" in str(summary)
    rows = report_rows(preset_engine, PREVIOUS_NAME)
    assert summary.previous_reports == len({(r.unit, r.report_date) for r in rows}) > 250
    assert {r.source for r in rows} == {"demo"} and not any(r.is_correction for r in rows)
    assert all(dt.date(2016, 3, 1) <= r.report_date <= dt.date(2016, 5, 31) for r in rows)
    assert {r.unit for r in rows} == PRESET_CODES - {NEVER}  # the same units, the same one silent
    with read_session(preset_engine) as s:
        c = s.get(Campaign, summary.previous_id)
        assert (c.name, c.year, c.is_demo) == (PREVIOUS_NAME, 2016, True)
        assert (c.window_start, c.window_end, c.cutoff_date, c.deadline) == (
            dt.date(2016, 3, 1), dt.date(2016, 5, 31), dt.date(2016, 5, 31), dt.date(2016, 6, 10))
        assert {code for (code,) in s.execute(select(Unit.code).join(UnitCampaign, UnitCampaign.unit_id == Unit.id)
                                              .where(UnitCampaign.campaign_id == c.id))} == PRESET_CODES
        campaigns = queries.campaigns(s)
        assert queries.default_campaign(campaigns)["id"] == summary.campaign_id  # 2017 is still the default
        assert queries.previous_campaign(s, summary.campaign_id)["id"] == summary.previous_id
        then = queries.city_metrics(s, summary.previous_id, dt.date(2016, 5, 31))
        now = queries.city_metrics(s, summary.campaign_id, FINAL)
        same_day = queries.last_year_city(s, summary.campaign_id, dt.date(2017, 4, 14))
    assert same_day["date"] == dt.date(2016, 4, 14) and 0 < same_day["figures"]["offer_copies"]
    for m in ("offer_copies", "signed_ents", "filed_copies"):  # somewhat lower, not another scale
        assert 0.7 * now[m] < then[m] < now[m], m
