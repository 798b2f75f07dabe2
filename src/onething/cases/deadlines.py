"""What a State Council holiday notice does to the deadlines of open cases: the preview
(the days it changes, the deadlines it would move — nothing written) and the load (the
notice stored and every open deadline recomputed on the new calendar, in the caller's
transaction). The CLI's `workdays load`, the administrators' page and the API call these.

A task's deadline is its promised days plus its finished special procedures' days from the
day it opened; an application's, its promised days plus the longest special procedure of
each stage from its acceptance; a running special procedure's expected end, its days from
its start (as `cases/tasks.py` sets them). A deadline before the first day the notice
changes cannot move, so only the later ones are read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from onething.audit import service as audit
from onething.calendar import service as calendar_service
from onething.calendar.models import CalendarNotice
from onething.calendar.service import DayChange
from onething.cases.durations import longest_per_stage
from onething.cases.models import DUE_AT_ONCE, Application, SpecialProcedure, Task
from onething.cases.states import OPEN_TASK, AppStatus, ProcedureStatus
from onething.catalog.models import BundleRow
from onething.kernel.clock import CHINA
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid
from onething.kernel.principal import Principal
from onething.kernel.regions import Node
from onething.kernel.workdays import Calendar, Notice, notice_from_data

SAMPLE = 20  # the moved deadlines a preview lists
CHUNK = 5000  # ids in one IN list
KIND_NAMES = {"task": "子项办理", "application": "办件", "procedure": "特别程序"}
OPEN_APPLICATION = (AppStatus.accepted, AppStatus.accepted_with_deficiency,
                    AppStatus.in_progress)


@dataclass(frozen=True)
class Move:
    """One open deadline the notice moves."""

    kind: str  # task | application | procedure (KIND_NAMES)
    id: int
    number: str  # the application's 办件编号
    name: str  # the task's item, the procedure's kind, or the application's bundle
    before: dt.date
    after: dt.date


@dataclass
class Moves:
    counts: Counter[str] = field(default_factory=Counter)  # moved, by kind
    sample: list[Move] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Preview:
    notice: Notice
    key: str  # what the confirmation must send back (`load`)
    replaces: bool  # the year was loaded before
    days: list[DayChange]
    moves: Moves


@dataclass(frozen=True)
class Loaded:
    year: int
    holidays: int
    workdays: int
    days: list[DayChange]
    moves: Moves


def preview(session: Session, actor: Principal, regions: Mapping[str, Node],
            text: bytes) -> Preview:
    """What loading the notice file `text` would change; nothing is written. Invalid (in
    Chinese, naming the line or the value) if the file is not a notice."""
    _may_load(actor, regions)
    notice = _read(text)[1]
    before = calendar_service.current_calendar(session)
    after = calendar_service.calendar_with(session, notice)
    days = calendar_service.changed_days(before, after, notice)
    moves = _moves(session, after, _since(notice, days), write=False)
    return Preview(notice, preview_key(session, text),
                   session.get(CalendarNotice, notice.year) is not None, days, moves)


def preview_key(session: Session, text: bytes) -> str:
    """The file and the calendar in force it was previewed against: a key that no longer
    matches once either changes."""
    version = calendar_service.calendar_version(session)
    return hashlib.sha256(text + b"\0" + version.encode()).hexdigest()[:32]


def load(session: Session, actor: Principal, regions: Mapping[str, Node], text: bytes,
         key: str | None) -> Loaded:
    """Load the notice file `text` after its preview (`key` from `preview`; None only for
    the CLI, which has no preview) and recompute the open deadlines it moves."""
    _may_load(actor, regions)
    data, notice = _read(text)
    if key is not None and key != preview_key(session, text):
        raise Conflict("预览已失效：文件不同，或放假安排在预览之后已有变更。请重新上传并预览",
                       code="stale_preview",
                       problems=[FieldProblem("preview", "请重新预览")])
    days = calendar_service.changed_days(calendar_service.current_calendar(session),
                                         calendar_service.calendar_with(session, notice),
                                         notice)
    row = calendar_service.load_notice(session, data, actor)
    moves = _moves(session, calendar_service.calendar_with(session, notice),
                   _since(notice, days), write=True)
    audit.record(session, actor, "recompute_deadlines", "calendar", notice.year,
                 after=dict(moves.counts))
    return Loaded(row.year, len(row.document["holidays"]), len(row.document["workdays"]),
                  days, moves)


def _may_load(actor: Principal, regions: Mapping[str, Node]) -> None:
    if not calendar_service.may_load(actor, regions):
        raise Forbidden("只有全平台的管理员可以加载放假安排", code="calendar_forbidden")


def _read(text: bytes) -> tuple[dict[str, Any], Notice]:
    try:
        data = calendar_service.read_notice(text)
        return data, notice_from_data(data)
    except ValueError as exc:
        raise Invalid(f"放假安排文件有误：{exc}", code="bad_notice",
                      problems=[FieldProblem("file", str(exc))]) from exc


def _since(notice: Notice, days: list[DayChange]) -> dt.date:
    """No deadline before this day can move (nor change whether it is provisional)."""
    return min([dt.date(notice.year, 1, 1), *(d.date for d in days)])


def _moves(session: Session, calendar: Calendar, since: dt.date, *, write: bool) -> Moves:
    moves = Moves()
    for kind, model, found in (("task", Task, _tasks(session, calendar, since)),
                               ("application", Application,
                                _applications(session, calendar, since)),
                               ("procedure", SpecialProcedure,
                                _procedures(session, calendar, since))):
        changed = []
        for move, provisional, stored in found:
            if move.before != move.after:
                moves.counts[kind] += 1
                if len(moves.sample) < SAMPLE:
                    moves.sample.append(move)
            if move.before != move.after or provisional != stored:
                changed.append({"row": move.id, "day": move.after, "provisional": provisional})
        if write and changed:
            _write(session, model, changed)
    return moves


def _write(session: Session, model: Any, changed: list[dict[str, Any]]) -> None:
    """One UPDATE for the rows that change (Core: no person's edit, so no version step);
    the sweep reads them again at once."""
    table = model.__table__
    date, flag = (("expected_end", "expected_end_provisional") if model is SpecialProcedure
                  else ("deadline", "deadline_provisional"))
    values = {date: bindparam("day"), flag: bindparam("provisional"),
              "next_check_on": DUE_AT_ONCE}
    session.execute(update(table).where(table.c.id == bindparam("row")).values(**values),
                    changed)


Found = Iterator[tuple[Move, bool, bool]]  # the move, its new provisional flag, the stored


def _tasks(session: Session, calendar: Calendar, since: dt.date) -> Found:
    rows = session.execute(select(
        Task.id, Task.application_id, Task.item_name, Task.opened_on, Task.promised_days,
        Task.suspended_days, Task.deadline, Task.deadline_provisional,
        Application.number).join(Application, Application.id == Task.application_id).where(
        Task.status.in_(OPEN_TASK), Task.opened_on.is_not(None), Task.deadline >= since)
        .order_by(Task.deadline, Task.id))
    for t in rows:
        new = calendar.add(t.opened_on, t.promised_days + t.suspended_days)
        yield (Move("task", t.id, t.number, t.item_name, t.deadline, new.date),
               new.provisional, t.deadline_provisional)


def _applications(session: Session, calendar: Calendar, since: dt.date) -> Found:
    apps = list(session.execute(select(
        Application.id, Application.number, BundleRow.name, Application.accepted_at,
        Application.promised_days, Application.deadline, Application.deadline_provisional)
        .join(BundleRow, BundleRow.code == Application.bundle_code)
        .where(Application.status.in_(OPEN_APPLICATION), Application.accepted_at.is_not(None),
               Application.deadline >= since)
        .order_by(Application.deadline, Application.id)))
    stopped: dict[int, list[Any]] = {}
    for start in range(0, len(apps), CHUNK):
        ids = [a.id for a in apps[start:start + CHUNK]]
        for row in session.execute(select(Task.application_id, Task.stage,
                                          Task.suspended_days)
                                   .where(Task.application_id.in_(ids))):
            stopped.setdefault(row.application_id, []).append(row)
    for a in apps:
        days = a.promised_days + longest_per_stage(stopped.get(a.id, []), "suspended_days")
        new = calendar.add(a.accepted_at.astimezone(CHINA).date(), days)
        yield (Move("application", a.id, a.number, a.name, a.deadline, new.date),
               new.provisional, a.deadline_provisional)


def _procedures(session: Session, calendar: Calendar, since: dt.date) -> Found:
    rows = session.execute(select(
        SpecialProcedure.id, SpecialProcedure.procedure, SpecialProcedure.started_on,
        SpecialProcedure.days, SpecialProcedure.expected_end,
        SpecialProcedure.expected_end_provisional, Application.number)
        .join(Application, Application.id == SpecialProcedure.application_id)
        .where(SpecialProcedure.status == ProcedureStatus.running,
               SpecialProcedure.expected_end >= since)
        .order_by(SpecialProcedure.expected_end, SpecialProcedure.id))
    for p in rows:
        new = calendar.add(p.started_on, p.days)
        yield (Move("procedure", p.id, p.number, f"特别程序（{p.procedure}）", p.expected_end,
                    new.date), new.provisional, p.expected_end_provisional)
