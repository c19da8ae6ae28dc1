"""HTTP-level helpers shared by the app and admin tests: a demo app, login through the real form,
and callback POSTs carrying the CSRF token as dash-renderer sends it."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

from app import create_app
from db.accounts.auth import DEMO_ACCOUNTS, ensure_demo_accounts
from db.demo import build_demo
from db.engine import make_engine, write_session
from db.migrate import upgrade

UPDATE = "/_dash-update-component"
PASSWORD = {name: password for name, password, *_ in DEMO_ACCOUNTS}


def demo_database(directory) -> str:
    """The URL of a SQLite demo database (migrated, demo campaign, demo accounts) in `directory`."""
    url = f"sqlite:///{directory / 'app.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_demo(engine)
    with write_session(engine) as s:
        ensure_demo_accounts(s)
    engine.dispose()
    return url


def demo_app(directory, **config):
    """An app on its own SQLite demo database (with the demo accounts) in `directory`; `config` is
    added to the app's settings."""
    # The test client speaks http://localhost: Secure cookies would not come back over it.
    return create_app({"DATABASE_URL": demo_database(directory), "TESTING": True, "SESSION_COOKIE_SECURE": False,
                       **config})


def form_token(c, path: str = "/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', c.get(path).get_data(as_text=True)).group(1)


def login(c, username="demo-leader", password=None):
    return c.post("/login", data={"username": username, "password": password or PASSWORD[username],
                                  "csrf_token": form_token(c), "next": "/"})


def post_callback(c, body: str):
    """A callback request as dash-renderer sends it: JSON plus the CSRF token from the cookie."""
    token = c.get_cookie("_csrf_token").value
    return c.post(UPDATE, data=body, content_type="application/json", headers={"X-CSRFToken": token})


def callback_key(app, name: str, contains: str = "") -> str:
    """The callback_map key of the server callback function `name` (clientside callbacks have none)."""
    return next(k for k, cb in app.callback_map.items()
                if "callback" in cb and cb["callback"].__name__ == name and contains in k)


def callback_body(app, key: str, values: dict[str, object], changed: str | None = None, wild: object = 1) -> str:
    """The JSON dash-renderer posts for the callback `key` of app.callback_map, with `values`
    ("component.property" -> value) for its inputs and state (missing ones are None). A
    pattern-matching id gets `wild` for its wildcards: one matching component (a list of one for ALL)."""
    import json

    if key not in app.callback_map:  # the first output of a multi-output callback ("page-content.children")
        key = next(k for k in app.callback_map if k.startswith(f"..{key}..."))
    cb = app.callback_map[key]

    def out(o):
        return {"id": o.component_id, "property": o.component_property.split("@")[0]}

    def pattern(d) -> dict | None:  # callback_map holds a pattern-matching id as JSON text
        return json.loads(d["id"]) if isinstance(d["id"], str) and d["id"].startswith("{") else None

    def dep(d):
        value = values.get(f"{d['id']}.{d['property']}")
        ident = pattern(d)
        if ident is None:
            return {**d, "value": value}
        concrete = {k: wild if isinstance(v, list) else v for k, v in ident.items()}  # ["ALL"] -> wild
        if ["ALL"] in ident.values():
            return [{"id": concrete, "property": d["property"], "value": value}]
        return {"id": concrete, "property": d["property"], "value": value}

    def prop_id(d):
        ident = pattern(d)
        if ident is None:
            return f"{d['id']}.{d['property']}"
        concrete = {k: wild if isinstance(v, list) else v for k, v in ident.items()}
        return json.dumps(concrete, sort_keys=True, separators=(",", ":")) + f".{d['property']}"

    outs = cb["output"]
    outputs = [out(o) for o in outs] if isinstance(outs, (list, tuple)) else out(outs)
    inputs = [dep(d) for d in cb["inputs"]]
    state = [dep(d) for d in cb["state"]]
    changed = changed or (prop_id(cb["inputs"][0]) if cb["inputs"] else "")
    return json.dumps({"output": key, "outputs": outputs, "inputs": inputs, "state": state,
                       "changedPropIds": [changed] if changed else []}, ensure_ascii=False)


def reachable_redis(url: str):
    """A client of the redis-server at `url` (PING answered within a second); else skip the test, or fail
    it with CI=true, where a missing redis-server must never pass silently."""
    import os

    import pytest
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"redis-server is not reachable at {url}: {exc}")
        pytest.skip(f"redis-server is not reachable at {url}")
    return client


@contextmanager
def prepared_boundaries(directory: Path, adcodes: list[str]):
    """GEO_DIR set to `directory` holding only these areas' prepared boundaries (dashboard/geo_areas.build,
    only=): a fresh checkout has no prepared set, and building all 363 areas on first use takes minutes
    on a busy CI machine."""
    from dashboard import geo_areas

    geo_areas.build(directory, only=adcodes)
    old = os.environ.get("GEO_DIR")
    os.environ["GEO_DIR"] = str(directory)
    try:
        yield directory
    finally:
        if old is None:
            os.environ.pop("GEO_DIR", None)
        else:
            os.environ["GEO_DIR"] = old
