"""The door for text: refuse control characters in every request before a view sees it.

One check (domain/inputs.py) for every entry path that carries user text:
- the URL path and every query-string parameter;
- url-encoded form posts (login, password change);
- Dash callbacks (POST /_dash-update-component): every string in every input and state value,
  so every web form (submission, cases, summaries, refusals, work logs, admin forms) is covered.
Multi-line text may arrive through any of these, so this door lets tab, line feed and carriage
return through; single-line fields refuse those too where they are checked (the API body, a
submission's 负责人/填报人 in db/submission/store.py). Runs after the login gate and the CSRF
check (registered later), so anonymous requests never get this far.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, request

from domain.inputs import find_bad_string, refusal

UPDATE_PATH = "/_dash-update-component"


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
        if isinstance(body, dict):
            for item in (body.get("inputs") or []) + (body.get("state") or []):
                found = find_bad_string(item.get("value") if isinstance(item, dict) else item)
                if found is not None:
                    where = item.get("id") if isinstance(item, dict) else None
                    return refusal(f"输入项 {where}"[:60] if where else "输入项", found[1], multiline=True)
    return None


def _refuse_control_characters():
    message = _first_refusal()
    if message is None:
        return None
    if request.path == UPDATE_PATH:
        return jsonify({"message": message}), 400
    return Response(message, status=400, mimetype="text/plain")


def register(server: Flask) -> None:
    server.before_request(_refuse_control_characters)
