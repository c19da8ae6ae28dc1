"""Admin callbacks of /admin/targets: load a campaign's baselines, 典型培育目标 and 应配专职指导员 into
the grid, preview the edits, save them. The save re-checks the grid's rows against the database
inside the write transaction: what the preview showed in the browser is never trusted. Guarded by `require_role("admin")`.
"""

from __future__ import annotations

from dash import Input, Output, State, no_update

from dashboard import context, ids, scope
from dashboard.context import actor, session
from dashboard.http.auth import require_role
from dashboard.pages import admin_targets as page
from db.admin.common import AdminError
from db.admin.targets import check_targets, save_targets, target_rows


def _campaign_id(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _rows(value) -> list[dict]:
    """The grid's rows; for an admin bound to an area, a row of a unit outside it is a forged request
    (403, audited)."""
    rows = [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
    if scope.bound():
        with session() as s:
            codes = scope.visible_codes(s)
        outside = next((r.get("code") for r in rows if r.get("code") not in codes), None)
        if outside is not None:
            scope.refuse(f"单位 {str(outside)[:40]}")
    return rows


def _target_rows(s, campaign_id: int) -> list[dict]:
    return scope.only_visible(s, target_rows(s, campaign_id))


def register(app) -> None:
    @app.callback(
        Output(ids.AD_TGT_GRID, "rowData"),
        Output(ids.AD_TGT_PREVIEW, "children"),
        Output(ids.AD_TGT_SAVE, "disabled"),
        Output(ids.AD_TGT_RESULT, "children"),
        Input(ids.AD_TGT_CAMPAIGN, "value"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def load(campaign):
        campaign_id = _campaign_id(campaign)
        if campaign_id is None:
            return [], None, True, None
        with session() as s:
            return page.grid_rows(_target_rows(s, campaign_id)), None, True, None

    @app.callback(
        Output(ids.AD_TGT_PREVIEW, "children", allow_duplicate=True),
        Output(ids.AD_TGT_SAVE, "disabled", allow_duplicate=True),
        Input(ids.AD_TGT_GRID, "cellValueChanged"),
        State(ids.AD_TGT_GRID, "rowData"),
        State(ids.AD_TGT_CAMPAIGN, "value"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def preview(_changed, rows, campaign):
        campaign_id = _campaign_id(campaign)
        if campaign_id is None:
            return page.preview([], ["请选择行动"]), True
        with session() as s:
            baseline_changes, changes, problems = check_targets(_rows(rows), _target_rows(s, campaign_id))
        changes = [*baseline_changes, *changes]
        return page.preview(changes, problems), bool(problems) or not changes

    @app.callback(
        Output(ids.AD_TGT_RESULT, "children", allow_duplicate=True),
        Output(ids.AD_TGT_GRID, "rowData", allow_duplicate=True),
        Output(ids.AD_TGT_PREVIEW, "children", allow_duplicate=True),
        Output(ids.AD_TGT_SAVE, "disabled", allow_duplicate=True),
        Input(ids.AD_TGT_SAVE, "n_clicks"),
        State(ids.AD_TGT_GRID, "rowData"),
        State(ids.AD_TGT_CAMPAIGN, "value"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def save(_clicks, rows, campaign):
        campaign_id = _campaign_id(campaign)
        rows = _rows(rows)  # before the write transaction: a refusal writes its audit row
        try:
            if campaign_id is None:
                raise AdminError("请选择行动")
            with context.write() as s:
                baseline_changes, changes = save_targets(s, campaign_id, rows, **actor())
        except AdminError as exc:
            return page.preview([], exc.messages), no_update, no_update, True
        with session() as s:
            fresh = page.grid_rows(_target_rows(s, campaign_id))
        return page.saved([*baseline_changes, *changes]), fresh, None, True
