"""The unit tree (全国 → 省 → 市 → 县区) and roll-ups of the campaign figures up it, in SQL.

An *area* is any unit that has children (a nation, province or city unit), or the implicit root
(`area_id=None`): the whole installation. A one-city installation such as 临沂 stores no city unit;
its units are roots, the city is the implicit root, and every function here treats `None` as it.

The tree is `unit.parent_id` (indexed). A subtree is walked by a recursive CTE that carries, for
every unit below an area, the child of the area it descends from (`top_id`), so that one query
returns either the area's totals or one row per child with the child's subtree totals. It is
always in step with parent_id (nothing derived to maintain) and takes a few milliseconds at 3,569
units (benchmarks/hierarchy.py). UNION, not UNION ALL: a cycle, which the unit admin refuses
anyway, cannot make it loop.

Figures are those of db/queries.py: each unit at its latest report on or before `as_of`, current
version, the three rows summed (report_total: summed once by the database when the lines are
written, migration 0011). Summing over a subtree keeps the notice's rule that 单独开展企业
are counted once: that row already excludes enterprises covered by 区域/行业 bargaining (within the
unit that reports them), units do not overlap, so the sums of the three rows stay disjoint at
every level and nothing is subtracted or deduplicated on the way up.

Entry points (all take a Session and return plain values or DataFrames):
    view(session, campaign, as_of, area_id, parts)  the area at a date in one statement: children,
                                            totals, three rows and the 待审核 count (below, each
                                            alone, is view() with one part)
    area(session, key)                      an Area by unit id, adcode or code (None: the root)
    ancestors(session, area_id)             root-first path for breadcrumbs (全国 › 山东省 › 临沂市)
    children(session, area_id)              the child units, in display order
    area_totals(session, campaign, as_of, area_id)    one dict, the keys of queries.city_metrics
    child_metrics(session, campaign, as_of, area_id)  one row per child, the columns of
                                                      queries.unit_metrics plus id, level, units,
                                                      units_reported, stalest_report_date
    area_line_totals(session, campaign, as_of, area_id)  the attachment's three rows for the area
    child_trend(session, campaign, as_of, area_id)  per child, cumulative totals at every report
                                                    date (the columns of queries.trend(by_unit=True))
    subtree(area_id, per_child=...)         the CTE itself, to scope other queries to an area
    subtree_unit_count(session, area_id)    units in the area's subtree
    subtree_ids(area_id)                    `within=` of another module's reads (with queries.restrict)
The implicit root has no adcode here: a caller that serves /area/<adcode> maps the installation's
own adcode (临沂: the preset's "city" 371300) to `area_id=None`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import Date, Integer, String, and_, bindparam, cast, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from db.engine import column_rows
from db.models import ReportLine, ReportTotal, Unit, UnitCampaign
from db.models.review import ReportReview
from db.queries import (
    AS_OF,
    CAMPAIGN_ID,
    _date,
    _frame,
    _rate_columns,
    same_day_last_year,
)
from domain.measures import LINE_KINDS, MEASURES
from domain.metrics import RATES

_SUMMED = (*MEASURES, "baseline_ents", "baseline_workers", "target_ents", "target_workers")


@dataclass(frozen=True)
class Area:
    id: int | None  # None: the implicit root (the whole installation)
    code: str
    name: str
    kind: str
    level: str
    adcode: str | None
    parent_id: int | None


def _area(row) -> Area:
    return Area(row.id, row.code, row.name, row.kind, row.level, row.adcode, row.parent_id)


_COLUMNS = (Unit.id, Unit.code, Unit.name, Unit.kind, Unit.level, Unit.adcode, Unit.parent_id)


def area(session: Session, key: int | str | None) -> Area | None:
    """The unit with this id (int), adcode or code (str); None for an unknown key. `key=None` is the
    root and returns None too: callers name the root themselves (for 临沂, the preset's city)."""
    if key is None:
        return None
    if isinstance(key, int):
        cond = Unit.id == key
    else:
        cond = (Unit.adcode == key) | (Unit.code == key)
    rows = session.execute(select(*_COLUMNS).where(cond).order_by(Unit.adcode.is_(None))).all()
    return _area(rows[0]) if rows else None  # an adcode wins over another unit's code


def ancestors(session: Session, area_id: int | None) -> list[Area]:
    """The area and everything above it, root first (the implicit root is not included)."""
    if area_id is None:
        return []
    up = select(*_COLUMNS, literal(0).label("depth")).where(Unit.id == area_id).cte("up", recursive=True)
    parent = Unit.__table__.alias("parent")
    up = up.union(
        select(parent.c.id, parent.c.code, parent.c.name, parent.c.kind, parent.c.level, parent.c.adcode,
               parent.c.parent_id, up.c.depth + 1)
        .join(up, parent.c.id == up.c.parent_id)
    )
    rows = session.execute(select(up).order_by(up.c.depth.desc())).all()
    return [_area(r) for r in rows]


def children(session: Session, area_id: int | None) -> list[Area]:
    """The units directly under the area (the roots for `None`), in display order."""
    return [_area(r) for r in column_rows(session, _children_statement(area_id is None), {"area_id": area_id})]


@lru_cache(maxsize=2)
def _children_statement(root: bool):
    cond = Unit.parent_id.is_(None) if root else Unit.parent_id == _AREA
    return select(*_COLUMNS).where(cond).order_by(Unit.sort_order, Unit.code)


def subtree(area_id: int | None, *, per_child: bool):
    """CTE (top_id, unit_id): every unit of the area's subtree, with `top_id` the child of the area
    it descends from (per_child) or the area itself. For the root, every unit."""
    unit = Unit.__table__
    if per_child:
        seed_cond = unit.c.parent_id.is_(None) if area_id is None else unit.c.parent_id == area_id
    else:
        seed_cond = unit.c.parent_id.is_(None) if area_id is None else unit.c.id == area_id
    top = literal(0) if (area_id is None and not per_child) else unit.c.id
    tree = select(top.label("top_id"), unit.c.id.label("unit_id")).where(seed_cond).cte("subtree", recursive=True)
    below = unit.alias("below")
    return tree.union(select(tree.c.top_id, below.c.id).join(below, below.c.parent_id == tree.c.unit_id))


_PARTS = ("children", "totals", "lines")


@dataclass(frozen=True)
class AreaView:
    """The area at a date, from one statement (`view`): what the overview and its exports show."""
    children: pd.DataFrame | None  # child_metrics
    totals: dict | None  # area_totals
    lines: pd.DataFrame | None  # area_line_totals
    pending: int | None  # units whose shown report awaits review (待审核; review.status_by_unit's "pending")


def _state(campaign_id: int, as_of: dt.date, area_id: int | None, tree):
    """CTE: one row per unit of the campaign in the area's subtree (`tree`), the area itself
    included, with its baseline and targets and its current report at as_of (id, date, nine
    measures from report_total; NULL without one). The current report is picked per unit by a
    correlated LIMIT 1 on the (campaign, unit, date, version) index (see queries._current_report_ids).

    Units are selected by `IN (subtree)`, not by joining the tree: PostgreSQL estimates a recursive
    CTE at ten times its real size (30,000 rows for 3,569 units) and then hashes whole tables
    (115,000 report lines) where a few thousand index lookups do; through IN it estimates a few
    hundred rows and looks the reports and lines up by key."""
    within = select(tree.c.unit_id)
    if area_id is not None:
        within = within.union_all(select(area_id))
    latest = (
        select(ReportTotal.report_id)
        .where(ReportTotal.campaign_id == campaign_id, ReportTotal.unit_id == UnitCampaign.unit_id,
               ReportTotal.report_date <= as_of)
        .order_by(ReportTotal.report_date.desc(), ReportTotal.version.desc())
        .limit(1)
        .correlate(UnitCampaign)
        .scalar_subquery()
    )
    # MATERIALIZED: the pick runs once per unit (inlined, PostgreSQL ran it once per reference).
    picked = (
        select(UnitCampaign.unit_id, latest.label("report_id"), *[getattr(UnitCampaign, col) for col in _SUMMED[len(MEASURES):]])
        .where(UnitCampaign.campaign_id == campaign_id, UnitCampaign.unit_id.in_(within))
        .cte("picked").prefix_with("MATERIALIZED")
    )
    return (
        select(picked, ReportTotal.report_date, *[getattr(ReportTotal, m) for m in MEASURES],
               ReportReview.report_id.label("reviewed"))
        .outerjoin(ReportTotal, ReportTotal.report_id == picked.c.report_id)
        .outerjoin(ReportReview, ReportReview.report_id == picked.c.report_id)
        # SQLite: inlined in each part (the pick above is made once). Materialized, it was scanned
        # once per unit of the tree: 0.4 s for the national root instead of 0.03 s.
        .cte("state").prefix_with("NOT MATERIALIZED", dialect="sqlite")
    )


_IDENTITY = (Unit.id, Unit.code, Unit.name, Unit.kind, Unit.adcode, Unit.sort_order, Unit.level)  # a child's columns


def _sums(rows) -> list:
    """The summed measures, baselines and targets of `rows` (a selectable with state's columns), and
    how many units, how many reported, and their latest and stalest report dates."""
    return [*[func.coalesce(func.sum(rows.c[col]), 0).label(col) for col in _SUMMED],
            func.count(rows.c.unit_id).label("units"), func.count(rows.c.report_date).label("units_reported"),
            func.max(rows.c.report_date).label("last_report_date"),
            func.min(rows.c.report_date).label("stalest_report_date")]


def _rolled_part(state, part: str, tree=None):
    """The area's totals (over `state`), or its children: one row per child of the area, over the
    units of `state` below it (`tree` maps each to its child; the area's own row has none)."""
    if part == "totals":
        pending = func.count(state.c.report_id) - func.count(state.c.reviewed)  # shown but not yet reviewed
        return select(literal(part).label("part"), *[cast(null(), c.type).label(c.key) for c in _IDENTITY],
                      cast(null(), String).label("line_kind"), *_sums(state),
                      pending.label("units_pending")).select_from(state)
    # Summed per child first, and only then the child's own columns joined to those few rows: joined
    # before the GROUP BY, SQLite scanned all state once per unit (6.6 s for this part alone at 3,569 units).
    sums = _sums(state)
    per_child = (select(tree.c.top_id, *sums).select_from(state).join(tree, tree.c.unit_id == state.c.unit_id)
                 .group_by(tree.c.top_id).subquery("per_child"))
    return (select(literal(part).label("part"), *_IDENTITY, cast(null(), String).label("line_kind"),
                   *[per_child.c[c.name] for c in sums], cast(null(), Integer).label("units_pending"))
            .select_from(per_child).join(Unit, Unit.id == per_child.c.top_id))


def _lines_part(state):
    """The three rows (单独开展企业 / 区域 / 行业) summed over the current reports in `state`."""
    return (
        select(literal("lines").label("part"), *[cast(null(), c.type).label(c.key) for c in _IDENTITY],
               ReportLine.kind.label("line_kind"),
               *[func.sum(getattr(ReportLine, m)).label(m) if m in MEASURES else cast(null(), Integer).label(m)
                 for m in _SUMMED],
               cast(null(), Integer).label("units"), cast(null(), Integer).label("units_reported"),
               cast(null(), Date).label("last_report_date"), cast(null(), Date).label("stalest_report_date"),
               cast(null(), Integer).label("units_pending"))
        .select_from(state).join(ReportLine, ReportLine.report_id == state.c.report_id)
        .group_by(ReportLine.kind)
    )


def view(session: Session, campaign_id: int, as_of: dt.date, area_id: int | None = None,
         parts: tuple[str, ...] = _PARTS) -> AreaView:
    """The area at a date in one statement: its children (`child_metrics`), its totals
    (`area_totals`) and its three rows (`area_line_totals`), each from the same pass over the
    subtree's current reports (`_state`, picked once), joined by UNION ALL. `parts`: which to
    compute (the others are None)."""
    stmt = _view_statement(tuple(p for p in _PARTS if p in parts), area_id is None)
    params = {"campaign_id": campaign_id, "as_of": as_of} | ({} if area_id is None else {"area_id": area_id})
    result = column_rows(session, stmt, params)
    keys = list(stmt.selected_columns.keys())
    got: dict[str, list[dict]] = {part: [] for part in parts}
    for row in result:  # a few rows: the children, one of totals, three lines
        got[row[0]].append(dict(zip(keys, row)))
    return AreaView(
        children=_children_frame(got["children"]) if "children" in got else None,
        totals=_totals_dict(got["totals"][0]) if "totals" in got else None,
        lines=_lines_frame(got["lines"]) if "lines" in got else None,
        pending=int(got["totals"][0]["units_pending"]) if "totals" in got else None,
    )


# Statements are built once per shape and run with these parameters (and queries.CAMPAIGN_ID, AS_OF):
# building and keying a statement of this size in SQLAlchemy costs several times its own SQL at city scale.
_AREA = bindparam("area_id", type_=Integer)


@lru_cache(maxsize=32)
def _view_statement(parts: tuple[str, ...], root: bool):
    area = None if root else _AREA
    tree = subtree(area, per_child=True)
    state = _state(CAMPAIGN_ID, AS_OF, area, tree)
    branches = [_lines_part(state) if part == "lines" else _rolled_part(state, part, tree) for part in parts]
    union = (union_all(*branches) if len(branches) > 1 else branches[0]).subquery("area_view")
    return select(union, *_rate_columns(union.c))


_INTS = ("id", "sort_order", *_SUMMED, "units", "units_reported")
_CHILD_COLUMNS = ("id", "code", "name", "kind", "adcode", "sort_order", "level", "baseline_ents",
                  "baseline_workers", "target_ents", "target_workers", "last_report_date",
                  "stalest_report_date", *MEASURES, "units", "units_reported", *RATES)


def _children_frame(rows: list[dict]) -> pd.DataFrame:
    """The children as child_metrics returns them: sorted by (sort_order, code); ints; dates as
    dt.date or None; adcode and rates of object dtype with None (pandas 3 would turn the Nones of
    strings or floats into NaN, which is truthy). Columns go in as numpy arrays, not a Series each
    (that cost three times the rest of `view`); only adcode needs a Series, to stay of object dtype
    (an object array of strings becomes pandas' str dtype, as code and name do)."""
    rows = sorted(rows, key=lambda r: (r["sort_order"], r["code"]))
    columns = {}
    for col in _CHILD_COLUMNS:
        values = [r[col] for r in rows]
        if col in _INTS:
            columns[col] = np.array([int(v) for v in values], dtype="int64")
        elif col in ("last_report_date", "stalest_report_date"):
            columns[col] = _objects([_date(v) for v in values])
        elif col == "adcode":
            columns[col] = pd.Series([a if isinstance(a, str) and a else None for a in values], dtype=object)
        elif col in RATES:
            columns[col] = _objects([None if v is None else float(v) for v in values])
        else:
            columns[col] = _objects(values)
    return pd.DataFrame(columns)


def _objects(values: list) -> np.ndarray:
    """The values as a one-dimensional object array, each as it is (np.array would guess a dtype)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _totals_dict(row: dict) -> dict:
    out = {col: int(row[col]) for col in (*_SUMMED, "units", "units_reported")}
    out.update({r: (None if row[r] is None else float(row[r])) for r in RATES})
    return out


def _lines_frame(rows: list[dict]) -> pd.DataFrame:
    by_kind = {r["line_kind"]: r for r in rows}
    return pd.DataFrame([{"kind": k, **{m: int((by_kind.get(k) or {}).get(m) or 0) for m in MEASURES}}
                         for k in LINE_KINDS])


def area_totals(session: Session, campaign_id: int, as_of: dt.date, area_id: int | None = None) -> dict:
    """The area's nine measures, baselines, targets, rates (of the sums), `units` (units of the
    campaign in the subtree) and `units_reported` (of those, how many have a report by as_of).
    For the root, the same numbers as queries.city_metrics. An area without units of the campaign
    gives zeros and no rates."""
    return view(session, campaign_id, as_of, area_id, parts=("totals",)).totals


def child_metrics(session: Session, campaign_id: int, as_of: dt.date, area_id: int | None = None) -> pd.DataFrame:
    """One row per child of the area that has units of the campaign in its subtree, with the
    child's subtree totals: the columns of queries.unit_metrics (so ranking, map and lagging take
    them as they are) plus `id`, `level`, `units` and `units_reported`. `last_report_date` is the
    latest report anywhere in the child's subtree. For a county-level child it is the unit's own row."""
    return view(session, campaign_id, as_of, area_id, parts=("children",)).children


def area_line_totals(session: Session, campaign_id: int, as_of: dt.date, area_id: int | None = None) -> pd.DataFrame:
    """The attachment's three rows (单独开展企业 / 区域 / 行业) summed over the area's subtree, in
    LINE_KINDS order, zeros where nothing was reported (like queries.line_totals)."""
    return view(session, campaign_id, as_of, area_id, parts=("lines",)).lines


def last_year_area(session: Session, campaign_id: int, as_of: dt.date, area_id: int | None = None) -> dict | None:
    """同期 for an area: {"campaign", "date", "figures"} with figures its `area_totals` on the matching
    day of the previous campaign (queries.same_day_last_year); None without one. For the root it is
    queries.last_year_city."""
    found = same_day_last_year(session, campaign_id, as_of)
    if found is None:
        return None
    prev, day = found
    return {"campaign": prev, "date": day, "figures": area_totals(session, prev["id"], day, area_id)}


def subtree_unit_count(session: Session, area_id: int | None) -> int:
    """How many units the area's subtree holds, the area itself included."""
    tree = subtree(area_id, per_child=False)
    return session.scalar(select(func.count()).select_from(tree)) or 0


