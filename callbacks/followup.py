"""Callbacks of /instructors, /evaluation, /supervision and the overview's action panel (issue 6).

Every callback is a public HTTP endpoint, so each one checks the role inside (`require_role`, which
audits a refusal and answers 403). Writes also pin a reporter to its own unit, whatever the request
says: the unit comes from the session (`current_user.unit_code`), and db/followup/ops.py refuses any other
unit again (`unit_scope`). Every write is audited by db/followup/ops.py in the same transaction.
"""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask import current_app
from flask_login import current_user

from dashboard import ids
from dashboard.components import followup_panel as action_panel
from dashboard.components.followup_forms import page_unit, result, with_unit
from dashboard.data import resolve, session
from dashboard.http.auth import _client_ip, require_role
from dashboard.pages import evaluation, instructors, supervision
from dashboard.state import coerce, compose, parse
from db.engine import write_session
from db.followup import common as followup_db
from db.followup import evaluation as evaluation_db
from db.followup import instructors as instructors_db
from db.followup import supervision as supervision_db
from domain.followup import ActionError

VIEWERS = ("leader", "reporter", "admin")
WRITERS = ("reporter", "admin")


def _engine():
    return current_app.extensions["jizhong_engine"]


def _who() -> dict:
    """actor, ip and (for a reporter) the only unit it may write for."""
    scope = current_user.unit_code if current_user.role == "reporter" else None
    return {"actor": current_user.username, "ip": _client_ip(), "unit_scope": scope}


def _unit(chosen) -> str:
    """The unit a write is for: a reporter's own, whatever the form sent."""
    return current_user.unit_code if current_user.role == "reporter" else str(chosen or "")


