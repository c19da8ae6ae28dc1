"""domain/inputs.py: the one rule for text from outside and for ids."""

from __future__ import annotations

import pytest

from domain.inputs import MAX_ID, BadText, as_id, bad_char, check_text, find_bad_string, json_depth, refusal


@pytest.mark.parametrize("char", [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\x7f", "\ud800", "\udfff",
                                                                                             "\ufffe", "\uffff"])
def test_refused_everywhere(char):
    assert bad_char(f"a{char}b") == 1 and bad_char(f"a{char}b", multiline=True) == 1


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_tab_and_line_breaks_only_in_multi_line_text(char):
    assert bad_char(f"a{char}") == 1 and bad_char(f"a{char}", multiline=True) is None


@pytest.mark.parametrize("text", ["王建国", "Ünïcödé", "😀", "\x80\x9f", "a b", "=1+1", ""])
def test_ordinary_text_passes(text):
    assert bad_char(text) is None and check_text(text, "负责人") == text


def test_the_message_names_the_field_and_the_character():
    assert refusal("负责人", "王\x00") == "“负责人”含有不允许的控制字符（第 2 个字符，U+0000），请删除后重新输入"
    assert "无效的 Unicode 字符" in refusal("填报人", "\ud800")
    with pytest.raises(BadText) as exc:
        check_text("a\x1b", "更正原因", multiline=True)
    assert exc.value.where == "更正原因" and "U+001B" in exc.value.message


def test_find_bad_string_walks_keys_values_and_deep_nesting():
    assert find_bad_string({"a": [1, {"b": "x\x00"}]}) == ("a[1].b", "x\x00")
    assert find_bad_string({"k\x00": 1}) == ("", "k\x00")
    deep: object = "ok"
    for _ in range(5000):
        deep = [deep]
    assert find_bad_string(deep) is None  # iterative: no RecursionError


@pytest.mark.parametrize("value,expected", [
    (1, 1), ("42", 42), (MAX_ID, MAX_ID), (MAX_ID + 1, None), ("9" * 40, None), (10**40, None), (0, None), (-1, None),
    ("-1", None), ("²", None), ("٣", None), (" 7 ", 7), (True, None), (1.0, None), (None, None), ([1], None),
])
def test_as_id(value, expected):
    assert as_id(value) == expected


def test_json_depth_skips_strings():
    assert json_depth('{"a": [1, {"b": "[[[[\\"]]"}]}') == 3
    assert json_depth("[" * 100 + "]" * 100) == 100
    assert json_depth('"{{{"') == 0
