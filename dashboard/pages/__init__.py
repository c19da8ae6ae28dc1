"""Routing: a path and query string to a page layout.

Dash Pages is not used on purpose: its router re-renders the whole page whenever the query
string changes, which would resend the map geometry on every filter change. Here the page is
rendered when the path changes; filters write the query string without re-rendering, and the
map is recoloured with a partial update.

ROUTES is the one table of pages: (path regex, module under dashboard.pages, roles or None).
A page module's `layout(state, **groups)` gets the parsed query string and the regex's named
groups. `roles=None` means every signed-in user; otherwise other users get `forbidden()`. The
layout must check again when it shows data that depends on who asks (defence in depth).
"""

from __future__ import annotations

import importlib
import re

from dash import html

from dashboard import labels
from dashboard.state import parse
from domain.inputs import as_id, bad_char

MAX_CODE = 32  # a unit code is six digits or a short name; longer ones cannot exist

ROUTES: list[tuple[str, str, tuple[str, ...] | None]] = [
    (r"/", "overview", None),
    (r"/area/(?P<code>[^/]+)", "area", None),  # the overview of an area: /area/370000 山东省 (adcode or code)
    (r"/district/(?P<code>[^/]+)", "district", None),
    (r"/admin", "admin", ("admin",)),
    (r"/admin/campaigns", "admin_campaigns", ("admin",)),
    (r"/admin/units", "admin_units", ("admin",)),
    (r"/admin/targets", "admin_targets", ("admin",)),
    (r"/submit(?:/(?P<report_id>[0-9]+))?", "submit", ("reporter", "admin")),
    (r"/review", "review", ("admin",)),
    (r"/snapshots?(?:/(?P<snapshot_id>[0-9]+))?", "snapshots", None),  # /snapshots, /snapshot/<id>
    (r"/cases", "cases", None),  # typical cases
    (r"/cases/new", "case", ("reporter", "admin")),
    (r"/case/(?P<case_id>[0-9]+)", "case", None),
    (r"/summaries", "summaries", None),  # 6月10日 summaries
    (r"/instructors", "instructors", None),  # 专职指导员
    (r"/evaluation", "evaluation", None),  # 实效评价
    (r"/supervision", "supervision", None),  # 监督检查
]
# Pages whose body depends only on the data, the URL, the date and the viewer's role (and a reporter's
# unit): the router's answer for them is shared between viewers (dashboard/cache.py). Pages with forms
# that carry per-user state (submit, review, admin, snapshots, case editing) are never shared.
SHARED_PAGES = frozenset({"overview", "area", "district", "cases", "summaries", "instructors", "evaluation", "supervision"})
_COMPILED = [(re.compile(rf"^{pattern.rstrip('/')}/?$"), module, roles) for pattern, module, roles in ROUTES]
_DISTRICT = re.compile(r"^/district/([^/]+)/?$")


def _route(pathname: str | None):
    """The first route a path matches: (match, page module name, roles), or None."""
    path = pathname or "/"
    for pattern, module_name, roles in _COMPILED:
        match = pattern.match(path)
        if match is not None:
            return match, module_name, roles
    return None


def render(pathname: str | None, search: str | None):
    from dashboard.http.auth import has_role

    state = parse(search)
    route = _route(pathname)
    if route is not None:
        match, module_name, roles = route
        module = importlib.import_module(f"dashboard.pages.{module_name}")
        if roles is not None and not has_role(*roles):
            return getattr(module, "forbidden", forbidden)()  # a page may explain itself
        groups = match.groupdict()
        # an id no database row can have (40 digits), or a code with control characters: not found
        if all(_plausible(name, value) for name, value in groups.items()):
            return module.layout(state, **groups)
    return html.Div([html.H2(labels.NOT_FOUND), html.A(labels.BACK, href="/")], className="card")


def page_module(pathname: str | None) -> str | None:
    """The page module a path routes to (None: not found)."""
    route = _route(pathname)
    return route[1] if route else None


def shared_page(body: dict) -> bool:
    """For the shared cache: whether a router request (Input url.pathname) renders a shareable page."""
    pathname = next((x.get("value") for x in body.get("inputs") or [] if isinstance(x, dict)
                     and x.get("property") == "pathname"), None)
    return isinstance(pathname, str) and page_module(pathname) in SHARED_PAGES


def _plausible(name: str, value: str | None) -> bool:
    """A path parameter that may name something: ids are database integers, codes short plain text."""
    if value is None:
        return True
    if name.endswith("_id"):
        return as_id(value) is not None
    return len(value) <= MAX_CODE and bad_char(value) is None


# The browser tab's title per page (module under dashboard.pages); the district page names its unit.
PAGE_TITLES = {
    "overview": "总览", "area": "地区总览", "district": "单位详情", "admin": "系统管理", "admin_campaigns": "行动设置",
    "admin_units": "单位管理", "admin_targets": "目标管理", "submit": "数据填报", "review": "报表审核",
    "snapshots": "会议快照", "cases": labels.CASES_TITLE, "case": labels.CASES_TITLE,
    "summaries": labels.SUMMARIES_TITLE, "instructors": labels.INSTRUCTORS_TITLE,
    "evaluation": labels.EVALUATION_TITLE, "supervision": labels.SUPERVISION_TITLE,
}


def document_title(pathname: str | None, unit_name=None) -> str:
    """"总览 · 工资集体协商“集中要约”行动监测", "兰山区 · …": what the tab, history and bookmarks show.
    `unit_name(code)` names a district page's unit (None when unknown)."""
    heading = labels.NOT_FOUND
    route = _route(pathname)
    if route is not None:
        match, module_name, _roles = route
        heading = PAGE_TITLES.get(module_name, labels.APP_TITLE)
        code = match.groupdict().get("code")
        if code and unit_name is not None:
            heading = unit_name(code) or heading
    return f"{heading} · {labels.APP_TITLE}"


def forbidden() -> html.Div:
    return html.Div(
        [html.H2(labels.FORBIDDEN), html.P(labels.FORBIDDEN_HINT), html.A(labels.BACK, href="/")],
        className="card notice forbidden",
    )


def district_code(pathname: str | None) -> str | None:
    match = _DISTRICT.match(pathname or "") if isinstance(pathname, str) else None
    return match.group(1) if match and _plausible("code", match.group(1)) else None
