"""The figure builders: what a leader reads off each chart, checked on hand-made data."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from plotly.io.json import to_json_plotly

from dashboard.figures import overview as figures
from dashboard.figures.scale import classes
from dashboard.figures.textfit import text_px
from dashboard.theme import (
    KIND_COLOURS,
    LAGGING,
    NO_DATA,
    PACE,
    STAGE_COLOURS,
)
from domain.measures import LINE_KINDS, LINE_LABELS, MEASURES

D1, D2, D3 = dt.date(2017, 3, 10), dt.date(2017, 3, 20), dt.date(2017, 3, 31)
PACE_POINTS = [(dt.date(2017, 2, 28), 0.0), (D3, 0.3)]


def row(code, name, value, text, rank, total=4):
    return {"code": code, "name": name, "kind": "县区", "adcode": code, "value": value, "value_text": text,
            "rank": rank, "rank_text": f"第 {rank} / {total}" if rank else "无排名"}


ROWS = [  # in the unit order of the page, not in rank order
    row("371302", "兰山区", 0.55, "55.0%", 2),
    row("371324", "兰陵县", None, "尚未报送", None),
    row("371311", "罗庄区", 0.81, "81.0%", 1),
    row("371325", "费县", 0.12, "12.0%", 3),
]


def trend_row(date, code, name, **values):
    return {"date": date, "code": code, "name": name, **dict.fromkeys(MEASURES, 0), **values}


def hover(trace) -> str:
    return " ".join(str(h) for h in trace["hovertext"] if h)


# ---------------------------------------------------------------- empty states


def test_fig001_empty_figure_is_a_centred_sentence_without_axes():
    fig = figures.empty_figure("尚无报送数据")
    assert fig["data"] == []
    (note,) = fig["layout"]["annotations"]
    assert note["text"] == "尚无报送数据" and (note["x"], note["y"]) == (0.5, 0.5)
    assert fig["layout"]["xaxis"]["visible"] is False and fig["layout"]["yaxis"]["visible"] is False


@pytest.mark.parametrize(
    "build",
    [
        lambda: figures.ranking_bar([], "备案率", 0, 1),
        lambda: figures.progress_lines(pd.DataFrame(columns=["date", "code", "name", *MEASURES]), {}, PACE_POINTS,
                                       set(), {}),
        lambda: figures.composition(pd.DataFrame({"kind": LINE_KINDS, **{m: [0, 0, 0] for m in MEASURES}})),
        lambda: figures.unit_trend(pd.DataFrame(columns=["date", *MEASURES]), 100, PACE_POINTS),
    ],
    ids=["ranking", "progress", "composition", "unit_trend"],
)
def test_fig002_every_builder_has_the_empty_state(build):
    fig = build()
    assert fig["data"] == []
    assert [a["text"] for a in fig["layout"]["annotations"]] == [figures.NO_REPORTS]


def test_fig003_progress_without_targets_is_empty():
    df = pd.DataFrame([trend_row(D1, "371324", "兰陵县", signed_ents=5)])
    fig = figures.progress_lines(df, {"371324": 0}, PACE_POINTS, set(), {})
    assert fig["data"] == []


# ---------------------------------------------------------------- ranking


def test_fig010_ranking_best_first_unranked_last():
    fig = figures.ranking_bar(ROWS, "备案率", 0.0, 1.0)
    bars, blanks, _ = fig["data"]
    assert list(bars["y"]) == ["371311", "371302", "371325"]
    assert list(bars["x"]) == [0.81, 0.55, 0.12]
    assert list(blanks["y"]) == ["371324"]
    assert list(fig["layout"]["yaxis"]["categoryarray"]) == ["371311", "371302", "371325", "371324"]
    assert fig["layout"]["yaxis"]["autorange"] == "reversed"  # rank 1 at the top
    assert list(fig["layout"]["yaxis"]["ticktext"]) == ["罗庄区", "兰山区", "费县", "兰陵县"]


def test_fig011_ranking_colours_are_the_maps_classes():
    fig = figures.ranking_bar(ROWS, "备案率", 0.0, 0.9)
    marker = fig["data"][0]["marker"]
    scale = classes([r["value"] for r in ROWS], None)
    assert list(marker["color"]) == [scale.colour(v) for v in (0.81, 0.55, 0.12)]
    assert len(set(marker["color"])) == 3  # three values, three classes
    flipped = figures.ranking_bar(ROWS, "未报送天数", 0, 14, reverse=True)["data"][0]["marker"]["color"]
    assert list(flipped) == list(reversed(marker["color"]))


def test_fig012_unranked_rows_are_grey_and_say_why():
    blanks = figures.ranking_bar(ROWS, "备案率", 0.0, 1.0)["data"][1]
    assert blanks["marker"]["color"] == NO_DATA
    assert list(blanks["text"]) == ["尚未报送"]
    assert blanks["x"][0] > 0  # a visible band, not a zero-length bar


def test_fig013_ranking_text_customdata_hover_and_height():
    fig = figures.ranking_bar(ROWS, "备案率", 0.0, 1.0)
    bars, blanks, _ = fig["data"]
    assert list(bars["text"]) == ["81.0%", "55.0%", "12.0%"]
    assert list(bars["textposition"]) == ["outside"] * 3
    assert [*bars["customdata"], *blanks["customdata"]] == ["371311", "371302", "371325", "371324"]
    top = bars["hovertext"][0]
    assert "罗庄区" in top and "81.0%" in top and "第 1 / 4" in top
    assert "无排名" in blanks["hovertext"][0]
    assert fig["layout"]["height"] >= 24 * len(ROWS)
    many = [row(f"U{i:02d}", f"单位{i}", i / 23, f"{i}", i, 23) for i in range(1, 24)]
    assert figures.ranking_bar(many, "备案率", 0, 1)["layout"]["height"] >= 24 * 23


def test_fig014_lagging_units_are_marked():
    fig = figures.ranking_bar(ROWS, "备案率", 0.0, 1.0, lagging_codes={"371325", "371324"})
    labels = fig["layout"]["yaxis"]["ticktext"]
    assert labels[0] == "罗庄区" and labels[1] == "兰山区"
    for label, name in ((labels[2], "费县"), (labels[3], "兰陵县")):
        assert f"⚠ {name}" in label and LAGGING in label


def test_fig015_negative_values_are_labelled_right_of_zero():
    rows = [row("A", "甲", 0.1, "超前 10.0 个百分点", 1, 2), row("B", "乙", -0.3, "落后 30.0 个百分点", 2, 2)]
    fig = figures.ranking_bar(rows, "进度差", -0.3, 0.3)
    bars, _, labels = fig["data"]
    assert list(bars["textposition"]) == ["outside", "none"]  # no long text running into the names
    assert list(labels["y"]) == ["B"] and list(labels["x"]) == [0]
    # The shared unit moves to the axis title, so the values fit beside the bars on a phone.
    assert [t.strip() for t in labels["text"]] == ["落后 30.0"] and list(bars["text"]) == ["超前 10.0", "落后 30.0"]
    assert fig["layout"]["xaxis"]["title"]["text"] == "进度差（个百分点）"
    assert "落后 30.0 个百分点" in bars["hovertext"][1]
    low, high = fig["layout"]["xaxis"]["range"]
    assert low <= -0.3 and high >= 0.3
    # The right margin holds the longest value printed past a bar's end.
    assert fig["layout"]["margin"]["r"] >= text_px("超前 10.0")


def test_fig016_values_keep_their_text_when_units_differ():
    rows = [row("A", "甲", 0.5, "50.0%", 1, 2), row("B", "乙", 0.2, "20.0%", 2, 2)]
    fig = figures.ranking_bar(rows, "备案率", 0, 1)
    assert list(fig["data"][0]["text"]) == ["50.0%", "20.0%"]
    assert fig["layout"]["xaxis"]["title"]["text"] == "备案率"


# ---------------------------------------------------------------- progress of all units


def progress_frame() -> pd.DataFrame:
    return pd.DataFrame([
        trend_row(D1, "371324", "兰陵县", signed_ents=10),
        trend_row(D2, "371324", "兰陵县", signed_ents=25),
        trend_row(D1, "371302", "兰山区", signed_ents=40),
        trend_row(D2, "371302", "兰山区", signed_ents=90),
        trend_row(D1, "371311", "罗庄区", signed_ents=30),
        trend_row(D1, "KF04", "蒙山旅游区", signed_ents=3),  # no target: left out
    ])


TARGETS = {"371324": 200, "371302": 300, "371311": 100, "KF04": 0}
NAMES = {"371324": "兰陵县", "371302": "兰山区", "371311": "罗庄区", "KF04": "蒙山旅游区"}


def traces_by_name(fig) -> dict:
    return {t["name"]: t for t in fig["data"]}


def test_fig020_progress_is_signed_over_target():
    fig = figures.progress_lines(progress_frame(), TARGETS, PACE_POINTS, {"371324"}, NAMES)
    lanling = traces_by_name(fig)["兰陵县"]
    assert list(lanling["x"]) == [D1.isoformat(), D2.isoformat()]  # dates as plotly writes them
    assert list(lanling["y"]) == [10 / 200, 25 / 200]
    assert list(lanling["customdata"]) == ["371324", "371324"]
    assert "12.5%" in lanling["hovertext"][1]
    assert fig["layout"]["yaxis"]["tickformat"] == ".0%"


def test_fig021_pace_line_is_dashed_and_follows_the_points():
    fig = figures.progress_lines(progress_frame(), TARGETS, list(reversed(PACE_POINTS)), set(), NAMES)
    pace = traces_by_name(fig)[figures.PACE_LABEL]
    assert list(pace["x"]) == ["2017-02-28", D3.isoformat()] and list(pace["y"]) == [0.0, 0.3]
    assert pace["line"]["dash"] == "dash" and pace["line"]["color"] == PACE


def test_fig022_only_highlighted_units_and_one_grey_entry_in_the_legend():
    fig = figures.progress_lines(progress_frame(), TARGETS, PACE_POINTS, {"371324", "371311"}, NAMES)
    names = [t["name"] for t in fig["data"]]
    assert sorted(names) == sorted([figures.OTHERS_LABEL, figures.PACE_LABEL, "兰陵县", "罗庄区"])
    others = traces_by_name(fig)[figures.OTHERS_LABEL]
    assert others["line"]["color"] == NO_DATA
    # 兰山区 alone in the grey trace, its points clickable; the unit without a target is nowhere.
    assert [c for c in others["customdata"] if c] == ["371302", "371302"]
    assert [y for y in others["y"] if y is not None] == [40 / 300, 90 / 300]
    highlighted = [traces_by_name(fig)[n] for n in ("兰陵县", "罗庄区")]
    assert len({t["line"]["color"] for t in highlighted}) == 2
    assert all(t["line"]["width"] > others["line"]["width"] for t in highlighted)
    assert "蒙山旅游区" not in hover(others)


def test_fig023_a_single_report_date_still_has_a_date_range():
    df = pd.DataFrame([trend_row(D1, "371324", "兰陵县", signed_ents=10)])
    fig = figures.progress_lines(df, TARGETS, [], {"371324"}, NAMES)
    first, last = fig["layout"]["xaxis"]["range"]
    assert pd.Timestamp(first) == pd.Timestamp(D1) and pd.Timestamp(last) > pd.Timestamp(D1)
    (label,) = fig["layout"]["annotations"]  # named at its last point
    assert label["text"] == "<b>兰陵县</b>" and label["x"] == D1.isoformat() and label["y"] == 10 / 200


def test_fig025_end_labels_never_overprint():
    """Lines ending close together (平邑县 114%, 兰陵县 108% on the demo) get their names pushed apart."""
    df = pd.DataFrame([trend_row(D1, c, n, signed_ents=s) for c, n, s in
                       (("371324", "兰陵县", 100), ("371302", "兰山区", 150), ("371311", "罗庄区", 52))])
    fig = figures.progress_lines(df, TARGETS, PACE_POINTS, {"371324", "371302", "371311"}, NAMES)
    labels = fig["layout"]["annotations"]
    assert sorted(a["text"] for a in labels) == ["<b>兰山区</b>", "<b>兰陵县</b>", "<b>罗庄区</b>"]
    low, high = fig["layout"]["yaxis"]["range"]
    plot_px = fig["layout"]["height"] - fig["layout"]["margin"]["t"] - fig["layout"]["margin"]["b"] - 30
    ys = sorted(a["y"] for a in labels)
    gaps_px = [(b - a) / (high - low) * plot_px for a, b in zip(ys, ys[1:])]
    assert min(gaps_px) >= figures.END_LABEL_PX - 1e-6  # all three ended at 50–52%
    assert all(low <= y <= high for y in ys)


def test_fig026_spread_labels_keeps_order_and_bounds():
    assert figures.spread_labels([0.5, 0.1, 0.9], 0.05, 0, 1) == [0.5, 0.1, 0.9]  # far apart: unchanged
    out = figures.spread_labels([0.5, 0.5, 0.5], 0.1, 0, 1)
    assert sorted(out) == pytest.approx([0.5, 0.6, 0.7])
    top = figures.spread_labels([1.0, 0.99, 0.98], 0.1, 0, 1)
    assert max(top) <= 1 and sorted(top) == pytest.approx([0.8, 0.9, 1.0])
    assert top.index(max(top)) == 0  # the highest line keeps the highest label


def test_fig027_progress_draws_steps_from_the_points_where_a_figure_moved():
    """A figure carried forward over report dates adds no point: 兰陵县 10, 10, 25, 25, 25 over five
    dates is drawn as a step line through 10 (first), 25 (where it moved) and 25 (the last date, where
    its name is written); the grey 兰山区 likewise, and the all-units line after OTHERS_MAX units."""
    days = [D1, D1 + dt.timedelta(1), D2, D2 + dt.timedelta(1), D3]
    df = pd.DataFrame([trend_row(d, "371324", "兰陵县", signed_ents=s) for d, s in zip(days, (10, 10, 25, 25, 25))]
                      + [trend_row(d, "371302", "兰山区", signed_ents=s) for d, s in zip(days, (40, 40, 40, 40, 40))])
    fig = figures.progress_lines(df, TARGETS, PACE_POINTS, {"371324"}, NAMES)
    lanling, others = traces_by_name(fig)["兰陵县"], traces_by_name(fig)[figures.OTHERS_LABEL]
    assert lanling["x"] == [D1.isoformat(), D2.isoformat(), D3.isoformat()]
    assert lanling["y"] == [10 / 200, 25 / 200, 25 / 200]
    assert len(lanling["hovertext"]) == len(lanling["customdata"]) == 3
    assert others["x"] == [D1.isoformat(), D3.isoformat(), None] and others["y"] == [40 / 300, 40 / 300, None]
    assert lanling["line"]["shape"] == others["line"]["shape"] == "hv"
    (label,) = fig["layout"]["annotations"]
    assert label["x"] == D3.isoformat()  # the name still at the last date
    many = pd.DataFrame([trend_row(d, f"U{i:03d}", f"单位{i}", signed_ents=s) for i in range(figures.OTHERS_MAX + 1)
                         for d, s in zip(days, (1, 1, 2, 2, 2))])
    total = figures.progress_lines(many, {f"U{i:03d}": 4 for i in range(figures.OTHERS_MAX + 1)}, PACE_POINTS, set(),
                                   {})["data"][0]
    assert total["name"] == figures.ALL_UNITS_LABEL and total["line"]["shape"] == "hv"
    assert total["x"] == [D1.isoformat(), D2.isoformat(), D3.isoformat()] and total["y"] == [0.25, 0.5, 0.5]


def test_fig024_progress_groups_rows_in_any_order():
    """db.queries.trend lists rows by date, then unit: each unit's line is still in date order, the
    grey units in code order with a gap between them, and the same as from rows sorted by unit."""
    by_unit = progress_frame()
    by_date = by_unit.sort_values(["date", "code"]).reset_index(drop=True)
    shuffled = by_unit.sample(frac=1, random_state=7).reset_index(drop=True)
    figs = [figures.progress_lines(df, TARGETS, PACE_POINTS, {"371311"}, NAMES) for df in (by_unit, by_date, shuffled)]
    assert figs[0] == figs[1] == figs[2]
    others = traces_by_name(figs[1])[figures.OTHERS_LABEL]
    assert others["x"] == [D1.isoformat(), D2.isoformat(), None, D1.isoformat(), D2.isoformat(), None]
    assert others["customdata"] == ["371302", "371302", None, "371324", "371324", None]
    assert others["y"] == [40 / 300, 90 / 300, None, 10 / 200, 25 / 200, None]
    assert "兰山区" in others["hovertext"][0] and "兰陵县" in others["hovertext"][3]


# ---------------------------------------------------------------- composition


def lines_frame() -> pd.DataFrame:
    values = {
        "single": {"offer_copies": 5200, "offer_ents": 5200, "signed_ents": 4100, "filed_ents": 3300, "offer_workers": 182000,
                   "signed_workers": 150300, "filed_workers": 121000},
        "regional": {"offer_ents": 6800, "signed_ents": 5900, "filed_ents": 4100, "offer_workers": 95400,
                     "signed_workers": 80100, "filed_workers": 60500},
        "industry": {"offer_ents": 345, "signed_ents": 0, "filed_ents": 0},
    }
    return pd.DataFrame([{"kind": k, **dict.fromkeys(MEASURES, 0), **values[k]} for k in LINE_KINDS])


def test_fig030_composition_segments_by_kind_and_stage_order():
    fig = figures.composition(lines_frame(), "ents")
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    assert [t["name"] for t in bars] == [LINE_LABELS[k] for k in LINE_KINDS]
    assert [t["marker"]["color"] for t in bars] == [KIND_COLOURS[k] for k in LINE_KINDS]
    assert all(list(t["y"]) == ["发出要约", "签订合同", "审查备案"] for t in bars)
    assert fig["layout"]["yaxis"]["autorange"] == "reversed"  # 发出要约 on top
    assert [list(t["x"]) for t in bars] == [[5200, 4100, 3300], [6800, 5900, 4100], [345, 0, 0]]
    assert fig["layout"]["barmode"] == "stack"
    assert list(bars[0]["text"]) == ["5,200", "4,100", "3,300"]
    assert list(bars[2]["text"]) == ["345", "", ""]  # no "0" label on an empty segment


def test_fig031_composition_totals_and_unit_in_title():
    fig = figures.composition(lines_frame(), "ents")
    totals = next(t for t in fig["data"] if t["type"] == "scatter")
    assert list(totals["x"]) == [12345, 10000, 7400]
    assert [t.strip() for t in totals["text"]] == ["合计 12,345 家", "合计 10,000 家", "合计 7,400 家"]
    assert "家" in fig["layout"]["title"]["text"]


def test_fig032_composition_in_wan_for_workers():
    fig = figures.composition(lines_frame(), "workers")
    totals = next(t for t in fig["data"] if t["type"] == "scatter")
    assert [t.strip() for t in totals["text"]] == ["合计 27.7万人", "合计 23.0万人", "合计 18.2万人"]
    assert list(fig["data"][1]["text"]) == ["9.5万", "8.0万", "6.1万"]  # one style across the chart
    assert fig["layout"]["title"]["text"] == "覆盖职工数（人）"


def test_fig033_composition_rejects_an_unknown_part():
    with pytest.raises(ValueError):
        figures.composition(lines_frame(), "money")


# ---------------------------------------------------------------- one unit


def unit_frame() -> pd.DataFrame:
    return pd.DataFrame([
        {**dict.fromkeys(MEASURES, 0), "date": D2, "offer_ents": 1500, "signed_ents": 1200, "filed_ents": 900},
        {**dict.fromkeys(MEASURES, 0), "date": D1, "offer_ents": 800, "signed_ents": 500, "filed_ents": 100},
    ])


def test_fig040_unit_trend_stages_over_time():
    fig = figures.unit_trend(unit_frame(), 4000, PACE_POINTS)
    by_name = traces_by_name(fig)
    for stage, label in (("offer", "发出要约"), ("signed", "签订合同"), ("filed", "审查备案")):
        trace = by_name[label]
        assert list(trace["x"]) == [D1.isoformat(), D2.isoformat()]  # sorted by date
        assert trace["line"]["color"] == STAGE_COLOURS[stage]
        assert "markers" in trace["mode"]
    assert list(by_name["签订合同"]["y"]) == [500, 1200]
    assert list(by_name["发出要约"]["text"]) == ["800 家", "1,500 家"]


def test_fig041_unit_trend_pace_in_enterprises():
    fig = figures.unit_trend(unit_frame(), 4000, PACE_POINTS)
    pace = next(t for t in fig["data"] if t["name"].startswith(figures.PACE_LABEL))
    assert list(pace["y"]) == [0.0, 1200.0]
    assert pace["line"]["dash"] == "dash"
    assert "4,000" in pace["name"]
    assert fig["layout"]["yaxis"]["tickformat"] == ",d"
    # no target, no pace line
    no_target = figures.unit_trend(unit_frame(), 0, PACE_POINTS)
    assert not any(t["name"].startswith(figures.PACE_LABEL) for t in no_target["data"])


def test_fig042_unit_trend_city_pace_scaled_to_the_target():
    city = pd.DataFrame({"date": [D1, D2], "share": [0.1, 0.25]})
    fig = figures.unit_trend(unit_frame(), 4000, PACE_POINTS, city)
    assert list(traces_by_name(fig)["按全市进度折算"]["y"]) == [400.0, 1000.0]


# ---------------------------------------------------------------- common layout


@pytest.mark.parametrize(
    "fig",
    [
        figures.ranking_bar(ROWS, "备案率", 0, 1),
        figures.progress_lines(progress_frame(), TARGETS, PACE_POINTS, {"371324"}, NAMES),
        figures.composition(lines_frame()),
        figures.unit_trend(unit_frame(), 4000, PACE_POINTS),
    ],
    ids=["ranking", "progress", "composition", "unit_trend"],
)
def test_fig050_layout_for_the_projector_and_live_updates(fig):
    layout = fig["layout"]
    assert layout["uirevision"]
    assert layout["font"]["size"] >= 14
    assert "Noto Sans CJK SC" in layout["font"]["family"]
    assert layout["hovermode"] in ("closest", "x unified")
    assert layout["separators"] == ".,"


def test_fig051_optional_title():
    assert "text" not in figures.ranking_bar(ROWS, "备案率", 0, 1)["layout"].get("title", {})
    assert figures.ranking_bar(ROWS, "备案率", 0, 1, title="排名")["layout"]["title"]["text"] == "排名"
    assert figures.composition(lines_frame(), "copies", title="全市")["layout"]["title"]["text"] == "全市：份数（份）"


# ---------------------------------------------------------------- plain dicts, as plotly would send them


def every_figure() -> list[dict]:
    """Each builder, empty and full, fed the numpy values the pages pass (targets from `.astype(int)`,
    ranges from pandas sums)."""
    codes = pd.Series(["371324", "371302", "371311", "KF04"])
    targets = dict(zip(codes, pd.Series([200, 300, 100, 0]).astype(int), strict=True))  # numpy int64 values
    city = pd.DataFrame({"date": [D1, D2], "share": np.array([0.1, 0.25])})
    return [
        figures.empty_figure(),
        figures.empty_figure("无", title="标题"),
        figures.ranking_bar(ROWS, "备案率", np.float64(0.0), np.float64(0.9), lagging_codes={"371325"}, title="排名"),
        figures.ranking_bar([row("A", "甲", np.float64(0.1), "超前", 1, 2), row("B", "乙", -0.3, "落后", 2, 2)],
                            "进度差", -0.3, 0.3, reverse=True),
        figures.ranking_bar([], "备案率", 0, 1),
        figures.progress_lines(progress_frame(), targets, PACE_POINTS, {"371324"}, NAMES, title="进度"),
        figures.progress_lines(progress_frame(), targets, [], set(), {}),
        figures.composition(lines_frame(), "workers", title="全市"),
        figures.composition(lines_frame(), "copies"),
        figures.unit_trend(unit_frame(), np.int64(4000), PACE_POINTS, city, title="兰陵县"),
        figures.unit_trend(unit_frame(), 0, PACE_POINTS),
    ]


def plain_types(value) -> set[type]:
    """The exact types of every leaf of a figure (np.float64 is a float subclass: type(), not isinstance)."""
    if isinstance(value, dict):
        assert all(type(k) is str for k in value)
        return set().union(*map(plain_types, value.values()))
    if isinstance(value, list):
        return set().union(*map(plain_types, value))
    return {type(value)}


def test_fig052_figures_are_plain_json():
    """No numpy, pandas or date objects: any JSON encoder, Dash's included, can send them."""
    for fig in every_figure():
        assert set(fig) == {"data", "layout"}
        assert plain_types(fig) <= {str, int, float, bool, type(None)}
        assert json.loads(json.dumps(fig)) == fig


