"""Slow file work (decoding, stripping metadata, thumbnails) happens before the write transaction opens:
while a photo is processed, other writers are not kept waiting on SQLite's single write lock."""

from __future__ import annotations

import base64
import io
import threading

import pytest
from PIL import Image
from sqlalchemy import text

from dashboard import ids
from dashboard.http.files import UPLOAD_PATH
from db import queries
from db.cases import files
from db.engine import read_session, write_session
from tests.http_helpers import callback_body, callback_key, demo_app, form_token, login, post_callback

LANSHAN = "371302"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    return demo_app(tmp_path_factory.mktemp("locks"))


@pytest.fixture(scope="module")
def engine(app):
    return app.server.extensions["jizhong_engine"]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 60)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def writer_during_processing(engine, monkeypatch):
    """While each photo is checked, another thread opens a write transaction: True each time it could."""
    results: list[bool] = []
    real = files.check_image

    def check_while_another_writes(*args, **kwargs):
        def write():
            with write_session(engine) as s:
                s.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: takes the write lock

        other = threading.Thread(target=write)
        other.start()
        other.join(3)  # well under the 15 s busy timeout
        results.append(not other.is_alive())
        return real(*args, **kwargs)

    monkeypatch.setattr(files, "check_image", check_while_another_writes)
    return results


def test_lck001_saving_a_case_with_a_photo_holds_no_write_lock_while_the_photo_is_processed(
        app, engine, writer_during_processing):
    c = app.server.test_client()
    assert login(c, "demo-lanshan").status_code == 302
    with read_session(engine) as s:
        campaign = next(x for x in queries.campaigns(s) if x["is_demo"])["id"]
    k = callback_key(app, "save", ids.CS_F_RESULT)
    values = {ids.CS_F_SAVE + ".n_clicks": 1, ids.CS_F_CAMPAIGN + ".data": campaign, ids.CS_F_UNIT + ".value": LANSHAN,
              ids.CS_F_TITLE + ".value": "陶瓷行业协商", ids.CS_F_SUBJECT + ".value": "兰山区陶瓷行业",
              ids.CS_F_SUMMARY + ".value": "行业工资指导线", ids.CS_F_LEVEL + ".value": "industry",
              ids.CS_F_STAGE + ".value": "selected", ids.CS_F_STARTED + ".value": "2017-03-12",
              ids.CS_F_SELECTED + ".value": "2017-05-25", ids.CS_F_LON + ".value": 118.3,
              ids.CS_F_LAT + ".value": 35.0,
              ids.CS_F_PHOTOS + ".contents": ["data:image/jpeg;base64," + base64.b64encode(jpeg()).decode()],
              ids.CS_F_PHOTOS + ".filename": ["签约.jpg"]}
    r = post_callback(c, callback_body(app, k, values))
    assert r.status_code == 200 and "已创建典型，上传图片 1 张" in r.get_data(as_text=True)
    assert writer_during_processing == [True]


def test_lck002_uploading_summary_photos_holds_no_write_lock_while_they_are_processed(
        app, engine, writer_during_processing):
    c = app.server.test_client()
    assert login(c, "demo-lanshan").status_code == 302
    with read_session(engine) as s:
        campaign = next(x for x in queries.campaigns(s) if x["is_demo"])["id"]
    data = {"campaign": str(campaign), "kind": "media", "csrf_token": form_token(c, UPLOAD_PATH),
            "file": [(io.BytesIO(jpeg()), "仪式1.jpg"), (io.BytesIO(jpeg()), "仪式2.jpg")]}
    r = c.post(UPLOAD_PATH, data=data, content_type="multipart/form-data")
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    assert writer_during_processing == [True, True]
