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
from dashboard.components.followup_panel import INSTRUCTORS_PATH, unit_href
from dashboard.components.tables import column, data_grid, md_link
from dashboard.data import resolve, session
from db.followup import common as followup_db
from db.followup import instructors as instructors_db
from domain import followup as rules
from domain.format import name_list

HEAT_STEPS = 4  # cells shaded 0, 1, 2, 3, 4+ logs


def _date(d: dt.date | None) -> str:
    return d.isoformat() if d else "—"


# --- pure builders ---------------------------------------------------------------------------------


def _selected_row(selected: str | None) -> dict | None:
    """Grid options that mark the row of the unit the page is filtered to (none when it shows all)."""
    return {"rowClassRules": {"grid-sel": f"params.data.id === {selected!r}"}} if selected else None


STAFFING_COLUMNS = [
    column("unit", "单位", width=140), column("required", "应配", width=90, numeric=True),
    column("staffed", "在岗", width=90, numeric=True),
    column("state", "情况", width=110, cellClassRules={"ac-warn": "params.data.short"}),
]


def staffing_rows(units: list[dict], staffing: dict[str, dict]) -> list[dict]:
    """Units with a quota or someone on the roster: required (None = 未定编), staffed, the gap."""
    rows = []
    for u in units:
        st = staffing.get(u["code"], {"required": None, "staffed": 0})
        if st["required"] is None and not st["staffed"]:
            continue
        s = rules.Staffing(st["required"], st["staffed"])
        rows.append({"id": u["code"], "unit": u["name"], "required": s.required, "staffed": s.staffed,
                     "state": "未定编" if s.required is None else f"缺 {s.gap} 人" if s.short else "已配齐",
                     "short": bool(s.short)})
    return rows


def staffing_table(units: list[dict], staffing: dict[str, dict], selected: str | None):
    """One grid row per unit with a quota or staff (virtualised: the same page at 23 units and 3,000)."""
    rows = staffing_rows(units, staffing)
    if not rows:
        return html.P("还没有单位设定应配人数或登记专职指导员（应配人数在“系统管理 › 基数与目标”中设定）。", className="muted")
    return data_grid(ids.AC_IN_STAFF, STAFFING_COLUMNS, rows, page_size=50, class_name="ac-staffing-grid",
                     grid_options=_selected_row(selected))


def short_sentence(units: list[dict], staffing: dict[str, dict]) -> html.P:
    """Who is short of staff; "均已配齐" only when some unit has a quota and none is short."""
    short = rules.short_staffed([{"code": u["code"], "name": u["name"], **staffing[u["code"]]}
                                 for u in units if u["code"] in staffing])
    if short:
        return html.P("尚未配齐：" + name_list([f"{name}（缺 {gap} 人）" for _, name, gap in short]),
                      className="ac-warn ac-short")
    if not any(staffing.get(u["code"], {}).get("required") is not None for u in units):
        return html.P("尚未为任何单位设定应配专职指导员人数。", className="muted")
    return html.P("各单位专职指导员均已配齐。", className="ok")


HEAT_CLASSES = {f"heat-{k}": (f"params.value >= {k}" if k == HEAT_STEPS else f"params.value == {k}")
                for k in range(HEAT_STEPS + 1)}


def heat_table(units: list[dict], mondays: list[dt.date], weekly: dict[str, list[int]], selected: str | None,
               inactive: set[str], search: str = ""):
    """Work logs per unit (rows) and week (columns, shaded 0 … 4+), one grid."""
    columns = [column("unit", "单位", width=170, flex=None, link=True, pinned="left", filter=False),
               column("note", "近期", width=120, flex=None, cellClass="grid-warn", filter=False)]
    columns += [column(f"w{k}", f"{m.month}/{m.day}", width=66, flex=None, numeric=True, filter=False,
                       headerTooltip=f"{m.isoformat()} 起的一周", cellClassRules=HEAT_CLASSES, cellClass="heat-cell")
                for k, m in enumerate(mondays)]
    rows = []
    for u in units:
        if u["code"] not in weekly:
            continue
        row = {"id": u["code"], "unit": md_link(u["name"], unit_href(INSTRUCTORS_PATH, u["code"], search)),
               "note": "无近期记录" if u["code"] in inactive else ""}
        row.update({f"w{k}": n for k, n in enumerate(weekly[u["code"]])})
        rows.append(row)
    return data_grid(ids.AC_IN_HEAT, columns, rows, page_size=50, grid_options=_selected_row(selected))


def roster_rows(people: list[dict], can_edit) -> list[dict]:
    return [{"id": p["id"], "unit": p["unit_name"], "name": p["name"], "phone": p["phone"], "since": _date(p["since"]),
             "state": "在岗" if p["left_on"] is None else f"{_date(p['left_on'])} 离岗",
             "action": REMOVE if p.get("active_now", p["left_on"] is None) and can_edit(p["unit_code"]) else ""}
            for p in people]


REMOVE = "离岗"


