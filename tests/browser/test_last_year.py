"""同期 in Chromium: the overview's KPI cards and a district page set the chosen day against the same day
of the 2016 demo campaign. Expectations come from the database (db.queries) and are printed by hand with
domain.format, so the page's own tile builder is not trusted to check itself."""

from __future__ import annotations

import datetime as dt

from dashboard import ids
from db import queries
from domain.format import pct, thousands
from tests.browser.conftest import assert_eventually, db_session, default_view, expect, wait_for_dash, wait_for_map

AS_OF = dt.date(2017, 4, 14)
SAME_DAY = dt.date(2016, 4, 14)  # day 45 of both windows (1 March ..)
LANSHAN = "371302"
SHOTS = "/tmp"


def count_line(day: dt.date, now: int, then: int) -> str:
    change = (now - then) / then
    return f"同期（{day.year}年{day.month}月{day.day}日）{thousands(then)} 份，{'+' if change > 0 else '−'}{pct(abs(change))}"


def rate_line(day: dt.date, now: float, then: float) -> str:
    points = (now - then) * 100
    return (f"同期（{day.year}年{day.month}月{day.day}日）{pct(then)}，"
            f"{'+' if points > 0 else '−'}{pct(abs(now - then))[:-1]} 个百分点")


def yoy_text(page, scope: str, key: str) -> str:
    return " ".join(page.locator(f'{scope} [data-kpi-yoy="{key}"]').first.text_content().split())


def test_brw_yoy001_overview_offer_card_shows_last_year(live_server, demo_db_url, page):
    with db_session(demo_db_url) as s:
        campaign, last_date = default_view(s)
        prev = queries.previous_campaign(s, campaign["id"])
        assert prev is not None and prev["year"] == 2016, "the demo has no 2016 campaign"
        now = queries.city_metrics(s, campaign["id"], AS_OF)
        then = queries.city_metrics(s, prev["id"], SAME_DAY)
        final_now = queries.city_metrics(s, campaign["id"], last_date)
        final_then = queries.city_metrics(s, prev["id"], dt.date(2016, 5, 31))
    assert 0 < then["offer_copies"] != now["offer_copies"]

    page.goto(f"{live_server}/?campaign={campaign['id']}&date={AS_OF.isoformat()}")
    wait_for_dash(page)
    wait_for_map(page, ids.MAP)
    card = page.locator(f"#{ids.KPIS} .kpi").filter(has=page.locator('[data-kpi="offer_copies"]'))
    expect(card).to_contain_text("发出要约书")
    assert_eventually(lambda: yoy_text(page, f"#{ids.KPIS}", "offer_copies"),
                      count_line(SAME_DAY, now["offer_copies"], then["offer_copies"]))
    assert yoy_text(page, f"#{ids.KPIS}", "filing_rate") == rate_line(SAME_DAY, now["filing_rate"], then["filing_rate"])
    assert page.locator(f"#{ids.KPIS} [data-kpi-yoy]").count() == 7
    page.screenshot(path=f"{SHOTS}/brw-yoy-overview-1440x900.png")

    # The latest day (31 May) matches 2016's cut-off.
    page.goto(f"{live_server}/")
    wait_for_dash(page)
    assert_eventually(lambda: yoy_text(page, f"#{ids.KPIS}", "offer_copies"),
                      count_line(dt.date(2016, 5, 31), final_now["offer_copies"], final_then["offer_copies"]))


def test_brw_yoy002_first_campaign_has_no_last_year(live_server, demo_db_url, page):
    with db_session(demo_db_url) as s:
        campaign, _ = default_view(s)
        prev = queries.previous_campaign(s, campaign["id"])
    page.goto(f"{live_server}/?campaign={prev['id']}&date={SAME_DAY.isoformat()}")
    wait_for_dash(page)
    expect(page.locator(f'#{ids.KPIS} [data-kpi="offer_copies"]')).to_be_visible()
    assert page.locator("[data-kpi-yoy]").count() == 0


def test_brw_yoy003_district_shows_its_own_last_year(live_server, demo_db_url, page):
    with db_session(demo_db_url) as s:
        campaign, _ = default_view(s)
        prev = queries.previous_campaign(s, campaign["id"])
        now = queries.unit_metrics(s, campaign["id"], AS_OF).set_index("code").loc[LANSHAN]
        then = queries.unit_metrics(s, prev["id"], SAME_DAY).set_index("code").loc[LANSHAN]
    assert 0 < then["offer_copies"] != now["offer_copies"]

    response = page.goto(f"{live_server}/district/{LANSHAN}?campaign={campaign['id']}&date={AS_OF.isoformat()}")
    assert response is not None and response.status == 200
    wait_for_dash(page)
    box = page.locator(f"#{ids.D_LAST_YEAR}")
    expect(box).to_contain_text("与去年同期比较")
    expect(box.locator('[data-kpi-yoy="offer_copies"]')).to_contain_text(f"发出要约书 {thousands(now['offer_copies'])} 份")
    assert yoy_text(page, f"#{ids.D_LAST_YEAR}", "offer_copies").endswith(
        count_line(SAME_DAY, now["offer_copies"], then["offer_copies"]))
    assert yoy_text(page, f"#{ids.D_LAST_YEAR}", "ent_coverage").endswith(
        rate_line(SAME_DAY, now["ent_coverage"], then["ent_coverage"]))
    page.screenshot(path=f"{SHOTS}/brw-yoy-district-1440x900.png")
