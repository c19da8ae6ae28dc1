"""What a room reads off the overview without a mouse, in Chromium: county names drawn on the map
(offline), the colour classes named on the map, one legend entry per case colour, the coverage
target on its card, the time bar's legend, and values that are neither cut off nor drawn over
names, on a 1280×720 projector and a 390 px phone.

Expectations come from the database (db.queries) and the figure builders' own rules; the page is
only read.
"""

from __future__ import annotations

import pytest

from dashboard import ids
from db import queries
from domain.format import pct, thousands
from tests.browser.conftest import (
    assert_eventually,
    db_session,
    default_view,
    wait_for_dash,
    wait_for_graph,
    wait_for_map,
)

PROJECTOR = {"width": 1280, "height": 720}
PHONE = {"width": 390, "height": 844}

# The text MapLibre has placed on the map (symbols), read back from the map itself.
_MAP_TEXT_JS = """
(graphId) => {
    const gd = document.querySelector(`[id="${graphId}"] .js-plotly-plot`);
    const map = gd._fullLayout.map._subplot.map;
    const seen = new Set();
    for (const f of map.queryRenderedFeatures()) {
        if (f.layer && f.layer.type === "symbol") {
            const field = f.layer.layout && f.layer.layout["text-field"];
            const text = (f.properties && (f.properties.text || f.properties.label)) || "";
            seen.add(String(text || field || ""));
        }
    }
    return Array.from(seen).filter(Boolean).sort();
}
"""

# Boxes (page pixels) of the SVG texts of a plotly graph: y tick labels, bar texts, scatter texts,
# annotations; and the graph's own box.
_TEXT_BOXES_JS = """
(graphId) => {
    const root = document.querySelector(`[id="${graphId}"] .js-plotly-plot`);
    const box = (el) => { const r = el.getBoundingClientRect();
                          return {x0: r.left, x1: r.right, y0: r.top, y1: r.bottom, text: el.textContent}; };
    const all = (sel) => Array.from(root.querySelectorAll(sel)).filter((e) => e.textContent.trim()).map(box);
    return {
        graph: box(root.querySelector(".main-svg")),
        ticks: all(".yaxislayer-above .ytick text"),
        values: [...all(".bars .bartext"), ...all(".scatterlayer .textpoint text")],
        notes: all(".annotation-text"),
    };
}
"""


def _overlap(a: dict, b: dict, slack: float = 0.5) -> bool:
    return a["x0"] < b["x1"] - slack and b["x0"] < a["x1"] - slack and a["y0"] < b["y1"] - slack \
        and b["y0"] < a["y1"] - slack


def _inside(a: dict, outer: dict, slack: float = 1.0) -> bool:
    return a["x0"] >= outer["x0"] - slack and a["x1"] <= outer["x1"] + slack


def _open(page, live_server, path: str, size: dict) -> None:
    page.set_viewport_size(size)
    page.goto(f"{live_server}{path}")
    wait_for_dash(page)


def _county_names(demo_db_url) -> list[str]:
    with db_session(demo_db_url) as s:
        campaign, as_of = default_view(s)
        units = queries.unit_metrics(s, campaign["id"], as_of)
    return sorted(n for n, a in zip(units["name"], units["adcode"], strict=True) if isinstance(a, str) and a)


@pytest.mark.parametrize("size", [PROJECTOR, PHONE], ids=["projector", "phone"])
def test_leg001_county_names_are_drawn_on_the_map_offline(live_server, demo_db_url, page, requests_seen, size):
    _open(page, live_server, "/", size)
    wait_for_map(page, ids.MAP)
    page.locator(f'[id="{ids.MAP}"]').scroll_into_view_if_needed()
    wait_for_map(page, ids.MAP)
    names = _county_names(demo_db_url)
    assert len(names) == 12
    placed = lambda: page.evaluate(_MAP_TEXT_JS, ids.MAP)  # noqa: E731
    if size is PROJECTOR:
        # Every name placed by MapLibre (none dropped for colliding, none missing a glyph).
        assert_eventually(placed, names, message="not every county name was drawn on the map")
    else:
        # A phone's map is small: MapLibre may drop a name that would overprint another; most stay.
        page.wait_for_function(f"(g) => ({_MAP_TEXT_JS})(g).length >= 8", arg=ids.MAP)
        assert set(placed()) <= set(names)
    # No glyph or tile request: MapLibre drew the Chinese names with the page's own font.
    assert not [u for u in requests_seen if ".pbf" in u or "glyph" in u or "font" in u.lower()]


