"""Issue 6 in Chromium: the overview's action panel shows for 兰山区 what the database holds, and its
links open the right pages filtered to 兰山区; a reporter registers a refusal case and moves it on."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from dashboard import ids
from db.followup import instructors as instructors_db
from db.models import Unit
from db.models.followup import Instructor, RefusalCase, WorkLog
from tests.browser.conftest import (
    build_demo_database,
    db_session,
    default_view,
    expect,
    serve,
    sign_in,
    wait_for_dash,
    wait_for_graph,
)

LANSHAN = "371302"
PANEL_ROW = f"#{ids.AC_PANEL} tr[data-unit='{LANSHAN}']"


def cell(page, col: str):
    return page.locator(f"{PANEL_ROW} td[data-col='{col}']")


def expected_lanshan(s, campaign_id: int, as_of: dt.date) -> dict:
    """Counted here with plain SQL, not through the panel's own code."""
    unit_id = s.scalar(select(Unit.id).where(Unit.code == LANSHAN))
    staffed = s.scalar(select(func.count(Instructor.id)).where(
        Instructor.campaign_id == campaign_id, Instructor.unit_id == unit_id, Instructor.since <= as_of,
        (Instructor.left_on.is_(None)) | (Instructor.left_on > as_of)))
    recent = s.scalar(select(func.count(WorkLog.id)).where(
        WorkLog.campaign_id == campaign_id, WorkLog.unit_id == unit_id,
        WorkLog.log_date > as_of - dt.timedelta(days=14), WorkLog.log_date <= as_of))
    cases = s.execute(select(RefusalCase.status, RefusalCase.deadline).where(
        RefusalCase.campaign_id == campaign_id, RefusalCase.unit_id == unit_id)).all()
    required = instructors_db.staffing(s, campaign_id, as_of)[LANSHAN]["required"]
    return {"staffed": staffed, "required": required, "recent": recent, "cases": len(cases),
            "open": sum(st != "已整改" for st, _ in cases),
            "overdue": sum(st == "督促整改" and d < as_of for st, d in cases)}


def test_act001_overview_panel_shows_lanshan_and_links_open_its_pages(live_server, demo_db_url, page, console_errors):
    with db_session(demo_db_url) as s:
        campaign, as_of = default_view(s)
        want = expected_lanshan(s, campaign["id"], as_of)
        try:
            from db.cases.typical import case_counts
        except ImportError:
            case_counts = None
        cases = case_counts(s, campaign["id"])[LANSHAN] if case_counts else None
    # The demo's story for 兰山区 (db/demo/followup.py), so the test cannot pass on empty data.
    assert (want["staffed"], want["required"], want["open"], want["overdue"]) == (4, 4, 2, 1)
    assert want["recent"] > 0

    page.goto(live_server + "/")
    wait_for_dash(page)
    expect(cell(page, "staff")).to_have_text(f"{want['staffed']}/{want['required']}")
    expect(cell(page, "activity")).to_have_text(f"近 14 天 {want['recent']} 条")
    expect(cell(page, "refusals")).to_have_text(f"{want['open']} 起未结，{want['overdue']} 起逾期")
    expect(cell(page, "evaluation")).to_contain_text("弱项 协商效果")
    if cases is not None:
        expect(cell(page, "cases")).to_contain_text(f"{cases['total']} 个")
    else:
        expect(cell(page, "cases")).to_have_text("—")
    for col, path in (("cases", "/cases"), ("staff", "/instructors"), ("activity", "/instructors"),
                      ("evaluation", "/evaluation"), ("refusals", "/supervision"), ("summary", "/summaries")):
        href = cell(page, col).locator("a").get_attribute("href")
        assert urlsplit(href).path == path and parse_qs(urlsplit(href).query)["unit"] == [LANSHAN], (col, href)

    # 指导员: the roster and logs of 兰山区 only, phones masked.
    cell(page, "staff").locator("a").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/instructors")
    wait_for_dash(page)
    assert parse_qs(urlsplit(page.url).query)["unit"] == [LANSHAN]
    roster = page.locator(f"#{ids.AC_IN_ROSTER} .ag-center-cols-container .ag-row")
    expect(roster).to_have_count(5)  # 4 on the roster and one who left on 4月20日
    assert set(roster.locator("[col-id='unit']").all_inner_texts()) == {"兰山区"}
    for phone in roster.locator("[col-id='phone']").all_inner_texts():
        assert len(phone) == 11 and phone[3:7] == "****", phone
    expect(page.locator(f"#{ids.AC_UNIT_FILTER}")).to_contain_text("兰山区")
    expect(page.locator(".ac-short")).to_have_text("尚未配齐：蒙阴县（缺 2 人）、平邑县（缺 1 人）")

    # 监督检查: back on the overview, the refusal cell opens 兰山区's cases, the overdue one highlighted.
    page.go_back()
    wait_for_dash(page)
    cell(page, "refusals").locator("a").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/supervision")
    wait_for_dash(page)
    rows = page.locator("table.ac-cases tbody tr")
    expect(rows).to_have_count(want["cases"])
    assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.unit)")) == {LANSHAN}
    expect(page.locator("table.ac-cases tbody tr.ac-overdue")).to_have_count(want["overdue"])

    # 实效评价: the unit's own radar against the city.
    page.go_back()
    wait_for_dash(page)
    cell(page, "evaluation").locator("a").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/evaluation")
    wait_for_dash(page)
    expect(page.locator("h3", has_text="兰山区：实效评价与全市平均")).to_be_visible()
    expect(page.locator(".ac-weakest")).to_contain_text("最弱维度：协商效果")
    wait_for_graph(page, ids.AC_EV_RADAR)
    # The tabs between the three pages keep the unit; the top bar's 行动 link opens the first.
    page.locator(f"#{ids.AC_TABS}").get_by_role("link", name="监督检查").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/supervision")
    wait_for_dash(page)
    assert parse_qs(urlsplit(page.url).query)["unit"] == [LANSHAN]
    expect(page.locator("table.ac-cases tbody tr")).to_have_count(want["cases"])
    expect(page.locator(f"#{ids.AC_NAV}")).to_have_attribute("href", "/instructors")
    assert not [e for e in console_errors if "favicon" not in e]


