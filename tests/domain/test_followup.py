"""The pure rules of 专职指导员 / 实效评价 / 监督检查: staffing gap, inactivity, overdue rectification,
status transitions, score normalisation, weakest dimension, phone masking. Hand-computed values."""

from __future__ import annotations

import datetime as dt

import pytest

from domain import followup as r
from domain.followup import ActionError

D = dt.date


def test_act001_staffing_gap_and_text():
    assert r.Staffing(4, 1).gap == 3 and r.Staffing(4, 1).short
    assert r.Staffing(4, 1).text == "1/4 人，缺 3 人"
    assert r.Staffing(2, 3).gap == 0 and r.Staffing(2, 3).text == "3/2 人"  # over-staffed is no gap
    assert r.Staffing(None, 2).gap == 0 and r.Staffing(None, 2).text == "2 人（未定编）"
    rows = [{"code": "A", "name": "甲", "required": 3, "staffed": 2},
            {"code": "B", "name": "乙", "required": 3, "staffed": 3},
            {"code": "C", "name": "丙", "required": 3, "staffed": 1},
            {"code": "D", "name": "丁", "required": None, "staffed": 0}]
    assert r.short_staffed(rows) == [("C", "丙", 2), ("A", "甲", 1)]


def test_act002_weeks_and_weekly_activity():
    assert r.week_start(D(2017, 3, 1)) == D(2017, 2, 27)  # a Wednesday -> its Monday
    mondays = r.weeks(D(2017, 3, 1), D(2017, 3, 20))
    assert mondays == [D(2017, 2, 27), D(2017, 3, 6), D(2017, 3, 13), D(2017, 3, 20)]
    counts = [("A", D(2017, 3, 1), 2), ("A", D(2017, 3, 5), 1), ("A", D(2017, 3, 14), 4),
              ("B", D(2017, 3, 21), 1), ("B", D(2017, 4, 30), 9), ("X", D(2017, 3, 7), 5)]
    assert r.weekly_activity(counts, ["A", "B", "C"], mondays) == {"A": [3, 0, 4, 0], "B": [0, 0, 0, 1], "C": [0, 0, 0, 0]}


def test_act003_inactive_means_no_log_in_the_last_n_days():
    as_of = D(2017, 5, 31)
    assert not r.is_inactive(D(2017, 5, 18), as_of, 14)  # 5月18日 is the first of the 14 days 5/18..5/31
    assert r.is_inactive(D(2017, 5, 17), as_of, 14)
    assert r.is_inactive(None, as_of)
    last = {"A": D(2017, 5, 30), "B": D(2017, 5, 5)}
    assert r.inactive_units(last, ["A", "B", "C"], as_of) == ["B", "C"]


def test_act004_overdue_only_while_urging_and_past_deadline():
    today = D(2017, 5, 31)
    assert r.is_overdue(r.URGING, D(2017, 5, 30), today)
    assert not r.is_overdue(r.URGING, D(2017, 5, 31), today)  # the deadline day itself is not overdue
    assert not r.is_overdue(r.RECTIFIED, D(2017, 5, 1), today)
    assert not r.is_overdue(r.ACCOUNTABLE, D(2017, 5, 1), today)
    assert r.days_overdue(r.URGING, D(2017, 5, 15), today) == 16
    cases = [{"unit_code": "A", "status": r.URGING, "deadline": D(2017, 5, 15)},
             {"unit_code": "A", "status": r.URGING, "deadline": D(2017, 6, 9)},
             {"unit_code": "A", "status": r.RECTIFIED, "deadline": D(2017, 4, 28)},
             {"unit_code": "B", "status": r.EXPOSED, "deadline": D(2017, 4, 30)}]
    counts = r.refusal_counts(cases, today)
    assert counts["A"] == {r.URGING: 2, r.RECTIFIED: 1, r.ACCOUNTABLE: 0, r.EXPOSED: 0, "open": 2, "overdue": 1,
                           "total": 3}
    assert counts["B"]["open"] == 1 and counts["B"]["overdue"] == 0


