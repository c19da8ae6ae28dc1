"""Callbacks of /summaries: another campaign, or new data (DATA_VERSION), re-renders the countdown and
the status table.

Uploads are a plain form (dashboard/http/files.py), not a callback. Read-only here, but still
authorised inside: every signed-in role may look.
"""

from __future__ import annotations

from dash import Input, Output, State
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.context import session
from dashboard.http.auth import require_role
from dashboard.pages import summaries as page
from dashboard.state import parse
from db import queries
from db.accounts.auth import ROLES


def register(app) -> None:
    @app.callback(
        Output(ids.SM_COUNTDOWN, "children"),
        Output(ids.SM_TABLE, "children"),
        Input(ids.SM_CAMPAIGN, "value"),
        Input(ids.DATA_VERSION, "data"),  # an upload by any unit shows up without a reload
        State(ids.URL, "search"),  # the as-of date (?date=)
        prevent_initial_call=True,
    )
    @require_role(*ROLES)
    def show_campaign(campaign_id, _version, search):
        if not isinstance(campaign_id, int) or isinstance(campaign_id, bool):
            raise PreventUpdate
        with session() as s:
            campaign = queries.campaign(s, campaign_id)
            if campaign is None:
                raise PreventUpdate
            view = page.content(s, campaign, page.as_of_for(s, campaign, parse(search if isinstance(search, str) else "")))
        return view["countdown"], view["table"]
