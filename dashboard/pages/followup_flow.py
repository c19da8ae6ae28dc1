"""What the follow-up callbacks do (/instructors, /evaluation, /supervision and the overview's panel).

Writes pin a reporter to its own unit, whatever the request says: the unit comes from the session
(`current_user.unit_code`), and db/followup/ refuses any other unit again (`unit_scope`) and
audits every write in the same transaction. Each function returns its callback's outputs (see
callbacks/followup.py); a refusal is shown in Chinese and nothing is written.
"""

from __future__ import annotations

import datetime as dt

from dash import no_update
from dash.exceptions import PreventUpdate
from flask_login import current_user

from dashboard import context
from dashboard import scope as user_scope
from dashboard.components import followup_panel
from dashboard.components.followup_forms import can_edit_unit, page_unit, result, with_unit
from dashboard.context import actor, session
from dashboard.data import resolve
from dashboard.pages import evaluation, instructors, supervision
from dashboard.state import coerce, compose
from db.followup import common as followup_db
from db.followup import evaluation as evaluation_db
from db.followup import instructors as instructors_db
from db.followup import supervision as supervision_db
from domain.followup import ActionError


def _who() -> dict:
    """actor, ip and (for a reporter) the only unit it may write for."""
    scope = current_user.unit_code if current_user.role == "reporter" else None
    return {**actor(), "unit_scope": scope}


def _unit(chosen) -> str:
    """The unit a write is for: a reporter's own, whatever the form sent; for an admin bound to an
    area, a unit of that area (else 403, audited)."""
    if current_user.role == "reporter":
        return current_user.unit_code
    return _in_area(str(chosen or ""))


def _in_area(code: str) -> str:
    if user_scope.bound():
        with session() as s:
            user_scope.require_unit(s, code)
    return code


