"""Export tickets (callbacks/snapshots.py): a ticket is bound to the user who asked for the export."""

from __future__ import annotations

import json
import time

import pytest
from dash._utils import stringify_id
from sqlalchemy import select

from dashboard import ids
from db.engine import read_session
from db.models import AuditEvent
from db.models.snapshots import Snapshot
from tests.http_helpers import callback_key, demo_app, login, post_callback


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    directory = tmp_path_factory.mktemp("tickets")
    return demo_app(directory)


def signed_in(app, username: str):
    c = app.server.test_client()
    assert login(c, username).status_code == 302
    return c


def _key(app, name: str) -> str:
    return callback_key(app, name)


def start_body(app, snapshot_id: int, fmt: str = "csv") -> str:
    button = {"type": ids.SN_EXPORT, "fmt": fmt}
    state = {ids.SN_SNAPSHOT_ID: snapshot_id, ids.SN_FILTERS: None, ids.SN_TITLE: "", ids.SN_NOTE: ""}
    cb = app.callback_map[_key(app, "start_export")]
    return json.dumps({
        "output": _key(app, "start_export"),
        "outputs": [{"id": ids.SN_TICKET, "property": "data"}, {"id": ids.SN_EXPORT_RESULT, "property": "children"}],
        "inputs": [[{"id": button, "property": "n_clicks", "value": 1}]],
        "state": [{**d, "value": state[d["id"]]} for d in cb["state"]],
        "changedPropIds": [f"{stringify_id(button)}.n_clicks"],
    })


def run_body(app, ticket) -> str:
    key = _key(app, "run_export")
    return json.dumps({
        "output": key,
        "outputs": [{"id": ids.SN_DOWNLOAD, "property": "data"},
                    {"id": ids.SN_EXPORT_RESULT, "property": "children"}],
        "inputs": [{"id": ids.SN_TICKET, "property": "data", "value": ticket}],
        "state": [], "changedPropIds": [f"{ids.SN_TICKET}.data"],
    })


def leader_ticket(app, leader) -> tuple[str, int]:
    with read_session(app.server.extensions["jizhong_engine"]) as s:
        sid = s.scalar(select(Snapshot.id).order_by(Snapshot.id))
    r = post_callback(leader, start_body(app, sid))
    assert r.status_code == 200, r.get_data(as_text=True)
    ticket = r.get_json()["response"][ids.SN_TICKET]["data"]
    assert isinstance(ticket, str)
    return ticket, sid


def download(c, app, ticket, timeout: float = 90):
    """Run the background export as dash-renderer does: start the job, then poll its handles."""
    r = post_callback(c, run_body(app, ticket))
    if r.status_code != 200 or "cacheKey" not in r.get_json():
        return r
    handles = r.get_json()
    token = c.get_cookie("_csrf_token").value
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = c.post(f"/_dash-update-component?cacheKey={handles['cacheKey']}&job={handles['job']}",
                   data=run_body(app, ticket), content_type="application/json", headers={"X-CSRFToken": token})
        if r.status_code != 204 and "response" in (r.get_json(silent=True) or {}):
            return r
        time.sleep(0.5)
    raise AssertionError("the export job did not finish")


def test_tkt001_a_leaders_ticket_is_refused_to_a_reporter(app):
    ticket, _ = leader_ticket(app, signed_in(app, "demo-leader"))
    reporter = signed_in(app, "demo-lanshan")
    r = post_callback(reporter, run_body(app, ticket))
    assert r.status_code == 403
    assert "无权" in r.get_data(as_text=True)
    with read_session(app.server.extensions["jizhong_engine"]) as s:
        actors = list(s.scalars(select(AuditEvent.actor).where(AuditEvent.action == "forbidden")))
    assert "demo-lanshan" in actors


def test_tkt002_a_leaders_ticket_is_refused_to_another_leader_or_admin(app):
    ticket, _ = leader_ticket(app, signed_in(app, "demo-leader"))
    r = post_callback(signed_in(app, "demo-admin"), run_body(app, ticket))
    assert r.status_code == 403
    assert "该导出凭据属于其他用户" in r.get_data(as_text=True)


def test_tkt003_the_leader_still_downloads(app):
    leader = signed_in(app, "demo-leader")
    ticket, sid = leader_ticket(app, leader)
    r = download(leader, app, ticket)
    assert r.status_code == 200, r.get_data(as_text=True)
    response = r.get_json()["response"]
    assert response[ids.SN_DOWNLOAD]["data"]["filename"].endswith(".csv")
    assert f"已导出快照 {sid}" in json.dumps(response[ids.SN_EXPORT_RESULT], ensure_ascii=False)
