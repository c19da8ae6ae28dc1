"""The overview's action panel: per unit, its 典型, whether its 专职指导员 are staffed and
active, its 实效评价 profile, its open refusal cases and whether its summary is in; every cell links to
the page that explains it, filtered to that unit. Also the district page's section for one unit.

The builders are pure (rows from domain.followup.panel_rows in, components out). The loaders at the
end (`panel_children`, `district_section`) read the database and call them: the overview page places
`overview_slot` and callbacks/followup.py fills it with `panel_children`; the district page calls
`district_section`.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from dash import dcc, html

from dashboard import ids, labels
from dashboard.components.graph import graph
from dashboard.figures import followup as action_figures
from dashboard.wire import make
from domain import followup as rules
from domain.format import name_list

CASES_PATH = "/cases"
SUMMARIES_PATH = "/summaries"
INSTRUCTORS_PATH = "/instructors"
EVALUATION_PATH = "/evaluation"
SUPERVISION_PATH = "/supervision"
KEEP = ("campaign", "date")  # query arguments a link carries over from the page it is on

HEADERS = ("单位", "典型", "指导员（在岗/应配）", "近期工作日志", "实效评价", "拒绝协商案件", "6月10日总结")


def unit_href(path: str, code: str, search: str = "") -> str:
    """`path?unit=CODE` plus the campaign and date of the current page (a shared link keeps its view)."""
    return f"{path}?{urlencode([('unit', code), *_kept(search or '')])}"


@lru_cache(maxsize=64)
def _kept(search: str) -> tuple[tuple[str, str], ...]:
    """The query arguments of KEEP in `search`, parsed once for the panel's 160 links."""
    return tuple((k, v) for k, v in parse_qsl(search.lstrip("?")) if k in KEEP)


def _cell(text, href: str, col: str, *, warn: bool = False, title: str = "", extra=None) -> html.Td:
    link = make(dcc.Link, text, href=href, className="ac-link", title=title or None)
    return make(html.Td, [link, extra] if extra is not None else link, className="ac-warn" if warn else None,
                **{"data-col": col})


def profile_bars(rates: list[float | None] | None, dim_names: list[str], weakest: str | None) -> html.Div | None:
    """A tiny bar per dimension (height = score rate), the weakest one marked: a profile at a glance."""
    if not rates:
        return None
    bars = [
        make(html.Span, className="ac-bar" + (" ac-bar-weak" if name == weakest else ""),
             style={"height": f"{max(round(100 * (r or 0)), 4)}%"},
             title=f"{name}：{'—' if r is None else f'{100 * r:.0f}%'}")
        for name, r in zip(dim_names, rates, strict=False)
    ]
    return make(html.Span, bars, className="ac-bars", **{"aria-hidden": "true"})


def _staff_text(row: dict) -> tuple[str, bool]:
    if row["required"] is None:
        return (f"{row['staffed']} 人（未定编）" if row["staffed"] else "未定编"), False
    text = f"{row['staffed']}/{row['required']}"
    return (text + f"，缺 {row['gap']}" if row["gap"] else text), row["gap"] > 0


def tracked(row: dict) -> bool:
    """Units with a quota or someone on the roster are expected to log work."""
    return row["required"] is not None or row["staffed"] > 0


def _activity_text(row: dict, days: int) -> tuple[str, bool]:
    if not tracked(row):
        return "—", False
    if row["inactive"]:
        last = f"（末次 {labels.short_date(row['last_log'])}）" if row["last_log"] else "（从未记录）"
        return f"{days} 天无记录{last}", True
    return f"近 {days} 天 {row['recent_logs']} 条", False


def _cases_text(cases: dict | None) -> tuple[str, bool, str]:
    if cases is None:
        return "—", False, labels.NO_MODULE
    text = f"{cases['total']} 个"
    if cases.get("target"):
        text += f" / 目标 {cases['target']}"
    if cases.get("city_level"):
        text += f"（市级 {cases['city_level']}）"
    return text, cases["total"] == 0, ""


SUMMARY_TEXT = {"on_time": ("已交", False), "late": ("已交（逾期）", True), "pending": ("未到期", False),
                "overdue": ("逾期未交", True)}


