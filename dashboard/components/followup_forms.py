"""Small pure pieces shared by the /instructors, /evaluation and /supervision pages: the
`?unit=` filter in the query string, form fields, result lines, the unit picker of an entry form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from dash import dcc, html

from dashboard import ids, labels
from dashboard.components.dropdown import dropdown
from domain.hierarchy import WHOLE_WORDS


@dataclass(frozen=True)
class Scope:
    """What the three action pages resolve first: the campaign, the as-of date and the unit filter."""

    campaign: dict
    campaign_id: int
    as_of: dt.date
    units: list[dict]
    unit: str | None  # None: all units (also when the query string names a unit not in this campaign)
    within: object = None  # the viewer's units (dashboard.scope.visible_units()) for the db reads' `within=`
    whole: str = labels.CITY  # what the viewer's units as a whole are called: 全国 / 全省 / 全市


def whole_word(level: str | None) -> str:
    """全国 / 全省 / 全市: what the viewer's area of this level is called as a whole ("全省平均");
    全市 for a city installation, whose root is no stored unit (level None)."""
    return WHOLE_WORDS.get(level, labels.CITY)


def scope_level(s) -> str | None:
    """The level of the area the viewer sees whole: the area they are bound to, else the
    installation's one top unit (全国 …); None for a city installation (临沂: its units are the roots)."""
    from dashboard import scope as user_scope
    from db import hierarchy

    top = user_scope.top_area_id()
    if top is None:
        roots = hierarchy.children(s, None)
        return roots[0].level if len(roots) == 1 else None
    area = hierarchy.area(s, top)
    return area.level if area is not None else None


def scope(s, campaign_id: int | None, date: dt.date | None, unit: str | None) -> Scope | None:
    """The campaign, date and units the viewer may see; a `unit` outside them (a forged ?unit=, or
    one of another area) falls back to None, all of the viewer's units."""
    from dashboard.data import resolve
    from db.followup import common as followup_db

    ctx = resolve(s, campaign_id, date)
    if ctx.campaign is None:
        return None
    from dashboard import scope as user_scope

    cid, within = ctx.campaign["id"], user_scope.visible_units()
    units = followup_db.units(s, cid, within)  # a leader or admin bound to an area: its units, in SQL
    return Scope(ctx.campaign, cid, ctx.as_of or dt.date.today(), units,
                 unit if any(u["code"] == unit for u in units) else None, within, whole_word(scope_level(s)))


def can_edit_unit(code: str) -> bool:
    """Whether the signed-in user may enter data for this unit (the server checks again on write)."""
    from flask_login import current_user

    from dashboard import context
    from dashboard import scope as user_scope

    role = getattr(current_user, "role", None)
    if role == "admin" and user_scope.bound():  # an admin bound to an area: its units only
        with context.read() as s:
            return user_scope.unit_visible(s, code)
    return role == "admin" or (role == "reporter" and current_user.unit_code == code)


def page_unit(search: str | None) -> str | None:
    """The unit the page is filtered to (?unit=CODE), or None for all units."""
    value = dict(parse_qsl((search or "").lstrip("?"))).get("unit", "").strip()
    return value[:32] or None


def with_unit(search: str | None, code: str | None) -> str:
    """The same query string with ?unit= set to `code` (or removed)."""
    kept = [(k, v) for k, v in parse_qsl((search or "").lstrip("?")) if k != "unit"]
    if code:
        kept.insert(0, ("unit", code))
    return "?" + urlencode(kept) if kept else ""


def field(label: str, control, class_name: str = "") -> html.Label:
    return html.Label([label, control], className=class_name or None)


def result(ok: bool, text: str) -> html.Div:
    return html.Div(text, className=f"result {'ok' if ok else 'error'}", role="status" if ok else "alert")


def unit_options(units: list[dict]) -> list[dict]:
    return [{"label": u["name"], "value": u["code"]} for u in units]


def unit_filter(units: list[dict], unit: str | None) -> html.Div:
    return html.Div(
        field("单位", dropdown(id=ids.AC_UNIT_FILTER, options=unit_options(units), value=unit,
                                   placeholder=labels.ALL_UNITS, className="ac-dd-unit")),
        className="controls",
    )


def entry_unit(component_id: str, units: list[dict], role: str, own_unit: str | None, chosen: str | None = None):
    """The unit picker of an entry form: a reporter's is fixed to its own unit (the server checks too)."""
    if role == "reporter":
        return dropdown(id=component_id, options=unit_options(units), value=own_unit, disabled=True,
                            clearable=False, className="ac-dd-unit")
    return dropdown(id=component_id, options=unit_options(units), value=chosen, placeholder="选择单位",
                        className="ac-dd-unit")


def text_input(component_id: str, placeholder: str = "", max_length: int = 200, class_name: str = "input") -> dcc.Input:
    return dcc.Input(id=component_id, type="text", placeholder=placeholder, maxLength=max_length,
                     autoComplete="off", className=class_name)


def unit_name(units: list[dict], code: str | None) -> str:
    return next((u["name"] for u in units if u["code"] == code), code or "")


TABS = (("/instructors", "专职指导员"), ("/evaluation", "实效评价"), ("/supervision", "监督检查"))


def tabs(current: str, search: str | None) -> html.Nav:
    """The three action pages as tabs; switching keeps the unit, campaign and date of the query string."""
    query = search if search and search.startswith("?") else ""
    return html.Nav(
        [dcc.Link(label, href=path + query, className="ac-tab" + (" ac-tab-on" if path == current else ""))
         for path, label in TABS],
        id=ids.AC_TABS, className="ac-tabs",
    )
