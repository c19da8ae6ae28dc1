"""/admin/targets for an admin bound to province A: the grid holds only A's units; a forged row of B's
unit (preview or save) is 403 and changes nothing; A's own rows save as before."""

from __future__ import annotations

from sqlalchemy import select

from dashboard import ids
from db.admin.targets import target_rows
from db.engine import read_session
from db.models import Campaign
from tests.dashboard.scope.conftest import A_UNIT, B_UNIT, client
from tests.dashboard.scope.test_scope_district import route
from tests.http_helpers import callback_body, callback_key, post_callback


def rows(engine) -> tuple[int, dict[str, dict]]:
    with read_session(engine) as s:
        cid = s.scalar(select(Campaign.id).where(Campaign.is_demo.is_(True)))
        return cid, {r["code"]: r for r in target_rows(s, cid)}


def save_body(app, cid: int, grid: list[dict]) -> str:
    return callback_body(app, callback_key(app, "save", ids.AD_TGT_RESULT), {
        f"{ids.AD_TGT_SAVE}.n_clicks": 1, f"{ids.AD_TGT_GRID}.rowData": grid, f"{ids.AD_TGT_CAMPAIGN}.value": cid})


def test_scope_targets001_grid_and_saves_stay_inside_the_area(app, engine):
    c = client(app, "prov-admin")
    page = route(app, c, "/admin/targets")
    assert "兰山区" in page and "玄武区" not in page
    cid, before = rows(engine)
    theirs = {**before[B_UNIT], "target_ents": (before[B_UNIT]["target_ents"] or 0) + 1}
    assert post_callback(c, save_body(app, cid, [theirs])).status_code == 403
    preview = callback_body(app, callback_key(app, "preview", ids.AD_TGT_PREVIEW), {
        f"{ids.AD_TGT_GRID}.cellValueChanged": [{}], f"{ids.AD_TGT_GRID}.rowData": [theirs],
        f"{ids.AD_TGT_CAMPAIGN}.value": cid})
    assert post_callback(c, preview).status_code == 403
    load = callback_body(app, callback_key(app, "load", ids.AD_TGT_GRID), {f"{ids.AD_TGT_CAMPAIGN}.value": cid})
    loaded = post_callback(c, load).get_data(as_text=True)
    assert "兰山区" in loaded and "玄武区" not in loaded
    _, after = rows(engine)
    assert after[B_UNIT] == before[B_UNIT]
    ours = {**before[A_UNIT], "target_ents": (before[A_UNIT]["target_ents"] or 0) + 1}
    assert post_callback(c, save_body(app, cid, [ours])).status_code == 200
    _, after = rows(engine)
    assert after[A_UNIT]["target_ents"] == ours["target_ents"]
