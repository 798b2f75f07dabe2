"""Holiday notices in the database, and the working-day calendar built from them."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from onething.audit import service as audit
from onething.calendar.models import CalendarNotice
from onething.kernel.clock import utcnow
from onething.kernel.principal import SYSTEM
from onething.kernel.recent import Recent
from onething.kernel.workdays import Calendar, notice_from_data


def load_notice(session: Session, data: dict[str, Any]) -> CalendarNotice:
    """Store (or replace) one year's State Council notice; ValueError if it is malformed."""
    notice = notice_from_data(data)
    document = {
        "year": notice.year, "source": notice.source,
        "holidays": [{"name": name, "from": d.isoformat(), "to": d.isoformat()}
                     for d, name in sorted(notice.holidays.items())],
        "workdays": sorted(d.isoformat() for d in notice.workdays),
    }
    row = session.get(CalendarNotice, notice.year)
    if row is None:
        row = CalendarNotice(year=notice.year, source=notice.source, document=document)
        session.add(row)
    else:
        row.source, row.document, row.loaded_at = notice.source, document, utcnow()
    session.flush()
    audit.record(session, SYSTEM, "load_holiday_notice", "calendar", notice.year,
                 after={"source": notice.source, "holidays": len(notice.holidays),
                        "workdays": len(notice.workdays)})
    return row


def calendar_version(session: Session) -> str:
    """Changes whenever a notice is loaded or replaced."""
    count, loaded = session.execute(
        select(func.count(CalendarNotice.year), func.max(CalendarNotice.loaded_at))).one()
    return f"{count}:{loaded.isoformat() if loaded else '-'}"


class CalendarCache:
    """The working-day calendar of the notices loaded, rebuilt only when they change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: str | None = None
        self._calendar = Calendar()
        self._recent = Recent(self.get)

    def get(self, session: Session) -> Calendar:
        key = calendar_version(session)
        if key != self._key:
            with self._lock:
                rows = session.scalars(select(CalendarNotice)).all()
                notices = {r.year: notice_from_data(r.document) for r in rows}
                self._calendar, self._key = Calendar(notices), key
        return self._calendar

    def recent(self, sessions: sessionmaker[Session] | Session, max_age: float) -> Calendar:
        """The calendar, asking the database whether a notice changed at most every
        `max_age` s (`Recent`), as a server's requests do."""
        return self._recent.get(sessions, max_age)


calendar_cache = CalendarCache()  # for commands and jobs; each app keeps its own


def current_calendar(session: Session) -> Calendar:
    return calendar_cache.get(session)
