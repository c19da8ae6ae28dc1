"""Accounts, roles, API tokens and the audit log: service functions that take a Session.

Roles: 领导 (leader) views everything; 县区填报员 (reporter) submits for its own unit only;
管理员 (admin) runs campaigns, units, users and reviews. The web layer enforces them; this module
keeps the records: argon2 password hashes, a login lockout, sha256-hashed API tokens and an
append-only audit log (the database refuses UPDATE and DELETE on audit_event).

Transactions. The functions flush but do not commit: run them inside `write_session(engine)`,
which commits on success and rolls back on an exception. The one exception is a *refused*
attempt (`authenticate`, `change_password`): it commits the session itself, recording the failed
attempt (counter, lock, audit row), and only then raises. Otherwise write_session's rollback would
erase the very failure count the lockout depends on, and an attacker could guess forever. So call
these two in a transaction of their own, with nothing else pending:

    try:
        with write_session(engine) as s:
            user = auth.authenticate(s, username, password, ip=ip)
            ...                                  # commits the reset counter and login.success
    except auth.AuthError as exc:                # the failure is already committed
        show(exc.message)
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import NamedTuple, NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Integer, bindparam, exists, func, select
from sqlalchemy.orm import Session

from db.clock import now as _now
from db.engine import column_rows
from db.models import ApiToken, AuditEvent, Campaign, Report, SessionRevocation, Unit, User
from domain.errors import UserError

ROLES = ("leader", "reporter", "admin")
ROLE_LABELS = {"leader": "领导", "reporter": "县区填报员", "admin": "管理员"}

MAX_FAILED_LOGINS = 5  # consecutive failures that lock the account
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256  # hashing a megabyte-long "password" should not be anyone's free DoS
MAX_TOKEN_LENGTH = 256  # longer input cannot be one of our tokens; skip hashing it

BAD_CREDENTIALS = "用户名或密码错误"
LOCKED = f"登录失败次数过多，账户已锁定，请 {LOCK_MINUTES} 分钟后再试"

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters


class AuthError(UserError):
    """A refused login, password change, account or token operation. `message` is Chinese, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class AccountLocked(AuthError):
    def __init__(self, message: str = LOCKED):
        super().__init__(message)


# --- passwords -------------------------------------------------------------------------------------


