"""District map figure dicts: offline-safe, small, None kept, recolour without geometry."""

from __future__ import annotations

import copy
import gzip
import json
import re

import orjson
import plotly
import pytest
from dash import Patch
from shapely.geometry import Point, shape

from dashboard.figures import map as mf
from dashboard.figures.scale import classes
from dashboard.figures.textfit import text_px
from dashboard.geo import city_geojson
from db.admin.presets import read_preset

UNITS = read_preset()["units"]
ADCODES = tuple(u["adcode"] for u in UNITS if u["adcode"])
MISSING = {"371312", "KF03"}  # one county, one development zone without a figure


def make_rows(seed: int = 0, missing=frozenset(MISSING)) -> list[dict]:
    rows = []
    for i, u in enumerate(UNITS):
        value = None if u["code"] in missing else ((i * 37 + seed) % 100) / 100
        rows.append(
            {
                "code": u["code"],
                "name": u["name"],
                "adcode": u["adcode"],
                "value": value,
                "value_text": "—" if value is None else f"{value * 100:.1f}%",
                "rank_text": "",
            }
        )
    ranked = sorted((r for r in rows if r["value"] is not None), key=lambda r: -r["value"])
    for k, r in enumerate(ranked, 1):
        r["rank_text"] = f"第 {k} / {len(rows)}"
    return rows


@pytest.fixture(scope="module")
def geojson():
    return city_geojson(ADCODES)


@pytest.fixture
def fig(geojson):
    return mf.district_map(geojson, make_rows(), "备案率", ".0%", 0, 1)


def _hover(template: str, customdata: list[str]) -> str:
    return re.sub(r"%\{customdata\[(\d)\]\}", lambda m: customdata[int(m.group(1))], template)


def _patched(figure: dict, patch) -> dict:
    """Apply a dash.Patch the way the renderer does (only Assign is used here)."""
    out = copy.deepcopy(figure)
    for op in patch.to_plotly_json()["operations"]:
        assert op["operation"] == "Assign", op
        *path, last = op["location"]
        target = out
        for key in path:
            target = target[key]
        target[last] = op["params"]["value"]
    return out


def test_map001_one_choroplethmap_on_white_bg(fig):
    colored = fig["data"][0]
    assert colored["type"] == "choroplethmap"
    assert colored["featureidkey"] == "id"
    assert colored["locations"] == list(ADCODES)
    scale = classes([r["value"] for r in make_rows()], ".0%")
    assert scale.count == 5
    assert colored["colorscale"] == scale.colorscale()
    assert (colored["zmin"], colored["zmax"], colored["zauto"]) == (-0.5, 4.5, False)
    # The colour bar names each class's range and says how the classes were cut.
    assert colored["colorbar"]["title"]["text"].startswith("备案率")
    assert "自然分档" in colored["colorbar"]["title"]["text"]
    assert colored["colorbar"]["tickvals"] == [0, 1, 2, 3, 4]
    assert colored["colorbar"]["ticktext"] == list(scale.labels)
    layout = fig["layout"]
    assert layout["map"]["style"] == "white-bg"
    assert 6 < layout["map"]["zoom"] < 8
    assert layout["margin"] == {"l": 0, "r": 0, "t": 0, "b": 0}
    assert layout["uirevision"]
    assert mf.FONT_FAMILY in json.dumps(layout, ensure_ascii=False)
    assert mf.GRAPH_CONFIG["displaylogo"] is False


def test_map002_nothing_that_fetches_from_a_server(fig):
    """No tile or style URLs, and text only in the names trace, in Chinese only: MapLibre draws CJK
    with the page's font but would ask a glyph server for Latin letters and digits."""
    for trace in fig["data"][:-1]:
        assert not {"text", "texttemplate"} & trace.keys()
    names = fig["data"][-1]
    assert names["type"] == "scattermap" and names["mode"] == "text"
    assert all(re.fullmatch(r"[\u4e00-\u9fff]+", t) for t in names["text"]), names["text"]
    assert "layers" not in fig["layout"]["map"]
    assert "http" not in orjson.dumps(fig).decode()


