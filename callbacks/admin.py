"""Admin callbacks of /admin: create users and tokens, revoke tokens; deactivate, reactivate,
unlock a user, reset a password (shown once), change a role, unit or area; refresh the tables.

Every callback here is an HTTP endpoint an attacker can POST to, whatever the page shows, so each
is wrapped in `require_role("admin")` *inside* `app.callback`: Dash calls the guard, which audits
a refusal ("forbidden") and answers 403 before the body runs.
"""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import context, ids, scope
from dashboard.context import actor
from dashboard.http.auth import require_role
from dashboard.pages import admin as page
from db.accounts import auth, roles
from db.accounts import queries as accounts_queries
from db.models import User

USER_OPS = {
    "deactivate": lambda s, user_id, **who: auth.set_user_active(s, user_id, False, **who),
    "reactivate": lambda s, user_id, **who: auth.set_user_active(s, user_id, True, **who),
    "unlock": auth.unlock_user,
    "reset": auth.reset_password,
}
USER_DONE = {"deactivate": "已停用用户 {name}", "reactivate": "已启用用户 {name}", "unlock": "已解锁用户 {name}"}


def register(app) -> None:
    _register_new_users(app)
    _register_tokens(app)
    _register_user_actions(app)


def _register_new_users(app) -> None:
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
        State(ids.AD_USER_AREA, "value"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def create_user(_clicks, username, role, unit, password, again, area):
        username = username.strip() if isinstance(username, str) else ""
        unit = str(unit) if unit and role == "reporter" else None
        area = area if role in ("leader", "admin") and area is not None else None
        if area is not None:
            with context.read() as s:
                if not page.is_area(s, area):
                    return page.result(False, "负责区域无效：请从列表中选择"), no_update, "", ""
                scope.require_area(s, area)  # an area admin: areas inside its own only
        problem = page.password_problem(password, again)
        if problem:
            return page.result(False, problem), no_update, "", ""
        try:
            auth.check_password_policy(password)
            if unit:
                with context.read() as s:
                    scope.require_unit(s, unit)  # an area admin: reporters of its units only
            hashed = auth.hash_password(password)  # argon2 before the write transaction, never in it
            with context.write() as s:
                created = auth.create_user(s, username, password, role, unit, **actor(), password_hash=hashed)
                if area is not None:
                    created.area_unit_id = area
                else:
                    _bind_to_area(created)
        except auth.AuthError as exc:
            return page.result(False, exc.message), no_update, "", ""
        return page.result(True, f"已创建用户 {username}（{auth.ROLE_LABELS[role]}）"), "", "", ""


def _bind_to_area(user: User) -> None:
    """An admin bound to an area makes leaders and admins of that area, never of the whole
    installation (an area above their own); a reporter is bound to its unit only."""
    top = scope.top_area_id()
    if top is not None:
        if user.role == "reporter":
            user.area_unit_id = None
        elif user.area_unit_id is None:  # a reporter made leader/admin: the admin's own area
            user.area_unit_id = top


def _register_tokens(app) -> None:
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
        with context.read() as s:
            scope.require_unit(s, str(unit))  # an area admin: tokens of its units only
        try:
            with context.write() as s:
                token = auth.create_token(s, str(unit), label=label or "", **actor())
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
        with context.read() as s:
            scope.require_token(s, token_id)
        try:
            with context.write() as s:
                auth.revoke_token(s, int(token_id), **actor())
        except (auth.AuthError, TypeError, ValueError) as exc:
            return page.result(False, getattr(exc, "message", f"令牌编号无效：{token_id}"))
        return page.result(True, f"已吊销令牌（编号 {token_id}）")


def _register_user_actions(app) -> None:
    @app.callback(
        Output(ids.AD_USER_RESULT, "children", allow_duplicate=True),
        Input({"type": ids.AD_USER_ACTION, "index": ALL, "op": ALL}, "submit_n_clicks"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def user_action(_confirmed):
        # As for revoke: a re-rendered table brings new, unclicked buttons; only a confirmed click counts.
        if not ctx.triggered_id or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        user_id, op = ctx.triggered_id.get("index"), ctx.triggered_id.get("op")
        if op not in USER_OPS or not isinstance(user_id, int):
            return page.result(False, f"无效的操作：{op}")
        with context.read() as s:
            scope.require_user(s, user_id)  # an area admin: accounts of its area only
        new = auth.random_password() if op == "reset" else None  # argon2 before the write transaction
        try:
            with context.write() as s:
                if op == "reset":
                    password = auth.reset_password(s, user_id, **actor(), new=new)
                    return page.password_once(s.get(User, user_id).username, password)
                user = USER_OPS[op](s, user_id, **actor())
                name = user.username
        except auth.AuthError as exc:
            return page.result(False, exc.message)
        return page.result(True, USER_DONE[op].format(name=name))

    @app.callback(
        Output(ids.AD_ROLE_UNIT, "disabled"),
        Output(ids.AD_ROLE_UNIT, "value"),
        Input(ids.AD_ROLE_ROLE, "value"),
        State(ids.AD_ROLE_UNIT, "value"),
    )
    @require_role("admin")
    def role_unit_only_for_reporters(role, unit):
        return role != "reporter", unit if role == "reporter" else None

    @app.callback(
        Output(ids.AD_ROLE_AREA, "disabled"),
        Output(ids.AD_ROLE_AREA, "value"),
        Input(ids.AD_ROLE_USER, "value"),
        Input(ids.AD_ROLE_ROLE, "value"),
        State(ids.AD_ROLE_AREA, "value"),
    )
    @require_role("admin")
    def role_area_only_for_leaders(username, role, area):
        current = None
        if isinstance(username, str) and username:
            with context.read() as s:  # an area admin: only its own accounts' areas
                current = accounts_queries.user_area(s, username, scope.manageable_users())
        return page.role_area(role, area, current, ctx.triggered_id == ids.AD_ROLE_USER)

    @app.callback(
        Output(ids.AD_USER_RESULT, "children", allow_duplicate=True),
        Input(ids.AD_ROLE_SAVE, "n_clicks"),
        State(ids.AD_ROLE_USER, "value"),
        State(ids.AD_ROLE_ROLE, "value"),
        State(ids.AD_ROLE_UNIT, "value"),
        State(ids.AD_ROLE_AREA, "value"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def change_role(_clicks, username, role, unit, area):
        if not username or not role:
            return page.result(False, "请选择用户和新角色")
        area = area if role in page.AREA_ROLES else None
        with context.read() as s:
            known = accounts_queries.user_id(s, str(username))
            if known is not None:
                scope.require_user(s, known)  # an area admin: accounts of its area only
            if unit and role == "reporter":
                scope.require_unit(s, str(unit))
            if area is not None:
                if not page.is_area(s, area):
                    return page.result(False, "负责区域无效：请从列表中选择")
                scope.require_area(s, area)  # an area admin: areas inside its own only
        if area is None and role in page.AREA_ROLES:
            area = scope.top_area_id()  # left empty: an area admin's own area (never the whole system)
        try:
            with context.write() as s:
                user_id = accounts_queries.user_id(s, str(username))
                if user_id is None or user_id != known:
                    raise auth.AuthError(f"用户 {username} 不存在")
                user = roles.set_user_role(s, user_id, str(role), str(unit) if unit else None, **actor(),
                                           area_id=area)
                label = auth.ROLE_LABELS[user.role]
                where = unit if user.role == "reporter" else f"负责区域：{roles.area_name(s, user.area_unit_id)}"
        except auth.AuthError as exc:
            return page.result(False, exc.message)
        return page.result(True, f"已将用户 {username} 改为{label}（{where}）")

    @app.callback(
        Output(ids.AD_USERS, "children"),
        Output(ids.AD_TOKENS, "children"),
        Output(ids.AD_AUDIT, "children"),
        Output(ids.AD_ROLE_USER, "options"),
        Input(ids.AD_USER_RESULT, "children"),
        Input(ids.AD_TOKEN_RESULT, "children"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def refresh_tables(_user_result, _token_result):
        return page.tables()
