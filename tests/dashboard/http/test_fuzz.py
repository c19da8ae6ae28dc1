"""Fuzz the doors, on SQLite and (with TEST_POSTGRES_URL) PostgreSQL: the JSON API body, the routes
with path parameters, and every Dash callback in app.callback_map posted with arbitrary input
values by a signed-in admin. Nothing may answer 5xx (the test client re-raises an unhandled
exception, which fails the example too). Bounded: a fixed number of examples each, derandomized
so CI is reproducible; each test runs in about 20 s or less on SQLite."""

from __future__ import annotations

import json
import os
from collections import Counter
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from dashboard.http.inputs import SHAPE_ERRORS
from db.accounts import auth
from db.accounts.auth import ensure_demo_accounts
from db.demo import build_demo
from db.engine import write_session
from tests.dashboard.http.test_api import INDUSTRY, REGIONAL, SINGLE, URL, fast_hashing  # noqa: F401
from tests.http_helpers import callback_body, login, post_callback


def fuzz(examples: int) -> settings:
    """Bounded and reproducible; FUZZ_SCALE=10 runs ten times the examples (by hand, not in CI)."""
    examples *= int(os.environ.get("FUZZ_SCALE", "1"))
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
HUGE = 10**40

# Text with the characters that broke things: NUL and other controls, lone surrogates, huge digits.
ODD_TEXT = st.sampled_from(["", " ", "\x00", "王\x00", "\x1b[0m", "\x7f", "\ud800", "\t\n", "9" * 40, "²", "-1",
                            "0", "1", "371302", "2017-05-31", "2017-02-30", "=1+1", "/", "%00", "null", "<b>"])
TEXT = ODD_TEXT | st.text(max_size=20)
SCALARS = (st.none() | st.booleans() | st.integers(min_value=-HUGE, max_value=HUGE)
           | st.sampled_from([0, 1, 2, -1, 2**31, 2**63, HUGE, 1e308, -0.0]) | st.floats(allow_nan=False) | TEXT)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(TEXT, inner, max_size=3), max_leaves=5)


PLAUSIBLE = st.one_of(TEXT, st.integers(-5, 10**6), st.sampled_from([2**31 - 1, -(2**31) + 1, 1e9 + 0.5]), st.none(), st.lists(TEXT, max_size=3), VALUES)


class Demo:
    """The demo data on the test's database, an admin client, and a reporter's API token."""

    def __init__(self, engine):
        build_demo(engine)
        with write_session(engine) as s:
            ensure_demo_accounts(s)
            self.token = auth.create_token(s, "371302", actor="admin")
        url = engine.url.render_as_string(hide_password=False)
        self.app = create_app({"DATABASE_URL": url, "TESTING": True, "SESSION_COOKIE_SECURE": False,
                               "UPLOAD_DIR": None})
        self.client = self.app.server.test_client()


@pytest.fixture
def demo(engine, tmp_path):
    d = Demo(engine)
    d.app.server.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    yield d
    d.app.server.extensions["jizhong_engine"].dispose()


STATUSES: list[int] = []  # of the current test: the fuzz must get past the door now and then


def _ok(response) -> None:
    STATUSES.append(response.status_code)
    assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])


@pytest.fixture(autouse=True)
def statuses():
    STATUSES.clear()
    yield
    print("statuses", sorted(Counter(STATUSES).items()))
    if STATUSES:  # not all refused at the door: most examples reach the views (2xx, 404, 422)
        assert sum(code not in (400, 401) for code in STATUSES) >= len(STATUSES) // 30, Counter(STATUSES)


# --- the API body ----------------------------------------------------------------------------------

GOOD_ROWS = {"single": SINGLE, "regional": REGIONAL, "industry": INDUSTRY}
FIELDS = ["unit", "report_date", "responsible", "filled_by", "rows", "correction_reason", "campaign_id"]


