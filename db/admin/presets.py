"""Load a city's unit list and campaign definitions from a preset file (data, not code)."""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import refresh_statistics
from db.models import Campaign, Unit, UnitCampaign

DEFAULT_PRESET = Path(__file__).resolve().parent / "presets" / "linyi.json"


def read_preset(path: Path | str = DEFAULT_PRESET) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def installation_city() -> tuple[str | None, str | None]:
    """(name, adcode) of a city installation's city, the default preset's (临沂市, 371300): the implicit
    root above its county-level units. Read once per process (the file ships with the code)."""
    city = read_preset().get("city") or {}
    return city.get("name"), city.get("adcode")


def load_units(session: Session, preset: dict) -> int:
    """Insert units not yet present (by code). Returns how many were added. Idempotent."""
    existing = {u.code: u for u in session.scalars(select(Unit))}
    added = 0
    for spec in preset["units"]:
        if spec["code"] in existing:
            continue
        unit = Unit(
            code=spec["code"],
            name=spec["name"],
            kind=spec["kind"],
            adcode=spec.get("adcode"),
            sort_order=spec.get("sort_order", 0),
            level=spec.get("level", "county"),  # a city preset's units are county-level roots
        )
        session.add(unit)
        existing[unit.code] = unit
        added += 1
    session.flush()
    for spec in preset["units"]:
        if spec.get("parent"):
            existing[spec["code"]].parent_id = existing[spec["parent"]].id
    session.flush()
    if added:
        refresh_statistics(session)
    return added


def ensure_campaign(session: Session, spec: dict, *, name: str | None = None, is_demo: bool = False) -> Campaign:
    """Create the campaign (and its per-unit baselines) unless one of that name exists."""
    name = name or spec["name"]
    campaign = session.scalar(select(Campaign).where(Campaign.name == name))
    if campaign is not None:
        return campaign
    campaign = Campaign(
        name=name,
        year=spec["year"],
        window_start=dt.date.fromisoformat(spec["window_start"]),
        window_end=dt.date.fromisoformat(spec["window_end"]),
        cutoff_date=dt.date.fromisoformat(spec["cutoff_date"]),
        deadline=dt.date.fromisoformat(spec["deadline"]),
        is_demo=is_demo,
        created_at=dt.datetime.now().replace(microsecond=0),
    )
    session.add(campaign)
    session.flush()
    units = {u.code: u.id for u in session.scalars(select(Unit))}
    for code, b in spec["baselines"].items():
        session.add(
            UnitCampaign(
                campaign_id=campaign.id,
                unit_id=units[code],
                baseline_ents=b["ents"],
                baseline_workers=b["workers"],
                target_ents=b["target_ents"],
                target_workers=b["target_workers"],
            )
        )
    session.flush()
    refresh_statistics(session)
    return campaign
