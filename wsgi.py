"""WSGI entry point for a multi-process server (gunicorn): `gunicorn -c gunicorn.conf.py wsgi:application`.

Production mode: refuses to start without a fixed SECRET_KEY (see production.py), since every
process must verify what the others signed.
"""

from __future__ import annotations

import production

production.check_or_exit()

from app import create_app, settle_heap  # noqa: E402 - only once the environment is known to be fit

dash_app = create_app()
application = dash_app.server
settle_heap()  # before the fork: the workers share the frozen start-up objects copy-on-write


def after_fork() -> None:
    """In each new worker: drop the database connections the master's pool may hold (none, normally),
    so no connection is ever shared by two processes."""
    from dashboard import context

    context.engine(application).dispose(close=False)
