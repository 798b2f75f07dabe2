"""How long a task or a case took, in working days, kept on its row when it is decided so
that statistics aggregate in SQL; whether a task is past its deadline; and the backfill of
rows decided before that (migration 0005 added the columns empty)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from onething.cases.models import Application, Task
from onething.cases.states import OPEN_TASK, TaskStatus
from onething.kernel.clock import CHINA
from onething.kernel.workdays import Calendar


def overdue(task: Task, today: dt.date) -> bool:
    """An office is deciding the task (its special procedure included) past its deadline."""
    return task.status in OPEN_TASK and task.deadline is not None and task.deadline < today


def running_late(task: Task, today: dt.date) -> bool:
    """The task's clock runs past its deadline (a special procedure stops it)."""
    return (task.status == TaskStatus.pending and task.deadline is not None
            and task.deadline < today)


def longest_per_stage(found: Iterable[Any], attribute: str) -> int:
    """Sum over stages of the largest value in each (stages run one after another): of
    tasks, or of rows with their `stage` and `attribute`."""
    longest: dict[int, int] = {}
    for task in found:
        longest[task.stage] = max(longest.get(task.stage, 0), getattr(task, attribute))
    return sum(longest.values())


def of_task(task: Task, calendar: Calendar, decided_on: dt.date) -> tuple[int, int]:
    """(working days it took, its special procedures not counted; working days late)."""
    assert task.opened_on is not None
    worked = calendar.count(task.opened_on, decided_on) - task.suspended_days
    late = calendar.count(task.deadline, decided_on) if task.deadline else 0
    return max(0, worked), late


def of_application(app: Application, found: Iterable[Task], calendar: Calendar,
                   completed_on: dt.date) -> tuple[int, int]:
    """(working days from acceptance, special procedures not counted; working days late)."""
    assert app.accepted_at is not None
    worked = calendar.count(app.accepted_at.astimezone(CHINA).date(), completed_on)
    late = calendar.count(app.deadline, completed_on) if app.deadline else 0
    return max(0, worked - longest_per_stage(found, "suspended_days")), late


def backfill(sessions: sessionmaker[Session], calendar: Calendar,
             batch: int = 1000) -> tuple[int, int]:
    """Fills the durations of tasks and applications decided before they were kept, in
    batches (one transaction each); (tasks, applications) filled. Running it again finds
    nothing to do."""
    return _tasks(sessions, calendar, batch), _applications(sessions, calendar, batch)


def _tasks(sessions: sessionmaker[Session], calendar: Calendar, batch: int) -> int:
    done = 0
    while True:
        with sessions.begin() as session:
            found = list(session.scalars(select(Task).where(
                Task.decided_at.is_not(None), Task.opened_on.is_not(None),
                Task.worked_days.is_(None)).limit(batch)))
            for task in found:
                assert task.decided_at is not None
                task.worked_days, task.late_days = of_task(
                    task, calendar, task.decided_at.astimezone(CHINA).date())
        done += len(found)
        if len(found) < batch:
            return done


def _applications(sessions: sessionmaker[Session], calendar: Calendar, batch: int) -> int:
    done = 0
    while True:
        with sessions.begin() as session:
            found = list(session.scalars(select(Application).where(
                Application.accepted_at.is_not(None),
                or_(Application.legal_days.is_(None),
                    Application.completed_at.is_not(None) & Application.worked_days.is_(None)))
                .limit(batch)))
            tasks: dict[int, list[Task]] = {app.id: [] for app in found}
            for task in session.scalars(select(Task).where(Task.application_id.in_(tasks))):
                tasks[task.application_id].append(task)  # the batch's tasks in one query
            for app in found:
                _fill(app, tasks[app.id], calendar)
        done += len(found)
        if len(found) < batch:
            return done


def _fill(app: Application, found: list[Task], calendar: Calendar) -> None:
    if app.legal_days is None:
        app.legal_days = longest_per_stage(found, "legal_days")
    if app.completed_at is not None and app.worked_days is None:
        app.worked_days, app.late_days = of_application(
            app, found, calendar, app.completed_at.astimezone(CHINA).date())
