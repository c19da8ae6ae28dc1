"""The admin unit import reads .xlsx too: a zip whose headers understate what its entries inflate to is
refused by the bytes actually inflated, before openpyxl opens it."""

from __future__ import annotations

import tracemalloc

import pytest

from db.admin.common import AdminError
from db.admin.units import parse_unit_file
from tests.db.submission import xlsx_corpus as X


def test_uib001_false_size_headers_are_refused_with_bounded_memory():
    data = X.forged_bomb(size=128 * 1024 * 1024)  # declares 4 KB for the sheet
    tracemalloc.start()
    try:
        with pytest.raises(AdminError) as refused:
            parse_unit_file("单位.xlsx", data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.messages == ["文件“单位.xlsx”中的部件“xl/worksheets/sheet1.xml”解压后超过上限 20.0 MB"
                                      "（疑似“压缩炸弹”），已拒绝；请只保留单位名单后再上传"]
    assert peak < 8 * 1024 * 1024
