"""What the /submit callbacks do: reload the form, preview (grid or upload), withdraw, confirm.

Every step authorises first: a reporter acts only on its own unit, and another unit in the inputs
is refused (`Refused`, in Chinese) and audited as `forbidden`. Nothing is stored by a preview: it
signs what it showed (db/submission/preview.py), and `confirm` stores exactly that signed payload
through `store.submit_audited`, which validates again in its write transaction.

Each public function returns the tuple of its callback's outputs (see callbacks/submit.py).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from dash import no_update
from dash.exceptions import PreventUpdate
from flask import current_app, request
from flask_login import current_user

from dashboard import context, ids, labels, scope
from dashboard.components import submission as view
from dashboard.context import client_ip, session
from dashboard.pages import submit as page
from db.accounts import auth
from db.submission import preview as signed
from db.submission import review, store, xlsx_container, xlsx_import, xlsx_submission
from domain.errors import UserError
from domain.validation import Submission, SubmissionRefused, parse_count, validate


class Refused(UserError):
    """A request this user may not make or that makes no sense; `message` is Chinese."""


def _secret() -> str | bytes:
    return current_app.secret_key


def _forbidden(detail: str) -> None:
    with context.write() as s:
        auth.audit(s, current_user.username, "forbidden", f"{request.path} → {detail}"[:1000], ip=client_ip())


def unit_for(requested: object) -> str:
    """The unit this request may act on. A reporter: its own, and any other unit is refused (audited)."""
    if current_user.role == "reporter":
        own = current_user.unit_code
        if requested not in (None, "", own):
            _forbidden(f"填报员 {current_user.username}（{own}）试图为单位 {str(requested)[:40]} 报送")
            raise Refused(f"只能报送本单位（{own}）的数据，不能为其他单位（{str(requested)[:40]}）报送")
        return own
    if not isinstance(requested, str) or not requested:
        raise Refused("请选择单位")
    with session() as s:
        visible = scope.unit_visible(s, requested)
    if not visible:  # an admin bound to an area submits only for its units
        _forbidden(f"{current_user.username} 试图为辖区外单位 {requested[:40]} 报送")
        raise Refused(f"只能报送本辖区单位的数据，不能为辖区外单位（{requested[:40]}）报送")
    return requested


def _campaign_id(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise Refused("请选择行动")


def _report_date(value: object) -> dt.date:
    day = view.date_or_none(value)
    if day is None:
        raise Refused("请填写截至日期（统计数据截至哪一天）")
    return day


def load(campaign: object, unit: object, date_value: object) -> page.FormData:
    """Authorise the unit, then read the form's data; Refused with a Chinese message otherwise."""
    unit_code = unit_for(unit)
    campaign_id, report_date = _campaign_id(campaign), _report_date(date_value)
    with session() as s:
        data = page.load(s, campaign_id, unit_code, report_date)
    if data is None:
        raise Refused(f"行动（编号 {campaign_id}）或单位（{unit_code}）不存在")
    return data


def _compare(data: page.FormData) -> tuple[dict | None, str]:
    """What the preview compares with: the version being corrected, else the previous report."""
    if data.same_date_version:
        return data.prefill, f"当前的第 {data.same_date_version} 版"
    if data.context.previous_date:
        return data.context.previous, f"上次报送（截至 {labels.date_cn(data.context.previous_date)}）"
    return None, "上次报送"


def preview(data: page.FormData, sub: Submission, cell_mapper=None) -> tuple:
    """(preview component, signed payload or None) for a submission built from the form or a file.

    `cell_mapper(errors) -> cell issues` names the workbook cells of validation errors (uploads)."""
    result = validate(sub, data.context)
    compare, since = _compare(data)
    version = data.same_date_version + 1
    kind = f"更正，将保存为第 {version} 版" if version > 1 else "将保存为第 1 版"
    title = f"预览：{data.unit['name']} 截至 {labels.date_cn(sub.report_date)}（{kind}）"
    cells = cell_mapper(result.errors) if cell_mapper and result.errors else ()
    token = None
    if result.ok:
        token = signed.sign(_secret(), current_user.username, view.submission_payload(sub, result.figures),
                            data.same_date_version)
    component = view.preview_view(title, result.figures, compare, since, errors=result.errors,
                                  warnings=result.warnings, cell_issues=cells,
                                  confirm_id=ids.SU_CONFIRM if result.ok else None)
    return component, token


