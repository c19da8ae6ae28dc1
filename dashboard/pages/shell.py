"""The frame around every page: URL, live-update timer, data version, header."""

from __future__ import annotations

from dash import dcc, html
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import SQLAlchemyError

from dashboard import ids, labels
from dashboard.http.auth import has_role

# The top bar's links: (path, label, component id or None, roles that see it or None for everyone).
NAV: list[tuple[str, str, str | None, tuple[str, ...] | None]] = [
    ("/admin", "管理", ids.AD_NAV, ("admin",)),
    ("/submit", "填报", ids.SU_NAV, ("reporter", "admin")),
    ("/review", "审核", ids.RV_NAV, ("admin",)),
    ("/snapshots", "快照", ids.SN_NAV, None),
    ("/cases", "典型", ids.CS_NAV, None),
    ("/summaries", "总结", ids.SM_NAV, None),
    ("/instructors", "行动", ids.AC_NAV, None),  # 指导员 / 实效评价 / 监督检查 (tabs on those pages)
]


def _nav() -> list:
    return [
        dcc.Link(label, href=href, className="nav", **({"id": cid} if cid else {}))
        for href, label, cid, roles in NAV
        if roles is None or has_role(*roles)
    ]


def _account():
    """Who is signed in, and a logout button (a POST form with the CSRF token)."""
    if not current_user.is_authenticated:
        return html.Span()
    unit = f" · {current_user.unit_code}" if current_user.unit_code else ""
    return html.Form(
        [
            html.Span(f"{current_user.username}（{current_user.role_label}{unit}）", className="who"),
            html.A("修改密码", href="/account/password", className="account-link"),
            dcc.Input(type="hidden", name="csrf_token", value=generate_csrf()),
            html.Button("退出", type="submit", className="logout"),
        ],
        action="/logout",
        method="POST",
        className="account",
    )


def layout(interval_ms: int):
    def serve():
        # A function: evaluated on every page load, so the data version starts current.
        from dashboard.data import session
        from db import queries

        try:
            with session() as s:
                version = queries.data_version(s)
        except SQLAlchemyError as exc:  # not migrated yet, or the database is down
            return html.Div([html.H2(labels.APP_TITLE), html.P(labels.DB_UNAVAILABLE),
                             html.Pre(str(exc).splitlines()[0])], className="page card notice")
        return html.Div(
            [
                dcc.Location(id=ids.URL, refresh="callback-nav"),
                dcc.Store(id=ids.DATA_VERSION, data=version),
                dcc.Store(id=ids.PAGE_TITLE),
                dcc.Interval(id=ids.LIVE_INTERVAL, interval=interval_ms),
                html.Header(
                    [
                        dcc.Link(labels.APP_TITLE, href="/", className="brand"),
                        *_nav(),
                        html.Span(id=ids.UPDATED_AT, className="updated"),
                        _account(),
                    ],
                    className="topbar",
                ),
                html.Main(id=ids.PAGE, className="page"),
            ]
        )

    return serve