def test_map011_every_county_named_inside_its_boundary(geojson, fig):
    """A projector and a PDF have no hover: each county's name is printed inside the county."""
    names = fig["data"][-1]
    by_name = {u["name"]: u["adcode"] for u in UNITS if u["adcode"]}
    assert sorted(names["text"]) == sorted(by_name)
    shapes = {f["id"]: shape(f["geometry"]) for f in geojson["features"]}
    for text, lon, lat in zip(names["text"], names["lon"], names["lat"], strict=True):
        county = shapes[by_name[text]]
        assert county.contains(Point(lon, lat)), text
        # well inside: at least 2 km from its edge
        assert county.exterior.distance(Point(lon, lat)) if county.geom_type == "Polygon" else True
        assert county.boundary.distance(Point(lon, lat)) > 0.02, text
    assert names["hoverinfo"] == "skip" and names["showlegend"] is False
    assert names["textfont"]["size"] >= 14
    assert "text" not in mf.district_map(geojson, make_rows(), "备案率", ".0%", 0, 1, names=False)["data"][-1]


def test_map012_classes_separate_close_values():
    """Eleven counties between 33% and 42% and one at 16%: a 0–50% scale made them look alike.
    Natural breaks give the outlier a class of its own and the eleven four different colours."""
    values = [0.16, 0.33, 0.35, 0.36, 0.37, 0.38, 0.39, 0.40, 0.41, 0.41, 0.42, 0.42]
    scale = classes(values, ".0%")
    assert scale.count == 5
    assert scale.index(0.16) == 0 and {scale.index(v) for v in values[1:]} == {1, 2, 3, 4}
    # Each class named by the values in it, smallest to largest, as the reader sees them.
    assert scale.labels == ("16%", "33%", "35–37%", "38–40%", "41–42%")
    # An outlier at the top of a tight cluster stands alone too (备案率: 兰陵县 31% against 80%–100%).
    filing = classes([0.31, 0.80, 0.83, 0.88, 0.89, 0.90, 0.91, 0.913, 0.918, 0.924, 0.939, 1.0], ".0%")
    assert filing.labels[0] == "31%" and filing.labels[-1] == "100%"
    # A value is classed as it prints: 0.4049 is "40%", in the class that says 40.
    assert scale.index(0.4049) == scale.index(0.40) and scale.index(0.4051) == scale.index(0.41)
    assert classes(values, ".0%", reverse=True).colours == tuple(reversed(scale.colours))
    assert classes([], ".0%").count == 1 and classes([0.3, 0.3], ".0%").count == 1
    days = classes([0, 3, 7, 7, 14, 30], ",d")
    assert all(float(e).is_integer() for e in days.edges)
    # Eleven units at 0 days and one at 92: two colours, never a class "0–92"; equal values never part.
    stale = classes([0] * 11 + [92], ",d", reverse=True)
    assert stale.labels == ("0", "92") and stale.colour(0) != stale.colour(92)


def test_map003_payload_size(fig):
    raw = orjson.dumps(fig)
    packed = gzip.compress(raw)
    print(f"district map: {len(raw):,} B raw, {len(packed):,} B gzip")
    assert len(packed) < 300_000


def test_map004_none_values_drawn_grey_not_dropped(fig):
    colored, grey, _names = fig["data"]
    z = dict(zip(colored["locations"], colored["z"], strict=True))
    assert z["371312"] is None
    assert grey["locations"] == ["371312"]
    assert grey["customdata"][0][2] == mf.NO_DATA_TEXT
    assert grey["showscale"] is False and grey["showlegend"] is True
    assert {c for _, c in grey["colorscale"]} == {mf.NO_DATA_COLOR}
    # Every county appears in one trace or the other.
    drawn = {loc for loc, v in z.items() if v is not None} | set(grey["locations"])
    assert drawn == set(ADCODES)


