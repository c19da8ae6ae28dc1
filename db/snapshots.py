"""Meeting snapshots: freeze what the overview shows at one moment, and compare two of them.

`freeze` reads everything the overview shows for a campaign, an as-of date and a metric from
db/queries.py (KPIs with last week's, the attachment's three rows, every unit incl. those off the
map, the city's cumulative trend), applies the lagging rules of domain/lagging.py and the
rankings of domain/ranking.py (pure modules), adds the 典型 highlights when db/cases/typical.py exists
and the overview's 各单位工作落实 panel (db/followup, domain/followup.panel_rows), and returns one
JSON-able document. `create` stores it in an append-only row and audits
`snapshot.create`. Exports (dashboard/exports/) read only this document, never the live tables:
a file made months later carries the same figures as the one handed out at the meeting.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import logging
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from db import hierarchy, queries
from db.accounts import auth
from db.models import Campaign, Unit
from db.models.snapshots import Snapshot
from domain.errors import UserError
from domain.hierarchy import WHOLE_WORDS
from domain.lagging import RULE_LABELS, Thresholds, evaluate, expected_fraction, sentence
from domain.measures import LINE_KINDS, LINE_LABELS, MEASURES
from domain.metrics import BY_KEY, KPI_RATES, METRICS
from domain.ranking import metric_rows

SCHEMA = 1
TITLE_MAX = 200
NOTE_MAX = 2000
# The figures compare() reports per unit: (key, label, kind) with kind "count" or "rate".
COMPARED = (
    ("offer_copies", "发出要约书份数", "count"),
    ("signed_copies", "签订合同份数", "count"),
    ("signed_ents", "签订合同覆盖企业数", "count"),
    ("signed_workers", "签订合同覆盖职工数", "count"),
    ("filed_copies", "审查备案数", "count"),
    *((key, BY_KEY[key].label, "rate") for key in KPI_RATES),
)


class SnapshotError(UserError):
    """A snapshot cannot be taken or found (message in Chinese, for the UI and the CLI)."""


def _iso(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _plain(value):
    """Numbers and dates as JSON has them (numpy ints and floats from pandas included)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def _highlights(session: Session, campaign_id: int) -> list[dict]:
    """典型 highlights from db/cases/typical.py when that module exists; none otherwise."""
    try:
        cases = importlib.import_module("db.cases.typical")
    except ModuleNotFoundError:
        return []
    highlights = getattr(cases, "highlights", None)
    if highlights is None:
        return []
    try:
        with session.begin_nested():  # a failure must not abort the snapshot's transaction (PostgreSQL)
            found = highlights(session, campaign_id, limit=6)
    except SQLAlchemyError as exc:  # e.g. the cases tables are not migrated yet
        logging.getLogger(__name__).warning("典型案例未能读取，快照不含典型：%s", exc)
        return []
    return [{k: _plain(v) for k, v in dict(h).items()} for h in found]


def _json(value):
    """`_plain` all the way down (dicts, lists and tuples of numpy values and dates); dict keys as strings."""
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return _plain(value)


def _followup(session: Session, campaign_id: int, as_of: dt.date) -> dict | None:
    """The overview's 各单位工作落实 panel as of `as_of` (专职指导员, 工作日志, 实效评价, 拒绝协商案件, 典型 counts):
    {"days", "dims": [{"id", "name"}], "rows": domain.followup.panel_rows}; None when it cannot be read."""
    from db.followup.overview import overview_inputs
    from domain import followup as rules

    try:
        with session.begin_nested():  # a failure must not abort the snapshot's transaction (PostgreSQL)
            data = overview_inputs(session, campaign_id, as_of)
            try:
                case_counts = importlib.import_module("db.cases.typical").case_counts
            except (ModuleNotFoundError, AttributeError):
                case_counts = None
            cases = case_counts(session, campaign_id) if case_counts else None
    except SQLAlchemyError as exc:
        logging.getLogger(__name__).warning("工作落实情况未能读取，快照不含这一部分：%s", exc)
        return None
    dims = data["dims"]
    rows = rules.panel_rows(data["units"], data["staffing"], data["last_logs"], data["recent_logs"], data["profiles"],
                            {d["id"]: d["weight"] for d in dims}, [d["id"] for d in dims], data["refusals"],
                            cases, None, as_of)
    return {"days": rules.INACTIVE_DAYS, "dims": [{"id": d["id"], "name": d["name"]} for d in dims],
            "rows": _json(rows)}


