"""依申请公开: a request to one office — received online by the applicant, or recorded by
a window or the office for one that came by post or in person —, 补正 once, one extension,
a third party's consultation, the reply of one of the types of art. 36 with what it must
say, and the fee; every step audited and on the request's timeline, the applicant told
through the outbox, the reply's deadline watched by supervision (`WatchStarted`, subject
`disclosure`).

Who acts for an office (a department in a region): its approvers of that region, and
administrators. Supervisors see the requests of their region and below."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, or_, select

from onething.audit import service as audit
from onething.cases.routing import office_name, region_name
from onething.catalog.context import Ctx
from onething.disclosure import rules
from onething.disclosure.fees import FeeMode, fee
from onething.disclosure.models import DisclosureRequest, DisclosureStep
from onething.disclosure.rules import (
    ApplicantType,
    Channel,
    Delivery,
    Move,
    ReplyKind,
    Side,
    Status,
)
from onething.files.service import usable_by
from onething.identity import offices
from onething.kernel import bus
from onething.kernel import regions as region_tree
from onething.kernel.config import get_settings
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.principal import Principal, Role
from onething.kernel.privacy import Personal, mask
from onething.kernel.watch import WatchEnded, WatchStarted
from onething.outbox.service import queue

TEXT_MAX = 5000
NAME_MAX = 200
SUBJECT = "disclosure_request"  # as the audit trail names a request


def _invalid(field: str, message: str, code: str = "invalid") -> Invalid:
    return Invalid(message, code=code, problems=[FieldProblem(field, message)])


# --- who may ----------------------------------------------------------------------------


def records(p: Principal) -> bool:
    """Who records a request that came by post or in person: windows, offices, admins."""
    return p.role in (Role.clerk, Role.approver, Role.admin)


def applies(p: Principal) -> bool:
    """Who asks online, for themselves (a person or the organisation they act for)."""
    return p.role == Role.applicant


def sees_staff_pages(p: Principal) -> bool:
    """The offices' inbox and the annual tables: offices, supervisors, administrators."""
    return p.role in (Role.approver, Role.supervisor, Role.admin)


def sees_report(p: Principal) -> bool:
    return sees_staff_pages(p)


def within(ctx: Ctx, region: str, p: Principal) -> bool:
    """Whether `region` is one the person's figures may cover (an administrator: any)."""
    return p.role == Role.admin or region_tree.within(ctx.catalog.regions, region,
                                                      p.region or "")


def handles(p: Principal, r: DisclosureRequest) -> bool:
    """The handling office's approvers, and administrators."""
    return p.role == Role.admin or (
        p.role == Role.approver and p.department == r.department_code
        and p.region == r.region_code)


def _sees(ctx: Ctx, r: DisclosureRequest) -> bool:
    p = ctx.actor
    if handles(p, r) or (r.applicant_id is not None and r.applicant_id == p.user_id):
        return True
    if p.role == Role.supervisor and p.region:
        return region_tree.within(ctx.catalog.regions, r.region_code, p.region)
    return p.role == Role.clerk and r.recorded_by_id == p.user_id


def _side(ctx: Ctx, r: DisclosureRequest) -> Side | None:
    if handles(ctx.actor, r):
        return Side.office
    if r.applicant_id is not None and r.applicant_id == ctx.actor.user_id:
        return Side.applicant
    return None


def actions(ctx: Ctx, r: DisclosureRequest) -> list[Move]:
    """The moves the actor may take on the request now (the forms its page shows)."""
    side = _side(ctx, r)
    if side is None:
        return []
    found = rules.moves(r.status, side)
    if r.correction_asked_on is not None or not rules.correction_asked_in_time(
            ctx.calendar, r.received_on, ctx.today):
        found = [m for m in found if m != Move.ask_correction]
    if r.extension_days or ctx.today > r.due_on:
        found = [m for m in found if m != Move.extend]
    return found


# --- receiving ----------------------------------------------------------------------------


