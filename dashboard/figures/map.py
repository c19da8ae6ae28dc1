"""The district map and its companion bar chart, as plain figure dicts.

Pure: plotly-shaped dicts in, dicts out (plus `dash.Patch` for recolouring). Figures are dicts,
not `go.Figure`, because validating and copying the GeoJSON inside a `go.Figure` is slow.

`rows` everywhere are dicts with keys code, name, adcode, value (float | None), value_text,
rank_text — one per unit, in display order. Units with an adcode go on the map; the others
(development zones, city-level systems) go in `offmap_bar`, on the same colour scale.

The map has two `choroplethmap` traces over the same GeoJSON:
  trace 0 — every unit with a boundary, coloured by value (a None value is not drawn by it);
  trace 1 — the units whose value is None, in grey, so they are never dropped from the map.
Recolouring (`recolor_patch`) rewrites the small arrays of both traces and never the geometry.
"""

from __future__ import annotations

import html
from typing import Final

import plotly.graph_objects as go
from dash import Patch

from dashboard import theme
from dashboard.geo import bounds, center_zoom

# The shared look lives in dashboard.theme; re-exported here so map callers need one import.
# The same explicit stops as dashboard.figures.overview: plotly.js's own "Cividis" differs slightly from
# plotly.py's, and a unit must have one colour on the map and in the ranking.
COLORSCALE: Final = [list(p) for p in go.bar.Marker(colorscale=theme.COLORSCALE).colorscale]
FONT_FAMILY: Final = theme.FONT_FAMILY
GRAPH_CONFIG: Final = theme.GRAPH_CONFIG  # dcc.Graph(config=...): no plotly logo
NO_DATA_COLOR: Final = theme.NO_DATA
NO_DATA_TEXT: Final = "未报送"
TEXT_COLOR: Final = theme.base_layout()["font"]["color"]
BORDER_COLOR: Final = "#ffffff"
MAP_UIREVISION: Final = "district-map"  # constant: new data keeps the user's pan/zoom
# Nominal graph size (px) the initial view is fitted to (dcc.Graph is 450 px high by default).
MAP_VIEWPORT: Final = (600, 450)
# The colour bar sits inside the map's right edge with a rotated title, so a longer metric
# label never changes the margins (which would shift the map on every recolour). The view is
# fitted to the width left of it.
COLORBAR_PX: Final = 90

_NO_DATA_SCALE: Final = [[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]]


def district_map(
    geojson: dict,
    rows: list[dict],
    metric_label: str,
    fmt: str,
    zmin: float,
    zmax: float,
    *,
    reverse: bool = False,
    geojson_url: str | None = None,
    cases: list[dict] | None = None,
) -> dict:
    """Choropleth of the units that have a boundary, plus markers of typical cases when `cases` is given.

    With `geojson_url` the traces refer to that URL (the browser fetches and caches the shapes)
    instead of carrying the geometry; `geojson` is still used to check features against rows
    and to fit the view.

    `fmt` is a d3-format string for the colour bar ticks (".0%" for rates, ",d" for counts).
    `reverse` flips the colour scale, for metrics where lower is better, so "good" always
    looks the same.
    Every feature must have a row and every mapped row a feature, otherwise ValueError:
    a unit silently missing from the map is worse than a loud error.
    `cases` (from db.cases.typical.case_locations: id, title, unit_code, unit_name, lon, lat, stage, stage_label)
    adds trace 2, after the two choropleth traces, so `recolor_patch` (data[0], data[1]) is unaffected.
    """
    mapped = _map_rows(rows)
    feature_ids = [str(f.get("id")) for f in geojson.get("features", [])]
    row_codes = {r["adcode"] for r in mapped}
    missing_rows = [code for code in feature_ids if code not in row_codes]
    missing_shapes = sorted(row_codes - set(feature_ids))
    if missing_rows or missing_shapes:
        raise ValueError(f"地图边界与数据行不一致：无数据行的边界 {missing_rows}，无边界的数据行 {missing_shapes}")

    hover = _hovertemplate(metric_label)
    values, blanks = _split(mapped)
    width, height = MAP_VIEWPORT
    center, zoom = center_zoom(geojson, width - COLORBAR_PX, height)
    # Move the view east by half the colour bar so the counties sit centred left of it.
    deg_per_px = 360 / (512 * 2**zoom)
    center = {
        "lon": round(center["lon"] + COLORBAR_PX / 2 * deg_per_px, 4),
        "lat": center["lat"],
    }
    colored = {
        "type": "choroplethmap",
        "name": metric_label,
        "geojson": geojson_url or geojson,
        "featureidkey": "id",
        **values,
        "hovertemplate": hover,
        "colorscale": COLORSCALE,
        "reversescale": reverse,
        "zauto": False,
        "zmin": zmin,
        "zmax": zmax,
        "marker": {"line": {"color": BORDER_COLOR, "width": 1}},
        "colorbar": _colorbar(metric_label, fmt),
        "showlegend": False,
    }
    grey = {
        "type": "choroplethmap",
        "name": NO_DATA_TEXT,
        "geojson": geojson_url or geojson,
        "featureidkey": "id",
        **blanks,
        "hovertemplate": hover,
        "colorscale": _NO_DATA_SCALE,
        "zauto": False,
        "zmin": 0,
        "zmax": 1,
        "showscale": False,
        "showlegend": bool(blanks["locations"]),
        "marker": {"line": {"color": BORDER_COLOR, "width": 1}},
    }
    layout = theme.base_layout(
        # white-bg: no tiles, no sprite, no glyphs, so MapLibre fetches nothing. No text
        # layers on this map for the same reason (text needs glyphs from a server).
        map={"style": "white-bg", "center": center, "zoom": zoom},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        uirevision=MAP_UIREVISION,
        # assets/map_fit.js refits the view to these bounds in the real graph size (phones included).
        meta={"bounds": list(bounds(geojson)), "right_px": COLORBAR_PX},
        showlegend=True,  # only trace 1 (未报送) has a legend entry: a grey swatch
        legend={
            "x": 0.01,
            "y": 0.01,
            "xanchor": "left",
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0.8)",
        },
    )
    data = [colored, grey]
    if cases is not None:  # even when empty, so a later campaign's cases can be patched in
        data.append(case_markers(cases))
    return {"data": data, "layout": layout}


