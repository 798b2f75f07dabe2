"""The figures supervisors act on, for any region (and below), department, item, bundle
and period. Rows are selected in SQL; working days and rates are computed here."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, select, true
from sqlalchemy.orm import Session

from onething.cases.models import Application, Task
from onething.cases.routing import WINDOWS, descendants
from onething.cases.service import ONLINE_CHANNELS
from onething.catalog.linked import Catalog
from onething.kernel.clock import CHINA
from onething.ratings.models import Rating, Rectification
from onething.supervision.models import Card

ONLINE = ONLINE_CHANNELS
GOOD_LEVEL = 3
# the departments table's row of the receiving windows: the cards no department answers
# for (a case's whole time limit, acceptance, issuing) and the ratings of the windows
WINDOW = ""
KINDS = ("warning", "yellow", "red")


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


class RatingRates:
    """好评率 and 整改率, for any figures that count ratings, good, bad and rectified.

    整改率: bad ratings judged justified (认定属实) and rectified in time (closed by their
    due date), over the bad ratings not judged unjustified (those judged justified, and
    those not judged yet)."""

    ratings: int
    good: int
    bad: int
    rectified: int
    unjustified: int

    @property
    def good_rate(self) -> float | None:
        return _rate(self.good, self.ratings)

    @property
    def rectification_rate(self) -> float | None:
        return _rate(self.rectified, self.bad - self.unjustified)


@dataclass
class DepartmentFigures(RatingRates):
    department: str
    name: str
    decided: int = 0
    on_time: int = 0
    average_days: float | None = None
    promised_days: int = 0  # Σ over the items decided (for 承诺时限压缩率)
    legal_days: int = 0
    cards: int = 0  # warnings, yellow and red cards raised in the period
    card_kinds: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    ratings: int = 0
    good: int = 0
    bad: int = 0
    rectified: int = 0  # justified and rectified in time
    unjustified: int = 0  # bad ratings judged unjustified (认定不属实)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.decided)

    @property
    def promise_compression(self) -> float | None:
        return compression(self.promised_days, self.legal_days)


@dataclass
class Statistics(RatingRates):
    query: StatsQuery
    received: int = 0
    accepted: int = 0
    completed: int = 0
    on_time: int = 0
    average_days: float | None = None  # None: nothing completed in the period
    p90_days: float | None = None
    speed_up_legal: float | None = None  # 提速率 against the legal limits
    speed_up_promised: float | None = None
    # 承诺时限压缩率: 1 − Σ promised / Σ statutory limits of the items decided in the period
    promise_compression: float | None = None
    online: int = 0
    cards: dict[str, int] = field(default_factory=lambda: {"warning": 0, "yellow": 0, "red": 0})
    ratings: int = 0
    good: int = 0
    bad: int = 0
    rectified: int = 0  # justified and rectified in time
    unjustified: int = 0  # bad ratings judged unjustified (认定不属实)
    materials_saved: int = 0
    visits_saved: int = 0
    months: list[dict[str, Any]] = field(default_factory=list)
    departments: list[DepartmentFigures] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return _rate(self.on_time, self.completed)

    @property
    def online_rate(self) -> float | None:
        return _rate(self.online, self.received)

    @property
    def cards_total(self) -> int:
        return sum(self.cards.values())

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["query"] = {k: (v.isoformat() if isinstance(v, dt.date) else v)
                         for k, v in asdict(self.query).items()}
        data.update(on_time_rate=self.on_time_rate, online_rate=self.online_rate,
                    good_rate=self.good_rate, rectification_rate=self.rectification_rate,
                    cards_total=self.cards_total)
        data["departments"] = [{**asdict(d), "on_time_rate": d.on_time_rate,
                                "promise_compression": d.promise_compression,
                                "good_rate": d.good_rate,
                                "rectification_rate": d.rectification_rate}
                               for d in self.departments]
        return data


def compression(promised: int, legal: int) -> float | None:
    """承诺时限压缩率: how much shorter the promised limits are than the statutory ones."""
    return round(1 - promised / legal, 4) if legal else None


def _rate(part: int, whole: int) -> float | None:
    """part/whole; None (shown as "—") when there is nothing to count it over."""
    return round(part / whole, 4) if whole else None


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


def statistics(session: Session, catalog: Catalog, q: StatsQuery) -> Statistics:
    """Counted in SQL: durations were kept when cases were decided."""
    stats = Statistics(q)
    f = _Filters(catalog, q)
    start, end = q.bounds()
    month = _month_expression(session)
    _received(session, f, start, end, stats, month)
    _completed(session, f, start, end, stats, month)
    _cards(session, f, start, end, stats)
    _ratings(session, f, start, end, stats)
    stats.departments = _departments(session, catalog, f, start, end)
    stats.promise_compression = compression(sum(d.promised_days for d in stats.departments),
                                            sum(d.legal_days for d in stats.departments))
    return stats


def _month_expression(session: Session) -> Callable[[Any], Any]:
    """'YYYY-MM' of a timestamp, in China time, in the database's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return lambda column: func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM")
    return lambda column: func.strftime("%Y-%m", column, "+8 hours")


