"""Login, sessions, CSRF and security headers for the Flask server under Dash.

- Anonymous users reach only /login, /healthz and static files. Pages redirect to the login page; Dash's
  JSON endpoints, the GeoJSON and the API answer 401. Callbacks are public HTTP endpoints, so
  the check runs on the server for every request, not in the layout.
- CSRF: every state-changing request needs the token (Flask-WTF). The login form carries it as a
  hidden field; dash-renderer sends it as X-CSRFToken from the `_csrf_token` cookie set here.
- Session cookies are HttpOnly and SameSite=Lax, and Secure unless SESSION_COOKIE_SECURE=0 (for an
  intranet served over plain http on a non-localhost address).
- A Content-Security-Policy that allows only this origin (plus the hashes of Dash's inline scripts).
"""

from __future__ import annotations

import datetime as dt
import functools
from urllib.parse import quote, urlsplit

from flask import Flask, Response, abort, current_app, jsonify, redirect, render_template_string, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect, generate_csrf

from dashboard import context
from dashboard.context import client_ip
from dashboard.http import denials, limits
from db.accounts import auth

# Exactly these: "/login-x" is not public. /healthz is public on purpose (load balancers probe it
# without signing in) and says only whether the database and the cache answer (dashboard/http/health.py).
PUBLIC_PATHS = frozenset({"/login", "/_favicon.ico", "/healthz"})
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
JSON_PREFIXES = ("/_dash-", "/api/", "/geo/")
CSRF_COOKIE = "_csrf_token"  # the name dash-renderer reads
TOKEN_ROUTES = {("POST", "/api/v1/reports"), ("GET", "/api/v1/openapi.json")}  # dashboard/http/api.py


class SessionUser(UserMixin):
    """What a request knows about its user: loaded from the database on every request."""

    def __init__(self, user_id: int, username: str, role: str, unit_code: str | None, area_unit_id: int | None = None):
        self.id, self.username, self.role, self.unit_code = user_id, username, role, unit_code
        self.area_unit_id = area_unit_id  # a leader's or admin's area (None: the whole installation)

    @property
    def role_label(self) -> str:
        return auth.ROLE_LABELS[self.role]


def require_role(*roles: str):
    """Decorator for Dash callbacks and Flask views: only these roles may call it.

    Dash callbacks are public HTTP endpoints, so this runs on the server for every call; a refusal
    is audited and answered with 403, whatever the browser shows or hides."""
    for role in roles:
        if role not in auth.ROLES:
            raise ValueError(f"unknown role {role!r}")

    def decorate(fn):
        @functools.wraps(fn)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated or current_user.role not in roles:
                who = current_user.username if current_user.is_authenticated else ""
                with context.write() as s:
                    auth.audit(s, who, "forbidden", f"{request.path} → {fn.__name__}", ip=client_ip())
                abort(403)
            return fn(*args, **kwargs)

        return guarded

    return decorate


def has_role(*roles: str) -> bool:
    return current_user.is_authenticated and current_user.role in roles


def _load_user(user_id: str) -> SessionUser | None:
    if not user_id.isdigit():
        return None
    with context.read() as s:
        account = auth.session_account(s, int(user_id))
    if account is None or not _session_current(account.revoked_at):
        return None
    return SessionUser(account.id, account.username, account.role, account.unit_code, account.area_unit_id)


LOGIN_AT = "login_at"  # in the signed session cookie: when this session signed in (ISO, microseconds)


def _session_current(revoked_at: dt.datetime | None) -> bool:
    """False for a session signed in before its account's sessions were revoked (logout, password
    change or reset, deactivation): the cookie is signed, not stored, so a copy would live on."""
    if revoked_at is None:
        return True
    try:
        return dt.datetime.fromisoformat(session.get(LOGIN_AT, "")) > revoked_at
    except (TypeError, ValueError):
        return False


