"""What counts as lagging, and the sentence leaders read.

The window below is 50 days (3月1日–4月19日), so on 3月31日 (day 31) the linear pace is 62.0%.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from domain.lagging import Lagging, Reason, Thresholds, evaluate, expected_fraction, sentence

START, END = dt.date(2017, 3, 1), dt.date(2017, 4, 19)
AS_OF = dt.date(2017, 3, 31)
CITY = {"filing_rate": 0.68, "sign_rate": 0.7}


def unit(code: str = "371324", name: str = "兰陵县", **changes) -> dict:
    """A unit exactly on track on AS_OF; `changes` make it lag."""
    row = {
        "code": code, "name": name, "kind": "县区", "adcode": code,
        "baseline_ents": 100, "baseline_workers": 10000, "target_ents": 50, "target_workers": 3500,
        "last_report_date": AS_OF - dt.timedelta(days=1),
        "offer_copies": 40, "offer_ents": 40, "offer_workers": 3000,
        "signed_copies": 31, "signed_ents": 31, "signed_workers": 2500,
        "filed_copies": 25, "filed_ents": 25, "filed_workers": 2000,
        "sign_rate": 31 / 40, "filing_rate": 0.70, "ent_coverage": 0.31, "worker_coverage": 0.25,
        "target_progress": 0.62,
    }
    return row | changes


def run(*rows: dict, as_of: dt.date = AS_OF, city: dict = CITY, **thresholds) -> list[Lagging]:
    return evaluate(pd.DataFrame(list(rows)), city, as_of, START, END, Thresholds(**thresholds))


def only(*rows: dict, **kwargs) -> dict[str, str]:
    """rule -> text for the single unit given."""
    found = run(*rows, **kwargs)
    return {r.rule: r.text for r in found[0].reasons} if found else {}


def test_lag001_linear_pace_counts_days_inclusive_of_the_start():
    assert expected_fraction(START, START, END) == pytest.approx(1 / 50)
    assert expected_fraction(AS_OF, START, END) == pytest.approx(0.62)
    assert expected_fraction(END, START, END) == 1.0
    assert expected_fraction(START - dt.timedelta(days=3), START, END) == 0.0
    assert expected_fraction(END + dt.timedelta(days=30), START, END) == 1.0
    with pytest.raises(ValueError):
        expected_fraction(AS_OF, END, START)


def test_lag002_custom_pace_curve_is_interpolated_by_day():
    curve = [(dt.date(2017, 3, 10), 0.1), (dt.date(2017, 3, 30), 0.5), (dt.date(2017, 4, 19), 1.0)]
    assert expected_fraction(dt.date(2017, 3, 5), START, END, curve) == pytest.approx(0.05)  # from 0 on 2月28日
    assert expected_fraction(dt.date(2017, 3, 20), START, END, curve) == pytest.approx(0.3)
    assert expected_fraction(dt.date(2017, 4, 9), START, END, curve) == pytest.approx(0.75)
    early = [(dt.date(2017, 4, 10), 1.0)]  # everything due ten days before the window closes
    assert expected_fraction(dt.date(2017, 4, 15), START, END, early) == 1.0
    assert Thresholds(pace=curve).pace == tuple(curve)  # stored as a tuple: the dataclass stays frozen
    with pytest.raises(ValueError):
        Thresholds(pace="front-loaded")
    with pytest.raises(ValueError):
        Thresholds(pace=[(AS_OF, 1.5)])


def test_lag003_custom_pace_curve_changes_the_outcome():
    behind = unit(target_progress=0.45)
    assert set(only(behind)) == {"pace"}  # linear: 62% due, 17 points short
    back_loaded = [(dt.date(2017, 3, 31), 0.5), (END, 1.0)]
    assert run(behind, pace=back_loaded) == []  # 50% due, 5 points short


def test_lag004_pace_fires_with_the_reason_in_words():
    [lag] = run(unit(target_progress=0.38))
    [reason] = lag.reasons
    assert reason.rule == "pace"
    assert reason.text == "签约覆盖企业达目标 38.0%，应达 62.0%，落后 24 个百分点"
    assert reason.value == 0.38
    assert reason.gap == pytest.approx(24.0)


def test_lag005_pace_gap_equal_to_the_threshold_does_not_fire():
    assert run(unit(target_progress=0.52)) == []  # exactly 10 points
    assert set(only(unit(target_progress=0.519))) == {"pace"}


def test_lag006_filing_fires_below_the_city_and_not_at_the_threshold():
    assert only(unit(filing_rate=0.41)) == {"filing": "备案率 41%，低于全市 27 个百分点"}
    assert run(unit(filing_rate=0.53)) == []  # exactly 15 points (15.000000000000002 in floats)
    assert only(unit(filing_rate=0.529)) == {"filing": "备案率 53%，低于全市 15 个百分点"}


def test_lag006b_the_whole_is_named_by_the_area_a_unit_is_compared_within():
    """A province's cities lag behind 全省, the provinces behind 全国 (the overview of any area)."""
    found = evaluate(pd.DataFrame([unit(filing_rate=0.41)]), CITY, AS_OF, START, END, Thresholds(), whole="全省")
    assert [r.text for r in found[0].reasons] == ["备案率 41%，低于全省 27 个百分点"]


