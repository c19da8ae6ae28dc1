"""validate(): one failing and one passing case for every rule (codes as in domain/validation.py)."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

import pytest

from domain.measures import LINE_KINDS, MEASURES
from domain.validation import MAX_WORKERS_PER_ENT, Context, Submission, parse_count, validate

START, DEADLINE = dt.date(2017, 3, 1), dt.date(2017, 6, 10)
DAY = dt.date(2017, 4, 15)


def table() -> dict[str, dict[str, object]]:
    """A consistent table: passes every rule."""
    rows = {
        "single": (10, 10, 5000, 8, 8, 4000, 6, 6, 3000),
        "regional": (3, 40, 2000, 2, 30, 1500, 2, 30, 1500),
        "industry": (2, 25, 3000, 1, 20, 2500, 1, 15, 2000),
    }
    return {kind: dict(zip(MEASURES, values, strict=True)) for kind, values in rows.items()}


def sub(lines=None, **kw) -> Submission:
    fields = {"campaign_id": 1, "unit_code": "371302", "report_date": DAY, "lines": table() if lines is None else lines}
    return Submission(**(fields | kw))


def ctx(**kw) -> Context:
    return Context(**({"window_start": START, "deadline": DEADLINE} | kw))


def with_cell(kind: str, **values) -> dict:
    lines = table()
    lines[kind].update(values)
    return lines


def messages(issues) -> str:
    return "\n".join(i.message for i in issues)


def test_val000_consistent_table_passes():
    result = validate(sub(), ctx())
    assert result.ok and result.errors == [] and result.warnings == []
    assert result.figures == table()


# VAL001: every cell a non-negative integer; blank means 0.


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (None, 0),
        ("", 0),
        ("  ", 0),
        (7, 7),
        ("1,234", 1234),
        (" 12 345 ", 12345),
        ("１２３", 123),
        ("１，２３４", 1234),
        (12.0, 12),
        ("12.0", 12),
        (Decimal("5.00"), 5),
    ],
)
def test_val001_accepted_forms(raw, value):
    assert parse_count(raw) == value


def test_val001_blank_and_missing_cells_count_as_zero():
    lines = {"regional": {"offer_copies": "", "offer_ents": None}}  # everything else missing
    result = validate(sub(lines), ctx())
    assert result.ok, messages(result.errors)
    assert set(result.figures) == set(LINE_KINDS)
    assert all(result.figures[k] == dict.fromkeys(MEASURES, 0) for k in LINE_KINDS)


def test_val001_excel_and_text_values_are_cleaned():
    lines = with_cell("regional", offer_workers="2,000", signed_workers=1500.0, filed_workers="１５００")
    result = validate(sub(lines), ctx())
    assert result.ok, messages(result.errors)
    assert result.figures["regional"]["offer_workers"] == 2000
    assert result.figures["regional"]["filed_workers"] == 1500


@pytest.mark.parametrize("raw", ["abc", -3, "-3", 1.5, "1.5", True, "12,34", float("nan"), [1]])
def test_val001_not_a_non_negative_integer(raw):
    result = validate(sub(with_cell("regional", offer_workers=raw)), ctx())
    assert len(result.errors) == 1, messages(result.errors)  # cross-checks skip the bad cell
    issue = result.errors[0]
    assert (issue.line, issue.field) == ("regional", "offer_workers")
    assert issue.message == f"区域 · 发出要约覆盖职工数：“{raw}” 不是非负整数"
    assert result.figures["regional"]["offer_workers"] == 0


def test_val001_too_large_for_the_column():
    result = validate(sub(with_cell("industry", offer_workers=3_000_000_000)), ctx())
    assert messages(result.errors) == "行业 · 发出要约覆盖职工数：3,000,000,000 超出允许范围"


# VAL002: no unknown kinds or measures.


def test_val002_unknown_kind_and_measure():
    lines = table() | {"total": {}}
    lines["industry"]["offer_wrokers"] = 5
    result = validate(sub(lines), ctx())
    assert [(i.line, i.field) for i in result.errors] == [(None, "lines"), ("industry", "offer_wrokers")]
    assert "未知的统计行“total”" in result.errors[0].message
    assert result.errors[1].message == "行业 · 未知的统计项“offer_wrokers”"


def test_val002_known_keys_pass():
    assert validate(sub({"single": {"offer_copies": 1, "offer_ents": 1, "offer_workers": 9}}), ctx()).ok


# VAL003: unit code filled in.


@pytest.mark.parametrize("code", ["", "   "])
def test_val003_unit_code_missing(code):
    result = validate(sub(unit_code=code), ctx())
    assert [(i.field, i.message) for i in result.errors] == [("unit_code", "未填写单位代码")]


def test_val003_unit_code_present():
    assert validate(sub(unit_code="KF01"), ctx()).ok


# VAL004: report date inside the campaign.


@pytest.mark.parametrize("day, message", [
    (dt.date(2017, 2, 28), "报送日期 2017年2月28日 早于行动开始（2017年3月1日）"),
    (dt.date(2017, 6, 11), "报送日期 2017年6月11日 晚于报送截止（2017年6月10日）"),
])
def test_val004_report_date_outside_campaign(day, message):
    result = validate(sub(report_date=day), ctx())
    assert [i.field for i in result.errors] == ["report_date"]
    assert result.errors[0].message == message


def test_val004_message_names_the_action_period_not_start_to_deadline():
    full = ctx(window_end=dt.date(2017, 5, 31), cutoff_date=dt.date(2017, 5, 31))
    message = validate(sub(report_date=dt.date(2017, 7, 1)), full).errors[0].message
    assert message == ("报送日期 2017年7月1日 晚于报送截止（2017年6月10日）：行动期间为 2017年3月1日 至 2017年5月31日，"
                       "数据统计截至 2017年5月31日，报送截止 2017年6月10日")
    assert "至 2017年6月10日" not in message


@pytest.mark.parametrize("day", [START, DEADLINE])
def test_val004_report_date_on_the_bounds(day):
    assert validate(sub(report_date=day), ctx()).ok


# VAL005: corrections carry a reason; a second report for the same date must be a correction.


def test_val005_same_date_without_correction():
    result = validate(sub(), ctx(has_same_date=True))
    assert [i.field for i in result.errors] == ["is_correction"]
    assert "2017年4月15日 的报表已经报送" in result.errors[0].message
    assert "更正原因" in result.errors[0].message


@pytest.mark.parametrize("same_date", [True, False])
@pytest.mark.parametrize("reason", ["", "  "])
def test_val005_correction_without_reason(same_date, reason):
    result = validate(sub(is_correction=True, reason=reason), ctx(has_same_date=same_date))
    assert [(i.field, i.message) for i in result.errors] == [("reason", "更正报送须填写更正原因")]


def test_val005_correction_with_reason():
    assert validate(sub(is_correction=True, reason="行业数据重复统计"), ctx(has_same_date=True)).ok


# VAL006: 单独开展企业, one copy per enterprise.


def test_val006_single_copies_differ_from_enterprises():
    result = validate(sub(with_cell("single", signed_copies=9)), ctx())
    assert [(i.line, i.field) for i in result.errors] == [("single", "signed_copies")]
    assert result.errors[0].message == (
        "单独开展企业 · 签订工资专项集体合同份数 9 与 签订合同覆盖企业数 8 不相等（单独开展企业每家一份）"
    )


def test_val006_copies_equal_enterprises_and_other_lines_free():
    lines = with_cell("single", filed_copies=1, filed_ents=1)
    assert lines["regional"]["offer_copies"] != lines["regional"]["offer_ents"]
    assert validate(sub(lines), ctx()).ok


# VAL007: signed <= offered, filed <= signed.


def test_val007_signed_above_offered():
    result = validate(sub(with_cell("regional", offer_workers=11_000, signed_workers=22_874)), ctx())
    assert [(i.line, i.field) for i in result.errors] == [("regional", "signed_workers")]
    assert result.errors[0].message == "区域 · 签订合同覆盖职工数 22,874 大于 发出要约覆盖职工数 11,000"


def test_val007_filed_above_signed():
    result = validate(sub(with_cell("industry", filed_ents=21)), ctx())
    assert messages(result.errors) == "行业 · 审查备案覆盖企业数 21 大于 签订合同覆盖企业数 20"


def test_val007_equal_stages_pass():
    lines = with_cell("industry", offer_copies=1, signed_copies=1, filed_copies=1)
    assert validate(sub(lines), ctx()).ok


# VAL008: workers >= enterprises, and > 0 when there are enterprises.


def test_val008_fewer_workers_than_enterprises():
    result = validate(sub(with_cell("regional", filed_workers=1_200, filed_ents=1_500, signed_ents=1_500,
                                    offer_ents=1_500, signed_workers=1_500)), ctx())
    assert messages(result.errors) == "区域 · 审查备案覆盖职工数 1,200 小于 审查备案覆盖企业数 1,500"
    assert result.errors[0].field == "filed_workers"


def test_val008_enterprises_without_workers():
    result = validate(sub({"industry": {"offer_copies": 1, "offer_ents": 4}}), ctx())
    assert messages(result.errors) == "行业 · 发出要约覆盖职工数 为 0，但 发出要约覆盖企业数 为 4"


def test_val008_one_worker_per_enterprise_and_empty_rows_pass():
    lines = {"regional": {"offer_copies": 1, "offer_ents": 4, "offer_workers": 4}}
    assert validate(sub(lines), ctx()).ok


# VAL009: cumulative, not below the previous report unless a correction with a reason.


def previous_ctx(**kw) -> Context:
    before = copy.deepcopy(table())
    before["regional"]["signed_workers"] = 1_600
    return ctx(previous=before, previous_date=dt.date(2017, 4, 1), **kw)


def test_val009_figure_below_previous_report():
    result = validate(sub(), previous_ctx())
    assert [(i.line, i.field) for i in result.errors] == [("regional", "signed_workers")]
    message = result.errors[0].message
    assert message.startswith("区域 · 签订合同覆盖职工数 1,500 低于 2017年4月1日 报送的 1,600")


def test_val009_correction_without_reason_is_still_refused():
    result = validate(sub(is_correction=True), previous_ctx())
    assert [i.field for i in result.errors] == ["reason", "signed_workers"]


def test_val009_correction_with_reason_may_lower():
    assert validate(sub(is_correction=True, reason="4月1日误将备案数填入签订数"), previous_ctx()).ok


def test_val009_equal_or_higher_than_previous():
    assert validate(sub(), ctx(previous=table(), previous_date=dt.date(2017, 4, 1))).ok


def next_ctx(**kw) -> Context:
    """A later report (4月21日) whose 区域 · 签订合同覆盖职工数 is below this 4月15日 table's 1,500."""
    after = copy.deepcopy(table())
    after["regional"]["signed_workers"] = 1_400
    return ctx(next=after, next_date=dt.date(2017, 4, 21), **kw)


