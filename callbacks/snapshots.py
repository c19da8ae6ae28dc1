"""Snapshot callbacks: take a snapshot, export one (in the background, with progress), compare two.

Exports run as a Dash background callback, outside the request: on DiskCache (a process per job,
cache under instance/) locally, on Celery + Redis when CELERY_BROKER_URL is set (`background_manager`).
A background job has no request, so no signed-in user: the role check and the audit happen in
`start_export`, an ordinary callback, which hands the job a ticket signed with the app's secret
(snapshot id, format, who); the job refuses a ticket it did not get from there, or an old one.
The ticket is bound to its creator: a request that runs an export with a ticket another user got
(or by a user whose role may not export) is refused with 403 before any job starts.

Scope: a snapshot is of an area; a user bound to an area (dashboard/scope.py) takes,
lists, opens, compares and exports only snapshots of areas in that subtree. Every check is here, on
the server: a forged area or snapshot id gets the same answer as a missing one, and a refusal is audited.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from flask import Response, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from dashboard import context, ids, scope
from dashboard.context import client_ip, session
from dashboard.data import thresholds
from dashboard.http.auth import require_role
from db import snapshots
from db.accounts import auth
from db.engine import make_engine, read_session

TICKET_SALT = "snapshot-export"
TICKET_MAX_AGE_S = 600


def background_manager(settings: dict, root: Path):
    """The background-callback manager: Celery when CELERY_BROKER_URL is set, else DiskCache under instance/."""
    broker = settings.get("CELERY_BROKER_URL") or os.environ.get("CELERY_BROKER_URL")
    if broker:
        from celery import Celery
        from dash import CeleryManager

        backend = os.environ.get("CELERY_RESULT_BACKEND") or broker
        return CeleryManager(Celery(__name__, broker=broker, backend=backend))
    import diskcache
    from dash import DiskcacheManager

    directory = Path(settings.get("JOBS_DIR") or root / "instance" / "jobs")
    directory.mkdir(parents=True, exist_ok=True)
    return DiskcacheManager(diskcache.Cache(str(directory)))


class OutOfScope(snapshots.SnapshotError):
    """The area or snapshot is outside the signed-in user's scope (message in Chinese)."""


def _filters(data: dict | None) -> tuple[int, dt.date, str, int | None]:
    """(campaign id, as-of date, metric, area id) from the form's store, checked (a callback is a public
    endpoint): the area must be None or an id, and inside the user's scope."""
    from dashboard.state import coerce

    data = data if isinstance(data, dict) else {}
    state = coerce(data.get("campaign"), data.get("date"), data.get("metric"))
    area_id = data.get("area")
    if area_id is not None and (not isinstance(area_id, int) or isinstance(area_id, bool)):
        raise snapshots.SnapshotError("快照的区域无效")
    with session() as s:
        if not scope.area_visible(s, area_id):
            raise OutOfScope("无权为该区域生成快照：不在您的管辖范围内")
        campaign_id, as_of = snapshots.default_view(s, state.campaign)
    return campaign_id, state.date or as_of, state.metric, area_id


def _refused(what: str) -> None:
    with context.write() as s:
        auth.audit(s, current_user.username, "forbidden", f"{request.path} → {what}", ip=client_ip())


def take_snapshot(filters: dict | None, title: str | None, note: str | None) -> int:
    """Freeze the live view with these filters (as the signed-in user); returns the new id."""
    try:
        campaign_id, as_of, metric, area_id = _filters(filters)
    except OutOfScope:
        _refused(f"快照区域 {(filters or {}).get('area')}")
        raise
    with context.write() as s:
        row = snapshots.create(s, campaign_id=campaign_id, as_of=as_of, metric=metric, title=title or "",
                               note=note or "", actor=current_user.username, ip=client_ip(),
                               thresholds=thresholds(campaign_id), area_id=area_id)
        return row.id


def _message(text: str, ok: bool = True) -> html.Div:
    return html.Div(text, className="ok" if ok else "error", role="status" if ok else "alert")


def register(app) -> None:
    _register_snapshots(app)
    _register_exports(app)
    _register_compare(app)