def _current_signatures(session: Session, campaign_id: int, code: str, as_of: dt.date) -> dict:
    """负责人, 填报人, 填报时间 of the unit's report the snapshot shows (latest dated <= as_of, current version)."""
    history = queries.report_history(session, campaign_id, code)
    for row in history.itertuples(index=False):
        if row.is_current and row.report_date <= as_of:
            return {"leader": row.leader or "", "filled_by": row.filled_by or "", "filled_on": _iso(row.filled_on)}
    return {"leader": "", "filled_by": "", "filled_on": None}


def _lines(frame) -> list[dict]:
    return [
        {"kind": kind, "label": LINE_LABELS[kind], **{m: int(row[m]) for m in MEASURES}}
        for kind, (_, row) in zip(LINE_KINDS, frame.iterrows(), strict=True)
    ]


def _area_trend(session: Session, campaign_id: int, as_of: dt.date, area_id: int):
    """queries.trend's columns for the area's subtree: the children's standings (rolled up in SQL,
    db/hierarchy.child_trend) added per date."""
    per_child = hierarchy.child_trend(session, campaign_id, as_of, area_id)
    return per_child.groupby("date", sort=True)[list(MEASURES)].sum().reset_index()


def _area_doc(session: Session, area: hierarchy.Area) -> dict:
    path = [a.name for a in hierarchy.ancestors(session, area.id)]
    return {"id": area.id, "code": area.code, "name": area.name, "level": area.level, "adcode": area.adcode,
            "path": path}


def _child_rows(session: Session, campaign_id: int, as_of: dt.date, area_id: int) -> list[dict]:
    """The child's own children (its counties and off-map units) with their figures, for the spreadsheet."""
    return [{k: _plain(v) for k, v in row.items()}
            for row in hierarchy.child_metrics(session, campaign_id, as_of, area_id).to_dict("records")]


def _leaves(session: Session, campaign_id: int, as_of: dt.date, area_id: int) -> list[dict]:
    """Every unit of the area's subtree without children of its own (the county-level units and the
    off-map units), with its figures and the names of the areas above it ("nation", "province",
    "city", by level; None where the tree has no such level above the unit)."""
    within = hierarchy.subtree_ids(area_id)
    leaf, kid = Unit.__table__.alias("leaf"), Unit.__table__.alias("leaf_kid")  # aliases: no auto-correlation
    leaf_ids = select(leaf.c.id).where(leaf.c.id.in_(within),
                                       ~select(kid.c.id).where(kid.c.parent_id == leaf.c.id).exists())
    totals = queries._unit_totals(campaign_id, as_of, leaf_ids).subquery("leaf_totals")
    stmt = (select(totals, Unit.id, Unit.parent_id, Unit.level, *queries._rate_columns(totals.c))
            .join(Unit, Unit.code == totals.c.code).order_by(totals.c.sort_order, totals.c.code))
    rows = [dict(r) for r in session.execute(stmt).mappings()]
    # The areas above the leaves, by id: a handful (a province's 16 cities), read in one query.
    uppers = {a.id: a for a in hierarchy.ancestors(session, area_id)}
    uppers.update({a.id: a for a in _subtree_areas(session, area_id)})
    out = []
    for row in rows:
        names, up = {}, uppers.get(row["parent_id"])
        while up is not None:
            names.setdefault(up.level, up.name)
            up = uppers.get(up.parent_id)
        leaf = {k: _plain(v) for k, v in row.items() if k not in ("id", "parent_id")}
        leaf["last_report_date"] = _plain(queries._date(row["last_report_date"]))
        leaf.update({"nation": names.get("nation"), "province": names.get("province"), "city": names.get("city")})
        out.append(leaf)
    return out


def _subtree_areas(session: Session, area_id: int) -> list[hierarchy.Area]:
    """The units of the area's subtree that have children (the areas below it)."""
    tree = hierarchy.subtree(area_id, per_child=False)
    kid = Unit.__table__.alias("kid")
    stmt = (select(Unit.id, Unit.code, Unit.name, Unit.kind, Unit.level, Unit.adcode, Unit.parent_id)
            .join(tree, tree.c.unit_id == Unit.id)
            .where(select(kid.c.id).where(kid.c.parent_id == Unit.id).exists()))
    return [hierarchy.Area(*r) for r in session.execute(stmt)]


