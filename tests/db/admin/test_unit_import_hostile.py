"""The unit import (db/admin/units.py) against odd files: every bad value is an AdminError with a
Chinese message, never another exception, and what it accepts the database can store (SQLite and
PostgreSQL). Regressions first, then a bounded hypothesis fuzz of parse_unit_file + apply_import."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from db.admin.common import AdminError
from db.admin.units import apply_import, parse_unit_file, plan_import
from db.engine import write_session

ROW = {"code": "X1", "name": "测试区", "kind": "县区", "parent": None, "adcode": None, "sort_order": 1}


def as_json(**changes) -> bytes:
    return json.dumps({"units": [{**ROW, **changes}]}, ensure_ascii=False).encode()


def as_xlsx(values: list) -> bytes:
    book = Workbook()
    book.active.append(["代码", "名称", "类型", "上级代码", "行政区划代码", "排序"])
    book.active.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refused(name: str, content: bytes) -> str:
    with pytest.raises(AdminError) as exc:
        parse_unit_file(name, content)
    return str(exc.value)


@pytest.mark.parametrize("content", [
    as_json(sort_order=10**40), as_json(sort_order="1e400"), as_json(sort_order=1e300), as_json(sort_order=2**31),
    b'{"units": [{"code": "X1", "name": "a", "kind": "\\u53bf\\u533a", "sort_order": 1' + b"0" * 5000 + b"}]}",
])
def test_huge_sort_orders_are_refused(content):
    message = refused("u.json", content)
    assert "“sort_order”应为非负整数" in message or "JSON 文件无法解析" in message
    xlsx = refused("u.xlsx", as_xlsx(["X1", "测试区", "县区", None, None, "1e400"]))
    assert "“排序”应为非负整数" in xlsx


@pytest.mark.parametrize("field", ["code", "name", "kind", "parent", "adcode"])
@pytest.mark.parametrize("char", ["\x00", "\x1b", "\ud800"])
def test_control_characters_are_refused_naming_the_column(field, char):
    message = refused("u.json", json.dumps({"units": [{**ROW, field: f"X{char}1"}]}).encode())
    assert f"“{field}”" in message


def test_deep_json_and_huge_csv_fields_are_refused():
    assert "JSON" in refused("u.json", b"[" * 100_000 + b"]" * 100_000)
    assert "JSON" in refused("u.json", b'{"units": [{"code": 1' + b"0" * 5000 + b"}]}")
    big = ("代码,名称,类型\nX1," + "名" * 200_000 + ",县区\n").encode()
    assert "CSV" in refused("u.csv", big)


def test_an_xlsx_with_a_line_break_in_a_name_is_refused():
    content = as_xlsx(["X1", "测试\n区", "县区", None, None, 1])  # XML cannot carry C0 controls but these
    assert "“名称”含有不允许的控制字符" in refused("u.xlsx", content)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**50), max_value=10**50)
    | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
FIELDS = st.sampled_from(["code", "name", "kind", "parent", "adcode", "sort_order"])
UNITS = st.lists(st.fixed_dictionaries({}, optional={f: JSON_VALUES | st.sampled_from(["X1", "县区", "371302", "7"])
                                                      for f in ROW}), min_size=1, max_size=4)


def _import(engine, name: str, content: bytes) -> None:
    try:
        specs = parse_unit_file(name, content)
    except AdminError as exc:
        assert exc.message
        return
    with write_session(engine) as s:
        try:
            plan_import(s, specs)
            apply_import(s, specs, filename=name, actor="fuzz")
        except AdminError as exc:
            assert exc.message
        s.rollback()  # keep the database as it was for the next example


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(units=UNITS)
def test_fuzz_json_unit_files_never_raise_anything_but_admin_error(preset_engine, units):
    _import(preset_engine, "u.json", json.dumps({"units": units}, ensure_ascii=False).encode("utf-8", "surrogatepass"))


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(st.lists(st.text(max_size=12) | st.sampled_from(["X1", "县区", "1e400", "9" * 40]),
                              min_size=3, max_size=6), min_size=1, max_size=4))
def test_fuzz_csv_unit_files_never_raise_anything_but_admin_error(preset_engine, rows):
    header = "代码,名称,类型,上级代码,行政区划代码,排序\n"
    out = io.StringIO()
    import csv

    csv.writer(out).writerows(rows)
    _import(preset_engine, "u.csv", (header + out.getvalue()).encode("utf-8", "surrogatepass"))
