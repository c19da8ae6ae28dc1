"""GET /submit/template.xlsx?unit=CODE&campaign=ID: the notice's attachment for one unit, prefilled.

Signed-in users only. A reporter gets its own unit (asking for another is refused with 403 and
audited); admins and leaders name any unit. The campaign defaults to the latest non-demo campaign.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Flask, Response, abort, request
from flask_login import current_user

from dashboard import context, scope
from dashboard.context import client_ip, session
from dashboard.http.auth import require_role
from db.accounts import auth
from db.submission.xlsx_submission import default_campaign_id, unit_name
from db.submission.xlsx_template import XLSX_MIME, download_name, template_bytes

TEMPLATE_URL = "/submit/template.xlsx"


def content_disposition(filename: str, fallback: str) -> str:
    """attachment with an ASCII fallback and the UTF-8 name per RFC 5987/6266."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _error(message: str, status: int) -> Response:
    return Response(message, status=status, mimetype="text/plain", headers={"Cache-Control": "no-store"})


def _forbidden(unit: str) -> None:
    with context.write() as s:
        auth.audit(s, current_user.username, "forbidden", f"{TEMPLATE_URL} 单位 {unit[:40]}", ip=client_ip())
    abort(403)


@require_role("leader", "reporter", "admin")
def template_download():
    unit = (request.args.get("unit") or "").strip()
    if current_user.role == "reporter":
        if unit and unit != current_user.unit_code:
            _forbidden(unit)
        unit = current_user.unit_code
    if not unit:
        return _error("请指定单位（unit=单位代码）", 400)
    raw = (request.args.get("campaign") or "").strip()
    if raw and not raw.isdigit():
        return _error("行动编号应为数字", 400)
    with session() as s:
        visible = scope.unit_visible(s, unit)
    if not visible:  # a leader or admin bound to an area: only its units
        _forbidden(unit)
    with session() as s:
        campaign_id = int(raw) if raw else default_campaign_id(s)
        try:
            body = template_bytes(s, unit, campaign_id) if campaign_id is not None else None
        except LookupError:
            body = None
        name = unit_name(s, unit) or unit
    if body is None:
        return _error("没有这个单位或行动", 404)
    response = Response(body, mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = content_disposition(download_name(name), f"template-{re.sub(r'[^A-Za-z0-9_-]', '_', unit)}.xlsx")
    response.headers["Cache-Control"] = "no-store"  # prefilled with the unit's figures
    return response


def register(server: Flask) -> None:
    server.add_url_rule(TEMPLATE_URL, "submit_template", template_download, methods=["GET"])