def test_act005_status_transitions():
    assert r.can_transition(r.URGING, r.RECTIFIED)
    assert r.can_transition(r.URGING, r.EXPOSED)
    assert r.can_transition(r.ACCOUNTABLE, r.EXPOSED)
    assert not r.can_transition(r.RECTIFIED, r.URGING)
    assert not r.can_transition(r.EXPOSED, r.ACCOUNTABLE)
    with pytest.raises(ActionError, match="不能从“已整改”改为“追究责任”；可改为：无（已结案）"):
        r.check_transition(r.RECTIFIED, r.ACCOUNTABLE)
    with pytest.raises(ActionError, match="未知的处理状态"):
        r.check_transition(r.URGING, "撤销")


def test_act006_phone_is_masked():
    assert r.mask_phone("13812345678") == "138****5678"
    assert r.mask_phone("0539-8123456") == "053****3456"
    assert r.mask_phone("+86 138 1234 5678") == "861****5678"
    assert r.mask_phone("1234567") == "****"
    assert r.mask_phone("") == ""
    assert r.clean_phone(" 138-1234-5678 ") == "138-1234-5678"  # stored as given, trimmed
    with pytest.raises(ActionError, match="格式不对"):
        r.clean_phone("138abc45678")
    with pytest.raises(ActionError, match="请填写联系电话"):
        r.clean_phone("  ")


def test_act007_weighted_score_and_weakest_dimension():
    # Dimensions 1..3 with weights 20, 50, 30. Rates: 0.9, 0.8, 0.5.
    weights = {1: 20, 2: 50, 3: 30}
    profile = {1: 0.9, 2: 0.8, 3: 0.5}
    # total = (20*0.9 + 50*0.8 + 30*0.5) / 100 * 100 = 18 + 40 + 15 = 73
    assert r.weighted_total(profile, weights) == pytest.approx(73.0)
    # losses: 20*0.1 = 2, 50*0.2 = 10, 30*0.5 = 15 -> dimension 3
    assert r.weakest_dimension(profile, weights, [1, 2, 3]) == 3
    # The lowest rate is not always the weakest: a heavy dimension can lose more points.
    profile2 = {1: 0.5, 2: 0.75, 3: 0.9}  # losses 10, 12.5, 3
    assert r.weakest_dimension(profile2, weights, [1, 2, 3]) == 2
    # ties go to the earlier dimension; missing rates are skipped
    assert r.weakest_dimension({1: 0.5, 2: 0.8}, {1: 10, 2: 25}, [2, 1]) == 2  # both lose 5
    assert r.weakest_dimension({1: None, 2: None}, weights) is None
    assert r.weighted_total({1: None, 2: 0.5}, weights) == pytest.approx(50.0)


def test_act008_normalised_by_the_scale_scored_on():
    rows = [  # one evaluation scored on 满分 10 and 5, one re-scored after 满分 changed to 20
        {"evaluation_id": 1, "unit_code": "A", "enterprise": "", "eval_date": D(2017, 4, 1), "dimension_id": 1,
         "score": 8, "scale_max": 10},
        {"evaluation_id": 1, "unit_code": "A", "enterprise": "", "eval_date": D(2017, 4, 1), "dimension_id": 2,
         "score": 3, "scale_max": 5},
        {"evaluation_id": 2, "unit_code": "A", "enterprise": "甲公司", "eval_date": D(2017, 4, 2), "dimension_id": 1,
         "score": 10, "scale_max": 20},
        {"evaluation_id": 3, "unit_code": "A", "enterprise": "甲公司", "eval_date": D(2017, 5, 2), "dimension_id": 1,
         "score": 18, "scale_max": 20},
        {"evaluation_id": 4, "unit_code": "B", "enterprise": "", "eval_date": D(2017, 5, 2), "dimension_id": 1,
         "score": 4, "scale_max": 10},
    ]
    evals = r.group_scores(rows)
    assert [e["rates"] for e in evals] == [{1: 0.8, 2: 0.6}, {1: 0.5}, {1: 0.9}, {1: 0.4}]
    profiles = r.unit_profiles(evals, [1, 2])
    # A: latest per subject = evaluation 1 (the unit) and 3 (甲公司, May) -> dim 1: (0.8 + 0.9) / 2
    assert profiles["A"][1] == pytest.approx(0.85) and profiles["A"][2] == pytest.approx(0.6)
    assert profiles["B"] == {1: pytest.approx(0.4), 2: None}
    city = r.city_profile(profiles, [1, 2])  # each unit once: (0.85 + 0.4) / 2, and only A has dim 2
    assert city[1] == pytest.approx(0.625) and city[2] == pytest.approx(0.6)
    monthly = r.period_means(evals, 1)
    assert monthly["A"] == [(D(2017, 4, 1), pytest.approx(0.65)), (D(2017, 5, 1), pytest.approx(0.9))]
    assert monthly[""] == [(D(2017, 4, 1), pytest.approx(0.65)), (D(2017, 5, 1), pytest.approx(0.65))]


