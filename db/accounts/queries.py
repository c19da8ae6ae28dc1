"""Read-only queries for the admin pages: accounts, units, campaigns, baselines and targets.

Writes go through db/accounts/auth.py (accounts, tokens, the audit log) and db/admin/ (campaigns,
units, baselines); this only lists, as plain dicts, and never returns a password hash.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from db.models import Campaign, Report, Unit, UnitCampaign, User


def list_users(session: Session, within=None) -> list[dict]:
    """Every account, oldest first, with its unit (None for leaders and admins) and the name of the area
    a leader or admin is bound to (None: the whole installation). `within`: a one-column select of
    user ids to restrict to (an area admin's accounts, dashboard/scope.py)."""
    area = aliased(Unit)
    stmt = (
        select(
            User.id,
            User.username,
            User.role,
            Unit.code.label("unit_code"),
            Unit.name.label("unit_name"),
            User.is_active,
            User.failed_logins,
            User.locked_until,
            User.created_at,
            area.name.label("area_name"),
        )
        .outerjoin(Unit, Unit.id == User.unit_id)
        .outerjoin(area, area.id == User.area_unit_id)
        .order_by(User.created_at, User.id)
    )
    if within is not None:
        stmt = stmt.where(User.id.in_(within))
    return [dict(row._mapping) for row in session.execute(stmt)]


def audit_log_of(session: Session, users, limit: int = 200) -> list[dict]:
    """As auth.audit_log, only the events of these accounts (`users`: a one-column select of account
    ids, an area admin's accounts, dashboard/scope.py)."""
    from db.models import AuditEvent

    stmt = (select(AuditEvent).where(AuditEvent.actor.in_(select(User.username).where(User.id.in_(users))))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [{"id": e.id, "at": e.at, "actor": e.actor, "ip": e.ip, "action": e.action, "detail": e.detail}
            for e in session.scalars(stmt)]


def user_id(session: Session, username: str) -> int | None:
    return session.scalar(select(User.id).where(User.username == username))


def user_area(session: Session, username: str, within=None) -> int | None:
    """The area id a leader or admin oversees now; None for the whole installation, a reporter, an
    unknown name, or an account outside `within` (a one-column select of user ids)."""
    stmt = select(User.area_unit_id).where(User.username == username, User.role.in_(("leader", "admin")))
    if within is not None:
        stmt = stmt.where(User.id.in_(within))
    return session.scalar(stmt)


def unit_choices(session: Session, within=None) -> list[dict]:
    """Units in their preset order: code, name, kind (for the unit dropdowns). `within`: a one-column
    select of unit ids to restrict to (an area, dashboard/scope.py)."""
    stmt = select(Unit.code, Unit.name, Unit.kind).order_by(Unit.sort_order, Unit.code)
    if within is not None:
        stmt = stmt.where(Unit.id.in_(within))
    return [dict(row._mapping) for row in session.execute(stmt)]


def area_choices(session: Session, within=None) -> list[dict]:
    """Areas (units with children) an account can be bound to: id, code, name, level; top tiers
    first. `within`: a one-column select of unit ids to restrict to (the admin's own area)."""
    below = Unit.__table__.alias("below")
    has_children = select(below.c.id).where(below.c.parent_id == Unit.id).exists()
    stmt = select(Unit.id, Unit.code, Unit.name, Unit.level).where(has_children)
    if within is not None:
        stmt = stmt.where(Unit.id.in_(within))
    tiers = {"nation": 0, "province": 1, "city": 2, "county": 3}
    rows = [dict(row._mapping) for row in session.execute(stmt.order_by(Unit.sort_order, Unit.code))]
    return sorted(rows, key=lambda r: tiers.get(r["level"], 4))


# --- campaigns, units, baselines (the admin sub-pages) ---------------------------------------------


def admin_campaigns(session: Session) -> list[dict]:
    """Every campaign, newest first, with its report count and whether an admin set thresholds."""
    from db.models import CampaignThreshold

    reports = (select(Report.campaign_id, func.count(func.distinct(Report.unit_id)).label("units_reported"),
                      func.count(Report.id).label("versions"))
               .group_by(Report.campaign_id).subquery())
    baselines = (select(UnitCampaign.campaign_id, func.count().label("units_with_baseline"))
                 .group_by(UnitCampaign.campaign_id).subquery())
    stmt = (
        select(Campaign.id, Campaign.name, Campaign.year, Campaign.window_start, Campaign.window_end,
               Campaign.cutoff_date, Campaign.deadline, Campaign.is_demo, Campaign.created_at,
               func.coalesce(reports.c.versions, 0).label("versions"),
               func.coalesce(reports.c.units_reported, 0).label("units_reported"),
               func.coalesce(baselines.c.units_with_baseline, 0).label("units_with_baseline"),
               CampaignThreshold.updated_at.label("thresholds_at"))
        .outerjoin(reports, reports.c.campaign_id == Campaign.id)
        .outerjoin(baselines, baselines.c.campaign_id == Campaign.id)
        .outerjoin(CampaignThreshold, CampaignThreshold.campaign_id == Campaign.id)
        .order_by(Campaign.window_start.desc(), Campaign.id.desc())
    )
    return [dict(row._mapping) for row in session.execute(stmt)]


def admin_units(session: Session, within=None) -> list[dict]:
    """Every unit in its sort order with its parent's code, and how many accounts and reports use it.
    `within`: a one-column select of unit ids to restrict to (an area, dashboard/scope.py)."""
    parent = Unit.__table__.alias("parent")
    users = select(User.unit_id, func.count().label("users")).group_by(User.unit_id).subquery()
    reports = select(Report.unit_id, func.count().label("reports")).group_by(Report.unit_id).subquery()
    stmt = (
        select(Unit.id, Unit.code, Unit.name, Unit.kind, parent.c.code.label("parent_code"),
               parent.c.name.label("parent_name"), Unit.adcode, Unit.sort_order,
               func.coalesce(users.c.users, 0).label("users"), func.coalesce(reports.c.reports, 0).label("reports"))
        .outerjoin(parent, parent.c.id == Unit.parent_id)
        .outerjoin(users, users.c.unit_id == Unit.id)
        .outerjoin(reports, reports.c.unit_id == Unit.id)
        .order_by(Unit.sort_order, Unit.code)
    )
    if within is not None:
        stmt = stmt.where(Unit.id.in_(within))
    return [dict(row._mapping) for row in session.execute(stmt)]


def baseline_rows(session: Session, campaign_id: int) -> list[dict]:
    """One row per unit (all units, in sort order) with its baseline and targets in this campaign;
    the four figures are None for a unit without a baseline in it."""
    stmt = (
        select(Unit.code, Unit.name, Unit.kind, UnitCampaign.baseline_ents, UnitCampaign.baseline_workers,
               UnitCampaign.target_ents, UnitCampaign.target_workers)
        .outerjoin(UnitCampaign, (UnitCampaign.unit_id == Unit.id) & (UnitCampaign.campaign_id == campaign_id))
        .order_by(Unit.sort_order, Unit.code)
    )
    return [dict(row._mapping) for row in session.execute(stmt)]
