"""Number formatting shared by every screen."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from domain.format import half_up, pct, points, safe_cell, signed_delta, smart, thousands, wan


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0"),
        (999, "999"),
        (1234567, "1,234,567"),
        (-1234, "−1,234"),
        (np.int64(45678), "45,678"),
        (2.5, "3"),  # half-up, not banker's
        (1234.4, "1,234"),
    ],
)
def test_fmt001_thousands(n, text):
    assert thousands(n) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (9999, "9,999"),
        (10000, "1.0万"),
        (12345, "1.2万"),
        (1234567, "123.5万"),
        (1234500, "123.5万"),  # 123.45 rounds half-up
        (1234560000, "123,456.0万"),
        (-56789, "−5.7万"),
    ],
)
def test_fmt002_wan_from_ten_thousand_up(n, text):
    assert wan(n) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [(99999, "99,999"), (100000, "10.0万"), (3456789, "345.7万"), (-250000, "−25.0万")],
)
def test_fmt003_smart_switches_to_wan_at_one_hundred_thousand(n, text):
    assert smart(n) == text


@pytest.mark.parametrize(
    ("x", "digits", "text"),
    [
        (0.632, 1, "63.2%"),
        (0.6325, 1, "63.3%"),  # 0.6325 * 100 is 63.2499… in floats, and f"{:.1%}" says 63.2%
        (0.41, 0, "41%"),
        (0.245, 0, "25%"),
        (0, 1, "0.0%"),
        (1.05, 1, "105.0%"),
        (np.float64(0.38), 1, "38.0%"),
    ],
)
def test_fmt004_pct(x, digits, text):
    assert pct(x, digits) == text


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA])
def test_fmt005_missing_prints_dash(missing):
    assert pct(missing) == "—"
    assert points(missing) == "—"
    assert thousands(missing) == "—"
    assert wan(missing) == "—"
    assert smart(missing) == "—"
    assert signed_delta(missing) == "—"


@pytest.mark.parametrize(
    ("x", "digits", "text"),
    [(0.27, 0, "27 个百分点"), (0.235, 0, "24 个百分点"), (0.2349, 1, "23.5 个百分点"), (-0.05, 0, "−5 个百分点")],
)
def test_fmt006_points(x, digits, text):
    assert points(x, digits) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [(1234, "+1,234"), (-56, "−56"), (0, "持平"), (0.3, "持平"), (1, "+1")],
)
def test_fmt007_signed_delta(n, text):
    assert signed_delta(n) == text


def test_fmt008_signed_delta_with_smart_size():
    assert signed_delta(250000, smart) == "+25.0万"
    assert signed_delta(-1234, smart) == "−1,234"
    assert signed_delta(0, smart) == "持平"


def test_fmt009_half_up_uses_the_decimal_value():
    assert str(half_up(0.125, 2)) == "0.13"
    assert str(half_up(2.675, 2)) == "2.68"  # round(2.675, 2) gives 2.67


# --- spreadsheet cells: text that a spreadsheet would run as a formula is neutralised (OWASP CSV injection)


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","点我")', "@SUM(1)", "+1", "-1+2", "\t=1+1", "\r=1+1"])
def test_fmt_safe_cell_prefixes_a_quote_and_keeps_the_text(text):
    from domain.format import safe_cell

    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["张三", "1,234", "", " =1", "兰山区", None, 0, 12, -5, 2.5, -0.25])
def test_fmt_safe_cell_leaves_plain_text_and_numbers_alone(value):
    from domain.format import safe_cell

    assert safe_cell(value) == value and type(safe_cell(value)) is type(value)


def test_fmt_safe_cell_drops_what_a_workbook_cannot_hold():
    # Rows stored before the door refused control characters must not break an export.
    assert safe_cell("张\x00三") == "张三"
    assert safe_cell("\x00=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_cell("第一行\n第二行\t") == "第一行\n第二行\t"
    assert safe_cell("\ud800x\ufffe") == "x"
