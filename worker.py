"""Celery worker for the export jobs, when CELERY_BROKER_URL is set (Redis):

    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 SECRET_KEY=... DATABASE_URL=... \
        .venv/bin/celery -A worker worker --concurrency 1

The worker builds the same app as the web server (so Dash registers the background callbacks as
Celery tasks) and must share its SECRET_KEY (export tickets are signed with it) and DATABASE_URL.
A worker lives long, so its renderer (render.py) stays warm between exports.
"""

from __future__ import annotations

from app import create_app

dash_app = create_app()
celery_app = dash_app._background_manager.handle  # the Celery app CeleryManager was given