def _summary_text(summary: dict | None) -> tuple[str, bool, str]:
    """As the summary stood on the panel's as-of date (`state`, see db/cases/summaries.py)."""
    if summary is None:
        return "—", False, labels.NO_MODULE
    if summary.get("state") in SUMMARY_TEXT:
        text, warn = SUMMARY_TEXT[summary["state"]]
        return text, warn, ""
    if summary.get("submitted"):
        return ("已交（逾期）" if summary.get("late") else "已交"), bool(summary.get("late")), ""
    return "未交", True, ""


def _refusal_text(row: dict) -> tuple[str, bool]:
    if not row["open"]:
        return "无未结案件", False
    return f"{row['open']} 起未结" + (f"，{row['overdue']} 起逾期" if row["overdue"] else ""), row["overdue"] > 0


def panel_row(row: dict, dim_names: list[str], dim_ids: list[int], search: str, days: int) -> html.Tr:
    code = row["code"]
    staff, staff_warn = _staff_text(row)
    activity, activity_warn = _activity_text(row, days)
    cases, cases_warn, cases_title = _cases_text(row["cases"])
    summary, summary_warn, summary_title = _summary_text(row["summary"])
    refusals, refusal_warn = _refusal_text(row)
    weakest = dim_names[dim_ids.index(row["weakest"])] if row["weakest"] in dim_ids else None
    evaluation = f"{row['score']:.1f} 分 · 弱项 {weakest}" if row["score"] is not None else "未评价"
    return make(
        html.Tr,
        [
            make(html.Td, make(dcc.Link, row["name"], href=f"/district/{code}", className="ac-unit"), **{"data-col": "unit"}),
            _cell(cases, unit_href(CASES_PATH, code, search), "cases", warn=cases_warn, title=cases_title),
            _cell(staff, unit_href(INSTRUCTORS_PATH, code, search), "staff", warn=staff_warn),
            _cell(activity, unit_href(INSTRUCTORS_PATH, code, search), "activity", warn=activity_warn),
            _cell(evaluation, unit_href(EVALUATION_PATH, code, search), "evaluation",
                  extra=profile_bars(row["profile"], dim_names, weakest)),
            _cell(refusals, unit_href(SUPERVISION_PATH, code, search), "refusals", warn=refusal_warn),
            _cell(summary, unit_href(SUMMARIES_PATH, code, search), "summary", warn=summary_warn,
                  title=summary_title),
        ],
        **{"data-unit": code},
    )


def headline(rows: list[dict], days: int) -> list[html.Span]:
    """The few sentences a leader reads first: who is short of staff, silent, overdue, missing a summary."""
    short = [f"{r['name']}（缺 {r['gap']} 人）" for r in sorted(rows, key=lambda r: -r["gap"]) if r["gap"]]
    silent = [r["name"] for r in rows if tracked(r) and r["inactive"]]
    overdue = sum(r["overdue"] for r in rows)
    if short:
        staff = "指导员缺编：" + name_list(short)
    else:  # "均已配齐" only where some unit has a quota to be measured against
        staff = "指导员均已配齐" if any(r["required"] is not None for r in rows) else "尚未设定应配指导员人数"
    if silent:
        logs = f"{days} 天无工作日志：" + name_list(silent)
    else:
        logs = f"各单位近 {days} 天均有工作日志" if any(tracked(r) for r in rows) else "尚未登记专职指导员"
    parts = [staff, logs, f"逾期未整改案件 {overdue} 起"]
    if rows and rows[0]["summary"] is not None:
        missing = sum(not (r["summary"] or {}).get("submitted") for r in rows)
        overdue = sum((r["summary"] or {}).get("state") == "overdue" for r in rows)
        if overdue:
            parts.append(f"逾期未交总结 {overdue} 个单位")
        elif missing and any((r["summary"] or {}).get("state") == "pending" for r in rows):
            parts.append(f"总结未到报送截止（{missing} 个单位尚未报送）")
        else:
            parts.append(f"未交总结 {missing} 个单位")
    return [html.Span(p, className="ac-head-item") for p in parts]


