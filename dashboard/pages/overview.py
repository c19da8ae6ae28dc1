"""Overview of an area, `/` and `/area/<adcode>`: where is the action lagging, and why. Layout and
the builders its callbacks reuse.

One code path for every level. An area is a unit with children (全国, a province, a city) or the
installation's root (`area_id=None`: today's 临沂 city, whose county-level units are roots). Its
children are what the map, the ranking, the lagging list and the progress chart show, each with
its subtree's totals (db/hierarchy.py); the KPI cards are the area's own totals. For the 临沂 root
these are exactly unit_metrics / city_metrics / trend / line_totals (tests/db/hierarchy).

`/` shows the top of the viewer's scope (dashboard/scope.py); when the root holds exactly one unit
and it is an area (a nation or province installation), that unit. The area travels to the
callbacks in a dcc.Store (ids.AREA: its unit id, null for the root), and every callback checks it
again (`area_for_callback`): a forged value gets nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import unquote

import pandas as pd
from dash import dcc, html, no_update

from dashboard import cache, geo, geo_areas, ids, labels, scope, trend_memo
from dashboard.components.breadcrumbs import breadcrumb_bar, breadcrumbs
from dashboard.components.cards import kpi_cards, lagging_list, time_bar
from dashboard.components.dropdown import dropdown
from dashboard.components.followup_panel import overview_slot, shows_panel  # the action panel after the cards
from dashboard.components.graph import graph
from dashboard.components.long_list import all_units_panel, ranking_slot
from dashboard.context import concurrently
from dashboard.data import Context, resolve, session, thresholds
from dashboard.figures import map as map_figure
from dashboard.figures import overview as figures
from dashboard.http.auth import has_role  # the 生成快照 link
from dashboard.http.routes import GEOJSON_URL, area_geojson_url
from dashboard.pages.review import pending_marker as pending_review_marker  # N 个单位的数据待审核
from dashboard.state import PageState, compose
from db import hierarchy
from db.admin import presets
from db.cases import typical as cases
from domain.hierarchy import WHOLE_WORDS
from domain.lagging import Lagging, evaluate, expected_fraction
from domain.metrics import METRICS
from domain.ranking import colour_range, metric_rows

PARTS = [{"label": "企业数", "value": "ents"}, {"label": "职工数", "value": "workers"}, {"label": "份数", "value": "copies"}]
PART_KEYS = {p["value"] for p in PARTS}
TREND_MEASURES = ("signed_ents",)  # what the progress chart draws of child_trend


@dataclass(frozen=True)
class Snapshot:
    """Everything the overview shows for one campaign and date, read from the database."""

    units: pd.DataFrame
    city: dict
    prev_city: dict | None
    prev_date: dt.date | None
    trend: pd.DataFrame
    lines: pd.DataFrame
    cases: list[dict] = field(default_factory=list)  # 典型 with a location, for the map markers
    whole: str = labels.CITY  # what the area as a whole is called: 全市, 全省, 全国
    area_id: int | None = None  # the area's unit id (None: the installation's root)
    last_year: dict | None = None  # 同期: db.queries.last_year_city (campaign, date, figures), None without one
    pending: int = 0  # units whose shown report awaits review (待审核)


# --- which area ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaRef:
    """The area an overview shows: `id` None is the installation's root (a city installation)."""

    id: int | None
    name: str
    adcode: str | None  # its children's boundaries are /geo/area/<adcode>.geojson; None for the root
    level: str  # "nation" / "province" / "city" (the root of a city installation: "city")


def installation_city() -> tuple[str, str | None]:
    """(name, adcode) of a city installation's city (the preset's, e.g. 临沂市 371300; read once, by presets)."""
    name, adcode = presets.installation_city()
    return name or labels.CITY, adcode


def root_area(s) -> AreaRef:
    """The root: the one unit at the top when there is exactly one and it has children (全国, 山东省),
    else the installation's city (its units are the roots)."""
    tops = hierarchy.children(s, None)
    if len(tops) == 1 and hierarchy.children(s, tops[0].id):
        return _ref(tops[0])
    name, _adcode = installation_city()
    return AreaRef(None, name, None, "city")


def _ref(a: hierarchy.Area) -> AreaRef:
    return AreaRef(a.id, a.name, a.adcode, a.level)