def check_password_policy(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"密码至少 {MIN_PASSWORD_LENGTH} 位")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthError(f"密码不能超过 {MAX_PASSWORD_LENGTH} 位")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _verify(password_hash: str, password: object) -> bool:
    if not isinstance(password, str) or len(password) > MAX_PASSWORD_LENGTH:
        password = ""  # still verify, so a refusal takes as long as any other
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    """A hash nobody knows the password of: verified against for unknown users (same timing)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _check_username(username: object) -> str:
    if (
        not isinstance(username, str)
        or not 1 <= len(username) <= 50
        or any(c.isspace() or not c.isprintable() for c in username)
    ):
        raise AuthError("用户名须为 1—50 个字符，不含空格")
    return username


# --- users -----------------------------------------------------------------------------------------


def _unit(session: Session, unit_code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise AuthError(f"单位代码 {unit_code} 不存在")
    return unit


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    unit_code: str | None = None,
    actor: str = "",
    ip: str = "",
    password_hash: str | None = None,
) -> User:
    """Create an active account. A reporter must be bound to a unit; leaders and admins are not.
    Pass `password_hash` (hash_password, before the write transaction) to keep argon2 out of it."""
    _check_username(username)
    if role not in ROLES:
        raise AuthError(f"角色 {role} 无效，应为 leader（领导）、reporter（县区填报员）或 admin（管理员）")
    check_password_policy(password)
    unit = _unit(session, unit_code) if unit_code else None
    if role == "reporter" and unit is None:
        raise AuthError("县区填报员必须指定所属单位（单位代码）")
    if role != "reporter" and unit is not None:
        raise AuthError(f"只有县区填报员绑定单位；{ROLE_LABELS[role]}不指定单位")
    if session.scalar(select(exists().where(User.username == username))):
        raise AuthError(f"用户名 {username} 已存在")
    now = _now()
    user = User(
        username=username,
        password_hash=password_hash or hash_password(password),
        role=role,
        unit_id=unit.id if unit else None,
        is_active=True,
        failed_logins=0,
        locked_until=None,
        created_at=now,
        password_changed_at=now,
    )
    session.add(user)
    session.flush()
    where = f"，单位 {unit.code} {unit.name}" if unit else ""
    audit(session, actor, "user.create", f"创建用户 {username}（{ROLE_LABELS[role]}{where}）", ip=ip, now=now)
    return user


def get_user(session: Session, user_id: int | str) -> User | None:
    """The *active* user with this id, else None (for the login session loader: a deactivated
    account's existing sessions stop working at once). Accepts the id as a string too."""
    try:
        user = session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.is_active else None


def user_unit_code(session: Session, user: User) -> str | None:
    if user.unit_id is None:
        return None
    return session.scalar(select(Unit.code).where(Unit.id == user.unit_id))


# --- login and lockout -----------------------------------------------------------------------------


def _refuse(session: Session, error: AuthError) -> NoReturn:
    """Commit what the refused attempt recorded, then raise (see the module docstring)."""
    session.commit()
    raise error


def _record_failure(session: Session, user: User, action: str, detail: str, ip: str, now: dt.datetime) -> NoReturn:
    user.failed_logins += 1
    audit(session, user.username, action, f"{detail}（连续第 {user.failed_logins} 次失败）", ip=ip, now=now)
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.locked_until = now + dt.timedelta(minutes=LOCK_MINUTES)
        audit(session, user.username, "login.locked", f"账户锁定至 {user.locked_until:%Y-%m-%d %H:%M}", ip=ip, now=now)
        _refuse(session, AccountLocked())
    _refuse(session, AuthError(BAD_CREDENTIALS if action == "login.failure" else "原密码错误"))


def _check_not_locked(session: Session, user: User, ip: str, now: dt.datetime) -> None:
    if user.locked_until is None:
        return
    if user.locked_until > now:
        audit(
            session,
            user.username,
            "login.locked",
            f"账户锁定中（至 {user.locked_until:%Y-%m-%d %H:%M}），拒绝",
            ip=ip,
            now=now,
        )
        _refuse(session, AccountLocked())
    user.locked_until = None  # the lock has expired: a fresh set of attempts
    user.failed_logins = 0


class Verified(NamedTuple):
    """A password checked against an account's hash, outside any write transaction."""

    user_id: int | None  # None: no such user (a dummy hash was verified, for the same timing)
    password_hash: str | None  # the hash it was checked against: a change since means a retry
    ok: bool
    new_hash: str | None = None  # the password hashed again under current parameters, when due


def lookup_login(session: Session, username: object) -> tuple[int | None, str | None]:
    """(user id, password hash) of this user name, or (None, None): a read, no lock."""
    if isinstance(username, str) and 0 < len(username) <= 50:
        row = session.execute(select(User.id, User.password_hash).where(User.username == username)).first()
        if row is not None:
            return row.id, row.password_hash
    return None, None


def verify_login(found: tuple[int | None, str | None], password: object) -> Verified:
    """The slow part of a login (argon2, about a tenth of a second of CPU): run it with no
    transaction open, so that other writers never wait for it (SQLite has one writer at a time)."""
    user_id, password_hash = found
    if user_id is None or password_hash is None:
        _verify(_dummy_hash(), password)
        return Verified(None, None, False)
    ok = _verify(password_hash, password)
    new_hash = hash_password(password) if ok and _HASHER.check_needs_rehash(password_hash) else None
    return Verified(user_id, password_hash, ok, new_hash)


def record_login(session: Session, username: object, verified: Verified, ip: str = "",
                 now: dt.datetime | None = None) -> User:
    """Apply a verified attempt in a short write transaction: the lockout rules, the failure
    counter, the audit row and a rehash. Refusals are committed before they are raised (module
    docstring). The account row is locked and read again, so attempts verified at the same time
    count one by one, and a lock set meanwhile refuses them all."""
    now = now or _now()
    user = None
    if verified.user_id is not None:
        # FOR UPDATE: concurrent failures on PostgreSQL count one by one (SQLite's BEGIN IMMEDIATE
        # already serialises writers and ignores this); populate_existing: never a stale count.
        stmt = select(User).where(User.id == verified.user_id).with_for_update()
        user = session.scalar(stmt.execution_options(populate_existing=True))
    if user is None:
        shown = username[:50] if isinstance(username, str) else ""
        audit(session, "", "login.failure", f"未知用户名：{shown}", ip=ip, now=now)
        _refuse(session, AuthError(BAD_CREDENTIALS))
    _check_not_locked(session, user, ip, now)
    if not verified.ok or user.password_hash != verified.password_hash:
        _record_failure(session, user, "login.failure", "密码错误", ip, now)
    if not user.is_active:
        audit(session, user.username, "login.failure", "账户已停用", ip=ip, now=now)
        _refuse(session, AuthError("账户已停用，请联系管理员"))
    if verified.new_hash:
        user.password_hash = verified.new_hash  # parameters raised since it was hashed
    user.failed_logins = 0
    audit(session, user.username, "login.success", "", ip=ip, now=now)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str, ip: str = "", now: dt.datetime | None = None) -> User:
    """The user with these credentials, or AuthError (AccountLocked when locked).

    Unknown user and wrong password give the same message and take the same time (a dummy
    hash is verified). MAX_FAILED_LOGINS consecutive failures lock the account for LOCK_MINUTES;
    a success resets the count. A refusal is committed before it is raised (module docstring);
    a success is only flushed, for the caller's write_session to commit.

    All three steps in the caller's transaction (scripts, tests); the web login runs them apart:
    lookup_login (read), verify_login (nothing open), record_login (a short write transaction)."""
    verified = verify_login(lookup_login(session, username), password)
    return record_login(session, username, verified, ip=ip, now=now)


