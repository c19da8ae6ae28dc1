"""db/followup (instructors, evaluation, supervision, overview) on SQLite and PostgreSQL: writes validate, stay in the reporter's unit and are audited;
phones never leave unmasked; the demo tells its story (staffing, silence, overdue cases) and resets."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from db.demo import DEMO_NAME, build_demo
from db.engine import read_session, write_session
from db.followup import common as followup_db
from db.followup import evaluation as evaluation_db
from db.followup import instructors as instructors_db
from db.followup import overview as overview_db
from db.followup import supervision as supervision_db
from db.models import AuditEvent, Campaign
from db.models.followup import EvalDimension, Instructor, RefusalCase, RefusalEvent, WorkLog
from domain import followup as rules
from domain.followup import ActionError

D = dt.date
NOW = dt.datetime(2017, 4, 1, 9, 30)


@pytest.fixture
def cid(preset_engine):
    with read_session(preset_engine) as s:
        return s.scalar(select(Campaign.id))


def audits(engine, action_name):
    with read_session(engine) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action_name).order_by(AuditEvent.id)))


def test_actdb001_roster_staffing_and_masked_phone(preset_engine, cid):
    eng = preset_engine
    with write_session(eng) as s:
        instructors_db.set_required(s, cid, "371302", "3", actor="admin1", ip="10.0.0.1", now=NOW)
        first = instructors_db.add_instructor(s, cid, "371302", "王建国", "13812345678", "2017-03-01", actor="lanshan",
                                      unit_scope="371302", now=NOW)
        instructors_db.add_instructor(s, cid, "371302", "李秀英", "0539-8123456", "2017-04-15", actor="admin1", now=NOW)
        instructors_db.remove_instructor(s, first, "2017-05-01", actor="admin1", now=NOW)
    with read_session(eng) as s:
        assert s.scalar(select(Instructor.phone).where(Instructor.id == first)) == "13812345678"  # stored as given
        people = instructors_db.roster(s, cid, "371302")
        assert [(p["name"], p["phone"]) for p in people] == [("李秀英", "053****3456"), ("王建国", "138****5678")]
        assert all("13812345678" not in str(p) for p in people)
        assert instructors_db.staffing(s, cid, D(2017, 4, 20))["371302"] == {"required": 3, "staffed": 2}
        assert instructors_db.staffing(s, cid, D(2017, 5, 1))["371302"] == {"required": 3, "staffed": 1}  # left that day
        assert instructors_db.staffing(s, cid, D(2017, 3, 31))["371311"] == {"required": None, "staffed": 0}
    added = audits(eng, "instructor.add")
    assert [a.actor for a in added] == ["lanshan", "admin1"]
    assert "138****5678" in added[0].detail and "13812345678" not in added[0].detail
    assert audits(eng, "instructor.quota")[0].detail == "兰山区（371302）应配 未定 → 3 人"
    assert audits(eng, "instructor.quota")[0].ip == "10.0.0.1"
    assert len(audits(eng, "instructor.remove")) == 1


def test_actdb002_reporter_scope_and_clear_errors(preset_engine, cid):
    eng = preset_engine
    with pytest.raises(ActionError, match="只能为本单位（371302）录入或修改"):
        with write_session(eng) as s:
            instructors_db.add_instructor(s, cid, "371311", "张三", "13800000000", "2017-03-01", actor="lanshan",
                                  unit_scope="371302")
    with pytest.raises(ActionError, match="到岗日期“2017-13-01”不是有效日期"):
        with write_session(eng) as s:
            instructors_db.add_instructor(s, cid, "371302", "张三", "13800000000", "2017-13-01", actor="lanshan")
    with pytest.raises(ActionError, match="请选择活动类型"):
        with write_session(eng) as s:
            instructors_db.add_work_log(s, cid, "371302", "2017-04-01", "吃饭", actor="lanshan")
    with read_session(eng) as s:
        assert s.scalar(select(func.count(Instructor.id))) == 0 and s.scalar(select(func.count(WorkLog.id))) == 0
    assert audits(eng, "instructor.add") == [] and audits(eng, "worklog.add") == []


def test_actdb003_work_logs_activity_and_inactivity(preset_engine, cid):
    eng = preset_engine
    with write_session(eng) as s:
        who = instructors_db.add_instructor(s, cid, "371302", "王建国", "13812345678", "2017-03-01", actor="a", now=NOW)
        for day, what in (("2017-05-02", "宣传指导"), ("2017-05-03", "参加协商"), ("2017-05-20", "调查研究")):
            instructors_db.add_work_log(s, cid, "371302", day, what, "临沂甲公司", "走访", who, actor="lanshan", now=NOW)
        instructors_db.add_work_log(s, cid, "371311", "2017-05-02", "监督检查", actor="a", now=NOW)
        with pytest.raises(ActionError, match="所选指导员不属于该单位"):
            instructors_db.add_work_log(s, cid, "371311", "2017-05-02", "监督检查", instructor_id=who, actor="a")
    with read_session(eng) as s:
        last, recent = instructors_db.log_activity(s, cid, D(2017, 5, 31))
        assert last == {"371302": D(2017, 5, 20), "371311": D(2017, 5, 2)}
        assert recent == {"371302": 1}  # 5/18..5/31
        last, recent = instructors_db.log_activity(s, cid, D(2017, 5, 10))
        assert last == {"371302": D(2017, 5, 3), "371311": D(2017, 5, 2)}
        assert recent == {"371302": 2, "371311": 1}  # 4/27..5/10
        logs = instructors_db.work_logs(s, cid, "371302")
        assert [(x["log_date"], x["instructor"]) for x in logs][0] == (D(2017, 5, 20), "王建国")
        days = instructors_db.log_counts_by_day(s, cid, D(2017, 5, 1), D(2017, 5, 7))
        weekly = rules.weekly_activity(days, ["371302", "371311"], [D(2017, 5, 1)])
        assert weekly == {"371302": [2], "371311": [1]}
    assert len(audits(eng, "worklog.add")) == 4


def test_actdb004_scheme_evaluation_and_profile(preset_engine, cid):
    eng = preset_engine
    rows = [{"name": n, "weight": w, "scale_max": m, "active": True} for n, w, m in rules.DEFAULT_DIMENSIONS]
    with write_session(eng) as s:
        dims = evaluation_db.save_scheme(s, cid, rows, actor="admin1", now=NOW)
    ids_ = [d["id"] for d in dims]
    assert [d["name"] for d in dims] == ["工作管理", "协商准备", "协商程序", "协商效果", "合同履行", "满意度评价"]
    # 满分 10, 10, 20, 20, 20, 5; scores give rates 0.8, 0.9, 0.75, 0.5, 1.0, 0.6
    scores = dict(zip(ids_, ("8", 9, 15, 10, 20, 3), strict=True))
    with write_session(eng) as s:
        evaluation_db.add_evaluation(s, cid, "371302", "2017-05-26", scores, actor="admin1", now=NOW)
        with pytest.raises(ActionError, match="“满意度评价”得分 6 超过满分 5"):
            evaluation_db.add_evaluation(s, cid, "371302", "2017-05-26", {**scores, ids_[5]: 6}, actor="admin1")
    with read_session(eng) as s:
        data = overview_db.overview_inputs(s, cid, D(2017, 5, 31))
    weights = {d["id"]: d["weight"] for d in data["dims"]}
    profile = data["profiles"]["371302"]
    assert [round(profile[i], 4) for i in ids_] == [0.8, 0.9, 0.75, 0.5, 1.0, 0.6]
    # 15*0.8 + 15*0.9 + 20*0.75 + 20*0.5 + 15*1 + 15*0.6 = 12 + 13.5 + 15 + 10 + 15 + 9 = 74.5 (weights sum 100)
    assert rules.weighted_total(profile, weights) == pytest.approx(74.5)
    # losses: 3, 1.5, 5, 10, 0, 6 -> 协商效果
    assert rules.weakest_dimension(profile, weights, ids_) == ids_[3]
    # Changing a scale later does not change what an old score meant; deleting a dimension is refused.
    edited = [{**d, "scale_max": 40 if d["name"] == "协商效果" else d["scale_max"]} for d in dims]
    with write_session(eng) as s:
        evaluation_db.save_scheme(s, cid, edited, actor="admin1", now=NOW)
    with read_session(eng) as s:
        again = overview_db.overview_inputs(s, cid, D(2017, 5, 31))["profiles"]["371302"]
    assert again[ids_[3]] == pytest.approx(0.5)
    with pytest.raises(ActionError, match="维度不能删除.*满意度评价"):
        with write_session(eng) as s:
            evaluation_db.save_scheme(s, cid, edited[:5], actor="admin1")
    assert [a.actor for a in audits(eng, "scheme.update")] == ["admin1", "admin1"]
    assert "协商效果→协商效果" in audits(eng, "scheme.update")[1].detail
    assert len(audits(eng, "eval.add")) == 1


def test_actdb005_refusal_lifecycle(preset_engine, cid):
    eng = preset_engine
    fields = {"enterprise": "临沂甲公司", "kind": "拒绝协商", "occurred_on": "2017-04-10", "description": "不答复要约",
              "intervention": "约谈", "deadline": "2017-05-15"}
    with write_session(eng) as s:
        case = supervision_db.add_refusal(s, cid, "371302", fields, actor="lanshan", unit_scope="371302", now=NOW)
        with pytest.raises(ActionError, match="整改期限 2017-04-01 早于发现日期 2017-04-10"):
            supervision_db.add_refusal(s, cid, "371302", {**fields, "deadline": "2017-04-01"}, actor="lanshan")
    with pytest.raises(ActionError, match="只能处理本单位（371311）的案件"):
        with write_session(eng) as s:
            supervision_db.set_refusal_status(s, case, "已整改", actor="luozhuang", unit_scope="371311")
    with read_session(eng) as s:
        counts = rules.refusal_counts(supervision_db.refusal_cases(s, cid), D(2017, 5, 31))
    assert counts["371302"]["overdue"] == 1 and counts["371302"]["open"] == 1
    with write_session(eng) as s:
        assert supervision_db.set_refusal_status(s, case, "追究责任", actor="lanshan", unit_scope="371302") == "追究责任"
        supervision_db.set_refusal_status(s, case, "媒体曝光", "经批准曝光", actor="admin1")
        with pytest.raises(ActionError, match="不能从“媒体曝光”改为“追究责任”"):
            supervision_db.set_refusal_status(s, case, "追究责任", actor="admin1")
    with read_session(eng) as s:
        history = supervision_db.refusal_events(s, [case])[case]
        assert [(h["from"], h["to"]) for h in history] == [(None, "督促整改"), ("督促整改", "追究责任"), ("追究责任", "媒体曝光")]
        counts = rules.refusal_counts(supervision_db.refusal_cases(s, cid), D(2017, 5, 31))
    assert counts["371302"]["overdue"] == 0 and counts["371302"]["open"] == 1 and counts["371302"]["媒体曝光"] == 1
    assert [a.detail for a in audits(eng, "refusal.status")] == [
        "兰山区：临沂甲公司 督促整改 → 追究责任", "兰山区：临沂甲公司 追究责任 → 媒体曝光"]
    assert len(audits(eng, "refusal.add")) == 1


def _demo_cid(s):
    return s.scalar(select(Campaign.id).where(Campaign.name == DEMO_NAME))


def test_actdb006_demo_story_and_reset(engine):
    build_demo(engine)
    as_of = D(2017, 5, 31)
    with read_session(engine) as s:
        cid = _demo_cid(s)
        staff = instructors_db.staffing(s, cid, as_of)
        short = rules.short_staffed([{"code": c, "name": c, **v} for c, v in staff.items()])
        assert short == [("371328", "371328", 2), ("371326", "371326", 1)]
        assert staff["371302"] == {"required": 4, "staffed": 4}
        assert len(instructors_db.roster(s, cid, "371302")) == 5  # one of them left on 4月20日
        last, _recent = instructors_db.log_activity(s, cid, as_of)
        codes = [u["code"] for u in followup_db.units(s, cid) if u["code"] in staff and staff[u["code"]]["required"]]
        assert rules.inactive_units(last, codes, as_of) == ["371326", "KF03"]
        assert last["371326"] <= D(2017, 5, 5)
        cases = supervision_db.refusal_cases(s, cid)
        assert len(cases) == 15
        by_status = {st: sum(c["status"] == st for c in cases) for st in rules.STATUSES}
        assert by_status == {"督促整改": 7, "已整改": 4, "追究责任": 2, "媒体曝光": 2}
        assert sum(rules.is_overdue(c["status"], c["deadline"], as_of) for c in cases) == 4
        assert rules.refusal_counts(cases, as_of)["371302"] == {
            "督促整改": 2, "已整改": 1, "追究责任": 0, "媒体曝光": 0, "open": 2, "overdue": 1, "total": 3}
        data = overview_db.overview_inputs(s, cid, as_of)
        dims = {d["id"]: d["name"] for d in data["dims"]}
        weights = {d["id"]: d["weight"] for d in data["dims"]}
        assert list(dims.values()) == ["工作管理", "协商准备", "协商程序", "协商效果", "合同履行", "满意度评价"]
        weakest = {code: dims[rules.weakest_dimension(p, weights, list(dims))] for code, p in data["profiles"].items()}
        assert weakest["371324"] == "合同履行" and weakest["371328"] == "协商准备" and weakest["371302"] == "协商效果"
        assert len(data["profiles"]) == 16
        sat = next(i for i, n in dims.items() if n == "满意度评价")
        monthly = rules.period_means(rules.group_scores(evaluation_db.score_rows(s, cid)), sat)[""]
        assert [m for m, _ in monthly] == [D(2017, 3, 1), D(2017, 4, 1), D(2017, 5, 1)]
        assert monthly[0][1] < monthly[1][1] < monthly[2][1]  # 满意度 rises over the months
        counts = (s.scalar(select(func.count(WorkLog.id))), s.scalar(select(func.count(RefusalEvent.id))))
    build_demo(engine, reset=True)  # deletes this module's rows first, then rebuilds the same
    with read_session(engine) as s:
        assert (s.scalar(select(func.count(WorkLog.id))), s.scalar(select(func.count(RefusalEvent.id)))) == counts
        assert s.scalar(select(func.count(RefusalCase.id))) == 15
        assert s.scalar(select(func.count(EvalDimension.id))) == 6


def test_actdb007_everything_as_of_a_date(preset_engine, cid):
    """Rosters, logs, evaluations and refusal cases as they stood on the as-of date (hand-counted)."""
    eng = preset_engine
    fields = {"enterprise": "临沂乙公司", "kind": "拒绝协商", "occurred_on": "2017-04-10", "description": "不答复要约",
              "intervention": "", "deadline": "2017-04-20"}
    with write_session(eng) as s:
        first = instructors_db.add_instructor(s, cid, "371302", "王建国", "13812345678", "2017-03-01", actor="a", now=NOW)
        instructors_db.add_instructor(s, cid, "371302", "李秀英", "13912345678", "2017-04-15", actor="a", now=NOW)
        instructors_db.remove_instructor(s, first, "2017-05-01", actor="a", now=NOW)
        for day in ("2017-04-10", "2017-04-14", "2017-04-15"):
            instructors_db.add_work_log(s, cid, "371302", day, "宣传指导", actor="a", now=NOW)
        evaluation_db.save_scheme(s, cid, [{"name": "工作管理", "weight": 1, "scale_max": 10}], actor="a", now=NOW)
        dim = evaluation_db.dimensions(s, cid)[0]["id"]
        for day in ("2017-04-01", "2017-05-01"):
            evaluation_db.add_evaluation(s, cid, "371302", day, {dim: 8}, actor="a", now=NOW)
        case = supervision_db.add_refusal(s, cid, "371302", fields, actor="a", now=dt.datetime(2017, 4, 10, 9))
        supervision_db.add_refusal(s, cid, "371302", {**fields, "occurred_on": "2017-05-02", "deadline": "2017-05-20"},
                                   actor="a", now=dt.datetime(2017, 5, 2, 9))
        supervision_db.set_refusal_status(s, case, "已整改", actor="a", now=dt.datetime(2017, 4, 25, 16))
    with read_session(eng) as s:
        april14 = instructors_db.roster(s, cid, "371302", D(2017, 4, 14))
        assert [(p["name"], p["left_on"], p["active_now"]) for p in april14] == [("王建国", None, False)]
        may = instructors_db.roster(s, cid, "371302", D(2017, 5, 1))
        assert [(p["name"], p["left_on"]) for p in may] == [("李秀英", None), ("王建国", D(2017, 5, 1))]
        assert [w["log_date"] for w in instructors_db.work_logs(s, cid, "371302", as_of=D(2017, 4, 14))] == [
            D(2017, 4, 14), D(2017, 4, 10)]
        assert len(instructors_db.work_logs(s, cid, "371302", limit=None)) == 3
        assert [e["eval_date"] for e in evaluation_db.evaluations(s, cid, as_of=D(2017, 4, 14))] == [D(2017, 4, 1)]
        # 4月14日: one case, still 督促整改, not yet overdue (deadline 4月20日); 4月21日: overdue by 1 day;
        # 4月25日 (rectified at 16:00 that day): closed; 5月31日: the second case is overdue, the first closed.
        at14 = supervision_db.refusal_cases(s, cid, as_of=D(2017, 4, 14))
        assert [(c["status"], c["current_status"]) for c in at14] == [("督促整改", "已整改")]
        assert rules.refusal_counts(at14, D(2017, 4, 14))["371302"] == {
            "督促整改": 1, "已整改": 0, "追究责任": 0, "媒体曝光": 0, "open": 1, "overdue": 0, "total": 1}
        at21 = supervision_db.refusal_cases(s, cid, as_of=D(2017, 4, 21))
        assert rules.days_overdue(at21[0]["status"], at21[0]["deadline"], D(2017, 4, 21)) == 1
        assert [c["status"] for c in supervision_db.refusal_cases(s, cid, as_of=D(2017, 4, 25))] == ["已整改"]
        assert len(supervision_db.refusal_events(s, [case], D(2017, 4, 24))[case]) == 1
        late = rules.refusal_counts(supervision_db.refusal_cases(s, cid, as_of=D(2017, 5, 31)), D(2017, 5, 31))
        assert (late["371302"]["total"], late["371302"]["open"], late["371302"]["overdue"]) == (2, 1, 1)
        panel = overview_db.overview_inputs(s, cid, D(2017, 4, 14))["refusals"]["371302"]
        assert (panel["total"], panel["open"], panel["overdue"]) == (1, 1, 0)
