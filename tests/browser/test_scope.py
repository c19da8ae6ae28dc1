"""A provincial leader in Chromium: another province's county page is the forbidden page (nothing of
that unit shown, not even in the tab's title); a county of their own province opens as usual."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.browser.conftest import build_demo_database, expect, serve, wait_for_dash
from tests.dashboard.scope.conftest import A_UNIT, B_UNIT, SCOPE_PASSWORD, build_two_provinces


@pytest.fixture(scope="module")
def two_provinces_server(tmp_path_factory):
    from app import create_app
    from db.engine import make_engine

    url = f"sqlite:///{tmp_path_factory.mktemp('scope-db') / 'demo.db'}"
    build_demo_database(url)
    engine = make_engine(url)
    build_two_provinces(engine)
    engine.dispose()
    with serve(create_app({"DATABASE_URL": url, "TESTING": True})) as base_url:
        yield base_url


def sign_in_to(page, base: str, username: str, path: str) -> None:
    page.goto_anonymous(f"{base}/login?next={quote(path, safe='/')}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", SCOPE_PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    wait_for_dash(page)


def test_brw_scope001_provincial_leader_sees_the_forbidden_page_for_another_province(two_provinces_server, page):
    base = two_provinces_server
    sign_in_to(page, base, "prov-leader", f"/district/{B_UNIT}")
    assert page.url.endswith(f"/district/{B_UNIT}")
    forbidden = page.locator(".card.notice.forbidden")
    expect(forbidden).to_be_visible()
    expect(forbidden.locator("h2")).to_have_text("无权访问")
    expect(forbidden).to_contain_text("该单位不在您的辖区内")
    expect(page.locator("body")).not_to_contain_text("玄武区")
    assert "玄武区" not in page.title()
    page.screenshot(path="/tmp/scope-forbidden.png")

    page.goto(f"{base}/district/{A_UNIT}")
    wait_for_dash(page)
    expect(page.locator("#dt-header")).to_contain_text("兰山区")
    expect(page.locator(".card.notice.forbidden")).to_have_count(0)
    expect(page.locator("table.attachment")).to_be_visible()
    page.screenshot(path="/tmp/scope-own.png")