def _register_snapshots(app) -> None:
    @app.callback(
        Output(ids.SN_LIST, "children", allow_duplicate=True),
        Output(ids.SN_COMPARE_A, "options"),
        Output(ids.SN_COMPARE_B, "options"),
        Input(ids.DATA_VERSION, "data"),
        prevent_initial_call=True,
    )
    def refresh_listing(_version):
        """A snapshot taken elsewhere (another leader, the CLI, an export of the live view) shows up here."""
        from dashboard.pages.snapshots import options, snapshot_rows

        with session() as s:
            items = snapshots.listing(s, within=scope.top_area_id())
        return snapshot_rows(items), options(items), options(items)

    @app.callback(
        Output(ids.SN_CREATE_RESULT, "children"),
        Output(ids.SN_LIST, "children"),
        Input(ids.SN_CREATE, "n_clicks"),
        State(ids.SN_FILTERS, "data"),
        State(ids.SN_TITLE, "value"),
        State(ids.SN_NOTE, "value"),
        prevent_initial_call=True,
    )
    @require_role("leader", "admin")
    def create_snapshot(n_clicks, filters, title, note):
        if not n_clicks:
            raise PreventUpdate
        from dashboard.pages.snapshots import snapshot_rows

        try:
            sid = take_snapshot(filters, title, note)
        except snapshots.SnapshotError as exc:
            return _message(str(exc), ok=False), no_update
        with session() as s:
            rows = snapshot_rows(snapshots.listing(s, within=scope.top_area_id()))
        return html.Div(["已生成快照 ", dcc.Link(f"#{sid}「{(title or '').strip()}」", href=f"/snapshot/{sid}",
                                                 id="sn-new-link"), "，可在快照页导出。"], className="ok"), rows


EXPORT_ROLES = ("leader", "admin")


def _ticket_in(body: object) -> object:
    """The export ticket a callback request carries as an input, or None."""
    inputs = body.get("inputs") if isinstance(body, dict) else None
    for dep in inputs if isinstance(inputs, list) else []:
        if isinstance(dep, dict) and dep.get("id") == ids.SN_TICKET:
            return dep.get("value")
    return None


def ticket_refusal(signer: URLSafeTimedSerializer, ticket: object, user) -> str | None:
    """Why `user` may not run the export of `ticket` (Chinese), or None. An invalid or expired ticket
    is left to the job, which says so; a valid one must be this user's own, and the role must export."""
    if user.role not in EXPORT_ROLES:
        return "无权导出快照：仅领导和管理员可以导出"
    try:
        claim = signer.loads(ticket, max_age=TICKET_MAX_AGE_S)
    except (BadSignature, TypeError, UnicodeError):
        return None
    if not isinstance(claim, dict) or claim.get("uid") != user.id or claim.get("by") != user.username:
        return "该导出凭据属于其他用户，无权下载；请自己点击导出"
    return None


def _guard_tickets(server, signer: URLSafeTimedSerializer) -> None:
    """Before Dash runs the (background) export, whose job has no request and so no user: the ticket
    in the request must be the signed-in user's own."""

    @server.before_request
    def guard_export_ticket():
        if request.method != "POST" or not request.path.endswith("_dash-update-component"):
            return None
        ticket = _ticket_in(request.get_json(silent=True))
        if not ticket or not current_user.is_authenticated:  # nothing to run; anonymous: the gate's 401
            return None
        refusal = ticket_refusal(signer, ticket, current_user)
        if refusal is None:
            return None
        with context.write() as s:
            auth.audit(s, current_user.username, "forbidden", f"{request.path} → 导出凭据：{refusal}",
                       ip=client_ip())
        return Response(refusal, status=403, mimetype="text/plain")


