"""The metric catalogue: every rate and derived figure the dashboard shows, defined once.

A `Metric` says what a figure is called (中文), what it is a ratio of (numerator ÷ denominator,
column names of a unit's or the city's totals, see db/queries.py), which way is better, and how it
prints. The SQL rate columns, the map's metric picker, the ranking, the KPI tiles, the lagging
reasons, the exports and the snapshot comparison all read it from here.

Two metrics are not SQL ratios but derived by domain/ranking.py: 进度差 (pace) and 未报送天数
(stale_days); their numerator and denominator are None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pandas import isna

from domain.format import MISSING, pct, points, thousands


def _pace_text(gap: float) -> str:
    """A pace gap (fraction): 0.105 -> "超前 10.5 个百分点", −0.2 -> "落后 20.0 个百分点"."""
    return f"{'超前' if gap >= 0 else '落后'} {points(abs(gap), 1)}"


def _days_text(days: float) -> str:
    return f"{thousands(days)} 天"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str  # 中文, as every screen and export names it
    unit: str  # "%", "个百分点", "天"
    help: str  # how it is computed, in words
    numerator: str | None  # column of the totals; None for a derived metric
    denominator: str | None
    higher_is_better: bool = True
    format: Callable[[float], str] = pct  # how a value prints
    tick_format: str = ".0%"  # d3 format of an axis or colour bar of this metric
    map_order: int | None = None  # place in the map's metric picker; None: not offered there
    short_label: str = ""  # a narrow table's header, when shorter than `label`
    at_most_one: bool = False  # validation keeps the numerator <= the denominator (VAL007): a scale up to 100%

    @property
    def is_ratio(self) -> bool:
        return self.numerator is not None

    @property
    def header(self) -> str:
        return self.short_label or self.label

    def text(self, value: float | None) -> str:
        """`value` as it prints; "—" when missing (None, NaN, pd.NA)."""
        return MISSING if value is None or isna(value) else self.format(value)


CATALOGUE: tuple[Metric, ...] = (
    Metric("sign_rate", "签约率", "%", "签订合同份数 ÷ 发出要约书份数", "signed_copies", "offer_copies",
           map_order=2, at_most_one=True),
    Metric("filing_rate", "备案率", "%", "审查备案数 ÷ 签订合同份数", "filed_copies", "signed_copies",
           map_order=3, at_most_one=True),
    Metric("ent_coverage", "企业覆盖率", "%", "签订合同覆盖企业数 ÷ 辖区企业数", "signed_ents", "baseline_ents",
           map_order=0),
    Metric("worker_coverage", "职工覆盖率", "%", "签订合同覆盖职工数 ÷ 辖区职工数", "signed_workers",
           "baseline_workers", map_order=1),
    Metric("target_progress", "签约覆盖企业达目标", "%", "签订合同覆盖企业数 ÷ 目标企业数", "signed_ents",
           "target_ents", short_label="达目标"),
    Metric("pace", "进度差", "个百分点", "签约覆盖企业达目标比例 − 按时间应达进度", None, None,
           format=_pace_text, tick_format="+.0%", map_order=4),
    Metric("stale_days", "未报送天数", "天", "距最近一次报送的天数", None, None, higher_is_better=False,
           format=_days_text, tick_format=",d", map_order=5),
)
BY_KEY: dict[str, Metric] = {m.key: m for m in CATALOGUE}

# The SQL ratio columns, in catalogue order (db/queries.py generates them).
RATES: tuple[str, ...] = tuple(m.key for m in CATALOGUE if m.is_ratio)
# The metrics a leader can pick for the map and the ranking, in the picker's order.
METRICS: dict[str, Metric] = {
    m.key: m for m in sorted((m for m in CATALOGUE if m.map_order is not None), key=lambda m: m.map_order)
}
DEFAULT_METRIC = "ent_coverage"
# The four rates of the KPI tiles, in tile order.
KPI_RATES: tuple[str, ...] = ("sign_rate", "filing_rate", "ent_coverage", "worker_coverage")


def label(key: str) -> str:
    """The 中文 label of a catalogue metric: label("filing_rate") -> "备案率"."""
    return BY_KEY[key].label
