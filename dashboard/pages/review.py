"""Review `/review` (管理员 only): the queue of reports nobody has reviewed yet, oldest first.

The whole queue is one grid (a row per report, one Dash component however long the queue): tick
several, or 全选待审核, and 通过所选 accepts them in one all-or-nothing step. A click on a row opens
its card: the figures in the attachment's layout, what changed since the version it corrects (or
since the unit's previous report), its warnings and correction reason, and 通过 / 退回 (a comment is
required to return). Decisions go through db/submission/review.py in callbacks/review.py.
"""

from __future__ import annotations

from dash import dcc, html
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard import ids, labels, scope
from dashboard.components import submission as view
from dashboard.components.dropdown import dropdown
from dashboard.components.tables import SOURCE_LABELS, column, data_grid
from dashboard.data import default_campaign, session
from dashboard.http.auth import has_role
from dashboard.state import PageState
from db import queries
from db.accounts.queries import unit_choices
from db.models import Unit
from db.submission import review

TITLE = "报表审核"
FORBIDDEN = "无权访问：仅管理员可以审核报表"
DETAIL_HINT = "点击表中一行，查看该报表的数字、与上一版本的差异和提示，逐份通过或退回（退回须写意见）。"


def forbidden() -> html.Div:
    return html.Div(
        [html.H2(FORBIDDEN), html.P("您的账户没有管理员权限。"), dcc.Link(labels.BACK, href="/", className="back")],
        className="card notice forbidden",
    )


# --- data ------------------------------------------------------------------------------------------


def _predecessor(history, item: dict) -> tuple[int | None, str]:
    """The version a queued one is compared with: the version it corrects, else the unit's current
    version of its previous report date. (report id or None, how the preview names it)."""
    day, version = item["report_date"], item["version"]
    if version > 1:
        prev = history[(history["report_date"] == day) & (history["version"] == version - 1)]
        return (int(prev["id"].iloc[0]), f"第 {version - 1} 版") if not prev.empty else (None, f"第 {version - 1} 版")
    earlier = history[(history["report_date"] < day) & history["is_current"]]
    if earlier.empty:
        return None, "上次报送"
    row = earlier.sort_values("report_date").iloc[-1]
    return int(row["id"]), f"上次报送（截至 {labels.date_cn(row['report_date'])}）"


def queue(s: Session, campaign_id: int, unit_code: str | None = None) -> list[dict]:
    """The whole review queue (of one unit, if given), oldest first, each with its `figures`."""
    items = [i for i in review.review_queue(s, campaign_id, scope.visible_units()) if unit_code in (None, i["unit_code"])]
    figures = queries.report_figures(s, [i["report_id"] for i in items])
    for item in items:
        item["figures"] = figures.get(item["report_id"], {})
    return items


def item_detail(s: Session, campaign_id: int, report_id: int | None) -> dict | None:
    """One queued report with `figures`, `previous` (figures or None) and `since`; None when it is not
    (or no longer) waiting for review. Without an id: the oldest queued report."""
    items = review.review_queue(s, campaign_id, scope.visible_units())  # only the reviewer's area
    item = next((i for i in items if report_id in (None, i["report_id"])), None)
    if item is None:
        return None
    prev_id, item["since"] = _predecessor(queries.report_history(s, campaign_id, item["unit_code"]), item)
    figures = queries.report_figures(s, [item["report_id"]] + ([prev_id] if prev_id is not None else []))
    item["figures"] = figures.get(item["report_id"], {})
    item["previous"] = figures.get(prev_id) if prev_id is not None else None
    return item


def selected_ids(rows: object) -> list[int]:
    """The report ids of the grid's selected rows (callbacks are public: anything else is dropped;
    db/submission/review.py checks every id again)."""
    if not isinstance(rows, list):
        return []
    out = []
    for row in rows:
        rid = row.get("id") if isinstance(row, dict) else None
        if isinstance(rid, int) and not isinstance(rid, bool) and rid not in out:
            out.append(rid)
    return out


# --- builders (pure) -------------------------------------------------------------------------------


def _total(figures: dict, measure: str) -> int | None:
    return sum(line.get(measure, 0) for line in figures.values()) if figures else None


def queue_rows(items: list[dict]) -> list[dict]:
    """One grid row per queued report."""
    return [{"id": i["report_id"], "unit": f"{i['unit_name']}（{i['unit_code']}）", "date": i["report_date"].isoformat(),
             "version": i["version"], "kind": "更正" if i["is_correction"] else "报送",
             "submitted": f"{i['submitted_at']:%Y-%m-%d %H:%M}", "by": i["submitted_by"],
             "source": SOURCE_LABELS.get(i["source"], i["source"]),
             "offer": _total(i["figures"], "offer_copies"), "signed": _total(i["figures"], "signed_copies"),
             "filed": _total(i["figures"], "filed_copies"), "warnings": len(i["warnings"])} for i in items]


QUEUE_COLUMNS = [
    column("unit", "单位", width=200, flex=2), column("date", "统计截至", width=120),
    column("version", "版本", width=80, numeric=True), column("kind", "类型", width=80),
    column("submitted", "提交时间", width=160, sort="asc"), column("by", "提交人", width=110),
    column("source", "来源", width=110), column("offer", "要约书（份）", width=110, numeric=True),
    column("signed", "签订合同（份）", width=120, numeric=True), column("filed", "审查备案（份）", width=120, numeric=True),
    column("warnings", "提示", width=80, numeric=True, cellClassRules={"grid-warn": "params.value > 0"}),
]


