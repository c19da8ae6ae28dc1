"""/cases, /case/<id>, /summaries, /files over HTTP (Flask test client): who may see and change what,
file serving headers, the summary upload form, and forged callback requests."""

from __future__ import annotations

import io
import json
import re

import pytest
from dash import Patch
from dash._utils import stringify_id
from sqlalchemy import func, select

from dashboard import ids
from db.cases import summaries as db_summaries
from db.cases import typical as db_cases
from db.demo import DEMO_NAME
from db.engine import read_session, write_session
from db.models import AuditEvent, Campaign
from db.models.cases import StoredFile, SummaryFile, TypicalCase
from tests.callbacks.test_admin import body
from tests.http_helpers import demo_app, form_token, login, post_callback


@pytest.fixture(scope="module")
def upload_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("case-uploads")


@pytest.fixture(scope="module")
def app(tmp_path_factory, upload_dir):
    """Its own demo database and upload directory: these tests upload and edit."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("UPLOAD_DIR", str(upload_dir))  # where the demo puts its photos
        dash_app = demo_app(tmp_path_factory.mktemp("cases"))
    dash_app.server.config["UPLOAD_DIR"] = str(upload_dir)
    return dash_app


@pytest.fixture(scope="module")
def engine(app):
    return app.server.extensions["jizhong_engine"]


@pytest.fixture(scope="module")
def demo(engine):
    with read_session(engine) as s:
        cid = s.scalar(select(Campaign.id).where(Campaign.name == DEMO_NAME))
        listed = db_cases.list_cases(s, cid)
        docs = db_summaries.summary_files(s, cid)
    return {"campaign": cid, "cases": listed, "docs": docs}


def signed_in(app, username):
    c = app.server.test_client()
    assert login(c, username).status_code == 302
    return c


def _count(engine, model, *where) -> int:
    with read_session(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _audits(engine, action) -> int:
    return _count(engine, AuditEvent, AuditEvent.action == action)


def route(c, app, path: str, search: str = "") -> str:
    """The page the router callback renders for `path`, as JSON text."""
    req = body(app, f"{ids.PAGE}.children", {f"{ids.URL}.pathname": path, f"{ids.URL}.search": search})
    response = post_callback(c, req)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 90, 160)).save(out, "JPEG")
    return out.getvalue()


# --- files ----------------------------------------------------------------------------------------


def test_cpg001_files_served_by_id_with_type_nosniff_and_disposition(app, demo):
    c = signed_in(app, "demo-leader")
    photo = demo["cases"][0]["photos"][0]
    full = c.get(photo["url"])
    assert full.status_code == 200 and full.mimetype == "image/jpeg"
    assert full.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in full.headers.get("Content-Disposition", "")
    assert full.data[:3] == b"\xff\xd8\xff"
    thumb = c.get(photo["thumb_url"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg" and len(thumb.data) < len(full.data)
    doc = next(d for d in demo["docs"] if d["kind"] == "written")
    got = c.get(doc["url"])
    assert got.status_code == 200
    assert got.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in got.headers["Content-Disposition"]
    assert c.get(f"/files/{doc['file_id']}/thumb").status_code == 404  # documents have no thumbnail
    assert c.get("/files/999999").status_code == 404
    # Not an id: no file route matches; Dash answers with its HTML shell, never with a file.
    for path in ("/files/..%2f..%2fetc%2fpasswd", "/files/../../etc/passwd", "/files/-1"):
        got = c.get(path)
        assert got.status_code == 404 or (got.mimetype == "text/html" and b"root:" not in got.data), path


def test_cpg002_files_need_a_signed_in_user(app, demo):
    anonymous = app.server.test_client()
    response = anonymous.get(demo["cases"][0]["photos"][0]["url"])
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_cpg003_a_file_missing_on_disk_is_404(app, engine, demo, upload_dir):
    photo = demo["cases"][1]["photos"][0] if demo["cases"][1]["photos"] else demo["cases"][0]["photos"][1]
    with read_session(engine) as s:
        name = s.get(StoredFile, photo["id"]).thumb_name
    moved = upload_dir / name
    backup = moved.read_bytes()
    moved.unlink()
    try:
        assert signed_in(app, "demo-leader").get(photo["thumb_url"]).status_code == 404
    finally:
        moved.write_bytes(backup)


# --- summary upload form --------------------------------------------------------------------------


def _upload(c, data: dict, files: list[tuple[bytes, str]]):
    form = {**data, "csrf_token": form_token(c, "/summaries/upload"),
            "file": [(io.BytesIO(content), name) for content, name in files]}
    return c.post("/summaries/upload", data=form, content_type="multipart/form-data")


def test_cpg004_reporter_uploads_for_own_unit_whatever_the_form_says(app, engine, demo):
    from db.demo.cases import summary_docx

    c = signed_in(app, "demo-lanshan")
    page = c.get("/summaries/upload")
    assert page.status_code == 200 and "兰山区" in page.get_data(as_text=True)
    assert 'name="unit"' not in page.get_data(as_text=True)  # no unit choice for a reporter
    before = _count(engine, SummaryFile)
    response = _upload(c, {"campaign": str(demo["campaign"]), "unit": "371311", "kind": "written"},
                       [(summary_docx("兰山区"), "兰山区补充总结.docx")])
    assert response.status_code == 303 and response.headers["Location"] == f"/summaries?campaign={demo['campaign']}"
    with read_session(engine) as s:
        files_371302 = db_summaries.summary_files(s, demo["campaign"], "371302")
        files_371311 = db_summaries.summary_files(s, demo["campaign"], "371311")
    assert "兰山区补充总结.docx" in [f["name"] for f in files_371302]
    assert "兰山区补充总结.docx" not in [f["name"] for f in files_371311]
    assert _count(engine, SummaryFile) == before + 1
    # The flash message is shown once on /summaries.
    page = route(c, app, "/summaries", f"?campaign={demo['campaign']}")
    assert "已上传书面总结：兰山区补充总结.docx" in page
    assert "已上传书面总结" not in route(c, app, "/summaries")


def test_cpg005_refused_upload_keeps_nothing_and_says_why(app, engine, demo, upload_dir):
    c = signed_in(app, "demo-admin")
    before_rows, before_files = _count(engine, StoredFile), sorted(p.name for p in upload_dir.iterdir())
    cases_ = [
        ({"kind": "written"}, [(b"plain text", "总结.pdf")], "“总结.pdf”不是有效的 PDF 文件"),
        ({"kind": "written"}, [(jpeg_bytes(), "总结.jpg")], "只接受 docx、pdf 文档"),
        ({"kind": "media"}, [(jpeg_bytes(), "ok.jpg"), (b"GIF89a", "动图.gif")], "“动图.gif”的类型不支持"),
        ({"kind": "media"}, [(b"\x89PNG not really", "fake.png")], "“fake.png”不是有效的图片文件"),
        ({"kind": "other"}, [(jpeg_bytes(), "ok.jpg")], "请选择材料类别"),
    ]
    for extra, uploads, message in cases_:
        response = _upload(c, {"campaign": str(demo["campaign"]), "unit": "KF03", **extra}, uploads)
        text = response.get_data(as_text=True)
        assert response.status_code == 400 and message in text, text[-800:]
    app.server.config["UPLOAD_MAX_PHOTO"] = 100
    try:
        response = _upload(c, {"campaign": str(demo["campaign"]), "unit": "KF03", "kind": "media"},
                           [(jpeg_bytes(), "big.jpg")])
        assert response.status_code == 400 and "“big.jpg”超过图片大小上限 100 KB" not in response.get_data(as_text=True)
        assert "超过图片大小上限" in response.get_data(as_text=True)
    finally:
        del app.server.config["UPLOAD_MAX_PHOTO"]
    assert _count(engine, StoredFile) == before_rows
    assert sorted(p.name for p in upload_dir.iterdir()) == before_files


def test_cpg006_leader_may_not_upload(app, engine, demo):
    c = signed_in(app, "demo-leader")
    forbidden = _audits(engine, "forbidden")
    assert c.get("/summaries/upload").status_code == 403
    assert _audits(engine, "forbidden") == forbidden + 1
    assert "上传总结材料" not in route(c, app, "/summaries")


# --- case callbacks -------------------------------------------------------------------------------


def _save_body(app, case_id, unit=None, campaign=None, **fields):
    values = {f"{ids.CS_F_SAVE}.n_clicks": 1, f"{ids.CS_F_CASE}.data": case_id,
              f"{ids.CS_F_CAMPAIGN}.data": campaign, f"{ids.CS_F_UNIT}.value": unit}
    defaults = {"title": "新典型", "subject": "某企业", "summary": "做法", "level": "enterprise", "stage": "cultivating",
                "started": "2017-04-01", "selected": None, "lon": None, "lat": None, "photos": None,
                "photo_names": None}
    defaults.update(fields)
    mapping = {"title": ids.CS_F_TITLE, "subject": ids.CS_F_SUBJECT, "summary": ids.CS_F_SUMMARY,
               "level": ids.CS_F_LEVEL, "stage": ids.CS_F_STAGE, "started": ids.CS_F_STARTED,
               "selected": ids.CS_F_SELECTED, "lon": ids.CS_F_LON, "lat": ids.CS_F_LAT}
    for key, cid in mapping.items():
        values[f"{cid}.value"] = defaults[key]
    values[f"{ids.CS_F_PHOTOS}.contents"] = defaults["photos"]
    values[f"{ids.CS_F_PHOTOS}.filename"] = defaults["photo_names"]
    return body(app, f"{ids.CS_F_RESULT}.children", values)


def test_cpg007_reporter_creates_only_for_own_unit(app, engine, demo):
    import base64

    c = signed_in(app, "demo-lanshan")
    before = _count(engine, TypicalCase)
    photo = "data:image/jpeg;base64," + base64.b64encode(jpeg_bytes()).decode()
    response = post_callback(c, _save_body(app, None, unit="371311", campaign=demo["campaign"], title="越权测试",
                                           photos=[photo], photo_names=["现场.jpg"]))
    assert response.status_code == 200
    out = response.json["response"]
    assert "已创建典型，上传图片 1 张" in json.dumps(out, ensure_ascii=False)
    with read_session(engine) as s:
        new = s.scalars(select(TypicalCase).where(TypicalCase.title == "越权测试")).one()
        assert db_cases.case_unit_code(s, new.id) == "371302"  # the reporter's own unit, not 371311
        assert len(db_cases.get_case(s, new.id)["photos"]) == 1
    assert out[ids.URL]["pathname"] == f"/case/{new.id}"
    assert _count(engine, TypicalCase) == before + 1


def test_cpg008_reporter_may_not_edit_another_units_case(app, engine, demo):
    other = next(c for c in demo["cases"] if c["unit_code"] == "371311")
    c = signed_in(app, "demo-lanshan")
    response = post_callback(c, _save_body(app, other["id"], title="篡改"))
    assert response.status_code == 200
    assert "只能修改本单位的典型" in response.get_data(as_text=True)
    with read_session(engine) as s:
        assert db_cases.get_case(s, other["id"])["title"] == other["title"]
    # Its own unit's case is fine; a bad photo saves nothing, not even the text.
    own = next(c for c in demo["cases"] if c["unit_code"] == "371302")
    bad = post_callback(c, _save_body(app, own["id"], title="改过的标题", level=own["level"], stage="cultivating",
                                      photos=["data:image/jpeg;base64,aGVsbG8="], photo_names=["坏图.jpg"]))
    assert "未保存：“坏图.jpg”不是有效的图片文件" in bad.get_data(as_text=True)
    with read_session(engine) as s:
        assert db_cases.get_case(s, own["id"])["title"] == own["title"]
    ok = post_callback(c, _save_body(app, own["id"], title="改过的标题", level=own["level"], stage="cultivating"))
    assert "已保存" in ok.get_data(as_text=True)
    with read_session(engine) as s:
        assert db_cases.get_case(s, own["id"])["title"] == "改过的标题"


def test_cpg009_leaders_cannot_save_and_only_admins_mark(app, engine, demo):
    target = next(c for c in demo["cases"] if not c["city_level"])
    leader, reporter, admin = (signed_in(app, u) for u in ("demo-leader", "demo-lanshan", "demo-admin"))
    forbidden = _audits(engine, "forbidden")
    assert post_callback(leader, _save_body(app, target["id"])).status_code == 403
    mark_body = body(app, f"{ids.CS_MARK_RESULT}.children", {f"{ids.CS_MARK}.n_clicks": 1,
                                                            f"{ids.CS_F_CASE}.data": target["id"]})
    assert post_callback(reporter, mark_body).status_code == 403
    assert post_callback(leader, mark_body).status_code == 403
    assert _audits(engine, "forbidden") == forbidden + 3
    marks = _audits(engine, "case.mark")
    response = post_callback(admin, mark_body)
    assert response.status_code == 200 and "已标记为市级典型" in response.get_data(as_text=True)
    assert _audits(engine, "case.mark") == marks + 1
    with read_session(engine) as s:
        assert db_cases.get_case(s, target["id"])["city_level"] is True
    post_callback(admin, mark_body)  # toggles back
    with read_session(engine) as s:
        assert db_cases.get_case(s, target["id"])["city_level"] is False


def test_cpg010_filters_and_pages_render(app, engine, demo):
    c = signed_in(app, "demo-leader")
    filt = body(app, f"{ids.CS_COUNT}.children", {f"{ids.CS_CAMPAIGN}.value": demo["campaign"],
                                                   f"{ids.CS_LEVEL}.value": "industry",
                                                   f"{ids.CS_CITY}.value": ["city"]})
    out = post_callback(c, filt).json["response"]
    industry_city = [x for x in demo["cases"] if x["level"] == "industry" and x["city_level"]]
    assert out[ids.CS_COUNT]["children"].startswith(f"共 {len(industry_city)} 个典型")
    forged = body(app, f"{ids.CS_COUNT}.children", {f"{ids.CS_CAMPAIGN}.value": demo["campaign"],
                                                     f"{ids.CS_LEVEL}.value": "'; DROP TABLE x; --",
                                                     f"{ids.CS_UNIT}.value": {"a": 1}})
    assert post_callback(c, forged).status_code == 400  # an object is no dropdown's value: refused at the door
    forged = body(app, f"{ids.CS_COUNT}.children", {f"{ids.CS_CAMPAIGN}.value": demo["campaign"],
                                                     f"{ids.CS_LEVEL}.value": "'; DROP TABLE x; --"})
    assert post_callback(c, forged).json["response"][ids.CS_COUNT]["children"].startswith(
        f"共 {_count(engine, TypicalCase)} 个典型")  # unknown filter values mean "all", not an error
    page = route(c, app, "/cases")
    assert "典型培育选树" in page and "无典型" in page and "新增典型" not in page  # leaders only view
    detail = route(c, app, f"/case/{demo['cases'][0]['id']}")
    assert demo["cases"][0]["title"] in detail and ids.CS_F_SAVE not in detail  # no edit form for a leader
    assert "典型不存在" in route(c, app, "/case/999999")
    assert "无权访问" in route(c, app, "/cases/new")
    summaries = route(c, app, "/summaries")  # as of the demo's last report, 5月31日: 10 days to go
    assert "距 6月10日 报送截止还有 10 天" in summaries and "尚未报送：" in summaries
    summaries = route(c, app, "/summaries", "?date=2017-06-12")
    assert "已报送书面总结" in summaries and "逾期未报送（需催报）" in summaries and "已过 2 天" in summaries
    reporter = signed_in(app, "demo-lanshan")
    own = next(x for x in demo["cases"] if x["unit_code"] == "371302")
    other = next(x for x in demo["cases"] if x["unit_code"] == "371311")
    assert ids.CS_F_SAVE in route(reporter, app, f"/case/{own['id']}")
    assert ids.CS_F_SAVE not in route(reporter, app, f"/case/{other['id']}")
    assert ids.CS_MARK not in route(reporter, app, f"/case/{own['id']}")
    assert ids.CS_MARK in route(signed_in(app, "demo-admin"), app, f"/case/{other['id']}")
    assert re.search(r"新增典型", route(reporter, app, "/cases"))
    assert stringify_id(ids.CS_F_UNIT) in route(reporter, app, "/cases/new")


def test_cpg011_case_markers_on_the_district_map_keep_the_choropleth_first():
    from dashboard import geo
    from dashboard.figures import map as mf
    from tests.dashboard.figures.test_map import make_rows

    geojson = geo.city_geojson(tuple(r["adcode"] for r in make_rows() if r["adcode"]))
    located = [{"id": 7, "title": "陶瓷<行业>", "unit_code": "371311", "unit_name": "罗庄区", "lon": 118.27,
                "lat": 34.96, "stage": "selected", "stage_label": "已选树", "city_level": True},
               {"id": 9, "title": "园区", "unit_code": "371302", "unit_name": "兰山区", "lon": 118.33, "lat": 35.09,
                "stage": "cultivating", "stage_label": "培育中", "city_level": False}]
    plain = mf.district_map(geojson, make_rows(), "备案率", ".0%", 0, 1)
    fig = mf.district_map(geojson, make_rows(), "备案率", ".0%", 0, 1, cases=located)
    assert fig["data"][:2] == plain["data"][:2] and len(plain["data"]) == 3  # the third: the county names
    markers = fig["data"][2]
    assert markers["type"] == "scattermap" and markers["mode"] == "markers"  # no text: MapLibre would fetch glyphs
    assert "text" not in markers and "textfont" not in markers
    assert (markers["lon"], markers["lat"]) == ([118.27, 118.33], [34.96, 35.09])
    assert markers["customdata"][0] == ["371311", "陶瓷&lt;行业&gt;", "已选树", "罗庄区", 7]
    assert markers["marker"]["size"] == [14, 10]
    assert markers["marker"]["color"] == [mf.CASE_STAGE_COLORS["selected"], mf.CASE_STAGE_COLORS["cultivating"]]
    empty = mf.district_map(geojson, make_rows(), "备案率", ".0%", 0, 1, cases=[])
    assert empty["data"][:2] == plain["data"][:2] and empty["data"][2]["lon"] == []  # a slot for a later campaign's cases
    # Switching campaign patches trace 2 to exactly what a fresh figure with those cases holds.
    patched = mf.case_patch(Patch(), located).to_plotly_json()["operations"]
    assert {tuple(op["location"]): op["params"]["value"] for op in patched if op["location"][1] == 2} == {
        ("data", 2, key): markers[key] for key in ("lon", "lat", "customdata", "marker")}


def test_cpg012_a_photo_removed_from_its_case_is_served_to_admins_only(app, engine, demo):
    """Kept on disk and in the database for the audit trail, but no longer shown to leaders or reporters."""
    case = next(c for c in reversed(demo["cases"]) if c["photos"])
    photo = case["photos"][-1]
    leader, admin = signed_in(app, "demo-leader"), signed_in(app, "demo-admin")
    assert leader.get(photo["url"]).status_code == 200
    with write_session(engine) as s:
        db_cases.remove_case_photo(s, case["id"], photo["id"], actor="demo-admin")
    assert leader.get(photo["url"]).status_code == 404
    assert leader.get(photo["thumb_url"]).status_code == 404
    assert admin.get(photo["url"]).status_code == 200
