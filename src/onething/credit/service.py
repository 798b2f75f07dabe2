"""Credit records (失信, 守信), the one question asked of them, and 信用修复.

A current 失信 record (in its period, not repaired) bars the holder from 容缺受理, 告知承诺
and 秒批 (国办发〔2020〕42号: those with a false commitment on record are not offered the
commitment until their credit is repaired; automatic approval comes with a credit
pre-check). A holder is a user of the platform and the keys they are known by elsewhere (the
居民身份证号 of their account): a record the platform writes names the user, a record loaded
from another department's list names the key. 信用修复 marks the holder's current 失信
records repaired: from then on they no longer count. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.credit.models import BAD, GOOD, CreditRecord
from onething.identity.models import User
from onething.kernel.principal import SYSTEM, Principal, Role

SOURCES = {"commitment_check": "告知承诺核查发现虚假承诺", "ruling": "行政机关认定",
           "data": "共享信用信息"}
KIND_NAMES = {BAD: "失信", GOOD: "守信"}
# what a current 失信 record takes away, in the order people are told
OPTIONS = {"deficiency": "容缺受理", "commitment": "告知承诺", "auto_approval": "秒批"}


@dataclass(frozen=True)
class Entry:
    """What is recorded: whose credit, why, on what grounds, from when until when."""

    reason: str
    source: str
    valid_from: dt.date
    valid_until: dt.date
    holder_id: int | None = None
    kind: str = BAD
    holder_key: str | None = None
    holder_name: str | None = None
    source_name: str | None = None
    reference: str | None = None
    source_id: int | None = None
    application_id: int | None = None
    recorded_by_id: int | None = None


@dataclass(frozen=True)
class Holder:
    """Whose credit: a user of the platform, and the keys they are known by."""

    user_id: int | None = None
    keys: tuple[str, ...] = ()


def holder_of(session: Session, user_id: int) -> Holder:
    """The user and their 居民身份证号 (or 统一社会信用代码), if their account has one."""
    number = session.scalar(select(User.id_number).where(User.id == user_id))
    return Holder(user_id, (number.strip().upper(),) if number and number.strip() else ())


def record(session: Session, entry: Entry, now: dt.datetime) -> CreditRecord:
    row = CreditRecord(kind=entry.kind, holder_id=entry.holder_id,
                       holder_key=entry.holder_key.upper() if entry.holder_key else None,
                       holder_name=entry.holder_name, reason=entry.reason, source=entry.source,
                       source_name=entry.source_name, reference=entry.reference,
                       source_id=entry.source_id, application_id=entry.application_id,
                       valid_from=entry.valid_from, valid_until=entry.valid_until,
                       recorded_by_id=entry.recorded_by_id or None, created_at=now)
    session.add(row)
    session.flush()
    return row


def _whose(holder: Holder) -> ColumnElement[bool]:
    found: list[ColumnElement[bool]] = []
    if holder.user_id:
        found.append(CreditRecord.holder_id == holder.user_id)
    if holder.keys:
        found.append(CreditRecord.holder_key.in_(holder.keys))
    return or_(*found) if found else false()


def _in_force(today: dt.date) -> list[ColumnElement[bool]]:
    return [CreditRecord.valid_from <= today, CreditRecord.valid_until >= today,
            CreditRecord.repaired_at.is_(None)]


def current_of(session: Session, holder: Holder, today: dt.date) -> CreditRecord | None:
    """The holder's 失信 record in force today, not repaired (the one that lasts longest)."""
    return session.scalar(select(CreditRecord).where(
        _whose(holder), CreditRecord.kind == BAD, *_in_force(today))
        .order_by(CreditRecord.valid_until.desc(), CreditRecord.id).limit(1))


def current(session: Session, holder_id: int, today: dt.date) -> CreditRecord | None:
    """The user's 失信 record in force today (by their account or their ID number), if any."""
    return current_of(session, holder_of(session, holder_id), today)


