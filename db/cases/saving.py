"""Saving a typical case from its form: who may save it, then the case and its photos in one transaction.

`check_save` runs first (read-only) and refuses, in Chinese, a save this user may not make: a reporter
edits only its own unit's cases and creates cases only for its own unit. `save_case` then writes the
case (created or updated) and every photo inside the caller's `write_session`: a refused field or
photo (CaseError, FileRejected) rolls back everything, so a half-saved case never exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from db.cases import files, typical
from db.cases.typical import CaseError


@dataclass(frozen=True)
class Saved:
    case_id: int
    created: bool  # False: an existing case was updated
    photos: int  # photos added by this save


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_save(session: Session, *, case_id: int | None, campaign_id: object, unit: object, role: str,
               own_unit: str | None) -> str:
    """The unit code a save is for; CaseError (Chinese) when this user may not make it.

    An existing case keeps its unit; a new one is for the reporter's own unit, or the unit an admin chose."""
    if case_id is not None:
        code = typical.case_unit_code(session, case_id)
        if code is None or not typical.can_edit_case(role, own_unit, code):
            raise CaseError("只能修改本单位的典型")
        return code
    unit = own_unit if role == "reporter" else unit
    if not isinstance(unit, str) or not unit:
        raise CaseError("单位：请选择")
    if not _is_id(campaign_id):
        raise CaseError("行动：无效")
    return unit


def save_case(session: Session, *, case_id: int | None, campaign_id: int | None, unit: str, fields: Mapping,
              photos: Sequence[tuple[bytes | files.Prepared, str]], directory: Path, limits: files.Limits = files.DEFAULT_LIMITS,
              actor: str, ip: str = "") -> Saved:
    """Create (case_id None) or update a case, then attach `photos` ((bytes, file name) each), audited.
    Pass photos already prepared (`files.prepared`) so that no decoding happens in the write transaction."""
    who = {"actor": actor, "ip": ip}
    if case_id is None:
        case = typical.create_case(session, campaign_id, unit, fields, **who)
    else:
        case = typical.update_case(session, case_id, fields, **who)
    for data, name in photos:
        typical.add_case_photo(session, case.id, data, name, directory=directory, limits=limits, **who)
    return Saved(case.id, case_id is None, len(photos))
