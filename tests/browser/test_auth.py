"""Login in a real browser: the gate, the plain HTML form, the session cookie, logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.browser.conftest import LOGIN_AS, expect, login_password, sign_in, wait_for_dash


def test_brw020_anonymous_is_sent_to_login_and_comes_back_to_the_page_asked_for(live_server, page):
    page.goto_anonymous(f"{live_server}/district/371324")
    assert urlsplit(page.url).path == "/login"
    expect(page.locator("h2")).to_have_text("登录")
    page.fill("input[name=username]", LOGIN_AS)
    page.fill("input[name=password]", "wrong password!")
    with page.expect_navigation():
        page.click("button[type=submit]")
    expect(page.locator(".error")).to_contain_text("用户名或密码错误")
    page.fill("input[name=password]", login_password())
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert urlsplit(page.url).path == "/district/371324"
    wait_for_dash(page)
    expect(page.locator("#dt-header")).to_have_text("兰陵县")
    expect(page.locator(".topbar .who")).to_contain_text(f"{LOGIN_AS}（领导）")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["session"]["httpOnly"] and cookies["session"]["secure"]
    assert not cookies["_csrf_token"]["httpOnly"]  # dash-renderer reads it for X-CSRFToken


def test_brw021_logout(live_server, page):
    page.goto(live_server + "/")
    wait_for_dash(page)
    with page.expect_navigation():
        page.click(".topbar .logout")
    assert urlsplit(page.url).path == "/login"
    page.goto_anonymous(live_server + "/")
    assert urlsplit(page.url).path == "/login"


def test_brw022_shared_link_survives_login(live_server, demo_db_url, page):
    """A link with a whole view in its query string (?campaign=…&date=…&metric=…) opened by someone
    not yet signed in lands, after login, on exactly that URL, and the page shows that view."""
    from dashboard import ids, labels
    from db import queries
    from tests.browser.conftest import db_session, default_view

    with db_session(demo_db_url) as s:
        campaign, latest = default_view(s)
        chosen = queries.report_dates(s, campaign["id"])[0]
    assert chosen != latest
    shared = f"/?campaign={campaign['id']}&date={chosen.isoformat()}&metric=filing_rate"
    page.goto_anonymous(live_server + shared)
    assert urlsplit(page.url).path == "/login"
    sign_in(page)
    assert page.url == live_server + shared
    wait_for_dash(page)
    expect(page.locator(f"#{ids.METRIC} input:checked")).to_have_value("filing_rate")
    expect(page.locator(f"#{ids.AS_OF}")).to_have_value(labels.date_cn(chosen))
    assert page.url == live_server + shared
