"""Overview building blocks: KPI cards, the time bar, the lagging list. Pure: data in, components out."""

from __future__ import annotations

import datetime as dt

from dash import dcc, html

from dashboard.components.long_list import LAGGING, show_all_button
from dashboard.labels import RULE_TAGS, short_date
from domain.format import pct, thousands
from domain.kpis import SINCE, tiles
from domain.lagging import Lagging, sentence
from domain.metrics import label
from domain.ranking import SHOWN_EACH


def _delta(change: str, tone: str, since: str) -> html.Div:
    return html.Div([html.Span(change, className=f"delta {tone}"), html.Span(f" {SINCE}", className="since")],
                    title=f"与 {since} 相比")


def kpi_card(title: str, value: str, lines: list[str], delta: html.Div | None, key: str) -> html.Div:
    return html.Div(
        [
            html.Div(title, className="kpi-title"),
            html.Div(value, className="kpi-value", **{"data-kpi": key}),
            *[html.Div(line, className="kpi-sub") for line in lines],
            delta or html.Div(),
        ],
        className="kpi",
    )


# The coverage cards and the targets they are measured against: (card, target, baseline, what).
COVERAGE_TARGETS = {"ent_coverage": ("target_ents", "baseline_ents", "家"),
                    "worker_coverage": ("target_workers", "baseline_workers", "人")}


def target_line(key: str, now: dict) -> tuple[str, str] | None:
    """The target a coverage card is measured against, short for the card and in full for its
    tooltip: ("目标 35.0%", "目标 19,660 家，占辖区 56,170 家的 35.0%"), or None without one.

    A leader otherwise reads 企业覆盖率 37.5% beside 达目标 107.1% and cannot tell how both hold."""
    if key not in COVERAGE_TARGETS:
        return None
    target_col, baseline_col, unit = COVERAGE_TARGETS[key]
    target, baseline = now.get(target_col) or 0, now.get(baseline_col) or 0
    if target <= 0 or baseline <= 0:
        return None
    share = pct(target / baseline)
    return f"目标 {share}", f"目标 {thousands(target)} {unit}，占辖区 {thousands(baseline)} {unit}的 {share}"


def last_year_div(t: dict, last_year: dict) -> html.Div:
    """A tile's 同期 line, titled with the previous campaign it comes from."""
    return html.Div(t["last_year"], className="kpi-sub kpi-yoy", title=f"上一年度行动：{last_year['campaign']['name']}",
                    **{"data-kpi-yoy": t["key"]})


def kpi_cards(now: dict, prev: dict | None, prev_date: dt.date | None,
              last_year: dict | None = None) -> list[html.Div]:
    """Seven cards (domain.kpis.tiles): three stages and four rates, each with its weekly change.

    The coverage cards also name their target (`target_line`), in bold under the value. With
    `last_year` ({"campaign", "date", "figures"}: db.queries.last_year_city, or the same for an area)
    each card also shows its 同期 line; without it, nothing."""
    since = short_date(prev_date) if prev_date else "上周"
    last, last_date = (last_year["figures"], last_year["date"]) if last_year else (None, None)
    cards = []
    for t in tiles(now, prev, last, last_date):
        card = kpi_card(t["title"], t["value"], t["lines"],
                        _delta(t["change"], t["tone"], since) if t["change"] else None, t["key"])
        goal = target_line(t["key"], now)
        if goal:
            card.children.insert(2, html.Div(goal[0], title=goal[1], className="kpi-target",
                                             **{"data-kpi-target": t["key"]}))
        if t["last_year"]:
            card.children.insert(len(card.children) - 1, last_year_div(t, last_year))  # above the weekly change
        cards.append(card)
    return cards


def time_bar(campaign: dict, as_of: dt.date, expected: float, progress: float | None, whole: str = "全市") -> html.Div:
    """Day N of the window, days left to the deadline, expected pace against actual progress."""
    start, end, deadline = campaign["window_start"], campaign["window_end"], campaign["deadline"]
    total = (end - start).days + 1
    day = min(max((as_of - start).days + 1, 0), total)
    left = (deadline - as_of).days
    if as_of < start:
        when = f"行动将于 {short_date(start)} 开始"
    elif as_of <= end:
        when = f"行动第 {day} 天（共 {total} 天）"
    else:
        when = f"行动已于 {short_date(end)} 结束"
    due = f"距 {short_date(deadline)} 报送截止还有 {left} 天" if left >= 0 else f"已过 {short_date(deadline)} 报送截止"
    actual = min(progress or 0.0, 1.0)
    reached = f"{whole}{label('target_progress')} {pct(progress)}" + ("（已超过目标）" if (progress or 0) > 1 else "")
    return html.Div(
        [
            html.Div(
                [
                    html.Span(when, className="tb-strong"),
                    html.Span(f"截至 {short_date(as_of)}"),
                    html.Span(f"应达进度 {pct(expected)}"),
                    html.Span(reached, className="tb-strong"),
                    html.Span(due, className="tb-due" if 0 <= left <= 10 else ""),
                ],
                className="tb-text",
            ),
            html.Div(
                [
                    html.Div(className="tb-fill", style={"width": f"{actual * 100:.1f}%"}),
                    html.Div(className="tb-pace", style={"left": f"{min(expected, 1) * 100:.1f}%"},
                             title=f"应达进度 {pct(expected)}"),
                ],
                className="tb-track",
            ),
            # What the bar and the mark are: the track alone said nothing to a room.
            html.Div(
                [
                    html.Span([html.Span(className="tb-key-fill"), f"条形：{whole}签约覆盖企业达目标（满格为 100%）"],
                              className="tb-key"),
                    html.Span([html.Span(className="tb-key-pace"), "竖线：按时间应达进度"], className="tb-key"),
                ],
                className="tb-legend",
            ),
        ],
        className="timebar card",
    )


def _lag_item(item: Lagging, search: str) -> html.Li:
    return html.Li(
        [
            dcc.Link(sentence(item), href=f"/district/{item.code}{search}", className="lag-link"),
            html.Div([html.Span(RULE_TAGS[r.rule], className=f"tag tag-{r.rule}") for r in item.reasons]),
        ],
        **{"data-code": item.code},
    )


def lagging_list(items: list[Lagging], search: str, title: str | None = None, show: int = 8,
                 each: int = SHOWN_EACH) -> html.Div:
    """The lagging units, most severe first. Past `show`, the rest fold away so the worst stay in view;
    past `each`, no more are built (a card per unit froze the page at a few hundred): "显示全部（K 个）"
    opens them all in the grid (dashboard/components/long_list.py)."""
    if not items:
        return html.Div([html.H3("落后单位"), html.P("暂无落后单位。", className="muted")], className="card lagging")
    header = [html.H3(title)] if title else [html.H3(f"落后单位 {thousands(len(items))} 个"),
                                              html.P("按严重程度排序，点击查看详情", className="muted")]
    body = [html.Ol([_lag_item(x, search) for x in items[:show]])]
    folded = items[show:each]
    if folded:
        more = len(items) - show
        summary = f"其余 {more} 个单位" if len(items) <= each else f"其后 {len(folded)} 个单位（共 {thousands(more)} 个）"
        body.append(html.Details([html.Summary(summary),
                                  html.Ol([_lag_item(x, search) for x in folded], start=show + 1)]))
    if len(items) > each:
        body.append(show_all_button(LAGGING, len(items)))
    return html.Div([*header, *body], className="card lagging")
