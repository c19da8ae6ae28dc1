"""Plain HTTP routes beside Dash: the district boundaries as a cacheable GeoJSON file (and the
registration of the other Flask-side routes: files, API, Excel template, health check).

The map figure refers to this URL instead of embedding the geometry, so the first page load
stays small, the browser caches the shapes, and recolouring never resends them.
"""

from __future__ import annotations

import hashlib
import re

import orjson
from flask import Flask, Response, request

from dashboard import geo, geo_areas
from dashboard.data import session
from dashboard.http import api, health, inputs
from dashboard.http import files as files_routes
from dashboard.http import xlsx as xlsx_routes
from db import queries

GEOJSON_URL = "/geo/districts.geojson"
AREA_GEOJSON_URL = "/geo/area/<adcode>.geojson"  # an area's children (dashboard/geo_areas.py)


def area_geojson_url(adcode: str) -> str:
    return f"/geo/area/{adcode}.geojson"


def boundaries() -> dict:
    """The simplified boundaries of every unit that has an adcode (cached per process by geo)."""
    with session() as s:
        adcodes = queries.boundary_adcodes(s)
    return geo.city_geojson(tuple(adcodes))


def register(server: Flask) -> None:
    inputs.register(server)  # control characters in paths, query strings, forms and callbacks: 400
    files_routes.register(server)  # /files/<id>[/thumb], POST /summaries/upload
    api.register(server)  # POST /api/v1/reports (bearer token), GET /api/v1/openapi.json
    xlsx_routes.register(server)  # GET /submit/template.xlsx (the attachment, prefilled)
    health.register(server)  # GET /healthz: database and cache reachable? (public, says nothing else)

    @server.get(GEOJSON_URL)
    def districts_geojson():
        return _geojson_response(orjson.dumps(boundaries()))

    @server.get(AREA_GEOJSON_URL)
    def area_geojson(adcode: str):
        # The stored file of the area's children, built once (on install or first use), never per process.
        body = geo_areas.children_geojson_bytes(adcode) if _ADCODE.fullmatch(adcode) else None
        if body is None:
            return Response(orjson.dumps({"error": "未找到该地区的边界"}), status=404, mimetype="application/json")
        return _geojson_response(body)


_ADCODE = re.compile(r"[0-9]{6}")


def _geojson_response(body: bytes) -> Response:
    """A strong ETag of the bytes, 304 when the browser has them, cacheable by anyone."""
    etag = hashlib.sha256(body).hexdigest()[:16]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        return response
    response = Response(body, mimetype="application/geo+json")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
