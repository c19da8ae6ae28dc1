"""Demo data for 专职指导员, 实效评价 and 监督检查 (a DEMO_EXTENSIONS module of db/demo/__init__.py).

Deterministic (fixed dates and one random.Random per unit seeded from (seed, unit code)), with a
story the dashboard should tell as of the demo's cut-off, 2017-05-31:

- staffing: 16 units have a quota; 蒙阴县 has 1 of 3 instructors, 平邑县 2 of 3; 兰山区 had 5 on its
  roster, one of whom left on 2017-04-20, so 4 of 4;
- work logs every week from 3月6日: 平邑县 falls silent after 5月5日, 临港经济开发区 never logs;
- a six-dimension scheme (DEFAULT_DIMENSIONS) with different 满分; a unit-level evaluation of each of
  the 16 units on 5月26日 and monthly evaluations of two enterprises per county (3月–5月) whose
  满意度 rises month by month; a few units are weak on purpose (WEAK);
- 15 refusal cases in every status: 7 督促整改 (4 of them overdue at 5月31日), 4 已整改, 2 追究责任, 2 媒体曝光.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import delete as sql_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Campaign, Unit
from db.models.followup import (
    EvalDimension,
    Evaluation,
    EvaluationScore,
    Instructor,
    InstructorQuota,
    RefusalCase,
    RefusalEvent,
    WorkLog,
)
from domain.followup import ACCOUNTABLE, ACTIVITIES, DEFAULT_DIMENSIONS, EXPOSED, RECTIFIED, SATISFACTION, URGING

D = dt.date
ACTOR = "demo"
AT = dt.time(10, 0)

# unit code -> (required, staffed at the cut-off)
QUOTAS: dict[str, tuple[int, int]] = {
    "371302": (4, 4), "371311": (3, 3), "371312": (3, 3), "371321": (3, 3), "371322": (3, 3), "371323": (3, 3),
    "371324": (3, 3), "371325": (3, 3), "371326": (3, 2), "371327": (3, 3), "371328": (3, 1), "371329": (2, 2),
    "KF01": (2, 2), "KF02": (2, 2), "KF03": (1, 1), "KF04": (1, 1),
}
LEFT = {"371302": D(2017, 4, 20)}  # one more instructor on the roster who left on this day
LOGS_FROM = D(2017, 3, 6)
LOGS_TO = D(2017, 5, 31)
SILENT_AFTER = {"371326": D(2017, 5, 5), "KF03": LOGS_FROM - dt.timedelta(days=1)}  # no logs after this day
WEAK = {"371324": "合同履行", "371328": "协商准备", "371302": "协商效果", "371326": SATISFACTION}
UNIT_EVAL_DAY = D(2017, 5, 26)
ENTERPRISE_EVAL_DAYS = (D(2017, 3, 31), D(2017, 4, 28), D(2017, 5, 26))
NAME_PARTS = ("鲁南", "沂蒙", "琅琊", "华丰", "盛泰", "金源", "恒达", "宏远", "东兴", "瑞丰", "聚福", "天元")
TRADES = ("机械", "食品", "板材", "物流", "纺织", "建材", "电子", "商贸")
ENTERPRISE_NOTES = ("指导企业拟定工资集体协商要约书", "列席工资协商第二轮会议", "走访企业了解职工工资诉求",
                    "检查工资专项集体合同履行情况", "宣讲《山东省企业工资集体协商条例》", "协调协商双方分歧")

# (unit, enterprise, kind, found, deadline, [(day, new status)], what happened, intervention)
REFUSALS: tuple = (
    ("371302", "临沂华盛板材有限公司", "拒绝协商", D(2017, 4, 10), D(2017, 5, 15), [],
     "企业收到职工方要约书后逾期未作书面答复", "区总工会下达《督促整改通知书》，指导员约谈企业负责人"),
    ("371302", "兰山区金诚物流有限公司", "变相拒绝协商", D(2017, 5, 18), D(2017, 6, 9), [],
     "企业以经营困难为由一再推迟协商，拒不提供工资支付资料", "指导员上门宣讲条例，责令限期提供资料"),
    ("371302", "临沂鑫源食品有限公司", "拒绝协商", D(2017, 3, 28), D(2017, 4, 28), [(D(2017, 4, 24), RECTIFIED)],
     "企业明确表示不参加工资集体协商", "联合人社部门约谈，企业同意启动协商"),
    ("371311", "罗庄区宏达陶瓷有限公司", "变相拒绝协商", D(2017, 4, 12), D(2017, 5, 10), [],
     "企业指派无决定权人员参加协商，协商流于形式", "发出整改提示函，要求法定代表人或授权代表参加"),
    ("371311", "临沂恒泰冶金有限公司", "拒绝协商", D(2017, 3, 20), D(2017, 4, 20), [(D(2017, 4, 24), ACCOUNTABLE)],
     "逾期不整改，拒绝与职工方协商", "移交人社部门劳动保障监察"),
    ("371312", "河东区东方机械有限公司", "变相拒绝协商", D(2017, 4, 5), D(2017, 5, 5), [(D(2017, 5, 2), RECTIFIED)],
     "协商中对职工方提出的工资增长幅度不予回应", "指导员列席协商，促成双方达成一致"),
    ("371321", "沂南县鲁源纺织有限公司", "拒绝协商", D(2017, 4, 25), D(2017, 5, 25), [],
     "企业拒收职工方要约书", "县总工会督促企业依法回应"),
    ("371323", "沂水县沂蒙建材有限公司", "拒绝协商", D(2017, 3, 30), D(2017, 4, 30), [(D(2017, 5, 6), EXPOSED)],
     "多次督促仍拒绝协商", "经批准在当地媒体曝光"),
    ("371324", "兰陵县华泰化工有限公司", "变相拒绝协商", D(2017, 4, 18), D(2017, 5, 20), [],
     "签订的合同未经职代会讨论通过", "责令重新履行民主程序"),
    ("371324", "兰陵县金鼎木业有限公司", "拒绝协商", D(2017, 5, 8), D(2017, 6, 15), [],
     "企业以无工会为由拒绝协商", "指导建立工会，由上级工会代行协商"),
    ("371325", "费县鑫达板业有限公司", "变相拒绝协商", D(2017, 4, 1), D(2017, 5, 1), [(D(2017, 4, 27), RECTIFIED)],
     "协商后拖延签字", "约谈后企业完成签订并报送审查"),
    ("371326", "平邑县康源食品有限公司", "拒绝协商", D(2017, 3, 25), D(2017, 4, 25), [(D(2017, 4, 28), ACCOUNTABLE)],
     "逾期未整改", "提请县协调劳动关系三方会议追究责任"),
    ("371327", "莒南县海润食品有限公司", "变相拒绝协商", D(2017, 5, 12), D(2017, 6, 5), [],
     "企业只同意协商福利，不谈工资", "指导员督促按条例协商工资事项"),
    ("371328", "蒙阴县果都罐头有限公司", "拒绝协商", D(2017, 4, 8), D(2017, 5, 8),
     [(D(2017, 5, 10), ACCOUNTABLE), (D(2017, 5, 20), EXPOSED)],
     "企业拒绝协商并辞退职工方首席代表", "追究责任后仍不纠正，予以媒体曝光"),
    ("KF02", "临沂恒昌电子有限公司", "变相拒绝协商", D(2017, 4, 20), D(2017, 5, 20), [(D(2017, 5, 16), RECTIFIED)],
     "企业提供的经营数据不实", "责令如实提供，重新协商"),
)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0))


def _phone(rng: random.Random) -> str:
    return rng.choice(("138", "139", "158", "186", "135")) + "".join(str(rng.randint(0, 9)) for _ in range(8))


def build(session: Session, campaign: Campaign, seed: int) -> None:
    from db.demo.common import GIVEN, SURNAMES  # the same name pool as the reports' clerks

    units = {u.code: u for u in session.scalars(select(Unit).where(Unit.code.in_(list(QUOTAS))))}
    stamp = _at(campaign.window_start, 9)
    for code, (required, staffed) in QUOTAS.items():
        unit = units[code]
        rng = random.Random(f"{seed}-action-{code}")
        session.add(InstructorQuota(campaign_id=campaign.id, unit_id=unit.id, required=required, updated_at=stamp,
                                    updated_by=ACTOR))
        people = []
        for k in range(staffed + (code in LEFT)):
            since = D(2017, 2, 20) + dt.timedelta(days=rng.randint(0, 20))
            person = Instructor(campaign_id=campaign.id, unit_id=unit.id, name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                                phone=_phone(rng), since=since, left_on=LEFT[code] if k == staffed else None,
                                created_at=_at(since), created_by=ACTOR)
            session.add(person)
            people.append(person)
        session.flush()
        _logs(session, campaign.id, unit, people, rng)
    dims = _scheme(session, campaign.id, stamp)
    _evaluations(session, campaign.id, units, dims, seed)
    _refusals(session, campaign.id, units)
    session.flush()


def _logs(session: Session, campaign_id: int, unit: Unit, people: list[Instructor], rng: random.Random) -> None:
    last = SILENT_AFTER.get(unit.code, LOGS_TO)
    busy = (0, 2) if unit.code == "371328" else (1, 4)
    monday = LOGS_FROM
    while monday <= last:
        for _ in range(rng.randint(*busy)):
            day = monday + dt.timedelta(days=rng.randint(0, 4))
            present = [p for p in people if p.since <= day and (p.left_on is None or p.left_on > day)]
            if day > last or not present:
                continue
            who = rng.choice(present)
            session.add(WorkLog(campaign_id=campaign_id, unit_id=unit.id, instructor_id=who.id, log_date=day,
                                activity=rng.choice(ACTIVITIES), enterprise=_enterprise(rng, unit),
                                note=rng.choice(ENTERPRISE_NOTES), created_at=_at(day, 17), created_by=ACTOR))
        monday += dt.timedelta(weeks=1)


def _enterprise(rng: random.Random, unit: Unit) -> str:
    place = unit.name if unit.kind == "县区" else "临沂"
    return f"{place}{rng.choice(NAME_PARTS)}{rng.choice(TRADES)}有限公司"


def _scheme(session: Session, campaign_id: int, stamp: dt.datetime) -> list[EvalDimension]:
    dims = [EvalDimension(campaign_id=campaign_id, name=name, weight=weight, scale_max=scale, sort_order=i,
                          active=True, updated_at=stamp, updated_by=ACTOR)
            for i, (name, weight, scale) in enumerate(DEFAULT_DIMENSIONS, start=1)]
    session.add_all(dims)
    session.flush()
    return dims


def _evaluate(session: Session, campaign_id: int, unit: Unit, day: dt.date, enterprise: str,
              rates: dict[str, float], dims: list[EvalDimension]) -> None:
    ev = Evaluation(campaign_id=campaign_id, unit_id=unit.id, enterprise=enterprise, eval_date=day, note="",
                    created_at=_at(day, 15), created_by=ACTOR)
    session.add(ev)
    session.flush()
    for d in dims:
        score = min(max(round(rates[d.name] * d.scale_max * 2) / 2, 0.0), d.scale_max)  # half points
        session.add(EvaluationScore(evaluation_id=ev.id, dimension_id=d.id, score=score, scale_max=d.scale_max))


def _evaluations(session: Session, campaign_id: int, units: dict[str, Unit], dims: list[EvalDimension],
                 seed: int) -> None:
    names = [d.name for d in dims]
    for code, unit in units.items():
        rng = random.Random(f"{seed}-eval-{code}")
        base = rng.uniform(0.72, 0.86)
        weak = WEAK.get(code) or rng.choice(names)
        bias = {n: rng.uniform(-0.04, 0.06) - (0.25 if n == weak else 0.0) for n in names}

        def rates(shift: float = 0.0, satisfaction: float = 0.0, bias=bias, base=base, rng=rng) -> dict[str, float]:
            return {n: base + bias[n] + shift + (satisfaction if n == SATISFACTION else 0.0) + rng.uniform(-0.03, 0.03)
                    for n in names}

        _evaluate(session, campaign_id, unit, UNIT_EVAL_DAY, "", rates(), dims)
        if unit.kind != "县区":
            continue
        firms = sorted({_enterprise(rng, unit) for _ in range(6)})[:2]
        for firm in firms:
            shift = rng.uniform(-0.05, 0.05)
            for month, day in enumerate(ENTERPRISE_EVAL_DAYS):
                _evaluate(session, campaign_id, unit, day, firm, rates(shift, -0.12 + 0.06 * month), dims)


def _refusals(session: Session, campaign_id: int, units: dict[str, Unit]) -> None:
    for code, firm, kind, found, deadline, moves, what, done in REFUSALS:
        status, status_at = URGING, _at(found)
        case = RefusalCase(campaign_id=campaign_id, unit_id=units[code].id, enterprise=firm, kind=kind,
                           occurred_on=found, description=what, intervention=done, deadline=deadline, status=URGING,
                           status_at=status_at, created_at=_at(found), created_by=ACTOR)
        session.add(case)
        session.flush()
        session.add(RefusalEvent(case_id=case.id, at=_at(found), actor=ACTOR, from_status=None, to_status=URGING,
                                 note=done))
        for day, new in moves:
            session.add(RefusalEvent(case_id=case.id, at=_at(day), actor=ACTOR, from_status=status, to_status=new,
                                     note=""))
            status, status_at = new, _at(day)
        case.status, case.status_at = status, status_at


def delete(session: Session, campaign_id: int) -> None:
    """Remove this module's demo rows of the demo campaign (called by `python -m db demo --reset`)."""
    case_ids = select(RefusalCase.id).where(RefusalCase.campaign_id == campaign_id).scalar_subquery()
    eval_ids = select(Evaluation.id).where(Evaluation.campaign_id == campaign_id).scalar_subquery()
    session.execute(sql_delete(RefusalEvent).where(RefusalEvent.case_id.in_(case_ids)))
    session.execute(sql_delete(RefusalCase).where(RefusalCase.campaign_id == campaign_id))
    session.execute(sql_delete(EvaluationScore).where(EvaluationScore.evaluation_id.in_(eval_ids)))
    session.execute(sql_delete(Evaluation).where(Evaluation.campaign_id == campaign_id))
    session.execute(sql_delete(EvalDimension).where(EvalDimension.campaign_id == campaign_id))
    session.execute(sql_delete(WorkLog).where(WorkLog.campaign_id == campaign_id))
    session.execute(sql_delete(Instructor).where(Instructor.campaign_id == campaign_id))
    session.execute(sql_delete(InstructorQuota).where(InstructorQuota.campaign_id == campaign_id))
