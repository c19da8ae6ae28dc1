"""The district page `/district/<code>` in Chromium: reached by a real click on the map, its attachment
table against the database, a unit that never reported, an unknown code, and its layout."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from dashboard import ids
from dashboard.geo import city_geojson
from db import queries
from domain.format import thousands
from domain.measures import LINE_KINDS, MEASURES
from tests.browser.conftest import (
    assert_eventually,
    db_session,
    default_view,
    expect,
    map_page_xy,
    point_inside,
    wait_for_dash,
    wait_for_graph,
)

LANLING = "371324"  # 兰陵县
NEVER_REPORTED = "KF03"  # 临沂临港经济开发区: the demo's unit that never reports


def path_of(url: str) -> str:
    return urlsplit(url).path


def attachment_rows(page) -> dict[str, list[str]]:
    """kind (single / regional / industry / total) -> the nine cells' text of table.attachment."""
    return page.evaluate(
        """() => Object.fromEntries(
            Array.from(document.querySelectorAll('table.attachment tr[data-kind]')).map(tr => [
                tr.dataset.kind, Array.from(tr.querySelectorAll('td')).map(td => td.textContent.trim()),
            ]))"""
    )


def expected_rows(lines) -> dict[str, list[str]]:
    """The attachment table as domain.format prints db.queries.line_totals (three rows and their total)."""
    by_kind = lines.set_index("kind")
    rows = {kind: [thousands(int(by_kind.loc[kind, m])) for m in MEASURES] for kind in LINE_KINDS}
    rows["total"] = [thousands(int(by_kind[m].sum())) for m in MEASURES]
    return rows


def open_district(page, base_url: str, code: str) -> None:
    response = page.goto(f"{base_url}/district/{code}")
    assert response is not None and response.status == 200
    wait_for_dash(page)


def test_brw002_map_click_opens_district(live_server, demo_db_url, page):
    with db_session(demo_db_url) as s:
        campaign, as_of = default_view(s)
        units = queries.unit_metrics(s, campaign["id"], as_of)
        lines = queries.line_totals(s, campaign["id"], as_of, LANLING)
        name = queries.unit(s, LANLING)["name"]
    assert name == "兰陵县"
    assert int(lines["offer_copies"].sum()) > 0, "兰陵县 has no figures in the demo"
    # The same collection the overview draws (dashboard.pages.overview.map_geojson).
    fc = city_geojson(tuple(sorted(a for a in units["adcode"] if isinstance(a, str) and a)))
    lon, lat = point_inside(fc, LANLING)

    page.goto(live_server + "/")
    wait_for_dash(page)
    x, y = map_page_xy(page, ids.MAP, lon, lat)
    # The pixel is over 兰陵县 (a wrong projection would hover another county or nothing).
    page.mouse.move(x, y)
    expect(page.locator(f"#{ids.MAP} .hoverlayer .hovertext").first).to_contain_text(name)
    page.mouse.click(x, y)

    page.wait_for_url(lambda url: path_of(url) == f"/district/{LANLING}")
    wait_for_dash(page)
    expect(page.locator(f"#{ids.D_HEADER}")).to_have_text(name)
    assert_eventually(lambda: attachment_rows(page), expected_rows(lines))


def test_brw008_unit_that_never_reported(live_server, demo_db_url, page):
    with db_session(demo_db_url) as s:
        campaign, _ = default_view(s)
        unit = queries.unit(s, NEVER_REPORTED)
        history = queries.report_history(s, campaign["id"], NEVER_REPORTED)
    assert unit is not None and unit["name"] == "临沂临港经济开发区"
    assert history.empty, "KF03 has reports in the demo: pick another never-reported unit"

    open_district(page, live_server, NEVER_REPORTED)  # the page fixture fails on any 5xx answer
    wait_for_graph(page, ids.D_TREND)

    expect(page.locator(f"#{ids.D_HEADER}")).to_have_text(unit["name"])
    body = page.locator(f"#{ids.D_BODY}")
    expect(body).to_contain_text("尚未报送")
    expect(body).to_contain_text("尚无报送记录")
    expect(body).not_to_contain_text("不存在")
    assert_eventually(lambda: attachment_rows(page), {kind: ["0"] * len(MEASURES) for kind in (*LINE_KINDS, "total")})


def test_brw009_unknown_unit_says_it_does_not_exist(live_server, page):
    open_district(page, live_server, "NOPE")

    body = page.locator(f"#{ids.D_BODY}")
    expect(body).to_contain_text("单位 NOPE 不存在")
    expect(page.locator("table.attachment")).to_have_count(0)
    back = body.get_by_role("link")
    expect(back).to_have_count(1)
    assert path_of(back.get_attribute("href")) == "/"


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)], ids=["1366x768", "390x844"])
def test_brw010_district_layout_fits(live_server, page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_district(page, live_server, LANLING)
    wait_for_graph(page, ids.D_TREND)
    shot = f"/tmp/brw-district-{width}x{height}.png"
    page.screenshot(path=shot, full_page=True)

    expect(page.locator("table.attachment")).to_be_visible()
    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width + 1, f"horizontal overflow: {scroll_width} > {inner_width} ({shot})"