def _campaign(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _bump(saved) -> int:
    return (saved if isinstance(saved, int) else 0) + 1


def _write(fn, *args, **kwargs):
    """Run one db/followup/ops.py write in its own transaction; (ok, value or Chinese error)."""
    try:
        with write_session(_engine()) as s:
            return True, fn(s, *args, **kwargs)
    except ActionError as exc:
        return False, exc.message


def register(app) -> None:  # noqa: C901 - one flat list of thin callbacks
    # --- overview panel and page bodies -----------------------------------------------------------

    @app.callback(
        Output(ids.AC_PANEL, "children"),
        Input(ids.CAMPAIGN, "value"),
        Input(ids.AS_OF, "value"),
        Input(ids.DATA_VERSION, "data"),
        prevent_initial_call=True,
    )
    @require_role(*VIEWERS)
    def refresh_panel(campaign, date_value, _version):
        state = coerce(campaign, date_value, None)
        with session() as s:
            context = resolve(s, state.campaign, state.date)
        if not (context.campaign and context.as_of):
            raise PreventUpdate
        # Links carry the controls' campaign and date (the URL may not have caught up with them yet).
        return action_panel.panel_children(context.campaign["id"], context.as_of, compose(state))

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.AC_UNIT_FILTER, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    @require_role(*VIEWERS)
    def filter_unit(unit, search):
        unit = unit if isinstance(unit, str) else None
        if unit == page_unit(search):
            raise PreventUpdate
        return with_unit(search, unit)

    @app.callback(
        Output(ids.AC_IN_BODY, "children"),
        Input(ids.URL, "search"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.AC_SAVED, "data"),
    )
    @require_role(*VIEWERS)
    def instructors_body(search, _version, _saved):
        state = parse(search)
        return instructors.body(state.campaign, state.date, page_unit(search), search)

    @app.callback(
        Output(ids.AC_EV_BODY, "children"),
        Input(ids.URL, "search"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.AC_SAVED, "data"),
        Input(ids.AC_EV_TREND_DIM, "value"),
    )
    @require_role(*VIEWERS)
    def evaluation_body(search, _version, _saved, trend_dim):
        state = parse(search)
        return evaluation.body(state.campaign, state.date, page_unit(search), trend_dim, search)

    @app.callback(
        Output(ids.AC_SV_BODY, "children"),
        Input(ids.URL, "search"),
        Input(ids.DATA_VERSION, "data"),
        Input(ids.AC_SAVED, "data"),
    )
    @require_role(*VIEWERS)
    def supervision_body(search, _version, _saved):
        state = parse(search)
        return supervision.body(state.campaign, state.date, page_unit(search), search)

    # --- 专职指导员 ----------------------------------------------------------------------------------

    @app.callback(
        Output(ids.AC_IN_RESULT, "children"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Output(ids.AC_IN_NAME, "value"),
        Output(ids.AC_IN_PHONE, "value"),
        Input(ids.AC_IN_ADD, "n_clicks"),
        State(ids.AC_CAMPAIGN, "data"),
        State(ids.AC_IN_UNIT, "value"),
        State(ids.AC_IN_NAME, "value"),
        State(ids.AC_IN_PHONE, "value"),
        State(ids.AC_IN_SINCE, "value"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role(*WRITERS)
    def add_instructor(_clicks, campaign, unit, name, phone, since, saved):
        ok, value = _write(instructors_db.add_instructor, _campaign(campaign), _unit(unit), name, phone, since, **_who())
        if not ok:
            return result(False, value), no_update, no_update, no_update
        return result(True, f"已登记专职指导员 {str(name).strip()}"), _bump(saved), "", ""

    @app.callback(
        Output(ids.AC_Q_RESULT, "children"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Input(ids.AC_Q_SAVE, "n_clicks"),
        State(ids.AC_CAMPAIGN, "data"),
        State(ids.AC_Q_UNIT, "value"),
        State(ids.AC_Q_REQUIRED, "value"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def set_required(_clicks, campaign, unit, required, saved):
        who = _who()
        ok, value = _write(instructors_db.set_required, _campaign(campaign), str(unit or ""), required, actor=who["actor"],
                           ip=who["ip"])
        if not ok:
            return result(False, value), no_update
        return result(True, f"已设定应配 {value} 人"), _bump(saved)

    @app.callback(
        Output(ids.AC_LOG_WHO, "options"),
        Output(ids.AC_LOG_WHO, "value"),
        Input(ids.AC_LOG_UNIT, "value"),
        State(ids.AC_CAMPAIGN, "data"),
    )
    @require_role(*WRITERS)
    def log_people(unit, campaign):
        code, cid = _unit(unit), _campaign(campaign)
        if not code or cid is None:
            return [], None
        with session() as s:
            people = instructors_db.roster(s, cid, code)
        return [{"label": p["name"], "value": p["id"]} for p in people if p["left_on"] is None], None

    @app.callback(
        Output(ids.AC_LOG_RESULT, "children"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Output(ids.AC_LOG_ENTERPRISE, "value"),
        Output(ids.AC_LOG_NOTE, "value"),
        Input(ids.AC_LOG_ADD, "n_clicks"),
        State(ids.AC_CAMPAIGN, "data"),
        State(ids.AC_LOG_UNIT, "value"),
        State(ids.AC_LOG_WHO, "value"),
        State(ids.AC_LOG_DATE, "value"),
        State(ids.AC_LOG_ACTIVITY, "value"),
        State(ids.AC_LOG_ENTERPRISE, "value"),
        State(ids.AC_LOG_NOTE, "value"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role(*WRITERS)
    def add_log(_clicks, campaign, unit, who, day, activity, enterprise, note, saved):
        ok, value = _write(instructors_db.add_work_log, _campaign(campaign), _unit(unit), day, activity, enterprise, note, who,
                           **_who())
        if not ok:
            return result(False, value), no_update, no_update, no_update
        return result(True, f"已保存 {day} 的工作日志（{activity}）"), _bump(saved), "", ""

    @app.callback(
        Output(ids.AC_IN_RESULT, "children", allow_duplicate=True),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Input({"type": ids.AC_IN_REMOVE, "index": ALL}, "submit_n_clicks"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role(*WRITERS)
    def remove_instructor(_confirmed, saved):
        # A re-rendered roster brings new, unclicked buttons: only a confirmed click counts.
        if not ctx.triggered_id or not ctx.triggered[0]["value"]:
            raise PreventUpdate
        import datetime as dt

        ok, value = _write(instructors_db.remove_instructor, ctx.triggered_id["index"], dt.date.today(), **_who())
        return result(ok, "已移出在岗名册" if ok else value), _bump(saved) if ok else no_update

    # --- 实效评价 ------------------------------------------------------------------------------------

    @app.callback(
        Output(ids.AC_SC_RESULT, "children"),
        Output(ids.AC_SC_EDITOR, "children"),
        Output(ids.AC_ES_FORM, "children"),
        Output(ids.AC_EV_TREND_DIM, "options"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Input(ids.AC_SC_SAVE, "n_clicks"),
        State(ids.AC_CAMPAIGN, "data"),
        State(ids.AC_SC_IDS, "data"),
        State({"type": ids.AC_SC_NAME, "index": ALL}, "value"),
        State({"type": ids.AC_SC_WEIGHT, "index": ALL}, "value"),
        State({"type": ids.AC_SC_SCALE, "index": ALL}, "value"),
        State({"type": ids.AC_SC_ACTIVE, "index": ALL}, "value"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def save_scheme(_clicks, campaign, row_ids, names, weights, scales, actives, saved):
        rows = []
        for k, name in enumerate(names or []):
            dim_id = row_ids[k] if isinstance(row_ids, list) and k < len(row_ids) else None
            weight, scale = _at(weights, k), _at(scales, k)
            if dim_id is None and not (name or "").strip() and weight in (None, "") and scale in (None, ""):
                continue  # the empty "new dimension" row
            rows.append({"id": dim_id if isinstance(dim_id, int) else None, "name": name, "weight": weight,
                         "scale_max": scale, "active": bool(_at(actives, k))})
        who = _who()
        ok, value = _write(evaluation_db.save_scheme, _campaign(campaign), rows, actor=who["actor"], ip=who["ip"])
        if not ok:
            return result(False, value), no_update, no_update, no_update, no_update
        with session() as s:
            units = followup_db.units(s, _campaign(campaign))
        options = [{"label": d["name"], "value": d["id"]} for d in value if d["active"]]
        return (result(True, f"已保存评价方案（{len(value)} 个维度）"), evaluation.scheme_editor(value),
                evaluation.score_form(units, value), options, _bump(saved))

    @app.callback(
        Output(ids.AC_ES_RESULT, "children"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Input(ids.AC_ES_SAVE, "n_clicks"),
        State(ids.AC_CAMPAIGN, "data"),
        State(ids.AC_ES_UNIT, "value"),
        State(ids.AC_ES_ENTERPRISE, "value"),
        State(ids.AC_ES_DATE, "value"),
        State({"type": ids.AC_ES_SCORE, "index": ALL}, "value"),
        State({"type": ids.AC_ES_SCORE, "index": ALL}, "id"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role("admin")
    def add_scores(_clicks, campaign, unit, enterprise, day, values, score_ids, saved):
        scores = {i.get("index"): v for i, v in zip(score_ids or [], values or [], strict=False) if isinstance(i, dict)}
        who = _who()
        ok, value = _write(evaluation_db.add_evaluation, _campaign(campaign), str(unit or ""), day, scores, enterprise,
                           actor=who["actor"], ip=who["ip"])
        if not ok:
            return result(False, value), no_update
        return result(True, f"已保存评分（{day}）"), _bump(saved)

    # --- 监督检查 ------------------------------------------------------------------------------------

    @app.callback(
        Output(ids.AC_RF_RESULT, "children"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Input(ids.AC_RF_ADD, "n_clicks"),
        State(ids.AC_CAMPAIGN, "data"),
        State(ids.AC_RF_UNIT, "value"),
        State(ids.AC_RF_ENTERPRISE, "value"),
        State(ids.AC_RF_KIND, "value"),
        State(ids.AC_RF_DATE, "value"),
        State(ids.AC_RF_DEADLINE, "value"),
        State(ids.AC_RF_DESC, "value"),
        State(ids.AC_RF_INTERVENTION, "value"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role(*WRITERS)
    def add_refusal(_clicks, campaign, unit, enterprise, kind, found, deadline, description, intervention, saved):
        fields = {"enterprise": enterprise, "kind": kind, "occurred_on": found, "deadline": deadline,
                  "description": description, "intervention": intervention}
        ok, value = _write(supervision_db.add_refusal, _campaign(campaign), _unit(unit), fields, **_who())
        if not ok:
            return result(False, value), no_update
        return result(True, f"已登记案件：{str(enterprise).strip()}（督促整改）"), _bump(saved)

    @app.callback(
        Output(ids.AC_RF_STATUS_RESULT, "children"),
        Output(ids.AC_SAVED, "data", allow_duplicate=True),
        Input({"type": ids.AC_RF_STATUS, "index": ALL}, "n_clicks"),
        State(ids.AC_SAVED, "data"),
        prevent_initial_call=True,
    )
    @require_role(*WRITERS)
    def refusal_status(_clicks, saved):
        if not ctx.triggered_id or not ctx.triggered[0]["value"]:
            raise PreventUpdate  # a re-rendered table, not a click
        case_id, _, code = str(ctx.triggered_id.get("index", "")).partition("|")
        if not case_id.isdigit() or code not in supervision.STATUS_BY_CODE:
            return result(False, "案件编号或状态无效"), no_update
        ok, value = _write(supervision_db.set_refusal_status, int(case_id), supervision.STATUS_BY_CODE[code], **_who())
        return result(ok, f"案件已改为“{value}”" if ok else value), _bump(saved) if ok else no_update


def _at(values, k: int):
    return values[k] if isinstance(values, list) and k < len(values) else None
