"""Admin writes for the per-unit figures of a campaign, edited in one grid: baselines and targets
(辖区企业数, 辖区职工数, 目标企业数, 目标职工数), 典型培育目标 and 应配专职指导员.

Every write takes `actor` and `ip` and appends an audit row in the same transaction
(`baseline.update`, `case.target`, `instructor.quota`). Like db/accounts/auth.py the functions flush
but do not commit: run them inside `write_session(engine)`, so a refusal (AdminError, raised before
anything is written or rolled back with everything else) leaves the database as it was.

Errors are Chinese and name the unit and the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.accounts.auth import audit
from db.admin.common import AdminError
from db.models import Campaign, Unit, UnitCampaign

# --- baselines and targets -------------------------------------------------------------------------

BASELINE_FIELDS = {"baseline_ents": "辖区企业数", "baseline_workers": "辖区职工数", "target_ents": "目标企业数",
                   "target_workers": "目标职工数"}
MAX_COUNT = 100_000_000  # more enterprises or workers than this in one unit is a typing error


def _count(value: object) -> int | None | str:
    """A cell as a non-negative integer; None when blank; a string (the problem) otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "须为非负整数"
    text = value.strip().replace(",", "").replace("，", "") if isinstance(value, str) else value
    try:
        number = float(text)
    except (TypeError, ValueError):
        return "须为非负整数"
    if number != number or number < 0 or number != int(number):
        return "须为非负整数"
    if number > MAX_COUNT:
        return f"超过 {MAX_COUNT:,}，请核对"
    return int(number)


@dataclass(frozen=True)
class BaselineChange:
    code: str
    name: str
    old: dict | None  # None: the unit had no baseline in this campaign
    new: dict

    def text(self) -> str:
        if self.old is None:
            return f"{self.name}（{self.code}）：新增 " + "，".join(f"{BASELINE_FIELDS[k]} {v:,}" for k, v in self.new.items())
        return f"{self.name}（{self.code}）：" + "，".join(
            f"{BASELINE_FIELDS[k]} {self.old[k]:,} → {v:,}" for k, v in self.new.items() if self.old[k] != v)


def check_baselines(rows: Sequence[dict], stored: Sequence[dict]) -> tuple[list[BaselineChange], list[str]]:
    """Compare the edited table with the stored one (pure). `rows`: dicts with "code" and the four
    fields (text or numbers); `stored`: db.accounts.queries.baseline_rows. Returns the changes and
    the problems, each naming the unit and the column. A unit left blank stays without a baseline;
    a stored baseline cannot be blanked (enter 0 instead)."""
    by_code = {r["code"]: r for r in stored}
    changes, problems, seen = [], [], set()
    for row in rows:
        code = row.get("code") if isinstance(row, dict) else None
        if code not in by_code:
            problems.append(f"单位代码 {code} 不存在")
            continue
        if code in seen:
            problems.append(f"单位 {code} 出现了两次")
            continue
        seen.add(code)
        before = by_code[code]
        where = f"{before['name']}（{code}）"
        values, bad = {}, False
        for field, label in BASELINE_FIELDS.items():
            value = _count(row.get(field))
            if isinstance(value, str):
                problems.append(f"{where}“{label}”{value}：{row.get(field)}")
                bad = True
            values[field] = value
        if bad:
            continue
        had = before["baseline_ents"] is not None
        if all(v is None for v in values.values()):
            if had:
                problems.append(f"{where}已有基数与目标，不能清空（如不参加本次行动，请填 0）")
            continue
        blank = [BASELINE_FIELDS[f] for f, v in values.items() if v is None]
        if blank:
            problems.append(f"{where}“{'”“'.join(blank)}”未填写（四项须同时填写）")
            continue
        for target, base in (("target_ents", "baseline_ents"), ("target_workers", "baseline_workers")):
            if values[target] > values[base]:
                problems.append(f"{where}“{BASELINE_FIELDS[target]}”{values[target]:,} 大于"
                                f"“{BASELINE_FIELDS[base]}”{values[base]:,}")
                bad = True
        if bad:
            continue
        old = {f: before[f] for f in BASELINE_FIELDS} if had else None
        if old != values:
            changes.append(BaselineChange(code, before["name"], old, values))
    return changes, problems


def save_baselines(session: Session, campaign_id: int, rows: Sequence[dict], *, actor: str, ip: str = "",
                   ) -> list[BaselineChange]:
    """Check the edited table against what is stored now and write the changes (all or nothing)."""
    from db.accounts.queries import baseline_rows

    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise AdminError(f"行动（编号 {campaign_id}）不存在")
    stored = baseline_rows(session, campaign_id)
    changes, problems = check_baselines(rows, stored)
    if problems:
        raise AdminError(problems)
    if not changes:
        return []
    ids = {code: uid for code, uid in session.execute(select(Unit.code, Unit.id))}
    for change in changes:
        row = session.get(UnitCampaign, (campaign_id, ids[change.code]), with_for_update=True)
        if row is None:
            session.add(UnitCampaign(campaign_id=campaign_id, unit_id=ids[change.code], **change.new))
        else:
            for field, value in change.new.items():
                setattr(row, field, value)
    session.flush()
    audit(session, actor, "baseline.update",
          f"行动（编号 {campaign_id}）“{campaign.name}”基数与目标，{len(changes)} 个单位：" + "；".join(c.text() for c in changes),
          ip=ip)
    return changes


