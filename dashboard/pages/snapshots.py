"""Meeting snapshots: `/snapshots` (list, take one, compare two) and `/snapshot/<id>` (one, read-only).

Everything on `/snapshot/<id>` comes from the stored document (db/snapshots.py), never from the live
tables: it shows what the meeting saw, under a "数据截至 …" stamp. Leaders and admins get the
生成快照 form and the export buttons; the callbacks check the role again (callbacks/snapshots.py).

Snapshots are of an area: `/snapshots?campaign=…&date=…&metric=…&area=<adcode or code>` (the
overview's 生成快照 link) offers to freeze that area; without `area`, the top of the user's scope.
A user bound to an area lists, opens, compares and exports only snapshots of areas in that subtree
(dashboard/scope.py); another area's snapshot is "not found", as if it did not exist.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from dash import dcc, html

from dashboard import ids, labels, scope
from dashboard.components.dropdown import dropdown
from dashboard.components.graph import graph
from dashboard.data import resolve, session
from dashboard.exports import FORMATS, content
from dashboard.figures import map as map_figure
from dashboard.figures import overview as figures
from dashboard.http.auth import has_role
from dashboard.http.routes import GEOJSON_URL
from dashboard.state import PageState, compose
from db import hierarchy, snapshots
from domain.format import pct, signed_delta, thousands
from domain.metrics import METRICS

CAN_CREATE = ("leader", "admin")


def _export_panel() -> html.Div:
    """Export buttons, the background job's progress, and the download."""
    return html.Div(
        [
            html.Div([html.Button(labels.EXPORT_LABELS[f], id={"type": ids.SN_EXPORT, "fmt": f}, n_clicks=0,
                                  className="sn-export-btn") for f in FORMATS], className="sn-export-buttons"),
            html.Div([html.Progress(id=ids.SN_PROGRESS, value="0", max="4"),
                      html.Span(id=ids.SN_PROGRESS_TEXT, className="muted")],
                     id=ids.SN_PROGRESS_BOX, className="sn-progress", style={"display": "none"}),
            html.Div(id=ids.SN_EXPORT_RESULT, className="sn-export-result", role="status"),
            dcc.Store(id=ids.SN_TICKET),
            dcc.Download(id=ids.SN_DOWNLOAD),
        ],
        className="sn-export",
    )


def within() -> int | None:
    """The scope the signed-in user's snapshots are limited to (None: every snapshot)."""
    return scope.top_area_id()


def url_area() -> str | None:
    """`area=` of the URL the router is rendering (its search is a State of the router callback)."""
    from dash import callback_context

    try:
        search = callback_context.states.get(f"{ids.URL}.search")
    except Exception:  # noqa: BLE001 - outside a callback (unit tests): no URL
        return None
    values = parse_qs((search or "").lstrip("?")).get("area") if isinstance(search, str) else None
    return values[-1] if values else None


def area_choice(s, key: str | None) -> tuple[hierarchy.Area | None, str | None]:
    """(area, refusal) for a snapshot of the area `key` (an adcode or unit code from the URL) by the
    signed-in user: no key, or one naming no unit (the installation's own adcode, e.g. 临沂's 371300),
    is the top of the user's scope; an area outside the scope is refused (Chinese), never frozen."""
    top = within()
    found = hierarchy.area(s, key) if isinstance(key, str) and key else None
    if found is None:
        return (hierarchy.area(s, top) if top is not None else None), None
    if not scope.area_visible(s, found.id):
        return None, f"无权为“{found.name}”生成快照：不在您的管辖范围内"
    if not hierarchy.children(s, found.id):
        return None, f"{found.name}没有下级单位，不是可生成快照的区域（省、市）"
    return found, None


def _filters_text(ctx, state: PageState, area: hierarchy.Area | None = None) -> str:
    metric = METRICS[state.metric].label
    where = f"{area.name} · " if area else ""
    return f"{where}{ctx.campaign['name']} · 截至 {labels.date_cn(ctx.as_of)} · 指标：{metric}"


