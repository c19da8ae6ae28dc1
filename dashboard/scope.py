"""What the signed-in user may see: the top of their scope in the unit tree.

A leader or admin is bound to an area (app_user.area_unit_id: a nation, province or city unit) and
sees only its subtree; `None` is the whole installation (today's 临沂 city installation: every
account). A reporter is bound to one unit (current_user.unit_code) and, for viewing, to the whole
installation as before.

    top_area_id()              the area at the top of the signed-in user's scope (None: everything)
    area_visible(s, area_id)   may the user see this area (None: the installation's root)?
    unit_visible(s, code)      may the user see this unit (a county page, a file, a report)?
    cache_key()                the part of a shared-cache key that says what the user may see

Every check runs on the server; pages, callbacks, routes and exports call these.
"""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from db import hierarchy
from db.models import Unit


def top_area_id() -> int | None:
    if getattr(current_user, "role", None) in ("leader", "admin"):
        return getattr(current_user, "area_unit_id", None)
    return None


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


def unit_visible(s: Session, code: str) -> bool:
    top = top_area_id()
    if top is None:
        return True
    unit_id = s.scalar(select(Unit.id).where(Unit.code == code))
    return unit_id is not None and _in_subtree(s, top, unit_id)


def cache_key() -> str:
    role = getattr(current_user, "role", None) or "-"
    unit = getattr(current_user, "unit_code", None) if role == "reporter" else None
    return f"{role}:{unit or ''}:{top_area_id() or ''}"
