"""The template (db/submission/xlsx_template.py): the notice's attachment laid out cell by cell, prefilled for a
unit, and the round trip template -> a clerk fills it in -> read_workbook -> stored exactly."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from db.engine import read_session
from db.models import Report, ReportLine
from db.submission import store
from db.submission.xlsx_import import read_workbook
from db.submission.xlsx_submission import build_submission
from db.submission.xlsx_template import cell_of, template_bytes, workbook_bytes, write_attachment
from domain.measures import INDUSTRY, LINE_KINDS, MEASURES, REGIONAL
from domain.validation import Submission
from tests.db.submission import xlsx_corpus as X

CAMPAIGN = 1


def sheet(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def test_xtp001_layout_follows_the_attachment():
    wb = Workbook()
    write_attachment(wb.active, unit_name="兰山区", figures=X.FIGURES, leader="王建国", filled_by="刘敏",
                     filled_on=dt.date(2017, 4, 28))
    ws = wb.active
    assert ws.title == "统计表"
    assert ws["A1"].value == "工资集体协商“集中要约”行动情况统计表"
    assert [ws[c].value for c in ("A2", "B2", "D2", "E2", "F2", "G2", "H2")] == [
        "单位：", "兰山区", "负责人：", "王建国", "填报人：", "刘敏", "填报时间："]
    assert ws["I2"].value == dt.date(2017, 4, 28)
    assert [ws[c].value for c in ("A3", "B3", "E3", "H3")] == [
        "统计项目（单位）", "发出工资集体协商要约书份数（份）", "签订工资专项集体合同份数（份）", "审查备案数（份）"]
    assert [ws.cell(4, c).value for c in range(2, 11)] == ["总数", "覆盖企业数（家）", "覆盖职工数（人）"] * 3
    assert [ws.cell(r, 1).value for r in range(5, 9)] == ["单独开展企业", "区域", "行业", "合计"]
    assert ws["A9"].value == "注：“单独开展企业”不计算被区域性、行业性协商覆盖的企业。"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:J1", "A3:A4", "B3:D3", "E3:G3", "H3:J3", "B2:C2", "I2:J2", "A9:J9"} <= merged
    assert ws["D6"].value == 21873 and ws[cell_of(REGIONAL, "offer_workers")].value == 21873
    assert cell_of(INDUSTRY, "filed_workers") == "J7" and ws["J7"].value == 6400


def test_xtp002_template_totals_are_formulas_and_exports_values():
    editable, export = sheet(X.template()), sheet(workbook_bytes(unit_name="兰山区", figures=X.FIGURES,
                                                                  editable=False, cutoff=dt.date(2017, 5, 31),
                                                                  report_date=dt.date(2017, 4, 28)))
    assert editable["B8"].value == "=SUM(B5:B7)" and editable["J8"].value == "=SUM(J5:J7)"
    assert [export.cell(8, c).value for c in range(2, 11)] == [X.TOTALS[m] for m in MEASURES]
    assert [str(dv.sqref) for dv in editable.data_validations.dataValidation] == ["B5:J7"]
    assert export.data_validations.dataValidation == []
    assert export["A1"].value == "工资集体协商“集中要约”行动情况统计表（截至2017年4月28日）"
    assert export["A9"].value.endswith("；时间截止到2017年5月31日。")


def test_xtp003_blank_template_has_empty_figures():
    ws = sheet(workbook_bytes(unit_name="罗庄区", figures=None))
    assert all(ws[cell_of(k, m)].value is None for k in LINE_KINDS for m in MEASURES)
    assert ws["B2"].value == "罗庄区" and ws["I2"].value is None


def _submit(engine, day: dt.date, figures, leader="王建国", version_reason=""):
    sub = Submission(CAMPAIGN, "371302", day, figures, leader=leader, filled_by="刘敏", filled_on=day,
                     submitted_by="刘敏", source="web", is_correction=bool(version_reason), reason=version_reason)
    return store.submit(engine, sub)


def test_xtp004_template_is_prefilled_with_the_units_last_figures(preset_engine):
    earlier = {k: {m: v // 2 for m, v in row.items()} for k, row in X.FIGURES.items()}
    _submit(preset_engine, dt.date(2017, 4, 14), earlier, leader="张三")
    _submit(preset_engine, dt.date(2017, 4, 21), X.FIGURES)
    with read_session(preset_engine) as s:
        ws = sheet(template_bytes(s, "371302", CAMPAIGN))
        blank = sheet(template_bytes(s, "371311", CAMPAIGN))
        with pytest.raises(LookupError):
            template_bytes(s, "999999", CAMPAIGN)
    assert (ws["B2"].value, ws["E2"].value, ws["G2"].value, ws["I2"].value) == ("兰山区", "王建国", "刘敏", None)
    assert {k: {m: ws[cell_of(k, m)].value for m in MEASURES} for k in LINE_KINDS} == X.FIGURES
    assert ws["A9"].value.endswith("时间截止到2017年5月31日。")
    assert blank["B2"].value == "罗庄区" and blank["E2"].value is None and blank["D6"].value is None


def test_xtp005_round_trip_template_fill_read_submit(preset_engine):
    _submit(preset_engine, dt.date(2017, 4, 14), X.FIGURES)
    with read_session(preset_engine) as s:
        data = template_bytes(s, "371302", CAMPAIGN)
    wb = load_workbook(io.BytesIO(data))  # the clerk updates the cumulative figures and dates the report
    ws = wb.active
    ws["I2"] = dt.datetime(2017, 4, 21)
    ws["G2"] = "赵丽"
    ws[cell_of(REGIONAL, "signed_copies")] = 14
    ws[cell_of(REGIONAL, "signed_ents")] = "３００"
    ws[cell_of(REGIONAL, "signed_workers")] = "20,155"
    buf = io.BytesIO()
    wb.save(buf)

    parsed = read_workbook(buf.getvalue(), "兰山区-集中要约行动情况统计表.xlsx")
    assert parsed.report_date == dt.date(2017, 4, 21) and parsed.unit_label == "兰山区"
    sub = build_submission(parsed, campaign_id=CAMPAIGN, unit_code="371302", report_date=parsed.report_date,
                           submitted_by="demo-lanshan")
    stored = store.submit_audited(preset_engine, sub, actor="demo-lanshan")
    assert stored.version == 1
    expected = {**X.FIGURES, REGIONAL: {**X.FIGURES[REGIONAL], "signed_copies": 14, "signed_ents": 300,
                                        "signed_workers": 20155}}
    with read_session(preset_engine) as s:
        report = s.get(Report, stored.report_id)
        assert (report.source, report.filled_by, report.leader, report.report_date) == (
            "excel", "赵丽", "王建国", dt.date(2017, 4, 21))
        lines = s.scalars(select(ReportLine).where(ReportLine.report_id == report.id)).all()
        assert {ln.kind: {m: getattr(ln, m) for m in MEASURES} for ln in lines} == expected
