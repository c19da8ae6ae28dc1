"""The district map and its companion bar chart, as plain figure dicts.

Pure: plotly-shaped dicts in, dicts out (plus `dash.Patch` for recolouring). Figures are dicts,
not `go.Figure`, because validating and copying the GeoJSON inside a `go.Figure` is slow.

`rows` everywhere are dicts with keys code, name, adcode, value (float | None), value_text,
rank_text — one per unit, in display order. Units with an adcode go on the map; the others
(development zones, city-level systems) go in `offmap_bar`, on the same colour scale.

The map has two `choroplethmap` traces over the same GeoJSON:
  trace 0 — every unit with a boundary, coloured by its class (dashboard.figures.scale: up to five
            quantile classes; z is the class index, the colour bar names each class's range);
  trace 1 — the units whose value is None, in grey, so they are never dropped from the map.
With `cases`, trace 2 holds the typical-case markers and the traces after it one legend entry per
stage shown. The last trace prints the county names at each county's label point: a projector and a
PDF have no hover. MapLibre draws CJK text with the page's own font and fetches glyph files only
for Latin letters and digits, so the names must stay pure Chinese (see PITFALLS: offline maps).
Recolouring (`recolor_patch`) rewrites the small arrays of traces 0 and 1 and never the geometry.
"""

from __future__ import annotations

import html
from typing import Final

from dash import Patch

from dashboard import theme
from dashboard.figures.scale import Classes, classes
from dashboard.figures.textfit import common_unit, strip_unit, text_px
from dashboard.geo import bounds, center_zoom, label_points

# The shared look lives in dashboard.theme; re-exported here so map callers need one import.
COLORSCALE: Final = theme.COLORSCALE
FONT_FAMILY: Final = theme.FONT_FAMILY
GRAPH_CONFIG: Final = theme.GRAPH_CONFIG  # dcc.Graph(config=...): no plotly logo
NO_DATA_COLOR: Final = theme.NO_DATA
NO_DATA_TEXT: Final = "未报送"
TEXT_COLOR: Final = theme.base_layout()["font"]["color"]
# Grey, not white: the lightest class is pale, and a white edge would lose it against the white map.
BORDER_COLOR: Final = "#8a8a8a"
NAME_COLOR: Final = "#1a1a1a"  # dark on every class colour (all of them are light to mid)
NAME_SIZE: Final = 14
NAMES_TRACE: Final = "县区名称"
MAP_UIREVISION: Final = "district-map"  # constant: new data keeps the user's pan/zoom
# Nominal graph size (px) the initial view is fitted to (dcc.Graph is 450 px high by default).
MAP_VIEWPORT: Final = (600, 450)
# The colour bar sits inside the map's right edge with a rotated title, so a longer metric
# label never changes the margins (which would shift the map on every recolour). The view is
# fitted to the width left of it.
COLORBAR_PX: Final = 132

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
    names: bool = True,
) -> dict:
    """Choropleth of the units that have a boundary, their names, and markers of typical cases when
    `cases` is given.

    With `geojson_url` the traces refer to that URL (the browser fetches and caches the shapes)
    instead of carrying the geometry; `geojson` is still used to check features against rows,
    to fit the view and to place the names.

    `fmt` is the metric's d3 format (".0%" for rates, ",d" for counts): it rounds the class breaks
    and prints the colour bar's class ranges. `reverse` flips the palette, for metrics where lower
    is better, so "good" always looks the same. `zmin`/`zmax` are accepted for the callers' sake;
    the colours follow the classes of the values present (dashboard.figures.scale).
    Every feature must have a row and every mapped row a feature, otherwise ValueError:
    a unit silently missing from the map is worse than a loud error.
    `cases` (from db.cases.typical.case_locations: id, title, unit_code, unit_name, lon, lat, stage, stage_label)
    adds trace 2, after the two choropleth traces, so `recolor_patch` (data[0], data[1]) is unaffected,
    and one legend entry per stage after it. `names=False` leaves the county names out.
    """
    mapped = _map_rows(rows)
    feature_ids = [str(f.get("id")) for f in geojson.get("features", [])]
    row_codes = {r["adcode"] for r in mapped}
    missing_rows = [code for code in feature_ids if code not in row_codes]
    missing_shapes = sorted(row_codes - set(feature_ids))
    if missing_rows or missing_shapes:
        raise ValueError(f"地图边界与数据行不一致：无数据行的边界 {missing_rows}，无边界的数据行 {missing_shapes}")

    hover = _hovertemplate(metric_label)
    scale = _classes(rows, fmt, reverse)
    values, blanks = _split(mapped, scale)
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
        **_class_colours(scale),
        "zauto": False,
        "marker": {"line": {"color": BORDER_COLOR, "width": 1}},
        "colorbar": _colorbar(metric_label, scale),
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
        # white-bg: no tiles, no sprite, no glyphs. The names trace is Chinese only, which MapLibre
        # draws with the local font: nothing is fetched.
        map={"style": "white-bg", "center": center, "zoom": zoom},
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        uirevision=MAP_UIREVISION,
        # assets/map_fit.js refits the view to these bounds in the real graph size (phones included).
        meta={"bounds": list(bounds(geojson)), "right_px": COLORBAR_PX},
        showlegend=True,  # 未报送 (a grey swatch, when a county has no figure) and one entry per case stage
        # Top left: the city's north-west corner is empty there; at the bottom it covered 郯城县.
        legend={
            "x": 0.01,
            "y": 0.99,
            "xanchor": "left",
            "yanchor": "top",
            "bgcolor": "rgba(255,255,255,0.8)",
        },
    )
    data = [colored, grey]
    if cases is not None:  # even when empty, so a later campaign's cases can be patched in
        data += [case_markers(cases), *case_legend(cases)]
    if names:
        data.append(name_labels(geojson, mapped))
    return {"data": data, "layout": layout}