def freeze(session: Session, campaign_id: int, as_of: dt.date, metric: str, *, thresholds=None,
           title: str = "", note: str = "", created_by: str = "", created_at: dt.datetime | None = None,
           area_id: int | None = None) -> dict:
    """The overview of `campaign_id` as of `as_of`, as one JSON-able document (see the module doc).
    `area_id`: the area (None: the installation's root, the document as it always was)."""
    campaign = queries.campaign(session, campaign_id)
    if campaign is None:
        raise SnapshotError(f"行动 {campaign_id} 不存在")
    if metric not in METRICS:
        raise SnapshotError(f"未知的指标 {metric}")
    area = None
    if area_id is not None:
        area = hierarchy.area(session, area_id)
        if area is None:
            raise SnapshotError(f"区域 {area_id} 不存在")
        if not hierarchy.children(session, area.id):
            raise SnapshotError(f"{area.name}没有下级单位，不是可生成快照的区域（省、市）")
    th = thresholds or Thresholds()
    start, end = campaign["window_start"], campaign["window_end"]
    dates = queries.report_dates(session, campaign_id)
    prev_date = as_of - dt.timedelta(days=7)
    has_prev = bool(dates) and prev_date >= dates[0]
    if area is None:
        units = queries.unit_metrics(session, campaign_id, as_of)
        city = queries.city_metrics(session, campaign_id, as_of)
        prev = queries.city_metrics(session, campaign_id, prev_date) if has_prev else None
        trend = queries.trend(session, campaign_id, as_of)
    else:
        units = hierarchy.child_metrics(session, campaign_id, as_of, area.id)
        city = hierarchy.area_totals(session, campaign_id, as_of, area.id)
        prev = hierarchy.area_totals(session, campaign_id, prev_date, area.id) if has_prev else None
        trend = _area_trend(session, campaign_id, as_of, area.id)
    last_year = hierarchy.last_year_area(session, campaign_id, as_of, area.id if area else None)  # 同期
    lagging = evaluate(units, city, as_of, start, end, th, whole=WHOLE_WORDS.get(area.level, "全市") if area else "全市")
    lag_codes = {x.code for x in lagging}

    unit_docs = []
    for row in units.to_dict("records"):
        code = row["code"]
        doc = {k: _plain(v) for k, v in row.items()}
        if area is None:
            doc["lines"] = _lines(queries.line_totals(session, campaign_id, as_of, code))
            doc.update(_current_signatures(session, campaign_id, code, as_of))
        else:
            doc["lines"] = _lines(hierarchy.area_line_totals(session, campaign_id, as_of, row["id"]))
            grandchildren = _child_rows(session, campaign_id, as_of, row["id"])
            if grandchildren:
                doc["children"] = grandchildren
                doc.update({"leader": "", "filled_by": "", "filled_on": None})
            else:
                doc.update(_current_signatures(session, campaign_id, code, as_of))
        doc["lagging"] = code in lag_codes
        unit_docs.append(doc)

    rankings = {
        key: [{k: _plain(v) for k, v in r.items()} for r in metric_rows(units, key, as_of, start, end, th.pace)]
        for key in METRICS
    }
    pace = th.pace if isinstance(th.pace, str) else [[_iso(d), f] for d, f in th.pace]
    lines = (queries.line_totals(session, campaign_id, as_of) if area is None
             else hierarchy.area_line_totals(session, campaign_id, as_of, area.id))
    out = {
        "schema": SCHEMA,
        "title": title,
        "note": note,
        "created_at": _iso(created_at),
        "created_by": created_by,
        "data_version": queries.data_version(session),
        "filters": {
            "campaign_id": campaign_id,
            "campaign_name": campaign["name"],
            "is_demo": bool(campaign["is_demo"]),
            "as_of": as_of.isoformat(),
            "metric": metric,
            "metric_label": METRICS[metric].label,
        },
        "campaign": {k: _iso(campaign[k]) for k in ("name", "year", "window_start", "window_end", "cutoff_date",
                                                    "deadline")},
        "expected": expected_fraction(as_of, start, end, th.pace),
        "kpis": {
            "now": {k: _plain(v) for k, v in city.items()},
            "prev": {k: _plain(v) for k, v in prev.items()} if prev else None,
            "prev_date": prev_date.isoformat() if prev else None,
            # the same day of the previous campaign, frozen with the rest (None without one)
            "last_year": {"date": last_year["date"].isoformat(), "campaign_name": last_year["campaign"]["name"],
                          "figures": {k: _plain(v) for k, v in last_year["figures"].items()}} if last_year else None,
        },
        "lines": _lines(lines),
        "units": unit_docs,
        "rankings": rankings,
        "lagging": [
            {
                "code": x.code,
                "name": x.name,
                "score": round(x.score, 4),
                "sentence": sentence(x),
                "reasons": [
                    {"rule": r.rule, "label": RULE_LABELS[r.rule], "text": r.text, "value": r.value, "gap": r.gap}
                    for r in x.reasons
                ],
            }
            for x in lagging
        ],
        "trend": {
            "dates": [_iso(d) for d in trend["date"]],
            "signed_ents": [int(v) for v in trend["signed_ents"]],
            "signed_workers": [int(v) for v in trend["signed_workers"]],
            "filed_copies": [int(v) for v in trend["filed_copies"]],
            "signed_copies": [int(v) for v in trend["signed_copies"]],
            "expected": [expected_fraction(d, start, end, th.pace) for d in trend["date"]],
        },
        "thresholds": {**{k: v for k, v in asdict(th).items() if k != "pace"}, "pace": pace},
        # 典型 and 工作落实 are the installation's (per county-level unit): not part of an area's snapshot.
        "highlights": _highlights(session, campaign_id) if area is None else [],
        "followup": _followup(session, campaign_id, as_of) if area is None else None,
    }
    if area is not None:
        out["area"] = _area_doc(session, area)
        out["leaves"] = _leaves(session, campaign_id, as_of, area.id)
    return out


