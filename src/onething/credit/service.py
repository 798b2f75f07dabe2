"""Recording bad credit (失信) and reading whether someone has a current record.

A current record bars the holder from 告知承诺 and 容缺受理 (国办发〔2020〕42号: those with a
false commitment on record are not offered the commitment until their credit is repaired).
Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.credit.models import BadCreditRecord
from onething.kernel.principal import Principal, Role

SOURCES = {"commitment_check": "告知承诺核查发现虚假承诺"}


@dataclass(frozen=True)
class Entry:
    """What is recorded: whose credit, why, on what grounds, from when until when."""

    holder_id: int
    reason: str
    source: str
    valid_from: dt.date
    valid_until: dt.date
    source_id: int | None = None
    application_id: int | None = None
    recorded_by_id: int | None = None


def record(session: Session, entry: Entry, now: dt.datetime) -> BadCreditRecord:
    row = BadCreditRecord(holder_id=entry.holder_id, reason=entry.reason, source=entry.source,
                          source_id=entry.source_id, application_id=entry.application_id,
                          valid_from=entry.valid_from, valid_until=entry.valid_until,
                          recorded_by_id=entry.recorded_by_id or None, created_at=now)
    session.add(row)
    session.flush()
    return row


def current(session: Session, holder_id: int, today: dt.date) -> BadCreditRecord | None:
    """The holder's bad-credit record in force today (the one that lasts longest), if any."""
    return session.scalar(select(BadCreditRecord).where(
        BadCreditRecord.holder_id == holder_id, BadCreditRecord.valid_from <= today,
        BadCreditRecord.valid_until >= today)
        .order_by(BadCreditRecord.valid_until.desc(), BadCreditRecord.id).limit(1))


def described(found: BadCreditRecord) -> str:
    """告知承诺核查发现虚假承诺，2026-11-23 至 2029-11-22"""
    return (f"{SOURCES.get(found.source, found.reason)}，"
            f"{found.valid_from} 至 {found.valid_until}")


def bar_reason(found: BadCreditRecord | None) -> str | None:
    """Why 告知承诺 and 容缺 are not offered, in words for the applicant; None if they are."""
    if found is None:
        return None
    return (f"您有失信记录（{described(found)}），按规定不适用告知承诺和容缺受理，"
            "请按要求提交全部材料")


def barred(session: Session, who: Principal, today: dt.date) -> str | None:
    """Why `who`, signed in, is not offered 告知承诺 or 容缺 for themselves, if so: only an
    applicant applies for themselves (staff and proxies act for others)."""
    if who.role != Role.applicant:
        return None
    return bar_reason(current(session, who.user_id, today))
