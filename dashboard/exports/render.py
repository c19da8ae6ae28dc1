"""Figures to PNG and HTML to PDF with one warm Chromium, offline.

kaleido 1.x drives an installed Chromium (`BROWSER_PATH`, default Debian's /usr/bin/chromium) over
the DevTools protocol. Starting it costs ~2.4 s here (the PITFALLS measured 5.2 s on a busier
machine); a figure then takes ~0.1–0.2 s and a PDF ~0.2 s. So one `Renderer` per process is kept
running: its browser lives in a daemon thread with its own asyncio loop, and callers hand it
coroutines. The same browser prints the PDF (`Page.printToPDF` in a second tab), so a PDF export
pays the start-up once, not twice.

Offline: MathJax is off (kaleido would load it from a CDN), plotly.js comes from the installed
plotly package, the map uses MapLibre's `white-bg` style (no tiles, no glyphs), and every image in
the printed HTML is a data: URI. Fonts are the machine's (fonts-wqy-microhei, fonts-noto-cjk).

A process that forked (a DiskCache background job) starts its own browser: threads do not survive
a fork. Celery workers live long, so there the renderer stays warm between exports.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import os
import shutil
import threading
import time
from collections.abc import Coroutine
from typing import Any

DEFAULT_BROWSER = "/usr/bin/chromium"
TIMEOUT_S = 60.0
# The PDF's and the charts' font stack. WenQuanYi Micro Hei first: it is TrueType, so Chromium
# embeds it in a PDF as a CID TrueType font with a ToUnicode map (Noto CJK is CFF, which Chromium's
# PDF backend writes as Type 3 fonts: still selectable, but bitmap-like in some viewers).
FONT_STACK = "WenQuanYi Micro Hei, Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif"

# Waits for web fonts and images before printing (setDocumentContent returns before they load).
_READY_JS = (
    "document.fonts.ready.then(() => Promise.all([...document.images].map(i => i.complete ? 1 :"
    " new Promise(r => { i.onload = i.onerror = r; })))).then(() => true)"
)


class RenderError(RuntimeError):
    """The browser could not be started or failed to render (message in Chinese)."""


def browser_path() -> str:
    """BROWSER_PATH, else Debian's chromium, else whatever chromium is on PATH."""
    path = os.environ.get("BROWSER_PATH") or DEFAULT_BROWSER
    if not os.path.exists(path):
        path = shutil.which("chromium") or shutil.which("chromium-browser") or path
    return path


class Renderer:
    """One kaleido browser in a background thread. Thread-safe: calls are queued on its loop."""

    def __init__(self, path: str | None = None, timeout: float = TIMEOUT_S):
        self.path = path or browser_path()
        self.timeout = timeout
        self.pid = os.getpid()
        self.started_in: float | None = None  # seconds the cold start took
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido = None
        self._lock = threading.Lock()

    # -- lifecycle

    def start(self) -> float:
        """Start the browser (if not running); returns the seconds it took (0 when already warm)."""
        with self._lock:
            if self._kaleido is not None:
                return 0.0
            if not os.path.exists(self.path):
                raise RenderError(f"找不到浏览器 {self.path}：请安装 chromium（apt-get install chromium）或设置 BROWSER_PATH")
            os.environ["BROWSER_PATH"] = self.path  # choreographer reads it
            import kaleido

            began = time.perf_counter()
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="export-renderer", daemon=True).start()
            self._loop = loop

            async def open_browser():
                k = kaleido.Kaleido(n=1, mathjax=False, timeout=self.timeout, path=self.path)
                await k.open()
                return k

            try:
                self._kaleido = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(self.timeout)
            except Exception as exc:
                loop.call_soon_threadsafe(loop.stop)
                self._loop = None
                raise RenderError(f"无法启动浏览器 {self.path}：{exc}") from exc
            self.started_in = time.perf_counter() - began
            return self.started_in

    def close(self) -> None:
        with self._lock:
            if self._kaleido is None or self._loop is None:
                return
            try:
                asyncio.run_coroutine_threadsafe(self._kaleido.close(), self._loop).result(15)
            except Exception:  # noqa: BLE001 - closing a browser that already died
                pass
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._kaleido, self._loop = None, None

    @property
    def warm(self) -> bool:
        return self._kaleido is not None

    def _run(self, coro: Coroutine) -> Any:
        self.start()
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(self.timeout)

    # -- work

    def png(self, figure: dict, width: int, height: int, scale: float = 2.0) -> bytes:
        """A plotly figure (dict or go.Figure) as PNG bytes."""
        opts = {"format": "png", "width": width, "height": height, "scale": scale}
        return self._run(self._kaleido.calc_fig(figure, opts=opts))

    def svg(self, figure: dict, width: int, height: int) -> bytes:
        """A plotly figure as SVG bytes: vector, for the PDF (no rasterising, sharp on any projector)."""
        opts = {"format": "svg", "width": width, "height": height}
        return self._run(self._kaleido.calc_fig(figure, opts=opts))

    def pdf(self, html: str) -> bytes:
        """Print an HTML document to PDF (the document's @page rule sets size and margins)."""
        return self._run(self._print(html))

    async def _print(self, html: str) -> bytes:
        k = self._kaleido
        tab = await k.create_tab("about:blank")
        try:
            await _ok(tab.send_command("Page.enable"))
            tree = await _ok(tab.send_command("Page.getFrameTree"))
            frame = tree["result"]["frameTree"]["frame"]["id"]
            await _ok(tab.send_command("Page.setDocumentContent", params={"frameId": frame, "html": html}))
            await _ok(tab.send_command("Runtime.evaluate", params={"expression": _READY_JS, "awaitPromise": True}))
            printed = await _ok(tab.send_command("Page.printToPDF", params={
                "landscape": True, "printBackground": True, "preferCSSPageSize": True,
                "displayHeaderFooter": False, "generateDocumentOutline": True,
            }))
            return base64.b64decode(printed["result"]["data"])
        finally:
            await k.close_tab(tab)


async def _ok(pending):
    response = await pending
    if "error" in response:
        raise RenderError(f"浏览器渲染失败：{response['error']}")
    return response


_renderer: Renderer | None = None
_guard = threading.Lock()


def renderer() -> Renderer:
    """This process's renderer (a new one after a fork: the parent's thread did not come along)."""
    global _renderer
    with _guard:
        if _renderer is None or _renderer.pid != os.getpid():
            _renderer = Renderer()
        return _renderer


def shutdown() -> None:
    if _renderer is not None and _renderer.pid == os.getpid():
        _renderer.close()


atexit.register(shutdown)
