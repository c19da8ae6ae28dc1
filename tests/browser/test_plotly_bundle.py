"""dcc.Graph draws with the partial plotly.js bundle (assets/vendor/plotly-app.min.js): the full
plotly.min.js (4.8 MB) is never requested, and every figure on the pages that draw charts (overview,
district, evaluation) keeps the trace types it was given. plotly.js draws a trace of a type it does not
have as a scatter, or not at all, so a type missing from the bundle shows as a changed type here."""

from __future__ import annotations

import pytest

from dashboard import ids
from dashboard.http import static
from tests.browser.conftest import wait_for_dash, wait_for_graph, wait_for_map

# Every drawn graph's input trace types (as given, scatter when absent) and the types plotly.js drew.
TRACE_TYPES_JS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).filter(gd => gd._fullData).map(gd => ({
    id: gd.parentElement && gd.parentElement.id || gd.id,
    given: (gd.data || []).map(t => t.type || 'scatter'),
    drawn: gd._fullData.map(t => t.type),
}))
"""


@pytest.fixture(scope="module")
def bundle_traces() -> set[str]:
    from tests.dashboard.figures.test_plotly_bundle import bundle_traces

    return bundle_traces()


def drawn_figures(page) -> list[dict]:
    figures = page.evaluate(TRACE_TYPES_JS)
    assert figures, "no figure drawn"
    return figures


def test_pb001_pages_draw_with_the_partial_bundle_and_never_load_the_full_one(
        live_server, page, requests_seen, console_errors, bundle_traces):
    page.goto(live_server + "/")
    wait_for_dash(page)
    wait_for_map(page, ids.MAP)
    wait_for_graph(page, ids.RANKING)
    # The bundle this page runs is the partial one, with exactly its trace types and the zh-CN locale
    registered = page.evaluate("() => Object.keys(Plotly.PlotSchema.get().traces).sort()")
    assert set(registered) == bundle_traces, registered
    assert page.evaluate("() => window.Plotly.version") == static_version()
    assert page.evaluate("() => window.dashboardPlotly.early"), "plotly.js did not start with the first callbacks"
    # dcc.Graph's own loader (used when a graph mounts before the first callback started the bundle)
    # gets the partial bundle too, whatever dash-renderer set
    assert f"/assets/{static.PLOTLY_BUNDLE}?m=" in page.evaluate("() => window._dashPlotlyJSURL")
    seen = set()
    for path, graph in (("/", ids.MAP), ("/district/371302", ids.D_TREND), ("/evaluation", ids.AC_EV_SMALL)):
        if path != "/":
            page.goto(live_server + path)
            wait_for_dash(page)
            wait_for_graph(page, graph)
        for figure in drawn_figures(page):
            assert figure["drawn"] == figure["given"], f"{path}: {figure}"
            seen.update(figure["given"])
    # Not vacuous: the pages drew the map, bars, the radar and the score grid
    assert {"choroplethmap", "bar", "scatterpolar", "heatmap"} <= seen, seen
    assert seen <= bundle_traces
    plotly_requests = [u for u in requests_seen if "plotly" in u and ".js" in u]
    assert any(f"/assets/{static.PLOTLY_BUNDLE}?m=" in u for u in plotly_requests), plotly_requests
    assert not [u for u in requests_seen if "plotly.min.js" in u], plotly_requests
    assert not console_errors, console_errors


def static_version() -> str:
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def test_pb002_a_page_without_charts_does_not_run_plotly(live_server, page):
    page.goto(live_server + "/supervision")
    wait_for_dash(page)
    assert page.locator(".js-plotly-plot").count() == 0
    assert page.evaluate("() => typeof window.Plotly") == "undefined"
    assert page.evaluate("() => window.dashboardPlotly.early") is False
    # and a chart page reached from there (client-side, as the app navigates) draws with the partial bundle
    page.evaluate("() => { history.pushState({}, '', '/'); window.dispatchEvent(new PopStateEvent('popstate')); }")
    wait_for_dash(page)
    wait_for_map(page, ids.MAP)
    assert page.evaluate("() => window.Plotly.version") == static_version()
