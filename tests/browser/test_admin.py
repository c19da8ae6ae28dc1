"""The admin page in a real browser: an admin creates a reporter through the form; a leader sees
neither the 管理 link nor the page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import build_demo_database, db_session, expect, serve, sign_in, wait_for_dash


@pytest.fixture
def admin_server(tmp_path_factory):
    """Its own demo database and server: this test creates a user."""
    from app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('admin-db') / 'demo.db'}"
    build_demo_database(url)
    with serve(create_app({"DATABASE_URL": url, "TESTING": True})) as base_url:
        yield base_url, url


def test_brw030_admin_creates_a_reporter_for_luozhuang(admin_server, page, console_errors):
    base, url = admin_server
    page.goto_anonymous(base + "/login")
    sign_in(page, "demo-admin")
    wait_for_dash(page)
    nav = page.locator(".topbar .nav")
    expect(nav).to_have_text("管理")
    nav.click()  # a dcc.Link: the router renders /admin without reloading the page
    expect(page.locator("h2.page-title")).to_have_text("系统管理")
    wait_for_dash(page)
    assert page.url.endswith("/admin")

    page.fill("#ad-user-name", "luozhuang-brw")
    expect(page.locator("#ad-user-role")).to_contain_text("县区填报员")  # the default role
    page.click("#ad-user-unit")
    page.get_by_role("option", name="罗庄区（371311）").click()
    page.fill("#ad-user-password", "luozhuang-2017-pass")
    page.fill("#ad-user-password2", "luozhuang-2017-pass")
    page.click("#ad-user-create")

    expect(page.locator("#ad-user-result")).to_have_text("已创建用户 luozhuang-brw（县区填报员）")
    row = page.locator('#ad-users tr[data-username="luozhuang-brw"]')
    expect(row).to_contain_text("罗庄区（371311）")
    expect(row).to_contain_text("县区填报员")
    expect(page.locator("#ad-user-password")).to_have_value("")
    expect(page.locator("#ad-audit tbody tr").first).to_contain_text("user.create")
    wait_for_dash(page)

    from db.accounts_queries import list_users

    with db_session(url) as s:
        created = next(u for u in list_users(s) if u["username"] == "luozhuang-brw")
    assert created["role"] == "reporter" and created["unit_code"] == "371311"
    assert not console_errors


def test_brw031_leader_has_no_admin_link_and_is_refused_the_page(live_server, page):
    page.goto(live_server + "/")  # signs in as the default leader
    wait_for_dash(page)
    expect(page.locator(".topbar .who")).to_contain_text("领导")
    expect(page.locator(".topbar .nav")).to_have_count(0)
    page.goto(live_server + "/admin")
    wait_for_dash(page)
    expect(page.locator(".forbidden h2")).to_have_text("无权访问：仅管理员可用")
    expect(page.locator("#ad-users")).to_have_count(0)
    assert "demo-admin" not in page.locator("main").inner_text()


def test_brw032_admin_creates_a_token_sees_it_once_and_revokes_it(admin_server, page):
    base, url = admin_server
    page.goto_anonymous(base + "/login")
    sign_in(page, "demo-admin")
    page.goto(base + "/admin")
    wait_for_dash(page)
    page.click("#ad-token-unit")
    page.get_by_role("option", name="兰山区（371302）").click()
    page.fill("#ad-token-label", "兰山区报送程序")
    page.click("#ad-token-create")
    shown = page.locator("#ad-token-result .token")
    expect(shown).to_be_visible()
    token = shown.inner_text()
    expect(page.locator("#ad-token-result")).to_contain_text("只显示这一次")
    row = page.locator("#ad-tokens tr[data-token-id]").first
    expect(row).to_contain_text("兰山区报送程序")
    expect(row).to_contain_text("有效")
    wait_for_dash(page)

    page.once("dialog", lambda dialog: dialog.accept())  # 确定吊销令牌……吗？
    row.get_by_role("button", name="吊销").click()
    expect(page.locator("#ad-token-result")).to_contain_text("已吊销令牌")
    expect(row).to_contain_text("已吊销")
    expect(page.locator("#ad-token-result .token")).to_have_count(0)  # the plain token is gone for good
    wait_for_dash(page)

    from db.auth import verify_token

    with db_session(url) as s:
        assert verify_token(s, token) is None
    page.reload()
    wait_for_dash(page)
    assert token not in page.content()
