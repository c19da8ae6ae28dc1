"""The JSON API for machine submission: POST /api/v1/reports with a unit's bearer token.

    201  stored: {"version_id", "version", "warnings", "campaign_id", "unit", "report_date"}
    201  a replay of an Idempotency-Key already answered: that first answer, stored nothing
    400  not JSON, wrong shape or types, nested deeper than MAX_DEPTH, control characters or lone
         surrogates in any string (domain/inputs.py), a bad Idempotency-Key header
    401  no token, an unknown or revoked token (a session cookie is not enough)
    403  the token belongs to another unit than body.unit (audited as forbidden)
    413  body larger than API_MAX_BYTES (default 64 KiB)
    422  validation failed, or the Idempotency-Key was used with a different body

Errors are {"errors": [{"row": kind or null, "field": ..., "message": Chinese}]}. Everything a
request writes (report, audit event, Idempotency-Key record) commits in one write transaction;
refused requests are audited. The token authenticates, not a session: the blueprint is exempt
from CSRF (no cookie is involved) and the login gate lets bearer requests through to these views
(dashboard/http/auth.py). GET /api/v1/openapi.json serves the OpenAPI description to signed-in
users and token holders. See docs/api.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from dashboard import context
from dashboard.context import client_ip
from db.accounts import auth
from db.engine import write_session
from db.submission import api_store, store
from domain.inputs import MAX_ID, find_bad_string, json_depth, refusal
from domain.measures import LINE_KINDS, LINE_LABELS, MEASURE_LABELS
from domain.validation import Issue, Submission, SubmissionRefused

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
URL_REPORTS = "/api/v1/reports"
OPENAPI_FILE = Path(__file__).resolve().parent / "openapi.json"
DEFAULT_MAX_BYTES = 64 * 1024
MAX_NAME = 50  # 负责人 / 填报人: the column width
MAX_REASON = 1000
MAX_DEPTH = 8  # the body nests three deep; anything much deeper is refused before it is parsed
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,200}")  # printable ASCII, no spaces

# The API's names for the nine measures, in the attachment's column order, and db.measures' names.
API_MEASURES = {
    "offers": "offer_copies",
    "offer_enterprises": "offer_ents",
    "offer_workers": "offer_workers",
    "contracts": "signed_copies",
    "contract_enterprises": "signed_ents",
    "contract_workers": "signed_workers",
    "filed": "filed_copies",
    "filed_enterprises": "filed_ents",
    "filed_workers": "filed_workers",
}
MEASURE_API = {m: key for key, m in API_MEASURES.items()}
HEADER_FIELDS = {
    "unit_code": "unit",
    "reason": "correction_reason",
    "is_correction": "correction_reason",
    "lines": "rows",
    "filled_on": "report_date",
    "campaign_id": "campaign_id",
}
TEXT_LABELS = {"unit": "单位代码", "report_date": "报送日期", "responsible": "负责人", "filled_by": "填报人",
               "correction_reason": "更正原因"}
MULTI_LINE = ("correction_reason",)
TOP_KEYS = ("unit", "report_date", "responsible", "filled_by", "rows", "correction_reason", "campaign_id")


# --- the request body (pure) ---------------------------------------------------------------------


@dataclass(frozen=True)
class ApiError:
    field: str
    message: str
    row: str | None = None

    def as_json(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class Parsed:
    """A request body checked for shape and types. `bad` (400) and `invalid` (422) list problems."""

    unit: str = ""
    report_date: dt.date | None = None
    responsible: str = ""
    filled_by: str = ""
    lines: dict[str, dict[str, int]] = field(default_factory=dict)  # domain.measures names
    reason: str = ""
    campaign_id: int | None = None
    bad: list[ApiError] = field(default_factory=list)
    invalid: list[ApiError] = field(default_factory=list)
    request_hash: str = ""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(parsed: Parsed, body: dict, key: str, label: str, limit: int) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        parsed.bad.append(ApiError(key, f"{label}（{key}）应为字符串或 null"))
        return ""
    value = value.strip()
    if len(value) > limit:
        parsed.invalid.append(ApiError(key, f"{label}（{key}）不能超过 {limit} 个字，现有 {len(value)} 个"))
    return value


def parse_body(raw: bytes) -> Parsed:
    """Shape and types of the body (400 problems); lengths (422). The rules of the table itself
    (domain/validation.py) run in the store, against the unit's earlier reports."""
    parsed = Parsed()
    try:
        text = raw.decode("utf-8")
        if json_depth(text) > MAX_DEPTH:
            parsed.bad.append(ApiError("body", f"请求体的 JSON 嵌套过深（最多 {MAX_DEPTH} 层）"))
            return parsed
        body = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        parsed.bad.append(ApiError("body", "请求体不是有效的 JSON（UTF-8 编码）"))
        return parsed
    if not isinstance(body, dict):
        parsed.bad.append(ApiError("body", "请求体应为 JSON 对象"))
        return parsed
    bad = _bad_text(body)
    if bad is not None:
        parsed.bad.append(bad)
        return parsed
    parsed.request_hash = hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    ).hexdigest()
    for key in body:
        if key not in TOP_KEYS:
            parsed.bad.append(ApiError(str(key), f"未知字段“{key}”（可用字段：{'、'.join(TOP_KEYS)}）"))

    unit = body.get("unit")
    if not isinstance(unit, str) or not unit.strip():
        parsed.bad.append(ApiError("unit", '缺少单位代码 unit（字符串，如 "371302"）'))
    else:
        parsed.unit = unit.strip()

    day = body.get("report_date")
    try:
        if not isinstance(day, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
            raise ValueError
        parsed.report_date = dt.date.fromisoformat(day)
    except ValueError:
        parsed.bad.append(
            ApiError(
                "report_date",
                f"报送日期 report_date 应为 YYYY-MM-DD 格式的日期，收到 {json.dumps(day, ensure_ascii=False)}",
            )
        )

    parsed.responsible = _text(parsed, body, "responsible", "负责人", MAX_NAME)
    parsed.filled_by = _text(parsed, body, "filled_by", "填报人", MAX_NAME)
    parsed.reason = _text(parsed, body, "correction_reason", "更正原因", MAX_REASON)

    campaign_id = body.get("campaign_id")
    if campaign_id is not None and (not _is_int(campaign_id) or not 1 <= campaign_id <= MAX_ID):
        parsed.bad.append(ApiError("campaign_id", "行动编号 campaign_id 应为正整数或 null"))
    else:
        parsed.campaign_id = campaign_id

    _rows(parsed, body.get("rows"))
    return parsed


def _bad_text(body: dict) -> ApiError | None:
    """Control characters or lone surrogates anywhere in the body (domain/inputs.py), naming the field.
    Text fields are checked by their own rule (a reason may span lines); any other string by the
    multi-line rule, so it is either refused here or refused later for its type."""
    for key, label in TEXT_LABELS.items():
        value = body.get(key)
        if isinstance(value, str):
            message = refusal(f"{label}（{key}）", value, multiline=key in MULTI_LINE)
            if message is not None:
                return ApiError(key, message)
    found = find_bad_string(body)
    if found is None:
        return None
    path, value = found
    label = path or "请求体"
    return ApiError(path or "body", refusal(label, value, multiline=True) or refusal(label, value))


def _rows(parsed: Parsed, rows: object) -> None:
    if not isinstance(rows, dict):
        parsed.bad.append(ApiError("rows", "缺少统计表 rows（对象，含 single、regional、industry 三行）"))
        return
    for kind in rows:
        if kind not in LINE_KINDS:
            parsed.bad.append(
                ApiError("rows", f"未知的统计行“{kind}”（应为 single 单独开展企业、regional 区域、industry 行业）")
            )
    for kind in LINE_KINDS:
        label = LINE_LABELS[kind]
        row = rows.get(kind)
        if not isinstance(row, dict):
            parsed.bad.append(ApiError("rows", f"缺少“{label}”行 rows.{kind}（对象，含九个统计项）", kind))
            continue
        for key in row:
            if key not in API_MEASURES:
                parsed.bad.append(ApiError(str(key), f"{label} · 未知的统计项“{key}”", kind))
        values = {}
        for key, m in API_MEASURES.items():
            where = f"{label} · {MEASURE_LABELS[m]}（rows.{kind}.{key}）"
            if key not in row:
                parsed.bad.append(ApiError(key, f"{where} 缺失", kind))
            elif not _is_int(row[key]):
                shown = json.dumps(row[key], ensure_ascii=False)[:40]
                parsed.bad.append(ApiError(key, f"{where} 应为整数，收到 {shown}", kind))
            else:
                values[m] = row[key]
        parsed.lines[kind] = values


def issue_error(issue: Issue) -> ApiError:
    """A validation Issue in the API's names (db measure names become the body's keys)."""
    name = MEASURE_API.get(issue.field) or HEADER_FIELDS.get(issue.field, issue.field)
    return ApiError(name, issue.message, issue.line)


def created_body(stored: store.Stored, parsed: Parsed, campaign_id: int) -> dict:
    return {
        "version_id": stored.report_id,
        "version": stored.version,
        "warnings": stored.warnings,
        "campaign_id": campaign_id,
        "unit": parsed.unit,
        "report_date": parsed.report_date.isoformat(),
    }


# --- HTTP ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict
    replayed: bool = False


def _errors(status: int, *errors: ApiError) -> Answer:
    return Answer(status, {"errors": [e.as_json() for e in errors]})


def _respond(answer: Answer) -> Response:
    response = Response(json.dumps(answer.body, ensure_ascii=False), status=answer.status, mimetype="application/json")
    if answer.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="jizhong"'
    if answer.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Cache-Control"] = "no-store"
    return response


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


NO_TOKEN = ApiError(
    "Authorization", "缺少接口令牌：请在请求头中加 Authorization: Bearer <令牌>（登录会话不能代替令牌）"
)
BAD_TOKEN = ApiError("Authorization", "接口令牌无效或已吊销，请向管理员申请新令牌")


def _read_body() -> bytes | None:
    """The raw body, or None when it is larger than API_MAX_BYTES (never reads more than that)."""
    limit = current_app.config.get("API_MAX_BYTES", DEFAULT_MAX_BYTES)
    if request.content_length is not None and request.content_length > limit:
        return None
    raw = request.stream.read(limit + 1)
    return None if len(raw) > limit else raw


@bp.post("/reports")
def post_report() -> Response:
    token = bearer_token()
    if token is None:
        return _respond(_errors(401, NO_TOKEN))
    raw = _read_body()
    parsed = parse_body(raw) if raw is not None else None
    key = request.headers.get("Idempotency-Key")
    engine = context.engine()
    try:
        with write_session(engine) as s:
            answer = _handle(s, token, key, raw, parsed, client_ip())
    except IntegrityError:
        # Belt and braces: the token lock makes a second use of a key wait for the first, but if
        # the unique (token, key) index ever fires, answer as the replay it is.
        answer = _replay_after_conflict(engine, token, key, parsed)
        if answer is None:
            raise
    return _respond(answer)


def _handle(s, token: str, key: str | None, raw: bytes | None, parsed: Parsed | None, ip: str) -> Answer:
    holder = api_store.lock_token(s, token)
    if holder is None:
        auth.audit(s, "", "api.unauthorized", "POST /api/v1/reports：接口令牌无效或已吊销", ip=ip)
        return _errors(401, BAD_TOKEN)
    actor = holder.actor

    def refuse(status: int, errors: list[ApiError]) -> Answer:
        what = f"{parsed.unit} {parsed.report_date}" if parsed and parsed.unit else "?"
        detail = f"{what}（api，HTTP {status}）：" + "；".join(e.message for e in errors)
        auth.audit(s, actor, "report.refused", detail[:1000], ip=ip)
        return _errors(status, *errors)

    if raw is None:
        limit = current_app.config.get("API_MAX_BYTES", DEFAULT_MAX_BYTES)
        return refuse(413, [ApiError("body", f"请求体超过 {limit // 1024} KB 上限")])
    if key is not None and not KEY_PATTERN.fullmatch(key):
        return refuse(400, [ApiError("Idempotency-Key", "Idempotency-Key 应为 1—200 个可见 ASCII 字符（不含空格）")])
    if parsed.bad:
        return refuse(400, parsed.bad)
    if parsed.unit != holder.unit_code:
        auth.audit(
            s,
            actor,
            "forbidden",
            f"POST /api/v1/reports：令牌属于 {holder.unit_code}，请求报送 {parsed.unit[:32]}",
            ip=ip,
        )
        return _errors(
            403,
            ApiError(
                "unit",
                f"此令牌属于 {holder.unit_code} {holder.unit_name}，不能报送其他单位（{parsed.unit[:32]}）的报表",
            ),
        )
    if key is not None:
        seen = api_store.find_request(s, holder.token_id, key)
        if seen is not None and seen.request_hash == parsed.request_hash:
            return Answer(seen.status, seen.body, replayed=True)
        if seen is not None:
            return refuse(
                422,
                [
                    ApiError(
                        "Idempotency-Key",
                        f"Idempotency-Key “{key}” 已用于另一份内容不同的报送；新的报送请换一个新的 Idempotency-Key",
                    )
                ],
            )
    if parsed.invalid:
        return refuse(422, parsed.invalid)
    campaign_id = parsed.campaign_id or api_store.default_campaign_id(s, parsed.report_date)
    if campaign_id is None:
        return refuse(
            422, [ApiError("report_date", f"报送日期 {parsed.report_date.isoformat()} 不在任何行动的报送期间内")]
        )
    sub = Submission(
        campaign_id=campaign_id,
        unit_code=parsed.unit,
        report_date=parsed.report_date,
        lines=parsed.lines,
        leader=parsed.responsible,
        filled_by=parsed.filled_by,
        filled_on=dt.date.today(),
        submitted_by=actor,
        source="api",
        is_correction=bool(parsed.reason),
        reason=parsed.reason,
    )
    try:
        with s.begin_nested():  # a refusal leaves nothing of the submission behind
            stored = store.submit_in(s, sub)
    except SubmissionRefused as refused:
        return refuse(422, [issue_error(e) for e in refused.errors])
    action = "report.correct" if stored.version > 1 or sub.is_correction else "report.submit"
    detail = f"{sub.unit_code} {sub.report_date.isoformat()} 第{stored.version}版（api）"
    if sub.reason:
        detail += f" 原因：{sub.reason}"
    auth.audit(s, actor, action, detail[:1000], ip=ip)
    answer = Answer(201, created_body(stored, parsed, campaign_id))
    if key is not None:
        api_store.remember_request(
            s, holder.token_id, key, parsed.request_hash, answer.status, answer.body, stored.report_id
        )
    return answer


def _replay_after_conflict(engine, token: str, key: str | None, parsed: Parsed | None) -> Answer | None:
    if key is None or parsed is None:
        return None
    with write_session(engine) as s:
        holder = api_store.lock_token(s, token)
        seen = api_store.find_request(s, holder.token_id, key) if holder else None
    if seen is None or seen.request_hash != parsed.request_hash:
        return None
    return Answer(seen.status, seen.body, replayed=True)


@bp.route("/reports", methods=["GET", "PUT", "PATCH", "DELETE"])
def reports_other_methods() -> Response:
    """Only POST: answer 405 here, or Dash's catch-all page route would serve GET."""
    response = _respond(_errors(405, ApiError("method", f"{URL_REPORTS} 只接受 POST 请求")))
    response.headers["Allow"] = "POST"
    return response


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description, for signed-in users and token holders."""
    if not current_user.is_authenticated:
        token = bearer_token()
        if token is None:
            return _respond(_errors(401, NO_TOKEN))
        with context.write() as s:
            ok = api_store.verify(s, token)
        if not ok:
            return _respond(_errors(401, BAD_TOKEN))
    response = Response(OPENAPI_FILE.read_bytes(), mimetype="application/json")
    response.cache_control.private = True
    response.cache_control.max_age = 300
    return response


def register(server: Flask) -> None:
    """Mount the API: token-authenticated, so no CSRF token (no cookie is involved)."""
    server.register_blueprint(bp)
    server.extensions["csrf"].exempt(bp)