CASE_MARKERS_NAME: Final = "典型"
CASE_STAGE_COLORS: Final = {"cultivating": "#0072B2", "selected": "#D55E00", "follow_up": "#CC79A7"}


def case_markers(cases: list[dict]) -> dict:
    """A scattermap trace of typical cases: circles only (other symbols and any text would make
    MapLibre fetch sprites or glyphs from the internet); the hover shows title, unit and stage.
    customdata[0] is the unit code, so a click drills down like a click on the county."""
    return {
        "type": "scattermap",
        "name": CASE_MARKERS_NAME,
        "mode": "markers",
        "lon": [c["lon"] for c in cases],
        "lat": [c["lat"] for c in cases],
        "customdata": [
            [c["unit_code"], _escape(c["title"]), _escape(c.get("stage_label") or c["stage"]), _escape(c["unit_name"]),
             c["id"]]
            for c in cases
        ],
        "hovertemplate": "%{customdata[1]}<br>%{customdata[3]} · %{customdata[2]}<extra>典型</extra>",
        "marker": {
            "size": [14 if c.get("city_level") else 10 for c in cases],
            "color": [CASE_STAGE_COLORS.get(c["stage"], "#444444") for c in cases],
            "opacity": 0.9,
        },
        "showlegend": True,
    }


def case_patch(patch: Patch, cases: list[dict]) -> Patch:
    """Put another set of case markers into trace 2 of a `district_map(..., cases=[...])` figure."""
    trace = case_markers(cases)
    for key in ("lon", "lat", "customdata", "marker"):
        patch["data"][2][key] = trace[key]
    return patch


def recolor_patch(
    rows: list[dict],
    metric_label: str,
    zmin: float,
    zmax: float,
    fmt: str | None = None,
    *,
    reverse: bool = False,
) -> Patch:
    """Patch for a figure from `district_map`: new values and labels, geometry untouched.

    Sends locations, z, customdata and hovertemplate of both traces (and whether the grey trace
    has a legend entry), and the colour range, scale direction and colour bar title (and tick
    format, when `fmt` is given) of trace 0.
    """
    mapped = _map_rows(rows)
    hover = _hovertemplate(metric_label)
    values, blanks = _split(mapped)
    patch = Patch()
    for index, arrays in ((0, values), (1, blanks)):
        for key, array in arrays.items():
            patch["data"][index][key] = array
        patch["data"][index]["hovertemplate"] = hover
    patch["data"][1]["showlegend"] = bool(blanks["locations"])
    patch["data"][0]["name"] = metric_label
    patch["data"][0]["zmin"] = zmin
    patch["data"][0]["zmax"] = zmax
    patch["data"][0]["reversescale"] = reverse
    patch["data"][0]["colorbar"]["title"]["text"] = metric_label
    if fmt is not None:
        patch["data"][0]["colorbar"]["tickformat"] = fmt
    return patch


