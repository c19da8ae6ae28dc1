"""The document title per page."""

from __future__ import annotations

from dashboard.labels import APP_TITLE
from dashboard.pages import PAGE_TITLES, ROUTES, document_title


def test_every_route_has_a_title():
    assert {module for _, module, _ in ROUTES} <= set(PAGE_TITLES)


def test_titles():
    names = {"371302": "兰山区"}
    assert document_title("/") == f"总览 · {APP_TITLE}"
    assert document_title(None) == f"总览 · {APP_TITLE}"
    assert document_title("/district/371302", names.get) == f"兰山区 · {APP_TITLE}"
    assert document_title("/district/999999", names.get) == f"单位详情 · {APP_TITLE}"
    assert document_title("/submit/12") == f"数据填报 · {APP_TITLE}"
    assert document_title("/nowhere") == f"页面不存在 · {APP_TITLE}"
