"""The only place metrics are computed. Every figure on screen comes from these functions.

All aggregation runs in SQL. A unit's state "as of" a date is its latest report dated on or
before that date, and of that report its highest version (corrections supersede, never overwrite).

Totals are the sum of the three rows of the attachment. That is not double counting: by the
notice's rule "单独开展企业"不计算被区域性、行业性协商覆盖的企业, the 单独开展企业 row excludes
enterprises already covered by 区域/行业 bargaining, so the three rows are disjoint by definition
and validation (domain/validation.py) keeps 单独开展企业 at one contract per enterprise.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from sqlalchemy import Date, Float, Integer, and_, bindparam, case, cast, func, literal, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from db.engine import column_rows
from db.models import AuditEvent, Campaign, Report, ReportLine, ReportTotal, Unit, UnitCampaign
from domain.kpis import same_day
from domain.measures import LINE_KINDS, MEASURES
from domain.metrics import CATALOGUE, RATES

# ---------------------------------------------------------------- building blocks


# The parameters of statements built once per shape (functools.lru_cache) and run with values: building
# and keying a statement in SQLAlchemy costs more than running a small one.
CAMPAIGN_ID = bindparam("campaign_id", type_=Integer)
AS_OF = bindparam("as_of", type_=Date)


def restrict(unit_id_column, within) -> tuple:
    """The where-clauses that keep `unit_id_column` inside `within` (a one-column select of unit ids,
    such as db.hierarchy.subtree_ids(area)); none when `within` is None (the whole installation)."""
    return () if within is None else (unit_id_column.in_(within),)


def _latest_versions(campaign_id: int, within=None):
    """(unit_id, report_date, version) of the current version of every report of the campaign
    (`within`: a one-column select of unit ids to restrict to)."""
    return (
        select(Report.unit_id, Report.report_date, func.max(Report.version).label("version"))
        .where(Report.campaign_id == campaign_id, *restrict(Report.unit_id, within))
        .group_by(Report.unit_id, Report.report_date)
        .subquery("latest_versions")
    )


def _current_report_ids(campaign_id: int, as_of: dt.date, within=None):
    """One report id per unit: its latest report dated <= as_of, current version.

    `within`: a one-column select of unit ids to restrict to (a subtree, db/hierarchy.py). Then each
    unit's report is picked by a correlated LIMIT 1 on the (campaign, unit, date, version) index:
    one short index scan per unit, and a row estimate the planner gets right. (The self-join below
    is estimated at a handful of rows; at 3,000 units PostgreSQL then nests loops over it and one
    national roll-up took 17 s instead of tens of milliseconds.)"""
    if within is not None:
        latest = (
            select(Report.id)
            .where(Report.campaign_id == campaign_id, Report.unit_id == Unit.id, Report.report_date <= as_of)
            .order_by(Report.report_date.desc(), Report.version.desc())
            .limit(1)
            .correlate(Unit)
            .scalar_subquery()
        )
        picked = select(latest.label("report_id")).select_from(Unit).where(Unit.id.in_(within)).subquery("picked")
        return (
            select(Report.id.label("report_id"), Report.unit_id, Report.report_date)
            .join(picked, picked.c.report_id == Report.id)
            .subquery("current_reports")
        )
    latest_date = (
        select(Report.unit_id, func.max(Report.report_date).label("report_date"))
        .where(Report.campaign_id == campaign_id, Report.report_date <= as_of)
        .group_by(Report.unit_id)
        .subquery("latest_date")
    )
    lv = _latest_versions(campaign_id)
    return (
        select(Report.id.label("report_id"), Report.unit_id, Report.report_date)
        .join(latest_date, and_(latest_date.c.unit_id == Report.unit_id, latest_date.c.report_date == Report.report_date))
        .join(lv, and_(lv.c.unit_id == Report.unit_id, lv.c.report_date == Report.report_date, lv.c.version == Report.version))
        .where(Report.campaign_id == campaign_id)
        .subquery("current_reports")
    )


def _ratio(num, den):
    return case((den > 0, cast(num, Float) / cast(den, Float)), else_=None)


def _rate_columns(c) -> list:
    """Every ratio metric of the catalogue (numerator ÷ denominator), from summed columns."""
    return [_ratio(c[m.numerator], c[m.denominator]).label(m.key) for m in CATALOGUE if m.is_ratio]


def _unit_totals(campaign_id: int, as_of: dt.date, within=None) -> Select:
    """Per unit of the campaign: baseline, targets, last report date and the nine summed measures.
    `within`: a one-column select of unit ids to restrict to (a subtree, db/hierarchy.py)."""
    cur = _current_report_ids(campaign_id, as_of, within)
    identity = (Unit.code, Unit.name, Unit.kind, Unit.adcode, Unit.sort_order, UnitCampaign.baseline_ents,
                UnitCampaign.baseline_workers, UnitCampaign.target_ents, UnitCampaign.target_workers)
    # One current report per unit, its lines already summed (report_total): no grouping here.
    sums = [func.coalesce(getattr(ReportTotal, m), 0).label(m) for m in MEASURES]
    return (
        select(*identity, cur.c.report_date.label("last_report_date"), *sums)
        .select_from(UnitCampaign)
        .join(Unit, Unit.id == UnitCampaign.unit_id)
        .outerjoin(cur, cur.c.unit_id == Unit.id)
        .outerjoin(ReportTotal, ReportTotal.report_id == cur.c.report_id)
        .where(UnitCampaign.campaign_id == campaign_id, *restrict(Unit.id, within))
    )


def _frame(session: Session, stmt: Select, params: dict | None = None) -> pd.DataFrame:
    rows = column_rows(session, stmt, params)
    # Plain tuples: given Row objects, pandas inspects every row for namedtuple fields (half the cost).
    return pd.DataFrame(list(map(tuple, rows)), columns=list(stmt.selected_columns.keys()))


def _date(value) -> dt.date | None:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


# ---------------------------------------------------------------- metrics


def unit_metrics(session: Session, campaign_id: int, as_of: dt.date) -> pd.DataFrame:
    """One row per unit: identity, baseline/targets, last_report_date, nine measures, five rates."""
    totals = _unit_totals(campaign_id, as_of).subquery("unit_totals")
    stmt = select(totals, *_rate_columns(totals.c)).order_by(totals.c.sort_order, totals.c.code)
    df = _frame(session, stmt)
    df["last_report_date"] = [_date(v) for v in df["last_report_date"]]
    # object dtype: pandas 3 would store the Nones of a list of strings as NaN (its str dtype)
    df["adcode"] = pd.Series([a if isinstance(a, str) and a else None for a in df["adcode"]], index=df.index, dtype=object)
    for m in MEASURES:
        df[m] = df[m].astype(int)
    for r in RATES:
        df[r] = df[r].astype(object).where(df[r].notna(), None)
    return df


def city_metrics(session: Session, campaign_id: int, as_of: dt.date) -> dict:
    """The city's nine measures, baseline, targets and rates (rates of the sums, not mean of rates)."""
    totals = _unit_totals(campaign_id, as_of).subquery("unit_totals")
    summed = select(
        *[
            func.coalesce(func.sum(totals.c[col]), 0).label(col)
            for col in (*MEASURES, "baseline_ents", "baseline_workers", "target_ents", "target_workers")
        ],
        func.count(totals.c.code).label("units"),
        func.count(totals.c.last_report_date).label("units_reported"),
    ).subquery("city")
    row = session.execute(select(summed, *_rate_columns(summed.c))).mappings().one()
    return {k: (int(v) if k not in RATES and v is not None else v) for k, v in row.items()}


