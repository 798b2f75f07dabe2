"""12345 tickets: taken by an operator (or sent in online by a citizen and taken by the
centre), ended at once or dispatched to offices, handled, reviewed, called back and
evaluated. Each move is one function; the state table and who takes it are `rules.py`;
the 派单目录 and time limits are data (`reference.py`). Supervision watches the 签收 and
答复 deadlines (`WatchStarted`/`WatchEnded`, subjects `ticket_sign` and `ticket_reply`)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, bindparam, false, or_, select

from onething.audit import service as audit
from onething.cases.models import Application
from onething.cases.numbering import next_number
from onething.cases.ports import TicketBrief
from onething.catalog.context import Ctx
from onething.files.service import usable_by
from onething.hotline import reference
from onething.hotline.events import (
    TicketAccepted,
    TicketClosed,
    TicketDispatched,
    TicketEscalated,
    TicketMerged,
    TicketReopened,
)
from onething.hotline.models import Assignment, Step, Ticket
from onething.hotline.rules import (
    ASSISTING,
    CENTRE,
    DESCRIPTION_MAX,
    EMERGENCY_NAMES,
    KIND_NAMES,
    MERGEABLE,
    MOVE_NAMES,
    OFFICE,
    OPEN,
    OTHER_WAY_NAMES,
    SATISFACTION_NAMES,
    STATUS_NAMES,
    Channel,
    Emergency,
    Fault,
    IllegalMove,
    Kind,
    Limit,
    Move,
    OtherWay,
    Place,
    Satisfaction,
    Status,
    Urgency,
    due_at,
    due_day,
    due_text,
    duplicates,
    escalates,
    moves,
    next_status,
    normalised,
    reopens,
    taken_by,
)
from onething.identity import offices
from onething.identity.models import User
from onething.kernel import bus, links, regions
from onething.kernel.clock import CHINA
from onething.kernel.db import add_inserted
from onething.kernel.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.identifiers import phone_problem
from onething.kernel.principal import SYSTEM, Role
from onething.kernel.privacy import Personal, mask
from onething.kernel.watch import WatchEnded, WatchStarted
from onething.outbox.models import Notification

SIGN, REPLY = "ticket_sign", "ticket_reply"  # as supervision watches them
ONLINE = (Channel.web, Channel.mobile)  # how a citizen sends a ticket in by themselves
# sent in by another system on a citizen's behalf (the Open311 door, acting as the platform):
# it starts `submitted`, like a citizen's online ticket, and the phone may be left out
EXTERNAL = (Channel.open311,)
EXTENSION_MAX_DAYS = 30
RECEIVED_WITHIN = dt.timedelta(days=7)  # a call recorded late, not a history import
TEXT_MAX = 2000


@dataclass
class TicketInput:
    kind: str
    category: str
    region: str
    caller_name: str
    caller_phone: str
    description: str
    channel: str = "phone"
    urgency: str = "normal"
    address: str | None = None
    lat: float | None = None
    long: float | None = None
    confidential: bool = False
    attachments: list[str] = field(default_factory=list)
    application_number: str | None = None
    received_at: dt.datetime | None = None  # given by the telephony system for calls
    parent: int | None = None  # 并单: the ticket this one duplicates


@dataclass(frozen=True)
class OfficeInput:
    department: str
    region: str


# --- creating -----------------------------------------------------------------------


def create(ctx: Ctx, given: TicketInput) -> Ticket:
    """A ticket taken by an operator (受理 at once), or sent in online by a citizen (waiting
    for the centre of its city to take it)."""
    actor = ctx.actor
    if actor.role not in (Role.operator, Role.applicant, Role.proxy) and not _external(
            ctx, given):
        raise Forbidden("只有热线话务员受理工单，或由群众在线提交诉求", code="role_not_allowed")
    given = dataclasses.replace(
        given, caller_name=given.caller_name.strip(), caller_phone=given.caller_phone.strip(),
        description=given.description.strip(), address=(given.address or "").strip() or None,
        application_number=(given.application_number or "").strip() or None)
    app = _check(ctx, given, reference.in_force())
    operator = actor.role == Role.operator
    move, note = ((Move.accept, "话务员受理") if operator else
                  ("submit", f"经{actor.display_name}提交诉求" if _external(ctx, given)
                   else "群众在线提交诉求"))
    ticket = _new_ticket(ctx, given, app.number if app else None, _step_of(ctx, move, note))
    add_inserted(ctx.session, ticket)  # one INSERT, its number and first step in it
    ctx.session.info.setdefault(_KEPT, {})[ticket.id] = []  # a new ticket has no office yet
    ctx.session.info.setdefault(_MADE, set()).add(ticket.id)  # nor duplicates
    _audit(ctx, ticket, move, note)
    if operator:
        _accepted(ctx, ticket)
    if given.parent is not None:  # taken as a duplicate at once: 并单
        return merge(ctx, ticket.id, given.parent)
    return ticket


def _new_ticket(ctx: Ctx, given: TicketInput, application: str | None, first: Step) -> Ticket:
    """The ticket `given` describes, numbered, with its first step."""
    actor = ctx.actor
    operator = actor.role == Role.operator
    received = given.received_at if operator and given.received_at else ctx.now
    centre = actor.region if operator and actor.region else _centre_of(ctx, given.region)
    day = received.astimezone(CHINA).strftime("%Y%m%d")
    # taken apart (PostgreSQL): every ticket of the centre and day takes the same counter
    # row, which would otherwise stay locked until this transaction commits
    number = next_number(ctx.session, f"12345-{centre[:6]}-{day}-")
    return Ticket(
        number=number, channel=Channel(given.channel), kind=Kind(given.kind),
        category_code=given.category, urgency=Urgency(given.urgency),
        status=Status.accepted if operator else Status.submitted, centre_region=centre,
        region_code=given.region, address=given.address,
        place=normalised(given.address) or None, lat=given.lat, long=given.long,
        caller_name=given.caller_name, caller_phone=given.caller_phone,
        confidential=given.confidential,
        caller_id=actor.user_id if actor.role in (Role.applicant, Role.proxy) else None,
        description=given.description, attachments=list(given.attachments),
        application_number=application, parent_id=None, received_at=received, outcome={},
        returns=0, reopens=0, escalated=False, timeline=[first],
        created_by=actor.user_id or None, version=1, created_at=ctx.now, updated_at=ctx.now)


def _external(ctx: Ctx, given: TicketInput) -> bool:
    """A ticket another system sends in on a citizen's behalf (the Open311 door)."""
    return ctx.actor.role == Role.system and given.channel in EXTERNAL


