"""Pure `data -> figure dict` builders for the overview and unit pages (no Dash, no SQL).

Every number a reader sees is formatted by domain.format (thousands separators, 万, half-up %);
colours and fonts come from dashboard.theme. Where a figure has nothing to show it is
`empty_figure(...)`, a centred sentence without axes, never a blank grid.

Figures are plain dicts `{"data": [trace dicts], "layout": {...}}` of plain Python values (str, int,
float, None, lists; dates as ISO strings), not `go.Figure`: plotly's validation and copying cost
tens of milliseconds per render (like dashboard/figures/map.py). They are what `go.Figure` would send:
the default template and the expanded colour scale are filled in here, so the charts look the same.
Layouts share one template dict: treat figures as read-only.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Sequence

import pandas as pd
import plotly.io as pio

from dashboard.figures.scale import classes
from dashboard.figures.textfit import common_unit, strip_unit, text_px
from dashboard.theme import (
    KIND_COLOURS,
    LAGGING,
    NO_DATA,
    PACE,
    STAGE_COLOURS,
    base_layout,
)
from domain.format import SMART_WAN_FROM, pct, thousands, wan
from domain.measures import LINE_KINDS, LINE_LABELS, PART_LABELS, STAGE_LABELS, STAGES, UNITS
from domain.metrics import label as metric_label
from domain.ranking import SHOWN_EACH, hidden_ranks, worst_best

NO_REPORTS = "尚无报送数据"
PACE_LABEL = "应达进度"
OTHERS_LABEL = "其他单位"
ALL_UNITS_LABEL = "全部单位合计"
OTHERS_MAX = 40  # past this many other units, their grey lines give way to the line of all units together
HIGHLIGHT_MAX = 10  # named lines at most: more are a tangle, and each is a legend entry and a label
LAGGING_MARK = "⚠ "
ROW_PX = 24  # ranking bar height per unit
# Okabe-Ito colours of the theme, in the order highlighted units take them; past five, dashes repeat them.
HIGHLIGHT_COLOURS = (LAGGING, KIND_COLOURS["single"], KIND_COLOURS["regional"], KIND_COLOURS["industry"],
                     STAGE_COLOURS["offer"])
HIGHLIGHT_DASHES = ("solid", "dash", "dot")
TEXT_ON = {"single": "#ffffff", "regional": "#222222", "industry": "#ffffff"}  # legible on KIND_COLOURS
DATE_TICKS = "%-m月%-d日"
GRID = "#e6e6e6"

Figure = dict  # {"data": [trace dicts], "layout": {...}}


def _esc(text: object) -> str:
    return html.escape(str(text), quote=False)


@functools.cache
def _template(name: str) -> dict:
    return pio.templates[name].to_plotly_json()


def _figure(traces: list[dict], layout: dict) -> Figure:
    """The figure `go.Figure(traces, layout)` would send: with plotly's default template."""
    if "template" not in layout and isinstance(pio.templates.default, str):
        layout["template"] = _template(pio.templates.default)
    return {"data": traces, "layout": layout}


def _layout(uirevision: str, title: str | None, **overrides) -> dict:
    layout = base_layout(uirevision=uirevision, **overrides)
    if title:
        layout["title"] = {"text": _esc(title), "x": 0, "xanchor": "left", "font": {"size": 17}}
    return layout


def _date_axis() -> dict:
    return {"tickformat": DATE_TICKS, "hoverformat": DATE_TICKS, "showgrid": True, "gridcolor": GRID}


def _iso(d) -> str:
    """A date (or datetime) as plotly writes it: "2017-03-10" ("2017-03-10T08:00:00")."""
    return d if isinstance(d, str) else d.isoformat()


def _day(d) -> dt.datetime:
    """A date (or datetime, or ISO string) as a datetime, for date-axis arithmetic."""
    if isinstance(d, str):
        d = dt.datetime.fromisoformat(d)
    if isinstance(d, pd.Timestamp):
        d = d.to_pydatetime()
    return d if isinstance(d, dt.datetime) else dt.datetime.combine(d, dt.time())


def _pace_xy(pace: Sequence[tuple[dt.date, float]]) -> tuple[list, list[float]]:
    points = sorted(pace)
    return [d for d, _ in points], [float(f) for _, f in points]


