"""Breadcrumbs above an area's overview: 全国 › 山东省 › 临沂市.

Pure: (name, href) pairs in, Dash components out. An item without href (the current area, or an
area above the viewer's scope) is plain text; the others are links that keep the query string.
"""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids

SEPARATOR = "›"


def breadcrumbs(trail: list[tuple[str, str | None]]) -> list:
    """The children of the breadcrumb bar: links and plain names, separated by ›."""
    out: list = []
    for i, (name, href) in enumerate(trail):
        if i:
            out.append(html.Span(SEPARATOR, className="crumb-sep", **{"aria-hidden": "true"}))
        last = i == len(trail) - 1
        if href and not last:
            out.append(dcc.Link(name, href=href, className="crumb"))
        else:
            out.append(html.Span(name, className="crumb crumb-current" if last else "crumb",
                                 **({"aria-current": "page"} if last else {})))
    return out


def breadcrumb_bar(trail: list[tuple[str, str | None]], reported: str = "") -> html.Nav:
    """The bar itself: the trail, and "已报送 N / M 个单位" beside it."""
    return html.Nav(
        [html.Div(breadcrumbs(trail), id=ids.BREADCRUMBS, className="crumbs"),
         html.Span(reported, id=ids.AREA_REPORTED, className="area-reported")],
        className="breadcrumbs", **{"aria-label": "地区"},
    )
