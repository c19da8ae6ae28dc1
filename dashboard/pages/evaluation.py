"""`/evaluation` 实效评价: one radar per unit against the average of the viewer's area (全市; 全省 …
for a viewer bound to a province) with its weakest dimension named, a table of score rates, a
dimension (满意度评价 by default) over time; admins edit the scheme (dimensions, weights, 满分 — data,
not code, since the standard is not available to us) and enter scores. ?unit=CODE draws that unit
large and highlights it.
"""

from __future__ import annotations

import datetime as dt

from dash import dcc, html
from flask_login import current_user

from dashboard import ids, labels
from dashboard import scope as user_scope
from dashboard.components.dropdown import dropdown
from dashboard.components.followup_forms import entry_unit, field, scope, tabs, text_input, unit_filter, unit_name
from dashboard.components.graph import graph
from dashboard.components.tables import column, data_grid
from dashboard.data import resolve, session
from dashboard.figures import followup as action_figures
from db.followup import common as followup_db
from db.followup import evaluation as evaluation_db
from domain import followup as rules


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.0f}%"


# --- pure builders ---------------------------------------------------------------------------------


def scores_table(units: list[dict], dims: list[dict], profiles: dict, city: dict, selected: str | None,
                 whole: str = labels.CITY) -> html.Table:
    dim_ids, weights = [d["id"] for d in dims], {d["id"]: d["weight"] for d in dims}
    head = html.Tr([html.Th("单位"), html.Th("综合（百分制）"),
                    *[html.Th(f"{d['name']}（权重 {d['weight']:g}）") for d in dims], html.Th("最弱维度")])
    rows = []
    for code, name, profile in [("", whole + "平均", city)] + [(u["code"], u["name"], profiles.get(u["code"]))
                                                                   for u in units if u["code"] in profiles]:
        weakest = rules.weakest_dimension(profile, weights, dim_ids)
        total = rules.weighted_total(profile, weights)
        rows.append(html.Tr(
            [html.Td(name), html.Td("—" if total is None else f"{total:.1f}", className="num"),
             *[html.Td(_pct(profile.get(d)), className="num" + (" ac-weak" if d == weakest else "")) for d in dim_ids],
             html.Td(next((d["name"] for d in dims if d["id"] == weakest), "—"))],
            className=("ac-city" if not code else "ac-sel" if code == selected else None), **{"data-unit": code or "city"}))
    return html.Table([html.Thead(head), html.Tbody(rows)], className="ac-table ac-scores")


def evaluation_rows(evals: list[dict], dims: list[dict]) -> list[dict]:
    """One grid row per evaluation; a score column d<id> holds the score (a number, so it sorts)."""
    return [{"id": e["id"], "date": e["eval_date"].isoformat(), "unit": e["unit_name"],
             "subject": e["enterprise"] or "本单位", **{f"d{d['id']}": e["scores"].get(d["id"]) for d in dims}}
            for e in evals]


def evaluations_table(evals: list[dict], dims: list[dict]):
    if not evals:
        return html.P("还没有评价记录。", className="muted")
    columns = [column("date", "日期", width=120, flex=None, sort="desc"), column("unit", "单位", width=110),
               column("subject", "评价对象", width=160, flex=2)]
    columns += [column(f"d{d['id']}", f"{d['name']}（满分 {d['scale_max']:g}）", width=110, numeric=True)
                for d in dims]
    return data_grid(ids.AC_EV_LOG, columns, evaluation_rows(evals, dims), class_name="ac-evals-grid")


def trend_dimension(dims: list[dict], chosen: object) -> dict | None:
    return next((d for d in dims if d["id"] == chosen), None) or next(
        (d for d in dims if d["name"] == rules.SATISFACTION), dims[-1] if dims else None)