def _received(session: Session, f: _Filters, start: dt.datetime, end: dt.datetime,
              stats: Statistics, month: Callable[[Any], Any]) -> None:
    saved = Application.guide[("effect", "saved", "materials")].as_integer()
    visits = Application.guide[("effect", "saved", "visits")].as_integer()
    row = session.execute(f.applications(select(
        func.count(), func.sum(case((Application.channel.in_(ONLINE), 1), else_=0)),
        func.coalesce(func.sum(saved), 0), func.coalesce(func.sum(visits), 0)).where(
        _in(Application.submitted_at, start, end)))).one()
    stats.received, stats.online = int(row[0]), int(row[1] or 0)
    stats.materials_saved, stats.visits_saved = int(row[2]), int(row[3])
    stats.accepted = int(session.execute(f.applications(select(func.count()).where(
        _in(Application.accepted_at, start, end)))).scalar_one())
    months: dict[str, Counter[str]] = defaultdict(Counter)
    for label, column in (("received", Application.submitted_at),
                          ("completed", Application.completed_at)):
        key = month(column)
        for m, n in session.execute(f.applications(select(key, func.count()).where(
                _in(column, start, end)).group_by(key))):
            months[str(m)][label] = int(n)
    stats.months = [{"month": m, "received": c["received"], "completed": c["completed"]}
                    for m, c in sorted(months.items())]


def _completed(session: Session, f: _Filters, start: dt.datetime, end: dt.datetime,
               stats: Statistics, month: Callable[[Any], Any]) -> None:
    rows = list(session.execute(f.applications(select(
        Application.worked_days, Application.late_days, Application.legal_days,
        Application.promised_days).where(_in(Application.completed_at, start, end),
                                         Application.accepted_at.is_not(None)))))
    stats.completed = len(rows)
    days = [w or 0 for w, *_ in rows]
    stats.on_time = sum(1 for _, late, *_ in rows if not late)
    if days:
        legal_total = sum(legal or 0 for _, _, legal, _ in rows)
        promised_total = sum(promised for *_, promised in rows)
        stats.average_days = round(sum(days) / len(days), 2)
        stats.p90_days = float(sorted(days)[max(0, math.ceil(0.9 * len(days)) - 1)])
        stats.speed_up_legal = round(1 - sum(days) / legal_total, 4) if legal_total else None
        stats.speed_up_promised = (round(1 - sum(days) / promised_total, 4)
                                   if promised_total else None)


def _card_conditions(f: _Filters, start: dt.datetime, end: dt.datetime
                     ) -> list[ColumnElement[bool]]:
    """The cards the figures count: raised in the period, in the region; of the department,
    the bundle's applications or the item's tasks when those are asked for. The summary and
    the departments table count the same ones."""
    conditions = [_in(Card.raised_at, start, end), f.region(Card.region_code)]
    if f.q.department:
        conditions.append(Card.department_code == f.q.department)
    if f.q.bundle:
        conditions.append(Card.application_id.in_(select(Application.id).where(
            Application.bundle_code == f.q.bundle)))
    if f.q.item:
        conditions.append(Card.task_id.in_(select(Task.id).where(Task.item_code == f.q.item)))
    return conditions


def _cards(session: Session, f: _Filters, start: dt.datetime, end: dt.datetime,
           stats: Statistics) -> None:
    for kind, n in session.execute(select(Card.kind, func.count()).where(
            *_card_conditions(f, start, end)).group_by(Card.kind)):
        stats.cards[kind] = int(n)


