"""Snapshots within a scope (issue 13, items 6-7), over HTTP: a provincial leader takes, lists, opens,
compares and exports only snapshots of areas in their province.

The database is the 山东省 scale demo plus one more province (江苏省 with 南京市 and one county), and three
snapshots taken directly: 山东省, 江苏省 and the whole installation (root)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app import create_app
from callbacks.snapshots import snapshots_href
from dashboard import ids
from db import hierarchy, snapshots
from db.accounts.auth import ensure_demo_accounts
from db.demo.scale import build_scale_demo
from db.engine import make_engine, read_session, write_session
from db.migrate import upgrade
from db.models import AuditEvent, Unit
from db.models.snapshots import Snapshot
from tests.callbacks.test_snapshots import download, start_body
from tests.http_helpers import callback_body, callback_key, login, post_callback


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('scope') / 'app.db'}"
    engine = make_engine(url)
    upgrade(engine)
    build_scale_demo(engine, "province")
    with write_session(engine) as s:
        ensure_demo_accounts(s)
        js = Unit(code="320000", name="江苏省", kind="省", level="province", adcode="320000", sort_order=900)
        s.add(js)
        s.flush()
        nj = Unit(code="320100", name="南京市", kind="市", level="city", adcode="320100", sort_order=901,
                  parent_id=js.id)
        s.add(nj)
        s.flush()
        cid, as_of = snapshots.default_view(s)
        sd = hierarchy.area(s, "370000").id
        made = {}
        for key, area_id in (("sd", sd), ("js", js.id), ("root", None)):
            made[key] = snapshots.create(s, campaign_id=cid, as_of=as_of, metric="ent_coverage", title=f"快照{key}",
                                         actor="demo-admin", area_id=area_id).id
        ids_ = {"sd": sd, "js": js.id, "cid": cid}
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SESSION_COOKIE_SECURE": False})
    return app, made, ids_


def _client(app, username: str, password: str | None = None):
    c = app.server.test_client()
    assert login(c, username, password).status_code == 302
    return c


def shandong(app):
    return _client(app, "demo-shandong", "shandong-2017-demo")


def _page(app, c, path: str, search: str = "") -> str:
    body = callback_body(app, callback_key(app, "route"), {"url.pathname": path, "url.search": search}, changed="url.pathname")
    r = post_callback(c, body)
    assert r.status_code == 200, r.get_data(as_text=True)
    return json.dumps(r.get_json(), ensure_ascii=False)


def test_scp001_listing_shows_only_the_province(world):
    app, made, _ = world
    text = _page(app, shandong(app), "/snapshots")
    assert "快照sd" in text and "快照js" not in text and "快照root" not in text
    everything = _page(app, _client(app, "demo-admin"), "/snapshots")
    assert all(f"快照{k}" in everything for k in ("sd", "js", "root"))


def test_scp002_another_provinces_snapshot_is_not_found(world):
    app, made, _ = world
    c = shandong(app)
    assert "快照js" not in _page(app, c, f"/snapshot/{made['js']}")
    assert "快照不存在" in _page(app, c, f"/snapshot/{made['root']}")
    assert "快照sd" in _page(app, c, f"/snapshot/{made['sd']}")


def test_scp003_export_of_another_province_is_refused(world):
    app, made, _ = world
    c = shandong(app)
    for key in ("js", "root"):
        r = post_callback(c, start_body(app, made[key]))
        assert r.status_code == 200
        response = r.get_json()["response"]
        assert ids.SN_TICKET not in response
        assert f"快照 {made[key]} 不存在" in json.dumps(response, ensure_ascii=False)
    with read_session(app.server.extensions["jizhong_engine"]) as s:
        details = list(s.scalars(select(AuditEvent.detail).where(AuditEvent.actor == "demo-shandong",
                                                                 AuditEvent.action == "forbidden")))
    assert any(f"导出快照 {made['js']}" in d for d in details)


def test_scp004_own_province_exports(world):
    app, made, _ = world
    c = shandong(app)
    r = post_callback(c, start_body(app, made["sd"], "csv"))
    ticket = r.get_json()["response"][ids.SN_TICKET]["data"]
    done = download(c, app, ticket)
    assert done.status_code == 200
    assert json.dumps(done.get_json(), ensure_ascii=False).count(f"已导出快照 {made['sd']}") == 1


def _create(app, c, area_id):
    key = callback_key(app, "create_snapshot")
    filters = {"campaign": None, "date": None, "metric": "ent_coverage", "area": area_id}
    body = callback_body(app, key, {f"{ids.SN_CREATE}.n_clicks": 1, f"{ids.SN_FILTERS}.data": filters,
                                    f"{ids.SN_TITLE}.value": "伪造", f"{ids.SN_NOTE}.value": ""},
                         changed=f"{ids.SN_CREATE}.n_clicks")
    return post_callback(c, body)


def test_scp005_cannot_snapshot_another_province_or_the_root(world):
    app, _, area = world
    c = shandong(app)
    with read_session(app.server.extensions["jizhong_engine"]) as s:
        before = s.scalar(select(Snapshot.id).order_by(Snapshot.id.desc()))
    for forged in (area["js"], None):
        text = json.dumps(_create(app, c, forged).get_json(), ensure_ascii=False)
        assert "无权为该区域生成快照" in text
    with read_session(app.server.extensions["jizhong_engine"]) as s:
        assert s.scalar(select(Snapshot.id).order_by(Snapshot.id.desc())) == before
    ok = json.dumps(_create(app, c, area["sd"]).get_json(), ensure_ascii=False)
    assert "已生成快照" in ok
    with read_session(app.server.extensions["jizhong_engine"]) as s:
        newest = s.scalars(select(Snapshot).order_by(Snapshot.id.desc())).first()
        assert newest.area_id == area["sd"] and newest.created_by == "demo-shandong"


def test_scp006_the_form_takes_the_area_from_the_url(world):
    app, _, _ = world
    c = shandong(app)
    assert "临沂市 · " in _page(app, c, "/snapshots", "?area=371300")
    assert "山东省 · " in _page(app, c, "/snapshots")  # default: the top of the scope
    refused = _page(app, c, "/snapshots", "?area=320000")
    assert "无权为“江苏省”生成快照" in refused and ids.SN_CREATE not in refused
    assert "兰山区没有下级单位" in _page(app, c, "/snapshots", "?area=371302")


def test_scp007_compare_within_the_scope(world):
    app, made, _ = world
    c = shandong(app)
    key = callback_key(app, "compare")
    body = callback_body(app, key, {f"{ids.SN_COMPARE_A}.value": made["js"], f"{ids.SN_COMPARE_B}.value": made["sd"]})
    assert "快照不存在" in json.dumps(post_callback(c, body).get_json(), ensure_ascii=False)


def test_scp008_the_overview_link_carries_the_area():
    assert snapshots_href("?campaign=1&metric=pace", "/area/370000") == "/snapshots?campaign=1&metric=pace&area=370000"
    assert snapshots_href("", "/area/371300") == "/snapshots?area=371300"
    assert snapshots_href("?campaign=1", "/") == "/snapshots?campaign=1"
