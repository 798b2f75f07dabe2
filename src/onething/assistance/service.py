"""帮代办 and the 办不成事 window: a person (or a proxy for them) asks for help, or reports a
case of theirs that got stuck; the window of the region takes it up within RESPONSE_DAYS
working days, records each step it takes (a stuck case's own end is recorded as it
happens, `handlers.py`) and what came of it; supervision watches the deadline
(`WatchStarted`/`WatchEnded`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, false, select, true

from onething.assistance.models import FollowUp, HelpRequest
from onething.assistance.rules import (
    KIND_NAMES,
    MODE_NAMES,
    OPEN,
    RESPONSE_DAYS,
    STATUS_NAMES,
    HelpKind,
    HelpMode,
    HelpReason,
    HelpStatus,
    asks_for_help,
    helps,
    may_cancel,
    may_finish,
    may_follow_up,
    may_take,
    watches,
)
from onething.audit import service as audit
from onething.cases.access import sees_application
from onething.cases.models import Application
from onething.catalog.context import Ctx
from onething.identity import offices
from onething.kernel import bus, regions
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.identifiers import phone_problem
from onething.kernel.principal import Principal, Role
from onething.kernel.privacy import Personal, mask
from onething.kernel.watch import WatchEnded, WatchStarted
from onething.outbox.models import Notification

SUBJECT = "help_request"  # as supervision watches it


@dataclass
class HelpInput:
    region: str
    mode: str
    reason: str
    need: str
    contact_name: str
    phone: str
    address: str | None = None
    bundle: str | None = None


def request_help(ctx: Ctx, given: HelpInput) -> HelpRequest:
    """A request for help, answered by the window of `given.region`."""
    if not asks_for_help(ctx.actor):
        raise Forbidden("只有办事群众（或其代办人）可以申请帮代办", code="role_not_allowed")
    given = dataclasses.replace(given, need=given.need.strip(),
                                contact_name=given.contact_name.strip(),
                                phone=given.phone.strip(),
                                address=(given.address or "").strip() or None)
    _check(ctx, given)
    return _open(ctx, HelpRequest(
        kind=HelpKind.help, region_code=given.region, mode=HelpMode(given.mode),
        reason=HelpReason(given.reason), need=given.need, bundle_code=given.bundle or None,
        contact_name=given.contact_name, phone=given.phone, address=given.address),
        f"有群众申请{MODE_NAMES[HelpMode(given.mode)]}：{given.need}")


@dataclass
class StuckInput:
    application_number: str
    problem: str
    contact_name: str
    phone: str


def report_stuck(ctx: Ctx, given: StuckInput) -> HelpRequest:
    """办不成事: a person reports a case of theirs that got stuck to the window of the region
    that received it, which takes it up and follows it to the end."""
    if not asks_for_help(ctx.actor):
        raise Forbidden("只有办事群众（或其代办人）可以反映办不成的事", code="role_not_allowed")
    given = dataclasses.replace(given, application_number=given.application_number.strip(),
                                problem=given.problem.strip(),
                                contact_name=given.contact_name.strip(),
                                phone=given.phone.strip())
    app = _stuck_case(ctx, given)
    return _open(ctx, HelpRequest(
        kind=HelpKind.stuck, region_code=app.region_code, mode=HelpMode.remote,
        reason=HelpReason.other, need=given.problem, bundle_code=app.bundle_code,
        contact_name=given.contact_name, phone=given.phone, application_id=app.id,
        application_number=app.number),
        f"办件 {app.number} 办不成，群众反映：{given.problem}")


def _stuck_case(ctx: Ctx, given: StuckInput) -> Application:
    problems = _contact_problems(given.contact_name, given.phone)
    if not given.problem or len(given.problem) > 500:
        problems.append(FieldProblem("problem", "请用 500 字以内说明遇到了什么问题"))
    app = ctx.session.scalar(select(Application).where(
        Application.number == given.application_number)) if given.application_number else None
    if app is None or not sees_application(ctx, app):
        problems.append(FieldProblem("application_number", "没有您的这个办件，请核对办件编号"))
    if problems or app is None:
        raise Invalid("办不成事反映有误", problems=problems)
    return app


def _open(ctx: Ctx, req: HelpRequest, told: str) -> HelpRequest:
    """The request recorded, watched by supervision, and the region's window told."""
    due = ctx.calendar.add(ctx.today, RESPONSE_DAYS).date
    req.requester_id, req.status, req.due_on = ctx.actor.user_id, HelpStatus.requested, due
    req.created_at, req.follow_ups = ctx.now, []
    ctx.session.add(req)
    ctx.session.flush()
    kind = KIND_NAMES[req.kind]
    bus.publish(ctx, WatchStarted(SUBJECT, req.id, ctx.today, due, f"{kind}（{req.id}号）",
                                  req.region_code, window=True))
    for clerk in _window_clerks(ctx, req.region_code):
        ctx.session.add(Notification(
            recipient_id=clerk, created_at=ctx.now, subject=f"【{kind}】第 {req.id} 号",
            body=f"{told}。请于 {due} 前接单并联系。"))
    audit.record(ctx.session, ctx.actor, "request_help", SUBJECT, req.id,
                 region=req.region_code, after={"kind": req.kind.value,
                                                "mode": req.mode.value})
    return req


