"""Admin `/admin/units`: the unit list; add or edit one unit; import another city's list from a file
(JSON like db/presets/linyi.json, or .xlsx/.csv with 代码/名称/类型/上级代码/行政区划代码): preview first,
then apply, all or nothing. Writes in callbacks/admin_units.py through db/admin/units.py.
"""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids, scope
from dashboard.components.dropdown import dropdown
from dashboard.components.tables import column, data_grid
from dashboard.http.auth import has_role
from dashboard.pages.admin import TITLE, field, forbidden, result, subnav, table
from db.accounts.queries import admin_units
from db.admin.units import MAX_IMPORT_BYTES, UNIT_KINDS, ImportPlan

NEW = "new"
__all__ = ["forbidden", "layout"]


UNIT_COLUMNS = [
    column("code", "代码", width=110), column("name", "名称", width=160, flex=2), column("kind", "类型", width=100),
    column("parent", "上级", width=180, flex=2), column("adcode", "行政区划代码", width=120),
    column("sort_order", "排序", width=80, numeric=True), column("users", "账户", width=80, numeric=True),
    column("reports", "报送版本", width=100, numeric=True),
]


def units_table(units: list[dict]):
    """Every unit, one virtualised grid row each (the same page at 23 units and at 3,569)."""
    if not units:
        return html.P("还没有单位。", className="muted")
    rows = [{"code": u["code"], "name": u["name"], "kind": u["kind"],
             "parent": f"{u['parent_name']}（{u['parent_code']}）" if u["parent_code"] else "—",
             "adcode": u["adcode"] or "—", "sort_order": u["sort_order"], "users": u["users"], "reports": u["reports"]}
            for u in units]
    return data_grid(ids.AD_UNITS_GRID, UNIT_COLUMNS, rows, row_id="code", page_size=50, class_name="ad-units-grid")


def unit_options(units: list[dict]) -> list[dict]:
    return [{"label": "＋ 新增单位", "value": NEW}] + [
        {"label": f"{u['name']}（{u['code']}）", "value": u["code"]} for u in units]


def form_values(unit: dict | None) -> tuple:
    """code, name, kind, parent, adcode, sort order for the form (None: a new unit)."""
    if unit is None:
        return "", "", None, None, "", ""
    return (unit["code"], unit["name"], unit["kind"], unit["parent_code"], unit["adcode"] or "",
            str(unit["sort_order"]))


def import_preview(plan: ImportPlan, filename: str) -> html.Div:
    """What applying the file would do: counts, then every new and every changed unit."""
    summary = (f"文件 {filename}：将新增 {len(plan.added)} 个单位，修改 {len(plan.changed)} 个，{plan.unchanged} 个不变"
               + (f"；数据库中另有 {len(plan.kept)} 个单位不在文件中，保持不变" if plan.kept else "") + "。")
    rows = [html.Tr([html.Td("新增", className="ok"), html.Td(s.code, className="code"), html.Td(s.name),
                     html.Td(f"{s.kind}；上级 {s.parent or '无'}；区划 {s.adcode or '无'}；排序 {s.sort_order}")])
            for s in plan.added]
    rows += [html.Tr([html.Td("修改", className="warn"), html.Td(s.code, className="code"), html.Td(s.name),
                      html.Td("；".join(diffs))]) for s, diffs in plan.changed]
    if plan.empty:
        return html.Div([html.P(summary), html.P("文件与现有名单一致，没有需要导入的内容。", className="muted")],
                        className="import-preview")
    return html.Div(
        [html.P(summary, className="ok"), table(["", "代码", "名称", "内容"], rows, ""),
         html.P("确认无误后点击“应用导入”；任何一行有错则整个文件都不导入。", className="muted")],
        className="import-preview",
    )


def problems(messages: list[str], heading: str) -> html.Div:
    if len(messages) == 1:
        return result(False, f"{heading}：{messages[0]}")
    return html.Div([html.P(f"{heading}，共 {len(messages)} 处问题：", className="error"),
                     html.Ul([html.Li(m) for m in messages])], className="result error", role="alert")


def layout(state=None):
    if not has_role("admin"):
        return forbidden()
    from dashboard.data import session

    with session() as s:
        units = admin_units(s, scope.visible_units())  # an area admin: its subtree only
    kinds = [{"label": k, "value": k} for k in UNIT_KINDS]
    return html.Div(
        [
            html.H2(TITLE, className="page-title"),
            subnav("/admin/units"),
            html.Section(
                [
                    html.H3("新增或修改单位"),
                    html.Div([field("选择单位", dropdown(id=ids.AD_UNIT_PICK, options=unit_options(units), value=NEW,
                                                          clearable=False, className="dd dd-unit"))],
                             className="admin-form"),
                    html.Div(
                        [
                            field("代码", dcc.Input(id=ids.AD_UNIT_CODE, type="text", maxLength=32, className="input")),
                            field("名称", dcc.Input(id=ids.AD_UNIT_NAME, type="text", maxLength=100,
                                                    className="input input-wide")),
                            field("类型", dropdown(id=ids.AD_UNIT_KIND, options=kinds, placeholder="选择类型",
                                                       searchable=False, className="dd dd-role")),
                            field("上级单位（可选）", dropdown(id=ids.AD_UNIT_PARENT, options=unit_options(units)[1:],
                                                              placeholder="无", className="dd dd-unit")),
                            field("行政区划代码（县区，地图用）", dcc.Input(id=ids.AD_UNIT_ADCODE, type="text", maxLength=6,
                                                                   placeholder="如 371302", className="input")),
                            field("排序", dcc.Input(id=ids.AD_UNIT_SORT, type="text", inputMode="numeric",
                                                    placeholder="0", className="input input-narrow")),
                            html.Button("保存单位", id=ids.AD_UNIT_SAVE, className="btn"),
                        ],
                        className="admin-form",
                    ),
                    html.Div(id=ids.AD_UNIT_RESULT),
                ],
                className="card",
            ),
            html.Section(
                [
                    html.H3("从文件导入单位名单"),
                    html.P(["支持 JSON（与 ", html.Code("db/presets/linyi.json"), " 的 units 格式相同）、Excel（.xlsx）"
                            "和 CSV：第一行为表头，列为 代码、名称、类型、上级代码、行政区划代码（可加“排序”列）。"
                            f"类型为 {'、'.join(UNIT_KINDS)} 之一。文件中已有代码的单位按文件更新，新代码新增；"
                            "先预览，确认后应用，任何一行有错则整个文件不导入。"], className="muted"),
                    dcc.Upload(html.Div(["拖放文件到这里，或 ", html.A("选择文件")]), id=ids.AD_UNIT_UPLOAD,
                               accept=".json,.xlsx,.csv", max_size=MAX_IMPORT_BYTES, className="upload"),
                    html.Div(id=ids.AD_UNIT_PREVIEW),
                    html.Button("应用导入", id=ids.AD_UNIT_APPLY, className="btn", disabled=True),
                ],
                className="card",
            ),
            html.Section(
                [html.H3("单位名单"),
                 html.Div(units_table(units), id=ids.AD_UNITS)],
                className="card",
            ),
        ],
        className="admin",
    )
