"""Reading districts' hand-typed 统计表 (db/submission/xlsx_import.py) from a corpus the tests build themselves:
every tolerated variant reads to the same figures, every broken or hostile file is refused with a
Chinese message naming what is wrong, and a refused import leaves the report tables untouched."""

from __future__ import annotations

import datetime as dt
import io
import time
import tracemalloc

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from db.admin.presets import ensure_campaign, read_preset
from db.engine import read_session, write_session
from db.models import AuditEvent, Campaign, Report, ReportLine
from db.submission import store
from db.submission.xlsx_container import MAX_UPLOAD_BYTES, WorkbookRefused
from db.submission.xlsx_import import locate, read_workbook
from db.submission.xlsx_submission import (
    build_submission,
    default_campaign_id,
    import_workbook,
    match_unit,
    match_unit_name,
    resolve_report_date,
    resolve_unit,
)
from domain.measures import INDUSTRY, LINE_KINDS, MEASURES, REGIONAL, SINGLE
from domain.validation import SubmissionRefused, parse_count
from tests.db.submission import xlsx_corpus as X

CAMPAIGN = 1  # the preset's 2017 campaign in preset_engine


def figures(parsed) -> dict[str, dict[str, int | None]]:
    return {k: {m: parse_count(parsed.lines[k].get(m)) for m in MEASURES} for k in LINE_KINDS}


def refused(data: bytes, filename: str = "表.xlsx", **kw) -> list[str]:
    with pytest.raises(WorkbookRefused) as info:
        read_workbook(data, filename, **kw)
    assert info.value.issues, "a refusal names at least one problem"
    return [i.message for i in info.value.issues]


def counts(engine) -> tuple[int, int]:
    with read_session(engine) as s:
        return s.scalar(select(func.count(Report.id))), s.scalar(select(func.count()).select_from(ReportLine))


# --- tolerated variants ------------------------------------------------------------------------------

GOOD = {
    "template": lambda: X.template(),
    "offset_blank_rows_and_columns": lambda: X.handmade(row0=4, col0=3, gap_rows=2, gap_col=True),
    "header_line_in_one_cell": lambda: X.handmade(header="one_cell"),
    "header_line_below_without_colons": lambda: X.handmade(header="below", title=None),
    "spaces_inside_labels": lambda: X.handmade(label={SINGLE: "单 独 开 展 企 业", REGIONAL: "区  域",
                                                      INDUSTRY: "行\u3000业"},
                                               part_labels=("总  数", "覆 盖\n企业数（家）", "覆盖\n职工数\n（人）")),
    "group_headers_unmerged": lambda: X.handmade(headers="first"),
    "single_header_row": lambda: X.handmade(headers="single_row"),
    "no_group_headers_attachment_order": lambda: X.handmade(headers="none"),
    "numbers_as_text_with_separators": lambda: X.handmade(style="text"),
    "full_width_digits": lambda: X.handmade(style="fullwidth"),
    "whole_floats": lambda: X.handmade(style="float"),
    "rows_in_another_order": lambda: X.handmade(order=(INDUSTRY, SINGLE, REGIONAL)),
    "total_row_equal_to_the_sum": lambda: X.handmade(total="values", style="text"),
    "table_on_the_second_sheet": lambda: X.handmade(before=("填写说明",), sheet="统计表"),
    "formula_with_cached_value": lambda: X.cached(X.formula_cells(X.template(), {"D6": "=21000+873"}),
                                                  {"D6": 21873}),
    "template_totals_cached": lambda: X.cached(X.template(), {f"{c}8": X.TOTALS[m] for c, m in zip("BCDEFGHIJ",
                                                                                                   MEASURES)}),
}


@pytest.mark.parametrize("variant", list(GOOD))
def test_xim001_tolerated_variants_read_to_the_same_figures(variant):
    parsed = read_workbook(GOOD[variant](), f"{variant}.xlsx")
    assert figures(parsed) == X.FIGURES
    assert parsed.unit_label in ("兰山区总工会", "兰山区")
    assert (parsed.leader, parsed.filled_by) == ("王建国", "刘敏")
    assert parsed.filled_on == parsed.report_date == dt.date(2017, 4, 28)


def test_xim002_cells_are_located_through_offsets():
    parsed = read_workbook(X.handmade(row0=4, col0=3, gap_rows=2, gap_col=True), "x.xlsx")
    # title C4, header line row 6, headers rows 9-10, rows 11-13; labels in C, a blank D, figures from E
    assert parsed.cells[(SINGLE, "offer_copies")] == "E11"
    assert parsed.cells[(REGIONAL, "offer_workers")] == "G12"
    assert parsed.cells[(INDUSTRY, "filed_workers")] == "M13"
    assert parsed.header_cells["unit"] == "D6" and parsed.header_cells["filled_on"] == "J6"
    assert parsed.sheet == "Sheet1"