def body_view(v: dict) -> list:
    units, dims, unit = v["units"], v["dims"], v["unit"]
    names = [d["name"] for d in dims]
    dim_ids = [d["id"] for d in dims]
    weights = {d["id"]: d["weight"] for d in dims}
    profiles, city = v["profiles"], v["city"]
    average = v["whole"] + "平均"  # 全市平均, 全省平均 …: the average of every unit the viewer sees
    cells = []
    for u in units:
        p = profiles.get(u["code"])
        if p is None:
            continue
        weakest = rules.weakest_dimension(p, weights, dim_ids)
        cells.append((u["code"], u["name"], [p[d] for d in dim_ids], next((d["name"] for d in dims if d["id"] == weakest), None)))
    city_rates = [city[d] for d in dim_ids]
    parts = [unit_filter(units, unit)]
    if unit:
        p = profiles.get(unit)
        uname = unit_name(units, unit)
        weakest = rules.weakest_dimension(p, weights, dim_ids) if p else None
        total = rules.weighted_total(p, weights) if p else None
        parts.append(html.Section(
            [html.H3(f"{uname}：实效评价与{average}"),
             html.P(f"综合 {total:.1f} 分；最弱维度：{next(d['name'] for d in dims if d['id'] == weakest)}"
                    if p and total is not None else "该单位尚未评价。", className="ac-weakest"),
             graph(ids.AC_EV_RADAR, action_figures.radar(names, uname, [p[d] for d in dim_ids] if p else None,
                                                         city_rates if profiles else None, average_label=average),
                   380)],
            className="card"))
    tdim = trend_dimension(dims, v["trend_dim"])
    series = rules.period_means(v["evals"], tdim["id"]) if tdim else {}
    parts += [
        # One grid instead of sixteen small radars: it reads on a projector and compares units column by column.
        html.Section([html.H3(f"各单位各维度得分率（首行为{average}）"),
                      html.P("得分率 = 得分 ÷ 满分；每个单位取每个评价对象（本单位或企业）最近一次评价的平均。"
                             "最弱维度为按权重失分最多的维度。", className="muted"),
                      graph(ids.AC_EV_SMALL, action_figures.score_grid(names, cells, city_rates, unit,
                                                                       average_label=average))],
                     className="card"),
        html.Section([html.H3("各单位得分率"), html.Div(scores_table(units, dims, profiles, city, unit, v["whole"]),
                                                     className="table-scroll")], className="card"),
        html.Section([html.H3(f"{tdim['name'] if tdim else '满意度评价'}随时间变化（每月平均得分率）"),
                      graph(ids.AC_EV_TREND, action_figures.rate_over_time(
                          tdim["name"] if tdim else rules.SATISFACTION, series,
                          {u["code"]: u["name"] for u in units}, unit, average_label=average), 360)], className="card"),
        html.Section([html.H3("评价记录" + (f" · {unit_name(units, unit)}" if unit else "")
                              + f"（截至 {labels.date_cn(v['as_of'])}，共 {len(v['recent'])} 条）"),
                      evaluations_table(v["recent"], [d for d in v["all_dims"] if d["active"]])], className="card"),
    ]
    return parts


def scheme_editor(dims: list[dict]) -> list:
    """One row per dimension (existing ones, or the six defaults when the campaign has none) plus an
    empty row for a new dimension. Rows are matched by position; AC_SC_IDS holds their ids."""
    rows = dims or [{"id": None, "name": n, "weight": w, "scale_max": m, "active": True}
                    for n, w, m in rules.DEFAULT_DIMENSIONS]
    rows = [*rows, {"id": None, "name": "", "weight": None, "scale_max": None, "active": True}]
    body = []
    for k, d in enumerate(rows):
        body.append(html.Tr([
            html.Td(dcc.Input(id={"type": ids.AC_SC_NAME, "index": k}, value=d["name"], type="text", maxLength=rules.NAME_MAX,
                              placeholder="新增维度（可留空）" if d["id"] is None and not d["name"] else "", className="input")),
            html.Td(dcc.Input(id={"type": ids.AC_SC_WEIGHT, "index": k}, value=d["weight"], type="number", min=0,
                              className="input input-num")),
            html.Td(dcc.Input(id={"type": ids.AC_SC_SCALE, "index": k}, value=d["scale_max"], type="number", min=0,
                              className="input input-num")),
            html.Td(dcc.Checklist(id={"type": ids.AC_SC_ACTIVE, "index": k}, options=[{"label": "启用", "value": "on"}],
                                  value=["on"] if d["active"] else [])),
        ]))
    note = [] if dims else [html.P("本行动还没有评价方案：下面预填了通知列出的六个维度，请核对权重和满分后保存。", className="warn")]
    return [*note,
            html.Table([html.Thead(html.Tr([html.Th(h) for h in ("维度", "权重", "满分", "")])), html.Tbody(body)],
                       className="ac-table ac-scheme"),
            dcc.Store(id=ids.AC_SC_IDS, data=[d["id"] for d in rows])]


