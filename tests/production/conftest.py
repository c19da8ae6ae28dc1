"""The production test drives the same Playwright Chromium as tests/browser: its fixtures, imported here
(the page blocks and records every request leaving 127.0.0.1, and fails the test on any 5xx)."""

from tests.browser.conftest import _network, _playwright, browser, page  # noqa: F401 - pytest fixtures
