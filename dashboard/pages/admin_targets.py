"""Admin `/admin/targets`: each unit's baseline (辖区企业数、职工数) and targets in one campaign, plus its
yearly 典型培育目标 and the number of 专职指导员 it must have, in one editable grid. Edits are previewed
(changes and problems, each naming unit and column), then saved all at once; the server checks
everything again (db.admin.targets.check_targets / save_targets).
"""

from __future__ import annotations

import dash_ag_grid as dag
from dash import html

from dashboard import ids, scope
from dashboard.components.dropdown import dropdown
from dashboard.http.auth import has_role
from dashboard.labels import GRID_LOCALE
from dashboard.pages.admin import TITLE, field, forbidden, result, subnav
from db.admin.targets import BASELINE_FIELDS, UNIT_TARGET_FIELDS, BaselineChange, UnitTargetChange

GRID_PAGE = 50

__all__ = ["forbidden", "layout"]


def grid_columns() -> list[dict]:
    number = {"editable": True, "type": "rightAligned", "cellClass": "num-cell editable", "minWidth": 120}
    return [
        {"field": "code", "headerName": "代码", "pinned": "left", "width": 100, "editable": False},
        {"field": "name", "headerName": "单位", "pinned": "left", "minWidth": 170, "editable": False},
        {"field": "kind", "headerName": "类型", "width": 100, "editable": False},
        *({"field": key, "headerName": label, **number} for key, label in BASELINE_FIELDS.items()),
        *({"field": key, "headerName": label, **number, "minWidth": 110}
          for key, label in UNIT_TARGET_FIELDS.items()),
    ]


def grid_rows(rows: list[dict]) -> list[dict]:
    """db.admin.targets.target_rows as grid rows (missing figures blank)."""
    return [{k: r.get(k) for k in ("code", "name", "kind", *BASELINE_FIELDS, *UNIT_TARGET_FIELDS)} for r in rows]


def changed_units(changes: list[BaselineChange | UnitTargetChange]) -> int:
    return len({c.code for c in changes})


def preview(changes: list[BaselineChange | UnitTargetChange], problems: list[str]) -> html.Div:
    if problems:
        return html.Div([html.P(f"有 {len(problems)} 处问题，请改正后再保存：", className="error"),
                         html.Ul([html.Li(p) for p in problems])], className="result error", role="alert")
    if not changes:
        return html.P("没有修改。", className="muted")
    return html.Div([html.P(f"将修改 {changed_units(changes)} 个单位（确认后点“保存修改”）：", className="ok"),
                     html.Ul([html.Li(c.text()) for c in changes])], className="baseline-preview", role="status")


def saved(changes: list[BaselineChange | UnitTargetChange]) -> html.Div:
    return result(True, f"已保存 {changed_units(changes)} 个单位的基数与目标" if changes else "没有修改")


def layout(state=None):
    if not has_role("admin"):
        return forbidden()
    from dashboard.data import session
    from dashboard.pages.admin_campaigns import campaign_options
    from db.accounts.queries import admin_campaigns
    from db.admin.targets import target_rows

    with session() as s:
        campaigns = admin_campaigns(s)
        chosen = campaigns[0]["id"] if campaigns else None
        rows = scope.only_visible(s, target_rows(s, chosen)) if chosen else []  # an area admin: its units
    grid = dag.AgGrid(
        id=ids.AD_TGT_GRID,
        columnDefs=grid_columns(),
        rowData=grid_rows(rows),
        getRowId="params.data.code",
        defaultColDef={"resizable": True, "sortable": True, "suppressMovable": True, "wrapHeaderText": True,
                       "autoHeaderHeight": True},
        # autoHeight draws every row of a page: pages of 50 keep a national list (3,208 units) light
        dashGridOptions={"domLayout": "autoHeight", "singleClickEdit": True, "stopEditingWhenCellsLoseFocus": True,
                         "enterNavigatesVerticallyAfterEdit": True, "pagination": len(rows) > GRID_PAGE,
                         "paginationPageSize": GRID_PAGE, "paginationPageSizeSelector": [GRID_PAGE, 100],
                         "localeText": GRID_LOCALE},
        columnSize="sizeToFit",
        className="ag-theme-quartz ad-grid",
        style={"width": "100%"},
    )
    return html.Div(
        [
            html.H2(TITLE, className="page-title"),
            subnav("/admin/targets"),
            html.Section(
                [
                    html.H3("基数与目标"),
                    html.Div([field("行动", dropdown(id=ids.AD_TGT_CAMPAIGN, options=campaign_options(campaigns)[1:],
                                                       value=chosen, clearable=False, className="dd dd-campaign"))],
                             className="admin-form"),
                    html.P("辖区企业数、职工数是覆盖率的分母；目标是行动期内应以签订合同覆盖的企业数、职工数。"
                           "典型培育目标是本年度应培育的新典型个数；应配专职指导员是该单位须配备的专职指导员人数"
                           "（仅限参加本行动的单位）。"
                           "单击单元格修改（非负整数，目标不得大于辖区数）；下方即时显示修改和问题，确认后保存。"
                           "未填写基数与目标的单位不参加该行动的统计。", className="muted"),
                    grid,
                    html.Div(id=ids.AD_TGT_PREVIEW, className="tgt-preview"),
                    html.Button("保存修改", id=ids.AD_TGT_SAVE, className="btn", disabled=True),
                    html.Div(id=ids.AD_TGT_RESULT),
                ],
                className="card",
            ),
        ],
        className="admin",
    )
