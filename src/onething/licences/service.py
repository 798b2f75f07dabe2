"""Issuing electronic licences into the applicant's wallet, the values a result creates,
and reading the wallet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from onething.cases.forms import check_value
from onething.cases.models import Application, Task
from onething.cases.numbering import next_number
from onething.cases.routing import office_name
from onething.catalog.linked import Catalog, Holder, Item
from onething.catalog.privacy import masked_form
from onething.catalog.spec import FieldType, HolderKind
from onething.identity.models import User
from onething.kernel.errors import FieldProblem, Invalid
from onething.kernel.identifiers import USCC_CATEGORIES, new_uscc, uscc_entity_kind
from onething.kernel.privacy import Personal, mask
from onething.kernel.workdays import last_day_of_years
from onething.licences.models import Licence

HELD, VALID, REVOKED = "held", "valid", "revoked"
STATUS_NAMES = {HELD: "暂缓送达（容缺待补齐）", VALID: "有效", REVOKED: "已撤销"}
TITLES = {HolderKind.applicant: "本人", HolderKind.person: "家庭成员",
          HolderKind.company: "企业"}
NUMBER_NAMES = {HolderKind.applicant: "公民身份号码", HolderKind.person: "公民身份号码",
                HolderKind.company: "统一社会信用代码"}


# --- the values a result creates ----------------------------------------------------------


def result_values(session: Session, catalog: Catalog, app: Application, task: Task,
                  given: Mapping[str, Any]) -> dict[str, Any]:
    """The values of the fields the task's item fills (its result's `fills`), as the deciding
    office enters them (`data`), checked like the form; problems name `data.<code>`. Left
    empty: the value the form already holds, else for a 统一社会信用代码 a new one (the
    registration authority assigns it at registration), else a problem if it is required."""
    item = catalog.items.get(task.item_code)
    fills = item.result.fills if item is not None and item.result is not None else ()
    problems = [FieldProblem(f"data.{code}", "该事项的办结结果不产生此项信息")
                for code in given if code not in fills]
    values: dict[str, Any] = {}
    for code in fills:
        field, raw = catalog.fields[code], given.get(code)
        if raw is not None and str(raw).strip():
            value, reason = check_value(field, raw)
            if reason:
                problems.append(FieldProblem(f"data.{code}", f"“{field.label}”{reason}"))
            values[code] = value
        elif app.form.get(code) not in (None, ""):
            values[code] = app.form[code]
        elif field.type == FieldType.uscc:
            assert item is not None and item.result is not None
            values[code] = _fresh_uscc(session, task.region_code, item.result.holder)
        elif field.required:
            problems.append(FieldProblem(f"data.{code}", f"请填写“{field.label}”"
                                         "（本事项办结时产生，将填入申请表和电子证照）"))
    if problems:
        raise Invalid("办结结果信息有误", code="invalid_result_data", problems=problems)
    return values


def _fresh_uscc(session: Session, region: str, holder: Holder) -> str:
    """A new 统一社会信用代码 of the entity's category, not yet on any licence."""
    category = next((c for c, title in USCC_CATEGORIES.items() if title == holder.title), "1")
    while True:
        code = new_uscc(region, category)
        if session.scalar(select(Licence.id).where(Licence.holder_number == code)) is None:
            return code


# --- issuing ----------------------------------------------------------------------------


def issue(session: Session, catalog: Catalog, app: Application, task: Task,
          today: dt.date, data: Mapping[str, Any] | None = None) -> Licence | None:
    """The licence an approved task's item results in (held while 容缺 is not supplemented),
    about whom its result says, carrying the values the item created."""
    item = catalog.items.get(task.item_code)
    if item is None or item.result is None:
        return None
    owner = session.get_one(User, app.applicant_id)
    kind, title, name, number = holder_of(item, app.form, owner.display_name,
                                          owner.id_number)
    years = item.result.valid_years
    licence = Licence(
        number=next_number(session, f"ZZ{task.region_code}{today:%Y}", width=6),
        holder_id=owner.id, holder_kind=kind.value, holder_title=title, holder_name=name,
        holder_number=number, licence_type=item.result.licence_type, name=item.result.name,
        issuer=office_name(catalog, task.region_code, task.department_code),
        issued_on=today,
        valid_until=last_day_of_years(today, years) if years else None,
        status=HELD if app.deficient and app.supplemented_at is None else VALID,
        data=dict(data or {}), application_id=app.id, task_id=task.id)
    session.add(licence)
    session.flush()
    return licence