def child_trend(session: Session, campaign_id: int, as_of: dt.date, area_id: int | None = None,
                measures: tuple[str, ...] = MEASURES) -> pd.DataFrame:
    """Per child of the area, its subtree's cumulative totals at every report date up to as_of (the
    distinct report dates of the subtree): each unit stands at its latest report on or before the
    date, current version. The columns and order of queries.trend(by_unit=True): date, code, name,
    nine measures, sorted by date then code; a child appears from its subtree's first report on.
    For a city's county-level children it is queries.trend(by_unit=True) restricted to them.

    All in SQL, one statement, one pass over the reports: every version of every report, in the
    order (date, version) per unit, contributes its change from the row before it (LAG). Within a
    date the newest version comes last, so the changes telescope: summed up to a date they give
    each unit's current version of its latest report, with no separate step to drop superseded
    versions. The changes are summed per (child, date) and accumulated over a grid of (child, every
    date from the child's first report) by a running SUM. Totals come from report_total (the lines
    summed once, when written). `measures`: the columns wanted (the overview's progress chart needs
    only signed_ents)."""
    stmt = _trend_statement(tuple(measures), area_id is None)
    params = {"campaign_id": campaign_id, "as_of": as_of} | ({} if area_id is None else {"area_id": area_id})
    df = _frame(session, stmt, params)
    if df.empty:
        df = pd.DataFrame(columns=["date", "code", "name", *measures])
    df["date"] = [_date(v) for v in df["date"]]
    for m in measures:
        df[m] = df[m].astype(int)
    return df


