"""Admin `/admin` (管理员 only): user accounts, API tokens for machine submission, the audit log.

Its sub-pages (`SECTIONS`, one sub-navigation): /admin/campaigns (admin_campaigns.py),
/admin/units (admin_units.py), /admin/targets (admin_targets.py). They share the helpers here
(`subnav`, `forbidden`, `result`, `field`, `table`).

The router shows `forbidden()` to everyone else, and `layout()` checks again, so no code path
renders account data for a non-admin. Writes happen in callbacks/admin*.py through db/accounts/auth.py and
db/admin/ (campaigns, units, targets); the table builders here are pure (rows in, components out).
"""

from __future__ import annotations

import datetime as dt

from dash import dcc, html

from dashboard import ids, labels, scope
from dashboard.components.dropdown import dropdown
from dashboard.data import session
from dashboard.http.auth import has_role
from db.accounts import auth
from db.accounts.queries import area_choices, audit_log_of, list_users, unit_choices
from domain.hierarchy import LEVEL_LABELS

TITLE = "系统管理"
FORBIDDEN = "无权访问：仅管理员可用"
AUDIT_LIMIT = 200
PASSWORD_MISMATCH = "两次输入的密码不一致"
ANONYMOUS = "（匿名）"
TOKEN_ONCE_NOTE = "请立即复制并妥善保存：此令牌只显示这一次，离开或刷新本页后无法再次查看（数据库只保存它的哈希值）。"

ACTION_LABELS = {
    "login.success": "登录成功",
    "login.failure": "登录失败",
    "login.locked": "账户锁定",
    "logout": "退出登录",
    "password.change": "修改密码",
    "password.failure": "修改密码失败",
    "user.create": "创建用户",
    "token.create": "创建令牌",
    "token.revoke": "吊销令牌",
    "forbidden": "越权请求（已拒绝）",
    "login.throttled": "登录限流（已拒绝）",
    "user.deactivate": "停用用户",
    "user.reactivate": "启用用户",
    "user.unlock": "解锁用户",
    "user.password_reset": "重置密码",
    "user.update": "修改角色/单位/负责区域",
    "campaign.create": "新建行动",
    "campaign.update": "修改行动",
    "campaign.thresholds": "修改落后阈值",
    "unit.create": "新增单位",
    "unit.update": "修改单位",
    "unit.import": "导入单位名单",
    "baseline.update": "修改基数与目标",
}

# The admin sub-pages: (path, label). One sub-navigation on each.
SECTIONS = (
    ("/admin", "用户、令牌与审计"),
    ("/admin/campaigns", "行动与阈值"),
    ("/admin/units", "单位"),
    ("/admin/targets", "基数与目标"),
)


def _time(value: dt.datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "—"


def forbidden() -> html.Div:
    return html.Div(
        [html.H2(FORBIDDEN), html.P("您的账户没有管理员权限。如需使用本页，请联系系统管理员。"),
         dcc.Link(labels.BACK, href="/", className="back")],
        className="card notice forbidden",
    )


# --- tables (pure) ---------------------------------------------------------------------------------


def subnav(active: str) -> html.Nav:
    """The admin sub-pages, the current one marked."""
    return html.Nav(
        [dcc.Link(label, href=href, className="subnav-link" + (" active" if href == active else ""))
         for href, label in SECTIONS],
        id=ids.AD_SUBNAV,
        className="subnav",
    )


def table(headers: list[str], rows: list[html.Tr], empty: str) -> html.Table | html.P:
    return _table(headers, rows, empty)


def _table(headers: list[str], rows: list[html.Tr], empty: str) -> html.Table | html.P:
    if not rows:
        return html.P(empty, className="muted")
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(rows)], className="admin-table")


def _user_button(user: dict, op: str, text: str, message: str, danger: bool = False) -> dcc.ConfirmDialogProvider:
    return dcc.ConfirmDialogProvider(
        html.Button(text, className="btn btn-small" + (" btn-danger" if danger else "")),
        id={"type": ids.AD_USER_ACTION, "index": user["id"], "op": op},
        message=message,
    )


