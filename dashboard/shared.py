"""What the processes of a multi-process server share besides the database: Redis, when REDIS_URL is set.

    redis_url()       REDIS_URL from the app's config, else from the environment (None: not set)
    redis_client()    this app's Redis client (one per app; redis-py reconnects after a fork), or None
    redis_problem(c)  None when the server answers PING within the client's short timeout, else why

Without REDIS_URL every process keeps its own counts (the single-process `make run` needs nothing).
"""

from __future__ import annotations

import os

from flask import Flask, current_app

EXTENSION = "jizhong_redis"
TIMEOUT_S = 1.0  # connect and read: a Redis that does not answer is not waited for


def redis_url(server: Flask | None = None) -> str | None:
    server = server or current_app
    return server.config.get("REDIS_URL") or os.environ.get("REDIS_URL") or None


def redis_client(server: Flask | None = None):
    """The app's Redis client, made on first use; None without REDIS_URL."""
    server = server or current_app
    if EXTENSION not in server.extensions:
        url = redis_url(server)
        client = None
        if url:
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S,
                                          health_check_interval=30)
        server.extensions[EXTENSION] = client
    return server.extensions[EXTENSION]


def redis_problem(client) -> str | None:
    """None if `client` answers PING, else the error's class name (never the URL or a password)."""
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means unreachable
        return exc.__class__.__name__
    return None
