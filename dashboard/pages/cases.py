"""/cases: the typical cases (典型) of a campaign with filters, a gallery and a photo wall, and every
unit's cases against its yearly 典型培育目标 (units without any case highlighted).

Builders here are pure (dicts in, components out); `content()` reads through db/cases/typical.py.
Filters are component values handled by callbacks/cases.py.
"""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids, labels, scope
from dashboard.components.dropdown import dropdown
from dashboard.components.tables import column, data_grid, md_link
from dashboard.data import default_campaign, session
from dashboard.http.auth import has_role
from db import queries
from db.cases import typical as db_cases
from db.models.cases import LEVELS, STAGES

EMPTY = "没有符合条件的典型。"


def campaign_choice(s, requested: int | None) -> tuple[dict | None, list[dict]]:
    """The campaign asked for, else the default one (the newest with reports); and all campaigns."""
    all_campaigns = queries.campaigns(s)
    chosen = next((c for c in all_campaigns if c["id"] == requested), None) or default_campaign(all_campaigns)
    return chosen, all_campaigns


def options(mapping: dict[str, str]) -> list[dict]:
    return [{"label": label, "value": key} for key, label in mapping.items()]


def badges(case: dict) -> list:
    out = [html.Span(case["level_label"], className=f"cs-badge level-{case['level']}"),
           html.Span(case["stage_label"], className=f"cs-badge stage-{case['stage']}")]
    if case["city_level"]:
        out.append(html.Span(labels.CITY_LEVEL, className="cs-badge city-level"))
    return out


def case_card(case: dict) -> html.Div:
    picture = (html.Img(src=case["thumb_url"], alt=case["title"], className="cs-thumb")
               if case["thumb_url"] else html.Div("暂无图片", className="cs-thumb cs-nophoto"))
    return html.Div(
        [
            dcc.Link(picture, href=f"/case/{case['id']}", className="cs-thumb-link"),
            html.Div(
                [
                    dcc.Link(case["title"], href=f"/case/{case['id']}", className="cs-title"),
                    html.Div(badges(case), className="cs-badges"),
                    html.Div(f"{case['unit_name']} · {case['subject']}", className="cs-unit"),
                    html.P(case["short"], className="cs-summary"),
                    html.Div(f"共 {len(case['photos'])} 张图片" if case["photos"] else "", className="muted"),
                ],
                className="cs-body",
            ),
        ],
        className="cs-card" + (" is-city" if case["city_level"] else ""),
        **{"data-case-id": str(case["id"]), "data-unit": case["unit_code"]},
    )


def gallery(cases: list[dict]) -> html.Div | html.P:
    if not cases:
        return html.P(EMPTY, className="muted")
    return html.Div([case_card(c) for c in cases], className="cs-gallery")


def photo_wall(cases: list[dict]) -> html.Div | html.P:
    """Every photo of the shown cases; a click opens the case."""
    tiles = [
        dcc.Link(html.Img(src=p["thumb_url"], alt=f"{c['title']}（{i + 1}）"),
                 href=f"/case/{c['id']}", className="cs-photo", title=c["title"])
        for c in cases
        for i, p in enumerate(c["photos"])
    ]
    if not tiles:
        return html.P("所选典型还没有图片。", className="muted")
    return html.Div(tiles, className="cs-photo-wall")


TARGET_COLUMNS = [
    column("unit", "单位", width=140, link=True),
    column("total", "典型总数", width=100, numeric=True),
    column("new", "本年新培育", width=110, numeric=True),
    column("city_level", labels.CITY_LEVEL, width=100, numeric=True),
    column("target", "年度培育目标", width=120, numeric=True),
    column("progress", "完成进度（%）", width=120, numeric=True),
    column("status", "情况", width=110, cellClassRules={"grid-warn": "params.data.warn"}),
]


