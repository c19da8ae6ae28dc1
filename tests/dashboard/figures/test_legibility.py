"""Projector legibility of every figure builder: no text under the theme's minimum size, and the
evaluation grid that replaces sixteen tiny radars."""

from __future__ import annotations

import json
import re

import plotly.graph_objects as go

from dashboard.figures import followup
from dashboard.figures import map as mf
from dashboard.theme import LAGGING, MIN_FONT_SIZE
from tests.dashboard.figures.test_map import make_rows
from tests.dashboard.figures.test_overview import every_figure

DIMS = ["协商准备", "协商程序", "合同履行", "工作管理", "协商效果", "满意度评价"]
UNITS = [(f"U{i:02d}", f"单位{i}", [((i * 7 + k * 13) % 100) / 100 for k in range(len(DIMS))], DIMS[i % len(DIMS)])
         for i in range(16)]
CITY = [0.7] * len(DIMS)


def _figures() -> list[dict]:
    from dashboard.geo import city_geojson

    rows = make_rows()
    geojson = city_geojson(tuple(r["adcode"] for r in rows if r["adcode"]))
    return [
        *every_figure(),
        mf.district_map(geojson, rows, "备案率", ".0%", 0, 1, cases=[]),
        mf.offmap_bar(rows, "备案率", 0, 1, ".0%"),
        followup.radar(DIMS, "兰山区", CITY, CITY),
        followup.score_grid(DIMS, UNITS, CITY, highlight="U03"),
        followup.rate_over_time("满意度评价", {"": [], "U01": []}, {}),
    ]


def _font_sizes(value, under_font: bool = False):
    """Every font size in a figure: `size` inside any *font dict, uniformtext.minsize, and
    font-size:Npx in HTML labels."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "template":
                continue  # plotly's own defaults, overridden by the layout's font
            if key == "size" and under_font and isinstance(item, int | float):
                yield item
            elif key == "minsize":
                yield item
            else:
                yield from _font_sizes(item, key.endswith("font") or (key == "font"))
    elif isinstance(value, list):
        for item in value:
            yield from _font_sizes(item, under_font)
    elif isinstance(value, str):
        yield from (int(n) for n in re.findall(r"font-size:\s*(\d+)px", value))


def test_lgb001_no_figure_text_under_the_projector_minimum():
    for fig in _figures():
        sizes = list(_font_sizes(fig))
        assert sizes, "every figure sets its font"
        small = [s for s in sizes if s < MIN_FONT_SIZE]
        assert not small, f"{small} in {json.dumps(fig, ensure_ascii=False)[:200]}"


def test_lgb002_score_grid_one_row_per_unit_city_first():
    fig = followup.score_grid(DIMS, UNITS, CITY, highlight="U03")
    (cells,) = fig["data"]
    assert cells["x"] == DIMS and len(cells["y"]) == len(UNITS) + 1
    assert "全市平均" in cells["y"][0] and LAGGING in cells["y"][4]  # U03 highlighted
    assert cells["text"][2][0] == f"{UNITS[1][2][0] * 100:.0f}%"
    assert cells["customdata"][0][0] == "" and cells["customdata"][1][0] == "U00"
    # the weakest dimension of each unit marked in that unit's row, and only there
    marked = [[DIMS[j] for j, t in enumerate(row) if "▼" in t] for row in cells["text"]]
    assert marked == [[], *([u[3]] for u in UNITS)]
    assert fig["layout"]["height"] >= followup.GRID_ROW_PX * len(cells["y"])
    assert cells["textfont"]["size"] >= MIN_FONT_SIZE
    go.Figure(fig)  # plotly accepts it
    assert followup.score_grid([], [], [])["data"] == []