def _centre_of(ctx: Ctx, region: str) -> str:
    """The 12345 centre that takes a citizen's online ticket: its city's (or the
    province's, for a ticket about the province as a whole)."""
    chain = regions.ancestors(ctx.catalog.regions, region)
    for code in chain:
        if _level(ctx, code) == "city":
            return code
    return chain[-1]


def _level(ctx: Ctx, code: str) -> str:
    level = ctx.catalog.regions[code].level
    return str(getattr(level, "value", level))


def _check(ctx: Ctx, given: TicketInput, data: reference.HotlineData) -> Application | None:
    problems: list[FieldProblem] = []
    operator = ctx.actor.role == Role.operator
    if given.channel not in Channel.__members__:
        problems.append(FieldProblem("channel", "渠道应为电话、网站、移动端、Open311、电子邮件"
                                                "或好差评"))
    elif not operator and not _external(ctx, given) and Channel(given.channel) not in ONLINE:
        problems.append(FieldProblem("channel", "群众在线提交的诉求，渠道应为网站或移动端"))
    if given.kind not in Kind.__members__:
        problems.append(FieldProblem("kind", "诉求类型应为咨询、求助、投诉、举报、建议或表扬"))
    if given.urgency not in Urgency.__members__:
        problems.append(FieldProblem("urgency", "紧急程度应为普通或紧急"))
    category = data.categories.get(given.category)
    if category is None:
        problems.append(FieldProblem("category", f"没有代码为 {given.category} 的诉求分类"))
    elif not category.leaf:
        problems.append(FieldProblem("category", f"{category.name} 是大类，请选择具体的小类"))
    if given.region not in ctx.catalog.regions:
        problems.append(FieldProblem("region", f"行政区划 {given.region} 不存在"))
    elif not regions.within(ctx.catalog.regions, given.region, data.province):
        problems.append(FieldProblem("region", "诉求发生地不在本省"))
    elif operator and (ctx.actor.region is None or not regions.within(
            ctx.catalog.regions, given.region, ctx.actor.region)):
        problems.append(FieldProblem("region", "诉求发生地不在本热线中心的受理范围内"))
    if (given.lat is None) != (given.long is None):
        problems.append(FieldProblem("lat" if given.lat is None else "long",
                                     "经纬度须同时填写纬度和经度"))
    elif given.lat is not None and given.long is not None and not reference.inside(
            data, given.lat, given.long):
        problems.append(FieldProblem("lat", "所填位置（经纬度）不在本省范围内"))
    if given.address and len(given.address) > 200:
        problems.append(FieldProblem("address", "地址不能超过 200 个字符"))
    if not given.description:
        problems.append(FieldProblem("description", "请填写诉求内容"))
    elif len(given.description) > DESCRIPTION_MAX:
        problems.append(FieldProblem("description", f"诉求内容不能超过 {DESCRIPTION_MAX} 字"))
    if not given.caller_name or len(given.caller_name) > 50:
        problems.append(FieldProblem("caller_name", "请填写来电人姓名（50 字以内）"))
    if (given.caller_phone or not _external(ctx, given)) and (
            problem := phone_problem(given.caller_phone)) is not None:
        problems.append(FieldProblem("caller_phone", problem))
    if given.confidential and given.kind != Kind.report:
        problems.append(FieldProblem("confidential", "只有举报类诉求可以要求为举报人保密"))
    if given.received_at is not None and operator:
        if given.received_at.tzinfo is None:
            problems.append(FieldProblem("received_at", "来电时间须带时区"))
        elif given.received_at > ctx.now:
            problems.append(FieldProblem("received_at", "来电时间不能晚于现在"))
        elif given.received_at < ctx.now - RECEIVED_WITHIN:
            problems.append(FieldProblem("received_at", "来电时间不能早于 7 天前"))
    if len(given.attachments) > 10:
        problems.append(FieldProblem("attachments", "附件不能超过 10 个"))
    for index, file_id in enumerate(given.attachments):
        if usable_by(ctx.session, file_id, {ctx.actor.user_id}) is None:
            problems.append(FieldProblem(f"attachments[{index}]", "没有该附件，请先上传"))
    app = None
    if given.application_number:
        app = ctx.session.scalar(select(Application).where(
            Application.number == given.application_number))
        if app is None:
            problems.append(FieldProblem("application_number", "没有这个办件编号"))
    if given.parent is not None and not operator:
        problems.append(FieldProblem("parent", "并单由热线中心的话务员办理"))
    if problems:
        raise Invalid("工单内容有误", problems=problems)
    return app


# --- seeing -------------------------------------------------------------------------


def _in(ctx: Ctx, region: str, scope: str | None) -> bool:
    return scope is not None and regions.within(ctx.catalog.regions, region, scope)


def is_centre(ctx: Ctx, t: Ticket) -> bool:
    """An operator of the ticket's centre (or of a centre above it)."""
    return ctx.actor.role == Role.operator and _in(ctx, t.centre_region, ctx.actor.region)


_KEPT = "hotline_assignments"  # the session's active assignments by ticket (one request's)
_MADE = "hotline_made"  # the tickets this session made


def _assignments(ctx: Ctx, t: Ticket) -> list[Assignment]:
    kept: dict[int, list[Assignment]] = ctx.session.info.setdefault(_KEPT, {})
    if t.id not in kept:
        kept[t.id] = list(ctx.session.scalars(select(Assignment).where(
            Assignment.ticket_id == t.id, Assignment.active.is_(True)).order_by(
            Assignment.id)))
    return kept[t.id]


def preload(ctx: Ctx, tickets: list[Ticket]) -> list[Ticket]:
    """The active assignments of a page of tickets read in one query (a list answers each
    ticket with its offices and the actor's moves, which read them)."""
    kept: dict[int, list[Assignment]] = ctx.session.info.setdefault(_KEPT, {})
    wanted: dict[int, list[Assignment]] = {t.id: [] for t in tickets if t.id not in kept}
    if wanted:
        for a in ctx.session.scalars(select(Assignment).where(
                Assignment.ticket_id.in_(wanted), Assignment.active.is_(True)).order_by(
                Assignment.id)):
            wanted[a.ticket_id].append(a)
        kept.update(wanted)
    return tickets


def _office_of(ctx: Ctx, t: Ticket) -> Assignment | None:
    """The actor's own active assignment on the ticket (主办 or 协办), if an office's."""
    a = ctx.actor
    if a.role != Role.approver:
        return None
    return next((x for x in _assignments(ctx, t) if x.department_code == a.department
                 and x.region_code == a.region), None)


