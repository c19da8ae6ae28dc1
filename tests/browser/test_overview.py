"""The overview `/` in Chromium: KPIs against the database, offline requests, the metric switch as a
partial map update, drill-down state and the back button, live refresh, layout at two sizes, the
whole city inside the map.

Expectations are computed from the database with db.queries and printed with domain.format, the
same way a reader would check a figure by hand; the page is only read, never trusted.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from dashboard import ids, labels
from dashboard.geo import bounds, city_geojson
from db import queries
from domain.format import pct, thousands
from tests.browser.conftest import (
    BROWSER_TIMEOUT_MS,
    assert_all_local,
    assert_eventually,
    build_demo_database,
    db_session,
    default_view,
    expect,
    map_page_xy,
    point_inside,
    serve,
    wait_for_dash,
    wait_for_graph,
    wait_for_map,
)

COUNT_KPIS = ("offer_copies", "signed_copies", "filed_copies")  # shown as "2,662 份"
RATE_KPIS = ("sign_rate", "filing_rate", "ent_coverage")  # shown as "93.5%"
KPIS = COUNT_KPIS + RATE_KPIS
UPDATE = "/_dash-update-component"
POLL_OUTPUT = f"{ids.DATA_VERSION}.data"  # the live check's output: it answers 204 when nothing changed
NO_DATA_TEXT = "未报送"  # what the map's hover says for a unit without a figure


# ------------------------------------------------------------------------------------------ helpers


def expected_kpis(city: dict) -> dict[str, str]:
    """The KPI texts for a db.queries.city_metrics row."""
    shown = {k: f"{thousands(city[k])} 份" for k in COUNT_KPIS}
    shown.update({k: pct(city[k]) for k in RATE_KPIS})
    return shown


def shown_kpis(page) -> dict[str, str | None]:
    """The text of every `[data-kpi=<key>]` value element, whitespace collapsed (None if absent)."""
    texts = page.evaluate(
        """(keys) => Object.fromEntries(keys.map(k => {
            const el = document.querySelector(`[data-kpi="${k}"]`);
            return [k, el ? el.textContent : null];
        }))""",
        list(KPIS),
    )
    return {k: " ".join(v.split()) if v is not None else None for k, v in texts.items()}


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def path_of(url: str) -> str:
    return urlsplit(url).path


def callback_output(response) -> str:
    """The `output` field of a `_dash-update-component` request ("" for anything else)."""
    if UPDATE not in response.url:
        return ""
    try:
        body = response.request.post_data_json or {}
    except ValueError:
        return ""
    return str(body.get("output", ""))


def open_overview(page, base_url: str, query: str = "") -> None:
    response = page.goto(f"{base_url}/{query}")
    assert response is not None and response.status == 200
    wait_for_dash(page)
    wait_for_map(page, ids.MAP)


# What the map's traces hold as geometry: the GeoJSON URL, or the number of embedded features.
GEOMETRY_JS = """(id) => {
    const gd = document.querySelector(`[id="${id}"] .js-plotly-plot`);
    return gd.data.map(t => typeof t.geojson === "string" ? t.geojson : (t.geojson && t.geojson.features.length));
}"""


def pick_date(page, day: dt.date, shown_month: dt.date) -> None:
    """Open the as-of date picker (showing `shown_month`), page back to `day`'s month, click the day."""
    page.locator(f"#{ids.AS_OF}").click()
    for _ in range((shown_month.year - day.year) * 12 + shown_month.month - day.month):
        page.locator("button.dash-datepicker-month-nav[aria-label='Previous month']").click()
    page.locator("td.dash-datepicker-calendar-date-inside[aria-disabled='false']").filter(
        has=page.locator("span", has_text=re.compile(rf"^{day.day}$"))).click()


def pick_metric(page, label: str) -> None:
    page.locator(f"#{ids.METRIC} label", has_text=label).click()


# -------------------------------------------------------------------------------------------- tests


def test_brw001_kpis_equal_database(live_server, demo_db_url, page):
    with db_session(demo_db_url) as s:
        campaign, as_of = default_view(s)
        city = queries.city_metrics(s, campaign["id"], as_of)
    # The demo ran in 2017, so the default as-of is the campaign's last report date, not today.
    assert str(campaign["last_report_date"])[:10] == as_of.isoformat()
    assert city["offer_copies"] > 0 and city["sign_rate"] is not None, "the demo has no figures to compare"

    open_overview(page, live_server)

    # The page is on the same campaign and date as the expectation ...
    expect(page.locator(f"#{ids.TIME_BAR}")).to_contain_text(f"截至 {labels.short_date(as_of)}")
    # ... and shows the database's figures, formatted as domain.format prints them.
    assert_eventually(lambda: shown_kpis(page), expected_kpis(city))