def empty_figure(message: str = NO_REPORTS, title: str | None = None) -> Figure:
    """No axes, no grid: just `message` in the middle."""
    hidden = {"visible": False}
    layout = _layout("empty", title, xaxis=hidden, yaxis=hidden, height=240)
    layout["annotations"] = [{
        "text": _esc(message), "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
        "showarrow": False, "font": {"size": 20, "color": "#666666"},
    }]
    return _figure([], layout)


# ---------------------------------------------------------------- ranking


def ranking_bar(rows: list[dict], metric_label: str, zmin: float, zmax: float, reverse: bool = False,
                lagging_codes: set[str] = frozenset(), title: str | None = None, each: int = SHOWN_EACH) -> Figure:
    """Units best first (rank 1 at the top), in the map's colour classes; unranked units last, grey.

    Past 2 x `each` units only the `each` best and the `each` worst are drawn, with a row
    "… 其余 K 个单位 …" between them (domain.ranking.worst_best): the height stays bounded and the
    rest are in the "显示全部" grid. `rows` are domain.ranking.metric_rows; customdata of every bar is
    the unit's code.
    """
    if not rows:
        return empty_figure(title=title)
    best, worst, hidden = worst_best(rows, each)
    shown_rows = best + worst
    ranked = [r for r in shown_rows if r.get("rank") is not None]
    unranked = [r for r in shown_rows if r.get("rank") is None]
    # The scale and the value axis are those of every unit, shown or not: the same colours as the map.
    values = [float(r["value"]) for r in ranked]
    every = [float(r["value"]) for r in rows if r.get("rank") is not None]
    scale = classes([r.get("value") for r in rows], None, reverse=bool(reverse))
    zmin, zmax = float(zmin), float(zmax)
    lo = min(0.0, zmin, *every)
    hi = max(0.0, zmax, *every)
    span = (hi - lo) or 1.0

    def hover(r: dict) -> str:
        return f"<b>{_esc(r['name'])}</b><br>{_esc(metric_label)}：{_esc(r['value_text'])}<br>排名：{_esc(r['rank_text'])}"

    # "超前 45.1 个百分点" on every bar is long: the shared unit moves to the axis title and the bars
    # keep "超前 45.1", so the values fit beside the bars even on a phone.
    unit = common_unit([r["value_text"] for r in ranked])
    shown = {id(r): strip_unit(r["value_text"], unit) for r in ranked}
    ranked_codes = [str(r["code"]) for r in ranked]
    unranked_codes = [str(r["code"]) for r in unranked]
    # A negative bar's value is written right of the zero line, not past its end, where it would run
    # into the unit names on a narrow card ("落后 48.3 个百分点" is long).
    bars = {
        "type": "bar", "name": metric_label, "orientation": "h", "y": ranked_codes, "x": values,
        "customdata": list(ranked_codes), "text": [shown[id(r)] for r in ranked],
        "textposition": ["outside" if v >= 0 else "none" for v in values], "constraintext": "none",
        "cliponaxis": False, "hovertext": [hover(r) for r in ranked],
        "hovertemplate": "%{hovertext}<extra></extra>",
        # The class colours of the map (dashboard.figures.scale, from the same rows).
        "marker": {"color": [scale.colour(v) for v in values], "line": {"color": "#8a8a8a", "width": 1}},
    }
    # A pale band across the whole axis: the row is visibly "no figure", not a short bar.
    blanks = {
        "type": "bar", "name": "无数据", "orientation": "h", "y": unranked_codes, "x": [span] * len(unranked),
        "base": [lo] * len(unranked), "customdata": list(unranked_codes),
        "text": [r.get("value_text") or "—" for r in unranked], "textposition": "inside", "insidetextanchor": "start",
        "constraintext": "none", "textangle": 0, "textfont": {"color": "#444444"},
        "hovertext": [hover(r) for r in unranked],
        "hovertemplate": "%{hovertext}<extra></extra>", "marker": {"color": NO_DATA, "opacity": 0.6},
    }
    negative = [r for r in ranked if r["value"] < 0]
    negative_text = {
        "type": "scatter", "name": "负值", "y": [str(r["code"]) for r in negative], "x": [0] * len(negative),
        "mode": "text", "text": [f"  {shown[id(r)]}" for r in negative], "textposition": "middle right",
        "cliponaxis": False, "hoverinfo": "skip", "showlegend": False,
    }

    def label(r: dict) -> str:
        if r["code"] in lagging_codes:
            return f'<span style="color:{LAGGING}"><b>{LAGGING_MARK}{_esc(r["name"])}</b></span>'
        return _esc(r["name"])

    order = [str(r["code"]) for r in best]
    labels = [label(r) for r in best]
    if hidden:  # the gap: a row with no bar (nothing to click), saying what is left out
        order.append(GAP_ROW)
        silent = sum(1 for r in rows if r.get("rank") is None) - len(unranked)
        labels.append(f'<i><span style="color:#666666">{_esc(gap_text(best, worst, hidden, silent))}</span></i>')
        order += [str(r["code"]) for r in worst]
        labels += [label(r) for r in worst]
    layout = _layout(
        "ranking", title, barmode="overlay", showlegend=False, hovermode="closest", bargap=0.25,
        height=ROW_PX * len(order) + 68 + (36 if title else 0),
        # The values are printed past the bars' ends, in a right margin as wide as the longest of them
        # (in pixels, whatever the chart's width), so none is cut off at the card's edge.
        margin={"l": 10, "r": 12 + max([text_px(t) for t in shown.values()] + [0]), "t": 36 if title else 8,
                "b": 36},
        # Every bar carries its value as text, so the value axis needs no ticks: only the zero line.
        xaxis={"range": [lo - (0.02 * span if lo < 0 else 0), hi + 0.02 * span], "showticklabels": False,
               "showgrid": False, "zeroline": True, "zerolinecolor": "#999999", "fixedrange": True,
               "title": {"text": _esc(f"{metric_label}（{unit}）" if unit else metric_label),
                         "font": {"size": 14, "color": "#555555"}, "standoff": 4}},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": list(order), "tickmode": "array",
               "tickvals": list(order), "ticktext": labels, "autorange": "reversed", "automargin": True,
               "fixedrange": True, "ticksuffix": " "},
    )
    return _figure([bars, blanks, negative_text], layout)


