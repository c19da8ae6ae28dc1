"""Pure figure builders for 实效评价: radar of a unit against its area's average (the city's, the
province's …: `average_label`), one small radar per
unit (or, legible on a projector, one grid of every unit's rates), and a dimension's score rate
over time. Plain dicts like dashboard/figures/overview.py (no go.Figure,
no Dash, no SQL). Rates arrive on 0–1 and are drawn as 得分率 in per cent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from dashboard.figures.scale import PALETTE
from dashboard.theme import CITY, LAGGING, MIN_FONT_SIZE, base_layout

UNIT_COLOUR = "#0072B2"  # Okabe-Ito blue, as the theme's single-enterprise colour
OTHER_COLOUR = "#b9c4cf"
CITY_LABEL = "全市平均"
CELL_PX = 280
GRID_ROW_PX = 34  # score_grid: one unit per row

Figure = dict


def _closed(names: Sequence[str], rates: Sequence[float | None]) -> tuple[list, list]:
    """A radar trace's r and theta, closed (the first point repeated), missing rates drawn at 0."""
    r = [round(100 * (x or 0.0), 1) for x in rates]
    return r + r[:1], list(names) + list(names[:1])


def _trace(names, rates, label, colour, *, subplot="polar", dash="solid", fill=True, show_legend=True) -> dict:
    r, theta = _closed(names, rates)
    return {
        "type": "scatterpolar", "r": r, "theta": theta, "name": label, "subplot": subplot,
        "mode": "lines+markers", "line": {"color": colour, "dash": dash, "width": 2}, "marker": {"size": 5},
        "fill": "toself" if fill else "none", "fillcolor": _alpha(colour, 0.15) if fill else None,
        "showlegend": show_legend, "legendgroup": label,
        "hovertemplate": f"{label}<br>%{{theta}}：%{{r:.1f}}%<extra></extra>",
    }


def _alpha(hex_colour: str, a: float) -> str:
    h = hex_colour.lstrip("#")
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{a})"


def _polar(n: int, domain: dict | None = None) -> dict:
    """A polar subplot whose radial ticks run between the first two spokes (not over a label)."""
    polar = {
        "radialaxis": {"range": [0, 100], "ticksuffix": "%", "tickfont": {"size": MIN_FONT_SIZE}, "angle": 90 - 180 / max(n, 1),
                       "gridcolor": "#e0e0e0", "dtick": 25},
        "angularaxis": {"tickfont": {"size": MIN_FONT_SIZE}, "gridcolor": "#e0e0e0", "direction": "clockwise"},
        "bgcolor": "rgba(0,0,0,0)",
    }
    if domain:
        polar["domain"] = domain
    return polar


def empty(text: str, height: int = 320) -> Figure:
    return {"data": [], "layout": base_layout(
        height=height, xaxis={"visible": False}, yaxis={"visible": False},
        annotations=[{"text": text, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                      "font": {"size": 16, "color": "#777"}}])}


def radar(names: Sequence[str], unit_label: str, unit_rates: Sequence[float | None] | None,
          city_rates: Sequence[float | None] | None, height: int = 380, average_label: str = CITY_LABEL) -> Figure:
    """One unit's score rates against the average of the area it is compared within (the city's), per dimension."""
    if not names or (unit_rates is None and city_rates is None):
        return empty("尚无实效评价数据", height)
    data = []
    if city_rates is not None:
        data.append(_trace(names, city_rates, average_label, CITY, dash="dash", fill=False))
    if unit_rates is not None:
        data.append(_trace(names, unit_rates, unit_label, UNIT_COLOUR))
    return {"data": data, "layout": base_layout(
        height=height, polar=_polar(len(names)), margin={"l": 60, "r": 60, "t": 30, "b": 56},
        # below the bottom axis label (协商效果), not over it
        legend={"orientation": "h", "x": 0.5, "xanchor": "center", "y": -0.13, "yanchor": "top"})}


