"""The worst/best split of a long ranking and the rows of the "显示全部" grid: pure, hand-made rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from domain.lagging import Lagging, Reason
from domain.ranking import all_unit_rows, hidden_ranks, metric_rows, ranking_order, worst_best

D = dt.date


def row(code, value, rank, name=None, text=None, reported=True):
    return {"code": code, "name": name or f"单位{code}", "value": value, "value_text": text or f"{value}",
            "rank": rank, "rank_text": f"第 {rank} / 9" if rank else "无排名", "reported": reported}


def ranked(n, unranked=0):
    """n ranked rows (U1 best) and `unranked` rows without a value, shuffled into page order."""
    rows = [row(f"U{i}", 1 - i / 100, i) for i in range(1, n + 1)]
    rows += [row(f"N{i}", None, None, text="尚未报送", reported=False) for i in range(1, unranked + 1)]
    return rows[::-1]


def codes(rows):
    return [r["code"] for r in rows]


def test_rnk001_short_rankings_are_whole():
    rows = ranked(4, unranked=2)  # 6 rows: up to 2 x 3 nothing is hidden
    best, worst, hidden = worst_best(rows, each=3)
    assert codes(best) == ["U1", "U2", "U3", "U4", "N2", "N1"] and worst == [] and hidden == 0
    assert codes(ranking_order(rows)) == codes(best)
    assert worst_best(ranked(4, unranked=3), each=3)[2] == 1  # the seventh row is one too many


def test_rnk002_long_rankings_keep_the_best_and_the_worst():
    best, worst, hidden = worst_best(ranked(100, unranked=5), each=3)
    assert codes(best) == ["U1", "U2", "U3"]
    assert codes(worst) == ["U98", "U99", "U100"]  # the worst ranked, not the silent ones
    assert hidden == 105 - 6
    assert hidden_ranks(best, worst) == (4, 97)


def test_rnk003_silent_units_fill_the_worst_when_few_are_ranked():
    best, worst, hidden = worst_best(ranked(4, unranked=10), each=3)
    assert codes(best) == ["U1", "U2", "U3"]
    assert codes(worst) == ["U4", "N10", "N9"]  # page order among the silent
    assert hidden == 14 - 6
    assert hidden_ranks(best, worst) is None  # no ranked unit is left out


def test_rnk004_direction_comes_from_the_metric():
    # 未报送天数: lower is better, so the worst are the longest silent.
    n = 40
    units = pd.DataFrame({
        "code": [f"C{i}" for i in range(n)], "name": [f"县{i}" for i in range(n)], "kind": ["县区"] * n,
        "adcode": [None] * n, "last_report_date": [D(2017, 4, 14) - dt.timedelta(days=i) for i in range(n)],
    })
    rows = metric_rows(units, "stale_days", D(2017, 4, 14), D(2017, 3, 1), D(2017, 5, 31))
    best, worst, hidden = worst_best(rows, each=5)
    assert codes(best) == ["C0", "C1", "C2", "C3", "C4"]
    assert codes(worst) == ["C35", "C36", "C37", "C38", "C39"] and hidden == 30
    assert all(r["reported"] for r in rows)


def test_rnk005_metric_rows_say_who_reported():
    units = pd.DataFrame({"code": ["A", "B"], "name": ["甲", "乙"], "kind": ["县区"] * 2, "adcode": [None, None],
                          "last_report_date": [D(2017, 4, 14), None], "filing_rate": [0.5, None]})
    rows = {r["code"]: r for r in metric_rows(units, "filing_rate", D(2017, 4, 14), D(2017, 3, 1), D(2017, 5, 31))}
    assert rows["A"]["reported"] is True and rows["B"]["reported"] is False


def test_rnk006_grid_rows_join_ranking_and_lagging():
    rows = [row("B", 0.2, 2, "乙县", "20.0%"), row("K", None, None, "开发区", "尚未报送", reported=False),
            row("A", 0.8, 1, "甲县", "80.0%")]
    lag = [Lagging("K", "开发区", [Reason("stale", "尚未报送", None, 45.0)], 13.5),
           Lagging("B", "乙县", [Reason("filing", "备案率 20.0%，低于全市 30 个百分点", 0.2, 30.0),
                                 Reason("pace", "达目标 10%，应达 40%，落后 30 个百分点", 0.1, 30.0)], 6.0)]
    out = all_unit_rows(rows, lag)
    assert codes(out) == ["A", "B", "K"]  # ranking order
    assert out[0] == {"code": "A", "name": "甲县", "value": 0.8, "value_text": "80.0%", "rank": 1,
                      "rank_text": "第 1 / 9", "reported": "已报送", "lag_score": 0.0, "reasons": ""}
    assert out[1]["reasons"] == "备案率 20.0%，低于全市 30 个百分点；达目标 10%，应达 40%，落后 30 个百分点"
    assert out[1]["lag_score"] == 6.0
    assert out[2]["reported"] == "尚未报送" and out[2]["rank"] is None and out[2]["value"] is None
    only = all_unit_rows(rows, lag, only_lagging=True)
    assert codes(only) == ["K", "B"]  # the lagging list's order: most severe first
