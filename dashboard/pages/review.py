"""Review `/review` (管理员 only): the queue of reports nobody has reviewed yet, oldest first.

Each queued version shows its figures in the attachment's layout, what changed since the version it
corrects (or since the unit's previous report), its warnings and correction reason, and 通过 / 退回
(a comment is required to return). Decisions go through db/submission/review.py in callbacks/review.py.
"""

from __future__ import annotations

from dash import dcc, html
from sqlalchemy.orm import Session

from dashboard import ids, labels
from dashboard.components import submission as view
from dashboard.components.dropdown import dropdown
from dashboard.components.tables import SOURCE_LABELS
from dashboard.data import default_campaign, session
from dashboard.http.auth import has_role
from dashboard.state import PageState
from db import queries
from db.accounts.queries import unit_choices
from db.submission import review

TITLE = "报表审核"
SHOWN = 20  # queued reports rendered at once (oldest first); the rest follow as these are decided
FORBIDDEN = "无权访问：仅管理员可以审核报表"


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


def queue(s: Session, campaign_id: int, unit_code: str | None = None, limit: int = SHOWN) -> tuple[list[dict], int]:
    """The first `limit` of the review queue (of one unit, if given) with, per item, `figures`,
    `previous` (figures or None) and `since`; and the length of the whole (filtered) queue."""
    everything = [i for i in review.review_queue(s, campaign_id) if unit_code in (None, i["unit_code"])]
    items = everything[:limit]
    histories: dict[str, object] = {}
    previous_ids: dict[int, int | None] = {}
    for item in items:
        code = item["unit_code"]
        if code not in histories:
            histories[code] = queries.report_history(s, campaign_id, code)
        previous_ids[item["report_id"]], item["since"] = _predecessor(histories[code], item)
    wanted = [i["report_id"] for i in items] + [p for p in previous_ids.values() if p is not None]
    figures = queries.report_figures(s, wanted)
    for item in items:
        item["figures"] = figures.get(item["report_id"], {})
        prev_id = previous_ids[item["report_id"]]
        item["previous"] = figures.get(prev_id) if prev_id is not None else None
    return items, len(everything)


# --- builders (pure) -------------------------------------------------------------------------------


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


def queue_view(items: list[dict], total: int | None = None) -> html.Div:
    total = len(items) if total is None else total
    if not items:
        return html.Div(html.P("没有待审核的报表。", className="ok"), className="card")
    more = f"，下面是最早提交的 {len(items)} 份" if total > len(items) else "，最早提交的在前"
    return html.Div([html.P(f"共 {total} 份报表待审核{more}。", className="muted rv-count"),
                     *[review_card(i) for i in items]])


# --- the page --------------------------------------------------------------------------------------


def load_queue(campaign_id: int, unit_code: str | None = None) -> html.Div:
    with session() as s:
        return queue_view(*queue(s, campaign_id, unit_code))


def layout(state: PageState | None = None):
    if not has_role("admin"):  # the router checks too
        return forbidden()
    state = state or PageState()
    with session() as s:
        campaigns = queries.campaigns(s)
        if not campaigns:
            return html.Div(labels.NO_CAMPAIGN, className="card notice")
        chosen = next((c for c in campaigns if c["id"] == state.campaign), None) or default_campaign(campaigns)
        items, total = queue(s, chosen["id"])
        units = unit_choices(s)
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
            html.Div(id=ids.RV_RESULT),
            html.Div(queue_view(items, total), id=ids.RV_QUEUE),
        ],
        className="review",
    )


# --- marks on the dashboard ("the dashboard marks figures that are not yet reviewed") -----


def pending_marker(campaign_id: int, as_of) -> html.P | None:
    """'N 个单位的数据待审核' above the overview's lagging list: units whose shown figures await review."""
    with session() as s:
        statuses = review.status_by_unit(s, campaign_id, as_of)
    count = sum(1 for st in statuses.values() if st == "pending")
    if not count:
        return None
    return html.P([view.pending_units_text(count), "（图表已计入，审核后可能更正）"],
                  id=ids.OV_PENDING_REVIEW, className="pending-review", **{"data-count": str(count)})


def district_status(s: Session, campaign_id: int, as_of, code: str) -> html.Span | None:
    """The review status of the report the district page shows (待审核 / 已通过 / 已退回)."""
    status = review.status_by_unit(s, campaign_id, as_of).get(code)
    if status is None:
        return None
    return html.Span([" · 数据审核：", view.status_badge(status)], id=ids.D_REVIEW_STATUS)
