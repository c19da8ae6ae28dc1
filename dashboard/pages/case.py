"""/case/<id>: one typical case with its photos; the edit form for its own unit's reporter and for
admins; the 市级典型 mark for admins. /cases/new: the same form, empty.

Who sees the form is decided here and again in callbacks/cases.py (the callbacks are public
endpoints): reporters edit only their own unit's cases, admins any, leaders only view.
"""

from __future__ import annotations

from dash import dcc, html
from flask_login import current_user

from dashboard import ids, labels, scope
from dashboard.components.dropdown import dropdown
from dashboard.data import session
from dashboard.http.auth import has_role
from dashboard.pages.cases import badges, campaign_choice, options
from db.cases import files
from db.cases import typical as db_cases
from db.models.cases import LEVELS, STAGES

NOT_FOUND = "典型不存在或已被删除。"
BACK = "← 返回典型列表"


def _date(value) -> str:
    return labels.date_cn(value) if value else "—"


def photo_grid(case: dict, removable: bool) -> html.Div | html.P:
    if not case["photos"]:
        return html.P("还没有图片。", className="muted")
    tiles = []
    for i, p in enumerate(case["photos"]):
        remove = (dcc.ConfirmDialogProvider(html.Button("移除", className="btn btn-danger"),
                                            id={"type": ids.CS_PHOTO_REMOVE, "index": p["id"]},
                                            message=f"确定从本典型移除图片“{p['name']}”吗？")
                  if removable else None)
        tiles.append(html.Figure(
            [html.A(html.Img(src=p["thumb_url"], alt=f"{case['title']}（{i + 1}）"), href=p["url"], target="_blank"),
             html.Figcaption([p["name"], remove])],
            className="cs-figure",
        ))
    return html.Div(tiles, className="cs-photo-wall cs-detail-photos")


def detail(case: dict, *, editable: bool) -> list:
    """The children of the detail card (callbacks re-render them after a change)."""
    where = (f"经度 {case['lon']:.4f}，纬度 {case['lat']:.4f}" if case["lon"] is not None else labels.NO_LOCATION)
    marked = (f"（{case['city_level_by']} 于 {case['city_level_at']:%Y-%m-%d} 标记）"
              if case["city_level"] and case["city_level_at"] else "")
    facts = [
        ("单位", dcc.Link(case["unit_name"], href=f"/district/{case['unit_code']}")),
        ("企业、行业或区域", case["subject"]),
        ("开始培育", _date(case["started_on"])),
        ("选树日期", _date(case["selected_on"])),
        ("位置", where),
        ("最后修改", f"{case['updated_by']} · {case['updated_at']:%Y-%m-%d %H:%M}"),
    ]
    return [
        html.Div([html.H2(case["title"], className="page-title"), html.Div(badges(case), className="cs-badges"),
                  html.Span(marked, className="muted")], className="cs-head"),
        html.Dl([item for k, v in facts for item in (html.Dt(k), html.Dd(v))], className="cs-facts"),
        html.H3("好经验、好做法"),
        html.P(case["summary"], className="cs-text"),
        html.H3("图片"),
        photo_grid(case, removable=editable),
    ]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _field(label: str, control, wide: bool = False) -> html.Label:
    return html.Label([label, control], className="cs-field" + (" wide" if wide else ""))