def keys_in_bad_standing(session: Session, today: dt.date) -> set[str]:
    """The holder keys (ID numbers, 统一社会信用代码) with a 失信 record in force today, not
    repaired: for those who class many holders at once (random inspections' risk class)."""
    return set(session.scalars(select(CreditRecord.holder_key).distinct().where(
        CreditRecord.holder_key.is_not(None), CreditRecord.kind == BAD, *_in_force(today))))


def records_of(session: Session, holder: Holder) -> list[CreditRecord]:
    """Every record of the holder, the newest first (repaired and expired ones too)."""
    return list(session.scalars(select(CreditRecord).where(_whose(holder))
                                .order_by(CreditRecord.valid_from.desc(),
                                          CreditRecord.id.desc())))


def in_force(found: CreditRecord, today: dt.date) -> bool:
    return found.valid_from <= today <= found.valid_until and found.repaired_at is None


def described(found: CreditRecord) -> str:
    """告知承诺核查发现虚假承诺，2026-11-23 至 2029-11-22"""
    what = found.source_name or SOURCES.get(found.source, found.reason)
    return f"{what}，{found.valid_from} 至 {found.valid_until}"


def bar_reason(found: CreditRecord | None) -> str | None:
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


# --- the one question: may this holder use 容缺 / 告知承诺 / 秒批 now? ----------------


@dataclass(frozen=True)
class Allowed:
    option: str  # deficiency | commitment | auto_approval
    name: str  # 容缺受理 …
    allowed: bool
    reason: str  # in words for people


@dataclass(frozen=True)
class Standing:
    """The holder's answer today: each option allowed or not, and why; the 失信 record that
    bars them, if any; whether they are on a 守信 list now."""

    record: CreditRecord | None
    good: CreditRecord | None
    answers: tuple[Allowed, ...]

    def allows(self, option: str) -> bool:
        return next(a.allowed for a in self.answers if a.option == option)

    def reason(self, option: str) -> str:
        return next(a.reason for a in self.answers if a.option == option)

    @property
    def summary(self) -> str:
        """The answer for all three options at once, in words for staff and the holder."""
        names = "、".join(OPTIONS.values())
        if self.record is not None:
            return f"有失信记录（{described(self.record)}），信用修复前不适用{names}"
        if self.good is not None:
            return f"无失信记录，列入守信名单（{described(self.good)}），可以适用{names}"
        return f"无失信记录，可以适用{names}"


def may_use(session: Session, holder: Holder, today: dt.date) -> Standing:
    """May this holder use 容缺 / 告知承诺 / 秒批 now? Not with a current 失信 record."""
    bad = current_of(session, holder, today)
    good = session.scalar(select(CreditRecord).where(
        _whose(holder), CreditRecord.kind == GOOD, *_in_force(today))
        .order_by(CreditRecord.valid_until.desc(), CreditRecord.id).limit(1))
    answers = []
    for option, name in OPTIONS.items():
        if bad is not None:
            why = f"有失信记录（{described(bad)}），信用修复前不适用{name}"
        elif good is not None:
            why = f"无失信记录，列入守信名单（{described(good)}），可以适用{name}"
        else:
            why = f"无失信记录，可以适用{name}"
        answers.append(Allowed(option, name, bad is None, why))
    return Standing(bad, good, tuple(answers))


# --- 信用修复 ---------------------------------------------------------------------------


def repair(session: Session, holder: Holder, *, application_id: int, now: dt.datetime,
           today: dt.date, actor: Principal = SYSTEM) -> list[CreditRecord]:
    """信用修复 granted (the application that asked for it approved): the holder's current
    失信 records are repaired from now on, and the audit trail says which and by what."""
    found = list(session.scalars(select(CreditRecord).where(
        _whose(holder), CreditRecord.kind == BAD, *_in_force(today)).with_for_update()))
    for row in found:
        row.repaired_at, row.repair_application_id = now, application_id
        audit.record(session, actor, "repair_credit", "credit_record", row.id, at=now,
                     before={"repaired_at": None},
                     after={"repaired_at": now.isoformat(), "application": application_id})
    session.flush()
    return found