def holder_of(item: Item, form: Mapping[str, Any], owner_name: str,
              owner_number: str | None = None) -> tuple[HolderKind, str, str, str | None]:
    """Kind, title, name and ID number (or USCC) of whom the licence is about; where the form
    names no one, the owner's (the applicant's) name and number."""
    assert item.result is not None
    holder = item.result.holder

    def value(code: str | None) -> str | None:
        found = form.get(code) if code else None
        return str(found) if found not in (None, "") else None

    number = value(holder.id)
    if holder.kind == HolderKind.applicant:
        name = value(holder.name) or value("applicant_name") or owner_name
        return holder.kind, holder.title or TITLES[holder.kind], name, number or owner_number
    title = holder.title or (uscc_entity_kind(number) if holder.kind == HolderKind.company
                             and number else None) or TITLES[holder.kind]
    return holder.kind, title, value(holder.name) or owner_name, number


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


# --- the wallet -------------------------------------------------------------------------


def wallet(session: Session, holder_id: int, today: dt.date | None = None) -> list[Licence]:
    """The owner's valid licences and revoked ones, marked (expired ones stay listed, marked
    by their dates): their own, their children's, their companies'."""
    return list(session.scalars(
        select(Licence).where(Licence.holder_id == holder_id,
                              Licence.status.in_((VALID, REVOKED)))
        .order_by(Licence.id.desc())))


def held_types(session: Session, holder_id: int, today: dt.date) -> dict[str, str]:
    """Licence type → the number of the newest valid, unexpired licence about the owner in
    person. Licences about a child or a company stay in the wallet but stand for no material
    of a later application: nothing tells that it is about the same child or company (a
    second baby, a second shop get their own, issued by their own bundle). Chosen by the
    database (read at every submission and guide: a long-served holder's wallet is not
    loaded for it)."""
    return {kind: number for kind, number in session.execute(
        _HELD, {"holder": holder_id, "today": today})}


_NEWEST_HELD = (select(func.max(Licence.id))
                .where(Licence.holder_id == bindparam("holder"), Licence.status == VALID,
                       Licence.holder_kind == HolderKind.applicant.value,
                       or_(Licence.valid_until.is_(None),
                           Licence.valid_until >= bindparam("today")))
                .group_by(Licence.licence_type))
_HELD = select(Licence.licence_type, Licence.number).where(Licence.id.in_(_NEWEST_HELD))


def stands_for_material(session: Session, number: str, holder_id: int,
                        today: dt.date) -> bool:
    """Whether the licence `number` still replaces a material of `holder_id`'s application:
    valid (not held, not revoked), not expired, about the holder in person (as `held_types`)."""
    licence = session.scalar(select(Licence).where(Licence.number == number))
    return (licence is not None and licence.holder_id == holder_id
            and licence.status == VALID and licence.holder_kind == HolderKind.applicant
            and (licence.valid_until is None or licence.valid_until >= today))


def shown_number(licence: Licence) -> str | None:
    """The holder's number as lists show it: a person's ID number masked, a USCC in full."""
    if licence.holder_number is None or licence.holder_kind == HolderKind.company:
        return licence.holder_number
    return str(mask(licence.holder_number, Personal.id_number))


def holder_line(licence: Licence) -> str:
    """企业：长沙某某便利店有限公司（统一社会信用代码 9143…）, 子女：张小明 …"""
    number = shown_number(licence)
    kind = HolderKind(licence.holder_kind)
    suffix = f"（{NUMBER_NAMES[kind]} {number}）" if number else ""
    return f"{licence.holder_title}：{licence.holder_name}{suffix}"


def shown_data(licence: Licence, catalog: Catalog) -> list[tuple[str, Any]]:
    """The values the item created, labelled, personal ones masked (as in every list); not
    the holder's own number, which the holder line shows."""
    data = masked_form({code: value for code, value in (licence.data or {}).items()
                        if value != licence.holder_number}, catalog.fields)
    return [(catalog.fields[code].label if code in catalog.fields else code, value)
            for code, value in data.items()]