def score_grid(names: Sequence[str], units: Sequence[tuple[str, str, Sequence[float | None], str | None]],
                city_rates: Sequence[float | None], highlight: str | None = None,
                average_label: str = CITY_LABEL) -> Figure:
    """Every unit's score rate per dimension as one table-like grid: a row per unit (the city's
    average on top), a column per dimension, the rate printed in each cell, the weakest dimension
    of each unit marked ▼ in the warning colour. Each unit is (code, name, rates, weakest name).

    Sixteen small radars put 9 px labels on a projector; this grid reads at 14 px and compares
    units column by column. customdata of every cell is the unit's code (the city's row: "")."""
    if not names or not units:
        return empty("尚无实效评价数据")
    rows = [("", average_label, list(city_rates), None), *units]
    labels = [f"<b>{average_label}</b>" if not code else
              (f"<span style='color:{LAGGING}'><b>{name}</b></span>" if code == highlight else name)
              for code, name, _, _ in rows]
    z = [[None if r is None else round(100 * r, 1) for r in rates] for _, _, rates, _ in rows]
    text = [[("—" if v is None else f"{v:.0f}%") if dim != weakest else
             f"<span style='color:{LAGGING}'>▼</span><b>{'—' if v is None else f'{v:.0f}%'}</b>"
             for dim, v in zip(names, row, strict=True)]
            for row, (_, _, _, weakest) in zip(z, rows, strict=True)]
    cells = {
        "type": "heatmap", "x": list(names), "y": labels, "z": z, "text": text, "texttemplate": "%{text}",
        "textfont": {"size": MIN_FONT_SIZE + 1, "color": "#1a1a1a"},
        "colorscale": [[i / (len(PALETTE) - 1), c] for i, c in enumerate(PALETTE)], "zmin": 0, "zmax": 100,
        "xgap": 2, "ygap": 2, "showscale": False, "hoverongaps": False,
        "customdata": [[code] * len(names) for code, _, _, _ in rows],
        "hovertemplate": "%{y} · %{x}：%{z:.1f}%<extra></extra>",
    }
    note = {"text": f"<span style='color:{LAGGING}'><b>▼</b></span> 该单位按权重失分最多的维度（最弱维度）；"
                    "颜色越深得分率越高", "x": 0, "y": 0, "xref": "paper", "yref": "paper", "yshift": -8,
            "xanchor": "left", "yanchor": "top", "showarrow": False, "font": {"size": MIN_FONT_SIZE, "color": "#555"}}
    return {"data": [cells], "layout": base_layout(
        height=GRID_ROW_PX * len(rows) + 100, margin={"l": 10, "r": 10, "t": 40, "b": 40}, annotations=[note],
        xaxis={"side": "top", "tickfont": {"size": MIN_FONT_SIZE + 1}, "fixedrange": True, "showgrid": False},
        yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True, "showgrid": False,
               "tickfont": {"size": MIN_FONT_SIZE + 1}, "ticksuffix": " "},
        plot_bgcolor="#ffffff")}


def rate_over_time(dimension: str, series: dict[str, list[tuple[dt.date, float]]], names: dict[str, str],
                   highlight: str | None = None, height: int = 360, average_label: str = CITY_LABEL) -> Figure:
    """A dimension's monthly mean score rate per unit (grey, the chosen one in colour) and the
    average of them all ("", named `average_label`)."""
    if not series:
        return empty(f"尚无“{dimension}”的评分", height)
    data = []
    for code, points in sorted(series.items(), key=lambda kv: (kv[0] == highlight, kv[0] == "")):
        if not points:
            continue
        if code == "":
            label, colour, width = average_label, CITY, 3
        elif code == highlight:
            label, colour, width = names.get(code, code), UNIT_COLOUR, 3
        else:
            label, colour, width = names.get(code, code), OTHER_COLOUR, 1
        data.append({
            "type": "scatter", "mode": "lines+markers", "name": label,
            "x": [d.isoformat() for d, _ in points], "y": [round(100 * v, 1) for _, v in points],
            "line": {"color": colour, "width": width}, "marker": {"size": 6 if width > 1 else 3},
            "showlegend": code in ("", highlight), "customdata": [code] * len(points),
            "hovertemplate": f"{label}<br>%{{x|%Y年%-m月}}：%{{y:.1f}}%<extra></extra>",
        })
    return {"data": data, "layout": base_layout(
        height=height, margin={"l": 50, "r": 10, "t": 20, "b": 40},
        xaxis={"type": "date", "tickformat": "%Y年%-m月", "dtick": "M1", "gridcolor": "#eeeeee"},
        yaxis={"ticksuffix": "%", "rangemode": "tozero",
               "gridcolor": "#eeeeee"},
        legend={"orientation": "h", "x": 0, "y": 1.08})}
