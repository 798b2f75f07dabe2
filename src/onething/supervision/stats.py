"""The figures supervisors act on, for any region (and below), department, item, bundle
and period. Rows are selected in SQL; working days and rates are computed here."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select, true
from sqlalchemy.orm import Session

from onething.cases.context import CHINA
from onething.cases.models import Application, Task
from onething.cases.routing import descendants
from onething.catalog.model import Catalog
from onething.ratings.models import Rating, Rectification
from onething.supervision.models import Card
from onething.workdays import Calendar

ONLINE = ("web", "mobile", "api")
GOOD_LEVEL = 3


@dataclass(frozen=True)
class StatsQuery:
    start: dt.date
    end: dt.date  # inclusive
    region: str | None = None
    department: str | None = None
    item: str | None = None
    bundle: str | None = None

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The period in China time, as UTC instants [start, end)."""
        first = dt.datetime.combine(self.start, dt.time(), tzinfo=CHINA)
        after = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), tzinfo=CHINA)
        return first.astimezone(dt.UTC), after.astimezone(dt.UTC)


@dataclass
class DepartmentFigures:
    department: str
    name: str
    decided: int = 0
    on_time: int = 0
    average_days: float = 0.0
    cards: int = 0
    ratings: int = 0
    good: int = 0
    bad: int = 0
    rectified: int = 0

    @property
    def on_time_rate(self) -> float:
        return _rate(self.on_time, self.decided)

    @property
    def good_rate(self) -> float:
        return _rate(self.good, self.ratings)

    @property
    def rectification_rate(self) -> float:
        return _rate(self.rectified, self.bad)


