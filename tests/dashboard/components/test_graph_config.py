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


def test_the_locale_is_served_from_assets():
    text = (ASSETS / "plotly-locale-zh-cn.js").read_text(encoding="utf-8")
    assert 'name:"zh-CN"' in text and "MIT" in text and "v4.1.1" in text
    assert (ASSETS / "LICENSE-plotly.js.txt").read_text().startswith("MIT License")
