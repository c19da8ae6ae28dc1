"""Admin `/admin/campaigns`: create a campaign, edit its name and dates, and its lagging thresholds.

Blank threshold fields mean "the default" (the app's LAGGING config over dashboard.lagging's
defaults): the placeholders show it. Writes happen in callbacks/admin_campaigns.py through
db/admin/campaigns.py; the builders here are pure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from dash import dcc, html
from flask import current_app

from dashboard import ids, scope
from dashboard.components.dropdown import dropdown
from dashboard.http.auth import has_role
from dashboard.pages.admin import TITLE, field, forbidden, subnav, table
from db.accounts.queries import admin_campaigns
from db.admin.campaigns import THRESHOLD_FIELDS, pace_text
from domain.metrics import label as metric_label

NEW = "new"  # the campaign picker's "create a new campaign" choice
__all__ = ["forbidden", "layout"]


def default_thresholds() -> dict:
    """The thresholds a campaign without settings gets: the app config over the rules' defaults."""
    from domain.lagging import Thresholds

    return dataclasses.asdict(Thresholds(**current_app.config.get("LAGGING", {})))


def _date(value: dt.date | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "—"


def campaigns_table(campaigns: list[dict]) -> html.Table | html.P:
    rows = [
        html.Tr(
            [
                html.Td(c["id"], className="num"),
                html.Td([c["name"], html.Span(" 演示", className="badge") if c["is_demo"] else None], className="name"),
                html.Td(f"{_date(c['window_start'])} 至 {_date(c['window_end'])}"),
                html.Td(_date(c["cutoff_date"])),
                html.Td(_date(c["deadline"])),
                html.Td(c["units_with_baseline"], className="num"),
                html.Td(f"{c['units_reported']} 个单位 / {c['versions']} 版", className="num"),
                html.Td("自定" if c["thresholds_at"] else "默认", className="" if c["thresholds_at"] else "muted-cell"),
            ],
            **{"data-campaign-id": str(c["id"])},
        )
        for c in campaigns
    ]
    return table(["编号", "名称", "行动期", "统计截止", "报送截止", "有基数的单位", "已报送", "落后阈值"], rows, "还没有行动。")


def campaign_options(campaigns: list[dict]) -> list[dict]:
    return [{"label": "＋ 新建行动", "value": NEW}] + [
        {"label": c["name"] + ("（演示）" if c["is_demo"] and "演示" not in c["name"] else ""), "value": c["id"]}
        for c in campaigns]


def form_values(campaign: dict | None, overrides: dict) -> dict:
    """What the form shows for a campaign (None: an empty form for a new one), by component id."""
    values = {ids.AD_CAMP_NAME: campaign["name"] if campaign else ""}
    for cid, key in ((ids.AD_CAMP_START, "window_start"), (ids.AD_CAMP_END, "window_end"),
                     (ids.AD_CAMP_CUTOFF, "cutoff_date"), (ids.AD_CAMP_DEADLINE, "deadline")):
        values[cid] = campaign[key].isoformat() if campaign else None
    for key in THRESHOLD_FIELDS:
        value = overrides.get(key)
        values[ids.AD_CAMP_TH[key]] = f"{value:g}" if value is not None else ""
    values[ids.AD_CAMP_TH["pace"]] = pace_text(overrides.get("pace"))
    return values


def _threshold_fields(defaults: dict) -> html.Div:
    inputs = []
    for key, (label, unit, *_) in THRESHOLD_FIELDS.items():
        inputs.append(field(f"{label}{unit}" if unit.startswith("（") else f"{label}（{unit}）",
                            dcc.Input(id=ids.AD_CAMP_TH[key], type="text", inputMode="decimal",
                                      placeholder=f"默认 {defaults[key]:g}", className="input")))
    pace_default = "按行动期线性" if defaults["pace"] == "linear" else pace_text(defaults["pace"])
    inputs.append(field("应达进度曲线（每行“日期 比例”，留空为默认）",
                        dcc.Textarea(id=ids.AD_CAMP_TH["pace"], placeholder=f"默认：{pace_default}\n例：\n2017-03-31 20%\n"
                                     "2017-04-30 70%\n2017-05-31 100%", className="input textarea")))
    return html.Div(inputs, className="admin-form")


def _date_field(label: str, cid: str) -> html.Label:
    return field(label, dcc.Input(id=cid, type="date", className="input input-date"))


READ_ONLY = "行动的时间与落后判定阈值适用于整个系统，由未绑定地区的管理员设置；您的账号绑定在一个地区，此处只能查看。"


def layout(state=None):
    if not has_role("admin"):
        return forbidden()
    from dashboard.data import session

    with session() as s:
        campaigns = admin_campaigns(s)
    chosen = campaigns[0]["id"] if campaigns else NEW
    defaults = default_thresholds()
    if scope.bound():  # an area's admin sees the campaigns; the installation's admins set them
        return html.Div([html.H2(TITLE, className="page-title"), subnav("/admin/campaigns"),
                         html.Section([html.H3("行动"), html.P(READ_ONLY, className="notice"),
                                       html.Div(campaigns_table(campaigns), id=ids.AD_CAMPS, className="table-scroll")],
                                      className="card")], className="admin")
    return html.Div(
        [
            html.H2(TITLE, className="page-title"),
            subnav("/admin/campaigns"),
            html.Section(
                [
                    html.H3("行动"),
                    html.Div(campaigns_table(campaigns), id=ids.AD_CAMPS, className="table-scroll"),
                ],
                className="card",
            ),
            html.Section(
                [
                    html.H3("新建或修改行动"),
                    html.Div([field("选择行动", dropdown(id=ids.AD_CAMP_PICK, options=campaign_options(campaigns),
                                                          value=chosen, clearable=False, className="dd dd-campaign"))],
                             className="admin-form"),
                    html.Div(
                        [
                            field("名称", dcc.Input(id=ids.AD_CAMP_NAME, type="text", maxLength=200,
                                                    className="input input-wide")),
                            _date_field("行动开始", ids.AD_CAMP_START),
                            _date_field("行动结束", ids.AD_CAMP_END),
                            _date_field("统计截止", ids.AD_CAMP_CUTOFF),
                            _date_field("报送截止", ids.AD_CAMP_DEADLINE),
                            field("复制基数与目标自（仅新建）",
                                  dropdown(id=ids.AD_CAMP_COPY, options=campaign_options(campaigns)[1:],
                                               placeholder="不复制", className="dd dd-unit")),
                        ],
                        className="admin-form",
                    ),
                    html.H4("落后判定阈值"),
                    html.P("留空表示使用系统默认值（灰色提示）。"
                           f"单位的{metric_label('pace')}、{metric_label('filing_rate')}差超过阈值，或超过天数未报送，"
                           "即列入“落后单位”。", className="muted"),
                    _threshold_fields(defaults),
                    html.Button("保存", id=ids.AD_CAMP_SAVE, className="btn"),
                    html.Div(id=ids.AD_CAMP_RESULT),
                ],
                className="card",
            ),
        ],
        className="admin",
    )
