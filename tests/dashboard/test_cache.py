"""The shared cache of callback responses (dashboard/cache.py): computed once per data version and
viewer scope, served to every viewer, never across scopes; on the local cache and on Redis."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import threading

import pytest

from dashboard import cache, ids, labels
from db import queries
from db.engine import make_engine, read_session
from db.queries import default_as_of, default_campaign
from domain.format import thousands
from tests.http_helpers import UPDATE, callback_body, callback_key, demo_app, login, post_callback, reachable_redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return demo_app(tmp_path_factory.mktemp("shared-cache"))


def _client(app, username="demo-leader"):
    c = app.server.test_client()
    assert login(c, username).status_code == 302
    return c


def _update_data(app, version="1:1:1:1") -> str:
    return callback_body(app, callback_key(app, "update_data"), {f"{ids.DATA_VERSION}.data": version,
                                                                 f"{ids.COMPOSITION_PART}.value": "ents"},
                         changed=f"{ids.DATA_VERSION}.data")


def _router(app, path="/") -> str:
    return callback_body(app, f"{ids.PAGE}.children", {f"{ids.URL}.pathname": path, f"{ids.URL}.search": ""})


def _delta(app, before: dict) -> dict:
    now = cache.stats(app.server)
    return {k: now[k] - before[k] for k in now}


def test_the_second_viewer_gets_the_first_viewers_result(app):
    body = _update_data(app)
    first, second = _client(app), _client(app)
    before = cache.stats(app.server)
    a = post_callback(first, body)
    b = post_callback(second, body)
    assert a.status_code == b.status_code == 200
    assert a.get_data() == b.get_data()
    assert _delta(app, before) == {"hit": 1, "miss": 1, "wait": 0, "skip": 0}


def test_the_first_viewer_gets_the_stored_gzip_bytes_too(app):
    """A miss sends the bytes it stores (compressed once), and they decode to what a client without
    gzip gets; a hit sends the same bytes."""
    body = callback_body(app, callback_key(app, "update_data"), {f"{ids.AS_OF}.date": "2017-04-28",
                                                                 f"{ids.COMPOSITION_PART}.value": "ents"},
                         changed=f"{ids.AS_OF}.date")  # a view no other test asks for: a miss first
    gz = {"X-CSRFToken": None, "Accept-Encoding": "gzip"}
    first, second, plain_client = _client(app), _client(app), _client(app)
    before = cache.stats(app.server)
    a = first.post(UPDATE, data=body, content_type="application/json",
                   headers={**gz, "X-CSRFToken": first.get_cookie("_csrf_token").value})
    b = second.post(UPDATE, data=body, content_type="application/json",
                    headers={**gz, "X-CSRFToken": second.get_cookie("_csrf_token").value})
    c = post_callback(plain_client, body)
    assert _delta(app, before) == {"hit": 2, "miss": 1, "wait": 0, "skip": 0}
    assert a.headers["Content-Encoding"] == b.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in c.headers
    assert a.get_data() == b.get_data()
    assert gzip.decompress(a.get_data()) == c.get_data()
    assert json.loads(c.get_data())["response"]


def test_the_client_cannot_choose_the_data_version(app):
    """The version in the request is the client's; the key uses the server's, so a forged one shares."""
    c = _client(app)
    post_callback(c, _update_data(app, "1:1:1:1"))
    before = cache.stats(app.server)
    post_callback(c, _update_data(app, "forged"))
    assert _delta(app, before)["hit"] == 1


def test_callbacks_not_declared_shared_are_always_computed(app):
    c = _client(app)
    body = callback_body(app, callback_key(app, "poll"), {f"{ids.LIVE_INTERVAL}.n_intervals": 1,
                                                          f"{ids.DATA_VERSION}.data": "x"})
    before = cache.stats(app.server)
    post_callback(c, body)
    post_callback(c, body)
    assert _delta(app, before) == {"hit": 0, "miss": 0, "wait": 0, "skip": 2}


def test_a_page_is_shared_only_within_a_scope(app):
    """The leader's overview has 生成快照; the reporter's must not, even after the leader's is cached."""
    leader, reporter = _client(app), _client(app, "demo-lanshan")
    body = _router(app, "/")
    before = cache.stats(app.server)
    as_leader = post_callback(leader, body).get_data(as_text=True)
    as_reporter = post_callback(reporter, body).get_data(as_text=True)
    again = post_callback(_client(app, "demo-lanshan"), body).get_data(as_text=True)
    assert labels.MAKE_SNAPSHOT in as_leader
    assert labels.MAKE_SNAPSHOT not in as_reporter
    assert again == as_reporter
    assert _delta(app, before) == {"hit": 1, "miss": 2, "wait": 0, "skip": 0}