def sees(ctx: Ctx, t: Ticket) -> bool:
    a = ctx.actor
    match a.role:
        case Role.admin:
            return True
        case Role.operator:
            return is_centre(ctx, t)
        case Role.supervisor:
            return _in(ctx, t.region_code, a.region)
        case Role.approver:
            return _office_of(ctx, t) is not None
        case Role.applicant | Role.proxy:
            return t.caller_id == a.user_id
    return False


def get(ctx: Ctx, ticket_id: int, *, lock: bool = False) -> Ticket:
    query = select(Ticket).where(Ticket.id == ticket_id)
    t = ctx.session.scalar(query.with_for_update() if lock else query)
    if t is None or not sees(ctx, t):
        raise NotFound("没有这张工单，或您无权查看", code="ticket_not_found")
    return t


def actions(ctx: Ctx, t: Ticket) -> list[str]:
    """What the actor may do on the ticket now (the API's `actions`)."""
    asked = bool(t.extension and t.extension.get("status") == "asked")
    found: list[Move] = []
    if is_centre(ctx, t):
        found += moves(t.status, CENTRE, extension_asked=asked)
    mine = _office_of(ctx, t)
    if mine is not None and mine.host:
        found += moves(t.status, OFFICE, extension_asked=asked)
    assisting = ["assist"] if mine is not None and not mine.host and t.status in ASSISTING else []
    if t.closed_at is not None:  # a duplicate answered with its ended parent stays merged
        found = [m for m in found if m != Move.unmerge]
    return [m.value for m in found] + assisting


def caller(ctx: Ctx, t: Ticket) -> tuple[str | None, str | None]:
    """The caller's name and phone as the actor sees them: in full to the caller and the
    centre (who call back); hidden from the handling offices when 保密; masked otherwise."""
    a = ctx.actor
    if is_centre(ctx, t) or (t.caller_id is not None and t.caller_id == a.user_id):
        return t.caller_name, t.caller_phone
    if t.confidential and a.role != Role.admin:
        return None, None
    return t.caller_name[:1] + "**", mask(t.caller_phone, Personal.phone)


def listing(ctx: Ctx, *, status: str | None = None, kind: str | None = None,
            category: str | None = None, escalated: bool | None = None) -> Select[Any]:
    """The tickets the actor sees, newest first: a centre's, an office's inbox (its active
    assignments), a supervisor's region, a citizen's own."""
    a = ctx.actor
    query = select(Ticket)
    newest = Ticket.id.desc()
    match a.role:
        case Role.admin:
            pass
        case Role.operator:
            query = query.where(Ticket.centre_region.in_(
                regions.descendants(ctx.catalog.regions, a.region) if a.region else []))
        case Role.supervisor:
            query = query.where(Ticket.region_code.in_(
                regions.descendants(ctx.catalog.regions, a.region) if a.region else []))
        case Role.approver:
            # a join, newest first by the assignment's ticket: the inbox index gives the
            # page in order, however many tickets the office ever had (bench/hotline.py)
            query = query.join(Assignment, Assignment.ticket_id == Ticket.id).where(
                Assignment.department_code == a.department,
                Assignment.region_code == a.region, Assignment.active.is_(True))
            newest = Assignment.ticket_id.desc()
        case Role.applicant | Role.proxy:
            query = query.where(Ticket.caller_id == a.user_id)
        case _:
            query = query.where(false())
    problems = []
    if status == "open":
        query = query.where(Ticket.status.in_(sorted(OPEN)))
    elif status is not None:
        if status not in Status.__members__:
            problems.append(FieldProblem("status", "状态不存在"))
        query = query.where(Ticket.status == status)
    if kind is not None:
        if kind not in Kind.__members__:
            problems.append(FieldProblem("kind", "诉求类型不存在"))
        query = query.where(Ticket.kind == kind)
    if category is not None:
        query = query.where(Ticket.category_code.startswith(category, autoescape=True))
    if escalated is not None:
        query = query.where(Ticket.escalated.is_(escalated))
    if problems:
        raise Invalid("查询条件有误", problems=problems)
    return query.order_by(newest)


def track(ctx: Ctx, number: str, phone: str) -> Ticket:
    """A citizen tracks a ticket by its number and the phone it was given with."""
    t = ctx.session.scalar(select(Ticket).where(Ticket.number == number.strip()))
    if t is None or not t.caller_phone or t.caller_phone.replace(" ", "") != phone.strip(
            ).replace(" ", ""):
        raise NotFound("没有查到该工单，请核对工单编号和来电号码", code="ticket_not_found")
    return t


def suggestion(ctx: Ctx, t: Ticket) -> reference.Suggestion:
    """The 派单目录's offices for the ticket (the operator may choose another)."""
    return reference.suggest(reference.in_force(), ctx.catalog.regions,
                             ctx.catalog.departments, t.category_code, t.region_code)


def office_name(ctx: Ctx, department: str, region: str) -> str:
    data = reference.in_force()
    place = ctx.catalog.regions[region].name if region in ctx.catalog.regions else region
    if department == data.fallback_department:
        return f"{place}{data.fallback_name}"
    dep = ctx.catalog.departments.get(department)
    return f"{place}{dep.name if dep else department}"


def assignments(ctx: Ctx, t: Ticket) -> list[Assignment]:
    return _assignments(ctx, t)


# --- moving -------------------------------------------------------------------------


def _record(ctx: Ctx, t: Ticket, move: Move | str, note: str) -> None:
    t.timeline = [*t.timeline, _step_of(ctx, move, note)]
    t.updated_at = ctx.now
    _audit(ctx, t, move, note)


def _step_of(ctx: Ctx, move: Move | str, note: str) -> Step:
    return {"at": ctx.now.isoformat(), "move": str(move), "by": ctx.actor.display_name,
            "role": ctx.actor.role.value, "note": note}


def _audit(ctx: Ctx, t: Ticket, move: Move | str, note: str) -> None:
    audit.record(ctx.session, ctx.actor, f"ticket_{move}", "ticket", t.id,
                 region=t.region_code, after={"status": t.status.value, "note": note[:200]})