@st.composite
def api_bodies(draw) -> bytes:
    body = {"unit": "371302", "report_date": draw(st.sampled_from(["2017-04-14", "2017-05-31", "2017-06-30"])),
            "responsible": "王建国", "filled_by": "刘敏", "rows": json.loads(json.dumps(GOOD_ROWS)),
            "correction_reason": "核对后更正"}
    for _ in range(draw(st.integers(0, 3))):
        where = draw(st.sampled_from(FIELDS + ["rows.cell", "extra"]))
        value = draw(VALUES)
        if where == "rows.cell":
            row = body["rows"].get(draw(st.sampled_from(list(GOOD_ROWS)))) if isinstance(body["rows"], dict) else None
            if isinstance(row, dict):  # unless an earlier step replaced the rows
                row[draw(st.sampled_from(list(SINGLE)))] = value
        else:
            body[where if where != "extra" else draw(TEXT)] = value
    raw = json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:  # now and then, not JSON at all
        raw = draw(st.sampled_from([b"[" * 5000 + b"]" * 5000, b'{"unit": "\\udc00"}', raw[: len(raw) // 2],
                                    b"\xff\xfe", b'{"a": 1' + b"0" * 5000 + b"}", b"NaN", b"{}"]))
    return raw


def test_fuzz_api_bodies_never_5xx(demo):
    @fuzz(150)
    @given(raw=api_bodies(), token=st.sampled_from(["good", "good", "good", "garbage"]))
    def run(raw, token):
        bearer = demo.token if token == "good" else "garbage-token"
        _ok(demo.client.post(URL, data=raw, content_type="application/json",
                             headers={"Authorization": f"Bearer {bearer}"}))

    run()


# --- routes with path parameters and query strings -------------------------------------------------

SEGMENTS = st.sampled_from(["1", "0", "9" * 40, "2147483648", "-1", "²", "%00", "%FF", "a", "..", "371302"]) | st.text(
    alphabet=st.characters(codec="utf-8"), max_size=12).map(lambda t: quote(t, safe=""))
PAGES = st.sampled_from(["/case/{}", "/snapshot/{}", "/submit/{}", "/district/{}", "/files/{}", "/files/{}/thumb",
                         "/{}", "/admin/{}", "/summaries/upload?campaign={}", "/?campaign={}&date={}&metric={}"])


def test_fuzz_routes_and_pages_never_5xx(demo):
    assert login(demo.client, "demo-admin").status_code == 302

    @fuzz(120)
    @given(page=PAGES, segment=SEGMENTS, search=st.sampled_from(["", "?campaign=" + "9" * 40, "?date=2017-99-99",
                                                                  "?campaign=%00", "?metric=%ud800"]))
    def run(page, segment, search):
        path = page.replace("{}", segment)
        _ok(demo.client.get(path))
        pathname = path.split("?")[0]
        body = callback_body(demo.app, "page-content.children", {"url.pathname": pathname, "url.search": search})
        _ok(post_callback(demo.client, body))

    run()


# --- every callback, signed in as admin ------------------------------------------------------------


def test_fuzz_every_callback_never_5xx(demo):
    assert login(demo.client, "demo-admin").status_code == 302
    keys = sorted(demo.app.callback_map)

    @fuzz(200)
    @given(key=st.sampled_from(keys), wild=st.sampled_from([1, 2, "1", "", "x", HUGE, -1, [1], {"a": 1}]),
           data=st.data())
    def run(key, wild, data):
        cb = demo.app.callback_map[key]
        values = {f"{d['id']}.{d['property']}": data.draw(PLAUSIBLE, label=f"{d['id']}.{d['property']}")
                  for d in cb["inputs"] + cb["state"]}
        body = callback_body(demo.app, key, values, wild=wild)
        _ok(post_callback(demo.client, json.dumps(json.loads(body))))  # ASCII: lone surrogates as escapes
        caught = demo.app.server.extensions.pop(SHAPE_ERRORS, [])
        assert not caught, caught  # the last resort (dashboard/http/inputs.py) must never be needed

    run()