def line_totals(session: Session, campaign_id: int, as_of: dt.date, unit_code: str | None = None) -> pd.DataFrame:
    """The attachment's three rows (单独开展企业 / 区域 / 行业) with nine measures, for the city or a unit.

    Always three rows in LINE_KINDS order (zeros where nothing was reported)."""
    within = None if unit_code is None else select(Unit.id).where(Unit.code == unit_code)  # one unit: its report only
    cur = _current_report_ids(campaign_id, as_of, within)
    stmt = (
        select(ReportLine.kind, *[func.sum(getattr(ReportLine, m)).label(m) for m in MEASURES])
        .join(cur, cur.c.report_id == ReportLine.report_id)
        .group_by(ReportLine.kind)
    )
    df = _frame(session, stmt).set_index("kind").reindex(list(LINE_KINDS)).fillna(0)
    return df.astype(int).reset_index()


def trend(session: Session, campaign_id: int, as_of: dt.date, unit_code: str | None = None, by_unit: bool = False):
    """Cumulative totals at every report date up to as_of (each unit at its latest report by then).

    City-wide by default; one unit with unit_code; every unit separately with by_unit=True.
    Columns: date, [code, name,] nine measures (ints), sorted by date[, code, name].

    The snapshot dates are the distinct report dates up to as_of (with unit_code: that unit's). SQL
    sums the lines of the current version of each (unit, report date) in one pass; the carrying
    forward ("a unit stands at its latest report on or before the date") is a walk over those rows.
    """
    one_unit = [] if unit_code is None else [Report.unit_id.in_(select(Unit.id).where(Unit.code == unit_code))]
    latest = (
        select(Report.unit_id, Report.report_date, func.max(Report.version).label("version"))
        .where(Report.campaign_id == campaign_id, Report.report_date <= as_of, *one_unit)
        .group_by(Report.unit_id, Report.report_date)
        .subquery("latest_versions")
    )
    stmt = (
        select(
            Unit.code,
            Unit.name,
            Report.report_date,
            *[func.coalesce(getattr(ReportTotal, m), 0).label(m) for m in MEASURES],
        )
        .select_from(Report)
        .join(
            latest,
            and_(
                latest.c.unit_id == Report.unit_id,
                latest.c.report_date == Report.report_date,
                latest.c.version == Report.version,
            ),
        )
        .join(Unit, Unit.id == Report.unit_id)
        .outerjoin(ReportTotal, ReportTotal.report_id == Report.id)  # a report without lines counts as zeros
        .where(Report.campaign_id == campaign_id, Report.report_date <= as_of)
        .order_by(Unit.code, Report.report_date)
    )
    if unit_code is not None:
        stmt = stmt.where(Unit.code == unit_code)
    reports = [(_date(d), code, name, values) for code, name, d, *values in session.execute(stmt)]
    # Units in the order the database sorts their codes (its collation, as ORDER BY code did before).
    rank = {code: i for i, code in enumerate(dict.fromkeys(code for _, code, _, _ in reports))}
    reports.sort(key=lambda r: (r[0], rank[r[1]]))

    rows: list[tuple] = []
    standing: list[tuple | None] = [None] * len(rank)  # per unit: (code, name, measures) of its latest report so far
    zeros = [0] * len(MEASURES)
    city = zeros  # the sum of `standing`, kept up to date report by report
    for i, (date, code, name, values) in enumerate(reports):
        before = standing[rank[code]]
        standing[rank[code]] = (code, name, values)
        if not by_unit:
            city = [c + v - b for c, v, b in zip(city, values, before[2] if before else zeros, strict=True)]
        if i + 1 < len(reports) and reports[i + 1][0] == date:
            continue  # take in every report of this date first
        if by_unit:
            rows += [(date, *u[:2], *u[2]) for u in standing if u is not None]
        else:
            rows.append((date, *city))
    df = pd.DataFrame(rows, columns=["date", *(["code", "name"] if by_unit else []), *MEASURES])
    df["date"] = [_date(v) for v in df["date"]]  # the dtypes trend() has always had, empty frames included
    for m in MEASURES:
        df[m] = df[m].astype(int)
    return df