def user_actions(u: dict, now: dt.datetime) -> list:
    """Row buttons: 停用/启用, 解锁 (when locked or failing), 重置密码; each asks to confirm."""
    name = u["username"]
    buttons = [
        _user_button(u, "deactivate", "停用", f"确定停用用户 {name} 吗？其已登录的会话将立即失效。", danger=True)
        if u["is_active"] else _user_button(u, "reactivate", "启用", f"确定重新启用用户 {name} 吗？"),
    ]
    if (u["locked_until"] and u["locked_until"] > now) or u["failed_logins"]:
        buttons.append(_user_button(u, "unlock", "解锁", f"确定解除用户 {name} 的登录锁定吗？"))
    buttons.append(_user_button(u, "reset", "重置密码", f"确定为用户 {name} 生成新密码吗？原密码将立即失效，新密码只显示一次。"))
    return buttons


def users_table(users: list[dict], now: dt.datetime | None = None) -> html.Table | html.P:
    now = now or dt.datetime.now()
    rows = []
    for u in users:
        if u["unit_code"]:
            unit = f"{u['unit_name']}（{u['unit_code']}）"
        else:  # a leader or admin: the area it sees and manages
            unit = f"负责区域：{u.get('area_name') or '全部'}" if u["role"] in ("leader", "admin") else "—"
        locked = u["locked_until"]
        lock_cell = html.Td(_time(locked), className="warn" if locked and locked > now else "muted-cell")
        rows.append(
            html.Tr(
                [
                    html.Td(u["username"], className="name"),
                    html.Td(auth.ROLE_LABELS.get(u["role"], u["role"])),
                    html.Td(unit),
                    html.Td("启用" if u["is_active"] else "停用", className="" if u["is_active"] else "warn"),
                    html.Td(u["failed_logins"], className="num"),
                    lock_cell if locked else html.Td("—"),
                    html.Td(_time(u["created_at"])),
                    html.Td(html.Div(user_actions(u, now), className="actions")) if "id" in u else html.Td(),
                ],
                **{"data-username": u["username"]},
            )
        )
    return _table(["用户名", "角色", "所属单位 / 负责区域", "状态", "连续登录失败", "锁定至", "创建时间", "操作"], rows,
                  "还没有用户。")


def _revoke_button(token_id: int) -> dcc.ConfirmDialogProvider:
    return dcc.ConfirmDialogProvider(
        html.Button("吊销", className="btn btn-danger"),
        id={"type": ids.AD_TOKEN_REVOKE, "index": token_id},
        message=f"确定吊销令牌（编号 {token_id}）吗？吊销后使用它的报送程序将立即无法提交，且不能恢复。",
    )


def tokens_table(tokens: list[dict]) -> html.Table | html.P:
    rows = []
    for t in tokens:
        revoked = t["revoked_at"]
        rows.append(
            html.Tr(
                [
                    html.Td(t["id"], className="num"),
                    html.Td(f"{t['unit_name']}（{t['unit_code']}）"),
                    html.Td(t["label"] or "—"),
                    html.Td(_time(t["created_at"])),
                    html.Td(t["created_by"] or "—"),
                    html.Td(_time(t["last_used_at"])),
                    html.Td(f"已吊销（{_time(revoked)}）" if revoked else "有效", className="muted-cell" if revoked else "ok"),
                    html.Td(None if revoked else _revoke_button(t["id"])),
                ],
                className="revoked" if revoked else "",
                **{"data-token-id": str(t["id"])},
            )
        )
    return _table(["编号", "单位", "说明", "创建时间", "创建人", "最近使用", "状态", "操作"], rows, "还没有 API 令牌。")


def audit_table(events: list[dict]) -> html.Table | html.P:
    rows = [
        html.Tr(
            [
                html.Td(f"{e['at']:%Y-%m-%d %H:%M:%S}", className="nowrap"),
                html.Td(e["actor"] or ANONYMOUS),
                html.Td(e["ip"] or "—"),
                html.Td([ACTION_LABELS.get(e["action"], e["action"]), " ", html.Code(e["action"])]),
                html.Td(e["detail"] or "—", className="detail"),
            ],
            className="forbidden-row" if e["action"] == "forbidden" else "",
        )
        for e in events
    ]
    return _table(["时间", "操作人", "IP 地址", "操作", "详情"], rows, "审计日志为空。")