def safe_next(target: str | None) -> str:
    """Only same-site relative paths: never an absolute or protocol-relative URL (open redirect).

    `target` is the already-decoded value of the `next` parameter. A backslash counts as a slash to
    browsers ("/\\evil.example" is "//evil.example"), and control characters have no place in a path."""
    if not target or not target.startswith("/") or any(c == "\\" or ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return "/"
    return target


def login_url(target: str) -> str:
    """/login?next=<target>, with the target URL-encoded whole: its own query string
    (?campaign=2&date=...&metric=...) must survive as one parameter."""
    return "/login?next=" + quote(safe_next(target), safe="/")


FORM_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} · 集中要约行动监测</title><link rel="stylesheet" href="/assets/style.css"></head>
<body><header class="topbar"><span class="brand">工资集体协商“集中要约”行动监测</span></header>
<main class="page"><form class="card login" method="post" action="{{ action }}">
<h2>{{ title }}</h2>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
{% if notice %}<p class="ok" role="status">{{ notice }}</p>{% endif %}
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
{% for name, value in hidden %}<input type="hidden" name="{{ name }}" value="{{ value }}">{% endfor %}
{% for label, name, type, autocomplete, value in fields %}
<label>{{ label }}<input name="{{ name }}" type="{{ type }}" autocomplete="{{ autocomplete }}" required value="{{ value }}"></label>
{% endfor %}
<button type="submit">{{ submit }}</button>
{% if back %}<a class="back" href="/">← 返回仪表盘</a>{% endif %}
</form></main></body></html>"""


def _form_page(title: str, action: str, fields: list[tuple], submit: str, *, error: str = "", notice: str = "",
               hidden: tuple = (), back: bool = False, status: int = 200) -> Response:
    """A plain HTML form (works before any JavaScript; password managers recognise it). Autoescaped."""
    html = render_template_string(FORM_PAGE, title=title, action=action, fields=fields, submit=submit, error=error,
                                  notice=notice, hidden=hidden, back=back, csrf_token=generate_csrf())
    return Response(html, status=status, mimetype="text/html")


def _login_page(error: str = "", status: int = 200, username: str = "") -> Response:
    fields = [("用户名", "username", "text", "username", username),
              ("密码", "password", "password", "current-password", "")]
    return _form_page("登录", "/login", fields, "登录", error=error, status=status,
                      hidden=(("next", safe_next(request.values.get("next"))),))


def change_password():
    """/account/password: the signed-in user changes their own password (old one required)."""
    fields = [("原密码", "old_password", "password", "current-password", ""),
              ("新密码（至少 10 位）", "new_password", "password", "new-password", ""),
              ("再次输入新密码", "new_password2", "password", "new-password", "")]

    def page(error: str = "", notice: str = "", status: int = 200) -> Response:
        return _form_page("修改密码", "/account/password", fields, "修改密码", error=error, notice=notice,
                          back=True, status=status)

    if request.method == "GET":
        return page()
    new = request.form.get("new_password", "")
    if new != request.form.get("new_password2", ""):
        return page("两次输入的新密码不一致", status=400)
    old = request.form.get("old_password", "")
    try:
        auth.check_password_policy(new)
        with context.read() as s:  # argon2 (old and new password) runs before the write transaction
            found = auth.lookup_login(s, current_user.username)
        verified = auth.verify_login(found, old)
        new_hash = auth.hash_password(new) if verified.ok and new != old else None
        with context.write() as s:  # a wrong old password is committed (counts towards lockout)
            user = auth.get_user(s, current_user.id)
            auth.change_password(s, user, old, new, ip=client_ip(), verified=verified, new_hash=new_hash)
            auth.revoke_sessions(s, user.id)  # other sessions (another browser, a stolen cookie) end
    except auth.AuthError as exc:
        return page(str(exc), status=400)
    session[LOGIN_AT] = dt.datetime.now().isoformat()  # this one goes on
    return page(notice="密码已修改。")


def login():
    """Three steps, so that argon2 never runs inside a write transaction (SQLite has one writer at
    a time, and 30 logins at once would queue every other writer behind their hashing): read the
    account and the address's recent failures, verify the password with nothing open, then record
    the result in a short write transaction, which checks the lockout and the address limit again."""
    if request.method == "GET":
        return _login_page()
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    with context.read() as s:
        throttled = _ip_wait(s)[0] > 0
        found = auth.lookup_login(s, username)
    verified = None if throttled else auth.verify_login(found, password)
    try:
        with context.write() as s:  # a refusal is committed (and audited) by record_login
            wait = _ip_throttle(s, username)  # again: failures recorded meanwhile count too
            if wait or verified is None:
                return _throttled_page(max(wait, 1), username)  # audited; context.write() commits it
            user = auth.record_login(s, username, verified, ip=client_ip())
            signed_in = SessionUser(user.id, user.username, user.role, auth.user_unit_code(s, user), user.area_unit_id)
    except auth.AccountLocked as exc:
        return _login_page(str(exc), 429, username)
    except auth.AuthError as exc:
        return _login_page(str(exc), 401, username)
    session.clear()  # a new session on login: no fixation of a pre-login session
    login_user(signed_in)
    session[LOGIN_AT] = dt.datetime.now().isoformat()
    session.permanent = True
    from dashboard.components.todo import landing_path  # a reporter asking for "/" lands on its unit

    return redirect(landing_path(signed_in.role, signed_in.unit_code, safe_next(request.form.get("next"))))


THROTTLED = "来自您所在网络地址的登录失败次数过多，请 {minutes} 分钟后再试"


def _ip_wait(s) -> tuple[int, int, int]:
    """(minutes to wait, failures in the window, window minutes) for this address; reads only."""
    config = current_app.config
    limit = config.get("LOGIN_IP_MAX_FAILURES", auth.IP_MAX_FAILURES)
    minutes = config.get("LOGIN_IP_WINDOW_MINUTES", auth.IP_WINDOW_MINUTES)
    now = dt.datetime.now().replace(microsecond=0)
    failures, oldest = auth.recent_login_failures(s, client_ip(), now=now, minutes=minutes)
    if failures < limit:
        return 0, failures, minutes
    free_at = oldest + dt.timedelta(minutes=minutes)
    return max(1, -(-int((free_at - now).total_seconds()) // 60)), failures, minutes  # whole minutes, up


def _ip_throttle(s, username: str) -> int:
    """Minutes this address must wait before trying again (0: go ahead), on top of the per-account
    lockout: someone trying many user names from one address is stopped too. More than
    LOGIN_IP_MAX_FAILURES failures within LOGIN_IP_WINDOW_MINUTES are never processed: the attempt
    after the last allowed failure is refused, before any password is hashed, until the oldest of
    those failures leaves the window. Refusals are audited (login.throttled) but not counted.
    Counted in the database (the audit log; see auth.recent_login_failures), so every process and
    restart agrees. Behind a reverse proxy, remote_addr is the proxy: configure ProxyFix first."""
    wait, failures, minutes = _ip_wait(s)
    if wait:
        auth.audit(s, "", "login.throttled",
                   f"{minutes} 分钟内登录失败 {failures} 次，拒绝（用户名：{username[:50]}）", ip=client_ip(),
                   now=dt.datetime.now().replace(microsecond=0))
    return wait


def _throttled_page(minutes: int, username: str) -> Response:
    response = _login_page(THROTTLED.format(minutes=minutes), 429, username)
    response.headers["Retry-After"] = str(minutes * 60)
    return response


def logout():
    if current_user.is_authenticated:
        with context.write() as s:
            auth.revoke_sessions(s, current_user.id)  # a copy of this session's cookie dies with it
            auth.audit(s, current_user.username, "logout", ip=client_ip())
    logout_user()
    session.clear()
    return redirect("/login")


def _gate():
    """Every request: anonymous users reach only the public paths."""
    path = request.path
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or current_user.is_authenticated:
        return None
    # These exact paths authenticate a bearer token themselves (dashboard/http/api.py) and answer
    # 401 in the API's own error format, with WWW-Authenticate, when it is missing or invalid.
    if (request.method, path) in TOKEN_ROUTES:
        return None
    if path.startswith(JSON_PREFIXES) or request.method != "GET":
        if request.method != "GET":
            _audit_anonymous(path)
        return jsonify({"error": "未登录或登录已过期，请重新登录"}), 401
    return redirect(login_url(request.full_path if request.query_string else path))


def _audit_anonymous(path: str) -> None:
    """Audit an anonymous state-changing request refused by the gate (a forged callback POST, say),
    bounded per address and time window (dashboard/http/denials.py): a flood is counted, not
    written row by row. The callback's output comes from the head of the body, never parsed whole."""
    output = limits.callback_output(request.environ)
    what = f"{request.method} {path}" + (f" → {output[:200]}" if output else "")
    denials.refuse(current_app, client_ip(), what[:500])


def _headers(response: Response) -> Response:
    hashes = " ".join(current_app.config.get("CSP_SCRIPT_HASHES", []))
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'unsafe-eval' {hashes}; "  # plotly.js/MapLibre compile shaders and expressions
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        "worker-src 'self' blob:; child-src 'self' blob:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if current_user.is_authenticated:
        # Readable by dash-renderer (not HttpOnly), which echoes it as X-CSRFToken.
        response.set_cookie(CSRF_COOKIE, generate_csrf(), samesite="Strict",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def init_auth(server: Flask) -> None:
    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session, which expires
    )
    server.config.setdefault("SESSION_COOKIE_SECURE", True)
    server.config["REMEMBER_COOKIE_SECURE"] = server.config["SESSION_COOKIE_SECURE"]
    denials.install(server)
    manager = LoginManager(server)
    manager.user_loader(_load_user)
    server.before_request(_gate)  # before the CSRF check: anonymous requests get 401, not a CSRF error
    CSRFProtect(server)
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["POST"])
    server.add_url_rule("/account/password", "change_password", change_password, methods=["GET", "POST"])
    server.after_request(_headers)
