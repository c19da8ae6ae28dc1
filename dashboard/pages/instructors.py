"""`/instructors` 专职指导员: staffed against required per unit (the notice: "尽快配齐"), weekly work
logs per unit as a heat table, units without logged activity, the roster (phones masked) and the logs.

Reporters add instructors and logs for their own unit, admins for any unit and set the required
numbers; leaders view. The body is rebuilt by callbacks/followup.py from the URL (?unit=CODE filters
the roster and the logs), the data version and after each write.
"""

from __future__ import annotations

import datetime as dt

from dash import dcc, html
from flask_login import current_user

from dashboard import ids, labels
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
from db.followup import instructors as instructors_db
from domain import followup as rules

HEAT_STEPS = 4  # cells shaded 0, 1, 2, 3, 4+ logs


def _date(d: dt.date | None) -> str:
    return d.isoformat() if d else "—"


# --- pure builders ---------------------------------------------------------------------------------


def staffing_table(units: list[dict], staffing: dict[str, dict], selected: str | None) -> html.Table:
    rows = []
    for u in units:
        st = staffing.get(u["code"], {"required": None, "staffed": 0})
        if st["required"] is None and not st["staffed"]:
            continue
        s = rules.Staffing(st["required"], st["staffed"])
        rows.append(html.Tr(
            [html.Td(u["name"]), html.Td("未定编" if s.required is None else s.required, className="num"),
             html.Td(s.staffed, className="num"),
             html.Td(f"缺 {s.gap} 人" if s.short else "已配齐", className="ac-warn" if s.short else "ok")],
            className="ac-sel" if u["code"] == selected else None, **{"data-unit": u["code"]}))
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in ("单位", "应配", "在岗", "情况")])), html.Tbody(rows)],
                      className="ac-table ac-staffing")


def short_sentence(units: list[dict], staffing: dict[str, dict]) -> html.P:
    short = rules.short_staffed([{"code": u["code"], "name": u["name"], **staffing[u["code"]]}
                                 for u in units if u["code"] in staffing])
    if not short:
        return html.P("各单位专职指导员均已配齐。", className="ok")
    return html.P("尚未配齐：" + "、".join(f"{name}（缺 {gap} 人）" for _, name, gap in short), className="ac-warn ac-short")


def heat_table(units: list[dict], mondays: list[dt.date], weekly: dict[str, list[int]], selected: str | None,
               inactive: set[str]) -> html.Table:
    head = html.Tr([html.Th("单位"), *[html.Th(f"{m.month}/{m.day}", title=f"{m.isoformat()} 起的一周") for m in mondays]])
    rows = []
    for u in units:
        if u["code"] not in weekly:
            continue
        cells = [html.Td(n, className=f"heat heat-{min(n, HEAT_STEPS)}", title=f"{u['name']} {labels.short_date(m)} 起一周：{n} 条")
                 for m, n in zip(mondays, weekly[u["code"]], strict=True)]
        name = html.Td([u["name"], html.Span(" 无近期记录", className="ac-warn") if u["code"] in inactive else None])
        rows.append(html.Tr([name, *cells], className="ac-sel" if u["code"] == selected else None,
                            **{"data-unit": u["code"]}))
    return html.Table([html.Thead(head), html.Tbody(rows)], className="ac-heat")


def roster_table(people: list[dict], can_edit) -> html.Table | html.P:
    if not people:
        return html.P("名册为空。", className="muted")
    rows = []
    for p in people:
        action_cell = None
        if p["left_on"] is None and can_edit(p["unit_code"]):
            action_cell = dcc.ConfirmDialogProvider(
                html.Button("离岗", className="btn btn-danger"),
                id={"type": ids.AC_IN_REMOVE, "index": p["id"]},
                message=f"确定将 {p['name']} 移出在岗名册（今天离岗）吗？记录会保留。")
        rows.append(html.Tr(
            [html.Td(p["unit_name"]), html.Td(p["name"]), html.Td(p["phone"], className="ac-phone"),
             html.Td(_date(p["since"])),
             html.Td("在岗" if p["left_on"] is None else f"{_date(p['left_on'])} 离岗",
                     className=None if p["left_on"] is None else "muted-cell"),
             html.Td(action_cell)],
            **{"data-instructor": str(p["id"])}))
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in ("单位", "姓名", "联系电话", "到岗日期", "状态", "")])),
                       html.Tbody(rows)], className="ac-table ac-roster")


def logs_table(logs: list[dict]) -> html.Table | html.P:
    if not logs:
        return html.P("还没有工作日志。", className="muted")
    rows = [html.Tr([html.Td(_date(w["log_date"])), html.Td(w["unit_name"]), html.Td(w["instructor"] or "—"),
                     html.Td(w["activity"]), html.Td(w["enterprise"] or "—"), html.Td(w["note"] or "—", className="detail")])
            for w in logs]
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in ("日期", "单位", "指导员", "活动", "企业", "备注")])),
                       html.Tbody(rows)], className="ac-table ac-logs")


