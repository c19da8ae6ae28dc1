"""Everything the overview's follow-up panel needs (专职指导员, 实效评价, 监督检查) in one read."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from db.followup.evaluation import dimensions, score_rows
from db.followup.instructors import log_activity, staffed_units, staffing_by_code
from db.followup.supervision import refusal_cases
from domain import followup as rules


def overview_inputs(session: Session, campaign_id: int, as_of: dt.date, within=None) -> dict:
    """The action panel's data for one campaign and date, as plain values for action_rules.panel_rows;
    `within`: the units of one area only (db.hierarchy.subtree_ids), None for the whole installation."""
    dims = dimensions(session, campaign_id, active_only=True)
    dim_ids = [d["id"] for d in dims]
    evals = rules.group_scores(score_rows(session, campaign_id, as_of, within=within))
    staffed = staffed_units(session, campaign_id, as_of, within)  # followup.common.units, with their staffing
    last_logs, recent_logs = log_activity(session, campaign_id, as_of, within=within)
    return {
        "units": [{"code": u["code"], "name": u["name"], "kind": u["kind"]} for u in staffed],
        "staffing": staffing_by_code(staffed),
        "last_logs": last_logs,
        "recent_logs": recent_logs,
        "dims": dims,
        "profiles": rules.unit_profiles(evals, dim_ids),
        "refusals": rules.refusal_counts(refusal_cases(session, campaign_id, as_of=as_of, within=within), as_of),
    }
