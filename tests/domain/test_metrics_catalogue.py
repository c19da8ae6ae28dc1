"""The metric catalogue (domain/metrics.py) and the KPI tiles (domain/kpis.py), on hand-made data.

Fixture (one report per unit, 2017-04-01; rows are offer copies/ents/workers, signed ..., filed ...):
  甲县 A  baseline 200 ents / 10,000 workers, target 80 / 4,000
     single (10, 10, 1000, 8, 8, 800, 6, 6, 600), regional (2, 40, 2000, 1, 30, 1500, 1, 30, 1500),
     industry (1, 20, 1000, 1, 10, 500, 0, 0, 0)
     -> offer 13 copies, signed 10 copies / 48 ents / 2,800 workers, filed 7 copies
  乙县 B  baseline 50 / 2,000, target 20 / 800; single (4, 4, 200, 2, 2, 100, 1, 1, 50), the rest zeros
  开发区 K  baseline 10 / 1,000, target 0 / 0; never reports
"""

import datetime as dt
import json

import pytest
from plotly.utils import PlotlyJSONEncoder

from dashboard.components.cards import kpi_cards
from dashboard.exports import content
from db import queries, snapshots
from db.engine import read_session, write_session
from db.models import Campaign, Report, ReportLine, Unit, UnitCampaign
from domain import lagging
from domain.kpis import tiles
from domain.measures import MEASURES
from domain.metrics import BY_KEY, CATALOGUE, KPI_RATES, METRICS, RATES, label

D = dt.date
AS_OF = D(2017, 4, 1)
UNITS = [  # code, name, (baseline ents, baseline workers, target ents, target workers), lines or None
    ("A", "甲县", (200, 10000, 80, 4000), {
        "single": (10, 10, 1000, 8, 8, 800, 6, 6, 600),
        "regional": (2, 40, 2000, 1, 30, 1500, 1, 30, 1500),
        "industry": (1, 20, 1000, 1, 10, 500, 0, 0, 0)}),
    ("B", "乙县", (50, 2000, 20, 800), {
        "single": (4, 4, 200, 2, 2, 100, 1, 1, 50),
        "regional": (0,) * 9,
        "industry": (0,) * 9}),
    ("K", "开发区", (10, 1000, 0, 0), None),
]


@pytest.fixture
def fx(engine):
    with write_session(engine) as s:
        c = Campaign(name="测试行动", year=2017, window_start=D(2017, 3, 1), window_end=D(2017, 5, 31),
                     cutoff_date=D(2017, 5, 31), deadline=D(2017, 6, 10), is_demo=False,
                     created_at=dt.datetime(2017, 3, 1))
        s.add(c)
        for i, (code, name, base, lines) in enumerate(UNITS):
            u = Unit(code=code, name=name, kind="县区", adcode=None, sort_order=i)
            s.add(u)
            s.flush()
            s.add(UnitCampaign(campaign_id=c.id, unit_id=u.id, baseline_ents=base[0], baseline_workers=base[1],
                               target_ents=base[2], target_workers=base[3]))
            if lines is None:
                continue
            r = Report(campaign_id=c.id, unit_id=u.id, report_date=AS_OF, version=1, leader="", filled_by="",
                       submitted_at=dt.datetime(2017, 4, 1), submitted_by="测试", source="cli", is_correction=False,
                       reason="", warnings="[]")
            s.add(r)
            s.flush()
            for kind, vals in lines.items():
                s.add(ReportLine(report_id=r.id, kind=kind, **dict(zip(MEASURES, vals))))
        cid = c.id
    with read_session(engine) as s:
        units = queries.unit_metrics(s, cid, AS_OF).set_index("code")
        city = queries.city_metrics(s, cid, AS_OF)
    return units, city


def test_cat001_the_catalogue_names_the_ratios_and_the_picker():
    assert RATES == ("sign_rate", "filing_rate", "ent_coverage", "worker_coverage", "target_progress")
    assert [(m.key, m.numerator, m.denominator) for m in CATALOGUE if m.is_ratio] == [
        ("sign_rate", "signed_copies", "offer_copies"),
        ("filing_rate", "filed_copies", "signed_copies"),
        ("ent_coverage", "signed_ents", "baseline_ents"),
        ("worker_coverage", "signed_workers", "baseline_workers"),
        ("target_progress", "signed_ents", "target_ents"),
    ]
    assert list(METRICS) == ["ent_coverage", "worker_coverage", "sign_rate", "filing_rate", "pace", "stale_days"]
    assert BY_KEY["pace"].numerator is None and BY_KEY["stale_days"].denominator is None
    assert [k for k, m in BY_KEY.items() if not m.higher_is_better] == ["stale_days"]
    assert label("filing_rate") == "备案率"


def test_cat002_sql_rate_columns_are_numerator_over_denominator(fx):
    units, city = fx
    # By hand, from the fixture's figures.
    a, b, k = units.loc["A"], units.loc["B"], units.loc["K"]
    assert [a[m] for m in RATES] == pytest.approx([10 / 13, 7 / 10, 48 / 200, 2800 / 10000, 48 / 80])
    assert [b[m] for m in RATES] == pytest.approx([2 / 4, 1 / 2, 2 / 50, 100 / 2000, 2 / 20])
    assert [k[m] for m in RATES] == [None, None, 0.0, 0.0, None]  # a zero denominator gives no figure
    assert [city[m] for m in RATES] == pytest.approx([12 / 17, 8 / 12, 50 / 260, 2900 / 13000, 50 / 100])
    # And each as the catalogue says: numerator column ÷ denominator column, per unit and for the city.
    for m in (m for m in CATALOGUE if m.is_ratio):
        for code in "ABK":
            row = units.loc[code]
            want = row[m.numerator] / row[m.denominator] if row[m.denominator] else None
            assert row[m.key] == (pytest.approx(want) if want is not None else None), (m.key, code)
        assert city[m.key] == pytest.approx(city[m.numerator] / city[m.denominator]), m.key