def test_val009_back_dated_report_above_the_next_report_is_refused():
    result = validate(sub(), next_ctx())
    assert [(i.line, i.field) for i in result.errors] == [("regional", "signed_workers")]
    message = result.errors[0].message
    assert message.startswith("区域 · 签订合同覆盖职工数 1,500 高于 2017年4月21日 报送的 1,400")


def test_val009_checks_both_neighbours():
    before = copy.deepcopy(table())
    before["single"]["offer_workers"] = 5_001
    result = validate(sub(), next_ctx(previous=before, previous_date=dt.date(2017, 4, 1)))
    assert [(i.line, i.field) for i in result.errors] == [("single", "offer_workers"), ("regional", "signed_workers")]
    assert "低于 2017年4月1日" in result.errors[0].message and "高于 2017年4月21日" in result.errors[1].message


def test_val009_between_neighbours_passes():
    assert validate(sub(), ctx(previous=table(), previous_date=dt.date(2017, 4, 1), next=table(),
                               next_date=dt.date(2017, 4, 21))).ok


def test_val009_correction_with_reason_above_the_next_report_is_stored_with_a_warning():
    result = validate(sub(is_correction=True, reason="4月15日漏报一个区域"), next_ctx())
    assert result.ok
    assert [(i.line, i.field) for i in result.warnings] == [("regional", "signed_workers")]
    assert result.warnings[0].message.startswith("区域 · 签订合同覆盖职工数 1,500 高于 2017年4月21日 报送的 1,400")


