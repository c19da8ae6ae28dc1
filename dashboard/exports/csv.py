"""CSV: one row per unit, every figure; UTF-8 with a BOM so that Excel opens the Chinese correctly.

Figures are written as the page writes them, not as stored floats: rates as percentages with one
decimal, rounded half-up ("90.9%", domain.format.pct; Excel reads that back as a percentage), counts
as whole numbers. A missing rate (no denominator) is an empty field, not "—", so a column stays
numeric. Text goes through safe_cell (no formula injection).
"""

from __future__ import annotations

import csv
import io

from dashboard.exports import content
from domain.format import MISSING, half_up, pct, safe_cell

BOM = "\ufeff"


def field(key: str, value: object) -> object:
    """One CSV field: a rate as "90.9%", a count as an int, text as it is; None as ""."""
    if value is None:
        return ""
    if key in content.RATE_KEYS:
        text = pct(value)
        return "" if text == MISSING else text
    if isinstance(value, float):
        return int(half_up(value))
    return safe_cell(value)


def build(doc: dict) -> bytes:
    headers, rows = content.flat_rows(doc)
    keys = [k for k, _ in content.FLAT_COLUMNS]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # Excel's own line ends
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([field(k, v) for k, v in zip(keys, row, strict=True)])
    return (BOM + out.getvalue()).encode("utf-8")


def export(doc: dict, progress=None) -> bytes:
    if progress:
        progress(1, 1, "生成 CSV")
    return build(doc)