def test_map005_hover_has_name_value_and_rank(geojson):
    rows = make_rows()
    lanshan = next(r for r in rows if r["code"] == "371302")
    lanshan.update(value=0.632, value_text="63.2%", rank_text="第 3 / 23")
    fig = mf.district_map(geojson, rows, "备案率", ".0%", 0, 1)
    trace = fig["data"][0]
    i = trace["locations"].index("371302")
    assert trace["customdata"][i] == ["371302", "兰山区", "63.2%", "第 3 / 23"]
    expected = "兰山区<br>备案率：63.2%<br>排名：第 3 / 23<extra></extra>"
    assert _hover(trace["hovertemplate"], trace["customdata"][i]) == expected


def test_map006_recolor_patch_is_small_and_has_no_geometry():
    patch = mf.recolor_patch(make_rows(seed=5), "签订合同覆盖企业比例", 0, 1, ".0%")
    text = json.dumps(patch.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder)
    print(f"recolour patch: {len(text.encode()):,} B")
    assert len(text.encode()) < 10_000
    assert "geojson" not in text and "coordinates" not in text
    allowed = {"locations", "z", "customdata", "hovertemplate", "name", "zmin", "zmax"}
    allowed |= {"colorbar", "showlegend", "reversescale", "colorscale"}
    for op in patch.to_plotly_json()["operations"]:
        assert op["location"][:1] == ["data"] and op["location"][1] in (0, 1)
        assert op["location"][2] in allowed, op["location"]


def test_map007_patch_gives_the_same_figure_as_a_rebuild(geojson, fig):
    rows = make_rows(seed=7, missing={"371302", "371329", "SZ01"})
    label = "未报送天数"
    rebuilt = mf.district_map(geojson, rows, label, ",d", 0, 50, reverse=True)
    patch = mf.recolor_patch(rows, label, 0, 50, ",d", reverse=True)
    patched = _patched(fig, patch)
    assert patched["data"][0]["colorscale"] == classes([r["value"] for r in rows], ",d", reverse=True).colorscale()
    assert patched == rebuilt
    # ... and back to no missing county: the grey trace empties and leaves the legend.
    rows = make_rows(seed=7, missing=set())
    patched = _patched(fig, mf.recolor_patch(rows, "备案率", 0, 1, ".0%"))
    assert patched["data"][1]["locations"] == []
    assert patched["data"][1]["showlegend"] is False
    assert patched == mf.district_map(geojson, rows, "备案率", ".0%", 0, 1)


def test_map008_rows_and_boundaries_must_match(geojson):
    rows = [r for r in make_rows() if r["code"] != "371325"]
    with pytest.raises(ValueError, match="371325"):
        mf.district_map(geojson, rows, "备案率", ".0%", 0, 1)
    rows = make_rows() + [{"code": "X", "name": "X", "adcode": "379999", "value": 1, "value_text": "1"}]
    with pytest.raises(ValueError, match="379999"):
        mf.district_map(geojson, rows, "备案率", ".0%", 0, 1)


