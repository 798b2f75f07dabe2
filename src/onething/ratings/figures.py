"""好差评 figures: the ratings, 好评率 and 整改率 of a period and scope, for the supervisors'
statistics (`rating_figures`, which the doors hand to `supervision.stats.statistics`) and
for everyone (`public_ratings`, 好差评公示, without personal data)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from onething.cases.figures import (
    Filters,
    RatingFigures,
    RatingRates,
    StatsQuery,
    month_bounds,
    within_period,
)
from onething.cases.models import Application
from onething.cases.routing import WINDOWS
from onething.catalog.linked import Catalog
from onething.ratings.models import Rating, Rectification
from onething.ratings.service import LEVELS

GOOD_LEVEL = 3
WINDOW = "window"  # the public rows' code for the ratings of the receiving windows


def rating_figures(session: Session, catalog: Catalog, q: StatsQuery) -> RatingFigures:
    """The ratings the statistics of `q` count, in all and by the department rated."""
    f = Filters(catalog, q)
    found = RatingFigures()
    joined, columns = _rating_counts(select(Rating.id))
    found.total = _counted(session.execute(joined.with_only_columns(*columns).where(
        *_rating_conditions(f, q))).one())
    by_department, columns = _rating_counts(select(Rating.department_code))
    for code, *counts in session.execute(by_department.with_only_columns(
            Rating.department_code, *columns).where(*_rating_conditions(f, q))
            .group_by(Rating.department_code)):
        found.departments[code] = _counted(counts)
    return found


def _rating_counts(query: Any) -> Any:
    good = func.sum(case((Rating.level >= GOOD_LEVEL, 1), else_=0))
    rectified = func.sum(case((and_(Rectification.justified.is_(True),
                                    Rectification.on_time.is_(True)), 1), else_=0))
    unjustified = func.sum(case((Rectification.justified.is_(False), 1), else_=0))
    return query.outerjoin(Rectification, Rectification.rating_id == Rating.id), (
        func.count(), good, rectified, unjustified)


def _rating_conditions(f: Filters, q: StatsQuery) -> list[ColumnElement[bool]]:
    """The ratings the figures count: given in the period, to an office in the region; to
    the department, of the bundle's or the item's applications when those are asked for.
    The summary and the departments table (whose window row has the windows' ratings)
    count the same ones."""
    start, end = q.bounds()
    conditions = [within_period(Rating.created_at, start, end), f.region(Rating.region_code)]
    if q.department:
        conditions.append(Rating.department_code == q.department)
    if q.bundle or q.item:
        conditions.append(Rating.application_id.in_(f.applications(select(Application.id))))
    return conditions


def _counted(row: Any) -> RatingRates:
    """A row of `_rating_counts`: count, good, rectified, unjustified."""
    n, good, rectified, unjustified = row
    ratings, good = int(n), int(good or 0)
    return RatingRates(ratings=ratings, good=good, bad=ratings - good,
                       rectified=int(rectified or 0), unjustified=int(unjustified or 0))


@dataclass
class _Published(RatingRates):
    """One row: the ratings by level; 好评率 and 整改率 as the dashboard counts them."""

    levels: dict[int, int] = field(default_factory=lambda: dict.fromkeys(LEVELS, 0))

    def count(self, level: int, justified: bool | None, on_time: bool | None) -> None:
        self.levels[level] += 1
        self.ratings += 1
        good = level >= GOOD_LEVEL
        self.good, self.bad = self.good + good, self.bad + (not good)
        self.rectified += bool(justified and on_time)
        self.unjustified += justified is False


def public_ratings(session: Session, catalog: Catalog, month: str | None) -> list[dict[str, Any]]:
    """Per department (and the windows): the ratings, 好评率 and 整改率 (None, "—", when
    no bad rating is left to rectify)."""
    query = select(Rating.department_code, Rating.level, Rectification.justified,
                   Rectification.on_time).outerjoin(
        Rectification, Rectification.rating_id == Rating.id)
    if month:
        start, end = StatsQuery(*month_bounds(month)).bounds()
        query = query.where(Rating.created_at >= start, Rating.created_at < end)
    rows: dict[str, _Published] = defaultdict(_Published)
    for code, level, justified, on_time in session.execute(query):
        rows[code or WINDOW].count(level, justified, on_time)
    result = [{
        "department": code,
        "name": WINDOWS if code == WINDOW else
        catalog.departments[code].name if code in catalog.departments else code,
        "ratings": row.ratings, "good": row.good, "bad": row.bad,
        "good_rate": row.good_rate, "rectified": row.rectified,
        "rectification_rate": row.rectification_rate,
        "levels": {LEVELS[k]: v for k, v in row.levels.items()},
    } for code, row in rows.items()]
    return sorted(result, key=lambda r: (-(r["good_rate"] or 0), r["name"]))
