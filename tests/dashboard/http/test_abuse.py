"""Abuse over HTTP without signing in: the login path gate, oversized bodies refused unread, and
anonymous refusals that must not flood the append-only audit log."""

from __future__ import annotations

import pytest

from tests.http_helpers import demo_app, login


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return demo_app(tmp_path_factory.mktemp("abuse"))


# --- the login path gate ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login-anything", "/loginx", "/login/", "/login/../x", "/login/x",
                                  "/_favicon.ico-x"])
def test_abu001_only_login_itself_is_public(app, path):
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
