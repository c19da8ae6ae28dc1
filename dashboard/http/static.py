"""Static files served like static files: compressed once, cached by the browser for as long as their URL
names their version.

What the browser loads besides the pages and callbacks: Dash's bundles under
`/_dash-component-suites/<package>/<path>`, this app's `assets/` (plotly.js among them, the app's
partial bundle: see PLOTLY_BUNDLE) under `/assets/<path>`, and the favicon. Dash's own views read
each file on every request, flask-compress compresses it again every time (about 0.5 s of CPU for
the 4.8 MB of dash's plotly.min.js), and only some of them get a cache header.

Here a small WSGI layer in front of Flask answers those requests itself:

- versioned URLs, the ones that change whenever the file does (Dash's fingerprinted bundle names
  `name.v4_4_1m1796025199.js`, `assets/x.css?m=<mtime>`, `/_favicon.ico?v=<dash version>`), get
  `Cache-Control: public, max-age=31536000, immutable`: a reload does not even ask. The version must
  match the file on disk, or the answer is treated as unversioned;
- everything else (dcc's lazy chunks, which dash-renderer requests by a fixed name, dash's full
  plotly.min.js, which this app's pages no longer load, or a plain `/assets/style.css`) gets
  `no-cache` and an ETag: the browser asks, a 304 answers;
- brotli and gzip bytes are made once per file and modification time (kept in memory, and on disk
  under `instance/static-cache` so that other worker processes and restarts reuse them), chosen by
  Accept-Encoding, with `Vary: Accept-Encoding` and the exact Content-Length. A response that
  already has its Content-Encoding is left alone by flask-compress, which still compresses the
  JSON of layouts and callbacks per response.

These paths are public (dashboard/http/auth.py lets anyone load them) and carry no session: the
answers set no cookie and do not vary by cookie, so a shared cache may keep them. Anything this
layer does not recognise (a path Dash has not registered, a method other than GET or HEAD) goes
on to Flask and Dash as before. Pages and Dash's JSON answers get `Cache-Control: no-store`: they
depend on the signed-in user and on the data.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import re
import stat
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import brotli
from dash import __version__ as dash_version
from dash.fingerprint import check_fingerprint
from flask import Flask, Response, request
from werkzeug.datastructures import Headers
from werkzeug.http import parse_accept_header, parse_etags
from werkzeug.security import safe_join

VERSIONED = "public, max-age=31536000, immutable"  # a year: the URL changes with the file
REVALIDATE = "no-cache"  # keep it, but ask (If-None-Match) before each use
NEVER = "no-store"  # pages and callback answers: per user, per data version

# Text formats worth compressing; images and fonts are compressed already.
COMPRESSIBLE = frozenset({
    "application/javascript", "text/javascript", "text/css", "application/json", "application/geo+json",
    "image/svg+xml", "image/x-icon", "image/vnd.microsoft.icon", "text/plain", "text/html",
    "application/manifest+json", "application/wasm",
})
MIN_COMPRESS_BYTES = 1024
# Brotli quality 9 takes about 1.4 s for plotly.min.js on the project machine (quality 11: 26 s)
# and is 16 % smaller than gzip; gzip level 9 for clients without brotli.
ENCODINGS = (("br", lambda data: brotli.compress(data, quality=9)),
             ("gzip", lambda data: gzip.compress(data, compresslevel=9, mtime=0)))
CACHE_FORMAT = 1  # part of the disk cache's keys: bump it when ENCODINGS change
_FINGERPRINT_MTIME = re.compile(r"m(\d+)$")


# ------------------------------------------------------------------------------------ the bytes


@dataclass
class Entry:
    """One version of one file (path, size, mtime): its ETag and its compressed forms, made on first use."""

    path: Path
    signature: tuple[int, int]  # (size, mtime_ns)
    etag: str
    mimetype: str
    compressible: bool
    encoded: dict[str, bytes | None] = field(default_factory=dict)  # None: not smaller than the file
    lock: threading.Lock = field(default_factory=threading.Lock)


class Store:
    """The compressed bytes of every static file served, computed once per file version.

    Kept in memory per process; with `cache_dir`, also on disk, written atomically, so that other
    workers and the next start read them instead of compressing again. A disk that cannot be
    written only costs the time to compress."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._entries: dict[Path, Entry] = {}
        self._lock = threading.Lock()

    def entry(self, path: Path) -> Entry | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        signature = (st.st_size, st.st_mtime_ns)
        with self._lock:
            found = self._entries.get(path)
            if found is not None and found.signature == signature:
                return found
        data = path.read_bytes()
        mimetype = mimetypes.guess_type(path.name)[0] or ("application/json" if path.suffix == ".map" else
                                                          "application/octet-stream")
        entry = Entry(path, signature, hashlib.sha256(data).hexdigest()[:20], mimetype,
                      mimetype in COMPRESSIBLE and len(data) >= MIN_COMPRESS_BYTES)
        with self._lock:
            self._entries[path] = entry
        return entry

    def encoded(self, entry: Entry, encoding: str) -> bytes | None:
        """The file in `encoding`, or None when compressing does not make it smaller."""
        if encoding in entry.encoded:
            return entry.encoded[encoding]
        with entry.lock:  # one thread compresses; the others wait for its bytes
            if encoding not in entry.encoded:
                entry.encoded[encoding] = self._load_or_compress(entry, encoding)
        return entry.encoded[encoding]

    def _load_or_compress(self, entry: Entry, encoding: str) -> bytes | None:
        disk = self._disk_path(entry, encoding)
        if disk is not None:
            try:
                stored = disk.read_bytes()
                return stored or None  # an empty file records "not worth it"
            except OSError:
                pass
        data = entry.path.read_bytes()
        if hashlib.sha256(data).hexdigest()[:20] != entry.etag:
            return None  # changed since: serve it plain now; the next request sees the new version
        compressed = dict(ENCODINGS)[encoding](data)
        result = compressed if len(compressed) < len(data) else None
        if disk is not None:
            try:
                disk.parent.mkdir(parents=True, exist_ok=True)
                tmp = disk.with_name(f"{disk.name}.{os.getpid()}.{threading.get_ident()}.tmp")
                tmp.write_bytes(result or b"")
                os.replace(tmp, disk)
            except OSError:
                pass
        return result

    def _disk_path(self, entry: Entry, encoding: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = f"{CACHE_FORMAT}|{entry.path}|{entry.signature[0]}|{entry.signature[1]}|{entry.etag}|{encoding}"
        return self.cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.{encoding}"


# ------------------------------------------------------------------------------------ the answers


def response_for(store: Store, path: Path, versioned: bool, environ: dict) -> tuple[str, list, list[bytes]] | None:
    """(status, headers, body) for a GET or HEAD of this file, or None if it is not a file."""
    entry = store.entry(path)
    if entry is None:
        return None
    headers = Headers()
    headers["Cache-Control"] = VERSIONED if versioned else REVALIDATE
    headers["X-Content-Type-Options"] = "nosniff"
    if entry.compressible:
        headers["Vary"] = "Accept-Encoding"
    matched = _matching_tag(environ.get("HTTP_IF_NONE_MATCH"), entry.etag)
    if matched is not None:  # answered before any compressing: a fresh worker need not compress to say 304
        headers["ETag"] = f'"{matched}"'
        return "304 Not Modified", headers.to_wsgi_list(), []
    encoding, body = None, None
    if entry.compressible:
        accepted = parse_accept_header(environ.get("HTTP_ACCEPT_ENCODING"))
        for name, _ in ENCODINGS:
            if accepted[name] > 0:
                body = store.encoded(entry, name)
                if body is not None:
                    encoding = name
                    break
    etag = f"{entry.etag}-{encoding}" if encoding else entry.etag
    headers["ETag"] = f'"{etag}"'
    if body is None:
        body = entry.path.read_bytes()
        if len(body) != entry.signature[0]:  # replaced meanwhile: let the next request see it whole
            return None
    if encoding:
        headers["Content-Encoding"] = encoding
    text = entry.mimetype.startswith("text/") or entry.mimetype in {"application/javascript", "application/json"}
    headers["Content-Type"] = f"{entry.mimetype}; charset=utf-8" if text else entry.mimetype
    headers["Content-Length"] = str(len(body))
    return "200 OK", headers.to_wsgi_list(), [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def _matching_tag(if_none_match: str | None, etag: str) -> str | None:
    """The tag in If-None-Match that names this file's content, in any of its encodings (the same bytes
    once decoded): the browser's stored copy is still good. None when there is none."""
    if not if_none_match:
        return None
    tags = parse_etags(if_none_match)
    if tags.star_tag:
        return etag
    return next((t for t in tags if t == etag or t.startswith(f"{etag}-")), None)


class StaticFiles:
    """WSGI middleware: answers GET/HEAD for Dash's component suites, the assets and the favicon;
    passes everything else on."""

    def __init__(self, wsgi_app, dash_app, store: Store) -> None:
        self.wsgi_app = wsgi_app
        self.dash_app = dash_app
        self.store = store
        prefix = dash_app.config.routes_pathname_prefix
        self.suites_prefix = f"{prefix}_dash-component-suites/"
        self.assets_prefix = f"{prefix}{dash_app.config.assets_url_path.strip('/')}/"
        self.favicon = f"{prefix}_favicon.ico"
        self.assets_folder = dash_app.config.assets_folder

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            found = self.locate(environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
            answer = response_for(self.store, *found, environ) if found else None
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return body
        return self.wsgi_app(environ, start_response)

    def locate(self, path: str, query: str) -> tuple[Path, bool] | None:
        """(file, versioned) for a URL this layer serves, None for anything else."""
        if path.startswith(self.suites_prefix):
            return self._suite(path[len(self.suites_prefix):])
        if path.startswith(self.assets_prefix):
            return self._asset(path[len(self.assets_prefix):], query)
        if path == self.favicon and not getattr(self.dash_app, "_favicon", None):
            # Dash's own icon (an assets/favicon.ico is linked as an asset instead): versioned by dash's version
            return Path(sys.modules["dash"].__file__).parent / "favicon.ico", _query(query, "v") == dash_version
        return None

    def _suite(self, rest: str) -> tuple[Path, bool] | None:
        package, _, fingerprinted = rest.partition("/")
        path_in_package, has_fingerprint = check_fingerprint(fingerprinted)
        # The same rule as Dash's own view: only the files Dash registered for that package.
        if path_in_package not in self.dash_app.registered_paths.get(package, ()) or package not in sys.modules:
            return None
        if ".." in path_in_package.split("/"):
            return None
        module_file = getattr(sys.modules[package], "__file__", None)
        if not module_file:
            return None
        file = Path(module_file).parent / path_in_package
        versioned = False
        if has_fingerprint:
            # Dash's fingerprint ends in the file's mtime (whole seconds); an old one gets no long cache.
            stamp = _FINGERPRINT_MTIME.search(fingerprinted.rsplit("/", 1)[-1].split(".")[1])
            try:
                versioned = stamp is not None and int(stamp.group(1)) == int(os.stat(file).st_mtime)
            except OSError:
                return None
        return file, versioned

    def _asset(self, rest: str, query: str) -> tuple[Path, bool] | None:
        # PATH_INFO is already percent-decoded, as latin-1 text of the raw bytes (PEP 3333)
        joined = safe_join(self.assets_folder, rest.encode("latin-1").decode("utf-8", "replace"))
        if joined is None:
            return None
        file = Path(joined)
        try:
            mtime = os.stat(file).st_mtime
        except OSError:
            return None
        # Dash links each asset as `?m=<its os.stat().st_mtime>`
        return file, _query(query, "m") == str(mtime)


def _query(query: str, name: str) -> str | None:
    values = parse_qs(query).get(name)
    return values[0] if values else None


# ------------------------------------------------------------------------------------ wiring


def _never_cache_pages(response: Response) -> Response:
    """HTML pages and Dash's JSON answers (layout, dependencies, callbacks) are per user and per data
    version: the browser must not keep them. Routes that say otherwise keep their own header."""
    dash_json = request.path.rsplit("/", 1)[-1] in {"_dash-layout", "_dash-dependencies", "_dash-update-component",
                                                   "_reload-hash"}
    if "Cache-Control" not in response.headers and (dash_json or response.mimetype == "text/html"):
        response.headers["Cache-Control"] = NEVER
    return response


# The plotly.js that dcc.Graph draws with: this app's partial bundle, inside assets/ (Dash does not link
# it: app.py ignores assets/vendor), built by scripts/build-plotly-bundle.sh. assets/plotly_bundle.js
# points dcc at it, by the versioned URL of its preload link, instead of the full plotly.min.js (4.8 MB)
# that dash-renderer names; the renderer's request_pre hook (RENDERER_HOOKS) starts running it while
# the first callbacks wait for the server.
PLOTLY_BUNDLE = "vendor/plotly-app.min.js"
RENDERER_HOOKS = {"request_pre": "function () { if (window.dashboardPlotly) window.dashboardPlotly.start(); }"}
# The paths of the pages that draw charts (the routes of dashboard/pages whose page has a dcc.Graph;
# tests/dashboard/http/test_static.py keeps the two in step). Only there does the bundle start with the
# first callbacks: elsewhere it would cost the main thread for nothing, so it waits until a graph mounts.
CHART_PATHS = r"/(area/[^/]+|district/[^/]+|evaluation|snapshots?(/[0-9]+)?)?/?"
# Besides plotly.js, dcc.Graph's chunk: asked for only once the first callbacks have answered and a
# graph mounts. Both are named in the page so the browser starts loading them (at low priority, behind
# the page's own scripts) while Dash starts up; on a reload the revalidation (304) happens early too.
PRELOAD = ("_dash-component-suites/dash/dcc/async-graph.js",)


def plotly_bundle_url(dash_app) -> str:
    """The partial bundle's versioned URL (`?m=<mtime>`, as Dash links assets): cached for a year."""
    mtime = os.stat(Path(dash_app.config.assets_folder) / PLOTLY_BUNDLE).st_mtime
    return f"{dash_app.config.requests_pathname_prefix}{dash_app.config.assets_url_path.strip('/')}/{PLOTLY_BUNDLE}?m={mtime}"


def _preload_tags(dash_app) -> str:
    prefix = dash_app.config.requests_pathname_prefix
    early = f"^{re.escape(prefix.rstrip('/'))}{CHART_PATHS}$"
    return (f'<link rel="preload" as="script" fetchpriority="low" href="{plotly_bundle_url(dash_app)}" '
            f'data-plotly-bundle data-plotly-early="{early}">' +
            "".join(f'<link rel="preload" as="script" fetchpriority="low" href="{prefix}{path}">' for path in PRELOAD))


def _with_preloads(dash_app) -> None:
    """Put the preload links into every page Dash renders (whatever index_string the app sets)."""
    interpolate = dash_app.interpolate_index
    tags = _preload_tags(dash_app)

    def interpolate_index(**kwargs):
        kwargs["css"] = f"{kwargs.get('css', '')}\n{tags}"
        return interpolate(**kwargs)

    dash_app.interpolate_index = interpolate_index


def install(dash_app) -> None:
    """Serve the static files of `dash_app` through this module (call once, after Dash(...))."""
    server: Flask = dash_app.server
    cache_dir = server.config.get("STATIC_CACHE_DIR", Path(server.instance_path) / "static-cache")
    server.wsgi_app = StaticFiles(server.wsgi_app, dash_app, Store(Path(cache_dir) if cache_dir else None))
    server.after_request(_never_cache_pages)
    _with_preloads(dash_app)
