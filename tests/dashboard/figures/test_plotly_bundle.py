"""The partial plotly.js bundle (assets/vendor/plotly-app.min.js, scripts/build-plotly-bundle.sh) has
every trace type the app's figures use, and no other. A trace type missing from it would not fail
loudly: plotly.js would draw that trace as a scatter, or not at all.

The figures are built as dicts (no plotly.graph_objects, no plotly.express), so the trace types are
the literal `"type": "<trace>"` entries of the product's code; a trace dict whose type is not a
literal is refused here, so that none escapes the list. tests/browser/test_plotly_bundle.py checks
the same in the browser, on the pages' real figures."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import plotly.graph_objects as go
from plotly.basedatatypes import BaseTraceType

ROOT = Path(__file__).resolve().parents[3]
BUNDLE = ROOT / "assets" / "vendor" / "plotly-app.min.js"
PRODUCT = ("dashboard", "callbacks", "domain", "db")
TRACE_TYPES = frozenset(
    getattr(go, name)().plotly_name for name in dir(go)
    if isinstance(getattr(go, name), type) and issubclass(getattr(go, name), BaseTraceType)
)
# Keys that only a trace has (a layout axis or shape has "type" too, but none of these)
TRACE_KEYS = frozenset({"x", "y", "z", "lat", "lon", "locations", "geojson", "r", "theta", "values"})


def bundle_header() -> str:
    return BUNDLE.read_text(encoding="utf-8")[:2000]


def bundle_traces() -> set[str]:
    found = re.search(r"^\* traces: ([a-z,]+)$", bundle_header(), re.M)
    assert found, "no traces line in the bundle's header: rebuild it with scripts/build-plotly-bundle.sh"
    return set(found.group(1).split(","))


def _literal(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def used_trace_types() -> tuple[set[str], list[str]]:
    """(trace types written in the product's code, places where a trace's type is not a literal)."""
    used: set[str] = set()
    unclear: list[str] = []
    for package in PRODUCT:
        for file in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(file.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Dict):
                    pairs = {_literal(k): v for k, v in zip(node.keys, node.values) if k is not None}
                elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "dict":
                    pairs = {k.arg: k.value for k in node.keywords if k.arg}
                else:
                    continue
                if "type" not in pairs:
                    continue
                value = _literal(pairs["type"])
                if value in TRACE_TYPES:
                    used.add(value)
                elif value is None and TRACE_KEYS & set(pairs):
                    unclear.append(f"{file.relative_to(ROOT)}:{node.lineno}")
    return used, unclear


def test_every_trace_type_the_figures_use_is_in_the_bundle_and_no_other():
    used, unclear = used_trace_types()
    assert not unclear, f"trace dicts whose type is not a literal (write it out, so it is checked): {unclear}"
    assert {"bar", "choroplethmap", "scattermap"} <= used, used  # the overview's own: the scan works
    traces = bundle_traces()
    assert used <= traces, f"missing from the plotly.js bundle: {sorted(used - traces)}; add them to TRACES in " \
                           "scripts/plotly-bundle/build.mjs and run scripts/build-plotly-bundle.sh"
    assert traces == used, f"in the bundle but drawn nowhere (it only makes it larger): {sorted(traces - used)}"


def test_the_bundle_is_the_plotly_version_the_python_package_ships_and_keeps_its_licenses():
    from plotly.offline import get_plotlyjs_version

    header = bundle_header()
    assert header.startswith(f"/**\n* plotly.js v{get_plotlyjs_version()} "), header[:80]
    assert "Licensed under the MIT license" in header and "locales: zh-CN" in header
    assert (ROOT / "assets" / "LICENSE-plotly.js.txt").read_text().startswith("MIT License")
    tail = BUNDLE.read_text(encoding="utf-8")[-3000:]
    assert "Bundled license information" in tail and "MapLibre GL JS" in tail
    # The build's pinned inputs are committed with it
    lock = (ROOT / "scripts" / "plotly-bundle" / "package-lock.json").read_text()
    assert f'"node_modules/plotly.js": {{\n      "version": "{get_plotlyjs_version()}"' in lock