def area_by_id(s, area_id: int | None) -> AreaRef | None:
    """The AreaRef of a store value (None: the root); None when no such area exists."""
    if area_id is None:
        return AreaRef(None, installation_city()[0], None, "city")
    a = hierarchy.area(s, area_id)
    return _ref(a) if a is not None else None


def find_area(s, key: str | None) -> tuple[str, AreaRef | None | str]:
    """What `/` (key None) or `/area/<key>` shows: ("area", AreaRef), ("unit", code) for a unit
    without children (its county page), ("missing", None) or ("forbidden", None)."""
    if key is None:
        top = scope.top_area_id()
        ref = root_area(s) if top is None else area_by_id(s, top)
        if ref is None:
            return ("missing", None)
        if ref.id is not None and not hierarchy.children(s, ref.id):
            return ("unit", hierarchy.area(s, ref.id).code)  # bound to a unit without children: its page
        return ("area", ref)
    a = hierarchy.area(s, key)
    if a is None:
        name, adcode = installation_city()
        root = root_area(s)
        if root.id is None and key == adcode:  # 临沂: /area/371300 is the installation itself
            return ("area", root) if scope.area_visible(s, None) else ("forbidden", None)
        return ("missing", None)
    if not scope.area_visible(s, a.id):
        return ("forbidden", None)
    if not hierarchy.children(s, a.id):
        return ("unit", a.code)
    return ("area", _ref(a))


def area_for_callback(s, value: object) -> AreaRef | None:
    """A store value as a callback receives it (public endpoint: anything may arrive): the area,
    or None when it is malformed, unknown or outside the viewer's scope."""
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0 or value > 2**62):
        return None
    if not scope.area_visible(s, value):
        return None
    ref = area_by_id(s, value)
    if ref is None or (ref.id is not None and not hierarchy.children(s, ref.id)):
        return None
    return ref


def area_href(a: hierarchy.Area, search: str) -> str:
    return f"/area/{a.adcode or a.code}{search}"


def trail(s, area: AreaRef, search: str) -> list[tuple[str, str | None]]:
    """Breadcrumbs, root first: links to the areas above (within the viewer's scope), the area itself plain."""
    if area.id is None:
        return [(area.name, None)]
    path = hierarchy.ancestors(s, area.id)
    top = scope.top_area_id()
    within = top is None
    out = []
    for a in path:
        within = within or a.id == top
        out.append((a.name, area_href(a, search) if within else None))
    return out


def unit_trail(s, code: str, search: str) -> list[tuple[str, str | None]]:
    """Breadcrumbs of a unit's page (/district/<code>): the areas above it, then the unit. A root unit
    of a city installation sits under the city (the overview at /)."""
    unit = hierarchy.area(s, code)
    if unit is None or unit.code != code:
        return []
    path = hierarchy.ancestors(s, unit.id)
    if len(path) == 1:
        return [(installation_city()[0], "/" + search if scope.area_visible(s, None) else None), (unit.name, None)]
    parent = AreaRef(path[-2].id, path[-2].name, path[-2].adcode, path[-2].level)
    return [*trail(s, parent, search), (unit.name, None)]


def drill_target(s, code: str, search: str) -> str | None:
    """Where a click on a child goes: its area page when it has children, else its county page."""
    a = hierarchy.area(s, code)
    if a is None:
        return None
    if hierarchy.children(s, a.id):
        return area_href(a, search)
    return f"/district/{a.code}{search}"


# --- what it shows ------------------------------------------------------------------------------


def area_geojson(area: AreaRef, units: pd.DataFrame) -> tuple[dict, str | None]:
    """The children's boundaries and the URL the browser fetches them from. The 临沂 root keeps the
    districts file; an area with an adcode its stored children file; an area without one embeds its
    children's shapes. Only children with a row are kept here (for the view, names and checks)."""
    if area.id is None:
        return map_geojson(units), GEOJSON_URL
    if area.adcode:
        have = frozenset(a for a in units["adcode"] if isinstance(a, str) and a)
        return _shown_children(area.adcode, have), area_geojson_url(area.adcode)
    return map_geojson(units), None


_SHOWN: dict[tuple[str, frozenset], dict] = {}


