"""Pure rules for 专职指导员, 实效评价 and 监督检查: no SQL, no Dash, plain pytest tests.

Everything here takes plain values (dates, numbers, dicts) and returns plain values, so the pages,
the overview panel, the demo and the tests all read the same definitions:

- staffing gap: required − staffed, never below 0; "no quota" is not a gap;
- inactive: no work log in the `days` days up to and including `as_of`;
- overdue rectification: the deadline has passed (strictly before `today`) and the case is still 督促整改;
- evaluation scores are normalised by the scale they were given on (score ÷ 满分), a unit's profile is
  the mean per dimension over the latest evaluation of each subject (the unit itself, or one
  enterprise), the total is the weight-averaged profile on 0–100, and the weakest dimension is the
  one that loses most weighted points: argmax weight × (1 − score rate).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from domain.errors import UserError

# --- vocabularies ----------------------------------------------------------------------------------

ACTIVITIES = ("宣传指导", "参加协商", "调查研究", "监督检查")  # 工作日志的活动类型（通知原文）
REFUSAL_KINDS = ("拒绝协商", "变相拒绝协商")
URGING = "督促整改"
RECTIFIED = "已整改"
ACCOUNTABLE = "追究责任"
EXPOSED = "媒体曝光"
STATUSES = (URGING, RECTIFIED, ACCOUNTABLE, EXPOSED)
# 督促整改 → 已整改 / 追究责任 / 媒体曝光; an escalated case can still end rectified (or be exposed).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    URGING: (RECTIFIED, ACCOUNTABLE, EXPOSED),
    ACCOUNTABLE: (RECTIFIED, EXPOSED),
    EXPOSED: (RECTIFIED,),
    RECTIFIED: (),
}
OPEN_STATUSES = (URGING, ACCOUNTABLE, EXPOSED)  # 未结案

INACTIVE_DAYS = 14  # 连续多少天没有工作记录算"不活跃"
SATISFACTION = "满意度评价"

# The six dimensions the notice names, with a starting weight and 满分. The standard itself is not
# available to us: these only prefill an empty scheme; the admin edits the real ones as data.
DEFAULT_DIMENSIONS: tuple[tuple[str, float, float], ...] = (
    ("工作管理", 15, 10),
    ("协商准备", 15, 10),
    ("协商程序", 20, 20),
    ("协商效果", 20, 20),
    ("合同履行", 15, 20),
    (SATISFACTION, 15, 5),
)

NAME_MAX = 50
ENTERPRISE_MAX = 200
TEXT_MAX = 2000


class ActionError(UserError):
    """A refused entry or change. `message` is Chinese and says which field is wrong."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- input checks ----------------------------------------------------------------------------------

_PHONE = re.compile(r"^\+?[0-9][0-9 \-]{5,23}$")


def parse_date(value: object, field: str) -> dt.date:
    """A date typed as 2017-04-12 (or 2017/4/12); a clear Chinese error naming the field otherwise."""
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    if not text:
        raise ActionError(f"请填写{field}")
    try:
        y, m, d = (int(p) for p in text.split("-"))
        return dt.date(y, m, d)
    except (ValueError, TypeError):
        raise ActionError(f"{field}“{str(value)[:20]}”不是有效日期，应写成 2017-04-12") from None


def clean_text(value: object, field: str, max_len: int, *, required: bool = True) -> str:
    text = str(value or "").strip() if not isinstance(value, (dict, list)) else ""
    if required and not text:
        raise ActionError(f"请填写{field}")
    if len(text) > max_len:
        raise ActionError(f"{field}不能超过 {max_len} 个字（现有 {len(text)} 个）")
    return text


def clean_phone(value: object) -> str:
    """Stored as given (trimmed); only digits, spaces, hyphens and a leading + are accepted."""
    text = str(value or "").strip()
    if not text:
        raise ActionError("请填写联系电话")
    if not _PHONE.match(text) or sum(c.isdigit() for c in text) < 7:
        raise ActionError(f"联系电话“{text[:24]}”格式不对：只能包含数字、空格和“-”，至少 7 位数字")
    return text


