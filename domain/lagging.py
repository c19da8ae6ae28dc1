"""Which units lag, and why: the business rules behind the "落后单位" list.

Four rules, each a plain Chinese reason (thresholds in `Thresholds`):

- 进度 "pace": 签约覆盖企业 / 目标企业数 is more than `pace_gap_points` below the expected pace,
  and below the city's own 签约覆盖企业达目标.
- 备案率 "filing": 备案率 is more than `filing_gap_points` below the whole city's.
- 报送 "stale": no report for more than `stale_days` days.
- 覆盖 "coverage": 职工覆盖率 projected to the end of the window misses the target rate and is
  below the city's projection (after the window: the final rate misses the target, full stop).

The pace and projection rules are relative as well as absolute: in the first weeks offers go out
and contracts follow weeks later, so the whole city sits below a linear pace, and flagging every
unit would point nowhere. A unit is named when it is behind the plan *and* behind the city; the
city's own lag shows in the time bar. (A city figure that is missing leaves the rule absolute.)

A unit that has never reported has no figures yet (its zeros are absence, not results), so
only the stale rule judges it. Otherwise a rule whose figure is missing (None/NaN) stays
silent. Gaps equal to a threshold do not fire: the rule says "more than".

Order (`Lagging.score`, highest first): the sum of each reason's severity, where a reason in
percentage points weighs gap / 10 (24 points -> 2.4) and a stale reason weighs
3 x days / stale_days (12 days at the default -> 3.6): a unit that stops reporting makes all
its other figures stale, so silence outranks any single moderate gap. A never-reported unit
counts its silence from the first day of the window.
"""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise

import pandas as pd

from domain.format import pct, percent_shown, points
from domain.metrics import label

RULE_LABELS = {"pace": "进度", "filing": label("filing_rate"), "stale": "报送", "coverage": "覆盖"}
POINTS_PER_SEVERITY = 10.0  # 10 percentage points of gap weigh 1
STALE_WEIGHT = 3.0

Pace = str | Sequence[tuple[dt.date, float]]


def _checked(pace: Pace) -> Pace:
    """"linear", or the curve as a sorted tuple of (date, fraction)."""
    if isinstance(pace, str):
        if pace != "linear":
            raise ValueError(f"未知的进度曲线 {pace!r}：只支持 'linear' 或 (日期, 比例) 点列")
        return pace
    curve = tuple(sorted((d, float(f)) for d, f in pace))
    if not curve or any(not 0 <= f <= 1 for _, f in curve):
        raise ValueError("进度曲线须至少一个点，比例在 0 到 1 之间")
    return curve


@dataclass(frozen=True)
class Thresholds:
    """Tolerances for `evaluate`; all in percentage points or days.

    pace: "linear" (even progress over the window's days) or a curve of (date, fraction)
    points, e.g. ((date(2017, 3, 31), 0.2), (date(2017, 4, 30), 0.7), (date(2017, 5, 31), 1.0)),
    interpolated day by day, starting from 0 on the eve of the window and flat after its last
    point (so a curve may reach 1.0 before the window ends).
    """

    pace_gap_points: float = 10.0  # 进度: below the expected pace by more than this
    filing_gap_points: float = 15.0  # 备案率: below the city's by more than this
    stale_days: int = 10  # 报送: more than this many days without a report
    coverage_margin_points: float = 0.0  # 覆盖: projected rate below target by more than this
    # 覆盖 is not projected before this share of the window has passed: dividing the first
    # days' coverage by a tiny fraction would flag (or clear) units on noise. 0.1 of the
    # 2017 window (3月1日–5月31日, 92 days) is about ten days.
    min_expected_fraction: float = 0.1
    pace: Pace = "linear"

    def __post_init__(self) -> None:
        object.__setattr__(self, "pace", _checked(self.pace))  # a list becomes a tuple: frozen means frozen


@dataclass(frozen=True)
class Reason:
    rule: str  # a key of RULE_LABELS
    text: str  # e.g. "备案率 41%，低于全市 27 个百分点"
    value: float | None  # the unit's figure: a fraction, or days without a report (None: never)
    gap: float | None  # percentage points below the reference, or days past stale_days


@dataclass(frozen=True)
class Lagging:
    code: str
    name: str
    reasons: list[Reason]
    score: float


def expected_fraction(as_of: dt.date, window_start: dt.date, window_end: dt.date, pace: Pace = "linear") -> float:
    """Share of the target due by the end of `as_of` (0..1). Linear: day k of an n-day window
    (the start day is day 1) -> k / n; 0 before the window, 1 from its last day on."""
    if window_end < window_start:
        raise ValueError("window_end is before window_start")
    pace = _checked(pace)
    eve = window_start - dt.timedelta(days=1)
    # Linear is the curve from 0 on the eve of the window to 1 on its last day.
    curve = ((eve, 0.0), (window_end, 1.0)) if pace == "linear" else pace
    if curve[0][0] > eve:
        curve = ((eve, 0.0), *curve)
    knots = [(d.toordinal(), f) for d, f in curve]
    day = as_of.toordinal()
    if day <= knots[0][0]:
        return knots[0][1]
    for (x0, y0), (x1, y1) in pairwise(knots):
        if day <= x1:
            return y0 + (y1 - y0) * (day - x0) / (x1 - x0)
    return knots[-1][1]


def _num(x: object) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _date(x: object) -> dt.date | None:
    if x is None or pd.isna(x):
        return None
    return x.date() if isinstance(x, dt.datetime) else x  # pd.Timestamp is a datetime


