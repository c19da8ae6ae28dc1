"""Browser harness: the real app on a demo database, served on 127.0.0.1, driven in Debian's Chromium.

Fixtures
    demo_db_url   (session)  SQLite file: migrated, 临沂 preset loaded, demo campaign built
    live_server   (session)  base URL ("http://127.0.0.1:PORT") of create_app(...) on that database
    browser       (session)  Playwright Chromium (/usr/bin/chromium, headless)
    page          (function) a fresh context and page, 1440x900, zh-CN; every non-local request is
                             blocked and recorded. A test fails at teardown if its page tried to
                             leave the machine or got a 5xx answer (say, a callback that raised)
    requests_seen (function) every URL the page requested, in order
    requests_blocked (function) the non-local URLs the route block refused (should stay empty)
    console_errors(function) console errors and uncaught page errors, as text

Helpers (``from tests.browser.conftest import assert_all_local, wait_for_dash``)
    assert_all_local(urls)  every http(s)/ws(s) URL goes to 127.0.0.1 or localhost
    wait_for_dash(page)     the Dash renderer has loaded and no callback is pending (nor any
                            component marked data-dash-is-loading), continuously for a short while
    assert_eventually(probe, want)  poll probe() until it returns want, then assert equality (the
                            Python counterpart of expect(...): for values read with page.evaluate)
    wait_for_graph(page, id)  a dcc.Graph has drawn its figure (plotly.js loads after Dash idles)
    wait_for_map(page, id)    ... and its MapLibre map has its style and is not moving
    map_page_xy(page, id, lon, lat)  the page pixel of a longitude/latitude on that map
    point_inside(fc, adcode)  a (lon, lat) inside one feature of a GeoJSON FeatureCollection
    build_demo_database(url)  migrate, load the preset, build the demo campaign (about 1 s)
    serve(dash_app)           context manager: serve an app on a free port of 127.0.0.1
    db_session(url)           context manager: a read session on a database, to compute expectations
    default_view(session)     the overview's default (campaign, as-of date): the newest campaign with
                              reports and its last report date (the 2017 demo is over, so not today)

Waiting: no test sleeps for a fixed time. Each waits on the app's own state (Dash idle, a text or
a value appearing, the URL, a graph drawn) with one generous bound, BROWSER_TIMEOUT_MS (30 s, or the
environment variable of that name): a slow or loaded machine waits longer, a real failure still
fails. The same bound is Playwright's default for actions, navigations and expect(...).
BROWSER_CPU_THROTTLE=N slows every page's CPU N times (DevTools throttling), to try that out.

Without Chromium or Playwright the browser tests skip, saying why; with CI=true they fail instead,
so a missing browser is never silent. Never run `playwright install`: we use Debian's Chromium.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # Without these Chromium calls Google's hosts at start; the closed network refuses them.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1440, "height": 900}
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
ALWAYS_LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
# One bound for every wait: generous for a loaded CI machine (load 6 on 2 cores made 5-20 s waits
# flaky), still finite so that a real failure fails.
BROWSER_TIMEOUT_MS = int(os.environ.get("BROWSER_TIMEOUT_MS", "30000"))
DASH_TIMEOUT_MS = BROWSER_TIMEOUT_MS  # the older name, kept for the helpers' signatures
# How long Dash must stay idle to count as settled: a component may set a prop (and so start the
# next callback) only after React has rendered the previous output.
DASH_QUIET_MS = 250
# To see how the tests fare on a slow machine: BROWSER_CPU_THROTTLE=6 makes every page's CPU six
# times slower (Chrome DevTools' CPU throttling), on top of whatever else loads the machine.
CPU_THROTTLE = float(os.environ.get("BROWSER_CPU_THROTTLE", "0") or 0)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

try:  # re-exported for the tests, so a missing Playwright skips (or fails in CI) through the fixture
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect
except ImportError:
    expect = None
    PlaywrightTimeoutError = TimeoutError
else:
    # expect(...) retries until its timeout, which is 5 s by default whatever the page's default is.
    expect.set_options(timeout=BROWSER_TIMEOUT_MS)


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing browser fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------------------------- helpers


def is_local(url: str) -> bool:
    """True for data:/blob:/about: URLs and for http(s)/ws(s) URLs on 127.0.0.1 or localhost."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ALWAYS_LOCAL_SCHEMES:
        return True
    if scheme in {"http", "https", "ws", "wss"}:
        return (parts.hostname or "").lower() in LOCAL_HOSTS
    return False


def assert_all_local(urls: Iterable[str]) -> None:
    """Fail, listing them, if any URL would leave this machine."""
    urls = list(urls)
    foreign = [u for u in urls if not is_local(u)]
    assert not foreign, f"{len(foreign)} of {len(urls)} requests were not local: {foreign}"


