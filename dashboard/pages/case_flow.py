"""What the /cases, /case/<id> and /cases/new callbacks do: filter, save (with photos), remove a photo,
mark 市级典型. Each function authorises against the database (a reporter edits only its own unit's
cases, whatever the request says) and returns its callback's outputs (see callbacks/cases.py).
Writes go through db/cases/ in one transaction each: a refused photo saves nothing.
"""

from __future__ import annotations

import base64
import binascii

from dash import html, no_update
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_login import current_user

from dashboard import context, scope
from dashboard.context import actor, session
from dashboard.pages import case as case_page
from dashboard.pages import cases as cases_page
from db.cases import files, saving
from db.cases import typical as db_cases
from db.models.cases import LEVELS, STAGES
from domain.errors import UserError
from domain.inputs import as_id

MAX_PHOTOS_PER_SAVE = files.MAX_PHOTOS_PER_SAVE


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


def fields(title, subject, summary, level, stage, started, selected, lon, lat) -> dict:
    return {"title": title, "subject": subject, "summary": summary, "level": level, "stage": stage,
            "started_on": started, "selected_on": selected, "lon": lon, "lat": lat}


def case_id_or_none(value) -> int | None:
    return as_id(value) if isinstance(value, int) else None  # out of a database integer's range: none


def _require_case(case_id: int | None) -> None:
    """403 (audited) for a case of a unit outside the user's area (a leader or admin bound to one)."""
    if case_id is None or not scope.bound():
        return
    with session() as s:
        unit = db_cases.case_unit_code(s, case_id)
        if unit is not None:
            scope.require_unit(s, unit)


def _may_edit(case_id: int) -> bool:
    _require_case(case_id)
    with session() as s:
        unit = db_cases.case_unit_code(s, case_id)
    return unit is not None and db_cases.can_edit_case(current_user.role, current_user.unit_code, unit)


def detail(case_id: int):
    _require_case(case_id)
    with session() as s:
        case = db_cases.get_case(s, case_id)
    if case is None:
        return [html.P(case_page.NOT_FOUND)]
    editable = db_cases.can_edit_case(current_user.role, current_user.unit_code, case["unit_code"])
    return case_page.detail(case, editable=editable)


def filter_cases(campaign, unit, level, stage, city) -> tuple:
    if case_id_or_none(campaign) is None:
        raise PreventUpdate
    with session() as s:
        view = cases_page.content(
            s, campaign, unit=unit if isinstance(unit, str) else None,
            level=level if isinstance(level, str) and level in LEVELS else None,
            stage=stage if isinstance(stage, str) and stage in STAGES else None,
            city_only=isinstance(city, list) and "city" in city,
        )
    return view["count"], view["gallery"], view["photos"], view["targets"]


def chosen_photos(filenames) -> str:
    names = filenames if isinstance(filenames, list) else [filenames] if filenames else []
    if not names:
        return ""
    return "待上传（点“保存”后上传）：" + "、".join(files.display_name(n) for n in names if isinstance(n, str))


def save(case_id, campaign_id, unit, form: dict, contents, filenames) -> tuple:
    """保存: (result, the upload's contents, the URL path to go to) after creating or updating the case."""
    case_id = case_id_or_none(case_id)
    _require_case(case_id)
    if scope.bound():
        with session() as s:
            scope.require_unit(s, unit if isinstance(unit, str) else None)  # a new case outside the area
    try:
        with session() as s:
            unit = saving.check_save(s, case_id=case_id, campaign_id=campaign_id, unit=unit,
                                     role=current_user.role, own_unit=current_user.unit_code)
    except db_cases.CaseError as exc:
        return result(False, exc.message), no_update, no_update
    directory, limits = files.upload_dir(current_app.config), files.limits_from(current_app.config)
    try:
        photos = decode_uploads(contents, filenames)
        # Photos are decoded and cleaned before the write transaction opens: it stays short.
        with files.prepared(photos, allowed=("photo",), directory=directory, limits=limits) as ready, \
                context.write() as s:
            saved = saving.save_case(s, case_id=case_id, campaign_id=campaign_id, unit=unit, fields=form,
                                     photos=[(p, p.name) for p in ready], directory=directory, limits=limits,
                                     **actor())
    except UserError as exc:  # CaseError, FileRejected
        return result(False, f"未保存：{exc.message}"), no_update, no_update
    added = f"，上传图片 {saved.photos} 张" if saved.photos else ""
    if saved.created:
        return result(True, f"已创建典型{added}"), None, f"/case/{saved.case_id}"
    return result(True, f"已保存{added}"), None, no_update


def remove_photo(case_id, file_id):
    case_id, file_id = case_id_or_none(case_id), case_id_or_none(file_id)
    if case_id is None or file_id is None:
        raise PreventUpdate
    if not _may_edit(case_id):
        return result(False, "只能修改本单位的典型")
    try:
        with context.write() as s:
            db_cases.remove_case_photo(s, case_id, file_id, **actor())
    except db_cases.CaseError as exc:
        return result(False, exc.message)
    return result(True, "已移除图片")


def mark(case_id) -> tuple:
    """标记/取消市级典型 (admins): toggles the mark; (result, the button's new text, the refreshed detail)."""
    _require_case(case_id_or_none(case_id))
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
    return result(True, text), button, detail(case_id)
