"""How each metric of the catalogue is valued and ranked, for the map, the side bars and the ranking.

Pure: takes the DataFrame of db.queries.unit_metrics and returns plain rows for the figures.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from domain.lagging import Pace, expected_fraction
from domain.metrics import BY_KEY, METRICS

NEVER = "尚未报送"


def values(units: pd.DataFrame, metric: str, as_of: dt.date, window_start: dt.date, window_end: dt.date,
           pace: Pace = "linear") -> list[tuple[float | None, str]]:
    """(value, text) per row of `units`, in order. Value None means no figure (drawn grey, ranked last)."""
    spec = BY_KEY[metric]
    out: list[tuple[float | None, str]] = []
    if metric == "pace":
        expected = expected_fraction(as_of, window_start, window_end, pace)
        for progress, last in zip(units["target_progress"], units["last_report_date"]):
            if progress is None or last is None:
                out.append((None, NEVER if last is None else "—"))
                continue
            gap = float(progress) - expected
            out.append((gap, spec.text(gap)))
        return out
    if metric == "stale_days":
        for last in units["last_report_date"]:
            since = last or (window_start - dt.timedelta(days=1))
            days = max((as_of - since).days, 0)
            out.append((float(days), NEVER if last is None else spec.text(days)))
        return out
    for v, last in zip(units[metric], units["last_report_date"]):
        if v is None or last is None:
            out.append((None, NEVER if last is None else "—"))
        else:
            out.append((float(v), spec.text(float(v))))
    return out


def metric_rows(units: pd.DataFrame, metric: str, as_of: dt.date, window_start: dt.date, window_end: dt.date,
                pace: Pace = "linear") -> list[dict]:
    """Rows for map/ranking: code, name, kind, adcode, value, value_text, rank, rank_text.

    Rank 1 is best (direction from the metric); units without a value are unranked and listed last."""
    spec = METRICS[metric]
    vals = values(units, metric, as_of, window_start, window_end, pace)
    rows = [
        {"code": r.code, "name": r.name, "kind": r.kind, "adcode": r.adcode, "value": v, "value_text": t}
        for r, (v, t) in zip(units.itertuples(index=False), vals)
    ]
    ranked = sorted((r for r in rows if r["value"] is not None), key=lambda r: r["value"],
                    reverse=spec.higher_is_better)
    total = len(rows)
    prev_value, prev_rank = None, 0
    for i, r in enumerate(ranked, start=1):
        rank = prev_rank if r["value"] == prev_value else i  # ties share a rank
        r["rank"], r["rank_text"] = rank, f"第 {rank} / {total}"
        prev_value, prev_rank = r["value"], rank
    for r in rows:
        r.setdefault("rank", None)
        r.setdefault("rank_text", "无排名")
    return rows


def colour_range(rows: list[dict], metric: str) -> tuple[float, float]:
    """A stable range for the colour scale: rates from 0, pace symmetric around 0."""
    vals = [r["value"] for r in rows if r["value"] is not None]
    if not vals:
        return 0.0, 1.0
    if metric == "pace":
        m = max(0.05, max(abs(v) for v in vals))
        return -m, m
    if metric == "stale_days":
        return 0.0, max(14.0, max(vals))
    return 0.0, max(1.0 if BY_KEY[metric].at_most_one else 0.0, max(vals)) or 1.0