def create_form(ctx, state: PageState, area: hierarchy.Area | None = None) -> html.Div:
    """Title, note, 生成快照; exporting the live view (these filters) takes a snapshot first."""
    return html.Div(
        [
            html.H3("生成快照"),
            html.P(["冻结当前总览：", html.Span(_filters_text(ctx, state, area), className="sn-filters-text"),
                    "。快照生成后不随后续报送或更正而改变。"], className="muted"),
            html.Label(["标题", dcc.Input(id=ids.SN_TITLE, type="text", maxLength=snapshots.TITLE_MAX,
                                         placeholder="如：5月31日调度会", className="sn-input")]),
            html.Label(["备注", dcc.Textarea(id=ids.SN_NOTE, maxLength=snapshots.NOTE_MAX, className="sn-note",
                                           placeholder="可选：会议议题、需要说明的数据情况")]),
            html.Button(labels.MAKE_SNAPSHOT, id=ids.SN_CREATE, n_clicks=0, className="sn-create"),
            html.Div(id=ids.SN_CREATE_RESULT, role="status"),
            html.H4("直接导出当前视图（先自动生成快照）"),
            _export_panel(),
            dcc.Store(id=ids.SN_FILTERS, data={"campaign": ctx.campaign["id"], "date": ctx.as_of.isoformat(),
                                               "metric": state.metric, "area": area.id if area else None}),
            dcc.Store(id=ids.SN_SNAPSHOT_ID, data=None),
        ],
        className="card sn-create-card",
    )


def snapshot_rows(items: list[dict]) -> html.Div:
    if not items:
        return html.P("还没有快照。", className="muted")
    # The 区域 column only where snapshots of areas exist (a one-city installation has none).
    areas = any(s.get("area_name") for s in items)
    head = html.Thead(html.Tr([html.Th(h) for h in ("编号", "标题", *(("区域",) if areas else ()), "数据截至", "行动",
                                                     "指标", "生成时间", "生成人")]))
    body = html.Tbody([
        html.Tr([
            html.Td(s["id"]),
            html.Td(dcc.Link(s["title"], href=f"/snapshot/{s['id']}", className="sn-link")),
            *([html.Td(s.get("area_name") or "全部")] if areas else []),
            html.Td(labels.date_cn(s["as_of"])),
            html.Td(s["campaign_name"] + (f"（{labels.DEMO}）" if s["is_demo"] and labels.DEMO not in s["campaign_name"]
                                          else "")),
            html.Td(METRICS[s["metric"]].label if s["metric"] in METRICS else s["metric"]),
            html.Td(f"{s['created_at']:%Y-%m-%d %H:%M}"),
            html.Td(s["created_by"]),
        ], **{"data-id": str(s["id"])})
        for s in items
    ])
    return html.Table([head, body], className="table sn-table")


def options(items: list[dict]) -> list[dict]:
    return [{"label": f"{s['id']} · {s['title']}（截至 {labels.short_date(s['as_of'])}）", "value": s["id"]}
            for s in items]


def layout(state: PageState, snapshot_id: str | None = None, area: str | None = None, **_):
    """`/snapshots` without an id, `/snapshot/<id>` with one (both routes lead here). `area`: the
    `area=` of the query string (read from the router's URL when the router does not pass it)."""
    if snapshot_id is not None:
        return snapshot_layout(state, snapshot_id)
    with session() as s:
        items = snapshots.listing(s, within=within())
        ctx = resolve(s, state.campaign, state.date)
        chosen, refusal = area_choice(s, area if area is not None else url_area())
    parts = [html.H2("会议快照")]
    if refusal:
        parts.append(html.Div(refusal, className="card error", role="alert"))
    elif has_role(*CAN_CREATE) and ctx.campaign and ctx.as_of:
        parts.append(create_form(ctx, state, chosen))
    older = [x["id"] for x in items[1:2]]
    parts += [
        html.Div([html.H3("全部快照"), html.Div(snapshot_rows(items), id=ids.SN_LIST)], className="card"),
        html.Div(
            [
                html.H3("比较两次快照"),
                html.P("看上次会议以来各单位的变化，以及哪些单位新列入或退出落后名单。", className="muted"),
                html.Div([
                    html.Label(["较早", dropdown(id=ids.SN_COMPARE_A, options=options(items),
                                                    value=older[0] if older else None, className="dd-snap")]),
                    html.Label(["较新", dropdown(id=ids.SN_COMPARE_B, options=options(items),
                                                    value=items[0]["id"] if items else None, className="dd-snap")]),
                ], className="controls"),
                html.Div(id=ids.SN_COMPARE_RESULT),
            ],
            className="card",
        ),
    ]
    return html.Div(parts, className="snapshots")


