"""Raising and closing cards, and queueing their notifications (same transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from onething.cases.routing import ancestors
from onething.catalog.model import Catalog
from onething.identity.models import User
from onething.identity.roles import Role
from onething.supervision.models import Card, Notification
from onething.supervision.rules import CARD_NAMES, CardKind
from onething.workdays import Calendar


@dataclass(frozen=True)
class Subject:
    """What a card is about, and who answers for it."""

    kind: str  # task | application | rectification
    id: int
    title: str
    region: str
    department: str | None = None
    application_id: int | None = None
    task_id: int | None = None
    responsible_id: int | None = None


def _cached(cache: dict[Any, Any] | None, key: Any, compute: Callable[[], Any]) -> Any:
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def raise_card(session: Session, catalog: Catalog, subject: Subject, kind: CardKind,
               due_on: dt.date | None, now: dt.datetime,
               cache: dict[Any, Any] | None = None) -> int | None:
    """The new card's id, or None if this subject already had a card of this kind.

    `cache` (one per sweep) keeps each office's staff, looked up once instead of per card.
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    office = (subject.department, subject.region)
    responsible = subject.responsible_id or _cached(
        cache, ("first", *office), lambda: _first_approver(session, subject))
    title = f"{CARD_NAMES[kind]}：{subject.title}"
    values = dict(subject=subject.kind, subject_id=subject.id, kind=kind.value,
                  application_id=subject.application_id, task_id=subject.task_id,
                  department_code=subject.department, region_code=subject.region,
                  responsible_id=responsible,
                  title=title, due_on=due_on, raised_at=now)
    card_id = session.execute(
        insert(Card).values(**values).on_conflict_do_nothing(
            index_elements=["subject", "subject_id", "kind"]).returning(Card.id)
    ).scalar()
    if card_id is None:
        return None
    to = _cached(cache, ("to", *office, subject.responsible_id),
                 lambda: recipients(session, catalog, subject))
    if to:
        body = _body(title, due_on, kind)
        session.execute(insert(Notification), [
            {"card_id": card_id, "recipient_id": r, "created_at": now, "body": body,
             "subject": f"【{CARD_NAMES[kind]}】{subject.title}"} for r in to])
    return card_id


def _body(title: str, due_on: dt.date | None, kind: CardKind) -> str:
    due = f"，办理时限 {due_on}" if due_on else ""
    return (f"行政效能电子监察：{title}{due}。"
            f"{'请抓紧办理。' if kind == CardKind.warning else '已超时，请立即办理并说明原因。'}")


def _first_approver(session: Session, subject: Subject) -> int | None:
    if subject.department is None:
        return None
    return session.scalar(select(User.id).where(
        User.role == Role.approver.value, User.department_code == subject.department,
        User.region_code == subject.region, User.active.is_(True)).order_by(User.id).limit(1))


def recipients(session: Session, catalog: Catalog, subject: Subject) -> list[int]:
    """The office's approvers (or the responsible clerk) and the supervisors above it."""
    found: set[int] = set()
    if subject.department is not None:
        found |= set(session.scalars(select(User.id).where(
            User.role == Role.approver.value, User.department_code == subject.department,
            User.region_code == subject.region, User.active.is_(True))))
    if subject.responsible_id:
        found.add(subject.responsible_id)
    found |= set(session.scalars(select(User.id).where(
        User.role == Role.supervisor.value, User.active.is_(True),
        User.region_code.in_(ancestors(catalog, subject.region)))))
    return sorted(found)


def close_cards(session: Session, subject: str, subject_id: int, decided: dt.datetime,
                promised_deadline: dt.date | None, decided_on: dt.date,
                calendar: Calendar) -> None:
    """When the case is decided, its open cards close with the delay it ended with."""
    late = calendar.count(promised_deadline, decided_on) if promised_deadline else 0
    session.execute(update(Card).where(
        Card.subject == subject, Card.subject_id == subject_id, Card.closed_at.is_(None)
    ).values(closed_at=decided, delay_days=late))