def _rating_counts(query: Any) -> Any:
    good = func.sum(case((Rating.level >= GOOD_LEVEL, 1), else_=0))
    rectified = func.sum(case((and_(Rectification.justified.is_(True),
                                    Rectification.on_time.is_(True)), 1), else_=0))
    unjustified = func.sum(case((Rectification.justified.is_(False), 1), else_=0))
    return query.outerjoin(Rectification, Rectification.rating_id == Rating.id), (
        func.count(), good, rectified, unjustified)


def _rating_conditions(f: _Filters, start: dt.datetime, end: dt.datetime
                       ) -> list[ColumnElement[bool]]:
    """The ratings the figures count: given in the period, to an office in the region; to
    the department, of the bundle's or the item's applications when those are asked for.
    The summary and the departments table (whose window row has the windows' ratings)
    count the same ones."""
    conditions = [_in(Rating.created_at, start, end), f.region(Rating.region_code)]
    if f.q.department:
        conditions.append(Rating.department_code == f.q.department)
    if f.q.bundle or f.q.item:
        conditions.append(Rating.application_id.in_(f.applications(select(Application.id))))
    return conditions


def _ratings(session: Session, f: _Filters, start: dt.datetime, end: dt.datetime,
             stats: Statistics) -> None:
    joined, columns = _rating_counts(select(Rating.id))
    row = session.execute(joined.with_only_columns(*columns).where(
        *_rating_conditions(f, start, end))).one()
    _count_ratings(stats, row)


def _count_ratings(figures: Statistics | DepartmentFigures, row: Any) -> None:
    """A row of `_rating_counts`: count, good, rectified, unjustified."""
    n, good, rectified, unjustified = row
    figures.ratings, figures.good = int(n), int(good or 0)
    figures.bad, figures.rectified = figures.ratings - figures.good, int(rectified or 0)
    figures.unjustified = int(unjustified or 0)


def _departments(session: Session, catalog: Catalog, f: _Filters, start: dt.datetime,
                 end: dt.datetime) -> list[DepartmentFigures]:
    found: dict[str, DepartmentFigures] = {}

    def figures(code: str) -> DepartmentFigures:
        name = (catalog.departments[code].name if code in catalog.departments else
                WINDOWS if code == WINDOW else code)
        return found.setdefault(code, DepartmentFigures(code, name))

    for code, n, on_time, average, promised, legal in session.execute(f.tasks(select(
            Task.department_code, func.count(),
            func.sum(case((func.coalesce(Task.late_days, 0) == 0, 1), else_=0)),
            func.avg(Task.worked_days), func.sum(Task.promised_days),
            func.sum(Task.legal_days)).where(
            _in(Task.decided_at, start, end), Task.opened_on.is_not(None))
            .group_by(Task.department_code))):
        row = figures(code)
        row.decided, row.on_time = int(n), int(on_time or 0)
        row.promised_days, row.legal_days = int(promised or 0), int(legal or 0)
        row.average_days = round(float(average), 2) if average is not None else None
    for code, kind, n in session.execute(select(
            Card.department_code, Card.kind, func.count()).where(
            *_card_conditions(f, start, end)).group_by(Card.department_code, Card.kind)):
        row = figures(code or WINDOW)
        row.card_kinds[kind] = int(n)
        row.cards += int(n)
    joined, columns = _rating_counts(select(Rating.department_code))
    for code, *counts in session.execute(joined.with_only_columns(
            Rating.department_code, *columns).where(*_rating_conditions(f, start, end))
            .group_by(Rating.department_code)):
        _count_ratings(figures(code or WINDOW), counts)
    if f.q.department:
        found = {k: v for k, v in found.items() if k == f.q.department}
    return sorted(found.values(), key=lambda d: (d.department == WINDOW,
                                                 -(d.average_days or 0), d.department))


YEARS = range(2000, 2101)  # what statistics may ask about


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """'2026-11' → (2026-11-01, 2026-11-30); ValueError if it is not a month we can count."""
    first = dt.date.fromisoformat(f"{month}-01")
    if first.year not in YEARS:
        raise ValueError(f"年份应在 {YEARS.start}–{YEARS.stop - 1} 之间")
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)
