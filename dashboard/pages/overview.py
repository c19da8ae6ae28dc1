"""Overview `/`: where is the action lagging, and why. Layout and the builders its callbacks reuse."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from dash import dcc, html

from dashboard import geo, ids, labels
from dashboard.components.cards import kpi_cards, lagging_list, time_bar
from dashboard.components.dropdown import dropdown
from dashboard.components.followup_panel import overview_section  # the action panel after the cards
from dashboard.components.graph import graph
from dashboard.data import Context, resolve, session, thresholds
from dashboard.figures import map as map_figure
from dashboard.figures import overview as figures
from dashboard.http.auth import has_role  # the 生成快照 link
from dashboard.http.routes import GEOJSON_URL
from dashboard.pages.review import pending_marker as pending_review_marker  # N 个单位的数据待审核
from dashboard.state import PageState, compose
from db import queries
from db.cases import typical as cases
from domain.lagging import Lagging, evaluate, expected_fraction
from domain.metrics import METRICS
from domain.ranking import colour_range, metric_rows

PARTS = [{"label": "企业数", "value": "ents"}, {"label": "职工数", "value": "workers"}, {"label": "份数", "value": "copies"}]
PART_KEYS = {p["value"] for p in PARTS}


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
    last_year: dict | None = None  # 同期: db.queries.last_year_city (campaign, date, figures), None without one


def load(s, ctx: Context) -> Snapshot:
    cid, as_of = ctx.campaign["id"], ctx.as_of
    prev_date = as_of - dt.timedelta(days=7)
    has_prev = bool(ctx.dates) and prev_date >= ctx.dates[0]
    return Snapshot(
        units=queries.unit_metrics(s, cid, as_of),
        city=queries.city_metrics(s, cid, as_of),
        prev_city=queries.city_metrics(s, cid, prev_date) if has_prev else None,
        prev_date=prev_date if has_prev else None,
        trend=queries.trend(s, cid, as_of, by_unit=True),
        lines=queries.line_totals(s, cid, as_of),
        cases=cases.case_locations(s, cid),
        last_year=queries.last_year_city(s, cid, as_of),
    )


def lagging_units(ctx: Context, units: pd.DataFrame, city: dict) -> list[Lagging]:
    c = ctx.campaign
    return evaluate(units, city, ctx.as_of, c["window_start"], c["window_end"], thresholds(c))


def pace_points(campaign: dict, as_of: dt.date) -> list[tuple[dt.date, float]]:
    """The expected-pace curve, one point a day from the eve of the window to as_of's week end."""
    start, end, pace = campaign["window_start"], campaign["window_end"], thresholds(campaign).pace
    last = min(end, max(as_of, start))
    days = (last - start).days + 2
    return [(d, expected_fraction(d, start, end, pace)) for d in (start + dt.timedelta(k - 1) for k in range(days))]


def data_view(ctx: Context, snap: Snapshot, part: str, search: str) -> dict:
    c = ctx.campaign
    lag = lagging_units(ctx, snap.units, snap.city)
    names = dict(zip(snap.units["code"], snap.units["name"]))
    targets = dict(zip(snap.units["code"], snap.units["target_ents"].astype(int)))
    return {
        "time_bar": time_bar(c, ctx.as_of, expected_fraction(ctx.as_of, c["window_start"], c["window_end"],
                                                             thresholds(c).pace), snap.city["target_progress"]),
        "kpis": kpi_cards(snap.city, snap.prev_city, snap.prev_date, snap.last_year),
        "lagging": [pending_review_marker(c["id"], ctx.as_of), lagging_list(lag, search)],  # 待审核
        "progress": figures.progress_lines(snap.trend, targets, pace_points(c, ctx.as_of), {x.code for x in lag[:6]}, names),
        "composition": figures.composition(snap.lines, part),
        "lag_codes": {x.code for x in lag},
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


def map_geojson(units: pd.DataFrame) -> dict:
    return geo.city_geojson(tuple(sorted(a for a in units["adcode"] if isinstance(a, str) and a)))


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


def layout(state: PageState):
    with session() as s:
        ctx = resolve(s, state.campaign, state.date)
        if ctx.campaign is None:
            return html.Div(labels.NO_CAMPAIGN, className="card notice")
        if ctx.as_of is None:
            return html.Div([_controls(ctx, state), html.Div(labels.NO_REPORTS, className="card notice")])
        snap = load(s, ctx)
    search = compose(state)
    view = data_view(ctx, snap, "ents", search)
    mv = metric_view(ctx, snap.units, state.metric, view["lag_codes"])
    the_map = map_figure.district_map(map_geojson(snap.units), mv["rows"], mv["label"], mv["fmt"], mv["zmin"], mv["zmax"],
                                      reverse=mv["reverse"], geojson_url=GEOJSON_URL, cases=snap.cases)
    offmap = map_figure.offmap_bar(mv["rows"], mv["label"], mv["zmin"], mv["zmax"], mv["fmt"], reverse=mv["reverse"])
    metric_picker = dcc.RadioItems(
        id=ids.METRIC, value=state.metric, className="metric-picker", inline=True,
        options=[{"label": m.label, "value": m.key, "title": m.help} for m in METRICS.values()],
    )
    return html.Div(
        [
            _controls(ctx, state),
            html.Div(view["time_bar"], id=ids.TIME_BAR),
            html.Div(view["kpis"], id=ids.KPIS, className="kpis"),
            html.Div(
                [
                    _card("各县区分布", metric_picker, html.Div(
                        [graph(ids.MAP, the_map, 470, "map", scrollZoom=False),
                         html.Div([html.H4("开发区及市直单位（无行政边界）"),
                                   graph(ids.OFFMAP, offmap)], className="offmap")],
                        className="map-row"), class_name="map-card"),
                    html.Div(view["lagging"], id=ids.LAGGING),
                ],
                className="grid-map",
            ),
            html.Div(
                [
                    _card("单位排名", graph(ids.RANKING, mv["ranking"])),
                    _card("累计进度与应达进度（签约覆盖企业 ÷ 目标）",
                          graph(ids.PROGRESS, view["progress"], 560)),
                ],
                className="grid-2",
            ),
            _card("构成：单独开展企业 / 区域 / 行业",
                  dcc.RadioItems(id=ids.COMPOSITION_PART, options=PARTS, value="ents", inline=True, className="metric-picker"),
                  graph(ids.COMPOSITION, view["composition"], 320)),
            # per-unit 典型 / 指导员 / 实效评价 / 监督检查 / 总结 panel; refreshed by callbacks/followup.py
            overview_section(ctx.campaign["id"], ctx.as_of, search),
        ]
    )


def context_for(state: PageState, full: bool = True) -> tuple[Context, Snapshot | None]:
    """Used by callbacks: resolve the controls' values and load the snapshot.

    full=False loads only what the metric views need (units and city), not trends or last week."""
    with session() as s:
        ctx = resolve(s, state.campaign, state.date)
        if not (ctx.campaign and ctx.as_of):
            return ctx, None
        if full:
            return ctx, load(s, ctx)
        cid = ctx.campaign["id"]
        units, city = queries.unit_metrics(s, cid, ctx.as_of), queries.city_metrics(s, cid, ctx.as_of)
        located = cases.case_locations(s, cid)
    return ctx, Snapshot(units, city, None, None, pd.DataFrame(), pd.DataFrame(), located)


def campaign_context(campaign_id: int | None) -> Context:
    """Campaigns and report dates only (for the date picker)."""
    with session() as s:
        return resolve(s, campaign_id, None)