def target_grid_rows(rows: list[dict]) -> list[dict]:
    """One grid row per unit: its cases against the yearly target, `warn` for no case at all or a gap."""
    out = []
    for r in rows:
        if r["none"]:
            status = "无典型"
        elif r["target"] == 0:
            status = "未设目标"
        else:
            status = "已达目标" if r["met"] else f"差 {r['gap']} 个"
        out.append({"id": r["code"], "unit": md_link(r["name"], f"/district/{r['code']}"), "total": r["total"],
                    "new": r["new"], "city_level": r["city_level"], "target": r["target"] or None,
                    "progress": round(100 * min(r["new"] / r["target"], 1)) if r["target"] else None,
                    "status": status, "warn": bool(r["none"] or (r["target"] and not r["met"]))})
    return out


def target_table(rows: list[dict]):
    """Cases against the yearly target, one virtualised grid row per unit (sortable, filterable: the
    same at 23 units and at 3,000)."""
    if not rows:
        return html.P("本次行动还没有参加单位。", className="muted")
    return data_grid(ids.CS_TARGET_GRID, TARGET_COLUMNS, target_grid_rows(rows), page_size=50, class_name="cs-targets")


def content(s, campaign_id: int, unit=None, level=None, stage=None, city_only=False) -> dict:
    """Everything the filters change: counts text, gallery, photo wall; and the target table."""
    found = scope.only_visible(s, db_cases.list_cases(
        s, campaign_id, unit=unit or None, level=level or None, stage=stage or None,
        city_level=True if city_only else None), "unit_code")  # a leader or admin bound to an area: its units
    within = scope.visible_units()  # the viewer's area, in SQL
    counts = db_cases.case_counts(s, campaign_id, within)
    names = {u["code"]: u["name"] for u in db_cases.units(s, within)}
    photos = sum(len(c["photos"]) for c in found)
    return {
        "count": f"共 {len(found)} 个典型，{photos} 张图片",
        "gallery": gallery(found),
        "photos": photo_wall(found),
        "targets": target_table(db_cases.target_rows(counts, names)),
    }


def _filter(label: str, control) -> html.Label:
    return html.Label([label, control])


def layout(state, **_):
    with session() as s:
        chosen, all_campaigns = campaign_choice(s, state.campaign)
        if chosen is None:
            return html.Div(labels.NO_CAMPAIGN, className="card notice")
        units = db_cases.units(s, scope.visible_units())
        view = content(s, chosen["id"])
    new_link = (dcc.Link(labels.CASE_NEW, href=f"/cases/new?campaign={chosen['id']}", className="btn cs-new")
                if has_role("reporter", "admin") else None)
    controls = html.Div(
        [
            _filter("行动", dropdown(id=ids.CS_CAMPAIGN, options=[labels.campaign_option(c) for c in all_campaigns],
                                         value=chosen["id"], clearable=False, className="dd-campaign")),
            _filter("单位", dropdown(id=ids.CS_UNIT, placeholder=labels.ALL, className="cs-dd-unit",
                                         options=[{"label": u["name"], "value": u["code"]} for u in units])),
            _filter("层级", dropdown(id=ids.CS_LEVEL, options=options(LEVELS), placeholder=labels.ALL,
                                         className="cs-dd")),
            _filter("阶段", dropdown(id=ids.CS_STAGE, options=options(STAGES), placeholder=labels.ALL,
                                         className="cs-dd")),
            dcc.Checklist(id=ids.CS_CITY, options=[{"label": f"只看{labels.CITY_LEVEL}", "value": "city"}], value=[],
                          className="cs-city", inline=True),
            new_link,
        ],
        className="controls cs-controls",
    )
    return html.Div(
        [
            html.H2(labels.CASES_TITLE, className="page-title"),
            controls,
            html.Section([html.H3("典型列表"), html.P(view["count"], id=ids.CS_COUNT, className="muted"),
                          html.Div(view["gallery"], id=ids.CS_GALLERY)], className="card"),
            html.Section([html.H3("图片"), html.Div(view["photos"], id=ids.CS_PHOTOS)], className="card"),
            html.Section(
                [html.H3("各单位典型与年度典型培育目标"),
                 html.P("本年新培育 = 培育中 + 已选树（跟踪服务的旧典型不计入目标）。“情况”标红：还没有任何典型，"
                        "或未达年度培育目标。点击表头排序、筛选。", className="muted"),
                 html.Div(view["targets"], id=ids.CS_TARGETS)],
                className="card",
            ),
        ],
        className="cases-page",
    )
