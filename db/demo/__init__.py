"""A synthetic 2017 campaign for demonstrations: weekly cumulative reports for every 临沂 unit.

Everything is submitted through `store.submit_in` (source "demo"), so the demo passes the same
validation as a clerk's table. Figures come from a small contract-level simulation: each unit
launches with a batch of offers (集中要约) and keeps offering over the season, signs most offers a
couple of weeks later and files (审查备案) them later still; a report's cumulative figures are the
sums of the contracts offered, signed and filed by its report date. Summing whole contracts keeps
every rule true by construction: cumulative figures never fall, signed <= offered, filed <= signed,
one enterprise per 单独开展企业 contract, at least one worker per covered enterprise.

Deterministic: fixed timestamps, and one `random.Random` per unit seeded from (seed, unit code) so
that retuning one unit's profile leaves the others' figures unchanged. A few units lag on purpose
(PROFILES) so the dashboard has something to explain.

Beside it, a 2016 campaign (PREVIOUS_NAME) for 同期: same units and lagging profiles, one year earlier,
with targets PREVIOUS_TARGETS of 2017's (so somewhat lower figures), reports only (no corrections, cases
or follow-up). It is built after the 2017 one, so the 2017 demo keeps its campaign id and stays the
default (newest) campaign; `--reset` deletes both.
"""

from __future__ import annotations

import datetime as dt
import importlib
import random
import time
from dataclasses import dataclass, replace

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from db.admin import presets
from db.demo.common import GIVEN, SURNAMES, DemoError, delete_demo_campaign
from db.engine import write_session
from db.models import Campaign, Report, Unit, UnitCampaign
from db.submission import store
from domain.measures import INDUSTRY, LINE_KINDS, MEASURES, REGIONAL, SINGLE, STAGES, measure
from domain.metrics import label as metric_label
from domain.validation import Submission

DEMO_NAME = "2017年工资集体协商“集中要约”行动（演示数据）"
DEMO_YEAR = 2017
DEMO_CREATED_AT = dt.datetime(2017, 3, 7, 9, 0)  # the founding notice's date, not the build time
FINAL = dt.date(2017, 5, 31)  # 统计截止
PREVIOUS_NAME = "2016年工资集体协商“集中要约”行动（演示数据）"
PREVIOUS_YEAR = 2016
PREVIOUS_TARGETS = 0.85  # 2016's targets (and baselines PREVIOUS_BASELINES) against 2017's
PREVIOUS_BASELINES = 0.96


@dataclass(frozen=True)
class Profile:
    """How a unit behaves over the campaign. `story` says, in Chinese, what the dashboard should show."""

    story: str
    attainment: tuple[float, float] = (0.95, 1.25)  # signed enterprises at the cut-off / target_ents
    filing: float = 0.93  # share of signed contracts that are ever filed (审查备案)
    filing_lag: tuple[int, int] = (5, 20)  # days from signing to filing
    start: tuple[int, int] = (2, 10)  # days after window_start of the unit's 集中要约 launch
    launch: tuple[float, float] = (0.3, 0.45)  # share of offers sent at the launch itself
    shape: tuple[float, float] = (1.6, 3.0)  # beta distribution of the other offer days (launch..cut-off)
    signing: tuple[int, int] = (14, 21)  # days from launch to the first signing ceremony (集中签约)
    first_filing: tuple[int, int] = (10, 16)  # days from that ceremony to the first batch filed
    late: float = 0.12  # share of weekly reports dated a few days after the Friday
    skip: float = 0.06  # share of weekly reports skipped
    until: dt.date | None = None  # reports nothing after this date (stopped reporting)
    only: tuple[dt.date, ...] | None = None  # reports on these dates only
    never: bool = False  # never reports


NORMAL = Profile("按期推进，截止时达到或超过目标")

