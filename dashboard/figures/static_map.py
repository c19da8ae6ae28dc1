"""The district map as a plain SVG figure, for pictures (PDF, PPTX, PNG exports).

Pure: a `district_map` figure dict and its GeoJSON in, a figure dict out. The web map is a MapLibre
`choroplethmap`; drawing it in the exports' headless Chromium needs software WebGL, about 3 s a
picture however small. The same picture drawn as SVG polygons (`scatter` traces with
`fill: "toself"`) takes a tenth of that, needs no WebGL and no map style, and looks the same:

- every `choroplethmap` trace becomes one filled `scatter` trace per colour, coloured exactly as
  MapLibre colours it (the trace's colour scale at the unit's z); rings are projected with Web
  Mercator (as MapLibre does), exteriors counter-clockwise and holes clockwise, so the SVG
  "nonzero" fill leaves holes (an enclave keeps its own colour);
- the colour bar is carried by an invisible marker trace with the same scale and ticks;
- `scattermap` traces (names, 典型 markers and their legend entries) become `scatter` traces at
  the projected points, with the same text, markers and legend;
- the axes are hidden, 1:1, and the view fits the shapes into `width` × `height` left of the
  colour bar (`right_px`, from the figure's meta).
"""

from __future__ import annotations

import math

from dashboard import theme

BORDER_COLOR = "#8a8a8a"


def mercator_y(lat: float) -> float:
    """Web Mercator's y in degrees-equivalent units (x is the longitude itself)."""
    lat = max(-85.0, min(85.0, lat))
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _signed_area(ring: list) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def _oriented(ring: list, ccw: bool) -> list:
    return ring if (_signed_area(ring) > 0) == ccw else ring[::-1]


def _polygons(geometry: dict) -> list[list[list]]:
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"]]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry["coordinates"])
    return []


def _path(geometry: dict) -> tuple[list, list]:
    """x and y of every ring of the geometry, projected and oriented, separated by None."""
    xs: list = []
    ys: list = []
    for polygon in _polygons(geometry):
        for i, ring in enumerate(polygon):
            projected = [(float(x), mercator_y(float(y))) for x, y, *_ in ring]
            for x, y in _oriented(projected, ccw=i == 0):
                xs.append(x)
                ys.append(y)
            xs.append(None)
            ys.append(None)
    return xs, ys


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.strip()
    if colour.startswith("#"):
        h = colour[1:]
        h = "".join(c * 2 for c in h) if len(h) == 3 else h
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    parts = colour[colour.index("(") + 1:colour.index(")")].split(",")
    return tuple(int(float(p)) for p in parts[:3])


def colour_at(colorscale: list, t: float) -> str:
    """The colour a plotly colour scale gives at t in [0, 1] (linear between stops, as plotly.js)."""
    t = max(0.0, min(1.0, t))
    stops = [(float(p), c) for p, c in colorscale]
    for (p0, c0), (p1, c1) in zip(stops, stops[1:], strict=False):
        if p0 <= t <= p1:
            if p1 == p0:
                return c1
            f = (t - p0) / (p1 - p0)
            a, b = _hex(c0), _hex(c1)
            r, g, bl = (round(a[k] + (b[k] - a[k]) * f) for k in range(3))
            return f"rgb({r},{g},{bl})"
    return stops[-1][1] if t >= stops[-1][0] else stops[0][1]


def _choropleth(trace: dict, features: dict[str, dict]) -> list[dict]:
    scale = trace.get("colorscale") or [[0, theme.NO_DATA], [1, theme.NO_DATA]]
    zmin, zmax = float(trace.get("zmin", 0)), float(trace.get("zmax", 1))
    by_colour: dict[str, tuple[list, list]] = {}
    for location, z in zip(trace.get("locations") or [], trace.get("z") or [], strict=False):
        feature = features.get(str(location))
        if feature is None or z is None:
            continue
        colour = colour_at(scale, (float(z) - zmin) / ((zmax - zmin) or 1))
        xs, ys = by_colour.setdefault(colour, ([], []))
        px, py = _path(feature["geometry"])
        xs += px
        ys += py
    line = (trace.get("marker") or {}).get("line") or {"color": BORDER_COLOR, "width": 1}
    out = [{"type": "scatter", "x": xs, "y": ys, "mode": "lines", "fill": "toself", "fillcolor": colour,
            "line": {"color": line.get("color", BORDER_COLOR), "width": line.get("width", 1)},
            "hoverinfo": "skip", "showlegend": False, "name": trace.get("name", "")}
           for colour, (xs, ys) in by_colour.items()]
    if out and trace.get("showlegend"):  # e.g. 未报送: one legend entry, a square swatch as on the web map
        out.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers", "name": trace.get("name", ""),
                    "marker": {"symbol": "square", "size": 12, "color": next(iter(by_colour))}, "showlegend": True,
                    "hoverinfo": "skip"})
    if trace.get("colorbar") and trace.get("showscale", True):
        out.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers", "hoverinfo": "skip",
                    "showlegend": False, "marker": {"color": [zmin, zmax], "colorscale": scale, "cmin": zmin,
                                                    "cmax": zmax, "showscale": True, "colorbar": trace["colorbar"],
                                                    "opacity": 0}})
    return out


def _points(trace: dict) -> dict:
    keep = {k: v for k, v in trace.items() if k not in ("type", "lon", "lat", "subplot", "below", "cluster")}
    lats = trace.get("lat") or []
    return {**keep, "type": "scatter", "x": list(trace.get("lon") or []),
            "y": [None if v is None else mercator_y(float(v)) for v in lats]}


def static_map(fig: dict, geojson: dict, width: int, height: int) -> dict:
    """`fig` (dashboard.figures.map.district_map, geometry embedded or by URL) drawn with SVG traces."""
    features = {str(f.get("id")): f for f in geojson.get("features", [])}
    data: list[dict] = []
    for trace in fig["data"]:
        if trace.get("type") == "choroplethmap":
            data += _choropleth(trace, features)
        elif trace.get("type") == "scattermap":
            data.append(_points(trace))
    layout = {k: v for k, v in fig["layout"].items() if k not in ("map", "uirevision")}
    right_px = int((layout.get("meta") or {}).get("right_px", 0) or 0)
    xs = [x for t in data if t.get("fill") for x in t["x"] if x is not None]
    ys = [y for t in data if t.get("fill") for y in t["y"] if y is not None]
    if xs and ys:
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        usable_w, usable_h = max(1, width - right_px), max(1, height)
        per_px = max((x1 - x0) / usable_w, (y1 - y0) / usable_h) * 1.06  # a little air around the shapes
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        half_w, half_h = usable_w * per_px / 2, usable_h * per_px / 2
        x_range = [cx - half_w, cx + half_w + right_px * per_px]
        y_range = [cy - half_h, cy + half_h]
    else:
        x_range, y_range = [0, 1], [0, 1]
    hidden = {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": True}
    layout.update(xaxis={**hidden, "range": x_range}, yaxis={**hidden, "range": y_range},
                  width=width, height=height, plot_bgcolor="#ffffff", hovermode=False)
    return {"data": data, "layout": layout}