def test_fig053_plotly_accepts_them_unchanged():
    """go.Figure validates every property (a misspelt one raises) and sends what we send: the same
    template and colour scale, so the chart looks as it did when built as a go.Figure."""
    for fig in every_figure():
        assert json.loads(to_json_plotly(go.Figure(fig))) == json.loads(to_json_plotly(fig))


# ---------------------------------------------------------------- long rankings, many units


def long_rows(n: int, silent: int = 0) -> list[dict]:
    """n ranked units (U001 best, value 1 - i/1000) and `silent` without a figure, in page order."""
    rows = [row(f"U{i:03d}", f"单位{i}", 1 - i / 1000, f"{(1 - i / 1000) * 100:.1f}%", i, n + silent)
            for i in range(1, n + 1)]
    return rows + [row(f"N{i}", f"无数{i}", None, "尚未报送", None, n + silent) for i in range(1, silent + 1)]


def test_fig060_long_ranking_shows_best_and_worst_with_a_gap():
    fig = figures.ranking_bar(long_rows(100, silent=4), "备案率", 0.0, 1.0, each=3, lagging_codes={"U099"})
    bars, blanks, _ = fig["data"]
    order = fig["layout"]["yaxis"]["categoryarray"]
    assert order == ["U001", "U002", "U003", figures.GAP_ROW, "U098", "U099", "U100"]
    assert list(bars["customdata"]) == ["U001", "U002", "U003", "U098", "U099", "U100"]  # the drill-down reads it
    assert list(bars["x"]) == [0.999, 0.998, 0.997, 0.902, 0.901, 0.9]
    assert blanks["y"] == []  # the silent units are behind the gap, not drawn
    gap = fig["layout"]["yaxis"]["ticktext"][3]
    assert "… 其余 98 个单位（第 4–97 名，另 4 个无数据） …" in gap
    assert "⚠ 单位99" in fig["layout"]["yaxis"]["ticktext"][5]
    assert fig["layout"]["height"] == figures.ROW_PX * 7 + 68  # bounded, whatever the number of units
    big = figures.ranking_bar(long_rows(2_875), "备案率", 0.0, 1.0)
    assert big["layout"]["height"] == figures.ROW_PX * (2 * 15 + 1) + 68
    assert "其余 2,845 个单位（第 16–2,860 名）" in big["layout"]["yaxis"]["ticktext"][15]


def test_fig061_long_ranking_keeps_the_colours_of_all_units():
    rows = long_rows(100)
    scale = classes([r["value"] for r in rows], None)
    bars = figures.ranking_bar(rows, "备案率", 0.0, 1.0, each=3)["data"][0]
    assert list(bars["marker"]["color"]) == [scale.colour(v) for v in bars["x"]]
    whole = figures.ranking_bar(rows[:6], "备案率", 0.0, 1.0, each=3)  # 6 rows: as before, no gap
    assert figures.GAP_ROW not in whole["layout"]["yaxis"]["categoryarray"]


def test_fig062_gap_text():
    best, worst = long_rows(3), long_rows(10)[-2:]
    assert figures.gap_text(best, worst, 5) == "… 其余 5 个单位（第 4–8 名） …"
    assert figures.gap_text(best, [row("N", "无", None, "尚未报送", None)], 3, 3) == "… 其余 3 个单位（3 个无数据） …"


def many_units_trend(n: int) -> tuple[pd.DataFrame, dict, dict]:
    """Unit k (1..n) has signed k enterprises on D1 and 2k on D2, target 10k: 10% then 20%."""
    frame = pd.DataFrame([trend_row(d, f"U{k}", f"单位{k}", signed_ents=k * m)
                          for k in range(1, n + 1) for d, m in ((D1, 1), (D2, 2))])
    return frame, {f"U{k}": 10 * k for k in range(1, n + 1)}, {f"U{k}": f"单位{k}" for k in range(1, n + 1)}


def test_fig063_progress_of_many_units_is_their_total_and_the_named_ones():
    df, targets, names = many_units_trend(figures.OTHERS_MAX + 11)  # 51 units: 11 named, 40 others
    highlight = {f"U{k}" for k in range(1, 12)}
    fig = figures.progress_lines(df, targets, PACE_POINTS, highlight, names)
    names_drawn = [t["name"] for t in fig["data"]]
    assert figures.OTHERS_LABEL in names_drawn and figures.ALL_UNITS_LABEL not in names_drawn  # 40: as before
    assert len([t for t in fig["data"] if t["name"].startswith("单位")]) == figures.HIGHLIGHT_MAX

    df, targets, names = many_units_trend(figures.OTHERS_MAX + 12)  # 52: 41 others
    fig = figures.progress_lines(df, targets, PACE_POINTS, highlight, names)
    (total,) = [t for t in fig["data"] if t["name"] == figures.ALL_UNITS_LABEL]
    assert figures.OTHERS_LABEL not in [t["name"] for t in fig["data"]]
    assert total["x"] == [D1.isoformat(), D2.isoformat()]
    assert total["y"] == pytest.approx([0.1, 0.2])  # sum k / sum 10k, then sum 2k / sum 10k
    n = figures.OTHERS_MAX + 12
    assert f"签约覆盖企业 {n * (n + 1):,} / 目标 {10 * n * (n + 1) // 2:,} 家" in total["hovertext"][1]
    assert len(fig["data"]) == figures.HIGHLIGHT_MAX + 2


def test_fig064_a_unit_not_yet_reported_counts_zero_in_the_total():
    df = pd.DataFrame([trend_row(D1, "A", "甲", signed_ents=10), trend_row(D2, "A", "甲", signed_ents=20),
                       trend_row(D2, "B", "乙", signed_ents=30)])
    rows = [df]
    rows += [pd.DataFrame([trend_row(D1, f"Z{k}", "零", signed_ents=0)]) for k in range(figures.OTHERS_MAX)]
    frame = pd.concat(rows, ignore_index=True)
    targets = {"A": 100, "B": 100, **{f"Z{k}": 100 for k in range(figures.OTHERS_MAX)}}
    fig = figures.progress_lines(frame, targets, PACE_POINTS, set(), {})
    (total,) = [t for t in fig["data"] if t["name"] == figures.ALL_UNITS_LABEL]
    target = 100 * (figures.OTHERS_MAX + 2)
    assert total["y"] == pytest.approx([10 / target, 50 / target])  # B counts 0 on D1, A carries 20 on D2