# The deliberately lagging units, each lagging in its own way.
PROFILES: dict[str, Profile] = {
    "371324": Profile(f"兰陵县：签订不少，但审查备案严重滞后（{metric_label('filing_rate')}低）", filing=0.32, filing_lag=(10, 35)),
    "371328": Profile(
        "蒙阴县：起步晚、推进慢，截止时签订覆盖企业不足目标六成",
        attainment=(0.42, 0.5),
        start=(18, 26),
        launch=(0.1, 0.2),
        shape=(2.2, 1.8),
        skip=0.15,
    ),
    "371326": Profile("平邑县：5月中旬起停报（5月19日后无报表）", until=dt.date(2017, 5, 12), late=0.5),
    "371323": Profile("沂水县：经常迟报，报表日期多拖后几天", late=0.8),
    "KF03": Profile("临港经济开发区：始终未报送", never=True),
    "SZ05": Profile("中直省直驻临单位：全程只报送两次", only=(dt.date(2017, 4, 7), FINAL)),
}


@dataclass(frozen=True)
class Mix:
    """How a unit's covered enterprises split between the three rows, and how big they are."""

    shares: dict[str, float]  # line kind -> share of covered enterprises
    single_workers: tuple[int, int, int]  # triangular(low, high, mode) workers per 单独开展 enterprise


# Looked up by unit code first, then by unit kind. Region/industry contracts cover many small firms;
# the city-level systems are a few large employers bargaining one by one.
MIXES: dict[str, Mix] = {
    "县区": Mix({SINGLE: 0.08, REGIONAL: 0.58, INDUSTRY: 0.34}, (60, 360, 100)),
    "开发区": Mix({SINGLE: 0.20, REGIONAL: 0.44, INDUSTRY: 0.36}, (80, 400, 120)),
    "旅游区": Mix({SINGLE: 0.12, REGIONAL: 0.62, INDUSTRY: 0.26}, (60, 200, 80)),
    "SZ01": Mix({SINGLE: 0.04, REGIONAL: 0.60, INDUSTRY: 0.36}, (80, 300, 100)),  # 临沂商城: 市场片区 + 行业
    "SZ02": Mix({SINGLE: 1.0}, (500, 2400, 900)),  # 临沂矿业集团: mines with thousands of workers
    "SZ03": Mix({SINGLE: 0.45, INDUSTRY: 0.55}, (100, 500, 180)),
    "SZ04": Mix({SINGLE: 1.0}, (300, 2200, 700)),  # 大企业
    "SZ05": Mix({SINGLE: 1.0}, (80, 600, 180)),
    "SZ06": Mix({SINGLE: 1.0}, (800, 2500, 1200)),  # 大专院校
    "SZ07": Mix({SINGLE: 1.0}, (60, 250, 120)),
    "市直系统": Mix({SINGLE: 1.0}, (80, 400, 150)),
}

# Enterprises per group contract and workers per covered enterprise, triangular(low, high, mode).
GROUP_ENTS = {REGIONAL: (20, 80, 35), INDUSTRY: (10, 50, 20)}
GROUP_WORKERS_PER_ENT = {REGIONAL: (15, 50, 25), INDUSTRY: (20, 70, 35)}
SIGN_LAG = {SINGLE: (7, 21), REGIONAL: (10, 28), INDUSTRY: (10, 28)}  # days from offer to signing
STALLED = 0.06  # offers that never lead to a contract

# A few (unit, date) reports get a second version. The first version had one figure too low
# (never too high), so every neighbouring report stays valid whichever version it was checked against.
CORRECTIONS = (
    (INDUSTRY, "signed_workers", "复核发现行业合同覆盖职工数录入有误"),
    (REGIONAL, "filed_copies", "人社部门审查备案回执补齐，更正区域合同审查备案数"),
    (SINGLE, "offer_workers", "复核发现单独开展企业要约覆盖职工数少计"),
    (REGIONAL, "signed_ents", "区域合同覆盖企业数重复剔除有误，予以更正"),
)


