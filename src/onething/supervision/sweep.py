"""The deadline sweep: the open cases whose next card can be due today, in batches.

What it watches, each against one check of the card profile (`supervision.profile`; a
check the profile does not have is not read at all):

| subject | cases | check |
| --- | --- | --- |
| task | pending or suspended tasks | case (promised / statutory limits) |
| application | accepted applications not yet decided | case |
| procedure | running special procedures (特别程序) | special_procedure (expected length) |
| acceptance | applications submitted online, not yet decided at the window | pre_acceptance |
| issuing | decided applications whose result is not yet delivered | issuing |
| rectification | open 差评整改 (watched deadlines) | rectification (its due date) |
| commitment_check | open 告知承诺核查 (watched deadlines) | commitment_check (its due date) |
| ticket_sign, ticket_reply | 12345 tickets not yet signed / replied (watched deadlines) | enquiry |
| check_result | inspection results not yet published (watched) | inspection_publicity |
| disclosure | 依申请公开 requests not yet answered (watched) | disclosure |

Cases are read from the cases' own tables (cases lies below supervision). Rectifications
and commitment checks belong to sibling domains, which supervision does not read: they
announce each deadline with `kernel.watch.WatchStarted` and its end with `WatchEnded`, and
supervision keeps the watched deadlines in a table of its own (`WatchedDeadline`, one row
per open subject, with what its cards say and whom they address).

Each case (and each watched deadline) keeps `next_check_on`, the first day a card it has
not had yet can fall due (`rules.next_check`); a run reads only the cases due by today
through the `*_due` index, so a sweep that finds nothing new costs one index range scan
per subject. An
application's one `next_check_on` serves its three clocks, which never run at once
(submitted, open, decided); every change of status or clock sets it to be read at once.
A loaded holiday notice or a changed profile sets every open case so.

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

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from onething.calendar.service import calendar_version, current_calendar
from onething.cases.durations import longest_per_stage
from onething.cases.models import DUE_AT_ONCE, Application, SpecialProcedure, Task
from onething.cases.service import ONLINE_CHANNELS, terminate_missed_supplements
from onething.cases.states import FINISHED, AppStatus, TaskStatus
from onething.catalog.context import build_ctx
from onething.catalog.linked import Catalog
from onething.kernel.clock import CHINA
from onething.kernel.db import locked_row
from onething.kernel.principal import SYSTEM
from onething.kernel.workdays import Calendar
from onething.supervision.cards import (
    SUBJECT_CHECKS,
    SUBJECT_NAMES,
    Subject,
    Wanted,
    raise_cards,
)
from onething.supervision.models import Card, SweepMark, WatchedDeadline
from onething.supervision.profile import Profile, load_profile
from onething.supervision.rules import (
    CARD_NAMES,
    NEVER,
    CardKind,
    Check,
    Clock,
    assess,
    next_check,
)

OPEN_APPLICATION = (AppStatus.accepted.value, AppStatus.accepted_with_deficiency.value,
                    AppStatus.in_progress.value)
RULES_VERSION = 2  # raise when `assess`, `next_check` or what a subject watches change


@dataclass
class SweepReport:
    checked: Counter[str] = field(default_factory=Counter)
    raised: Counter[str] = field(default_factory=Counter)
    terminated: int = 0

    def __str__(self) -> str:
        checked = "，".join(f"{SUBJECT_NAMES.get(k, k)} {v}" for k, v in self.checked.items()
                           if v) or "无"
        raised = "，".join(f"{CARD_NAMES[kind]} {self.raised[kind.value]}" for kind in CardKind
                           if self.raised[kind.value]) or "无"
        return f"检查：{checked}；新亮牌：{raised}；逾期未补齐容缺而终止：{self.terminated}"


# the subject, and its clock (None: not running, so nothing can fall due)
Assessed = Iterator[tuple[Subject, Clock | None]]
Clocks = Callable[[Session, Catalog, list[Any], Check, Calendar], Assessed]


@dataclass(frozen=True)
class Watched:
    """One kind of card subject: which rows, which columns the clock needs, which check."""

    subject: str  # its check is cards.SUBJECT_CHECKS[subject]
    model: Any
    open: tuple[Any, ...]  # the conditions of a row still watched
    columns: tuple[Any, ...]  # the first, labelled `id`, is the subject's id
    clocks: Clocks
    key: Any = None  # the column of the subject's id, if not the model's id
    # in a table shared by several subjects, what tells this one's rows (its ids are unique
    # among them)
    among: tuple[Any, ...] = ()

    @property
    def id(self) -> Any:
        return self.model.id if self.key is None else self.key


def sweep(sessions: sessionmaker[Session], catalog: Catalog, now: dt.datetime,
          profile: Profile | None = None, batch: int = 500) -> SweepReport:
    profile = profile or load_profile()
    report = SweepReport()
    today = now.astimezone(CHINA).date()
    staff: dict[Any, Any] = {}  # each office's people, looked up once per sweep
    _read_all_again_if_rules_changed(sessions, profile)
    with sessions.begin() as session:  # first: a case that ends is not carded any more
        ctx = build_ctx(session, catalog, SYSTEM, now)
        report.terminated = len(terminate_missed_supplements(ctx))
    for w in WATCHED:
        check = profile.check(SUBJECT_CHECKS[w.subject])
        if check is None:
            continue  # not in the profile: not applied
        for session, rows in _batches(sessions, w, today, batch):
            calendar = current_calendar(session)
            raised = _raised(session, w.subject, [r.id for r in rows])
            report.checked[w.subject] += len(rows)
            wanted: list[Wanted] = []
            later = [{"row": subject.id, "next": _check(
                subject, clock, check, raised.get(subject.id, set()), today, calendar, wanted)}
                for subject, clock in w.clocks(session, catalog, rows, check, calendar)]
            for kind in raise_cards(session, catalog, wanted, now, staff):
                report.raised[kind.value] += 1
            session.execute(_set_next_check(w), later)
    return report


def _set_next_check(w: Watched) -> Any:
    """One UPDATE for the batch (Core: the version counter is for people's edits, and the
    rows are locked by the claim)."""
    table = w.model.__table__
    return (update(table).where(table.c[w.id.key] == bindparam("row"), *w.among)
            .values(next_check_on=bindparam("next")))


def _check(subject: Subject, clock: Clock | None, check: Check, shown: set[str],
           today: dt.date, calendar: Calendar, wanted: list[Wanted]) -> dt.date:
    """Adds to `wanted` the cards due today that `subject` has not had (each naming the
    deadline its rule counts from); returns the next day on which it must be read."""
    if clock is None:
        return NEVER
    result = assess(clock, today, calendar, check)
    for kind in CardKind:  # warning first
        if kind in result.due and kind.value not in shown:
            wanted.append(Wanted(subject, kind, result.deadlines[kind]))
            shown = shown | {kind.value}
    return next_check(clock, shown, today, calendar, check)


def due_now(w: Watched, columns: tuple[Any, ...], today: dt.date) -> Any:
    """The open cases whose next card can be due by `today` (served by the `*_due` index)."""
    return select(*columns).where(*w.open, w.model.next_check_on <= today)


def _batches(sessions: sessionmaker[Session], w: Watched, today: dt.date,
             size: int) -> Iterator[tuple[Session, list[Any]]]:
    """The due cases, one transaction per batch. The ids come first (an index range scan);
    each batch claims its rows with `FOR UPDATE SKIP LOCKED` and reads them only if still
    due, so workers sweeping at once share them and none is assessed twice."""
    with sessions() as session:
        ids = list(session.scalars(due_now(w, (w.id,), today).order_by(w.id)))
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        with sessions.begin() as session:
            rows = list(session.execute(
                due_now(w, w.columns, today).where(w.id.in_(chunk))
                .with_for_update(skip_locked=True, of=w.model)))
            if rows:
                yield session, rows


def _read_all_again_if_rules_changed(sessions: sessionmaker[Session],
                                     profile: Profile) -> None:
    """The stored dates hold for one calendar and one profile: a loaded holiday notice or
    another profile sets every open case to be read again."""
    with sessions.begin() as session:
        mark = f"{RULES_VERSION}|{calendar_version(session)}|{profile.digest}"
        stored = locked_row(session, SweepMark, {"value": ""}, name="next_check")
        if stored.value == mark:
            return
        for w in WATCHED:
            session.execute(update(w.model).where(*w.open).values(next_check_on=DUE_AT_ONCE))
        stored.value = mark


def _raised(session: Session, subject: str, ids: list[int]) -> dict[int, set[str]]:
    """The kinds of card the batch's subjects already have, in one query.
    (The unique key still guards races.)"""
    found: dict[int, set[str]] = {}
    for subject_id, kind in session.execute(select(Card.subject_id, Card.kind).where(
            Card.subject == subject, Card.subject_id.in_(ids))):
        found.setdefault(subject_id, set()).add(kind)
    return found


def _date(at: dt.datetime) -> dt.date:
    return at.astimezone(CHINA).date()


def _numbers(session: Session, ids: set[int]) -> dict[int, str]:
    """办件编号 by application id, for the cards' titles (one query per batch)."""
    return {app_id: number for app_id, number in session.execute(
        select(Application.id, Application.number).where(Application.id.in_(ids)))}


