"""Callbacks of /cases, /case/<id> and /cases/new: filters, save (create/update with photos), remove a
photo, mark 市级典型.

Every callback is a public endpoint, so each authorises inside: `require_role(...)` first, then the
unit check against the database in dashboard/pages/case_flow.py (a reporter edits only their own
unit's cases, whatever the request says). Saving is db/cases/saving.py; this module only wires.
"""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.http.auth import require_role
from dashboard.pages import case_flow as flow
from db.accounts.auth import ROLES

EDITORS = ("reporter", "admin")


def register(app) -> None:
    _register_list(app)
    _register_save(app)
    _register_detail(app)


def _register_list(app) -> None:
    @app.callback(
        Output(ids.CS_COUNT, "children"),
        Output(ids.CS_GALLERY, "children"),
        Output(ids.CS_PHOTOS, "children"),
        Output(ids.CS_TARGETS, "children"),
        Input(ids.CS_CAMPAIGN, "value"),
        Input(ids.CS_UNIT, "value"),
        Input(ids.CS_LEVEL, "value"),
        Input(ids.CS_STAGE, "value"),
        Input(ids.CS_CITY, "value"),
        Input(ids.DATA_VERSION, "data"),  # a case saved elsewhere shows up without a reload
        prevent_initial_call=True,
    )
    @require_role(*ROLES)
    def filter_cases(campaign, unit, level, stage, city, _version):
        return flow.filter_cases(campaign, unit, level, stage, city)


def _register_save(app) -> None:
    @app.callback(
        Output(ids.CS_F_PHOTO_NAMES, "children"),
        Input(ids.CS_F_PHOTOS, "filename"),
        prevent_initial_call=True,
    )
    @require_role(*EDITORS)
    def chosen_photos(filenames):
        return flow.chosen_photos(filenames)

    @app.callback(
        Output(ids.CS_F_RESULT, "children"),
        Output(ids.CS_F_PHOTOS, "contents"),
        Output(ids.URL, "pathname", allow_duplicate=True),
        Input(ids.CS_F_SAVE, "n_clicks"),
        State(ids.CS_F_CASE, "data"),
        State(ids.CS_F_CAMPAIGN, "data"),
        State(ids.CS_F_UNIT, "value"),
        State(ids.CS_F_TITLE, "value"),
        State(ids.CS_F_SUBJECT, "value"),
        State(ids.CS_F_SUMMARY, "value"),
        State(ids.CS_F_LEVEL, "value"),
        State(ids.CS_F_STAGE, "value"),
        State(ids.CS_F_STARTED, "value"),
        State(ids.CS_F_SELECTED, "value"),
        State(ids.CS_F_LON, "value"),
        State(ids.CS_F_LAT, "value"),
        State(ids.CS_F_PHOTOS, "contents"),
        State(ids.CS_F_PHOTOS, "filename"),
        prevent_initial_call=True,
    )
    @require_role(*EDITORS)
    def save(_clicks, case_id, campaign_id, unit, title, subject, summary, level, stage, started, selected, lon, lat,
             contents, filenames):
        # Dash fires this when the page is rendered (the URL output is outside the new page): no click, no save.
        if not _clicks:
            raise PreventUpdate
        form = flow.fields(title, subject, summary, level, stage, started, selected, lon, lat)
        return flow.save(case_id, campaign_id, unit, form, contents, filenames)


def _register_detail(app) -> None:
    @app.callback(
        Output(ids.CS_DETAIL, "children"),
        Input(ids.CS_F_RESULT, "children"),
        State(ids.CS_F_CASE, "data"),
        prevent_initial_call=True,
    )
    @require_role(*ROLES)
    def refresh_detail(_result, case_id):
        case_id = flow.case_id_or_none(case_id)
        if case_id is None:
            raise PreventUpdate
        return flow.detail(case_id)

    @app.callback(
        Output(ids.CS_F_RESULT, "children", allow_duplicate=True),
        Input({"type": ids.CS_PHOTO_REMOVE, "index": ALL}, "submit_n_clicks"),
        State(ids.CS_F_CASE, "data"),
        prevent_initial_call=True,
    )
    @require_role(*EDITORS)
    def remove_photo(_confirmed, case_id):
        # A re-rendered grid brings new, unclicked buttons: only a confirmed click counts.
        if not ctx.triggered_id or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        return flow.remove_photo(case_id, ctx.triggered_id.get("index"))

    @app.callback(
        Output(ids.CS_MARK_RESULT, "children"),
        Output(ids.CS_MARK, "children"),
        Output(ids.CS_DETAIL, "children", allow_duplicate=True),
        Input(ids.CS_MARK, "n_clicks"),
        State(ids.CS_F_CASE, "data"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def mark(clicks, case_id):
        case_id = flow.case_id_or_none(case_id)
        if not clicks or case_id is None:
            raise PreventUpdate
        return flow.mark(case_id)
