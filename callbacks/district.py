"""District page: rebuild the body when new data lands (the live check says so)."""

from __future__ import annotations

from dash import Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard import cache, ids, scope
from dashboard.data import session
from dashboard.pages import district_code
from dashboard.pages.district import body
from dashboard.state import parse


def register(app) -> None:
    @app.callback(
        Output(ids.D_BODY, "children"),
        Input(ids.DATA_VERSION, "data"),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def refresh(_version, pathname, search):
        code = district_code(pathname)
        if code is None:
            raise PreventUpdate
        with session() as s:
            scope.require_unit(s, code)  # 403 for another area's unit, whatever the page showed
        return body(code, parse(search))

    cache.share(app, Output(ids.D_BODY, "children"))
