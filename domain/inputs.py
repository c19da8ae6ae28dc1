"""Values from outside, checked at the door: text without control characters, ids in range.

Every entry path (the JSON API, the web forms and callbacks, workbook header fields, query strings,
URL paths) uses these, so a value the database or a workbook cannot hold is refused with a Chinese
message that names the field, instead of failing later (a NUL byte is a 500 on PostgreSQL and
breaks every XLSX export on SQLite; a 40-digit id overflows a database integer).

Refused in any text: the C0 control characters U+0000–U+001F and DEL (U+007F), lone surrogates
(U+D800–U+DFFF, not encodable as UTF-8) and the non-characters U+FFFE / U+FFFF (not allowed in
XML, so not in an XLSX cell). Multi-line text (reasons, summaries, comments) may contain tab,
line feed and carriage return; single-line text (names, codes) none of them.
"""

from __future__ import annotations

import re

from domain.errors import UserError

MAX_ID = 2**31 - 1  # a database INTEGER; every id we hand out is far below this
_SINGLE_LINE = re.compile("[\x00-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_MULTI_LINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


class BadText(UserError):
    """Text holding a character no field may hold."""


def bad_char(value: str, *, multiline: bool = False) -> int | None:
    """The index of the first refused character in `value`, else None."""
    match = (_MULTI_LINE if multiline else _SINGLE_LINE).search(value)
    return match.start() if match else None


def refusal(label: str, value: str, *, multiline: bool = False) -> str | None:
    """The Chinese message refusing `value` for the field `label`, or None when it is acceptable."""
    at = bad_char(value, multiline=multiline)
    if at is None:
        return None
    code = ord(value[at])
    what = "控制字符" if code < 0x80 else "无效的 Unicode 字符"
    return f"“{label}”含有不允许的{what}（第 {at + 1} 个字符，U+{code:04X}），请删除后重新输入"


def check_text(value: str, label: str, *, multiline: bool = False) -> str:
    """`value` unchanged, or BadText naming the field `label`."""
    message = refusal(label, value, multiline=multiline)
    if message is not None:
        raise BadText(message, where=label)
    return value


def find_bad_string(value: object, *, multiline: bool = True, limit: int = 100_000) -> tuple[str, str] | None:
    """The first string (a dict key or a value, at any depth) of a parsed JSON value holding a refused
    character, as (path, string); else None. Iterative, so a deep value cannot exhaust the stack;
    at most `limit` nodes are looked at."""
    stack: list[tuple[str, object]] = [("", value)]
    seen = 0
    while stack and seen < limit:
        path, item = stack.pop()
        seen += 1
        if isinstance(item, str):
            if bad_char(item, multiline=multiline) is not None:
                return path, item
        elif isinstance(item, dict):
            for key, sub in item.items():
                key_text = str(key)
                if bad_char(key_text, multiline=False) is not None:
                    return path, key_text
                stack.append((f"{path}.{key_text}" if path else key_text, sub))
        elif isinstance(item, (list, tuple)):
            stack.extend((f"{path}[{i}]", sub) for i, sub in enumerate(item))
    return None


def as_id(value: object) -> int | None:
    """A database id from an int or a string of ASCII digits, or None when it is not one: not a
    number, not positive, or larger than a database integer can hold (so: not found)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 10:
            return None
        value = int(text)
    if not isinstance(value, int):
        return None
    return value if 1 <= value <= MAX_ID else None


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text (strings skipped), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest
