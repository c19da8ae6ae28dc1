"""What the signed-in user may see and manage: the subtree of the unit tree below their area.

A leader or admin is bound to an area (app_user.area_unit_id: a nation, province or city unit) and
sees and manages only its subtree; `None` is the whole installation (today's 临沂 city installation:
every account). A reporter is bound to one unit (current_user.unit_code) for writing and, for
viewing, to the whole installation as before.

Every check runs on the server (pages, callbacks, routes, the API, exports). The subtree is the
recursive CTE of db/hierarchy.py over the indexed unit.parent_id: one SQL query, never a Python
walk over units. The set of visible codes is fetched at most once per request (kept on flask.g).

Questions (all answer "everything" for an unbound user):
    top_area_id()              the area at the top of the signed-in user's scope (None: everything)
    bound()                    is the user bound to an area (so that lists must be filtered)?
    area_visible(s, area_id)   may the user see this area (None: the installation's root)?
    unit_visible(s, code)      may the user see this unit (a county page, a file, a report)?
    file_visible(s, file_id)   is a stored file attached (case photo, summary file) to a visible unit?
    cache_key()                the part of a shared-cache key that says what the user may see

Filters, for queries and lists:
    visible_units()            a one-column select of the visible unit ids, for `Unit.id.in_(...)` and
                               for db query functions' `within=` parameter; None when unbound
    visible_codes(s)           frozenset of visible unit codes (once per request); None when unbound
    only_visible(s, rows, key="code")   the rows (dicts, or a DataFrame) whose unit code is visible

Refusals (audited as `forbidden`, like auth.require_role, then 403):
    require_unit(s, code)      abort(403) unless unit_visible
    require_area(s, area_id)   abort(403) unless area_visible
    require_reports(s, ids)    abort(403) if a report belongs to a unit outside the area
    require_user(s, user_id)   abort(403) unless the account is one of the area's (manageable_users())
    require_token(s, token_id) abort(403) unless the API token's unit is visible
    refuse(detail)             audit and abort(403)

For pages that show the forbidden page instead of a bare 403, test `unit_visible` and return
`dashboard.pages.forbidden()` after `audit_refusal(detail)`.

Rules for callers:
- Call a refusal (`require_*`, `refuse`) before opening a write transaction, never inside one: the
  refusal writes its own audit row (SQLite has one writer).
- db query functions take an optional `within=` (a one-column select of unit ids): pass
  `visible_units()`; None keeps today's behaviour (the whole installation).
- Area pages and exports (`/area/<adcode>`, snapshots, XLSX/PDF of an area): resolve the area, then
  `require_area(s, area_id)` (None, the installation's root, is refused to a bound user: map `/` to
  `top_area_id()` instead); list units with `within=visible_units()` or `only_visible(...)`.
- The shared response cache keys on `cache_key()`: two users with the same role and area share.
"""

from __future__ import annotations

from flask import abort, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import hierarchy
from db.models import Unit

_CODES = "_scope_visible_codes"  # flask.g: (top area id, frozenset of codes)


def top_area_id() -> int | None:
    if getattr(current_user, "role", None) in ("leader", "admin"):
        return getattr(current_user, "area_unit_id", None)
    return None


def bound() -> bool:
    return top_area_id() is not None


def visible_units():
    """Select of the unit ids in the user's subtree (the area itself included); None: every unit."""
    top = top_area_id()
    if top is None:
        return None
    return hierarchy.subtree_ids(top)


def visible_codes(s: Session) -> frozenset[str] | None:
    """Codes of every visible unit, fetched once per request; None: every unit."""
    top = top_area_id()
    if top is None:
        return None
    cached = g.get(_CODES) if has_request_context() else None
    if cached is not None and cached[0] == top:
        return cached[1]
    codes = frozenset(s.scalars(select(Unit.code).where(Unit.id.in_(visible_units()))))
    if has_request_context():
        setattr(g, _CODES, (top, codes))
    return codes


def _in_subtree(s: Session, top: int, unit_id: int) -> bool:
    tree = hierarchy.subtree(top, per_child=False)
    return s.scalar(select(tree.c.unit_id).where(tree.c.unit_id == unit_id).limit(1)) is not None


def area_visible(s: Session, area_id: int | None) -> bool:
    top = top_area_id()
    if top is None:
        return True
    if area_id is None:
        return False  # the root is above every bound area
    return _in_subtree(s, top, area_id)


def unit_visible(s: Session, code: str | None) -> bool:
    if top_area_id() is None:
        return True
    if not isinstance(code, str) or not code:
        return False
    codes = visible_codes(s)
    return code in codes


def file_visible(s: Session, file_id: int) -> bool:
    """For a bound user: the file shows with a case or a summary of a visible unit."""
    within = visible_units()
    if within is None:
        return True
    from db.models.cases import CasePhoto, SummaryFile, TypicalCase

    case = (select(CasePhoto.file_id).join(TypicalCase, TypicalCase.id == CasePhoto.case_id)
            .where(CasePhoto.file_id == file_id, TypicalCase.unit_id.in_(within)))
    summary = select(SummaryFile.file_id).where(SummaryFile.file_id == file_id, SummaryFile.unit_id.in_(within))
    return s.scalar(case.union(summary).limit(1)) is not None


def only_visible(s: Session, rows, key: str = "code"):
    """The rows (a list of dicts/objects or a DataFrame) whose unit code (column/key `key`) is visible."""
    codes = visible_codes(s)
    if codes is None:
        return rows
    if hasattr(rows, "loc") and hasattr(rows, "columns"):  # a DataFrame
        if rows.empty or key not in rows.columns:
            return rows
        return rows[rows[key].isin(codes)].reset_index(drop=True)
    return [r for r in rows if (r.get(key) if isinstance(r, dict) else getattr(r, key, None)) in codes]


def audit_refusal(detail: str) -> None:
    from dashboard import context
    from db.accounts import auth

    who = current_user.username if getattr(current_user, "is_authenticated", False) else ""
    path = request.path if has_request_context() else ""
    with context.write() as s:
        auth.audit(s, who, "forbidden", f"{path} → 范围外：{detail}"[:1000], ip=context.client_ip())


def refuse(detail: str):
    audit_refusal(detail)
    abort(403)


def require_unit(s: Session, code: str | None) -> None:
    if not unit_visible(s, code):
        refuse(f"单位 {str(code)[:40]}")


def require_reports(s: Session, report_ids) -> None:
    """abort(403) if any of these reports belongs to a unit outside the user's area. Call it in a
    read session before the write transaction (the refusal writes its audit entry)."""
    within = visible_units()
    ids = [i for i in report_ids if isinstance(i, int) and not isinstance(i, bool)] if report_ids else []
    if within is None or not ids:
        return
    from db.models import Report

    outside = s.scalar(select(Report.id).where(Report.id.in_(ids), Report.unit_id.not_in(within)).limit(1))
    if outside is not None:
        refuse(f"报表 #{outside}")


def manageable_users():
    """Select of the account ids an admin bound to an area may manage: reporters of its units and
    leaders/admins bound inside it (never an unbound account: that one sees the whole installation);
    None when unbound."""
    within = visible_units()
    if within is None:
        return None
    from db.models import User

    return select(User.id).where((User.unit_id.in_(within)) | (User.area_unit_id.in_(within)))


def require_user(s: Session, user_id: object) -> None:
    """abort(403) unless the account is one the user may manage (see manageable_users)."""
    users = manageable_users()
    if users is None:
        return
    from db.models import User

    if not isinstance(user_id, int) or isinstance(user_id, bool) or \
            s.scalar(users.where(User.id == user_id)) is None:
        refuse(f"账户 #{str(user_id)[:20]}")


def require_token(s: Session, token_id: object) -> None:
    """abort(403) unless the API token belongs to a visible unit."""
    within = visible_units()
    if within is None:
        return
    from db.models import ApiToken

    if not isinstance(token_id, int) or isinstance(token_id, bool) or s.scalar(
            select(ApiToken.id).where(ApiToken.id == token_id, ApiToken.unit_id.in_(within))) is None:
        refuse(f"令牌 #{str(token_id)[:20]}")


def require_area(s: Session, area_id: int | None) -> None:
    if not area_visible(s, area_id):
        refuse(f"区域 {area_id}")


def cache_key() -> str:
    role = getattr(current_user, "role", None) or "-"
    unit = getattr(current_user, "unit_code", None) if role == "reporter" else None
    return f"{role}:{unit or ''}:{top_area_id() or ''}"
