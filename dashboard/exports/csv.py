"""CSV: one row per unit, every figure; UTF-8 with a BOM so that Excel opens the Chinese correctly."""

from __future__ import annotations

import csv
import io

from dashboard.exports import content
from domain.format import safe_cell

BOM = "\ufeff"


def build(doc: dict) -> bytes:
    headers, rows = content.flat_rows(doc)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # Excel's own line ends
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")


def export(doc: dict, progress=None) -> bytes:
    if progress:
        progress(1, 1, "生成 CSV")
    return build(doc)
