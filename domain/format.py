"""How every screen writes numbers: counts, 万, percentages, percentage points, changes.

Rounding is half-up on the decimal value (62.25% -> "62.3%", not banker's "62.2%"), so the
figure on screen is the one a reader gets by hand. Missing values (None, NaN, pd.NA) print
as "—"; negatives use the typographic minus "−".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from pandas import isna

MISSING = "—"
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MINUS = "−"
WAN = 10_000
SMART_WAN_FROM = 100_000  # below this a full count reads better than 万


def _missing(x: object) -> bool:
    if x is None:
        return True
    kind = type(x)
    if kind is int:
        return False
    if kind is float:
        return x != x  # NaN
    return bool(isna(x))


def _dec(x: float | Decimal) -> Decimal:
    if isinstance(x, Decimal):
        return x
    # repr() is the shortest decimal that round-trips, so 0.245 stays 0.245, not 0.24499...
    return Decimal(repr(float(x))) if isinstance(x, float) else Decimal(int(x))


def half_up(x: float | Decimal, digits: int = 0) -> Decimal:
    """`x` rounded half-up to `digits` decimals."""
    return _dec(x).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def percent_shown(x: float, digits: int = 1) -> Decimal:
    """The number `pct(x, digits)` prints, before the "%": 0.6325 -> Decimal("63.3")."""
    return half_up(_dec(x) * 100, digits)


def _signed(d: Decimal, body: str) -> str:
    return f"{MINUS}{body}" if d < 0 else body


def thousands(n: float | None) -> str:
    """1234567 -> "1,234,567" (floats are rounded to a whole number)."""
    if _missing(n):
        return MISSING
    return _thousands(n)


@functools.lru_cache(maxsize=4096)  # a page prints the same counts many times (hover texts)
def _thousands(n: float) -> str:
    d = half_up(n)
    return _signed(d, f"{abs(d):,}")


def wan(n: float | None) -> str:
    """1234567 -> "123.5万" from 10,000 up (one decimal); smaller numbers as `thousands`."""
    if _missing(n):
        return MISSING
    if abs(_dec(n)) < WAN:
        return thousands(n)
    d = half_up(_dec(n) / WAN, 1)
    return _signed(d, f"{abs(d):,}万")


def smart(n: float | None) -> str:
    """`wan` from 100,000 up (职工数), `thousands` below (企业数, 份数)."""
    if _missing(n):
        return MISSING
    return wan(n) if abs(_dec(n)) >= SMART_WAN_FROM else thousands(n)


def pct(x: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: 0.6325 -> "63.3%"; None -> "—"."""
    if _missing(x):
        return MISSING
    return _pct(x, digits)


@functools.lru_cache(maxsize=4096)  # a page prints the same shares many times (hover texts)
def _pct(x: float, digits: int) -> str:
    d = percent_shown(x, digits)
    return _signed(d, f"{abs(d)}%")


def points(x: float | None, digits: int = 0) -> str:
    """A difference of two fractions in percentage points: 0.27 -> "27 个百分点"."""
    if _missing(x):
        return MISSING
    d = percent_shown(x, digits)
    return _signed(d, f"{abs(d)} 个百分点")


def signed_delta(n: float | None, fmt: Callable[[float], str] = thousands) -> str:
    """A change: 1234 -> "+1,234", -56 -> "−56", 0 -> "持平". `fmt` formats the size (e.g. `smart`)."""
    if _missing(n):
        return MISSING
    d = _dec(n)
    body = fmt(abs(n))
    if d == 0 or not body.strip("0.,万"):  # also a change too small to show, e.g. 0.3 -> "0"
        return "持平"
    return f"+{body}" if d > 0 else f"{MINUS}{body}"


_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def safe_cell(value: object) -> object:
    """`value` as a spreadsheet cell or CSV field may hold it: text that Excel or WPS would run as a
    formula ("=HYPERLINK(...)", "@SUM(1)", "+1", "-1+2", a leading tab or carriage return) gets a
    leading single quote, so it shows as the text it is. Numbers (negative ones too), dates and
    None pass unchanged. Every CSV and workbook the app writes puts its values through here.
    Characters a workbook cannot hold (C0 controls but tab/newline/CR, lone surrogates, U+FFFE/U+FFFF:
    rows stored before the door refused them) are dropped, so one old row cannot break an export."""
    if not isinstance(value, str):
        return value
    value = _UNWRITABLE.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value


NAMES_SHOWN = 30  # a sentence names at most this many units; a table beside it lists every one


def name_list(names: list[str], limit: int = NAMES_SHOWN) -> str:
    """"甲、乙、丙", or past `limit` names "甲、乙 … 等 170 个单位（见下表）": a sentence readable at any size."""
    if len(names) <= limit:
        return "、".join(names)
    return "、".join(names[:limit]) + f" … 等 {len(names)} 个单位（见下表）"
