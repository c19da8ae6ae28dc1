"""Everything the overview's follow-up panel needs (专职指导员, 实效评价, 监督检查) in one read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from db.followup.evaluation import dimensions, score_rows
from db.followup.instructors import log_activity, staffed_units, staffing_by_code
from db.followup.supervision import refusal_cases
from domain import followup as rules


def overview_reads(campaign_id: int, as_of: dt.date, within=None) -> dict[str, Callable[[Session], Any]]:
    """overview_inputs' independent reads, by name, each `read(session)`: run in turn by overview_inputs,
    or at once beside the page's roll-ups (dashboard.context.concurrently), then put together by
    `overview_from`."""
    return {
        "dims": lambda s: dimensions(s, campaign_id, active_only=True),
        "scores": lambda s: score_rows(s, campaign_id, as_of, within=within),
        "staffed": lambda s: staffed_units(s, campaign_id, as_of, within),  # followup.common.units, with their staffing
        "logs": lambda s: log_activity(s, campaign_id, as_of, within=within),
        "refusals": lambda s: refusal_cases(s, campaign_id, as_of=as_of, within=within),
    }


def overview_from(got: dict[str, Any], as_of: dt.date) -> dict:
    """overview_inputs' value from the results of `overview_reads`."""
    dims, staffed = got["dims"], got["staffed"]
    last_logs, recent_logs = got["logs"]
    return {
        "units": [{"code": u["code"], "name": u["name"], "kind": u["kind"]} for u in staffed],
        "staffing": staffing_by_code(staffed),
        "last_logs": last_logs,
        "recent_logs": recent_logs,
        "dims": dims,
        "profiles": rules.unit_profiles(rules.group_scores(got["scores"]), [d["id"] for d in dims]),
        "refusals": rules.refusal_counts(got["refusals"], as_of),
    }


def overview_inputs(session: Session, campaign_id: int, as_of: dt.date, within=None) -> dict:
    """The action panel's data for one campaign and date, as plain values for action_rules.panel_rows;
    `within`: the units of one area only (db.hierarchy.subtree_ids), None for the whole installation."""
    return overview_from({name: read(session) for name, read in overview_reads(campaign_id, as_of, within).items()}, as_of)
