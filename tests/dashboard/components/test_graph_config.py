"""One dcc.Graph config for every graph: Chinese toolbar, nothing that leaves the site."""

from __future__ import annotations

from pathlib import Path

from dashboard.components.graph import graph
from dashboard.theme import GRAPH_CONFIG

ASSETS = Path(__file__).resolve().parents[3] / "assets"


def test_config_is_chinese_and_offline():
    assert GRAPH_CONFIG["locale"] == "zh-CN"
    assert GRAPH_CONFIG["displaylogo"] is False
    assert GRAPH_CONFIG["showSendToCloud"] is False and GRAPH_CONFIG["showEditInChartStudio"] is False
    assert GRAPH_CONFIG["plotlyServerURL"] == ""
    assert {"sendChartToCloud", "editInChartStudio", "lasso2d", "select2d"} <= set(GRAPH_CONFIG["modeBarButtonsToRemove"])


def test_every_graph_gets_it_and_extras_only_add():
    g = graph("g", {"data": [], "layout": {}}, scrollZoom=False)
    assert g.config == GRAPH_CONFIG | {"scrollZoom": False}


def test_the_locale_is_in_the_plotly_bundle_served_from_assets():
    text = (ASSETS / "vendor" / "plotly-app.min.js").read_text(encoding="utf-8")
    assert "* locales: zh-CN\n" in text[:2000] and 'name:"zh-CN"' in text and "MIT" in text[:2000]
    assert "\\u4E0B\\u8F7D\\u56FE\\u8868\\u4E3APNG\\u683C\\u5F0F" in text  # 下载图表为PNG格式 (the modebar)
    assert (ASSETS / "LICENSE-plotly.js.txt").read_text().startswith("MIT License")