def test_xim003_text_numbers_are_kept_raw_for_validation():
    parsed = read_workbook(X.handmade(style="fullwidth"), "x.xlsx")
    assert parsed.lines[REGIONAL]["offer_workers"] == "２１，８７３"
    assert parse_count(parsed.lines[REGIONAL]["offer_workers"]) == 21873


@pytest.mark.parametrize(("written", "expected"), [
    (dt.datetime(2017, 4, 28), dt.date(2017, 4, 28)),
    (42853, dt.date(2017, 4, 28)),  # an Excel serial day in a cell not formatted as a date
    ("2017-04-28", dt.date(2017, 4, 28)),
    ("2017.4.28", dt.date(2017, 4, 28)),
    ("２０１７年４月２８日", dt.date(2017, 4, 28)),
    ("  年  月  日", None),  # the attachment's blank date
])
def test_xim004_dates_in_the_header_line(written, expected):
    parsed = read_workbook(X.handmade(filled_on=written), "x.xlsx")
    assert parsed.filled_on == expected


def test_xim005_a_stated_cut_off_date_is_the_report_date():
    wb = load_workbook(io.BytesIO(X.template()))
    wb.active["A11"] = "统计截至：2017年4月21日"
    buf = io.BytesIO()
    wb.save(buf)
    parsed = read_workbook(buf.getvalue(), "x.xlsx")
    assert parsed.report_date == dt.date(2017, 4, 21) and parsed.filled_on == dt.date(2017, 4, 28)
    assert parsed.header_cells["report_date"] == "A11"


# --- refused workbooks -------------------------------------------------------------------------------

