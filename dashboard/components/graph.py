"""dcc.Graph with an explicit height: Dash 4 gives graphs `height: 100%`, which collapses them
inside auto-height cards. The figure's own layout height wins when it has one."""

from __future__ import annotations

from dash import dcc

from dashboard.theme import GRAPH_CONFIG


def graph(graph_id: str, figure, height: int = 420, class_name: str = "", **config) -> dcc.Graph:
    layout = figure.get("layout", {}) if isinstance(figure, dict) else figure.layout.to_plotly_json()
    px = layout.get("height") or height
    return dcc.Graph(id=graph_id, figure=figure, config=GRAPH_CONFIG | config, className=class_name,
                     style={"height": f"{px}px"})