# --- results of an action (pure) -------------------------------------------------------------------


def result(ok: bool, text: str) -> html.Div:
    return html.Div(text, className=f"result {'ok' if ok else 'error'}", role="status" if ok else "alert")


def token_once(token: str, unit_code: str) -> html.Div:
    """The plain token, shown once right after it is created."""
    return html.Div(
        [
            html.P(f"已为单位 {unit_code} 创建 API 令牌：", className="ok"),
            html.Code(token, className="token"),
            html.P(TOKEN_ONCE_NOTE, className="warn"),
        ],
        className="token-once",
        role="status",
    )


def password_once(username: str, password: str) -> html.Div:
    """A reset password, shown once to the admin who reset it."""
    return html.Div(
        [
            html.P(f"已为用户 {username} 重置密码，新密码：", className="ok"),
            html.Code(password, className="token"),
            html.P("请立即通过安全的渠道告知本人，并提醒其登录后修改密码。新密码只显示这一次，数据库只保存它的哈希值。",
                   className="warn"),
        ],
        className="token-once",
        role="status",
    )


def password_problem(password: str | None, again: str | None) -> str | None:
    """What is wrong with the two password fields before the account rules are even asked."""
    if (password or "") != (again or ""):
        return PASSWORD_MISMATCH
    return None


# --- the page --------------------------------------------------------------------------------------


def _unit_options(units: list[dict]) -> list[dict]:
    return [{"label": f"{u['name']}（{u['code']}）", "value": u["code"]} for u in units]


def _field(label: str, control) -> html.Label:
    return html.Label([label, control])


field = _field


def _role_form(users: list[dict], units: list[dict], areas: list[dict]) -> html.Div:
    roles = [{"label": label, "value": role} for role, label in auth.ROLE_LABELS.items()]
    return html.Div(
        [
            _field("用户", dropdown(id=ids.AD_ROLE_USER, options=[u["username"] for u in users],
                                        placeholder="选择用户", className="dd dd-unit")),
            _field("新角色", dropdown(id=ids.AD_ROLE_ROLE, options=roles, placeholder="选择角色", searchable=False,
                                          className="dd dd-role")),
            _field("所属单位（县区填报员）", dropdown(id=ids.AD_ROLE_UNIT, options=_unit_options(units),
                                                     placeholder="选择单位", className="dd dd-unit")),
            _area_field(areas, ids.AD_ROLE_AREA),
            html.Button("修改角色", id=ids.AD_ROLE_SAVE, className="btn"),
        ],
        className="admin-form",
    )


def is_area(s, value: object) -> bool:
    """A unit id (as a callback receives it: anything may arrive) of a unit with children."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**62:
        return False
    return any(a["id"] == value for a in area_choices(s))


def _area_field(areas: list[dict], component_id: str = ids.AD_USER_AREA) -> html.Div:
    """负责区域 of a new (or, in the role form, an existing) leader or admin; hidden where the
    installation has no areas (临沂: one city). Left empty: the admin's own area, or the whole system."""
    options = [{"label": f"{a['name']}（{LEVEL_LABELS.get(a['level'], '')}）", "value": a["id"]} for a in areas]
    default = "本人负责的区域" if scope.bound() else "整个系统"
    return html.Div(_field("负责区域（领导、管理员）", dropdown(id=component_id, options=options, placeholder=default,
                                                            className="dd dd-unit")),
                    style={} if areas else {"display": "none"})


AREA_ROLES = ("leader", "admin")  # the roles that oversee an area


def role_area(role: object, area: object, current: int | None, user_changed: bool) -> tuple[bool, object]:
    """The role form's 负责区域, as (disabled, value): only a leader or an admin has one. Choosing a user
    shows the area it has now (`current`), so that changing only the role keeps the area instead of
    widening it to the whole system; so does choosing a leader/admin role while the field is empty."""
    if role == "reporter":
        return True, None
    return role not in AREA_ROLES, current if user_changed or area is None else area


