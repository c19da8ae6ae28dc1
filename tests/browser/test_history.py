"""Back and Forward: the controls and the figures follow the URL, so a link copied afterwards
shares what is on the screen."""

from __future__ import annotations

from dashboard import ids
from domain.metrics import DEFAULT_METRIC, label
from tests.browser.conftest import expect, wait_for_dash
from tests.browser.test_overview import open_overview, pick_metric, query_of

MAP_HOVER_JS = """(id) => {
    const gd = document.querySelector(`[id="${id}"] .js-plotly-plot`);
    return gd && gd._fullData && gd._fullData[0].hovertemplate;
}"""


def map_shows(page, label: str) -> None:
    page.wait_for_function(f"(id) => ({MAP_HOVER_JS})(id).includes({label!r})", arg=ids.MAP)


def test_brw008_back_and_forward_move_the_controls_and_the_map(live_server, page):
    default_label = label(DEFAULT_METRIC)
    open_overview(page, live_server)
    map_shows(page, default_label)

    pick_metric(page, "备案率")
    page.wait_for_url(lambda url: query_of(url).get("metric") == ["filing_rate"])
    wait_for_dash(page)
    map_shows(page, "备案率")

    page.go_back()
    page.wait_for_url(lambda url: "metric" not in query_of(url))
    wait_for_dash(page)
    expect(page.locator(f"#{ids.METRIC} input:checked")).to_have_value(DEFAULT_METRIC)
    map_shows(page, default_label)
    assert "metric" not in query_of(page.url)  # and the controls did not push their old state back

    page.go_forward()
    page.wait_for_url(lambda url: query_of(url).get("metric") == ["filing_rate"])
    wait_for_dash(page)
    expect(page.locator(f"#{ids.METRIC} input:checked")).to_have_value("filing_rate")
    map_shows(page, "备案率")
