"""Abuse over HTTP without signing in: the login path gate, oversized bodies refused unread, and
anonymous refusals that must not flood the append-only audit log."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import tracemalloc

import pytest
from sqlalchemy import select

from dashboard import ids
from dashboard.http import denials
from db.accounts import auth
from db.engine import read_session, write_session
from db.models import AuditEvent, User
from tests.http_helpers import UPDATE, demo_app, form_token, login, post_callback


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return demo_app(tmp_path_factory.mktemp("abuse"))


# --- the login path gate ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login-anything", "/loginx", "/login/", "/login/../x", "/login/x",
                                  "/_favicon.ico-x", "/healthz-x", "/healthz/", "/healthzx", "/healthz/x"])
def test_abu001_only_login_and_healthz_themselves_are_public(app, path):
    c = app.server.test_client()
    r = c.get(path)
    assert r.status_code in (302, 404), r.status_code
    if r.status_code == 302:
        assert r.headers["Location"].startswith("/login?next=")
    body = r.get_data(as_text=True)
    assert "_dash-config" not in body and "dash_renderer" not in body  # never the Dash index page
    assert c.post(path, data={"x": "1"}).status_code in (401, 404)


def test_abu002_the_login_page_still_works(app):
    c = app.server.test_client()
    r = c.get("/login")
    assert r.status_code == 200 and 'name="csrf_token"' in r.get_data(as_text=True)
    assert login(c).status_code == 302
    assert c.get("/login-anything").status_code == 200  # signed in: Dash's own router answers


# --- oversized bodies ------------------------------------------------------------------------------

HUNDRED_MB = 100 * 1024 * 1024


class Zeros:
    """A request body of `size` bytes that is never held in memory: generated as it is read. Seekable
    only as far as Werkzeug's test client needs (it measures the length by seeking to the end)."""

    def __init__(self, size: int, head: bytes = b""):
        self.size, self.head, self.pos, self.read_bytes = size, head, 0, 0

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = self.size + offset if whence == 2 else offset
        return self.pos

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.pos
        n = left if n is None or n < 0 else min(n, left)
        n = min(n, 1024 * 1024)
        chunk = self.head[self.pos:self.pos + n]
        chunk += b" " * (n - len(chunk))
        self.pos += n
        self.read_bytes += n
        return chunk

    def readline(self, n: int = -1) -> bytes:
        return self.read(n if n and n > 0 else 65536)