def test_brw003_every_request_is_local(live_server, page, requests_seen, requests_blocked):
    open_overview(page, live_server)

    pick_metric(page, "备案率")
    page.wait_for_url(lambda url: query_of(url).get("metric") == ["filing_rate"])
    wait_for_dash(page)
    wait_for_map(page, ids.MAP)

    link = page.locator(f"#{ids.LAGGING} a.lag-link").first
    code = path_of(link.get_attribute("href")).rsplit("/", 1)[-1]
    link.click()
    page.wait_for_url(lambda url: path_of(url) == f"/district/{code}")
    wait_for_dash(page)
    wait_for_graph(page, ids.D_TREND)

    # Not vacuous: the page, plotly.js (with MapLibre) and the callbacks were all requested.
    assert any(UPDATE in u for u in requests_seen)
    assert any("plotly" in path_of(u) and path_of(u).endswith(".js") for u in requests_seen)
    assert_all_local(requests_seen)
    assert requests_blocked == [], f"the route block refused: {requests_blocked}"


def test_brw004_metric_switch_patches_map(live_server, demo_db_url, page):
    with db_session(demo_db_url) as s:
        campaign, as_of = default_view(s)
        units = queries.unit_metrics(s, campaign["id"], as_of)
    filing = {
        u.adcode: pct(u.filing_rate) if u.filing_rate is not None and u.last_report_date is not None else NO_DATA_TEXT
        for u in units.itertuples(index=False)
        if isinstance(u.adcode, str) and u.adcode
    }
    assert len(filing) == 12, "expected the 12 county-level units on the map"

    open_overview(page, live_server)
    geometry_before = page.evaluate(GEOMETRY_JS, ids.MAP)
    assert geometry_before, "the map has no geometry"
    with page.expect_response(lambda r: f"{ids.MAP}.figure" in callback_output(r)) as info:
        pick_metric(page, "备案率")
    response = info.value
    assert response.status == 200

    # The map was recoloured by a Patch: values and labels travel, the geometry stays in the browser.
    figure = response.json()["response"][ids.MAP]["figure"]
    assert "__dash_patch_update" in figure, f"the map got a whole figure, not a patch: {list(figure)[:5]}"
    size = len(json.dumps(figure, ensure_ascii=False).encode())
    assert size < 10_000, f"the map's patch is {size} bytes"
    touched = [op["location"] for op in figure["operations"]]
    assert not [loc for loc in touched if "geojson" in loc or loc in (["data"], ["data", 0], ["data", 1])], touched

    page.wait_for_url(lambda url: query_of(url).get("metric") == ["filing_rate"])
    wait_for_dash(page)
    page.wait_for_function(
        """(id) => {
            const gd = document.querySelector(`[id="${id}"] .js-plotly-plot`);
            return gd && gd._fullData && gd._fullData[0].hovertemplate.includes("备案率");
        }""",
        arg=ids.MAP,
    )
    drawn = page.evaluate(
        """(id) => {
            const gd = document.querySelector(`[id="${id}"] .js-plotly-plot`);
            const trace = gd._fullData[0];
            return {
                values: Object.fromEntries(trace.locations.map((loc, i) => [loc, trace.customdata[i][2]])),
            };
        }""",
        ids.MAP,
    )
    assert drawn["values"] == filing
    assert page.evaluate(GEOMETRY_JS, ids.MAP) == geometry_before, "the patch changed the map's geometry"

    # And a real hover over 兰陵县 reads its 备案率 (so the shapes are still drawn, too).
    lon, lat = point_inside(city_geojson(tuple(sorted(filing))), "371324")
    x, y = map_page_xy(page, ids.MAP, lon, lat)
    page.mouse.move(x, y)
    expect(page.locator(f"#{ids.MAP} .hoverlayer .hovertext").first).to_contain_text(f"备案率：{filing['371324']}")