def _user_form(units: list[dict], areas: list[dict]) -> html.Div:
    roles = [{"label": label, "value": role} for role, label in auth.ROLE_LABELS.items()]
    return html.Div(
        [
            _field("用户名", dcc.Input(id=ids.AD_USER_NAME, type="text", maxLength=50, autoComplete="off",
                                       className="input")),
            _field("角色", dropdown(id=ids.AD_USER_ROLE, options=roles, value="reporter", clearable=False,
                                        searchable=False, className="dd dd-role")),
            _field("所属单位（县区填报员）", dropdown(id=ids.AD_USER_UNIT, options=_unit_options(units),
                                                     placeholder="选择单位", className="dd dd-unit")),
            _area_field(areas),
            _field(f"初始密码（至少 {auth.MIN_PASSWORD_LENGTH} 位）",
                   dcc.Input(id=ids.AD_USER_PASSWORD, type="password", autoComplete="new-password", className="input")),
            _field("再次输入密码",
                   dcc.Input(id=ids.AD_USER_PASSWORD2, type="password", autoComplete="new-password", className="input")),
            html.Button("创建用户", id=ids.AD_USER_CREATE, className="btn"),
        ],
        className="admin-form",
    )


def _token_form(units: list[dict]) -> html.Div:
    return html.Div(
        [
            _field("单位", dropdown(id=ids.AD_TOKEN_UNIT, options=_unit_options(units), placeholder="选择单位",
                                        className="dd dd-unit")),
            _field("说明（可选）", dcc.Input(id=ids.AD_TOKEN_LABEL, type="text", maxLength=100,
                                            placeholder="如：兰山区报送程序", className="input input-wide")),
            html.Button("创建令牌", id=ids.AD_TOKEN_CREATE, className="btn"),
        ],
        className="admin-form",
    )


def layout(state=None):
    if not has_role("admin"):  # the router checks too; this keeps the layout safe on its own
        return forbidden()
    with session() as s:
        users, tokens, events = _tables(s)
        units = unit_choices(s, scope.visible_units())
        areas = area_choices(s, scope.visible_units())
    return html.Div(
        [
            html.H2(TITLE, className="page-title"),
            subnav("/admin"),
            html.Section(
                [html.H3("用户"), _user_form(units, areas),
                 html.Details([html.Summary("修改已有用户的角色、单位或负责区域"), _role_form(users, units, areas)],
                              className="more"),
                 html.Div(id=ids.AD_USER_RESULT),
                 html.Div(users_table(users), id=ids.AD_USERS, className="table-scroll")],
                className="card",
            ),
            html.Section(
                [html.H3("API 令牌"),
                 html.P("令牌供各单位的报送程序使用，每个令牌只能提交所绑定单位的数据。", className="muted"),
                 _token_form(units), html.Div(id=ids.AD_TOKEN_RESULT),
                 html.Div(tokens_table(tokens), id=ids.AD_TOKENS, className="table-scroll")],
                className="card",
            ),
            html.Section(
                [html.H3("审计日志"), html.P(f"最近 {AUDIT_LIMIT} 条，最新的在前。", className="muted"),
                 html.Div(audit_table(events), id=ids.AD_AUDIT, className="table-scroll audit-scroll")],
                className="card",
            ),
        ],
        className="admin",
    )


def _tables(s) -> tuple[list[dict], list[dict], list[dict]]:
    # An admin bound to an area: its accounts, its units' tokens, its accounts' audit events.
    users = scope.manageable_users()
    if users is None:
        return list_users(s), auth.list_tokens(s), auth.audit_log(s, AUDIT_LIMIT)
    return (list_users(s, users), scope.only_visible(s, auth.list_tokens(s), "unit_code"),
            audit_log_of(s, users, AUDIT_LIMIT))


def tables() -> tuple:
    """Fresh users, tokens and audit tables (after a change)."""
    with session() as s:
        users, tokens, events = _tables(s)
    return users_table(users), tokens_table(tokens), audit_table(events), [u["username"] for u in users]
