"""Callbacks of /cases, /case/<id> and /cases/new: filters, save (create/update with photos), remove a
photo, mark 市级典型.

Every callback is a public endpoint, so each authorises inside: `require_role(...)` first, then the
unit check against the database (a reporter edits only their own unit's cases, whatever the request
says). Writes go through db/cases/typical.py in one transaction each: a refused photo saves nothing.
"""

from __future__ import annotations

import base64
import binascii

from dash import ALL, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_login import current_user

from dashboard import context, ids
from dashboard.context import actor, session
from dashboard.http.auth import require_role
from dashboard.pages import case as case_page
from dashboard.pages import cases as cases_page
from db.accounts.auth import ROLES
from db.cases import files
from db.cases import typical as db_cases
from db.models.cases import LEVELS, STAGES

MAX_PHOTOS_PER_SAVE = 20


def result(ok: bool, text: str) -> html.Div:
    return html.Div(text, className=f"result {'ok' if ok else 'error'}", role="status" if ok else "alert")


def decode_uploads(contents, filenames) -> list[tuple[bytes, str]]:
    """dcc.Upload's data URLs to (bytes, file name); anything malformed is refused in Chinese."""
    if not contents:
        return []
    contents = contents if isinstance(contents, list) else [contents]
    filenames = filenames if isinstance(filenames, list) else [filenames]
    if len(contents) > MAX_PHOTOS_PER_SAVE:
        raise files.FileRejected(f"一次最多上传 {MAX_PHOTOS_PER_SAVE} 张图片")
    out = []
    for i, data in enumerate(contents):
        name = files.display_name(filenames[i] if i < len(filenames) and isinstance(filenames[i], str) else "")
        if not isinstance(data, str) or "," not in data:
            raise files.FileRejected(f"“{name}”上传不完整，请重新选择")
        try:
            out.append((base64.b64decode(data.split(",", 1)[1], validate=True), name))
        except (binascii.Error, ValueError) as exc:
            raise files.FileRejected(f"“{name}”上传不完整，请重新选择") from exc
    return out


def _fields(title, subject, summary, level, stage, started, selected, lon, lat) -> dict:
    return {"title": title, "subject": subject, "summary": summary, "level": level, "stage": stage,
            "started_on": started, "selected_on": selected, "lon": lon, "lat": lat}