def test_brw005_drilldown_keeps_date_and_back_restores_it(live_server, demo_db_url, page):
    with db_session(demo_db_url) as s:
        campaign, latest = default_view(s)
        dates = queries.report_dates(s, campaign["id"])
        chosen = max(d for d in dates if d <= latest - dt.timedelta(days=14))
        city = queries.city_metrics(s, campaign["id"], chosen)
        latest_city = queries.city_metrics(s, campaign["id"], latest)
    want = expected_kpis(city)
    assert want != expected_kpis(latest_city), "pick a date whose figures differ from the latest"

    open_overview(page, live_server)
    pick_date(page, chosen, latest)
    page.wait_for_url(lambda url: query_of(url).get("date") == [chosen.isoformat()])
    wait_for_dash(page)
    expect(page.locator(f"#{ids.AS_OF}")).to_have_value(labels.date_cn(chosen))
    assert_eventually(lambda: shown_kpis(page), want, message="the KPIs did not follow the chosen date")

    link = page.locator(f"#{ids.LAGGING} a.lag-link").first
    code = path_of(link.get_attribute("href")).rsplit("/", 1)[-1]
    link.click()
    page.wait_for_url(lambda url: path_of(url) == f"/district/{code}")
    assert query_of(page.url).get("date") == [chosen.isoformat()], page.url
    wait_for_dash(page)
    # The district page is at the chosen date too, not the latest.
    expect(page.locator(f"#{ids.D_BODY}")).to_contain_text(f"截至 {labels.date_cn(chosen)}")

    page.go_back()
    page.wait_for_url(lambda url: path_of(url) == "/")
    expect(page.locator(f"#{ids.KPIS}")).to_be_visible()
    wait_for_dash(page)
    assert query_of(page.url).get("date") == [chosen.isoformat()], page.url
    expect(page.locator(f"#{ids.AS_OF}")).to_have_value(labels.date_cn(chosen))
    assert_eventually(lambda: shown_kpis(page), want)


# ---------------------------------------------------------------------------------- live refresh

REFRESH_UNIT = "371302"  # 兰山区: reports every week up to the cut-off
REFRESH_DATE = dt.date(2017, 6, 5)  # after its last report, before the 6月10日 deadline
REFRESH_STEP = 7  # added to every cell: keeps every validation rule (equal copies/ents, stage order, ...)


@pytest.fixture
def refresh_server(tmp_path_factory):
    """Its own demo database and server, polling every second: this test writes to the database."""
    from app import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('live-refresh-db') / 'demo.db'}"
    build_demo_database(url)
    with serve(create_app({"DATABASE_URL": url, "LIVE_INTERVAL_MS": 1000, "TESTING": True})) as base_url:
        yield base_url, url


def submit_more(url: str) -> dict:
    """Submit REFRESH_UNIT's figures of its last report plus REFRESH_STEP everywhere, dated REFRESH_DATE.

    Returns the city's metrics at that date afterwards."""
    from db.engine import make_engine
    from db.submission.store import submit
    from domain.measures import MEASURES
    from domain.validation import Submission

    with db_session(url) as s:
        campaign, as_of = default_view(s)
        history = queries.report_history(s, campaign["id"], REFRESH_UNIT)
        lines = queries.line_totals(s, campaign["id"], as_of, REFRESH_UNIT)
    assert max(history["report_date"]) < REFRESH_DATE <= campaign["deadline"]
    figures = {row["kind"]: {m: int(row[m]) + REFRESH_STEP for m in MEASURES} for row in lines.to_dict("records")}
    engine = make_engine(url)
    try:
        submit(
            engine,
            Submission(
                campaign["id"],
                REFRESH_UNIT,
                REFRESH_DATE,
                figures,
                leader="浏览器测试",
                filled_by="浏览器测试",
                submitted_by="brw006",
            ),
        )
    finally:
        engine.dispose()
    with db_session(url) as s:
        campaign, as_of = default_view(s)
        assert as_of == REFRESH_DATE
        return queries.city_metrics(s, campaign["id"], as_of)


def test_brw006_live_refresh_without_reload(refresh_server, page):
    base_url, db_url = refresh_server
    updates: list[tuple[int, str]] = []
    page.on("response", lambda r: updates.append((r.status, callback_output(r))) if UPDATE in r.url else None)
    open_overview(page, base_url)
    before = shown_kpis(page)["offer_copies"]
    page.evaluate("() => { window.__brw006_same_document = true; }")

    # While nothing changes, each live check answers 204 and sets nothing else off.
    quiet_from = len(updates)
    for _ in range(3):
        with page.expect_response(lambda r: POLL_OUTPUT in callback_output(r), timeout=BROWSER_TIMEOUT_MS) as info:
            pass
        assert info.value.status == 204, f"an unchanged database answered {info.value.status}"
    quiet = updates[quiet_from:]
    assert quiet and all(status == 204 and POLL_OUTPUT in output for status, output in quiet), quiet

    city = submit_more(db_url)
    after = f"{thousands(city['offer_copies'])} 份"
    assert after != before
    page.wait_for_function(
        """(want) => {
            const el = document.querySelector('[data-kpi="offer_copies"]');
            return el && el.textContent.trim() === want;
        }""",
        arg=after,
    )
    assert page.evaluate("() => window.__brw006_same_document === true"), "the page was reloaded"
    assert any(status == 200 and POLL_OUTPUT in output for status, output in updates), "no live check saw the change"
    wait_for_dash(page)
    assert_eventually(lambda: shown_kpis(page), expected_kpis(city))


