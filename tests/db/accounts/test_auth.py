"""Accounts, lockout, API tokens and the audit log on SQLite and PostgreSQL (db/accounts/auth.py)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from db.accounts import auth
from db.accounts.auth import AccountLocked, AuthError
from db.admin.presets import ensure_campaign, read_preset
from db.engine import read_session, write_session
from db.models import ApiToken, AuditEvent, Base, Campaign, Report, Unit, User

LANSHAN = "371302"  # 兰山区
PASSWORD = "correct-horse-2017"
NOW = dt.datetime(2017, 5, 2, 9, 30)
PRODUCTION_HASHER = auth._HASHER


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """argon2 at its production cost takes ~0.2 s a hash here; the tests hash hundreds of times."""
    monkeypatch.setattr(auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    auth._dummy_hash.cache_clear()
    yield
    auth._dummy_hash.cache_clear()


@pytest.fixture
def db(preset_engine):
    """Units loaded, one user per role."""
    with write_session(preset_engine) as s:
        auth.create_user(s, "leader", PASSWORD, "leader", actor="root")
        auth.create_user(s, "admin", PASSWORD, "admin", actor="root")
        auth.create_user(s, "lanshan", PASSWORD, "reporter", LANSHAN, actor="root")
    return preset_engine


def login(engine, username=None, password=PASSWORD, now=NOW, ip="10.0.0.1"):
    """The way the web layer logs in: its own write transaction; returns the user or the AuthError."""
    try:
        with write_session(engine) as s:
            return auth.authenticate(s, username or "lanshan", password, ip=ip, now=now)
    except AuthError as exc:
        return exc


def user_row(engine, username="lanshan") -> User:
    with read_session(engine) as s:
        return s.scalar(select(User).where(User.username == username))


def events(engine, action=None) -> list[AuditEvent]:
    with read_session(engine) as s:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        return list(s.scalars(stmt))


def test_auth001_password_stored_as_argon2_hash(db):
    # Production uses argon2id at the library's recommended cost (the tests lower it, fast_hashing).
    default = PasswordHasher()
    assert (PRODUCTION_HASHER.time_cost, PRODUCTION_HASHER.memory_cost) == (default.time_cost, default.memory_cost)
    row = user_row(db)
    assert row.password_hash.startswith("$argon2id$")
    assert PASSWORD not in row.password_hash
    assert PasswordHasher().verify(row.password_hash, PASSWORD)
    assert user_row(db, "leader").password_hash != row.password_hash  # salted


def test_auth002_password_policy(db):
    for bad in ("", "123456789", "x" * 257, None):
        with pytest.raises(AuthError) as err, write_session(db) as s:
            auth.create_user(s, "newbie", bad, "leader")
    assert "密码" in err.value.message
    with pytest.raises(AuthError, match="密码至少 10 位"):
        auth.check_password_policy("short")
    auth.check_password_policy("0123456789")  # exactly ten is enough


def test_auth003_create_user_rules(db):
    cases = [
        (("x1", PASSWORD, "reporter"), "县区填报员必须指定所属单位"),
        (("x2", PASSWORD, "reporter", "999999"), "单位代码 999999 不存在"),
        (("lanshan", PASSWORD, "leader"), "用户名 lanshan 已存在"),
        (("x3", PASSWORD, "boss"), "角色 boss 无效"),
        (("x4", PASSWORD, "admin", LANSHAN), "只有县区填报员绑定单位"),
        (("has space", PASSWORD, "leader"), "用户名须为"),
        (("", PASSWORD, "leader"), "用户名须为"),
    ]
    for args, message in cases:
        with pytest.raises(AuthError) as err, write_session(db) as s:
            auth.create_user(s, *args)
        assert message in err.value.message, args
    with read_session(db) as s:
        assert s.scalar(select(func.count(User.id))) == 3
        reporter = s.scalar(select(User).where(User.username == "lanshan"))
        assert auth.user_unit_code(s, reporter) == LANSHAN
        assert auth.user_unit_code(s, s.scalar(select(User).where(User.username == "admin"))) is None
        assert reporter.role == "reporter" and reporter.is_active and reporter.failed_logins == 0


def test_auth004_database_refuses_reporter_without_unit_and_unknown_role(db):
    for role, unit_id in (("reporter", None), ("superuser", None)):
        with pytest.raises(IntegrityError), write_session(db) as s:
            s.add(
                User(
                    username=f"raw-{role}",
                    password_hash="x",
                    role=role,
                    unit_id=unit_id,
                    is_active=True,
                    failed_logins=0,
                    created_at=NOW,
                    password_changed_at=NOW,
                )
            )


def test_auth005_login_success_and_identical_failure_messages(db):
    user = login(db)
    assert isinstance(user, User) and user.username == "lanshan"
    unknown, wrong = login(db, "nobody"), login(db, password="wrong-password-1")
    assert type(unknown) is AuthError and type(wrong) is AuthError
    assert unknown.message == wrong.message == "用户名或密码错误"
    for bogus in ("", "x" * 500, None):
        assert login(db, bogus or "", password=bogus).message == "用户名或密码错误"


def test_auth006_unknown_user_still_verifies_a_hash(db, monkeypatch):
    """Same work for an unknown user as for a wrong password: no timing oracle for user names."""
    calls = []
    real = auth._verify
    monkeypatch.setattr(auth, "_verify", lambda h, p: calls.append(h) or real(h, p))
    login(db, "nobody", "wrong-password-1")
    login(db, "lanshan", "wrong-password-1")
    assert len(calls) == 2 and all(h.startswith("$argon2id$") for h in calls)


def test_auth007_lockout_after_five_failures_persists_through_write_session(db):
    for i in range(1, auth.MAX_FAILED_LOGINS):
        assert login(db, password="wrong-password-1", now=NOW + dt.timedelta(seconds=i)).message == "用户名或密码错误"
        # write_session rolled back on the exception, yet the failure count is committed
        assert user_row(db).failed_logins == i
    fifth = login(db, password="wrong-password-1", now=NOW + dt.timedelta(seconds=5))
    assert isinstance(fifth, AccountLocked)
    assert fifth.message == "登录失败次数过多，账户已锁定，请 15 分钟后再试"
    locked_at = NOW + dt.timedelta(seconds=5)
    assert user_row(db).locked_until == locked_at + dt.timedelta(minutes=15)
    # Locked: even the right password is refused until the 15 minutes are over.
    assert isinstance(login(db, now=locked_at + dt.timedelta(minutes=14, seconds=59)), AccountLocked)
    assert isinstance(login(db, now=locked_at + dt.timedelta(minutes=15, seconds=1)), User)
    row = user_row(db)
    assert row.failed_logins == 0 and row.locked_until is None
    # Other accounts were never affected.
    assert isinstance(login(db, "leader", now=locked_at), User)


def test_auth008_expired_lock_gives_a_fresh_set_of_attempts(db):
    for i in range(auth.MAX_FAILED_LOGINS):
        login(db, password="wrong-password-1", now=NOW + dt.timedelta(seconds=i))
    later = NOW + dt.timedelta(minutes=30)
    assert login(db, password="wrong-password-1", now=later).message == "用户名或密码错误"  # not locked again
    assert user_row(db).failed_logins == 1


def test_auth009_success_resets_the_failure_count(db):
    for _ in range(auth.MAX_FAILED_LOGINS - 1):
        login(db, password="wrong-password-1")
    assert isinstance(login(db), User)
    assert user_row(db).failed_logins == 0
    for _ in range(auth.MAX_FAILED_LOGINS - 1):
        login(db, password="wrong-password-1")
    assert isinstance(login(db), User)  # 4 + 4 failures with a success between: never locked


def test_auth010_concurrent_failures_are_all_counted(db):
    barrier = threading.Barrier(4)

    def attempt():
        barrier.wait()
        login(db, password="wrong-password-1")

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert user_row(db).failed_logins == 4
    assert len(events(db, "login.failure")) == 4


def test_auth011_inactive_user_cannot_log_in(db):
    with write_session(db) as s:
        s.scalar(select(User).where(User.username == "lanshan")).is_active = False
    refused = login(db)
    assert type(refused) is AuthError and "停用" in refused.message
    assert login(db, password="wrong-password-1").message == "用户名或密码错误"
    with read_session(db) as s:
        uid = s.scalar(select(User.id).where(User.username == "lanshan"))
        assert auth.get_user(s, uid) is None
        leader_id = s.scalar(select(User.id).where(User.username == "leader"))
        assert auth.get_user(s, str(leader_id)).username == "leader"
        assert auth.get_user(s, "not-a-number") is None and auth.get_user(s, 10**6) is None


def test_auth012_change_password(db):
    user = login(db)
    with pytest.raises(AuthError, match="密码至少 10 位"), write_session(db) as s:
        auth.change_password(s, user, PASSWORD, "short")
    # A wrong old password counts as a failure and is committed despite the rollback.
    try:
        with write_session(db) as s:
            auth.change_password(s, user, "wrong-password-1", "a-new-password-9")
    except AuthError as exc:
        assert exc.message == "原密码错误"
    assert user_row(db).failed_logins == 1
    with pytest.raises(AuthError, match="不能与原密码相同"), write_session(db) as s:
        auth.change_password(s, user, PASSWORD, PASSWORD)
    with write_session(db) as s:
        auth.change_password(s, user, PASSWORD, "a-new-password-9", ip="10.0.0.2", now=NOW)
    row = user_row(db)
    assert row.password_changed_at == NOW and row.failed_logins == 0
    assert isinstance(login(db, password="a-new-password-9"), User)
    assert login(db, password=PASSWORD).message == "用户名或密码错误"
    change = events(db, "password.change")
    assert len(change) == 1 and change[0].actor == "lanshan" and change[0].ip == "10.0.0.2"
    assert len(events(db, "password.failure")) == 1


def test_auth013_outdated_hash_is_rehashed_on_login(db):
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    with write_session(db) as s:
        s.scalar(select(User).where(User.username == "lanshan")).password_hash = weak
    assert isinstance(login(db), User)
    new_hash = user_row(db).password_hash
    assert new_hash != weak and not auth._HASHER.check_needs_rehash(new_hash)
    assert isinstance(login(db), User)


def all_values(engine) -> str:
    """Every value in every table, as one string."""
    out = []
    with engine.connect() as conn:
        for name in Base.metadata.tables:
            out += [repr(tuple(row)) for row in conn.execute(text(f"SELECT * FROM {name}"))]
    return "\n".join(out)


def test_auth014_tokens_create_verify_revoke(db):
    with write_session(db) as s:
        token = auth.create_token(s, LANSHAN, "admin", label="兰山区报送脚本")
        other = auth.create_token(s, "371311", "admin")
    assert len(token) >= 40 and token != other
    dumped = all_values(db)
    assert token not in dumped and other not in dumped  # only the hashes are stored
    assert auth.hash_token(token) in dumped
    with write_session(db) as s:
        row = auth.verify_token(s, token, now=NOW)
        assert row is not None and s.get(Unit, row.unit_id).code == LANSHAN
        assert row.label == "兰山区报送脚本" and row.created_by == "admin"
        token_id = row.id
    with read_session(db) as s:
        assert s.get(ApiToken, token_id).last_used_at == NOW
    with write_session(db) as s:
        for bad in ("", "x" * 1000, token[:-1], token + "x", None):
            assert auth.verify_token(s, bad) is None
    with read_session(db) as s:
        listed = {t["id"]: t for t in auth.list_tokens(s)}
        assert set(listed) == {token_id, token_id + 1}
        assert listed[token_id]["unit_code"] == LANSHAN and "token_hash" not in listed[token_id]
        assert [t["id"] for t in auth.list_tokens(s, LANSHAN)] == [token_id]
    with write_session(db) as s:
        auth.revoke_token(s, token_id, "admin", ip="10.0.0.3")
    with write_session(db) as s:
        assert auth.verify_token(s, token) is None
        assert auth.verify_token(s, other) is not None
    for bad_id, message in ((token_id, "已于"), (999, "不存在")):
        with pytest.raises(AuthError, match=message), write_session(db) as s:
            auth.revoke_token(s, bad_id, "admin")
    with pytest.raises(AuthError, match="单位代码 nowhere 不存在"), write_session(db) as s:
        auth.create_token(s, "nowhere", "admin")


def test_auth015_every_action_is_audited(db):
    with write_session(db) as s:
        token = auth.create_token(s, LANSHAN, "admin", ip="10.0.0.9")
        token_id = auth.verify_token(s, token).id
        auth.revoke_token(s, token_id, "admin", ip="10.0.0.9")
    login(db, ip="1.2.3.4", now=None)
    login(db, "nobody", "whatever-password", ip="5.6.7.8", now=None)
    for _ in range(auth.MAX_FAILED_LOGINS):
        login(db, password="wrong-password-1", ip="5.6.7.8", now=None)
    login(db, ip="5.6.7.8", now=None)  # while locked
    actions = [(e.action, e.actor, e.ip) for e in events(db)]
    assert actions[:3] == [("user.create", "root", "")] * 3
    assert ("token.create", "admin", "10.0.0.9") in actions and ("token.revoke", "admin", "10.0.0.9") in actions
    assert ("login.success", "lanshan", "1.2.3.4") in actions
    assert ("login.failure", "", "5.6.7.8") in actions  # unknown user: anonymous actor
    assert actions.count(("login.failure", "lanshan", "5.6.7.8")) == auth.MAX_FAILED_LOGINS
    assert actions.count(("login.locked", "lanshan", "5.6.7.8")) == 2  # the lock, then the refusal
    unknown = next(e for e in events(db, "login.failure") if e.actor == "")
    assert "nobody" in unknown.detail
    with read_session(db) as s:
        log = auth.audit_log(s, limit=5)
        assert len(log) == 5 and log[0]["action"] == "login.locked"
        assert [e["id"] for e in log] == sorted((e["id"] for e in log), reverse=True)
        assert set(log[0]) == {"id", "at", "actor", "ip", "action", "detail"}


def test_auth016_audit_log_is_append_only(db):
    login(db)
    for statement in ("UPDATE audit_event SET actor = 'someone-else'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError) as err, db.begin() as conn:
            conn.execute(text(statement))
        assert "只可追加" in str(err.value)
    if db.dialect.name == "postgresql":
        with pytest.raises(DBAPIError), db.begin() as conn:
            conn.execute(text("TRUNCATE audit_event"))
    assert len(events(db)) == 4 and {e.actor for e in events(db)} == {"root", "lanshan"}


def test_auth017_demo_accounts_only_on_a_demo_database(preset_engine):
    from db.demo import build_demo

    with write_session(preset_engine) as s:
        assert auth.ensure_demo_accounts(s) == []  # a real campaign only: no default accounts
    build_demo(preset_engine)
    with write_session(preset_engine) as s:
        first = auth.ensure_demo_accounts(s)
    with write_session(preset_engine) as s:
        second = auth.ensure_demo_accounts(s)
    assert first == second == list(auth.DEMO_ACCOUNTS)
    assert {(a.role, a.unit_code) for a in first} == {("leader", None), ("admin", None), ("reporter", LANSHAN)}
    assert all(len(a.password) >= auth.MIN_PASSWORD_LENGTH for a in first)
    with read_session(preset_engine) as s:
        assert s.scalar(select(func.count(User.id))) == 3
    for a in first:
        assert isinstance(login(preset_engine, a.username, a.password), User)
    with write_session(preset_engine) as s:
        admin = s.scalar(select(User).where(User.username == "demo-admin"))
        auth.change_password(s, admin, "admin-2017-demo", "changed-password-1")
    with write_session(preset_engine) as s:
        shown = {a.username: a.password for a in auth.ensure_demo_accounts(s)}
    assert shown["demo-admin"] is None and shown["demo-leader"] == "leader-2017-demo"


def test_auth018_no_demo_accounts_once_real_reports_exist(preset_engine):
    with write_session(preset_engine) as s:
        real = s.scalar(select(Campaign).where(Campaign.is_demo.is_(False)))
        ensure_campaign(s, read_preset()["campaigns"][0], name="演示行动", is_demo=True)
        unit = s.scalar(select(Unit).where(Unit.code == LANSHAN))
        s.add(
            Report(
                campaign_id=real.id,
                unit_id=unit.id,
                report_date=dt.date(2017, 4, 1),
                version=1,
                submitted_at=NOW,
                submitted_by="张三",
                source="web",
            )
        )
    with write_session(preset_engine) as s:
        assert auth.ensure_demo_accounts(s) == []
    with read_session(preset_engine) as s:
        assert s.scalar(select(func.count(User.id))) == 0


def test_auth019_session_account_reads_unit_and_revocation_of_an_active_account(db):
    reporter, leader = user_row(db), user_row(db, "leader")
    with read_session(db) as s:
        assert auth.session_account(s, reporter.id) == (reporter.id, "lanshan", "reporter", LANSHAN, None, None)
        assert auth.session_account(s, leader.id).unit_code is None
        assert auth.session_account(s, 10**6) is None
    with write_session(db) as s:
        auth.revoke_sessions(s, reporter.id, now=NOW)
    with read_session(db) as s:
        assert auth.session_account(s, reporter.id).revoked_at == NOW
    with write_session(db) as s:
        s.get(User, reporter.id).is_active = False
    with read_session(db) as s:
        assert auth.session_account(s, reporter.id) is None
