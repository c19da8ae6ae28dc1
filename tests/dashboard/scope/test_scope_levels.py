"""A city-bound admin (临沂市) sees its city, not the province above it nor the other province; and the
visible set is fetched once per request, by one recursive query over the indexed parent_id."""

from __future__ import annotations

from sqlalchemy import event

from dashboard import cache
from tests.dashboard.scope.conftest import A_UNIT, B_UNIT, client
from tests.dashboard.scope.test_scope_district import route


def test_scope_levels001_city_admin_sees_only_its_city(app):
    c = client(app, "city-admin")
    assert "forbidden" not in route(app, c, f"/district/{A_UNIT}")
    assert "forbidden" in route(app, c, f"/district/{B_UNIT}")
    assert "forbidden" in route(app, c, "/district/370000")  # the province above the city
    units = route(app, c, "/admin/units")
    assert '"code": "371300"' in units and '"code": "371302"' in units  # the grid's rows
    assert '"code": "370000"' not in units and "玄武区" not in units  # 山东省 only as 临沂市's 上级


def test_scope_levels002_visible_set_fetched_once_per_request(app, engine):
    c = client(app, "prov-leader")
    app.server.extensions[cache.EXTENSION].cache.clear()  # an earlier test's page would be a cache hit: no SQL
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = route(app, c, f"/district/{A_UNIT}")  # layout, body and the tab title all ask
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert "兰山区" in page
    # The visible set itself (scope.visible_codes: the codes of the subtree), not the reads that keep to
    # the subtree in their own SQL (within=scope.visible_units()), which need no fetched set at all.
    fetch = "SELECT unit.code \nFROM unit \nWHERE unit.id IN (SELECT subtree.unit_id \nFROM subtree)"
    scoped = [s for s in statements if "RECURSIVE" in s.upper() and " ".join(fetch.split()) in " ".join(s.split())]
    assert len(scoped) == 1, scoped
