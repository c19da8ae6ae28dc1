"""Plain HTTP routes beside Dash: the district boundaries as a cacheable GeoJSON file (and the
registration of the other Flask-side routes: files, API, Excel template, health check).

The map figure refers to this URL instead of embedding the geometry, so the first page load
stays small, the browser caches the shapes, and recolouring never resends them.
"""

from __future__ import annotations

import hashlib

import orjson
from flask import Flask, Response, request

from dashboard import geo
from dashboard.data import session
from dashboard.http import api, health, inputs
from dashboard.http import files as files_routes
from dashboard.http import xlsx as xlsx_routes
from db import queries

GEOJSON_URL = "/geo/districts.geojson"


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
        body = orjson.dumps(boundaries())
        etag = hashlib.sha256(body).hexdigest()[:16]
        if request.if_none_match.contains(etag):
            return Response(status=304)
        response = Response(body, mimetype="application/geo+json")
        response.set_etag(etag)
        response.cache_control.public = True
        response.cache_control.max_age = 3600
        return response
