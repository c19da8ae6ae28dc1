"""Tables: the notice's attachment layout, the report history, the unit-vs-city comparison, and
`data_grid`, the one factory for long lists (dash-ag-grid). Pure."""

from __future__ import annotations

import re

import dash_ag_grid as dag
import pandas as pd
from dash import html

from dashboard.labels import GRID_LOCALE, date_cn
from domain.format import thousands
from domain.measures import LINE_KINDS, LINE_LABELS, MEASURES, STAGES

SOURCE_LABELS = {"web": "网页填报", "excel": "Excel 导入", "api": "接口", "cli": "命令行", "demo": "演示"}
STAGE_HEADERS = {"offer": "发出工资集体协商要约书", "signed": "签订工资专项集体合同", "filed": "审查备案"}


def attachment_header(unit_name: str, report) -> html.Div:
    """The attachment's header line: 单位, 负责人, 填报人, 填报时间 (of the current report)."""
    filled = date_cn(report.filled_on) if report is not None and report.filled_on else "—"
    cells = [("单位", unit_name), ("负责人", getattr(report, "leader", "") or "—"),
             ("填报人", getattr(report, "filled_by", "") or "—"), ("填报时间", filled)]
    return html.Div([html.Span([html.B(f"{k}："), v]) for k, v in cells], className="attachment-head")


def attachment_table(lines: pd.DataFrame) -> html.Table:
    """《工资集体协商"集中要约"行动情况统计表》: three rows plus a total row, nine measures."""
    head = html.Thead(
        [
            html.Tr([html.Th("统计项目", rowSpan=2)] + [html.Th(STAGE_HEADERS[s], colSpan=3) for s in STAGES]),
            html.Tr([html.Th(h) for _ in STAGES for h in ("份数（份）", "覆盖企业数（家）", "覆盖职工数（人）")]),
        ]
    )
    by_kind = lines.set_index("kind")
    body = [
        html.Tr([html.Th(LINE_LABELS[k])] + [html.Td(thousands(by_kind.loc[k, m])) for m in MEASURES],
                **{"data-kind": k})
        for k in LINE_KINDS
    ]
    totals = [int(by_kind[m].sum()) for m in MEASURES]
    body.append(html.Tr([html.Th("合计")] + [html.Td(thousands(v)) for v in totals], className="total",
                        **{"data-kind": "total"}))
    return html.Table([head, html.Tbody(body)], className="attachment")


def history_table(history: pd.DataFrame) -> html.Div:
    """Every version of every report, newest first; superseded versions and corrections marked."""
    if history.empty:
        return html.P("尚无报送记录。", className="muted")
    head = html.Tr([html.Th(h) for h in ("统计截至", "版本", "状态", "提交时间", "提交人", "来源",
                                         "要约书", "签订合同", "审查备案", "更正原因 / 提示")])
    rows = []
    for r in history.itertuples(index=False):
        note = [html.Div(r.reason)] if r.reason else []
        note += [html.Div("⚠ " + w, className="warn") for w in r.warnings]
        rows.append(
            html.Tr(
                [
                    html.Td(date_cn(r.report_date)),
                    html.Td(f"第 {r.version} 版"),
                    html.Td("当前" if r.is_current else "已被更正", className="current" if r.is_current else "old"),
                    html.Td(f"{r.submitted_at:%Y-%m-%d %H:%M}"),
                    html.Td(r.submitted_by),
                    html.Td(SOURCE_LABELS.get(r.source, r.source)),
                    html.Td(thousands(r.offer_copies)),
                    html.Td(thousands(r.signed_copies)),
                    html.Td(thousands(r.filed_copies)),
                    html.Td(note),
                ],
                className="superseded" if not r.is_current else "",
            )
        )
    return html.Div(html.Table([html.Thead(head), html.Tbody(rows)], className="history"), className="table-scroll")


def compare_table(rows: list[tuple[str, str, str, str]], area: str = "全市") -> html.Table:
    """(metric, unit value, city value, rank) rows; `area` heads the comparison column."""
    head = html.Tr([html.Th(h) for h in ("指标", "本单位", area, "排名")])
    return html.Table(
        [html.Thead(head), html.Tbody([html.Tr([html.Td(c) for c in r]) for r in rows])], className="compare"
    )



# --- long lists: one dash-ag-grid component, whatever the number of rows ----------------------------

GRID_PAGE_SIZE = 20
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def md_text(text: object) -> str:
    """Plain text for a markdown cell: every markdown character escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text if text is not None else ""))


def md_link(text: object, href: str) -> str:
    """A link in a markdown cell (cellRenderer "markdown"): a same-site path, its text escaped."""
    return f"[{md_text(text)}]({href.replace(' ', '%20').replace(')', '%29')})"


def column(field: str, header: str, *, width: int | None = None, flex: float | None = 1, numeric: bool = False,
           link: bool = False, wrap: bool = False, **extra) -> dict:
    """A columnDef: sortable and filterable (text, or number for numeric columns); `link` cells are
    markdown links (see md_link); `wrap` lets long text wrap and the row grow."""
    col: dict = {"field": field, "headerName": header, "filter": "agNumberColumnFilter" if numeric else "agTextColumnFilter"}
    if width:
        col["minWidth"] = width
    if flex:
        col["flex"] = flex
    elif width:
        col["width"] = width  # a fixed column: exactly its width
    if numeric:
        col["type"] = "rightAligned"
    if link:
        col["cellRenderer"] = "markdown"
    if wrap:
        col.update(wrapText=True, autoHeight=True)
    col.update(extra)
    return col


def data_grid(grid_id, columns: list[dict], rows: list[dict], *, row_id: str = "id", page_size: int = GRID_PAGE_SIZE,
              selectable: bool = False, class_name: str = "", grid_options: dict | None = None) -> dag.AgGrid:
    """A long list as one virtualised, paginated grid: sorting, filtering, Chinese locale text,
    16 px text (readable on a projector). `row_id` names the field that identifies a row (kept
    across updates, and what a test or a selection refers to). `selectable`: a checkbox per row and
    one in the header (all rows that pass the filter)."""
    options = {
        "pagination": len(rows) > page_size,
        "paginationPageSize": page_size,
        "paginationPageSizeSelector": sorted({page_size, 50, 100}),
        "domLayout": "autoHeight",
        "localeText": GRID_LOCALE,
        "enableCellTextSelection": True,
        "ensureDomOrder": True,
        "suppressMenuHide": True,
        "animateRows": False,
        "tooltipShowDelay": 300,
        **(grid_options or {}),
    }
    if selectable:
        options["rowSelection"] = {"mode": "multiRow", "checkboxes": True, "headerCheckbox": True,
                                   "selectAll": "filtered", "enableClickSelection": False}
    return dag.AgGrid(
        id=grid_id,
        columnDefs=columns,
        rowData=rows,
        getRowId=f"params.data.{row_id}",
        defaultColDef={"sortable": True, "resizable": True, "suppressMovable": True, "wrapHeaderText": True,
                       "autoHeaderHeight": True, "filterParams": {"buttons": ["reset"]}},
        dashGridOptions=options,
        className=f"ag-theme-quartz jz-grid {class_name}".strip(),
        style={"width": "100%"},
    )