def _shown_children(adcode: str, have: frozenset) -> dict:
    """The area's child shapes that have a row, one shared object per (area, children): the map's
    label points and bounds are remembered per GeoJSON object (dashboard/figures/map.py)."""
    key = (adcode, have)
    if key not in _SHOWN:
        if len(_SHOWN) > 64:
            _SHOWN.clear()
        fc = geo_areas.children_geojson(adcode) or {"type": "FeatureCollection", "features": []}
        _SHOWN[key] = {"type": "FeatureCollection", "features": [f for f in fc["features"] if str(f.get("id")) in have]}
    return _SHOWN[key]


def _on_map(area: AreaRef, units: pd.DataFrame) -> pd.DataFrame:
    """Children whose adcode has no shape in the area's file go to the off-map bar (adcode None)."""
    if area.id is None or not area.adcode or units.empty:
        return units
    fc = geo_areas.children_geojson(area.adcode) or {"features": []}
    shapes = {str(f.get("id")) for f in fc["features"]}
    units = units.copy()
    units["adcode"] = pd.Series([a if a in shapes else None for a in units["adcode"]], index=units.index, dtype=object)
    return units


def _cases(s, cid: int, area: AreaRef) -> list[dict]:
    return cases.case_locations(s, cid, None if area.id is None else hierarchy.subtree_ids(area.id))


def load(s, ctx: Context, area: AreaRef | None = None, with_cases: bool = True) -> Snapshot:
    """The snapshot; `with_cases=False` leaves out the 典型 markers (only the map shows them)."""
    area = area or AreaRef(None, "", None, "city")
    cid, as_of, aid = ctx.campaign["id"], ctx.as_of, area.id
    prev_date = as_of - dt.timedelta(days=7)
    has_prev = bool(ctx.dates) and prev_date >= ctx.dates[0]
    memo, version = trend_memo.of(), cache.request_version(s)  # here: the jobs run without a Flask context
    got = concurrently(  # independent roll-ups, each in its own session: the page waits for the slowest
        now=lambda t: hierarchy.view(t, cid, as_of, aid),
        prev=lambda t: hierarchy.area_totals(t, cid, prev_date, aid) if has_prev else None,
        # the progress chart's: every date, read once per data version; cut at as_of below
        trend=lambda t: memo.full(t, version, cid, aid, TREND_MEASURES),
        last_year=lambda t: hierarchy.last_year_area(t, cid, as_of, aid),
    )
    now = got["now"]
    return Snapshot(
        units=_on_map(area, now.children),
        city=now.totals,
        prev_city=got["prev"],
        prev_date=prev_date if has_prev else None,
        trend=trend_memo.trend_through(got["trend"], as_of),
        lines=now.lines,
        cases=_cases(s, cid, area) if with_cases else [],
        whole=whole_word(area),
        area_id=area.id,
        last_year=got["last_year"],
        pending=now.pending,
    )


def whole_word(area: AreaRef) -> str:
    """全市 / 全省 / 全国: what the area as a whole is called in reasons and captions."""
    return WHOLE_WORDS.get(area.level, labels.CITY)


def reported_text(city: dict) -> str:
    """已报送 N / M 个单位: of the area's units of the campaign, how many have reported by the date."""
    return f"已报送 {city['units_reported']} / {city['units']} 个单位"


# Per level of the area: the map card's title and the off-map bar's heading.
MAP_TITLES = {"nation": "各省（区、市）分布", "province": "各市分布", "city": "各县区分布"}
OFFMAP_TITLES = {"nation": "无行政边界的单位", "province": "省直系统及无行政边界的单位",
                 "city": "开发区及市直单位（无行政边界）"}


def lagging_units(ctx: Context, units: pd.DataFrame, city: dict, whole: str = labels.CITY) -> list[Lagging]:
    c = ctx.campaign
    return evaluate(units, city, ctx.as_of, c["window_start"], c["window_end"], thresholds(c), whole=whole)


def pace_points(campaign: dict, as_of: dt.date) -> list[tuple[dt.date, float]]:
    """The expected-pace curve, one point a day from the eve of the window to as_of's week end."""
    start, end, pace = campaign["window_start"], campaign["window_end"], thresholds(campaign).pace
    last = min(end, max(as_of, start))
    days = (last - start).days + 2
    return [(d, expected_fraction(d, start, end, pace)) for d in (start + dt.timedelta(k - 1) for k in range(days))]