def peak_during(fn):
    """(result, peak bytes newly allocated while fn ran)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = fn()
        return result, tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def post_stream(c, path, body: Zeros, *, length: int | None, headers=None, **environ):
    if length is None:
        environ["CONTENT_LENGTH"] = ""  # chunked: the server knows no length in advance
    return c.post(path, input_stream=body, content_type="application/json", headers=headers or {},
                  environ_overrides=environ)


def test_abu003_an_anonymous_100_mb_callback_is_413_unread(app):
    c = app.server.test_client()
    body = Zeros(HUNDRED_MB, b'{"output": "..x.children..", "inputs": [')
    r, peak = peak_during(lambda: post_stream(c, UPDATE, body, length=HUNDRED_MB))
    assert r.status_code == 413
    assert r.get_json() == {"error": "请求内容过大（超过 2 MB 上限），未处理"}
    assert body.read_bytes <= 16 * 1024 and peak < 5 * 1024 * 1024, (body.read_bytes, peak)


def test_abu004_a_signed_in_100_mb_callback_is_413_unread_even_chunked(app):
    c = app.server.test_client()
    login(c)
    token = {"X-CSRFToken": c.get_cookie("_csrf_token").value}
    body = Zeros(HUNDRED_MB, b'{"output": "..x.children..", "inputs": [')
    r, peak = peak_during(lambda: post_stream(c, UPDATE, body, length=HUNDRED_MB, headers=token))
    assert r.status_code == 413 and body.read_bytes <= 16 * 1024 and peak < 5 * 1024 * 1024
    # No Content-Length (chunked): read only up to the limit, then 413.
    body = Zeros(HUNDRED_MB, b'{"output": "..x.children..", "inputs": [')
    r, peak = peak_during(lambda: post_stream(c, UPDATE, body, length=None, headers=token,
                                              **{"wsgi.input_terminated": True}))
    assert r.status_code == 413 and r.get_json() == {"error": "请求内容过大（超过 2 MB 上限），未处理"}
    assert body.read_bytes <= 3 * 1024 * 1024 and peak < 20 * 1024 * 1024, (body.read_bytes, peak)


def test_abu005_the_upload_callback_has_its_own_limit(app):
    key = next(k for k in app.callback_map
               if any(d["id"] == ids.SU_UPLOAD and d["property"] == "contents" for d in app.callback_map[k]["inputs"]))
    c = app.server.test_client()
    login(c, "demo-lanshan")
    token = {"X-CSRFToken": c.get_cookie("_csrf_token").value}
    head = json.dumps({"output": key}).encode()[:-1] + b', "inputs": ['
    limit = 4 * -(-5 * 1024 * 1024 // 3) + 100 + 2 * 1024 * 1024  # UPLOAD_MAX_BYTES in base64 + 2 MB
    r = post_stream(c, UPDATE, Zeros(limit + 1, head), length=limit + 1, headers=token)
    assert r.status_code == 413 and r.get_json() == {"error": "请求内容过大（超过 9 MB 上限），未处理"}
    # Within it, the body reaches Dash (which finds it malformed JSON, a 4xx, not a 413).
    r = post_stream(c, UPDATE, Zeros(3 * 1024 * 1024, head), length=3 * 1024 * 1024, headers=token)
    assert r.status_code != 413
    # Another callback naming no upload gets the ordinary 2 MB.
    r = post_stream(c, UPDATE, Zeros(3 * 1024 * 1024, b'{"output": "..x.children.."'), length=3 * 1024 * 1024,
                    headers=token)
    assert r.status_code == 413


def test_abu006_api_forms_and_uploads_are_refused_by_content_length(app):
    c = app.server.test_client()
    r = c.post("/api/v1/reports", input_stream=Zeros(HUNDRED_MB),
               content_type="application/json", headers={"Authorization": "Bearer x"})
    assert r.status_code == 413
    assert r.get_json() == {"errors": [{"row": None, "field": "body", "message": "请求体超过 64 KB 上限"}]}
    r = c.post("/login", input_stream=Zeros(HUNDRED_MB),
               content_type="application/x-www-form-urlencoded")
    assert r.status_code == 413 and "请求内容过大（超过 64 KB 上限），未处理" in r.get_data(as_text=True)
    login(c, "demo-lanshan")
    r = c.post("/summaries/upload", input_stream=Zeros(HUNDRED_MB * 3),
               content_type="multipart/form-data; boundary=x")
    assert r.status_code == 413 and "上传内容超过上限 201 MB，未保存任何文件" in r.get_data(as_text=True)
    assert app.server.config["MAX_CONTENT_LENGTH"] == 201 * 1024 * 1024


# --- password hashing outside the write lock -------------------------------------------------------


def client_from(app, ip: str):
    c = app.server.test_client()
    c.environ_base["REMOTE_ADDR"] = ip
    return c


@pytest.fixture
def lock_probe(app, monkeypatch):
    """Every argon2 verification or hash first checks whether another connection could start a
    write transaction at once (BEGIN IMMEDIATE, no waiting): a list of "free" or the error."""
    path = app.server.extensions["jizhong_engine"].url.database
    seen: list[str] = []

    def probe():
        con = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute("ROLLBACK")
            seen.append("free")
        except sqlite3.OperationalError as exc:
            seen.append(str(exc))
        finally:
            con.close()

    real_verify, real_hash = auth._verify, auth.hash_password
    monkeypatch.setattr(auth, "_verify", lambda h, p: (probe(), real_verify(h, p))[1])
    monkeypatch.setattr(auth, "hash_password", lambda p: (probe(), real_hash(p))[1])
    return seen


def test_abu007_login_verifies_the_password_with_no_write_lock_held(app, lock_probe):
    c = client_from(app, "10.77.0.1")
    assert login(c, "demo-leader", "wrong-password-1").status_code == 401
    assert login(c, "nobody-here", "wrong-password-1").status_code == 401
    assert login(c).status_code == 302
    assert lock_probe == ["free"] * 3


def test_abu008_password_change_hashes_with_no_write_lock_held(app, lock_probe):
    with write_session(app.server.extensions["jizhong_engine"]) as s:
        auth.create_user(s, "lock-probe", "first-password-1", "leader")
    c = client_from(app, "10.77.0.2")
    assert login(c, "lock-probe", "first-password-1").status_code == 302
    form = {"old_password": "first-password-1", "new_password": "second-password-2",
            "new_password2": "second-password-2", "csrf_token": form_token(c, "/account/password")}
    lock_probe.clear()
    r = c.post("/account/password", data=form)
    assert r.status_code == 200 and "密码已修改" in r.get_data(as_text=True)
    assert lock_probe == ["free", "free"]  # the old password verified, the new one hashed


def test_abu009_login_still_counts_failures_and_locks_the_account(app):
    with write_session(app.server.extensions["jizhong_engine"]) as s:
        auth.create_user(s, "lock-count", "right-password-1", "leader")
    c = client_from(app, "10.77.0.3")
    statuses = [login(c, "lock-count", "wrong-password-1").status_code for _ in range(auth.MAX_FAILED_LOGINS)]
    assert statuses == [401] * (auth.MAX_FAILED_LOGINS - 1) + [429]
    r = login(c, "lock-count", "right-password-1")
    assert r.status_code == 429 and auth.LOCKED in r.get_data(as_text=True)
    with read_session(app.server.extensions["jizhong_engine"]) as s:
        user = s.scalar(select(User).where(User.username == "lock-count"))
        assert user.failed_logins == auth.MAX_FAILED_LOGINS and user.locked_until is not None


# --- anonymous refusals do not flood the audit log -------------------------------------------------


def anonymous_refusals(app) -> list[AuditEvent]:
    with read_session(app.server.extensions["jizhong_engine"]) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == "forbidden", AuditEvent.actor == "")
                              .order_by(AuditEvent.id)))


def test_abu010_600_anonymous_refusals_write_a_bounded_number_of_rows_and_a_count(app, monkeypatch):
    now = [dt.datetime(2030, 1, 7, 8, 0)]
    monkeypatch.setattr(denials, "_clock", lambda: now[0])
    c = client_from(app, "10.88.0.1")
    assert c.post("/opening").status_code == 401  # a fresh window (what came before is summed up)
    before = len(anonymous_refusals(app))
    for i in range(600):  # one address, a new target each time
        assert c.post(f"/flood/{i}", data={"x": "1"}).status_code == 401
    one_address = len(anonymous_refusals(app)) - before
    assert one_address <= denials.ROWS_PER_IP
    for i in range(600):  # many addresses
        assert client_from(app, f"10.89.{i // 250}.{i % 250}").post("/flood").status_code == 401
    written = len(anonymous_refusals(app)) - before + 1  # + the opening one
    assert written <= denials.ROWS_PER_WINDOW
    now[0] += denials.WINDOW
    assert c.post("/after").status_code == 401
    summary, after = anonymous_refusals(app)[-2:]
    assert after.detail == "未登录：POST /after" and after.ip == "10.88.0.1"
    assert summary.detail.startswith(
        f"未登录请求汇总：2030-01-07 08:00 起 10 分钟内另有 {1201 - written} 次被拒绝，未逐条记录（"
        f"{1 + 600 - (written - one_address - 1)} 个地址；最多：10.88.0.1 {600 - one_address} 次，")


def test_abu011_admin_create_and_reset_hash_with_no_write_lock_held(app, lock_probe):
    from tests.callbacks.test_admin import create_user_body, user_action_body

    admin = client_from(app, "10.77.0.4")
    assert login(admin, "demo-admin").status_code == 302
    lock_probe.clear()
    assert post_callback(admin, create_user_body(app, "lock-probe-2")).status_code == 200
    with read_session(app.server.extensions["jizhong_engine"]) as s:
        user_id = s.scalar(select(User.id).where(User.username == "lock-probe-2"))
    assert user_id is not None
    r = post_callback(admin, user_action_body(app, user_id, "reset"))
    assert r.status_code == 200 and "lock-probe-2" in r.get_data(as_text=True)
    assert lock_probe == ["free", "free"]  # the new account's password, the reset one
