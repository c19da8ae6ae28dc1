"""Static files (dashboard/http/static.py): versioned URLs cached for a year, the others revalidated
with an ETag, brotli/gzip made once per file version, and no browser caching of pages or callbacks."""

from __future__ import annotations

import gzip
import os
import re
from pathlib import Path

import brotli
import plotly
import pytest

from dashboard.http import static
from tests.http_helpers import callback_body, callback_key, demo_app, login, post_callback

YEAR = "public, max-age=31536000, immutable"
PLOTLY_URL = "/_dash-component-suites/plotly/package_data/plotly.min.js"
PLOTLY_FILE = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
ASSETS = Path(__file__).resolve().parents[3] / "assets"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    directory = tmp_path_factory.mktemp("static")
    return demo_app(directory, STATIC_CACHE_DIR=str(directory / "static-cache"))


@pytest.fixture(scope="module")
def signed_in(app):
    c = app.server.test_client()
    assert login(c).status_code == 302
    return c


@pytest.fixture(scope="module")
def index_urls(signed_in) -> list[str]:
    """Every script and stylesheet URL of the page, as Dash links them (not the preloads)."""
    html = signed_in.get("/").get_data(as_text=True)
    return re.findall(r'(?:<script src|<link rel="stylesheet" href)="(/(?:_dash-component-suites|assets)/[^"]+)"', html)


def decoded(response) -> bytes:
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(response.data)
    if encoding == "gzip":
        return gzip.decompress(response.data)
    assert encoding is None, encoding
    return response.data


def suite_file(url: str) -> Path:
    """The file behind a Dash bundle URL (the `dash` namespace maps to the dash package)."""
    import sys

    from dash.fingerprint import check_fingerprint

    package, _, rest = url.removeprefix("/_dash-component-suites/").partition("/")
    return Path(sys.modules[package].__file__).parent / check_fingerprint(rest)[0]