def test_val009_correction_with_reason_below_the_previous_report_is_stored_with_a_warning():
    result = validate(sub(is_correction=True, reason="4月1日误将备案数填入签订数"), previous_ctx())
    assert result.ok and [i.field for i in result.warnings] == ["signed_workers"]
    assert "低于 2017年4月1日 报送的 1,600" in result.warnings[0].message


# VAL010: 填报时间 not before the campaign.


def test_val010_filled_on_before_campaign():
    result = validate(sub(filled_on=dt.date(2017, 2, 20)), ctx())
    assert [(i.field, i.message) for i in result.errors] == [
        ("filled_on", "填报时间 2017年2月20日 早于行动开始日期 2017年3月1日")
    ]


@pytest.mark.parametrize("filled_on", [None, START, dt.date(2017, 6, 12)])
def test_val010_filled_on_fine(filled_on):
    assert validate(sub(filled_on=filled_on), ctx()).ok


# VAL011 (warning): implausible jump since the previous report.


def test_val011_jump_is_a_warning():
    before = copy.deepcopy(table())
    before["industry"]["offer_workers"] = 900
    result = validate(sub(), ctx(previous=before, previous_date=dt.date(2017, 4, 1)))
    assert result.ok
    assert [(i.line, i.field) for i in result.warnings] == [("industry", "offer_workers")]
    assert result.warnings[0].message == "行业 · 发出要约覆盖职工数 由 2017年4月1日 的 900 增至 3,000，增幅异常，请核实"


@pytest.mark.parametrize("before", [0, 1_000, 2_999])
def test_val011_no_warning_for_first_figures_or_modest_growth(before):
    previous = copy.deepcopy(table())
    previous["industry"]["offer_workers"] = before
    previous["industry"]["offer_copies"] = 0  # 0 -> 2: small numbers triple easily
    result = validate(sub(), ctx(previous=previous, previous_date=dt.date(2017, 4, 1)))
    assert result.ok and result.warnings == []


# VAL012 (warning): workers per enterprise implausibly high.


def test_val012_workers_per_enterprise_too_high():
    lines = with_cell("regional", offer_ents=2, offer_workers=120_000, signed_ents=2, signed_workers=1_500,
                      filed_ents=2, filed_workers=1_500)
    result = validate(sub(lines), ctx())
    assert result.ok
    assert messages(result.warnings) == (
        "区域 · 发出要约覆盖职工数 120,000 按 发出要约覆盖企业数 2 计平均每家 60,000 人，明显偏高，请核实"
    )
    assert (result.warnings[0].line, result.warnings[0].field) == ("regional", "offer_workers")


def test_val012_large_but_plausible():
    lines = with_cell("single", offer_workers=MAX_WORKERS_PER_ENT * 10)
    result = validate(sub(lines), ctx())
    assert result.ok and result.warnings == []