@dataclass
class RequestInput:
    department: str
    region: str
    description: str
    delivery: str
    applicant_type: str = ApplicantType.person.value
    applicant_name: str = ""  # online: the account's name when empty
    contact: str = ""
    channel: str = Channel.online.value  # post | in_person when recorded by staff
    received_on: dt.date | None = None  # recorded: the day the office received it


def submit(ctx: Ctx, given: RequestInput) -> DisclosureRequest:
    """A request received: online by the applicant (received today, China time), or recorded
    by a window or the office with the day it came (not in the future). Its reply is due
    `REPLY_DAYS` working days later; supervision watches that day."""
    p = ctx.actor
    if not applies(p) and not records(p):
        raise Forbidden("只有申请人或窗口、部门工作人员可以提交政府信息公开申请",
                        code="role_not_allowed")
    given = dataclasses.replace(given, description=given.description.strip(),
                                applicant_name=given.applicant_name.strip(),
                                contact=given.contact.strip())
    online = applies(p)
    received = ctx.today if online else given.received_on
    _check_request(ctx, given, online, received)
    assert received is not None
    r = DisclosureRequest(
        applicant_id=p.user_id if online else None,
        applicant_name=given.applicant_name or p.display_name if online
        else given.applicant_name,
        applicant_type=ApplicantType(given.applicant_type), contact=given.contact,
        channel=Channel.online if online else Channel(given.channel),
        delivery=Delivery(given.delivery), description=given.description,
        department_code=given.department, region_code=given.region, received_on=received,
        recorded_by_id=None if online else p.user_id, status=Status.received,
        clock_start_on=received, paused_days=0, extension_days=0, created_at=ctx.now,
        **_due(ctx, received, 0, 0))
    ctx.session.add(r)
    ctx.session.flush()
    _step(ctx, r, "receive", received, rules.CHANNEL_NAMES[r.channel])
    audit.record(ctx.session, p, "submit_disclosure_request", SUBJECT, r.id, at=ctx.now,
                 region=r.region_code, after={"department": r.department_code,
                                              "received_on": received.isoformat()})
    _watch(ctx, r)
    _tell_office(ctx, r, f"【政府信息公开申请】{r.number}",
                 f"收到政府信息公开申请，请于 {r.due_on} 前答复。")
    return r


def _check_request(ctx: Ctx, given: RequestInput, online: bool,
                   received: dt.date | None) -> None:
    p, problems = ctx.actor, []
    if given.department not in ctx.catalog.departments:
        problems.append(FieldProblem("department", "请选择受理申请的部门"))
    if given.region not in ctx.catalog.regions:
        problems.append(FieldProblem("region", "请选择受理申请的行政区划"))
    elif not online and p.role == Role.approver and (
            given.department != p.department or given.region != p.region):
        problems.append(FieldProblem("department", "部门工作人员只能登记本部门收到的申请"))
    elif not online and p.role == Role.clerk and not region_tree.within(
            ctx.catalog.regions, given.region, p.region or ""):
        problems.append(FieldProblem("region", "窗口只能登记本地区机关的申请"))
    if not given.description:
        problems.append(FieldProblem("description",
                                     "请描述所需政府信息（名称、文号或便于查询的特征）"))
    elif len(given.description) > TEXT_MAX:
        problems.append(FieldProblem("description", f"所需信息的描述不能超过 {TEXT_MAX} 字"))
    if given.delivery not in Delivery.__members__:
        problems.append(FieldProblem("delivery", "请选择获取信息的方式"))
    if given.applicant_type not in ApplicantType.__members__:
        problems.append(FieldProblem("applicant_type", "请选择申请人类型"))
    if len(given.applicant_name) > NAME_MAX or len(given.contact) > NAME_MAX:
        problems.append(FieldProblem("contact", f"姓名（名称）和联系方式均不能超过 {NAME_MAX} 字"))
    if not online:
        problems += _recorded_problems(ctx, given, received)
    if problems:
        raise Invalid("政府信息公开申请有误", problems=problems)


