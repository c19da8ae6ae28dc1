"""The signed preview: a submission is stored only as it was shown.

预览 validates the form or the workbook and signs what it showed (the cleaned figures and header
fields, the user, the number of versions of that report it saw, a nonce) with the app's secret key.
确认提交 stores exactly that signed payload. A token that was tampered with, was signed with another
key, belongs to another user or has expired is refused (`PreviewRefused`, in Chinese); so is one
overtaken by a newer version of the same report (`require_current`). The store validates again in
its write transaction and stores the token's nonce with the version (db/submission/store.py,
table preview_use, unique): a preview is single-use, so a double click, concurrent confirms or a
replay store one version.
"""

from __future__ import annotations

import secrets

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from domain.errors import UserError

SALT = "jizhong-submit-preview"
MAX_AGE = 3600  # seconds a preview stays confirmable


class PreviewRefused(UserError):
    """A preview token that may not be confirmed; `message` says why, in Chinese."""


def _serializer(secret: str | bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def sign(secret: str | bytes, user: str, sub: dict, versions: int) -> str:
    """The token of a clean preview: `sub` is the JSON form of the submission as shown, `versions`
    the number of versions of that report when it was shown."""
    return _serializer(secret).dumps({"user": user, "sub": sub, "versions": versions,
                                      "nonce": secrets.token_hex(16)})


def nonce(payload: dict) -> str:
    """The verified payload's nonce: what makes its preview single-use once stored."""
    value = payload.get("nonce")
    if not isinstance(value, str) or not 16 <= len(value) <= 64:
        raise PreviewRefused("没有可提交的预览（或预览数据无效），请先点“预览”")
    return value


def shown(secret: str | bytes, token: str) -> dict:
    """The submission a token just signed by this app carries (no expiry, no user check)."""
    return _serializer(secret).loads(token)["sub"]


def verify(secret: str | bytes, token: object, user: str, max_age: int = MAX_AGE) -> dict:
    """The payload of a token signed with `secret` for `user` no longer than `max_age` seconds ago."""
    try:
        payload = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise PreviewRefused(f"预览已超过 {max_age // 60} 分钟，请重新预览后再提交") from exc
    except (BadSignature, TypeError, UnicodeError) as exc:
        raise PreviewRefused("没有可提交的预览（或预览数据无效），请先点“预览”") from exc
    if not isinstance(payload, dict) or payload.get("user") != user:
        raise PreviewRefused("这份预览不属于当前登录的用户，请重新预览")
    return payload


def require_current(payload: dict, versions_now: int) -> None:
    """Refuse a preview overtaken by a newer version of the same report (stored since it was shown)."""
    if versions_now != payload.get("versions"):
        raise PreviewRefused("预览之后该日期的报表已有新的版本（可能已经提交过），请重新预览后再提交")