# --- 典型培育目标 and 应配专职指导员, edited in the same grid as the baselines ------------------------

# field -> column label. Stored in case_target (db/models/cases.py) and instructor_quota (db/models/followup.py).
UNIT_TARGET_FIELDS = {"case_target": "典型培育目标", "instructors_required": "应配专职指导员"}
MAX_UNIT_TARGET = 999  # as db.followup.instructors.set_required allows


@dataclass(frozen=True)
class UnitTargetChange:
    code: str
    name: str
    field: str  # key of UNIT_TARGET_FIELDS
    old: int | None  # None: not set before
    new: int

    def text(self) -> str:
        old = "未设定" if self.old is None else f"{self.old:,}"
        return f"{self.name}（{self.code}）：{UNIT_TARGET_FIELDS[self.field]} {old} → {self.new:,}"


def target_rows(session: Session, campaign_id: int) -> list[dict]:
    """baseline_rows plus each unit's 典型培育目标 and 应配专职指导员 in the campaign (None: not set)."""
    from db.accounts.queries import baseline_rows
    from db.models.cases import CaseTarget
    from db.models.followup import InstructorQuota

    rows = baseline_rows(session, campaign_id)
    cases = dict(session.execute(select(Unit.code, CaseTarget.target).join(Unit, Unit.id == CaseTarget.unit_id)
                                 .where(CaseTarget.campaign_id == campaign_id)).all())
    quotas = dict(session.execute(select(Unit.code, InstructorQuota.required)
                                  .join(Unit, Unit.id == InstructorQuota.unit_id)
                                  .where(InstructorQuota.campaign_id == campaign_id)).all())
    return [{**r, "case_target": cases.get(r["code"]), "instructors_required": quotas.get(r["code"])} for r in rows]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_targets(rows: Sequence[dict], stored: Sequence[dict],
                  ) -> tuple[list[BaselineChange], list[UnitTargetChange], list[str]]:
    """The whole grid checked against `stored` (target_rows), pure: the baseline changes and problems of
    check_baselines, then the two per-unit targets (non-negative integers up to 999; a stored one
    cannot be blanked, enter 0; 应配专职指导员 only for a unit taking part, i.e. with a baseline).
    A row without one of these keys leaves that column as stored."""
    baseline_changes, problems = check_baselines(rows, stored)
    by_code = {r["code"]: r for r in stored}
    changes, seen = [], set()
    for row in rows:
        code = row.get("code") if isinstance(row, dict) else None
        if code not in by_code or code in seen:  # already reported by check_baselines
            continue
        seen.add(code)
        before = by_code[code]
        where = f"{before['name']}（{code}）"
        taking_part = before["baseline_ents"] is not None or not all(_blank(row.get(f)) for f in BASELINE_FIELDS)
        for field, label in UNIT_TARGET_FIELDS.items():
            if field not in row:  # a row without the column (an older client): that column is not edited
                continue
            raw, old = row[field], before.get(field)
            value = _count(raw)
            if isinstance(value, int) and value > MAX_UNIT_TARGET:
                value = f"超过 {MAX_UNIT_TARGET}，请核对"
            if isinstance(value, str):
                problems.append(f"{where}“{label}”{value}：{raw}")
            elif value is None:
                if old is not None:
                    problems.append(f"{where}“{label}”已设定为 {old}，不能清空（不需要时请填 0）")
            elif value != old:
                if field == "instructors_required" and not taking_part:
                    problems.append(f"{where}没有基数与目标，不参加本次行动，不能设定“{label}”")
                else:
                    changes.append(UnitTargetChange(code, before["name"], field, old, value))
    return baseline_changes, changes, problems


def save_targets(session: Session, campaign_id: int, rows: Sequence[dict], *, actor: str, ip: str = "",
                 ) -> tuple[list[BaselineChange], list[UnitTargetChange]]:
    """Check the whole grid against what is stored now and write every change, all or nothing.

    Baselines are written by save_baselines (audited `baseline.update`), 应配专职指导员 by
    db.followup.instructors.set_required (one `instructor.quota` audit row per unit, as on the action pages), and
    典型培育目标 through db.cases.typical.set_target with one `case.target` audit row listing the units.
    """
    from db.cases import typical as cases
    from db.followup import instructors as instructors_db
    from domain.followup import ActionError

    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise AdminError(f"行动（编号 {campaign_id}）不存在")
    baseline_changes, changes, problems = check_targets(rows, target_rows(session, campaign_id))
    if problems:
        raise AdminError(problems)
    if baseline_changes:
        save_baselines(session, campaign_id, rows, actor=actor, ip=ip)  # re-checks, writes and audits them
    case_changes = [c for c in changes if c.field == "case_target"]
    for change in case_changes:
        cases.set_target(session, campaign_id, change.code, change.new)
    if case_changes:
        audit(session, actor, "case.target",
              f"行动（编号 {campaign_id}）“{campaign.name}”典型培育目标，{len(case_changes)} 个单位："
              + "；".join(c.text() for c in case_changes), ip=ip)
    for change in changes:
        if change.field == "instructors_required":
            try:
                instructors_db.set_required(session, campaign_id, change.code, change.new, actor=actor, ip=ip)
            except ActionError as exc:  # checked above; a second line, raised inside the transaction
                raise AdminError(f"{change.name}（{change.code}）“应配专职指导员”：{exc}") from exc
    session.flush()
    return baseline_changes, changes