def roster_table(people: list[dict], can_edit):
    """The roster as a grid; a click on a row's 离岗 cell asks for confirmation (callbacks/followup.py)."""
    if not people:
        return html.P("名册为空。", className="muted")
    columns = [column("unit", "单位", width=110), column("name", "姓名", width=90),
               column("phone", "联系电话", width=140, cellClass="ac-phone"), column("since", "到岗日期", width=120),
               column("state", "状态", width=140), column("action", "操作", width=90, sortable=False, filter=False,
                                                      cellClass="grid-action")]
    return data_grid(ids.AC_IN_ROSTER, columns, roster_rows(people, can_edit), class_name="ac-roster-grid")


def logs_table(logs: list[dict]):
    if not logs:
        return html.P("还没有工作日志。", className="muted")
    columns = [column("date", "日期", width=120, flex=None, sort="desc"), column("unit", "单位", width=110),
               column("instructor", "指导员", width=90), column("activity", "活动", width=100),
               column("enterprise", "企业", width=160), column("note", "备注", width=220, flex=2, wrap=True)]
    rows = [{"id": w["id"], "date": _date(w["log_date"]), "unit": w["unit_name"], "instructor": w["instructor"] or "—",
             "activity": w["activity"], "enterprise": w["enterprise"] or "—", "note": w["note"] or "—"} for w in logs]
    return data_grid(ids.AC_IN_LOGS, columns, rows, class_name="ac-logs-grid")


def body_view(v: dict) -> list:
    """The page body from the loaded view `v` (see `load`)."""
    unit, units = v["unit"], v["units"]
    inactive = v["inactive"]
    silent = [unit_name(units, c) for c in inactive]
    scope = unit_name(units, unit) if unit else labels.ALL_UNITS
    return [
        unit_filter(units, unit),
        html.Section([html.H3("配备情况（在岗 / 应配）"), short_sentence(units, v["staffing"]),
                      staffing_table(units, v["staffing"], unit)], className="card ac-staffing-card"),
        html.Section(
            [html.H3(f"每周工作日志（截至 {labels.date_cn(v['as_of'])}）"),
             html.P(f"近 {rules.INACTIVE_DAYS} 天无工作记录：" + "、".join(silent) if silent
                    else f"各单位近 {rules.INACTIVE_DAYS} 天均有工作记录。",
                    className="ac-warn ac-silent" if silent else "ok"),
             heat_table(units, v["mondays"], v["weekly"], unit, set(inactive), v.get("search", ""))],
            className="card"),
        html.Section([html.H3(f"名册 · {scope}（截至 {labels.date_cn(v['as_of'])}）"),
                      html.P("电话号码已隐去中间四位。", className="muted"),
                      roster_table(v["roster"], v["can_edit"])], className="card"),
        html.Section([html.H3(f"工作日志 · {scope}（截至 {labels.date_cn(v['as_of'])}，共 {len(v['logs'])} 条）"),
                      logs_table(v["logs"])], className="card"),
    ]


# --- loading and the page --------------------------------------------------------------------------


def load(campaign_id: int | None, date: dt.date | None, unit: str | None, search: str = "") -> dict | None:
    with session() as s:
        sc = scope(s, campaign_id, date, unit)
        if sc is None:
            return None
        cid, as_of, units, unit, within = sc.campaign_id, sc.as_of, sc.units, sc.unit, sc.within
        staffing = instructors_db.staffing(s, cid, as_of, within)
        mondays = rules.weeks(sc.campaign["window_start"], as_of)
        tracked = [u["code"] for u in units if staffing[u["code"]]["required"] is not None or staffing[u["code"]]["staffed"]]
        weekly = rules.weekly_activity(instructors_db.log_counts_by_day(s, cid, mondays[0], as_of, within) if mondays
                                       else [], tracked, mondays)
        last_logs, _recent = instructors_db.log_activity(s, cid, as_of, within=within)
        inactive = rules.inactive_units(last_logs, tracked, as_of)
        return {"campaign": sc.campaign, "as_of": as_of, "unit": unit, "units": units, "staffing": staffing,
                "mondays": mondays, "weekly": weekly, "inactive": inactive,
                "roster": instructors_db.roster(s, cid, unit, as_of, within),
                "logs": instructors_db.work_logs(s, cid, unit, limit=None, as_of=as_of, within=within),
                "can_edit": can_edit_unit, "search": search}


def body(campaign_id: int | None, date: dt.date | None, unit: str | None, search: str = "") -> list | html.Div:
    v = load(campaign_id, date, unit, search)
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
        units = followup_db.units(s, ctx.campaign["id"], user_scope.visible_units()) if ctx.campaign else []
    if ctx.campaign is None:
        return html.Div(labels.NO_CAMPAIGN, className="card notice")
    can_write = current_user.is_authenticated and current_user.role in ("reporter", "admin")
    return html.Div(
        [
            html.H2(labels.INSTRUCTORS_TITLE, className="page-title"),
            html.P(f"{ctx.campaign['name']} · 按通知要求，各县区（开发区）尽快配齐专职指导员。", className="muted"),
            dcc.Store(id=ids.AC_CAMPAIGN, data=ctx.campaign["id"]),
            dcc.Store(id=ids.AC_SAVED, data=0),
            dcc.Store(id=ids.AC_IN_PENDING),
            dcc.ConfirmDialog(id=ids.AC_IN_CONFIRM),
            html.Div(id=ids.AC_IN_BODY),
            *(_forms(units) if can_write else []),
        ],
        className="action-page",
    )
