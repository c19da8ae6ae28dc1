"""/summaries: who has sent the 6月10日 final summary (书面总结 and 图片/影像资料) and who has not, with
a countdown to the campaign's deadline, so the 市总工会法律工作部 sees at a glance who to chase.

Uploading is a plain HTML form at /summaries/upload (dashboard/http/files.py): large videos do
not belong in a Dash callback. Builders here are pure; `content()` reads through db/cases/typical.py.
"""

from __future__ import annotations

import datetime as dt

from dash import html
from flask import get_flashed_messages

from dashboard import ids, labels, scope
from dashboard.components.dropdown import dropdown
from dashboard.components.tables import column, data_grid, md_link
from dashboard.data import resolve, session
from dashboard.http.auth import has_role
from dashboard.http.files import FLASH_OK, UPLOAD_PATH
from dashboard.pages.cases import campaign_choice
from db.cases import summaries as db_summaries
from db.cases import typical as db_cases
from domain.format import name_list

CHASE_DAYS = 7  # from a week before the deadline, the units still missing are to be chased


def countdown(deadline: dt.date, status: dict[str, dict], names: dict[str, str], today: dt.date) -> list:
    chase = db_summaries.missing_summaries(status, deadline, today)
    done = len(status) - len(chase["missing"])
    late = [names[c] for c, s in status.items() if s["late"]]
    left = chase["days_left"]
    urgent = "sm-urgent" if left <= 3 and chase["missing"] else ""
    parts = [
        html.Div(db_summaries.countdown_text(deadline, today), className=f"sm-days {urgent}".strip()),
        html.Div(f"截至 {labels.date_cn(today)}", className="muted sm-as-of"),
        html.Div([html.Span(f"已报送书面总结 {done} / {len(status)} 个单位", className="tb-strong"),
                  html.Span(f"，其中逾期 {len(late)} 个（{name_list(late)}）" if late else "")]),
    ]
    if chase["missing"]:
        lead = "逾期未报送（需催报）：" if left < 0 else "未报送（需催报）：" if left <= CHASE_DAYS else "尚未报送："
        parts.append(html.Div(
            [html.Span(lead, className="tb-due"),
             html.Span(name_list([names[c] for c in chase["missing"]]), className="sm-missing")]))
    else:
        parts.append(html.Div("全部单位均已报送书面总结。", className="ok"))
    return parts


STATUS_COLUMNS = [
    column("unit", "单位", width=140),
    column("state", "状态", width=110, cellClassRules={"grid-warn": "params.data.warn", "grid-muted": "params.data.pending"}),
    column("at", "书面总结报送时间", width=150),
    column("written", "书面总结", width=200, flex=2, link=True, wrap=True),
    column("media", "图片/影像资料", width=200, flex=2, link=True, wrap=True),
]


def _file_links(items: list[dict]) -> str:
    return " ".join(md_link(f["name"], f["url"]) for f in items) or "—"


def status_rows(status: dict[str, dict], names: dict[str, str], files_by_unit: dict[str, list[dict]],
                deadline: dt.date, today: dt.date) -> list[dict]:
    """One grid row per unit: its summary's state on `today` and links to its files."""
    rows = []
    for code, s in status.items():
        state = db_summaries.summary_state(s["at"], deadline, today)
        unit_files = files_by_unit.get(code, [])
        rows.append({"id": code, "unit": names[code], "state": db_summaries.SUMMARY_STATE_LABELS[state],
                     "at": f"{s['at']:%m-%d %H:%M}" if s["at"] else "—",
                     "written": _file_links([f for f in unit_files if f["kind"] == "written"]),
                     "media": _file_links([f for f in unit_files if f["kind"] == "media"]),
                     "warn": state in ("late", "overdue"), "pending": state == "pending"})
    return rows


def status_table(status: dict[str, dict], names: dict[str, str], files_by_unit: dict[str, list[dict]],
                 deadline: dt.date, today: dt.date):
    """Every unit's summary, one virtualised grid row each (sortable, filterable by state)."""
    if not status:
        return html.P("本次行动还没有参加单位。", className="muted")
    return data_grid(ids.SM_GRID, STATUS_COLUMNS, status_rows(status, names, files_by_unit, deadline, today),
                     page_size=50, class_name="sm-grid")


def content(s, campaign: dict, as_of: dt.date | None = None) -> dict:
    """The countdown and the table as they stood on the as-of date (files uploaded later do not count)."""
    today = as_of or dt.date.today()
    within = scope.visible_units()  # a leader or admin bound to an area: its units, in SQL
    status = db_summaries.summary_status(s, campaign["id"], today, within)
    names = {u["code"]: u["name"] for u in db_cases.units(s, within)}
    by_unit: dict[str, list[dict]] = {}
    for f in db_summaries.summary_files(s, campaign["id"], as_of=today):
        by_unit.setdefault(f["unit_code"], []).append(f)
    return {
        "countdown": countdown(campaign["deadline"], status, names, today),
        "table": status_table(status, names, by_unit, campaign["deadline"], today),
    }


def flashes() -> list:
    return [html.Div(text, className=f"result {'ok' if cat == FLASH_OK else 'error'}",
                     role="status" if cat == FLASH_OK else "alert")
            for cat, text in get_flashed_messages(with_categories=True)]


def as_of_for(s, campaign: dict, state) -> dt.date | None:
    """The page's as-of date: the URL's ?date= when it is about this campaign, else the campaign's
    default (the same one the overview shows)."""
    date = state.date if state.campaign in (None, campaign["id"]) else None
    return resolve(s, campaign["id"], date).as_of


def layout(state, **_):
    with session() as s:
        chosen, all_campaigns = campaign_choice(s, state.campaign)
        if chosen is None:
            return html.Div(labels.NO_CAMPAIGN, className="card notice")
        view = content(s, chosen, as_of_for(s, chosen, state))
    upload = (html.A(labels.SUMMARY_UPLOAD, href=f"{UPLOAD_PATH}?campaign={chosen['id']}", className="btn")
              if has_role("reporter", "admin") else None)
    return html.Div(
        [
            html.H2(labels.SUMMARIES_TITLE, className="page-title"),
            html.Div(
                [html.Label(["行动", dropdown(id=ids.SM_CAMPAIGN, value=chosen["id"], clearable=False,
                                                  options=[labels.campaign_option(c) for c in all_campaigns],
                                                  className="dd-campaign")]),
                 upload],
                className="controls",
            ),
            html.Div(flashes(), id=ids.SM_FLASH),
            html.Div(view["countdown"], id=ids.SM_COUNTDOWN, className="card sm-countdown"),
            html.Section(
                [html.H3("各单位报送情况"),
                 html.P("按通知，6月10日前报送书面总结、统计表和图片等资料（书面总结 docx/pdf；图片 jpg/png；视频 mp4）。",
                        className="muted"),
                 html.Div(view["table"], id=ids.SM_TABLE)],
                className="card",
            ),
        ]
    )