def _window_clerks(ctx: Ctx, region: str) -> list[int]:
    """The clerks of the nearest window at or above `region` (a community's 便民服务站, else
    its street's, else its county's)."""
    for code in regions.ancestors(ctx.catalog.regions, region):
        found = list(ctx.session.scalars(offices.office(code, None, window=True)))
        if found:
            return found
    return []


def _check(ctx: Ctx, given: HelpInput) -> None:
    problems: list[FieldProblem] = []
    if given.region not in ctx.catalog.regions:
        problems.append(FieldProblem("region", f"行政区划 {given.region} 不存在"))
    if given.mode not in HelpMode.__members__:
        problems.append(FieldProblem("mode", "帮办方式应为上门帮办或远程帮办"))
    if given.reason not in HelpReason.__members__:
        problems.append(FieldProblem("reason", "请选择需要帮办的原因"))
    if not given.need or len(given.need) > 500:
        problems.append(FieldProblem("need", "请用 500 字以内说明想办什么事"))
    problems += _contact_problems(given.contact_name, given.phone)
    if given.mode == HelpMode.home_visit and not given.address:
        problems.append(FieldProblem("address", "上门帮办请填写上门地址"))
    if given.address and len(given.address) > 200:
        problems.append(FieldProblem("address", "地址不能超过 200 个字符"))
    if given.bundle and given.bundle not in ctx.catalog.bundles:
        problems.append(FieldProblem("bundle", f"没有代码为 {given.bundle} 的一件事"))
    if problems:
        raise Invalid("帮代办申请有误", problems=problems)


def _contact_problems(name: str, phone: str) -> list[FieldProblem]:
    problems = []
    if not name or len(name) > 50:
        problems.append(FieldProblem("contact_name", "请填写联系人姓名（50 字以内）"))
    if reason := phone_problem(phone):
        problems.append(FieldProblem("phone", reason))
    return problems


def visible(ctx: Ctx) -> ColumnElement[bool]:
    """The requests the actor sees: their own, or those of the regions in their scope."""
    a = ctx.actor
    if a.role in (Role.applicant, Role.proxy):
        return HelpRequest.requester_id == a.user_id
    if a.role == Role.admin:
        return true()
    if watches(a) and a.region is not None:
        return HelpRequest.region_code.in_(sorted(regions.descendants(ctx.catalog.regions,
                                                                      a.region)))
    return false()


def listing(ctx: Ctx, status: str | None = None, limit: int = 100,
            kind: str | None = None) -> Select[HelpRequest]:
    query = select(HelpRequest).where(visible(ctx))
    if kind:
        query = query.where(HelpRequest.kind == HelpKind(kind))
    if status == "open":
        query = query.where(HelpRequest.status.in_(sorted(OPEN)))
    elif status:
        query = query.where(HelpRequest.status == HelpStatus(status))
    return query.order_by(HelpRequest.due_on, HelpRequest.id).limit(limit)


def get(ctx: Ctx, request_id: int) -> HelpRequest:
    req = ctx.session.scalar(select(HelpRequest).where(HelpRequest.id == request_id,
                                                       visible(ctx)))
    if req is None:
        raise NotFound("没有该帮代办请求，或您无权查看", code="help_request_not_found")
    return req


