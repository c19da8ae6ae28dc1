"""同期 in the KPI tiles (domain/kpis.py): the matching day of last year's window and the line's text."""

from __future__ import annotations

import datetime as dt

from domain.kpis import last_year_line, relative_change, same_day, tiles
from domain.measures import MEASURES

D = dt.date


def test_yoy101_same_day_counts_days_from_the_window_start():
    # day 44 of a window from 1 March is 14 April in both years (2016's 29 February is before the window)
    assert same_day(D(2017, 4, 14), D(2017, 3, 1), D(2016, 3, 1), D(2016, 5, 31)) == D(2016, 4, 14)
    assert same_day(D(2017, 3, 1), D(2017, 3, 1), D(2016, 3, 1), D(2016, 5, 31)) == D(2016, 3, 1)
    # a window over 29 February: the same day of the action, one calendar day apart after it
    assert same_day(D(2017, 2, 10), D(2017, 2, 1), D(2016, 2, 1), D(2016, 5, 31)) == D(2016, 2, 10)
    assert same_day(D(2017, 3, 10), D(2017, 2, 1), D(2016, 2, 1), D(2016, 5, 31)) == D(2016, 3, 9)
    # windows starting on different days line up by day N of the action
    assert same_day(D(2017, 3, 20), D(2017, 3, 10), D(2016, 3, 1), D(2016, 5, 31)) == D(2016, 3, 11)


def test_yoy102_same_day_is_kept_inside_last_years_window():
    assert same_day(D(2017, 6, 5), D(2017, 3, 1), D(2016, 3, 1), D(2016, 5, 31)) == D(2016, 5, 31)  # after the cut-off
    assert same_day(D(2017, 2, 27), D(2017, 3, 1), D(2016, 3, 1), D(2016, 5, 31)) == D(2016, 3, 1)  # before the start
    # a longer window this year: its extra days match last year's last day
    assert same_day(D(2017, 5, 20), D(2017, 3, 1), D(2016, 3, 1), D(2016, 4, 30)) == D(2016, 4, 30)


def test_yoy103_relative_change_of_counts():
    assert relative_change(1386, 1234) == "+12.3%"  # 152 / 1234 = 12.32%
    assert relative_change(1000, 1234) == "−19.0%"  # 234 / 1234 = 18.96%
    assert relative_change(1234, 1234) == "持平"
    assert relative_change(100_000, 99_999) == "持平"  # 0.001%: rounds to 0.0%
    assert relative_change(12, 0) == ""  # no share of nothing


def _figures(**over):
    f = dict.fromkeys(MEASURES, 0)
    f.update(sign_rate=None, filing_rate=None, ent_coverage=0.0, worker_coverage=0.0)
    f.update(over)
    return f


def test_yoy104_line_text_counts_and_rates():
    day = D(2016, 4, 14)
    now = _figures(offer_copies=1386, sign_rate=0.6, filing_rate=0.5)
    last = _figures(offer_copies=1234, sign_rate=0.568, filing_rate=None)
    assert last_year_line("offer_copies", now, last, day) == "同期（2016年4月14日）1,234 份，+12.3%"
    assert last_year_line("signed_copies", now, last, day) == "同期（2016年4月14日）0 份"  # last year had none
    assert last_year_line("sign_rate", now, last, day) == "同期（2016年4月14日）56.8%，+3.2 个百分点"
    assert last_year_line("filing_rate", now, last, day) == "同期（2016年4月14日）—"  # no rate last year
    assert last_year_line("ent_coverage", now, last, day) == "同期（2016年4月14日）0.0%，持平"


def test_yoy105_tiles_carry_the_line_only_with_last_years_figures():
    now = _figures(offer_copies=21, signed_copies=13, sign_rate=13 / 21)
    last = _figures(offer_copies=15, signed_copies=11, sign_rate=11 / 15)
    with_yoy = tiles(now, None, last, D(2016, 4, 14))
    assert [t["last_year"] for t in with_yoy[:4]] == [
        "同期（2016年4月14日）15 份，+40.0%", "同期（2016年4月14日）11 份，+18.2%", "同期（2016年4月14日）0 份",
        "同期（2016年4月14日）73.3%，−11.4 个百分点"]
    assert [t["last_year"] for t in tiles(now, None)] == [""] * 7
    assert [t["last_year"] for t in tiles(now, None, last, None)] == [""] * 7  # a date is part of the line
