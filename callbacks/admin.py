"""Admin callbacks: create users and tokens, revoke tokens, refresh the tables.

Every callback here is an HTTP endpoint an attacker can POST to, whatever the page shows, so each
is wrapped in `require_role("admin")` *inside* `app.callback`: Dash calls the guard, which audits
a refusal ("forbidden") and answers 403 before the body runs.
"""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask import current_app, request
from flask_login import current_user

from dashboard import ids
from dashboard.auth_web import require_role
from dashboard.pages import admin as page
from db import auth
from db.engine import write_session


def _engine():
    return current_app.extensions["jizhong_engine"]


def _who() -> dict:
    """actor and ip for the audit row of an admin action."""
    return {"actor": current_user.username, "ip": request.remote_addr or ""}


def register(app) -> None:
    @app.callback(
        Output(ids.AD_USER_UNIT, "disabled"),
        Output(ids.AD_USER_UNIT, "value"),
        Input(ids.AD_USER_ROLE, "value"),
        State(ids.AD_USER_UNIT, "value"),
    )
    @require_role("admin")
    def unit_only_for_reporters(role, unit):
        return role != "reporter", unit if role == "reporter" else None

    @app.callback(
        Output(ids.AD_USER_RESULT, "children"),
        Output(ids.AD_USER_NAME, "value"),
        Output(ids.AD_USER_PASSWORD, "value"),
        Output(ids.AD_USER_PASSWORD2, "value"),
        Input(ids.AD_USER_CREATE, "n_clicks"),
        State(ids.AD_USER_NAME, "value"),
        State(ids.AD_USER_ROLE, "value"),
        State(ids.AD_USER_UNIT, "value"),
        State(ids.AD_USER_PASSWORD, "value"),
        State(ids.AD_USER_PASSWORD2, "value"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def create_user(_clicks, username, role, unit, password, again):
        username = username.strip() if isinstance(username, str) else ""
        unit = str(unit) if unit and role == "reporter" else None
        problem = page.password_problem(password, again)
        if problem:
            return page.result(False, problem), no_update, "", ""
        try:
            with write_session(_engine()) as s:
                auth.create_user(s, username, password or "", role, unit, **_who())
        except auth.AuthError as exc:
            return page.result(False, exc.message), no_update, "", ""
        return page.result(True, f"已创建用户 {username}（{auth.ROLE_LABELS[role]}）"), "", "", ""

    @app.callback(
        Output(ids.AD_TOKEN_RESULT, "children"),
        Input(ids.AD_TOKEN_CREATE, "n_clicks"),
        State(ids.AD_TOKEN_UNIT, "value"),
        State(ids.AD_TOKEN_LABEL, "value"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def create_token(_clicks, unit, label):
        if not unit:
            return page.result(False, "请选择令牌所属的单位")
        try:
            with write_session(_engine()) as s:
                token = auth.create_token(s, str(unit), label=label or "", **_who())
        except auth.AuthError as exc:
            return page.result(False, exc.message)
        return page.token_once(token, str(unit))

    @app.callback(
        Output(ids.AD_TOKEN_RESULT, "children", allow_duplicate=True),  # replaces a shown token too
        Input({"type": ids.AD_TOKEN_REVOKE, "index": ALL}, "submit_n_clicks"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def revoke_token(_confirmed):
        # A re-rendered table brings new, unclicked buttons: only a confirmed click counts.
        if not ctx.triggered_id or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        token_id = ctx.triggered_id["index"]
        try:
            with write_session(_engine()) as s:
                auth.revoke_token(s, int(token_id), **_who())
        except (auth.AuthError, TypeError, ValueError) as exc:
            return page.result(False, getattr(exc, "message", f"令牌编号无效：{token_id}"))
        return page.result(True, f"已吊销令牌（编号 {token_id}）")

    @app.callback(
        Output(ids.AD_USERS, "children"),
        Output(ids.AD_TOKENS, "children"),
        Output(ids.AD_AUDIT, "children"),
        Input(ids.AD_USER_RESULT, "children"),
        Input(ids.AD_TOKEN_RESULT, "children"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def refresh_tables(_user_result, _token_result):
        return page.tables()
