"""Login in a real browser: the gate, the plain HTML form, the session cookie, logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.browser.conftest import LOGIN_AS, expect, login_password, wait_for_dash


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
