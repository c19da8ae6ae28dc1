"""Changing an account's role, unit and area (the admin page's "修改已有用户的角色、单位或负责区域").

A reporter is bound to one unit and has no area; a leader or admin has no unit and oversees an area
(app_user.area_unit_id: a unit with children, see queries.area_choices; None: the whole installation).
Whether the acting admin may grant that area (an area admin: only areas inside its own) is the web
layer's check, dashboard/scope.py, made before the write transaction. Like auth.py, this flushes and
audits but does not commit: run it inside `write_session(engine)`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.accounts.auth import (
    ROLE_LABELS,
    ROLES,
    AuthError,
    _admin_target,
    _other_active_admins,
    _unit,
    audit,
    user_unit_code,
)
from db.accounts.queries import area_choices
from db.models import Unit, User

WHOLE = "全部"  # the area of an unbound leader or admin: the whole installation


def check_area(session: Session, area_id: object) -> int | None:
    """`area_id` if a leader or admin can be bound to it (an area: a unit with children), None for the
    whole installation; anything else (a county, a string, a made-up id) is an AuthError."""
    if area_id is None:
        return None
    if isinstance(area_id, int) and not isinstance(area_id, bool) and \
            any(a["id"] == area_id for a in area_choices(session)):
        return area_id
    raise AuthError(f"负责区域无效：{str(area_id)[:20]} 不是可负责的区域（须为有下级单位的省、市等）")


def area_name(session: Session, area_id: int | None) -> str:
    """An area's name for people; 全部 for None."""
    if area_id is None:
        return WHOLE
    return session.scalar(select(Unit.name).where(Unit.id == area_id)) or f"单位编号 {area_id}"


def _describe(session: Session, role: str, unit_code: str | None, area_id: int | None) -> str:
    """One side of the audit detail: 县区填报员（371302）, 领导（负责区域：山东省）, 管理员（负责区域：全部）."""
    if role == "reporter":
        return f"{ROLE_LABELS[role]}（{unit_code}）" if unit_code else ROLE_LABELS[role]
    return f"{ROLE_LABELS[role]}（负责区域：{area_name(session, area_id)}）"


def set_user_role(session: Session, user_id: int, role: str, unit_code: str | None, actor: str, ip: str = "",
                  area_id: int | None = None) -> User:
    """Change an account's role, unit and area: a reporter needs a unit (and keeps no area); a leader or
    admin has no unit and oversees `area_id` (check_area; None: the whole installation). Nobody takes
    the admin role from themself or from the last active admin, nor changes their own area."""
    user = _admin_target(session, user_id)
    if role not in ROLES:
        raise AuthError(f"角色 {role} 无效，应为 leader（领导）、reporter（县区填报员）或 admin（管理员）")
    unit = _unit(session, unit_code) if unit_code and role == "reporter" else None
    if role == "reporter" and unit is None:
        raise AuthError("县区填报员必须指定所属单位（单位代码）")
    area_id = check_area(session, area_id) if role != "reporter" else None
    if user.role == "admin" and role != "admin":
        if user.username == actor:
            raise AuthError("不能取消自己的管理员角色")
        if user.is_active and not _other_active_admins(session, user):
            raise AuthError(f"{user.username} 是唯一启用的管理员，不能改为其他角色")
    old = (user.role, user_unit_code(session, user), user.area_unit_id if user.role != "reporter" else None)
    new = (role, unit.code if unit else None, area_id)
    if old == new:
        raise AuthError(f"用户 {user.username} 的角色、单位和负责区域都没有变化")
    if old[2] != new[2] and user.username == actor:
        raise AuthError("不能修改自己的负责区域")
    detail = f"用户 {user.username}：{_describe(session, *old)} → {_describe(session, *new)}"
    user.role, user.unit_id, user.area_unit_id = role, unit.id if unit else None, area_id
    session.flush()
    audit(session, actor, "user.update", detail, ip=ip)
    return user
