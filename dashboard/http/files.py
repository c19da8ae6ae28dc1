"""Uploaded files over HTTP: serving them to signed-in users, and the summary upload form.

- GET /files/<id> and /files/<id>/thumb: looked up by id in the database and sent from the upload
  directory by their stored (random) name, never by a name from the request. Correct content type,
  `X-Content-Type-Options: nosniff`, and a download (attachment) for documents and video.
- POST /summaries/upload: a plain multipart form (a 200 MB video does not belong in a Dash
  callback's JSON). A reporter uploads for their own unit whatever the form says; admins for any
  unit; leaders not at all. All files of one post are stored in one transaction: one refused file
  refuses the post and leaves nothing behind. The outcome is flashed and shown on /summaries.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, Response, current_app, flash, redirect, render_template_string, request, send_file
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from dashboard import context, scope
from dashboard.context import client_ip, session
from dashboard.http.auth import has_role, require_role
from db.accounts.auth import ROLES
from db.cases import files, summaries
from db.cases import typical as cases
from db.models.cases import SUMMARY_KINDS
from domain.errors import UserError
from domain.inputs import as_id, refusal

SUMMARIES_PATH = "/summaries"
UPLOAD_PATH = "/summaries/upload"
FLASH_OK = "summary-ok"
MAX_FILES_PER_POST = 20


def upload_dir():
    return files.upload_dir(current_app.config)


def limits() -> files.Limits:
    return files.limits_from(current_app.config)


def _not_found() -> Response:
    return Response("文件不存在或已删除", status=404, mimetype="text/plain")


def _send(file_id: int, thumb: bool):
    if as_id(file_id) is None:  # 40 digits: no row has that id, and the database integer would overflow
        return _not_found()
    with session() as s:
        row = files.get(s, file_id)
        hidden = row is not None and not has_role("admin") and not cases.file_in_use(s, file_id)
        outside = row is not None and not scope.file_visible(s, file_id)  # another area's case or summary
    if outside:
        scope.refuse(f"文件 #{file_id}")
    if row is None or hidden:  # a photo removed from its case is kept for the audit trail, for admins only
        return _not_found()
    name = row.thumb_name if thumb else row.storage_name
    path = files.path_of(upload_dir(), name)
    if path is None or not path.is_file():
        return _not_found()
    download = not thumb and row.kind in ("doc", "video")
    response = send_file(
        path,
        mimetype="image/jpeg" if thumb else row.content_type,
        as_attachment=download,
        download_name=row.original_name if download else None,
        conditional=True,
        max_age=3600,
    )
    response.cache_control.private = True
    response.cache_control.public = False
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _back(campaign_id: object) -> str:
    query = urlencode({"campaign": as_id(campaign_id)}) if as_id(campaign_id) else ""
    return f"{SUMMARIES_PATH}?{query}" if query else SUMMARIES_PATH


UPLOAD_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>上传总结材料 · 集中要约行动监测</title><link rel="stylesheet" href="/assets/style.css"></head>
<body><header class="topbar"><a class="brand" href="/">工资集体协商“集中要约”行动监测</a></header>
<main class="page"><form class="card login sm-upload" method="post" action="{{ action }}" enctype="multipart/form-data">
<h2>上传总结材料</h2>
<p class="muted">按通知，6月10日前报送书面总结和图片、影像资料。</p>
{% if error %}<p class="error" role="alert">{{ error }}</p>{% endif %}
<input type="hidden" name="csrf_token" value="{{ csrf_token }}">
<label>行动<select name="campaign">{% for c in campaigns %}
<option value="{{ c.id }}"{% if c.id == campaign %} selected{% endif %}>{{ c.name }}</option>{% endfor %}</select></label>
{% if units %}<label>单位<select name="unit" required><option value="">选择单位</option>{% for u in units %}
<option value="{{ u.code }}"{% if u.code == unit %} selected{% endif %}>{{ u.name }}</option>{% endfor %}</select></label>
{% else %}<p>单位：<strong>{{ unit_name }}</strong></p>{% endif %}
<fieldset class="sm-kind"><legend>材料类别</legend>
<label class="inline"><input type="radio" name="kind" value="written" required{% if kind == "written" %} checked{% endif %}>
书面总结（docx、pdf，不超过 {{ doc_limit }}）</label>
<label class="inline"><input type="radio" name="kind" value="media"{% if kind == "media" %} checked{% endif %}>
图片/影像资料（jpg、png 不超过 {{ photo_limit }}；mp4 视频不超过 {{ video_limit }}）</label></fieldset>
<label>文件（可多选）<input type="file" name="file" multiple required accept=".docx,.pdf,.jpg,.jpeg,.png,.mp4"></label>
<button type="submit">上传</button>
<a class="back" href="{{ back }}">← 返回总结报送情况</a>
</form></main></body></html>"""


