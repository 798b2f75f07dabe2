"""The clock: instants in UTC, dates in China, where every deadline is counted."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def china_date(when: dt.datetime) -> dt.date:
    """The date in China of an aware instant."""
    return when.astimezone(CHINA).date()
