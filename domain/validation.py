"""Validation of one submitted statistics table. Pure: no database, no Dash.

Every entry path (web form, Excel, API, CLI) builds a `Submission`, the store looks up a
`Context` from the database, and `validate()` says what is wrong, in Chinese, naming row and field.
CONTRACT (implemented by the validation work item; keep these names):

    validate(sub: Submission, ctx: Context) -> Result
    Result.figures: dict[kind, dict[measure, int]]   cleaned integers, all 3 kinds x 9 measures
    Result.errors / Result.warnings: list[Issue]
    raise SubmissionRefused(result.errors) is done by the store, not here.

Rules (codes match the tests in tests/domain/test_validation.py). Errors refuse the submission:

    VAL001  every one of the 27 cells (3 lines x 9 measures) is an integer >= 0; blank/None and
            missing cells mean 0; "1,234", "１２３" and Excel's 12.0 are accepted; text, negatives,
            fractions and booleans are not
    VAL002  no unknown line kinds or measure names
    VAL003  unit_code is filled in
    VAL004  window_start <= report_date <= deadline (the message names 行动期间 window_start .. window_end)
    VAL005  a correction needs a reason; a second report for the same unit and date must be a
            correction (with a reason)
    VAL006  单独开展企业: 份数 = 覆盖企业数 at each stage (one contract per enterprise)
    VAL007  within a line: signed <= offered and filed <= signed, for copies, enterprises, workers
    VAL008  workers >= enterprises at each stage (so workers > 0 when enterprises > 0)
    VAL009  figures are cumulative: none below the previous dated report and none above the next
            dated report (a back-dated entry), per cell; a correction with a reason may still be
            stored, and then each such cell is a warning instead
    VAL010  filled_on (填报时间), if given, is not before window_start

Warnings are stored with the report but do not refuse it:

    VAL011  a figure more than JUMP_FACTOR times its non-zero previous value and up by > JUMP_MIN
    VAL012  more than MAX_WORKERS_PER_ENT workers per covered enterprise on average

Cross-checks skip cells that failed VAL001, so one typo gives one message, not five.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from typing import Final

from domain.errors import UserError
from domain.measures import LINE_KINDS, LINE_LABELS, MEASURE_LABELS, MEASURES, PARTS, SINGLE, STAGES, measure


@dataclass(frozen=True)
class Issue:
    """One problem. `line` is a kind from domain.measures.LINE_KINDS (or None for header fields),
    `field` a measure name from domain.measures.MEASURES or a header field name
    (unit_code, report_date, reason, ...). `message` is complete Chinese text for the user."""

    field: str
    message: str
    line: str | None = None


@dataclass(frozen=True)
class Submission:
    campaign_id: int
    unit_code: str
    report_date: dt.date
    lines: Mapping[str, Mapping[str, object]]  # kind -> measure -> raw value (int, str, None)
    leader: str = ""  # 负责人
    filled_by: str = ""  # 填报人
    filled_on: dt.date | None = None  # 填报时间
    submitted_by: str = ""
    source: str = "api"  # web / excel / api / cli / demo
    is_correction: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Context:
    """What the database knows that validation needs."""

    window_start: dt.date
    deadline: dt.date
    previous: Mapping[str, Mapping[str, int]] | None = None  # unit's current figures before report_date
    previous_date: dt.date | None = None
    next: Mapping[str, Mapping[str, int]] | None = None  # unit's current figures of its next later report
    next_date: dt.date | None = None
    has_same_date: bool = False  # a version for (unit, report_date) already exists
    window_end: dt.date | None = None  # 行动结束: only named in messages (reports may come until the deadline)
    cutoff_date: dt.date | None = None  # 统计截止: likewise


@dataclass
class Result:
    figures: dict[str, dict[str, int]]
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class SubmissionRefused(UserError):
    """A submission with errors; nothing was written."""

    def __init__(self, errors: list[Issue]):
        self.errors = list(errors)
        super().__init__("；".join(e.message for e in self.errors))


# --- implementation -------------------------------------------------------------------------

MAX_VALUE: Final = 2_147_483_647  # INTEGER column limit on both backends
JUMP_FACTOR: Final = 3  # warn when a figure more than triples since the previous report ...
JUMP_MIN: Final = 100  # ... and grew by more than this (small numbers triple easily)
MAX_WORKERS_PER_ENT: Final = 50_000  # warn above this average: likely a typo or a swapped column

_NUMBER = re.compile(r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.0*)?")

Figures = dict[str, dict[str, int]]
Bad = set[tuple[str, str]]  # (kind, measure) cells that did not parse; cross-checks skip them
Pairs = list[tuple[str, str]]

COPIES_ENTS: Final = [(measure(s, "copies"), measure(s, "ents")) for s in STAGES]
WORKERS_ENTS: Final = [(measure(s, "workers"), measure(s, "ents")) for s in STAGES]
LATER_EARLIER: Final = [(measure(b, p), measure(a, p)) for p in PARTS for a, b in pairwise(STAGES)]


def where(kind: str, measure: str) -> str:
    """'区域 · 发出要约覆盖职工数': how a message names a cell of the attachment."""
    return f"{LINE_LABELS[kind]} · {MEASURE_LABELS[measure]}"


def fmt_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def parse_count(raw: object) -> int | None:
    """The integer a clerk meant, or None if `raw` is not a whole number. Blank means 0.

    Accepts ints, whole floats/Decimals (Excel's 12.0), and text with thousands separators,
    spaces or full-width digits ("1,234", "１２３"). The sign is kept; the caller checks range.
    """
    if raw is None:
        return 0
    if isinstance(raw, bool):
        return None
    if isinstance(raw, numbers.Integral):
        return int(raw)
    if isinstance(raw, numbers.Real | Decimal):
        try:
            value = int(raw)
        except (ValueError, OverflowError):  # nan, inf
            return None
        return value if value == raw else None
    if isinstance(raw, str):
        text = re.sub(r"\s", "", unicodedata.normalize("NFKC", raw))
        if not text:
            return 0
        match = _NUMBER.fullmatch(text)
        return int(match[1].replace(",", "")) if match else None
    return None


def validate(sub: Submission, ctx: Context) -> Result:
    """Check `sub` against every rule listed in the module docstring."""
    figures, bad, errors = _clean(sub.lines)
    errors += _header(sub, ctx)
    errors += _single_copies(figures, bad)
    errors += _stage_order(figures, bad)
    errors += _workers_vs_ents(figures, bad)
    corrected = sub.is_correction and _has_reason(sub)
    cumulative = _cumulative(ctx, figures, bad, corrected)
    if corrected:
        warnings = cumulative
    else:
        errors += cumulative
        warnings = []
    warnings += _jumps(ctx, figures, bad) + _workers_per_ent(figures, bad)
    return Result(figures, errors, warnings)


def _clean(lines: Mapping[str, Mapping[str, object]] | None) -> tuple[Figures, Bad, list[Issue]]:
    """VAL001, VAL002: parse every cell; missing cells are blank (0)."""
    lines = lines or {}
    figures: Figures = {kind: dict.fromkeys(MEASURES, 0) for kind in LINE_KINDS}
    bad: Bad = set()
    errors = [
        Issue("lines", f"未知的统计行“{kind}”（应为 单独开展企业、区域、行业 之一）")
        for kind in lines
        if kind not in LINE_KINDS
    ]
    for kind in LINE_KINDS:
        row = lines.get(kind) or {}
        for key in row:
            if key not in MEASURES:
                errors.append(Issue(str(key), f"{LINE_LABELS[kind]} · 未知的统计项“{key}”", kind))
        for m in MEASURES:
            raw = row.get(m)
            value = parse_count(raw)
            if value is None or value < 0:
                errors.append(Issue(m, f"{where(kind, m)}：“{raw}” 不是非负整数", kind))
            elif value > MAX_VALUE:
                errors.append(Issue(m, f"{where(kind, m)}：{value:,} 超出允许范围", kind))
            else:
                figures[kind][m] = value
                continue
            bad.add((kind, m))
    return figures, bad, errors


def date_outside_message(day: dt.date, ctx: Context) -> str:
    """VAL004's refusal: which bound the date misses, and the action period by its own dates
    (行动期间 runs to window_end; 统计截止 and 报送截止 come after it), never start .. deadline."""
    if day < ctx.window_start:
        text = f"报送日期 {fmt_date(day)} 早于行动开始（{fmt_date(ctx.window_start)}）"
    else:
        text = f"报送日期 {fmt_date(day)} 晚于报送截止（{fmt_date(ctx.deadline)}）"
    notes = []
    if ctx.window_end is not None:
        notes.append(f"行动期间为 {fmt_date(ctx.window_start)} 至 {fmt_date(ctx.window_end)}")
    if ctx.cutoff_date is not None:
        notes.append(f"数据统计截至 {fmt_date(ctx.cutoff_date)}")
    if notes:
        notes.append(f"报送截止 {fmt_date(ctx.deadline)}")
    return text + ("：" + "，".join(notes) if notes else "")


def _header(sub: Submission, ctx: Context) -> list[Issue]:
    """VAL003 unit code, VAL004 report date in the campaign, VAL005 corrections, VAL010 filled_on."""
    errors: list[Issue] = []
    if not (sub.unit_code or "").strip():
        errors.append(Issue("unit_code", "未填写单位代码"))
    if sub.report_date is None:
        errors.append(Issue("report_date", "未填写报送日期"))
    elif not ctx.window_start <= sub.report_date <= ctx.deadline:
        errors.append(Issue("report_date", date_outside_message(sub.report_date, ctx)))
    if sub.is_correction and not _has_reason(sub):
        errors.append(Issue("reason", "更正报送须填写更正原因"))
    elif ctx.has_same_date and not sub.is_correction:
        day = fmt_date(sub.report_date)
        errors.append(Issue("is_correction", f"本单位 {day} 的报表已经报送；如需修改，请按更正报送并填写更正原因"))
    if sub.filled_on is not None and sub.filled_on < ctx.window_start:
        errors.append(
            Issue("filled_on", f"填报时间 {fmt_date(sub.filled_on)} 早于行动开始日期 {fmt_date(ctx.window_start)}")
        )
    return errors


def _has_reason(sub: Submission) -> bool:
    return bool((sub.reason or "").strip())


def _pairs(figures: Figures, bad: Bad, pairs: Pairs) -> Iterator[tuple[str, str, str, int, int]]:
    """(kind, a, b, value_a, value_b) for every line and pair of measures that both parsed."""
    for kind in LINE_KINDS:
        for a, b in pairs:
            if (kind, a) not in bad and (kind, b) not in bad:
                yield kind, a, b, figures[kind][a], figures[kind][b]


def _single_copies(figures: Figures, bad: Bad) -> list[Issue]:
    """VAL006: 单独开展企业 sign one copy per enterprise, so 份数 = 覆盖企业数 at each stage."""
    return [
        Issue(a, f"{where(kind, a)} {x:,} 与 {MEASURE_LABELS[b]} {y:,} 不相等（单独开展企业每家一份）", kind)
        for kind, a, b, x, y in _pairs(figures, bad, COPIES_ENTS)
        if kind == SINGLE and x != y
    ]


def _stage_order(figures: Figures, bad: Bad) -> list[Issue]:
    """VAL007: within a line, signed <= offered and filed <= signed, for each part."""
    return [
        Issue(a, f"{where(kind, a)} {x:,} 大于 {MEASURE_LABELS[b]} {y:,}", kind)
        for kind, a, b, x, y in _pairs(figures, bad, LATER_EARLIER)
        if x > y
    ]


def _workers_vs_ents(figures: Figures, bad: Bad) -> list[Issue]:
    """VAL008: every covered enterprise has at least one worker, so workers >= enterprises."""
    errors: list[Issue] = []
    for kind, w, e, workers, ents in _pairs(figures, bad, WORKERS_ENTS):
        if ents > 0 and workers == 0:
            errors.append(Issue(w, f"{where(kind, w)} 为 0，但 {MEASURE_LABELS[e]} 为 {ents:,}", kind))
        elif workers < ents:
            errors.append(Issue(w, f"{where(kind, w)} {workers:,} 小于 {MEASURE_LABELS[e]} {ents:,}", kind))
    return errors


def _neighbour_cells(neighbour: Mapping[str, Mapping[str, int]] | None, figures: Figures,
                     bad: Bad) -> Iterator[tuple[str, str, int, int]]:
    """(kind, measure, neighbour's value, current) for every parsed cell the neighbour report has,
    in the table's order (lines, then measures)."""
    for kind, row in figures.items():
        theirs = (neighbour or {}).get(kind) or {}
        for m, now in row.items():
            if m in theirs and (kind, m) not in bad:
                yield kind, m, theirs[m], now


def _previous_cells(ctx: Context, figures: Figures, bad: Bad) -> Iterator[tuple[str, str, int, int]]:
    return _neighbour_cells(ctx.previous, figures, bad)


def _since(ctx: Context) -> str:
    return fmt_date(ctx.previous_date) if ctx.previous_date else "上次"


def _cumulative(ctx: Context, figures: Figures, bad: Bad, corrected: bool = False) -> list[Issue]:
    """VAL009: figures are cumulative, so a cell is neither below the previous dated report nor above
    the next dated report. Errors, unless the caller stores a correction with a reason (warnings)."""
    later = fmt_date(ctx.next_date) if ctx.next_date else "之后"
    hint = "累计数不应减少；如系更正，请按更正报送并说明原因"
    after_hint = f"{hint}，或先更正 {later} 的报表"
    if corrected:
        hint = after_hint = "按更正报送，已记录更正原因，请核实"
    below = [
        Issue(m, f"{where(kind, m)} {now:,} 低于 {_since(ctx)} 报送的 {before:,}（{hint}）", kind)
        for kind, m, before, now in _previous_cells(ctx, figures, bad)
        if now < before
    ]
    above = [
        Issue(m, f"{where(kind, m)} {now:,} 高于 {later} 报送的 {after:,}（{after_hint}）", kind)
        for kind, m, after, now in _neighbour_cells(ctx.next, figures, bad)
        if now > after
    ]
    return below + above


def _jumps(ctx: Context, figures: Figures, bad: Bad) -> list[Issue]:
    """VAL011 (warning): more than JUMP_FACTOR x a non-zero previous value and up by > JUMP_MIN.

    A unit's first figures after an all-zero report are normal, hence "non-zero"."""
    since = _since(ctx)
    return [
        Issue(m, f"{where(kind, m)} 由 {since} 的 {before:,} 增至 {now:,}，增幅异常，请核实", kind)
        for kind, m, before, now in _previous_cells(ctx, figures, bad)
        if before > 0 and now > JUMP_FACTOR * before and now - before > JUMP_MIN
    ]


def _workers_per_ent(figures: Figures, bad: Bad) -> list[Issue]:
    """VAL012 (warning): more than MAX_WORKERS_PER_ENT workers per covered enterprise on average."""
    return [
        Issue(w, f"{where(kind, w)} {workers:,} 按 {MEASURE_LABELS[e]} {ents:,} 计"
              f"平均每家 {workers // ents:,} 人，明显偏高，请核实", kind)
        for kind, w, e, workers, ents in _pairs(figures, bad, WORKERS_ENTS)
        if ents > 0 and workers > MAX_WORKERS_PER_ENT * ents
    ]