def mask_phone(phone: str | None) -> str:
    """13812345678 -> 138****5678; 0539-8123456 -> 053****3456. Never shows more than 7 digits.

    Every UI and export path shows this, never the stored number."""
    digits = [c for c in (phone or "") if c.isdigit()]
    if len(digits) < 8:
        return "****" if digits else ""
    return "".join(digits[:3]) + "****" + "".join(digits[-4:])


def clean_number(value: object, field: str, *, low: float = 0, high: float | None = None,
                 integer: bool = False) -> float | int:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ActionError(f"请填写{field}")
    if isinstance(value, bool):
        raise ActionError(f"{field}应为数字")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ActionError(f"{field}“{str(value)[:20]}”不是数字") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ActionError(f"{field}应为数字")
    if integer and number != int(number):
        raise ActionError(f"{field}应为整数")
    if number < low:
        raise ActionError(f"{field}不能小于 {_num(low)}")
    if high is not None and number > high:
        raise ActionError(f"{field} {_num(number)} 超过满分 {_num(high)}")
    return int(number) if integer else number


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# --- staffing and activity -------------------------------------------------------------------------


@dataclass(frozen=True)
class Staffing:
    required: int | None  # None: no quota set
    staffed: int

    @property
    def gap(self) -> int:
        return max((self.required or 0) - self.staffed, 0)

    @property
    def short(self) -> bool:
        return self.gap > 0

    @property
    def text(self) -> str:
        if self.required is None:
            return f"{self.staffed} 人（未定编）"
        return f"{self.staffed}/{self.required} 人" + (f"，缺 {self.gap} 人" if self.short else "")