def _recorded_problems(ctx: Ctx, given: RequestInput,
                       received: dt.date | None) -> list[FieldProblem]:
    problems = []
    if given.channel not in (Channel.post.value, Channel.in_person.value):
        problems.append(FieldProblem("channel", "请选择申请方式：信函或当面"))
    if received is None:
        problems.append(FieldProblem("received_on", "请填写收到申请的日期"))
    elif received > ctx.today:
        problems.append(FieldProblem("received_on", "收到申请的日期不能晚于今天"))
    elif received.year < ctx.today.year - 1:
        problems.append(FieldProblem("received_on", "只能登记今年或上一年收到的申请"))
    if not given.applicant_name:
        problems.append(FieldProblem("applicant_name", "请填写申请人姓名或名称"))
    if not given.contact:
        problems.append(FieldProblem("contact", "请填写申请人的联系方式（地址、电话或电子邮箱）"))
    return problems


# --- the clock ------------------------------------------------------------------------------


def _due(ctx: Ctx, start: dt.date, paused: int, extension: int) -> dict[str, dt.date | None]:
    c = rules.clock(ctx.calendar, start, paused, extension)
    return {"due_on": c.due_on, "extended_due_on": c.extended_due_on}


def _reclock(ctx: Ctx, r: DisclosureRequest) -> None:
    for name, value in _due(ctx, r.clock_start_on, r.paused_days, r.extension_days).items():
        setattr(r, name, value)


def _watch(ctx: Ctx, r: DisclosureRequest, longest: bool = False) -> None:
    """Watch the reply's deadline (again, from a new day: after a correction, an
    extension, a consultation). During a consultation, the deadline as it stands if the
    third party takes all its days."""
    due = r.deadline
    if longest:
        due = rules.clock(ctx.calendar, r.clock_start_on, r.paused_days + rules.CONSULT_DAYS,
                          r.extension_days).deadline
    bus.publish(ctx, WatchStarted(
        rules.SUBJECT, r.id, r.clock_start_on, due,
        f"政府信息公开申请答复（{r.number}）", r.region_code, department=r.department_code))


def _unwatch(ctx: Ctx, r: DisclosureRequest) -> None:
    bus.publish(ctx, WatchEnded(rules.SUBJECT, r.id, r.deadline))


def _rewatch(ctx: Ctx, r: DisclosureRequest, longest: bool = False) -> None:
    bus.publish(ctx, WatchEnded(rules.SUBJECT, r.id, None))
    _watch(ctx, r, longest)


# --- the moves ----------------------------------------------------------------------------


def get(ctx: Ctx, request_id: int) -> DisclosureRequest:
    """The request, for whoever may see it (anyone else: 404)."""
    r = ctx.session.get(DisclosureRequest, request_id)
    if r is None or not _sees(ctx, r):
        raise NotFound("没有该政府信息公开申请，或您无权查看", code="disclosure_not_found")
    return r


def _take(ctx: Ctx, request_id: int, move: Move) -> DisclosureRequest:
    """The request locked, once the table lets the actor take `move` in its state."""
    r = ctx.session.scalar(select(DisclosureRequest).where(
        DisclosureRequest.id == request_id).with_for_update())
    if r is None or not _sees(ctx, r):
        raise NotFound("没有该政府信息公开申请，或您无权查看", code="disclosure_not_found")
    side = _side(ctx, r)
    if side is None:
        raise Forbidden("只有受理机关或申请人可以办理该申请", code="role_not_allowed")
    if rules.next_status(r.status, move, side) is None:
        raise Conflict(f"该申请{rules.STATUS_NAMES[r.status]}，不能{rules.MOVE_NAMES[move]}",
                       code="illegal_transition")
    return r


