"""Login, sessions, CSRF and security headers for the Flask server under Dash.

- Anonymous users reach only /login and static files. Pages redirect to the login page; Dash's
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
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, jsonify, redirect, render_template_string, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFProtect, generate_csrf

from db import auth
from db.engine import read_session, write_session

PUBLIC_PREFIXES = ("/login", "/assets/", "/_dash-component-suites/", "/_favicon.ico")
JSON_PREFIXES = ("/_dash-", "/api/", "/geo/")
CSRF_COOKIE = "_csrf_token"  # the name dash-renderer reads


class SessionUser(UserMixin):
    """What a request knows about its user: loaded from the database on every request."""

    def __init__(self, user_id: int, username: str, role: str, unit_code: str | None):
        self.id, self.username, self.role, self.unit_code = user_id, username, role, unit_code

    @property
    def role_label(self) -> str:
        return auth.ROLE_LABELS[self.role]


def _engine():
    return current_app.extensions["jizhong_engine"]


def _load_user(user_id: str) -> SessionUser | None:
    if not user_id.isdigit():
        return None
    with read_session(_engine()) as s:
        user = auth.get_user(s, int(user_id))
        if user is None or not user.is_active:
            return None
        return SessionUser(user.id, user.username, user.role, auth.user_unit_code(s, user))


def _safe_next(target: str | None) -> str:
    """Only paths on this site: never an absolute or protocol-relative URL (open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _client_ip() -> str:
    return request.remote_addr or ""


LOGIN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>登录 · 集中要约行动监测</title><link rel="stylesheet" href="/assets/style.css"></head>
<body><header class="topbar"><span class="brand">工资集体协商“集中要约”行动监测</span></header>
<main class="page"><form class="card login" method="post" action="/login">
<h2>登录</h2>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
<input type="hidden" name="next" value="{{ next }}">
<label>用户名<input name="username" autocomplete="username" required value="{{ username }}"></label>
<label>密码<input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">登录</button>
</form></main></body></html>"""


def _login_page(error: str = "", status: int = 200, username: str = "") -> Response:
    html = render_template_string(LOGIN_PAGE, error=error, csrf_token=generate_csrf(), username=username,
                                  next=_safe_next(request.values.get("next")))
    return Response(html, status=status, mimetype="text/html")


def login():
    if request.method == "GET":
        return _login_page()
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    try:
        with write_session(_engine()) as s:  # a refusal is committed (and audited) by authenticate
            user = auth.authenticate(s, username, password, ip=_client_ip())
            signed_in = SessionUser(user.id, user.username, user.role, auth.user_unit_code(s, user))
    except auth.AccountLocked as exc:
        return _login_page(str(exc), 429, username)
    except auth.AuthError as exc:
        return _login_page(str(exc), 401, username)
    session.clear()  # a new session on login: no fixation of a pre-login session
    login_user(signed_in)
    session.permanent = True
    return redirect(_safe_next(request.form.get("next")))


def logout():
    if current_user.is_authenticated:
        with write_session(_engine()) as s:
            auth.audit(s, current_user.username, "logout", ip=_client_ip())
    logout_user()
    session.clear()
    return redirect("/login")


def _gate():
    """Every request: anonymous users reach only the public paths."""
    path = request.path
    if current_user.is_authenticated or path.startswith(PUBLIC_PREFIXES):
        return None
    if path.startswith(JSON_PREFIXES) or request.method != "GET":
        return jsonify({"error": "未登录或登录已过期，请重新登录"}), 401
    return redirect(f"/login?next={request.full_path if request.query_string else path}")


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
    manager = LoginManager(server)
    manager.user_loader(_load_user)
    server.before_request(_gate)  # before the CSRF check: anonymous requests get 401, not a CSRF error
    CSRFProtect(server)
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["POST"])
    server.after_request(_headers)