def test_pages_with_forms_are_never_shared(app):
    admin = _client(app, "demo-admin")
    before = cache.stats(app.server)
    for _ in range(2):
        assert post_callback(admin, _router(app, "/review")).status_code == 200
    assert _delta(app, before)["skip"] == 2


def test_a_new_report_is_computed_afresh(tmp_path):
    """After a submission the data version moves: the next request recomputes, with the new figures."""
    from db.submission.store import submit
    from domain.measures import MEASURES
    from domain.validation import Submission

    app = demo_app(tmp_path)
    c = _client(app)
    body = _update_data(app)
    old = post_callback(c, body).get_data(as_text=True)
    url = app.server.config["DATABASE_URL"]
    engine = make_engine(url)
    with read_session(engine) as s:
        campaigns = queries.campaigns(s)
        campaign = default_campaign(campaigns)
        as_of = default_as_of(campaign, queries.report_dates(s, campaign["id"]), dt.date.today())
        lines = queries.line_totals(s, campaign["id"], as_of, "371302")
    figures = {row["kind"]: {m: int(row[m]) + 7 for m in MEASURES} for row in lines.to_dict("records")}
    submit(engine, Submission(campaign["id"], "371302", as_of, figures, leader="测试", filled_by="测试",
                              submitted_by="test", is_correction=True, reason="测试更正"))
    with read_session(engine) as s:
        city = queries.city_metrics(s, campaign["id"], as_of)
    engine.dispose()
    before = cache.stats(app.server)
    new = post_callback(c, body).get_data(as_text=True)
    assert _delta(app, before)["miss"] == 1
    assert new != old
    assert thousands(city["offer_copies"]) in new and thousands(city["offer_copies"]) not in old  # the KPI tile


def test_concurrent_misses_compute_once(tmp_path):
    app = demo_app(tmp_path)
    clients = [_client(app) for _ in range(6)]
    body = _update_data(app)
    start = threading.Barrier(len(clients))
    answers: list[bytes] = []

    def view(c):
        start.wait()
        answers.append(post_callback(c, body).get_data())

    threads = [threading.Thread(target=view, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = cache.stats(app.server)
    assert stats["miss"] == 1
    assert stats["hit"] + stats["wait"] == 5
    assert len(set(answers)) == 1


def test_helpers():
    assert cache.first_output({"outputs": [{"id": "a", "property": "children"}, {"id": "b", "property": "x"}]}) == "a.children"
    assert cache.first_output({"outputs": {"id": {"type": "t", "index": 1}, "property": "value"}}) == \
        '{"index":1,"type":"t"}.value'
    assert cache.first_output({"outputs": "nonsense"}) is None
    assert cache.config_for({})["CACHE_TYPE"] == "SimpleCache"
    assert cache.config_for({"REDIS_URL": "redis://h:1/2"})["CACHE_OPTIONS"]["socket_timeout"] == 1.0
    assert cache.config_for({"SHARED_CACHE": {"CACHE_TYPE": "NullCache"}}) == {"CACHE_TYPE": "NullCache"}


# ------------------------------------------------------------------------------------------- Redis


@pytest.fixture
def redis_db():
    client = reachable_redis(REDIS_URL)
    client.flushdb()
    yield client
    client.flushdb()


def test_processes_share_through_redis(tmp_path, redis_db):
    """Two apps on one database stand for two worker processes: the second uses the first's result."""
    from app import create_app

    first = demo_app(tmp_path)
    settings = {"DATABASE_URL": first.server.config["DATABASE_URL"], "TESTING": True, "SESSION_COOKIE_SECURE": False,
                "REDIS_URL": REDIS_URL}
    one, two = create_app(settings), create_app(settings)
    body = _update_data(one)
    a = post_callback(_client(one), body)
    b = post_callback(_client(two), body)
    assert a.get_data() == b.get_data()
    assert cache.stats(one.server)["miss"] == 1
    assert cache.stats(two.server) == {"hit": 1, "miss": 0, "wait": 0, "skip": 0}
    assert any(k.startswith(b"jizhong:cb:") for k in redis_db.keys())


def test_an_unreachable_cache_only_costs_the_saving(tmp_path):
    """REDIS_URL pointing nowhere: every answer is still computed and correct, never a 500."""
    from app import create_app

    first = demo_app(tmp_path)
    app = create_app({"DATABASE_URL": first.server.config["DATABASE_URL"], "TESTING": True,
                      "SESSION_COOKIE_SECURE": False, "REDIS_URL": "redis://127.0.0.1:9/0"})
    c = _client(app)
    answers = [post_callback(c, _update_data(app)) for _ in range(2)]
    assert [r.status_code for r in answers] == [200, 200]
    assert json.loads(answers[0].get_data())["response"]
    assert cache.stats(app.server)["miss"] == 2
