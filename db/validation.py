"""Validation of one submitted statistics table. Pure: no database, no Dash.

Every entry path (web form, Excel, API, CLI) builds a `Submission`, the store looks up a
`Context` from the database, and `validate()` says what is wrong, in Chinese, naming row and field.
CONTRACT (implemented by the validation work item; keep these names):

    validate(sub: Submission, ctx: Context) -> Result
    Result.figures: dict[kind, dict[measure, int]]   cleaned integers, all 3 kinds x 9 measures
    Result.errors / Result.warnings: list[Issue]
    raise SubmissionRefused(result.errors) is done by the store, not here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    """One problem. `line` is a kind from db.measures.LINE_KINDS (or None for header fields),
    `field` a measure name from db.measures.MEASURES or a header field name
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
    has_same_date: bool = False  # a version for (unit, report_date) already exists


@dataclass
class Result:
    figures: dict[str, dict[str, int]]
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class SubmissionRefused(Exception):
    """A submission with errors; nothing was written."""

    def __init__(self, errors: list[Issue]):
        self.errors = list(errors)
        super().__init__("；".join(e.message for e in self.errors))


def validate(sub: Submission, ctx: Context) -> Result:  # pragma: no cover - replaced by implementation
    raise NotImplementedError
