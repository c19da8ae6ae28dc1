"""Pure builders for district submission (`/submit`) and review (`/review`). No database, no Flask.

- the editable grid: the attachment's three rows x nine measures, as dash-ag-grid rows and columns;
- the preview: the parsed table in the attachment layout, each cell marked with its change since the
  previous report and with its error or warning;
- the list of problems, in Chinese, naming the row and field (web form) or the sheet, cell and field
  (Excel upload);
- review status badges (待审核 / 已通过 / 已退回);
- the previewed submission as JSON (signed by the callback, so what is confirmed is what was previewed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from dash import html

from dashboard.components.tables import STAGE_HEADERS
from dashboard.labels import date_cn
from domain.format import signed_delta, thousands
from domain.measures import LINE_KINDS, LINE_LABELS, MEASURE_LABELS, MEASURES, PARTS, STAGES, measure
from domain.validation import Issue, Submission, where

PART_HEADERS: Final = {"copies": "份数（份）", "ents": "覆盖企业数（家）", "workers": "覆盖职工数（人）"}
FIELD_LABELS: Final = {
    "unit_code": "单位",
    "unit": "单位",
    "warning": "提示",
    "campaign_id": "行动",
    "report_date": "截至日期",
    "reason": "更正原因",
    "is_correction": "更正",
    "filled_on": "填报时间",
    "leader": "负责人",
    "filled_by": "填报人",
    "lines": "统计行",
    "file": "文件",
}
STATUS_LABELS: Final = {"pending": "待审核", "accepted": "已通过", "returned": "已退回"}
Figures = Mapping[str, Mapping[str, int]]


# --- the editable grid ---------------------------------------------------------------------------


def grid_columns() -> list[dict]:
    """columnDefs: the row label, then one group per stage (发出要约书 / 签订合同 / 审查备案) of three counts."""
    label = {"field": "label", "headerName": "统计项目", "editable": False, "pinned": "left", "minWidth": 130,
             "cellClass": "su-row-label"}
    groups = [
        {
            "headerName": STAGE_HEADERS[stage],
            "children": [
                {"field": measure(stage, part), "headerName": PART_HEADERS[part], "editable": True,
                 "cellDataType": "number", "minWidth": 110, "headerTooltip": MEASURE_LABELS[measure(stage, part)]}
                for part in PARTS
            ],
        }
        for stage in STAGES
    ]
    return [label, *groups]


def grid_rows(figures: Figures | None) -> list[dict]:
    """rowData: one row per line kind, prefilled with `figures` (zeros where missing)."""
    figures = figures or {}
    return [
        {"kind": kind, "label": LINE_LABELS[kind], **{m: int((figures.get(kind) or {}).get(m) or 0) for m in MEASURES}}
        for kind in LINE_KINDS
    ]


def lines_from_rows(row_data: object) -> tuple[dict[str, dict[str, object]], list[Issue]]:
    """The grid's rowData as Submission.lines, plus problems with its shape.

    rowData comes from the browser, so anything may arrive: the three rows must each be there once;
    unknown keys are passed on so validation names them (VAL002); values are checked by validation."""
    if not isinstance(row_data, list) or not all(isinstance(r, dict) for r in row_data):
        return {}, [Issue("lines", "表格数据无效，请刷新页面后重新填写")]
    lines: dict[str, dict[str, object]] = {}
    issues: list[Issue] = []
    for row in row_data:
        kind = row.get("kind")
        if not isinstance(kind, str):
            issues.append(Issue("lines", "表格中有一行缺少统计项目"))
            continue
        if kind in lines:
            issues.append(Issue("lines", f"统计行“{LINE_LABELS.get(kind, kind)}”重复", kind if kind in LINE_KINDS else None))
            continue
        lines[kind] = {k: v for k, v in row.items() if k not in ("kind", "label")}
    for kind in LINE_KINDS:
        if kind not in lines and not any(i.line == kind for i in issues):
            issues.append(Issue("lines", f"缺少统计行“{LINE_LABELS[kind]}”", kind))
    return lines, issues


# --- differences from the previous report ---------------------------------------------------------


@dataclass(frozen=True)
class Change:
    kind: str
    measure: str
    before: int
    after: int

    @property
    def text(self) -> str:
        return f"{where(self.kind, self.measure)}：{thousands(self.before)} → {thousands(self.after)}" \
               f"（{signed_delta(self.after - self.before)}）"


def changes(figures: Figures, previous: Figures | None) -> list[Change]:
    """Every cell that differs from `previous`, in the attachment's order (row by row)."""
    if previous is None:
        return []
    out = []
    for kind in LINE_KINDS:
        for m in MEASURES:
            before = int((previous.get(kind) or {}).get(m) or 0)
            after = int((figures.get(kind) or {}).get(m) or 0)
            if before != after:
                out.append(Change(kind, m, before, after))
    return out