# True once the renderer is up, the layout is hydrated and no callback (but the live poll) is
# requested, running or showing a loading state (dash-renderer's loading markers). window.store is the renderer's Redux
# store (what dash.testing reads).
_DASH_IDLE_NOW_JS = """
() => {
    const root = document.getElementById("react-entry-point");
    if (!root || !window.store) return false;
    const state = window.store.getState();
    if (state.appLifecycle !== "HYDRATED") return false;
    // The live check (a dcc.Interval's n_intervals) polls for ever: it is not the page's state. A
    // poll that finds new data sets off other callbacks, and those count. (So state.isLoading,
    // which counts the poll too, is not read.)
    const isPoll = (cb) => {
        const changed = Object.keys((cb && cb.changedPropIds) || {});
        return changed.length > 0 && changed.every((p) => p.endsWith(".n_intervals"));
    };
    const callbacks = state.callbacks || {};
    for (const [key, list] of Object.entries(callbacks)) {
        if (key === "stored" || key === "completed") continue;
        if (Array.isArray(list) && list.some((cb) => !isPoll(cb))) return false;
    }
    return !document.querySelector(
        '._dash-loading, ._dash-loading-callback, [data-dash-is-loading="true"]'
    );
}
"""

# ... and has been so at every poll for quietMs. `token` names one wait, so an idle spell seen by
# an earlier wait (before the test's last click) never counts for this one.
_DASH_SETTLED_JS = (
    """
([token, quietMs]) => {
    const idleNow = ("""
    + _DASH_IDLE_NOW_JS
    + """)();
    const now = performance.now();
    const mark = window.__brwDashIdle;
    if (!idleNow) {
        window.__brwDashIdle = {token, since: null};
        return false;
    }
    if (!mark || mark.token !== token || mark.since === null) {
        window.__brwDashIdle = {token, since: now};
        return quietMs <= 0;
    }
    return now - mark.since >= quietMs;
}
"""
)

_wait_tokens = iter(range(1, 1 << 62))


def wait_for_dash(page, timeout_ms: int = BROWSER_TIMEOUT_MS, quiet_ms: int = DASH_QUIET_MS) -> None:
    """Wait until Dash has rendered the page and every callback (including chained ones) is done.

    "Done" is the renderer's own state: hydrated, no callback requested/running/being applied, no
    component marked loading; and that state has held at every poll for `quiet_ms`, since one
    callback's output often makes a component start the next. Polled every 50 ms in the page.
    """
    try:
        page.wait_for_function(_DASH_SETTLED_JS, arg=[next(_wait_tokens), quiet_ms], polling=50, timeout=timeout_ms)
    except PlaywrightTimeoutError as exc:  # say what was still pending, not only "Timeout"
        raise AssertionError(f"Dash did not settle within {timeout_ms} ms: {_dash_pending(page)}") from exc


def _dash_pending(page) -> str:
    try:
        return page.evaluate(
            """() => {
                if (!window.store) return "no dash-renderer store";
                const st = window.store.getState();
                const cbs = Object.entries(st.callbacks || {})
                    .filter(([k, l]) => k !== "stored" && k !== "completed" && Array.isArray(l) && l.length)
                    .map(([k, l]) => `${k}: ${l.map(c => c.callback && c.callback.output).join(", ")}`);
                const marked = Array.from(document.querySelectorAll('[data-dash-is-loading="true"]'))
                    .map(e => e.id || e.className).slice(0, 5);
                return `lifecycle ${st.appLifecycle}, isLoading ${st.isLoading}; pending ${cbs.join("; ") || "none"}; `
                    + `loading markers ${marked.join(", ") || "none"}`;
            }"""
        )
    except Exception as exc:  # the page may be gone
        return f"(state unreadable: {exc})"