def short_staffed(rows: Iterable[Mapping]) -> list[tuple[str, str, int]]:
    """(code, name, gap) of the units short of staff, biggest gap first, then in the given order."""
    short = [(r["code"], r["name"], Staffing(r["required"], r["staffed"]).gap) for r in rows]
    return sorted([s for s in short if s[2] > 0], key=lambda s: -s[2])


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week of `day`."""
    return day - dt.timedelta(days=day.weekday())


def weeks(start: dt.date, end: dt.date) -> list[dt.date]:
    """Mondays of every week from the one containing `start` to the one containing `end`."""
    first, last = week_start(start), week_start(end)
    return [first + dt.timedelta(weeks=k) for k in range((last - first).days // 7 + 1)] if first <= last else []


def weekly_activity(day_counts: Iterable[tuple[str, dt.date, int]], codes: Iterable[str],
                    mondays: list[dt.date]) -> dict[str, list[int]]:
    """code -> logs per week (in `mondays` order); logs outside those weeks are ignored."""
    index = {m: i for i, m in enumerate(mondays)}
    out = {code: [0] * len(mondays) for code in codes}
    for code, day, n in day_counts:
        i = index.get(week_start(day))
        if i is not None and code in out:
            out[code][i] += n
    return out


def is_inactive(last_log: dt.date | None, as_of: dt.date, days: int = INACTIVE_DAYS) -> bool:
    """No work log in the `days` days ending on `as_of` (a log on as_of − days + 1 still counts)."""
    return last_log is None or last_log <= as_of - dt.timedelta(days=days)


def inactive_units(last_logs: Mapping[str, dt.date | None], codes: Iterable[str], as_of: dt.date,
                   days: int = INACTIVE_DAYS) -> list[str]:
    return [code for code in codes if is_inactive(last_logs.get(code), as_of, days)]


# --- supervision -----------------------------------------------------------------------------------


def is_overdue(status: str, deadline: dt.date | None, today: dt.date) -> bool:
    """督促整改 past its deadline. Escalated or rectified cases are no longer waiting for it."""
    return status == URGING and deadline is not None and deadline < today


def days_overdue(status: str, deadline: dt.date | None, today: dt.date) -> int:
    return (today - deadline).days if is_overdue(status, deadline, today) else 0


def can_transition(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, ())


def check_transition(current: str, new: str) -> None:
    if new not in STATUSES:
        raise ActionError(f"未知的处理状态“{str(new)[:20]}”")
    if not can_transition(current, new):
        allowed = "、".join(TRANSITIONS.get(current, ())) or "无（已结案）"
        raise ActionError(f"状态不能从“{current}”改为“{new}”；可改为：{allowed}")


def refusal_counts(cases: Iterable[Mapping], today: dt.date) -> dict[str, dict[str, int]]:
    """code -> {each status: n, "open": n, "overdue": n, "total": n}."""
    out: dict[str, dict[str, int]] = {}
    for c in cases:
        row = out.setdefault(c["unit_code"], {**dict.fromkeys(STATUSES, 0), "open": 0, "overdue": 0, "total": 0})
        row[c["status"]] += 1
        row["total"] += 1
        row["open"] += c["status"] in OPEN_STATUSES
        row["overdue"] += is_overdue(c["status"], c["deadline"], today)
    return out


# --- evaluation ------------------------------------------------------------------------------------


def check_scheme(dims: list[Mapping]) -> list[dict]:
    """Validate an edited scheme: rows of {id?, name, weight, scale_max, active}. Returns cleaned rows
    in order (sort_order = position) or raises ActionError naming the row and the field."""
    cleaned, seen = [], set()
    for i, d in enumerate(dims, start=1):
        where = f"第 {i} 行"
        name = clean_text(d.get("name"), f"{where}维度名称", NAME_MAX)
        if name in seen:
            raise ActionError(f"{where}：维度“{name}”重复")
        seen.add(name)
        weight = clean_number(d.get("weight"), f"{where}“{name}”的权重", high=1000)
        scale = clean_number(d.get("scale_max"), f"{where}“{name}”的满分", high=10000)
        if scale <= 0:
            raise ActionError(f"{where}：“{name}”的满分必须大于 0")
        cleaned.append({"id": d.get("id"), "name": name, "weight": weight, "scale_max": scale,
                        "active": bool(d.get("active", True)), "sort_order": i})
    active = [d for d in cleaned if d["active"]]
    if not active:
        raise ActionError("评价方案至少要有一个启用的维度")
    if sum(d["weight"] for d in active) <= 0:
        raise ActionError("启用维度的权重之和必须大于 0")
    return cleaned


def normalise(score: float, scale: float) -> float:
    """Score rate on 0–1 (score ÷ 满分), clipped."""
    if not scale or scale <= 0:
        return 0.0
    return min(max(score / scale, 0.0), 1.0)


def latest_per_subject(evaluations: Iterable[Mapping]) -> list[Mapping]:
    """The newest evaluation of each (unit, subject); subject "" is the unit itself. Ties: highest id."""
    best: dict[tuple[str, str], Mapping] = {}
    for e in evaluations:
        key = (e["unit_code"], e["enterprise"] or "")
        if key not in best or (e["eval_date"], e["id"]) > (best[key]["eval_date"], best[key]["id"]):
            best[key] = e
    return list(best.values())


def group_scores(rows: Iterable[Mapping]) -> list[dict]:
    """Long rows (evaluation_id, unit_code, enterprise, eval_date, dimension_id, score, scale_max)
    -> one dict per evaluation with `rates` {dimension_id: score rate}."""
    out: dict[int, dict] = {}
    for r in rows:
        e = out.setdefault(r["evaluation_id"], {"id": r["evaluation_id"], "unit_code": r["unit_code"],
                                                "enterprise": r["enterprise"] or "", "eval_date": r["eval_date"],
                                                "rates": {}})
        e["rates"][r["dimension_id"]] = normalise(r["score"], r["scale_max"])
    return list(out.values())


def mean_rates(evaluations: Iterable[Mapping], dim_ids: Iterable[int]) -> dict[int, float | None]:
    """dimension -> mean score rate over the evaluations that scored it (None: none did)."""
    sums: dict[int, list[float]] = defaultdict(list)
    for e in evaluations:
        for dim, rate in e["rates"].items():
            sums[dim].append(rate)
    return {d: (sum(sums[d]) / len(sums[d]) if sums[d] else None) for d in dim_ids}


def unit_profiles(evaluations: list[Mapping], dim_ids: list[int]) -> dict[str, dict[int, float | None]]:
    """unit code -> {dimension: mean rate over the latest evaluation of each subject of that unit}."""
    by_unit: dict[str, list[Mapping]] = defaultdict(list)
    for e in latest_per_subject(evaluations):
        by_unit[e["unit_code"]].append(e)
    return {code: mean_rates(evs, dim_ids) for code, evs in by_unit.items()}


def city_profile(profiles: Mapping[str, Mapping[int, float | None]], dim_ids: list[int]) -> dict[int, float | None]:
    """Each unit counts once: the mean of the units' rates per dimension."""
    out = {}
    for d in dim_ids:
        values = [p[d] for p in profiles.values() if p.get(d) is not None]
        out[d] = sum(values) / len(values) if values else None
    return out


