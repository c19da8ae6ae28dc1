"""The pure parts of the page flows the callbacks wire: form comparison and uploads (/submit), photo
uploads (/cases), the evaluation scheme editor's rows (/evaluation)."""

from __future__ import annotations

import base64

import pytest

from dashboard.components import submission as view
from dashboard.pages import case_flow, followup_flow, submit_flow
from db.cases.files import FileRejected
from domain.measures import LINE_KINDS, MEASURES


def _shown(figures: dict) -> dict:
    return {"lines": {k: {m: figures.get(k, {}).get(m, 0) for m in MEASURES} for k in LINE_KINDS},
            "leader": "周传东", "filled_by": "朱红梅", "filled_on": "2017-05-20", "reason": ""}


def test_flw001_form_matches_only_what_was_previewed():
    figures = {LINE_KINDS[0]: {MEASURES[0]: 12}}
    shown = _shown(figures)
    rows = view.grid_rows(figures)
    assert submit_flow.form_matches(shown, rows, "周传东", "朱红梅", "2017-05-20", "")
    assert submit_flow.form_matches(shown, rows, " 周传东 ", "朱红梅", "2017-05-20", None)  # trimmed, empty reason
    changed = view.grid_rows({LINE_KINDS[0]: {MEASURES[0]: 13}})
    assert not submit_flow.form_matches(shown, changed, "周传东", "朱红梅", "2017-05-20", "")
    assert not submit_flow.form_matches(shown, rows, "别人", "朱红梅", "2017-05-20", "")
    assert not submit_flow.form_matches(shown, rows, "周传东", "朱红梅", "2017-05-21", "")
    assert not submit_flow.form_matches(shown, rows, "周传东", "朱红梅", "2017-05-20", "更正")
    assert not submit_flow.form_matches(shown, "not rows", "周传东", "朱红梅", "2017-05-20", "")


def test_flw002_submit_upload_decoding_refuses_in_chinese():
    data = b"PK\x03\x04 workbook"
    url = "data:application/octet-stream;base64," + base64.b64encode(data).decode()
    assert submit_flow.decode_upload(url, 1024) == data
    with pytest.raises(submit_flow.Refused, match="没有收到文件"):
        submit_flow.decode_upload(None, 1024)
    with pytest.raises(submit_flow.Refused, match="MB 的上限"):
        submit_flow.decode_upload("data:x;base64," + "A" * 4000, 1024)
    with pytest.raises(submit_flow.Refused, match="文件内容无法读取"):
        submit_flow.decode_upload("data:x;base64,@@@@", 1024)


def test_flw003_case_photo_uploads():
    url = "data:image/jpeg;base64," + base64.b64encode(b"jpeg bytes").decode()
    assert case_flow.decode_uploads(None, None) == []
    assert case_flow.decode_uploads(url, "现场.jpg") == [(b"jpeg bytes", "现场.jpg")]
    assert case_flow.decode_uploads([url, url], ["a.jpg", "b.jpg"]) == [(b"jpeg bytes", "a.jpg"), (b"jpeg bytes", "b.jpg")]
    with pytest.raises(FileRejected, match="上传不完整"):
        case_flow.decode_uploads(["no comma"], ["a.jpg"])
    with pytest.raises(FileRejected, match="上传不完整"):
        case_flow.decode_uploads(["data:x;base64,@@"], ["a.jpg"])
    with pytest.raises(FileRejected, match=f"一次最多上传 {case_flow.MAX_PHOTOS_PER_SAVE} 张图片"):
        case_flow.decode_uploads([url] * (case_flow.MAX_PHOTOS_PER_SAVE + 1), [])
    assert case_flow.chosen_photos(None) == ""
    assert case_flow.chosen_photos(["a.jpg", "b.png"]) == "待上传（点“保存”后上传）：a.jpg、b.png"


def test_flw004_scheme_rows_drop_the_empty_new_row():
    rows = followup_flow.scheme_rows([1, 2], ["覆盖面", "增长", "  "], [40, 60, None], [5, 10, ""],
                                     [["on"], [], []])
    assert rows == [
        {"id": 1, "name": "覆盖面", "weight": 40, "scale_max": 5, "active": True},
        {"id": 2, "name": "增长", "weight": 60, "scale_max": 10, "active": False},
    ]
    new = followup_flow.scheme_rows([1], ["覆盖面", "新维度"], [40, 20], [5, 5], [["on"], ["on"]])
    assert new[1] == {"id": None, "name": "新维度", "weight": 20, "scale_max": 5, "active": True}
    assert followup_flow.scheme_rows(None, None, None, None, None) == []


# /submit's default 截至 date: today while the campaign counts, else the nearest of 行动开始 / 统计截止.
def test_submit_default_date_is_today_within_the_window_else_the_cut_off():
    import datetime as dt

    from dashboard.pages.submit import default_date

    c = {"window_start": dt.date(2017, 3, 1), "window_end": dt.date(2017, 5, 31),
         "cutoff_date": dt.date(2017, 5, 31), "deadline": dt.date(2017, 6, 10)}
    assert default_date(c, dt.date(2017, 4, 14)) == dt.date(2017, 4, 14)
    assert default_date(c, dt.date(2017, 2, 1)) == dt.date(2017, 3, 1)
    assert default_date(c, dt.date(2017, 6, 5)) == dt.date(2017, 5, 31)  # between cut-off and deadline
    assert default_date(c, dt.date(2026, 11, 30)) == dt.date(2017, 5, 31)
