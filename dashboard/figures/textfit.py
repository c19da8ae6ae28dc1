"""Text that must fit: value labels beside bars, measured roughly in pixels. Pure."""

from __future__ import annotations


def common_unit(texts: list[str]) -> str:
    """The unit every value text ends with after a space (" 个百分点", " 天"), or ""."""
    tails = {t.rsplit(" ", 1)[1] for t in texts if " " in t}
    if len(tails) != 1 or not all(" " in t for t in texts):
        return ""
    tail = tails.pop()
    return tail if not any(ch.isdigit() for ch in tail) else ""


def strip_unit(text: str, unit: str) -> str:
    return text[: -len(unit) - 1] if unit and text.endswith(" " + unit) else text


def text_px(text: str, size: float = 15) -> int:
    """About how wide `text` is drawn at `size` px: ideographs a full em, digits and Latin about 0.6."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return round(size * (wide + 0.6 * (len(text) - wide)))
