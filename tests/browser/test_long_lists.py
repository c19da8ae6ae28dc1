"""Long lists in Chromium, on the 山东省 demo (`python -m db demo --scale province`: 153 reporting units),
flattened into one installation of 153 units:
the ranking shows the 15 best and the 15 worst with a gap row, "显示全部" opens the grid of every
unit, the search box narrows it by name, a name drills down, and the lagging list's "显示全部"
opens the lagging units. Expectations come from db.queries and the domain's own ranking, not
from the page."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from dashboard import ids
from domain.metrics import DEFAULT_METRIC, METRICS
from domain.ranking import SHOWN_EACH, metric_rows, worst_best
from tests.browser.conftest import (
    assert_eventually,
    db_session,
    default_view,
    expect,
    serve,
    wait_for_dash,
    wait_for_graph,
)

GRID_NAMES_JS = f"""() => Array.from(document.querySelectorAll(
    '[id="{ids.OV_ALL_GRID}"] .ag-center-cols-container .ag-row [col-id="name"]')).map(e => e.textContent.trim())"""
RANKING_JS = f"""() => {{
    const gd = document.querySelector('[id="{ids.RANKING}"] .js-plotly-plot');
    return {{order: gd.layout.yaxis.categoryarray, ticks: gd.layout.yaxis.ticktext, codes: gd.data[0].customdata}};
}}"""


@pytest.fixture(scope="module")
def province_server(tmp_path_factory):
    """The province demo on its own SQLite database, with the usual demo accounts besides its own."""
    from app import create_app
    from db.accounts.auth import ensure_demo_accounts
    from db.demo.scale import build_scale_demo
    from db.engine import make_engine, write_session
    from db.migrate import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('province') / 'province.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        build_scale_demo(engine, "province")
        with write_session(engine) as s:
            ensure_demo_accounts(s)
            flatten(s)
    finally:
        engine.dispose()
    with serve(create_app({"DATABASE_URL": url, "TESTING": True})) as base_url:
        yield base_url, url


def flatten(s) -> None:
    """One flat installation of the 153 reporting units (as a big city's would be): the areas above
    them are removed, so `/` lists every unit as its child."""
    from sqlalchemy import delete, select, update

    from db.models import Unit, UnitCampaign, User

    s.execute(update(Unit).values(parent_id=None))
    s.execute(update(User).values(area_unit_id=None))
    s.execute(delete(Unit).where(Unit.id.not_in(select(UnitCampaign.unit_id))))


def expected_rows(url: str) -> list[dict]:
    from db import queries

    with db_session(url) as s:
        campaign, as_of = default_view(s)
        units = queries.unit_metrics(s, campaign["id"], as_of)
    return metric_rows(units, DEFAULT_METRIC, as_of, campaign["window_start"], campaign["window_end"])


def test_lst101_long_ranking_show_all_search_and_drill(province_server, page):
    base_url, url = province_server
    rows = expected_rows(url)
    assert len(rows) > 2 * SHOWN_EACH
    best, worst, hidden = worst_best(rows)

    page.goto(f"{base_url}/")
    wait_for_dash(page)
    wait_for_graph(page, ids.RANKING)
    ranking = page.evaluate(RANKING_JS)
    assert ranking["order"][:SHOWN_EACH] == [r["code"] for r in best]
    assert ranking["order"][SHOWN_EACH + 1:] == [r["code"] for r in worst]
    assert f"其余 {hidden} 个单位" in ranking["ticks"][SHOWN_EACH]
    expect(page.locator(f'[id="{ids.RANKING}"] .ytick text', has_text=f"其余 {hidden} 个单位")).to_be_visible()

    page.click('[data-list="ranking"]')
    expect(page.locator(f'[id="{ids.OV_ALL_TITLE}"]')).to_have_text(f"全部单位（{len(rows)} 个）")
    expect(page.locator(f'[id="{ids.OV_ALL_GRID}"] .ag-row').first).to_be_visible()
    first = page.evaluate(GRID_NAMES_JS)[:3]
    assert first == [r["name"] for r in best[:3]]  # ranking order, best first

    # Search: a name's last two characters, as a user would type them.
    target = next(r for r in worst if len(r["name"]) >= 3)
    needle = target["name"][-2:]
    wanted = sorted(r["name"] for r in rows if needle in r["name"])
    page.fill(f'[id="{ids.OV_ALL_SEARCH}"]', needle)
    assert_eventually(lambda: sorted(page.evaluate(GRID_NAMES_JS)), wanted)

    wait_for_dash(page)
    page.locator(f'[id="{ids.OV_ALL_GRID}"] .ag-row [col-id="name"]', has_text=target["name"]).first.click()
    # page.wait_for_url, not a loop over page.url: the test's network route only runs inside
    # Playwright calls, and the drill-down's request waits on it.
    page.wait_for_url(lambda u: urlsplit(u).path == f"/district/{target['code']}")


def test_lst102_lagging_list_show_all_opens_the_lagging_units(province_server, page):
    base_url, _ = province_server
    page.goto(f"{base_url}/?metric=filing_rate")
    wait_for_dash(page)
    button = page.locator('[data-list="lagging"]')
    expect(button).to_be_visible()
    count = button.inner_text().removeprefix("显示全部（").removesuffix(" 个）")
    assert page.locator(f'[id="{ids.LAGGING}"] a.lag-link').count() == SHOWN_EACH
    button.click()
    expect(page.locator(f'[id="{ids.OV_ALL_TITLE}"]')).to_have_text(f"落后单位（{count} 个）")
    expect(page.locator(f'[id="{ids.OV_ALL_GRID}"] .ag-header-cell-text', has_text=METRICS["filing_rate"].label)
           ).to_be_visible()
    expect(page.locator(f'[id="{ids.OV_ALL_PANEL}"]')).to_be_in_viewport()  # brought into view
    page.click(f'[id="{ids.OV_ALL_CLOSE}"]')
    expect(page.locator(f'[id="{ids.OV_ALL_PANEL}"]')).to_be_hidden()
