"""Celery worker for the export jobs, when CELERY_BROKER_URL is set (Redis): `make worker`, that is

    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 SECRET_KEY=... DATABASE_URL=... \
        .venv/bin/celery -A worker worker --concurrency 1

The worker builds the same app as the web server (so Dash registers the background callbacks as
Celery tasks) and must share its SECRET_KEY (export tickets are signed with it) and DATABASE_URL:
it refuses to start without a fixed SECRET_KEY or a broker (production.py).

Chromium stays warm: each pool process starts its renderer (dashboard/exports/render.py) as soon as
it is forked, in a thread (celery kills a pool process that takes over 4 s to report ready), and
renders a small figure and a PDF, so the first export pays neither the browser's start-up nor the
first page's. The renderer lives as long as the process.
"""

from __future__ import annotations

import logging
import threading
import time

from celery.signals import worker_process_init

import production

production.check_or_exit(worker=True)

from app import create_app  # noqa: E402 - only once the environment is known to be fit

dash_app = create_app()
celery_app = dash_app._background_manager.handle  # the Celery app CeleryManager was given
log = logging.getLogger(__name__)


# A map (MapLibre: WebGL context, shaders, the white-bg style) and a bar with Chinese text: what an export draws.
_SQUARE = {"type": "Polygon", "coordinates": [[[118.0, 35.0], [118.5, 35.0], [118.5, 35.5], [118.0, 35.5], [118.0, 35.0]]]}
WARM_FIGURE = {
    "data": [
        {"type": "choroplethmap", "geojson": {"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": "1", "properties": {}, "geometry": _SQUARE}]},
         "locations": ["1"], "z": [1], "showscale": False},
        {"type": "bar", "x": ["兰山区"], "y": [1], "xaxis": "x", "yaxis": "y"},
    ],
    "layout": {"map": {"style": "white-bg", "center": {"lon": 118.25, "lat": 35.25}, "zoom": 6,
                       "domain": {"x": [0, 0.5]}}, "xaxis": {"domain": [0.6, 1]}},
}


def warm_renderer() -> float:
    """Start this process's browser and render once; the seconds it took."""
    from dashboard.exports.render import renderer

    began = time.perf_counter()
    r = renderer()
    r.start()
    r.png(WARM_FIGURE, 300, 200, scale=1)
    r.pdf("<!doctype html><meta charset='utf-8'><p>预热</p>")
    return time.perf_counter() - began


def _warm_in_background() -> None:
    try:
        log.info("export renderer warm in %.1f s", warm_renderer())
    except Exception as exc:  # noqa: BLE001 - the export itself will say what is wrong, in Chinese
        log.warning("export renderer could not be warmed: %s", exc)


@worker_process_init.connect
def _on_worker_process_init(**_):
    threading.Thread(target=_warm_in_background, name="warm-renderer", daemon=True).start()