PANEL_TITLE = "集中要约行动 · 各单位工作落实"
PANEL_LOADING = "正在读取各单位的典型、指导员、实效评价、监督检查和总结……"


def overview_panel(rows: list[dict], dims: list[dict], as_of: dt.date, search: str = "",
                   days: int = rules.INACTIVE_DAYS) -> list:
    """The panel's children: heading, headline sentences, and one table row per unit."""
    dim_names, dim_ids = [d["name"] for d in dims], [d["id"] for d in dims]
    missing = [name for key, name in (("cases", "典型"), ("summary", "总结")) if rows and rows[0][key] is None]
    note = f"（{'、'.join(missing)}模块尚未接入，相应列显示“—”）" if missing else ""
    return [
        html.H3(PANEL_TITLE),
        html.P(f"截至 {labels.date_cn(as_of)}；点击任一格查看详情。实效评价为各维度得分率按权重的综合分（百分制），"
               f"小柱为各维度得分率，红色为失分最多的弱项。{note}", className="muted"),
        html.Div(headline(rows, days), className="ac-head"),
        html.Div(
            html.Table([html.Thead(html.Tr([html.Th(h) for h in HEADERS])),
                        html.Tbody([panel_row(r, dim_names, dim_ids, search, days) for r in rows])],
                       className="ac-table"),
            className="table-scroll",
        ),
    ]


def district_block(row: dict | None, dims: list[dict], unit_rates: list | None, city_rates: list | None,
                   cases: list[dict], as_of: dt.date, search: str = "", days: int = rules.INACTIVE_DAYS,
                   whole: str = labels.CITY) -> html.Div:
    """The district page's section: staffing and activity, the radar against the average of `whole`
    (全市, 全省 …: the area the unit is compared within), open refusals."""
    if row is None:
        return html.Div()
    code, dim_names = row["code"], [d["name"] for d in dims]
    staff, staff_warn = _staff_text(row)
    activity, activity_warn = _activity_text(row, days)
    weakest = dim_names[[d["id"] for d in dims].index(row["weakest"])] if row["weakest"] is not None else None
    open_cases = [c for c in cases if c["status"] in rules.OPEN_STATUSES]
    items = [
        html.Li([f"{c['enterprise']}：{c['status']}，整改期限 {labels.short_date(c['deadline'])}",
                 html.Strong(f"（逾期 {rules.days_overdue(c['status'], c['deadline'], as_of)} 天）", className="ac-warn")
                 if rules.is_overdue(c["status"], c["deadline"], as_of) else None])
        for c in open_cases
    ]
    return html.Div(
        [
            html.Div(
                [
                    html.H3("专职指导员"),
                    html.P(["在岗/应配：", html.Strong(staff, className="ac-warn" if staff_warn else None)]),
                    html.P(["工作日志：", html.Strong(activity, className="ac-warn" if activity_warn else None)]),
                    dcc.Link("查看名册与工作日志 →", href=unit_href(INSTRUCTORS_PATH, code, search)),
                    html.H3("监督检查", className="ac-sub"),
                    html.Ul(items) if items else html.P("没有未结的拒绝协商案件。", className="muted"),
                    dcc.Link("查看全部案件 →", href=unit_href(SUPERVISION_PATH, code, search)),
                ],
                className="card",
            ),
            html.Div(
                [
                    html.H3(f"实效评价（得分率，与{whole}平均比较）" if city_rates is not None else "实效评价（得分率）"),
                    html.P(f"综合 {row['score']:.1f} 分，最弱：{weakest}" if row["score"] is not None else "尚未评价",
                           className="muted"),
                    graph(ids.AC_DT_RADAR, action_figures.radar(dim_names, row["name"], unit_rates, city_rates, 340,
                                                                f"{whole}平均"), 340),
                    dcc.Link("查看实效评价 →", href=unit_href(EVALUATION_PATH, code, search)),
                ],
                className="card",
            ),
        ],
        className="grid-2 ac-district",
    )


# --- loaders (read the database, then call the pure builders) --------------------------------------


