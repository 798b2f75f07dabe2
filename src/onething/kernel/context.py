"""What every service call needs: the session, the calendar, the clock and who is acting.

The catalog in force is added by `onething.catalog.context.Ctx`, the context every case
service receives; the kernel knows no domain.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Self

from sqlalchemy.orm import Session

from onething.kernel.clock import china_date
from onething.kernel.db import UnitOfWork
from onething.kernel.principal import Principal
from onething.kernel.workdays import Calendar


@dataclass(frozen=True, kw_only=True)
class Context:
    session: Session
    calendar: Calendar
    now: dt.datetime  # aware; tests move it
    actor: Principal
    # a factory of read-only sessions, for answering after the change was committed (so the
    # answer is built outside the write transaction and holds no write lock)
    reads: Callable[[], Session] | None = None

    def work(self) -> UnitOfWork:
        """The unit of work on this context's session: `with ctx.work():` commits the
        service step when it succeeds and rolls it back when it raises."""
        return UnitOfWork(self.session)

    @contextmanager
    def reading(self) -> Iterator[Self]:
        """This context on a fresh read-only session (or on its own, without a factory)."""
        if self.reads is None:
            yield self
            return
        with self.reads() as session:
            yield replace(self, session=session)

    @property
    def today(self) -> dt.date:
        """The date in China, where every deadline is counted."""
        return china_date(self.now)

    def acting_as(self, actor: Principal) -> Self:
        """The same context with another principal (the platform's own steps act as SYSTEM)."""
        return replace(self, actor=actor)
