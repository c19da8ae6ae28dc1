"""WSGI entry point for a multi-process server (gunicorn): `gunicorn -c gunicorn.conf.py wsgi:application`."""

from __future__ import annotations

from app import create_app

application = create_app().server