# ---------------------------------------------------------------- compare view


def _change(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        d = value * 100
        return "持平" if abs(d) < 0.05 else f"{'+' if d > 0 else '−'}{abs(d):.1f} 个百分点"
    return signed_delta(value)


def _value(value, kind: str) -> str:
    return pct(value) if kind == "rate" else thousands(value)


def compare_view(a: dict, b: dict) -> html.Div:
    result = snapshots.compare(a, b)
    kinds = {k: kind for k, _, kind in snapshots.COMPARED}

    def lag_list(title: str, rows: list[dict], cls: str) -> html.Div:
        items = [html.Li([html.Span(r["name"], className="sn-unit"), "：" + "；".join(r["reasons"])]) for r in rows]
        return html.Div([html.H4(f"{title}（{len(rows)}）"), html.Ul(items) if items else html.P("无", className="muted")],
                        className=f"sn-lag {cls}")

    kpi_rows = [html.Tr([html.Td(k["label"]), html.Td(_value(k["before"], k["kind"])),
                         html.Td(_value(k["after"], k["kind"])), html.Td(_change(k["change"], k["kind"]))])
                for k in result["kpis"]]
    # One list drives both the header and the cells, so columns cannot drift apart.
    shown = [(k, label) for k, label, _ in snapshots.COMPARED
             if k in ("signed_ents", "signed_workers", "filed_copies", "filing_rate", "ent_coverage")]
    head = ["单位", *[f"{label}变化" for _, label in shown], "落后"]
    unit_rows = []
    for u in result["units"]:
        status = {(False, True): "新列入", (True, False): "已退出", (True, True): "仍落后"}.get(
            (u["before_lagging"], u["after_lagging"]), "")
        unit_rows.append(html.Tr([html.Td(u["name"]), *[html.Td(_change(u["changes"][k]["change"], kinds[k]))
                                                          for k, _ in shown], html.Td(status)],
                                 className="lag" if u["after_lagging"] else "", **{"data-code": u["code"]}))
    return html.Div([
        html.P(f"从「{a['title']}」（截至 {a['filters']['as_of']}）到「{b['title']}」（截至 {b['filters']['as_of']}）",
               className="muted"),
        html.Div([lag_list("新列入落后", result["started"], "started"),
                  lag_list("退出落后", result["stopped"], "stopped"),
                  lag_list("仍然落后", result["still"], "still")], className="grid-3"),
        html.H4(f"{content.area_word(b)}指标"),
        html.Table([html.Thead(html.Tr([html.Th(h) for h in ("指标", "较早", "较新", "变化")])), html.Tbody(kpi_rows)],
                   className="table"),
        html.H4("各单位变化"),
        html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(unit_rows)],
                   className="table sn-compare-units"),
    ], className="sn-compare")


# ---------------------------------------------------------------- one snapshot


def _kpi_tiles(doc: dict) -> list:
    return [html.Div([html.Div(k["title"], className="kpi-title"),
                      html.Div(k["value"], className="kpi-value", **{"data-kpi": k["key"]}),
                      *[html.Div(line, className="kpi-sub") for line in k["lines"]],
                      html.Div(k["change"], className="kpi-sub"),
                      html.Div(k["last_year"], className="kpi-sub kpi-yoy") if k["last_year"] else None], className="kpi")
            for k in content.kpis(doc)]


def _unit_table(doc: dict) -> html.Table:
    headers, rows = content.unit_table(doc)
    body = [html.Tr([html.Td(c) for c in r], className="lag" if u["lagging"] else "", **{"data-code": u["code"]})
            for r, u in zip(rows, doc["units"], strict=True)]
    body.append(html.Tr([html.Td(c) for c in content.city_row(doc)], className="city"))
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(body)],
                      className="table sn-units")