@dataclass(frozen=True)
class DemoSummary:
    campaign_id: int
    reports: int  # distinct (unit, report date)
    versions: int  # report rows, corrections included
    corrections: int
    never_reported: tuple[str, ...]  # unit codes with a baseline but no report
    built: bool  # False: the demo already had reports and nothing was written
    seconds: float = 0.0
    previous_id: int | None = None  # the 2016 campaign (同期), when there is one
    previous_reports: int = 0

    def __str__(self) -> str:  # what the CLI prints
        return self.describe()

    def describe(self) -> str:
        head = "已生成演示数据" if self.built else "演示数据已存在，未重复生成（如需重建请加 --reset）"
        never = "、".join(self.never_reported) or "无"
        previous = (f"，{PREVIOUS_YEAR} 年同期对比行动编号 {self.previous_id}（报表 {self.previous_reports} 份）"
                    if self.previous_id is not None else "")
        return (
            f"{head}：行动编号 {self.campaign_id}，报表 {self.reports} 份，版本 {self.versions} 个，"
            f"更正 {self.corrections} 次，始终未报送单位 {never}{previous}，用时 {self.seconds:.2f} 秒"
        )


# Modules that add demo data of their own (cases, staffing, snapshots ...). Each has
#   build(session, campaign, seed) -> None   called after the demo reports are stored, same transaction
#   delete(session, campaign_id) -> None     called by --reset before the demo campaign is deleted;
#                                            use db.demo.common.append_only_lifted(session, tables) for append-only tables
DEMO_EXTENSIONS: tuple[str, ...] = ("db.demo.cases", "db.demo.snapshot_reset", "db.demo.review", "db.demo.admin", "db.demo.followup", "db.demo.snapshots",)


def _extensions():
    return [importlib.import_module(name) for name in DEMO_EXTENSIONS]


def build_demo(engine: Engine, *, reset: bool = False, seed: int = 2017) -> DemoSummary:
    """Create the demo campaign and its reports in one write transaction.

    Without `reset`, a demo campaign that already has reports is left alone (idempotent).
    With `reset`, the demo campaign and only its reports are deleted first (see `_delete_demo`);
    real campaigns and their reports are never touched.
    """
    started = time.perf_counter()
    preset = presets.read_preset()
    spec = _spec(preset)
    with write_session(engine) as session:
        if reset:
            _delete_demo(session)
        presets.load_units(session, preset)
        campaign = session.scalar(select(Campaign).where(Campaign.name == DEMO_NAME))
        if campaign is not None and not campaign.is_demo:
            raise DemoError(f"已有同名的正式行动“{DEMO_NAME}”，不能作为演示数据使用")
        if campaign is not None and session.scalar(select(Report.id).where(Report.campaign_id == campaign.id).limit(1)):
            return replace(_summary(session, campaign.id, built=False), seconds=time.perf_counter() - started)
        if campaign is None:
            campaign = presets.ensure_campaign(session, spec, name=DEMO_NAME, is_demo=True)
            campaign.created_at = DEMO_CREATED_AT  # same content every run
        for sub, now in _submissions(session, campaign, seed):
            store.submit_in(session, sub, now)
        for ext in _extensions():
            ext.build(session, campaign, seed)
        _build_previous(session, spec, seed)
        summary = _summary(session, campaign.id, built=True)
    return replace(summary, seconds=time.perf_counter() - started)


def _spec(preset: dict) -> dict:
    for spec in preset["campaigns"]:
        if spec["year"] == DEMO_YEAR:
            return spec
    raise DemoError(f"预置文件中没有 {DEMO_YEAR} 年的行动")


# --- reset -------------------------------------------------------------------------------------


def _delete_demo(session: Session) -> None:
    """Delete the demo campaign, its baselines and its reports, nothing else.

    report and report_line refuse DELETE through triggers (the append-only guarantee for real
    data). Demo rows are not real reports, so the triggers are lifted for this one transaction:
    other connections never see them missing (PostgreSQL's ALTER TABLE holds an exclusive lock
    until commit; SQLite's write lock is taken by BEGIN IMMEDIATE), and any failure rolls the DDL
    back with everything else. Cheaper and safer than downgrading the schema, which would also
    wipe real campaigns.
    """
    def extensions_first(campaign_id: int) -> None:
        for ext in reversed(_extensions()):
            ext.delete(session, campaign_id)

    delete_demo_campaign(session, DEMO_NAME, before=extensions_first)
    delete_demo_campaign(session, PREVIOUS_NAME)  # reports only: no extension data


# --- the 2016 campaign (同期) ---------------------------------------------------------------------


def _year_earlier(d: dt.date) -> dt.date:
    return d.replace(year=d.year - 1)  # the windows run March to June: no 29 February to fall on