def data_view(ctx: Context, snap: Snapshot, part: str, search: str) -> dict:
    c = ctx.campaign
    lag = lagging_units(ctx, snap.units, snap.city, snap.whole)
    names = dict(zip(snap.units["code"], snap.units["name"]))
    targets = dict(zip(snap.units["code"], snap.units["target_ents"].astype(int)))
    return {
        "time_bar": time_bar(c, ctx.as_of, expected_fraction(ctx.as_of, c["window_start"], c["window_end"],
                                                             thresholds(c).pace), snap.city["target_progress"], snap.whole),
        "kpis": kpi_cards(snap.city, snap.prev_city, snap.prev_date, snap.last_year),
        "lagging": [pending_review_marker(snap.pending), lagging_list(lag, search)],  # 待审核
        "progress": figures.progress_lines(snap.trend, targets, pace_points(c, ctx.as_of), {x.code for x in lag[:6]}, names),
        "composition": figures.composition(snap.lines, part),
        "lag_codes": {x.code for x in lag},
        "reported": reported_text(snap.city),
    }


def metric_view(ctx: Context, units: pd.DataFrame, metric: str, lag_codes: set[str]) -> dict:
    """Rows and colour range for the chosen metric, shared by the map, the side bars and the ranking.

    `lag_codes` (from `lagging_units`) marks lagging units in the ranking; the caller has them already."""
    c = ctx.campaign
    rows = metric_rows(units, metric, ctx.as_of, c["window_start"], c["window_end"], thresholds(c).pace)
    zmin, zmax = colour_range(rows, metric)
    spec = METRICS[metric]
    return {
        "rows": rows,
        "zmin": zmin,
        "zmax": zmax,
        "label": spec.label,
        "fmt": spec.tick_format,
        "reverse": not spec.higher_is_better,
        "ranking": figures.ranking_bar(rows, spec.label, zmin, zmax, not spec.higher_is_better, lag_codes),
    }


def metric_answer(ctx: Context, snap: Snapshot, metric: str, lag_codes: set[str], move_cases: bool) -> tuple:
    """What a change sends the map, the off-map bar and the ranking for `metric`: the map as a Patch
    (values, labels, range; `move_cases`: the 典型 markers too; no_update when no child has a
    boundary and the map is a notice), the bar and the ranking as figures."""
    mv = metric_view(ctx, snap.units, metric, lag_codes)
    args = (mv["rows"], mv["label"], mv["zmin"], mv["zmax"])
    # The map keeps its geometry in the browser; only values, labels and range travel.
    patch = map_figure.recolor_patch(*args, fmt=mv["fmt"], reverse=mv["reverse"])
    if move_cases:  # another campaign, date or data: the 典型 markers may have moved
        map_figure.case_patch(patch, snap.cases)
    return (patch if has_map(snap.units) else no_update), map_figure.offmap_bar(*args, mv["fmt"], reverse=mv["reverse"]), mv["ranking"]


def map_geojson(units: pd.DataFrame) -> dict:
    """The children's shapes by their adcodes; none when no child has an adcode (an area of 开发区 or
    units imported without codes: the page then shows them in the off-map bar, not an error)."""
    adcodes = tuple(sorted(a for a in units["adcode"] if isinstance(a, str) and a))
    return geo.city_geojson(adcodes) if adcodes else {"type": "FeatureCollection", "features": []}


def date_picker_props(ctx: Context, chosen: dt.date | None = None) -> dict:
    """The as-of date picker: only report dates can be picked (every other day in between is disabled);
    empty means "最新", named with its date in the placeholder. A shared link's own date stays pickable."""
    days = sorted(set(ctx.dates) | ({chosen} if chosen else set()))
    latest = f"{labels.LATEST}（{labels.short_date(ctx.latest)}）" if ctx.latest else labels.LATEST
    if not days:
        return {"min_date_allowed": None, "max_date_allowed": None, "disabled_days": [], "placeholder": latest,
                "initial_visible_month": None}
    allowed = set(days)
    span = (days[-1] - days[0]).days
    disabled = [d.isoformat() for d in (days[0] + dt.timedelta(n) for n in range(span + 1)) if d not in allowed]
    return {"min_date_allowed": days[0].isoformat(), "max_date_allowed": days[-1].isoformat(),
            "disabled_days": disabled, "placeholder": latest,
            "initial_visible_month": (chosen or days[-1]).isoformat()}


