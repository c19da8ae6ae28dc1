"""Callbacks of /instructors, /evaluation, /supervision and the overview's follow-up panel.

Every callback is a public HTTP endpoint, so each one checks the role inside (`require_role`, which
audits a refusal and answers 403). The work, and the pinning of a reporter to its own unit, is in
dashboard/pages/followup_flow.py; this module only wires it.
"""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from dashboard import cache, ids
from dashboard.components.followup_forms import page_unit
from dashboard.http.auth import require_role
from dashboard.pages import evaluation, instructors, supervision
from dashboard.pages import followup_flow as flow
from dashboard.state import parse
from dashboard.wire import plain

VIEWERS = ("leader", "reporter", "admin")
WRITERS = ("reporter", "admin")


def register(app) -> None:
    _register_panel(app)
    _register_bodies(app)
    _register_instructors(app)
    _register_work_logs(app)
    _register_evaluation(app)
    _register_supervision(app)


def _confirmed_click() -> None:
    """A re-rendered table brings new, unclicked buttons: only a (confirmed) click counts."""
    if not ctx.triggered_id or not ctx.triggered[0]["value"]:
        raise PreventUpdate


def _register_panel(app) -> None:
    @app.callback(
        Output(ids.AC_PANEL, "children"),
        Input(ids.CAMPAIGN, "value"),
        Input(ids.AS_OF, "date"),
        Input(ids.DATA_VERSION, "data"),
        State(ids.AREA, "data"),
        # Also when the overview places the panel's frame (dashboard.components.followup_panel.overview_slot):
        # the page's first answer does not wait for the panel.
        prevent_initial_call=False,
    )
    @require_role(*VIEWERS)
    def refresh_panel(campaign, date_value, _version, area):
        return plain(flow.panel(campaign, date_value, area))  # ~500 cells: serialised directly (dashboard.wire)

    cache.share(app, Output(ids.AC_PANEL, "children"))

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.AC_UNIT_FILTER, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    @require_role(*VIEWERS)
    def filter_unit(unit, search):
        return flow.filter_unit(unit, search)


def _register_bodies(app) -> None:
    @app.callback(
        Output(ids.AC_IN_BODY, "children"),
        Input(ids.URL, "search"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.AC_SAVED, "data"),
    )
    @require_role(*VIEWERS)
    def instructors_body(search, _version, _saved):
        state = parse(search)
        return instructors.body(state.campaign, state.date, page_unit(search), search)

    @app.callback(
        Output(ids.AC_EV_BODY, "children"),
        Input(ids.URL, "search"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.AC_SAVED, "data"),
        Input(ids.AC_EV_TREND_DIM, "value"),
    )
    @require_role(*VIEWERS)
    def evaluation_body(search, _version, _saved, trend_dim):
        state = parse(search)
        return evaluation.body(state.campaign, state.date, page_unit(search), trend_dim, search)

    @app.callback(
        Output(ids.AC_SV_BODY, "children"),
        Input(ids.URL, "search"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.AC_SAVED, "data"),
    )
    @require_role(*VIEWERS)
    def supervision_body(search, _version, _saved):
        state = parse(search)
        return supervision.body(state.campaign, state.date, page_unit(search), search)

    for body in (ids.AC_IN_BODY, ids.AC_EV_BODY, ids.AC_SV_BODY):  # per scope: a reporter's unit is in the key
        cache.share(app, Output(body, "children"))


