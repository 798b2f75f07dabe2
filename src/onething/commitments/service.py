"""告知承诺: signing, and the follow-up check (核查) of an approval that relied on it.

Signing: the commitment is recorded in the application's material entry — the notice
shown and the commitment, per item, who signed, who entered it, when. Checking: approving
a task whose item had a commitment opens a check for the deciding office, due within
`ONETHING_COMMITMENT_CHECK_DAYS` working days (or, where the office checks a share, pools it
for the office's draw: commitments.draws); the office records what it found; a false
commitment revokes the task's approval (`ApprovalRevoked`, on which licences revoke what it
issued) and records bad credit (失信) for the applicant. Cases ask for the signed record
through their port (`cases/ports.py`, answered in commitments.handlers).
Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select

from onething.audit import service as audit
from onething.cases import access
from onething.cases.events import ApprovalRevoked
from onething.cases.models import Application, Task
from onething.cases.routing import descendants
from onething.cases.timeline import record
from onething.catalog.context import Ctx
from onething.catalog.linked import Material
from onething.commitments.models import (
    FALSE,
    KEPT,
    NOT_DRAWN,
    OPEN,
    POOLED,
    WHOLE,
    CheckRatio,
    FollowUpCheck,
)
from onething.commitments.notice import notices_for
from onething.credit import service as credit
from onething.identity.models import User
from onething.kernel import bus
from onething.kernel.config import get_settings
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.principal import Principal, Role
from onething.kernel.watch import WatchEnded, WatchStarted
from onething.kernel.workdays import last_day_of_years
from onething.outbox.models import Notification

STATUS_NAMES = {OPEN: "待核查", KEPT: "核查属实", FALSE: "承诺不实，已撤销",
                POOLED: "待抽取", NOT_DRAWN: "未抽中"}
OUTCOMES = (KEPT, FALSE)


def sign(ctx: Ctx, material: Material, items: list[str], applicant: User) -> dict[str, Any]:
    """The signed commitment for one material: the notice shown and the commitment, per item;
    who signed (the applicant), who entered it (a proxy or the window, if not them), when."""
    signed: dict[str, Any] = {
        "signed_by": applicant.display_name, "signed_by_id": applicant.id,
        "signed_at": ctx.now.isoformat(),
        "items": [{"item": n.item, "item_name": n.item_name, "notice": n.text,
                   "statement": n.statement} for n in notices_for(ctx.catalog.items, material,
                                                                   items)]}
    if ctx.actor.user_id != applicant.id:
        signed["entered_by"] = ctx.actor.display_name
    return signed


def committed_for(app: Application, item_code: str) -> list[dict[str, str]]:
    """The materials of `app` replaced by a commitment for the item."""
    return [{"code": m["code"], "name": m["name"]} for m in app.materials
            if m.get("provided") == "commitment" and item_code in m.get("items", [])]


# --- follow-up checks ---------------------------------------------------------------


def open_check(ctx: Ctx, app: Application, task: Task) -> FollowUpCheck | None:
    """After an approval: a check for the deciding office if the item relied on a
    commitment (when a case's task is approved: see commitments.handlers). It opens at once
    where the office checks them all; where it checks a share (核查比例 below 1), it waits,
    pooled, for the office's next draw (commitments.draws)."""
    materials = committed_for(app, task.item_code)
    if not materials:
        return None
    check = FollowUpCheck(application_id=app.id, task_id=task.id, item_code=task.item_code,
                          item_name=task.item_name, department_code=task.department_code,
                          region_code=task.region_code, materials=materials, status=POOLED,
                          due_on=None, created_at=ctx.now)
    ctx.session.add(check)
    ctx.session.flush()
    if office_ratio(ctx, task.department_code, task.region_code) >= WHOLE:
        start_check(ctx, check, app)
    return check


def office_ratio(ctx: Ctx, department: str, region: str) -> int:
    """The office's 核查比例 in parts of WHOLE; all (WHOLE) where none is set."""
    return ctx.session.scalar(select(CheckRatio.parts).where(
        CheckRatio.department_code == department, CheckRatio.region_code == region)) or WHOLE


def start_check(ctx: Ctx, check: FollowUpCheck, app: Application) -> None:
    """The check is the office's to do: due within `ONETHING_COMMITMENT_CHECK_DAYS` working
    days from today, its deadline watched, the office's approvers told."""
    check.status = OPEN
    check.due_on = ctx.calendar.add(ctx.today, get_settings().commitment_check_days).date
    bus.publish(ctx, WatchStarted(  # its due date is watched (cards, where the profile says)
        "commitment_check", check.id, ctx.today, check.due_on,
        f"告知承诺核查：{check.item_name}（办件 {app.number}）", check.region_code,
        check.department_code, application_id=app.id, task_id=check.task_id))
    names = "、".join(m["name"] for m in check.materials)
    for approver in ctx.session.scalars(select(User.id).where(
            User.role == Role.approver.value, User.department_code == check.department_code,
            User.region_code == check.region_code, User.active.is_(True))):
        ctx.session.add(Notification(
            recipient_id=approver, created_at=ctx.now,
            subject=f"【告知承诺核查】办件 {app.number}",
            body=f"“{check.item_name}”依据申请人的告知承诺（{names}）准予办理，"
                 f"请于 {check.due_on} 前核查承诺是否属实并登记结果。"))


def sees_checks(actor: Principal) -> bool:
    """Who has checks to see (`checks` draws each one's scope): the deciding departments'
    approvers, the supervisors and admins."""
    return actor.role in (Role.approver, Role.supervisor, Role.admin)


def sees(ctx: Ctx, check: FollowUpCheck) -> bool:
    a = ctx.actor
    if a.role == Role.approver:
        return (a.department, a.region) == (check.department_code, check.region_code)
    if a.role == Role.supervisor:
        return access.within_scope(ctx, check.region_code)
    return a.role == Role.admin


@dataclass(frozen=True)
class CheckQuery:
    status: str | None = None  # open | kept | false | pooled | not_drawn
    due_before: dt.date | None = None  # due on or before this day (overdue: yesterday)
    application_id: int | None = None
    limit: int = 200


def checks(ctx: Ctx, q: CheckQuery) -> list[FollowUpCheck]:
    """The checks the actor may see, the soonest due first (scope in the query)."""
    query = select(FollowUpCheck).where(*_conditions(ctx, q))
    return list(ctx.session.scalars(query.order_by(
        FollowUpCheck.due_on.asc().nulls_last(), FollowUpCheck.id).limit(q.limit)))


def count_checks(ctx: Ctx, q: CheckQuery) -> int:
    """How many checks `checks` would find, without its limit."""
    return ctx.session.scalar(select(func.count()).select_from(FollowUpCheck).where(
        *_conditions(ctx, q))) or 0


def _conditions(ctx: Ctx, q: CheckQuery) -> list[ColumnElement[bool]]:
    """The actor's scope (as `sees`) and the query's filters."""
    a = ctx.actor
    found: list[ColumnElement[bool]] = []
    if a.role == Role.approver:
        found += [FollowUpCheck.department_code == a.department,
                  FollowUpCheck.region_code == a.region]
    elif a.role == Role.supervisor:
        found.append(FollowUpCheck.region_code.in_(
            sorted(descendants(ctx.catalog, a.region or ""))))
    elif a.role != Role.admin:
        raise Forbidden("只有审批部门和效能监察人员可以查看核查任务", code="role_not_allowed")
    if q.status:
        found.append(FollowUpCheck.status == q.status)
    if q.due_before:
        found.append(FollowUpCheck.due_on <= q.due_before)
    if q.application_id is not None:
        found.append(FollowUpCheck.application_id == q.application_id)
    return found


def follow_up_checks_of(ctx: Ctx, app: Application) -> list[FollowUpCheck]:
    """The checks of an application (which the actor sees) shown with it: all of them to the
    applicant (and whoever applied for them) and to the window that received it; to staff
    otherwise those `sees` allows (the deciding office its own, supervisors in scope, the
    administrator), as the list of checks does: not to another department of the case."""
    found = list(ctx.session.scalars(select(FollowUpCheck).where(
        FollowUpCheck.application_id == app.id).order_by(FollowUpCheck.id)))
    a = ctx.actor
    if (not a.is_staff and a.user_id in (app.applicant_id, app.submitted_by_id)) or (
            a.role == Role.clerk and access.within_scope(ctx, app.region_code)):
        return found
    return [c for c in found if sees(ctx, c)]


def decides(actor: Principal, check: FollowUpCheck) -> bool:
    """Who records a check's outcome: the office that decided the task (its approvers)."""
    return (actor.role, actor.department, actor.region) == (
        Role.approver, check.department_code, check.region_code)


def decidable(actor: Principal, check: FollowUpCheck) -> bool:
    """Whether `actor` may record the check's outcome now: their office's, still open."""
    return decides(actor, check) and check.status == OPEN


def overdue(check: FollowUpCheck, today: dt.date) -> bool:
    """Still open past the day it was due."""
    return check.status == OPEN and check.due_on is not None and check.due_on < today


def one_office(actor: Principal) -> bool:
    """Whose checks are all of one office (their own), which their list need not name."""
    return actor.role == Role.approver


def decide(ctx: Ctx, check_id: int, outcome: str, note: str, *,
           credit_years: int) -> FollowUpCheck:
    """The deciding office records what the check found; a false commitment revokes the
    result and records bad credit for the applicant."""
    check = ctx.session.get(FollowUpCheck, check_id, with_for_update=True)
    if check is None or not sees(ctx, check):
        raise NotFound("没有该核查任务，或您无权查看", code="check_not_found")
    a = ctx.actor
    if not decides(a, check):
        raise Forbidden("只有作出决定的部门可以登记核查结果", code="out_of_scope")
    if check.status in (POOLED, NOT_DRAWN):
        raise Conflict(f"该核查{STATUS_NAMES[check.status]}，不能登记结果",
                       code="check_not_drawn")
    if check.status != OPEN:
        raise Conflict(f"该核查已登记结果（{STATUS_NAMES[check.status]}）", code="check_decided")
    _check_input(outcome, note)
    note = note.strip()
    app = ctx.session.get_one(Application, check.application_id)
    task = ctx.session.get_one(Task, check.task_id)
    check.status, check.outcome = outcome, note
    check.decided_by_id, check.decided_at = a.user_id, ctx.now
    record(ctx, app, "check_commitment", reason=f"{STATUS_NAMES[outcome]}：{note}", task=task,
           data={"check": check.id, "outcome": outcome})
    bus.publish(ctx, WatchEnded("commitment_check", check.id, check.due_on))
    if outcome == FALSE:
        _false_commitment(ctx, app, task, check, credit_years)
    audit.record(ctx.session, a, "decide_check", "follow_up_check", check.id,
                 region=check.region_code, at=ctx.now, before={"status": OPEN},
                 after={"status": outcome, "note": note})
    ctx.session.flush()
    return check


def _check_input(outcome: str, note: str) -> None:
    problems = []
    if outcome not in OUTCOMES:
        problems.append(FieldProblem("outcome", "请选择：承诺属实，或承诺不实"))
    if not (note or "").strip():
        problems.append(FieldProblem("note", "请写明核查了什么、发现了什么"))
    if problems:
        raise Invalid("核查结果有误", problems=problems)


def _false_commitment(ctx: Ctx, app: Application, task: Task, check: FollowUpCheck,
                      credit_years: int) -> None:
    names = "、".join(m["name"] for m in check.materials)
    reason = f"告知承诺核查发现承诺不实（{names}）：{check.outcome}"
    bus.publish(ctx, ApprovalRevoked(app.id, task.id, reason))  # its licences are revoked
    entry = credit.record(ctx.session, credit.Entry(
        holder_id=app.applicant_id, reason=reason, source="commitment_check",
        source_id=check.id, application_id=app.id, valid_from=ctx.today,
        valid_until=last_day_of_years(ctx.today, credit_years),
        recorded_by_id=ctx.actor.user_id), ctx.now)
    ctx.session.add(Notification(
        recipient_id=app.applicant_id, created_at=ctx.now,
        subject=f"【告知承诺核查】办件 {app.number}：承诺不实",
        body=f"经核查，您就“{task.item_name}”作出的告知承诺（{names}）不实：{check.outcome}。"
             f"据此核发的证照已撤销，虚假承诺已记入信用记录（{entry.valid_from} 至 "
             f"{entry.valid_until}），其间不适用告知承诺和容缺受理。"))