def take(ctx: Ctx, request_id: int) -> HelpRequest:
    """A clerk of the region takes the request up (接单) and contacts the person."""
    req = get(ctx, request_id)
    if not may_take(ctx.actor, req.status):
        raise _refused(req, helps(ctx.actor), "只有窗口工作人员可以接单")
    req.status, req.helper_id, req.taken_at = HelpStatus.taken, ctx.actor.user_id, ctx.now
    bus.publish(ctx, WatchEnded(SUBJECT, req.id, req.due_on))  # taken up: on time or late
    ctx.session.add(Notification(
        recipient_id=req.requester_id, created_at=ctx.now,
        subject=f"【帮代办】第 {req.id} 号请求已接单",
        body=f"{ctx.actor.display_name}将通过您留下的电话 {req.phone} 与您联系。"))
    audit.record(ctx.session, ctx.actor, "take_help", SUBJECT, req.id,
                 region=req.region_code)
    return req


def finish(ctx: Ctx, request_id: int, outcome: str,
           application_number: str | None = None) -> HelpRequest:
    """The helper records what was done (and the application filed, if one was)."""
    req = get(ctx, request_id)
    if not may_finish(ctx.actor, req.status, req.helper_id):
        raise _refused(req, helps(ctx.actor) and req.helper_id in (None, ctx.actor.user_id),
                       "只有接单的工作人员可以办结该请求")
    outcome = outcome.strip()
    if not outcome or len(outcome) > 2000:
        raise Invalid("请说明帮办结果（2000 字以内）",
                      problems=[FieldProblem("outcome", "请说明帮办结果（2000 字以内）")])
    req.status, req.outcome, req.closed_at = HelpStatus.done, outcome, ctx.now
    if req.kind == HelpKind.help:  # a stuck case keeps the number it was reported with
        req.application_number = (application_number or "").strip()[:32] or None
    audit.record(ctx.session, ctx.actor, "finish_help", SUBJECT, req.id,
                 region=req.region_code, after={"application": req.application_number})
    return req


def follow_up(ctx: Ctx, request_id: int, note: str) -> HelpRequest:
    """The helper records a step taken (called the office, the case moved on …)."""
    req = get(ctx, request_id)
    if not may_follow_up(ctx.actor, req.status, req.helper_id):
        raise _refused(req, helps(ctx.actor) and req.helper_id in (None, ctx.actor.user_id),
                       "只有接单的工作人员可以登记跟踪情况")
    note = note.strip()
    if not note or len(note) > 1000:
        raise Invalid("请填写跟踪情况（1000 字以内）",
                      problems=[FieldProblem("note", "请填写跟踪情况（1000 字以内）")])
    noted(req, ctx.now, ctx.actor.display_name, note)
    audit.record(ctx.session, ctx.actor, "follow_up_help", SUBJECT, req.id,
                 region=req.region_code)
    return req


def noted(req: HelpRequest, at: dt.datetime, by: str, note: str) -> None:
    entry: FollowUp = {"at": at.isoformat(), "by": by, "note": note}
    req.follow_ups = [*req.follow_ups, entry]  # a new list: the JSON column sees the change


def cancel(ctx: Ctx, request_id: int) -> HelpRequest:
    """Whoever asked withdraws the request while it is open."""
    req = get(ctx, request_id)
    if not may_cancel(ctx.actor, req.status, req.requester_id):
        raise _refused(req, req.requester_id == ctx.actor.user_id, "只能撤销自己的请求")
    if req.status == HelpStatus.requested:
        bus.publish(ctx, WatchEnded(SUBJECT, req.id, req.due_on))
    req.status, req.closed_at = HelpStatus.cancelled, ctx.now
    audit.record(ctx.session, ctx.actor, "cancel_help", SUBJECT, req.id,
                 region=req.region_code)
    return req


def _refused(req: HelpRequest, theirs: bool, message: str) -> Exception:
    """Why a step is refused: not the actor's to take (403), or not in this state (409)."""
    if not theirs:
        return Forbidden(message, code="not_allowed")
    if req.status == HelpStatus.done:
        return Conflict("该请求已办结", code="help_request_closed")
    if req.status == HelpStatus.cancelled:
        return Conflict("该请求已撤销", code="help_request_closed")
    return Conflict(f"该请求{STATUS_NAMES[req.status]}，不能这样办理", code="illegal_transition")


def contact(actor: Principal, req: HelpRequest) -> tuple[str, str | None]:
    """The phone and address as `actor` sees them: in full to whoever asked and whoever
    took the request up, masked to everyone else in scope."""
    if actor.user_id in (req.requester_id, req.helper_id):
        return req.phone, req.address
    return mask(req.phone, Personal.phone), mask(req.address, Personal.address)


def overdue(req: HelpRequest, today: dt.date) -> bool:
    """Not taken up by its day."""
    return req.status == HelpStatus.requested and req.due_on < today
