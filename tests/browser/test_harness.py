"""The harness itself: the app serves, and the page loads only from this machine."""

from __future__ import annotations

from tests.browser.conftest import assert_all_local, wait_for_dash


def test_brw000_server_serves_local_assets(live_server, page, requests_seen):
    response = page.goto(live_server + "/")
    assert response is not None and response.status == 200
    wait_for_dash(page)

    scripts = page.eval_on_selector_all("script[src]", "els => els.map(e => e.src)")
    assert scripts, "the page loaded no scripts: is this a Dash page?"
    assert any("dash" in src for src in scripts)
    assert_all_local(scripts)
    assert_all_local(requests_seen)
