"""Drill-down `/district/<unit code>`: one unit's table, trend, history, rank and reasons."""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids, labels, scope
from dashboard.components.breadcrumbs import breadcrumbs
from dashboard.components.cards import lagging_list
from dashboard.components.followup_panel import district_section  # staffing, radar and refusals of this unit
from dashboard.components.graph import graph
from dashboard.components.tables import attachment_header, attachment_table, compare_table, history_table
from dashboard.components.todo import own_unit, todo_section
from dashboard.data import resolve, session, thresholds
from dashboard.figures import overview as figures
from dashboard.pages.overview import lagging_units, pace_points, unit_trail
from dashboard.pages.review import district_status  # review status of the shown report
from dashboard.state import PageState, compose
from db import hierarchy, queries
from domain.hierarchy import WHOLE_WORDS
from domain.kpis import tiles
from domain.lagging import expected_fraction
from domain.metrics import METRICS
from domain.ranking import metric_rows

OUTSIDE = "该单位不在您的辖区内。您的账户只能查看本辖区的单位。"


def _city_value(metric: str, city: dict, expected: float) -> str:
    if metric == "pace":
        return METRICS["pace"].text((city["target_progress"] or 0) - expected)
    if metric == "stale_days":
        return f"{city['units_reported']} / {city['units']} 个单位已报送"
    return METRICS[metric].text(city[metric])


def back_link(trail: list[tuple[str, str | None]], search: str) -> tuple[str, str]:
    """(text, href) of the way back up: the area the unit belongs to (← 返回临沂市), else the overview."""
    up = [(name, href) for name, href in trail[:-1] if href]
    if up:
        return f"← 返回{up[-1][0]}", up[-1][1]
    return labels.BACK, "/" + search


def compare_area(s, code: str) -> tuple[int | None, str]:
    """(area id, what it is called) a unit is compared within: its parent (None: the installation's
    root, 全市). A viewer bound to the unit itself (the parent is not theirs) sees the unit alone."""
    unit = hierarchy.area(s, code)
    parent = unit.parent_id if unit is not None else None
    if unit is not None and not scope.area_visible(s, parent):
        return unit.id, labels.OWN_UNIT
    above = hierarchy.area(s, parent) if parent is not None else None
    return parent, (WHOLE_WORDS.get(above.level, labels.CITY) if above is not None else labels.CITY)


def last_year_card(now: dict, last_year: dict | None) -> html.Div | None:
    """同期: the unit's seven KPI figures now and on the same day of last year's action, one line each
    ("发出要约书 1,386 份 · 同期（2016年4月14日）1,234 份，+12.3%"); None without a previous campaign."""
    if last_year is None:
        return None
    rows = [html.Li([html.Span(f"{t['title']} {t['value']}", className="yoy-now"), " · ",
                     html.Span(t["last_year"], className="yoy-then")], **{"data-kpi-yoy": t["key"]})
            for t in tiles(now, None, last_year["figures"], last_year["date"])]
    return html.Div([html.H3("与去年同期比较"), html.Ul(rows, className="yoy-list")], className="card yoy",
                    title=f"上一年度行动：{last_year['campaign']['name']}", id=ids.D_LAST_YEAR)


