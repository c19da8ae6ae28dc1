"""What the JSON API (dashboard/http/api.py) needs from the database besides db.submission.store and db.accounts.auth:
its token lock, the Idempotency-Key records, and the default campaign of a report date.

Run these inside the API's write transaction (`db.engine.write_session`): the report, its audit
event and its Idempotency-Key record commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.accounts import auth
from db.models import ApiToken, Campaign, Unit
from db.models.review import ApiRequest


@dataclass(frozen=True)
class TokenHolder:
    token_id: int
    unit_code: str
    unit_name: str

    @property
    def actor(self) -> str:
        """Who the audit log names: the token, not a person (tokens are shared by scripts)."""
        return f"token:{self.token_id}"


def lock_token(session: Session, token: str, now: dt.datetime | None = None) -> TokenHolder | None:
    """The unit of a valid (unrevoked) token, else None. Stamps last_used_at (db.accounts.auth.verify_token)
    and locks the token row until the transaction ends: requests with the same token run one after
    another, so an Idempotency-Key is looked up only after any concurrent use of it has committed
    (SQLite's BEGIN IMMEDIATE serialises every writer anyway)."""
    row = auth.verify_token(session, token, now=now)
    if row is None:
        return None
    # populate_existing: re-read after the lock, so a revocation committed meanwhile is seen.
    row = session.get(ApiToken, row.id, with_for_update=True, populate_existing=True)
    if row is None or row.revoked_at is not None:
        return None
    code, name = session.execute(select(Unit.code, Unit.name).where(Unit.id == row.unit_id)).one()
    return TokenHolder(row.id, code, name)


def verify(session: Session, token: str) -> bool:
    """True for a valid token (stamps last_used_at): for read-only endpoints such as the API description."""
    return auth.verify_token(session, token) is not None


@dataclass(frozen=True)
class Remembered:
    request_hash: str
    status: int
    body: dict


def find_request(session: Session, token_id: int, key: str) -> Remembered | None:
    row = session.scalar(select(ApiRequest).where(ApiRequest.token_id == token_id, ApiRequest.idempotency_key == key))
    if row is None:
        return None
    return Remembered(row.request_hash, row.status, json.loads(row.response))


def remember_request(
    session: Session,
    token_id: int,
    key: str,
    request_hash: str,
    status: int,
    body: dict,
    report_id: int | None,
    now: dt.datetime | None = None,
) -> None:
    session.add(
        ApiRequest(
            token_id=token_id,
            idempotency_key=key,
            request_hash=request_hash,
            status=status,
            response=json.dumps(body, ensure_ascii=False),
            report_id=report_id,
            created_at=now or dt.datetime.now().replace(microsecond=0),
        )
    )
    session.flush()


def default_campaign_id(session: Session, report_date: dt.date) -> int | None:
    """The campaign whose reporting period (window_start to the deadline, as validation checks)
    contains the date: a real campaign before a demo one, then the newest."""
    return session.scalar(
        select(Campaign.id)
        .where(Campaign.window_start <= report_date, Campaign.deadline >= report_date)
        .order_by(Campaign.is_demo, Campaign.year.desc(), Campaign.id.desc())
        .limit(1)
    )