def test_stc001_versioned_bundles_are_cached_for_a_year_and_sent_compressed_once(signed_in, index_urls):
    suites = [u for u in index_urls if u.startswith("/_dash-component-suites/")]
    assert len(suites) >= 8, index_urls
    for url in suites:
        r = signed_in.get(url, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
        assert r.status_code == 200, url
        assert r.headers["Cache-Control"] == YEAR, url
        assert r.headers["Content-Encoding"] == "br", url
        assert r.headers["Vary"] == "Accept-Encoding", url  # not Cookie: the same bytes for everyone
        assert int(r.headers["Content-Length"]) == len(r.data), url
        assert decoded(r) == suite_file(url).read_bytes(), url
        assert "Set-Cookie" not in r.headers, url  # a shared cache may keep it: no session in it
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_stc002_encoding_follows_accept_encoding(signed_in, index_urls):
    url = next(u for u in index_urls if "dash_renderer" in u)
    original = suite_file(url).read_bytes()
    for accept, expected in [("gzip", "gzip"), ("br;q=0, gzip", "gzip"), ("identity", None), ("", None),
                             ("deflate, br", "br"), ("*", "br")]:
        r = signed_in.get(url, headers={"Accept-Encoding": accept} if accept else {})
        assert r.headers.get("Content-Encoding") == expected, accept
        assert r.headers["Vary"] == "Accept-Encoding"
        assert int(r.headers["Content-Length"]) == len(r.data)
        assert decoded(r) == original, accept


def test_stc003_plotly_has_a_fixed_url_so_it_is_revalidated_with_an_etag(signed_in):
    r = signed_in.get(PLOTLY_URL, headers={"Accept-Encoding": "gzip, br"})
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-cache"
    assert decoded(r) == PLOTLY_FILE.read_bytes()
    etag = r.headers["ETag"]
    again = signed_in.get(PLOTLY_URL, headers={"Accept-Encoding": "gzip, br", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "no-cache"
    # The ETag of another encoding names the same content: still 304
    assert signed_in.get(PLOTLY_URL, headers={"Accept-Encoding": "gzip", "If-None-Match": etag}).status_code == 304
    assert signed_in.get(PLOTLY_URL, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_stc004_assets_are_versioned_by_their_m_query(signed_in, index_urls):
    css = next(u for u in index_urls if u.startswith("/assets/style.css?m="))
    r = signed_in.get(css, headers={"Accept-Encoding": "br"})
    assert r.headers["Cache-Control"] == YEAR
    assert decoded(r) == (ASSETS / "style.css").read_bytes()
    stale = signed_in.get("/assets/style.css?m=12345.5", headers={"Accept-Encoding": "br"})
    assert stale.headers["Cache-Control"] == "no-cache"  # not the file's version: ask next time
    plain = signed_in.get("/assets/style.css")  # the login page links it so
    assert plain.status_code == 200 and plain.headers["Cache-Control"] == "no-cache" and "ETag" in plain.headers
    assert signed_in.get("/assets/style.css", headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    # Anonymous visitors get them too (the login page needs the stylesheet)
    assert signed_in.application.test_client().get(css).status_code == 200


def test_stc005_head_sends_the_headers_only(signed_in):
    r = signed_in.head(PLOTLY_URL, headers={"Accept-Encoding": "gzip"})
    full = signed_in.get(PLOTLY_URL, headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.data == b""
    assert r.headers["Content-Length"] == full.headers["Content-Length"] == str(len(full.data))


def test_stc006_pages_and_dash_json_are_never_kept_by_the_browser(app, signed_in):
    for path in ("/", "/cases", "/_dash-layout", "/_dash-dependencies"):
        r = signed_in.get(path)
        assert r.status_code == 200, path
        assert r.headers["Cache-Control"] == "no-store", path
    assert app.server.test_client().get("/login").headers["Cache-Control"] == "no-store"
    key = callback_key(app, "update_data")
    r = post_callback(signed_in, callback_body(app, key, {}))
    assert r.status_code in (200, 204), r.get_data(as_text=True)[:300]
    assert r.headers["Cache-Control"] == "no-store"
    # Routes that choose their own policy keep it (the boundaries: public, an hour, ETag)
    assert "max-age=3600" in signed_in.get("/geo/districts.geojson").headers["Cache-Control"]


def test_stc007_callbacks_are_still_compressed_per_response(app, signed_in):
    key = callback_key(app, "update_data")
    r = signed_in.post("/_dash-update-component", data=callback_body(app, key, {}), content_type="application/json",
                       headers={"X-CSRFToken": signed_in.get_cookie("_csrf_token").value, "Accept-Encoding": "gzip"})
    assert r.status_code == 200
    assert r.headers["Content-Encoding"] == "gzip"  # flask-compress, as before


def test_stc008_each_file_version_is_compressed_once_and_the_disk_cache_is_shared(tmp_path, monkeypatch):
    calls: list[str] = []

    def counting(name, compress):
        return name, lambda data: (calls.append(name), compress(data))[1]

    monkeypatch.setattr(static, "ENCODINGS", tuple(counting(n, f) for n, f in static.ENCODINGS))
    file = tmp_path / "app.js"
    file.write_text("var answer = 42;\n" * 500)
    environ = {"REQUEST_METHOD": "GET", "HTTP_ACCEPT_ENCODING": "br, gzip"}
    store = static.Store(tmp_path / "cache")
    for _ in range(3):
        status, headers, body = static.response_for(store, file, True, environ)
        assert status == "200 OK" and brotli.decompress(body[0]) == file.read_bytes()
    assert calls == ["br"]
    # Another process (a second worker, a restart) reads the bytes from the disk cache
    other = static.Store(tmp_path / "cache")
    assert brotli.decompress(static.response_for(other, file, True, environ)[2][0]) == file.read_bytes()
    assert calls == ["br"]
    # A new version of the file is compressed anew and gets a new ETag
    old_etag = dict(headers)["ETag"]
    file.write_text("var answer = 43;\n" * 500)
    os.utime(file, ns=(file.stat().st_atime_ns, file.stat().st_mtime_ns + 10**9))
    status, headers, body = static.response_for(store, file, True, environ)
    assert brotli.decompress(body[0]) == file.read_bytes()
    assert dict(headers)["ETag"] != old_etag and calls == ["br", "br"]


def test_stc009_small_or_incompressible_files_are_sent_as_they_are(tmp_path):
    environ = {"REQUEST_METHOD": "GET", "HTTP_ACCEPT_ENCODING": "br, gzip"}
    small = tmp_path / "tiny.js"
    small.write_text("var a = 1;")
    random_bytes = tmp_path / "noise.js"
    random_bytes.write_bytes(os.urandom(4096))
    store = static.Store(None)
    for file in (small, random_bytes):
        status, headers, body = static.response_for(store, file, False, environ)
        headers = dict(headers)
        assert "Content-Encoding" not in headers and body == [file.read_bytes()]
        assert headers["Content-Length"] == str(file.stat().st_size)


def test_stc010_only_files_dash_registered_or_inside_assets_are_served_here(app, signed_in):
    signed_in.get("/")  # Dash registers its bundle paths on the first request
    layer = app.server.wsgi_app
    while not isinstance(layer, static.StaticFiles):  # other middleware (body limits) wraps it
        layer = layer.wsgi_app
    assert layer.locate("/_dash-component-suites/dash/../app.py", "") is None
    assert layer.locate("/_dash-component-suites/dash/dash.py", "") is None  # a file, but not a registered one
    assert layer.locate("/_dash-component-suites/os/path.py", "") is None
    assert layer.locate("/assets/../app.py", "") is None
    assert layer.locate("/assets/%2e%2e/app.py", "") is None
    assert layer.locate("/assets/missing.css", "") is None
    assert layer.locate(PLOTLY_URL, "") == (PLOTLY_FILE, False)
    assert signed_in.get("/assets/missing.css").status_code == 404  # Flask's answer, as before


def test_stc011_pages_preload_the_partial_plotly_bundle_and_the_graph_chunk_at_low_priority(app, signed_in):
    html = signed_in.get("/").get_data(as_text=True)
    preloads = re.findall(r'<link rel="preload" as="script" fetchpriority="low" href="([^"]+)"', html)
    bundle = static.plotly_bundle_url(app)
    assert preloads == [bundle] + [f"/{path}" for path in static.PRELOAD]
    # assets/plotly_bundle.js finds the bundle by this attribute and gives dcc.Graph the very same URL,
    # or the browser would load it twice
    assert f'href="{bundle}" data-plotly-bundle data-plotly-early="^{static.CHART_PATHS}$">' in html
    for url in preloads:
        assert signed_in.get(url).status_code == 200, url
    assert "plotly.min.js" not in html  # the full bundle is neither linked nor preloaded


def test_stc013_the_partial_bundle_is_versioned_served_compressed_and_not_linked_by_dash(app, signed_in, index_urls):
    bundle = static.plotly_bundle_url(app)
    assert bundle.startswith(f"/assets/{static.PLOTLY_BUNDLE}?m=")
    r = signed_in.get(bundle, headers={"Accept-Encoding": "gzip, br"})
    assert r.status_code == 200 and r.headers["Cache-Control"] == YEAR
    assert r.headers["Content-Encoding"] == "br"
    assert decoded(r) == (ASSETS / static.PLOTLY_BUNDLE).read_bytes()
    # Dash links every other script of assets/ but not this one: assets/plotly_bundle.js loads it
    assert not [u for u in index_urls if "vendor/" in u], index_urls
    assert any("/assets/plotly_bundle.js?m=" in u for u in index_urls), index_urls
    # The renderer's request_pre hook starts it; its inline script is covered by the CSP's hashes
    html = signed_in.get("/").get_data(as_text=True)
    assert "window.dashboardPlotly.start()" in html
    assert app.csp_hashes()[-1] in signed_in.get("/").headers["Content-Security-Policy"]


def test_stc012_a_revalidation_is_answered_without_compressing(tmp_path, monkeypatch):
    monkeypatch.setattr(static, "ENCODINGS", tuple((n, lambda data: pytest.fail("compressed")) for n, _ in static.ENCODINGS))
    file = tmp_path / "app.js"
    file.write_text("var answer = 42;\n" * 500)
    store = static.Store(None)
    etag = store.entry(file).etag
    environ = {"REQUEST_METHOD": "GET", "HTTP_ACCEPT_ENCODING": "br", "HTTP_IF_NONE_MATCH": f'"{etag}-br"'}
    status, headers, body = static.response_for(store, file, False, environ)
    assert status == "304 Not Modified" and body == []
    assert dict(headers)["ETag"] == f'"{etag}-br"'


def _chart_pages() -> set[str]:
    """The page modules that draw charts: a dcc.Graph of their own, or another such page's body."""
    pages = Path(__file__).resolve().parents[3] / "dashboard" / "pages"
    source = {p.stem: p.read_text(encoding="utf-8") for p in pages.glob("*.py")}
    charts = {name for name, text in source.items() if "graph(" in text}
    return charts | {name for name, text in source.items() if any(f"from dashboard.pages import {c}\n" in text for c in charts)}


def test_stc014_plotly_starts_early_on_exactly_the_pages_that_draw_charts():
    from dashboard.pages import ROUTES

    charts = _chart_pages()
    assert {"overview", "area", "district", "evaluation", "snapshots"} <= charts, charts  # the scan works
    early = re.compile(f"^{static.CHART_PATHS}$")
    for pattern, module, _ in ROUTES:
        # a path of that route: each group a digit, optional parts left out
        path = re.sub(r"\(\?:[^()]*\)\?", "", re.sub(r"\(\?P<\w+>[^)]*\)", "1", pattern)).replace("s?", "s")
        assert re.fullmatch(pattern, path), (pattern, path)
        assert bool(early.match(path)) == (module in charts), (path, module)
        assert bool(early.match(path + "/")) == (module in charts), (path, module)