@pytest.fixture
def writable_server(tmp_path_factory):
    """Its own demo database and server: this test writes."""
    from app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('action-db') / 'demo.db'}"
    build_demo_database(url)
    with serve(create_app({"DATABASE_URL": url, "TESTING": True})) as base_url:
        yield base_url, url


def test_act002_reporter_registers_a_case_and_rectifies_it(writable_server, page):
    base, url = writable_server
    page.goto_anonymous(base + "/login")
    sign_in(page, "demo-lanshan")
    page.goto(base + "/supervision")
    wait_for_dash(page)
    expect(page.locator(f"#{ids.AC_RF_UNIT}")).to_contain_text("兰山区")  # fixed to the reporter's unit
    page.fill(f"#{ids.AC_RF_ENTERPRISE}", "临沂测试机械有限公司")
    page.click(f"#{ids.AC_RF_KIND}")
    page.get_by_role("option", name="变相拒绝协商").click()
    page.fill(f"#{ids.AC_RF_DATE}", "2017-05-20")
    page.fill(f"#{ids.AC_RF_DEADLINE}", "2017-05-25")
    page.fill(f"#{ids.AC_RF_DESC}", "协商时拒不提供工资数据")
    page.click(f"#{ids.AC_RF_ADD}")
    expect(page.locator(f"#{ids.AC_RF_RESULT}")).to_have_text("已登记案件：临沂测试机械有限公司（督促整改）")
    wait_for_dash(page)
    row = page.locator("table.ac-cases tbody tr", has_text="临沂测试机械有限公司")
    expect(row).to_have_class("ac-overdue")  # deadline 5月25日 passed at the demo's 5月31日
    expect(row).to_contain_text("逾期 6 天")
    row.get_by_role("button", name="改为已整改").click()
    expect(page.locator(f"#{ids.AC_RF_STATUS_RESULT}")).to_have_text("案件已改为“已整改”")
    # The page shows 5月31日 (the demo's last report): rectified today, the case was still open then.
    row = page.locator("table.ac-cases tbody tr", has_text="临沂测试机械有限公司")
    expect(row.locator(".ac-now")).to_have_text("现为“已整改”")
    expect(row).to_have_attribute("data-status", "督促整改")
    expect(row.get_by_role("button")).to_have_count(0)  # nothing left to move it to
    with db_session(url) as s:
        case = s.scalar(select(RefusalCase).where(RefusalCase.enterprise == "临沂测试机械有限公司"))
        assert case is not None and case.status == "已整改" and case.created_by == "demo-lanshan"
    # Other units' cases have no buttons for this reporter.
    other = page.locator("table.ac-cases tbody tr[data-unit='371311']").first
    expect(other.locator("button")).to_have_count(0)