def _text(value: str | None, field: str, what: str, limit: int = TEXT_MAX) -> str:
    text = (value or "").strip()
    if not text:
        raise _invalid(field, f"请填写{what}")
    if len(text) > limit:
        raise _invalid(field, f"{what}不能超过 {limit} 字")
    return text


def ask_correction(ctx: Ctx, request_id: int, note: str) -> DisclosureRequest:
    """补正 (art. 30): asked once, within 7 working days of receipt, naming what is
    unclear; the clock stops until the correction arrives, which must come within
    `disclosure_correction_days` working days."""
    r = _take(ctx, request_id, Move.ask_correction)
    note = _text(note, "note", "需要补正的内容（哪些不明确）")
    if r.correction_asked_on is not None:
        raise Conflict("补正只能告知一次", code="correction_asked")
    if not rules.correction_asked_in_time(ctx.calendar, r.received_on, ctx.today):
        last = ctx.calendar.add(r.received_on, rules.CORRECTION_ASK_DAYS).date
        raise _invalid("note", f"补正须在收到申请之日起 {rules.CORRECTION_ASK_DAYS} 个工作日内"
                       f"（{last} 前）告知，已超过", "correction_too_late")
    r.status = Status.correcting
    r.correction_asked_on, r.correction_note = ctx.today, note
    r.correction_due_on = ctx.calendar.add(ctx.today,
                                           get_settings().disclosure_correction_days).date
    _done(ctx, r, Move.ask_correction, note)
    _unwatch(ctx, r)
    _tell_applicant(ctx, r, "请补正政府信息公开申请",
                    f"您的申请需要补正：{note}。请于 {r.correction_due_on} 前补正，"
                    "逾期未补正的视为放弃申请。")
    return r


def correct(ctx: Ctx, request_id: int, text: str,
            on: dt.date | None = None) -> DisclosureRequest:
    """The correction arrives (the applicant online, or the office recording one sent by
    post on the day it came): the clock starts again from that day."""
    r = _take(ctx, request_id, Move.correct)
    text = _text(text, "text", "补正的内容")
    day = on if on is not None and _side(ctx, r) == Side.office else ctx.today
    assert r.correction_asked_on is not None and r.correction_due_on is not None
    if day > ctx.today or day < r.correction_asked_on:
        raise _invalid("on", f"补正收到日期须在 {r.correction_asked_on} 至今天之间")
    if day > r.correction_due_on:
        raise _invalid("on", f"补正期限（{r.correction_due_on}）已过", "correction_late")
    r.status, r.corrected_on, r.correction_text = Status.received, day, text
    r.clock_start_on = day
    _reclock(ctx, r)
    _done(ctx, r, Move.correct, text, day)
    _watch(ctx, r)
    _tell_office(ctx, r, f"【政府信息公开申请】{r.number} 已补正",
                 f"申请人已补正，请于 {r.deadline} 前答复。")
    return r


def extend(ctx: Ctx, request_id: int, days: int, reason: str,
           approver: str) -> DisclosureRequest:
    """One extension (art. 33) of at most 20 working days, before the reply is due, with
    the approving head of the 信息公开机构 recorded; the applicant is told."""
    r = _take(ctx, request_id, Move.extend)
    if r.extension_days:
        raise Conflict("答复期限只能延长一次", code="already_extended")
    if not 1 <= days <= rules.MAX_EXTENSION:
        raise _invalid("days", f"延长的期限须为 1 至 {rules.MAX_EXTENSION} 个工作日")
    reason = _text(reason, "reason", "延期的理由")
    approver = _text(approver, "approver", "批准延期的信息公开工作机构负责人", 100)
    if ctx.today > r.due_on:
        raise Conflict(f"答复期限（{r.due_on}）已过，不能再延期", code="extension_too_late")
    r.extension_days, r.extension_reason, r.extension_approver = days, reason, approver
    r.extended_on = ctx.today
    _reclock(ctx, r)
    _done(ctx, r, Move.extend, f"延长 {days} 个工作日（{approver}批准）：{reason}")
    _rewatch(ctx, r)
    _tell_applicant(ctx, r, "政府信息公开申请延期答复",
                    f"因{reason}，经批准，答复期限延长 {days} 个工作日，至 {r.extended_due_on}。")
    return r