def _shown_gap(reference: float, value: float, digits: int) -> str:
    # The gap between the two percentages as printed, so the sentence adds up for its reader.
    shown = percent_shown(reference, digits) - percent_shown(value, digits)
    return points(float(shown / Decimal(100)))


def _over(gap: float, limit: float) -> bool:
    # Round off float noise: 68% - 53% is 15.000000000000002 points in floats, and must not fire at 15.
    return round(gap, 9) > limit


def _pace(row, expected: float, city_progress: float | None, th: Thresholds) -> Reason | None:
    value = _num(row.target_progress)
    if value is None or not _over(gap := (expected - value) * 100, th.pace_gap_points):
        return None
    if city_progress is not None and value >= city_progress:
        return None  # behind the plan, but no more than the city as a whole
    text = f"{label('target_progress')} {pct(value)}，应达 {pct(expected)}，落后 {_shown_gap(expected, value, 1)}"
    return Reason("pace", text, value, gap)


def _filing(row, city_rate: float | None, th: Thresholds, whole: str) -> Reason | None:
    value = _num(row.filing_rate)
    if value is None or city_rate is None:
        return None
    if not _over(gap := (city_rate - value) * 100, th.filing_gap_points):
        return None
    text = f"{label('filing_rate')} {pct(value, 0)}，低于{whole} {_shown_gap(city_rate, value, 0)}"
    return Reason("filing", text, value, gap)


def _stale(last: dt.date | None, as_of: dt.date, window_start: dt.date, window_end: dt.date,
           th: Thresholds) -> Reason | None:
    if last is None:
        silent = (as_of - window_start).days
        if silent > th.stale_days:
            return Reason("stale", "尚未报送", None, float(silent - th.stale_days))
        return None
    # After the window a unit whose last report came near its end is complete, not silent:
    # silence is measured up to the window's last day, the sentence says how long it has been.
    if (min(as_of, window_end) - last).days <= th.stale_days:
        return None
    days = (as_of - last).days
    return Reason("stale", f"{days} 天未报送", float(days), float(days - th.stale_days))


def _coverage(row, as_of: dt.date, window_end: dt.date, expected: float, city_coverage: float | None,
              th: Thresholds) -> Reason | None:
    coverage, target, baseline = _num(row.worker_coverage), _num(row.target_workers), _num(row.baseline_workers)
    if coverage is None or target is None or not baseline:
        return None
    target_rate = target / baseline
    if as_of >= window_end:
        value, wording = coverage, label("worker_coverage") + " {}，未达目标 {}"
    elif expected >= th.min_expected_fraction:
        if city_coverage is not None and coverage >= city_coverage:
            return None  # the projection divides both by the same fraction: not behind the city
        value, wording = coverage / expected, "预计期末" + label("worker_coverage") + " {}，低于目标 {}"
    else:
        return None
    if not _over(gap := (target_rate - value) * 100, th.coverage_margin_points):
        return None
    return Reason("coverage", wording.format(pct(value), pct(target_rate)), value, gap)


def _severity(reason: Reason, th: Thresholds, as_of: dt.date, window_start: dt.date) -> float:
    if reason.rule != "stale":
        return reason.gap / POINTS_PER_SEVERITY
    days = reason.value if reason.value is not None else (as_of - window_start).days
    return STALE_WEIGHT * days / th.stale_days


_FIELDS = ("code", "name", "last_report_date", "target_progress", "filing_rate", "baseline_workers",
           "target_workers", "worker_coverage")  # what the rules read of a unit


@lru_cache(maxsize=8)
def _row_type(fields: tuple[str, ...]) -> type:
    return namedtuple("Unit", fields)


def _rows(units: pd.DataFrame, fields: tuple[str, ...]):
    """The units as named tuples of `fields` only: itertuples() builds every column (35) of every row."""
    return map(_row_type(fields)._make, zip(*(units[f].tolist() for f in fields), strict=True))


def evaluate(units: pd.DataFrame, city: dict, as_of: dt.date, window_start: dt.date, window_end: dt.date,
             thresholds: Thresholds = Thresholds(), whole: str = "全市") -> list[Lagging]:
    """The lagging units, most severe first (ties by code); reasons in rule order. `city` holds the
    figures of the whole the units belong to, called `whole` in the reasons (全市, 全省, 全国)."""
    th = thresholds
    expected = expected_fraction(as_of, window_start, window_end, th.pace)
    city_rate = _num(city.get("filing_rate"))
    city_progress, city_coverage = _num(city.get("target_progress")), _num(city.get("worker_coverage"))
    found = []
    for row in _rows(units, _FIELDS):
        last = _date(row.last_report_date)
        reasons = [_stale(last, as_of, window_start, window_end, th)]
        if last is not None:
            reasons = [
                _pace(row, expected, city_progress, th),
                _filing(row, city_rate, th, whole),
                *reasons,
                _coverage(row, as_of, window_end, expected, city_coverage, th),
            ]
        reasons = [r for r in reasons if r is not None]
        if reasons:
            score = sum(_severity(r, th, as_of, window_start) for r in reasons)
            found.append(Lagging(str(row.code), str(row.name), reasons, score))
    return sorted(found, key=lambda lag: (-lag.score, lag.code))


def sentence(lagging: Lagging) -> str:
    """"兰陵县：备案率 41%，低于全市 27 个百分点；12 天未报送"."""
    return f"{lagging.name}：" + "；".join(r.text for r in lagging.reasons)
