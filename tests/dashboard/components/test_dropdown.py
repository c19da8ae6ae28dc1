"""Every dropdown's built-in texts are Chinese."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard.components.dropdown import DROPDOWN_LABELS, dropdown

ROOT = Path(__file__).resolve().parents[3]


def test_labels_are_chinese_and_caller_overrides_win():
    d = dropdown(id="x", options=[], placeholder="全部单位", labels={"search": "搜索单位"})
    assert d.labels["search"] == "搜索单位" and d.labels["no_options_found"] == "没有匹配的选项"
    assert d.placeholder == "全部单位"
    assert dropdown(id="y", options=[]).placeholder == "请选择"
    assert all(re.search(r"[\u4e00-\u9fff]", v) for v in DROPDOWN_LABELS.values())


def test_no_page_builds_a_bare_dcc_dropdown():
    bare = [str(p.relative_to(ROOT)) for d in ("dashboard", "callbacks") for p in (ROOT / d).rglob("*.py")
            if "dcc.Dropdown(" in p.read_text(encoding="utf-8") and p.name != "dropdown.py"]
    assert bare == []