def queue_view(items: list[dict]) -> html.Div:
    """The count, the batch buttons and the queue grid (checkbox per row, all pending reports)."""
    if not items:
        return html.Div(html.P("没有待审核的报表。", className="ok rv-count"), className="card")
    return html.Div(
        [
            html.P(f"共 {len(items)} 份报表待审核，最早提交的在前。勾选后可一次通过多份；退回须逐份写意见。",
                   className="muted rv-count", **{"data-count": str(len(items))}),
            html.Div([html.Button("全选待审核", id=ids.RV_SELECT_ALL, className="btn btn-secondary"),
                      html.Button("通过所选", id=ids.RV_ACCEPT_SELECTED, className="btn rv-accept-selected", disabled=True)],
                     className="rv-batch"),
            data_grid(ids.RV_GRID, QUEUE_COLUMNS, queue_rows(items), selectable=True, page_size=25,
                      class_name="rv-grid"),
        ],
        className="card",
    )


def review_card(item: dict) -> html.Div:
    rid = item["report_id"]
    meta = [
        f"提交：{item['submitted_at']:%Y-%m-%d %H:%M} · {item['submitted_by']}",
        f"来源：{SOURCE_LABELS.get(item['source'], item['source'])}",
        f"负责人：{item['leader'] or '—'} · 填报人：{item['filled_by'] or '—'}",
    ]
    reason = [html.P(f"更正原因：{item['reason']}", className="rv-reason")] if item["reason"] else []
    warnings = ([html.Ul([html.Li("⚠ " + w, className="su-warning") for w in item["warnings"]], className="su-warnings")]
                if item["warnings"] else [])
    return html.Div(
        [
            html.H3([f"{item['unit_name']}（{item['unit_code']}） 截至 {labels.date_cn(item['report_date'])} "
                     f"第 {item['version']} 版 ", view.status_badge("pending"),
                     html.Span("更正", className="tag") if item["is_correction"] else None]),
            html.P(" ｜ ".join(meta), className="muted"),
            *reason,
            *warnings,
            html.Div(view.preview_table(item["figures"], item["previous"], warnings=()), className="table-scroll"),
            view.changes_view(item["figures"], item["previous"], item["since"]),
            html.Div(
                [
                    html.Button("通过", id={"type": ids.RV_ACCEPT, "index": rid}, className="btn rv-accept"),
                    dcc.Textarea(id={"type": ids.RV_COMMENT, "index": rid}, maxLength=review.MAX_COMMENT,
                                 placeholder="退回意见（退回时必填）：说明需要核实或修改什么", className="input rv-comment"),
                    html.Button("退回", id={"type": ids.RV_RETURN, "index": rid}, className="btn btn-danger rv-return"),
                ],
                className="rv-actions",
            ),
        ],
        className="card rv-item",
        **{"data-report-id": str(rid)},
    )


def detail_view(item: dict | None) -> html.Div:
    return review_card(item) if item else html.Div(html.P(DETAIL_HINT, className="muted"), className="card")


# --- the page --------------------------------------------------------------------------------------


def load_queue(campaign_id: int, unit_code: str | None = None) -> html.Div:
    with session() as s:
        return queue_view(queue(s, campaign_id, unit_code))


def load_detail(campaign_id: int, report_id: int | None = None, unit_code: str | None = None) -> html.Div:
    """The card of one queued report; without an id the oldest (of the unit, if given)."""
    with session() as s:
        if report_id is None and unit_code:
            first = next(iter(queue(s, campaign_id, unit_code)), None)
            report_id = first["report_id"] if first else -1
        return detail_view(item_detail(s, campaign_id, report_id))


def layout(state: PageState | None = None):
    if not has_role("admin"):  # the router checks too
        return forbidden()
    state = state or PageState()
    with session() as s:
        campaigns = queries.campaigns(s)
        if not campaigns:
            return html.Div(labels.NO_CAMPAIGN, className="card notice")
        chosen = next((c for c in campaigns if c["id"] == state.campaign), None) or default_campaign(campaigns)
        items = queue(s, chosen["id"])
        first = item_detail(s, chosen["id"], None)
        units = scope.only_visible(s, unit_choices(s))
    return html.Div(
        [
            html.H2(TITLE, className="page-title"),
            html.Div(
                [
                    html.Label(["行动", dropdown(id=ids.RV_CAMPAIGN, value=chosen["id"], clearable=False,
                                                     options=[labels.campaign_option(c) for c in campaigns],
                                                     className="dd-campaign")]),
                    html.Label(["单位", dropdown(id=ids.RV_UNIT, placeholder="全部单位", className="dd-unit su-unit",
                                                     options=[{"label": f"{u['name']}（{u['code']}）", "value": u["code"]}
                                                              for u in units])]),
                ],
                className="controls",
            ),
            dcc.ConfirmDialog(id=ids.RV_CONFIRM),
            html.Div(id=ids.RV_RESULT),
            html.Div(queue_view(items), id=ids.RV_QUEUE),
            html.Div(detail_view(first), id=ids.RV_DETAIL),
        ],
        className="review",
    )


# --- marks on the dashboard ("the dashboard marks figures that are not yet reviewed") -----


def pending_marker(count: int) -> html.P | None:
    """'N 个单位的数据待审核' above the overview's lagging list: `count` units of the area whose shown
    figures await review (db.hierarchy.view's `pending`)."""
    if not count:
        return None
    return html.P([view.pending_units_text(count), "（图表已计入，审核后可能更正）"],
                  id=ids.OV_PENDING_REVIEW, className="pending-review", **{"data-count": str(count)})


def district_status(s: Session, campaign_id: int, as_of, code: str) -> html.Span | None:
    """The review status of the report the district page shows (待审核 / 已通过 / 已退回)."""
    status = review.status_by_unit(s, campaign_id, as_of, select(Unit.id).where(Unit.code == code)).get(code)
    if status is None:
        return None
    return html.Span([" · 数据审核：", view.status_badge(status)], id=ids.D_REVIEW_STATUS)