def _campaign(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bump(saved) -> int:
    return (saved if isinstance(saved, int) else 0) + 1


def _at(values, k: int):
    return values[k] if isinstance(values, list) and k < len(values) else None


def _write(fn, *args, **kwargs):
    """Run one db/followup/ write in its own transaction; (ok, value or Chinese error)."""
    try:
        with context.write() as s:
            return True, fn(s, *args, **kwargs)
    except ActionError as exc:
        return False, exc.message


# --- overview panel and page bodies ------------------------------------------------------------------


def panel(campaign, date_value, area_value=None):
    """The overview's action panel for the area in the page's store (checked again: malformed, unknown
    or out of the viewer's scope refreshes nothing)."""
    from dashboard.pages.overview import area_for_callback

    state = coerce(campaign, date_value, None)
    with session() as s:
        page_context = resolve(s, state.campaign, state.date)
        area = area_for_callback(s, area_value)
    if not (page_context.campaign and page_context.as_of) or area is None:
        raise PreventUpdate
    # Links carry the controls' campaign and date (the URL may not have caught up with them yet).
    return followup_panel.panel_children(page_context.campaign["id"], page_context.as_of, compose(state), area.id)


def filter_unit(unit, search) -> str:
    unit = unit if isinstance(unit, str) else None
    if unit == page_unit(search):
        raise PreventUpdate
    return with_unit(search, unit)


# --- 专职指导员 ----------------------------------------------------------------------------------------


def add_instructor(campaign, unit, name, phone, since, saved) -> tuple:
    ok, value = _write(instructors_db.add_instructor, _campaign(campaign), _unit(unit), name, phone, since, **_who())
    if not ok:
        return result(False, value), no_update, no_update, no_update
    return result(True, f"已登记专职指导员 {str(name).strip()}"), _bump(saved), "", ""


def set_required(campaign, unit, required, saved) -> tuple:
    ok, value = _write(instructors_db.set_required, _campaign(campaign), _in_area(str(unit or "")), required, **actor())
    if not ok:
        return result(False, value), no_update
    return result(True, f"已设定应配 {value} 人"), _bump(saved)


def log_people(unit, campaign) -> tuple:
    code, cid = _unit(unit), _campaign(campaign)
    if not code or cid is None:
        return [], None
    with session() as s:
        people = instructors_db.roster(s, cid, code, within=user_scope.visible_units())
    return [{"label": p["name"], "value": p["id"]} for p in people if p["left_on"] is None], None


def add_log(campaign, unit, who, day, activity, enterprise, note, saved) -> tuple:
    ok, value = _write(instructors_db.add_work_log, _campaign(campaign), _unit(unit), day, activity, enterprise, note, who,
                       **_who())
    if not ok:
        return result(False, value), no_update, no_update, no_update
    return result(True, f"已保存 {day} 的工作日志（{activity}）"), _bump(saved), "", ""


def ask_remove(cell) -> tuple:
    """A click on a roster cell: only the 离岗 cell of a row the user may edit asks for confirmation
    (the write checks the unit again)."""
    if not isinstance(cell, dict) or cell.get("colId") != "action" or cell.get("value") != instructors.REMOVE:
        raise PreventUpdate
    row_id = str(cell.get("rowId") or "")
    if not row_id.isdigit():
        raise PreventUpdate
    with session() as s:
        person = instructors_db.instructor(s, int(row_id))
    if person is None or not can_edit_unit(person["unit_code"]):
        raise PreventUpdate
    return True, f"确定将 {person['name']}（{person['unit_name']}）移出在岗名册（今天离岗）吗？记录会保留。", int(row_id)


def remove_instructor(instructor_id, saved) -> tuple:
    if user_scope.bound() and isinstance(instructor_id, int):
        with session() as s:
            person = instructors_db.instructor(s, instructor_id)
        if person is not None:
            _in_area(person["unit_code"])
    ok, value = _write(instructors_db.remove_instructor, instructor_id, dt.date.today(), **_who())
    return result(ok, "已移出在岗名册" if ok else value), _bump(saved) if ok else no_update


# --- 实效评价 ------------------------------------------------------------------------------------------


def scheme_rows(row_ids, names, weights, scales, actives) -> list[dict]:
    """The scheme editor's rows as db/followup/ takes them; the empty "new dimension" row is dropped."""
    rows = []
    for k, name in enumerate(names if isinstance(names, list) else []):
        name = name if isinstance(name, str) else ""  # callbacks are public: a forged number or list
        dim_id = row_ids[k] if isinstance(row_ids, list) and k < len(row_ids) else None
        weight, scale = _at(weights, k), _at(scales, k)
        if dim_id is None and not (name or "").strip() and weight in (None, "") and scale in (None, ""):
            continue  # the empty "new dimension" row
        rows.append({"id": dim_id if isinstance(dim_id, int) else None, "name": name, "weight": weight,
                     "scale_max": scale, "active": bool(_at(actives, k))})
    return rows


def save_scheme(campaign, row_ids, names, weights, scales, actives, saved) -> tuple:
    rows = scheme_rows(row_ids, names, weights, scales, actives)
    ok, value = _write(evaluation_db.save_scheme, _campaign(campaign), rows, **actor())
    if not ok:
        return result(False, value), no_update, no_update, no_update, no_update
    with session() as s:
        units = followup_db.units(s, _campaign(campaign), user_scope.visible_units())
    options = [{"label": d["name"], "value": d["id"]} for d in value if d["active"]]
    return (result(True, f"已保存评价方案（{len(value)} 个维度）"), evaluation.scheme_editor(value),
            evaluation.score_form(units, value), options, _bump(saved))


def add_scores(campaign, unit, enterprise, day, values, score_ids, saved) -> tuple:
    if not isinstance(score_ids, list) or not isinstance(values, list):  # forged: ALL sends lists
        return result(False, "评分表单已过期，请刷新页面后重试"), no_update
    scores = {i.get("index"): v for i, v in zip(score_ids, values, strict=False) if isinstance(i, dict)}
    ok, value = _write(evaluation_db.add_evaluation, _campaign(campaign), _in_area(str(unit or "")), day, scores, enterprise, **actor())
    if not ok:
        return result(False, value), no_update
    return result(True, f"已保存评分（{day}）"), _bump(saved)


# --- 监督检查 ------------------------------------------------------------------------------------------


def add_refusal(campaign, unit, enterprise, kind, found, deadline, description, intervention, saved) -> tuple:
    fields = {"enterprise": enterprise, "kind": kind, "occurred_on": found, "deadline": deadline,
              "description": description, "intervention": intervention}
    ok, value = _write(supervision_db.add_refusal, _campaign(campaign), _unit(unit), fields, **_who())
    if not ok:
        return result(False, value), no_update
    return result(True, f"已登记案件：{str(enterprise).strip()}（督促整改）"), _bump(saved)


def refusal_status(index, saved) -> tuple:
    """A status button's index is "<case id>|<status code>"."""
    case_id, _, code = str(index).partition("|")
    if not case_id.isdigit() or code not in supervision.STATUS_BY_CODE:
        return result(False, "案件编号或状态无效"), no_update
    if user_scope.bound():
        with session() as s:
            found = supervision_db.refusal_case_unit(s, int(case_id))
        if found is not None:
            _in_area(found)
    ok, value = _write(supervision_db.set_refusal_status, int(case_id), supervision.STATUS_BY_CODE[code], **_who())
    return result(ok, f"案件已改为“{value}”" if ok else value), _bump(saved) if ok else no_update
