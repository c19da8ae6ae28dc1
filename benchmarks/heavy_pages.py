"""Measure the heavy follow-up pages in headless Chromium: Dash component count and time to interactive.

    python benchmarks/heavy_pages.py [--runs N] [--throttle X] [--pages /review,/instructors]

Builds a fresh demo database in a temporary directory, serves create_app(...) on 127.0.0.1, signs in
as demo-admin (who sees every form) and opens each page N times in Debian's Chromium. For each page:

    components   Dash components in the rendered layout (the renderer's layout tree, after every
                 callback has filled its part): what grows with the number of table rows
    dom          DOM elements on the page
    tti ms       navigation start until Dash is idle (hydrated, no callback pending) for 250 ms,
                 the median of the runs

A measuring tool: prints a table, exits 0. --throttle X slows the page's CPU X times (DevTools), to
imitate the loaded machine the issue was measured on.
"""
# ruff: noqa: E402

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORT,
    build_demo_database,
    serve,
    sign_in,
    wait_for_dash,
)

PAGES = ("/district/371302", "/instructors", "/review", "/evaluation", "/supervision", "/summaries")

# Every object with a `type` and `namespace` in the renderer's layout tree is one Dash component.
COUNT_JS = """
() => {
    let n = 0;
    const walk = (x) => {
        if (Array.isArray(x)) { x.forEach(walk); return; }
        if (!x || typeof x !== "object") return;
        if (typeof x.type === "string" && typeof x.namespace === "string") n += 1;
        for (const v of Object.values(x.props || {})) walk(v);
    };
    const layout = window.store.getState().layout;
    walk(layout.components || layout);
    return [n, document.getElementsByTagName("*").length];
}
"""


def measure(page, url: str) -> tuple[int, int, float]:
    start = time.perf_counter()
    page.goto(url)
    wait_for_dash(page, timeout_ms=180_000)
    tti = (time.perf_counter() - start) * 1000 - 250  # wait_for_dash's quiet spell is not load time
    components, dom = page.evaluate(COUNT_JS)
    return components, dom, tti


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--throttle", type=float, default=0)
    parser.add_argument("--pages", default=",".join(PAGES))
    args = parser.parse_args()

    import logging

    from playwright.sync_api import sync_playwright

    from app import create_app

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        build_demo_database(url)
        with serve(create_app({"DATABASE_URL": url, "TESTING": True})) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
            page = context.new_page()
            if args.throttle > 1:
                context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": args.throttle})
            page.goto(base + "/login")
            sign_in(page, "demo-admin")
            print(f"{'page':<22}{'components':>12}{'dom':>8}{'tti ms (median)':>18}{'runs':>30}")
            for path in args.pages.split(","):
                results = [measure(page, base + path) for _ in range(args.runs)]
                times = [round(r[2]) for r in results]
                print(f"{path:<22}{results[-1][0]:>12}{results[-1][1]:>8}{statistics.median(times):>18.0f}"
                      f"{str(times):>30}")
            browser.close()


if __name__ == "__main__":
    main()
