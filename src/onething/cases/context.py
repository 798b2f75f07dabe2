"""What every case service call needs: the session, the catalog, the calendar, the clock
and who is acting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from onething.catalog.model import Catalog
from onething.identity.roles import Principal
from onething.workdays import Calendar

CHINA = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Ctx:
    session: Session
    catalog: Catalog
    calendar: Calendar
    now: dt.datetime  # aware; tests move it
    actor: Principal
    # a factory of read-only sessions, for answering after the change was committed (so the
    # answer is built outside the write transaction and holds no write lock)
    reads: Callable[[], Session] | None = None

    @contextmanager
    def reading(self) -> Iterator[Ctx]:
        """This context on a fresh read-only session (or on its own, without a factory)."""
        if self.reads is None:
            yield self
            return
        with self.reads() as session:
            yield replace(self, session=session)

    @property
    def today(self) -> dt.date:
        """The date in China, where every deadline is counted."""
        return self.now.astimezone(CHINA).date()