def test_act009_scheme_checks_say_which_row():
    rows = [{"name": "工作管理", "weight": "15", "scale_max": "10", "active": True},
            {"name": " 协商效果 ", "weight": 20, "scale_max": 20, "active": False}]
    cleaned = r.check_scheme(rows)
    assert [(c["name"], c["weight"], c["scale_max"], c["active"], c["sort_order"]) for c in cleaned] == [
        ("工作管理", 15.0, 10.0, True, 1), ("协商效果", 20.0, 20.0, False, 2)]
    with pytest.raises(ActionError, match="第 2 行：维度“工作管理”重复"):
        r.check_scheme([rows[0], {**rows[0]}])
    with pytest.raises(ActionError, match="第 1 行：“工作管理”的满分必须大于 0"):
        r.check_scheme([{**rows[0], "scale_max": 0}])
    with pytest.raises(ActionError, match="第 1 行“工作管理”的权重不能小于 0"):
        r.check_scheme([{**rows[0], "weight": -1}])
    with pytest.raises(ActionError, match="至少要有一个启用的维度"):
        r.check_scheme([{**rows[0], "active": False}])
    with pytest.raises(ActionError, match="第 1 行维度名称"):
        r.check_scheme([{**rows[0], "name": " "}])


def test_act010_numbers_and_dates_in_chinese():
    assert r.clean_number("7.5", "得分", high=10) == 7.5
    with pytest.raises(ActionError, match="得分 12 超过满分 10"):
        r.clean_number(12, "得分", high=10)
    with pytest.raises(ActionError, match="人数应为整数"):
        r.clean_number("2.5", "人数", integer=True)
    with pytest.raises(ActionError, match="得分“abc”不是数字"):
        r.clean_number("abc", "得分")
    assert r.parse_date("2017/4/12", "日期") == D(2017, 4, 12)
    with pytest.raises(ActionError, match="日期“2017-02-30”不是有效日期，应写成 2017-04-12"):
        r.parse_date("2017-02-30", "日期")


def test_act011_panel_rows_do_not_invent_missing_modules():
    units = [{"code": "A", "name": "甲", "kind": "县区"}, {"code": "B", "name": "乙", "kind": "县区"}]
    rows = r.panel_rows(units, {"A": {"required": 3, "staffed": 1}}, {"A": D(2017, 5, 30)}, {"A": 4},
                        {"A": {1: 0.9, 2: 0.5}}, {1: 10, 2: 10}, [1, 2], {"A": {"open": 2, "overdue": 1}},
                        None, {"A": {"submitted": True}}, D(2017, 5, 31))
    a, b = rows
    assert a["cases"] is None and b["cases"] is None  # no cases module: unknown, not zero
    assert (a["required"], a["staffed"], a["gap"], a["inactive"], a["recent_logs"]) == (3, 1, 2, False, 4)
    assert a["profile"] == [0.9, 0.5] and a["score"] == pytest.approx(70.0) and a["weakest"] == 2
    assert (a["open"], a["overdue"], a["summary"]) == (2, 1, {"submitted": True})
    assert (b["required"], b["gap"], b["inactive"], b["profile"], b["score"], b["open"]) == (None, 0, True, None, None, 0)
    assert b["summary"] == {"submitted": False}
