"""Snapshots in the browser (issue 7): a leader takes one, opens it, exports it in the background.

Its own demo database and server (it writes snapshots), with its own background-job cache.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
    BROWSER_TIMEOUT_MS,
    build_demo_database,
    db_session,
    expect,
    serve,
    sign_in,
    wait_for_dash,
)


@pytest.fixture(scope="module")
def snap_server(tmp_path_factory):
    from app import create_app

    directory = tmp_path_factory.mktemp("snapshots")
    url = f"sqlite:///{directory / 'demo.db'}"
    build_demo_database(url)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "JOBS_DIR": str(directory / "jobs")})
    with serve(app) as base_url:
        yield base_url, url


def test_brw070_leader_snapshots_opens_and_exports(snap_server, page, tmp_path):
    from db import snapshots

    base, url = snap_server
    page.goto(f"{base}/?metric=filing_rate")
    wait_for_dash(page)
    page.click("#sn-overview-link")  # 生成快照 on the overview carries the filters
    expect(page.locator("#sn-title")).to_be_visible()
    expect(page.locator(".sn-filters-text")).to_contain_text("指标：备案率")
    page.fill("#sn-title", "周例会")
    page.fill("#sn-note", "请各县区关注备案")
    page.click("#sn-create")
    link = page.locator("#sn-new-link")
    expect(link).to_contain_text("周例会")
    with db_session(url) as s:
        listed, *demo = snapshots.listing(s)  # newest first; the demo's two meeting snapshots are dated 2017
        doc = snapshots.get(s, listed["id"])
    assert doc["filters"]["metric"] == "filing_rate" and doc["created_by"] == "demo-leader"
    assert [r["title"] for r in demo] == ["5月31日总结会", "5月19日调度会"]
    expect(page.locator(f'#sn-list tr[data-id="{listed["id"]}"]')).to_contain_text("周例会")

    link.click()
    expect(page.locator("#sn-stamp")).to_contain_text("数据截至 2017年5月31日")
    expect(page.locator(".sn-units tbody tr")).to_have_count(len(doc["units"]) + 1)  # + 全市合计
    # The export is a background callback (a job, then polls for its result): twice the usual bound.
    with page.expect_download(timeout=2 * BROWSER_TIMEOUT_MS) as download:
        page.click("button:has-text('导出 CSV')")
    path = tmp_path / "s.csv"
    download.value.save_as(path)
    assert download.value.suggested_filename == f"快照{listed['id']}-2017-05-31.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    expect(page.locator("#sn-export-result")).to_contain_text("已导出快照")


def test_brw071_reporter_sees_snapshots_but_cannot_take_one(snap_server, page):
    base, _ = snap_server
    page.goto_anonymous(f"{base}/login")
    sign_in(page, "demo-lanshan")
    page.goto(f"{base}/snapshots")
    wait_for_dash(page)
    expect(page.locator("h2")).to_contain_text("会议快照")
    expect(page.locator("#sn-list")).to_be_visible()  # the page has rendered: the absences below mean something
    expect(page.locator("#sn-create")).to_have_count(0)
    expect(page.locator("#sn-overview-link")).to_have_count(0)
