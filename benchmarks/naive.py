"""This product against a naive Dash app on the same database: first load and a date change.

    python benchmarks/naive.py [--runs 20] [--database-url URL] [--scale city|nation]

The naive app is what a BI-minded first version looks like, written here in full so that the
comparison is reproducible: one callback reads every report line of the campaign with pandas,
picks the current versions and each unit's latest report in pandas, computes totals and rates in
pandas, and rebuilds every figure with plotly.express (the map with the same boundaries, the
ranking, the progress lines over every report date, the composition, the KPI numbers) on every
change. It shows the same things as the overview, without the lagging rules.

--scale city (the default): the 临沂 demo (279 reports), signed in as its leader; the overview and
the naive app show the 12 county-level units. --scale nation: the national demo (3,569 units,
~115,000 report lines), signed in as demo-nation; the overview shows 全国's children, the provinces,
and so does the naive app, the same naive way: it also reads every unit with its parent id (not
only those with a baseline) and, in pandas, walks each unit's parent chain up with one merge per
level to the root's child it lies under, then sums the units' figures per child at each date
(progress lines included) before the rates; the map takes the provinces' boundaries from the file
the overview serves them from (dashboard/geo_areas.children_geojson of the root's adcode).
Once, after the timings, the KPI total of signed_ents that the naive app returns for the changed
date is checked against the overview's own figure (db.hierarchy.area_totals): both show the same data.

Both apps run in this process on the same database (a fresh demo: temporary SQLite, or a fresh
PostgreSQL schema, as benchmarks/run.py builds it) and are driven through the Flask test client:
- first load: naive = its one callback with the defaults; ours = the router for `/` (the page with
  every figure in it).
- date change: naive = its callback with a date; ours = `update_data` with it (KPIs, trend, composition,
  map Patch and ranking in one answer).
"ours, computed" has the shared cache off (every request computes); "ours, shared" has it on, as
served: after one viewer computed an answer, every other viewer of the same view gets it from the
cache. "first load, ours, computed" stands for the first computation after a change: before each of
its requests (warm-ups included, outside the timing) a cheap real write gives the data a new version
(benchmarks/run.new_data_version), so nothing kept per data version (the overview's trend,
dashboard/trend_memo.py) is reused. Its date change keeps the version, as in real use (a viewer
changes the date on a page already loaded at it, here by the first load just before). The naive app
keeps nothing between requests. Times are wall milliseconds per request (p50 and p95 of --runs after
3 warm-ups).
A measuring tool: prints the numbers and exits 0 (1 if the two apps' signed_ents disagree).
"""
# ruff: noqa: E402

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd
import plotly.express as px
from dash import Dash, Input, Output, dcc, html
from sqlalchemy import func, select

from app import create_app, settle_heap
from benchmarks.run import (
    SCALES,
    find_props,
    new_data_version,
    page_area,
    request_body,
    setup_database,
    sign_in,
    table,
    timed,
)
from dashboard import geo, geo_areas, ids
from db import hierarchy
from db.engine import make_engine, read_session
from db.models import Report
from domain.measures import MEASURES
from domain.metrics import DEFAULT_METRIC

NAIVE_METRICS = {  # numerator, denominator: the catalogue's main rates, written out again as a naive app would
    "ent_coverage": ("signed_ents", "baseline_ents"),
    "worker_coverage": ("signed_workers", "baseline_workers"),
    "target_progress": ("signed_ents", "target_ents"),
}
UNITS_SQL = {  # the units of the campaign with their baselines; at national scale every unit, with its parent
    "city": "SELECT u.id AS unit_id, u.code, u.name, u.adcode, uc.baseline_ents, uc.baseline_workers, "
            "uc.target_ents, uc.target_workers FROM unit u JOIN unit_campaign uc ON uc.unit_id = u.id "
            "WHERE uc.campaign_id = {campaign}",
    "nation": "SELECT u.id AS unit_id, u.parent_id, u.code, u.name, u.adcode, uc.baseline_ents, uc.baseline_workers, "
              "uc.target_ents, uc.target_workers FROM unit u LEFT JOIN unit_campaign uc ON uc.unit_id = u.id "
              "AND uc.campaign_id = {campaign}",
}
MAP_VIEW = {"city": {"zoom": 6.5, "center": {"lat": 35.3, "lon": 118.4}},  # fixed, as a first version has it
            "nation": {"zoom": 2.6, "center": {"lat": 36.0, "lon": 104.0}}}
SUMMED = [*MEASURES, "baseline_ents", "baseline_workers", "target_ents", "target_workers"]


