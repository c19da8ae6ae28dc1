"""The signed preview (db/submission/preview.py): only a token signed with this app's key, for this
user, unchanged and not expired, carries figures that may be stored."""

from __future__ import annotations

import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from db.submission import preview
from db.submission.preview import PreviewRefused

KEY = "test-secret-key"
SUB = {"campaign_id": 1, "unit_code": "371302", "report_date": "2017-05-20",
       "lines": {"regional": {"offers": 12, "contracts": 9}}, "leader": "周传东", "filled_by": "朱红梅",
       "filled_on": "2017-05-20", "reason": ""}


def test_pre001_a_signed_preview_round_trips():
    token = preview.sign(KEY, "demo-lanshan", SUB, 0)
    payload = preview.verify(KEY, token, "demo-lanshan")
    assert payload["sub"] == SUB and payload["user"] == "demo-lanshan" and payload["versions"] == 0
    assert preview.shown(KEY, token) == SUB
    preview.require_current(payload, 0)
    assert preview.sign(KEY, "demo-lanshan", SUB, 0) != token  # a nonce: no two previews sign alike


def test_pre002_tampered_figures_are_refused():
    token = preview.sign(KEY, "demo-lanshan", SUB, 0)
    raw = URLSafeTimedSerializer(KEY, salt=preview.SALT).loads(token)
    raw["sub"]["lines"]["regional"]["contracts"] = 90
    forged = URLSafeTimedSerializer("another key", salt=preview.SALT).dumps(raw)
    payload_part, _, signature = token.rpartition(".")
    spliced = forged.rpartition(".")[0] + "." + signature  # new figures under the old signature
    for bad in (forged, spliced, token[:-2] + ("AA" if not token.endswith("AA") else "BB")):
        with pytest.raises(PreviewRefused, match="请先点“预览”"):
            preview.verify(KEY, bad, "demo-lanshan")


def test_pre003_wrong_key_or_salt_is_refused():
    token = preview.sign("another key", "demo-lanshan", SUB, 0)
    with pytest.raises(PreviewRefused, match="预览数据无效"):
        preview.verify(KEY, token, "demo-lanshan")
    other_salt = URLSafeTimedSerializer(KEY, salt="snapshot-export").dumps({"user": "demo-lanshan", "sub": SUB})
    with pytest.raises(PreviewRefused, match="预览数据无效"):
        preview.verify(KEY, other_salt, "demo-lanshan")


def test_pre004_missing_or_malformed_tokens_are_refused():
    for bad in (None, "", "not-a-token", 42, ["x"]):
        with pytest.raises(PreviewRefused):
            preview.verify(KEY, bad, "demo-lanshan")


def test_pre005_another_users_preview_is_refused():
    token = preview.sign(KEY, "demo-lanshan", SUB, 0)
    with pytest.raises(PreviewRefused, match="不属于当前登录的用户"):
        preview.verify(KEY, token, "demo-luozhuang")


def test_pre006_expired_previews_are_refused(monkeypatch):
    signed_at = int(time.time()) - preview.MAX_AGE - 5  # signed an hour and five seconds ago
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: signed_at)
        token = preview.sign(KEY, "demo-lanshan", SUB, 0)
    with pytest.raises(PreviewRefused, match=f"预览已超过 {preview.MAX_AGE // 60} 分钟"):
        preview.verify(KEY, token, "demo-lanshan")
    assert preview.verify(KEY, token, "demo-lanshan", max_age=preview.MAX_AGE + 60)["sub"] == SUB


def test_pre007_a_preview_overtaken_by_a_newer_version_is_refused():
    payload = preview.verify(KEY, preview.sign(KEY, "demo-lanshan", SUB, 1), "demo-lanshan")
    preview.require_current(payload, 1)
    with pytest.raises(PreviewRefused, match="已有新的版本"):
        preview.require_current(payload, 2)
