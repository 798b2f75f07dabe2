"""The deadline sweep: the open tasks, applications and rectifications whose next card
can be due today, in batches.

Each case keeps `next_check_on`, the first day a card it has not had yet can fall due
(`rules.next_check`); a run reads only the cases due by today through the `*_due` index,
so a sweep that finds nothing new costs one index range scan per table. Suspending or
resuming a task sets it (and its application) to be read at once; a loaded holiday
notice or changed thresholds set every open case so.

Each batch is one transaction. On PostgreSQL the batch's rows are claimed with
`FOR UPDATE SKIP LOCKED`, so several workers share the work; the cards' unique key
makes a card at most once whatever happens. A sweep killed half-way loses only its
current batch, which the next sweep does again: nothing twice, nothing missed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from onething.calendar.service import calendar_version, current_calendar
from onething.cases.context import CHINA, Ctx
from onething.cases.durations import longest_per_stage
from onething.cases.models import DUE_AT_ONCE, Application, Task
from onething.cases.service import record_missed_supplements
from onething.cases.states import AppStatus, TaskStatus
from onething.catalog.model import Catalog
from onething.db import locked_row
from onething.identity.roles import SYSTEM
from onething.ratings.models import OPEN_RECTIFICATION, Rectification
from onething.supervision.cards import Subject, Wanted, raise_cards
from onething.supervision.models import Card, SweepMark
from onething.supervision.rules import (
    DEFAULTS,
    NEVER,
    CardKind,
    Clock,
    Thresholds,
    assess,
    next_check,
)
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
RULES_VERSION = 1  # raise when `assess` or `next_check` change meaning


def sweep(sessions: sessionmaker[Session], catalog: Catalog, now: dt.datetime,
          thresholds: Thresholds = DEFAULTS, batch: int = 500) -> SweepReport:
    report = SweepReport()
    today = now.astimezone(CHINA).date()
    staff: dict[Any, Any] = {}  # each office's people, looked up once per sweep
    _read_all_again_if_rules_changed(sessions, thresholds)
    for name, model, columns, clocks in SUBJECTS:
        for session, rows in _batches(sessions, model, columns, today, batch):
            calendar = current_calendar(session)
            raised = _raised(session, name, [r.id for r in rows])
            report.checked[name] += len(rows)
            yellow = {i: kinds["yellow"] for i, kinds in raised.items() if "yellow" in kinds}
            wanted: list[Wanted] = []
            later = [{"row": subject.id, "next": _check(
                subject, clock, deadline, raised.get(subject.id, {}), today, calendar,
                thresholds, wanted)}
                for subject, clock, deadline in clocks(session, catalog, rows, calendar, yellow)]
            for kind in raise_cards(session, catalog, wanted, now, staff):
                report.raised[kind.value] += 1
            session.execute(_set_next_check(model), later)
    with sessions.begin() as session:
        ctx = Ctx(session, catalog, current_calendar(session), now, SYSTEM)
        report.missed_supplements = len(record_missed_supplements(ctx))
    return report


def _set_next_check(model: Any) -> Any:
    """One UPDATE for the batch (Core: the version counter is for people's edits, and the
    rows are locked by the claim)."""
    table = model.__table__
    return (update(table).where(table.c.id == bindparam("row"))
            .values(next_check_on=bindparam("next")))


def _check(subject: Subject, clock: Clock | None, deadline: dt.date | None,
           shown: dict[str, dt.date], today: dt.date, calendar: Calendar,
           thresholds: Thresholds, wanted: list[Wanted]) -> dt.date:
    """Adds to `wanted` the cards due today that `subject` has not had (naming `deadline`,
    or else the promised deadline); returns the next day on which it must be read."""
    if clock is None:  # not running (no opening date): nothing can fall due
        return NEVER
    if len(shown) < len(CardKind):
        result = assess(clock, today, calendar, thresholds)
        for kind in [k for k in CardKind if k in result.due and k.value not in shown]:
            wanted.append(Wanted(subject, kind, deadline or result.promised_deadline))
            shown = {**shown, kind.value: today}  # warning first
    if "yellow" in shown and clock.yellow_since is None:
        clock = replace(clock, yellow_since=shown["yellow"])
    return next_check(clock, shown, today, calendar, thresholds)


def due_now(model: Any, columns: tuple[Any, ...], today: dt.date) -> Any:
    """The open cases whose next card can be due by `today` (served by the `*_due` index)."""
    return select(*columns).where(model.status.in_(OPEN[model]),
                                  model.next_check_on <= today)


def _batches(sessions: sessionmaker[Session], model: Any, columns: tuple[Any, ...],
             today: dt.date, size: int) -> Iterator[tuple[Session, list[Any]]]:
    """The due cases, one transaction per batch. The ids come first (an index range scan);
    each batch claims its rows with `FOR UPDATE SKIP LOCKED` and reads them only if still
    due, so workers sweeping at once share them and none is assessed twice."""
    with sessions() as session:
        ids = list(session.scalars(due_now(model, (model.id,), today).order_by(model.id)))
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        with sessions.begin() as session:
            rows = list(session.execute(
                due_now(model, columns, today).where(model.id.in_(chunk))
                .with_for_update(skip_locked=True, of=model)))
            if rows:
                yield session, rows


def _read_all_again_if_rules_changed(sessions: sessionmaker[Session],
                                     thresholds: Thresholds) -> None:
    """The stored dates hold for one calendar and one set of thresholds: a loaded holiday
    notice or a changed setting sets every open case to be read again."""
    with sessions.begin() as session:
        mark = f"{RULES_VERSION}|{calendar_version(session)}|{thresholds}"
        stored = locked_row(session, SweepMark, {"value": ""}, name="next_check")
        if stored.value == mark:
            return
        for _, model, _, _ in SUBJECTS:
            session.execute(update(model).where(model.status.in_(OPEN[model]))
                            .values(next_check_on=DUE_AT_ONCE))
        stored.value = mark


def _raised(session: Session, subject: str, ids: list[int]) -> dict[int, dict[str, dt.date]]:
    """The cards the batch's subjects already have (kind → China date raised), in one query.
    (The unique key still guards races.)"""
    found: dict[int, dict[str, dt.date]] = {}
    for subject_id, kind, raised in session.execute(select(
            Card.subject_id, Card.kind, Card.raised_at).where(
            Card.subject == subject, Card.subject_id.in_(ids))):
        found.setdefault(subject_id, {})[kind] = raised.astimezone(CHINA).date()
    return found


# the subject, its clock (None: not running), the deadline its cards name (None: promised)
Assessed = Iterator[tuple[Subject, Clock | None, dt.date | None]]
Clocks = Callable[[Session, Catalog, list[Any], Calendar, dict[int, dt.date]], Assessed]


def _task_clocks(session: Session, catalog: Catalog, tasks: list[Any], calendar: Calendar,
                 yellow: dict[int, dt.date]) -> Assessed:
    for t in tasks:
        subject = Subject("task", t.id, f"{t.item_name}（办件 {t.application_id}）",
                          t.region_code, t.department_code, t.application_id, t.id)
        clock = None if t.opened_on is None else Clock(
            t.opened_on, t.promised_days, t.legal_days, t.suspended_days,
            t.suspended_on if t.status == TaskStatus.suspended else None, yellow.get(t.id))
        yield subject, clock, None


def _application_clocks(session: Session, catalog: Catalog, apps: list[Any],
                        calendar: Calendar, yellow: dict[int, dt.date]) -> Assessed:
    stages = _stage_limits(session, [a.id for a in apps])
    for a in apps:
        name = catalog.bundles[a.bundle_code].name if a.bundle_code in catalog.bundles else ""
        subject = Subject("application", a.id, f"{name} 办件 {a.number}", a.region_code,
                          None, a.id, None, a.accepted_by_id)
        legal, stopped, since = stages.get(a.id, (a.promised_days, 0, None))
        clock = None if a.accepted_at is None else Clock(
            a.accepted_at.astimezone(CHINA).date(), a.promised_days, legal, stopped, since,
            yellow.get(a.id))
        yield subject, clock, None


def _stage_limits(session: Session, ids: list[int]
                  ) -> dict[int, tuple[int, int, dt.date | None]]:
    """Per application: the legal limit (longest legal limit of each stage, summed), the
    suspended working days (longest of each stage, summed) and, while any of its tasks is
    in a special procedure, since when (the application's clock stands still too)."""
    found: dict[int, list[Any]] = {}
    for row in session.execute(select(
            Task.application_id, Task.stage, Task.legal_days, Task.suspended_days,
            Task.status, Task.suspended_on).where(Task.application_id.in_(ids))):
        found.setdefault(row.application_id, []).append(row)
    return {app_id: (longest_per_stage(rows, "legal_days"),
                     longest_per_stage(rows, "suspended_days"),
                     min((r.suspended_on for r in rows if r.status == TaskStatus.suspended
                          and r.suspended_on is not None), default=None))
            for app_id, rows in found.items()}


def _rectification_clocks(session: Session, catalog: Catalog, rows: list[Any],
                          calendar: Calendar, yellow: dict[int, dt.date]) -> Assessed:
    for r in rows:
        opened = r.created_at.astimezone(CHINA).date()
        subject = Subject("rectification", r.id, f"差评整改（办件 {r.application_id}）",
                          r.region_code, r.department_code, r.application_id)
        yield subject, Clock(opened, calendar.count(opened, r.due_on), NO_LEGAL_LIMIT, 0,
                             None, yellow.get(r.id)), r.due_on


OPEN: dict[Any, tuple[str, ...]] = {
    Task: (TaskStatus.pending.value, TaskStatus.suspended.value),
    Application: OPEN_APPLICATION,
    Rectification: OPEN_RECTIFICATION,
}
SUBJECTS: tuple[tuple[str, Any, tuple[Any, ...], Clocks], ...] = (
    ("task", Task, _TASK_COLUMNS, _task_clocks),
    ("application", Application, _APPLICATION_COLUMNS, _application_clocks),
    ("rectification", Rectification, _RECTIFICATION_COLUMNS, _rectification_clocks),
)