GAP_ROW = "…"  # the category of the ranking's gap row (no unit code is a lone ellipsis)


def gap_text(best: list[dict], worst: list[dict], hidden: int, unranked: int = 0) -> str:
    """"… 其余 2,845 个单位（第 16–2,860 名）…": what the ranking leaves out between best and worst,
    of which `unranked` have no figure ("…（第 16–136 名，另 2 个无数据）…")."""
    ranks = hidden_ranks(best, worst)
    parts = [f"第 {thousands(ranks[0])}–{thousands(ranks[1])} 名"] if ranks else []
    if unranked:
        parts.append(f"另 {thousands(unranked)} 个无数据" if ranks else f"{thousands(unranked)} 个无数据")
    return f"… 其余 {thousands(hidden)} 个单位{'（' + '，'.join(parts) + '）' if parts else ''} …"


# ---------------------------------------------------------------- progress of all units


def progress_lines(trend_by_unit: pd.DataFrame, targets: dict[str, int], pace: list[tuple[dt.date, float]],
                   highlight: set[str], names: dict[str, str], title: str | None = None) -> Figure:
    """签约覆盖企业 / 目标企业数 over time per unit, against the expected pace.

    Highlighted (lagging) units are coloured and named in the legend (at most HIGHLIGHT_MAX); the
    rest are one grey "其他单位" trace, or past OTHERS_MAX of them one "全部单位合计" line, so the
    figure stays light at thousands of units. Units with no target (0 or missing) are left out:
    their share is undefined.
    """
    # One pass over plain lists, grouped by unit (filtering the frame once per unit costs ~10 ms).
    points: dict[str, list[tuple]] = {}
    if len(trend_by_unit):
        df = trend_by_unit
        for code, date, signed, name in zip(df["code"].tolist(), df["date"].tolist(), df["signed_ents"].tolist(),
                                            df["name"].tolist(), strict=True):
            if (targets.get(code) or 0) > 0:
                points.setdefault(code, []).append((date, signed, name))
    if not points:
        return empty_figure(title=title)

    points = {code: _steps(sorted(unit, key=lambda p: p[0])) for code, unit in points.items()}  # by date

    def series(code: str) -> tuple[list[str], list[float], list[str], str]:
        unit = points[code]
        target = float(targets[code])
        share = [float(s) / target for _, s, _ in unit]
        name = names.get(code) or str(unit[0][2])
        head, tail = f"<b>{_esc(name)}</b><br>签约覆盖企业 ", f" / 目标 {thousands(targets[code])} 家<br>达目标 "
        texts: dict = {}  # a unit's figure is often carried forward unchanged: format each value once
        for (_, s, _), y in zip(unit, share, strict=True):
            if s not in texts:
                texts[s] = f"{head}{thousands(s)}{tail}{pct(y)}"
        return [_iso(d) for d, _, _ in unit], share, [texts[s] for _, s, _ in unit], name

    traces: list[dict] = []
    rest = sorted(c for c in points if c not in highlight)
    if len(rest) <= OTHERS_MAX:
        others: dict[str, list] = {"x": [], "y": [], "hovertext": [], "customdata": []}
        for code in rest:
            x, y, hover, _ = series(code)
            for key, values in zip(others, (x, y, hover, [code] * len(x)), strict=True):
                others[key].extend([*values, None])  # None between units: one trace, separate lines
        if others["x"]:
            traces.append({"type": "scatter", "name": OTHERS_LABEL, "mode": "lines",
                           "line": {"color": NO_DATA, "width": 1.5, "shape": "hv"}, "connectgaps": False,
                           "hovertemplate": "%{hovertext}<extra></extra>", **others})
    else:
        # Thousands of grey lines are one grey smear, and megabytes (27 MB at 2,850 units): the area's
        # own line stands for them.
        traces.append(_total_trace(points, targets))
    xs, ys = _pace_xy(pace)
    if xs:
        traces.append({"type": "scatter", "name": PACE_LABEL, "x": [_iso(d) for d in xs], "y": ys, "mode": "lines",
                       "text": [pct(y) for y in ys], "line": {"color": PACE, "width": 2.5, "dash": "dash"},
                       "hovertemplate": f"{PACE_LABEL} %{{text}}<extra></extra>"})
    ends: list[tuple[str, float, str, str]] = []  # (x, y, name, colour) of each highlighted line's last point
    for i, code in enumerate(sorted(c for c in points if c in highlight)[:HIGHLIGHT_MAX]):
        x, y, hover, name = series(code)
        colour = HIGHLIGHT_COLOURS[i % len(HIGHLIGHT_COLOURS)]
        dash = HIGHLIGHT_DASHES[(i // len(HIGHLIGHT_COLOURS)) % len(HIGHLIGHT_DASHES)]
        traces.append({"type": "scatter", "name": name, "x": x, "y": y, "customdata": [code] * len(x),
                       "hovertext": hover, "mode": "lines+markers",
                       "line": {"color": colour, "width": 3.5, "dash": dash, "shape": "hv"},
                       "marker": {"size": 7}, "hovertemplate": "%{hovertext}<extra></extra>"})
        ends.append((x[-1], y[-1], name, colour))
    days = [_day(unit[i][0]) for unit in points.values() for i in (0, -1)] + [_day(d) for d in xs]
    first, last = min(days), max(days)
    end = last + max((last - first) * 0.15, dt.timedelta(days=3))  # room for the end labels
    top = max([1.0, *ys, *(v for t in traces for v in t["y"] if v is not None)]) * 1.06
    height, margin = 460, {"l": 10, "r": 10, "t": 80 if title else 50, "b": 10}
    layout = _layout(
        "progress", title, hovermode="closest", height=height, margin=margin,
        legend={"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left", "yanchor": "bottom"},
        xaxis={**_date_axis(), "range": [first.isoformat(), end.isoformat()]},
        yaxis={"tickformat": ".0%", "range": [0, top], "showgrid": True, "gridcolor": GRID,
               "title": {"text": metric_label("target_progress")}},
    )
    # The name also at the line's last point: on a projector the eye should not have to hop to the
    # legend. Names whose lines end close together are pushed apart so they never overprint.
    plot_px = height - margin["t"] - margin["b"] - 30  # less the date ticks
    placed = spread_labels([y for _, y, _, _ in ends], END_LABEL_PX * top / plot_px, 0.0, top)
    annotations = [
        {"x": x, "y": y, "xref": "x", "yref": "y", "text": f"<b>{_esc(name)}</b>", "showarrow": False,
         "xanchor": "left", "yanchor": "middle", "xshift": 8, "font": {"color": colour, "size": 15}}
        for (x, _, name, colour), y in zip(ends, placed, strict=True)
    ]
    if annotations:
        layout["annotations"] = annotations
    return _figure(traces, layout)


def _steps(unit: list[tuple]) -> list[tuple]:
    """A unit's (date, figure, name) points, by date, cut to those where its figure changed, and its
    last: the lines are drawn as steps (line shape "hv"), so a figure carried forward over many
    report dates draws the same line from two points as from all of them. On the 临沂 demo the grey
    trace drops from 85 KB to a fraction of it; markers then sit where a unit's figure moved."""
    kept = [p for i, p in enumerate(unit) if i == 0 or p[1] != unit[i - 1][1]]
    if kept[-1] is not unit[-1]:
        kept.append(unit[-1])  # the line reaches the last date, where its name is written
    return kept


def _total_trace(points: dict[str, list[tuple]], targets: dict[str, int]) -> dict:
    """签约覆盖企业 / 目标 of all the units together at each report date, each unit at its latest
    figure by then (a unit not yet reported counts 0): the line of the area as a whole."""
    dates = sorted({d for unit in points.values() for d, _, _ in unit})
    target = sum(float(targets[c]) for c in points)
    signed = dict.fromkeys(dates, 0.0)
    for unit in points.values():  # sorted by date: carry each unit's figure forward to later dates
        i, last = 0, 0.0
        for d in dates:
            while i < len(unit) and unit[i][0] <= d:
                last = float(unit[i][1])
                i += 1
            signed[d] += last
    share = [signed[d] / target for d in dates]
    hover = [f"<b>{ALL_UNITS_LABEL}</b><br>签约覆盖企业 {thousands(signed[d])} / 目标 {thousands(target)} 家"
             f"<br>达目标 {pct(y)}" for d, y in zip(dates, share, strict=True)]
    return {"type": "scatter", "name": ALL_UNITS_LABEL, "x": [_iso(d) for d in dates], "y": share, "mode": "lines",
            "line": {"color": "#555555", "width": 3, "shape": "hv"}, "hovertext": hover,
            "hovertemplate": "%{hovertext}<extra></extra>"}


END_LABEL_PX = 23  # one line of a 15 px label as the browser boxes it (21 px), with a little air


def spread_labels(ys: list[float], gap: float, lo: float, hi: float) -> list[float]:
    """Label positions near `ys`, at least `gap` apart, kept within [lo, hi] where there is room.

    Bottom to top, each label is pushed up off the one below; if that ran over the top, top to
    bottom each is pushed down under the one above. The labels keep the order of their lines' ends."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    out = list(ys)
    below = None
    for i in order:
        out[i] = below = max(out[i], lo) if below is None else max(out[i], below + gap)
    if below is not None and below > hi:
        above = None
        for i in reversed(order):
            out[i] = above = min(out[i], hi) if above is None else min(out[i], above - gap)
    return out


# ---------------------------------------------------------------- composition by line kind


def _amount(n: float, part: str, fmt=thousands) -> str:
    text = fmt(n)
    return f"{text}{UNITS[part]}" if text.endswith("万") else f"{text} {UNITS[part]}"


def part_title(part: str) -> str:
    """"覆盖企业数（家）", "份数（份）": the measure and its unit."""
    label = PART_LABELS[part]
    return label if "（" in label else f"{label}（{UNITS[part]}）"


def composition(lines: pd.DataFrame, part: str = "ents", title: str | None = None) -> Figure:
    """One stacked bar per stage (发出要约, 签订合同, 审查备案, top to bottom), one segment per line kind.

    `lines` is db.queries.line_totals: a `kind` column and the nine measures.
    """
    if part not in UNITS:
        raise ValueError(f"未知的统计口径 {part!r}：应为 {', '.join(UNITS)}")
    by_kind = {r["kind"]: r for r in lines.to_dict("records")} if len(lines) else {}
    amounts = {k: [int(by_kind[k][f"{s}_{part}"]) if k in by_kind else 0 for s in STAGES] for k in LINE_KINDS}
    totals = [sum(amounts[k][i] for k in LINE_KINDS) for i in range(len(STAGES))]
    if not any(totals):
        return empty_figure(title=title)
    stages = [STAGE_LABELS[s] for s in STAGES]
    # One style per chart: all in 万 once the biggest total reads better so ("18.2万" beside "9.5万",
    # not beside "95,400").
    fmt = wan if max(totals) >= SMART_WAN_FROM else thousands
    traces = []
    for kind in LINE_KINDS:
        hover = [f"<b>{stage} · {LINE_LABELS[kind]}</b><br>{_amount(n, part, fmt)}，占 {pct(n / t) if t else '—'}"
                 for stage, n, t in zip(stages, amounts[kind], totals, strict=True)]
        traces.append({
            "type": "bar", "name": LINE_LABELS[kind], "orientation": "h", "y": list(stages), "x": amounts[kind],
            "text": [fmt(n) if n else "" for n in amounts[kind]], "textposition": "inside",
            "insidetextanchor": "middle", "textangle": 0, "insidetextfont": {"color": TEXT_ON[kind]},
            "hovertext": hover, "hovertemplate": "%{hovertext}<extra></extra>",
            "marker": {"color": KIND_COLOURS[kind]},
        })
    traces.append({
        "type": "scatter", "name": "合计", "y": list(stages), "x": totals, "mode": "text",
        "text": [f"  合计 {_amount(t, part, fmt)}" for t in totals], "textposition": "middle right",
        "textfont": {"size": 16}, "showlegend": False, "hoverinfo": "skip", "cliponaxis": False,
    })
    # The part's unit always shows: as the title's suffix, or as the whole title.
    layout = _layout(
        "composition", f"{title}：{part_title(part)}" if title else part_title(part),
        barmode="stack", hovermode="closest", height=300,
        margin={"l": 10, "r": 10, "t": 44, "b": 40},
        # Segments too narrow for 14 px text drop their label (the hover still has it).
        uniformtext={"minsize": 14, "mode": "hide"},
        # Legend under the bars: on a phone it wraps, and above the bars it ran into the title.
        legend={"orientation": "h", "x": 0, "y": 0, "xanchor": "left", "yanchor": "top", "traceorder": "normal"},
        xaxis={"range": [0, max(totals) * 1.32], "showticklabels": False, "showgrid": False, "zeroline": False},
        yaxis={"categoryorder": "array", "categoryarray": stages, "autorange": "reversed", "automargin": True,
               "ticksuffix": " "},
    )
    return _figure(traces, layout)


# ---------------------------------------------------------------- one unit over time


def unit_trend(trend_unit: pd.DataFrame, target_ents: int, pace: list[tuple[dt.date, float]],
               city_share: pd.DataFrame | None = None, title: str | None = None) -> Figure:
    """A unit's enterprises covered at each stage, report by report, against its expected pace.

    `city_share` (optional: columns date, share) is the city's 签约覆盖企业 / 目标 over time; it is
    drawn scaled to this unit's target, "where the unit would be at the city's pace".
    """
    if trend_unit.empty:
        return empty_figure(title=title)
    df = trend_unit.sort_values("date")
    target_ents = int(target_ents)
    traces = []

    def line(name: str, x: list, y: list[float], **style) -> dict:
        return {"type": "scatter", "name": name, "x": [_iso(d) for d in x], "y": y,
                "text": [f"{thousands(v)} 家" for v in y],
                "hovertemplate": f"{_esc(name)}：%{{text}}<extra></extra>", **style}

    if target_ents > 0:
        xs, ys = _pace_xy(pace)
        if xs:
            traces.append(line(f"{PACE_LABEL}（目标 {thousands(target_ents)} 家）", xs,
                               [target_ents * f for f in ys], mode="lines",
                               line={"color": PACE, "width": 2.5, "dash": "dash"}))
        if city_share is not None and not city_share.empty:
            city = city_share.sort_values("date")
            traces.append(line("按全市进度折算", city["date"].tolist(),
                               [target_ents * float(s) for s in city["share"].tolist()], mode="lines",
                               line={"color": PACE, "width": 1.5, "dash": "dot"}))
    dates = df["date"].tolist()
    for stage in STAGES:
        traces.append(line(STAGE_LABELS[stage], dates, [float(v) for v in df[f"{stage}_ents"].tolist()],
                           mode="lines+markers", line={"color": STAGE_COLOURS[stage], "width": 3},
                           marker={"size": 8}))
    layout = _layout(
        "unit-trend", title, hovermode="x unified", height=400,
        margin={"l": 10, "r": 10, "t": 80 if title else 50, "b": 10},
        legend={"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left", "yanchor": "bottom"},
        xaxis=_date_axis(),
        yaxis={"tickformat": ",d", "rangemode": "tozero", "showgrid": True, "gridcolor": GRID,
               "title": {"text": "覆盖企业数（家）"}},
    )
    return _figure(traces, layout)
