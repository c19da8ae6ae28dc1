"""Submission and review in a real browser, on its own server and database (these tests write):
兰山区's reporter fills the grid, previews, confirms and sees the new version; an upload with an
error names the cell; an admin returns the report; the reporter sees the comment."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from db.models import Report, ReportLine, Unit
from domain.measures import MEASURES
from tests.browser.conftest import (
    assert_all_local,
    build_demo_database,
    db_session,
    expect,
    serve,
    sign_in,
    wait_for_dash,
)

DAY = dt.date(2017, 6, 7)
COMMENT = "区域行发出要约覆盖企业数比上周多 5 家，请附名单后重新报送"


@pytest.fixture
def submit_server(tmp_path_factory):
    from app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('submit-db') / 'demo.db'}"
    build_demo_database(url)
    with serve(create_app({"DATABASE_URL": url, "TESTING": True})) as base_url:
        yield base_url, url


def _lanshan_last(url: str) -> dict:
    with db_session(url) as s:
        unit_id = s.scalar(select(Unit.id).where(Unit.code == "371302"))
        report = s.scalars(select(Report).where(Report.unit_id == unit_id)
                           .order_by(Report.report_date.desc(), Report.version.desc())).first()
        lines = s.scalars(select(ReportLine).where(ReportLine.report_id == report.id)).all()
        return {ln.kind: {m: getattr(ln, m) for m in MEASURES} for ln in lines}


def _edit(page, kind: str, measure: str, value: int) -> None:
    cell = page.locator(f'#su-grid .ag-row[row-id="{kind}"] .ag-cell[col-id="{measure}"]')
    cell.click()
    # The keys go to whatever has the focus: wait until the grid has focused this cell.
    expect(cell).to_have_class(re.compile(r"\bag-cell-focus\b"))
    page.keyboard.press("Control+A")
    page.keyboard.type(str(value))
    page.keyboard.press("Enter")
    expect(cell).to_have_text(str(value))
    wait_for_dash(page)


def _switch_user(page, base: str, username: str) -> None:
    page.click(".topbar .logout")
    page.wait_for_url("**/login")
    sign_in(page, username)
    wait_for_dash(page)


def test_brw050_reporter_submits_through_the_grid_admin_returns_reporter_sees_comment(
        submit_server, page, requests_seen, console_errors, tmp_path):
    base, url = submit_server
    last = _lanshan_last(url)
    page.goto_anonymous(base + "/login")
    sign_in(page, "demo-lanshan")
    wait_for_dash(page)
    page.locator(".topbar .nav", has_text="填报").click()
    expect(page.locator("h2.page-title")).to_have_text("数据填报")
    wait_for_dash(page)
    expect(page.locator("#su-unit")).to_contain_text("兰山区（371302）")

    page.fill("#su-date", DAY.isoformat())
    wait_for_dash(page)
    expect(page.locator("#su-correction")).to_have_text("")  # nothing reported for 6月7日 yet
    # The grid is prefilled with the last report; the clerk adds five enterprises to 区域.
    first = page.locator('#su-grid .ag-row[row-id="regional"] .ag-cell[col-id="offer_ents"]')
    expect(first).to_have_text(str(last["regional"]["offer_ents"]))
    new_value = last["regional"]["offer_ents"] + 5
    _edit(page, "regional", "offer_ents", new_value)

    page.click("#su-preview-btn")
    preview = page.locator(".su-preview")
    expect(preview).to_contain_text("预览：兰山区 截至 2017年6月7日（将保存为第 1 版）")
    expect(preview).to_contain_text(f"区域 · 发出要约覆盖企业数：{last['regional']['offer_ents']:,} → {new_value:,}（+5）")
    expect(preview.locator('td[data-kind="regional"][data-measure="offer_ents"]')).to_contain_text("+5")
    with db_session(url) as s:  # previewed, not stored
        assert s.scalar(select(Report.id).where(Report.report_date == DAY)) is None

    page.click("#su-confirm")
    expect(page.locator("#su-result")).to_contain_text("已提交：兰山区 截至 2017年6月7日 第 1 版，等待管理员审核。")
    wait_for_dash(page)
    newest = page.locator("#su-history tbody tr").first
    expect(newest).to_contain_text("2017年6月7日")
    expect(newest).to_contain_text("待审核")
    expect(page.locator("#su-correction")).to_contain_text("本次提交为更正，将保存为第 2 版")
    with db_session(url) as s:
        report = s.scalars(select(Report).where(Report.report_date == DAY)).one()
        regional = s.scalars(select(ReportLine).where(ReportLine.report_id == report.id,
                                                      ReportLine.kind == "regional")).one()
        assert (report.version, report.source, report.submitted_by, regional.offer_ents) == (
            1, "web", "demo-lanshan", new_value)
        report_id = report.id

    # An uploaded workbook with an error: the cell is named, nothing is offered for confirmation.
    from db.submission.xlsx_template import workbook_bytes

    bad = {k: dict(v) for k, v in last.items()}
    bad["regional"]["signed_workers"] = bad["regional"]["offer_workers"] + 1
    path = tmp_path / "兰山区-统计表.xlsx"
    path.write_bytes(workbook_bytes(unit_name="兰山区总工会", figures=bad))
    page.fill("#su-date", "2017-06-09")
    wait_for_dash(page)
    page.set_input_files("#su-upload input[type=file]", str(path))
    issues = page.locator(".su-cell-issues")
    expect(issues).to_contain_text("G6")
    expect(issues).to_contain_text("区域 · 签订合同覆盖职工数")
    expect(page.locator("#su-confirm")).to_have_count(0)

    # The admin returns the report with a comment.
    _switch_user(page, base, "demo-admin")
    page.goto(base + "/review")
    wait_for_dash(page)
    expect(page.locator(".rv-count")).to_contain_text("待审核")
    page.click("#rv-unit")
    page.get_by_role("option", name="兰山区（371302）").click()
    wait_for_dash(page)
    page.locator(f'#rv-grid .ag-row[row-id="{report_id}"] [col-id="unit"]').click()  # opens its card
    card = page.locator(f'.rv-item[data-report-id="{report_id}"]')
    expect(card).to_contain_text("兰山区（371302） 截至 2017年6月7日 第 1 版")
    card.locator(".rv-return").click()
    expect(page.locator("#rv-result")).to_contain_text("退回报表须填写退回意见")
    card.locator(".rv-comment").fill(COMMENT)
    card.locator(".rv-return").click()
    expect(page.locator("#rv-result")).to_contain_text(f"已退回报表（编号 {report_id}）")
    expect(page.locator(f'.rv-item[data-report-id="{report_id}"]')).to_have_count(0)
    wait_for_dash(page)

    # The reporter sees the comment and can resubmit, prefilled.
    _switch_user(page, base, "demo-lanshan")
    page.goto(base + "/submit")
    wait_for_dash(page)
    returned = page.locator(f'#su-returned li[data-report-id="{report_id}"]')
    expect(returned).to_contain_text(COMMENT)
    expect(returned).to_contain_text("已退回")
    returned.locator(".su-resubmit").click()
    wait_for_dash(page)
    expect(page.locator("#su-date")).to_have_value(DAY.isoformat())
    expect(page.locator('#su-grid .ag-row[row-id="regional"] .ag-cell[col-id="offer_ents"]')).to_have_text(
        str(new_value))
    expect(page.locator("#su-correction")).to_contain_text("将保存为第 2 版")

    assert_all_local(requests_seen)
    assert any("dash_ag_grid" in u and u.startswith(base) for u in requests_seen)  # the grid's JS, served here
    assert not console_errors


def test_brw051_an_oversized_workbook_is_refused_in_the_browser_with_its_size(submit_server, page, console_errors,
                                                                            tmp_path):
    """Past the upload limit (5 MB) the server refuses the callback body unread (413, which dash-renderer
    does not show); the browser says why instead, and nothing is offered for confirmation."""
    base, _ = submit_server
    page.goto_anonymous(base + "/login")
    sign_in(page, "demo-lanshan")
    wait_for_dash(page)
    page.goto(base + "/submit")
    wait_for_dash(page)
    path = tmp_path / "很大的统计表.xlsx"
    path.write_bytes(b"\0" * (12 * 1024 * 1024))
    page.set_input_files("#su-upload input[type=file]", str(path))
    preview = page.locator("#su-preview")
    expect(preview).to_contain_text("文件“很大的统计表.xlsx”大小 12.0 MB，超过上限 5.0 MB，未上传")
    expect(page.locator("#su-confirm")).to_have_count(0)


def test_brw052_the_date_defaults_to_the_cut_off_not_the_deadline(live_server, demo_db_url, page):
    """Long after the campaign a clerk who only uploads must not create a post-campaign report:
    截至 starts at 统计截止 (5月31日), not 报送截止 (6月10日)."""
    from tests.browser.conftest import default_view

    with db_session(demo_db_url) as s:
        campaign, _ = default_view(s)
    assert campaign["cutoff_date"] < campaign["deadline"] < dt.date.today()
    page.goto_anonymous(live_server + "/login")
    sign_in(page, "demo-lanshan")
    wait_for_dash(page)
    page.goto(live_server + "/submit")
    wait_for_dash(page)
    expect(page.locator("#su-date")).to_have_value(campaign["cutoff_date"].isoformat())