def change_password(
    session: Session, user: User, old_password: str, new_password: str, ip: str = "", now: dt.datetime | None = None,
    verified: Verified | None = None, new_hash: str | None = None,
) -> User:
    """Set a new password after checking the old one. A wrong old password counts as a failed
    login (guessing it here must not bypass the lockout) and is committed before raising.

    `verified` (verify_login of the old password) and `new_hash` (hash_password of the new one),
    computed before the write transaction, keep argon2 out of it; without them both run here."""
    now = now or _now()
    check_password_policy(new_password)
    # `user` may come from another session or be stale: lock and reload the row.
    row = session.get(User, user.id, with_for_update=True, populate_existing=True)
    if row is None:
        raise AuthError("用户不存在")
    _check_not_locked(session, row, ip, now)
    if verified is None:
        verified = verify_login((row.id, row.password_hash), old_password)
    if verified.user_id != row.id or not verified.ok or verified.password_hash != row.password_hash:
        _record_failure(session, row, "password.failure", "修改密码时原密码错误", ip, now)
    if new_password == old_password:
        raise AuthError("新密码不能与原密码相同")
    row.password_hash = new_hash or hash_password(new_password)
    row.password_changed_at = now
    row.failed_logins = 0
    audit(session, row.username, "password.change", "修改密码", ip=ip, now=now)
    session.flush()
    return row


# --- user administration (the admin pages) --------------------------------------------------------
# (Changing an account's role, unit or area: db/accounts/roles.py.)


def _admin_target(session: Session, user_id: int) -> User:
    user = session.get(User, int(user_id), with_for_update=True, populate_existing=True)
    if user is None:
        raise AuthError(f"用户（编号 {user_id}）不存在")
    return user


def _other_active_admins(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.is_active.is_(True), User.id != user.id)
    )


def set_user_active(session: Session, user_id: int, active: bool, actor: str, ip: str = "") -> User:
    """Deactivate (its sessions stop at the next request: the session loader needs an active
    account) or reactivate an account. Nobody deactivates themself or the last active admin."""
    user = _admin_target(session, user_id)
    if user.is_active == active:
        raise AuthError(f"用户 {user.username} 已经是{'启用' if active else '停用'}状态")
    if not active and user.username == actor:
        raise AuthError("不能停用自己的账户")
    if not active and user.role == "admin" and not _other_active_admins(session, user):
        raise AuthError(f"{user.username} 是唯一启用的管理员，不能停用")
    user.is_active = active
    session.flush()
    if not active:
        revoke_sessions(session, user.id)  # reactivating must not bring old sessions back
    audit(session, actor, "user.reactivate" if active else "user.deactivate",
          f"{'启用' if active else '停用'}用户 {user.username}", ip=ip)
    return user


def unlock_user(session: Session, user_id: int, actor: str, ip: str = "") -> User:
    """Lift a lockout and reset the failure count."""
    user = _admin_target(session, user_id)
    if user.locked_until is None and not user.failed_logins:
        raise AuthError(f"用户 {user.username} 没有被锁定")
    was = f"锁定至 {user.locked_until:%Y-%m-%d %H:%M}" if user.locked_until else f"连续失败 {user.failed_logins} 次"
    user.locked_until, user.failed_logins = None, 0
    session.flush()
    audit(session, actor, "user.unlock", f"解锁用户 {user.username}（原{was}）", ip=ip)
    return user


def random_password() -> tuple[str, str]:
    """A new random password (16 characters, 96 random bits) and its hash: hash before writing."""
    password = secrets.token_urlsafe(12)
    return password, hash_password(password)