def under_root_child(units: pd.DataFrame) -> pd.Series:
    """Per unit (in `units` order), the child of the root it lies under (itself for a child, NaN for the
    root): the parent chain walked up with one merge per level, as a first version would."""
    chain = pd.DataFrame({"top": units["unit_id"], "parent": units["parent_id"]})
    parents = units[["unit_id", "parent_id"]].rename(columns={"unit_id": "parent", "parent_id": "grandparent"})
    while True:
        chain = chain.merge(parents, on="parent", how="left")  # a left merge keeps the rows in order
        up = chain["grandparent"].notna()  # the parent is not the root: step up to it
        if not up.any():
            break
        chain.loc[up, "top"] = chain.loc[up, "parent"]
        chain.loc[up, "parent"] = chain.loc[up, "grandparent"]
        chain = chain.drop(columns="grandparent")
    return chain["top"].where(chain["parent"].notna()).set_axis(units.index)


def roll_up(per_unit: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """The units' figures summed per child of the root, with the child's code, name and adcode."""
    sums = per_unit.groupby("top")[SUMMED].sum().reset_index()
    return units[["unit_id", "code", "name", "adcode"]].merge(sums, left_on="unit_id", right_on="top")


def naive_app(url: str, scale: str = "city") -> Dash:
    engine = make_engine(url)
    app = Dash(__name__, serve_locally=True)
    app.layout = html.Div([dcc.Input(id="campaign"), dcc.Input(id="date"), dcc.Input(id="metric"),
                           html.Div(id="kpis"), dcc.Graph(id="map"), dcc.Graph(id="ranking"),
                           dcc.Graph(id="progress"), dcc.Graph(id="composition")])

    @app.callback(Output("kpis", "children"), Output("map", "figure"), Output("ranking", "figure"),
                  Output("progress", "figure"), Output("composition", "figure"),
                  Input("campaign", "value"), Input("date", "value"), Input("metric", "value"))
    def update(campaign, date, metric):
        lines = pd.read_sql(
            "SELECT r.id, r.unit_id, r.report_date, r.version, l.kind, "
            + ", ".join(f"l.{m}" for m in MEASURES)
            + f" FROM report r JOIN report_line l ON l.report_id = r.id WHERE r.campaign_id = {int(campaign)}",
            engine, parse_dates=["report_date"])
        units = pd.read_sql(UNITS_SQL[scale].format(campaign=int(campaign)), engine)
        if scale != "city":
            units["top"] = under_root_child(units)
        as_of = pd.Timestamp(date) if date else lines["report_date"].max()
        current = lines[lines["version"] == lines.groupby(["unit_id", "report_date"])["version"].transform("max")]

        def totals_at(day):
            upto = current[current["report_date"] <= day]
            latest = upto[upto["report_date"] == upto.groupby("unit_id")["report_date"].transform("max")]
            per_unit = latest.groupby("unit_id")[list(MEASURES)].sum().reset_index()
            merged = units.merge(per_unit, on="unit_id", how="left")
            merged[list(MEASURES)] = merged[list(MEASURES)].fillna(0)
            return merged if scale == "city" else roll_up(merged, units)

        now = totals_at(as_of)
        for key, (num, den) in NAIVE_METRICS.items():
            now[key] = now[num] / now[den].where(now[den] > 0)
        metric = metric if metric in NAIVE_METRICS else "ent_coverage"
        city = now[list(MEASURES) + ["baseline_ents", "target_ents"]].sum()
        kpis = [html.Div(f"{m}: {int(city[m]):,}") for m in MEASURES]
        kpis.append(html.Div(f"目标进度 {city['signed_ents'] / max(city['target_ents'], 1):.1%}"))
        if scale == "city":
            shapes = geo.city_geojson(tuple(sorted(a for a in now["adcode"] if isinstance(a, str) and a)))
        else:
            shapes = geo_areas.children_geojson(units.loc[units["parent_id"].isna(), "adcode"].iloc[0])
        the_map = px.choropleth_map(now[now["adcode"].notna()], geojson=shapes, locations="adcode",
                                    featureidkey="properties.adcode", color=metric, hover_name="name",
                                    map_style="white-bg", **MAP_VIEW[scale])
        ranking = px.bar(now.sort_values(metric), x=metric, y="name", orientation="h")
        days = sorted(d for d in current["report_date"].unique() if d <= as_of)
        trend = pd.concat([totals_at(d).assign(day=d) for d in days]) if days else now.assign(day=as_of)
        trend["progress"] = trend["signed_ents"] / trend["target_ents"].where(trend["target_ents"] > 0)
        progress = px.line(trend, x="day", y="progress", color="name")
        latest = current[current["report_date"] <= as_of]
        latest = latest[latest["report_date"] == latest.groupby("unit_id")["report_date"].transform("max")]
        composition = px.bar(latest.groupby("kind")[["offer_ents", "signed_ents", "filed_ents"]].sum().reset_index(),
                             x="kind", y=["offer_ents", "signed_ents", "filed_ents"], barmode="group")
        return kpis, the_map, ranking, progress, composition

    app.server.config["ENGINE"] = engine
    return app


def naive_body(campaign: int, date: str | None, changed: str) -> bytes:
    outs = [{"id": i, "property": p} for i, p in (("kpis", "children"), ("map", "figure"), ("ranking", "figure"),
                                                   ("progress", "figure"), ("composition", "figure"))]
    key = "..kpis.children...map.figure...ranking.figure...progress.figure...composition.figure.."
    return json.dumps({"output": key, "outputs": outs, "changedPropIds": [changed],
                       "inputs": [{"id": "campaign", "property": "value", "value": campaign},
                                  {"id": "date", "property": "value", "value": date},
                                  {"id": "metric", "property": "value", "value": DEFAULT_METRIC}]}).encode()


def timed_naive(client, body: bytes, runs: int) -> list[float]:
    import time

    out = []
    for i in range(3 + runs):
        started = time.perf_counter()
        r = client.post("/_dash-update-component", data=body, content_type="application/json")
        if r.status_code != 200:
            raise SystemExit(f"naive app answered {r.status_code}: {r.get_data(as_text=True)[:300]}")
        if i >= 3:
            out.append((time.perf_counter() - started) * 1000)
    return out


def naive_kpi(client, body: bytes, measure: str) -> int:
    """The naive app's KPI figure of `measure` ("signed_ents: 12,345"), read off its answer."""
    r = client.post("/_dash-update-component", data=body, content_type="application/json")
    texts = [k["props"]["children"] for k in r.get_json()["response"]["kpis"]["children"]]
    return int(next(t for t in texts if t.startswith(f"{measure}: ")).split(": ")[1].replace(",", ""))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--scale", choices=SCALES, default="city", help="the 临沂 demo (default) or the national one")
    args = parser.parse_args()
    url, cleanup, setup, campaign = setup_database(args.database_url, True, args.scale)
    try:
        day = None
        naive = naive_app(url, args.scale)
        nclient = naive.server.test_client()
        results = {}
        results[("first load", "naive")] = timed_naive(nclient, naive_body(campaign, None, "campaign.value"), args.runs)
        for shared in (False, True):
            config = {"DATABASE_URL": url, "SESSION_COOKIE_SECURE": False}
            if not shared:
                config["SHARED_CACHE"] = {"CACHE_TYPE": "NullCache"}
            app = create_app(config)
            settle_heap()
            client = app.server.test_client()
            sign_in(client, args.scale)
            layout = client.get("/_dash-layout").get_json()
            values = {
                f"{ids.URL}.pathname": "/", f"{ids.URL}.search": "", f"{ids.CAMPAIGN}.value": campaign,
                f"{ids.AS_OF}.date": None, f"{ids.METRIC}.value": DEFAULT_METRIC, f"{ids.COMPOSITION_PART}.value": "ents",
                f"{ids.DATA_VERSION}.data": find_props(layout, ids.DATA_VERSION)["data"],
            }
            router = request_body(app, f"{ids.PAGE}.children", values, [f"{ids.URL}.pathname"])
            values[f"{ids.AREA}.data"] = page_area(client, router)
            if day is None:  # a week before the last report date: a real date change
                with read_session(app.server.extensions["jizhong_engine"]) as s:
                    last = s.scalar(select(func.max(Report.report_date)).where(Report.campaign_id == campaign))
                    day = (last - dt.timedelta(days=7)).isoformat()
                    ours_signed = hierarchy.area_totals(s, campaign, last - dt.timedelta(days=7),
                                                        values[f"{ids.AREA}.data"])["signed_ents"]
            dated = {**values, f"{ids.AS_OF}.date": day}
            who = "ours, shared" if shared else "ours, computed"
            engine = app.server.extensions["jizhong_engine"]
            fresh = None if shared else (lambda: new_data_version(engine))  # noqa: B023 (used within this iteration)
            results[("first load", who)] = timed(client, router, args.runs, 200, before=fresh)[0]
            change = request_body(app, f"{ids.KPIS}.children", dated, [f"{ids.AS_OF}.date"])  # the one data callback
            results[("date change", who)] = timed(client, change, args.runs, 200)[0]
            engine.dispose()
        results[("date change", "naive")] = timed_naive(nclient, naive_body(campaign, day, "date.value"), args.runs)
        naive_signed = naive_kpi(nclient, naive_body(campaign, day, "date.value"), "signed_ents")
        naive.server.config["ENGINE"].dispose()
    finally:
        cleanup()
    rows = []
    for action in ("first load", "date change"):
        base = statistics.median(results[(action, "naive")])
        for who in ("naive", "ours, computed", "ours, shared"):
            t = results[(action, who)]
            rows.append((action, who, f"{statistics.median(t):,.1f}", f"{p95(t):,.1f}",
                         "1×" if who == "naive" else f"{base / statistics.median(t):,.1f}×"))
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\n{backend} · {args.scale} demo: {setup['demo_reports']:,} reports · {args.runs} runs each after 3 warm-ups")
    table(["action", "app", "p50 ms", "p95 ms", "faster than naive (p50)"], rows)
    print(f"\nsame data: signed_ents on {day}, naive {naive_signed:,}, ours {ours_signed:,}")
    if naive_signed != ours_signed:
        raise SystemExit("the naive app and the overview disagree: the comparison does not hold")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
