"""Routing and the live-update check, for every page."""

from __future__ import annotations

import datetime as dt

from dash import ClientsideFunction, Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard import cache, ids, labels, scope
from dashboard.context import session
from dashboard.pages import document_title, render, shared_page
from dashboard.wire import plain
from db import queries


def register(app) -> None:
    @app.callback(Output(ids.PAGE, "children"), Output(ids.PAGE_TITLE, "data"),
                  Input(ids.URL, "pathname"), State(ids.URL, "search"))
    def route(pathname, search):
        return plain(render(pathname, search)), document_title(pathname, _unit_name)

    cache.share(app, Output(ids.PAGE, "children"), when=shared_page)

    # document.title follows the page (assets/page_title.js: the CSP forbids inline scripts).
    app.clientside_callback(ClientsideFunction("jizhong_page", "setTitle"),
                            Output(ids.PAGE_TITLE, "id"), Input(ids.PAGE_TITLE, "data"))

    @app.callback(
        Output(ids.DATA_VERSION, "data"),
        Output(ids.UPDATED_AT, "children"),
        Input(ids.LIVE_INTERVAL, "n_intervals"),
        State(ids.DATA_VERSION, "data"),
        prevent_initial_call=True,
    )
    def poll(_n, known):
        # Cheap: three aggregates over indexed ids. Unchanged data -> no update, no work downstream.
        with session() as s:
            version = queries.data_version(s)
        if version == known:
            raise PreventUpdate
        return version, f"{labels.UPDATED} {dt.datetime.now():%H:%M:%S}"


def _unit_name(code: str) -> str | None:
    with session() as s:
        unit = queries.unit(s, code) if scope.unit_visible(s, code) else None  # no name outside one's area
    return unit["name"] if unit else None