def _register_exports(app) -> None:
    server = app.server
    signer = URLSafeTimedSerializer(server.config["SECRET_KEY"], salt=TICKET_SALT)
    _guard_tickets(server, signer)
    # The job may run in another process (DiskCache forks, Celery is a worker): it opens its own engine.
    db_url = _engine_url(server)

    @app.callback(
        Output(ids.SN_TICKET, "data"),
        Output(ids.SN_EXPORT_RESULT, "children"),
        Input({"type": ids.SN_EXPORT, "fmt": ALL}, "n_clicks"),
        State(ids.SN_SNAPSHOT_ID, "data"),
        State(ids.SN_FILTERS, "data"),
        State(ids.SN_TITLE, "value"),
        State(ids.SN_NOTE, "value"),
        prevent_initial_call=True,
    )
    @require_role(*EXPORT_ROLES)
    def start_export(clicks, snapshot_id, filters, title, note):
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not any(clicks or []):
            raise PreventUpdate
        from dashboard.exports import FORMATS

        fmt = trigger.get("fmt")
        if fmt not in FORMATS:
            raise PreventUpdate
        try:
            if isinstance(snapshot_id, int) and not isinstance(snapshot_id, bool):
                with session() as s:
                    exists, area_id = snapshots.area_of(s, snapshot_id)
                    visible = exists and scope.area_visible(s, area_id)
                if not visible:  # outside the scope: answered like a missing one, and audited
                    if exists:
                        _refused(f"导出快照 {snapshot_id}（不在管辖范围内）")
                    return no_update, _message(f"快照 {snapshot_id} 不存在", ok=False)
                sid = snapshot_id
            else:  # the live view: every exported file is traced to a snapshot
                sid = take_snapshot(filters, (title or "").strip() or "导出时自动生成", note)
        except snapshots.SnapshotError as exc:
            return no_update, _message(str(exc), ok=False)
        with context.write() as s:
            auth.audit(s, current_user.username, f"export.{fmt}", f"快照 {sid}", ip=client_ip())
        ticket = signer.dumps({"sid": sid, "fmt": fmt, "by": current_user.username, "uid": current_user.id})
        return ticket, _message(f"正在导出快照 {sid}……")

    @app.callback(
        Output(ids.SN_DOWNLOAD, "data"),
        Output(ids.SN_EXPORT_RESULT, "children", allow_duplicate=True),
        Input(ids.SN_TICKET, "data"),
        background=True,
        progress=[Output(ids.SN_PROGRESS, "value"), Output(ids.SN_PROGRESS, "max"),
                  Output(ids.SN_PROGRESS_TEXT, "children")],
        running=[(Output(ids.SN_PROGRESS_BOX, "style"), {"display": "flex"}, {"display": "none"}),
                 (Output({"type": ids.SN_EXPORT, "fmt": ALL}, "disabled"), True, False)],
        prevent_initial_call=True,
    )
    def run_export(set_progress, ticket):
        if not ticket:
            raise PreventUpdate
        try:
            claim = signer.loads(ticket, max_age=TICKET_MAX_AGE_S)
        except BadSignature:
            return no_update, _message("导出请求无效或已过期，请重新点击导出", ok=False)
        return export_job(db_url, claim["sid"], claim["fmt"],
                          lambda step, total, text: set_progress((str(step), str(total), text)))


def _engine_url(server) -> str:
    return context.engine(server).url.render_as_string(hide_password=False)


def export_job(db_url: str, snapshot_id: int, fmt: str, progress) -> tuple:
    """The background job: read the stored snapshot, build the file, hand it to dcc.Download."""
    from dashboard import exports

    engine = make_engine(db_url)
    try:
        with read_session(engine) as s:
            doc = snapshots.get(s, snapshot_id)
    finally:
        engine.dispose()
    if doc is None:
        return no_update, _message(f"快照 {snapshot_id} 不存在", ok=False)
    try:
        data = exports.export(doc, fmt, progress=progress)
    except Exception as exc:  # noqa: BLE001 - shown to the user, in Chinese
        return no_update, _message(f"导出失败：{exc}", ok=False)
    name = exports.filename(doc, fmt)
    return (dcc.send_bytes(data, name, type=exports.FORMATS[fmt][1]),
            _message(f"已导出快照 {snapshot_id}：{name}（{len(data) / 1024:,.0f} KB）"))


def _register_compare(app) -> None:
    @app.callback(Output(ids.SN_OVERVIEW_LINK, "href"), Input(ids.URL, "search"), State(ids.URL, "pathname"))
    def overview_link(search, pathname):
        """The overview's 生成快照 link carries the filters the URL holds now (they change without a
        re-render) and, on /area/<adcode>, the area."""
        return snapshots_href(search, pathname)

    @app.callback(
        Output(ids.SN_COMPARE_RESULT, "children"),
        Input(ids.SN_COMPARE_A, "value"),
        Input(ids.SN_COMPARE_B, "value"),
    )
    def compare(a_id, b_id):
        from dashboard.pages.snapshots import compare_view

        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (a_id, b_id)):
            return html.P("请选择两次快照。", className="muted")
        top = scope.top_area_id()
        with session() as s:
            a, b = snapshots.get(s, a_id, within=top), snapshots.get(s, b_id, within=top)
        if a is None or b is None:
            return html.P("快照不存在。", className="muted")
        return compare_view(a, b)


_AREA_PATH = re.compile(r"^/area/([0-9A-Za-z_-]{1,32})/?$")


def snapshots_href(search: str | None, pathname: str | None) -> str:
    """"/snapshots?campaign=1&date=…&metric=…&area=370000": the filters of the URL, and the area of an
    /area/<adcode> path (or an `area=` already in the query string)."""
    from urllib.parse import parse_qs, urlencode

    from dashboard.state import compose, parse

    href = "/snapshots" + compose(parse(search))
    match = _AREA_PATH.match(pathname or "") if isinstance(pathname, str) else None
    given = parse_qs((search or "").lstrip("?")).get("area") if isinstance(search, str) else None
    area = match.group(1) if match else (given[-1] if given else None)
    if not area:
        return href
    return href + ("&" if "?" in href else "?") + urlencode({"area": area})