def report_history(session: Session, campaign_id: int, unit_code: str) -> pd.DataFrame:
    """Every version of every report of one unit, newest first, with totals and whether it is current."""
    lv = _latest_versions(campaign_id, select(Unit.id).where(Unit.code == unit_code))
    is_current = case((Report.version == lv.c.version, literal(True)), else_=literal(False)).label("is_current")
    stmt = (
        select(
            Report.id,
            Report.report_date,
            Report.version,
            Report.submitted_at,
            Report.submitted_by,
            Report.leader,
            Report.filled_by,
            Report.filled_on,
            Report.source,
            Report.is_correction,
            Report.reason,
            Report.warnings,
            is_current,
            *[getattr(ReportTotal, m).label(m) for m in MEASURES],
        )
        .join(Unit, Unit.id == Report.unit_id)
        .join(lv, and_(lv.c.unit_id == Report.unit_id, lv.c.report_date == Report.report_date))
        .join(ReportTotal, ReportTotal.report_id == Report.id)
        .where(Report.campaign_id == campaign_id, Unit.code == unit_code)
        .order_by(Report.report_date.desc(), Report.version.desc())
    )
    df = _frame(session, stmt)
    df["report_date"] = [_date(v) for v in df["report_date"]]
    df["filled_on"] = [_date(v) for v in df["filled_on"]]
    df["warnings"] = [json.loads(w) for w in df["warnings"]]
    df["is_current"] = df["is_current"].astype(bool)
    return df


# ---------------------------------------------------------------- lookups


