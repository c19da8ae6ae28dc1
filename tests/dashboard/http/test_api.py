"""The JSON API (dashboard/http/api.py) over HTTP, on SQLite and PostgreSQL: every status code, the
Idempotency-Key (replays, concurrent replays, a reused key), tokens vs. sessions, audit rows, and
the OpenAPI description it serves. Plain tests of the body parser at the end."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from app import create_app
from dashboard.http import api
from db.accounts import auth
from db.admin.presets import ensure_campaign, read_preset
from db.engine import read_session, write_session
from db.models import AuditEvent, Campaign, Report, ReportLine
from db.models.review import ApiRequest
from tests.http_helpers import login

LANSHAN, LUOZHUANG = "371302", "371311"
URL = "/api/v1/reports"
PASSWORD = "lanshan-clerk-2017"
SINGLE = {"offers": 10, "offer_enterprises": 10, "offer_workers": 5000, "contracts": 8, "contract_enterprises": 8,
          "contract_workers": 4000, "filed": 6, "filed_enterprises": 6, "filed_workers": 3000}
REGIONAL = {"offers": 3, "offer_enterprises": 40, "offer_workers": 2000, "contracts": 2, "contract_enterprises": 30,
            "contract_workers": 1500, "filed": 1, "filed_enterprises": 20, "filed_workers": 900}
INDUSTRY = {"offers": 2, "offer_enterprises": 25, "offer_workers": 3000, "contracts": 1, "contract_enterprises": 20,
            "contract_workers": 2500, "filed": 1, "filed_enterprises": 15, "filed_workers": 2000}


def body(unit=LANSHAN, day="2017-04-28", reason=None, **extra) -> dict:
    return {"unit": unit, "report_date": day, "responsible": "王建国", "filled_by": "刘敏",
            "rows": {"single": dict(SINGLE), "regional": dict(REGIONAL), "industry": dict(INDUSTRY)},
            "correction_reason": reason, **extra}


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    auth._dummy_hash.cache_clear()
    yield
    auth._dummy_hash.cache_clear()


class Env:
    """An app on a fresh migrated database (per backend) with the 临沂 preset, tokens and a reporter."""

    def __init__(self, engine):
        self.engine = engine
        with write_session(engine) as s:
            self.campaign_id = s.scalar(select(Campaign.id))
            self.lanshan = auth.create_token(s, LANSHAN, actor="admin", label="兰山区脚本")
            self.luozhuang = auth.create_token(s, LUOZHUANG, actor="admin")
            revoked = auth.create_token(s, LANSHAN, actor="admin", label="旧脚本")
            self.ids = {row["label"] or row["unit_code"]: row["id"] for row in auth.list_tokens(s)}
            auth.revoke_token(s, self.ids["旧脚本"], actor="admin")
            self.revoked = revoked
            auth.create_user(s, "lanshan", PASSWORD, "reporter", LANSHAN, actor="admin")
            auth.create_user(s, "leader", PASSWORD, "leader", actor="admin")
        url = engine.url.render_as_string(hide_password=False)
        self.app = create_app({"DATABASE_URL": url, "TESTING": True, "SESSION_COOKIE_SECURE": False})
        self.client = self.app.server.test_client()

    def post(self, payload, token=None, key=None, raw=None, client=None, **headers):
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if key is not None:
            headers["Idempotency-Key"] = key
        data = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        return (client or self.client).post(URL, data=data, content_type="application/json", headers=headers)

    def reports(self) -> int:
        with read_session(self.engine) as s:
            return s.scalar(select(func.count(Report.id)))

    def audit(self, action: str) -> list[tuple]:
        with read_session(self.engine) as s:
            rows = s.execute(select(AuditEvent.actor, AuditEvent.detail).where(AuditEvent.action == action)
                             .order_by(AuditEvent.id))
            return [tuple(r) for r in rows]


@pytest.fixture
def env(preset_engine):
    e = Env(preset_engine)
    yield e
    e.app.server.extensions["jizhong_engine"].dispose()


def test_api001_stored_201_with_the_version_and_the_measures_mapped(env):
    r = env.post(body(), env.lanshan)
    assert r.status_code == 201, r.get_json()
    got = r.get_json()
    with read_session(env.engine) as s:
        report = s.scalar(select(Report))
        lines = {ln.kind: ln for ln in s.scalars(select(ReportLine).where(ReportLine.report_id == report.id))}
    assert got == {"version_id": report.id, "version": 1, "warnings": [], "campaign_id": env.campaign_id,
                   "unit": LANSHAN, "report_date": "2017-04-28"}
    tid = env.ids["兰山区脚本"]
    assert (report.source, report.submitted_by, report.leader, report.filled_by, report.is_correction) == (
        "api", f"token:{tid}", "王建国", "刘敏", False)
    assert report.report_date == dt.date(2017, 4, 28) and report.filled_on == dt.date.today()
    regional = lines["regional"]
    assert (regional.offer_copies, regional.offer_ents, regional.offer_workers, regional.signed_copies,
            regional.signed_ents, regional.signed_workers, regional.filed_copies, regional.filed_ents,
            regional.filed_workers) == (3, 40, 2000, 2, 30, 1500, 1, 20, 900)
    assert env.audit("report.submit") == [(f"token:{tid}", f"{LANSHAN} 2017-04-28 第1版（api）")]
    assert r.headers["Cache-Control"] == "no-store"


def test_api002_missing_unknown_and_revoked_tokens_get_401(env):
    for token in (None, "not-a-token", env.revoked, "x" * 300):
        r = env.post(body(), token)
        assert r.status_code == 401, token
        assert r.headers["WWW-Authenticate"] == 'Bearer realm="jizhong"'
        [error] = r.get_json()["errors"]
        assert error["row"] is None and error["field"] == "Authorization"
        assert ("缺少接口令牌" if token is None else "接口令牌无效或已吊销") in error["message"]
    r = env.client.post(URL, data=b"{}", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert r.status_code == 401 and "缺少接口令牌" in r.get_json()["errors"][0]["message"]
    assert env.reports() == 0
    assert len(env.audit("api.unauthorized")) == 3  # a presented token that does not verify is audited


def test_api003_a_reporter_session_cookie_is_not_enough(env):
    c = env.app.server.test_client()
    assert login(c, "lanshan", PASSWORD).status_code == 302
    assert c.get("/").status_code == 200  # signed in
    r = env.post(body(), client=c)
    assert r.status_code == 401 and r.get_json()["errors"][0]["field"] == "Authorization"
    # With the token the same signed-in client is fine (CSRF-exempt: token auth, no cookie involved).
    assert env.post(body(), env.lanshan, client=c).status_code == 201
    assert env.reports() == 1


def test_api004_a_token_for_another_unit_is_403_and_audited(env):
    r = env.post(body(unit=LUOZHUANG), env.lanshan)
    assert r.status_code == 403
    assert r.get_json() == {"errors": [{"row": None, "field": "unit",
                                        "message": "此令牌属于 371302 兰山区，不能报送其他单位（371311）的报表"}]}
    tid = env.ids["兰山区脚本"]
    assert env.audit("forbidden") == [(f"token:{tid}", "POST /api/v1/reports：令牌属于 371302，请求报送 371311")]
    assert env.reports() == 0


@pytest.mark.parametrize(
    ("raw", "row", "field", "message"),
    [
        (b"{not json", None, "body", "请求体不是有效的 JSON（UTF-8 编码）"),
        (b"\xff\xfe", None, "body", "请求体不是有效的 JSON（UTF-8 编码）"),
        (b"[1, 2]", None, "body", "请求体应为 JSON 对象"),
    ],
)
def test_api005_malformed_json_is_400(env, raw, row, field, message):
    r = env.post(None, env.lanshan, raw=raw)
    assert r.status_code == 400
    assert r.get_json() == {"errors": [{"row": row, "field": field, "message": message}]}
    assert env.reports() == 0
    assert len(env.audit("report.refused")) == 1


def test_api006_wrong_shapes_and_types_are_400_naming_row_and_field(env):
    b = body(extra_field=1)
    b["rows"]["regional"]["contracts"] = "2份"
    b["rows"]["industry"]["filed"] = 1.5
    b["rows"]["single"]["offers"] = True
    del b["rows"]["single"]["filed_workers"]
    b["rows"]["industry"]["bonus"] = 3
    r = env.post(b, env.lanshan)
    assert r.status_code == 400
    errors = r.get_json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [
        (None, "extra_field"), ("single", "offers"), ("single", "filed_workers"), ("regional", "contracts"),
        ("industry", "bonus"), ("industry", "filed")]
    assert errors[3]["message"] == "区域 · 签订工资专项集体合同份数（rows.regional.contracts） 应为整数，收到 \"2份\""
    assert errors[2]["message"] == "单独开展企业 · 审查备案覆盖职工数（rows.single.filed_workers） 缺失"
    for bad, field in ((dict(body(), report_date="2017-02-30"), "report_date"),
                       (dict(body(), report_date="28/04/2017"), "report_date"),
                       (dict(body(), unit=371302), "unit"),
                       (dict(body(), campaign_id="1"), "campaign_id"),
                       (dict(body(), filled_by=["刘敏"]), "filled_by"),
                       (dict(body(), rows={"single": SINGLE}), "rows")):
        r = env.post(bad, env.lanshan)
        assert r.status_code == 400, bad
        assert field in [e["field"] for e in r.get_json()["errors"]]
    r = env.post(body(), env.lanshan, key="has space")
    assert r.status_code == 400 and r.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert env.reports() == 0


def test_api007_failed_validation_is_422_in_the_apis_names(env):
    b = body()
    b["rows"]["regional"]["contract_workers"] = 22874
    r = env.post(b, env.lanshan)
    assert r.status_code == 422
    assert r.get_json() == {"errors": [{
        "row": "regional", "field": "contract_workers",
        "message": "区域 · 签订合同覆盖职工数 22,874 大于 发出要约覆盖职工数 2,000"}]}
    r = env.post(body(day="2017-07-01", campaign_id=env.campaign_id), env.lanshan)
    assert r.status_code == 422
    assert r.get_json()["errors"] == [{"row": None, "field": "report_date",
                                       "message": "报送日期 2017年7月1日 晚于报送截止（2017年6月10日）："
                                       "行动期间为 2017年3月1日 至 2017年5月31日，数据统计截至 2017年5月31日，报送截止 2017年6月10日"}]
    r = env.post(body(day="2018-04-28"), env.lanshan)
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["message"] == "报送日期 2018-04-28 不在任何行动的报送期间内"
    r = env.post(dict(body(), responsible="王" * 51), env.lanshan)
    assert r.status_code == 422 and r.get_json()["errors"][0]["field"] == "responsible"
    r = env.post(body(campaign_id=999), env.lanshan)
    assert r.status_code == 422 and r.get_json()["errors"][0]["message"] == "行动（编号 999）不存在"
    b = body()
    b["rows"]["single"]["offers"] = -1
    r = env.post(b, env.lanshan)
    assert r.status_code == 422 and r.get_json()["errors"][0]["row"] == "single"
    assert env.reports() == 0
    assert len(env.audit("report.refused")) == 6


def test_api008_a_second_report_for_the_date_needs_a_correction_reason(env):
    assert env.post(body(), env.lanshan).status_code == 201
    r = env.post(body(), env.lanshan)
    assert r.status_code == 422
    [error] = r.get_json()["errors"]
    assert (error["row"], error["field"]) == (None, "correction_reason")
    assert "已经报送" in error["message"]
    b = body(reason="复核发现区域行备案数少计")
    b["rows"]["regional"]["filed"] = 2
    r = env.post(b, env.lanshan)
    assert r.status_code == 201 and r.get_json()["version"] == 2
    with read_session(env.engine) as s:
        v2 = s.scalar(select(Report).where(Report.version == 2))
    assert (v2.is_correction, v2.reason) == (True, "复核发现区域行备案数少计")
    tid = env.ids["兰山区脚本"]
    assert env.audit("report.correct") == [(f"token:{tid}", f"{LANSHAN} 2017-04-28 第2版（api） 原因：复核发现区域行备案数少计")]


def test_api009_replaying_an_idempotency_key_answers_the_first_answer_and_stores_once(env):
    first = env.post(body(), env.lanshan, key="lanshan-2017-04-28-a")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    # The same request again, keys reordered and re-spaced: the same JSON, so the same request.
    again_raw = json.dumps(dict(reversed(list(body().items()))), indent=2, ensure_ascii=False).encode()
    again = env.post(None, env.lanshan, key="lanshan-2017-04-28-a", raw=again_raw)
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert env.reports() == 1 and len(env.audit("report.submit")) == 1
    changed = body(reason="换了内容")
    r = env.post(changed, env.lanshan, key="lanshan-2017-04-28-a")
    assert r.status_code == 422
    assert r.get_json()["errors"][0]["field"] == "Idempotency-Key"
    assert "已用于另一份内容不同的报送" in r.get_json()["errors"][0]["message"]
    # Keys belong to a token: 罗庄区's token may use the same key for its own report.
    assert env.post(body(unit=LUOZHUANG), env.luozhuang, key="lanshan-2017-04-28-a").status_code == 201
    with read_session(env.engine) as s:
        rows = s.execute(select(ApiRequest.token_id, ApiRequest.status, ApiRequest.report_id)).all()
    assert sorted(r.token_id for r in rows) == sorted([env.ids["兰山区脚本"], env.ids[LUOZHUANG]])
    assert {r.status for r in rows} == {201} and env.reports() == 2


def test_api010_concurrent_replays_of_one_key_store_one_version(env):
    n, barrier, answers = 8, threading.Barrier(8), []

    def worker():
        client = env.app.server.test_client()
        barrier.wait()
        r = env.post(body(), env.lanshan, key="same-key", client=client)
        answers.append((r.status_code, r.get_json(), r.headers.get("Idempotent-Replayed")))

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(answers) == n
    assert {status for status, _body, _h in answers} == {201}
    assert len({json.dumps(b, sort_keys=True) for _s, b, _h in answers}) == 1
    assert sum(h == "true" for _s, _b, h in answers) == n - 1
    assert env.reports() == 1 and len(env.audit("report.submit")) == 1


def test_api011_a_body_over_the_limit_is_413(env):
    big = json.dumps(dict(body(), responsible="王" * 30000), ensure_ascii=False).encode()
    assert len(big) > 64 * 1024
    r = env.post(None, env.lanshan, raw=big)
    assert r.status_code == 413
    assert r.get_json() == {"errors": [{"row": None, "field": "body", "message": "请求体超过 64 KB 上限"}]}
    env.app.server.config["API_MAX_BYTES"] = 100
    assert env.post(body(), env.lanshan).status_code == 413
    assert env.reports() == 0


def test_api012_the_default_campaign_prefers_a_real_one(env):
    with write_session(env.engine) as s:
        demo_id = ensure_campaign(s, read_preset()["campaigns"][0], name="演示行动", is_demo=True).id
    r = env.post(body(), env.lanshan)
    assert r.get_json()["campaign_id"] == env.campaign_id != demo_id
    r = env.post(body(campaign_id=demo_id), env.lanshan)
    assert r.status_code == 201 and r.get_json()["campaign_id"] == demo_id and r.get_json()["version"] == 1


def test_api013_methods_and_other_api_paths_keep_the_session_gate(env):
    bearer = {"Authorization": f"Bearer {env.lanshan}"}
    # Only POST passes the gate without a session (Dash's catch-all page route would answer a GET).
    assert env.client.get(URL, headers=bearer).status_code == 401
    assert env.client.post("/api/v1/openapi.json", headers=bearer).status_code == 401
    c = env.app.server.test_client()
    login(c, "leader", PASSWORD)
    r = c.get(URL)
    assert r.status_code == 405 and r.headers["Allow"] == "POST"
    assert r.get_json()["errors"][0]["message"] == "/api/v1/reports 只接受 POST 请求"
    r = env.client.get("/api/v1/other", headers=bearer)
    assert r.status_code == 401 and r.get_json() == {"error": "未登录或登录已过期，请重新登录"}


def test_api014_the_openapi_description_is_served_to_token_holders_and_signed_in_users(env):
    assert env.client.get("/api/v1/openapi.json").status_code == 401
    assert env.client.get("/api/v1/openapi.json", headers={"Authorization": "Bearer nope"}).status_code == 401
    r = env.client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {env.lanshan}"})
    assert r.status_code == 200 and r.mimetype == "application/json"
    spec = r.get_json()
    c = env.app.server.test_client()
    login(c, "leader", PASSWORD)
    assert c.get("/api/v1/openapi.json").get_json() == spec
    assert spec["openapi"] == "3.1.0"
    operation = spec["paths"][URL]["post"]
    assert sorted(operation["responses"]) == ["201", "400", "401", "403", "413", "422"]
    schemas = spec["components"]["schemas"]
    assert list(schemas["Row"]["properties"]) == list(api.API_MEASURES)
    assert sorted(schemas["ReportRequest"]["properties"]) == sorted(api.TOP_KEYS)

    def refs(node):
        if isinstance(node, dict):
            yield from ([node["$ref"]] if "$ref" in node else [])
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in set(refs(spec)):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas, ref
    # The documented example is a valid submission.
    example = operation["requestBody"]["content"]["application/json"]["example"]
    r = env.post(example, env.lanshan)
    assert r.status_code == 201, r.get_json()


# --- the body parser, without a database -----------------------------------------------------------


def test_apb001_parse_body_maps_the_nine_keys_and_hashes_canonical_json():
    parsed = api.parse_body(json.dumps(body(reason="  更正  ")).encode())
    assert parsed.bad == [] and parsed.invalid == []
    assert parsed.lines["single"] == {"offer_copies": 10, "offer_ents": 10, "offer_workers": 5000,
                                      "signed_copies": 8, "signed_ents": 8, "signed_workers": 4000,
                                      "filed_copies": 6, "filed_ents": 6, "filed_workers": 3000}
    assert (parsed.unit, parsed.report_date, parsed.reason) == (LANSHAN, dt.date(2017, 4, 28), "更正")
    same = api.parse_body(json.dumps(body(reason="  更正  "), indent=1, sort_keys=True).encode())
    assert same.request_hash == parsed.request_hash
    assert api.parse_body(json.dumps(body()).encode()).request_hash != parsed.request_hash


def test_apb002_issue_error_uses_the_bodys_names():
    from domain.validation import Issue

    assert api.issue_error(Issue("signed_ents", "m", "industry")).as_json() == {
        "row": "industry", "field": "contract_enterprises", "message": "m"}
    assert api.issue_error(Issue("is_correction", "m")).as_json() == {
        "row": None, "field": "correction_reason", "message": "m"}
    assert api.issue_error(Issue("unit_code", "m")).as_json()["field"] == "unit"
