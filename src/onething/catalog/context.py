"""The context of every case service: the kernel's context and the catalog in force, and
the one function every door (API, pages, CLI and jobs) builds it with."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from onething.calendar.service import current_calendar
from onething.catalog.linked import Catalog
from onething.kernel.context import Context
from onething.kernel.principal import Principal
from onething.kernel.workdays import Calendar


@dataclass(frozen=True, kw_only=True)
class Ctx(Context):
    catalog: Catalog


def build_ctx(session: Session, catalog: Catalog, actor: Principal, now: dt.datetime,
              reads: Callable[[], Session] | None = None,
              calendar: Calendar | None = None) -> Ctx:
    """`actor` acting at `now` on `session`, under `catalog` (the door's: the app keeps its
    own cache, refreshed every few seconds; the CLI reads the newest) and the working-day
    calendar in force (`calendar`: the door's, kept like its catalog; else cached until a
    calendar notice is loaded). `reads`: read-only sessions, for answering after a change
    was committed (`Context.reading`)."""
    return Ctx(session=session, catalog=catalog, now=now, actor=actor, reads=reads,
               calendar=calendar if calendar is not None else current_calendar(session))
