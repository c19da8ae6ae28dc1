"""Metric registry, ranking and the URL state: pure functions."""

import datetime as dt

import pandas as pd
import pytest

from callbacks.overview import unit_code_from_click
from dashboard.data import default_as_of, default_campaign
from dashboard.state import PageState, coerce, compose, parse
from domain.metrics import METRICS
from domain.ranking import colour_range, metric_rows

D = dt.date
START, END = D(2017, 3, 1), D(2017, 5, 31)


def _units(**cols):
    base = {
        "code": ["A", "B", "C", "K"],
        "name": ["甲县", "乙县", "丙县", "开发区"],
        "kind": ["县区", "县区", "县区", "开发区"],
        "adcode": ["371302", "371311", "371312", None],
        "last_report_date": [D(2017, 4, 14), D(2017, 4, 7), D(2017, 4, 14), None],
        "filing_rate": [0.5, 0.8, 0.5, None],
        "target_progress": [0.60, 0.30, 0.50, 0.0],
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_met001_rank_best_first_ties_share_rank_none_last():
    rows = metric_rows(_units(), "filing_rate", D(2017, 4, 14), START, END)
    by = {r["code"]: r for r in rows}
    assert by["B"]["rank"] == 1 and by["B"]["rank_text"] == "第 1 / 4"
    assert by["A"]["rank"] == by["C"]["rank"] == 2
    assert by["K"]["rank"] is None and by["K"]["value_text"] == "尚未报送" and by["K"]["rank_text"] == "无排名"
    assert by["A"]["value_text"] == "50.0%"


def test_met002_pace_is_progress_minus_expected():
    as_of = D(2017, 4, 14)  # day 45 of 92
    rows = {r["code"]: r for r in metric_rows(_units(), "pace", as_of, START, END)}
    assert rows["A"]["value"] == pytest.approx(0.60 - 45 / 92)
    assert rows["A"]["value_text"].startswith("超前")
    assert rows["B"]["value_text"].startswith("落后") and rows["B"]["rank"] == 3
    assert rows["K"]["value"] is None


def test_met003_stale_days_lower_is_better_and_never_reported_counts_from_start():
    rows = {r["code"]: r for r in metric_rows(_units(), "stale_days", D(2017, 4, 14), START, END)}
    assert (rows["A"]["value"], rows["B"]["value"]) == (0, 7)
    assert rows["K"]["value"] == 45 and rows["K"]["value_text"] == "尚未报送"
    assert rows["A"]["rank"] == 1 and rows["K"]["rank"] == 4
    assert not METRICS["stale_days"].higher_is_better


def test_met004_colour_range():
    rows = metric_rows(_units(), "pace", D(2017, 4, 14), START, END)
    lo, hi = colour_range(rows, "pace")
    assert lo == -hi and hi >= 0.05
    assert colour_range(metric_rows(_units(), "filing_rate", D(2017, 4, 14), START, END), "filing_rate") == (0.0, 1.0)
    assert colour_range([], "ent_coverage") == (0.0, 1.0)


def test_sta001_parse_and_compose_round_trip():
    state = PageState(2, D(2017, 4, 14), "filing_rate")
    assert compose(state) == "?campaign=2&date=2017-04-14&metric=filing_rate"
    assert parse(compose(state)) == state
    assert compose(PageState()) == ""


def test_sta002_malformed_query_falls_back_to_defaults():
    assert parse("?campaign=x&date=2017-13-40&metric=drop table") == PageState()
    assert parse(None) == PageState()


def test_dat001_default_as_of_today_inside_window_else_last_report():
    c = {"window_start": START, "deadline": D(2017, 6, 10)}
    dates = [D(2017, 3, 3), D(2017, 5, 31)]
    assert default_as_of(c, dates, D(2017, 4, 2)) == D(2017, 4, 2)
    assert default_as_of(c, dates, D(2026, 11, 23)) == D(2017, 5, 31)
    assert default_as_of(c, [], D(2026, 11, 23)) is None


def test_dat002_default_campaign_prefers_one_with_reports():
    cs = [{"id": 3, "reports": 0}, {"id": 2, "reports": 10}, {"id": 1, "reports": 5}]
    assert default_campaign(cs)["id"] == 2
    assert default_campaign([{"id": 3, "reports": 0}])["id"] == 3
    assert default_campaign([]) is None


def test_clk001_unit_code_from_any_chart_click():
    assert unit_code_from_click({"points": [{"customdata": ["371324", "兰陵县", "31%", "第 22 / 23"]}]}) == "371324"
    assert unit_code_from_click({"points": [{"customdata": "KF01"}]}) == "KF01"
    assert unit_code_from_click({"points": [{"location": "371302"}]}) == "371302"
    assert unit_code_from_click({"points": []}) is None
    assert unit_code_from_click(None) is None


def test_sta003_coerce_forged_callback_inputs():
    from dashboard.state import coerce

    assert coerce(2, "2017-04-14", "sign_rate") == PageState(2, D(2017, 4, 14), "sign_rate")
    assert coerce("1; drop", "not a date", {"x": 1}) == PageState()
    assert coerce(True, 20170414, None) == PageState()


@pytest.mark.parametrize("forged", [" ", "", [], {"points": "x"}, {"points": [1]}, {"points": [{"location": 5}]}, 7])
def test_a_forged_click_carries_no_unit(forged):
    assert unit_code_from_click(forged) is None


@pytest.mark.parametrize("campaign", ["9" * 40, "2147483648", "0", "²", "٣", "-1"])
def test_an_impossible_campaign_in_the_url_is_the_default(campaign):
    assert parse(f"?campaign={campaign}").campaign is None
    assert coerce(int(campaign) if campaign.isascii() and campaign.lstrip("-").isdigit() else campaign,
                  None, None).campaign is None
