"""`/supervision` 监督检查: cases of refusing, or in disguise refusing, to bargain; counts per unit and
status; overdue rectifications highlighted; status changes 督促整改 → 已整改 / 追究责任 / 媒体曝光.

Reporters enter and move cases of their own unit, admins of any unit; leaders view. ?unit=CODE
filters the case list.
"""

from __future__ import annotations

import datetime as dt

from dash import dcc, html
from flask_login import current_user

from dashboard import ids, labels
from dashboard import scope as user_scope
from dashboard.components.dropdown import dropdown
from dashboard.components.followup_forms import (
    can_edit_unit,
    entry_unit,
    field,
    scope,
    tabs,
    text_input,
    unit_filter,
    unit_name,
)
from dashboard.data import resolve, session
from db.followup import common as followup_db
from db.followup import supervision as supervision_db
from domain import followup as rules

STATUS_CLASS = {rules.URGING: "st-urging", rules.RECTIFIED: "st-done", rules.ACCOUNTABLE: "st-accountable",
                rules.EXPOSED: "st-exposed"}
# ASCII codes for the status buttons' ids: dash-renderer and Dash's server serialise non-ASCII
# pattern-matching ids differently, so a Chinese index would never be seen as the triggered one.
STATUS_CODES = {rules.URGING: "urging", rules.RECTIFIED: "done", rules.ACCOUNTABLE: "accountable",
                rules.EXPOSED: "exposed"}
STATUS_BY_CODE = {v: k for k, v in STATUS_CODES.items()}


# --- pure builders ---------------------------------------------------------------------------------


def counts_table(units: list[dict], counts: dict[str, dict], selected: str | None) -> html.Table:
    head = html.Tr([html.Th(h) for h in ("单位", *rules.STATUSES, "其中逾期", "合计")])
    rows, total = [], {k: 0 for k in (*rules.STATUSES, "overdue", "total")}
    for u in units:
        c = counts.get(u["code"])
        if not c:
            continue
        for k in total:
            total[k] += c[k]
        rows.append(html.Tr(
            [html.Td(u["name"]), *[html.Td(c[s], className="num") for s in rules.STATUSES],
             html.Td(c["overdue"], className="num" + (" ac-warn" if c["overdue"] else "")),
             html.Td(c["total"], className="num")],
            className="ac-sel" if u["code"] == selected else None, **{"data-unit": u["code"]}))
    rows.append(html.Tr([html.Td("合计"), *[html.Td(total[s], className="num") for s in rules.STATUSES],
                         html.Td(total["overdue"], className="num"), html.Td(total["total"], className="num")],
                        className="ac-total"))
    return html.Table([html.Thead(head), html.Tbody(rows)], className="ac-table ac-counts")


def _buttons(case: dict) -> list:
    """The moves from the case's status today (not as of the page's date: a change is made now)."""
    now = case.get("current_status", case["status"])
    return [html.Button(f"改为{new}", id={"type": ids.AC_RF_STATUS, "index": f"{case['id']}|{STATUS_CODES[new]}"},
                        className=f"btn btn-small {STATUS_CLASS[new]}") for new in rules.TRANSITIONS[now]]


def _status_cell(case: dict) -> list:
    """The status as of the page's date, and what it is today when that differs."""
    now = case.get("current_status", case["status"])
    later = html.Div(f"现为“{now}”", className="muted ac-now") if now != case["status"] else None
    return [html.Span(case["status"], className=f"status {STATUS_CLASS[case['status']]}"), later]


def cases_table(cases: list[dict], events: dict[int, list[dict]], as_of: dt.date, can_edit) -> html.Table | html.P:
    if not cases:
        return html.P("没有案件。", className="muted")
    rows = []
    for c in cases:
        overdue = rules.days_overdue(c["status"], c["deadline"], as_of)
        history = [f"{e['at']:%Y-%m-%d} {e['actor']}：{e['from'] + ' → ' if e['from'] else ''}{e['to']}"
                   + (f"（{e['note']}）" if e["note"] else "") for e in events.get(c["id"], [])]
        rows.append(html.Tr(
            [
                html.Td(c["unit_name"]),
                html.Td([html.Strong(c["enterprise"]), html.Div(c["kind"], className="muted")]),
                html.Td(c["occurred_on"].isoformat()),
                html.Td([html.Div(c["description"]), html.Div(f"介入：{c['intervention']}", className="muted")
                         if c["intervention"] else None,
                         html.Details([html.Summary("处理记录"), html.Ul([html.Li(h) for h in history])])
                         if history else None], className="detail"),
                html.Td([c["deadline"].isoformat(),
                         html.Div(f"逾期 {overdue} 天", className="ac-warn") if overdue else None]),
                html.Td(_status_cell(c)),
                html.Td(_buttons(c) if can_edit(c["unit_code"]) else None, className="ac-actions"),
            ],
            className="ac-overdue" if overdue else None,
            **{"data-case": str(c["id"]), "data-unit": c["unit_code"], "data-status": c["status"]},
        ))
    head = html.Tr([html.Th(h) for h in ("单位", "企业", "发现日期", "情况与介入", "整改期限", "状态", "处理")])
    return html.Table([html.Thead(head), html.Tbody(rows)], className="ac-table ac-cases")