def test_cat003_values_print_through_the_catalogue():
    assert BY_KEY["filing_rate"].text(0.6325) == "63.3%"
    assert BY_KEY["filing_rate"].text(None) == "—"
    assert BY_KEY["pace"].text(0.105) == "超前 10.5 个百分点"
    assert BY_KEY["pace"].text(-0.2) == "落后 20.0 个百分点"
    assert BY_KEY["stale_days"].text(12) == "12 天"
    assert (BY_KEY["pace"].tick_format, BY_KEY["stale_days"].tick_format, BY_KEY["sign_rate"].tick_format) == (
        "+.0%", ",d", ".0%")


NOW = dict(zip(MEASURES, [2662, 22709, 1143000, 2490, 21065, 1065000, 2155, 18130, 920000]))
NOW.update(sign_rate=0.935, filing_rate=0.865, ent_coverage=0.375, worker_coverage=0.415, target_progress=1.07)
PREV = {**NOW, "offer_copies": 2649, "filed_copies": 2160, "filing_rate": 0.805, "ent_coverage": 0.3753,
        "worker_coverage": 0.43}
EXPECTED = [
    {"key": "offer_copies", "title": "发出要约书", "value": "2,662 份",
     "lines": ["覆盖企业 22,709 家", "覆盖职工 114.3万 人"], "change": "+13 份", "tone": "up"},
    {"key": "signed_copies", "title": "签订工资专项集体合同", "value": "2,490 份",
     "lines": ["覆盖企业 21,065 家", "覆盖职工 106.5万 人"], "change": "持平", "tone": "flat"},
    {"key": "filed_copies", "title": "审查备案", "value": "2,155 份",
     "lines": ["覆盖企业 18,130 家", "覆盖职工 92.0万 人"], "change": "−5 份", "tone": "down"},
    {"key": "sign_rate", "title": "签约率", "value": "93.5%", "lines": ["签订合同份数 ÷ 发出要约书份数"],
     "change": "持平", "tone": "flat"},
    {"key": "filing_rate", "title": "备案率", "value": "86.5%", "lines": ["审查备案数 ÷ 签订合同份数"],
     "change": "+6.0 个百分点", "tone": "up"},
    {"key": "ent_coverage", "title": "企业覆盖率", "value": "37.5%", "lines": ["签订合同覆盖企业数 ÷ 辖区企业数"],
     "change": "持平", "tone": "flat"},  # −0.03 points: under 0.05
    {"key": "worker_coverage", "title": "职工覆盖率", "value": "41.5%", "lines": ["签订合同覆盖职工数 ÷ 辖区职工数"],
     "change": "−1.5 个百分点", "tone": "down"},
]


def test_kpi001_tiles_exact_texts():
    assert tiles(NOW, PREV) == [{**t, "last_year": ""} for t in EXPECTED]  # no 同期 without last year's figures


def test_kpi002_without_last_week_or_a_figure_no_change():
    first = tiles({**NOW, "sign_rate": None}, None)
    assert [t["change"] for t in first] == [""] * 7 and {t["tone"] for t in first} == {None}
    assert first[3]["value"] == "—"
    missing = tiles(NOW, {**PREV, "filing_rate": None})
    assert missing[4]["change"] == "" and missing[4]["tone"] is None and missing[0]["change"] == "+13 份"


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), cls=PlotlyJSONEncoder, ensure_ascii=False)


def test_kpi003_page_and_export_show_the_same_tiles_and_help():
    cards = kpi_cards(NOW, PREV, D(2017, 5, 24))
    exported = content.kpis({"kpis": {"now": NOW, "prev": PREV}})
    assert len(cards) == len(exported) == 7
    for card, tile, want in zip(cards, exported, EXPECTED, strict=True):
        text = _text(card)
        assert f'"data-kpi": "{want["key"]}"' in text and want["value"] in text
        assert all(line in text for line in want["lines"])
        assert f'"children": "{want["change"]}", "className": "delta {want["tone"]}"' in text
        assert tile == {**want, "change": f"较上周 {want['change']}", "last_year": ""}  # snapshots carry no 同期
    for key in KPI_RATES:  # the card, the export and the map's metric picker explain a rate alike
        help_text = BY_KEY[key].help
        assert METRICS[key].help == help_text
        assert [t["lines"] for t in exported if t["key"] == key] == [[help_text]]


def test_cat004_labels_everywhere_come_from_the_catalogue():
    rates = {k: label for k, label, kind in snapshots.COMPARED if kind == "rate"}
    assert rates == {k: BY_KEY[k].label for k in KPI_RATES}
    assert {k: h for k, h, kind in content.UNIT_COLUMNS if kind == "rate"} == {
        "sign_rate": "签约率", "filing_rate": "备案率", "ent_coverage": "企业覆盖率", "worker_coverage": "职工覆盖率",
        "target_progress": "达目标"}
    assert dict(content.FLAT_COLUMNS)["target_progress"] == "签约覆盖企业达目标"
    assert content.RATE_KEYS == set(RATES)
    assert lagging.RULE_LABELS["filing"] == BY_KEY["filing_rate"].label
