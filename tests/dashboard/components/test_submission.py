"""The pure builders of the submission and review pages: grid rows and columns, changes since the
previous report, the preview table's marks, the problem lists, status badges, the signed payload."""

from __future__ import annotations

import datetime as dt

from dashboard.components import submission as view
from db.submission.xlsx_container import CellIssue
from domain.measures import LINE_KINDS, MEASURES
from domain.validation import Issue, Submission


def _walk(component):
    """Every Dash component in a tree, depth first."""
    if isinstance(component, list | tuple):
        for c in component:
            yield from _walk(c)
        return
    if not hasattr(component, "to_plotly_json"):
        return
    yield component
    yield from _walk(getattr(component, "children", None))


def _text(component) -> str:
    if isinstance(component, str | int):
        return str(component)
    if isinstance(component, list | tuple):
        return "".join(_text(c) for c in component)
    if hasattr(component, "children"):
        return _text(component.children)
    return ""


def _figures(base: int = 10) -> dict:
    """A consistent table: copies = ents (so 单独开展企业 passes), workers = 10 x ents."""
    return {k: {m: base * (i + 1) * (10 if m.endswith("workers") else 1) for m in MEASURES}
            for i, k in enumerate(LINE_KINDS)}


def test_svw001_grid_has_three_rows_and_nine_editable_measures():
    cols = view.grid_columns()
    assert cols[0]["field"] == "label" and cols[0]["editable"] is False
    leaves = [c for group in cols[1:] for c in group["children"]]
    assert [c["field"] for c in leaves] == list(MEASURES)
    assert all(c["editable"] for c in leaves)
    assert [g["headerName"] for g in cols[1:]] == ["发出工资集体协商要约书", "签订工资专项集体合同", "审查备案"]
    rows = view.grid_rows({"regional": {"offer_ents": 2395}})
    assert [r["kind"] for r in rows] == ["single", "regional", "industry"]
    assert [r["label"] for r in rows] == ["单独开展企业", "区域", "行业"]
    assert rows[1]["offer_ents"] == 2395 and rows[0]["offer_ents"] == 0 and rows[2]["filed_workers"] == 0


def test_svw002_rows_from_the_browser_are_checked_for_shape():
    lines, issues = view.lines_from_rows(view.grid_rows(_figures()))
    assert not issues and lines["industry"]["offer_workers"] == 300 and "label" not in lines["single"]
    _, issues = view.lines_from_rows("not a list")
    assert [i.message for i in issues] == ["表格数据无效，请刷新页面后重新填写"]
    rows = view.grid_rows(None)
    _, issues = view.lines_from_rows([rows[0], rows[0], rows[2]])
    assert [i.message for i in issues] == ["统计行“单独开展企业”重复", "缺少统计行“区域”"]
    # unknown keys are passed on, so validation (VAL002) names them
    lines, issues = view.lines_from_rows([{**rows[0], "bonus": 1}, rows[1], rows[2]])
    assert not issues and lines["single"]["bonus"] == 1


def test_svw003_changes_lists_every_changed_cell_with_its_difference():
    before = _figures()
    after = _figures()
    after["regional"]["signed_workers"] = 480  # was 200 (20 ents x 10)
    after["single"]["offer_copies"] = 7  # was 10
    found = view.changes(after, before)
    assert [(c.kind, c.measure, c.before, c.after) for c in found] == [
        ("single", "offer_copies", 10, 7), ("regional", "signed_workers", 200, 480)]
    assert found[1].text == "区域 · 签订合同覆盖职工数：200 → 480（+280）"
    assert found[0].text == "单独开展企业 · 发出要约书份数：10 → 7（−3）"
    assert view.changes(after, None) == []
    assert "与上次报送相同" in _text(view.changes_view(before, before, "上次报送"))
    assert "2 项有变化" in _text(view.changes_view(after, before, "上次报送"))