def consult(ctx: Ctx, request_id: int, third_party: str) -> DisclosureRequest:
    """A third party asked for its opinion (art. 32): it has 15 working days, which do not
    count toward the reply's limit."""
    r = _take(ctx, request_id, Move.consult)
    third_party = _text(third_party, "third_party", "征求意见的第三方", NAME_MAX)
    r.status, r.third_party = Status.consulting, third_party
    r.consult_sent_on = ctx.today
    r.consult_due_on = ctx.calendar.add(ctx.today, rules.CONSULT_DAYS).date
    r.consult_back_on = r.consult_opinion = None
    _done(ctx, r, Move.consult, f"征求{third_party}意见，{r.consult_due_on} 前答复")
    _rewatch(ctx, r, longest=True)
    return r


def consulted(ctx: Ctx, request_id: int, opinion: str) -> DisclosureRequest:
    """The third party answered (or its time passed, said so): the days of the consultation
    — at most 15 working days — are added to the reply's limit."""
    r = _take(ctx, request_id, Move.consulted)
    opinion = _text(opinion, "opinion", "第三方的意见（逾期未答复的，写明）")
    assert r.consult_sent_on is not None
    r.paused_days += rules.paused(ctx.calendar, r.consult_sent_on, ctx.today)
    r.status, r.consult_back_on, r.consult_opinion = Status.received, ctx.today, opinion
    _reclock(ctx, r)
    _done(ctx, r, Move.consulted, opinion)
    _rewatch(ctx, r)
    return r


@dataclass
class ReplyInput:
    kind: str
    parts: dict[str, str]  # how_to_obtain, withheld, reason, basis, responsible_body
    redress: str
    document: str | None = None  # a stored file (PDF) the office uploaded
    fee_mode: str = FeeMode.none.value
    pages: int | None = None


def reply(ctx: Ctx, request_id: int, given: ReplyInput) -> DisclosureRequest:
    """The reply, one of the types of art. 36, with every part its type requires and the
    redress; with the information attached or how it is given; the fee by count or by
    pages (never both). The applicant is told."""
    r = _take(ctx, request_id, Move.reply)
    if given.kind not in ReplyKind.__members__:
        raise _invalid("kind", "请选择答复类型")
    kind = ReplyKind(given.kind)
    shown = {p.name: (given.parts.get(p.name) or "").strip() for p in rules.parts(kind)}
    document = _document(ctx, given.document)
    missing = rules.missing_parts(kind, shown, document is not None, given.redress or "")
    too_long = [k for k, v in {**shown, "redress": given.redress or ""}.items()
                if len(v) > TEXT_MAX]
    problems = [FieldProblem(k, v) for k, v in missing.items()]
    problems += [FieldProblem(k, f"不能超过 {TEXT_MAX} 字") for k in too_long]
    problems += _fee_problems(given)
    if problems:
        raise Invalid("答复缺少必须写明的内容", code="reply_incomplete", problems=problems)
    mode = FeeMode(given.fee_mode)
    r.fee_mode, r.fee_pages = mode, given.pages if mode == FeeMode.pages else None
    r.fee_yuan = fee(mode, _nth_of_month(ctx, r), r.fee_pages)
    r.reply_kind, r.reply = kind, {k: v for k, v in shown.items() if v}
    r.redress, r.document_id = given.redress.strip(), document
    r.status, r.closed_on, r.replied_by_id = Status.replied, ctx.today, ctx.actor.user_id
    _done(ctx, r, Move.reply, rules.REPLY_NAMES[kind])
    _unwatch(ctx, r)
    _tell_applicant(ctx, r, "政府信息公开申请已答复",
                    f"您的申请已答复：{rules.REPLY_NAMES[kind]}。请登录查看答复全文。")
    return r


