"""What a reporter (a district clerk) should do first for its own unit: where a login lands, and the
待办 block at the top of its unit's page (a returned report first, then what is overdue).

`landing_path` and `todo_items` are pure; `todo_section` reads (review queue, the follow-up panel's
row of the unit) and builds the block.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from dash import dcc, html

from dashboard import ids, labels
from dashboard.components.followup_panel import INSTRUCTORS_PATH, SUMMARIES_PATH, SUPERVISION_PATH, tracked, unit_href

SUMMARY_SOON_DAYS = 7  # from a week before the deadline a missing summary becomes a 待办


def landing_path(role: str | None, unit_code: str | None, target: str) -> str:
    """Where a login lands. A reporter who asked for nothing in particular (the city overview, "/")
    lands on its own unit's page; any other target (a shared link, a query string) is kept."""
    if role == "reporter" and unit_code and target in ("", "/"):
        return f"/district/{quote(unit_code)}"
    return target


def own_unit(code: str) -> bool:
    """Whether the signed-in user is the reporter of this unit (who sees its 待办)."""
    from flask_login import current_user

    return getattr(current_user, "role", None) == "reporter" and getattr(current_user, "unit_code", None) == code


def todo_items(returned: list[dict], row: dict | None, deadline: dt.date | None, as_of: dt.date,
               search: str = "") -> list[dict]:
    """The unit's 待办, most urgent first: {"text", "href", "action", "urgent"}.

    1. each returned report (the reviewer's comment, a link that reopens it prefilled in /submit);
    2. the 6月10日 summary when overdue, or due within a week;
    3. refusal cases past their rectification deadline;
    4. instructors short of the quota; no work log for 14 days.
    """
    items = [{"text": f"截至 {labels.date_cn(r['report_date'])} 的报表（第 {r['version']} 版）被退回："
                      f"{r['comment'] or '（无意见）'}",
              "href": f"/submit/{r['report_id']}", "action": "按意见修改并重新报送", "urgent": True}
             for r in returned]
    if row is None:
        return items
    code = row["code"]
    summary = row.get("summary") or {}
    if deadline is not None and summary.get("state") == "overdue":
        items.append({"text": f"{labels.short_date(deadline)}总结逾期未交（已过 {(as_of - deadline).days} 天）",
                      "href": unit_href(SUMMARIES_PATH, code, search), "action": "去报送总结", "urgent": True})
    elif deadline is not None and summary.get("state") == "pending" and (deadline - as_of).days <= SUMMARY_SOON_DAYS:
        items.append({"text": f"{labels.short_date(deadline)}前报送书面总结（还有 {(deadline - as_of).days} 天）",
                      "href": unit_href(SUMMARIES_PATH, code, search), "action": "去报送总结", "urgent": False})
    if row.get("overdue"):
        items.append({"text": f"{row['overdue']} 起拒绝协商案件逾期未整改",
                      "href": unit_href(SUPERVISION_PATH, code, search), "action": "查看案件", "urgent": True})
    if row.get("gap"):
        items.append({"text": f"专职指导员缺 {row['gap']} 人（在岗 {row['staffed']} / 应配 {row['required']}）",
                      "href": unit_href(INSTRUCTORS_PATH, code, search), "action": "登记指导员", "urgent": False})
    if tracked(row) and row.get("inactive"):
        items.append({"text": "近 14 天没有工作日志", "href": unit_href(INSTRUCTORS_PATH, code, search),
                      "action": "填写工作日志", "urgent": False})
    return items


def todo_view(items: list[dict]) -> html.Div:
    head = html.H3("本单位待办")
    if not items:
        body = html.P("目前没有待办事项。按时报送最新数据即可。", className="ok")
    else:
        body = html.Ol([html.Li([html.Span(i["text"], className="ac-warn" if i["urgent"] else None), " ",
                                 dcc.Link(i["action"] + " →", href=i["href"], className="todo-link")],
                                className="todo-item") for i in items], className="todo-list")
    submit = dcc.Link("填报本单位数据 →", href="/submit", className="btn todo-submit")
    return html.Div([head, body, submit], id=ids.D_TODO, className="card todo",
                    **{"data-count": str(len(items))})


def todo_section(code: str, campaign: dict, as_of: dt.date, search: str = "") -> html.Div:
    """The block for one unit at one as-of date (the district page shows it to that unit's reporter)."""
    from dashboard.components.followup_panel import load_rows
    from dashboard.data import session
    from db import hierarchy
    from db.submission import review

    with session() as s:
        returned = review.returned_for_unit(s, campaign["id"], code)
        unit = hierarchy.area(s, code)
        rows, _dims, _data = load_rows(s, campaign["id"], as_of, hierarchy.subtree_ids(unit.id) if unit else None)
    row = next((r for r in rows if r["code"] == code), None)
    return todo_view(todo_items(returned, row, campaign.get("deadline"), as_of, search))