def changes_view(figures: Figures, previous: Figures | None, since: str) -> html.Div:
    """The list of changed cells since `since` (e.g. "2017年5月26日的报送", "第 1 版")."""
    if previous is None:
        return html.Div(html.P(f"没有{since}，无可比较的数据。", className="muted"), className="su-changes")
    found = changes(figures, previous)
    if not found:
        return html.Div(html.P(f"与{since}相同，没有变化。", className="muted"), className="su-changes")
    return html.Div(
        [html.P(f"与{since}相比，{len(found)} 项有变化：", className="su-changes-title"),
         html.Ul([html.Li(c.text, className="down" if c.after < c.before else "up") for c in found])],
        className="su-changes",
    )


# --- the table in the attachment's layout ---------------------------------------------------------


def _cells(issues: Iterable[Issue]) -> set[tuple[str, str]]:
    return {(i.line, i.field) for i in issues if i.line in LINE_KINDS and i.field in MEASURES}


def preview_table(figures: Figures, previous: Figures | None = None, errors: Sequence[Issue] = (),
                  warnings: Sequence[Issue] = ()) -> html.Table:
    """《工资集体协商"集中要约"行动情况统计表》 with a 合计 row; each cell shows its change since
    `previous` and is marked (class su-cell-error / su-cell-warn) when validation names it."""
    bad, doubtful = _cells(errors), _cells(warnings)
    head = html.Thead(
        [
            html.Tr([html.Th("统计项目", rowSpan=2)] + [html.Th(STAGE_HEADERS[s], colSpan=3) for s in STAGES]),
            html.Tr([html.Th(PART_HEADERS[p]) for _ in STAGES for p in PARTS]),
        ]
    )

    def cell(kind: str, m: str) -> html.Td:
        value = int((figures.get(kind) or {}).get(m) or 0)
        before = None if previous is None else int((previous.get(kind) or {}).get(m) or 0)
        children: list = [thousands(value)]
        classes = []
        if before is not None and before != value:
            children.append(html.Span(signed_delta(value - before), className="su-delta"))
            classes.append("su-cell-changed")
        if (kind, m) in bad:
            classes.append("su-cell-error")
        elif (kind, m) in doubtful:
            classes.append("su-cell-warn")
        return html.Td(children, className=" ".join(classes), title=MEASURE_LABELS[m],
                       **{"data-kind": kind, "data-measure": m})

    body = [html.Tr([html.Th(LINE_LABELS[k])] + [cell(k, m) for m in MEASURES], **{"data-kind": k})
            for k in LINE_KINDS]
    totals = [sum(int((figures.get(k) or {}).get(m) or 0) for k in LINE_KINDS) for m in MEASURES]
    body.append(html.Tr([html.Th("合计")] + [html.Td(thousands(v)) for v in totals], className="total",
                        **{"data-kind": "total"}))
    return html.Table([head, html.Tbody(body)], className="attachment su-preview-table")


# --- problems ---------------------------------------------------------------------------------------


def field_label(line: str | None, field: str) -> str:
    """'区域 · 签订合同覆盖职工数' for a cell, '更正原因' for a header field."""
    if line in LINE_KINDS and field in MEASURES:
        return where(line, field)
    return MEASURE_LABELS.get(field) or FIELD_LABELS.get(field) or field or "—"


def issue_list(errors: Sequence[Issue], warnings: Sequence[Issue] = ()) -> html.Div:
    """Validation errors (refuse) and warnings (stored with the report), each naming row and field."""
    parts: list = []
    if errors:
        parts += [html.P(f"发现 {len(errors)} 处错误，改正后才能提交：", className="su-errors-title"),
                  html.Ol([html.Li(e.message, className="su-error", **{"data-field": field_label(e.line, e.field)})
                           for e in errors], className="su-errors")]
    if warnings:
        parts += [html.P(f"{len(warnings)} 条提示（不影响提交，请核实）：", className="su-warnings-title"),
                  html.Ul([html.Li(w.message, className="su-warning") for w in warnings], className="su-warnings")]
    return html.Div(parts, className="su-issues")


