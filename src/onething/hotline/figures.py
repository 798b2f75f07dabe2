"""The 12345 centre's figures for a region and a period: what each rate counts, the
periods (this week, last week, a chosen range, China time), and the hot categories and
places with their change from the period before. Pure: `hotline/statistics.py` counts in
the database and hands the counts here.

Each rate is numerator / denominator over the tickets of the region (where the 诉求 is,
`region_code` within the region) and the period [start, end):

- 按时签收率 (`sign_on_time`): of the dispatched tickets whose 签收 deadline
  (`sign_due_at`) fell in the period or that were signed (`signed_at`) in it, those signed
  by their deadline (`signed_at <= sign_due_at`).
- 按时办结率 (`reply_on_time`): of the dispatched tickets whose 答复 deadline
  (`reply_due_at`, moved by 延期 and 重办) fell in the period or that were replied to
  (`replied_at`) in it, those replied to by their deadline.
- 满意率 (`satisfied`): of the tickets whose last 回访 (`visited_at`) fell in the period,
  those where the caller was satisfied or basically satisfied.
- 重办率 (`reopened`): of the dispatched tickets 办结 in the period (`closed_at`) or
  reopened in it (`reopened_at`), those reopened (重办) at least once.
- 直接答复率 (`answered`): of the tickets received (`received_at`) in the period and taken
  (受理, every state but `submitted`; a duplicate merged under another (`merged`) counts
  with its parent, not again), those answered at once (`answered`).

A rate with nothing to count (denominator 0) is None, shown as "—".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from onething.kernel.clock import CHINA

_INSTANT = dt.timedelta(microseconds=1)  # so that a period up to now includes now
MAX_DAYS = 366  # the longest period asked for
HOT = 10  # hot categories and places shown


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, with the China dates it covers (`first` … `last`)."""

    start: dt.datetime
    end: dt.datetime
    first: dt.date
    last: dt.date
    name: str  # this_week | last_week | range

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def before(self) -> Period:
        """What the period is compared with: for this week so far, last week up to the same
        weekday and hour; for a week or a range, the as long one just before."""
        if self.name == "this_week":
            week = dt.timedelta(days=7)
            return Period(self.start - week, self.end - week, self.first - week,
                          self.last - week, "before")
        return Period(self.start - (self.end - self.start), self.start,
                      self.first - dt.timedelta(days=self.days),
                      self.first - dt.timedelta(days=1), "before")


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=CHINA).astimezone(dt.UTC)


def monday(now: dt.datetime) -> dt.date:
    today = now.astimezone(CHINA).date()
    return today - dt.timedelta(days=today.weekday())


def this_week(now: dt.datetime) -> Period:
    """Monday 00:00 (China time) to now (what happened at this very instant included)."""
    first = monday(now)
    return Period(_midnight(first), now + _INSTANT, first, now.astimezone(CHINA).date(),
                  "this_week")


def last_week(now: dt.datetime) -> Period:
    first = monday(now) - dt.timedelta(days=7)
    return Period(_midnight(first), _midnight(first + dt.timedelta(days=7)), first,
                  first + dt.timedelta(days=6), "last_week")


def date_range(first: dt.date, last: dt.date, now: dt.datetime) -> Period:
    """From the start of `first` to the end of `last` (China dates), cut at now; ValueError
    when `last` is before `first` or the range is longer than MAX_DAYS."""
    if last < first:
        raise ValueError("end before start")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValueError("too long")
    return Period(_midnight(first), min(_midnight(last + dt.timedelta(days=1)), now + _INSTANT),
                  first,
                  last, "range")


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass
class Counts:
    """What the database counted for one region and period."""

    received: int = 0
    sign_due: int = 0
    sign_on_time: int = 0
    reply_due: int = 0
    reply_on_time: int = 0
    visited: int = 0
    satisfied: int = 0  # satisfied or basically satisfied
    closed: int = 0
    reopened: int = 0
    taken: int = 0  # 受理
    answered: int = 0  # 直接答复
    by_kind: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_place: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Hot:
    code: str
    count: int
    before: int  # in the period before

    @property
    def change(self) -> int:
        return self.count - self.before

    @property
    def growth(self) -> float | None:
        """The change as a share of the period before (None when it had none)."""
        return self.change / self.before if self.before else None


@dataclass(frozen=True)
class Figures:
    period: Period
    before: Period
    received: int
    received_before: int
    sign_on_time: Rate
    reply_on_time: Rate
    satisfied: Rate
    reopened: Rate
    answered: Rate
    by_kind: dict[str, int]
    by_channel: dict[str, int]
    categories: list[Hot]
    places: list[Hot]


def hot(now: dict[str, int], before: dict[str, int], top: int = HOT) -> list[Hot]:
    """The `top` most frequent codes of the period (ties by code), with the count of the
    period before."""
    ranked = sorted(now.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return [Hot(code, count, before.get(code, 0)) for code, count in ranked]


def figures(period: Period, before: Period, now: Counts, then: Counts) -> Figures:
    return Figures(
        period=period, before=before, received=now.received, received_before=then.received,
        sign_on_time=Rate(now.sign_on_time, now.sign_due),
        reply_on_time=Rate(now.reply_on_time, now.reply_due),
        satisfied=Rate(now.satisfied, now.visited), reopened=Rate(now.reopened, now.closed),
        answered=Rate(now.answered, now.taken), by_kind=dict(now.by_kind),
        by_channel=dict(now.by_channel), categories=hot(now.by_category, then.by_category),
        places=hot(now.by_place, then.by_place))