def campaigns(session: Session) -> list[dict]:
    """All campaigns, newest year first; with report counts and the last report date."""
    keys = _CAMPAIGNS.selected_columns.keys()
    return [dict(zip(keys, row)) for row in column_rows(session, _CAMPAIGNS)]


# Statements of the lookups every page makes, built once.
_CAMPAIGNS = (
    select(
        Campaign.id,
        Campaign.name,
        Campaign.year,
        Campaign.is_demo,
        Campaign.window_start,
        Campaign.window_end,
        Campaign.cutoff_date,
        Campaign.deadline,
        # Per campaign, on the (campaign_id, report_date) index: count(*) counts its entries without
        # reading a row (count(id) made PostgreSQL fetch each id), max is one seek to the last.
        select(func.count()).where(Report.campaign_id == Campaign.id).scalar_subquery().label("reports"),
        select(func.max(Report.report_date)).where(Report.campaign_id == Campaign.id).scalar_subquery()
        .label("last_report_date"),
    )
    .order_by(Campaign.year.desc(), Campaign.id.desc())
)


def campaign(session: Session, campaign_id: int) -> dict | None:
    return next((c for c in campaigns(session) if c["id"] == campaign_id), None)


def default_campaign(campaigns: list[dict]) -> dict | None:
    """The newest campaign that has reports, else the newest campaign."""
    with_reports = [c for c in campaigns if c["reports"]]
    return (with_reports or campaigns or [None])[0]


def default_as_of(campaign: dict | None, dates: list[dt.date], today: dt.date) -> dt.date | None:
    """Today while the campaign runs (so silence shows as days without a report), else its last report."""
    if campaign and campaign["window_start"] <= today <= campaign["deadline"]:
        return today
    return dates[-1] if dates else None


def previous_campaign(session: Session, campaign_id: int) -> dict | None:
    """The campaign before this one: the latest whose window ends before this one's starts, with its
    report count. "Same installation" is this database; a demo campaign's previous one is a demo
    campaign and a real one's a real one, so real figures are never set against made-up ones.
    None for the first campaign (or an unknown id)."""
    found = _previous_and_start(session, campaign_id)
    return None if found is None else found[0]


def _previous_and_start(session: Session, campaign_id: int) -> tuple[dict, dt.date] | None:
    """(previous_campaign, this campaign's window_start) from one statement; None without a previous one."""
    rows = column_rows(session, _PREVIOUS, {"campaign_id": campaign_id})
    if not rows:
        return None
    out = dict(rows[0]._mapping)
    start = out.pop("this_start")
    for k in ("window_start", "window_end", "cutoff_date", "deadline"):
        out[k] = _date(out[k])
    return out, _date(start)


def _previous_statement():
    this = select(Campaign.window_start, Campaign.is_demo).where(Campaign.id == CAMPAIGN_ID).subquery("this")
    reports = select(func.count()).where(Report.campaign_id == Campaign.id).correlate(Campaign).scalar_subquery()
    return (
        select(Campaign.id, Campaign.name, Campaign.year, Campaign.is_demo, Campaign.window_start, Campaign.window_end,
               Campaign.cutoff_date, Campaign.deadline, reports.label("reports"), this.c.window_start.label("this_start"))
        .join(this, and_(Campaign.window_end < this.c.window_start, Campaign.is_demo == this.c.is_demo))
        .order_by(Campaign.window_end.desc(), Campaign.id.desc())
        .limit(1)
    )


_PREVIOUS = _previous_statement()


def same_day_last_year(session: Session, campaign_id: int, as_of: dt.date) -> tuple[dict, dt.date] | None:
    """(previous campaign, the day of its window matching `as_of`: domain.kpis.same_day), or None when
    there is no previous campaign or it has no report at all (a 同期 of zeros would only mislead).

    Callers compute whatever figures they show on that day: `city_metrics(s, prev["id"], day)`, one
    unit's row of `unit_metrics`, or an area's totals."""
    found = _previous_and_start(session, campaign_id)  # no previous campaign: this one's start is not needed
    if found is None or not found[0]["reports"]:
        return None
    prev, start = found
    return prev, same_day(as_of, start, prev["window_start"], prev["window_end"])


def last_year_city(session: Session, campaign_id: int, as_of: dt.date) -> dict | None:
    """同期 for the whole city: {"campaign", "date", "figures"} with figures as `city_metrics` on
    the matching day of the previous campaign; None without one."""
    found = same_day_last_year(session, campaign_id, as_of)
    if found is None:
        return None
    prev, day = found
    return {"campaign": prev, "date": day, "figures": city_metrics(session, prev["id"], day)}


