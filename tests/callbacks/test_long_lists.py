"""The "显示全部" grid's callbacks over HTTP, on the 临沂 demo: opened from the ranking it lists every
unit in ranking order (checked against db.queries and domain.ranking), closed it drops its rows, a
name click is handed to the ranking's drill-down, and nothing runs for a closed grid."""

from __future__ import annotations

import json

import pytest

from dashboard import ids
from db import queries
from db.engine import read_session
from domain.metrics import DEFAULT_METRIC
from domain.ranking import metric_rows, ranking_order
from tests.http_helpers import callback_body, callback_key, demo_app, login, post_callback


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return demo_app(tmp_path_factory.mktemp("long-lists"))


@pytest.fixture(scope="module")
def client(app):
    c = app.server.test_client()
    assert login(c).status_code == 302
    return c


def _all_units(app, client, changed: str, **values):
    key = callback_key(app, "all_units")
    buttons = next(d["id"] for d in app.callback_map[key]["inputs"] if d["id"].startswith("{"))
    wild = values.pop("wild", "ranking")
    values = {f"{buttons}.n_clicks": values.pop("clicks", 1), **values}
    return post_callback(client, callback_body(app, key, values, changed=changed, wild=wild))


def _button(which: str) -> str:
    return json.dumps({"list": which, "type": ids.OV_SHOW_ALL}, sort_keys=True, separators=(",", ":")) + ".n_clicks"


def test_lst201_open_from_the_ranking_lists_every_unit_in_ranking_order(app, client):
    r = _all_units(app, client, _button("ranking"), **{f"{ids.METRIC}.value": DEFAULT_METRIC})
    assert r.status_code == 200
    out = r.get_json()["response"]
    engine = app.server.extensions["jizhong_engine"]
    with read_session(engine) as s:
        campaign = next(c for c in queries.campaigns(s) if c["is_demo"])
        as_of = queries.report_dates(s, campaign["id"])[-1]
        units = queries.unit_metrics(s, campaign["id"], as_of)
    expected = ranking_order(metric_rows(units, DEFAULT_METRIC, as_of, campaign["window_start"], campaign["window_end"]))
    rows = out[ids.OV_ALL_GRID]["rowData"]
    assert [x["code"] for x in rows] == [x["code"] for x in expected]
    assert [x["value_text"] for x in rows] == [x["value_text"] for x in expected]
    assert out[ids.OV_ALL_PANEL]["hidden"] is False and out[ids.OV_ALL_FROM]["data"] == "ranking"
    assert out[ids.OV_ALL_TITLE]["children"] == f"全部单位（{len(units)} 个）"


def test_lst202_close_drops_the_rows_and_a_closed_grid_is_not_refreshed(app, client):
    r = _all_units(app, client, f"{ids.OV_ALL_CLOSE}.n_clicks", **{f"{ids.OV_ALL_CLOSE}.n_clicks": 1})
    out = r.get_json()["response"]
    assert out[ids.OV_ALL_PANEL]["hidden"] is True and out[ids.OV_ALL_GRID]["rowData"] == []
    closed = _all_units(app, client, f"{ids.METRIC}.value", **{f"{ids.METRIC}.value": "filing_rate",
                                                                f"{ids.OV_ALL_PANEL}.hidden": True})
    assert closed.status_code == 204
    drawn = _all_units(app, client, _button("lagging"), clicks=0, wild="lagging")  # a button just drawn
    assert drawn.status_code == 204


def test_lst203_a_name_click_is_handed_to_the_ranking(app, client):
    key = callback_key(app, "drill_from_grid")
    cell = {"value": "兰山区", "colId": "name", "rowIndex": 0, "rowId": "371302"}
    r = post_callback(client, callback_body(app, key, {f"{ids.OV_ALL_GRID}.cellClicked": cell}))
    assert r.get_json()["response"][ids.RANKING]["clickData"] == {"points": [{"customdata": ["371302"]}]}
    other = post_callback(client, callback_body(app, key, {f"{ids.OV_ALL_GRID}.cellClicked": {**cell, "colId": "rank"}}))
    assert other.status_code == 204
