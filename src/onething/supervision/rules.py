"""When a case deserves a card (行政效能电子监察, 红黄牌). Pure: dates in, kinds out.

Defaults (every one a setting, since provinces differ):
- warning (预警): at most `warning_days_left` working day left, or at least
  `warning_share_used` of the promised time used;
- yellow (黄牌): past the promised deadline;
- red (红牌): past the legal deadline, or a yellow card still open after
  `red_after_yellow_days` working days.
Time in a special procedure (suspension) does not count.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from onething.workdays import Calendar


class CardKind(StrEnum):
    warning = "warning"
    yellow = "yellow"
    red = "red"


CARD_NAMES = {CardKind.warning: "预警", CardKind.yellow: "黄牌", CardKind.red: "红牌"}


@dataclass(frozen=True)
class Thresholds:
    warning_days_left: int = 1
    warning_share_used: float = 2 / 3
    red_after_yellow_days: int = 3


DEFAULTS = Thresholds()


@dataclass(frozen=True)
class Clock:
    """The time limits of one open case."""

    opened_on: dt.date
    promised_days: int
    legal_days: int
    suspended_days: int = 0  # finished special procedures
    suspended_since: dt.date | None = None  # a special procedure still running
    yellow_since: dt.date | None = None  # when its yellow card was raised, if it was


@dataclass(frozen=True)
class Assessment:
    used: int  # working days counted against the case
    promised_deadline: dt.date
    legal_deadline: dt.date
    due: frozenset[CardKind]


def assess(clock: Clock, today: dt.date, calendar: Calendar,
           thresholds: Thresholds = DEFAULTS) -> Assessment:
    """Which cards are due today (the caller raises those not yet raised)."""
    stopped = clock.suspended_days + (
        calendar.count(clock.suspended_since, today) if clock.suspended_since else 0)
    used = max(0, calendar.count(clock.opened_on, today) - stopped)
    promised = calendar.add(clock.opened_on, clock.promised_days + stopped).date
    legal = calendar.add(clock.opened_on, clock.legal_days + stopped).date
    due: set[CardKind] = set()
    left = clock.promised_days - used
    if (left <= thresholds.warning_days_left
            or used >= thresholds.warning_share_used * clock.promised_days):
        due.add(CardKind.warning)
    if used > clock.promised_days:
        due.add(CardKind.yellow)
    yellow_for = calendar.count(clock.yellow_since, today) if clock.yellow_since else 0
    if clock.yellow_since and clock.suspended_since:  # the clock stands still meanwhile too
        yellow_for -= calendar.count(max(clock.yellow_since, clock.suspended_since), today)
    if used > clock.legal_days or (clock.yellow_since is not None
                                   and yellow_for >= thresholds.red_after_yellow_days):
        due.add(CardKind.red)
    return Assessment(used, promised, legal, frozenset(due))


NEVER = dt.date(9999, 12, 31)  # nothing more can fall due while the clock stays as it is


def next_check(clock: Clock, raised: Collection[str], today: dt.date, calendar: Calendar,
               thresholds: Thresholds = DEFAULTS) -> dt.date:
    """The first day after `today` on which `assess` can find a card not yet `raised`
    (kind values), so the sweep need not read the case before then. A running special
    procedure stops the clock: NEVER, until resuming it sets the case back to be read."""
    if clock.suspended_since is not None:
        return NEVER

    def reached(used: int) -> dt.date:  # the first day with `used` working days counted
        days = used + clock.suspended_days
        return calendar.add(clock.opened_on, days).date if days > 0 else today

    due: list[dt.date] = []
    if CardKind.warning not in raised:
        due.append(reached(min(clock.promised_days - thresholds.warning_days_left,
                               math.ceil(thresholds.warning_share_used * clock.promised_days))))
    if CardKind.yellow not in raised:
        due.append(reached(clock.promised_days + 1))
    if CardKind.red not in raised:
        due.append(reached(clock.legal_days + 1))
        if clock.yellow_since is not None:
            after = thresholds.red_after_yellow_days
            due.append(calendar.add(clock.yellow_since, after).date if after > 0 else today)
    return max(min(due, default=NEVER), today + dt.timedelta(days=1))


def delay(promised_deadline: dt.date, decided_on: dt.date, calendar: Calendar) -> int:
    """Working days a case was late when it was decided (0 if on time)."""
    return calendar.count(promised_deadline, decided_on)
