"""What the follow-up modules (专职指导员, 实效评价, 监督检查) share: the units taking part, the
checks that a campaign and a unit exist (and that a reporter writes only for its own unit), the clock.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import column_rows
from db.models import Campaign, Unit, UnitCampaign
from db.queries import CAMPAIGN_ID, restrict
from domain.followup import ActionError

# --- units -----------------------------------------------------------------------------------------


def units(session: Session, campaign_id: int, within=None) -> list[dict]:
    """The units taking part in the campaign (those with a baseline), in the preset's order; `within`:
    only those of an area (db.hierarchy.subtree_ids), as in every read of the follow-up modules."""
    rows = column_rows(session, _units_statement(within), {"campaign_id": campaign_id})
    return [{"code": c, "name": n, "kind": k} for c, n, k in rows]


@lru_cache(maxsize=64)
def _units_statement(within):
    return (
        select(Unit.code, Unit.name, Unit.kind)
        .join(UnitCampaign, UnitCampaign.unit_id == Unit.id)
        .where(UnitCampaign.campaign_id == CAMPAIGN_ID, *restrict(Unit.id, within))
        .order_by(Unit.sort_order, Unit.code)
    )


def _unit(session: Session, campaign_id: int, code: object, unit_scope: str | None) -> Unit:
    code = str(code or "").strip()
    if not code:
        raise ActionError("请选择单位")
    if unit_scope is not None and code != unit_scope:
        raise ActionError(f"只能为本单位（{unit_scope}）录入或修改")
    unit = session.scalar(
        select(Unit).join(UnitCampaign, UnitCampaign.unit_id == Unit.id)
        .where(Unit.code == code, UnitCampaign.campaign_id == campaign_id)
    )
    if unit is None:
        raise ActionError(f"单位“{code[:32]}”不在本次行动中")
    return unit


def _campaign(session: Session, campaign_id: object) -> Campaign:
    campaign = session.get(Campaign, campaign_id) if isinstance(campaign_id, int) else None
    if campaign is None:
        raise ActionError("行动不存在，请刷新页面后重试")
    return campaign
