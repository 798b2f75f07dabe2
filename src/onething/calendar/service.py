"""Holiday notices in the database, and the working-day calendar built from them: the
notice file read (the CLI's `workdays load` and the administrators' page alike), what a
notice would change, who loaded each year."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from onething.audit import service as audit
from onething.audit.models import AuditRecord
from onething.calendar.models import CalendarNotice
from onething.kernel.clock import utcnow
from onething.kernel.principal import SYSTEM, Principal, Role
from onething.kernel.recent import Recent
from onething.kernel.regions import Node, ancestors
from onething.kernel.workdays import Calendar, Notice, notice_from_data

MAX_NOTICE_BYTES = 64 * 1024  # a notice file is a few hundred bytes
LOAD_ACTION = "load_holiday_notice"


def read_notice(text: str | bytes) -> dict[str, Any]:
    """The mapping of a notice file (YAML: year, source, holidays, workdays); ValueError in
    Chinese naming the line or the value. `notice_from_data` checks what it says."""
    if isinstance(text, bytes):
        if len(text) > MAX_NOTICE_BYTES:
            raise ValueError(f"文件过大（不超过 {MAX_NOTICE_BYTES // 1024} KB）")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError("文件不是 UTF-8 编码的文本") from exc
    try:
        data = YAML(typ="safe").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"第 {mark.line + 1} 行" if mark is not None else "文件中"
        raise ValueError(f"{where}格式有误（YAML 无法解析）") from exc
    except (YAMLError, ValueError) as exc:
        # ValueError: YAML reads 2027-02-30 as a date and fails on it
        raise ValueError(f"日期或格式有误：{str(exc).splitlines()[0]}") from exc
    if not isinstance(data, dict):
        raise ValueError("应为包含 year/holidays/workdays 的映射")
    return data


def may_see(actor: Principal) -> bool:
    """The calendar's page and the settings in force are the administrators'."""
    return actor.role == Role.admin


def may_load(actor: Principal, regions: Mapping[str, Node]) -> bool:
    """A notice holds for the whole platform: loaded by an administrator of the whole of it
    (bound to no region, or to the top of the region tree), as by the CLI."""
    if actor.role == Role.system:
        return True
    if actor.role != Role.admin:
        return False
    return actor.region is None or len(ancestors(regions, actor.region)) == 1


def load_notice(session: Session, data: dict[str, Any],
                actor: Principal = SYSTEM) -> CalendarNotice:
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
    audit.record(session, actor, LOAD_ACTION, "calendar", notice.year,
                 after={"source": notice.source, "holidays": len(notice.holidays),
                        "workdays": len(notice.workdays)})
    return row


def loaded_notices(session: Session) -> dict[int, Notice]:
    """The notices in the database, by year."""
    return {r.year: notice_from_data(r.document)
            for r in session.scalars(select(CalendarNotice))}


def calendar_with(session: Session, notice: Notice) -> Calendar:
    """The calendar once `notice` is loaded (replacing its year's), without loading it."""
    return Calendar({**loaded_notices(session), notice.year: notice})


@dataclass(frozen=True)
class DayChange:
    """A day a notice turns into a working day or a day off (and its holiday)."""

    date: dt.date
    was_workday: bool
    workday: bool
    holiday: str | None


def changed_days(before: Calendar, after: Calendar, notice: Notice) -> list[DayChange]:
    """The days of the notice's year (and those it names in the neighbouring years) that
    are working days in one calendar and not in the other."""
    first = dt.date(notice.year, 1, 1)
    dates = {first + dt.timedelta(days=n)
             for n in range((dt.date(notice.year + 1, 1, 1) - first).days)}
    dates |= set(notice.holidays) | set(notice.workdays)
    found = []
    for date in sorted(dates):
        old, new = before.day(date), after.day(date)
        if old.workday != new.workday:
            found.append(DayChange(date, old.workday, new.workday, new.holiday))
    return found


@dataclass(frozen=True)
class LoadedYear:
    year: int
    source: str
    holidays: int  # days off
    workdays: int  # make-up working days (调休上班)
    loaded_at: dt.datetime
    loaded_by: str | None  # the account that loaded it last, from the audit trail


def years(session: Session) -> list[LoadedYear]:
    """The years loaded, newest first, each with who loaded it (when recorded)."""
    by: dict[str, str] = {}
    for subject_id, actor, role in session.execute(
            select(AuditRecord.subject_id, AuditRecord.actor, AuditRecord.role)
            .where(AuditRecord.subject == "calendar", AuditRecord.action == LOAD_ACTION)
            .order_by(AuditRecord.at, AuditRecord.id)):
        by[str(subject_id)] = "平台（命令行）" if role == Role.system.value else actor
    rows = session.scalars(select(CalendarNotice).order_by(CalendarNotice.year.desc()))
    return [LoadedYear(r.year, r.source, sum(_days(h) for h in r.document["holidays"]),
                       len(r.document["workdays"]), r.loaded_at, by.get(str(r.year)))
            for r in rows]


def _days(period: Mapping[str, str]) -> int:
    first, last = dt.date.fromisoformat(period["from"]), dt.date.fromisoformat(period["to"])
    return (last - first).days + 1


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