@lru_cache(maxsize=32)
def _trend_statement(measures: tuple[str, ...], root: bool):
    """child_trend's statement for these measures, at the root or at a bound area (built once)."""
    campaign_id, as_of = CAMPAIGN_ID, AS_OF
    tree = subtree(None if root else _AREA, per_child=True).alias("tree")
    rt = ReportTotal
    by_unit = {"partition_by": rt.unit_id, "order_by": (rt.report_date, rt.version)}
    changes = (
        select(tree.c.top_id, rt.report_date,
               *[(getattr(rt, m) - func.coalesce(func.lag(getattr(rt, m)).over(**by_unit), 0)).label(m) for m in measures])
        .join(tree, tree.c.unit_id == rt.unit_id)
        .where(rt.campaign_id == campaign_id, rt.report_date <= as_of)
        .cte("changes")
    )
    per_day = (
        select(changes.c.top_id, changes.c.report_date, *[func.sum(changes.c[m]).label(m) for m in measures])
        .group_by(changes.c.top_id, changes.c.report_date)
        .cte("per_day")
    )
    days = select(changes.c.report_date.label("day")).distinct().cte("days")
    firsts = select(per_day.c.top_id, func.min(per_day.c.report_date).label("first")).group_by(per_day.c.top_id).cte("firsts")
    grid = (
        select(firsts.c.top_id, days.c.day,
               *[func.coalesce(per_day.c[m], 0).label(m) for m in measures])
        .select_from(firsts)
        .join(days, days.c.day >= firsts.c.first)
        .outerjoin(per_day, and_(per_day.c.top_id == firsts.c.top_id, per_day.c.report_date == days.c.day))
        .cte("grid")
    )
    running = {"partition_by": grid.c.top_id, "order_by": grid.c.day}
    stmt = (
        select(grid.c.day.label("date"), Unit.code, Unit.name,
               *[func.sum(grid.c[m]).over(**running).label(m) for m in measures])
        .join(Unit, Unit.id == grid.c.top_id)
        .order_by(grid.c.day, Unit.code)
    )
    return stmt


@lru_cache(maxsize=256)
def subtree_ids(area_id: int | None):
    """A one-column select of the unit ids of the area's subtree, the area itself included: the
    `within=` of the query functions and `Unit.id.in_(...)`. The same object for the same area, so
    that the reads that cache their statements per `within` build them once per area too."""
    return select(subtree(area_id, per_child=False).c.unit_id)