def test_lag007_filing_gap_in_words_is_the_gap_between_the_shown_percentages():
    # 68.4% - 41.6% is 26.8 points, but the reader sees 68% and 42%.
    city = CITY | {"filing_rate": 0.684}
    assert only(unit(filing_rate=0.416), city=city) == {"filing": "备案率 42%，低于全市 26 个百分点"}


def test_lag008_stale_after_more_than_stale_days():
    assert only(unit(last_report_date=AS_OF - dt.timedelta(days=12))) == {"stale": "12 天未报送"}
    assert run(unit(last_report_date=AS_OF - dt.timedelta(days=10))) == []
    # A Timestamp, as pandas may hand it over, reads the same.
    assert only(unit(last_report_date=pd.Timestamp(AS_OF - dt.timedelta(days=11)))) == {"stale": "11 天未报送"}


def test_lag009_never_reported_unit_is_judged_by_reporting_alone():
    silent = unit(
        last_report_date=None, signed_ents=0, signed_workers=0, target_progress=0.0,
        worker_coverage=0.0, filing_rate=None,
    )
    [lag] = run(silent, as_of=START + dt.timedelta(days=11))
    assert sentence(lag) == "兰陵县：尚未报送"
    assert lag.reasons[0].value is None
    assert run(silent, as_of=START + dt.timedelta(days=10)) == []
    assert run(silent, as_of=START - dt.timedelta(days=5)) == []


def test_lag010_coverage_projects_to_the_end_of_the_window():
    # 13.64% after 62% of the window projects to 22.0% at its end; the target is 35.0%.
    assert only(unit(worker_coverage=0.1364)) == {"coverage": "预计期末职工覆盖率 22.0%，低于目标 35.0%"}
    assert run(unit(worker_coverage=0.35 * 0.62)) == []  # projects to exactly the target


def test_lag011_coverage_is_not_projected_in_the_first_days():
    barely_started = unit(worker_coverage=0.001, target_progress=0.05)
    day4, day5 = dt.date(2017, 3, 4), dt.date(2017, 3, 5)  # 8% and 10% of the window
    assert run(barely_started, as_of=day4) == []
    assert set(only(barely_started, as_of=day5)) == {"coverage"}
    assert set(only(barely_started, as_of=day4, min_expected_fraction=0.05)) == {"coverage"}


def test_lag012_after_the_window_actual_figures_are_judged():
    after = dt.date(2017, 5, 10)  # 21 days after the window closed
    done = unit(last_report_date=END, target_progress=0.95, worker_coverage=0.36)
    assert run(done, as_of=after) == []  # a final report on the last day is not "stale"
    short = unit(last_report_date=dt.date(2017, 4, 5), target_progress=0.85, worker_coverage=0.22)
    on_last_day = unit(last_report_date=END, target_progress=1.0, worker_coverage=0.22)
    assert only(on_last_day, as_of=END) == {"coverage": "职工覆盖率 22.0%，未达目标 35.0%"}
    [lag] = run(short, as_of=after)
    assert [r.rule for r in lag.reasons] == ["pace", "stale", "coverage"]  # always in rule order
    assert only(short, as_of=after) == {
        "pace": "签约覆盖企业达目标 85.0%，应达 100.0%，落后 15 个百分点",
        "stale": "35 天未报送",
        "coverage": "职工覆盖率 22.0%，未达目标 35.0%",
    }