def body_view(v: dict) -> list:
    unit, units = v["unit"], v["units"]
    shown = [c for c in v["cases"] if not unit or c["unit_code"] == unit]
    overdue = [c for c in v["cases"] if rules.is_overdue(c["status"], c["deadline"], v["as_of"])]
    scope = unit_name(units, unit) if unit else labels.ALL_UNITS
    return [
        unit_filter(units, unit),
        html.P(f"截至 {labels.date_cn(v['as_of'])}，逾期未整改 {len(overdue)} 起"
               + ("：" + "、".join(f"{c['unit_name']}·{c['enterprise']}" for c in overdue) if overdue else "。"),
               className="ac-warn ac-overdue-line" if overdue else "ok"),
        html.Section([html.H3("各单位案件数"), html.Div(counts_table(units, v["counts"], unit), className="table-scroll")],
                     className="card"),
        html.Section([html.H3(f"案件 · {scope}（截至 {labels.date_cn(v['as_of'])} {len(shown)} 起，红底为逾期未整改）"),
                      html.Div(cases_table(shown, v["events"], v["as_of"], v["can_edit"]), className="table-scroll")],
                     className="card"),
    ]


# --- loading and the page --------------------------------------------------------------------------


def load(campaign_id: int | None, date: dt.date | None, unit: str | None) -> dict | None:
    with session() as s:
        sc = scope(s, campaign_id, date, unit)
        if sc is None:
            return None
        cid, as_of, units, unit = sc.campaign_id, sc.as_of, sc.units, sc.unit
        cases = supervision_db.refusal_cases(s, cid, as_of=as_of, within=sc.within)
        events = supervision_db.refusal_events(s, [c["id"] for c in cases if not unit or c["unit_code"] == unit], as_of)
    return {"campaign": sc.campaign, "as_of": as_of, "unit": unit, "units": units, "cases": cases, "events": events,
            "counts": rules.refusal_counts(cases, as_of), "can_edit": can_edit_unit}


def body(campaign_id: int | None, date: dt.date | None, unit: str | None, search: str = ""):
    v = load(campaign_id, date, unit)
    if v is None:
        return html.Div(labels.NO_CAMPAIGN, className="card notice")
    return [tabs("/supervision", search), *body_view(v)]


def _form(units: list[dict]) -> html.Section:
    return html.Section(
        [html.H3("登记拒绝（变相拒绝）协商案件"),
         html.Div([field("单位", entry_unit(ids.AC_RF_UNIT, units, current_user.role, current_user.unit_code)),
                   field("企业名称", text_input(ids.AC_RF_ENTERPRISE, "", rules.ENTERPRISE_MAX, "input input-wide")),
                   field("情形", dropdown(id=ids.AC_RF_KIND, options=list(rules.REFUSAL_KINDS), placeholder="选择",
                                              className="ac-dd")),
                   field("发现日期", text_input(ids.AC_RF_DATE, "2017-04-10", 10)),
                   field("整改期限", text_input(ids.AC_RF_DEADLINE, "2017-05-10", 10))], className="admin-form"),
         html.Div([field("情况说明", dcc.Textarea(id=ids.AC_RF_DESC, maxLength=rules.TEXT_MAX, className="ac-textarea")),
                   field("介入措施", dcc.Textarea(id=ids.AC_RF_INTERVENTION, maxLength=rules.TEXT_MAX,
                                                  className="ac-textarea")),
                   html.Button("登记案件", id=ids.AC_RF_ADD, className="btn")], className="admin-form"),
         html.Div(id=ids.AC_RF_RESULT)],
        className="card")


def layout(state, **_):
    with session() as s:
        ctx = resolve(s, state.campaign, state.date)
        if ctx.campaign is None:
            return html.Div(labels.NO_CAMPAIGN, className="card notice")
        units = followup_db.units(s, ctx.campaign["id"], user_scope.visible_units())
    can_write = current_user.is_authenticated and current_user.role in ("reporter", "admin")
    return html.Div(
        [
            html.H2(labels.SUPERVISION_TITLE, className="page-title"),
            html.P(f"{ctx.campaign['name']} · 对拒绝或者变相拒绝工资集体协商的企业：督促整改 → 已整改，"
                   "或追究责任、媒体曝光。", className="muted"),
            dcc.Store(id=ids.AC_CAMPAIGN, data=ctx.campaign["id"]),
            dcc.Store(id=ids.AC_SAVED, data=0),
            html.Div(id=ids.AC_RF_STATUS_RESULT),
            html.Div(id=ids.AC_SV_BODY),
            _form(units) if can_write else None,
        ],
        className="action-page",
    )