def _is_correction(data: page.FormData, reason: str) -> bool:
    return bool(data.same_date_version) or bool(reason)


def _stored_text(sub: Submission, stored: store.Stored, unit_name: str) -> str:
    text = f"已提交：{unit_name} 截至 {labels.date_cn(sub.report_date)} 第 {stored.version} 版，等待管理员审核。"
    if stored.warnings:
        text += f"（{len(stored.warnings)} 条提示已随报表保存）"
    return text


# --- the callbacks' work -----------------------------------------------------------------------------


def reload(campaign, unit, date_value) -> tuple:
    """A new campaign, unit or date (or a version just stored): show what the database has."""
    try:
        data = load(campaign, unit, date_value)
    except Refused as exc:
        return (*[no_update] * 10, view.result(False, exc.message), None)
    with session() as s:
        returned = review.returned_for_unit(s, data.campaign["id"], data.unit["code"])
    return (
        page.previous_section(data),
        view.grid_rows(data.prefill),
        data.leader,
        data.filled_by,
        page.correction_notice(data),
        page.history_section(data),
        page.returned_section(returned),
        page.template_href(data.campaign["id"], data.unit["code"]),
        data.campaign["window_start"].isoformat(),
        data.campaign["deadline"].isoformat(),
        None,
        None,
    )


def preview_form(row_data, campaign, unit, date_value, leader, filled_by, filled_on, reason) -> tuple:
    """预览 of the grid: validate with the store's context; nothing is written."""
    try:
        data = load(campaign, unit, date_value)
    except Refused as exc:
        return view.result(False, exc.message), None, ""
    lines, shape = view.lines_from_rows(row_data)
    if shape:
        return view.issue_list(shape), None, ""
    reason = view.text_or_empty(reason, 500)
    sub = Submission(
        campaign_id=data.campaign["id"], unit_code=data.unit["code"], report_date=data.report_date, lines=lines,
        leader=view.text_or_empty(leader), filled_by=view.text_or_empty(filled_by),
        filled_on=view.date_or_none(filled_on), submitted_by=current_user.username, source="web",
        is_correction=_is_correction(data, reason), reason=reason,
    )
    component, token = preview(data, sub)
    return component, token, ""


def preview_upload(contents, filename, campaign, unit, date_value, reason) -> tuple:
    """An uploaded .xlsx: read by labels, checked for the uploader's unit, validated, previewed.
    A clean preview also fills the grid, so the clerk can adjust it and preview again."""
    keep = (no_update,) * 4
    if contents is None:
        raise PreventUpdate
    name = filename if isinstance(filename, str) else ""
    try:
        data = load(campaign, unit, date_value)
        max_bytes = int(current_app.config.get("UPLOAD_MAX_BYTES", xlsx_container.MAX_UPLOAD_BYTES))
        raw = decode_upload(contents, max_bytes)
    except Refused as exc:
        return (view.result(False, exc.message), None, "", *keep)
    try:
        parsed = xlsx_import.read_workbook(raw, name, max_bytes)
        with session() as s:
            own = current_user.unit_code if current_user.role == "reporter" else None
            xlsx_submission.resolve_unit(s, parsed, chosen=data.unit["code"], own=own)
    except xlsx_container.WorkbookRefused as exc:
        title = f"上传的文件“{name or '（未命名）'}”无法导入"
        return (view.preview_view(title, None, None, "", cell_issues=exc.issues), None, "", *keep)
    reason = view.text_or_empty(reason, 500)
    sub = xlsx_submission.build_submission(
        parsed, campaign_id=data.campaign["id"], unit_code=data.unit["code"], report_date=data.report_date,
        submitted_by=current_user.username, is_correction=_is_correction(data, reason), reason=reason,
    )
    component, token = preview(data, sub, cell_mapper=lambda errors: xlsx_import.locate(errors, parsed, sub))
    if token is None:
        return (component, None, "", *keep)
    shown = signed.shown(_secret(), token)
    return (component, token, "", view.grid_rows(shown["lines"]), shown["leader"], shown["filled_by"],
            shown["filled_on"] or "")


