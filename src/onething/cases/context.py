"""What every case service call needs: the session, the catalog, the calendar, the clock
and who is acting."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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

    @property
    def today(self) -> dt.date:
        """The date in China, where every deadline is counted."""
        return self.now.astimezone(CHINA).date()
