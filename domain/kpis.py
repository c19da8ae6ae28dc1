"""The seven KPI tiles of the overview, as plain data: the page and every export draw these.

Three stages (copies, with the enterprises and workers they cover) and four rates of the catalogue,
each with its change since the week before. Pure: takes the city's figures now and a week earlier
(dicts as db.queries.city_metrics returns them, or a snapshot document's "kpis") and returns dicts.

The change rule: a count changes by the difference of copies ("+13 份", "−2 份", "持平"); a rate by
the difference in percentage points, one decimal, half-up ("+6.0 个百分点"), and a change under
0.05 points is "持平". Without last week's figures (or with a rate missing on either side) a tile
has no change.
"""

from __future__ import annotations

from domain.format import points, signed_delta, smart, thousands
from domain.metrics import BY_KEY, KPI_RATES

# The three stage tiles: (stage, title). The tile's key is the stage's copies measure.
STAGE_TILES = (("offer", "发出要约书"), ("signed", "签订工资专项集体合同"), ("filed", "审查备案"))
SINCE = "较上周"
FLAT = "持平"
RATE_STEADY = 0.0005  # a rate change under 0.05 percentage points shows as 持平


def tone(change: str) -> str:
    """"up", "down" or "flat", from the sign a change text starts with."""
    return "up" if change.startswith("+") else ("down" if change.startswith("−") else "flat")


def count_change(now: int, prev: int) -> str:
    """2662 vs 2649 -> "+13 份"; no change -> "持平"."""
    delta = signed_delta(now - prev)
    return delta if delta == FLAT else f"{delta} 份"


def rate_change(now: float, prev: float) -> str:
    """0.865 vs 0.805 -> "+6.0 个百分点"; under 0.05 points either way -> "持平"."""
    change = now - prev
    if abs(change) < RATE_STEADY:
        return FLAT
    return ("+" if change > 0 else "−") + points(abs(change), 1)


def _tile(key: str, title: str, value: str, lines: list[str], change: str) -> dict:
    return {"key": key, "title": title, "value": value, "lines": lines, "change": change,
            "tone": tone(change) if change else None}


def tiles(now: dict, prev: dict | None) -> list[dict]:
    """Seven tiles: {key, title, value, lines, change, tone}. `change` is "" (and `tone` None) when
    there is nothing to compare with; `tone` is "up", "down" or "flat" otherwise."""
    out = []
    for stage, title in STAGE_TILES:
        c, e, w = (f"{stage}_{p}" for p in ("copies", "ents", "workers"))
        change = count_change(now[c], prev[c]) if prev else ""
        out.append(_tile(c, title, f"{thousands(now[c])} 份",
                         [f"覆盖企业 {thousands(now[e])} 家", f"覆盖职工 {smart(now[w])} 人"], change))
    for key in KPI_RATES:
        metric = BY_KEY[key]
        change = ""
        if prev and now[key] is not None and prev[key] is not None:
            change = rate_change(now[key], prev[key])
        out.append(_tile(key, metric.label, metric.text(now[key]), [metric.help], change))
    return out