def name_labels(geojson: dict, mapped: list[dict]) -> dict:
    """The county names, printed at each county's label point (dashboard.geo.label_points).

    Text only, Chinese only (digits and Latin letters would make MapLibre ask a glyph server);
    no hover and no clicks of its own, so a click on a name still reaches the county under it."""
    points = _label_points(geojson, {r["adcode"]: str(r["name"]) for r in mapped})
    named = [r for r in mapped if r["adcode"] in points]
    return {
        "type": "scattermap",
        "name": NAMES_TRACE,
        "mode": "text",
        "lon": [points[r["adcode"]][0] for r in named],
        "lat": [points[r["adcode"]][1] for r in named],
        "text": [_escape(str(r["name"])) for r in named],
        "textposition": "middle center",
        "textfont": {"size": NAME_SIZE, "color": NAME_COLOR, "family": FONT_FAMILY},
        "hoverinfo": "skip",
        "showlegend": False,
    }


CASE_MARKERS_NAME: Final = "典型"
# Okabe-Ito vermillion and reddish purple, and a dark violet: all three stand out on the map's
# yellow-green-blue classes.
CASE_STAGE_COLORS: Final = {"cultivating": "#5E3C99", "selected": "#D55E00", "follow_up": "#CC79A7"}
CASE_STAGE_ORDER: Final = tuple(CASE_STAGE_COLORS)


def case_markers(cases: list[dict]) -> dict:
    """A scattermap trace of typical cases: circles only (other symbols and any text would make
    MapLibre fetch sprites or glyphs from the internet); the hover shows title, unit and stage.
    customdata[0] is the unit code, so a click drills down like a click on the county.
    Its colours are explained by `case_legend`, so this trace has no legend entry of its own."""
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
        "showlegend": False,
    }


def case_legend(cases: list[dict]) -> list[dict]:
    """One legend entry per case stage ("典型·培育中", in the stage's colour): a point-less trace each.

    Always one per stage in CASE_STAGE_ORDER (so a patch can switch them on and off); the entries of
    stages no case is at are hidden from the legend."""
    labels = {c["stage"]: c.get("stage_label") or c["stage"] for c in cases}
    return [
        {
            "type": "scattermap",
            "name": f"{CASE_MARKERS_NAME}·{_escape(labels.get(stage, stage))}",
            "mode": "markers",
            "lon": [None],
            "lat": [None],
            "marker": {"size": 10, "color": colour},
            "hoverinfo": "skip",
            "showlegend": stage in labels,
            "legendgroup": "cases",
        }
        for stage, colour in CASE_STAGE_COLORS.items()
    ]