def _bundle_name(catalog: Catalog, code: str) -> str:
    return catalog.bundles[code].name if code in catalog.bundles else ""


# --- the subjects ------------------------------------------------------------------------

_TASK_COLUMNS = (Task.id, Task.status, Task.opened_on, Task.promised_days, Task.legal_days,
                 Task.suspended_days, Task.suspended_on, Task.item_name, Task.application_id,
                 Task.region_code, Task.department_code)


def _task_clocks(session: Session, catalog: Catalog, tasks: list[Any],
                 check: Check, calendar: Calendar) -> Assessed:
    numbers = _numbers(session, {t.application_id for t in tasks})
    for t in tasks:
        subject = Subject("task", t.id, f"{t.item_name}（办件 {numbers.get(t.application_id)}）",
                          t.region_code, t.department_code, t.application_id, t.id)
        yield subject, None if t.opened_on is None else Clock(
            t.opened_on, t.promised_days, t.legal_days, t.suspended_days,
            t.suspended_on if t.status == TaskStatus.suspended else None)


_APPLICATION_COLUMNS = (Application.id, Application.accepted_at, Application.promised_days,
                        Application.bundle_code, Application.number, Application.region_code,
                        Application.accepted_by_id)


def _application_clocks(session: Session, catalog: Catalog, apps: list[Any],
                        check: Check, calendar: Calendar) -> Assessed:
    stages = _stage_limits(session, [a.id for a in apps])
    for a in apps:
        subject = Subject("application", a.id,
                          f"{_bundle_name(catalog, a.bundle_code)} 办件 {a.number}",
                          a.region_code, None, a.id, None, a.accepted_by_id, window=True)
        legal, stopped, since = stages.get(a.id, (a.promised_days, 0, None))
        yield subject, None if a.accepted_at is None else Clock(
            _date(a.accepted_at), a.promised_days, legal, stopped, since)


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


