"""What the figures of several domains count over, and the rates they share.

A `StatsQuery` (a period, and a region and below, a department, an item, a bundle) selects
the applications and tasks counted (`Filters`). Supervision counts cases and cards over it
(`supervision.stats`), ratings counts 好差评 and 整改 (`ratings.figures`); neither imports
the other, and the doors put the two together (`RatingFigures` is what ratings hands over).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select, true

from onething.cases.models import Application, Task
from onething.cases.routing import descendants
from onething.catalog.linked import Catalog
from onething.kernel.clock import CHINA

YEARS = range(2000, 2101)  # what statistics may ask about


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


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """'2026-11' → (2026-11-01, 2026-11-30); ValueError if it is not a month we can count."""
    first = dt.date.fromisoformat(f"{month}-01")
    if first.year not in YEARS:
        raise ValueError(f"年份应在 {YEARS.start}–{YEARS.stop - 1} 之间")
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def rate(part: int, whole: int) -> float | None:
    """part/whole; None (shown as "—") when there is nothing to count it over."""
    return round(part / whole, 4) if whole else None


def within_period(column: Any, start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


class Filters:
    """The query's scope as SQL conditions: the region and below, and the applications or
    tasks of the department, the item and the bundle asked for."""

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


@dataclass(kw_only=True)
class RatingRates:
    """好评率 and 整改率, for any figures that count ratings, good, bad and rectified.

    整改率: bad ratings judged justified (认定属实) and rectified in time (closed by their
    due date), over the bad ratings not judged unjustified (those judged justified, and
    those not judged yet)."""

    ratings: int = 0
    good: int = 0
    bad: int = 0
    rectified: int = 0  # justified and rectified in time
    unjustified: int = 0  # bad ratings judged unjustified (认定不属实)

    @property
    def good_rate(self) -> float | None:
        return rate(self.good, self.ratings)

    @property
    def rectification_rate(self) -> float | None:
        return rate(self.rectified, self.bad - self.unjustified)

    def add(self, other: RatingRates) -> None:
        """Count `other`'s ratings in these figures too."""
        for f in fields(RatingRates):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class RatingFigures:
    """The ratings a query counts: in all, and by the department rated (None: the receiving
    windows)."""

    total: RatingRates = field(default_factory=RatingRates)
    departments: dict[str | None, RatingRates] = field(default_factory=dict)