@dataclass
class Statistics:
    query: StatsQuery
    received: int = 0
    accepted: int = 0
    completed: int = 0
    on_time: int = 0
    average_days: float = 0.0
    p90_days: float = 0.0
    speed_up_legal: float = 0.0  # 提速率 against the legal limits
    speed_up_promised: float = 0.0
    online: int = 0
    cards: dict[str, int] = field(default_factory=lambda: {"warning": 0, "yellow": 0, "red": 0})
    ratings: int = 0
    good: int = 0
    bad: int = 0
    rectified: int = 0
    materials_saved: int = 0
    visits_saved: int = 0
    months: list[dict[str, Any]] = field(default_factory=list)
    departments: list[DepartmentFigures] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float:
        return _rate(self.on_time, self.completed)

    @property
    def online_rate(self) -> float:
        return _rate(self.online, self.received)

    @property
    def good_rate(self) -> float:
        return _rate(self.good, self.ratings)

    @property
    def rectification_rate(self) -> float:
        return _rate(self.rectified, self.bad)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["query"] = {k: (v.isoformat() if isinstance(v, dt.date) else v)
                         for k, v in asdict(self.query).items()}
        data.update(on_time_rate=self.on_time_rate, online_rate=self.online_rate,
                    good_rate=self.good_rate, rectification_rate=self.rectification_rate)
        data["departments"] = [{**asdict(d), "on_time_rate": d.on_time_rate,
                                "good_rate": d.good_rate,
                                "rectification_rate": d.rectification_rate}
                               for d in self.departments]
        return data


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _in(column: Any, start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


class _Filters:
    def __init__(self, catalog: Catalog, q: StatsQuery) -> None:
        self.q = q
        self.regions = sorted(descendants(catalog, q.region)) if q.region else None

    def region(self, column: Any) -> ColumnElement[bool]:
        return column.in_(self.regions) if self.regions is not None else true()

    def applications(self, query: Any) -> Any:
        query = query.where(self.region(Application.region_code))
        if self.q.bundle:
            query = query.where(Application.bundle_code == self.q.bundle)
        if self.q.department or self.q.item:
            query = query.where(exists().where(Task.application_id == Application.id,
                                               self.task_condition()))
        return query

    def task_condition(self) -> ColumnElement[bool]:
        condition: ColumnElement[bool] = true()
        if self.q.department:
            condition = and_(condition, Task.department_code == self.q.department)
        if self.q.item:
            condition = and_(condition, Task.item_code == self.q.item)
        return condition

    def tasks(self, query: Any) -> Any:
        query = query.where(self.region(Task.region_code), self.task_condition())
        if self.q.bundle:
            query = query.where(Task.application_id.in_(
                select(Application.id).where(Application.bundle_code == self.q.bundle)))
        return query


def statistics(session: Session, catalog: Catalog, calendar: Calendar,
               q: StatsQuery) -> Statistics:
    stats = Statistics(q)
    f = _Filters(catalog, q)
    start, end = q.bounds()
    _received(session, f, start, end, stats)
    _completed(session, f, start, end, calendar, stats)
    _cards(session, f, start, end, stats)
    _ratings(session, f, start, end, stats)
    stats.departments = _departments(session, catalog, calendar, f, start, end)
    return stats


def _received(session: Session, f: _Filters, start: dt.datetime, end: dt.datetime,
              stats: Statistics) -> None:
    months: dict[str, Counter[str]] = defaultdict(Counter)
    received = f.applications(select(
        Application.submitted_at, Application.channel, Application.guide).where(
        _in(Application.submitted_at, start, end)))
    for submitted, channel, guide in session.execute(received):
        stats.received += 1
        stats.online += channel in ONLINE
        saved = (guide or {}).get("effect", {}).get("saved", {})
        stats.materials_saved += int(saved.get("materials", 0))
        stats.visits_saved += int(saved.get("visits", 0))
        months[submitted.astimezone(CHINA).strftime("%Y-%m")]["received"] += 1
    stats.accepted = len(list(session.execute(f.applications(select(Application.id).where(
        _in(Application.accepted_at, start, end))))))
    for completed, in session.execute(f.applications(select(Application.completed_at).where(
            _in(Application.completed_at, start, end)))):
        months[completed.astimezone(CHINA).strftime("%Y-%m")]["completed"] += 1
    stats.months = [{"month": m, "received": c["received"], "completed": c["completed"]}
                    for m, c in sorted(months.items())]


def _completed(session: Session, f: _Filters, start: dt.datetime, end: dt.datetime,
               calendar: Calendar, stats: Statistics) -> None:
    rows = list(session.execute(f.applications(select(
        Application.id, Application.accepted_at, Application.completed_at,
        Application.deadline, Application.promised_days).where(
        _in(Application.completed_at, start, end), Application.accepted_at.is_not(None)))))
    days: list[int] = []
    promised_total = 0
    legal = _legal_limits(session, [r.id for r in rows])
    for _, accepted, completed, deadline, promised in rows:
        done = completed.astimezone(CHINA).date()
        used = calendar.count(accepted.astimezone(CHINA).date(), done)
        days.append(used)
        stats.on_time += deadline is None or done <= deadline
        promised_total += promised
    legal_total = sum(legal.values())
    stats.completed = len(rows)
    if days:
        stats.average_days = round(sum(days) / len(days), 2)
        stats.p90_days = float(sorted(days)[max(0, math.ceil(0.9 * len(days)) - 1)])
        stats.speed_up_legal = round(1 - sum(days) / legal_total, 4) if legal_total else 0.0
        stats.speed_up_promised = (round(1 - sum(days) / promised_total, 4)
                                   if promised_total else 0.0)


def _legal_limits(session: Session, ids: list[int]) -> dict[int, int]:
    per: dict[int, dict[int, int]] = defaultdict(dict)
    for app_id, stage, legal in session.execute(select(
            Task.application_id, Task.stage, Task.legal_days).where(
            Task.application_id.in_(ids))):
        per[app_id][stage] = max(per[app_id].get(stage, 0), legal)
    return {app_id: sum(stages.values()) for app_id, stages in per.items()}


def _cards(session: Session, f: _Filters, start: dt.datetime, end: dt.datetime,
           stats: Statistics) -> None:
    query = select(Card.kind).where(_in(Card.raised_at, start, end),
                                    f.region(Card.region_code))
    if f.q.department:
        query = query.where(Card.department_code == f.q.department)
    for kind, in session.execute(query):
        stats.cards[kind] = stats.cards.get(kind, 0) + 1


def _ratings(session: Session, f: _Filters, start: dt.datetime, end: dt.datetime,
             stats: Statistics) -> None:
    query = select(Rating.level, Rectification.closed_at).outerjoin(
        Rectification, Rectification.rating_id == Rating.id).where(
        _in(Rating.created_at, start, end), f.region(Rating.region_code))
    if f.q.department:
        query = query.where(Rating.department_code == f.q.department)
    if f.q.bundle or f.q.item:
        query = query.where(Rating.application_id.in_(
            f.applications(select(Application.id))))
    for level, closed in session.execute(query):
        stats.ratings += 1
        if level >= GOOD_LEVEL:
            stats.good += 1
        else:
            stats.bad += 1
            stats.rectified += closed is not None


def _departments(session: Session, catalog: Catalog, calendar: Calendar, f: _Filters,
                 start: dt.datetime, end: dt.datetime) -> list[DepartmentFigures]:
    found: dict[str, DepartmentFigures] = {}

    def figures(code: str) -> DepartmentFigures:
        name = catalog.departments[code].name if code in catalog.departments else code
        return found.setdefault(code, DepartmentFigures(code, name))

    spent: dict[str, list[int]] = defaultdict(list)
    for code, opened, decided, deadline in session.execute(f.tasks(select(
            Task.department_code, Task.opened_on, Task.decided_at, Task.deadline).where(
            _in(Task.decided_at, start, end), Task.opened_on.is_not(None)))):
        done = decided.astimezone(CHINA).date()
        row = figures(code)
        row.decided += 1
        row.on_time += deadline is None or done <= deadline
        spent[code].append(calendar.count(opened, done))
    for code, values in spent.items():
        found[code].average_days = round(sum(values) / len(values), 2)
    card_query = select(Card.department_code).where(
        _in(Card.raised_at, start, end), f.region(Card.region_code),
        Card.department_code.is_not(None))
    for code, in session.execute(card_query):
        figures(str(code)).cards += 1
    for code, level, closed in session.execute(select(
            Rating.department_code, Rating.level, Rectification.closed_at).outerjoin(
            Rectification, Rectification.rating_id == Rating.id).where(
            _in(Rating.created_at, start, end), f.region(Rating.region_code))):
        row = figures(code)
        row.ratings += 1
        if level >= GOOD_LEVEL:
            row.good += 1
        else:
            row.bad += 1
            row.rectified += closed is not None
    if f.q.department:
        found = {k: v for k, v in found.items() if k == f.q.department}
    return sorted(found.values(), key=lambda d: (-d.average_days, d.department))


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """'2026-11' → (2026-11-01, 2026-11-30); ValueError if it is not a month."""
    first = dt.date.fromisoformat(f"{month}-01")
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)