def assert_eventually(probe, expected, timeout_ms: int = BROWSER_TIMEOUT_MS, message: str = "") -> None:
    """Poll `probe()` until it returns `expected`, then assert it (same == as a plain assert).

    For values a test reads itself (page.evaluate over several elements) where expect(...) does not
    fit: a slow render is waited for; a wrong value still fails, with the last value in the message.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        got = probe()
        if got == expected or time.monotonic() >= deadline:
            break
        time.sleep(0.1)  # poll interval only; the bound is the deadline
    assert got == expected, message or f"after {timeout_ms} ms: {got!r} != {expected!r}"


# The dcc.Graph's plotly div has its figure, dcc.Graph has bound its event handlers, and (for a
# map) MapLibre has its style and is still. plotly.js and the graph bundle load lazily, so a graph
# draws a few seconds after Dash is idle; and dcc.Graph binds plotly_click (-> clickData) only
# after the plot's promise resolves, some 0.5 s after the figure shows: a click before that is lost.
_GRAPH_READY_JS = """
([graphId, isMap]) => {
    const gd = document.querySelector(`[id="${graphId}"] .js-plotly-plot`);
    if (!gd || !gd._fullLayout || !gd._fullData) return false;
    if (!(gd._ev && gd._ev.listeners("plotly_click").length)) return false;
    if (!isMap) return true;
    const sub = gd._fullLayout.map && gd._fullLayout.map._subplot;
    const map = sub && sub.map;
    return Boolean(map && map.isStyleLoaded() && !map.isMoving());
}
"""


def wait_for_graph(page, graph_id: str, timeout_ms: int = BROWSER_TIMEOUT_MS) -> None:
    """Wait until the dcc.Graph `graph_id` has drawn its figure."""
    page.wait_for_function(_GRAPH_READY_JS, arg=[graph_id, False], timeout=timeout_ms)


def wait_for_map(page, graph_id: str, timeout_ms: int = BROWSER_TIMEOUT_MS) -> None:
    """Wait until the choroplethmap in the dcc.Graph `graph_id` is drawn and its map is not moving."""
    page.wait_for_function(_GRAPH_READY_JS, arg=[graph_id, True], timeout=timeout_ms)


def map_page_xy(page, graph_id: str, lon: float, lat: float) -> tuple[float, float]:
    """Page (viewport) pixel of (lon, lat) on the MapLibre map of a plotly `map` subplot.

    plotly.js 3.x keeps the maplibregl.Map at gd._fullLayout.map._subplot.map; its project()
    answers in canvas pixels, so the canvas's bounding box gives the page offset. The map is
    scrolled into view first so the point can be clicked.
    """
    # dcc.Graph first renders a placeholder with the same id and swaps in the real graph when its
    # bundle has loaded: wait for the map before touching the element.
    wait_for_map(page, graph_id)
    page.locator(f'[id="{graph_id}"]').scroll_into_view_if_needed()
    wait_for_map(page, graph_id)
    x, y = page.evaluate(
        """([graphId, lon, lat]) => {
            const gd = document.querySelector(`[id="${graphId}"] .js-plotly-plot`);
            const map = gd._fullLayout.map._subplot.map;
            const p = map.project([lon, lat]);
            const box = map.getCanvas().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""",
        [graph_id, lon, lat],
    )
    return x, y


def point_inside(fc: dict, adcode: str) -> tuple[float, float]:
    """A (lon, lat) certainly inside the feature with id `adcode` (shapely's representative point)."""
    from shapely.geometry import shape

    feature = next(f for f in fc["features"] if str(f["id"]) == adcode)
    point = shape(feature["geometry"]).representative_point()
    return point.x, point.y


# ------------------------------------------------------------------------------------- server side


def build_demo_database(url: str) -> None:
    """Leave `url` as `python -m db demo` does: migrated, preset loaded, demo campaign built."""
    # Imported here, not at the top: collecting the browser tests must not need the demo builder.
    from db.admin.presets import ensure_campaign, load_units, read_preset
    from db.demo import build_demo
    from db.engine import make_engine, write_session
    from db.migrate import upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
        preset = read_preset()
        with write_session(engine) as s:
            load_units(s, preset)
            for spec in preset.get("campaigns", []):
                ensure_campaign(s, spec)
        build_demo(engine)
        from db.accounts.auth import ensure_demo_accounts

        with write_session(engine) as s:
            ensure_demo_accounts(s)
    finally:
        engine.dispose()


LOGIN_AS = "demo-leader"  # the browser tests look at the dashboard as a leader


def login_password(username: str = LOGIN_AS) -> str:
    from db.accounts.auth import DEMO_ACCOUNTS

    return next(a[1] for a in DEMO_ACCOUNTS if a[0] == username)


def sign_in(page, username: str = LOGIN_AS) -> None:
    """Fill in the real login form the page was sent to (a plain HTML form) and submit it."""
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", login_password(username))
    with page.expect_navigation():
        page.click("button[type=submit]")


def _signing_in_goto(page):
    """page.goto that signs in when the server sends it to /login, then goes on to the URL asked for.

    Cookies are per host, not per port: a test that talks to a second server on 127.0.0.1 (with
    its own secret key) is sent to /login again and signs in there too."""
    goto = page.goto

    def signed_in_goto(url, **kwargs):
        response = goto(url, **kwargs)
        if urlsplit(page.url).path == "/login":
            sign_in(page)
            response = goto(url, **kwargs)
        return response

    return signed_in_goto


@pytest.fixture(scope="session")
def demo_db_url(tmp_path_factory) -> Iterator[str]:
    """A SQLite database as `python -m db demo` leaves it: migrated, preset loaded, demo built."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'demo.db'}"
    build_demo_database(url)
    yield url


@contextmanager
def db_session(url: str):
    """A read session on `url` (its own engine, disposed afterwards)."""
    from db.engine import make_engine, read_session

    engine = make_engine(url)
    try:
        with read_session(engine) as session:
            yield session
    finally:
        engine.dispose()


def default_view(session):
    """(campaign dict, as-of date) the overview shows without query arguments."""
    from dashboard.data import default_campaign
    from db import queries

    campaign = default_campaign(queries.campaigns(session))
    assert campaign is not None, "the demo database has no campaign"
    dates = queries.report_dates(session, campaign["id"])
    assert dates, "the default campaign has no reports"
    return campaign, dates[-1]


@contextmanager
def serve(dash_app) -> Iterator[str]:
    """Serve a Dash app with werkzeug on a free port of 127.0.0.1; yields the base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, dash_app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(demo_db_url) -> Iterator[str]:
    """Serve create_app(...) on the session's demo database; yields the base URL. Read-only by
    convention: a test that writes to the database starts its own server (see test_brw006)."""
    from app import create_app

    with serve(create_app({"DATABASE_URL": demo_db_url, "TESTING": True})) as base_url:
        yield base_url


# ------------------------------------------------------------------------------------ browser side


_SHARED_PLAYWRIGHT: dict = {"pw": None, "users": 0}


@pytest.fixture(scope="session")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: .venv/bin/pip install -r requirements-dev.txt")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(
            f"{CHROMIUM} not found: apt-get install chromium chromium-driver fonts-noto-cjk "
            "(or set CHROMIUM_PATH); never `playwright install`"
        )
    # One Playwright per test process: tests/production imports these fixtures, and pytest then keeps
    # a second session fixture of the same name; a second sync_playwright() in one process is refused
    # ("Sync API inside the asyncio loop"), so both share this one and the last user stops it.
    if _SHARED_PLAYWRIGHT["pw"] is None:
        _SHARED_PLAYWRIGHT["pw"] = sync_playwright().start()
    _SHARED_PLAYWRIGHT["users"] += 1
    try:
        yield _SHARED_PLAYWRIGHT["pw"]
    finally:
        _SHARED_PLAYWRIGHT["users"] -= 1
        if _SHARED_PLAYWRIGHT["users"] == 0:
            _SHARED_PLAYWRIGHT["pw"].stop()
            _SHARED_PLAYWRIGHT["pw"] = None


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


class _Network:
    """What one page asked for: every URL, the non-local ones that were blocked, and 5xx answers."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.blocked: list[str] = []
        self.server_errors: list[str] = []

    def on_request(self, request) -> None:
        self.seen.append(request.url)

    def on_response(self, response) -> None:
        # In production mode a callback that raises shows nothing on the page; its 500 is the trace.
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.request.method} {response.url}")

    def route(self, route) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def route_websocket(self, ws) -> None:
        self.seen.append(ws.url)
        if is_local(ws.url):
            ws.connect_to_server()  # forwards both ways
        else:
            self.blocked.append(ws.url)
            ws.close()


@pytest.fixture
def _network() -> _Network:
    return _Network()


@pytest.fixture
def page(browser, _network: _Network):
    context = browser.new_context(
        viewport=VIEWPORT,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        service_workers="block",  # a service worker's fetches would bypass the route below
    )
    context.route("**/*", _network.route)
    context.route_web_socket("**/*", _network.route_websocket)
    page = context.new_page()
    if CPU_THROTTLE > 1:
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": CPU_THROTTLE})
    page.goto_anonymous = page.goto  # for the tests of the login page itself
    page.goto = _signing_in_goto(page)
    page.on("request", _network.on_request)
    page.on("response", _network.on_response)
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    page.set_default_navigation_timeout(BROWSER_TIMEOUT_MS)
    try:
        yield page
    finally:
        context.close()
    problems = []
    if _network.blocked:
        problems.append(f"the page tried to leave this machine; blocked: {_network.blocked}")
    if _network.server_errors:
        problems.append(f"the server answered with errors (see the captured log): {_network.server_errors}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def requests_seen(page, _network: _Network) -> list[str]:
    """Every URL the page requested (including blocked ones), appended as they happen."""
    return _network.seen


@pytest.fixture
def requests_blocked(page, _network: _Network) -> list[str]:
    """The non-local URLs the page tried and the route block refused (the teardown also fails on them)."""
    return _network.blocked


@pytest.fixture
def console_errors(page) -> list[str]:
    """Console errors and uncaught exceptions of the page, appended as they happen."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors
