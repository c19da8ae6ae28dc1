"""The overview weighs the same with 12 units or 2,900: the layout and its callbacks' outputs are built
from synthetic frames shaped like db.queries (no database), and their Dash components counted and
their JSON measured.

Before: a bar per unit (68,440 px at 2,850 units), a card per lagging unit (about 18.6 components
a unit froze the browser at 150 units), a grey line per unit in the progress figure (27 MB)."""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pytest
from dash.development.base_component import Component
from plotly.io.json import to_json_plotly

from dashboard import ids
from dashboard.components.long_list import GRID_HEIGHT_PX
from dashboard.data import Context
from dashboard.figures import map as map_figure
from dashboard.figures import overview as figures
from dashboard.pages import overview as page
from dashboard.state import PageState
from domain.lagging import Thresholds
from domain.measures import LINE_KINDS, MEASURES
from domain.metrics import METRICS
from domain.ranking import SHOWN_EACH

MAX_PAYLOAD = 1_500_000  # bytes of JSON per output (issue: first payload per page <= 1.5 MB)
CAMPAIGN = {"id": 7, "name": "演示行动", "year": 2017, "is_demo": True, "window_start": dt.date(2017, 3, 1),
            "window_end": dt.date(2017, 5, 31), "cutoff_date": dt.date(2017, 5, 31), "deadline": dt.date(2017, 6, 10)}
DATES = [dt.date(2017, 3, 3) + dt.timedelta(days=7 * k) for k in range(7)]  # weekly, to 2017-04-14
RATES = {"sign_rate": ("signed_copies", "offer_copies"), "filing_rate": ("filed_copies", "signed_copies"),
         "ent_coverage": ("signed_ents", "baseline_ents"), "worker_coverage": ("signed_workers", "baseline_workers"),
         "target_progress": ("signed_ents", "target_ents")}


def synthetic(n: int, seed: int = 13) -> tuple[pd.DataFrame, dict, pd.DataFrame, pd.DataFrame]:
    """(unit_metrics, city_metrics, trend by unit, line_totals) for `n` units: one in 40 never reports,
    one in 25 is off the map (no adcode), the rest report weekly at their own pace."""
    rnd = random.Random(seed)
    units, trend = [], []
    for i in range(n):
        code = f"{370000 + i:06d}"
        base = rnd.randint(200, 9000)
        target = max(1, int(base * 0.35))
        never = i % 40 == 39
        speed = rnd.uniform(0.3, 1.3)
        signed = 0 if never else min(base, int(target * speed * 0.6))
        offer = 0 if never else int(signed * rnd.uniform(1.0, 1.2))
        filed = int(signed * rnd.uniform(0.3, 1.0))
        row = {"code": code, "name": f"合成单位{i}", "kind": "开发区" if i % 25 == 24 else "县区",
               "adcode": None if i % 25 == 24 else code, "sort_order": i, "baseline_ents": base,
               "baseline_workers": base * 40, "target_ents": target, "target_workers": target * 40,
               "last_report_date": None if never else DATES[-1 - (i % 3 == 0) * 2],
               "offer_copies": offer // 10, "offer_ents": offer, "offer_workers": offer * 40,
               "signed_copies": signed // 10, "signed_ents": signed, "signed_workers": signed * 40,
               "filed_copies": filed // 10, "filed_ents": filed, "filed_workers": filed * 40}
        for key, (num, den) in RATES.items():
            row[key] = None if never or not row[den] else row[num] / row[den]
        units.append(row)
        if not never:
            for k, d in enumerate(DATES):
                share = (k + 1) / len(DATES)
                trend.append({"date": d, "code": code, "name": row["name"],
                              **{m: int(row[m] * share) for m in MEASURES}})
    df = pd.DataFrame(units)
    # As db.queries.unit_metrics leaves them: None (not NaN) for no adcode, no report, no rate.
    df["adcode"] = [a if isinstance(a, str) and a else None for a in df["adcode"]]
    df["last_report_date"] = pd.Series([r["last_report_date"] for r in units], dtype=object)
    for key in RATES:
        df[key] = df[key].astype(object).where(df[key].notna(), None)
    city = {m: int(df[m].sum()) for m in [*MEASURES, "baseline_ents", "baseline_workers", "target_ents",
                                          "target_workers"]}
    city.update(units=n, units_reported=int(df["last_report_date"].notna().sum()))
    for key, (num, den) in RATES.items():
        city[key] = city[num] / city[den] if city[den] else None
    lines = pd.DataFrame([{"kind": k, **{m: city[m] // 3 for m in MEASURES}} for k in LINE_KINDS])
    return df, city, pd.DataFrame(trend), lines


@pytest.fixture
def offline(monkeypatch):
    """The page's data access and the panels of other pages, replaced: only this page's builders run."""
    from dash import html

    monkeypatch.setattr(page, "thresholds", lambda _campaign: Thresholds())
    monkeypatch.setattr(page, "pending_review_marker", lambda *_: None)
    monkeypatch.setattr(page, "has_role", lambda *_: False)
    monkeypatch.setattr(page, "overview_slot", lambda *_: html.Div(id=ids.AC_PANEL))  # the action panel's own
    monkeypatch.setattr(page, "map_geojson", squares)
    monkeypatch.setattr(page, "find_area", lambda *_: ("area", page.AreaRef(None, "临沂市", None, "city")))
    monkeypatch.setattr(page, "trail", lambda *_: [])
    monkeypatch.setattr(page, "area_geojson", lambda _area, units: (squares(units), None))

    def build(n: int) -> dict:
        units, city, trend, lines = synthetic(n)
        ctx = Context(CAMPAIGN, [CAMPAIGN], DATES, DATES[-1])
        snap = page.Snapshot(units, city, None, None, trend, lines, [])

        class NoSession:
            def __enter__(self):
                return None

            def __exit__(self, *_):
                return False

        monkeypatch.setattr(page, "session", NoSession)
        monkeypatch.setattr(page, "resolve", lambda *_: ctx)
        monkeypatch.setattr(page, "load", lambda *_: snap)
        layout = page.layout(PageState(metric="ent_coverage"))
        view = page.data_view(ctx, snap, "ents", "")
        metric = "stale_days"  # lower is better: the ranking's other direction
        mv = page.metric_view(ctx, units, metric, view["lag_codes"])
        args = (mv["rows"], mv["label"], mv["zmin"], mv["zmax"])
        return {
            "layout": layout,
            "lagging": view["lagging"], "progress": view["progress"], "time_bar": view["time_bar"],
            "kpis": view["kpis"], "composition": view["composition"],
            "map_patch": map_figure.recolor_patch(*args, fmt=mv["fmt"], reverse=mv["reverse"]),
            "offmap": map_figure.offmap_bar(*args, mv["fmt"], reverse=mv["reverse"]), "ranking": mv["ranking"],
            "rows": mv["rows"],
        }

    return build


def squares(units: pd.DataFrame) -> dict:
    """A small square per mapped unit, in a grid over Shandong (the boundaries' shape, not their detail)."""
    features = []
    for i, adcode in enumerate(a for a in units["adcode"] if isinstance(a, str) and a):
        x, y = 115 + (i % 60) * 0.1, 34 + (i // 60) * 0.1
        ring = [[x, y], [x + 0.09, y], [x + 0.09, y + 0.09], [x, y + 0.09], [x, y]]
        features.append({"type": "Feature", "id": adcode, "properties": {"adcode": adcode},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    return {"type": "FeatureCollection", "features": features}


def components(tree) -> int:
    """Dash components in a layout (children, and components held in any other property)."""
    if isinstance(tree, Component):
        return 1 + sum(components(v) for k, v in tree.to_plotly_json()["props"].items() if k != "id")
    if isinstance(tree, list | tuple):
        return sum(components(x) for x in tree)
    return 0


def payload(value) -> int:
    return len(to_json_plotly(value).encode())


def test_scl001_component_count_does_not_grow_with_units(offline):
    small, large, larger = offline(12), offline(2_900), offline(1_450)
    # A lagging card has a tag per reason (1 to 4): past SHOWN_EACH lagging units the list stops
    # growing, and only which units lag (and so how many tags) differs.
    tags = 3 * SHOWN_EACH
    assert abs(components(larger["layout"]) - components(large["layout"])) <= tags
    assert components(small["layout"]) <= components(large["layout"]) <= components(small["layout"]) + 8 * SHOWN_EACH
    assert abs(components(larger["lagging"]) - components(large["lagging"])) <= tags
    for key in ("time_bar", "kpis"):
        assert components(larger[key]) == components(large[key]), key
    assert components(large["layout"]) < 400  # 2,920 components froze the browser at 150 units


@pytest.mark.parametrize("key", ["layout", "lagging", "progress", "time_bar", "kpis", "composition", "map_patch",
                                 "offmap", "ranking"])
def test_scl002_every_output_is_light_at_2900_units(offline, key):
    built = offline(2_900)
    assert payload(built[key]) <= MAX_PAYLOAD, f"{key}: {payload(built[key]):,} bytes"


def test_scl003_ranking_and_progress_are_bounded_at_2900_units(offline):
    built = offline(2_900)
    ranking, progress = built["ranking"], built["progress"]
    shown = ranking["layout"]["yaxis"]["categoryarray"]
    assert len(shown) == 2 * SHOWN_EACH + 1 and shown[SHOWN_EACH] == figures.GAP_ROW
    assert ranking["layout"]["height"] == figures.ROW_PX * (2 * SHOWN_EACH + 1) + 68
    # The worst of 未报送天数 (lower is better) are the units with the most days without a report.
    worst = [r for r in built["rows"] if r["code"] in shown[SHOWN_EACH + 1:]]
    assert min(r["value"] for r in worst) == max(r["value"] for r in built["rows"] if r["code"] not in shown)
    assert len(progress["data"]) <= figures.HIGHLIGHT_MAX + 2  # named lines, the pace, all units together
    assert figures.ALL_UNITS_LABEL in [t["name"] for t in progress["data"]]


def test_scl004_the_grid_panel_travels_empty(offline):
    layout = offline(2_900)["layout"]
    panel = next(c for c in _walk(layout) if getattr(c, "id", None) == ids.OV_ALL_PANEL)
    grid = next(c for c in _walk(panel) if getattr(c, "id", None) == ids.OV_ALL_GRID)
    assert panel.hidden is True and grid.rowData == [] and grid.style["height"] == f"{GRID_HEIGHT_PX}px"
    buttons = [c for c in _walk(layout) if isinstance(getattr(c, "id", None), dict)]
    assert {b.id["list"] for b in buttons} == {"ranking", "lagging"}
    assert [b.children for b in buttons if b.id["list"] == "ranking"] == ["显示全部（2,900 个）"]


def _walk(tree):
    if isinstance(tree, Component):
        yield tree
        for v in tree.to_plotly_json()["props"].values():
            yield from _walk(v)
    elif isinstance(tree, list | tuple):
        for x in tree:
            yield from _walk(x)


def test_scl005_metric_catalogue_is_what_the_synthetic_frame_carries():
    units, *_ = synthetic(3)
    assert {m for m in METRICS if m not in ("pace", "stale_days")} <= set(units.columns)


def test_scl006_the_opened_grid_is_light_at_2900_units():
    from dashboard.components.long_list import LAGGING, RANKING, grid_view
    from domain.lagging import evaluate
    from domain.ranking import metric_rows

    units, city, *_ = synthetic(2_900)
    c, as_of = CAMPAIGN, DATES[-1]
    rows = metric_rows(units, "ent_coverage", as_of, c["window_start"], c["window_end"])
    lag = evaluate(units, city, as_of, c["window_start"], c["window_end"], Thresholds())
    every = grid_view(rows, lag, "企业覆盖率", RANKING)
    assert len(every["rowData"]) == 2_900 and payload(every) <= MAX_PAYLOAD  # about 0.76 MB
    lagging = grid_view(rows, lag, "企业覆盖率", LAGGING)
    assert len(lagging["rowData"]) == len(lag) and payload(lagging) <= payload(every)
