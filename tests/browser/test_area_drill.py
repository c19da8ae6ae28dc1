"""Drill-down across levels on a nation demo: the national leader clicks 全国 → 山东省 → 临沂市 →
兰山区 on the maps; breadcrumbs and URL follow, campaign/date/metric stay in the URL, Back walks
back up, and nothing leaves 127.0.0.1. Also: a provincial leader's `/` is their province, and
another province is forbidden to them.

The nation demo (db/demo/scale.py, about a minute on SQLite) is built once for this module, and the
boundaries of only the three areas drilled through are prepared (dashboard/geo_areas.build, only=).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard import ids
from tests.browser.conftest import (
    assert_all_local,
    expect,
    map_page_xy,
    point_inside,
    serve,
    wait_for_dash,
    wait_for_map,
)
from tests.http_helpers import prepared_boundaries

NATION, SHANDONG, LINYI, LANSHAN = "100000", "370000", "371300", "371302"


@pytest.fixture(scope="module")
def nation_server(tmp_path_factory):
    from app import create_app
    from db.demo.scale import build_scale_demo
    from db.engine import make_engine
    from db.migrate import upgrade

    tmp = tmp_path_factory.mktemp("nation")
    url = f"sqlite:///{tmp / 'nation.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        build_scale_demo(engine, "nation")
    finally:
        engine.dispose()
    with prepared_boundaries(tmp / "geo", [NATION, SHANDONG, LINYI]) as geo_dir:
        with serve(create_app({"DATABASE_URL": url, "TESTING": True})) as base:
            yield base, geo_dir


def sign_in_as(page, base: str, username: str, password: str) -> None:
    page.goto_anonymous(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def crumbs(page) -> list[str]:
    return [t.strip() for t in page.locator(f"#{ids.BREADCRUMBS} .crumb").all_inner_texts()]


def linked_crumbs(page) -> list[str]:
    return [t.strip() for t in page.locator(f"#{ids.BREADCRUMBS} a.crumb").all_inner_texts()]


def click_child(page, geo_dir, area: str, child: str) -> None:
    """Click the map of `area` inside the shape of `child` (the same stored file the page draws)."""
    from dashboard import geo_areas

    lon, lat = point_inside(geo_areas.children_geojson(area, geo_dir), child)
    wait_for_dash(page)
    wait_for_map(page, ids.MAP)
    x, y = map_page_xy(page, ids.MAP, lon, lat)
    page.mouse.click(x, y)


def at(path: str):
    """A wait_for_url predicate: this path, and the metric chosen on the first page still in the query."""
    def check(url: str) -> bool:
        parts = urlsplit(url)
        return parts.path == path and parse_qs(parts.query).get("metric") == ["filing_rate"]
    return check


def test_area_brw001_drill_from_nation_to_a_county_by_clicking_the_maps(nation_server, page, requests_seen):
    base, geo_dir = nation_server
    sign_in_as(page, base, "demo-nation", "nation-2017-demo")
    page.goto(base + "/?metric=filing_rate")
    wait_for_dash(page)
    expect(page.locator(f"#{ids.BREADCRUMBS}")).to_have_text("全国")
    expect(page.locator(f"#{ids.AREA_REPORTED}")).to_contain_text("已报送")

    click_child(page, geo_dir, NATION, SHANDONG)
    page.wait_for_url(at(f"/area/{SHANDONG}"))
    expect(page.locator(f"#{ids.BREADCRUMBS}")).to_contain_text("山东省")
    assert crumbs(page) == ["全国", "山东省"] and linked_crumbs(page) == ["全国"]
    href = page.locator(f"#{ids.BREADCRUMBS} a.crumb").first.get_attribute("href")
    assert at(f"/area/{NATION}")(base + href)  # the link keeps the query string

    click_child(page, geo_dir, SHANDONG, LINYI)
    page.wait_for_url(at(f"/area/{LINYI}"))
    expect(page.locator(f"#{ids.BREADCRUMBS}")).to_contain_text("临沂市")
    assert crumbs(page) == ["全国", "山东省", "临沂市"] and linked_crumbs(page) == ["全国", "山东省"]
    expect(page.locator(f"#{ids.METRIC} input:checked")).to_have_value("filing_rate")

    click_child(page, geo_dir, LINYI, LANSHAN)  # a county: its own page
    page.wait_for_url(at(f"/district/{LANSHAN}"))
    wait_for_dash(page)
    expect(page.locator(f"#{ids.D_HEADER}")).to_have_text("兰山区")

    # Back walks back up, level by level.
    for path, trail in ((f"/area/{LINYI}", ["全国", "山东省", "临沂市"]), (f"/area/{SHANDONG}", ["全国", "山东省"]),
                        ("/", ["全国"])):
        page.go_back()
        page.wait_for_url(at(path))
        expect(page.locator(f"#{ids.BREADCRUMBS} .crumb-current")).to_have_text(trail[-1])
        assert crumbs(page) == trail
    assert_all_local(requests_seen)
    assert any(f"/geo/area/{SHANDONG}.geojson" in u for u in requests_seen)


def test_area_brw002_a_provincial_leader_sees_only_the_province(nation_server, page, requests_seen):
    base, _geo_dir = nation_server
    sign_in_as(page, base, "demo-shandong", "shandong-2017-demo")
    page.goto(base + "/")
    wait_for_dash(page)
    expect(page.locator(f"#{ids.BREADCRUMBS}")).to_contain_text("山东省")
    assert crumbs(page) == ["全国", "山东省"] and linked_crumbs(page) == []  # nothing above the scope is a link
    page.goto(base + "/area/440000")  # 广东省
    expect(page.locator(".forbidden")).to_be_visible()
    page.goto(base + f"/area/{LINYI}")
    expect(page.locator(f"#{ids.BREADCRUMBS}")).to_contain_text("临沂市")
    assert linked_crumbs(page) == ["山东省"]
    assert_all_local(requests_seen)
