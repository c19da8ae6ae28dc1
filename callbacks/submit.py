"""Submission callbacks (`/submit`): reload the form, preview (grid or upload), withdraw, confirm.

Every callback is a public HTTP endpoint, so each authorises inside (`require_role`) and a reporter
acts only on its own unit. The work, the unit check and the signed preview are in
dashboard/pages/submit_flow.py and db/submission/preview.py; this module only wires them.
"""

from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.http.auth import require_role
from dashboard.pages import submit_flow as flow

ROLES = ("reporter", "admin")


def register(app) -> None:
    _register_reload(app)
    _register_previews(app)
    _register_size_check(app)
    _register_invalidate(app)
    _register_confirm(app)


def _register_reload(app) -> None:
    @app.callback(
        Output(ids.SU_PREVIOUS, "children"),
        Output(ids.SU_GRID, "rowData"),
        Output(ids.SU_LEADER, "value"),
        Output(ids.SU_FILLED_BY, "value"),
        Output(ids.SU_CORRECTION, "children"),
        Output(ids.SU_HISTORY, "children"),
        Output(ids.SU_RETURNED, "children"),
        Output(ids.SU_TEMPLATE, "href"),
        Output(ids.SU_DATE, "min"),
        Output(ids.SU_DATE, "max"),
        Output(ids.SU_PREVIEW, "children", allow_duplicate=True),
        Output(ids.SU_PENDING, "data", allow_duplicate=True),
        Input(ids.SU_CAMPAIGN, "value"),
        Input(ids.SU_UNIT, "value"),
        Input(ids.SU_DATE, "value"),
        Input(ids.SU_STAMP, "data"),
        prevent_initial_call=True,
    )
    @require_role(*ROLES)
    def reload(campaign, unit, date_value, _stamp):
        return flow.reload(campaign, unit, date_value)


def _register_previews(app) -> None:
    @app.callback(
        Output(ids.SU_PREVIEW, "children", allow_duplicate=True),
        Output(ids.SU_PENDING, "data", allow_duplicate=True),
        Output(ids.SU_RESULT, "children", allow_duplicate=True),
        Input(ids.SU_PREVIEW_BTN, "n_clicks"),
        State(ids.SU_GRID, "rowData"),
        State(ids.SU_CAMPAIGN, "value"),
        State(ids.SU_UNIT, "value"),
        State(ids.SU_DATE, "value"),
        State(ids.SU_LEADER, "value"),
        State(ids.SU_FILLED_BY, "value"),
        State(ids.SU_FILLED_ON, "value"),
        State(ids.SU_REASON, "value"),
        prevent_initial_call=True,
    )
    @require_role(*ROLES)
    def preview_form(_clicks, row_data, campaign, unit, date_value, leader, filled_by, filled_on, reason):
        return flow.preview_form(row_data, campaign, unit, date_value, leader, filled_by, filled_on, reason)

    @app.callback(
        Output(ids.SU_PREVIEW, "children", allow_duplicate=True),
        Output(ids.SU_PENDING, "data", allow_duplicate=True),
        Output(ids.SU_RESULT, "children", allow_duplicate=True),
        Output(ids.SU_GRID, "rowData", allow_duplicate=True),
        Output(ids.SU_LEADER, "value", allow_duplicate=True),
        Output(ids.SU_FILLED_BY, "value", allow_duplicate=True),
        Output(ids.SU_FILLED_ON, "value", allow_duplicate=True),
        Input(ids.SU_UPLOAD, "contents"),
        State(ids.SU_UPLOAD, "filename"),
        State(ids.SU_CAMPAIGN, "value"),
        State(ids.SU_UNIT, "value"),
        State(ids.SU_DATE, "value"),
        State(ids.SU_REASON, "value"),
        prevent_initial_call=True,
    )
    @require_role(*ROLES)
    def preview_upload(contents, filename, campaign, unit, date_value, reason):
        return flow.preview_upload(contents, filename, campaign, unit, date_value, reason)


def _register_size_check(app) -> None:
    # An .xlsx over the upload limit is refused in the browser before it is sent (assets/upload_check.js).
    app.clientside_callback(
        ClientsideFunction("jizhong", "uploadTooLarge"),
        Output(ids.SU_PREVIEW, "children", allow_duplicate=True),
        Input(ids.SU_UPLOAD, "contents"),
        State(ids.SU_UPLOAD, "filename"),
        State(ids.SU_UPLOAD_LIMIT, "data"),
        prevent_initial_call=True,
    )


def _register_invalidate(app) -> None:
    @app.callback(
        Output(ids.SU_PREVIEW, "children", allow_duplicate=True),
        Output(ids.SU_PENDING, "data", allow_duplicate=True),
        Input(ids.SU_GRID, "cellValueChanged"),
        Input(ids.SU_LEADER, "value"),
        Input(ids.SU_FILLED_BY, "value"),
        Input(ids.SU_FILLED_ON, "value"),
        Input(ids.SU_REASON, "value"),
        State(ids.SU_GRID, "rowData"),
        State(ids.SU_PENDING, "data"),
        prevent_initial_call=True,
    )
    @require_role(*ROLES)
    def invalidate(_changed, leader, filled_by, filled_on, reason, row_data, pending):
        return flow.invalidate(row_data, leader, filled_by, filled_on, reason, pending)


def _register_confirm(app) -> None:
    @app.callback(
        Output(ids.SU_RESULT, "children"),
        Output(ids.SU_PENDING, "data", allow_duplicate=True),
        Output(ids.SU_PREVIEW, "children", allow_duplicate=True),
        Output(ids.SU_STAMP, "data"),
        Input(ids.SU_CONFIRM, "n_clicks"),
        State(ids.SU_PENDING, "data"),
        prevent_initial_call=True,
    )
    @require_role(*ROLES)
    def confirm(clicks, pending):
        if not clicks:
            raise PreventUpdate  # the button was just rendered
        return flow.confirm(pending)
