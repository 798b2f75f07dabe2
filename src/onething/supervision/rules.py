"""When a case deserves a card (行政效能电子监察, 红黄牌). Pure: dates in, kinds out.

What falls due is the profile's (see `supervision.profile`): each check (a case's time
limit, a special procedure, online pre-acceptance, issuing the result …) has rules per
card kind, each counted in working days against a deadline of the clock:

- `before N`: from N working days before the deadline, at the earliest on the first
  working day counted (never the day the clock starts); never for a limit of 0 days
  (a 即办件's deadline is the day it opens: there is no time before it to warn about);
- `after N`: once the deadline is passed by more than N working days (`after 0`: late).

A clock's working days are counted from the day after it starts; time in a special
procedure (a suspension) does not count and extends every deadline of the case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from onething.kernel.workdays import Calendar


class CardKind(StrEnum):
    warning = "warning"
    yellow = "yellow"
    red = "red"


CARD_NAMES = {CardKind.warning: "预警", CardKind.yellow: "黄牌", CardKind.red: "红牌"}


@dataclass(frozen=True)
class Rule:
    """One way a card falls due: `before` or `after` (exactly one) working days, counted
    against the clock's own limit (`of="limit"`) or its statutory one (`of="legal"`)."""

    of: str = "limit"
    before: int | None = None
    after: int | None = None


@dataclass(frozen=True)
class Check:
    """A profile's rules for one kind of clock; `limit_days` where the profile sets the
    limit (pre-acceptance, issuing), None where the case carries it."""

    name: str
    limit_days: int | None = None
    rules: Mapping[CardKind, tuple[Rule, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Clock:
    """The time limits of one open case, in working days from `opened_on`."""

    opened_on: dt.date
    limit_days: int  # the promised limit of a case; the check's or the case's own otherwise
    legal_days: int | None = None  # the statutory limit, where there is one
    suspended_days: int = 0  # finished special procedures
    suspended_since: dt.date | None = None  # a special procedure still running


@dataclass(frozen=True)
class Assessment:
    used: int  # working days counted against the case
    deadline: dt.date  # the limit's deadline (the promised one, for a case)
    due: frozenset[CardKind]
    deadlines: Mapping[CardKind, dt.date]  # the deadline each kind's first rule counts from


def threshold(rule: Rule, clock: Clock) -> int | None:
    """The working days counted from which `rule` holds (None: never)."""
    limit = clock.legal_days if rule.of == "legal" else clock.limit_days
    if limit is None:
        return None
    if rule.after is not None:
        return limit + rule.after + 1
    if limit < 1:
        return None
    return max(limit - (rule.before or 0), 1)


def _first(rules: tuple[Rule, ...], clock: Clock) -> tuple[int, Rule] | None:
    """The rule of a kind reached first, with its threshold."""
    found = [(t, rule) for rule in rules if (t := threshold(rule, clock)) is not None]
    return min(found, key=lambda pair: pair[0]) if found else None


def _stopped(clock: Clock, today: dt.date, calendar: Calendar) -> int:
    running = calendar.count(clock.suspended_since, today) if clock.suspended_since else 0
    return clock.suspended_days + running


def assess(clock: Clock, today: dt.date, calendar: Calendar, check: Check) -> Assessment:
    """Which cards are due today (the caller raises those not yet raised)."""
    stopped = _stopped(clock, today, calendar)
    used = max(0, calendar.count(clock.opened_on, today) - stopped)

    def deadline(days: int | None) -> dt.date:
        return calendar.add(clock.opened_on, (days or 0) + stopped).date

    due: set[CardKind] = set()
    deadlines: dict[CardKind, dt.date] = {}
    for kind, rules in check.rules.items():
        first = _first(rules, clock)
        if first is None:
            continue
        at, rule = first
        deadlines[kind] = deadline(clock.legal_days if rule.of == "legal" else
                                   clock.limit_days)
        if used >= at:
            due.add(kind)
    return Assessment(used, deadline(clock.limit_days), frozenset(due), deadlines)


NEVER = dt.date(9999, 12, 31)  # nothing more can fall due while the clock stays as it is


def next_check(clock: Clock, raised: Collection[str], today: dt.date, calendar: Calendar,
               check: Check) -> dt.date:
    """The first day after `today` on which `assess` can find a card not yet `raised`
    (kind values), so the sweep need not read the case before then. A running special
    procedure stops the clock: NEVER, until resuming it sets the case back to be read."""
    if clock.suspended_since is not None:
        return NEVER
    due = [calendar.add(clock.opened_on, first[0] + clock.suspended_days).date
           for kind, rules in check.rules.items()
           if kind.value not in raised and (first := _first(rules, clock)) is not None]
    return max(min(due, default=NEVER), today + dt.timedelta(days=1))

