"""Issuing electronic licences into the holder's wallet, and reading the wallet."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.cases.models import Application, Task
from onething.cases.numbering import next_number
from onething.cases.routing import office_name
from onething.catalog.model import Catalog
from onething.identity.models import User
from onething.licences.models import Licence

HELD, VALID, REVOKED = "held", "valid", "revoked"
STATUS_NAMES = {HELD: "暂缓送达（容缺待补齐）", VALID: "有效", REVOKED: "已撤销"}


def issue(session: Session, catalog: Catalog, app: Application, task: Task,
          today: dt.date) -> Licence | None:
    """The licence an approved task's item results in (held while 容缺 is not supplemented)."""
    item = catalog.items.get(task.item_code)
    if item is None or item.result is None:
        return None
    holder = session.get_one(User, app.applicant_id)
    years = item.result.valid_years
    licence = Licence(
        number=next_number(session, f"ZZ{task.region_code}{today:%Y}", width=6),
        holder_id=holder.id, holder_name=str(app.form.get("company_name")
                                             or app.form.get("applicant_name")
                                             or holder.display_name),
        licence_type=item.result.licence_type, name=item.result.name,
        issuer=office_name(catalog, task.region_code, task.department_code),
        issued_on=today,
        valid_until=_years_later(today, years) - dt.timedelta(days=1) if years else None,
        status=HELD if app.deficient and app.supplemented_at is None else VALID,
        application_id=app.id, task_id=task.id)
    session.add(licence)
    session.flush()
    return licence


def _years_later(day: dt.date, years: int) -> dt.date:
    """The same date `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def release_held(session: Session, application_id: int) -> None:
    for licence in session.scalars(select(Licence).where(
            Licence.application_id == application_id, Licence.status == HELD)):
        licence.status = VALID


def revoke(session: Session, task_id: int, reason: str, now: dt.datetime) -> list[Licence]:
    """Revoke the licences a task issued (已撤销, with the reason); they stay in the wallet,
    marked, and no longer stand in for materials."""
    found = list(session.scalars(select(Licence).where(
        Licence.task_id == task_id, Licence.status.in_((HELD, VALID)))))
    for licence in found:
        licence.status, licence.revoked_reason, licence.revoked_at = REVOKED, reason, now
    session.flush()
    return found


def wallet(session: Session, holder_id: int, today: dt.date | None = None) -> list[Licence]:
    """The holder's valid licences and revoked ones, marked (expired ones stay listed,
    marked by their dates)."""
    return list(session.scalars(
        select(Licence).where(Licence.holder_id == holder_id,
                              Licence.status.in_((VALID, REVOKED)))
        .order_by(Licence.id.desc())))


def held_types(session: Session, holder_id: int, today: dt.date) -> dict[str, Licence]:
    """Licence type → a valid, unexpired licence the holder has of it."""
    found: dict[str, Licence] = {}
    for licence in wallet(session, holder_id):
        if licence.status != VALID:
            continue
        if licence.valid_until is None or licence.valid_until >= today:
            found.setdefault(licence.licence_type, licence)
    return found
