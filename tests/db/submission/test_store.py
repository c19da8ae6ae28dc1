"""The append-only store on SQLite and PostgreSQL: versions, refusals that write nothing, triggers."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from db.engine import read_session, write_session
from db.models import Base, Campaign, Report, Unit
from db.submission.store import submit, submit_in
from domain.measures import MEASURES
from domain.validation import Submission, SubmissionRefused

UNIT = "371302"  # 兰山区
APRIL, MAY = dt.date(2017, 4, 1), dt.date(2017, 5, 1)
NOW = dt.datetime(2017, 5, 2, 9, 30)
TABLES = ("campaign", "unit", "unit_campaign", "report", "report_line")


def table(scale: int = 1) -> dict[str, dict[str, int]]:
    rows = {
        "single": (10, 10, 5000, 8, 8, 4000, 6, 6, 3000),
        "regional": (3, 40, 2000, 2, 30, 1500, 2, 30, 1500),
        "industry": (2, 25, 3000, 1, 20, 2500, 1, 15, 2000),
    }
    return {kind: {m: v * scale for m, v in zip(MEASURES, values, strict=True)} for kind, values in rows.items()}


@pytest.fixture
def campaign_id(preset_engine) -> int:
    with read_session(preset_engine) as s:
        return s.scalar(select(Campaign.id))


def sub(campaign_id: int, day: dt.date = APRIL, lines=None, **kw) -> Submission:
    return Submission(campaign_id, UNIT, day, table() if lines is None else lines, filled_by="张三", **kw)


def reports(engine) -> list[Report]:
    with read_session(engine) as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.code == UNIT))
        rows = s.scalars(select(Report).where(Report.unit_id == unit_id).order_by(Report.report_date, Report.version))
        return [(r, {ln.kind: {m: getattr(ln, m) for m in MEASURES} for ln in r.lines}) for r in rows]


def dump(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    out = {}
    with engine.connect() as conn:
        for name in TABLES:
            pk = ", ".join(c.name for c in Base.metadata.tables[name].primary_key.columns)
            out[name] = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {name} ORDER BY {pk}"))]
    return out


def test_sto001_valid_submission_stored_as_version_1(preset_engine, campaign_id):
    stored = submit(preset_engine, sub(campaign_id, leader="李四"), now=NOW)
    assert (stored.version, stored.warnings) == (1, [])
    [(report, lines)] = reports(preset_engine)
    assert (report.id, report.version, report.is_correction, report.report_date) == (stored.report_id, 1, False, APRIL)
    assert (report.leader, report.filled_by, report.submitted_by, report.submitted_at) == ("李四", "张三", "张三", NOW)
    assert lines == table()
    assert json.loads(report.warnings) == []


def test_sto002_second_report_same_date_refused_without_correction(preset_engine, campaign_id):
    submit(preset_engine, sub(campaign_id))
    with pytest.raises(SubmissionRefused) as refused:
        submit(preset_engine, sub(campaign_id, lines=table(2)))
    assert [e.field for e in refused.value.errors] == ["is_correction"]
    assert "2017年4月1日 的报表已经报送" in str(refused.value)
    assert len(reports(preset_engine)) == 1


def test_sto003_correction_with_reason_becomes_version_2(preset_engine, campaign_id):
    submit(preset_engine, sub(campaign_id))
    fixed = table()
    fixed["regional"]["filed_workers"] = 1_400
    stored = submit(preset_engine, sub(campaign_id, lines=fixed, is_correction=True, reason="备案数误填"))
    assert stored.version == 2
    (v1, lines1), (v2, lines2) = reports(preset_engine)
    assert (v1.version, v1.is_correction, lines1) == (1, False, table())
    assert (v2.version, v2.is_correction, v2.reason, lines2) == (2, True, "备案数误填", fixed)


def test_sto004_warnings_stored_as_json(preset_engine, campaign_id):
    submit(preset_engine, sub(campaign_id))
    grown = table()
    grown["industry"]["offer_workers"] = 9_500  # 3,000 -> 9,500: more than three times
    stored = submit(preset_engine, sub(campaign_id, MAY, grown))
    assert stored.warnings == ["行业 · 发出要约覆盖职工数 由 2017年4月1日 的 3,000 增至 9,500，增幅异常，请核实"]
    _, (report, lines) = reports(preset_engine)
    assert json.loads(report.warnings) == stored.warnings
    assert lines["industry"]["offer_workers"] == 9_500


LOWER = table() | {"regional": table()["regional"] | {"filed_workers": 1_400}}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"lines": table(2) | {"regional": table(2)["regional"] | {"offer_workers": "abc"}}}, "offer_workers"),
        ({"report_date": dt.date(2017, 7, 1)}, "report_date"),
        ({"report_date": APRIL}, "is_correction"),  # same date, not marked a correction
        ({"lines": LOWER}, "filed_workers"),  # below the 4月1日 figures
        ({"unit_code": "999999"}, "unit_code"),
        ({"campaign_id": 999}, "campaign_id"),
    ],
    ids=["bad-cell", "after-deadline", "same-date", "below-previous", "unknown-unit", "unknown-campaign"],
)
def test_sto005_refused_submission_leaves_database_unchanged(preset_engine, campaign_id, bad, field):
    submit(preset_engine, sub(campaign_id))
    before = dump(preset_engine)
    assert len(before["report"]) == 1 and len(before["report_line"]) == 3 and len(before["unit"]) == 23
    fields = {"campaign_id": campaign_id, "unit_code": UNIT, "report_date": MAY, "lines": table(2)} | bad
    with pytest.raises(SubmissionRefused) as refused:
        submit(preset_engine, Submission(**fields))
    assert [e.field for e in refused.value.errors] == [field]
    assert dump(preset_engine) == before


def test_sto006_figure_below_previous_report(preset_engine, campaign_id):
    submit(preset_engine, sub(campaign_id))
    lower = table()
    lower["single"] = table()["single"] | {"filed_copies": 5, "filed_ents": 5}
    with pytest.raises(SubmissionRefused) as refused:
        submit(preset_engine, sub(campaign_id, MAY, lower))
    assert "单独开展企业 · 审查备案数 5 低于 2017年4月1日 报送的 6" in str(refused.value)
    with pytest.raises(SubmissionRefused):
        submit(preset_engine, sub(campaign_id, MAY, lower, is_correction=True))  # no reason
    stored = submit(preset_engine, sub(campaign_id, MAY, lower, is_correction=True, reason="重复备案一家"))
    assert stored.version == 1  # the first report for 5月1日
    assert [r.report_date for r, _ in reports(preset_engine)] == [APRIL, MAY]


def test_sto006b_back_dated_report_above_a_later_one_is_refused(preset_engine, campaign_id):
    """A 4月14日 report entered after the 4月21日 one, with larger figures, is refused naming 4月21日."""
    april_14, april_21 = dt.date(2017, 4, 14), dt.date(2017, 4, 21)
    submit(preset_engine, sub(campaign_id, april_21))
    before = dump(preset_engine)
    with pytest.raises(SubmissionRefused) as refused:
        submit(preset_engine, sub(campaign_id, april_14, table(2)))
    assert "单独开展企业 · 发出要约书份数 20 高于 2017年4月21日 报送的 10" in str(refused.value)
    assert dump(preset_engine) == before
    stored = submit(preset_engine, sub(campaign_id, april_14, table(2), is_correction=True, reason="4月21日漏报"))
    assert stored.version == 1 and any("高于 2017年4月21日 报送的 10" in w for w in stored.warnings)
    assert [r.report_date for r, _ in reports(preset_engine)] == [april_14, april_21]


def test_sto006c_validation_context_carries_the_next_report(preset_engine, campaign_id):
    from db.submission.store import validation_context

    submit(preset_engine, sub(campaign_id, APRIL))
    submit(preset_engine, sub(campaign_id, MAY, table(2)))
    with read_session(preset_engine) as s:
        ctx = validation_context(s, campaign_id, UNIT, dt.date(2017, 4, 15))
        last = validation_context(s, campaign_id, UNIT, dt.date(2017, 5, 15))
    assert (ctx.previous_date, ctx.previous, ctx.next_date, ctx.next) == (APRIL, table(), MAY, table(2))
    assert (last.previous_date, last.next_date, last.next) == (MAY, None, None)


@pytest.mark.parametrize("table_name", ["report", "report_line"])
@pytest.mark.parametrize(
    "statement",
    ["UPDATE {table} SET report_id = report_id", "DELETE FROM {table}"],
    ids=["update", "delete"],
)
def test_sto007_append_only_triggers(preset_engine, campaign_id, table_name, statement):
    submit(preset_engine, sub(campaign_id))
    before = dump(preset_engine)
    sql = statement.format(table=table_name)
    if table_name == "report":
        sql = sql.replace("report_id = report_id", "reason = 'changed'")
    with pytest.raises(DBAPIError, match="只可追加"), preset_engine.begin() as conn:
        conn.execute(text(sql))
    assert dump(preset_engine) == before


def test_sto008_concurrent_submissions_for_one_unit_are_serialised(preset_engine, campaign_id):
    """A report validated while another for the same unit is uncommitted must see it once it commits."""
    submit(preset_engine, sub(campaign_id))  # 4月1日
    mid_april = table(2)
    result: dict[str, object] = {}

    def late_report():  # 5月1日 figures below 4月15日's (pending) but above 4月1日's
        try:
            result["stored"] = submit(preset_engine, sub(campaign_id, MAY, table()))
        except SubmissionRefused as exc:
            result["refused"] = exc

    with write_session(preset_engine) as session:
        submit_in(session, sub(campaign_id, dt.date(2017, 4, 15), mid_april))
        other = threading.Thread(target=late_report)
        other.start()
        other.join(timeout=1.0)
        assert other.is_alive(), "the second submission did not wait for the first"
    other.join(timeout=20)
    assert "stored" not in result
    assert "低于 2017年4月15日 报送的" in str(result["refused"])


def test_sto010_one_preview_confirmed_five_times_at_once_stores_one_version(preset_engine, campaign_id):
    """A double click or a replay of one signed preview: its nonce is stored with the version, once."""
    from db.submission.preview import PreviewRefused
    from db.submission.store import submit_audited

    submit(preset_engine, sub(campaign_id))
    correction = sub(campaign_id, lines=table(2), is_correction=True, reason="漏报")
    barrier, outcomes = threading.Barrier(5), []

    def confirm():
        barrier.wait()
        try:
            outcomes.append(submit_audited(preset_engine, correction, "张三", preview_nonce="a1b2c3"))
        except PreviewRefused as exc:
            outcomes.append(exc.message)

    threads = [threading.Thread(target=confirm) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [r.version for r, _ in reports(preset_engine)] == [1, 2]
    assert sorted(map(str, outcomes)).count("该预览已提交，请勿重复确认") == 4
    before = dump(preset_engine)
    with pytest.raises(PreviewRefused, match="该预览已提交，请勿重复确认"):
        submit_audited(preset_engine, correction, "张三", preview_nonce="a1b2c3")  # a replay, later
    assert dump(preset_engine) == before
    assert submit_audited(preset_engine, correction, "张三", preview_nonce="d4e5f6").version == 3  # a new preview