def _register_instructors(app) -> None:
    @app.callback(
        Output(ids.AC_IN_RESULT, "children"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Output(ids.AC_IN_NAME, "value"),
        Output(ids.AC_IN_PHONE, "value"),
        Input(ids.AC_IN_ADD, "n_clicks"),
        State(ids.AC_CAMPAIGN, "data"),
        State(ids.AC_IN_UNIT, "value"),
        State(ids.AC_IN_NAME, "value"),
        State(ids.AC_IN_PHONE, "value"),
        State(ids.AC_IN_SINCE, "value"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role(*WRITERS)
    def add_instructor(_clicks, campaign, unit, name, phone, since, saved):
        return flow.add_instructor(campaign, unit, name, phone, since, saved)

    @app.callback(
        Output(ids.AC_Q_RESULT, "children"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Input(ids.AC_Q_SAVE, "n_clicks"),
        State(ids.AC_CAMPAIGN, "data"),
        State(ids.AC_Q_UNIT, "value"),
        State(ids.AC_Q_REQUIRED, "value"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def set_required(_clicks, campaign, unit, required, saved):
        return flow.set_required(campaign, unit, required, saved)

    @app.callback(
        Output(ids.AC_IN_CONFIRM, "displayed"),
        Output(ids.AC_IN_CONFIRM, "message"),
        Output(ids.AC_IN_PENDING, "data"),
        Input(ids.AC_IN_ROSTER, "cellClicked"),
        prevent_initial_call=True,
    )
    @require_role(*VIEWERS)  # the grid may report a click (or its mount) for anyone; only writers are asked
    def ask_remove(cell):
        return flow.ask_remove(cell)

    @app.callback(
        Output(ids.AC_IN_RESULT, "children", allow_duplicate=True),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Input(ids.AC_IN_CONFIRM, "submit_n_clicks"),
        State(ids.AC_IN_PENDING, "data"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role(*WRITERS)
    def remove_instructor(confirmed, instructor_id, saved):
        if not confirmed:
            raise PreventUpdate
        return flow.remove_instructor(instructor_id, saved)


def _register_work_logs(app) -> None:
    @app.callback(
        Output(ids.AC_LOG_WHO, "options"),
        Output(ids.AC_LOG_WHO, "value"),
        Input(ids.AC_LOG_UNIT, "value"),
        State(ids.AC_CAMPAIGN, "data"),
    )
    @require_role(*WRITERS)
    def log_people(unit, campaign):
        return flow.log_people(unit, campaign)

    @app.callback(
        Output(ids.AC_LOG_RESULT, "children"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Output(ids.AC_LOG_ENTERPRISE, "value"),
        Output(ids.AC_LOG_NOTE, "value"),
        Input(ids.AC_LOG_ADD, "n_clicks"),
        State(ids.AC_CAMPAIGN, "data"),
        State(ids.AC_LOG_UNIT, "value"),
        State(ids.AC_LOG_WHO, "value"),
        State(ids.AC_LOG_DATE, "value"),
        State(ids.AC_LOG_ACTIVITY, "value"),
        State(ids.AC_LOG_ENTERPRISE, "value"),
        State(ids.AC_LOG_NOTE, "value"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role(*WRITERS)
    def add_log(_clicks, campaign, unit, who, day, activity, enterprise, note, saved):
        return flow.add_log(campaign, unit, who, day, activity, enterprise, note, saved)


def _register_evaluation(app) -> None:
    @app.callback(
        Output(ids.AC_SC_RESULT, "children"),
        Output(ids.AC_SC_EDITOR, "children"),
        Output(ids.AC_ES_FORM, "children"),
        Output(ids.AC_EV_TREND_DIM, "options"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Input(ids.AC_SC_SAVE, "n_clicks"),
        State(ids.AC_CAMPAIGN, "data"),
        State(ids.AC_SC_IDS, "data"),
        State({"type": ids.AC_SC_NAME, "index": ALL}, "value"),
        State({"type": ids.AC_SC_WEIGHT, "index": ALL}, "value"),
        State({"type": ids.AC_SC_SCALE, "index": ALL}, "value"),
        State({"type": ids.AC_SC_ACTIVE, "index": ALL}, "value"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def save_scheme(_clicks, campaign, row_ids, names, weights, scales, actives, saved):
        return flow.save_scheme(campaign, row_ids, names, weights, scales, actives, saved)

    @app.callback(
        Output(ids.AC_ES_RESULT, "children"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Input(ids.AC_ES_SAVE, "n_clicks"),
        State(ids.AC_CAMPAIGN, "data"),
        State(ids.AC_ES_UNIT, "value"),
        State(ids.AC_ES_ENTERPRISE, "value"),
        State(ids.AC_ES_DATE, "value"),
        State({"type": ids.AC_ES_SCORE, "index": ALL}, "value"),
        State({"type": ids.AC_ES_SCORE, "index": ALL}, "id"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def add_scores(_clicks, campaign, unit, enterprise, day, values, score_ids, saved):
        return flow.add_scores(campaign, unit, enterprise, day, values, score_ids, saved)


def _register_supervision(app) -> None:
    @app.callback(
        Output(ids.AC_RF_RESULT, "children"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Input(ids.AC_RF_ADD, "n_clicks"),
        State(ids.AC_CAMPAIGN, "data"),
        State(ids.AC_RF_UNIT, "value"),
        State(ids.AC_RF_ENTERPRISE, "value"),
        State(ids.AC_RF_KIND, "value"),
        State(ids.AC_RF_DATE, "value"),
        State(ids.AC_RF_DEADLINE, "value"),
        State(ids.AC_RF_DESC, "value"),
        State(ids.AC_RF_INTERVENTION, "value"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role(*WRITERS)
    def add_refusal(_clicks, campaign, unit, enterprise, kind, found, deadline, description, intervention, saved):
        return flow.add_refusal(campaign, unit, enterprise, kind, found, deadline, description, intervention, saved)

    @app.callback(
        Output(ids.AC_RF_STATUS_RESULT, "children"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Input({"type": ids.AC_RF_STATUS, "index": ALL}, "n_clicks"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role(*WRITERS)
    def refusal_status(_clicks, saved):
        _confirmed_click()  # a re-rendered table, not a click
        return flow.refusal_status(ctx.triggered_id.get("index", ""), saved)