def _optional(module: str, function: str):
    """A colleague's read function if that module is there yet, else None (the column then says so)."""
    try:
        mod = __import__(module, fromlist=[function])
    except ImportError:
        return None
    return getattr(mod, function, None)


def load_rows(s, campaign_id: int, as_of: dt.date, within=None) -> tuple[list[dict], list[dict], dict]:
    """(panel rows, active dimensions, raw inputs) for one campaign and date; `within`: the units of
    one area only (db.hierarchy.subtree_ids), None for every unit of the installation."""
    from dashboard.context import concurrently
    from db.followup import overview as overview_db

    case_counts, summary_status = _optional("db.cases.typical", "case_counts"), _optional("db.cases.summaries", "summary_status")
    got = concurrently(  # independent reads, each in its own session: the panel waits for the slowest
        data=lambda t: overview_db.overview_inputs(t, campaign_id, as_of, within),
        cases=lambda t: case_counts(t, campaign_id, within) if case_counts else None,
        summaries=lambda t: summary_status(t, campaign_id, as_of, within) if summary_status else None,
    )
    data = got["data"]
    dims = data["dims"]
    rows = rules.panel_rows(
        data["units"], data["staffing"], data["last_logs"], data["recent_logs"], data["profiles"],
        {d["id"]: d["weight"] for d in dims}, [d["id"] for d in dims], data["refusals"],
        got["cases"], got["summaries"], as_of,
    )
    return rows, dims, data


PANEL_MAX_UNITS = 60  # one table row per unit stays readable (and light) up to a city's units


def shows_panel(area_id: int | None, units: int) -> bool:
    """The installation's root, or an area of at most PANEL_MAX_UNITS units of the campaign (a city
    and its counties); a province or the nation is read through its children instead."""
    return area_id is None or units <= PANEL_MAX_UNITS


def panel_children(campaign_id: int, as_of: dt.date, search: str = "", area_id: int | None = None) -> list:
    """The panel for the installation (area_id None) or for the units of one area."""
    from dashboard.data import session
    from db import hierarchy

    with session() as s:
        rows, dims, _ = load_rows(s, campaign_id, as_of, None if area_id is None else hierarchy.subtree_ids(area_id))
    return overview_panel(rows, dims, as_of, search)


def overview_slot() -> html.Div:
    """What the overview page places after its cards: the panel's frame, filled right after the page
    by callbacks/followup.py (refresh_panel, which also refreshes it on a new date or data). The page
    itself does not wait for the panel's reads and ~500 cells, below the fold: the first answer of a
    临沂 page is 30% lighter (PostgreSQL router 35 -> 24 ms), and the map draws that much sooner."""
    return html.Div([html.H3(PANEL_TITLE), html.P(PANEL_LOADING, className="muted ac-loading")],
                    id=ids.AC_PANEL, className="card ac-panel")


def district_section(code: str, campaign_id: int, as_of: dt.date, search: str = "",
                     area: tuple[int | None, str] = (None, labels.CITY)) -> html.Div:
    """What the district page places for one unit: staffing, activity, radar, open refusal cases.
    `area`: (area id, what it is called) the unit is compared within (district.compare_area): only its
    units are read, and the radar's average is theirs; labels.OWN_UNIT (a viewer bound to the unit) has none."""
    from dashboard.data import session
    from db import hierarchy
    from db.followup import supervision as supervision_db

    area_id, whole = area
    with session() as s:
        rows, dims, data = load_rows(s, campaign_id, as_of, hierarchy.subtree_ids(area_id) if area_id is not None else None)
        cases = supervision_db.refusal_cases(s, campaign_id, code, as_of=as_of)
    row = next((r for r in rows if r["code"] == code), None)
    dim_ids = [d["id"] for d in dims]
    profile = data["profiles"].get(code)
    average = rules.city_profile(data["profiles"], dim_ids) if data["profiles"] and whole != labels.OWN_UNIT else None
    return district_block(row, dims, [profile[d] for d in dim_ids] if profile else None,
                          [average[d] for d in dim_ids] if average else None, cases, as_of, search, whole=whole)
