"""The figures supervisors act on, for any region (and below), department, item, bundle
and period. Rows are selected in SQL; working days and rates are computed here.

The rating figures (好评率, 整改率) are counted by ratings (`ratings.figures`) over the same
query and handed in by the door that shows them: supervision reads no rating."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, not_, select
from sqlalchemy.orm import Session

from onething.cases.figures import (
    Filters,
    RatingFigures,
    RatingRates,
    StatsQuery,
    rate,
    within_period,
)
from onething.cases.models import Application, Task
from onething.cases.routing import WINDOWS
from onething.cases.service import ONLINE_CHANNELS
from onething.catalog.linked import Catalog
from onething.supervision.models import Card

ONLINE = ONLINE_CHANNELS
# the departments table's row of the receiving windows: the cards no department answers
# for (a case's whole time limit, acceptance, issuing) and the ratings of the windows
WINDOW = ""
KINDS = ("warning", "yellow", "red")


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

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.decided)

    @property
    def promise_compression(self) -> float | None:
        return compression(self.promised_days, self.legal_days)


@dataclass
class ItemFigures:
    """智能办: how many of an item's tasks decided in the period the platform approved at
    once (秒批), of those decided (approved or denied)."""

    item: str
    name: str
    decided: int = 0
    automatic: int = 0

    @property
    def auto_rate(self) -> float | None:
        return rate(self.automatic, self.decided)


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
    # 跨域通办: received here for offices elsewhere (异地代收), and tasks decided here of
    # applications received elsewhere
    received_for_others: int = 0
    decided_for_others: int = 0
    cards: dict[str, int] = field(default_factory=lambda: {"warning": 0, "yellow": 0, "red": 0})
    materials_saved: int = 0
    visits_saved: int = 0
    months: list[dict[str, Any]] = field(default_factory=list)
    departments: list[DepartmentFigures] = field(default_factory=list)
    # 智能办: the items that may be decided at once (and any the platform decided)
    items: list[ItemFigures] = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return rate(self.on_time, self.completed)

    @property
    def online_rate(self) -> float | None:
        return rate(self.online, self.received)

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
        data["items"] = [{**asdict(i), "auto_rate": i.auto_rate} for i in self.items]
        return data


def compression(promised: int, legal: int) -> float | None:
    """承诺时限压缩率: how much shorter the promised limits are than the statutory ones."""
    return round(1 - promised / legal, 4) if legal else None


def statistics(session: Session, catalog: Catalog, q: StatsQuery,
               rated: RatingFigures) -> Statistics:
    """Counted in SQL: durations were kept when cases were decided. `rated`: the ratings
    of the same query (`ratings.figures.rating_figures`), shown beside the cases."""
    stats = Statistics(q)
    f = Filters(catalog, q)
    start, end = q.bounds()
    month = _month_expression(session)
    _received(session, f, start, end, stats, month)
    _completed(session, f, start, end, stats, month)
    _across_regions(session, f, start, end, stats)
    _cards(session, f, start, end, stats)
    stats.add(rated.total)
    stats.departments = _departments(session, catalog, f, start, end, rated)
    stats.items = _automatic(session, catalog, f, start, end)
    stats.promise_compression = compression(sum(d.promised_days for d in stats.departments),
                                            sum(d.legal_days for d in stats.departments))
    return stats


def _across_regions(session: Session, f: Filters, start: dt.datetime, end: dt.datetime,
                    stats: Statistics) -> None:
    """跨域通办 counted on both sides: applications received in scope with a task decided
    outside it, and tasks decided in scope of applications received outside it."""
    stats.received_for_others = int(session.execute(f.applications(select(func.count()).where(
        within_period(Application.submitted_at, start, end), Application.cross_region.is_(True),
        exists().where(Task.application_id == Application.id,
                       not_(f.region(Task.region_code)))))).scalar_one())
    stats.decided_for_others = int(session.execute(f.tasks(
        select(func.count()).select_from(Task).join(
            Application, Application.id == Task.application_id).where(
            within_period(Task.decided_at, start, end), Application.cross_region.is_(True),
            not_(f.region(Application.region_code))))).scalar_one())


def _month_expression(session: Session) -> Callable[[Any], Any]:
    """'YYYY-MM' of a timestamp, in China time, in the database's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return lambda column: func.to_char(func.timezone("Asia/Shanghai", column), "YYYY-MM")
    return lambda column: func.strftime("%Y-%m", column, "+8 hours")


