"""The seven KPI tiles of the overview, as plain data: the page and every export draw these.

Three stages (copies, with the enterprises and workers they cover) and four rates of the catalogue,
each with its change since the week before. Pure: takes the city's figures now and a week earlier
(dicts as db.queries.city_metrics returns them, or a snapshot document's "kpis") and returns dicts.

The change rule: a count changes by the difference of copies ("+13 份", "−2 份", "持平"); a rate by
the difference in percentage points, one decimal, half-up ("+6.0 个百分点"), and a change under
0.05 points is "持平". Without last week's figures (or with a rate missing on either side) a tile
has no change.

同期 (same day of last year's action, which the notice says 继续开展 every year): with the figures of the
previous campaign on the matching day (`same_day`), each tile also carries one line
"同期（2016年4月14日）1,234 份，+12.3%": a count with its relative change, a rate with the change in
percentage points ("同期（2016年4月14日）45.6%，+3.2 个百分点"). Without a previous campaign the line is "".
"""

from __future__ import annotations

import datetime as dt

from domain.format import pct, points, signed_delta, smart, thousands
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


def same_day(as_of: dt.date, window_start: dt.date, prev_start: dt.date, prev_end: dt.date) -> dt.date:
    """The day of last year's window that matches `as_of`: as many days after its start as `as_of` is
    after this window's start, kept inside last year's window.

    2017-04-14 is 44 days after a window start of 2017-03-01 (day 45 of the action), so 2016-04-14 in a
    window from 2016-03-01.
    Counting days from the start (not the calendar date) compares the same stage of the action:
    windows that start on different dates, or span a 29 February, still line up by "day N of the
    action" (a window from 2016-02-01 puts 2017-02-10's match on 2016-02-10, and 2017-03-10's on
    2016-03-09, one calendar day earlier because of the leap day). A longer window than last year's
    maps its extra days to last year's last day; a date before the window to its first day."""
    day = prev_start + dt.timedelta(days=(as_of - window_start).days)
    return min(max(day, prev_start), prev_end)


def date_cn(d: dt.date) -> str:
    """2016-04-14 -> "2016年4月14日" (as dashboard.labels.date_cn, which domain may not import)."""
    return f"{d.year}年{d.month}月{d.day}日"


def relative_change(now: int, before: int) -> str:
    """A count against last year's, as a share of last year's: 1386 vs 1234 -> "+12.3%"; "持平" when
    it rounds to 0.0%; "" when last year had none (no share of zero)."""
    if not before:
        return ""
    change = (now - before) / before
    shown = pct(abs(change))
    if shown == pct(0):
        return FLAT
    return ("+" if change > 0 else "−") + shown


def last_year_line(key: str, now: dict, last: dict, last_date: dt.date) -> str:
    """The 同期 line of one tile: "同期（2016年4月14日）1,234 份，+12.3%" for a stage's copies,
    "同期（2016年4月14日）45.6%，+3.2 个百分点" for a rate; no change part when it cannot be computed
    (last year's count was 0, or a rate is missing on either side)."""
    value, change = last_year_parts(key, now, last)
    return f"同期（{date_cn(last_date)}）" + value + (f"，{change}" if change else "")


def last_year_parts(key: str, now: dict, last: dict) -> tuple[str, str]:
    """(last year's value as a tile writes it, the change from it): ("1,234 份", "+12.3%") or
    ("45.6%", "+3.2 个百分点"); the change is "" when it cannot be computed."""
    if key in BY_KEY and BY_KEY[key].is_ratio:
        change = rate_change(now[key], last[key]) if now[key] is not None and last[key] is not None else ""
        return BY_KEY[key].text(last[key]), change
    return f"{thousands(last[key])} 份", relative_change(now[key], last[key])


def _tile(key: str, title: str, value: str, lines: list[str], change: str, last_year: str = "") -> dict:
    return {"key": key, "title": title, "value": value, "lines": lines, "change": change,
            "tone": tone(change) if change else None, "last_year": last_year}


def tiles(now: dict, prev: dict | None, last: dict | None = None, last_date: dt.date | None = None) -> list[dict]:
    """Seven tiles: {key, title, value, lines, change, tone, last_year}. `change` is "" (and `tone` None)
    when there is nothing to compare with; `tone` is "up", "down" or "flat" otherwise. `last_year` is
    the 同期 line (`last_year_line`) when last year's figures on `last_date` are given, else ""."""
    out = []

    def yoy(key: str) -> str:
        return last_year_line(key, now, last, last_date) if last is not None and last_date is not None else ""

    for stage, title in STAGE_TILES:
        c, e, w = (f"{stage}_{p}" for p in ("copies", "ents", "workers"))
        change = count_change(now[c], prev[c]) if prev else ""
        out.append(_tile(c, title, f"{thousands(now[c])} 份",
                         [f"覆盖企业 {thousands(now[e])} 家", f"覆盖职工 {smart(now[w])} 人"], change, yoy(c)))
    for key in KPI_RATES:
        metric = BY_KEY[key]
        change = ""
        if prev and now[key] is not None and prev[key] is not None:
            change = rate_change(now[key], prev[key])
        out.append(_tile(key, metric.label, metric.text(now[key]), [metric.help], change, yoy(key)))
    return out
