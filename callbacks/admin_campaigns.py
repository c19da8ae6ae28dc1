"""Admin callbacks of /admin/campaigns: fill the form for the chosen campaign; create or update a
campaign together with its thresholds (one transaction: a refused threshold saves no dates either).

Each callback is an HTTP endpoint anyone can POST to: `require_role("admin")` refuses (403,
audited) everyone else before the body runs.
"""

from __future__ import annotations

from dash import Input, Output, State, no_update

from dashboard import context, ids, scope
from dashboard.context import actor, session
from dashboard.http.auth import require_role
from dashboard.pages import admin as admin_page
from dashboard.pages import admin_campaigns as page
from db.accounts.queries import admin_campaigns
from db.admin.campaigns import (
    THRESHOLD_FIELDS,
    create_campaign,
    set_thresholds,
    threshold_overrides,
    update_campaign,
)
from db.admin.common import AdminError

DATE_IDS = {"window_start": ids.AD_CAMP_START, "window_end": ids.AD_CAMP_END, "cutoff_date": ids.AD_CAMP_CUTOFF,
            "deadline": ids.AD_CAMP_DEADLINE}
FORM_IDS = [ids.AD_CAMP_NAME, *DATE_IDS.values(), *(ids.AD_CAMP_TH[k] for k in (*THRESHOLD_FIELDS, "pace"))]
FORM_PROPS = dict.fromkeys(FORM_IDS, "value")


def _campaign_id(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def register(app) -> None:
    @app.callback(
        *[Output(cid, prop) for cid, prop in FORM_PROPS.items()],
        Output(ids.AD_CAMP_COPY, "disabled"),
        Input(ids.AD_CAMP_PICK, "value"),
    )
    @require_role("admin")
    def fill_form(chosen):
        campaign_id = _campaign_id(chosen)
        campaign, overrides = None, {}
        if campaign_id is not None:
            with session() as s:
                campaign = next((c for c in admin_campaigns(s) if c["id"] == campaign_id), None)
                overrides = threshold_overrides(s, campaign_id) if campaign else {}
        values = page.form_values(campaign, overrides)
        return *[values[cid] for cid in FORM_IDS], campaign is not None

    @app.callback(
        Output(ids.AD_CAMP_RESULT, "children"),
        Output(ids.AD_CAMPS, "children"),
        Output(ids.AD_CAMP_PICK, "options"),
        Output(ids.AD_CAMP_PICK, "value"),
        Input(ids.AD_CAMP_SAVE, "n_clicks"),
        State(ids.AD_CAMP_PICK, "value"),
        State(ids.AD_CAMP_COPY, "value"),
        *[State(cid, prop) for cid, prop in FORM_PROPS.items()],
        prevent_initial_call=True,
    )
    @require_role("admin")
    def save(_clicks, chosen, copy_from, *values):
        if scope.bound():  # campaigns belong to the whole installation, not to an area
            scope.refuse("行动设置（仅限未绑定地区的管理员）")
        form = dict(zip(FORM_IDS, values, strict=True))
        dates = {key: form[cid] for key, cid in DATE_IDS.items()}
        thresholds = {key: form[ids.AD_CAMP_TH[key]] for key in (*THRESHOLD_FIELDS, "pace")}
        campaign_id = _campaign_id(chosen)
        if campaign_id is None and chosen != page.NEW:
            return admin_page.result(False, "请选择要修改的行动，或“新建行动”"), no_update, no_update, no_update
        try:
            with context.write() as s:
                if campaign_id is None:
                    campaign = create_campaign(s, form[ids.AD_CAMP_NAME], dates, copy_from=_campaign_id(copy_from),
                                               **actor())
                    campaign_id, done = campaign.id, [f"已新建行动“{campaign.name}”（编号 {campaign.id}）"]
                else:
                    done = update_campaign(s, campaign_id, form[ids.AD_CAMP_NAME], dates, **actor())
                done += set_thresholds(s, campaign_id, thresholds, **actor())
        except AdminError as exc:
            return (html_problems(exc.messages), no_update, no_update, no_update)
        with session() as s:
            campaigns = admin_campaigns(s)
        message = "已保存：" + "；".join(done) if done else "没有修改"
        return (admin_page.result(True, message), page.campaigns_table(campaigns), page.campaign_options(campaigns),
                campaign_id)


def html_problems(messages: list[str]):
    """Several problems as a list under one heading; one as a line."""
    from dash import html

    if len(messages) == 1:
        return admin_page.result(False, messages[0])
    return html.Div([html.P(f"有 {len(messages)} 处问题，未保存：", className="error"),
                     html.Ul([html.Li(m) for m in messages])], className="result error", role="alert")