def invalidate(row_data, leader, filled_by, filled_on, reason, pending) -> tuple:
    """An edit after 预览 withdraws the preview, so 确认提交 never stores figures other than those shown."""
    if not pending:
        raise PreventUpdate
    try:
        shown = signed.verify(_secret(), pending, current_user.username)["sub"]
    except signed.PreviewRefused:
        return None, None
    if form_matches(shown, row_data, leader, filled_by, filled_on, reason):
        raise PreventUpdate  # e.g. an upload just filled the form with what it previewed
    return view.result(False, "表格或填报信息在预览后有修改，请重新点“预览”。"), None


def confirm(pending) -> tuple:
    """确认提交: store exactly what was previewed (validated again by the store), or say why not."""
    try:
        shown = signed.verify(_secret(), pending, current_user.username)
        sub = view.submission_from_payload(shown["sub"], current_user.username)
        unit_for(sub.unit_code)  # a reporter's preview of another unit cannot exist; check anyway
        nonce = signed.nonce(shown)
        with session() as s:
            now = page.load(s, sub.campaign_id, sub.unit_code, sub.report_date)
            used = store.preview_used(s, nonce)
        if now is None:
            raise Refused("行动或单位不存在")
        if used:  # a double click or a replay: say so, not that the report changed meanwhile
            raise signed.PreviewRefused(store.PREVIEW_USED)
        signed.require_current(shown, now.same_date_version)
    except (KeyError, ValueError, TypeError):
        return view.result(False, "预览数据无效，请重新预览"), None, no_update, no_update
    except UserError as exc:  # Refused, PreviewRefused
        return view.result(False, exc.message), None, no_update, no_update
    try:
        stored = store.submit_audited(context.engine(), sub, **context.actor(), preview_nonce=nonce)
    except SubmissionRefused as exc:
        return view.issue_list(exc.errors), None, no_update, no_update
    except signed.PreviewRefused as exc:  # confirmed meanwhile by a concurrent click
        return view.result(False, exc.message), None, no_update, no_update
    return view.result(True, _stored_text(sub, stored, now.unit["name"])), None, None, stored.report_id


def form_matches(shown: dict, row_data: object, leader: object, filled_by: object, filled_on: object,
                 reason: object) -> bool:
    """Does the form still hold what the preview showed (same integers, same header fields)?"""
    lines, shape = view.lines_from_rows(row_data)
    if shape:
        return False
    for kind, row in shown["lines"].items():
        for m, value in row.items():
            if parse_count((lines.get(kind) or {}).get(m)) != value:
                return False
    filled = view.date_or_none(filled_on)
    return (
        view.text_or_empty(leader) == shown.get("leader", "")
        and view.text_or_empty(filled_by) == shown.get("filled_by", "")
        and (filled.isoformat() if filled else None) == shown.get("filled_on")
        and view.text_or_empty(reason, 500) == shown.get("reason", "")
    )


def decode_upload(contents: object, max_bytes: int) -> bytes:
    """The bytes of a dcc.Upload data URL; Refused (Chinese) when it is not one or is too large."""
    if not isinstance(contents, str) or "," not in contents:
        raise Refused("没有收到文件，请重新选择")
    encoded = contents.split(",", 1)[1]
    if len(encoded) > (max_bytes * 4) // 3 + 8:
        raise Refused(f"文件超过 {max_bytes // (1024 * 1024)} MB 的上限")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Refused("文件内容无法读取，请重新上传") from exc