def _encode(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def create(session: Session, *, campaign_id: int, as_of: dt.date, metric: str, title: str, note: str = "",
           actor: str, ip: str = "", thresholds=None, now: dt.datetime | None = None,
           area_id: int | None = None) -> Snapshot:
    """Freeze the view of the area (None: the root) and store it (one append-only row), audited as
    `snapshot.create`. Whether the actor may see the area is the caller's check (dashboard/scope.py)."""
    # From a form: anything may arrive in a forged callback (a number for the title, say).
    title, note = (title.strip() if isinstance(title, str) else ""), (note.strip() if isinstance(note, str) else "")
    if not title:
        raise SnapshotError("请填写快照标题")
    if len(title) > TITLE_MAX:
        raise SnapshotError(f"快照标题不能超过 {TITLE_MAX} 个字（现有 {len(title)} 个）")
    if len(note) > NOTE_MAX:
        raise SnapshotError(f"备注不能超过 {NOTE_MAX} 个字（现有 {len(note)} 个）")
    now = (now or dt.datetime.now()).replace(microsecond=0)
    document = freeze(session, campaign_id, as_of, metric, thresholds=thresholds, title=title, note=note,
                      created_by=actor, created_at=now, area_id=area_id)
    text = _encode(document)
    row = Snapshot(campaign_id=campaign_id, area_id=area_id, as_of=as_of, metric=metric, title=title, note=note, created_at=now,
                   created_by=(actor or "")[:50], data_version=document["data_version"], document=text,
                   sha256=hashlib.sha256(text.encode()).hexdigest())
    session.add(row)
    session.flush()
    where = f" 区域 {document['area']['name']}" if area_id is not None else ""
    auth.audit(session, actor, "snapshot.create", f"快照 {row.id}「{title}」 行动 {campaign_id}{where} 截至 {as_of}",
               ip=ip)
    return row


def default_view(session: Session, campaign_id: int | None = None) -> tuple[int, dt.date]:
    """(campaign id, as-of date) for a snapshot taken without filters (the CLI): the newest campaign with
    reports, and its last report date (or today while its window runs, as the overview does)."""
    campaigns = queries.campaigns(session)
    campaign = next((c for c in campaigns if c["id"] == campaign_id), None) if campaign_id else queries.default_campaign(campaigns)
    if campaign is None:
        raise SnapshotError("数据库中没有行动" if campaign_id is None else f"行动 {campaign_id} 不存在")
    as_of = queries.default_as_of(campaign, queries.report_dates(session, campaign["id"]), dt.date.today())
    if as_of is None:
        raise SnapshotError(f"行动“{campaign['name']}”尚无报送数据，无法生成快照")
    return campaign["id"], as_of


def document(row: Snapshot) -> dict:
    doc = json.loads(row.document)
    doc["id"] = row.id
    return doc


ROOT = object()  # `within=ROOT` (the default): no scope, every snapshot


def _within(stmt, within):
    """Only snapshots of areas inside the subtree of `within` (a unit id); None: the whole installation."""
    if within is ROOT or within is None:
        return stmt
    return stmt.where(Snapshot.area_id.in_(hierarchy.subtree_ids(within)))


def get(session: Session, snapshot_id: int, *, within=ROOT) -> dict | None:
    """The stored document of one snapshot (with its id), or None; with `within` (the top of the
    user's scope, a unit id), None too for a snapshot of an area outside that subtree."""
    if within is ROOT or within is None:
        row = session.get(Snapshot, snapshot_id)
    else:
        row = session.scalars(_within(select(Snapshot).where(Snapshot.id == snapshot_id), within)).first()
    return document(row) if row else None


def area_of(session: Session, snapshot_id: int) -> tuple[bool, int | None]:
    """(exists, area id) of a snapshot, without reading its document."""
    row = session.execute(select(Snapshot.area_id).where(Snapshot.id == snapshot_id)).first()
    return (row is not None, row[0] if row else None)


def listing(session: Session, limit: int = 200, *, within=ROOT) -> list[dict]:
    """Snapshots, newest first: id, title, note, campaign, area (id, name), as_of, metric, created_at,
    created_by. `within`: only those of areas in that unit's subtree (a bound leader's scope)."""
    area = Unit.__table__.alias("snapshot_area")
    stmt = (
        select(Snapshot.id, Snapshot.title, Snapshot.note, Snapshot.campaign_id, Campaign.name.label("campaign_name"),
               Campaign.is_demo, Snapshot.area_id, area.c.name.label("area_name"), Snapshot.as_of, Snapshot.metric,
               Snapshot.created_at, Snapshot.created_by, Snapshot.data_version)
        .join(Campaign, Campaign.id == Snapshot.campaign_id)
        .outerjoin(area, area.c.id == Snapshot.area_id)
        .order_by(Snapshot.created_at.desc(), Snapshot.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in session.execute(_within(stmt, within)).mappings()]


# ---------------------------------------------------------------- compare (pure)


def compare(a: dict, b: dict) -> dict:
    """What changed from snapshot `a` (earlier meeting) to `b`: KPIs, per unit, and lagging.

    Returns {"kpis": [{key, label, kind, before, after, change}], "units": [{code, name, before_lagging,
    after_lagging, changes: {key: {before, after, change}}}], "started": [{code, name, reasons}],
    "stopped": [{code, name, reasons}], "still": [...]}. A change is after − before (None when either
    is missing). Units present in only one snapshot keep None on the other side.
    """

    def change(before, after):
        return None if before is None or after is None else after - before

    def figures(row: dict | None) -> dict:
        return {key: (row or {}).get(key) for key, _, _ in COMPARED}

    a_units = {u["code"]: u for u in a["units"]}
    b_units = {u["code"]: u for u in b["units"]}
    order = [u["code"] for u in b["units"]] + [c for c in a_units if c not in b_units]
    a_lag = {x["code"]: x for x in a["lagging"]}
    b_lag = {x["code"]: x for x in b["lagging"]}
    units = []
    for code in order:
        before, after = figures(a_units.get(code)), figures(b_units.get(code))
        name = (b_units.get(code) or a_units.get(code))["name"]
        units.append({
            "code": code,
            "name": name,
            "before_lagging": code in a_lag,
            "after_lagging": code in b_lag,
            "changes": {k: {"before": before[k], "after": after[k], "change": change(before[k], after[k])}
                        for k, _, _ in COMPARED},
        })
    kpis = [
        {"key": k, "label": label, "kind": kind, "before": a["kpis"]["now"].get(k), "after": b["kpis"]["now"].get(k),
         "change": change(a["kpis"]["now"].get(k), b["kpis"]["now"].get(k))}
        for k, label, kind in COMPARED
    ]

    def brief(x: dict) -> dict:
        return {"code": x["code"], "name": x["name"], "reasons": [r["text"] for r in x["reasons"]]}

    return {
        "kpis": kpis,
        "units": units,
        "started": [brief(b_lag[c]) for c in b_lag if c not in a_lag],
        "stopped": [brief(a_lag[c]) for c in a_lag if c not in b_lag],
        "still": [brief(b_lag[c]) for c in b_lag if c in a_lag],
    }