def reset_password(session: Session, user_id: int, actor: str, ip: str = "",
                   new: tuple[str, str] | None = None) -> str:
    """Give the account a new random password (`new` from random_password(), else made here) and return
    it (show it once: only its hash is kept). The lockout is lifted; the user should change it."""
    user = _admin_target(session, user_id)
    password, user.password_hash = new or random_password()
    user.password_changed_at = _now()
    user.locked_until, user.failed_logins = None, 0
    session.flush()
    revoke_sessions(session, user.id)  # whoever knew the old password is signed out
    audit(session, actor, "user.password_reset", f"重置用户 {user.username} 的密码", ip=ip)
    return password


# --- revoking sessions -----------------------------------------------------------------------------

def revoke_sessions(session: Session, user_id: int, now: dt.datetime | None = None) -> dt.datetime:
    """End every session of this account signed in before `now` (microseconds kept: a session
    signed in right after this call survives). The web layer compares it with its login time."""
    now = now or dt.datetime.now()
    row = session.get(SessionRevocation, user_id, with_for_update=True)
    if row is None:
        session.add(SessionRevocation(user_id=user_id, revoked_at=now))
    else:
        row.revoked_at = now
    session.flush()
    return now


class SessionAccount(NamedTuple):
    """What a signed-in request reads of its account (`session_account`)."""

    id: int
    username: str
    role: str
    unit_code: str | None
    area_unit_id: int | None
    revoked_at: dt.datetime | None  # sessions signed in before this are refused (revoke_sessions)


# Built once: the login session loader runs it on every request.
_SESSION_ACCOUNT = (
    select(User.id, User.username, User.role, Unit.code, User.area_unit_id, SessionRevocation.revoked_at)
    .outerjoin(Unit, Unit.id == User.unit_id)
    .outerjoin(SessionRevocation, SessionRevocation.user_id == User.id)
    .where(User.id == bindparam("user_id", type_=Integer), User.is_active.is_(True))
)


def session_account(session: Session, user_id: int) -> SessionAccount | None:
    """The *active* account with this id, its unit's code and when its sessions were last revoked, in
    one statement (what get_user, user_unit_code and the revocation read took three for, on every
    request); None for an unknown or deactivated account."""
    rows = column_rows(session, _SESSION_ACCOUNT, {"user_id": user_id})
    return SessionAccount(*rows[0]) if rows else None


# --- IP-level login rate limit ---------------------------------------------------------------------

IP_MAX_FAILURES = 20  # failed logins from one address within the window; the next attempt is refused
IP_WINDOW_MINUTES = 10


def recent_login_failures(
    session: Session, ip: str, now: dt.datetime | None = None, minutes: int = IP_WINDOW_MINUTES
) -> tuple[int, dt.datetime | None]:
    """How many failed logins came from `ip` in the last `minutes`, and when the oldest of them was.

    Counted in the audit log, which already records every attempt with its address and time: no
    second store to keep in step, shared by every process and kept across restarts. A failure is a
    `login.failure` row (unknown user, wrong password, deactivated account) or a refusal because
    the account is locked ("账户锁定中"); the `login.locked` row written when a lock starts
    accompanies a failure already counted, so it is not counted again."""
    if not ip:
        return 0, None
    now = now or _now()
    since = now - dt.timedelta(minutes=minutes)
    failed = (AuditEvent.action == "login.failure") | (
        (AuditEvent.action == "login.locked") & AuditEvent.detail.like("账户锁定中%")
    )
    count, oldest = session.execute(
        select(func.count(), func.min(AuditEvent.at)).where(AuditEvent.ip == ip[:45], AuditEvent.at > since, failed)
    ).one()
    return count, oldest


# --- API tokens ------------------------------------------------------------------------------------