def test_leg002_case_colours_each_have_a_legend_entry(live_server, page):
    _open(page, live_server, "/", PROJECTOR)
    wait_for_map(page, ids.MAP)
    shown = page.evaluate(
        """(graphId) => {
            const gd = document.querySelector(`[id="${graphId}"] .js-plotly-plot`);
            const markers = gd._fullData.find((t) => t.name === "典型" && t.mode === "markers");
            const legend = Array.from(gd.querySelectorAll(".legend .traces")).map((el) => ({
                text: el.querySelector(".legendtext").textContent,
                colour: getComputedStyle(el.querySelector(".legendpoints path")).fill,
            }));
            const rgb = (hex) => { const n = parseInt(hex.slice(1), 16);
                                   return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`; };
            return {dots: Array.from(new Set(markers.marker.color.map(rgb))).sort(), legend};
        }""",
        ids.MAP,
    )
    case_entries = [e for e in shown["legend"] if e["text"].startswith("典型·")]
    assert len(shown["dots"]) >= 2, "the demo has cases at more than one stage"
    assert sorted(e["colour"] for e in case_entries) == shown["dots"], shown
    assert len({e["text"] for e in case_entries}) == len(case_entries)


def test_leg003_colour_bar_names_its_classes(live_server, page):
    _open(page, live_server, "/", PROJECTOR)
    wait_for_map(page, ids.MAP)
    bar = page.evaluate(
        """(graphId) => {
            const gd = document.querySelector(`[id="${graphId}"] .js-plotly-plot`);
            return {title: Array.from(gd.querySelectorAll(".colorbar .cbtitle text")).map((t) => t.textContent).join(" "),
                    ticks: Array.from(gd.querySelectorAll(".colorbar text")).filter((t) => !t.closest(".cbtitle"))
                                .map((t) => t.textContent)};
        }""",
        ids.MAP,
    )
    assert "企业覆盖率" in bar["title"] and "自然分档" in bar["title"], bar
    # Up to five classes, each named by the whole percents in it, lowest first.
    assert 2 <= len(bar["ticks"]) <= 5 and all("%" in t for t in bar["ticks"]), bar
    # On the demo, the twelve counties (33%–45% and one at 16%) take at least four colours.
    colours = page.evaluate(
        """(graphId) => {
            const gd = document.querySelector(`[id="${graphId}"] .js-plotly-plot`);
            return gd._fullData[0].z.filter((z) => z !== null);
        }""",
        ids.MAP,
    )
    assert len(set(colours)) >= 4


def test_leg004_coverage_card_names_its_target_and_the_time_bar_its_marks(live_server, demo_db_url, page):
    with db_session(demo_db_url) as s:
        campaign, as_of = default_view(s)
        city = queries.city_metrics(s, campaign["id"], as_of)
    _open(page, live_server, "/", PROJECTOR)
    target = page.locator('[data-kpi-target="ent_coverage"]')
    assert target.inner_text().strip() == f"目标 {pct(city['target_ents'] / city['baseline_ents'])}"
    assert f"目标 {thousands(city['target_ents'])} 家" in target.get_attribute("title")
    assert target.is_visible()
    legend = page.locator(f'[id="{ids.TIME_BAR}"] .tb-legend')
    assert legend.is_visible()
    text = legend.inner_text()
    assert "条形" in text and "竖线" in text and "应达进度" in text
    # The two keys look like the two marks they explain.
    fill, key = (page.evaluate(f"getComputedStyle(document.querySelector('{sel}')).backgroundColor")
                 for sel in (".tb-fill", ".tb-key-fill"))
    assert fill == key


