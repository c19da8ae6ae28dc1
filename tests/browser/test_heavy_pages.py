"""The long lists in Chromium: /review's queue approves three reports in one step; the follow-up
pages and the overview's panel follow the as-of date of the URL (?date=2017-04-14), not today;
the grids speak Chinese and keep the component count flat."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from dashboard import ids
from db.demo import DEMO_NAME
from db.models import Campaign
from db.models.followup import Evaluation, RefusalCase, WorkLog
from db.models.review import ReportReview
from db.submission import review
from tests.browser.conftest import build_demo_database, db_session, expect, serve, sign_in, wait_for_dash

APRIL14 = dt.date(2017, 4, 14)
ROWS = ".ag-center-cols-container .ag-row"

# Dash components in the rendered layout (the renderer's tree): what grows with table rows.
COMPONENTS_JS = """
() => {
    let n = 0;
    const walk = (x) => {
        if (Array.isArray(x)) { x.forEach(walk); return; }
        if (!x || typeof x !== "object") return;
        if (typeof x.type === "string" && typeof x.namespace === "string") n += 1;
        for (const v of Object.values(x.props || {})) walk(v);
    };
    const layout = window.store.getState().layout;
    walk(layout.components || layout);
    return n;
}
"""


@pytest.fixture
def writable_server(tmp_path_factory):
    """Its own demo database and server: this test approves reports."""
    from app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('review-db') / 'demo.db'}"
    build_demo_database(url)
    with serve(create_app({"DATABASE_URL": url, "TESTING": True})) as base_url:
        yield base_url, url


def test_hvy001_review_approves_three_at_once(writable_server, page, console_errors):
    base, url = writable_server
    with db_session(url) as s:
        cid = s.scalar(select(Campaign.id).where(Campaign.name == DEMO_NAME))
        queue = review.review_queue(s, cid)
        reviewed = s.scalar(select(func.count(ReportReview.id)))
    assert len(queue) > 20  # the demo's queue is long enough to page
    page.goto_anonymous(base + "/login")
    sign_in(page, "demo-admin")
    page.goto(base + "/review")
    wait_for_dash(page)
    grid = page.locator(f"#{ids.RV_GRID}")
    expect(page.locator(".rv-count")).to_contain_text(f"共 {len(queue)} 份报表待审核")
    expect(grid).to_contain_text("每页行数")  # ag-grid's own words in Chinese
    expect(grid).to_contain_text(f"共 {len(queue)}")
    assert page.evaluate(COMPONENTS_JS) < 200  # one grid, however long the queue
    size = page.evaluate(f"getComputedStyle(document.querySelector('#{ids.RV_GRID} .ag-cell')).fontSize")
    assert float(size.removesuffix("px")) >= 16, size

    three = [i["report_id"] for i in queue[:3]]
    for rid in three:
        grid.locator(f'.ag-row[row-id="{rid}"] .ag-selection-checkbox input').check()
    button = page.locator(f"#{ids.RV_ACCEPT_SELECTED}")
    expect(button).to_have_text("通过所选（3 份）")
    messages = []
    page.once("dialog", lambda d: (messages.append(d.message), d.accept()))
    button.click()
    expect(page.locator(f"#{ids.RV_RESULT}")).to_have_text("已通过 3 份报表")
    wait_for_dash(page)
    assert messages == ["确定通过所选的 3 份报表吗？任何一份不能通过时，全部不通过。"]
    expect(page.locator(".rv-count")).to_contain_text(f"共 {len(queue) - 3} 份报表待审核")
    for rid in three:
        expect(grid.locator(f'.ag-row[row-id="{rid}"]')).to_have_count(0)
    with db_session(url) as s:
        assert s.scalar(select(func.count(ReportReview.id))) == reviewed + 3
        assert {review.history_status(s, three)[i]["status"] for i in three} == {"accepted"}

    # 全选待审核 ticks every pending report (all pages of the grid).
    page.locator(f"#{ids.RV_SELECT_ALL}").click()
    expect(button).to_have_text(f"通过所选（{len(queue) - 3} 份）")
    assert not console_errors


def _expected_april(s, cid: int) -> dict:
    """Counted with plain SQL for 4月14日, not through the pages' code."""
    return {
        "logs": s.scalar(select(func.count(WorkLog.id)).where(WorkLog.campaign_id == cid, WorkLog.log_date <= APRIL14)),
        "evals": s.scalar(select(func.count(Evaluation.id)).where(Evaluation.campaign_id == cid,
                                                                  Evaluation.eval_date <= APRIL14)),
        "cases": s.scalar(select(func.count(RefusalCase.id)).where(RefusalCase.campaign_id == cid,
                                                                   RefusalCase.occurred_on <= APRIL14)),
        "all_cases": s.scalar(select(func.count(RefusalCase.id)).where(RefusalCase.campaign_id == cid)),
    }