def hash_token(token: str) -> str:
    """sha256 hex: what the database stores. Tokens are 256 random bits, so no salt or slow hash."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, unit_code: str, actor: str, label: str = "", ip: str = "") -> str:
    """A new token for machine submission bound to `unit_code`. Returns the plain token: show it
    once, it cannot be recovered (only its hash is stored)."""
    unit = _unit(session, unit_code)
    label = (label or "").strip()
    if len(label) > 100:
        raise AuthError("令牌说明不能超过 100 个字符")
    token = secrets.token_urlsafe(32)
    now = _now()
    row = ApiToken(unit_id=unit.id, token_hash=hash_token(token), label=label, created_at=now, created_by=actor[:50])
    session.add(row)
    session.flush()
    note = f"，说明：{label}" if label else ""
    audit(session, actor, "token.create", f"令牌编号 {row.id}，单位 {unit.code} {unit.name}{note}", ip=ip, now=now)
    return token


def verify_token(session: Session, token: str, now: dt.datetime | None = None) -> ApiToken | None:
    """The unrevoked token row for this plain token (and stamps last_used_at), else None."""
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_LENGTH:
        return None
    row = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    )
    if row is not None:
        row.last_used_at = now or _now()
        session.flush()
    return row


def revoke_token(session: Session, token_id: int, actor: str, ip: str = "") -> ApiToken:
    row = session.get(ApiToken, token_id, with_for_update=True)
    if row is None:
        raise AuthError(f"令牌（编号 {token_id}）不存在")
    if row.revoked_at is not None:
        raise AuthError(f"令牌（编号 {token_id}）已于 {row.revoked_at:%Y-%m-%d %H:%M} 吊销")
    now = _now()
    row.revoked_at = now
    code = session.scalar(select(Unit.code).where(Unit.id == row.unit_id))
    audit(session, actor, "token.revoke", f"令牌编号 {row.id}，单位 {code}", ip=ip, now=now)
    session.flush()
    return row


def list_tokens(session: Session, unit_code: str | None = None) -> list[dict]:
    """Every token (revoked ones too), newest first, without hashes."""
    stmt = (
        select(ApiToken, Unit.code, Unit.name)
        .join(Unit, Unit.id == ApiToken.unit_id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    if unit_code is not None:
        stmt = stmt.where(Unit.code == unit_code)
    return [
        {
            "id": t.id,
            "unit_code": code,
            "unit_name": name,
            "label": t.label,
            "created_at": t.created_at,
            "created_by": t.created_by,
            "revoked_at": t.revoked_at,
            "last_used_at": t.last_used_at,
        }
        for t, code, name in session.execute(stmt)
    ]


# --- audit log -------------------------------------------------------------------------------------


def audit(
    session: Session, actor: str, action: str, detail: str = "", ip: str = "", now: dt.datetime | None = None
) -> AuditEvent:
    """Append one event (flushed with the caller's transaction). `actor` is "" for anonymous."""
    if not action or len(action) > 40:
        raise ValueError(f"audit action must be 1-40 characters: {action!r}")
    event = AuditEvent(at=now or _now(), actor=(actor or "")[:50], ip=(ip or "")[:45], action=action, detail=detail)
    session.add(event)
    session.flush()
    return event


def audit_log(session: Session, limit: int = 200) -> list[dict]:
    """The latest `limit` events, newest first."""
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [
        {"id": e.id, "at": e.at, "actor": e.actor, "ip": e.ip, "action": e.action, "detail": e.detail} for e in rows
    ]


# --- demo accounts ---------------------------------------------------------------------------------


class DemoAccount(NamedTuple):
    username: str
    password: str | None  # None: changed since it was created, so not shown
    role: str
    unit_code: str | None


# FOR THE DEMO DATABASE ONLY. These passwords are public (README, console output); they exist so a
# newcomer can log in at once after `make run`. ensure_demo_accounts never creates them in a
# database that holds real reports.
DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("demo-leader", "leader-2017-demo", "leader", None),
    DemoAccount("demo-admin", "admin-2017-demo", "admin", None),
    DemoAccount("demo-lanshan", "lanshan-2017-demo", "reporter", "371302"),  # 兰山区
)


def is_demo_database(session: Session) -> bool:
    """A demo campaign exists and no report belongs to a real (non-demo) campaign."""
    has_demo = session.scalar(select(exists().where(Campaign.is_demo.is_(True))))
    real_reports = session.scalar(
        select(exists().where(Report.campaign_id == Campaign.id, Campaign.is_demo.is_(False)))
    )
    return bool(has_demo) and not real_reports


def ensure_demo_accounts(session: Session) -> list[DemoAccount]:
    """Create the missing DEMO_ACCOUNTS on a demo database (idempotent) and return them, for the
    console. An account whose password was changed since comes back with password None. On any
    other database nothing is created and the list is empty."""
    if not is_demo_database(session):
        return []
    accounts = []
    for account in DEMO_ACCOUNTS:
        user = session.scalar(select(User).where(User.username == account.username))
        if user is None:
            create_user(session, account.username, account.password, account.role, account.unit_code, actor="demo")
        elif not _verify(user.password_hash, account.password):
            account = account._replace(password=None)
        accounts.append(account)
    return accounts