def _step(ctx: Ctx, ticket_id: int, move: Move) -> Ticket:
    """The ticket, locked, if the actor may take `move` on it now: 404 if they may not see
    it, 403 if it is not theirs to take, 409 if its state refuses it."""
    t = get(ctx, ticket_id, lock=True)
    side = taken_by(move)
    if side == CENTRE and not is_centre(ctx, t):
        raise Forbidden(f"只有工单所属热线中心的话务员可以{MOVE_NAMES[move]}",
                        code="not_the_centre")
    if side == OFFICE:
        mine = _office_of(ctx, t)
        if mine is None or not mine.host:
            raise Forbidden(f"只有承办（主办）单位可以{MOVE_NAMES[move]}", code="not_the_office")
    try:
        after = next_status(t.status, move)
    except IllegalMove:
        raise Conflict(f"工单{STATUS_NAMES[t.status]}，不能{MOVE_NAMES[move]}",
                       code="illegal_transition") from None
    asked = bool(t.extension and t.extension.get("status") == "asked")
    if move == Move.extend and asked:
        raise Conflict("已申请延期，等待中心审批", code="extension_pending")
    if move == Move.decide_extension and not asked:
        raise Conflict("没有待审批的延期申请", code="no_extension")
    t.status = after
    t.version += 1
    return t


def _text(value: str | None, name: str, what: str, required: bool = True) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > TEXT_MAX:
        raise Invalid(f"请填写{what}", problems=[FieldProblem(name, f"请填写{what}（{TEXT_MAX} "
                                                                  "字以内）")])
    return text


def _accepted(ctx: Ctx, t: Ticket) -> None:
    bus.publish(ctx, TicketAccepted(t.id, t.number, t.region_code, t.category_code,
                                    t.kind.value))


def accept(ctx: Ctx, ticket_id: int) -> Ticket:
    """受理 a ticket a citizen sent in online."""
    t = _step(ctx, ticket_id, Move.accept)
    _record(ctx, t, Move.accept, "热线中心受理")
    _accepted(ctx, t)
    return t


def _end(ctx: Ctx, t: Ticket, move: Move, note: str) -> Ticket:
    t.closed_at = ctx.now
    _record(ctx, t, move, note)
    _ended(ctx, t, t.status.value, t.reply or note)
    for child in children(ctx, t):  # 并单: each duplicate's caller gets the parent's reply
        child.reply, child.closed_at = t.reply or note, ctx.now
        _record(ctx, child, "parent_ended", f"主工单 {t.number} 已{STATUS_NAMES[t.status]}："
                + (t.reply or note))
        _ended(ctx, child, Status.merged.value, child.reply)
    return t


def _ended(ctx: Ctx, t: Ticket, how: str, note: str) -> None:
    bus.publish(ctx, TicketClosed(t.id, how))
    if t.source_kind == "rating" and t.rectification_id is not None:
        bus.publish(ctx, links.RatingTicketNoted(
            t.rectification_id, t.id, t.number, "ended",
            f"工单 {t.number} 已办结：{note}"[:TEXT_MAX]))


def answer(ctx: Ctx, ticket_id: int, text: str, article: str | None = None) -> Ticket:
    """直接答复: answered at once (usually from the knowledge base), and closed."""
    text = _text(text, "answer", "答复内容")
    article = (article or "").strip() or None
    question = None
    if article is not None:
        if article.isdigit() and 0 < int(article) < 2**31:
            question = links.articles().published(ctx.session, int(article), ctx.today)
        if question is None:
            raise Invalid("知识库条目有误", code="article_not_published", problems=[FieldProblem(
                "article", f"知识库中没有编号为 {article[:20]} 的已发布、在有效期内的条目")])
    t = _step(ctx, ticket_id, Move.answer)
    t.outcome = {"answer": text, "article": article, "article_question": question}
    t.reply = text
    return _end(ctx, t, Move.answer, text)


def transfer(ctx: Ctx, ticket_id: int, line: str, note: str | None = None) -> Ticket:
    """转办 to 110/119/120/122: recorded and closed."""
    if line not in {e.value for e in Emergency}:
        raise Invalid("转办号码有误", problems=[FieldProblem("line", "应为 110、119、120 或 122")])
    note = _text(note, "note", "说明", required=False)
    t = _step(ctx, ticket_id, Move.transfer)
    t.outcome = {"line": line, "note": note}
    return _end(ctx, t, Move.transfer, f"已转 {EMERGENCY_NAMES[Emergency(line)]}"
                + (f"：{note}" if note else ""))


def redirect(ctx: Ctx, ticket_id: int, way: str, note: str | None = None) -> Ticket:
    """告知其他途径 (诉讼, 行政复议, 信访, 信息公开): closed with the channel named."""
    if way not in OtherWay.__members__:
        raise Invalid("途径有误", problems=[FieldProblem(
            "way", "应为 litigation 诉讼、reconsideration 行政复议、petition 信访或 "
                   "disclosure 政府信息公开申请")])
    note = _text(note, "note", "说明", required=False)
    t = _step(ctx, ticket_id, Move.redirect)
    t.outcome = {"way": way, "note": note}
    return _end(ctx, t, Move.redirect, f"已告知通过{OTHER_WAY_NAMES[OtherWay(way)]}途径解决"
                + (f"：{note}" if note else ""))


def _offices(ctx: Ctx, t: Ticket, host: OfficeInput | None,
             assist: list[OfficeInput] | None) -> tuple[OfficeInput, list[OfficeInput], bool]:
    """The offices chosen (the suggested ones when none is given), checked."""
    suggested = suggestion(ctx, t)
    if host is None:
        host = OfficeInput(suggested.host.department, suggested.host.region)
        if assist is None:
            assist = [OfficeInput(o.department, o.region) for o in suggested.assist]
    assist = assist or []
    data = reference.in_force()
    problems = []
    for name, office in [("host", host), *((f"assist[{i}]", o) for i, o in enumerate(assist))]:
        if (office.department not in ctx.catalog.departments
                and office.department != data.fallback_department):
            problems.append(FieldProblem(f"{name}.department",
                                         f"没有代码为 {office.department} 的部门"))
        if office.region not in ctx.catalog.regions:
            problems.append(FieldProblem(f"{name}.region", f"行政区划 {office.region} 不存在"))
        elif not regions.within(ctx.catalog.regions, office.region, data.province):
            problems.append(FieldProblem(f"{name}.region", "承办单位不在本省"))
    if host in assist:
        problems.append(FieldProblem("assist", "主办单位不能同时是协办单位"))
    if len(set(assist)) != len(assist):
        problems.append(FieldProblem("assist", "协办单位重复"))
    if problems:
        raise Invalid("派单有误", problems=problems)
    same = (host.department == suggested.host.department
            and host.region == suggested.host.region)
    return host, assist, same


