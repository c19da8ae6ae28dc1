"""The overview's "显示全部" grid: open it from the ranking or the lagging list, search it by name,
drill down from a name. Each callback unpacks inputs, calls a pure builder, returns."""

from __future__ import annotations

from dash import ALL, ClientsideFunction, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.components.long_list import LAGGING, RANKING, code_from_cell, grid_view
from dashboard.data import thresholds
from dashboard.pages.overview import context_for, lagging_units
from dashboard.state import coerce
from domain.metrics import METRICS
from domain.ranking import metric_rows

CONTROLS = (ids.CAMPAIGN, ids.AS_OF, ids.METRIC, ids.DATA_VERSION)


def register(app) -> None:
    @app.callback(
        Output(ids.OV_ALL_PANEL, "hidden"),
        Output(ids.OV_ALL_GRID, "rowData"),
        Output(ids.OV_ALL_GRID, "columnDefs"),
        Output(ids.OV_ALL_TITLE, "children"),
        Output(ids.OV_ALL_FROM, "data"),
        Input({"type": ids.OV_SHOW_ALL, "list": ALL}, "n_clicks"),
        Input(ids.OV_ALL_CLOSE, "n_clicks"),
        *(Input(c, p) for c, p in zip(CONTROLS, ("value", "date", "value", "data"), strict=True)),
        State(ids.OV_ALL_PANEL, "hidden"),
        State(ids.OV_ALL_FROM, "data"),
        State(ids.AREA, "data"),
        prevent_initial_call=True,
    )
    def all_units(_clicks, _close, campaign, date_value, metric, _version, hidden, opened_from, area):
        trigger = ctx.triggered_id
        if trigger == ids.OV_ALL_CLOSE:
            return True, [], no_update, no_update, no_update  # nothing kept in the browser while closed
        if isinstance(trigger, dict):  # a 显示全部 button; a button just (re)drawn has no click yet
            if not (ctx.triggered and ctx.triggered[0]["value"]):
                raise PreventUpdate
            which = LAGGING if trigger.get("list") == LAGGING else RANKING
        elif hidden is False:  # another campaign, date or metric, or new data: refresh the open grid
            which = LAGGING if opened_from == LAGGING else RANKING
        else:
            raise PreventUpdate
        state = coerce(campaign, date_value, metric)
        context, snap = context_for(state, full=False, area_value=area, with_cases=False)  # the area is checked again there
        if snap is None:
            raise PreventUpdate
        c = context.campaign
        rows = metric_rows(snap.units, state.metric, context.as_of, c["window_start"], c["window_end"],
                           thresholds(c).pace)
        view = grid_view(rows, lagging_units(context, snap.units, snap.city, snap.whole), METRICS[state.metric].label, which)
        return False, view["rowData"], view["columnDefs"], view["title"], which

    @app.callback(
        Output(ids.RANKING, "clickData"),
        Input(ids.OV_ALL_GRID, "cellClicked"),
        prevent_initial_call=True,
    )
    def drill_from_grid(cell):
        """A name in the grid drills down as a bar of the ranking does: the click is handed to it."""
        code = code_from_cell(cell)
        if code is None:
            raise PreventUpdate
        return {"points": [{"customdata": [code]}]}

    # Search as one types, in the browser (ag-grid's quick filter on names); assets/long_list.js.
    app.clientside_callback(
        ClientsideFunction("jizhong_long_list", "quickFilter"),
        Output(ids.OV_ALL_GRID, "dashGridOptions"),
        Input(ids.OV_ALL_SEARCH, "value"),
        State(ids.OV_ALL_GRID, "dashGridOptions"),
        prevent_initial_call=True,
    )
    # Opened from the lagging list at the top of the page: bring the grid into view.
    app.clientside_callback(
        ClientsideFunction("jizhong_long_list", "scrollTo"),
        Output(ids.OV_ALL_SCROLLED, "data"),
        Input(ids.OV_ALL_PANEL, "hidden"),
        State(ids.OV_ALL_PANEL, "id"),
        prevent_initial_call=True,
    )
