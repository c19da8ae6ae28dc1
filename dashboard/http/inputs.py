"""The door: refuse control characters, and callback values of an impossible shape, in every request
before a view sees it.

One check (domain/inputs.py) for every entry path that carries user text:
- the URL path and every query-string parameter;
- url-encoded form posts (login, password change);
- Dash callbacks (POST /_dash-update-component): every string in every input and state value,
  so every web form (submission, cases, summaries, refusals, work logs, admin forms) is covered.
Multi-line text may arrive through any of these, so this door lets tab, line feed and carriage
return through; single-line fields refuse those too where they are checked (the API body, a
submission's 负责人/填报人 in db/submission/store.py). Runs after the login gate and the CSRF
check (registered later), so anonymous requests never get this far. Callback inputs must also have
the shape a browser can send for their property (SHAPES): a forged number for a URL path or an
object for a dropdown value is a 400, not an exception deep in a page.
"""

from __future__ import annotations

import json
import math

from flask import Flask, Response, current_app, jsonify, request

from domain.inputs import MAX_ID, find_bad_string, refusal

UPDATE_PATH = "/_dash-update-component"
MAX_SAFE_INTEGER = 2**53 - 1  # a browser's numbers are doubles: no larger integer comes from a real page


def _scalar(value: object) -> bool:
    if value is None or isinstance(value, str):
        return True
    if isinstance(value, bool):
        return False  # no control of ours has a true/false value
    # Numbers fit a database integer: no count, score or id of ours is larger, and a larger one
    # would overflow the column on PostgreSQL.
    return isinstance(value, (int, float)) and math.isfinite(value) and abs(value) <= MAX_ID


def _text_or_none(value: object) -> bool:
    return value is None or isinstance(value, str)


def _texts(value: object) -> bool:
    return _text_or_none(value) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _count(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SAFE_INTEGER)


def _object_or_none(value: object) -> bool:
    return value is None or isinstance(value, dict)


def _value(value: object) -> bool:
    return _scalar(value) or (isinstance(value, list) and all(_scalar(v) for v in value))


def _plain_id(value: object) -> bool:
    """A component id: a string, or a pattern-matching id whose parts are strings or database-sized
    integers (a forged list or 40-digit number there would reach the callback as its triggered_id)."""
    if isinstance(value, str):
        return True
    return isinstance(value, dict) and all(
        isinstance(k, str) and (isinstance(v, str) or (isinstance(v, int) and not isinstance(v, bool)
                                                        and -MAX_ID <= v <= MAX_ID))
        for k, v in value.items())


def _changed_id(prop_id: object) -> bool:
    if not isinstance(prop_id, str):
        return False
    component = prop_id.rsplit(".", 1)[0]
    if not component.startswith("{"):
        return True
    try:
        return _plain_id(json.loads(component))
    except (ValueError, RecursionError):
        return False


def _callback_shape(body: dict) -> str | None:
    """The first input or state of an impossible shape, as a Chinese message; else None."""
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(_changed_id(p) for p in changed):
        return "触发回调的输入项编号格式不正确，请刷新页面后重试"
    items = [item for part in ("inputs", "state") if isinstance(body.get(part), list) for item in body[part]]
    for item in [i for entry in items for i in (entry if isinstance(entry, list) else [entry])]:  # ALL: a list
        if not isinstance(item, dict) or not _plain_id(item.get("id")) or not isinstance(item.get("property"), str):
            return "回调的输入项格式不正确，请刷新页面后重试"
        shape = SHAPES.get(item["property"].split("@")[0])
        if shape is not None and not shape(item.get("value")):
            return f"输入项 {str(item.get('id'))[:40]} 的值格式不正确或超出范围（{item['property'][:20]}），请检查后重试"
    return None


# What a browser can send for a component property, whatever the component: a forged callback
# with another shape (a number for a path, an object for a dropdown value) is refused at the door.
# `data` (stores) and `children` carry anything the server sent and are checked by their callbacks.
SHAPES = {
    "pathname": _text_or_none, "search": _text_or_none, "hash": _text_or_none, "href": _text_or_none,
    "n_clicks": _count, "n_intervals": _count, "n_submit": _count, "n_blur": _count,
    "contents": _texts, "filename": _texts, "date": _text_or_none, "start_date": _text_or_none,
    "end_date": _text_or_none, "value": _value, "clickData": _object_or_none, "hoverData": _object_or_none,
    "selectedData": _object_or_none, "relayoutData": _object_or_none,
}


def _first_refusal() -> str | None:
    message = refusal("网址路径", request.path)
    if message is not None:
        return message
    for key, value in request.args.items(multi=True):
        message = refusal(f"网址参数 {key}"[:60], key) or refusal(f"网址参数 {key}"[:60], value, multiline=True)
        if message is not None:
            return message
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        for key, value in request.form.items(multi=True):
            message = refusal(f"表单字段 {key}"[:60], key) or refusal(f"表单字段 {key}"[:60], value, multiline=True)
            if message is not None:
                return message
    if request.method == "POST" and request.path == UPDATE_PATH:
        body = request.get_json(silent=True)
        known = current_app.extensions.get(SERVER_CALLBACKS)
        if isinstance(body, dict) and known is not None and body.get("output") not in known:
            return "没有这个回调（可能是在浏览器里运行的检查），请刷新页面后重试"
        if isinstance(body, dict):
            message = _callback_shape(body)
            if message is not None:
                return message
            items = [item for part in ("inputs", "state") if isinstance(body.get(part), list) for item in body[part]]
            for item in items:
                found = find_bad_string(item.get("value") if isinstance(item, dict) else item)
                if found is not None:
                    where = item.get("id") if isinstance(item, dict) else None
                    return refusal(f"输入项 {where}"[:60] if where else "输入项", found[1], multiline=True)
    return None


def _refuse_at_the_door():
    message = _first_refusal()
    if message is None:
        return None
    if request.path == UPDATE_PATH:
        return jsonify({"message": message}), 400
    return Response(message, status=400, mimetype="text/plain")


SHAPE_ERRORS = "callback_shape_errors"  # app.extensions key: the last resort's catches, newest last


def _last_resort(exc: Exception):
    """A callback that trips over a value of the wrong type (a forged store, say) answers 400, not 500.
    Logged with its traceback and counted in app.extensions[SHAPE_ERRORS]: the fuzz tests require
    the count to stay 0, so this is defence in depth, not a way to leave such bugs in place."""
    if request.path != UPDATE_PATH:
        raise exc
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    current_app.logger.warning("callback %s: %s on forged input", str(output)[:200], type(exc).__name__, exc_info=exc)
    caught = current_app.extensions.setdefault(SHAPE_ERRORS, [])
    caught.append(f"{str(output)[:200]}: {type(exc).__name__}: {exc}"[:500])
    del caught[:-100]
    return jsonify({"message": "请求的输入值格式不正确，请刷新页面后重试"}), 400


SERVER_CALLBACKS = "server_callbacks"  # app.extensions key: the callback_map keys the server runs


def know_callbacks(app) -> None:
    """Remember which callbacks run on the server, once all are registered: a POST naming any other
    key (a clientside callback's, a made-up one) is refused at the door instead of failing in Dash."""
    app.server.extensions[SERVER_CALLBACKS] = frozenset(k for k, cb in app.callback_map.items() if "callback" in cb)


def register(server: Flask) -> None:
    server.before_request(_refuse_at_the_door)
    for kind in (TypeError, AttributeError, KeyError, IndexError, ValueError):
        server.register_error_handler(kind, _last_resort)