def form(case: dict | None, units: list[dict], campaign_id: int, limits: files.Limits) -> html.Section:
    """The create/edit form. Reporters' unit is fixed to their own (the server enforces it too)."""
    c = case or {}
    own = current_user.unit_code if current_user.role == "reporter" else None
    # Always present (the save callback reads it); fixed to the case's unit when editing.
    unit_control = _field("单位", dropdown(
        id=ids.CS_F_UNIT, options=[{"label": u["name"], "value": u["code"]} for u in units],
        value=c.get("unit_code") or own, disabled=case is not None or own is not None, clearable=False,
        placeholder="选择单位", className="cs-dd-unit"))
    return html.Section(
        [
            html.H3("修改典型" if case else labels.CASE_NEW),
            dcc.Store(id=ids.CS_F_CASE, data=c.get("id")),
            dcc.Store(id=ids.CS_F_CAMPAIGN, data=campaign_id),
            html.Div(
                [
                    unit_control,
                    _field("标题", dcc.Input(id=ids.CS_F_TITLE, value=c.get("title"), maxLength=100, className="input"),
                           wide=True),
                    _field("企业、行业或区域名称", dcc.Input(id=ids.CS_F_SUBJECT, value=c.get("subject"), maxLength=100,
                                                     className="input"), wide=True),
                    _field("层级", dropdown(id=ids.CS_F_LEVEL, options=options(LEVELS), value=c.get("level"),
                                                clearable=False, className="cs-dd")),
                    _field("阶段", dropdown(id=ids.CS_F_STAGE, options=options(STAGES),
                                                value=c.get("stage", "cultivating"), clearable=False,
                                                className="cs-dd")),
                    _field("开始培育日期", dcc.Input(id=ids.CS_F_STARTED, type="date", value=_iso(c.get("started_on")),
                                                 className="input")),
                    _field("选树日期（已选树、跟踪服务必填）", dcc.Input(id=ids.CS_F_SELECTED, type="date",
                                                               value=_iso(c.get("selected_on")), className="input")),
                    _field("经度（可选）", dcc.Input(id=ids.CS_F_LON, type="number", value=c.get("lon"), step="any",
                                                 placeholder="如 118.3350", className="input")),
                    _field("纬度（可选）", dcc.Input(id=ids.CS_F_LAT, type="number", value=c.get("lat"), step="any",
                                                 placeholder="如 35.0900", className="input")),
                    _field("好经验、好做法", dcc.Textarea(id=ids.CS_F_SUMMARY, value=c.get("summary"), maxLength=5000,
                                                      className="input cs-textarea"), wide=True),
                ],
                className="cs-form",
            ),
            dcc.Upload(
                html.Div(["拖入或", html.A("选择图片"), f"（jpg、png，每张不超过 {files.size_text(limits.photo)}）"]),
                id=ids.CS_F_PHOTOS, multiple=True, accept=".jpg,.jpeg,.png,image/jpeg,image/png",
                max_size=limits.photo, className="cs-upload",
            ),
            html.Div(id=ids.CS_F_PHOTO_NAMES, className="muted"),
            html.Button("保存", id=ids.CS_F_SAVE, className="btn"),
            html.Div(id=ids.CS_F_RESULT),
        ],
        className="card cs-edit",
    )


def mark_control(case: dict) -> html.Section:
    text = f"取消{labels.CITY_LEVEL}" if case["city_level"] else f"标记为{labels.CITY_LEVEL}"
    return html.Section(
        [html.H3(labels.CITY_LEVEL), html.P("只有管理员可以标记或取消市级典型。", className="muted"),
         html.Button(text, id=ids.CS_MARK, className="btn"), html.Div(id=ids.CS_MARK_RESULT)],
        className="card",
    )


def _back() -> dcc.Link:
    return dcc.Link(BACK, href="/cases", className="back")


def layout(state, case_id: str | None = None, **_):
    from flask import current_app

    limits = files.limits_from(current_app.config)
    with session() as s:
        units = scope.only_visible(s, db_cases.units(s))  # a leader or admin bound to an area: its units
        if case_id is None:  # /cases/new
            if not has_role("reporter", "admin"):
                return html.Div([html.H2(labels.FORBIDDEN), _back()], className="card notice forbidden")
            chosen, _all = campaign_choice(s, state.campaign)
            if chosen is None:
                return html.Div(labels.NO_CAMPAIGN, className="card notice")
            return html.Div([_back(), html.P(f"行动：{chosen['name']}", className="muted"),
                             form(None, units, chosen["id"], limits), html.Div(id=ids.CS_DETAIL, hidden=True)])
        case = db_cases.get_case(s, int(case_id))
        outside = case is not None and not scope.unit_visible(s, case["unit_code"])
    if outside:  # another area's case: forbidden, audited
        scope.audit_refusal(f"典型 #{case_id}（{case['unit_code']}）")
        return html.Div([html.H2(labels.FORBIDDEN), _back()], className="card notice forbidden")
    if case is None:
        return html.Div([html.H2(NOT_FOUND), _back()], className="card notice")
    editable = current_user.is_authenticated and db_cases.can_edit_case(
        current_user.role, current_user.unit_code, case["unit_code"])
    return html.Div(
        [
            _back(),
            html.Div(detail(case, editable=editable), id=ids.CS_DETAIL, className="card"),
            form(case, units, case["campaign_id"], limits) if editable else None,
            mark_control(case) if has_role("admin") else None,
        ]
    )