def body(code: str, state: PageState):
    """Everything below the header, rebuilt when new data arrives."""
    with session() as s:
        unit = queries.unit(s, code)
        ctx = resolve(s, state.campaign, state.date)
        if unit is None or ctx.campaign is None:
            return html.Div([html.H2(f"单位 {code} 不存在"), dcc.Link(labels.BACK, href="/" + compose(state))],
                            className="card notice")
        if ctx.as_of is None:
            return html.Div(labels.NO_REPORTS, className="card notice")
        cid, as_of = ctx.campaign["id"], ctx.as_of
        # Compared and ranked among its siblings: the units of the area it belongs to (its city, or
        # its province for a 省直 unit), rolled up in SQL; a viewer bound to the unit itself sees it alone.
        within, whole = compare_area(s, code)
        around = hierarchy.view(s, cid, as_of, within, parts=("children", "totals"))
        city = around.totals
        units = around.children if whole != labels.OWN_UNIT else queries.unit_metrics(s, cid, as_of).query("code == @code")
        lines = queries.line_totals(s, cid, as_of, code)
        trend = queries.trend(s, cid, as_of, unit_code=code)
        history = queries.report_history(s, cid, code)
        review_status = district_status(s, cid, as_of, code)  # 待审核 / 已通过 / 已退回
        last_year = queries.last_year_unit(s, cid, as_of, code)  # 同期
    c = ctx.campaign
    shown = history[history["is_current"] & (history["report_date"] <= as_of)] if not history.empty else history
    current = next(shown.itertuples(index=False), None)
    me = units[units["code"] == code].iloc[0]
    pace = thresholds(c).pace
    expected = expected_fraction(as_of, c["window_start"], c["window_end"], pace)
    compare = []
    for key, spec in METRICS.items():
        row = next(r for r in metric_rows(units, key, as_of, c["window_start"], c["window_end"], pace) if r["code"] == code)
        compare.append((spec.label, row["value_text"], _city_value(key, city, expected), row["rank_text"]))
    mine = [x for x in lagging_units(ctx, units, city, whole) if x.code == code]
    search = compose(state)
    status = (f"最近报送：{labels.date_cn(me['last_report_date'])}" if me["last_report_date"] else "尚未报送")
    return html.Div(
        [
            html.P([f"{unit['kind']} · 截至 {labels.date_cn(as_of)} · {status}",
                    review_status, html.Span(labels.DEMO, className="badge-demo") if c["is_demo"] else None],
                   className="muted"),
            todo_section(code, c, as_of, search) if own_unit(code) else None,  # a clerk's 待办 first
            html.Div(
                [
                    html.Div([lagging_list(mine, search, "落后原因") if mine else html.Div("该单位目前没有落后项。", className="card ok"),
                              last_year_card(me.to_dict(), last_year)]),  # 同期 under the reasons
                    html.Div([html.H3(f"与{whole}比较"), compare_table(compare, whole)], className="card"),
                ],
                className="grid-2",
            ),
            html.Div([html.H3("工资集体协商“集中要约”行动情况统计表（累计）"), attachment_header(unit["name"], current),
                      html.Div(attachment_table(lines), className="table-scroll")], className="card"),
            html.Div(
                [html.H3("累计趋势（覆盖企业数）"),
                 graph(ids.D_TREND, figures.unit_trend(trend, int(me["target_ents"]), pace_points(c, as_of)), 420)],
                className="card",
            ),
            # this unit's 专职指导员, 实效评价 radar against the area it is compared within, open refusal cases
            district_section(code, cid, as_of, search, (within, whole)),
            html.Div([html.H3("报送记录（含更正版本）"), history_table(history)], className="card"),
        ]
    )


def layout(state: PageState, code: str):
    with session() as s:
        unit = queries.unit(s, code)
        visible = scope.unit_visible(s, code)
        trail = unit_trail(s, code, compose(state)) if visible else []  # 全国 › 山东省 › 临沂市 › 兰山区
    if not visible:  # another area's unit: the forbidden page, audited
        scope.audit_refusal(f"单位 {code}")
        return html.Div([html.H2(labels.FORBIDDEN), html.P(OUTSIDE),
                         dcc.Link(labels.BACK, href="/" + compose(state), className="back")],
                        className="card notice forbidden")
    title = unit["name"] if unit else code
    return html.Div(
        [
            *([html.Nav(breadcrumbs(trail), className="breadcrumbs crumbs", **{"aria-label": "地区"})] if trail else []),
            html.Div([dcc.Link(*back_link(trail, compose(state)), id=ids.D_BACK, className="back"),
                      html.H2(title, id=ids.D_HEADER)], className="district-head"),
            html.Div(body(code, state), id=ids.D_BODY),
        ]
    )