_PROCEDURE_COLUMNS = (SpecialProcedure.id, SpecialProcedure.task_id,
                      SpecialProcedure.application_id, SpecialProcedure.procedure,
                      SpecialProcedure.days, SpecialProcedure.started_on)


def _procedure_clocks(session: Session, catalog: Catalog, rows: list[Any],
                      check: Check, calendar: Calendar) -> Assessed:
    """A special procedure's own clock: its expected length, from the day it started."""
    tasks = {t.id: t for t in session.execute(select(
        Task.id, Task.item_name, Task.region_code, Task.department_code).where(
        Task.id.in_({r.task_id for r in rows})))}
    numbers = _numbers(session, {r.application_id for r in rows})
    for r in rows:
        t = tasks[r.task_id]
        procedure = f"特别程序（{r.procedure}）"
        subject = Subject("procedure", r.id,
                          f"{t.item_name}（办件 {numbers.get(r.application_id)}）",
                          t.region_code, t.department_code, r.application_id, r.task_id,
                          due_words=(f"{procedure}即将届满", f"{procedure}已超出预计时间"))
        yield subject, Clock(r.started_on, r.days)


_ACCEPTANCE_COLUMNS = (Application.id, Application.channel, Application.submitted_at,
                       Application.resubmitted_at, Application.bundle_code,
                       Application.number, Application.region_code)