def _assign(ctx: Ctx, t: Ticket, host: OfficeInput, assist: list[OfficeInput],
            suggested: bool) -> None:
    for old in _assignments(ctx, t):
        old.active = False
    for office, is_host in [(host, True), *((o, False) for o in assist)]:
        ctx.session.add(Assignment(
            ticket_id=t.id, department_code=office.department, region_code=office.region,
            host=is_host, suggested=suggested, active=True, assigned_at=ctx.now))
    ctx.session.flush()
    ctx.session.info.get(_KEPT, {}).pop(t.id, None)  # read again
    _notify(ctx, host, f"【12345 工单】{t.number}",
            f"请于 {due_text(t.sign_due_at)} 前签收，{due_text(t.reply_due_at)} 前答复。")
    bus.publish(ctx, TicketDispatched(t.id, host.department, host.region))


def _notify(ctx: Ctx, office: OfficeInput, subject: str, body: str) -> None:
    query = offices.office(office.region, office.department)
    for person in ctx.session.scalars(query):
        ctx.session.add(Notification(recipient_id=person, created_at=ctx.now, subject=subject,
                                     body=body))


def _limit(ctx: Ctx, t: Ticket, what: str) -> reference.LimitRule:
    return reference.limit_for(reference.in_force(), ctx.catalog.regions, t.region_code,
                               t.kind, t.urgency, what)


def _watch(ctx: Ctx, t: Ticket, subject: str, due: dt.datetime, office: OfficeInput) -> None:
    what = "签收" if subject == SIGN else "答复"
    bus.publish(ctx, WatchStarted(subject, t.id, ctx.today, max(due_day(due), ctx.today),
                                  f"12345 工单{what}（{t.number}）", office.region,
                                  department=office.department))


def _unwatch(ctx: Ctx, t: Ticket, subject: str, due: dt.datetime | None) -> None:
    bus.publish(ctx, WatchEnded(subject, t.id, due_day(due) if due else None))


def _host(ctx: Ctx, t: Ticket) -> OfficeInput:
    found = next(a for a in _assignments(ctx, t) if a.host)
    return OfficeInput(found.department_code, found.region_code)


def dispatch(ctx: Ctx, ticket_id: int, host: OfficeInput | None = None,
             assist: list[OfficeInput] | None = None, note: str | None = None) -> Ticket:
    """派单 to a 主办 office (the 派单目录's when none is chosen) and any 协办 offices: the
    签收 and 答复 deadlines start."""
    note = _text(note, "note", "派单说明", required=False)
    t = _step(ctx, ticket_id, Move.dispatch)
    host, assist, suggested = _offices(ctx, t, host, assist)
    return _dispatched(ctx, t, host, assist, suggested, note)


def _dispatched(ctx: Ctx, t: Ticket, host: OfficeInput, assist: list[OfficeInput],
                suggested: bool, note: str) -> Ticket:
    """The ticket (in state `dispatched`) goes to its offices: its deadlines start."""
    sign, reply = _limit(ctx, t, "sign"), _limit(ctx, t, "reply")
    assert sign.sign is not None and reply.reply is not None
    t.dispatched_at = ctx.now
    t.sign_due_at = due_at(sign.sign, ctx.now, ctx.calendar)
    t.reply_due_at = due_at(reply.reply, ctx.now, ctx.calendar)
    t.sign_source, t.reply_source = sign.source[:200], reply.source[:200]
    _assign(ctx, t, host, assist, suggested)
    _watch(ctx, t, SIGN, t.sign_due_at, host)
    _watch(ctx, t, REPLY, t.reply_due_at, host)
    _record(ctx, t, Move.dispatch, f"派至{office_name(ctx, host.department, host.region)}"
            + (f"（协办：{'、'.join(office_name(ctx, o.department, o.region) for o in assist)}）"
               if assist else "") + (f"：{note}" if note else ""))
    return t


def sign(ctx: Ctx, ticket_id: int) -> Ticket:
    """签收 by the 主办 office."""
    t = _step(ctx, ticket_id, Move.sign)
    mine = _office_of(ctx, t)
    assert mine is not None
    mine.signed_at = t.signed_at = ctx.now
    _unwatch(ctx, t, SIGN, t.sign_due_at)
    _record(ctx, t, Move.sign, "承办单位已签收")
    return t


def give_back(ctx: Ctx, ticket_id: int, reason: str) -> Ticket:
    """退单: the office disputes the assignment, with its reason; the centre decides."""
    reason = _text(reason, "reason", "退单理由")
    t = _step(ctx, ticket_id, Move.give_back)
    mine = _office_of(ctx, t)
    assert mine is not None
    mine.returned_reason = reason
    _unwatch(ctx, t, SIGN, t.sign_due_at)
    _record(ctx, t, Move.give_back, reason)
    return t


def reassign(ctx: Ctx, ticket_id: int, host: OfficeInput | None = None,
             assist: list[OfficeInput] | None = None, note: str | None = None) -> Ticket:
    """改派 after a 退单: to other offices; a new 签收 deadline (the 答复 one stays)."""
    note = _text(note, "note", "改派说明", required=False)
    t = _step(ctx, ticket_id, Move.reassign)
    old = _host(ctx, t)
    host, assist, suggested = _offices(ctx, t, host, assist)
    if host == old:
        raise Invalid("改派有误", problems=[FieldProblem("host", "改派须选择另一个主办单位；"
                                                               "维持原派单请驳回退单")])
    _unwatch(ctx, t, REPLY, t.reply_due_at)
    sign_rule = _limit(ctx, t, "sign")
    assert sign_rule.sign is not None
    t.sign_due_at = due_at(sign_rule.sign, ctx.now, ctx.calendar)
    _assign(ctx, t, host, assist, suggested)
    _watch(ctx, t, SIGN, t.sign_due_at, host)
    assert t.reply_due_at is not None
    _watch(ctx, t, REPLY, t.reply_due_at, host)
    _record(ctx, t, Move.reassign, f"改派至{office_name(ctx, host.department, host.region)}"
            + (f"：{note}" if note else ""))
    return t


def overrule(ctx: Ctx, ticket_id: int, reason: str) -> Ticket:
    """驳回退单: the same office is to sign, with a new 签收 deadline."""
    reason = _text(reason, "reason", "驳回理由")
    t = _step(ctx, ticket_id, Move.overrule)
    sign_rule = _limit(ctx, t, "sign")
    assert sign_rule.sign is not None
    t.sign_due_at = due_at(sign_rule.sign, ctx.now, ctx.calendar)
    host = _host(ctx, t)
    _watch(ctx, t, SIGN, t.sign_due_at, host)
    _notify(ctx, host, f"【12345 退单被驳回】{t.number}", f"{reason}。请于 "
            f"{due_text(t.sign_due_at)} 前签收。")
    _record(ctx, t, Move.overrule, reason)
    return t