def _previous_spec(spec: dict) -> dict:
    """2017's campaign one year earlier: dates a year back, baselines and targets somewhat lower."""
    dates = {k: _year_earlier(dt.date.fromisoformat(spec[k])).isoformat()
             for k in ("window_start", "window_end", "cutoff_date", "deadline")}
    baselines = {
        code: {"ents": round(b["ents"] * PREVIOUS_BASELINES), "workers": round(b["workers"] * PREVIOUS_BASELINES),
               "target_ents": round(b["target_ents"] * PREVIOUS_TARGETS),
               "target_workers": round(b["target_workers"] * PREVIOUS_TARGETS)}
        for code, b in spec["baselines"].items()
    }
    return {**spec, **dates, "year": PREVIOUS_YEAR, "baselines": baselines}


def _previous_profiles() -> dict[str, Profile]:
    """The same units lag the same way in 2016, on the same days of their window."""
    return {code: replace(p, until=p.until and _year_earlier(p.until),
                          only=p.only and tuple(_year_earlier(d) for d in p.only))
            for code, p in PROFILES.items()}


def _build_previous(session: Session, spec: dict, seed: int) -> None:
    """The 2016 demo campaign and its reports (through validation, as 2017's), for 同期."""
    campaign = session.scalar(select(Campaign).where(Campaign.name == PREVIOUS_NAME))
    if campaign is not None and not campaign.is_demo:
        raise DemoError(f"已有同名的正式行动“{PREVIOUS_NAME}”，不能作为演示数据使用")
    if campaign is None:
        campaign = presets.ensure_campaign(session, _previous_spec(spec), name=PREVIOUS_NAME, is_demo=True)
        campaign.created_at = DEMO_CREATED_AT.replace(year=PREVIOUS_YEAR)
    elif session.scalar(select(Report.id).where(Report.campaign_id == campaign.id).limit(1)):
        return
    for sub, now in _submissions(session, campaign, seed - 1, _previous_profiles(), corrections=False):
        store.submit_in(session, sub, now)


# --- simulation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contract:
    kind: str
    ents: int
    workers: int
    offered: dt.date
    signed: dt.date | None  # None: still negotiating or stalled
    filed: dt.date | None


@dataclass
class Planned:
    """One submission to make, in submitted_at order."""

    sub: Submission
    now: dt.datetime
    sort_order: int
    figures: dict[str, dict[str, int]]  # the true figures (a correction's first version differs)


def _submissions(session: Session, campaign: Campaign, seed: int, profiles: dict[str, Profile] = PROFILES,
                 corrections: bool = True) -> list[tuple[Submission, dt.datetime]]:
    """Every demo submission (originals and, with `corrections`, corrections) in the order they are submitted."""
    rows = session.execute(
        select(Unit, UnitCampaign)
        .join(UnitCampaign, UnitCampaign.unit_id == Unit.id)
        .where(UnitCampaign.campaign_id == campaign.id)
        .order_by(Unit.sort_order, Unit.code)
    ).all()
    schedule = _schedule(campaign.window_start, campaign.cutoff_date)
    planned: list[Planned] = []
    originals: list[tuple[Planned, Planned | None]] = []  # (report, the unit's previous report)
    for unit, uc in rows:
        rng = random.Random(f"{seed}-{unit.code}")
        profile = profiles.get(unit.code, NORMAL)
        contracts = _contracts(rng, unit, uc, profile, campaign.window_start, campaign.cutoff_date)
        leader, clerks = _name(rng), (_name(rng), _name(rng))
        previous: Planned | None = None
        last_at = dt.datetime.combine(campaign.window_start, dt.time(0))
        for day in _report_dates(rng, profile, schedule):
            filled_on = day + dt.timedelta(days=rng.randint(1, 3 if day == campaign.cutoff_date else 2))
            at = dt.datetime.combine(filled_on, dt.time(rng.randint(8, 17), rng.randint(0, 59)))
            now = last_at = max(at, last_at + dt.timedelta(hours=1))  # a unit's reports arrive in date order
            figures = _figures(contracts, day)
            sub = Submission(
                campaign_id=campaign.id,
                unit_code=unit.code,
                report_date=day,
                lines=figures,
                leader=leader,
                filled_by=clerks[1] if rng.random() < 0.1 else clerks[0],
                filled_on=filled_on,
                source="demo",
            )
            plan = Planned(sub, now, unit.sort_order, figures)
            planned.append(plan)
            if unit.code not in profiles and previous is not None:
                originals.append((plan, previous))
            previous = plan
    if corrections:
        planned += _corrections(random.Random(seed), originals)
    planned.sort(key=lambda p: (p.now, p.sort_order, p.sub.is_correction))
    return [(p.sub, p.now) for p in planned]


