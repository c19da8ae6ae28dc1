"""A reload of the overview comes from the browser's cache: Dash's bundles, plotly.js and the assets
are not sent again (dashboard/http/static.py).

The `page` fixture's request blocking goes through Playwright's route(), which turns the HTTP cache
off; so this test opens its own context, counts what crossed the network with the DevTools Network
domain, and keeps every other host out with a proxy that does not exist (Chromium never proxies
127.0.0.1, so local requests go straight to the server and everything else fails).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from dashboard import ids
from tests.browser.conftest import (
    BROWSER_TIMEOUT_MS,
    VIEWPORT,
    assert_all_local,
    sign_in,
    wait_for_dash,
    wait_for_map,
)

WARM_RELOAD_LIMIT = 200 * 1024  # bytes over the network on a reload, headers included
VERSIONED = re.compile(r"/_dash-component-suites/.+\.v[\w-]+m\d+\.|/assets/.+\?m=")
DEAD_PROXY = {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1,localhost"}


class Traffic:
    """Requests of one page as DevTools sees them: URL, whether the cache answered, bytes received."""

    def __init__(self, page) -> None:
        self.requests: dict[str, dict] = {}
        cdp = page.context.new_cdp_session(page)
        cdp.on("Network.requestWillBeSent", lambda e: self._get(e)["url"].append(e["request"]["url"]))
        cdp.on("Network.requestServedFromCache", lambda e: self._get(e).update(cache=True))
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.loadingFinished", lambda e: self._get(e).update(bytes=int(e["encodedDataLength"])))
        cdp.on("Network.loadingFailed", lambda e: self._get(e).update(failed=e.get("errorText", "failed")))
        cdp.send("Network.enable")

    def _get(self, event) -> dict:
        return self.requests.setdefault(event["requestId"], {"url": [], "cache": False, "bytes": 0})

    def _received(self, event) -> None:
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromMemoryCache"):
            self._get(event)["cache"] = True

    def reset(self) -> None:
        self.requests.clear()

    def urls(self) -> list[str]:
        return [u for r in self.requests.values() for u in r["url"]]

    def network_bytes(self) -> int:
        return sum(r["bytes"] for r in self.requests.values() if not r["cache"])

    def from_network(self) -> list[str]:
        return [f"{urlsplit(r['url'][-1]).path} ({r['bytes']} B)" for r in self.requests.values()
                if r["url"] and not r["cache"] and r["bytes"]]


@pytest.fixture
def cached_page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  service_workers="block", proxy=DEAD_PROXY)
    page = context.new_page()
    page.set_default_timeout(BROWSER_TIMEOUT_MS)
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    page.requests_seen = seen
    try:
        yield page
    finally:
        context.close()


def test_stb001_a_warm_reload_moves_little_and_stays_local(live_server, cached_page):
    page = cached_page
    # Sign in towards a plain page, not the dashboard: the dashboard's first load must be the measured one
    page.goto(f"{live_server}/login?next=%2Faccount%2Fpassword")
    sign_in(page)
    assert urlsplit(page.url).path == "/account/password", page.url
    traffic = Traffic(page)
    page.goto(f"{live_server}/")  # cold for everything but the login page's stylesheet
    wait_for_dash(page)
    wait_for_map(page, ids.MAP)
    cold = traffic.network_bytes()
    assert any("/assets/vendor/plotly-app.min.js?m=" in u for u in traffic.urls()), traffic.urls()
    assert not [u for u in traffic.urls() if "plotly.min.js" in u], "the full plotly.js was loaded"
    assert cold > 1_000_000, f"the first load moved only {cold} bytes: was the cache warm already?"

    traffic.reset()
    page.reload()
    wait_for_dash(page)
    wait_for_map(page, ids.MAP)
    warm = traffic.network_bytes()
    assert warm < WARM_RELOAD_LIMIT, f"a reload moved {warm} bytes: {traffic.from_network()}"
    # Versioned URLs (Dash's fingerprinted bundles, assets with ?m=) are not even asked for again
    versioned = [r for r in traffic.requests.values() if r["url"] and VERSIONED.search(r["url"][-1])]
    assert len(versioned) >= 10, traffic.urls()
    asked = [r["url"][-1] for r in versioned if not r["cache"]]
    assert not asked, f"versioned files fetched again on a reload: {asked}"
    # plotly.js among them: the partial bundle's URL is versioned too (the full plotly.min.js, whose URL
    # dash-renderer fixes, is not used at all)
    plotly = [r for r in versioned if "/assets/vendor/plotly-app.min.js" in r["url"][-1]]
    assert plotly and all(r["cache"] for r in plotly), traffic.from_network()
    assert_all_local(page.requests_seen)