HOSTILE = {
    "empty": (lambda: b"", "表.xlsx", "是空的"),
    "csv_renamed": (lambda: X.CSV, "表.xlsx", "文本（如 CSV）"),
    "html_renamed": (lambda: X.HTML, "表.xls", "网页或 XML"),
    "legacy_xls": (lambda: X.OLE, "表.xls", "旧版 Excel（.xls）"),
    "truncated": (lambda: X.truncated(), "表.xlsx", "已损坏"),
    "word_document": (lambda: X.docx(), "表.xlsx", "Word 文档"),
    "opendocument": (lambda: X.ods(), "表.ods", "OpenDocument"),
    "encrypted_entries": (lambda: X.encrypted_entry(), "表.xlsx", "已加密"),
    "zip_bomb": (lambda: X.zip_bomb(), "表.xlsx", "压缩炸弹"),
    "ratio_bomb": (lambda: X.ratio_bomb(), "表.xlsx", "压缩炸弹"),
    "huge_merged_range": (lambda: X.huge_merge(), "表.xlsx", "合并单元格范围过大"),
    "too_many_cells": (lambda: X.too_many_cells(), "表.xlsx", "超过上限 200,000"),
    "xml_entity_bomb": (lambda: X.entity_bomb(), "表.xlsx", "无法读取"),
    "vba_inside": (lambda: X.macro_workbook(), "表.xlsx", "含有宏"),
    "xlsm_name": (lambda: X.template(), "表.xlsm", "启用宏"),
    "no_table": (lambda: X.no_table(), "表.xlsx", "没有找到统计表"),
    "two_sheets_with_tables": (lambda: X.two_sheets(), "表.xlsx", "多个工作表（“四月”、“五月”）"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_xim006_broken_and_hostile_files_are_refused_quickly(case):
    build, name, expected = HOSTILE[case]
    data = build()
    started = time.perf_counter()
    messages = refused(data, name)
    assert time.perf_counter() - started < 5
    assert len(messages) == 1 and expected in messages[0], messages


def test_xim007_size_limit_default_and_configurable():
    big = b"PK\x03\x04" + b"\0" * MAX_UPLOAD_BYTES
    assert "超过上限 5.0 MB" in refused(big)[0]
    data = X.template()
    assert "超过上限" in refused(data, max_bytes=len(data) - 1)[0]
    assert read_workbook(data, "x.xlsx", max_bytes=len(data)).sheet == "统计表"


def test_xim008_incomplete_tables_say_what_is_missing():
    no_industry = X.handmade(label={INDUSTRY: "其他"})
    assert "找到了“单独开展企业”“区域”行，但没有找到“行业”行" in refused(no_industry)[0]
    no_workers = X.handmade(part_labels=("总数", "覆盖企业数（家）", "备注"))
    message = refused(no_workers)[0]
    assert "第 5 行的表头不完整" in message and "没有找到“发出要约覆盖职工数”列" in message
    wb = load_workbook(io.BytesIO(X.template()))
    wb.active["A12"] = "区域"  # a second table started under the first
    buf = io.BytesIO()
    wb.save(buf)
    assert "“区域”出现了多次（A6、A12）" in refused(buf.getvalue())[0]


def test_xim009_total_row_must_equal_the_sum():
    (message,) = refused(X.handmade(total="wrong"))
    assert message == ("工作表“Sheet1” F9 单元格（合计 · 签订合同覆盖企业数）为 481，但单独开展企业、区域、行业"
                       "三行之和为 480；请核对")


def test_xim010_formula_without_cached_value_names_the_cell():
    (message,) = refused(X.formula_cells(X.template(), {"C6": "=300+20"}))
    assert message.startswith("工作表“统计表” C6 单元格（区域 · 发出要约覆盖企业数）是公式 =300+20，但文件中没有保存计算结果")


def test_xim011_formula_errors_and_merged_figures_are_refused_with_every_other_problem():
    wb = load_workbook(io.BytesIO(X.template()))
    wb.active.merge_cells("E7:F7")  # 行业 · 签订 份数 and 覆盖企业数 in one cell
    wb.active["G5"] = "很多"  # and a word where a number belongs
    buf = io.BytesIO()
    wb.save(buf)
    issues = refused(X.error_value(buf.getvalue(), "C6"))
    assert issues[0] == "工作表“统计表” C6 单元格（区域 · 发出要约覆盖企业数）的公式出错（#DIV/0!）；请改正公式或直接填写数字"
    assert issues[1].startswith("工作表“统计表” F7 单元格（行业 · 签订合同覆盖企业数）与 E7 合并在一起")
    assert "工作表“统计表” G5 单元格：单独开展企业 · 签订合同覆盖职工数：“很多” 不是非负整数" in issues
    assert len(issues) == 3


def test_xim012_bad_header_values_are_refused():
    assert "“四月底”不是有效日期" in refused(X.handmade(filled_on="四月底"))[0]
    assert "H3 单元格（填报时间）" in refused(X.handmade(filled_on="2017年2月30日"))[0]
    assert "（负责人）超过 50 个字" in refused(X.handmade(leader="王" * 51))[0]


# --- units ---------------------------------------------------------------------------------------------

UNITS = [(u["code"], u["name"]) for u in read_preset()["units"]]


@pytest.mark.parametrize(("label", "code"), [
    ("兰山区总工会", "371302"),
    ("临沂市兰山区总工会（盖章）", "371302"),
    ("兰山总工会", "371302"),
    ("371311", "371311"),
    ("费县总工会", "371325"),
    ("高新区总工会", "KF01"),
    ("临沂经济技术开发区总工会", "KF02"),
    ("临港区工会", "KF03"),
    ("蒙山旅游区管委会工会", "KF04"),
    ("临沂商城总工会", "SZ01"),
    ("临沂矿业集团公司工会", "SZ02"),
    ("市直产业(系统)工会", "SZ03"),
    ("中直、省直驻临单位工会", "SZ05"),
    ("市直机关工会工委", "SZ07"),
    ("临沂市总工会", None),  # the city itself
    ("兰山区、罗庄区", None),  # two units
    ("", None),
])
def test_xim013_unit_labels(label, code):
    assert match_unit_name(UNITS, label) == code


def test_xim014_unit_resolution(preset_engine):
    parsed = read_workbook(X.handmade(unit="罗庄区总工会"), "x.xlsx")
    with read_session(preset_engine) as s:
        assert match_unit(s, "兰山区总工会") == "371302"
        assert resolve_unit(s, parsed) == "371311"
        assert resolve_unit(s, parsed, chosen="371311", own="371311") == "371311"
        with pytest.raises(WorkbookRefused) as wrong:
            resolve_unit(s, parsed, chosen="371302")
        assert wrong.value.issues[0].message == ("工作表“Sheet1” B3 单元格（单位）：工作簿表头的单位“罗庄区总工会”与所选单位"
                                                 "“兰山区”不符（表头对应的是罗庄区）；请核对是否上传错了文件")
        with pytest.raises(WorkbookRefused) as other:
            resolve_unit(s, parsed, own="371302")
        assert "您只能报送本单位（兰山区）的数据" in other.value.issues[0].message
        unknown = read_workbook(X.handmade(unit="临沂大学工会"), "x.xlsx")
        with pytest.raises(WorkbookRefused) as nobody:
            resolve_unit(s, unknown)
        assert "“临沂大学工会”无法对应到系统中的单位" in nobody.value.issues[0].message
        # A 单位 naming no known unit is not overridden by the unit chosen in the form or on the CLI.
        with pytest.raises(WorkbookRefused) as unknown_chosen:
            resolve_unit(s, unknown, chosen="SZ06")
        assert unknown_chosen.value.issues[0].message == (
            "工作表“Sheet1” B3 单元格（单位）：工作簿表头的单位“临沂大学工会”与所选单位“大专院校”不符"
            "（表头无法对应到系统中的单位）；请核对是否上传错了文件")
        assert unknown_chosen.value.issues[0].cell == "B3"
        # A blank 单位 stays accepted: the chosen unit applies.
        blank = read_workbook(X.handmade(unit=""), "x.xlsx")
        assert blank.unit_label == ""
        assert resolve_unit(s, blank, chosen="371302") == "371302"


def test_xim015_report_date_explicit_wins_else_the_sheet_else_a_clear_refusal():
    parsed = read_workbook(X.template(), "x.xlsx")
    assert resolve_report_date(parsed, dt.date(2017, 4, 21)) == dt.date(2017, 4, 21)
    assert resolve_report_date(parsed) == dt.date(2017, 4, 28)
    blank = read_workbook(X.template(filled_on=None), "x.xlsx")
    with pytest.raises(WorkbookRefused) as info:
        resolve_report_date(blank)
    assert info.value.issues[0].message.startswith("没有报送日期：工作表“统计表”的“填报时间”是空的，也没有另外指定报送日期")


# --- storing -----------------------------------------------------------------------------------------


def _import(engine, data, **kw):
    kw.setdefault("submitted_by", "刘敏")
    kw.setdefault("actor", "demo-lanshan")
    return import_workbook(engine, data, "兰山区.xlsx", **kw)


def test_xim016_import_stores_exactly_and_a_second_one_needs_a_reason(preset_engine):
    done = _import(preset_engine, X.handmade(style="fullwidth", total="values"))
    assert (done.version, done.submission.unit_code, done.submission.source) == (1, "371302", "excel")
    with read_session(preset_engine) as s:
        report = s.get(Report, done.report_id)
        assert (report.leader, report.filled_by, report.filled_on) == ("王建国", "刘敏", dt.date(2017, 4, 28))
        lines = s.scalars(select(ReportLine).where(ReportLine.report_id == report.id)).all()
        assert {ln.kind: {m: getattr(ln, m) for m in MEASURES} for ln in lines} == X.FIGURES
    with pytest.raises(WorkbookRefused) as again:
        _import(preset_engine, X.handmade())
    assert "已经报送；如需修改，请按更正报送并填写更正原因" in again.value.issues[0].message
    fixed = {**X.FIGURES, REGIONAL: {**X.FIGURES[REGIONAL], "offer_workers": 21900}}
    assert _import(preset_engine, X.handmade(figures=fixed), reason="区域职工数录入有误").version == 2


def test_xim017_validation_errors_point_at_cells(preset_engine):
    bad = {**X.FIGURES, REGIONAL: {**X.FIGURES[REGIONAL], "signed_workers": 30000}}
    with pytest.raises(WorkbookRefused) as info:
        _import(preset_engine, X.handmade(figures=bad))
    (issue,) = info.value.issues
    assert (issue.sheet, issue.cell, issue.field, issue.line) == ("Sheet1", "G7", "signed_workers", REGIONAL)
    assert issue.message == "工作表“Sheet1” G7 单元格：区域 · 签订合同覆盖职工数 30,000 大于 发出要约覆盖职工数 21,873"


def test_xim018_date_outside_the_campaign_names_the_date_cell(preset_engine):
    with pytest.raises(WorkbookRefused) as info:
        _import(preset_engine, X.handmade(filled_on="2017年7月1日"))
    assert info.value.issues[0].message == ("工作表“Sheet1” H3 单元格：报送日期 2017年7月1日 晚于报送截止（2017年6月10日）："
                                            "行动期间为 2017年3月1日 至 2017年5月31日，数据统计截至 2017年5月31日，"
                                            "报送截止 2017年6月10日")
    with pytest.raises(WorkbookRefused) as chosen:  # a chosen date is not pinned on the sheet
        _import(preset_engine, X.handmade(), report_date=dt.date(2017, 2, 1))
    assert chosen.value.issues[0].cell is None and chosen.value.issues[0].message.startswith("报送日期 2017年2月1日")


REFUSALS = {
    "hostile_file": lambda: {"data": X.zip_bomb()},
    "no_table": lambda: {"data": X.no_table()},
    "total_mismatch": lambda: {"data": X.handmade(total="wrong")},
    "wrong_unit": lambda: {"data": X.handmade(unit="罗庄区总工会"), "own_unit": "371302"},
    "date_outside_campaign": lambda: {"data": X.handmade(filled_on="2017-06-30")},
    "stage_order": lambda: {"data": X.handmade(figures={**X.FIGURES, SINGLE: {**X.FIGURES[SINGLE],
                                                                              "filed_copies": 101, "filed_ents": 101}})},
    "no_date": lambda: {"data": X.handmade(filled_on=None)},
    "unknown_campaign": lambda: {"data": X.handmade(), "campaign_id": 99},
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_xim019_a_refused_import_leaves_the_database_unchanged(preset_engine, case):
    _import(preset_engine, X.handmade(filled_on="2017-04-14"))  # an earlier report, so there is something to keep
    before = counts(preset_engine)
    assert before == (1, 3)
    kw = REFUSALS[case]()
    with pytest.raises(WorkbookRefused):
        _import(preset_engine, kw.pop("data"), **kw)
    assert counts(preset_engine) == before


def test_xim020_refusals_by_validation_are_audited(preset_engine):
    with pytest.raises(WorkbookRefused):
        _import(preset_engine, X.handmade(filled_on="2017-06-30"))
    with read_session(preset_engine) as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.actor == "demo-lanshan")).all()
    assert actions == ["report.refused"]


def test_xim021_default_campaign_prefers_the_latest_real_one(preset_engine):
    spec = read_preset()["campaigns"][0]
    with write_session(preset_engine) as s:
        ensure_campaign(s, spec, name="演示行动", is_demo=True)
    with read_session(preset_engine) as s:
        real = s.scalar(select(Campaign.id).where(Campaign.is_demo.is_(False)))
        assert default_campaign_id(s) == real == CAMPAIGN


def test_xim022_locate_maps_store_issues(preset_engine):
    parsed = read_workbook(X.handmade(figures={**X.FIGURES, INDUSTRY: {**X.FIGURES[INDUSTRY], "offer_ents": "x"}}),
                           "x.xlsx")
    sub = build_submission(parsed, campaign_id=CAMPAIGN, unit_code="371302", report_date=dt.date(2017, 4, 28),
                           submitted_by="刘敏")
    with pytest.raises(SubmissionRefused) as info:
        store.submit(preset_engine, sub)
    (issue,) = locate(info.value.errors, parsed, sub)
    assert (issue.cell, issue.field) == ("C8", "offer_ents")
    assert issue.message == "工作表“Sheet1” C8 单元格：行业 · 发出要约覆盖企业数：“x” 不是非负整数"


@pytest.fixture(scope="module")
def forged_bomb() -> bytes:
    return X.forged_bomb(size=256 * 1024 * 1024)  # ~260 KB on disk; every header declares 4 KB


def test_xim023_false_size_headers_are_refused_by_the_bytes_inflated_with_bounded_memory(forged_bomb):
    tracemalloc.start()
    try:
        with pytest.raises(WorkbookRefused) as refusal:
            read_workbook(forged_bomb, "炸弹.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = refusal.value.issues[0].message
    assert message == ("文件“炸弹.xlsx”中的部件“xl/worksheets/sheet1.xml”解压后超过上限 20.0 MB"
                       "（疑似“压缩炸弹”），已拒绝；请只保留统计表后再上传")
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1024 / 1024:.1f} MB while refusing"


def test_xim024_false_size_headers_under_the_caps_are_refused_as_broken():
    data = X.forged_bomb(size=2 * 1024 * 1024)  # inflates to 2 MB, declares 4 KB
    with pytest.raises(WorkbookRefused) as refusal:
        read_workbook(data, "表.xlsx")
    assert refusal.value.issues[0].message.startswith(
        "文件“表.xlsx”已损坏（部件“xl/worksheets/sheet1.xml”解压后的实际大小与文件中记录的不符）")


def test_xim025_the_total_inflated_is_capped_too(monkeypatch):
    from db.submission import xlsx_container

    monkeypatch.setattr(xlsx_container, "MAX_UNCOMPRESSED_BYTES", 1024 * 1024)
    data = X.forged_bomb(size=2 * 1024 * 1024)  # the headers add up to well under 1 MB; the bytes do not
    with pytest.raises(WorkbookRefused) as refusal:
        read_workbook(data, "表.xlsx")
    assert refusal.value.issues[0].message == ("文件“表.xlsx”解压后总计超过上限 1.0 MB（疑似“压缩炸弹”），已拒绝；"
                                               "请只保留统计表后再上传")
