"""Routing: a path and query string to a page layout.

Dash Pages is not used on purpose: its router re-renders the whole page whenever the query
string changes, which would resend the map geometry on every filter change. Here the page is
rendered when the path changes; filters write the query string without re-rendering, and the
map is recoloured with a partial update.
"""

from __future__ import annotations

import re

from dash import html

from dashboard import labels
from dashboard.state import parse

_DISTRICT = re.compile(r"^/district/([^/]+)/?$")


def render(pathname: str | None, search: str | None):
    from dashboard.auth_web import has_role
    from dashboard.pages import admin, district, overview

    state = parse(search)
    path = pathname or "/"
    if path in ("/", ""):
        return overview.layout(state)
    if path.rstrip("/") == "/admin":
        return admin.layout() if has_role("admin") else admin.forbidden()
    code = district_code(path)
    if code is not None:
        return district.layout(code, state)
    return html.Div([html.H2(labels.NOT_FOUND), html.A(labels.BACK, href="/")], className="card")


def district_code(pathname: str | None) -> str | None:
    match = _DISTRICT.match(pathname or "")
    return match.group(1) if match else None
