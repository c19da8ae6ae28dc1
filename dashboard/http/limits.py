"""Request body limits, enforced before anything reads the body.

`BodyLimits` wraps the WSGI app (outside Flask and Dash), so an oversized request is refused from
its Content-Length alone, with 413 and a Chinese message, before a session is loaded, a CSRF token
is looked for or Dash parses JSON. A body without a Content-Length (chunked) is cut off at the same
limit while it is read (`_Capped`), and Flask's MAX_CONTENT_LENGTH is the backstop over all routes.

Limits per route (bytes; the app config overrides the ones named in capitals):
- Dash callbacks (`/_dash-update-component`): CALLBACK_MAX_BYTES, 2 MiB. A callback that carries a
  dcc.Upload's `contents` (base64, 4/3 of the file) gets the file limit × 4/3 plus that 2 MiB for
  the rest of its inputs. Which callback a body is for is read from its first 16 KiB (dash-renderer
  puts "output" first); a body that does not say gets the ordinary limit.
- The API (`/api/`): API_MAX_BYTES, 64 KiB, answered in the API's own error format.
- Summary material uploads (`/summaries/upload`): the largest file kind (UPLOAD_MAX_PHOTO / _VIDEO /
  _DOC) plus 1 MiB, as dashboard/http/files.py checks it.
- Everything else (pages, the login and password forms): 64 KiB.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping

from dash import Dash
from flask import request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from dashboard import ids
from db.admin.units import MAX_IMPORT_BYTES
from db.cases.files import MAX_PHOTOS_PER_SAVE, limits_from, size_text
from db.submission.xlsx_container import MAX_UPLOAD_BYTES

KB, MB = 1024, 1024 * 1024
CALLBACK_PATH = "/_dash-update-component"
UPLOAD_PATH = "/summaries/upload"
CALLBACK_MAX_BYTES = 2 * MB
API_MAX_BYTES = 64 * KB  # as dashboard/http/api.py documents it
OTHER_MAX_BYTES = 64 * KB
PEEK_BYTES = 16 * KB
OUTPUT_KEY, LIMIT_KEY = "jizhong.callback_output", "jizhong.body_limit"  # set in the WSGI environ

JSON_PREFIXES = ("/_dash-", "/api/", "/geo/")


def _base64(n: int) -> int:
    return 4 * math.ceil(n / 3) + 100  # plus "data:<type>;base64,"


# The dcc.Upload components whose `contents` reach a callback, and how many file bytes each carries
# at most (from the app config). A callback reading another upload's contents is an error at start-up.
UPLOADS: dict[str, Callable[[Mapping], int]] = {
    ids.SU_UPLOAD: lambda config: int(config.get("UPLOAD_MAX_BYTES") or MAX_UPLOAD_BYTES),
    ids.CS_F_PHOTOS: lambda config: MAX_PHOTOS_PER_SAVE * limits_from(config).photo,
    ids.AD_UNIT_UPLOAD: lambda config: MAX_IMPORT_BYTES,
}


def callback_limit(config: Mapping) -> int:
    return int(config.get("CALLBACK_MAX_BYTES") or CALLBACK_MAX_BYTES)


def files_limit(config: Mapping) -> int:
    lim = limits_from(config)
    return max(lim.photo, lim.video, lim.doc) + MB


def upload_callbacks(app: Dash) -> dict[str, str]:
    """Callback output key -> the upload component whose contents it reads."""
    found = {}
    for key, callback in app.callback_map.items():
        for dep in [*callback.get("inputs", []), *callback.get("state", [])]:
            if dep.get("property") != "contents":
                continue
            if dep.get("id") not in UPLOADS:
                raise RuntimeError(f"callback {key} reads the contents of {dep.get('id')!r}: give it a body limit")
            found[key] = dep["id"]
    return found


def global_limit(config: Mapping) -> int:
    """The largest body any route accepts: Flask's MAX_CONTENT_LENGTH and the WSGI server's cap."""
    uploads = max(_base64(size(config)) for size in UPLOADS.values()) + callback_limit(config)
    api = int(config.get("API_MAX_BYTES") or API_MAX_BYTES)
    return max(uploads, files_limit(config), api, OTHER_MAX_BYTES)


_OUTPUT = re.compile(rb'"output"\s*:\s*("(?:[^"\\]|\\.)*")')


def _output_of(head: bytes) -> str | None:
    match = _OUTPUT.search(head)
    if not match:
        return None
    try:
        value = json.loads(match.group(1))
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _read_up_to(stream, n: int) -> bytes:
    parts, left = [], n
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


class _Prefixed:
    """The peeked head of a body, then the rest of the original stream."""

    def __init__(self, head: bytes, rest):
        self._head, self._rest = head, rest

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            out, self._head = self._head + self._rest.read(), b""
            return out
        if self._head:
            out, self._head = self._head[:size], self._head[size:]
            return out
        return self._rest.read(size)

    def readline(self, size: int | None = -1) -> bytes:
        if not self._head:
            return self._rest.readline(size)
        end = len(self._head) if size is None or size < 0 else min(size, len(self._head))
        newline = self._head.find(b"\n", 0, end)
        n = newline + 1 if newline >= 0 else end
        out, self._head = self._head[:n], self._head[n:]
        return out


class _Capped:
    """A body without a Content-Length: reading past `limit` bytes raises 413."""

    def __init__(self, stream, limit: int):
        self._stream, self._left = stream, limit

    def _count(self, data: bytes) -> bytes:
        self._left -= len(data)
        if self._left < 0:
            raise RequestEntityTooLarge()
        return data

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self._left + 1:
            size = self._left + 1
        return self._count(self._stream.read(size))

    def readline(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self._left + 1:
            size = self._left + 1
        return self._count(self._stream.readline(size))


def too_large_message(limit: int) -> str:
    return f"请求内容过大（超过 {size_text(limit)} 上限），未处理"


def refusal(path: str, limit: int) -> Response:
    """The 413 a user or client sees, in Chinese: JSON for Dash, the API and other JSON routes."""
    if path.startswith("/api/"):
        body = {"errors": [{"row": None, "field": "body", "message": f"请求体超过 {limit // KB} KB 上限"}]}
        return Response(json.dumps(body, ensure_ascii=False), 413, mimetype="application/json")
    if path.startswith(JSON_PREFIXES):
        body = {"error": too_large_message(limit)}
        return Response(json.dumps(body, ensure_ascii=False), 413, mimetype="application/json")
    text = (f"上传内容超过上限 {size_text(limit)}，未保存任何文件" if path == UPLOAD_PATH
            else too_large_message(limit))
    html = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>请求内容过大</title></head>'
            f'<body><p role="alert">{text}</p><p><a href="/">返回仪表盘</a></p></body></html>')
    return Response(html, 413, mimetype="text/html")


class BodyLimits:
    """WSGI middleware: the per-route limits above, checked before the app sees the request."""

    def __init__(self, wsgi_app, config: Mapping, uploads: Mapping[str, str]):
        self.wsgi_app, self.config, self.uploads = wsgi_app, config, dict(uploads)

    def limit(self, path: str) -> int:
        if path == CALLBACK_PATH:
            return callback_limit(self.config)
        if path.startswith("/api/"):
            return int(self.config.get("API_MAX_BYTES") or API_MAX_BYTES)
        if path == UPLOAD_PATH:
            return files_limit(self.config)
        return OTHER_MAX_BYTES

    def upload_limit(self, output: str | None) -> int | None:
        upload = self.uploads.get(output or "")
        return _base64(UPLOADS[upload](self.config)) + callback_limit(self.config) if upload else None

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        raw_length = environ.get("CONTENT_LENGTH", "")
        try:
            length = int(raw_length) if raw_length else None
        except ValueError:
            length = -1
        if length is not None and length < 0:
            return Response("Content-Length 无效", 400, mimetype="text/plain")(environ, start_response)
        limit = self.limit(path)
        has_body = length is not None or environ.get("wsgi.input_terminated")  # else no body is read at all
        if path == CALLBACK_PATH and environ.get("REQUEST_METHOD") == "POST" and has_body and length != 0:
            # Which callback: from the head of the body (bounded), never from the whole of it.
            stream = environ["wsgi.input"]
            head = _read_up_to(stream, PEEK_BYTES if length is None else min(PEEK_BYTES, length))
            environ["wsgi.input"] = _Prefixed(head, stream)
            output = _output_of(head)
            environ[OUTPUT_KEY] = output or ""
            limit = self.upload_limit(output) or limit
        environ[LIMIT_KEY] = limit
        if length is not None and length > limit:
            return refusal(path, limit)(environ, start_response)
        if length is None:
            environ["wsgi.input"] = _Capped(environ["wsgi.input"], limit)
        return self.wsgi_app(environ, start_response)


def callback_output(environ: Mapping) -> str:
    """The "output" a callback POST names in its first bytes ("" when it names none): for the audit
    log of refused callbacks, without parsing the body."""
    return environ.get(OUTPUT_KEY, "")


def install(app: Dash) -> None:
    """Wrap the server in BodyLimits (after every callback is registered) and set the backstops."""
    server = app.server
    if not server.config.get("MAX_CONTENT_LENGTH"):
        server.config["MAX_CONTENT_LENGTH"] = global_limit(server.config)
    server.wsgi_app = BodyLimits(server.wsgi_app, server.config, upload_callbacks(app))

    @server.errorhandler(RequestEntityTooLarge)
    def _too_large(_exc):
        return refusal(request.path, request.environ.get(LIMIT_KEY) or server.config["MAX_CONTENT_LENGTH"])