def cell_issue_table(cell_issues: Sequence[Any], title: str = "") -> html.Div:
    """Problems found in an uploaded workbook: 工作表 / 单元格 / 字段 / 问题, one row each.

    Items need `sheet`, `cell`, `field` and `message` (db.submission.xlsx_container.CellIssue); field may be a
    measure name, a header field name or already a Chinese label."""
    rows = [
        html.Tr([html.Td(i.sheet or "—"), html.Td(i.cell or "—", className="su-cell-ref"),
                 html.Td(field_label(getattr(i, "line", None), i.field) if i.field else "—"), html.Td(i.message, className="su-msg")],
                className="su-error")
        for i in cell_issues
    ]
    head = html.Thead(html.Tr([html.Th(h) for h in ("工作表", "单元格", "字段", "问题")]))
    return html.Div(
        [html.P(title or f"发现 {len(rows)} 处问题，请改正后重新上传：", className="su-errors-title"),
         html.Table([head, html.Tbody(rows)], className="su-cell-issues")],
        className="su-issues",
    )


# --- status -----------------------------------------------------------------------------------------


def status_badge(status: str | None) -> html.Span:
    """待审核 / 已通过 / 已退回 as a coloured badge (class su-status-<status>)."""
    status = status if status in STATUS_LABELS else "pending"
    return html.Span(STATUS_LABELS[status], className=f"su-status su-status-{status}", **{"data-status": status})


def pending_units_text(count: int) -> str:
    """'3 个单位的数据待审核' (empty when nothing waits)."""
    return f"{count} 个单位的数据待审核" if count else ""


def result(ok: bool, text: str) -> html.Div:
    return html.Div(text, className=f"result {'ok' if ok else 'error'}", role="status" if ok else "alert")


# --- the previewed submission as JSON -----------------------------------------------------------


def submission_payload(sub: Submission, figures: Figures) -> dict:
    """What the preview showed, JSON-able: the header fields and the cleaned integers."""
    return {
        "campaign_id": sub.campaign_id,
        "unit_code": sub.unit_code,
        "report_date": sub.report_date.isoformat(),
        "lines": {k: {m: int(figures[k][m]) for m in MEASURES} for k in LINE_KINDS},
        "leader": sub.leader,
        "filled_by": sub.filled_by,
        "filled_on": sub.filled_on.isoformat() if sub.filled_on else None,
        "source": sub.source,
        "is_correction": bool(sub.is_correction),
        "reason": sub.reason,
    }


def submission_from_payload(payload: Mapping, submitted_by: str) -> Submission:
    """The Submission a (verified) payload describes; raises KeyError/ValueError/TypeError if malformed."""
    return Submission(
        campaign_id=int(payload["campaign_id"]),
        unit_code=str(payload["unit_code"]),
        report_date=dt.date.fromisoformat(payload["report_date"]),
        lines={k: {m: int(payload["lines"][k][m]) for m in MEASURES} for k in LINE_KINDS},
        leader=str(payload.get("leader") or ""),
        filled_by=str(payload.get("filled_by") or ""),
        filled_on=dt.date.fromisoformat(payload["filled_on"]) if payload.get("filled_on") else None,
        submitted_by=submitted_by,
        source=str(payload.get("source") or "web"),
        is_correction=bool(payload.get("is_correction")),
        reason=str(payload.get("reason") or ""),
    )


def text_or_empty(value: object, limit: int = 50) -> str:
    """A text field from the browser: a stripped string of at most `limit` characters, else ""."""
    return value.strip()[:limit] if isinstance(value, str) else ""


def date_or_none(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None


def version_label(report_date: dt.date, version: int) -> str:
    return f"{date_cn(report_date)} 第 {version} 版"


def preview_view(title: str, figures: Figures | None, previous: Figures | None, since: str, *,
                 errors: Sequence[Issue] = (), warnings: Sequence[Issue] = (), cell_issues: Sequence[Any] = (),
                 confirm_id: str | None = None) -> html.Div:
    """The preview: problems first (every one, in Chinese), then the table as parsed with its changes
    since the previous report. `confirm_id` adds the 确认提交 button (only when nothing refuses it)."""
    parts: list = [html.H3(title)]
    if cell_issues:
        parts.append(cell_issue_table(cell_issues))
    if errors and not cell_issues:
        parts.append(issue_list(errors, warnings))
    elif warnings:
        parts.append(issue_list((), warnings))
    if figures is not None:
        parts += [html.Div(preview_table(figures, previous, errors, warnings), className="table-scroll"),
                  changes_view(figures, previous, since)]
    if errors or cell_issues:
        parts.append(html.P("有错误，不能提交。请改正后重新预览。", className="su-blocked warn"))
    elif confirm_id is not None:
        parts += [html.P("以上数据尚未保存。核对无误后请点“确认提交”。", className="muted"),
                  html.Button("确认提交", id=confirm_id, className="btn su-confirm")]
    return html.Div(parts, className="card su-preview")
