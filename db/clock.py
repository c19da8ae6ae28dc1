"""The time stamps the database stores: naive local time, to the second (one definition for every writer)."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
