"""District map figure dicts: offline-safe, small, None kept, recolour without geometry."""

from __future__ import annotations

import copy
import gzip
import json
import re

import orjson
import plotly
import pytest

from dashboard.figures import map as mf
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
    assert colored["colorscale"] == mf.COLORSCALE
    assert (colored["zmin"], colored["zmax"], colored["zauto"]) == (0, 1, False)
    assert colored["colorbar"]["title"]["text"] == "备案率"
    assert colored["colorbar"]["tickformat"] == ".0%"
    layout = fig["layout"]
    assert layout["map"]["style"] == "white-bg"
    assert 6 < layout["map"]["zoom"] < 8
    assert layout["margin"] == {"l": 0, "r": 0, "t": 0, "b": 0}
    assert layout["uirevision"]
    assert mf.FONT_FAMILY in json.dumps(layout, ensure_ascii=False)
    assert mf.GRAPH_CONFIG["displaylogo"] is False


def test_map002_nothing_that_fetches_from_a_server(fig):
    """No glyphs (text), no tile or style URLs: the map must work on an offline intranet."""
    for trace in fig["data"]:
        assert not {"text", "texttemplate", "mode"} & trace.keys()
    assert "layers" not in fig["layout"]["map"]
    assert "http" not in orjson.dumps(fig).decode()


def test_map003_payload_size(fig):
    raw = orjson.dumps(fig)
    packed = gzip.compress(raw)
    print(f"district map: {len(raw):,} B raw, {len(packed):,} B gzip")
    assert len(packed) < 300_000


def test_map004_none_values_drawn_grey_not_dropped(fig):
    colored, grey = fig["data"]
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
    allowed |= {"colorbar", "showlegend", "reversescale"}
    for op in patch.to_plotly_json()["operations"]:
        assert op["location"][:1] == ["data"] and op["location"][1] in (0, 1)
        assert op["location"][2] in allowed, op["location"]


def test_map007_patch_gives_the_same_figure_as_a_rebuild(geojson, fig):
    rows = make_rows(seed=7, missing={"371302", "371329", "SZ01"})
    label = "未报送天数"
    rebuilt = mf.district_map(geojson, rows, label, ",d", 0, 50, reverse=True)
    patch = mf.recolor_patch(rows, label, 0, 50, ",d", reverse=True)
    patched = _patched(fig, patch)
    assert patched["data"][0]["reversescale"] is True
    assert patched == rebuilt
    # ... and back to no missing county: the grey trace empties and leaves the legend.
    rows = make_rows(seed=7, missing=set())
    patched = _patched(fig, mf.recolor_patch(rows, "备案率", 0, 1))
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


def test_map009_offmap_bar_same_scale_and_keeps_missing():
    fig = mf.offmap_bar(make_rows(), "备案率", 0, 1, ".0%")
    bars, blank = fig["data"]
    offmap = [u["name"] for u in UNITS if not u["adcode"]]
    assert len(offmap) == 11
    assert fig["layout"]["yaxis"]["categoryarray"] == offmap
    assert set(bars["y"]) | set(blank["y"]) == set(offmap)
    assert bars["marker"]["color"] == bars["x"]
    marker = bars["marker"]
    assert (marker["colorscale"], marker["cmin"], marker["cmax"]) == (
        mf.COLORSCALE,
        0,
        1,
    )
    assert marker["showscale"] is False
    assert marker["reversescale"] is False
    flipped = mf.offmap_bar(make_rows(), "未报送天数", 0, 30, ",d", reverse=True)
    assert flipped["data"][0]["marker"]["reversescale"] is True
    assert blank["y"] == ["临沂临港经济开发区"]
    assert blank["text"] == [mf.NO_DATA_TEXT]
    assert blank["marker"]["color"] == mf.NO_DATA_COLOR
    assert bars["textposition"] == "outside"
    assert fig["layout"]["font"]["family"] == mf.FONT_FAMILY
    assert fig["layout"]["xaxis"]["tickformat"] == ".0%"


def test_map010_nan_adcode_means_no_boundary(geojson):
    """Rows built from a DataFrame carry NaN, not None, where a unit has no adcode."""
    rows = [{**r, "adcode": r["adcode"] or float("nan")} for r in make_rows()]
    fig = mf.district_map(geojson, rows, "备案率", ".0%", 0, 1)
    assert fig["data"][0]["locations"] == list(ADCODES)
    assert len(mf.offmap_bar(rows, "备案率", 0, 1)["layout"]["yaxis"]["categoryarray"]) == 11