def _received(session: Session, f: Filters, start: dt.datetime, end: dt.datetime,
              stats: Statistics, month: Callable[[Any], Any]) -> None:
    saved = Application.guide[("effect", "saved", "materials")].as_integer()
    visits = Application.guide[("effect", "saved", "visits")].as_integer()
    row = session.execute(f.applications(select(
        func.count(), func.sum(case((Application.channel.in_(ONLINE), 1), else_=0)),
        func.coalesce(func.sum(saved), 0), func.coalesce(func.sum(visits), 0)).where(
        within_period(Application.submitted_at, start, end)))).one()
    stats.received, stats.online = int(row[0]), int(row[1] or 0)
    stats.materials_saved, stats.visits_saved = int(row[2]), int(row[3])
    stats.accepted = int(session.execute(f.applications(select(func.count()).where(
        within_period(Application.accepted_at, start, end)))).scalar_one())
    months: dict[str, Counter[str]] = defaultdict(Counter)
    for label, column in (("received", Application.submitted_at),
                          ("completed", Application.completed_at)):
        key = month(column)
        for m, n in session.execute(f.applications(select(key, func.count()).where(
                within_period(column, start, end)).group_by(key))):
            months[str(m)][label] = int(n)
    stats.months = [{"month": m, "received": c["received"], "completed": c["completed"]}
                    for m, c in sorted(months.items())]


def _completed(session: Session, f: Filters, start: dt.datetime, end: dt.datetime,
               stats: Statistics, month: Callable[[Any], Any]) -> None:
    rows = list(session.execute(f.applications(select(
        Application.worked_days, Application.late_days, Application.legal_days,
        Application.promised_days).where(within_period(Application.completed_at, start, end),
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


def _card_conditions(f: Filters, start: dt.datetime, end: dt.datetime
                     ) -> list[ColumnElement[bool]]:
    """The cards the figures count: raised in the period, in the region; of the department,
    the bundle's applications or the item's tasks when those are asked for. The summary and
    the departments table count the same ones."""
    conditions = [within_period(Card.raised_at, start, end), f.region(Card.region_code)]
    if f.q.department:
        conditions.append(Card.department_code == f.q.department)
    if f.q.bundle:
        conditions.append(Card.application_id.in_(select(Application.id).where(
            Application.bundle_code == f.q.bundle)))
    if f.q.item:
        conditions.append(Card.task_id.in_(select(Task.id).where(Task.item_code == f.q.item)))
    return conditions


def _cards(session: Session, f: Filters, start: dt.datetime, end: dt.datetime,
           stats: Statistics) -> None:
    for kind, n in session.execute(select(Card.kind, func.count()).where(
            *_card_conditions(f, start, end)).group_by(Card.kind)):
        stats.cards[kind] = int(n)


def _automatic(session: Session, catalog: Catalog, f: Filters, start: dt.datetime,
               end: dt.datetime) -> list[ItemFigures]:
    """秒批 per item: the tasks decided in the period, and those the platform approved at
    once; every item with an automatic rule is listed, decided or not."""
    found = {code: ItemFigures(code, item.name) for code, item in catalog.items.items()
             if item.auto and (not f.q.item or code == f.q.item)
             and (not f.q.department or item.handler.code == f.q.department)}
    for code, n, automatic in session.execute(f.tasks(select(
            Task.item_code, func.count(),
            func.sum(case((Task.auto_approved.is_(True), 1), else_=0))).where(
            within_period(Task.decided_at, start, end),
            Task.status.in_(("approved", "denied"))).group_by(Task.item_code))):
        if code in found or automatic:
            row = found.setdefault(code, ItemFigures(code, catalog.items[code].name
                                                     if code in catalog.items else code))
            row.decided, row.automatic = int(n), int(automatic or 0)
    return sorted(found.values(), key=lambda i: (-(i.auto_rate or 0), -i.decided, i.item))


def _departments(session: Session, catalog: Catalog, f: Filters, start: dt.datetime,
                 end: dt.datetime, rated: RatingFigures) -> list[DepartmentFigures]:
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
            within_period(Task.decided_at, start, end), Task.opened_on.is_not(None))
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
    for code, counts in rated.departments.items():
        figures(code or WINDOW).add(counts)
    if f.q.department:
        found = {k: v for k, v in found.items() if k == f.q.department}
    return sorted(found.values(), key=lambda d: (d.department == WINDOW,
                                                 -(d.average_days or 0), d.department))