def test_lag013_custom_thresholds_change_the_outcome():
    lagging = unit(target_progress=0.50, filing_rate=0.48, last_report_date=AS_OF - dt.timedelta(days=11),
                   worker_coverage=0.33 * 0.62)
    assert set(only(lagging)) == {"pace", "filing", "stale", "coverage"}
    lenient = {"pace_gap_points": 15, "filing_gap_points": 25, "stale_days": 14, "coverage_margin_points": 5}
    assert run(lagging, **lenient) == []
    assert set(only(unit(target_progress=0.55), pace_gap_points=5)) == {"pace"}


def test_lag014_missing_figures_do_not_fire_their_rules():
    no_data = unit(target_progress=None, filing_rate=None, worker_coverage=None)
    assert run(no_data) == []
    no_baseline = unit(baseline_workers=0, worker_coverage=None, target_workers=0)
    assert run(no_baseline) == []
    assert run(unit(filing_rate=0.1), city={"filing_rate": None}) == []
    assert run(unit(), unit(code="371302", name="兰山区", target_progress=None)) == []  # NaN in a float column
    assert evaluate(pd.DataFrame([unit()]).iloc[:0], CITY, AS_OF, START, END) == []


def test_lag015_most_severe_first():
    found = run(
        unit("A", "甲", target_progress=0.50),  # pace 12 points: 1.2
        unit("B", "乙", last_report_date=AS_OF - dt.timedelta(days=20)),  # 20 days silent: 3 * 20 / 10 = 6.0
        unit("C", "丙", target_progress=0.38, filing_rate=0.41),  # 24 + 27 points: 5.1
        unit("D", "丁", last_report_date=None),  # silent all 30 days of the window: 9.0
        unit("E", "戊"),  # on track
        unit("F", "己", target_progress=0.50),  # same as A: ties go by code
    )
    assert [lag.code for lag in found] == ["D", "B", "C", "A", "F"]
    assert [lag.score for lag in found] == pytest.approx([9.0, 6.0, 5.1, 1.2, 1.2])


def test_lag016_sentence_joins_the_reasons():
    lag = Lagging("371324", "兰陵县", [
        Reason("filing", "备案率 41%，低于全市 27 个百分点", 0.41, 27.0),
        Reason("stale", "12 天未报送", 12.0, 2.0),
    ], score=6.3)
    assert sentence(lag) == "兰陵县：备案率 41%，低于全市 27 个百分点；12 天未报送"
    [built] = run(unit(filing_rate=0.41, last_report_date=AS_OF - dt.timedelta(days=12)))
    assert sentence(built) == sentence(lag)
    assert built.score == pytest.approx(27 / 10 + 3 * 12 / 10)


def test_lag017_default_thresholds_are_the_documented_ones():
    th = Thresholds()
    assert (th.pace_gap_points, th.filing_gap_points, th.stale_days, th.pace) == (10, 15, 10, "linear")
    with pytest.raises(dataclasses.FrozenInstanceError):
        th.stale_days = 3


def test_lag014_early_weeks_name_units_behind_the_city_not_the_whole_city():
    """Offers go out first and contracts follow weeks later: when the whole city sits below the plan,
    pace and projection name only the units that are also behind the city."""
    # On AS_OF (62% of the window) the plan expects 62% of the enterprise target.
    city = CITY | {"target_progress": 0.30, "worker_coverage": 0.10}
    like_city = unit("371302", "兰山区", target_progress=0.30, worker_coverage=0.10)
    worse = unit("371324", "兰陵县", target_progress=0.12, worker_coverage=0.04)
    found = {lag.code: {r.rule for r in lag.reasons} for lag in run(like_city, worse, city=city)}
    assert found == {"371324": {"pace", "coverage"}}  # 兰山区 is behind the plan only as much as the city
    # The same two units with no city figures: both are behind the plan (the absolute rule alone).
    absolute = {lag.code for lag in run(like_city, worse)}
    assert absolute == {"371302", "371324"}


def test_lag015_after_the_window_a_missed_target_is_named_even_if_the_city_missed_it_too():
    city = CITY | {"target_progress": 0.80, "worker_coverage": 0.20}
    short = unit(last_report_date=END, target_progress=0.85, worker_coverage=0.22)
    assert only(short, as_of=END, city=city) == {"coverage": "职工覆盖率 22.0%，未达目标 35.0%"}
