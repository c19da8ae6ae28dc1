"""Admin writes (campaigns, thresholds, units and their import, baselines) and the account
operations of the admin pages: checked, all-or-nothing, audited."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from sqlalchemy import select, text, update

from db.accounts import auth, roles
from db.accounts.queries import admin_campaigns, admin_units, baseline_rows
from db.admin.campaigns import create_campaign, parse_pace, set_thresholds, threshold_overrides, update_campaign
from db.admin.common import AdminError
from db.admin.targets import check_baselines, check_targets, save_baselines, save_targets, target_rows
from db.admin.units import apply_import, parse_unit_file, plan_import, save_unit
from db.engine import read_session, write_session
from db.models import AuditEvent, Campaign, Unit, UnitCampaign, User

DATES = {"window_start": "2018-03-01", "window_end": "2018-05-31", "cutoff_date": "2018-05-31",
         "deadline": "2018-06-10"}


def events(engine, action: str) -> list[AuditEvent]:
    with read_session(engine) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def campaign_id(engine, name: str = "2017年工资集体协商“集中要约”行动") -> int:
    with read_session(engine) as s:
        return s.scalar(select(Campaign.id).where(Campaign.name == name))


# --- campaigns and thresholds ----------------------------------------------------------------------


def test_aop001_create_campaign_copies_baselines_and_is_audited(preset_engine):
    source = campaign_id(preset_engine)
    with write_session(preset_engine) as s:
        c = create_campaign(s, " 2018年集中要约 ", DATES, copy_from=source, actor="boss", ip="10.0.0.1")
        new_id = c.id
    with read_session(preset_engine) as s:
        c = s.get(Campaign, new_id)
        assert (c.name, c.year, c.deadline, c.is_demo) == ("2018年集中要约", 2018, dt.date(2018, 6, 10), False)
        lanshan = next(r for r in baseline_rows(s, new_id) if r["code"] == "371302")
        assert (lanshan["baseline_ents"], lanshan["target_workers"]) == (9800, 144200)
        listed = next(x for x in admin_campaigns(s) if x["id"] == new_id)
        assert listed["units_with_baseline"] == 23 and listed["versions"] == 0
    e = events(preset_engine, "campaign.create")[-1]
    assert (e.actor, e.ip) == ("boss", "10.0.0.1") and "2018年集中要约" in e.detail and "23 个单位" in e.detail


@pytest.mark.parametrize("name,dates,message", [
    ("", DATES, "请填写行动名称"),
    ("2017年工资集体协商“集中要约”行动", DATES, "已有名为"),
    ("x", {**DATES, "window_end": "2018-02-01"}, "行动开始（2018-03-01）晚于行动结束（2018-02-01）"),
    ("x", {**DATES, "cutoff_date": "2018-06-11"}, "统计截止（2018-06-11）晚于报送截止（2018-06-10）"),
    ("x", {**DATES, "deadline": "2018-13-01"}, "“报送截止”不是有效日期"),
    ("x", {**DATES, "window_start": None}, "请填写“行动开始”"),
])
def test_aop002_campaign_refusals_say_what_and_write_nothing(preset_engine, name, dates, message):
    with pytest.raises(AdminError) as err, write_session(preset_engine) as s:
        create_campaign(s, name, dates, actor="boss")
    assert message in err.value.message
    with read_session(preset_engine) as s:
        assert len(admin_campaigns(s)) == 1
    assert events(preset_engine, "campaign.create") == []


def test_aop003_update_campaign_lists_changes_and_refuses_to_orphan_reports(preset_engine):
    cid = campaign_id(preset_engine)
    with write_session(preset_engine) as s:
        changes = update_campaign(s, cid, "2017年集中要约", {**DATES, "window_start": "2017-03-01", "window_end":
                                  "2017-05-31", "cutoff_date": "2017-05-31", "deadline": "2017-06-12"}, actor="boss")
    assert changes == ["名称“2017年工资集体协商“集中要约”行动” → “2017年集中要约”", "报送截止 2017-06-10 → 2017-06-12"]
    assert "报送截止 2017-06-10 → 2017-06-12" in events(preset_engine, "campaign.update")[-1].detail
    with write_session(preset_engine) as s:  # the same values again: nothing to write, nothing audited
        assert update_campaign(s, cid, "2017年集中要约", {"window_start": "2017-03-01", "window_end": "2017-05-31",
                               "cutoff_date": "2017-05-31", "deadline": "2017-06-12"}, actor="boss") == []
    assert len(events(preset_engine, "campaign.update")) == 1


def test_aop004_update_campaign_keeps_existing_reports_inside(engine):
    from db.demo import build_demo

    build_demo(engine)
    with read_session(engine) as s:
        demo = s.scalar(select(Campaign).where(Campaign.is_demo.is_(True)))
    with pytest.raises(AdminError) as err, write_session(engine) as s:
        update_campaign(s, demo.id, demo.name, {"window_start": "2017-04-01", "window_end": "2017-05-31",
                                                "cutoff_date": "2017-05-31", "deadline": "2017-06-10"}, actor="boss")
    assert "已有报送" in err.value.message and "须包含这些日期" in err.value.message
    with read_session(engine) as s:
        assert s.get(Campaign, demo.id).window_start == demo.window_start


def test_aop005_thresholds_blank_means_default_and_round_trip(preset_engine):
    cid = campaign_id(preset_engine)
    with read_session(preset_engine) as s:
        assert threshold_overrides(s, cid) == {}
    form = {"pace_gap_points": "12.5", "filing_gap_points": "", "stale_days": "7", "coverage_margin_points": None,
            "min_expected_fraction": "0.2", "pace": "2017-03-31 20%\n2017-04-30 0.7\n2017-05-31 100%"}
    with write_session(preset_engine) as s:
        changes = set_thresholds(s, cid, form, actor="boss")
    assert changes == ["进度差阈值 默认 → 12.5", "未报送天数阈值 默认 → 7", "开始预测覆盖率的行动进度 默认 → 0.2",
                       "应达进度曲线 默认 → 2017-03-31 20%，2017-04-30 70%，2017-05-31 100%"]
    with read_session(preset_engine) as s:
        got = threshold_overrides(s, cid)
    assert got == {"pace_gap_points": 12.5, "stale_days": 7, "min_expected_fraction": 0.2,
                   "pace": ((dt.date(2017, 3, 31), 0.2), (dt.date(2017, 4, 30), 0.7), (dt.date(2017, 5, 31), 1.0))}
    from domain.lagging import Thresholds

    t = Thresholds(**got)  # what dashboard.data.thresholds builds: accepted by the rules
    assert t.filing_gap_points == 15.0 and t.stale_days == 7
    assert "campaign.thresholds" in {e.action for e in events(preset_engine, "campaign.thresholds")}
    with write_session(preset_engine) as s:  # all blank again: back to the defaults
        set_thresholds(s, cid, {}, actor="boss")
    with read_session(preset_engine) as s:
        assert threshold_overrides(s, cid) == {}


@pytest.mark.parametrize("field,value,message", [
    ("pace_gap_points", "abc", "“进度差阈值”须为数字：abc"),
    ("filing_gap_points", "101", "“备案率差阈值”须在 0 到 100个百分点 之间"),
    ("stale_days", "2.5", "“未报送天数阈值”须为整数"),
    ("min_expected_fraction", "1.5", "须在 0 到 1"),
    ("pace", "2017-02-01 10%", "第 1 行：日期 2017-02-01 不在行动期"),
    ("pace", "2017-04-01 50%\n2017-03-31 60%", "第 2 行：日期须逐行递增"),
    ("pace", "四月底 70%", "第 1 行应为“日期 比例”"),
])
def test_aop006_threshold_refusals(preset_engine, field, value, message):
    with pytest.raises(AdminError) as err, write_session(preset_engine) as s:
        set_thresholds(s, campaign_id(preset_engine), {field: value}, actor="boss")
    assert message in err.value.message


def test_aop007_parse_pace_linear_and_percent():
    start, end = dt.date(2017, 3, 1), dt.date(2017, 5, 31)
    assert parse_pace("", start, end) is None and parse_pace("线性", start, end) is None
    assert parse_pace("2017-3-31，25%\n\n2017-05-31 1", start, end) == [(dt.date(2017, 3, 31), 0.25),
                                                                      (dt.date(2017, 5, 31), 1.0)]


# --- units -----------------------------------------------------------------------------------------


def test_aop008_save_unit_creates_and_edits_with_audit(preset_engine):
    with write_session(preset_engine) as s:
        save_unit(s, None, {"code": "KF05", "name": "临沂综合保税区", "kind": "开发区", "parent": "KF02",
                            "adcode": "", "sort_order": "24"}, actor="boss")
    with read_session(preset_engine) as s:
        new = next(u for u in admin_units(s) if u["code"] == "KF05")
        uid = new["id"]
    assert (new["parent_code"], new["adcode"], new["sort_order"]) == ("KF02", None, 24)
    with write_session(preset_engine) as s:
        _, changes = save_unit(s, uid, {"code": "KF05", "name": "临沂综保区", "kind": "开发区", "parent": "",
                                        "adcode": None, "sort_order": 24}, actor="boss")
    assert changes == ["名称 临沂综合保税区 → 临沂综保区", "上级 KF02 → （无）"]
    assert "KF05" in events(preset_engine, "unit.create")[-1].detail
    assert "名称 临沂综合保税区 → 临沂综保区" in events(preset_engine, "unit.update")[-1].detail


@pytest.mark.parametrize("fields,message", [
    ({"code": "371302", "name": "重复", "kind": "县区"}, "单位代码 371302 已被“兰山区”使用"),
    ({"code": "X1", "name": "甲", "kind": "乡镇"}, "“类型”应为 县区、开发区、旅游区、市直系统、全国、省、市、省直系统、产业系统 之一：乡镇"),
    ({"code": "X1", "name": "甲", "kind": "县区", "adcode": "371302"}, "“行政区划代码”371302 已用于单位 371302"),
    ({"code": "X1", "name": "甲", "kind": "县区", "adcode": "3713"}, "应为 6 位数字"),
    ({"code": "X1", "name": "甲", "kind": "县区", "parent": "NOPE"}, "“上级代码”NOPE 既不在文件中，也不是已有单位"),
    ({"code": "X 1", "name": "", "kind": "县区"}, "“名称”为空"),
    ({"code": "X1", "name": "甲", "kind": "县区", "sort_order": "-3"}, "“排序”应为非负整数：-3"),
])
def test_aop009_save_unit_refusals(preset_engine, fields, message):
    with pytest.raises(AdminError) as err, write_session(preset_engine) as s:
        save_unit(s, None, fields, actor="boss")
    assert message in err.value.message
    with read_session(preset_engine) as s:
        assert len(admin_units(s)) == 23


def test_aop010_parent_cycle_is_refused(preset_engine):
    with read_session(preset_engine) as s:
        ids = {u["code"]: u["id"] for u in admin_units(s)}
    with write_session(preset_engine) as s:
        save_unit(s, ids["SZ02"], {"code": "SZ02", "name": "临沂矿业集团", "kind": "市直系统", "parent": "SZ01",
                                   "sort_order": 18}, actor="boss")
    with pytest.raises(AdminError) as err, write_session(preset_engine) as s:
        save_unit(s, ids["SZ01"], {"code": "SZ01", "name": "临沂商城", "kind": "市直系统", "parent": "SZ02",
                                   "sort_order": 17}, actor="boss")
    assert "形成循环" in err.value.message


CSV_OK = ("代码,名称,类型,上级代码,行政区划代码\n"
          "370102,历下区,县区,,370102\n"
          "370103,市中区,县区,,370103\n"
          "JN-KF1,济南高新区,开发区,370102,\n"
          "371302,兰山区（新）,县区,,371302\n")


def test_aop011_csv_import_previews_then_applies_all(preset_engine):
    specs = parse_unit_file("jinan.csv", CSV_OK.encode("utf-8-sig"))
    with read_session(preset_engine) as s:
        plan = plan_import(s, specs)
    assert [x.code for x in plan.added] == ["370102", "370103", "JN-KF1"]
    assert [(x.code, d) for x, d in plan.changed] == [("371302", ["名称 兰山区 → 兰山区（新）", "排序 1 → 0"])]
    assert plan.unchanged == 0 and len(plan.kept) == 22
    with write_session(preset_engine) as s:
        apply_import(s, specs, filename="jinan.csv", actor="boss", ip="10.0.0.2")
    with read_session(preset_engine) as s:
        units = {u["code"]: u for u in admin_units(s)}
    assert units["JN-KF1"]["parent_code"] == "370102" and units["370103"]["adcode"] == "370103"
    assert units["371302"]["name"] == "兰山区（新）" and len(units) == 26
    e = events(preset_engine, "unit.import")[-1]
    assert "新增 3 个" in e.detail and "修改 1 个" in e.detail and e.ip == "10.0.0.2"


def _analyzed(engine) -> set[str]:
    """The tables the database holds planner statistics for (ANALYZE has run on them)."""
    with read_session(engine) as s:
        if engine.dialect.name == "sqlite":
            return set(s.scalars(text("SELECT DISTINCT tbl FROM sqlite_stat1")))
        return set(s.scalars(text("SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
                                  "AND schemaname = current_schema()")))


def test_aop011b_bulk_tree_writes_leave_planner_statistics(preset_engine):
    """Loading the preset (units, then the campaign's units), importing a unit file and copying a
    campaign's units each ANALYZE the tree's tables: without statistics SQLite walked the national tree
    unit by unit (db.engine.refresh_statistics)."""
    assert {"unit", "unit_campaign"} <= _analyzed(preset_engine)  # after the preset's load
    if preset_engine.dialect.name != "sqlite":
        return  # PostgreSQL's statistics cannot be cleared to watch each write refresh them
    writes = [lambda s: apply_import(s, parse_unit_file("jinan.csv", CSV_OK.encode("utf-8-sig")), filename="jinan.csv",
                                     actor="boss"),
              lambda s: create_campaign(s, "2018 行动", DATES, copy_from=campaign_id(preset_engine), actor="boss")]
    for write in writes:
        with write_session(preset_engine) as s:
            s.execute(text("DELETE FROM sqlite_stat1"))
        assert not _analyzed(preset_engine)
        with write_session(preset_engine) as s:
            write(s)
        assert {"unit", "unit_campaign"} <= _analyzed(preset_engine)


def test_aop012_csv_errors_name_row_and_column_and_nothing_is_written(preset_engine):
    bad = ("代码,名称,类型,上级代码,行政区划代码\n"
           "370102,历下区,县区,,370102\n"
           ",市中区,县区,,370103\n"
           "370104,槐荫区,街道,,37010\n")
    with pytest.raises(AdminError) as err:
        parse_unit_file("bad.csv", bad.encode("gb18030"))  # Excel's Chinese CSV: GBK
    assert err.value.messages == [
        "第 3 行“代码”为空",
        "第 4 行“类型”应为 县区、开发区、旅游区、市直系统、全国、省、市、省直系统、产业系统 之一：街道",
        "第 4 行“行政区划代码”应为 6 位数字（如 371302）或留空：37010",
    ]
    dup = CSV_OK + "370102,又一个历下区,县区,,\n"
    specs = parse_unit_file("dup.csv", dup.encode())
    with pytest.raises(AdminError) as err, write_session(preset_engine) as s:
        apply_import(s, specs, filename="dup.csv", actor="boss")
    assert "第 6 行“代码”370102 与第 2 行重复" in err.value.message
    with read_session(preset_engine) as s:
        assert len(admin_units(s)) == 23  # all or nothing
    assert events(preset_engine, "unit.import") == []


def test_aop013_json_in_the_preset_shape_and_xlsx(preset_engine):
    payload = {"city": {"name": "济南市"}, "units": [
        {"code": "370102", "name": "历下区", "kind": "县区", "adcode": "370102", "parent": None, "sort_order": 1},
        {"code": "370112", "name": "历城区", "kind": "区", "adcode": None, "parent": None, "sort_order": 2}]}
    with pytest.raises(AdminError) as err:
        parse_unit_file("jinan.json", json.dumps(payload, ensure_ascii=False).encode())
    assert err.value.messages == ["第 2 个单位（units[1]）“kind”应为 县区、开发区、旅游区、市直系统、全国、省、市、省直系统、产业系统 之一：区"]
    payload["units"][1]["kind"] = "县区"
    assert [s.code for s in parse_unit_file("jinan.json", json.dumps(payload).encode())] == ["370102", "370112"]

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in (["代码", "名称", "类型", "上级代码", "行政区划代码", "排序"], [370102, "历下区", "县区", None, 370102, 1],
                ["370103", "市中区", "县区", "", "370103", 2.0], ["370104", "槐荫区", "县区", "370199", None, None]):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    specs = parse_unit_file("济南.xlsx", buffer.getvalue())
    assert [(s.code, s.adcode, s.sort_order) for s in specs] == [("370102", "370102", 1), ("370103", "370103", 2),
                                                                ("370104", None, 0)]
    with pytest.raises(AdminError) as err, read_session(preset_engine) as s:
        plan_import(s, specs)
    assert err.value.messages == ["第 4 行“上级代码”370199 既不在文件中，也不是已有单位"]


@pytest.mark.parametrize("name,content,message", [
    ("units.txt", b"x", "不支持的文件类型"),
    ("units.xlsx", b"not a zip", "不是有效的 .xlsx 文件"),
    ("units.json", b"{", "JSON 文件无法解析"),
    ("units.csv", "名称,类型\n兰山区,县区\n".encode(), "第 1 行（表头）缺少列：代码"),
    ("units.csv", "代码,名称,类型\n".encode(), "文件中没有单位"),
])
def test_aop014_unreadable_files(name, content, message):
    with pytest.raises(AdminError) as err:
        parse_unit_file(name, content)
    assert message in err.value.message


# --- baselines and targets -------------------------------------------------------------------------


def test_aop015_check_baselines_is_pure_and_names_unit_and_column():
    stored = [
        {"code": "A", "name": "甲区", "baseline_ents": 100, "baseline_workers": 1000, "target_ents": 30,
         "target_workers": 300},
        {"code": "B", "name": "乙区", "baseline_ents": None, "baseline_workers": None, "target_ents": None,
         "target_workers": None},
        {"code": "C", "name": "丙区", "baseline_ents": 5, "baseline_workers": 50, "target_ents": 1, "target_workers": 10},
    ]
    rows = [
        {"code": "A", "baseline_ents": "1,200", "baseline_workers": 1000, "target_ents": 30, "target_workers": 300},
        {"code": "B", "baseline_ents": 10, "baseline_workers": 100, "target_ents": 11, "target_workers": -1},
        {"code": "C", "baseline_ents": None, "baseline_workers": "", "target_ents": None, "target_workers": None},
        {"code": "Z", "baseline_ents": 1},
    ]
    changes, problems = check_baselines(rows, stored)
    assert [c.text() for c in changes] == ["甲区（A）：辖区企业数 100 → 1,200"]
    assert problems == [
        "乙区（B）“目标职工数”须为非负整数：-1",
        "丙区（C）已有基数与目标，不能清空（如不参加本次行动，请填 0）",
        "单位代码 Z 不存在",
    ]
    rows[1]["target_workers"] = 50
    _, problems = check_baselines(rows[1:2], stored)
    assert problems == ["乙区（B）“目标企业数”11 大于“辖区企业数”10"]
    _, problems = check_baselines([{"code": "B", "baseline_ents": 1.5, "baseline_workers": 2, "target_ents": 0}], stored)
    assert problems == ["乙区（B）“辖区企业数”须为非负整数：1.5"]
    _, problems = check_baselines([{"code": "B", "baseline_ents": 1, "baseline_workers": 2, "target_ents": 0}], stored)
    assert problems == ["乙区（B）“目标职工数”未填写（四项须同时填写）"]


def test_aop016_save_baselines_all_or_nothing_and_audited(preset_engine):
    cid = campaign_id(preset_engine)
    with write_session(preset_engine) as s:
        save_unit(s, None, {"code": "KF05", "name": "综保区", "kind": "开发区"}, actor="boss")
    edits = [{"code": "371302", "baseline_ents": 9900, "baseline_workers": 412000, "target_ents": 3430,
              "target_workers": 144200},
             {"code": "KF05", "baseline_ents": 40, "baseline_workers": 3000, "target_ents": 14, "target_workers": 1050}]
    with pytest.raises(AdminError), write_session(preset_engine) as s:
        save_baselines(s, cid, [*edits, {"code": "371311", "baseline_ents": 1, "baseline_workers": 1,
                                         "target_ents": 2, "target_workers": 1}], actor="boss")
    with read_session(preset_engine) as s:
        assert next(r for r in baseline_rows(s, cid) if r["code"] == "371302")["baseline_ents"] == 9800
    with write_session(preset_engine) as s:
        changes = save_baselines(s, cid, edits, actor="boss", ip="10.0.0.3")
    assert len(changes) == 2
    with read_session(preset_engine) as s:
        rows = {r["code"]: r for r in baseline_rows(s, cid)}
        assert s.scalar(select(UnitCampaign).where(UnitCampaign.campaign_id == cid,
                                                   UnitCampaign.unit_id == select(Unit.id).where(
                                                       Unit.code == "KF05").scalar_subquery())) is not None
    assert rows["371302"]["baseline_ents"] == 9900 and rows["KF05"]["target_workers"] == 1050
    detail = events(preset_engine, "baseline.update")[-1].detail
    assert "兰山区（371302）：辖区企业数 9,800 → 9,900" in detail and "综保区（KF05）：新增" in detail


def test_aop021_check_targets_case_target_and_instructors_name_unit_and_column():
    def stored_row(code, name, base, case_target, required):
        figures = dict(zip(("baseline_ents", "baseline_workers", "target_ents", "target_workers"),
                           (base, base and base * 10, base and base // 2, base and base * 5), strict=True))
        return {"code": code, "name": name, **figures, "case_target": case_target, "instructors_required": required}

    stored = [stored_row("A", "甲区", 100, 2, 3), stored_row("B", "乙区", None, None, None),
              stored_row("C", "丙区", 40, None, None)]
    same = {k: v for k, v in stored[0].items() if k != "name"}
    rows = [
        {**same, "case_target": "4", "instructors_required": 3},  # 2 -> 4
        {"code": "B", "case_target": 1, "instructors_required": 2},  # no baseline: no instructors
        {**{k: v for k, v in stored[2].items() if k != "name"}, "case_target": -1, "instructors_required": 1000},
    ]
    baseline_changes, changes, problems = check_targets(rows, stored)
    assert baseline_changes == []
    assert [c.text() for c in changes] == ["甲区（A）：典型培育目标 2 → 4", "乙区（B）：典型培育目标 未设定 → 1"]
    assert problems == [
        "乙区（B）没有基数与目标，不参加本次行动，不能设定“应配专职指导员”",
        "丙区（C）“典型培育目标”须为非负整数：-1",
        "丙区（C）“应配专职指导员”超过 999，请核对：1000",
    ]
    # a stored value cannot be blanked; 0 is a value; a new baseline in the same edit lets B have instructors
    rows = [{**same, "case_target": "", "instructors_required": 0},
            {"code": "B", "baseline_ents": 10, "baseline_workers": 100, "target_ents": 5, "target_workers": 50,
             "instructors_required": 1}]
    baseline_changes, changes, problems = check_targets(rows, stored)
    assert problems == ["甲区（A）“典型培育目标”已设定为 2，不能清空（不需要时请填 0）"]
    assert [c.text() for c in baseline_changes] == ["乙区（B）：新增 辖区企业数 10，辖区职工数 100，目标企业数 5，目标职工数 50"]
    assert [c.text() for c in changes] == ["甲区（A）：应配专职指导员 3 → 0", "乙区（B）：应配专职指导员 未设定 → 1"]
    # a row without the two keys leaves them as stored
    assert check_targets([{k: v for k, v in same.items() if k not in ("case_target", "instructors_required")}],
                         stored) == ([], [], [])


def test_aop022_save_targets_writes_all_three_kinds_or_nothing_and_audits(preset_engine):
    cid = campaign_id(preset_engine)
    with read_session(preset_engine) as s:
        rows = {r["code"]: {k: v for k, v in r.items() if k not in ("name", "kind")} for r in target_rows(s, cid)}
    lanshan, luozhuang = rows["371302"], rows["371311"]
    assert (lanshan["baseline_ents"], lanshan["case_target"], lanshan["instructors_required"]) == (9800, None, None)
    lanshan.update(target_ents=3500, case_target=3, instructors_required=5)
    luozhuang.update(case_target="2")
    edits = [lanshan, luozhuang]
    with pytest.raises(AdminError) as refused, write_session(preset_engine) as s:
        save_targets(s, cid, [*edits, {**rows["371312"], "instructors_required": "两个"}], actor="boss")
    assert refused.value.messages == ["河东区（371312）“应配专职指导员”须为非负整数：两个"]
    with read_session(preset_engine) as s:
        assert {r["code"]: r for r in target_rows(s, cid)}["371302"]["case_target"] is None  # nothing written
    assert events(preset_engine, "case.target") == [] and events(preset_engine, "instructor.quota") == []
    with write_session(preset_engine) as s:
        baseline_changes, changes = save_targets(s, cid, edits, actor="boss", ip="10.0.0.4")
    assert len(baseline_changes) == 1 and len(changes) == 3
    with read_session(preset_engine) as s:
        stored = {r["code"]: r for r in target_rows(s, cid)}
    assert (stored["371302"]["target_ents"], stored["371302"]["case_target"], stored["371302"]["instructors_required"],
            stored["371311"]["case_target"], stored["371311"]["instructors_required"]) == (3500, 3, 5, 2, None)
    [case_event] = events(preset_engine, "case.target")
    assert case_event.actor == "boss" and case_event.ip == "10.0.0.4"
    assert case_event.detail.endswith("典型培育目标，2 个单位：兰山区（371302）：典型培育目标 未设定 → 3；"
                                      "罗庄区（371311）：典型培育目标 未设定 → 2")
    [quota_event] = events(preset_engine, "instructor.quota")
    assert quota_event.detail == "兰山区（371302）应配 未定 → 5 人"
    assert "目标企业数 3,430 → 3,500" in events(preset_engine, "baseline.update")[-1].detail
    with write_session(preset_engine) as s:  # the same grid again: nothing to write, nothing audited
        assert save_targets(s, cid, edits, actor="boss") == ([], [])
    assert len(events(preset_engine, "case.target")) == 1


# --- accounts --------------------------------------------------------------------------------------


def _users(engine):
    with write_session(engine) as s:
        admin = auth.create_user(s, "boss", "boss-password-1", "admin")
        rep = auth.create_user(s, "rep", "rep-password-01", "reporter", "371302")
        return admin.id, rep.id


def test_aop017_deactivate_reactivate_and_guards(preset_engine):
    admin_id, rep_id = _users(preset_engine)
    with write_session(preset_engine) as s:
        auth.set_user_active(s, rep_id, False, actor="boss")
    with read_session(preset_engine) as s:
        assert auth.get_user(s, rep_id) is None  # its sessions stop
    with pytest.raises(auth.AuthError, match="账户已停用"), write_session(preset_engine) as s:
        auth.authenticate(s, "rep", "rep-password-01")
    with write_session(preset_engine) as s:
        auth.set_user_active(s, rep_id, True, actor="boss")
    for who, message in (("boss", "不能停用自己的账户"), ("other-admin", "唯一启用的管理员")):
        with pytest.raises(auth.AuthError, match=message), write_session(preset_engine) as s:
            auth.set_user_active(s, admin_id, False, actor=who)
    assert [e.detail for e in events(preset_engine, "user.deactivate")] == ["停用用户 rep"]
    assert [e.detail for e in events(preset_engine, "user.reactivate")] == ["启用用户 rep"]


def test_aop018_unlock_and_reset_password(preset_engine):
    _, rep_id = _users(preset_engine)
    for _ in range(auth.MAX_FAILED_LOGINS):
        with pytest.raises(auth.AuthError), write_session(preset_engine) as s:
            auth.authenticate(s, "rep", "wrong-password")
    with pytest.raises(auth.AccountLocked), write_session(preset_engine) as s:
        auth.authenticate(s, "rep", "rep-password-01")
    with write_session(preset_engine) as s:
        auth.unlock_user(s, rep_id, actor="boss")
    with write_session(preset_engine) as s:
        assert auth.authenticate(s, "rep", "rep-password-01").username == "rep"
    with pytest.raises(auth.AuthError, match="没有被锁定"), write_session(preset_engine) as s:
        auth.unlock_user(s, rep_id, actor="boss")
    with write_session(preset_engine) as s:
        new = auth.reset_password(s, rep_id, actor="boss")
    assert len(new) == 16
    with write_session(preset_engine) as s:
        assert auth.authenticate(s, "rep", new).id == rep_id
    assert "原锁定至" in events(preset_engine, "user.unlock")[-1].detail
    reset = events(preset_engine, "user.password_reset")[-1]
    assert reset.detail == "重置用户 rep 的密码" and new not in reset.detail


def test_aop019_change_role_and_unit(preset_engine):
    admin_id, rep_id = _users(preset_engine)
    with write_session(preset_engine) as s:
        roles.set_user_role(s, rep_id, "reporter", "371311", actor="boss")
        roles.set_user_role(s, rep_id, "leader", "371311", actor="boss")  # the unit goes with the reporter role
    with read_session(preset_engine) as s:
        u = s.get(User, rep_id)
        assert (u.role, u.unit_id) == ("leader", None)
    assert [e.detail for e in events(preset_engine, "user.update")] == [
        "用户 rep：县区填报员（371302） → 县区填报员（371311）", "用户 rep：县区填报员（371311） → 领导（负责区域：全部）"]
    for role, unit, actor, message in (("reporter", None, "boss", "必须指定所属单位"), ("leader", None, "boss", "不能取消自己"),
                                       ("leader", None, "x", "唯一启用的管理员"), ("root", None, "x", "无效"),
                                       ("admin", None, "x", "没有变化")):
        with pytest.raises(auth.AuthError, match=message), write_session(preset_engine) as s:
            roles.set_user_role(s, admin_id if role != "reporter" else rep_id, role, unit, actor=actor)


def _two_provinces(engine) -> dict[str, int]:
    """山东省 370000 › 临沂市 371300 › the preset's units (兰山区 371302 …), and 江苏省 320000 › 玄武区
    320102: the unit ids of these five by code."""
    with write_session(engine) as s:
        shandong = Unit(code="370000", name="山东省", kind="省", level="province", sort_order=0)
        jiangsu = Unit(code="320000", name="江苏省", kind="省", level="province", sort_order=1)
        s.add_all([shandong, jiangsu])
        s.flush()
        linyi = Unit(code="371300", name="临沂市", kind="市", level="city", parent_id=shandong.id)
        s.add_all([linyi, Unit(code="320102", name="玄武区", kind="区", level="county", parent_id=jiangsu.id)])
        s.flush()
        s.execute(update(Unit).where(Unit.parent_id.is_(None), Unit.id.not_in([shandong.id, jiangsu.id]))
                  .values(parent_id=linyi.id))
    with read_session(engine) as s:
        codes = ["370000", "371300", "320000", "320102", "371302"]
        return {code: id_ for code, id_ in s.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes)))}


def test_aop023_change_the_area_of_a_leader_or_admin(preset_engine):
    """Each change sets role, unit and area together and audits both sides by name (全部: no area);
    a reporter keeps no area, whatever area is passed."""
    area = _two_provinces(preset_engine)
    _, rep_id = _users(preset_engine)
    with write_session(preset_engine) as s:
        lead_id = auth.create_user(s, "lead", "lead-password-1", "leader").id
    steps = [  # (user, role, unit, area) → expected area_unit_id
        (lead_id, "leader", None, "370000", area["370000"]),
        (lead_id, "leader", None, "320000", area["320000"]),
        (lead_id, "admin", None, "371300", area["371300"]),
        (lead_id, "reporter", "371302", "320000", None),
        (rep_id, "leader", None, "371300", area["371300"]),
        (rep_id, "leader", None, None, None),
    ]
    for user_id, role, unit, code, expected in steps:
        with write_session(preset_engine) as s:
            changed = roles.set_user_role(s, user_id, role, unit, actor="boss", area_id=area.get(code))
            assert (changed.role, changed.area_unit_id) == (role, expected)
    with read_session(preset_engine) as s:
        assert (s.get(User, lead_id).unit_id, s.get(User, lead_id).area_unit_id) == (area["371302"], None)
    assert [e.detail for e in events(preset_engine, "user.update")] == [
        "用户 lead：领导（负责区域：全部） → 领导（负责区域：山东省）",
        "用户 lead：领导（负责区域：山东省） → 领导（负责区域：江苏省）",
        "用户 lead：领导（负责区域：江苏省） → 管理员（负责区域：临沂市）",
        "用户 lead：管理员（负责区域：临沂市） → 县区填报员（371302）",
        "用户 rep：县区填报员（371302） → 领导（负责区域：临沂市）",
        "用户 rep：领导（负责区域：临沂市） → 领导（负责区域：全部）",
    ]


def test_aop024_area_refusals_change_nothing(preset_engine):
    """Not an area (a county, a code as text, a flag, an unknown id), no change at all, or one's own
    area: refused in Chinese; the account keeps its area and nothing is audited."""
    area = _two_provinces(preset_engine)
    admin_id, _ = _users(preset_engine)
    with write_session(preset_engine) as s:
        lead_id = auth.create_user(s, "lead", "lead-password-1", "leader").id
        roles.set_user_role(s, lead_id, "leader", None, actor="boss", area_id=area["370000"])
    refusals = [(lead_id, "leader", bad, "负责区域无效") for bad in (area["371302"], "370000", True, 10**12)]
    refusals += [(lead_id, "leader", area["370000"], "用户 lead 的角色、单位和负责区域都没有变化"),
                 (admin_id, "admin", area["370000"], "不能修改自己的负责区域")]
    for user_id, role, area_id, message in refusals:
        with pytest.raises(auth.AuthError, match=message), write_session(preset_engine) as s:
            roles.set_user_role(s, user_id, role, None, actor="boss", area_id=area_id)
    with read_session(preset_engine) as s:
        assert s.get(User, lead_id).area_unit_id == area["370000"] and s.get(User, admin_id).area_unit_id is None
    assert len(events(preset_engine, "user.update")) == 1


def test_aop020_recent_login_failures_counts_by_address(preset_engine):
    _users(preset_engine)
    t0 = dt.datetime(2026, 11, 24, 9, 0)
    for k, (name, ip) in enumerate([("rep", "10.1.1.1"), ("nobody", "10.1.1.1"), ("rep", "10.9.9.9")]):
        with pytest.raises(auth.AuthError), write_session(preset_engine) as s:
            auth.authenticate(s, name, "wrong-password", ip=ip, now=t0 + dt.timedelta(minutes=k))
    with read_session(preset_engine) as s:
        assert auth.recent_login_failures(s, "10.1.1.1", now=t0 + dt.timedelta(minutes=5)) == (2, t0)
        assert auth.recent_login_failures(s, "10.1.1.1", now=t0 + dt.timedelta(minutes=10, seconds=30))[0] == 1
        assert auth.recent_login_failures(s, "10.9.9.9", now=t0 + dt.timedelta(minutes=5))[0] == 1
        assert auth.recent_login_failures(s, "", now=t0)[0] == 0
    # Locking writes login.failure and login.locked ("账户锁定至…"): counted once. An attempt on the
    # locked account ("账户锁定中…") is a failure of its own.
    for k in range(auth.MAX_FAILED_LOGINS + 1):
        with pytest.raises(auth.AuthError), write_session(preset_engine) as s:
            auth.authenticate(s, "rep", "wrong-password", ip="10.2.2.2", now=t0 + dt.timedelta(seconds=k))
    with read_session(preset_engine) as s:
        # rep had 2 failures already: the 3rd here locks it (counted once), the next 3 hit the lock
        assert auth.recent_login_failures(s, "10.2.2.2", now=t0 + dt.timedelta(minutes=1))[0] == 6
