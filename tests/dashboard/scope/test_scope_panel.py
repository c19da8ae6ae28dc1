"""The overview's action panel (典型 / 指导员 / 实效评价 / 监督检查 / 总结, one row per unit) on an area's
page: the units of that area only, for a viewer who may see it; not for an area too large to list
unit by unit (domain of dashboard.components.followup_panel.shows_panel)."""

from __future__ import annotations

import json

from dashboard import cache, ids
from dashboard.components.followup_panel import PANEL_MAX_UNITS, shows_panel
from db.engine import read_session
from db.models import Unit
from tests.dashboard.scope.conftest import A_UNIT, B_UNIT, client
from tests.dashboard.scope.test_scope_district import route
from tests.http_helpers import callback_body, post_callback

PANEL_ROW = '"className": "ac-table"'


def test_scope_panel001_which_areas_list_their_units():
    assert shows_panel(None, 3208)  # a city installation's root: always (its units are a city's)
    assert shows_panel(7, 14) and shows_panel(7, PANEL_MAX_UNITS)
    assert not shows_panel(7, PANEL_MAX_UNITS + 1)  # 山东省's 170 units: read through its cities


def test_scope_panel002_an_area_page_lists_its_own_units_only(app, engine):
    c = client(app, "prov-leader")  # bound to 山东省: 临沂市 and its 22 units; 玄武区 is 江苏省's
    page = route(app, c, "/")  # (临沂市 has no adcode here: the page shows it off the map, no error)
    assert ids.AC_PANEL in page and PANEL_ROW not in page  # the frame only: refresh_panel fills it right after
    # The fill and the refresh (a new date or a submission) keep to the area in the page's store ...
    with read_session(engine) as s:
        province = s.query(Unit.id).filter(Unit.code == "370000").scalar()
        other = s.query(Unit.id).filter(Unit.code == "320000").scalar()
    app.server.extensions[cache.EXTENSION].cache.clear()

    def refresh(area):
        body = callback_body(app, f"{ids.AC_PANEL}.children", {
            f"{ids.CAMPAIGN}.value": None, f"{ids.AS_OF}.date": None, f"{ids.DATA_VERSION}.data": "v2",
            f"{ids.AREA}.data": area})
        return post_callback(c, body)

    # ... the first fill, as Dash makes it when the frame appears, keeps to the page's area ...
    mine = json.dumps(refresh(province).get_json(), ensure_ascii=False)
    assert f'"data-unit": "{A_UNIT}"' in mine and f'"data-unit": "{B_UNIT}"' not in mine
    # ... and a forged store value outside the viewer's area refreshes nothing.
    assert refresh(other).status_code == 204