def _overview_path(doc: dict) -> str:
    """The live overview of the snapshot's area: /area/<adcode> for an area with one, / for the root."""
    area = doc.get("area")
    return f"/area/{area['adcode']}" if area and area.get("adcode") else "/"


def view(doc: dict) -> html.Div:
    spec = content.metric_spec(doc)
    # The root's counties come from the app's cached GeoJSON route; an area's children are embedded.
    the_map = map_figure.district_map(content.children_geojson(doc), spec["rows"], spec["label"], spec["fmt"],
                                      spec["zmin"], spec["zmax"], reverse=spec["reverse"],
                                      geojson_url=None if doc.get("area") else GEOJSON_URL)
    ranking = figures.ranking_bar(spec["rows"], spec["label"], spec["zmin"], spec["zmax"], spec["reverse"],
                                  {x["code"] for x in doc["lagging"]})
    lagging = [html.Li([html.Span(x["name"], className="sn-unit"), "：" + "；".join(r["text"] for r in x["reasons"])],
                       **{"data-code": x["code"]}) for x in doc["lagging"]]
    cases = doc.get("highlights") or []
    parts = [
        html.Div([
            dcc.Link("← 全部快照", href="/snapshots", className="back"),
            html.H2(doc["title"]),
            html.Div(" › ".join(doc["area"]["path"]), className="sn-area") if doc.get("area") else None,
            html.Div(content.stamp(doc), className="sn-stamp", id="sn-stamp"),
            html.P(" · ".join(content.summary_lines(doc)), className="muted"),
            html.P(doc["note"], className="sn-note-text") if doc.get("note") else None,
            html.P(f"快照编号 {doc['id']} · 数据版本 {doc['data_version']} · 只读：后续报送和更正不会改变本快照",
                   className="muted"),
            html.Div([html.A("在总览中打开当前数据", href=_overview_path(doc) + compose(
                PageState(doc["filters"]["campaign_id"], None, doc["filters"]["metric"])))]),
        ], className="card sn-head"),
    ]
    if has_role(*CAN_CREATE):
        parts.append(html.Div([html.H3("导出本快照"), _export_panel(),
                               dcc.Store(id=ids.SN_SNAPSHOT_ID, data=doc["id"]),
                               dcc.Store(id=ids.SN_FILTERS, data=None),
                               # The export callback also serves the live view's form, which has these two.
                               dcc.Input(id=ids.SN_TITLE, type="hidden", value=""),
                               dcc.Input(id=ids.SN_NOTE, type="hidden", value="")], className="card"))
    parts += [
        html.Div(_kpi_tiles(doc), className="kpis"),
        html.Div([
            html.Div([html.H3(f"各单位分布：{spec['label']}"), graph("sn-map", the_map, 470, "map", scrollZoom=False)],
                     className="card"),
            html.Div([html.H3(f"落后单位 {len(lagging)} 个"),
                      html.Ol(lagging) if lagging else html.P("暂无落后单位。", className="muted")],
                     className="card lagging"),
        ], className="grid-map"),
        html.Div([html.H3(f"单位排名：{spec['label']}"), graph("sn-ranking", ranking)], className="card"),
        html.Div([html.H3(f"各单位明细（{len(doc['units'])} 个单位）"), _unit_table(doc)], className="card sn-table-card"),
        html.Div([html.H3("典型案例"),
                  html.Ul([html.Li(f"{c.get('title')}（{c.get('unit_name')}）：{c.get('summary') or ''}") for c in cases])
                  if cases else html.P("本快照没有典型案例。", className="muted")], className="card"),
    ]
    return html.Div([p for p in parts if p is not None], className="snapshot")


def snapshot_layout(state: PageState, snapshot_id: str = "", **_):
    if not snapshot_id.isdigit():
        return html.Div([html.H2(labels.SNAPSHOT_NOT_FOUND), dcc.Link("← 全部快照", href="/snapshots")], className="card")
    with session() as s:
        doc = snapshots.get(s, int(snapshot_id), within=within())
    if doc is None:  # another area's snapshot reads as missing: its existence is not told
        return html.Div([html.H2(labels.SNAPSHOT_NOT_FOUND), dcc.Link("← 全部快照", href="/snapshots")], className="card")
    return view(doc)