@pytest.mark.parametrize("size", [PROJECTOR, PHONE], ids=["projector", "phone"])
@pytest.mark.parametrize("graph", [ids.RANKING, ids.OFFMAP])
def test_leg005_values_neither_cut_off_nor_over_names(live_server, page, size, graph):
    """进度差 has the longest values and negative ones ("落后 6.3" of 临沂矿业集团 ran over its name)."""
    _open(page, live_server, "/?metric=pace", size)
    wait_for_graph(page, graph)
    page.locator(f'[id="{graph}"]').scroll_into_view_if_needed()
    boxes = page.evaluate(_TEXT_BOXES_JS, graph)
    assert boxes["ticks"] and boxes["values"]
    for value in boxes["values"]:
        assert _inside(value, boxes["graph"]), f"{value['text']} is cut off at the chart's edge"
        for tick in boxes["ticks"]:
            assert not _overlap(value, tick), f"{value['text']} is drawn over {tick['text']}"
    for tick in boxes["ticks"]:
        assert _inside(tick, boxes["graph"]), f"{tick['text']} is cut off"


def test_leg006_progress_end_labels_do_not_collide(live_server, page):
    _open(page, live_server, "/", PROJECTOR)
    wait_for_graph(page, ids.PROGRESS)
    notes = page.evaluate(_TEXT_BOXES_JS, ids.PROGRESS)["notes"]
    assert len(notes) >= 2
    for i, a in enumerate(notes):
        for b in notes[i + 1:]:
            assert not _overlap(a, b), f"{a['text']} and {b['text']} overprint"


def test_leg007_action_table_scrolls_on_a_phone_instead_of_clipping(live_server, page):
    _open(page, live_server, "/", PHONE)
    table = page.locator(".table-scroll .ac-table").first
    table.scroll_into_view_if_needed()
    info = page.evaluate(
        """() => {
            const wrap = document.querySelector(".table-scroll");
            const heads = Array.from(wrap.querySelectorAll(".ac-table thead th"));
            return {scroll: wrap.scrollWidth, client: wrap.clientWidth,
                    narrowest: Math.min(...heads.map((h) => h.getBoundingClientRect().width))};
        }"""
    )
    # Wider than the phone and scrollable, with columns wide enough for a few characters each.
    assert info["scroll"] > info["client"], info
    assert info["narrowest"] >= 48, info
    # Scrolled to the end, the last column is whole and the unit column is still in view.
    page.evaluate("() => { const w = document.querySelector('.table-scroll'); w.scrollLeft = w.scrollWidth; }")
    edges = page.evaluate(
        """() => {
            const wrap = document.querySelector(".table-scroll").getBoundingClientRect();
            const row = document.querySelector(".table-scroll .ac-table tbody tr");
            const first = row.firstElementChild.getBoundingClientRect();
            const last = row.lastElementChild.getBoundingClientRect();
            return {wrapLeft: wrap.left, wrapRight: wrap.right, firstLeft: first.left, lastRight: last.right};
        }"""
    )
    assert edges["lastRight"] <= edges["wrapRight"] + 1, edges
    assert abs(edges["firstLeft"] - edges["wrapLeft"]) <= 2, edges


def test_leg008_snapshot_map_names_its_counties_too(live_server, demo_db_url, page, requests_seen):
    """A snapshot is shown in meetings: its map carries the names, fitted like the overview's."""
    from db import snapshots

    with db_session(demo_db_url) as s:
        first = snapshots.listing(s)[0]
    _open(page, live_server, f"/snapshot/{first['id']}", PROJECTOR)
    wait_for_map(page, "sn-map")
    page.locator('[id="sn-map"]').scroll_into_view_if_needed()
    wait_for_map(page, "sn-map")
    assert_eventually(lambda: page.evaluate(_MAP_TEXT_JS, "sn-map"), _county_names(demo_db_url),
                      message="not every county name was drawn on the snapshot's map")
    assert not [u for u in requests_seen if ".pbf" in u or "glyph" in u]
