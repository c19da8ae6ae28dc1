"""A provincial leader's snapshots in the browser (issue 13, item 7): the 山东省 scale demo, its own server.

demo-shandong takes a snapshot of 临沂市 from /snapshots?area=371300, opens a snapshot of 山东省 and sees
its 16 cities (and 山东省直系统) in the table and the cities on the map, and exports it as Excel."""

from __future__ import annotations

import io

import pytest

from tests.browser.conftest import BROWSER_TIMEOUT_MS, expect, serve, wait_for_dash, wait_for_map
from tests.http_helpers import prepared_boundaries

PASSWORD = "shandong-2017-demo"


@pytest.fixture(scope="module")
def province_server(tmp_path_factory):
    from app import create_app
    from db import hierarchy, snapshots
    from db.demo.scale import build_scale_demo
    from db.engine import make_engine, write_session
    from db.migrate import upgrade

    directory = tmp_path_factory.mktemp("province-snapshots")
    url = f"sqlite:///{directory / 'province.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_scale_demo(engine, "province")
    with write_session(engine) as s:
        cid, as_of = snapshots.default_view(s)
        sid = snapshots.create(s, campaign_id=cid, as_of=as_of, metric="ent_coverage", title="全省调度会",
                               actor="demo-shandong", area_id=hierarchy.area(s, "370000").id).id
    engine.dispose()
    with prepared_boundaries(directory / "geo", ["370000", "371300"]):  # 山东省's cities, 临沂市's counties
        app = create_app({"DATABASE_URL": url, "TESTING": True, "JOBS_DIR": str(directory / "jobs")})
        with serve(app) as base_url:
            yield base_url, url, sid


def _sign_in(page, base: str) -> None:
    page.goto_anonymous(f"{base}/login")
    page.fill("input[name=username]", "demo-shandong")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")


def test_brw080_province_snapshot_lists_its_cities(province_server, page, tmp_path):
    from openpyxl import load_workbook

    from db import snapshots
    from tests.browser.conftest import db_session

    base, url, sid = province_server
    _sign_in(page, base)
    page.goto_anonymous(f"{base}/snapshots?area=371300")
    wait_for_dash(page)
    expect(page.locator(".sn-filters-text")).to_contain_text("临沂市")
    page.fill("#sn-title", "临沂调度会")
    page.click("#sn-create")
    expect(page.locator("#sn-new-link")).to_contain_text("临沂调度会")
    with db_session(url) as s:
        newest = snapshots.listing(s)[0]
    assert newest["area_name"] == "临沂市" and newest["created_by"] == "demo-shandong"

    page.goto_anonymous(f"{base}/snapshot/{sid}")
    expect(page.locator("#sn-stamp")).to_contain_text("数据截至 2017年5月31日")
    expect(page.locator(".sn-area")).to_have_text("山东省")
    rows = page.locator(".sn-units tbody tr")
    expect(rows).to_have_count(17 + 1)  # 16 cities, 山东省直系统, 全省合计
    expect(rows.last).to_contain_text("全省合计")
    expect(page.locator('.sn-units tr[data-code="371300"]')).to_contain_text("临沂市")
    wait_for_map(page, "sn-map")
    drawn = page.evaluate("() => document.getElementById('sn-map').querySelector('.js-plotly-plot')"
                          ".data[0].locations.length")
    assert drawn == 16
    page.screenshot(path=str(tmp_path / "province-snapshot.png"))
    with page.expect_download(timeout=2 * BROWSER_TIMEOUT_MS) as download:
        page.click("button:has-text('导出 Excel')")
    path = tmp_path / "p.xlsx"
    download.value.save_as(path)
    names = load_workbook(io.BytesIO(path.read_bytes())).sheetnames
    assert names[:3] == ["全省合计", "各市汇总", "济南市"] and names[-2:] == ["全部县区", "快照信息"]