def _controls(ctx: Context, state: PageState) -> html.Div:
    return html.Div(
        [
            html.Label(["行动", dropdown(id=ids.CAMPAIGN, options=[labels.campaign_option(c) for c in ctx.campaigns],
                                             value=ctx.campaign["id"], clearable=False, className="dd-campaign")]),
            # No `date` at all for 最新: an explicit null is turned into undefined by the picker on mount,
            # which would redraw everything once for nothing.
            html.Label(["截至", dcc.DatePickerSingle(id=ids.AS_OF, **({"date": state.date.isoformat()} if state.date else {}),
                                                    clearable=True, display_format="YYYY年M月D日", month_format="YYYY年M月",
                                                    first_day_of_week=1, className="dd-date",
                                                    **date_picker_props(ctx, state.date))]),
            html.Span(labels.DEMO, id=ids.DEMO_BADGE, className="badge-demo",
                      style={} if ctx.campaign["is_demo"] else {"display": "none"}),
            # 生成快照 (leaders, admins) opens /snapshots with these filters, where title and note are given.
            *([dcc.Link(labels.MAKE_SNAPSHOT, href="/snapshots" + compose(state), id=ids.SN_OVERVIEW_LINK,
                        className="sn-overview-link")] if has_role("leader", "admin") else []),
        ],
        className="controls",
    )


def _card(title: str, *children, class_name: str = "") -> html.Div:
    return html.Div([html.H3(title), *children], className=f"card {class_name}".strip())


AREA_NOT_FOUND = "未找到该地区"
NO_BOUNDARIES = "下级单位均无行政边界，见右侧图表"


def has_map(units: pd.DataFrame) -> bool:
    """Whether any child is drawn on the map (else the map is a notice and is never recoloured)."""
    return any(isinstance(a, str) and a for a in units["adcode"])


def not_found(state: PageState) -> html.Div:
    return html.Div([html.H2(AREA_NOT_FOUND), html.P("请检查地址中的行政区划代码。"),
                     dcc.Link(labels.BACK, href="/" + compose(state))], className="card notice area-missing")


