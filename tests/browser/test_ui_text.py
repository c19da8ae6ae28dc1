"""What every page says in the browser: the Plotly toolbar in Chinese and with nothing that leaves
the site, a title per page, Chinese placeholders, the date picker limited to the report dates."""

from __future__ import annotations

import re

from dashboard import ids
from tests.browser.conftest import assert_all_local, expect, wait_for_dash, wait_for_graph, wait_for_map

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_brw030_modebar_is_chinese_and_stays_on_site(live_server, page, requests_seen, requests_blocked):
    page.goto(live_server + "/")
    wait_for_dash(page)
    wait_for_map(page, ids.MAP)
    wait_for_graph(page, ids.RANKING)
    page.locator(f"#{ids.RANKING} .js-plotly-plot").hover()
    expect(page.locator(f"#{ids.RANKING} .modebar")).to_be_visible()

    titles = page.eval_on_selector_all(".modebar-btn", "els => els.map(e => e.getAttribute('data-title'))")
    assert titles, "no modebar buttons"
    assert "下载图表为PNG格式" in titles, titles  # plotly.js's zh-CN dictionary, in the bundle served from assets/
    english = [t for t in titles if not CJK.search(t or "")]
    assert not english, f"modebar titles not in Chinese: {english}"
    assert not [t for t in titles if "Chart Studio" in (t or "")], titles

    # The rendered page (not the Dash config blob, which names dash's own version-check URL, unused here).
    html = page.inner_html("#react-entry-point").lower()
    assert "plotly.com" not in html and "chart-studio" not in html and "chart studio" not in html
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    assert_all_local(hrefs)
    assert any("/assets/vendor/plotly-app.min.js" in u for u in requests_seen), "plotly.js was not served from assets/"
    assert_all_local(requests_seen)
    assert requests_blocked == []


def test_brw031_dropdown_search_box_is_chinese(live_server, page):
    page.goto(live_server + "/")
    wait_for_dash(page)
    page.locator(f"#{ids.CAMPAIGN}").click()
    search = page.locator("input[placeholder='搜索']")
    expect(search.first).to_be_visible()
    assert page.locator("input[placeholder='Search']").count() == 0
    assert "Search" not in page.inner_text("body")


def test_brw032_each_page_has_its_own_title(live_server, page):
    app = "工资集体协商“集中要约”行动监测"
    page.goto(live_server + "/")
    wait_for_dash(page)
    expect(page).to_have_title(f"总览 · {app}")
    page.goto(live_server + "/district/371302")
    wait_for_dash(page)
    expect(page).to_have_title(f"兰山区 · {app}")
    page.locator(".topbar a", has_text="快照").first.click()
    wait_for_dash(page)
    expect(page).to_have_title(f"会议快照 · {app}")


def test_brw033_as_of_is_a_date_picker_of_report_dates(live_server, demo_db_url, page):
    import datetime as dt

    from db import queries
    from tests.browser.conftest import db_session, default_view
    from tests.browser.test_overview import pick_date, query_of

    with db_session(demo_db_url) as s:
        campaign, latest = default_view(s)
        dates = queries.report_dates(s, campaign["id"])
    page.goto(live_server + "/")
    wait_for_dash(page)
    picker = page.locator(f"#{ids.AS_OF}")
    expect(picker).to_have_attribute("placeholder", re.compile("^最新"))
    picker.click()
    # The calendar opens on the latest report's month; only that month's report dates can be clicked.
    enabled = page.locator("td.dash-datepicker-calendar-date-inside[aria-disabled='false']").all_inner_texts()
    assert sorted(int(t) for t in enabled) == [d.day for d in dates if (d.year, d.month) == (latest.year, latest.month)]
    page.keyboard.press("Escape")
    chosen = next(d for d in reversed(dates) if (d.year, d.month) != (latest.year, latest.month))
    pick_date(page, chosen, latest)
    page.wait_for_url(lambda url: query_of(url).get("date") == [chosen.isoformat()])
    wait_for_dash(page)
    expect(picker).to_have_value(f"{chosen.year}年{chosen.month}月{chosen.day}日")
    assert isinstance(chosen, dt.date)