def _upload_page(error: str = "", status: int = 200, *, campaign: int | None = None, unit: str = "",
                 kind: str = ""):
    from db import queries

    lim = limits()
    with session() as s:
        all_campaigns = queries.campaigns(s)
        units = scope.only_visible(s, cases.units(s))  # an admin bound to an area: its units
    names = {u["code"]: u["name"] for u in units}
    if campaign is None and all_campaigns:
        campaign = all_campaigns[0]["id"]
    reporter = current_user.role == "reporter"
    html = render_template_string(
        UPLOAD_PAGE, action=UPLOAD_PATH, error=error, csrf_token=generate_csrf(), campaigns=all_campaigns,
        campaign=campaign, units=[] if reporter else units, unit=unit,
        unit_name=names.get(current_user.unit_code or "", ""), kind=kind, back=_back(campaign),
        doc_limit=files.size_text(lim.doc), photo_limit=files.size_text(lim.photo),
        video_limit=files.size_text(lim.video),
    )
    return Response(html, status=status, mimetype="text/html")


def _in_area(unit: str) -> bool:
    """An admin bound to an area uploads only for its units (a refusal is audited)."""
    with session() as s:
        visible = scope.unit_visible(s, unit)
    if not visible:
        scope.audit_refusal(f"单位 {unit[:40]}")
    return visible


def _bad_text(unit: str, uploads) -> str | None:
    """Control characters in the unit or a file name (domain/inputs.py): the Chinese refusal, else None."""
    for label, value in [("单位", unit)] + [("文件名", u.filename) for u in uploads]:
        message = refusal(label, value)
        if message is not None:
            return message
    return None


def upload_summary():
    if request.method == "GET":
        requested = request.args.get("campaign", "")
        return _upload_page(campaign=as_id(requested))
    # Before the body is parsed: a post larger than the largest file we accept is refused unread.
    lim = limits()
    cap = max(lim.photo, lim.video, lim.doc) + 1024 * 1024
    if request.content_length is not None and request.content_length > cap:
        return _upload_page(f"上传内容超过上限 {files.size_text(cap)}，未保存任何文件", 413)
    request.max_content_length = cap  # chunked bodies without a length are cut off here
    campaign_id = request.form.get("campaign", "")
    kind = request.form.get("kind", "")
    unit = current_user.unit_code if current_user.role == "reporter" else request.form.get("unit", "")
    uploads = [f for f in request.files.getlist("file") if f and f.filename]
    again = {"campaign": as_id(campaign_id), "unit": unit or "", "kind": kind}
    problem = None
    if again["campaign"] is None:
        problem = "请选择行动"
    elif not unit:
        problem = "请选择单位"
    elif not summaries.can_upload_summary(current_user.role, current_user.unit_code, unit):
        problem = "只能为本单位上传总结材料"
    elif not _in_area(unit):
        problem = "只能为本辖区的单位上传总结材料"
    elif kind not in SUMMARY_KINDS:
        problem = "请选择材料类别：书面总结 或 图片/影像资料"
    elif not uploads:
        problem = "请选择要上传的文件"
    elif (bad := _bad_text(unit, uploads)) is not None:
        problem = bad
    elif len(uploads) > MAX_FILES_PER_POST:
        problem = f"一次最多上传 {MAX_FILES_PER_POST} 个文件"
    if problem:
        return _upload_page(problem, 400, **again)
    allowed = ("doc",) if kind == "written" else ("photo", "video")
    directory = upload_dir()
    try:
        # Checked and processed (photos decoded) before the write transaction opens: it stays short.
        with files.prepared(((u.stream, u.filename) for u in uploads), allowed=allowed, directory=directory,
                            limits=lim) as ready, context.write() as s:
            for upload in ready:
                summaries.add_summary_file(s, again["campaign"], unit, kind, upload, upload.name,
                                           actor=current_user.username, directory=directory, limits=lim,
                                           ip=client_ip())
    except UserError as exc:  # FileRejected, CaseError
        return _upload_page(f"{exc.message}。本次上传未保存任何文件。", 400, **again)
    names = "、".join(files.display_name(u.filename) for u in uploads)
    flash(f"已上传{SUMMARY_KINDS[kind]}：{names}", FLASH_OK)
    return redirect(_back(campaign_id), code=303)


def register(server: Flask) -> None:
    @server.get("/files/<int:file_id>")
    @require_role(*ROLES)
    def stored_file(file_id: int):
        return _send(file_id, thumb=False)

    @server.get("/files/<int:file_id>/thumb")
    @require_role(*ROLES)
    def stored_thumb(file_id: int):
        return _send(file_id, thumb=True)

    server.add_url_rule(UPLOAD_PATH, "upload_summary", require_role("reporter", "admin")(upload_summary),
                        methods=["GET", "POST"])