def body_view(v: dict) -> list:
    """The page body from the loaded view `v` (see `load`)."""
    unit, units = v["unit"], v["units"]
    inactive = v["inactive"]
    silent = [unit_name(units, c) for c in inactive]
    scope = unit_name(units, unit) if unit else labels.ALL_UNITS
    return [
        unit_filter(units, unit),
        html.Div(
            [
                html.Section([html.H3("配备情况（在岗 / 应配）"), short_sentence(units, v["staffing"]),
                              staffing_table(units, v["staffing"], unit)], className="card"),
                html.Section(
                    [html.H3(f"每周工作日志（截至 {labels.date_cn(v['as_of'])}）"),
                     html.P(f"近 {rules.INACTIVE_DAYS} 天无工作记录：" + "、".join(silent) if silent
                            else f"各单位近 {rules.INACTIVE_DAYS} 天均有工作记录。",
                            className="ac-warn ac-silent" if silent else "ok"),
                     html.Div(heat_table(units, v["mondays"], v["weekly"], unit, set(inactive)), className="table-scroll")],
                    className="card"),
            ],
            className="grid-2 ac-grid",
        ),
        html.Section([html.H3(f"名册 · {scope}"), html.P("电话号码已隐去中间四位。", className="muted"),
                      html.Div(roster_table(v["roster"], v["can_edit"]), className="table-scroll")], className="card"),
        html.Section([html.H3(f"工作日志 · {scope}（最近 {len(v['logs'])} 条）"),
                      html.Div(logs_table(v["logs"]), className="table-scroll ac-scroll")], className="card"),
    ]


# --- loading and the page --------------------------------------------------------------------------


def load(campaign_id: int | None, date: dt.date | None, unit: str | None) -> dict | None:
    with session() as s:
        sc = scope(s, campaign_id, date, unit)
        if sc is None:
            return None
        cid, as_of, units, unit = sc.campaign_id, sc.as_of, sc.units, sc.unit
        staffing = instructors_db.staffing(s, cid, as_of)
        mondays = rules.weeks(sc.campaign["window_start"], as_of)
        tracked = [u["code"] for u in units if staffing[u["code"]]["required"] is not None or staffing[u["code"]]["staffed"]]
        weekly = rules.weekly_activity(instructors_db.log_counts_by_day(s, cid, mondays[0], as_of) if mondays else [], tracked,
                                       mondays)
        inactive = rules.inactive_units(instructors_db.last_log_dates(s, cid, as_of), tracked, as_of)
        return {"campaign": sc.campaign, "as_of": as_of, "unit": unit, "units": units, "staffing": staffing,
                "mondays": mondays, "weekly": weekly, "inactive": inactive, "roster": instructors_db.roster(s, cid, unit),
                "logs": instructors_db.work_logs(s, cid, unit), "can_edit": can_edit_unit}


def body(campaign_id: int | None, date: dt.date | None, unit: str | None, search: str = "") -> list | html.Div:
    v = load(campaign_id, date, unit)
    if v is None:
        return html.Div(labels.NO_CAMPAIGN, className="card notice")
    return [tabs("/instructors", search), *body_view(v)]


def _forms(units: list[dict]) -> list:
    role, own = current_user.role, current_user.unit_code
    forms = [
        html.Section(
            [html.H3("登记专职指导员"),
             html.Div([field("单位", entry_unit(ids.AC_IN_UNIT, units, role, own)),
                       field("姓名", text_input(ids.AC_IN_NAME, max_length=rules.NAME_MAX)),
                       field("联系电话", text_input(ids.AC_IN_PHONE, "如 13812345678", 30)),
                       field("到岗日期", text_input(ids.AC_IN_SINCE, "2017-03-01", 10)),
                       html.Button("登记", id=ids.AC_IN_ADD, className="btn")], className="admin-form"),
             html.Div(id=ids.AC_IN_RESULT)],
            className="card"),
        html.Section(
            [html.H3("填写工作日志"),
             html.Div([field("单位", entry_unit(ids.AC_LOG_UNIT, units, role, own)),
                       field("指导员", dropdown(id=ids.AC_LOG_WHO, options=[], placeholder="可不选", className="ac-dd")),
                       field("日期", text_input(ids.AC_LOG_DATE, "2017-04-12", 10)),
                       field("活动", dropdown(id=ids.AC_LOG_ACTIVITY, options=list(rules.ACTIVITIES),
                                                  placeholder="选择活动", className="ac-dd")),
                       field("企业", text_input(ids.AC_LOG_ENTERPRISE, "企业名称", rules.ENTERPRISE_MAX)),
                       field("备注", text_input(ids.AC_LOG_NOTE, "", rules.TEXT_MAX, "input input-wide")),
                       html.Button("保存日志", id=ids.AC_LOG_ADD, className="btn")], className="admin-form"),
             html.Div(id=ids.AC_LOG_RESULT)],
            className="card"),
    ]
    if role == "admin":
        forms.append(html.Section(
            [html.H3("设定应配人数（管理员）"),
             html.Div([field("单位", entry_unit(ids.AC_Q_UNIT, units, role, own)),
                       field("应配人数", dcc.Input(id=ids.AC_Q_REQUIRED, type="number", min=0, step=1, className="input")),
                       html.Button("保存", id=ids.AC_Q_SAVE, className="btn")], className="admin-form"),
             html.Div(id=ids.AC_Q_RESULT)],
            className="card"))
    return forms


def layout(state, **_):
    with session() as s:
        ctx = resolve(s, state.campaign, state.date)
        units = followup_db.units(s, ctx.campaign["id"]) if ctx.campaign else []
    if ctx.campaign is None:
        return html.Div(labels.NO_CAMPAIGN, className="card notice")
    can_write = current_user.is_authenticated and current_user.role in ("reporter", "admin")
    return html.Div(
        [
            html.H2(labels.INSTRUCTORS_TITLE, className="page-title"),
            html.P(f"{ctx.campaign['name']} · 按通知要求，各县区（开发区）尽快配齐专职指导员。", className="muted"),
            dcc.Store(id=ids.AC_CAMPAIGN, data=ctx.campaign["id"]),
            dcc.Store(id=ids.AC_SAVED, data=0),
            html.Div(id=ids.AC_IN_BODY),
            *(_forms(units) if can_write else []),
        ],
        className="action-page",
    )
