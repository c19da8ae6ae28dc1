"""Overview callbacks: each unpacks inputs, calls the page's pure builders, returns."""

from __future__ import annotations

from dataclasses import replace

from dash import Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import cache, ids
from dashboard.pages.overview import (
    PART_KEYS,
    campaign_context,
    context_for,
    crumbs_for,
    data_view,
    date_picker_props,
    drill_href,
    lagging_units,
    metric_answer,
)
from dashboard.state import PageState, coerce, compose, parse
from dashboard.wire import plain


def _state(campaign, date_value, metric) -> PageState:
    return coerce(campaign, date_value, metric)


def register(app) -> None:
    _register_url_state(app)
    _register_breadcrumbs(app)
    _register_data(app)
    _register_drill_down(app)


def _register_url_state(app) -> None:
    @app.callback(
        Output(ids.URL, "search"),
        Input(ids.CAMPAIGN, "value"),
        Input(ids.AS_OF, "date"),
        Input(ids.METRIC, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def keep_state_in_url(campaign, date_value, metric, search):
        new = _state(campaign, date_value, metric)
        if not url_needs_update(parse(search), new):
            raise PreventUpdate  # e.g. the page just rendered: no second history entry
        return compose(new)

    @app.callback(
        Output(ids.AS_OF, "min_date_allowed"),
        Output(ids.AS_OF, "max_date_allowed"),
        Output(ids.AS_OF, "disabled_days"),
        Output(ids.AS_OF, "placeholder"),
        Output(ids.AS_OF, "initial_visible_month"),
        Output(ids.AS_OF, "date"),
        Output(ids.DEMO_BADGE, "style"),
        Input(ids.CAMPAIGN, "value"),
        Input(ids.DATA_VERSION, "data"),
        State(ids.AS_OF, "date"),
        prevent_initial_call=True,
    )
    def date_choices(campaign, _version, date_value):
        context = campaign_context(_state(campaign, None, None).campaign)
        picker = date_picker_props(context)
        keep = date_value if ctx.triggered_id == ids.DATA_VERSION else None
        badge = {} if context.campaign and context.campaign["is_demo"] else {"display": "none"}
        if not (isinstance(keep, str) and keep[:10] in {d.isoformat() for d in context.dates}):
            keep = None
        return (picker["min_date_allowed"], picker["max_date_allowed"], picker["disabled_days"], picker["placeholder"],
                picker["initial_visible_month"], keep, badge)

    cache.share(app, Output(ids.AS_OF, "min_date_allowed"))


def _register_breadcrumbs(app) -> None:
    @app.callback(
        Output(ids.BREADCRUMBS, "children"),
        Input(ids.URL, "search"),
        State(ids.URL, "pathname"),
        prevent_initial_call=True,
    )
    def keep_crumbs_in_step(search, pathname):
        """The breadcrumb links carry the query string: rewrite them when the filters change it."""
        crumbs = crumbs_for(pathname, compose(parse(search if isinstance(search, str) else "")))
        if crumbs is None:
            raise PreventUpdate  # a forged or out-of-scope area
        return crumbs


def _register_data(app) -> None:
    @app.callback(
        Output(ids.TIME_BAR, "children"),
        Output(ids.KPIS, "children"),
        Output(ids.LAGGING, "children"),
        Output(ids.PROGRESS, "figure"),
        Output(ids.COMPOSITION, "figure"),
        Output(ids.AREA_REPORTED, "children"),
        Output(ids.MAP, "figure"),
        Output(ids.OFFMAP, "figure"),
        Output(ids.RANKING, "figure"),
        Input(ids.CAMPAIGN, "value"),
        Input(ids.AS_OF, "date"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.COMPOSITION_PART, "value"),
        Input(ids.METRIC, "value"),
        State(ids.AREA, "data"),
        prevent_initial_call=True,
    )
    def update_data(campaign, date_value, _version, part, metric, area):
        """One answer per change, the roll-up read once: a new campaign, date or data version redraws
        everything; a metric switch only the map (a Patch), the off-map bar and the ranking; the
        composition picker only its chart."""
        state = _state(campaign, date_value, metric)
        changed = set(ctx.triggered_prop_ids.values())  # the ids of the inputs that changed
        only_metric, only_part = changed == {ids.METRIC}, changed == {ids.COMPOSITION_PART}
        context, snap = context_for(state, full=not only_metric, area_value=area, with_cases=not (only_metric or only_part))
        if snap is None:
            raise PreventUpdate  # no data, or an area the viewer may not see (the store is client state)
        data = (None if only_metric else
                data_view(context, snap, part if isinstance(part, str) and part in PART_KEYS else "ents", compose(state)))
        if only_part:
            return (no_update,) * 4 + (data["composition"],) + (no_update,) * 4
        lag_codes = data["lag_codes"] if data else {x.code for x in lagging_units(context, snap.units, snap.city, snap.whole)}
        patch, offmap, ranking = metric_answer(context, snap, state.metric, lag_codes, move_cases=not only_metric)
        maps = (plain(patch), offmap, ranking)
        if only_metric:
            return (no_update,) * 6 + maps
        # plain(): one orjson call encodes the answer (dashboard/wire.py)
        return (plain(data["time_bar"]), plain(data["kpis"]), plain(data["lagging"]), data["progress"],
                data["composition"], data["reported"], *maps)

    cache.share(app, Output(ids.TIME_BAR, "children"))


def _register_drill_down(app) -> None:
    @app.callback(
        Output(ids.URL, "pathname"),
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.MAP, "clickData"),
        Input(ids.OFFMAP, "clickData"),
        Input(ids.RANKING, "clickData"),
        Input(ids.PROGRESS, "clickData"),
        State(ids.CAMPAIGN, "value"),
        State(ids.AS_OF, "date"),
        State(ids.METRIC, "value"),
        prevent_initial_call=True,
    )
    def drill_down(map_click, offmap_click, ranking_click, progress_click, campaign, date_value, metric):
        click = ctx.triggered[0]["value"] if ctx.triggered else None
        code = unit_code_from_click(click)
        if not code or len(code) > 32:
            raise PreventUpdate
        # A child with children opens its area (/area/<adcode>), a unit its county page; the page checks scope.
        search = compose(_state(campaign, date_value, metric))
        href = drill_href(code, "")
        if href is None:
            raise PreventUpdate
        return href, search


def url_needs_update(current: PageState, new: PageState) -> bool:
    """Whether the controls say something the URL does not (a URL without campaign means the default)."""
    return new != current and replace(new, campaign=None) != current


def unit_code_from_click(click: dict | None) -> str | None:
    """The unit code a click on any overview chart carries (customdata[0] or the map location)."""
    points = click.get("points") if isinstance(click, dict) else None
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return None  # no click, or a forged one
    point = points[0]
    custom = point.get("customdata")
    if isinstance(custom, list) and custom:
        return str(custom[0])
    if isinstance(custom, str):
        return custom
    location = point.get("location")
    return location if isinstance(location, str) else None
