"""Long lists of the overview: "显示全部（K 个）" beside the ranking and the lagging list, and the one
virtualised grid of every unit it opens (dash-ag-grid: rows are data, not Dash components, so the
page weighs the same with 12 units or 2,875). Pure: rows in, components and grid props out.

The grid's rows are domain.ranking.all_unit_rows, from the same rows the ranking draws and the
same lagging evaluation the list shows. callbacks/long_lists.py fills it when it is opened.
"""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.components.tables import column, data_grid
from domain.format import thousands
from domain.ranking import SHOWN_EACH, all_unit_rows

RANKING, LAGGING = "ranking", "lagging"  # which list a "显示全部" button belongs to
SEARCH_PLACEHOLDER = "按名称搜索"
GRID_HEIGHT_PX = 520  # about 12 rows in view; the grid scrolls (and renders) only what is in view
NOT_IN_QUICK_FILTER = {"function": "''"}  # the search box looks at names only


def show_all_id(which: str) -> dict:
    return {"type": ids.OV_SHOW_ALL, "list": which}


def show_all_button(which: str, count: int) -> html.Button:
    """"显示全部（2,875 个）": opens the grid of every unit (or of every lagging unit)."""
    return html.Button(f"显示全部（{thousands(count)} 个）", id=show_all_id(which), n_clicks=0,
                       className="btn btn-small show-all", **{"data-list": which})


def ranking_slot(graph_component, count: int, each: int = SHOWN_EACH) -> list:
    """The ranking card's content: the chart, and past 2 x `each` units the "显示全部" button."""
    return [graph_component, *([show_all_button(RANKING, count)] if count > 2 * each else [])]


def all_units_panel() -> html.Div:
    """The grid of every unit, hidden until a "显示全部" opens it; empty until then (no rows travel
    with the page)."""
    grid = data_grid(ids.OV_ALL_GRID, grid_columns("—"), [], row_id="code",
                     grid_options={"pagination": False, "domLayout": "normal", "quickFilterText": ""})
    grid.style = {"width": "100%", "height": f"{GRID_HEIGHT_PX}px"}
    return html.Div(
        [
            html.Div(
                [
                    html.H3("全部单位", id=ids.OV_ALL_TITLE),
                    dcc.Input(id=ids.OV_ALL_SEARCH, type="search", placeholder=SEARCH_PLACEHOLDER, value="",
                              debounce=False, className="all-search", autoComplete="off"),
                    html.Button("收起", id=ids.OV_ALL_CLOSE, n_clicks=0, className="btn btn-small"),
                ],
                className="all-head",
            ),
            html.P("点击单位名称查看详情；点击列标题排序。", className="muted"),
            grid,
            dcc.Store(id=ids.OV_ALL_FROM),
            dcc.Store(id=ids.OV_ALL_SCROLLED),
        ],
        id=ids.OV_ALL_PANEL, hidden=True, className="card all-units",
    )


def grid_columns(metric_label: str) -> list[dict]:
    """单位 (click: drill down), the metric as the chart writes it (sorted by value), 排名, 报送, 落后原因."""
    return [
        column("name", "单位", width=140, flex=1.2, cellClass="grid-link"),
        column("value", metric_label, width=130, numeric=True, getQuickFilterText=NOT_IN_QUICK_FILTER,
               valueFormatter={"function": "params.data ? params.data.value_text : ''"}),
        column("rank", "排名", width=90, flex=None, numeric=True, getQuickFilterText=NOT_IN_QUICK_FILTER),
        column("reported", "报送", width=110, flex=None, getQuickFilterText=NOT_IN_QUICK_FILTER),
        column("reasons", "落后原因", width=220, flex=2.5, wrap=True, getQuickFilterText=NOT_IN_QUICK_FILTER),
    ]


def grid_title(which: str, count: int) -> str:
    return f"落后单位（{thousands(count)} 个）" if which == LAGGING else f"全部单位（{thousands(count)} 个）"


def code_from_cell(cell: dict | None) -> str | None:
    """The unit code of a click on a name cell of the grid (None for any other cell, or a forged click)."""
    if not isinstance(cell, dict) or cell.get("colId") != "name":
        return None
    code = cell.get("rowId")
    return code if isinstance(code, str) and code else None


def grid_view(rows: list[dict], lagging: list, metric_label: str, which: str) -> dict:
    """What the grid shows once opened from `which` list: rowData, columnDefs and the title.

    `rows` are domain.ranking.metric_rows, `lagging` domain.lagging.evaluate's items: from the
    ranking every unit in ranking order, from the lagging list the lagging units, most severe first."""
    data = all_unit_rows(rows, lagging, only_lagging=which == LAGGING)
    return {"rowData": data, "columnDefs": grid_columns(metric_label), "title": grid_title(which, len(data))}