def _acceptance_clocks(session: Session, catalog: Catalog, apps: list[Any],
                       check: Check, calendar: Calendar) -> Assessed:
    """Applications submitted online wait for the window: from the last (re)submission."""
    for a in apps:
        subject = Subject("acceptance", a.id,
                          f"{_bundle_name(catalog, a.bundle_code)} 办件 {a.number}",
                          a.region_code, None, a.id, window=True,
                          due_words=("网上申请受理时限即将届满", "网上申请未按时受理"))
        since = max(a.submitted_at, a.resubmitted_at or a.submitted_at)
        yield subject, (Clock(_date(since), check.limit_days or 0)
                        if a.channel in ONLINE_CHANNELS else None)


_ISSUING_COLUMNS = (Application.id, Application.completed_at, Application.deficient,
                    Application.supplemented_at, Application.bundle_code,
                    Application.number, Application.region_code, Application.accepted_by_id)


def _issuing_clocks(session: Session, catalog: Catalog, apps: list[Any],
                    check: Check, calendar: Calendar) -> Assessed:
    """A decided case's result waits to be delivered: from the decision, or from the 容缺
    supplement that released it (while results are held, nothing can be issued)."""
    for a in apps:
        subject = Subject("issuing", a.id,
                          f"{_bundle_name(catalog, a.bundle_code)} 办件 {a.number}",
                          a.region_code, None, a.id, None, a.accepted_by_id, window=True,
                          due_words=("出件时限即将届满", "办结未按时出件"))
        held = a.deficient and a.supplemented_at is None
        since = max(filter(None, (a.completed_at, a.supplemented_at)), default=None)
        yield subject, (None if held or since is None
                        else Clock(_date(since), check.limit_days or 0))


_DEADLINE_COLUMNS = (WatchedDeadline.subject_id.label("id"), WatchedDeadline.subject,
                     WatchedDeadline.opened_on, WatchedDeadline.due_on, WatchedDeadline.title,
                     WatchedDeadline.region_code, WatchedDeadline.department_code,
                     WatchedDeadline.window, WatchedDeadline.application_id,
                     WatchedDeadline.task_id, WatchedDeadline.responsible_id)


def _deadline_clocks(session: Session, catalog: Catalog, rows: list[Any],
                     check: Check, calendar: Calendar) -> Assessed:
    """A watched deadline (差评整改, 告知承诺核查): from the day it opened to its due date."""
    for r in rows:
        subject = Subject(r.subject, r.id, r.title, r.region_code, r.department_code,
                          r.application_id, r.task_id, r.responsible_id, window=r.window)
        yield subject, Clock(r.opened_on, calendar.count(r.opened_on, r.due_on))


def _deadlines(subject: str) -> Watched:
    """The deadlines of `subject` announced by its domain (`WatchStarted`)."""
    this = (WatchedDeadline.subject == subject,)  # while watched, a deadline is open
    return Watched(subject, WatchedDeadline, this, _DEADLINE_COLUMNS, _deadline_clocks,
                   key=WatchedDeadline.subject_id, among=this)


def _status(model: Any, *statuses: str) -> tuple[Any, ...]:
    """A case is watched while its status is one of these."""
    return (model.status.in_(statuses),)


WATCHED: tuple[Watched, ...] = (
    Watched("task", Task, _status(Task, TaskStatus.pending.value,
                                  TaskStatus.suspended.value), _TASK_COLUMNS, _task_clocks),
    Watched("application", Application, _status(Application, *OPEN_APPLICATION),
            _APPLICATION_COLUMNS, _application_clocks),
    Watched("procedure", SpecialProcedure, _status(SpecialProcedure, "running"),
            _PROCEDURE_COLUMNS, _procedure_clocks),
    Watched("acceptance", Application, _status(Application, AppStatus.submitted.value),
            _ACCEPTANCE_COLUMNS, _acceptance_clocks),
    Watched("issuing", Application, _status(Application, *(s.value for s in FINISHED)),
            _ISSUING_COLUMNS, _issuing_clocks),
    _deadlines("rectification"),
    _deadlines("commitment_check"),
    _deadlines("help_request"),
    _deadlines("ticket_sign"),
    _deadlines("ticket_reply"),
    _deadlines("agency_review"),
    _deadlines("check_result"),
    _deadlines("disclosure"),
)
# the subjects other domains announce (`WatchStarted`), kept in watched_deadlines
ANNOUNCED = frozenset(w.subject for w in WATCHED if w.model is WatchedDeadline)
