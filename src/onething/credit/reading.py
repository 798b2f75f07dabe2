"""Who sees which credit records, and the records as they are shown: the holder their own,
the staff who decide what credit allows (windows, deciding offices, supervisors,
administrators) anyone's by 居民身份证号 or 统一社会信用代码 (audited); 失信 rulings
written by a deciding office or an administrator. Services flush; the caller commits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from onething.audit import service as audit
from onething.catalog.context import Ctx
from onething.credit.models import BAD, GOOD, CreditRecord
from onething.credit.service import (
    KIND_NAMES,
    SOURCES,
    Entry,
    Holder,
    Standing,
    holder_of,
    in_force,
    may_use,
    record,
    records_of,
)
from onething.identity.models import User
from onething.kernel.errors import FieldProblem, Forbidden, Invalid
from onething.kernel.identifiers import id_number_problem, mask_id_number, uscc_problem
from onething.kernel.principal import Principal, Role

LOOKERS = (Role.clerk, Role.approver, Role.supervisor, Role.admin)
RULERS = (Role.approver, Role.admin)
KIND_CODES = {"失信": BAD, "守信": GOOD, BAD: BAD, GOOD: GOOD}


def sees_own(actor: Principal) -> bool:
    return actor.role == Role.applicant


def looks_up(actor: Principal) -> bool:
    """Staff who decide what credit allows (容缺 at the window, 告知承诺 and 秒批 at the
    office) and those who watch them."""
    return actor.role in LOOKERS


def sees_credit(actor: Principal) -> bool:
    return sees_own(actor) or looks_up(actor)


def rules(actor: Principal) -> bool:
    """Who records a 失信 or 守信 ruling: a deciding office, an administrator."""
    return actor.role in RULERS


@dataclass(frozen=True)
class Shown:
    """A holder's credit as shown: today's answer and every record."""

    holder: str  # the key, masked where it is a person's
    standing: Standing
    records: list[CreditRecord]
    today: dt.date

    def current(self, found: CreditRecord) -> bool:
        return in_force(found, self.today)


def shown_key(key: str) -> str:
    return mask_id_number(key) if id_number_problem(key) is None else key


def own(ctx: Ctx) -> Shown:
    """The signed-in person's own credit."""
    if not sees_own(ctx.actor):
        raise Forbidden("只有申请人本人可以查看自己的信用记录", code="role_not_allowed")
    holder = holder_of(ctx.session, ctx.actor.user_id)
    return _shown(ctx, holder, holder.keys[0] if holder.keys else "")


def lookup(ctx: Ctx, key: str) -> Shown:
    """A holder's credit, by 居民身份证号 or 统一社会信用代码 (staff who decide; audited)."""
    if not looks_up(ctx.actor):
        raise Forbidden("只有窗口、审批部门、效能监察人员和管理员可以查询信用记录",
                        code="role_not_allowed")
    key = checked_key(key)
    users = tuple(ctx.session.scalars(select(User.id).where(User.id_number == key)))
    holder = Holder(users[0] if len(users) == 1 else None, (key,))
    audit.record(ctx.session, ctx.actor, "view_credit", "credit_holder", shown_key(key),
                 region=ctx.actor.region, at=ctx.now)
    return _shown(ctx, holder, key)


def checked_key(key: str) -> str:
    key = (key or "").strip().upper()
    if not key:
        raise Invalid("请输入身份证号或统一社会信用代码", problems=[FieldProblem(
            "key", "请输入 18 位居民身份证号或统一社会信用代码")])
    if id_number_problem(key) is not None and uscc_problem(key) is not None:
        raise Invalid("身份证号或统一社会信用代码有误", problems=[FieldProblem(
            "key", "不是有效的居民身份证号，也不是有效的统一社会信用代码（请核对校验位）")])
    return key


def _shown(ctx: Ctx, holder: Holder, key: str) -> Shown:
    return Shown(shown_key(key) if key else "", may_use(ctx.session, holder, ctx.today),
                 records_of(ctx.session, holder), ctx.today)


def source_name(found: CreditRecord) -> str:
    return found.source_name or SOURCES.get(found.source, "")


def kind_name(found: CreditRecord) -> str:
    return KIND_NAMES.get(found.kind, "")


@dataclass(frozen=True)
class Ruling:
    """A 失信 or 守信 ruling an office records about a holder."""

    key: str
    name: str
    kind: str  # 失信 | 守信 (or bad | good)
    reason: str
    reference: str
    valid_from: dt.date
    valid_until: dt.date


def record_ruling(ctx: Ctx, ruling: Ruling, office: str) -> CreditRecord:
    """An office's (or an administrator's) ruling: one record, audited; `office` names who
    decided it (the door names the actor's office)."""
    if not rules(ctx.actor):
        raise Forbidden("只有审批部门和管理员可以登记信用认定", code="role_not_allowed")
    problems = []
    key = ""
    try:
        key = checked_key(ruling.key)
    except Invalid as exc:
        problems += exc.problems
    if ruling.kind not in KIND_CODES:
        problems.append(FieldProblem("kind", "应为“失信”或“守信”"))
    for name, value, limit in (("name", ruling.name, 200), ("reason", ruling.reason, 2000),
                               ("reference", ruling.reference, 100)):
        if not value.strip() or len(value.strip()) > limit:
            problems.append(FieldProblem(name, f"请填写（不超过 {limit} 个字）"))
    if ruling.valid_until < ruling.valid_from:
        problems.append(FieldProblem("valid_until", "截止日期不能早于起始日期"))
    if problems:
        raise Invalid("信用认定信息有误", problems=problems)
    users = tuple(ctx.session.scalars(select(User.id).where(User.id_number == key)))
    found = record(ctx.session, Entry(
        kind=KIND_CODES[ruling.kind], holder_id=users[0] if len(users) == 1 else None,
        holder_key=key, holder_name=ruling.name.strip(), reason=ruling.reason.strip(),
        source="ruling", source_name=office, reference=ruling.reference.strip(),
        valid_from=ruling.valid_from, valid_until=ruling.valid_until,
        recorded_by_id=ctx.actor.user_id), ctx.now)
    audit.record(ctx.session, ctx.actor, "record_credit", "credit_record", found.id,
                 region=ctx.actor.region, at=ctx.now,
                 after={"kind": found.kind, "holder": shown_key(key), "by": office,
                        "reference": found.reference})
    return found
