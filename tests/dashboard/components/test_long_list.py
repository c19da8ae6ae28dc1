"""The lagging list past 15 units, the "显示全部" buttons and the grid of every unit: pure builders."""

from __future__ import annotations

import json

from plotly.utils import PlotlyJSONEncoder

from dashboard import ids
from dashboard.components import long_list
from dashboard.components.cards import lagging_list
from domain.lagging import Lagging, Reason
from domain.ranking import SHOWN_EACH


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), cls=PlotlyJSONEncoder, ensure_ascii=False)


def lagging(n: int) -> list[Lagging]:
    return [Lagging(f"U{i}", f"单位{i}", [Reason("stale", "尚未报送", None, 1.0)], n - i) for i in range(n)]


def test_lst001_long_lagging_list_builds_fifteen_cards_and_a_show_all():
    text = _text(lagging_list(lagging(2_875), "?date=2017-04-14"))
    assert text.count("/district/U") == SHOWN_EACH  # never a card per unit
    assert "落后单位 2,875 个" in text and "其后 7 个单位（共 2,867 个）" in text
    assert "显示全部（2,875 个）" in text and f'"type": "{ids.OV_SHOW_ALL}", "list": "lagging"' in text
    short = _text(lagging_list(lagging(SHOWN_EACH), ""))
    assert short.count("/district/U") == SHOWN_EACH and "显示全部" not in short and "其余 7 个单位" in short


def test_lst002_ranking_slot_has_show_all_only_past_two_ends():
    assert len(long_list.ranking_slot("graph", 2 * SHOWN_EACH, SHOWN_EACH)) == 1
    graph, button = long_list.ranking_slot("graph", 136, SHOWN_EACH)
    assert button.children == "显示全部（136 个）" and button.id == {"type": ids.OV_SHOW_ALL, "list": "ranking"}


def test_lst003_grid_view_from_the_ranking_and_from_the_lagging_list():
    rows = [{"code": "B", "name": "乙县", "value": 0.2, "value_text": "20.0%", "rank": 2, "rank_text": "第 2 / 3",
             "reported": True},
            {"code": "A", "name": "甲县", "value": 0.8, "value_text": "80.0%", "rank": 1, "rank_text": "第 1 / 3",
             "reported": True},
            {"code": "K", "name": "开发区", "value": None, "value_text": "尚未报送", "rank": None,
             "rank_text": "无排名", "reported": False}]
    lag = [Lagging("K", "开发区", [Reason("stale", "尚未报送", None, 45.0)], 13.5)]
    view = long_list.grid_view(rows, lag, "备案率", long_list.RANKING)
    assert [r["code"] for r in view["rowData"]] == ["A", "B", "K"] and view["title"] == "全部单位（3 个）"
    cols = {c["field"]: c for c in view["columnDefs"]}
    assert list(cols) == ["name", "value", "rank", "reported", "reasons"]
    assert cols["value"]["headerName"] == "备案率" and "value_text" in cols["value"]["valueFormatter"]["function"]
    assert "getQuickFilterText" not in cols["name"]  # the search box looks at names only
    assert all("getQuickFilterText" in c for f, c in cols.items() if f != "name")
    from_lagging = long_list.grid_view(rows, lag, "备案率", long_list.LAGGING)
    assert [r["code"] for r in from_lagging["rowData"]] == ["K"] and from_lagging["title"] == "落后单位（1 个）"
    assert from_lagging["rowData"][0]["reasons"] == "尚未报送"


def test_lst004_a_name_cell_click_names_the_unit():
    assert long_list.code_from_cell({"colId": "name", "rowId": "371302", "value": "兰山区"}) == "371302"
    for cell in (None, "x", {"colId": "rank", "rowId": "371302"}, {"colId": "name", "rowId": 5}, {"colId": "name"}):
        assert long_list.code_from_cell(cell) is None


def test_lst005_panel_is_hidden_empty_and_searchable():
    panel = long_list.all_units_panel()
    text = _text(panel)
    assert panel.hidden is True and '"rowData": []' in text
    assert '"placeholder": "按名称搜索"' in text and '"quickFilterText": ""' in text
    assert '"pagination": false' in text and '"domLayout": "normal"' in text  # virtual scrolling