def test_map009_offmap_bar_same_classes_and_keeps_missing():
    rows = make_rows()
    fig = mf.offmap_bar(rows, "备案率", 0, 1, ".0%")
    bars, blank, negative = fig["data"]
    offmap = [u["name"] for u in UNITS if not u["adcode"]]
    assert len(offmap) == 11
    assert fig["layout"]["yaxis"]["categoryarray"] == offmap
    assert set(bars["y"]) | set(blank["y"]) == set(offmap)
    scale = classes([r["value"] for r in rows], ".0%")
    assert bars["marker"]["color"] == [scale.colour(v) for v in bars["x"]]  # as the map colours them
    flipped = mf.offmap_bar(rows, "未报送天数", 0, 30, ",d", reverse=True)
    rscale = classes([r["value"] for r in rows], ",d", reverse=True)
    assert flipped["data"][0]["marker"]["color"] == [rscale.colour(v) for v in bars["x"]]
    assert blank["y"] == ["临沂临港经济开发区"]
    assert blank["text"] == [mf.NO_DATA_TEXT]
    assert blank["marker"]["color"] == mf.NO_DATA_COLOR
    assert bars["textposition"] == ["outside"] * len(bars["x"])
    assert negative["y"] == []
    assert fig["layout"]["font"]["family"] == mf.FONT_FAMILY
    assert fig["layout"]["xaxis"]["tickformat"] == ".0%"
    # The margins hold the longest name and the longest value: nothing is cut at the column's edges.
    assert fig["layout"]["margin"]["l"] >= text_px("临沂高新技术产业开发区")
    assert fig["layout"]["margin"]["r"] >= max(text_px(t) for t in bars["text"])


def test_map013_offmap_negative_values_right_of_zero_without_unit():
    """进度差 of 临沂矿业集团 was −6.3 points: its text ran left over the unit names."""
    rows = make_rows()
    for r in rows:
        if r["value"] is not None:
            r["value"] = r["value"] - 0.5
            r["value_text"] = f"{'超前' if r['value'] >= 0 else '落后'} {abs(r['value']) * 100:.1f} 个百分点"
    fig = mf.offmap_bar(rows, "进度差", -0.5, 0.5, "+.0%")
    bars, _, negative = fig["data"]
    below = [y for y, x in zip(bars["y"], bars["x"], strict=True) if x < 0]
    assert below and negative["y"] == below and negative["x"] == [0] * len(below)
    assert all(p == "none" for p, x in zip(bars["textposition"], bars["x"], strict=True) if x < 0)
    assert not any("个百分点" in t for t in [*bars["text"], *negative["text"]])
    assert fig["layout"]["xaxis"]["title"]["text"] == "进度差（个百分点）"
    assert all("个百分点" in c[2] for c in bars["customdata"])  # the hover keeps the full text


def test_map014_case_legend_one_entry_per_stage_shown(geojson):
    located = [{"id": 1, "title": "甲", "unit_code": "371311", "unit_name": "罗庄区", "lon": 118.27, "lat": 34.96,
                "stage": "selected", "stage_label": "已选树"},
               {"id": 2, "title": "乙", "unit_code": "371302", "unit_name": "兰山区", "lon": 118.33, "lat": 35.09,
                "stage": "cultivating", "stage_label": "培育中"}]
    fig = mf.district_map(geojson, make_rows(), "备案率", ".0%", 0, 1, cases=located)
    markers, *legend, names = fig["data"][2:]
    assert markers["showlegend"] is False and names["mode"] == "text"
    shown = {t["name"]: t["marker"]["color"] for t in legend if t["showlegend"]}
    assert shown == {"典型·已选树": mf.CASE_STAGE_COLORS["selected"], "典型·培育中": mf.CASE_STAGE_COLORS["cultivating"]}
    assert set(markers["marker"]["color"]) == set(shown.values())
    # Another campaign's cases: the legend follows.
    patched = _patched(fig, mf.case_patch(Patch(), located[:1]))
    assert [t["name"] for t in patched["data"][3:6] if t["showlegend"]] == ["典型·已选树"]


def test_map010_nan_adcode_means_no_boundary(geojson):
    """Rows built from a DataFrame carry NaN, not None, where a unit has no adcode."""
    rows = [{**r, "adcode": r["adcode"] or float("nan")} for r in make_rows()]
    fig = mf.district_map(geojson, rows, "备案率", ".0%", 0, 1)
    assert fig["data"][0]["locations"] == list(ADCODES)
    assert len(mf.offmap_bar(rows, "备案率", 0, 1)["layout"]["yaxis"]["categoryarray"]) == 11