def layout(state: PageState, area_key: str | None = None):
    """`/` (area_key None: the top of the viewer's scope) or `/area/<area_key>`."""
    from dashboard.pages import forbidden  # the router's page (it imports page modules lazily)

    with session() as s:
        found, what = find_area(s, area_key)
        if found == "missing":
            return not_found(state)
        if found == "forbidden":
            return forbidden()
        if found == "unit":
            from dashboard.pages import district

            return district.layout(state, code=what)
        area: AreaRef = what
        ctx = resolve(s, state.campaign, state.date)
        search = compose(state)
        crumbs = trail(s, area, search)
        if ctx.campaign is None:
            return html.Div(labels.NO_CAMPAIGN, className="card notice")
        if ctx.as_of is None:
            return html.Div([_controls(ctx, state), html.Div(labels.NO_REPORTS, className="card notice")])
        snap = load(s, ctx, area)
    view = data_view(ctx, snap, "ents", search)
    mv = metric_view(ctx, snap.units, state.metric, view["lag_codes"])
    geometry, geometry_url = area_geojson(area, snap.units)
    if geometry["features"] and has_map(snap.units):
        the_map = map_figure.district_map(geometry, mv["rows"], mv["label"], mv["fmt"], mv["zmin"], mv["zmax"],
                                          reverse=mv["reverse"], geojson_url=geometry_url, cases=snap.cases)
    else:  # no child has a boundary: they are all in the off-map bar (update_data leaves the map alone)
        the_map = figures.empty_figure(NO_BOUNDARIES)
    offmap = map_figure.offmap_bar(mv["rows"], mv["label"], mv["zmin"], mv["zmax"], mv["fmt"], reverse=mv["reverse"])
    metric_picker = dcc.RadioItems(
        id=ids.METRIC, value=state.metric, className="metric-picker", inline=True,
        options=[{"label": m.label, "value": m.key, "title": m.help} for m in METRICS.values()],
    )
    return html.Div(
        [
            dcc.Store(id=ids.AREA, data=area.id),
            breadcrumb_bar(crumbs, view["reported"]),
            _controls(ctx, state),
            html.Div(view["time_bar"], id=ids.TIME_BAR),
            html.Div(view["kpis"], id=ids.KPIS, className="kpis"),
            html.Div(
                [
                    _card(MAP_TITLES.get(area.level, MAP_TITLES["city"]), metric_picker, html.Div(
                        [graph(ids.MAP, the_map, 470, "map", scrollZoom=False),
                         html.Div([html.H4(OFFMAP_TITLES.get(area.level, OFFMAP_TITLES["city"])),
                                   graph(ids.OFFMAP, offmap)], className="offmap",
                                  # the children without a boundary do not change with the filters
                                  style={} if any(not isinstance(r.get("adcode"), str) for r in mv["rows"]) else {"display": "none"})],
                        className="map-row"), class_name="map-card"),
                    html.Div(view["lagging"], id=ids.LAGGING),
                ],
                className="grid-map",
            ),
            html.Div(
                [
                    _card("单位排名", *ranking_slot(graph(ids.RANKING, mv["ranking"]), len(mv["rows"]))),
                    _card("累计进度与应达进度（签约覆盖企业 ÷ 目标）",
                          graph(ids.PROGRESS, view["progress"], 560)),
                ],
                className="grid-2",
            ),
            all_units_panel(),  # every unit in one grid, opened by 显示全部 (callbacks/long_lists.py)
            _card("构成：单独开展企业 / 区域 / 行业",
                  dcc.RadioItems(id=ids.COMPOSITION_PART, options=PARTS, value="ents", inline=True, className="metric-picker"),
                  graph(ids.COMPOSITION, view["composition"], 320)),
            # per-unit 典型 / 指导员 / 实效评价 / 监督检查 / 总结 panel of the area's units; filled right
            # after the page, and refreshed, by callbacks/followup.py. A city's (or the city installation's)
            # units, one row each; a province or the nation (136 to 3,208 units) is read through its
            # children instead.
            *([overview_slot()]
              if shows_panel(area.id, snap.city["units"]) else []),
        ]
    )


def context_for(state: PageState, full: bool = True, area_value: object = None,
                with_cases: bool = True) -> tuple[Context, Snapshot | None]:
    """Used by callbacks: resolve the controls' values and load the snapshot of the area in the
    store (`area_value`; checked again here: malformed, unknown or out of scope gives None).

    full=False loads only what the metric views need (units and city), not trends or last week;
    with_cases=False leaves out the map's 典型 markers."""
    with session() as s:
        ctx = resolve(s, state.campaign, state.date)
        area = area_for_callback(s, area_value)
        if not (ctx.campaign and ctx.as_of) or area is None:
            return ctx, None
        if full:
            return ctx, load(s, ctx, area, with_cases)
        cid, aid = ctx.campaign["id"], area.id
        now = hierarchy.view(s, cid, ctx.as_of, aid, parts=("children", "totals"))
        units, city = _on_map(area, now.children), now.totals
        located = _cases(s, cid, area) if with_cases else []
    return ctx, Snapshot(units, city, None, None, pd.DataFrame(), pd.DataFrame(), located, whole_word(area), area.id)


def crumbs_for(pathname: object, search: str) -> list | None:
    """The breadcrumb links again after the query string changed (None: nothing to show). The area
    comes from the path the URL now holds, not from the page's area store: on Back the new path and
    query arrive together, and the store may still be the previous page's when this runs."""
    if pathname in (None, "", "/"):
        key = None
    elif isinstance(pathname, str) and pathname.startswith("/area/") and "/" not in pathname[6:].rstrip("/"):
        key = unquote(pathname[6:].rstrip("/"))
    else:
        return None  # another page: it has no area breadcrumbs
    with session() as s:
        found, area = find_area(s, key)
        return breadcrumbs(trail(s, area, search)) if found == "area" else None


def drill_href(code: str, search: str) -> str | None:
    with session() as s:
        return drill_target(s, code, search)


def campaign_context(campaign_id: int | None) -> Context:
    """Campaigns and report dates only (for the date picker)."""
    with session() as s:
        return resolve(s, campaign_id, None)
