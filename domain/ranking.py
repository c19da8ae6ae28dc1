"""How each metric of the catalogue is valued and ranked, for the map, the side bars and the ranking.

Pure: takes the DataFrame of db.queries.unit_metrics and returns plain rows for the figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from domain.lagging import Lagging, Pace, expected_fraction
from domain.metrics import BY_KEY, METRICS

NEVER = "尚未报送"
# A long ranking or lagging list shows this many of each end (best, worst; the most severe) and
# sends the reader to the searchable grid for the rest: 2,875 bars or cards are read by no one.
SHOWN_EACH = 15
REPORTED, NOT_REPORTED = "已报送", "尚未报送"


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
    """Rows for map/ranking: code, name, kind, adcode, value, value_text, reported, rank, rank_text.

    Rank 1 is best (direction from the metric); units without a value are unranked and listed last."""
    spec = METRICS[metric]
    vals = values(units, metric, as_of, window_start, window_end, pace)
    columns = (units[c].tolist() for c in ("code", "name", "kind", "adcode", "last_report_date"))
    rows = [
        {"code": code, "name": name, "kind": kind, "adcode": adcode, "value": v, "value_text": t,
         "reported": last is not None and not pd.isna(last)}
        for (code, name, kind, adcode, last), (v, t) in zip(zip(*columns, strict=True), vals)
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


def ranking_order(rows: Sequence[dict]) -> list[dict]:
    """Best first (rank 1 at the top; ties keep the page's order), units without a value last."""
    ranked = sorted((r for r in rows if r.get("rank") is not None), key=lambda r: r["rank"])
    return ranked + [r for r in rows if r.get("rank") is None]


def worst_best(rows: Sequence[dict], each: int = SHOWN_EACH) -> tuple[list[dict], list[dict], int]:
    """(best, worst, hidden) of a ranking too long to read whole: the `each` best and the `each` worst
    ranked rows, in ranking order, and how many rows lie between them.

    Up to 2 x `each` rows nothing is hidden: (all rows in ranking order, [], 0). Rows without a value
    come after the worst only where fewer than `each` ranked rows are left to show: a ranking of
    mostly silent units still shows the ranked ones first."""
    order = ranking_order(rows)
    if len(order) <= 2 * each:
        return order, [], 0
    ranked = [r for r in order if r.get("rank") is not None]
    unranked = order[len(ranked):]
    best = order[:each]
    rest_ranked = ranked[len([r for r in best if r.get("rank") is not None]):]
    worst = rest_ranked[-each:]
    left_unranked = [r for r in unranked if all(r is not b for b in best)]
    worst += left_unranked[:each - len(worst)]
    return best, worst, len(order) - len(best) - len(worst)


def hidden_ranks(best: Sequence[dict], worst: Sequence[dict]) -> tuple[int, int] | None:
    """The first and last rank hidden between `best` and `worst` (None when no ranked row is hidden)."""
    top = max((r["rank"] for r in best if r.get("rank") is not None), default=0)
    low = [r["rank"] for r in worst if r.get("rank") is not None]
    if not low or min(low) <= top + 1:
        return None
    return top + 1, min(low) - 1


def all_unit_rows(rows: Sequence[dict], lagging: Sequence[Lagging], only_lagging: bool = False) -> list[dict]:
    """One plain row per unit for the "显示全部" grid, from the rows the ranking draws (`metric_rows`) and
    the lagging evaluation (domain.lagging.evaluate, most severe first).

    Each row: code, name, value (for sorting; None without a figure), value_text (as on the chart),
    rank (None: unranked), rank_text, reported (已报送 / 尚未报送), lag_score (0 when not lagging) and
    reasons (the lagging sentences, joined). In ranking order; `only_lagging`: the lagging units
    only, most severe first (the lagging list's order)."""
    by_code = {x.code: x for x in lagging}
    out = []
    for r in ranking_order(rows):
        lag = by_code.get(r["code"])
        out.append({
            "code": str(r["code"]), "name": str(r["name"]), "value": r["value"], "value_text": r["value_text"],
            "rank": r["rank"], "rank_text": r["rank_text"],
            "reported": REPORTED if r.get("reported", r["value_text"] != NEVER) else NOT_REPORTED,
            "lag_score": round(float(lag.score), 2) if lag else 0.0,
            "reasons": "；".join(x.text for x in lag.reasons) if lag else "",
        })
    if only_lagging:
        severity = {x.code: i for i, x in enumerate(lagging)}
        out = sorted((r for r in out if r["code"] in severity), key=lambda r: severity[r["code"]])
    return out