def score_form(units: list[dict], dims: list[dict]) -> list:
    active = [d for d in dims if d["active"]]
    if not active:
        return [html.P("请先保存评价方案。", className="muted")]
    return [html.Div(
        [field("单位", entry_unit(ids.AC_ES_UNIT, units, current_user.role, current_user.unit_code)),
         field("评价对象（企业名称，评价本单位则留空）", text_input(ids.AC_ES_ENTERPRISE, "", rules.ENTERPRISE_MAX,
                                                            "input input-wide")),
         field("评价日期", text_input(ids.AC_ES_DATE, "2017-05-26", 10)),
         *[field(f"{d['name']}（满分 {d['scale_max']:g}）",
                 dcc.Input(id={"type": ids.AC_ES_SCORE, "index": d["id"]}, type="number", min=0, max=d["scale_max"],
                           className="input input-num")) for d in active],
         html.Button("保存评分", id=ids.AC_ES_SAVE, className="btn")],
        className="admin-form")]


# --- loading and the page --------------------------------------------------------------------------


def load(campaign_id: int | None, date: dt.date | None, unit: str | None, trend_dim: object = None) -> dict | None:
    with session() as s:
        sc = scope(s, campaign_id, date, unit)
        if sc is None:
            return None
        cid, as_of, units, unit = sc.campaign_id, sc.as_of, sc.units, sc.unit
        all_dims = evaluation_db.dimensions(s, cid)
        dims = [d for d in all_dims if d["active"]]
        # a leader or admin bound to an area: its evaluations (and the area's average as the comparison)
        evals = rules.group_scores(evaluation_db.score_rows(s, cid, as_of, within=sc.within))
        recent = evaluation_db.evaluations(s, cid, unit, limit=None, as_of=as_of, within=sc.within)
    dim_ids = [d["id"] for d in dims]
    profiles = rules.unit_profiles(evals, dim_ids)
    return {"campaign": sc.campaign, "as_of": as_of, "unit": unit, "units": units, "dims": dims, "all_dims": all_dims,
            "evals": evals, "profiles": profiles, "city": rules.city_profile(profiles, dim_ids), "recent": recent,
            "trend_dim": trend_dim, "whole": sc.whole}


def body(campaign_id: int | None, date: dt.date | None, unit: str | None, trend_dim: object = None,
         search: str = ""):
    v = load(campaign_id, date, unit, trend_dim)
    if v is None:
        return html.Div(labels.NO_CAMPAIGN, className="card notice")
    return [tabs("/evaluation", search), *body_view(v)]


def layout(state, **_):
    with session() as s:
        ctx = resolve(s, state.campaign, state.date)
        if ctx.campaign is None:
            return html.Div(labels.NO_CAMPAIGN, className="card notice")
        units = followup_db.units(s, ctx.campaign["id"], user_scope.visible_units())
        dims = evaluation_db.dimensions(s, ctx.campaign["id"])
    active = [d for d in dims if d["active"]]
    chosen = trend_dimension(active, None)
    admin = current_user.is_authenticated and current_user.role == "admin"
    admin_parts = [
        html.Section([html.H3("评价方案（管理员）"),
                      html.P("维度、权重和满分是数据：修改后已有评分按评分时的满分换算得分率；维度不能删除，只能停用。",
                             className="muted"),
                      html.Div(scheme_editor(dims), id=ids.AC_SC_EDITOR),
                      html.Button("保存方案", id=ids.AC_SC_SAVE, className="btn"), html.Div(id=ids.AC_SC_RESULT)],
                     className="card"),
        html.Section([html.H3("录入评分（管理员）"), html.Div(score_form(units, dims), id=ids.AC_ES_FORM),
                      html.Div(id=ids.AC_ES_RESULT)], className="card"),
    ] if admin else []
    return html.Div(
        [
            html.H2(labels.EVALUATION_TITLE, className="page-title"),
            html.P(f"{ctx.campaign['name']} · 工作管理、协商准备、协商程序、协商效果、合同履行、满意度评价。", className="muted"),
            dcc.Store(id=ids.AC_CAMPAIGN, data=ctx.campaign["id"]),
            dcc.Store(id=ids.AC_SAVED, data=0),
            html.Div(field("随时间变化的维度", dropdown(
                id=ids.AC_EV_TREND_DIM, options=[{"label": d["name"], "value": d["id"]} for d in active],
                value=chosen["id"] if chosen else None, clearable=False, className="ac-dd")), className="controls"),
            html.Div(id=ids.AC_EV_BODY),
            *admin_parts,
        ],
        className="action-page",
    )
