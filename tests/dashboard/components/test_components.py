"""KPI cards, time bar and tables: pure component builders on hand-made data."""

import datetime as dt
import json

import pandas as pd
from plotly.utils import PlotlyJSONEncoder

from dashboard.components.cards import kpi_cards, lagging_list, target_line, time_bar
from dashboard.components.tables import attachment_table, history_table
from domain.lagging import Lagging, Reason
from domain.measures import MEASURES

D = dt.date
CAMPAIGN = {"window_start": D(2017, 3, 1), "window_end": D(2017, 5, 31), "deadline": D(2017, 6, 10)}


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), cls=PlotlyJSONEncoder, ensure_ascii=False)


def _city(**over):
    city = dict(zip(MEASURES, [2662, 22709, 1143000, 2490, 21065, 1065000, 2155, 18130, 920000]))
    city.update(sign_rate=0.935, filing_rate=0.865, ent_coverage=0.375, worker_coverage=0.415, target_progress=1.07)
    city.update(over)
    return city


def test_cmp001_kpi_cards_values_and_weekly_change():
    prev = _city(offer_copies=2649, filing_rate=0.805)
    cards = kpi_cards(_city(), prev, D(2017, 5, 24))
    text = "".join(_text(c) for c in cards)
    assert len(cards) == 7
    assert "2,662 份" in text and "覆盖企业 22,709 家" in text and "覆盖职工 114.3万 人" in text
    assert "+13 份" in text and "+6.0 个百分点" in text and "93.5%" in text


def test_cmp002_kpi_cards_without_previous_week_have_no_delta():
    text = "".join(_text(c) for c in kpi_cards(_city(sign_rate=None), None, None))
    assert "较上周" not in text and "—" in text


def test_cmp003_time_bar_day_and_deadline():
    text = _text(time_bar(CAMPAIGN, D(2017, 4, 14), 45 / 92, 0.608))
    assert "行动第 45 天（共 92 天）" in text and "距 6月10日 报送截止还有 57 天" in text
    assert "60.8%" in text and "48.9%" in text
    after = _text(time_bar(CAMPAIGN, D(2017, 6, 12), 1.0, 1.07))
    assert "行动已于 5月31日 结束" in after and "已过 6月10日 报送截止" in after


def test_cmp020_coverage_cards_name_their_target():
    """企业覆盖率 37.5% beside 达目标 107.1%: the card says the target is 35.0% of the enterprises."""
    cards = kpi_cards(_city(target_ents=19669, baseline_ents=56170, target_workers=0, baseline_workers=2566000),
                      None, None)
    targets = {c.children[1].to_plotly_json()["props"]["data-kpi"]: c.children[2] for c in cards
               if getattr(c.children[2], "className", "") == "kpi-target"}
    assert list(targets) == ["ent_coverage"]  # no worker target in this data: no line
    line = targets["ent_coverage"]
    assert line.children == "目标 35.0%" and line.title == "目标 19,669 家，占辖区 56,170 家的 35.0%"
    assert target_line("sign_rate", _city()) is None


def test_cmp021_time_bar_explains_its_marks():
    text = _text(time_bar(CAMPAIGN, D(2017, 6, 12), 1.0, 1.07))
    assert "tb-legend" in text and "条形：全市签约覆盖企业达目标（满格为 100%）" in text and "竖线：按时间应达进度" in text
    assert "107.0%（已超过目标）" in text
    assert "已超过目标" not in _text(time_bar(CAMPAIGN, D(2017, 4, 14), 45 / 92, 0.608))


def test_cmp004_lagging_list_links_keep_the_query():
    item = Lagging("371324", "兰陵县", [Reason("filing", "备案率 41%，低于全市 27 个百分点", 0.41, 27.0)], 2.7)
    text = _text(lagging_list([item], "?date=2017-04-14"))
    assert "/district/371324?date=2017-04-14" in text and "兰陵县：备案率 41%，低于全市 27 个百分点" in text
    assert "暂无落后单位" in _text(lagging_list([], ""))


def test_cmp005_attachment_table_total_row():
    lines = pd.DataFrame([["single", *range(1, 10)], ["regional", *range(10, 19)], ["industry", *[1000] * 9]],
                         columns=["kind", *MEASURES])
    text = _text(attachment_table(lines))
    assert "单独开展企业" in text and "合计" in text
    assert "1,011" in text  # offer copies: 1 + 10 + 1000
    assert "1,027" in text  # filed workers: 9 + 18 + 1000


def test_cmp006_history_marks_superseded_versions_and_warnings():
    h = pd.DataFrame([
        dict(report_date=D(2017, 3, 17), version=2, is_current=True, submitted_at=dt.datetime(2017, 3, 20, 9),
             submitted_by="李", source="web", reason="更正录入错误", warnings=["增幅异常"], offer_copies=5,
             signed_copies=3, filed_copies=1),
        dict(report_date=D(2017, 3, 17), version=1, is_current=False, submitted_at=dt.datetime(2017, 3, 18, 9),
             submitted_by="李", source="excel", reason="", warnings=[], offer_copies=5, signed_copies=2,
             filed_copies=1),
    ])
    text = _text(history_table(h))
    assert "第 2 版" in text and "已被更正" in text and "更正录入错误" in text and "⚠ 增幅异常" in text
    assert "Excel 导入" in text
    assert "尚无报送记录" in _text(history_table(pd.DataFrame()))


def test_cmp007_long_lagging_list_folds_after_eight():
    items = [Lagging(f"U{i}", f"单位{i}", [Reason("stale", "尚未报送", None, 1.0)], 10 - i) for i in range(11)]
    text = _text(lagging_list(items, ""))
    assert "落后单位 11 个" in text and "其余 3 个单位" in text and text.count("/district/U") == 11


def test_cmp030_kpi_cards_show_last_year_only_with_a_previous_campaign():
    """同期: each card gets one line above its weekly change, from the figures it is given."""
    last = {"campaign": {"name": "2016年行动"}, "date": D(2016, 5, 24),
            "figures": _city(offer_copies=2000, sign_rate=0.9)}
    cards = kpi_cards(_city(), _city(offer_copies=2649), D(2017, 5, 24), last)
    lines = {}
    for card in cards:
        yoy = [c for c in card.children if getattr(c, "className", "") == "kpi-sub kpi-yoy"]
        assert len(yoy) == 1 and card.children.index(yoy[0]) == len(card.children) - 2  # just above the change
        lines[yoy[0].to_plotly_json()["props"]["data-kpi-yoy"]] = yoy[0].children
        assert yoy[0].title == "上一年度行动：2016年行动"
    assert lines["offer_copies"] == "同期（2016年5月24日）2,000 份，+33.1%"  # 662 / 2000
    assert lines["sign_rate"] == "同期（2016年5月24日）90.0%，+3.5 个百分点"
    assert lines["filed_copies"] == "同期（2016年5月24日）2,155 份，持平"
    assert "同期" not in "".join(_text(c) for c in kpi_cards(_city(), None, None))
    assert "同期" not in "".join(_text(c) for c in kpi_cards(_city(), None, None, None))


def test_cmp031_district_last_year_card():
    from dashboard.pages.district import last_year_card

    assert last_year_card(_city(), None) is None
    card = last_year_card(_city(), {"campaign": {"name": "2016年行动"}, "date": D(2016, 4, 14),
                                    "figures": _city(offer_copies=2000)})
    text = _text(card)
    assert "与去年同期比较" in text and "发出要约书 2,662 份" in text and "同期（2016年4月14日）2,000 份，+33.1%" in text
    assert text.count("同期（2016年4月14日）") == 7