def weighted_total(profile: Mapping[int, float | None], weights: Mapping[int, float]) -> float | None:
    """0–100: the weight-averaged score rate over the dimensions that have a rate."""
    pairs = [(weights[d], r) for d, r in profile.items() if r is not None and weights.get(d, 0) > 0]
    total_weight = sum(w for w, _ in pairs)
    if not total_weight:
        return None
    return 100 * sum(w * r for w, r in pairs) / total_weight


def weakest_dimension(profile: Mapping[int, float | None], weights: Mapping[int, float],
                      order: list[int] | None = None) -> int | None:
    """The dimension losing most weighted points: argmax weight × (1 − rate). Ties go to the earlier
    dimension in `order` (the scheme's order). None without any scored, weighted dimension."""
    order = order or list(profile)
    best, best_loss = None, -1.0
    for d in order:
        rate = profile.get(d)
        if rate is None or weights.get(d, 0) <= 0:
            continue
        loss = weights[d] * (1 - rate)
        if loss > best_loss + 1e-12:
            best, best_loss = d, loss
    return best


def period_means(evaluations: Iterable[Mapping], dim_id: int) -> dict[str, list[tuple[dt.date, float]]]:
    """unit code -> [(first day of month, mean rate of `dim_id` over that month's evaluations)], and
    "" -> the same over every unit (the city), both in date order."""
    cells: dict[tuple[str, dt.date], list[float]] = defaultdict(list)
    for e in evaluations:
        if dim_id in e["rates"]:
            month = e["eval_date"].replace(day=1)
            cells[(e["unit_code"], month)].append(e["rates"][dim_id])
            cells[("", month)].append(e["rates"][dim_id])
    out: dict[str, list[tuple[dt.date, float]]] = defaultdict(list)
    for (code, month), values in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        out[code].append((month, sum(values) / len(values)))
    return dict(out)


# --- the overview panel row ------------------------------------------------------------------------


def panel_rows(units: list[Mapping], staffing: Mapping[str, Mapping], last_logs: Mapping[str, dt.date | None],
               recent_logs: Mapping[str, int], profiles: Mapping[str, Mapping[int, float | None]],
               weights: Mapping[int, float], dim_order: list[int], refusals: Mapping[str, Mapping[str, int]],
               cases: Mapping[str, Mapping] | None, summaries: Mapping[str, Mapping] | None, as_of: dt.date,
               days: int = INACTIVE_DAYS) -> list[dict]:
    """One plain dict per unit with everything the overview's action panel shows.

    `cases` / `summaries` are None when that module is not available: the row then says so (None),
    it does not invent zeros."""
    rows = []
    for u in units:
        code = u["code"]
        st = staffing.get(code, {})
        staff = Staffing(st.get("required"), st.get("staffed", 0))
        profile = profiles.get(code)
        ref = refusals.get(code, {})
        rows.append({
            "code": code,
            "name": u["name"],
            "kind": u.get("kind", ""),
            "cases": (cases.get(code) or {"total": 0, "city_level": 0, "target": None}) if cases is not None else None,
            "required": staff.required,
            "staffed": staff.staffed,
            "gap": staff.gap,
            "last_log": last_logs.get(code),
            "recent_logs": recent_logs.get(code, 0),
            "inactive": is_inactive(last_logs.get(code), as_of, days),
            "profile": [profile.get(d) for d in dim_order] if profile else None,
            "score": weighted_total(profile, weights) if profile else None,
            "weakest": weakest_dimension(profile, weights, dim_order) if profile else None,
            "open": ref.get("open", 0),
            "overdue": ref.get("overdue", 0),
            "summary": (summaries.get(code) or {"submitted": False}) if summaries is not None else None,
        })
    return rows
