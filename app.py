"""App factory: builds the Flask server and the Dash app, wires the database and the callbacks.

`python app.py` serves on http://127.0.0.1:8050 (PORT overrides).
"""

from __future__ import annotations

import gc
import importlib
import os
import secrets
from pathlib import Path

from dash import Dash
from flask import Flask

from dashboard import cache, context
from dashboard.http import inputs, limits, static
from dashboard.http.auth import init_auth
from db.cases.files import return_freed_memory_to_os
from db.engine import make_engine

ROOT = Path(__file__).resolve().parent
CONNECTION_LIMIT = 2000  # open connections `python app.py` accepts (waitress)
# Modules under callbacks/ whose register(app) wires their callbacks.
CALLBACK_MODULES = ("shell", "overview", "district", "admin", "submit", "review", "snapshots", "admin_campaigns", "admin_units", "admin_targets", "cases", "summaries", "followup", "long_lists")


def create_app(config: dict | None = None) -> Dash:
    settings = {
        "DATABASE_URL": os.environ.get("DATABASE_URL"),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(16),
        "LIVE_INTERVAL_MS": int(os.environ.get("LIVE_INTERVAL_MS", "5000")),
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "1") != "0",
        "REDIS_URL": os.environ.get("REDIS_URL"),  # the shared cache (dashboard/cache.py); local memory without
        "TESTING": False,
    }
    settings.update(config or {})
    return_freed_memory_to_os()  # decoded photos must not stay resident in every server thread
    server = Flask(__name__)
    server.config.update(settings)
    context.install(server, make_engine(settings["DATABASE_URL"]))
    init_auth(server)

    # Background callbacks (exports) run outside the request: on DiskCache under instance/jobs
    # locally, on Celery + Redis when CELERY_BROKER_URL is set (see callbacks/snapshots.py).
    from callbacks.snapshots import background_manager

    app = Dash(
        __name__,
        server=server,
        background_callback_manager=background_manager(settings, ROOT),
        title="集中要约行动监测",
        update_title=None,
        assets_folder=str(ROOT / "assets"),
        assets_path_ignore=["^vendor$"],  # served, not linked: assets/plotly_bundle.js loads plotly.js from there
        hooks=static.RENDERER_HOOKS,  # start plotly.js while the first callbacks wait for the server
        serve_locally=True,  # plotly.js and every asset from this server: no CDN on the intranet
        compress=True,  # gzip/brotli the JSON of layouts and callbacks (flask-compress)
        suppress_callback_exceptions=True,  # pages are rendered by the router callback
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    from dashboard.http import routes
    from dashboard.pages.shell import layout

    routes.register(server)
    cache.install(app)  # shared results of the data-heavy callbacks, declared with cache.share(...)
    app.layout = layout(settings["LIVE_INTERVAL_MS"])
    server.config["CSP_SCRIPT_HASHES"] = app.csp_hashes()  # Dash's inline bootstrap script
    for name in CALLBACK_MODULES:
        importlib.import_module(f"callbacks.{name}").register(app)
    static.install(app)  # bundles, plotly.js, assets: compressed once, cached by the browser by version
    limits.install(app)  # body limits per route, checked before anything reads a body
    inputs.know_callbacks(app)  # callbacks the server runs; a POST for any other is refused at the door
    register_bundles(app)
    return app


def register_bundles(app: Dash) -> None:
    """Dash registers the bundles it may serve on a process's first request (`_setup_server`), and a
    second thread's first request skips that while the first is still at it: under gunicorn's threaded
    workers react-dom was answered 500 ("dash is not a registered library"). Do it here, once (in the
    master, with the app preloaded, so every worker inherits it)."""
    with app.server.test_request_context("/"):
        app._setup_server()


def settle_heap() -> None:
    """Move everything built at start-up (Dash, plotly, pandas, the app) out of the garbage collector's
    reach: otherwise each full collection walks those objects again, a pause of about 140 ms on a
    request now and then (seen in benchmarks/run.py as p95 spikes)."""
    gc.collect()
    gc.freeze()


def serve() -> None:
    """Serve with waitress (a production WSGI server, pure Python, no internet needed)."""
    from waitress import serve as waitress_serve

    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8050"))
    app = create_app()
    settle_heap()
    cap = app.server.config["MAX_CONTENT_LENGTH"]  # waitress would otherwise spool up to 1 GiB
    print(f"集中要约行动监测：http://{host}:{port}/", flush=True)
    # Each open browser keeps up to six connections; waitress's default limit (100) would stop accepting
    # at about twenty viewers, and select() cannot watch more than 1024 sockets: poll() can.
    waitress_serve(app.server, host=host, port=port, threads=8, max_request_body_size=cap,
                   connection_limit=CONNECTION_LIMIT, asyncore_use_poll=True)


if __name__ == "__main__":
    serve()