# ---------------------------------------------------------------------------------------- layout


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)], ids=["1366x768", "390x844"])
def test_brw007_layout_fits_without_horizontal_scroll(live_server, page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_overview(page, live_server)
    wait_for_graph(page, ids.OFFMAP)
    shot = f"/tmp/brw-overview-{width}x{height}.png"
    page.screenshot(path=shot, full_page=True)

    canvas = page.locator(f"#{ids.MAP} canvas.maplibregl-canvas")
    expect(canvas).to_be_visible()
    box = canvas.bounding_box()
    assert box and box["width"] >= min(300, width - 60) and box["height"] >= 300, f"map canvas {box} ({shot})"

    cards = page.locator("[data-kpi]")
    expect(cards, f"expected 7 KPI cards ({shot})").to_have_count(7)
    for i in range(7):
        card = cards.nth(i)
        expect(card).to_be_visible()
        b = card.bounding_box()
        assert b and b["x"] >= 0 and b["x"] + b["width"] <= width + 1, f"KPI {i} at {b} leaves the viewport ({shot})"

    scroll_width, inner_width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if scroll_width > inner_width + 1:
        wide = page.evaluate(
            """(w) => Array.from(document.querySelectorAll('body *'))
                .filter(el => el.getBoundingClientRect().right > w + 1)
                .slice(0, 8).map(el => `${el.tagName}#${el.id}.${el.className} right=${el.getBoundingClientRect().right}`)""",
            inner_width,
        )
        pytest.fail(
            f"horizontal overflow: scrollWidth {scroll_width} > innerWidth {inner_width} ({shot}); widest: {wide}"
        )


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (1366, 768),
        (1440, 900),
        (390, 844),
    ],
    ids=["1366x768", "1440x900", "390x844"],
)
def test_brw011_map_shows_the_whole_city(live_server, demo_db_url, page, width, height):
    with db_session(demo_db_url) as s:
        campaign, as_of = default_view(s)
        units = queries.unit_metrics(s, campaign["id"], as_of)
    fc = city_geojson(tuple(sorted(a for a in units["adcode"] if isinstance(a, str) and a)))
    lon_min, lat_min, lon_max, lat_max = bounds(fc)

    page.set_viewport_size({"width": width, "height": height})
    open_overview(page, live_server)
    view = page.evaluate(
        """([id, west, south, east, north]) => {
            const gd = document.querySelector(`[id="${id}"] .js-plotly-plot`);
            const map = gd._fullLayout.map._subplot.map;
            const canvas = map.getCanvas().getBoundingClientRect();
            const bar = gd.querySelector("g.colorbar");
            const barLeft = bar ? bar.getBoundingClientRect().left - canvas.left : canvas.width;
            const nw = map.project([west, north]), se = map.project([east, south]);
            return {left: nw.x, top: nw.y, right: se.x, bottom: se.y,
                    width: canvas.width, height: canvas.height, barLeft};
        }""",
        [ids.MAP, lon_min, lat_min, lon_max, lat_max],
    )
    # Every county is drawn inside the canvas, and none under the colour bar.
    assert view["left"] >= 0 and view["top"] >= 0 and view["bottom"] <= view["height"], view
    assert view["right"] <= view["barLeft"], view


def test_brw012_back_from_a_fresh_overview_leaves_the_app(live_server, page):
    page.goto(live_server + "/")  # signs in; the login page is now in this tab's history
    fresh = page.context.new_page()  # same cookies, empty history: as a leader opening a bookmark
    try:
        response = fresh.goto(live_server + "/")
        assert response is not None and response.status == 200 and urlsplit(fresh.url).path == "/"
        wait_for_dash(fresh)
        fresh.go_back()
        assert urlsplit(fresh.url).netloc == "", f"Back from a freshly opened overview stayed in the app: {fresh.url}"
    finally:
        fresh.close()


def test_brw060_a_ranking_bar_drills_down_like_the_map(live_server, page):
    """Click the third bar of 单位排名: its unit's page opens, with the metric of the overview kept."""
    open_overview(page, live_server, "?metric=filing_rate")
    wait_for_graph(page, ids.RANKING)
    codes = page.evaluate(f"""() => document.querySelector('#{ids.RANKING} .js-plotly-plot').data[0].customdata""")
    bar = page.locator(f"#{ids.RANKING} .barlayer .point").nth(2)
    bar.click(force=True)  # plotly's drag layer lies over the bars; the click still reaches the point
    page.wait_for_url(lambda url: path_of(url).startswith("/district/"))
    assert path_of(page.url) == f"/district/{codes[2]}"
    assert query_of(page.url).get("metric") == ["filing_rate"]
