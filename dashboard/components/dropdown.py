"""dcc.Dropdown with its built-in texts in Chinese: Dash 4's dropdown has a search box ("Search"),
select-all and clear buttons and a no-match line, all English unless `labels` says otherwise."""

from __future__ import annotations

from dash import dcc

DROPDOWN_LABELS = {
    "select_all": "全选",
    "deselect_all": "取消全选",
    "selected_count": "已选 {num_selected} 项",
    "search": "搜索",
    "clear_search": "清除搜索",
    "clear_selection": "清除选择",
    "no_options_found": "没有匹配的选项",
}


def dropdown(*args, **kwargs) -> dcc.Dropdown:
    kwargs.setdefault("placeholder", "请选择")
    return dcc.Dropdown(*args, labels=DROPDOWN_LABELS | kwargs.pop("labels", {}), **kwargs)
