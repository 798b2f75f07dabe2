"""The deadline sweep: every open task, application and rectification, in batches.

Each batch is one transaction. On PostgreSQL the batch's rows are claimed with
`FOR UPDATE SKIP LOCKED`, so several workers share the work; the cards' unique key
makes a card at most once whatever happens. A sweep killed half-way loses only its
current batch, which the next sweep does again: nothing twice, nothing missed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from onething.calendar.service import current_calendar
from onething.cases.context import CHINA, Ctx
from onething.cases.models import Application, Task
from onething.cases.service import record_missed_supplements
from onething.cases.states import AppStatus, TaskStatus
from onething.catalog.model import Catalog
from onething.identity.roles import SYSTEM
from onething.ratings.models import Rectification
from onething.supervision.cards import Subject, raise_card
from onething.supervision.models import Card
from onething.supervision.rules import DEFAULTS, CardKind, Clock, Thresholds, assess
from onething.workdays import Calendar

OPEN_APPLICATION = (AppStatus.accepted.value, AppStatus.accepted_with_deficiency.value,
                    AppStatus.in_progress.value)
NO_LEGAL_LIMIT = 10_000


@dataclass
class SweepReport:
    checked: Counter[str] = field(default_factory=Counter)
    raised: Counter[str] = field(default_factory=Counter)
    missed_supplements: int = 0

    def __str__(self) -> str:
        checked = "，".join(f"{k} {v}" for k, v in sorted(self.checked.items())) or "无"
        raised = "，".join(f"{k} {v}" for k, v in sorted(self.raised.items())) or "无"
        return f"检查：{checked}；新亮牌：{raised}；逾期未补齐容缺：{self.missed_supplements}"


def sweep(sessions: sessionmaker[Session], catalog: Catalog, now: dt.datetime,
          thresholds: Thresholds = DEFAULTS, batch: int = 200) -> SweepReport:
    report = SweepReport()
    today = now.astimezone(CHINA).date()
    staff: dict[Any, Any] = {}  # each office's people, looked up once per sweep
    for name, query, subjects in (
        ("task", open_tasks(), _task_clocks),
        ("application", select(*_APPLICATION_COLUMNS).where(
            Application.status.in_(OPEN_APPLICATION)), _application_clocks),
        ("rectification", select(*_RECTIFICATION_COLUMNS).where(
            Rectification.status != "closed"), _rectification_clocks),
    ):
        for session, rows in _batches(sessions, query, batch):
            calendar = current_calendar(session)
            raised = _raised(session, name, [r.id for r in rows])
            report.checked[name] += len(rows)
            rows = [r for r in rows if len(raised.get(r.id, ())) < len(CardKind)]  # all shown
            yellow = {i: kinds["yellow"] for i, kinds in raised.items() if "yellow" in kinds}
            for subject, deadline, due_kinds in subjects(session, catalog, rows, today,
                                                         calendar, yellow, thresholds):
                new = [k for k in due_kinds if k.value not in raised.get(subject.id, {})]
                for kind in sorted(new, key=list(CardKind).index):
                    if raise_card(session, catalog, subject, kind, deadline, now, staff):
                        report.raised[kind.value] += 1
    with sessions.begin() as session:
        ctx = Ctx(session, catalog, current_calendar(session), now, SYSTEM)
        report.missed_supplements = len(record_missed_supplements(ctx))
    return report


# Only the columns the rules read: plain rows load several times faster than ORM objects.
_TASK_COLUMNS = (Task.id, Task.status, Task.opened_on, Task.promised_days, Task.legal_days,
                 Task.suspended_days, Task.suspended_on, Task.item_name, Task.application_id,
                 Task.region_code, Task.department_code)
_APPLICATION_COLUMNS = (Application.id, Application.accepted_at, Application.promised_days,
                        Application.bundle_code, Application.number, Application.region_code,
                        Application.accepted_by_id)
_RECTIFICATION_COLUMNS = (Rectification.id, Rectification.created_at, Rectification.due_on,
                          Rectification.region_code, Rectification.department_code,
                          Rectification.application_id)


def open_tasks() -> Any:
    return select(*_TASK_COLUMNS).where(Task.status.in_([TaskStatus.pending.value,
                                                         TaskStatus.suspended.value]))


def claim(query: Any, last: int, size: int) -> Any:
    """The next batch after id `last`, locked for this worker, skipping others' batches
    (served by the (status, id) indexes)."""
    entity = query.column_descriptions[0]["entity"]
    return (query.where(entity.id > last).order_by(entity.id).limit(size)
            .with_for_update(skip_locked=True, of=entity))


def _batches(sessions: sessionmaker[Session], query: Any, size: int
             ) -> Iterator[tuple[Session, list[Any]]]:
    """Rows in id order, one transaction per batch, claimed so that workers share them."""
    last = 0
    while True:
        with sessions.begin() as session:
            rows = list(session.execute(claim(query, last, size)))
            if not rows:
                return
            yield session, rows
            last = rows[-1].id


def _raised(session: Session, subject: str, ids: list[int]) -> dict[int, dict[str, dt.date]]:
    """The cards the batch's subjects already have (kind → China date raised), in one query:
    a steady-state sweep then writes nothing at all. (The unique key still guards races.)"""
    found: dict[int, dict[str, dt.date]] = {}
    for subject_id, kind, raised in session.execute(select(
            Card.subject_id, Card.kind, Card.raised_at).where(
            Card.subject == subject, Card.subject_id.in_(ids))):
        found.setdefault(subject_id, {})[kind] = raised.astimezone(CHINA).date()
    return found


Assessed = Iterator[tuple[Subject, dt.date, frozenset[CardKind]]]
Clocks = Callable[..., Assessed]


def _task_clocks(session: Session, catalog: Catalog, tasks: list[Any], today: dt.date,
                 calendar: Calendar, yellow: dict[int, dt.date],
                 thresholds: Thresholds) -> Assessed:
    for t in tasks:
        if t.opened_on is None:
            continue
        clock = Clock(t.opened_on, t.promised_days, t.legal_days, t.suspended_days,
                      t.suspended_on if t.status == TaskStatus.suspended else None,
                      yellow.get(t.id))
        result = assess(clock, today, calendar, thresholds)
        subject = Subject("task", t.id, f"{t.item_name}（办件 {t.application_id}）",
                          t.region_code, t.department_code, t.application_id, t.id)
        yield subject, result.promised_deadline, result.due


def _application_clocks(session: Session, catalog: Catalog, apps: list[Any],
                        today: dt.date, calendar: Calendar, yellow: dict[int, dt.date],
                        thresholds: Thresholds) -> Assessed:
    stages = _stage_limits(session, [a.id for a in apps])
    for a in apps:
        if a.accepted_at is None:
            continue
        legal, stopped, since = stages.get(a.id, (a.promised_days, 0, None))
        clock = Clock(a.accepted_at.astimezone(CHINA).date(), a.promised_days, legal,
                      stopped, since, yellow.get(a.id))
        result = assess(clock, today, calendar, thresholds)
        name = catalog.bundles[a.bundle_code].name if a.bundle_code in catalog.bundles else ""
        subject = Subject("application", a.id, f"{name} 办件 {a.number}", a.region_code,
                          None, a.id, None, a.accepted_by_id)
        yield subject, result.promised_deadline, result.due


def _stage_limits(session: Session, ids: list[int]
                  ) -> dict[int, tuple[int, int, dt.date | None]]:
    """Per application: the legal limit (longest legal limit of each stage, summed), the
    suspended working days (longest of each stage, summed) and, while any of its tasks is
    in a special procedure, since when (the application's clock stands still too)."""
    longest: dict[int, dict[int, tuple[int, int]]] = {}
    since: dict[int, dt.date] = {}
    for app_id, stage, legal, suspended, status, suspended_on in session.execute(select(
            Task.application_id, Task.stage, Task.legal_days, Task.suspended_days,
            Task.status, Task.suspended_on).where(Task.application_id.in_(ids))):
        per_stage = longest.setdefault(app_id, {})
        old = per_stage.get(stage, (0, 0))
        per_stage[stage] = (max(old[0], legal), max(old[1], suspended))
        if status == TaskStatus.suspended and suspended_on is not None:
            since[app_id] = min(since.get(app_id, suspended_on), suspended_on)
    return {app_id: (sum(v[0] for v in s.values()), sum(v[1] for v in s.values()),
                     since.get(app_id)) for app_id, s in longest.items()}


def _rectification_clocks(session: Session, catalog: Catalog, rows: list[Any],
                          today: dt.date, calendar: Calendar, yellow: dict[int, dt.date],
                          thresholds: Thresholds) -> Assessed:
    for r in rows:
        opened = r.created_at.astimezone(CHINA).date()
        limit = calendar.count(opened, r.due_on)
        clock = Clock(opened, limit, NO_LEGAL_LIMIT, 0, None, yellow.get(r.id))
        result = assess(clock, today, calendar, thresholds)
        subject = Subject("rectification", r.id, f"差评整改（办件 {r.application_id}）",
                          r.region_code, r.department_code, r.application_id)
        yield subject, r.due_on, result.due