def reply(ctx: Ctx, ticket_id: int, text: str) -> Ticket:
    """答复: the office's answer to the caller, for the centre to review."""
    text = _text(text, "reply", "答复内容")
    t = _step(ctx, ticket_id, Move.reply)
    t.reply, t.replied_at = text, ctx.now
    _unwatch(ctx, t, REPLY, t.reply_due_at)
    _record(ctx, t, Move.reply, text)
    return t


def approve(ctx: Ctx, ticket_id: int, note: str | None = None) -> Ticket:
    """审核通过: 办结."""
    note = _text(note, "note", "审核意见", required=False)
    t = _step(ctx, ticket_id, Move.approve)
    return _end(ctx, t, Move.approve, note or "审核通过，办结")


def _back_to_office(ctx: Ctx, t: Ticket) -> None:
    """Sent back to the office (审核退回, 重办): the third time escalates to 督办."""
    t.returns += 1
    if escalates(t.returns) and not t.escalated:
        t.escalated = True
        _record(ctx, t, "escalate", f"退回 {t.returns} 次，转督办")
        bus.publish(ctx, TicketEscalated(t.id, t.region_code))


def send_back(ctx: Ctx, ticket_id: int, reason: str) -> Ticket:
    """审核退回: back to 办理, with the reason; the 答复 deadline stays."""
    reason = _text(reason, "reason", "退回理由")
    t = _step(ctx, ticket_id, Move.send_back)
    assert t.reply_due_at is not None
    _watch(ctx, t, REPLY, t.reply_due_at, _host(ctx, t))
    _record(ctx, t, Move.send_back, reason)
    _back_to_office(ctx, t)
    return t


def callback(ctx: Ctx, ticket_id: int, satisfaction: str, fault: str | None = None,
             reason: str | None = None) -> Ticket:
    """回访 after 办结: satisfied, basically, or not (with the reason and whose it is; the
    office's own reopens the ticket: 重办, a new 答复 deadline)."""
    problems = []
    if satisfaction not in Satisfaction.__members__:
        problems.append(FieldProblem("satisfaction", "应为满意、基本满意或不满意"))
    elif satisfaction == Satisfaction.unsatisfied:
        if fault not in Fault.__members__:
            problems.append(FieldProblem("fault", "不满意时须说明原因属于承办单位（office）还是"
                                                  "客观原因（objective）"))
        if not (reason or "").strip():
            problems.append(FieldProblem("reason", "不满意时须填写原因"))
    if problems:
        raise Invalid("回访内容有误", problems=problems)
    t = get(ctx, ticket_id, lock=True)
    if is_centre(ctx, t) and t.status != Status.closed:
        raise Conflict(f"工单{STATUS_NAMES[t.status]}，办结后才能回访", code="not_closed")
    t = _step(ctx, ticket_id, Move.callback)
    said = Satisfaction(satisfaction)
    why = Fault(fault) if said == Satisfaction.unsatisfied and fault else None
    t.callback = {"satisfaction": said.value, "fault": why.value if why else None,
                  "reason": (reason or "").strip()[:TEXT_MAX] or None, "at": ctx.now.isoformat()}
    t.visited_at, t.satisfaction = ctx.now, said.value
    _record(ctx, t, Move.callback, f"回访：{SATISFACTION_NAMES[said]}"
            + (f"，{reason}" if reason else ""))
    if reopens(said, why):
        t.status, t.closed_at, t.replied_at = Status.handling, None, None
        t.reopens, t.reopened_at = (t.reopens or 0) + 1, ctx.now
        reply_rule = _limit(ctx, t, "reply")
        assert reply_rule.reply is not None
        t.reply_due_at = due_at(reply_rule.reply, ctx.now, ctx.calendar)
        host = _host(ctx, t)
        _watch(ctx, t, REPLY, t.reply_due_at, host)
        _notify(ctx, host, f"【12345 重办】{t.number}", f"群众不满意：{reason}。请于 "
                f"{due_text(t.reply_due_at)} 前重新答复。")
        _record(ctx, t, "reopen", "群众不满意（承办单位原因），重办")
        bus.publish(ctx, TicketReopened(t.id))
        _back_to_office(ctx, t)
    return t


