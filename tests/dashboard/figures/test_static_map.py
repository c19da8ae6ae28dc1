"""The exports' map drawn as SVG: same colours as the web map, holes kept, fitted to the picture, no WebGL."""

import math

import pytest

from dashboard.figures import map as map_figure
from dashboard.figures.static_map import _signed_area, colour_at, mercator_y, static_map


def square(x0, y0, size, hole=None):
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    rings = [ring[::-1]]  # clockwise on purpose: static_map must orient it
    if hole:
        hx, hy, hs = hole
        rings.append([[hx, hy], [hx + hs, hy], [hx + hs, hy + hs], [hx, hy + hs], [hx, hy]])  # counter-clockwise
    return rings


GEOJSON = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": "A", "properties": {"name": "甲县"},
     "geometry": {"type": "Polygon", "coordinates": square(118.0, 35.0, 1.0, hole=(118.4, 35.4, 0.2))}},
    {"type": "Feature", "id": "B", "properties": {"name": "乙县"},
     "geometry": {"type": "Polygon", "coordinates": square(118.45, 35.45, 0.1)}},
    {"type": "Feature", "id": "C", "properties": {"name": "丙县"},
     "geometry": {"type": "MultiPolygon", "coordinates": [square(119.0, 35.0, 0.5), square(119.6, 35.0, 0.2)]}},
]}
ROWS = [
    {"code": "A", "name": "甲县", "adcode": "A", "value": 0.2, "value_text": "20%", "rank_text": "3"},
    {"code": "B", "name": "乙县", "adcode": "B", "value": 0.8, "value_text": "80%", "rank_text": "1"},
    {"code": "C", "name": "丙县", "adcode": "C", "value": None, "value_text": "未报送", "rank_text": ""},
]


@pytest.fixture(scope="module")
def pair():
    fig = map_figure.district_map(GEOJSON, ROWS, "企业覆盖率", ".0%", 0, 1)
    return fig, static_map(fig, GEOJSON, 900, 600)


def test_stm001_colour_at_interpolates_like_plotly():
    scale = [[0, "#000000"], [1, "#ffffff"]]
    assert colour_at(scale, 0.0) == "rgb(0,0,0)"
    assert colour_at(scale, 0.5) == "rgb(128,128,128)"
    assert colour_at(scale, 1.0) == "rgb(255,255,255)"
    stepped = [[0, "#ff0000"], [0.5, "#ff0000"], [0.5, "#0000ff"], [1, "#0000ff"]]
    assert colour_at(stepped, 0.25) == "rgb(255,0,0)" and colour_at(stepped, 0.75) == "rgb(0,0,255)"


def test_stm002_no_webgl_traces_and_each_unit_in_one_fill_of_its_class_colour(pair):
    fig, picture = pair
    assert {t["type"] for t in picture["data"]} == {"scatter"}
    assert "map" not in picture["layout"]
    coloured = fig["data"][0]
    scale, zmin, zmax = coloured["colorscale"], coloured["zmin"], coloured["zmax"]
    fills = [t for t in picture["data"] if t.get("fill") == "toself"]
    for code, z in zip(coloured["locations"], coloured["z"], strict=True):
        if z is None:
            continue
        expected = colour_at(scale, (z - zmin) / (zmax - zmin))
        x0 = GEOJSON["features"][["A", "B", "C"].index(code)]["geometry"]["coordinates"][0][0][0]
        holding = [t for t in fills if x0 in t["x"]]
        assert [t["fillcolor"] for t in holding] == [expected]
    # 甲县 and 乙县 are in different classes: different colours
    assert len({t["fillcolor"] for t in fills}) == 3  # two classes and the grey of 未报送


def test_stm003_holes_wind_against_their_exterior_so_an_enclave_keeps_its_colour(pair):
    _, picture = pair
    holed = next(t for t in picture["data"] if t.get("fill") and 118.0 in t["x"])
    rings, ring = [], []
    for x, y in zip(holed["x"], holed["y"], strict=True):
        if x is None:
            rings.append(ring)
            ring = []
        else:
            ring.append((x, y))
    exterior, hole = rings[0], rings[1]
    assert _signed_area(exterior) > 0 > _signed_area(hole)


def test_stm004_not_reported_has_a_legend_entry_and_the_colour_bar_its_ticks(pair):
    fig, picture = pair
    legend = [t for t in picture["data"] if t.get("showlegend")]
    assert [t["name"] for t in legend] == ["未报送"]
    bar = next(t for t in picture["data"] if t.get("marker", {}).get("showscale"))
    assert bar["marker"]["colorbar"]["ticktext"] == fig["data"][0]["colorbar"]["ticktext"]


def test_stm005_names_are_placed_at_the_projected_label_points(pair):
    fig, picture = pair
    names = fig["data"][-1]
    drawn = next(t for t in picture["data"] if t.get("mode") == "text")
    assert drawn["text"] == names["text"]
    assert drawn["x"] == names["lon"]
    assert drawn["y"] == pytest.approx([mercator_y(v) for v in names["lat"]])


def test_stm006_the_view_fits_the_picture_at_one_to_one_left_of_the_colour_bar(pair):
    _, picture = pair
    xr, yr = picture["layout"]["xaxis"]["range"], picture["layout"]["yaxis"]["range"]
    assert (xr[1] - xr[0]) / (yr[1] - yr[0]) == pytest.approx(900 / 600)
    xs = [x for t in picture["data"] if t.get("fill") for x in t["x"] if x is not None]
    ys = [y for t in picture["data"] if t.get("fill") for y in t["y"] if y is not None]
    per_px = (xr[1] - xr[0]) / 900
    assert xr[0] <= min(xs) and max(xs) <= xr[1] - map_figure.COLORBAR_PX * per_px + 1e-9
    assert yr[0] <= min(ys) and max(ys) <= yr[1]


def test_stm007_mercator_matches_the_formula():
    assert mercator_y(0) == pytest.approx(0, abs=1e-9)
    assert mercator_y(35) == pytest.approx(math.degrees(math.log(math.tan(math.pi / 4 + math.radians(35) / 2))))