def test_hvy002_everything_follows_the_as_of_date(live_server, demo_db_url, page, console_errors):
    with db_session(demo_db_url) as s:
        cid = s.scalar(select(Campaign.id).where(Campaign.name == DEMO_NAME))
        want = _expected_april(s, cid)
    assert 0 < want["cases"] < want["all_cases"]  # some cases were found after 4月14日

    # The overview's panel: 6月10日 summaries are not due yet on 4月14日, whatever arrived in June.
    page.goto(live_server + "/?date=2017-04-14")
    wait_for_dash(page)
    panel = page.locator(f"#{ids.AC_PANEL}")
    expect(panel).to_contain_text("截至 2017年4月14日")
    summary = panel.locator("td[data-col='summary']")
    expect(summary.first).to_have_text("未到期")
    assert set(summary.all_inner_texts()) == {"未到期"}
    expect(panel).to_contain_text("总结未到报送截止（23 个单位尚未报送）")

    # /summaries counts down to 6月10日 from 4月14日 (57 days), nobody has sent anything yet.
    page.goto(live_server + "/summaries?date=2017-04-14")
    wait_for_dash(page)
    countdown = page.locator(f"#{ids.SM_COUNTDOWN}")
    expect(countdown).to_contain_text("距 6月10日 报送截止还有 57 天")
    expect(countdown).to_contain_text("已报送书面总结 0 / 23 个单位")
    expect(countdown).not_to_contain_text("已过")
    states = page.locator(f"#{ids.SM_TABLE} .ag-center-cols-container [col-id='state']")
    expect(states).to_have_count(23)  # one grid row per unit, all 尚未报送
    assert set(states.all_inner_texts()) == {"尚未报送"}

    # /instructors: work logs up to 4月14日 only, in a grid with Chinese paging.
    page.goto(live_server + "/instructors?date=2017-04-14")
    wait_for_dash(page)
    expect(page.locator("h3", has_text="工作日志 ·")).to_contain_text(f"截至 2017年4月14日，共 {want['logs']} 条")
    logs = page.locator(f"#{ids.AC_IN_LOGS}")
    expect(logs).to_contain_text(f"共 {want['logs']}")
    expect(logs.locator(f"{ROWS} [col-id='date']").first).to_have_text("2017-04-14")
    assert page.evaluate(COMPONENTS_JS) < 250

    # /evaluation: evaluations up to 4月14日.
    page.goto(live_server + "/evaluation?date=2017-04-14")
    wait_for_dash(page)
    expect(page.locator("h3", has_text="评价记录")).to_contain_text(f"截至 2017年4月14日，共 {want['evals']} 条")

    # /supervision: cases found by 4月14日, with their status of that day.
    page.goto(live_server + "/supervision?date=2017-04-14")
    wait_for_dash(page)
    expect(page.locator("table.ac-cases tbody tr")).to_have_count(want["cases"])
    assert not [e for e in console_errors if "favicon" not in e]


def test_hvy003_a_clerk_lands_on_its_unit_with_the_returned_report_first(live_server, page, console_errors):
    from urllib.parse import urlsplit

    from db.demo.review import DEMO_RETURN_COMMENT, DEMO_RETURNED_UNIT

    page.goto_anonymous(live_server + "/")  # the login page, asked for the city overview
    sign_in(page, "demo-lanshan")
    page.wait_for_url(lambda url: urlsplit(url).path == f"/district/{DEMO_RETURNED_UNIT}")
    wait_for_dash(page)
    todo = page.locator(f"#{ids.D_TODO}")
    first = todo.locator(".todo-item").first
    expect(first).to_contain_text("被退回")
    expect(first).to_contain_text(DEMO_RETURN_COMMENT)
    assert first.locator("a").get_attribute("href").startswith("/submit/")
    # A shared link is kept: the overview still opens for a clerk who asks for it.
    page.goto(live_server + "/?date=2017-04-14")
    wait_for_dash(page)
    assert urlsplit(page.url).path == "/"
    expect(page.locator(f"#{ids.D_TODO}")).to_have_count(0)
    assert not [e for e in console_errors if "favicon" not in e]


def test_hvy004_a_clerk_takes_an_instructor_off_the_roster_from_the_grid(writable_server, page):
    from db.models import Unit
    from db.models.followup import Instructor

    base, url = writable_server
    page.goto_anonymous(base + "/login")
    sign_in(page, "demo-lanshan")
    page.goto(base + "/instructors?unit=371302")
    wait_for_dash(page)
    roster = page.locator(f"#{ids.AC_IN_ROSTER}")
    row = roster.locator(ROWS).first
    name = row.locator("[col-id='name']").inner_text()
    messages = []
    page.once("dialog", lambda d: (messages.append(d.message), d.accept()))
    row.locator("[col-id='action']").click()
    expect(page.locator(f"#{ids.AC_IN_RESULT}")).to_have_text("已移出在岗名册")
    assert messages and name in messages[0] and "移出在岗名册" in messages[0]
    with db_session(url) as s:
        lanshan = s.scalar(select(Unit.id).where(Unit.code == "371302"))
        assert s.scalar(select(Instructor.left_on).where(Instructor.name == name, Instructor.unit_id == lanshan))