def evaluate(ctx: Ctx, ticket_id: int, score: int, note: str | None = None) -> Ticket:
    """评价 of the handling (一事一评), 1 to 5, as the caller gave it."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise Invalid("评价有误", problems=[FieldProblem("score", "评价应为 1 至 5 分")])
    note = _text(note, "note", "评价意见", required=False)
    t = _step(ctx, ticket_id, Move.evaluate)
    t.evaluation = {"score": score, "note": note or None, "at": ctx.now.isoformat()}
    _record(ctx, t, Move.evaluate, f"{score} 分" + (f"：{note}" if note else ""))
    return t


def extend(ctx: Ctx, ticket_id: int, days: int, reason: str) -> Ticket:
    """延期 asked by the office while it handles: more working days, with the reason."""
    problems = []
    if isinstance(days, bool) or not isinstance(days, int) or not (
            1 <= days <= EXTENSION_MAX_DAYS):
        problems.append(FieldProblem("days", f"延期天数应为 1 至 {EXTENSION_MAX_DAYS} 个工作日"))
    if not (reason or "").strip():
        problems.append(FieldProblem("reason", "请填写延期理由"))
    if problems:
        raise Invalid("延期申请有误", problems=problems)
    t = _step(ctx, ticket_id, Move.extend)
    t.extension = {"days": days, "reason": reason.strip()[:TEXT_MAX], "status": "asked",
                   "asked_at": ctx.now.isoformat()}
    _record(ctx, t, Move.extend, f"申请延期 {days} 个工作日：{reason.strip()}")
    return t


def decide_extension(ctx: Ctx, ticket_id: int, approved: bool,
                     note: str | None = None) -> Ticket:
    """The centre decides a 延期: approved, the 答复 deadline moves by the days asked."""
    note = _text(note, "note", "审批意见", required=False)
    t = _step(ctx, ticket_id, Move.decide_extension)
    assert t.extension is not None and t.reply_due_at is not None
    ext = dict(t.extension)
    ext["status"], ext["decided_at"] = ("approved" if approved else "denied"), ctx.now.isoformat()
    if approved:
        old = t.reply_due_at
        ext["previous_due_at"] = old.isoformat()
        day = ctx.calendar.add(due_day(old), int(ext["days"])).date
        t.reply_due_at = dt.datetime.combine(
            day + dt.timedelta(days=1), dt.time(), tzinfo=CHINA).astimezone(dt.UTC)
        _unwatch(ctx, t, REPLY, None)
        _watch(ctx, t, REPLY, t.reply_due_at, _host(ctx, t))
    t.extension = ext
    _record(ctx, t, Move.decide_extension, ("同意延期，答复期限延至 " + due_text(t.reply_due_at)
                                           if approved else "不同意延期")
            + (f"：{note}" if note else ""))
    return t


def urge(ctx: Ctx, ticket_id: int, note: str | None = None) -> Ticket:
    """催办: a notice to the 主办 office."""
    note = _text(note, "note", "催办内容", required=False)
    t = _step(ctx, ticket_id, Move.urge)
    _notify(ctx, _host(ctx, t), f"【12345 催办】{t.number}",
            (note or "请抓紧办理") + f"。答复期限：{due_text(t.reply_due_at)}。")
    _record(ctx, t, Move.urge, note or "催办")
    return t


def overdue(t: Ticket, now: dt.datetime) -> dict[str, bool]:
    """Whether the 签收 and 答复 deadlines are passed (while their clock runs)."""
    return {"sign": t.status in (Status.dispatched, Status.disputed)
            and t.sign_due_at is not None and t.sign_due_at < now,
            "reply": t.status in (Status.dispatched, Status.disputed, Status.handling)
            and t.reply_due_at is not None and t.reply_due_at < now}


def limit_text(limit: Limit | None) -> str | None:
    return limit.text if limit else None


# --- 并单 (duplicates) ----------------------------------------------------------------


def children(ctx: Ctx, t: Ticket) -> list[Ticket]:
    """The duplicates merged under `t`, oldest first (none under a ticket made just now)."""
    if t.id in ctx.session.info.get(_MADE, ()):
        return []
    return list(ctx.session.scalars(select(Ticket).where(
        Ticket.parent_id == t.id, Ticket.status == Status.merged).order_by(Ticket.id)))


class Candidate(NamedTuple):
    """Another ticket as the duplicate rule and a candidate's mention read it (not its
    timeline and the rest)."""

    id: int
    number: str
    status: Status
    category_code: str
    region_code: str
    received_at: dt.datetime
    lat: float | None
    long: float | None
    address: str | None
    description: str
    parent_id: int | None


def _place(t: Ticket | Candidate) -> Place:
    return Place(t.category_code, t.region_code, t.received_at, t.lat, t.long, t.address)


SIMILAR_MAX = 10


def _similar_query(located: bool) -> Select[Any]:
    """The open tickets of a centre, category and region received within a window, at the
    same place: the same folded address, or (`located`: both giving latitude and longitude)
    any located ticket, its distance measured after. Built once: a request only binds."""
    tickets = Ticket.__table__.c
    place = tickets.place == bindparam("place")
    return select(*(tickets[name] for name in Candidate._fields)).where(
        tickets.centre_region == bindparam("centre"),
        tickets.category_code == bindparam("category"),
        tickets.region_code == bindparam("region"),
        tickets.received_at >= bindparam("since"),  # a range of received_at's index
        tickets.received_at <= bindparam("until"),
        tickets.status.in_(sorted(OPEN)), tickets.parent_id.is_(None),
        tickets.id != bindparam("ticket"),
        or_(place, and_(tickets.lat.is_not(None), tickets.long.is_not(None)))
        if located else place,
    # the same place is the whole rule for a ticket without coordinates: every row counts
    ).order_by(tickets.received_at, tickets.id).limit(SIMILAR_MAX * (5 if located else 1))


_SIMILAR = {located: _similar_query(located) for located in (False, True)}


def merge_window_hours() -> int:
    """How far apart in time two tickets may be received and still be one 诉求."""
    return reference.in_force().merge.window_hours


def similar(ctx: Ctx, t: Ticket) -> list[Candidate]:
    """Candidate parents for an operator about to merge `t` (before 派单): open tickets of
    the same centre that the duplicate rule (`rules.duplicates`, the window and distance in
    `dispatch.yaml`) finds the same 诉求, oldest first. Empty for anyone else."""
    if not is_centre(ctx, t) or t.status not in MERGEABLE or t.parent_id is not None:
        return []
    located = t.lat is not None and t.long is not None
    if not located and not t.place:
        return []  # a ticket that names only its region is never suggested
    rule = reference.in_force().merge
    window = dt.timedelta(hours=rule.window_hours)
    ctx.session.flush()  # as the ORM would before a query: the session's own changes
    found = ctx.session.connection().execute(_SIMILAR[located], {
        "centre": t.centre_region, "category": t.category_code, "region": t.region_code,
        "since": t.received_at - window, "until": t.received_at + window, "ticket": t.id,
        "place": t.place})
    here = _place(t)
    kept = (c for c in map(Candidate._make, found) if duplicates(here, _place(c), rule))
    return list(itertools.islice(kept, SIMILAR_MAX))  # the first ones: no more compared


def merge(ctx: Ctx, ticket_id: int, parent_id: int) -> Ticket:
    """并单, confirmed by an operator before 派单: the ticket follows `parent` (state
    `merged`); the parent's reply reaches its caller when the parent ends. The parent must
    be another open ticket of the same centre and category, not itself merged, and the
    ticket must have no duplicates of its own."""
    t = _step(ctx, ticket_id, Move.merge)
    if parent_id == t.id:
        raise Invalid("不能并入本工单", code="merge_into_itself",
                      problems=[FieldProblem("parent", "不能把工单并入它自己")])
    query = select(Ticket).where(Ticket.id == parent_id).with_for_update()
    parent = ctx.session.scalar(query)
    if parent is None or not sees(ctx, parent):
        raise Invalid("没有这张主工单", code="parent_not_found",
                      problems=[FieldProblem("parent", "没有这张工单，或您无权查看")])
    if parent.centre_region != t.centre_region:
        raise Invalid("只能并入本热线中心的工单", code="not_same_centre",
                      problems=[FieldProblem("parent", "主工单不属于本工单的热线中心")])
    if parent.category_code != t.category_code:
        raise Invalid("诉求分类不同，不能并单", code="not_same_category",
                      problems=[FieldProblem("parent", "主工单的诉求分类与本工单不同")])
    if parent.parent_id is not None or parent.status == Status.merged:
        raise Conflict(f"工单 {parent.number} 已并入其他工单，请并入其主工单",
                       code="parent_is_merged", problems=[FieldProblem("parent", "已并单")])
    if parent.status not in OPEN:
        raise Conflict(f"工单 {parent.number} {STATUS_NAMES[parent.status]}，只能并入未办结的工单",
                       code="parent_not_open", problems=[FieldProblem("parent", "主工单已结束")])
    if children(ctx, t):
        raise Conflict("本工单已有并入的重复工单，不能再并入其他工单", code="has_children")
    t.parent_id = parent.id
    t.outcome = {"parent": parent.number}
    _record(ctx, t, Move.merge, f"并入工单 {parent.number}")
    _record(ctx, parent, "merged_in", f"重复工单 {t.number} 并入本工单")
    bus.publish(ctx, TicketMerged(t.id, parent.id))
    return t


# --- 协办意见 ---------------------------------------------------------------------------


def unmerge(ctx: Ctx, ticket_id: int, reason: str | None) -> Ticket:
    """取消并单, by an operator of the centre, with the reason, while the parent has not
    ended: the ticket is its own again, taken (受理) and ready to be answered or dispatched."""
    t = _step(ctx, ticket_id, Move.unmerge)
    reason = _text(reason, "reason", "取消并单的理由")
    if t.closed_at is not None:
        raise Conflict("主工单已办结，本工单已随之答复，不能取消并单", code="parent_ended")
    parent = ctx.session.scalars(  # a merged ticket's parent: kept by its foreign key
        select(Ticket).where(Ticket.id == t.parent_id).with_for_update()).one()
    taken = any(step["move"] == Move.accept for step in t.timeline)
    t.parent_id, t.outcome = None, {}
    _record(ctx, t, Move.unmerge, f"取消并入工单 {parent.number}：{reason}")
    _record(ctx, parent, "merged_out", f"重复工单 {t.number} 取消并单：{reason}")
    if not taken:  # sent in online and merged before 受理: taken now
        _accepted(ctx, t)
    return t


def give_opinion(ctx: Ctx, ticket_id: int, text: str) -> Ticket:
    """A 协办 office records its opinion for the 主办 office (while the ticket is with the
    offices); a later opinion replaces the earlier one, the timeline keeps both."""
    text = _text(text, "text", "协办意见")
    t = get(ctx, ticket_id, lock=True)
    mine = _office_of(ctx, t)
    if mine is None or mine.host:
        raise Forbidden("只有协办单位可以提交协办意见", code="not_assisting")
    if t.status not in ASSISTING:
        raise Conflict(f"工单{STATUS_NAMES[t.status]}，不能提交协办意见", code="illegal_transition")
    mine.opinion, mine.opinion_at = text, ctx.now
    t.version += 1
    _record(ctx, t, "assist", f"{office_name(ctx, mine.department_code, mine.region_code)}"
            "提交了协办意见")
    return t


def sees_opinions(ctx: Ctx) -> bool:
    """协办意见 are for the offices, the centre and supervision, not for the caller."""
    return ctx.actor.role not in (Role.applicant, Role.proxy)


# --- links to the rest of the platform ------------------------------------------------


def open_for_rating(ctx: Ctx, e: links.BadRatingRecorded) -> Ticket:
    """A bad 好差评 rating becomes a complaint ticket (channel 好差评), linked to the rating
    and its rectification, once (a replay finds the same ticket). A department rated gets
    it dispatched at once, as its 主办 office; a window rating waits, accepted, in the
    centre's queue for an operator to dispatch (the window is no department)."""
    found = ctx.session.scalar(select(Ticket).where(
        Ticket.source_kind == "rating", Ticket.source_id == e.rating_id))
    if found is not None:
        return found
    ctx = dataclasses.replace(ctx, actor=SYSTEM)  # the platform opens it, not the rater
    data = reference.in_force()
    rater = ctx.session.get(User, e.applicant_id)
    region = e.region if e.region in ctx.catalog.regions else data.province
    centre = _centre_of(ctx, region)
    day = ctx.now.astimezone(CHINA).strftime("%Y%m%d")
    t = Ticket(
        number=next_number(ctx.session, f"12345-{centre[:6]}-{day}-"), channel=Channel.rating,
        kind=Kind.complaint, category_code=data.ratings[e.target], urgency=Urgency.normal,
        status=Status.accepted, centre_region=centre, region_code=region,
        caller_name=(rater.display_name if rater else "申请人")[:50],
        caller_phone=((rater.phone if rater else None) or "")[:20], confidential=False,
        caller_id=e.applicant_id,
        description=(f"好差评{e.level_name}：{e.service_name}（办件 {e.application_number}）。"
                     f"{e.comment}")[:DESCRIPTION_MAX],
        attachments=[], application_number=e.application_number, parent_id=None,
        source_kind="rating", source_id=e.rating_id, rectification_id=e.rectification_id,
        received_at=ctx.now, outcome={}, returns=0, reopens=0, escalated=False, timeline=[],
        created_by=None, version=1, created_at=ctx.now, updated_at=ctx.now)
    ctx.session.add(t)
    ctx.session.flush()
    _record(ctx, t, Move.accept, f"好差评差评转为投诉工单（整改编号 {e.rectification_id}）")
    _accepted(ctx, t)
    if e.target == "department" and e.department:
        t.status = Status.dispatched
        host = OfficeInput(e.department, region)
        _dispatched(ctx, t, host, [], False, "好差评差评，派至被评价的部门")
        said = f"已转为投诉工单 {t.number}，派至{office_name(ctx, e.department, region)}"
    else:
        said = f"已转为投诉工单 {t.number}，待热线中心派单"
    bus.publish(ctx, links.RatingTicketNoted(e.rectification_id, t.id, t.number, "opened",
                                             said))
    return t


_ABOUT_APPLICATION = select(Ticket).where(  # built once: read with every case
    Ticket.application_number == bindparam("number"), Ticket.confidential.is_(False)
).order_by(Ticket.id).limit(50)


def of_application(ctx: Ctx, number: str) -> list[TicketBrief]:
    """The tickets about application `number`, oldest first, without the 保密 举报 (an
    office handling the case must not learn of a report kept from it)."""
    data = reference.in_force()
    found = ctx.session.scalars(_ABOUT_APPLICATION, {"number": number})
    return [TicketBrief(t.id, t.number, KIND_NAMES[t.kind],
                        data.categories[t.category_code].name
                        if t.category_code in data.categories else t.category_code,
                        STATUS_NAMES[t.status], t.channel.value, t.received_at)
            for t in found]


def category_name(code: str) -> str | None:
    found = reference.in_force().categories.get(code)
    return found.name if found else None