def test_svw004_preview_table_marks_changes_errors_and_totals():
    before, after = _figures(), _figures()
    after["regional"]["signed_workers"] = 1_480
    errors = [Issue("signed_workers", "区域 · 签订合同覆盖职工数 1,480 大于 发出要约覆盖职工数 400", "regional")]
    table = view.preview_table(after, before, errors=errors)
    cells = {(c.to_plotly_json()["props"].get("data-kind"), c.to_plotly_json()["props"].get("data-measure")): c
             for c in _walk(table) if type(c).__name__ == "Td" and "data-measure" in c.to_plotly_json()["props"]}
    assert len(cells) == 27
    marked = cells[("regional", "signed_workers")]
    assert "su-cell-error" in marked.className and "su-cell-changed" in marked.className
    assert _text(marked) == "1,480+1,280"
    assert cells[("single", "offer_copies")].className == ""
    total_row = next(c for c in _walk(table) if c.to_plotly_json()["props"].get("data-kind") == "total")
    # signed_workers total: 100 (single) + 1,480 (regional) + 300 (industry)
    assert _text(total_row.children[6]) == "1,880"


def test_svw005_problem_lists_name_row_field_sheet_and_cell():
    errors = [Issue("reason", "更正报送须填写更正原因")]
    warnings = [Issue("offer_workers", "区域 · 发出要约覆盖职工数 由 …", "regional")]
    shown = view.issue_list(errors, warnings)
    assert "发现 1 处错误" in _text(shown) and "1 条提示" in _text(shown)
    items = [c for c in _walk(shown) if "su-error" in (getattr(c, "className", "") or "").split()]
    assert items[0].to_plotly_json()["props"]["data-field"] == "更正原因"
    issues = [CellIssue("统计表", "G6", "signed_workers", "工作表“统计表” G6 单元格：区域 · …", "regional"),
              CellIssue("统计表", "B2", "unit", "工作表“统计表” B2 单元格“单位”是罗庄区 …")]
    table = view.cell_issue_table(issues)
    rows = [c for c in _walk(table) if "su-error" in (getattr(c, "className", "") or "").split()]
    assert [[_text(td) for td in r.children[:3]] for r in rows] == [
        ["统计表", "G6", "区域 · 签订合同覆盖职工数"], ["统计表", "B2", "单位"]]
    assert "发现 2 处问题" in _text(table)


def test_svw006_status_badges_and_pending_marker():
    assert [_text(view.status_badge(s)) for s in ("pending", "accepted", "returned")] == ["待审核", "已通过", "已退回"]
    assert view.status_badge("returned").className == "su-status su-status-returned"
    assert _text(view.status_badge("nonsense")) == "待审核"
    assert view.pending_units_text(3) == "3 个单位的数据待审核"
    assert view.pending_units_text(0) == ""


def test_svw007_payload_round_trips_the_previewed_submission():
    sub = Submission(2, "371302", dt.date(2017, 6, 7), {}, leader="周传东", filled_by="朱红梅",
                     filled_on=dt.date(2017, 6, 8), source="excel", is_correction=True, reason="更正区域行")
    payload = view.submission_payload(sub, _figures())
    back = view.submission_from_payload(payload, "demo-lanshan")
    assert back.lines == _figures() and back.submitted_by == "demo-lanshan"
    assert (back.campaign_id, back.unit_code, back.report_date, back.filled_on) == (
        2, "371302", dt.date(2017, 6, 7), dt.date(2017, 6, 8))
    assert (back.leader, back.filled_by, back.source, back.is_correction, back.reason) == (
        "周传东", "朱红梅", "excel", True, "更正区域行")


def test_svw008_preview_offers_confirm_only_without_errors():
    ok = view.preview_view("预览", _figures(), None, "上次报送", confirm_id="su-confirm")
    assert any(getattr(c, "id", None) == "su-confirm" for c in _walk(ok))
    assert "没有上次报送" in _text(ok)
    bad = view.preview_view("预览", _figures(), None, "上次报送", errors=[Issue("reason", "更正报送须填写更正原因")],
                            confirm_id="su-confirm")
    assert not any(getattr(c, "id", None) == "su-confirm" for c in _walk(bad))
    assert "有错误，不能提交" in _text(bad)
