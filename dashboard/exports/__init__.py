"""Exports of a snapshot document: PDF, PPTX, XLSX, CSV (one module each), rendered offline.

`export(doc, fmt)` returns the file's bytes; `FORMATS` says each format's extension and MIME type.
"""

from __future__ import annotations

import importlib

FORMATS = {
    "pdf": ("pdf", "application/pdf", "PDF"),
    "pptx": ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PPT"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel"),
    "csv": ("csv", "text/csv; charset=utf-8", "CSV"),
}
_MODULES = {"pdf": "pdf", "pptx": "pptx", "xlsx": "xlsx", "csv": "csv"}


def export(doc: dict, fmt: str, progress=None) -> bytes:
    """The file of `doc` in `fmt`. `progress(step, total, text)` is told how far it got."""
    if fmt not in FORMATS:
        raise ValueError(f"未知的导出格式 {fmt}：应为 {'、'.join(FORMATS)}")
    module = importlib.import_module(f"dashboard.exports.{_MODULES[fmt]}")
    return module.export(doc, progress=progress)


def filename(doc: dict, fmt: str) -> str:
    """"快照12-2017-05-31.pdf": ASCII-safe apart from 快照, no user text (titles may hold anything)."""
    return f"快照{doc.get('id', '')}-{doc['filters']['as_of']}.{FORMATS[fmt][0]}"
