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


def test_as_of_picker_allows_only_report_dates():
    import datetime as dt
    from types import SimpleNamespace

    from dashboard.pages.overview import date_picker_props

    d = dt.date
    ctx = SimpleNamespace(dates=[d(2017, 3, 31), d(2017, 4, 3), d(2017, 4, 7)], latest=d(2017, 4, 7))
    props = date_picker_props(ctx)
    assert props["min_date_allowed"] == "2017-03-31" and props["max_date_allowed"] == "2017-04-07"
    assert props["disabled_days"] == ["2017-04-01", "2017-04-02", "2017-04-04", "2017-04-05", "2017-04-06"]
    assert props["placeholder"].startswith("最新") and props["initial_visible_month"] == "2017-04-07"
    shared = date_picker_props(ctx, d(2017, 4, 5))  # a shared link's own date stays pickable
    assert "2017-04-05" not in shared["disabled_days"] and shared["initial_visible_month"] == "2017-04-05"
    assert date_picker_props(SimpleNamespace(dates=[], latest=None))["disabled_days"] == []


def test_area_titles():
    names = {"370000": "山东省"}
    assert document_title("/area/370000", names.get) == f"山东省 · {APP_TITLE}"
    assert document_title("/area/371300", names.get) == f"地区总览 · {APP_TITLE}"  # 临沂: the installation itself