def offmap_bar(
    rows: list[dict],
    metric_label: str,
    zmin: float,
    zmax: float,
    fmt: str | None = None,
    *,
    reverse: bool = False,
) -> dict:
    """Horizontal bars for the units without a boundary, coloured exactly like the map.

    Same colour scale, direction (`reverse`) and cmin/cmax as the map, and no colour bar of
    its own (the map's serves).
    A unit with value None keeps its row: an empty grey bar labelled 未报送.
    `fmt` (d3-format) formats the x axis ticks.
    """
    units = [r for r in rows if not _has_boundary(r)]
    names = [r["name"] for r in units]
    hover = f"%{{y}}<br>{_escape(metric_label)}：%{{text}}<br>排名：%{{customdata[1]}}<extra></extra>"
    have = [r for r in units if r.get("value") is not None]
    none = [r for r in units if r.get("value") is None]
    bars = {
        "type": "bar",
        "orientation": "h",
        "name": metric_label,
        "y": [r["name"] for r in have],
        "x": [r["value"] for r in have],
        "text": [r.get("value_text") or "" for r in have],
        "customdata": [[r["code"], _rank(r)] for r in have],  # code first: a click drills down
        "textposition": "outside",
        "cliponaxis": False,
        # An explicit colour: otherwise plotly.js tries to read one from the numeric marker.color.
        "textfont": {"color": TEXT_COLOR},
        "hovertemplate": hover,
        "marker": {
            "color": [r["value"] for r in have],
            "colorscale": COLORSCALE,
            "reversescale": reverse,
            "cauto": False,
            "cmin": zmin,
            "cmax": zmax,
            "showscale": False,
        },
    }
    blank = {
        "type": "bar",
        "orientation": "h",
        "name": NO_DATA_TEXT,
        "y": [r["name"] for r in none],
        # A zero-length bar: nothing is claimed, but the row and its label stay.
        "x": [0] * len(none),
        "text": [NO_DATA_TEXT] * len(none),
        "customdata": [[r["code"], _rank(r)] for r in none],
        "textposition": "outside",
        "cliponaxis": False,
        "textfont": {"color": "#8c8c8c"},
        "hovertemplate": hover,
        "marker": {"color": NO_DATA_COLOR},
    }
    top = max([zmax, *(r["value"] for r in have)])
    xaxis = {
        "range": [min(zmin, 0), top * 1.25 if top > 0 else 1],
        "showgrid": True,
        "gridcolor": "#eeeeee",
        "zeroline": True,
        "zerolinecolor": "#bbbbbb",
        "fixedrange": True,
        "nticks": 4,
        "tickangle": 0,  # narrow column: never rotate the ticks vertical
    }
    if fmt:
        xaxis["tickformat"] = fmt
    layout = theme.base_layout(
        barmode="overlay",
        height=60 + 30 * max(len(units), 1),
        margin={"l": 8, "r": 64, "t": 8, "b": 32},
        showlegend=False,
        xaxis=xaxis,
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": names,
            "autorange": "reversed",  # first row at the top, as in the tables
            "automargin": True,
            "fixedrange": True,
        },
    )
    return {"data": [bars, blank], "layout": layout}


# --- internals ---------------------------------------------------------------------------


def _has_boundary(row: dict) -> bool:
    # Rows often come from a DataFrame, where a missing adcode is NaN (truthy), not None.
    adcode = row.get("adcode")
    return isinstance(adcode, str) and adcode != ""


def _map_rows(rows: list[dict]) -> list[dict]:
    mapped = [r for r in rows if _has_boundary(r)]
    codes = [r["adcode"] for r in mapped]
    if len(set(codes)) != len(codes):
        raise ValueError(f"数据行中 adcode 重复：{sorted({c for c in codes if codes.count(c) > 1})}")
    return mapped


def _split(mapped: list[dict]) -> tuple[dict, dict]:
    """Arrays for trace 0 (all mapped units, z None where missing) and trace 1 (missing only)."""
    values = {
        "locations": [r["adcode"] for r in mapped],
        "z": [r.get("value") for r in mapped],
        "customdata": [_custom(r) for r in mapped],
    }
    none = [r for r in mapped if r.get("value") is None]
    blanks = {
        "locations": [r["adcode"] for r in none],
        "z": [0] * len(none),
        "customdata": [_custom(r) for r in none],
    }
    return values, blanks


def _custom(row: dict) -> list[str]:
    """[code, name, formatted value, rank text] — what the hover shows."""
    value = row.get("value")
    text = NO_DATA_TEXT if value is None else (row.get("value_text") or f"{value:g}")
    return [row["code"], row["name"], text, _rank(row)]


def _rank(row: dict) -> str:
    return row.get("rank_text") or "—"


def _hovertemplate(metric_label: str) -> str:
    # e.g. 兰山区<br>备案率：63.2%<br>排名：第 3 / 23
    return (
        f"%{{customdata[1]}}<br>{_escape(metric_label)}：%{{customdata[2]}}<br>排名：%{{customdata[3]}}<extra></extra>"
    )


def _colorbar(metric_label: str, fmt: str) -> dict:
    bar = {
        "title": {"text": metric_label, "side": "right"},
        "x": 1,
        "xref": "paper",
        "xanchor": "right",
        "xpad": 8,
        "y": 0.5,
        "yanchor": "middle",
        "thickness": 14,
        "len": 0.7,
        "outlinewidth": 0,
        "bgcolor": "rgba(255,255,255,0.8)",  # readable when the user pans a county under it
    }
    if fmt:
        bar["tickformat"] = fmt
    return bar


def _escape(text: str) -> str:
    """Labels go into hover HTML; keep < > & literal."""
    return html.escape(text, quote=False)