def _schedule(window_start: dt.date, cutoff: dt.date) -> list[dt.date]:
    """Every Friday of the window before the cut-off, then the cut-off itself."""
    first = window_start + dt.timedelta(days=(4 - window_start.weekday()) % 7)
    fridays = [first + dt.timedelta(weeks=k) for k in range((cutoff - first).days // 7 + 1)]
    return [d for d in fridays if d < cutoff] + [cutoff]


def _report_dates(rng: random.Random, profile: Profile, schedule: list[dt.date]) -> list[dt.date]:
    if profile.never:
        return []
    if profile.only is not None:
        return [d for d in schedule if d in profile.only]
    dates = []
    for i, day in enumerate(schedule):
        final = i == len(schedule) - 1
        if profile.until is not None and day > profile.until:
            break
        if not final and rng.random() < profile.skip:
            continue
        if not final and rng.random() < profile.late:
            # Dated a few days late (Saturday to Tuesday), always before the next scheduled date.
            day = min(day + dt.timedelta(days=rng.choice((1, 3, 4))), schedule[i + 1] - dt.timedelta(days=1))
        dates.append(day)
    return dates


def _contracts(
    rng: random.Random, unit: Unit, uc: UnitCampaign, profile: Profile, start: dt.date, cutoff: dt.date
) -> list[Contract]:
    """Offers until the signed-by-cut-off enterprises reach the unit's goal, row by row.

    A unit launches with a batch of offers (集中要约), signs its first contracts together at a
    ceremony a few weeks later and gets a first batch filed after that; the rest follow one by
    one. Starting each stage with a batch rather than a trickle keeps week-on-week growth within
    what validation accepts without an "增幅异常" warning.
    """
    mix = MIXES.get(unit.code) or MIXES[unit.kind]
    goal = uc.target_ents * rng.uniform(*profile.attainment)
    launch = start + dt.timedelta(days=rng.randint(*profile.start))
    ceremony = launch + dt.timedelta(days=rng.randint(*profile.signing))
    first_filed = ceremony + dt.timedelta(days=rng.randint(*profile.first_filing))
    at_launch = rng.uniform(*profile.launch)
    span = (cutoff - launch).days - 7  # offers of the last week cannot be signed in time
    contracts: list[Contract] = []
    for kind in LINE_KINDS:
        kind_goal = round(goal * mix.shares.get(kind, 0.0))
        signed_ents = 0
        while signed_ents < kind_goal:
            if kind == SINGLE:
                ents = 1
                workers = round(rng.triangular(*mix.single_workers))
            else:
                low, high, mode = GROUP_ENTS[kind]
                # The last contracts only need to cover what is left of the goal.
                ents = min(round(rng.triangular(low, high, mode)), max(low, kind_goal - signed_ents))
                workers = round(ents * rng.triangular(*GROUP_WORKERS_PER_ENT[kind]))
            offered = launch
            if rng.random() >= at_launch:
                offered += dt.timedelta(days=int(rng.betavariate(*profile.shape) * span))
            signed = filed = None
            if rng.random() >= STALLED:
                signed = max(offered + dt.timedelta(days=rng.randint(*SIGN_LAG[kind])), ceremony)
                if rng.random() < profile.filing:
                    filed = max(signed + dt.timedelta(days=rng.randint(*profile.filing_lag)), first_filed)
            if signed is not None and signed <= cutoff:
                signed_ents += ents
            contracts.append(Contract(kind, ents, workers, offered, signed, filed))
    return contracts


def _figures(contracts: list[Contract], day: dt.date) -> dict[str, dict[str, int]]:
    """Cumulative figures on `day`: sums over the contracts offered, signed and filed by then."""
    figures = {kind: dict.fromkeys(MEASURES, 0) for kind in LINE_KINDS}
    for c in contracts:
        row = figures[c.kind]
        for stage, when in zip(STAGES, (c.offered, c.signed, c.filed), strict=True):
            if when is not None and when <= day:
                row[measure(stage, "copies")] += 1
                row[measure(stage, "ents")] += c.ents
                row[measure(stage, "workers")] += c.workers
    return figures


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


# --- corrections -------------------------------------------------------------------------------


def _corrections(rng: random.Random, originals: list[tuple[Planned, Planned | None]]) -> list[Planned]:
    """Turn a few reports into a too-low first version plus a correcting second version."""
    candidates = originals[:]
    rng.shuffle(candidates)
    used: set[str] = set()
    made: list[Planned] = []
    for kind, m, reason in CORRECTIONS:
        for plan, previous in candidates:
            if plan.sub.unit_code in used:
                continue
            true = plan.figures[kind][m]
            low = _lower_bound(plan.figures, previous.figures if previous else None, kind, m)
            if true - low < 2:
                continue
            wrong = max(low, true - max(1, round(true * rng.uniform(0.03, 0.12))))
            first_lines = {k: dict(v) for k, v in plan.figures.items()}
            first_lines[kind][m] = wrong
            plan.sub = replace(plan.sub, lines=first_lines)
            later = plan.now + dt.timedelta(days=rng.randint(2, 5), hours=rng.randint(0, 6))
            made.append(
                Planned(
                    replace(plan.sub, lines=plan.figures, filled_on=later.date(), is_correction=True, reason=reason),
                    later,
                    plan.sort_order,
                    plan.figures,
                )
            )
            used.add(plan.sub.unit_code)
            break
    return made


def _lower_bound(figures: dict, previous: dict | None, kind: str, m: str) -> int:
    """The lowest value cell (kind, m) can take with every other cell unchanged and all rules kept."""
    stage, part = m.split("_")
    row = figures[kind]
    bounds = [previous[kind][m] if previous else 0]
    later = STAGES.index(stage) + 1
    if later < len(STAGES):
        bounds.append(row[measure(STAGES[later], part)])  # signed <= offered, filed <= signed
    if part == "workers":
        bounds.append(row[measure(stage, "ents")])  # workers >= ents (> 0 whenever ents > 0)
    if part == "ents":
        bounds.append(row[measure(stage, "copies")])  # a contract covers at least one enterprise
    if kind == SINGLE and part in ("copies", "ents"):
        bounds.append(row[m])  # copies == ents for 单独开展企业: leave both alone
    return max(bounds)


# --- summary -----------------------------------------------------------------------------------


def _summary(session: Session, campaign_id: int, *, built: bool) -> DemoSummary:
    of_campaign = Report.campaign_id == campaign_id
    reporting = select(Report.unit_id).where(of_campaign)
    keys = select(Report.unit_id, Report.report_date).where(of_campaign).distinct().subquery()
    previous = session.scalar(select(Campaign.id).where(Campaign.name == PREVIOUS_NAME, Campaign.is_demo))
    never = session.scalars(
        select(Unit.code)
        .join(UnitCampaign, UnitCampaign.unit_id == Unit.id)
        .where(UnitCampaign.campaign_id == campaign_id, Unit.id.not_in(reporting))
        .order_by(Unit.sort_order, Unit.code)
    ).all()
    return DemoSummary(
        campaign_id=campaign_id,
        reports=session.scalar(select(func.count()).select_from(keys)),
        versions=session.scalar(select(func.count(Report.id)).where(of_campaign)),
        corrections=session.scalar(select(func.count(Report.id)).where(of_campaign, Report.version > 1)),
        never_reported=tuple(never),
        built=built,
        previous_id=previous,
        previous_reports=session.scalar(
            select(func.count()).select_from(
                select(Report.unit_id, Report.report_date).where(Report.campaign_id == previous).distinct().subquery()
            )
        ) if previous is not None else 0,
    )
