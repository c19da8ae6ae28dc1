"""The admin pages in a real browser: an admin creates a reporter and a token, a campaign with its
thresholds, imports units from a CSV after a preview, edits targets in the grid, deactivates a
user and resets a password; a leader sees neither the 管理 link nor the pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import build_demo_database, db_session, expect, serve, sign_in, wait_for_dash

SHOTS = Path("/tmp/admin-shots")  # screenshots of the admin pages, for a person to look at
SHOTS.mkdir(exist_ok=True)


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
    nav = page.locator(".topbar #ad-nav")  # other pages have their own links beside it
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

    from db.accounts.queries import list_users

    with db_session(url) as s:
        created = next(u for u in list_users(s) if u["username"] == "luozhuang-brw")
    assert created["role"] == "reporter" and created["unit_code"] == "371311"
    assert not console_errors


def test_brw031_leader_has_no_admin_link_and_is_refused_the_page(live_server, page):
    page.goto(live_server + "/")  # signs in as the default leader
    wait_for_dash(page)
    expect(page.locator(".topbar .who")).to_contain_text("领导")
    expect(page.locator(".topbar #ad-nav")).to_have_count(0)
    for path in ("/admin", "/admin/campaigns", "/admin/units", "/admin/targets"):
        page.goto(live_server + path)
        wait_for_dash(page)
        expect(page.locator(".forbidden h2")).to_have_text("无权访问：仅管理员可用")
        expect(page.locator("#ad-subnav")).to_have_count(0)
        expect(page.locator("main")).not_to_contain_text("demo-admin")


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

    from db.accounts.auth import verify_token

    with db_session(url) as s:
        assert verify_token(s, token) is None
    page.reload()
    wait_for_dash(page)
    assert token not in page.content()


def _admin_page(page, base: str, path: str) -> None:
    page.goto_anonymous(base + "/login")
    sign_in(page, "demo-admin")
    page.goto(base + path)
    wait_for_dash(page)


def test_brw033_admin_creates_a_campaign_with_its_thresholds(admin_server, page, console_errors):
    base, url = admin_server
    _admin_page(page, base, "/admin")
    page.locator("#ad-subnav a", has_text="行动与阈值").click()  # the sub-navigation, without a reload
    expect(page.locator("#ad-subnav a.active")).to_have_text("行动与阈值")
    wait_for_dash(page)
    page.click("#ad-camp-pick")
    page.get_by_role("option", name="＋ 新建行动").click()
    wait_for_dash(page)
    expect(page.locator("#ad-camp-name")).to_have_value("")
    page.fill("#ad-camp-name", "2018年集中要约")
    for cid, value in (("start", "2018-03-01"), ("end", "2018-05-31"), ("cutoff", "2018-05-31"),
                       ("deadline", "2018-06-10")):
        page.fill(f"#ad-camp-{cid}", value)
    page.click("#ad-camp-copy")
    page.get_by_role("option", name="2017年工资集体协商“集中要约”行动", exact=True).click()
    page.fill("#ad-th-stale-days", "7")
    page.fill("#ad-th-pace", "2018-04-30 60%")
    page.click("#ad-camp-save")
    expect(page.locator("#ad-camp-result")).to_contain_text("已新建行动“2018年集中要约”")
    row = page.locator("#ad-camps tr", has_text="2018年集中要约")
    expect(row).to_contain_text("2018-03-01 至 2018-05-31")
    expect(row).to_contain_text("自定")
    wait_for_dash(page)
    expect(page.locator("#ad-th-stale-days")).to_have_value("7")  # the form shows what was stored
    expect(page.locator("#ad-th-pace")).to_have_value("2018-04-30 60%")

    from db.accounts.queries import admin_campaigns, baseline_rows
    from db.admin.campaigns import threshold_overrides

    with db_session(url) as s:
        created = next(c for c in admin_campaigns(s) if c["name"] == "2018年集中要约")
        assert created["units_with_baseline"] == 23
        assert threshold_overrides(s, created["id"])["stale_days"] == 7
        assert next(r for r in baseline_rows(s, created["id"]) if r["code"] == "371302")["baseline_ents"] == 9800
    page.screenshot(path=str(SHOTS / "admin-campaigns.png"), full_page=True)
    assert not console_errors


def test_brw034_admin_imports_units_from_a_csv_after_a_preview(admin_server, page, tmp_path, console_errors):
    base, url = admin_server
    _admin_page(page, base, "/admin/units")
    bad = tmp_path / "bad.csv"
    bad.write_text("代码,名称,类型,上级代码,行政区划代码\nJN01,济南高新区,开发区,,\nJN02,,街道,,\n", encoding="utf-8-sig")
    page.set_input_files("#ad-unit-upload input[type=file]", str(bad))
    expect(page.locator("#ad-unit-preview")).to_contain_text("第 3 行“名称”为空")
    expect(page.locator("#ad-unit-preview")).to_contain_text("第 3 行“类型”应为")
    expect(page.locator("#ad-unit-apply")).to_be_disabled()
    good = tmp_path / "jinan.csv"
    good.write_text("代码,名称,类型,上级代码,行政区划代码\nJN01,济南高新区,开发区,,\nJN02,济南新区,开发区,JN01,\n",
                    encoding="utf-8-sig")
    page.set_input_files("#ad-unit-upload input[type=file]", str(good))
    expect(page.locator("#ad-unit-preview")).to_contain_text("将新增 2 个单位，修改 0 个")
    expect(page.locator("#ad-units .ag-row[row-id=JN01]")).to_have_count(0)  # not before applying
    page.click("#ad-unit-apply")
    expect(page.locator("#ad-unit-preview")).to_contain_text("已导入 jinan.csv：新增 2 个单位")
    expect(page.locator("#ad-units .ag-row[row-id=JN02]")).to_contain_text("济南高新区（JN01）")
    wait_for_dash(page)

    # Edit one unit through the form.
    page.click("#ad-unit-pick")
    page.get_by_role("option", name="济南新区（JN02）").click()
    expect(page.locator("#ad-unit-code")).to_have_value("JN02")
    page.fill("#ad-unit-name", "济南新旧动能转换起步区")
    page.click("#ad-unit-save")
    expect(page.locator("#ad-unit-result")).to_contain_text("名称 济南新区 → 济南新旧动能转换起步区")
    expect(page.locator("#ad-units .ag-row[row-id=JN02]")).to_contain_text("济南新旧动能转换起步区")
    wait_for_dash(page)
    page.screenshot(path=str(SHOTS / "admin-units.png"), full_page=True)
    assert not console_errors


def test_brw035_admin_edits_targets_in_the_grid_previews_and_saves(admin_server, page, console_errors):
    base, url = admin_server
    _admin_page(page, base, "/admin/targets")
    cell = page.locator('#ad-tgt-grid .ag-row[row-id="371302"] .ag-cell[col-id="target_ents"]')
    expect(cell).to_have_text("3430")
    cell.click()
    editor = page.locator('#ad-tgt-grid .ag-row[row-id="371302"] .ag-cell[col-id="target_ents"] input')
    editor.fill("99999")
    editor.press("Enter")
    expect(page.locator("#ad-tgt-preview")).to_contain_text("兰山区（371302）“目标企业数”99,999 大于“辖区企业数”9,800")
    expect(page.locator("#ad-tgt-save")).to_be_disabled()
    cell.click()
    editor.fill("3500")
    editor.press("Enter")
    expect(page.locator("#ad-tgt-preview")).to_contain_text("兰山区（371302）：目标企业数 3,430 → 3,500")
    expect(page.locator("#ad-tgt-save")).to_be_enabled()
    page.screenshot(path=str(SHOTS / "admin-targets.png"), full_page=True)
    page.click("#ad-tgt-save")
    expect(page.locator("#ad-tgt-result")).to_contain_text("已保存 1 个单位的基数与目标")
    expect(cell).to_have_text("3500")
    wait_for_dash(page)

    from db.accounts.queries import admin_campaigns, baseline_rows

    with db_session(url) as s:
        shown = admin_campaigns(s)[0]["id"]  # the page opens on the newest campaign
        assert next(r for r in baseline_rows(s, shown) if r["code"] == "371302")["target_ents"] == 3500
    assert not console_errors


def test_brw036_admin_deactivates_a_reporter_and_resets_a_password(admin_server, page, console_errors):
    base, url = admin_server
    _admin_page(page, base, "/admin")
    row = page.locator('#ad-users tr[data-username="demo-lanshan"]')
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="停用").click()
    expect(page.locator("#ad-user-result")).to_have_text("已停用用户 demo-lanshan")
    expect(row).to_contain_text("停用")
    expect(row.get_by_role("button", name="启用")).to_be_visible()
    wait_for_dash(page)
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="重置密码").click()
    shown = page.locator("#ad-user-result .token")
    expect(shown).to_be_visible()
    expect(page.locator("#ad-user-result")).to_contain_text("只显示这一次")
    password = shown.inner_text()
    expect(page.locator("#ad-audit tbody tr").first).to_contain_text("user.password_reset")
    wait_for_dash(page)
    page.screenshot(path=str(SHOTS / "admin-users.png"), full_page=True)

    from db.accounts.auth import AuthError, authenticate
    from db.engine import make_engine, write_session

    engine = make_engine(url)
    try:
        with pytest.raises(AuthError, match="账户已停用"), write_session(engine) as s:
            authenticate(s, "demo-lanshan", password)
    finally:
        engine.dispose()
    assert len(password) == 16 and not console_errors
