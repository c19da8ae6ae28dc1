"""dashboard.wire.plain: the callback answer Dash sends is byte for byte what it sent for the
components, and orjson encodes it without plotly's Python walk over every value."""

from __future__ import annotations

import datetime as dt

import numpy as np
import orjson
import pytest
from dash import Patch, dcc, html, no_update
from plotly.io.json import to_json_plotly

from dashboard.wire import plain


def _answer():
    patch = Patch()
    patch["data"][0]["z"] = [1, None, 2.5]
    patch["data"][1]["showlegend"] = False
    figure = {"data": [{"type": "bar", "x": ["兰山区", "罗庄区"], "y": [0.25, float("nan")]}],
              "layout": {"height": 320, "xaxis": {"range": [0, 1]}}}
    tree = html.Div(
        [
            html.H3("落后单位 2 个"),
            html.Ol([html.Li([dcc.Link("兰山区：备案率 41%", href="/district/371302?date=2017-05-31"),
                              html.Span("备案", className="tag tag-filing")], **{"data-code": "371302"})]),
            dcc.Graph(id="g", figure=figure, config={"displaylogo": False}, style={"height": "320px"}),
            html.Span(className="ac-bars", **{"aria-hidden": "true"}),
            None,
            "已报送 22 / 23 个单位",
            ("a", 1),
        ],
        className="card lagging",
    )
    return {"multi": True, "response": {"page": {"children": tree}, "map": {"figure": patch},
                                          "day": {"date": dt.date(2017, 5, 31)}, "n": {"data": np.int64(3)}}}


def test_wire001_same_json_as_dash_sends_for_the_components():
    answer = _answer()
    assert to_json_plotly(plain(answer)) == to_json_plotly(_answer())


def test_wire002_orjson_takes_it_as_is():
    """plotly's first attempt (orjson as is) succeeds: no TypeError, so no clean_to_json_compatible walk."""
    with pytest.raises(TypeError):
        orjson.dumps(_answer(), option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
    orjson.dumps(plain(_answer()), option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


def test_wire003_no_update_stays_itself():
    assert plain(no_update) is no_update