def case_patch(patch: Patch, cases: list[dict]) -> Patch:
    """Put another set of case markers into trace 2 of a `district_map(..., cases=[...])` figure,
    and show the legend entries (traces 3 to 5) of the stages now present."""
    trace = case_markers(cases)
    for key in ("lon", "lat", "customdata", "marker"):
        patch["data"][2][key] = trace[key]
    for i, entry in enumerate(case_legend(cases), start=3):
        patch["data"][i]["name"] = entry["name"]
        patch["data"][i]["showlegend"] = entry["showlegend"]
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
    """Patch for a figure from `district_map`: new values and labels, geometry and names untouched.

    Sends locations, z, customdata and hovertemplate of both traces (and whether the grey trace
    has a legend entry), and the classes (colour scale, range, colour bar) of trace 0. Give `fmt`:
    the colour bar prints the class ranges with it.
    """
    mapped = _map_rows(rows)
    hover = _hovertemplate(metric_label)
    scale = _classes(rows, fmt, reverse)
    values, blanks = _split(mapped, scale)
    patch = Patch()
    for index, arrays in ((0, values), (1, blanks)):
        for key, array in arrays.items():
            patch["data"][index][key] = array
        patch["data"][index]["hovertemplate"] = hover
    patch["data"][1]["showlegend"] = bool(blanks["locations"])
    patch["data"][0]["name"] = metric_label
    for key, value in _class_colours(scale).items():
        patch["data"][0][key] = value
    patch["data"][0]["colorbar"] = _colorbar(metric_label, scale)
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

    Same colour classes and direction (`reverse`) as the map, computed from the same rows, and no
    colour bar of its own (the map's serves).
    A unit with value None keeps its row: an empty grey bar labelled 未报送.
    `fmt` (d3-format) formats the x axis ticks.
    """
    scale = _classes(rows, fmt, reverse)
    units = [r for r in rows if not _has_boundary(r)]
    names = [r["name"] for r in units]
    hover = f"%{{y}}<br>{_escape(metric_label)}：%{{customdata[2]}}<br>排名：%{{customdata[1]}}<extra></extra>"
    have = [r for r in units if r.get("value") is not None]
    none = [r for r in units if r.get("value") is None]
    # Values print beside the bars without their shared unit ("超前 18.2", unit in the axis title), in a
    # right margin as wide as the longest; a negative bar's value goes right of the zero line, never
    # over the unit names left of the bars.
    unit = common_unit([r.get("value_text") or "" for r in have])
    shown = [strip_unit(r.get("value_text") or "", unit) for r in have]
    negative = [(r, t) for r, t in zip(have, shown, strict=True) if r["value"] < 0]
    bars = {
        "type": "bar",
        "orientation": "h",
        "name": metric_label,
        "y": [r["name"] for r in have],
        "x": [r["value"] for r in have],
        "text": shown,
        "customdata": [[r["code"], _rank(r), r.get("value_text") or ""] for r in have],  # code first: a click drills down
        "textposition": ["outside" if r["value"] >= 0 else "none" for r in have],
        "cliponaxis": False,
        # An explicit colour: otherwise plotly.js tries to read one from the numeric marker.color.
        "textfont": {"color": TEXT_COLOR},
        "hovertemplate": hover,
        # Each bar in its class colour, the same as its county would have on the map.
        "marker": {"color": [scale.colour(r["value"]) for r in have], "line": {"color": BORDER_COLOR, "width": 1}},
    }
    blank = {
        "type": "bar",
        "orientation": "h",
        "name": NO_DATA_TEXT,
        "y": [r["name"] for r in none],
        # A zero-length bar: nothing is claimed, but the row and its label stay.
        "x": [0] * len(none),
        "text": [NO_DATA_TEXT] * len(none),
        "customdata": [[r["code"], _rank(r), NO_DATA_TEXT] for r in none],
        "textposition": "outside",
        "cliponaxis": False,
        "textfont": {"color": "#8c8c8c"},
        "hovertemplate": hover,
        "marker": {"color": NO_DATA_COLOR},
    }
    negative_text = {
        "type": "scatter",
        "mode": "text",
        "name": "负值",
        "y": [r["name"] for r, _ in negative],
        "x": [0] * len(negative),
        "text": [f" {t}" for _, t in negative],
        "textposition": "middle right",
        "textfont": {"color": TEXT_COLOR},
        "cliponaxis": False,
        "hoverinfo": "skip",
    }
    values = [r["value"] for r in have]
    lo, hi = min([0.0, *values]), max([0.0, *values])
    span = (hi - lo) or 1.0
    xaxis = {
        "range": [lo - 0.02 * span if lo < 0 else 0, hi + 0.02 * span],
        "showgrid": False,
        "zeroline": True,
        "zerolinecolor": "#bbbbbb",
        "fixedrange": True,
        # Every bar prints its value; ticks in a column this narrow only ran into each other.
        "showticklabels": False,
        "title": {"text": _escape(f"{metric_label}（{unit}）" if unit else metric_label),
                  "font": {"size": theme.MIN_FONT_SIZE, "color": "#555555"}, "standoff": 2},
    }
    if fmt:
        xaxis["tickformat"] = fmt
    layout = theme.base_layout(
        barmode="overlay",
        height=84 + 30 * max(len(units), 1),
        # Both margins sized to their text: with automargin, plotly.js caps the names' margin on a
        # narrow column and cut the longest names off at the left.
        margin={"l": 14 + max([text_px(str(n)) for n in names] + [0]),
                "r": 10 + max([text_px(t) for t in [*shown, NO_DATA_TEXT]]), "t": 8, "b": 30},
        showlegend=False,
        xaxis=xaxis,
        yaxis={
            "type": "category",
            "categoryorder": "array",
            "categoryarray": names,
            "autorange": "reversed",  # first row at the top, as in the tables
            "automargin": False,
            "fixedrange": True,
            "ticksuffix": " ",
        },
    )
    return {"data": [bars, blank, negative_text], "layout": layout}


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


def _classes(rows: list[dict], fmt: str | None, reverse: bool) -> Classes:
    """The colour classes of every unit's value (mapped or not), so map, side bars and ranking agree."""
    return classes([r.get("value") for r in rows], fmt, reverse=reverse)


def _class_colours(scale: Classes) -> dict:
    """Trace 0's stepped colour scale over z = class index."""
    return {"colorscale": scale.colorscale(), "reversescale": False, "zmin": -0.5, "zmax": scale.count - 0.5}


def _split(mapped: list[dict], scale: Classes) -> tuple[dict, dict]:
    """Arrays for trace 0 (all mapped units, z = class index, None where missing) and trace 1 (missing only)."""
    values = {
        "locations": [r["adcode"] for r in mapped],
        "z": [None if r.get("value") is None else scale.index(r["value"]) for r in mapped],
        "customdata": [_custom(r) for r in mapped],
    }
    none = [r for r in mapped if r.get("value") is None]
    blanks = {
        "locations": [r["adcode"] for r in none],
        "z": [0] * len(none),
        "customdata": [_custom(r) for r in none],
    }
    return values, blanks


_LABEL_POINTS: dict[tuple, tuple[dict, dict]] = {}


def _label_points(geojson: dict, names: dict[str, str]) -> dict[str, tuple[float, float]]:
    """label_points, once per GeoJSON object and names (dashboard.geo.city_geojson hands out one shared dict)."""
    key = (id(geojson), tuple(sorted(names.items())))
    hit = _LABEL_POINTS.get(key)
    if hit is None or hit[0] is not geojson:
        if len(_LABEL_POINTS) > 16:
            _LABEL_POINTS.clear()
        hit = _LABEL_POINTS[key] = (geojson, label_points(geojson, names, size_px=NAME_SIZE))
    return hit[1]


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


def _colorbar(metric_label: str, scale: Classes) -> dict:
    """One tick per class, naming its range; the title says what the colours are."""
    caption = f"<br><span style=\"font-size:{theme.MIN_FONT_SIZE}px\">{scale.caption}</span>" if scale.caption else ""
    return {
        "title": {"text": f"{_escape(metric_label)}{caption}", "side": "top"},
        "x": 1,
        "xref": "paper",
        "xanchor": "right",
        "xpad": 8,
        "y": 0.5,
        "yanchor": "middle",
        "thickness": 16,
        "len": 0.6,
        "outlinewidth": 0,
        "tickmode": "array",
        "tickvals": list(range(scale.count)),
        "ticktext": list(scale.labels),
        "ticks": "",
        "bgcolor": "rgba(255,255,255,0.85)",  # readable when the user pans a county under it
    }


def _escape(text: str) -> str:
    """Labels go into hover HTML; keep < > & literal."""
    return html.escape(text, quote=False)