def last_year_unit(session: Session, campaign_id: int, as_of: dt.date, unit_code: str) -> dict | None:
    """同期 for one unit: as `last_year_city`, figures one row of `unit_metrics` as a dict. None without
    a previous campaign, or when the unit was not part of it (no baseline then)."""
    found = same_day_last_year(session, campaign_id, as_of)
    if found is None:
        return None
    prev, day = found
    units = unit_metrics(session, prev["id"], day)
    mine = units[units["code"] == unit_code]
    if mine.empty:
        return None
    return {"campaign": prev, "date": day, "figures": mine.iloc[0].to_dict()}


def report_dates(session: Session, campaign_id: int) -> list[dt.date]:
    """The campaign's distinct report dates, in order."""
    return [_date(d) for (d,) in column_rows(session, _REPORT_DATES, {"campaign_id": campaign_id})]


def _report_dates_statement():
    """A loose index scan: the first date, then from each date the next one (the least date after it),
    each one seek on the (campaign_id, report_date) index. At national scale that is 49 seeks where
    DISTINCT read all 38,556 reports (PostgreSQL has no skip scan; SQLite skips ahead by itself)."""
    days = select(func.min(Report.report_date).label("day")).where(Report.campaign_id == CAMPAIGN_ID)
    days = days.cte("days", recursive=True)
    later = select(func.min(Report.report_date)).where(Report.campaign_id == CAMPAIGN_ID, Report.report_date > days.c.day)
    days = days.union_all(select(later.scalar_subquery()).where(days.c.day.is_not(None)))
    return select(days.c.day).where(days.c.day.is_not(None)).order_by(days.c.day)


_REPORT_DATES = _report_dates_statement()


def unit(session: Session, code: str) -> dict | None:
    row = session.execute(select(Unit.code, Unit.name, Unit.kind, Unit.adcode).where(Unit.code == code)).mappings().first()
    return dict(row) if row else None


def report_figures(session: Session, report_ids: list[int]) -> dict[int, dict]:
    """Figures (kind -> measure -> int) of these report versions."""
    out: dict[int, dict] = {}
    if not report_ids:
        return out
    for line in session.scalars(select(ReportLine).where(ReportLine.report_id.in_(report_ids))):
        out.setdefault(line.report_id, {})[line.kind] = {m: getattr(line, m) for m in MEASURES}
    return out


# Audited actions that change what a dashboard shows (logins, refusals and exports do not).
DATA_ACTIONS = ("report.", "case.", "summary.", "file.", "instructor.", "worklog.", "eval.", "scheme.", "refusal.",
                "campaign.", "unit.", "baseline.", "snapshot.")


def data_version(session: Session) -> str:
    """A cheap fingerprint that changes whenever the data behind a dashboard changes: a report or campaign
    is added (reports are append-only; the demo writes them without audit events), or any audited write
    (review, case, work log, refusal, settings ...) happens. Open pages poll it to refresh, and the shared
    cache keys on it, so it runs on nearly every request: it is plain SQL text, which SQLAlchemy does not
    walk for a cache key on every execution as it does a Core statement (a third of a cached answer's time)."""
    return ":".join(str(v or 0) for v in session.execute(_DATA_VERSION_SQL).one())


# count(*), not count(id) (the same number: id is the primary key): SQLite answers a bare count(*) from
# the pages of the smallest index without visiting its entries (5 µs instead of 1.1 ms at 38,556
# reports); PostgreSQL still scans an index, without reading the ids.
_DATA_VERSION_SQL = text(
    f"SELECT (SELECT count(*) FROM {Report.__tablename__}), (SELECT max(id) FROM {Report.__tablename__}), "
    f"(SELECT count(*) FROM {Campaign.__tablename__}), (SELECT max(id) FROM {AuditEvent.__tablename__} WHERE "
    + " OR ".join(f"action LIKE '{prefix}%'" for prefix in DATA_ACTIONS) + ")"
)


def boundary_adcodes(session: Session) -> list[str]:
    """Adcodes of the county-level units drawn on the city map, sorted (areas above have their own
    prepared boundaries, dashboard/geo_areas.py)."""
    return list(session.scalars(select(Unit.adcode).where(Unit.adcode.is_not(None), Unit.level == "county")
                                .order_by(Unit.adcode)))
