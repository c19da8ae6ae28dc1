"""Review callbacks (`/review`, 管理员 only): reload the queue, open a report's card, accept or return
one report, accept the selected ones in one all-or-nothing step.

Each callback is a public endpoint: `require_role("admin")` refuses (403, audited) everyone else
before the body runs. The decision itself (only the latest version, once, a comment to return) is
checked by db/submission/review.py inside the write transaction.
"""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from dashboard import context, ids, scope
from dashboard.components import submission as view
from dashboard.context import client_ip
from dashboard.http.auth import require_role
from dashboard.pages import review as page
from db.submission import review


def _campaign(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _unit(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def comment_for(report_id: object, comments: object, comment_ids: object) -> str:
    """The comment typed beside this report's buttons (pattern-matching ALL states arrive as lists)."""
    if not isinstance(comments, list) or not isinstance(comment_ids, list):
        return ""
    for cid, text in zip(comment_ids, comments, strict=False):
        if isinstance(cid, dict) and cid.get("index") == report_id:
            return text if isinstance(text, str) else ""
    return ""


def register(app) -> None:
    @app.callback(
        Output(ids.RV_QUEUE, "children"),
        Output(ids.RV_DETAIL, "children"),
        Output(ids.RV_RESULT, "children"),
        Input(ids.RV_CAMPAIGN, "value"),
        Input(ids.RV_UNIT, "value"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def reload(campaign, unit):
        campaign_id = _campaign(campaign)
        if campaign_id is None:
            raise PreventUpdate
        return page.load_queue(campaign_id, _unit(unit)), page.load_detail(campaign_id, None, _unit(unit)), None

    @app.callback(
        Output(ids.RV_DETAIL, "children", allow_duplicate=True),
        Input(ids.RV_GRID, "cellClicked"),
        State(ids.RV_CAMPAIGN, "value"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def show(cell, campaign):
        campaign_id = _campaign(campaign)
        row_id = str(cell.get("rowId") or "") if isinstance(cell, dict) else ""
        if campaign_id is None or not row_id.isdigit() or cell.get("colId") == "ag-Grid-SelectionColumn":
            raise PreventUpdate
        with context.read() as s:
            scope.require_reports(s, [int(row_id)])
        return page.load_detail(campaign_id, int(row_id))

    @app.callback(
        Output(ids.RV_GRID, "selectAll"),
        Input(ids.RV_SELECT_ALL, "n_clicks"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def select_all(clicks):
        if not clicks:
            raise PreventUpdate
        return True

    @app.callback(
        Output(ids.RV_ACCEPT_SELECTED, "children"),
        Output(ids.RV_ACCEPT_SELECTED, "disabled"),
        Input(ids.RV_GRID, "selectedRows"),
    )
    @require_role("admin")
    def count_selected(rows):
        n = len(page.selected_ids(rows))
        return (f"通过所选（{n} 份）" if n else "通过所选"), not n

    @app.callback(
        Output(ids.RV_CONFIRM, "displayed"),
        Output(ids.RV_CONFIRM, "message"),
        Input(ids.RV_ACCEPT_SELECTED, "n_clicks"),
        State(ids.RV_GRID, "selectedRows"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def ask_batch(clicks, rows):
        n = len(page.selected_ids(rows))
        if not clicks or not n:
            raise PreventUpdate
        return True, f"确定通过所选的 {n} 份报表吗？任何一份不能通过时，全部不通过。"

    @app.callback(
        Output(ids.RV_RESULT, "children", allow_duplicate=True),
        Output(ids.RV_QUEUE, "children", allow_duplicate=True),
        Output(ids.RV_DETAIL, "children", allow_duplicate=True),
        Input(ids.RV_CONFIRM, "submit_n_clicks"),
        State(ids.RV_GRID, "selectedRows"),
        State(ids.RV_CAMPAIGN, "value"),
        State(ids.RV_UNIT, "value"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def accept_selected(confirmed, rows, campaign, unit):
        if not confirmed:
            raise PreventUpdate
        wanted = page.selected_ids(rows)
        with context.read() as s:
            scope.require_reports(s, wanted)  # another area's report: 403, audited
        try:
            with context.write() as s:
                done = review.accept_many(s, wanted, current_user.username, ip=client_ip())
        except review.ReviewError as exc:
            return view.result(False, exc.message), no_update, no_update
        return view.result(True, f"已通过 {len(done)} 份报表"), *_reloaded(campaign, unit)

    @app.callback(
        Output(ids.RV_RESULT, "children", allow_duplicate=True),
        Output(ids.RV_QUEUE, "children", allow_duplicate=True),
        Output(ids.RV_DETAIL, "children", allow_duplicate=True),
        Input({"type": ids.RV_ACCEPT, "index": ALL}, "n_clicks"),
        Input({"type": ids.RV_RETURN, "index": ALL}, "n_clicks"),
        State({"type": ids.RV_COMMENT, "index": ALL}, "value"),
        State({"type": ids.RV_COMMENT, "index": ALL}, "id"),
        State(ids.RV_CAMPAIGN, "value"),
        State(ids.RV_UNIT, "value"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def decide(_accepts, _returns, comments, comment_ids, campaign, unit):
        # A re-rendered card brings new, unclicked buttons: only a real click counts.
        if not isinstance(ctx.triggered_id, dict) or not ctx.triggered or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        report_id = ctx.triggered_id.get("index")
        if not isinstance(report_id, int) or isinstance(report_id, bool):
            return view.result(False, f"报表编号无效：{str(report_id)[:20]}"), no_update, no_update
        with context.read() as s:
            scope.require_reports(s, [report_id])  # another area's report: 403, audited
        try:
            with context.write() as s:
                if ctx.triggered_id.get("type") == ids.RV_ACCEPT:
                    review.accept(s, report_id, current_user.username, ip=client_ip())
                    text = f"已通过报表（编号 {report_id}）"
                else:
                    comment = comment_for(report_id, comments, comment_ids)
                    review.return_report(s, report_id, current_user.username, comment, ip=client_ip())
                    text = f"已退回报表（编号 {report_id}），填报单位将看到退回意见"
        except review.ReviewError as exc:
            return view.result(False, exc.message), no_update, no_update
        return view.result(True, text), *_reloaded(campaign, unit)


def _reloaded(campaign, unit) -> tuple:
    """The queue and the next card (the oldest left) after a decision."""
    campaign_id = _campaign(campaign)
    if campaign_id is None:
        return no_update, no_update
    return page.load_queue(campaign_id, _unit(unit)), page.load_detail(campaign_id, None, _unit(unit))
