"""/admin/campaigns for an admin bound to an area: campaigns and thresholds apply to the whole installation,
so the page is read-only and a forged save is 403 and changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from callbacks.admin_campaigns import FORM_IDS
from dashboard import ids
from db.engine import read_session
from db.models import Campaign
from tests.dashboard.scope.conftest import client
from tests.dashboard.scope.test_scope_district import route
from tests.http_helpers import callback_body, callback_key, post_callback


def test_scope_campaigns001_an_area_admin_sees_campaigns_read_only_and_cannot_save(app, engine):
    c = client(app, "prov-admin")
    page = route(app, c, "/admin/campaigns")
    assert "此处只能查看" in page and ids.AD_CAMP_SAVE not in page
    with read_session(engine) as s:
        campaign = s.scalars(select(Campaign).where(Campaign.is_demo.is_(True))).first()
        before = (campaign.name, campaign.window_start, campaign.window_end)
    values = {f"{cid}.value": None for cid in FORM_IDS}
    values.update({f"{ids.AD_CAMP_SAVE}.n_clicks": 1, f"{ids.AD_CAMP_PICK}.value": campaign.id,
                   f"{ids.AD_CAMP_COPY}.value": None, f"{ids.AD_CAMP_NAME}.value": "改名"})
    body = callback_body(app, callback_key(app, "save", ids.AD_CAMP_RESULT), values)
    assert post_callback(c, body).status_code == 403
    with read_session(engine) as s:
        after = s.get(Campaign, campaign.id)
        assert (after.name, after.window_start, after.window_end) == before