def _case_id(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _may_edit(case_id: int) -> bool:
    with session() as s:
        unit = db_cases.case_unit_code(s, case_id)
    return unit is not None and db_cases.can_edit_case(current_user.role, current_user.unit_code, unit)


def _detail(case_id: int):
    with session() as s:
        case = db_cases.get_case(s, case_id)
    if case is None:
        return [html.P(case_page.NOT_FOUND)]
    editable = db_cases.can_edit_case(current_user.role, current_user.unit_code, case["unit_code"])
    return case_page.detail(case, editable=editable)


def register(app) -> None:
    @app.callback(
        Output(ids.CS_COUNT, "children"),
        Output(ids.CS_GALLERY, "children"),
        Output(ids.CS_PHOTOS, "children"),
        Output(ids.CS_TARGETS, "children"),
        Input(ids.CS_CAMPAIGN, "value"),
        Input(ids.CS_UNIT, "value"),
        Input(ids.CS_LEVEL, "value"),
        Input(ids.CS_STAGE, "value"),
        Input(ids.CS_CITY, "value"),
        Input(ids.DATA_VERSION, "data"),  # a case saved elsewhere shows up without a reload
        prevent_initial_call=True,
    )
    @require_role(*ROLES)
    def filter_cases(campaign, unit, level, stage, city, _version):
        if _case_id(campaign) is None:
            raise PreventUpdate
        with session() as s:
            view = cases_page.content(
                s, campaign, unit=unit if isinstance(unit, str) else None,
                level=level if level in LEVELS else None, stage=stage if stage in STAGES else None,
                city_only=isinstance(city, list) and "city" in city,
            )
        return view["count"], view["gallery"], view["photos"], view["targets"]

    @app.callback(
        Output(ids.CS_F_PHOTO_NAMES, "children"),
        Input(ids.CS_F_PHOTOS, "filename"),
        prevent_initial_call=True,
    )
    @require_role("reporter", "admin")
    def chosen_photos(filenames):
        names = filenames if isinstance(filenames, list) else [filenames] if filenames else []
        if not names:
            return ""
        return "待上传（点“保存”后上传）：" + "、".join(files.display_name(n) for n in names if isinstance(n, str))

    @app.callback(
        Output(ids.CS_F_RESULT, "children"),
        Output(ids.CS_F_PHOTOS, "contents"),
        Output(ids.URL, "pathname", allow_duplicate=True),
        Input(ids.CS_F_SAVE, "n_clicks"),
        State(ids.CS_F_CASE, "data"),
        State(ids.CS_F_CAMPAIGN, "data"),
        State(ids.CS_F_UNIT, "value"),
        State(ids.CS_F_TITLE, "value"),
        State(ids.CS_F_SUBJECT, "value"),
        State(ids.CS_F_SUMMARY, "value"),
        State(ids.CS_F_LEVEL, "value"),
        State(ids.CS_F_STAGE, "value"),
        State(ids.CS_F_STARTED, "value"),
        State(ids.CS_F_SELECTED, "value"),
        State(ids.CS_F_LON, "value"),
        State(ids.CS_F_LAT, "value"),
        State(ids.CS_F_PHOTOS, "contents"),
        State(ids.CS_F_PHOTOS, "filename"),
        prevent_initial_call=True,
    )
    @require_role("reporter", "admin")
    def save(_clicks, case_id, campaign_id, unit, title, subject, summary, level, stage, started, selected, lon, lat,
             contents, filenames):
        # Dash fires this when the page is rendered (the URL output is outside the new page): no click, no save.
        if not _clicks:
            raise PreventUpdate
        case_id = _case_id(case_id)
        fields = _fields(title, subject, summary, level, stage, started, selected, lon, lat)
        if case_id is not None and not _may_edit(case_id):
            return result(False, "只能修改本单位的典型"), no_update, no_update
        if case_id is None:
            unit = current_user.unit_code if current_user.role == "reporter" else unit
            if not isinstance(unit, str) or not unit:
                return result(False, "单位：请选择"), no_update, no_update
            if _case_id(campaign_id) is None:
                return result(False, "行动：无效"), no_update, no_update
        directory, limits = files.upload_dir(current_app.config), files.limits_from(current_app.config)
        who = actor()
        try:
            photos = decode_uploads(contents, filenames)
            with context.write() as s:
                if case_id is None:
                    case = db_cases.create_case(s, campaign_id, unit, fields, **who)
                else:
                    case = db_cases.update_case(s, case_id, fields, **who)
                for data, name in photos:
                    db_cases.add_case_photo(s, case.id, data, name, directory=directory, limits=limits, **who)
                new_id = case.id
        except (db_cases.CaseError, files.FileRejected) as exc:
            return result(False, f"未保存：{exc.message}"), no_update, no_update
        added = f"，上传图片 {len(photos)} 张" if photos else ""
        if case_id is None:
            return result(True, f"已创建典型{added}"), None, f"/case/{new_id}"
        return result(True, f"已保存{added}"), None, no_update

    @app.callback(
        Output(ids.CS_DETAIL, "children"),
        Input(ids.CS_F_RESULT, "children"),
        State(ids.CS_F_CASE, "data"),
        prevent_initial_call=True,
    )
    @require_role(*ROLES)
    def refresh_detail(_result, case_id):
        case_id = _case_id(case_id)
        if case_id is None:
            raise PreventUpdate
        return _detail(case_id)

    @app.callback(
        Output(ids.CS_F_RESULT, "children", allow_duplicate=True),
        Input({"type": ids.CS_PHOTO_REMOVE, "index": ALL}, "submit_n_clicks"),
        State(ids.CS_F_CASE, "data"),
        prevent_initial_call=True,
    )
    @require_role("reporter", "admin")
    def remove_photo(_confirmed, case_id):
        # A re-rendered grid brings new, unclicked buttons: only a confirmed click counts.
        if not ctx.triggered_id or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        case_id, file_id = _case_id(case_id), ctx.triggered_id.get("index")
        if case_id is None or _case_id(file_id) is None:
            raise PreventUpdate
        if not _may_edit(case_id):
            return result(False, "只能修改本单位的典型")
        try:
            with context.write() as s:
                db_cases.remove_case_photo(s, case_id, file_id, **actor())
        except db_cases.CaseError as exc:
            return result(False, exc.message)
        return result(True, "已移除图片")

    @app.callback(
        Output(ids.CS_MARK_RESULT, "children"),
        Output(ids.CS_MARK, "children"),
        Output(ids.CS_DETAIL, "children", allow_duplicate=True),
        Input(ids.CS_MARK, "n_clicks"),
        State(ids.CS_F_CASE, "data"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def mark(clicks, case_id):
        case_id = _case_id(case_id)
        if not clicks or case_id is None:
            raise PreventUpdate
        try:
            with context.write() as s:
                case = db_cases.get_case(s, case_id)
                if case is None:
                    raise db_cases.CaseError(case_page.NOT_FOUND)
                value = not case["city_level"]
                db_cases.set_city_level(s, case_id, value, **actor())
        except db_cases.CaseError as exc:
            return result(False, exc.message), no_update, no_update
        text = "已标记为市级典型" if value else "已取消市级典型"
        button = "取消市级典型" if value else "标记为市级典型"
        return result(True, text), button, _detail(case_id)
