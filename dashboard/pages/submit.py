"""Submission `/submit` (县区填报员 for their own unit, 管理员 for any): the attachment's table as an
editable grid or an uploaded .xlsx, previewed, then confirmed.

Nothing is stored before 确认提交: 预览 validates with the same rules and the same database context
as the store (`db.submission.store.validation_context` reads what `db.submission.store.submit_in` would), and the callback signs the
previewed figures; 确认提交 stores exactly those through `db.submission.store.submit_audited`, which validates
again inside its write transaction. `/submit/<report id>` prefills the form from a returned report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html
from flask import current_app
from flask_login import current_user
from sqlalchemy.orm import Session

from dashboard import ids, labels, scope
from dashboard.components import submission as view
from dashboard.components.dropdown import dropdown
from dashboard.components.tables import SOURCE_LABELS
from dashboard.data import default_campaign, session
from dashboard.http.auth import has_role
from dashboard.state import PageState
from db import queries
from db.accounts.queries import unit_choices
from db.submission import review, store
from db.submission.xlsx_container import MAX_UPLOAD_BYTES
from domain.format import thousands
from domain.measures import LINE_KINDS, MEASURES
from domain.validation import Context

TITLE = "数据填报"
FORBIDDEN = "无权访问：仅县区填报员和管理员可以填报"
REASON_HINT = "更正已报送的数据（或累计数低于上次报送）时必填"
TEMPLATE_URL = "/submit/template.xlsx"


def forbidden() -> html.Div:
    return html.Div(
        [html.H2(FORBIDDEN), html.P("您的账户不能报送数据。如需填报，请联系系统管理员。"),
         dcc.Link(labels.BACK, href="/", className="back")],
        className="card notice forbidden",
    )


# --- what the database says about one (campaign, unit, date) --------------------------------------


@dataclass
class FormData:
    """Everything the form shows for one campaign, unit and report date."""

    campaign: dict
    unit: dict
    report_date: dt.date
    context: Context  # what validation checks against: exactly what the store will use
    same_date_version: int  # versions already stored for this date (0: a first report)
    prefill: dict  # figures for the grid: this date's current version, else the previous report's
    leader: str = ""
    filled_by: str = ""
    history: pd.DataFrame = field(default_factory=pd.DataFrame)
    statuses: dict = field(default_factory=dict)  # report id -> review.history_status entry


def _figures(lines: pd.DataFrame) -> dict:
    by_kind = lines.set_index("kind")
    return {k: {m: int(by_kind.loc[k, m]) for m in MEASURES} for k in LINE_KINDS}


def load(s: Session, campaign_id: int, unit_code: str, report_date: dt.date) -> FormData | None:
    campaign = queries.campaign(s, campaign_id)
    unit = queries.unit(s, unit_code)
    ctx = store.validation_context(s, campaign_id, unit_code, report_date)
    if campaign is None or unit is None or ctx is None:
        return None
    history = queries.report_history(s, campaign_id, unit_code)
    same = history[history["report_date"] == report_date] if not history.empty else history
    version = int(same["version"].max()) if not same.empty else 0
    if version:
        prefill = _figures(queries.line_totals(s, campaign_id, report_date, unit_code))
    else:
        prefill = {k: dict(v) for k, v in (ctx.previous or {}).items()}
    last = next(history.itertuples(index=False), None) if not history.empty else None
    statuses = review.history_status(s, [int(i) for i in history["id"]]) if not history.empty else {}
    return FormData(campaign, unit, report_date, ctx, version, prefill,
                    leader=last.leader if last is not None else "", filled_by=last.filled_by if last is not None else "",
                    history=history, statuses=statuses)


def default_date(campaign: dict, today: dt.date | None = None) -> dt.date:
    """The 截至 date a clerk means: today while the campaign counts (行动开始 .. 统计截止), since the
    figures at hand are today's running totals; after the cut-off, the cut-off itself (the final
    figures are counted to it, even when they are sent in before 报送截止). Never the deadline: a
    report dated after the cut-off is a report after the campaign."""
    today = today or dt.date.today()
    return min(max(today, campaign["window_start"]), campaign["cutoff_date"])


def allowed_units(s: Session) -> list[dict]:
    """The units this user may submit for: a reporter only its own, an admin every unit of their area."""
    units = unit_choices(s)
    if current_user.role == "admin":
        return scope.only_visible(s, units)
    return [u for u in units if u["code"] == current_user.unit_code]


# --- sections (pure, given FormData) ----------------------------------------------------------------


def previous_section(data: FormData) -> html.Div:
    ctx = data.context
    if ctx.previous is None:
        return html.Div([html.H3("上次报送"), html.P("本单位在本次行动中尚无更早的报送。", className="muted")])
    return html.Div(
        [html.H3(f"上次报送：截至 {labels.date_cn(ctx.previous_date)}（当前版本）"),
         html.Div(view.preview_table(ctx.previous), className="table-scroll")]
    )


def correction_notice(data: FormData) -> html.Div | None:
    if not data.same_date_version:
        return None
    return html.P(
        f"本单位截至 {labels.date_cn(data.report_date)} 的报表已报送（第 {data.same_date_version} 版）。"
        f"本次提交为更正，将保存为第 {data.same_date_version + 1} 版，须填写更正原因。",
        className="su-correction-note warn",
    )


def history_section(data: FormData) -> html.Div:
    history = data.history
    if history.empty:
        return html.P("尚无报送记录。", className="muted")
    head = html.Tr([html.Th(h) for h in ("统计截至", "版本", "审核", "提交时间", "提交人", "来源",
                                         "要约书", "签订合同", "审查备案", "更正原因 / 审核意见")])
    rows = []
    for r in history.itertuples(index=False):
        st = data.statuses.get(int(r.id), {})
        note = [html.Div(r.reason)] if r.reason else []
        if st.get("comment"):
            note.append(html.Div(f"审核意见（{st['reviewer']}）：{st['comment']}", className="su-comment"))
        badge = view.status_badge(st.get("status")) if st.get("status") in view.STATUS_LABELS else \
            html.Span(st.get("label", "—"), className="muted")
        rows.append(html.Tr(
            [html.Td(labels.date_cn(r.report_date)), html.Td(f"第 {r.version} 版"), html.Td(badge),
             html.Td(f"{r.submitted_at:%Y-%m-%d %H:%M}"), html.Td(r.submitted_by),
             html.Td(SOURCE_LABELS.get(r.source, r.source)), html.Td(thousands(r.offer_copies)),
             html.Td(thousands(r.signed_copies)), html.Td(thousands(r.filed_copies)), html.Td(note)],
            className="superseded" if not r.is_current else "",
            **{"data-report-id": str(int(r.id))},
        ))
    return html.Div(html.Table([html.Thead(head), html.Tbody(rows)], className="history"), className="table-scroll")


def returned_section(returned: list[dict]) -> html.Div | None:
    """The unit's returned reports with the reviewer's comment and a link to resubmit (prefilled)."""
    if not returned:
        return None
    items = [
        html.Li(
            [html.B(f"截至 {labels.date_cn(r['report_date'])} 第 {r['version']} 版"), " ",
             view.status_badge("returned"),
             html.Div(f"退回意见（{r['reviewer']}，{r['reviewed_at']:%Y-%m-%d %H:%M}）：{r['comment']}",
                      className="su-comment"),
             dcc.Link("按意见修改并重新报送", href=f"/submit/{r['report_id']}", className="btn su-resubmit")],
            **{"data-report-id": str(r["report_id"])},
        )
        for r in returned
    ]
    return html.Div([html.H3("被退回的报表"), html.Ul(items, className="su-returned-list")],
                    className="card su-returned")


def template_href(campaign_id: int | None, unit_code: str | None) -> str:
    return f"{TEMPLATE_URL}?unit={unit_code or ''}&campaign={campaign_id or ''}"


# --- the page ---------------------------------------------------------------------------------------


def _label(text: str, control, class_name: str = "") -> html.Label:
    return html.Label([text, control], className=class_name)


def _returned_report(s: Session, report_id: int, units: list[dict]) -> dict | None:
    """A returned report this user may resubmit (own unit for a reporter), from the review module."""
    for campaign in queries.campaigns(s):
        for unit in units:
            for r in review.returned_for_unit(s, campaign["id"], unit["code"]):
                if r["report_id"] == report_id:
                    return r
    return None


def layout(state: PageState | None = None, report_id: str | None = None):
    if not has_role("reporter", "admin"):  # the router checks too
        return forbidden()
    state = state or PageState()
    with session() as s:
        campaigns = queries.campaigns(s)
        units = allowed_units(s)
        if not campaigns or not units:
            return html.Div(labels.NO_CAMPAIGN if not campaigns else "您的账户没有绑定单位。", className="card notice")
        chosen = next((c for c in campaigns if c["id"] == state.campaign), None) or default_campaign(campaigns)
        unit_code, report_date, prefill_from = units[0]["code"], state.date, None
        if report_id is not None:
            prefill_from = _returned_report(s, int(report_id), units)
            if prefill_from is not None:
                chosen = next(c for c in campaigns if c["id"] == prefill_from["campaign_id"])
                unit_code, report_date = prefill_from["unit_code"], prefill_from["report_date"]
        report_date = report_date or default_date(chosen)
        data = load(s, chosen["id"], unit_code, report_date)
        returned = review.returned_for_unit(s, chosen["id"], unit_code)
    return page(campaigns, chosen, units, data, returned,
                resubmit_note=prefill_from["comment"] if prefill_from else None)


def page(campaigns: list[dict], campaign: dict, units: list[dict], data: FormData, returned: list[dict],
         resubmit_note: str | None = None) -> html.Div:
    reporter = current_user.role == "reporter"
    controls = html.Div(
        [
            _label("行动", dropdown(id=ids.SU_CAMPAIGN, options=[labels.campaign_option(c) for c in campaigns],
                                        value=campaign["id"], clearable=False, className="dd-campaign")),
            _label("单位", dropdown(id=ids.SU_UNIT, options=[{"label": f"{u['name']}（{u['code']}）", "value": u["code"]}
                                                                for u in units],
                                        value=data.unit["code"], clearable=False, disabled=reporter,
                                        className="dd-unit su-unit")),
            _label("截至日期", dcc.Input(id=ids.SU_DATE, type="date", value=data.report_date.isoformat(),
                                       min=campaign["window_start"].isoformat(), max=campaign["deadline"].isoformat(),
                                       className="input su-date")),
        ],
        className="controls su-controls",
    )
    header_fields = html.Div(
        [
            _label("负责人", dcc.Input(id=ids.SU_LEADER, type="text", maxLength=50, value=data.leader, className="input")),
            _label("填报人", dcc.Input(id=ids.SU_FILLED_BY, type="text", maxLength=50, value=data.filled_by,
                                     className="input")),
            _label("填报时间", dcc.Input(id=ids.SU_FILLED_ON, type="date", value=dt.date.today().isoformat(),
                                       className="input")),
        ],
        className="admin-form su-header-fields",
    )
    grid = dag.AgGrid(
        id=ids.SU_GRID,
        columnDefs=view.grid_columns(),
        rowData=view.grid_rows(data.prefill),
        getRowId="params.data.kind",
        defaultColDef={"resizable": True, "sortable": False, "suppressMovable": True, "wrapHeaderText": True,
                       "autoHeaderHeight": True},
        dashGridOptions={"domLayout": "autoHeight", "singleClickEdit": True, "stopEditingWhenCellsLoseFocus": True,
                         "suppressMenuHide": True},
        columnSize="sizeToFit",
        className="ag-theme-quartz su-grid",
        style={"width": "100%"},
    )
    upload = dcc.Upload(
        id=ids.SU_UPLOAD,
        children=html.Div(["把填好的 Excel 统计表（.xlsx）拖到这里，或", html.A("点击选择文件")]),
        accept=".xlsx",
        multiple=False,
        className="su-upload",
    )
    upload_limit = dcc.Store(id=ids.SU_UPLOAD_LIMIT,
                             data=int(current_app.config.get("UPLOAD_MAX_BYTES") or MAX_UPLOAD_BYTES))
    resubmit = (html.P(f"正在按退回意见修改：{resubmit_note}", className="su-comment su-resubmit-note")
                if resubmit_note else None)
    return html.Div(
        [
            html.H2(TITLE, className="page-title"),
            controls,
            upload_limit,
            html.Div(returned_section(returned), id=ids.SU_RETURNED),
            html.Div(previous_section(data), id=ids.SU_PREVIOUS, className="card"),
            html.Div(
                [
                    html.H3("更正"),
                    html.Div(correction_notice(data), id=ids.SU_CORRECTION),
                    _label(f"更正原因（{REASON_HINT}）",
                           dcc.Textarea(id=ids.SU_REASON, maxLength=500, className="input su-reason",
                                        placeholder="例如：区域行签订合同覆盖职工数录入有误，按人社部门备案回执更正"),
                           "su-reason-label"),
                ],
                className="card su-correction-card",
            ),
            html.Div(
                [
                    html.H3("网页填报"),
                    resubmit,
                    html.P("表格已按最近一次报送预填；累计数填到截至日期为止。修改后点“预览”检查，确认无误再提交。",
                           className="muted"),
                    header_fields,
                    grid,
                    html.Button("预览", id=ids.SU_PREVIEW_BTN, className="btn su-preview-btn"),
                ],
                className="card",
            ),
            html.Div(
                [
                    html.H3("上传 Excel"),
                    html.P(["也可以下载按通知附件格式的统计表模板（已填好本单位名称和最近一次数据），填好后上传：",
                            html.A("下载模板", id=ids.SU_TEMPLATE, href=template_href(campaign["id"], data.unit["code"]),
                                   className="su-template-link")], className="muted"),
                    upload,
                ],
                className="card",
            ),
            html.Div(id=ids.SU_PREVIEW, className="su-preview-area"),
            html.Div(id=ids.SU_RESULT),
            html.Div([html.H3("本单位报送记录（含更正版本和审核状态）"), html.Div(history_section(data), id=ids.SU_HISTORY)],
                     className="card"),
            dcc.Store(id=ids.SU_PENDING),
            dcc.Store(id=ids.SU_STAMP),
        ],
        className="submit",
    )