def _document(ctx: Ctx, file_id: str | None) -> str | None:
    if not file_id:
        return None
    if usable_by(ctx.session, file_id, {ctx.actor.user_id}) is None:
        raise _invalid("document", "附件不存在，请重新上传")
    return file_id


def _fee_problems(given: ReplyInput) -> list[FieldProblem]:
    if given.fee_mode not in FeeMode.__members__:
        return [FieldProblem("fee_mode", "收费方式须为不收费、按件或按量（不能同时按件和按量）")]
    if given.fee_mode == FeeMode.pages.value and (given.pages is None or given.pages < 0):
        return [FieldProblem("pages", "按量计收的，请填写提供信息的页数")]
    if given.fee_mode != FeeMode.pages.value and given.pages:
        return [FieldProblem("pages", "只有按量计收才填写页数（按件和按量不能同时计收）")]
    return []


def _nth_of_month(ctx: Ctx, r: DisclosureRequest) -> int:
    """The request's place among the same applicant's requests received in its calendar
    month (the account; recorded requests: the same name and contact)."""
    first = r.received_on.replace(day=1)
    same = (DisclosureRequest.applicant_id == r.applicant_id if r.applicant_id is not None
            else and_(DisclosureRequest.applicant_name == r.applicant_name,
                      DisclosureRequest.contact == r.contact))
    earlier = or_(DisclosureRequest.received_on < r.received_on,
                  and_(DisclosureRequest.received_on == r.received_on,
                       DisclosureRequest.id <= r.id))
    return int(ctx.session.scalar(select(func.count()).select_from(DisclosureRequest).where(
        same, DisclosureRequest.received_on >= first, earlier)) or 1)


def withdraw(ctx: Ctx, request_id: int) -> DisclosureRequest:
    """The applicant withdraws a request not yet answered."""
    r = _take(ctx, request_id, Move.withdraw)
    watched = r.status != Status.correcting
    r.status, r.closed_on = Status.withdrawn, ctx.today
    _done(ctx, r, Move.withdraw, "申请人撤回申请")
    if watched:
        _unwatch(ctx, r)
    return r


def lapse_corrections(ctx: Ctx) -> int:
    """Requests whose correction did not arrive in the time set are withdrawn (视为放弃,
    art. 30); the applicant is told. The platform's own move (`SYSTEM`)."""
    found = list(ctx.session.scalars(select(DisclosureRequest).where(
        DisclosureRequest.status == Status.correcting,
        DisclosureRequest.correction_due_on < ctx.today).order_by(
        DisclosureRequest.id).with_for_update(skip_locked=True)))
    for r in found:
        r.status, r.closed_on, r.lapsed = Status.withdrawn, ctx.today, True
        _done(ctx, r, Move.lapse, f"补正期限（{r.correction_due_on}）届满未补正，视为放弃申请")
        _tell_applicant(ctx, r, "政府信息公开申请视为放弃",
                        f"您未在 {r.correction_due_on} 前补正，申请视为放弃。")
    return len(found)


# --- steps and messages ---------------------------------------------------------------------


def _done(ctx: Ctx, r: DisclosureRequest, move: Move, note: str,
          on: dt.date | None = None) -> None:
    ctx.session.flush()
    _step(ctx, r, move.value, on or ctx.today, note)
    audit.record(ctx.session, ctx.actor, f"disclosure_{move.value}", SUBJECT, r.id,
                 at=ctx.now, region=r.region_code,
                 after={"status": r.status.value, "due_on": r.deadline.isoformat()})


def _step(ctx: Ctx, r: DisclosureRequest, move: str, on: dt.date, note: str) -> None:
    ctx.session.add(DisclosureStep(request_id=r.id, move=move, on=on, at=ctx.now,
                                   actor_id=ctx.actor.user_id or None, note=note[:TEXT_MAX]))


def _tell_applicant(ctx: Ctx, r: DisclosureRequest, subject: str, body: str) -> None:
    """Through the outbox to an applicant with an account; one who came by post or in
    person is told by the office in writing (the step records what it says)."""
    if r.applicant_id is not None:
        queue(ctx.session, [r.applicant_id], f"【政府信息公开】{subject}",
              f"{r.number}：{body}", ctx.now)


def _tell_office(ctx: Ctx, r: DisclosureRequest, subject: str, body: str) -> None:
    people = offices.office(r.region_code, r.department_code)
    queue(ctx.session, list(ctx.session.scalars(people)), subject, body, ctx.now)


def days_late(ctx: Ctx, r: DisclosureRequest) -> int:
    """The working days an open request is past its deadline (0 when not, or while the
    clock waits for a correction)."""
    if r.status not in (Status.received, Status.consulting):
        return 0
    return ctx.calendar.count(r.deadline, ctx.today)


def contact_shown(ctx: Ctx, r: DisclosureRequest) -> str:
    """The applicant's contact in full for the office, the applicant and the window that
    recorded it; masked for anyone else (supervisors)."""
    p = ctx.actor
    if handles(p, r) or p.user_id in (r.applicant_id, r.recorded_by_id):
        return r.contact
    return str(mask(r.contact, Personal.address))


def office_of(ctx: Ctx, r: DisclosureRequest) -> str:
    return office_name(ctx.catalog, r.region_code, r.department_code)


def default_redress(ctx: Ctx, r: DisclosureRequest) -> str:
    """The redress text the reply form starts from."""
    return rules.redress_text(office_of(ctx, r), _government(ctx, r.region_code))


def _government(ctx: Ctx, region: str) -> str:
    """The people's government that hears an office's 行政复议 (行政复议法 2023 art. 24: the
    government at the office's level; a township's offices, the county's), with the name of
    the region above it (长沙市芙蓉区人民政府)."""
    regions = ctx.catalog.regions
    found = regions.get(region)
    if found is not None and found.level in ("township", "village") and found.parent:
        return _government(ctx, found.parent)
    parent = regions.get(found.parent or "") if found is not None else None
    above = parent.name if parent is not None and found is not None and (
        found.level == "county") else ""
    return f"{above}{region_name(ctx.catalog, region)}人民政府"


def steps(ctx: Ctx, r: DisclosureRequest) -> list[DisclosureStep]:
    return list(ctx.session.scalars(select(DisclosureStep).where(
        DisclosureStep.request_id == r.id).order_by(DisclosureStep.id)))


# --- lists ------------------------------------------------------------------------------------


def _scope(ctx: Ctx) -> list[ColumnElement[bool]]:
    p = ctx.actor
    if p.role == Role.admin:
        return []
    if p.role == Role.approver:
        return [DisclosureRequest.department_code == p.department,
                DisclosureRequest.region_code == p.region]
    if p.role == Role.supervisor:
        return [DisclosureRequest.region_code.in_(
            sorted(region_tree.descendants(ctx.catalog.regions, p.region or "")))]
    if p.role == Role.clerk:
        return [DisclosureRequest.recorded_by_id == p.user_id]
    return [DisclosureRequest.applicant_id == p.user_id]


def listed(ctx: Ctx, open_only: bool = False, limit: int = 200,
           offset: int = 0) -> list[DisclosureRequest]:
    """The requests the actor sees: an office's inbox by due day (the nearest first), an
    applicant's own, newest first."""
    query = select(DisclosureRequest).where(*_scope(ctx))
    if open_only:
        query = query.where(DisclosureRequest.status.in_(rules.OPEN))
    if ctx.actor.role in (Role.applicant, Role.proxy):
        query = query.order_by(DisclosureRequest.id.desc())
    else:
        deadline = func.coalesce(DisclosureRequest.extended_due_on, DisclosureRequest.due_on)
        query = query.order_by(deadline, DisclosureRequest.id)
    return list(ctx.session.scalars(query.limit(limit).offset(offset)))
