"""Open311 requests on the 12345 hotline: a POST becomes a ticket (channel `open311`,
`submitted`, for the centre to take like a citizen's online ticket), acting as the platform
on behalf of the key's client; GETs read the tickets that came in through Open311, as
`RequestView`s that name no person."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select

from onething.catalog.context import Ctx
from onething.hotline import reference as hotline_data
from onething.hotline import service as hotline
from onething.hotline.models import Assignment, Ticket
from onething.hotline.rules import (
    DESCRIPTION_MAX,
    EMERGENCY_NAMES,
    ENDED,
    OTHER_WAY_NAMES,
    STATUS_NAMES,
    Emergency,
    Kind,
    OtherWay,
    Status,
)
from onething.kernel.errors import FieldProblem, Invalid, NotFound
from onething.kernel.principal import Principal, Role
from onething.open311 import keys
from onething.open311.models import ApiKey, Submission
from onething.open311.reference import Service, services
from onething.open311.rules import RequestView, attribute_values, read_attributes

WINDOW = dt.timedelta(days=90)  # the spec's default span, and the widest one asked
ENDED_VALUES = sorted(s.value for s in ENDED)
EMERGENCY_LINES = {e.value for e in Emergency}
MOST = 1000  # the spec's default (and here the largest) number of requests answered
# the hotline's names of a ticket's fields → the names an Open311 client sent them under
FIELDS = {"category": "service_code", "region": "attribute[region]", "kind": "attribute[kind]",
          "urgency": "attribute[urgency]", "caller_name": "first_name",
          "caller_phone": "phone", "address": "address_string", "lat": "lat", "long": "long",
          "description": "description"}


def offered(ctx: Ctx) -> dict[str, Service]:
    return services(hotline_data.in_force().categories)


def service(ctx: Ctx, code: str) -> Service:
    found = offered(ctx).get(code)
    if found is None:
        raise NotFound(f"没有代码为 {code} 的服务", code="service_not_found")
    return found


def client(key: ApiKey) -> Principal:
    """The platform acting for the key's client: audited under the client's name."""
    return Principal(user_id=0, username=f"open311:{key.name}",
                     display_name=f"Open311 接入方（{key.name}）", role=Role.system,
                     region=key.region_code)


def _one(form: Mapping[str, list[str]], name: str) -> str:
    values = form.get(name) or [""]
    return values[0].strip()


def _coordinate(text: str, name: str, problems: list[FieldProblem]) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not (-180 <= value <= 180):
        problems.append(FieldProblem(name, "应为十进制度数（WGS84），例如 28.19"))
        return None
    return value


@dataclass(frozen=True)
class Created:
    ticket: Ticket
    notice: str
    account_id: str | None


def submit(ctx: Ctx, api_key: str | None, form: Mapping[str, list[str]]) -> Created:
    """POST requests: the key checked (403), the service (400 missing, 404 unknown), the
    location and the attributes, then one ticket and its submission row, or nothing."""
    key = keys.check(ctx.session, api_key)
    code = _one(form, "service_code")
    if not code:
        raise Invalid("缺少 service_code", problems=[FieldProblem("service_code",
                                                                 "请填写服务代码 service_code")])
    offer = service(ctx, code)
    problems: list[FieldProblem] = []
    lat = _coordinate(_one(form, "lat"), "lat", problems)
    long = _coordinate(_one(form, "long"), "long", problems)
    if (lat is None) != (long is None) and not problems:
        problems.append(FieldProblem("lat" if lat is None else "long",
                                     "lat 和 long 须同时给出"))
    elif lat is not None and long is not None and not hotline_data.inside(
            hotline_data.in_force(), lat, long):
        problems.append(FieldProblem("lat", "所填位置（lat、long）不在本省范围内"))
    address = _one(form, "address_string")
    if lat is None and long is None and not address and not problems:
        unsupported = "（不支持 address_id）" if _one(form, "address_id") else ""
        problems.append(FieldProblem("address_string",
                                     f"请给出位置：lat 和 long，或 address_string{unsupported}"))
    mapped, words, wrong = read_attributes(offer, attribute_values(form))
    problems += wrong
    description = _one(form, "description")
    if len(description) > DESCRIPTION_MAX:
        problems.append(FieldProblem("description", f"诉求内容不能超过 {DESCRIPTION_MAX} 字"))
    elif not description:
        problems.append(FieldProblem("description", "请填写诉求内容 description"))
    email, media = _one(form, "email"), _one(form, "media_url")
    if email and (len(email) > 200 or "@" not in email.strip("@")):
        problems.append(FieldProblem("email", "电子邮箱格式有误"))
    if media and (len(media) > 1000 or not media.startswith(("http://", "https://"))):
        problems.append(FieldProblem("media_url", "media_url 应为 http(s) 网址（1000 字符以内）"))
    name = (_one(form, "last_name") + _one(form, "first_name")).strip()
    if len(name) > 50:
        problems.append(FieldProblem("first_name", "姓名（last_name 与 first_name）不能超过 50 字"))
    for field in ("device_id", "account_id"):
        if len(_one(form, field)) > 200:
            problems.append(FieldProblem(field, "不能超过 200 个字符"))
    if problems:
        raise Invalid("诉求内容有误", problems=problems)
    if words:
        description += "\n" + "\n".join(f"【{a.description}】{shown}" for a, shown in words)
        if len(description) > DESCRIPTION_MAX:
            raise Invalid("诉求内容有误", problems=[FieldProblem(
                "description", f"诉求内容连同属性不能超过 {DESCRIPTION_MAX} 字")])
    data = hotline_data.in_force()
    given = hotline.TicketInput(
        kind=mapped.get("kind", Kind.complaint.value), category=offer.code,
        region=mapped.get("region") or key.region_code or data.province,
        caller_name=name or "（未留姓名）", caller_phone=_one(form, "phone"),
        description=description, channel="open311",
        urgency=mapped.get("urgency", "normal"), address=address or None, lat=lat, long=long)
    acting = ctx.acting_as(client(key))
    try:
        ticket = hotline.create(acting, given)
    except Invalid as exc:
        exc.problems = [FieldProblem(FIELDS.get(p.field, p.field), p.message)
                        for p in exc.problems]
        raise
    account = _one(form, "account_id") or None
    ctx.session.add(Submission(ticket_id=ticket.id, key_id=key.id, email=email or None,
                               device_id=_one(form, "device_id") or None, account_id=account,
                               media_url=media or None, created_at=ctx.now))
    key.last_used_at = ctx.now
    ctx.session.flush()
    return Created(ticket, notice(ctx, ticket), account)


def notice(ctx: Ctx, t: Ticket) -> str:
    """What the caller may expect: the reply limit of the data in force for the ticket."""
    data = hotline_data.in_force()
    limit = hotline_data.limit_for(data, ctx.catalog.regions, t.region_code, t.kind,
                                   t.urgency, "reply")
    assert limit.reply is not None
    return f"已转 12345 热线受理，派单后 {limit.reply.text}内答复（依据：{limit.source}）"


# --- reading ---------------------------------------------------------------------------


def _date(text: str, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise Invalid("查询条件有误", problems=[FieldProblem(
            name, "应为带时区的 W3C 时间，例如 2026-11-01T00:00:00+08:00")])
    return moment.astimezone(dt.UTC)


def _listed() -> Select[Any]:
    return select(Ticket).join(Submission, Submission.ticket_id == Ticket.id)


def find(ctx: Ctx, *, ids: str | None = None, codes: str | None = None,
         start: str | None = None, end: str | None = None, status: str | None = None,
         page: str | None = None, page_size: str | None = None) -> list[RequestView]:
    """GET requests: by `ids` (a comma list, which overrides the rest), else by service
    codes, a span of `requested_datetime` (the last 90 days when none; at most 90 days) and
    status; newest first, at most 1000 (`page`/`page_size`: the common extension)."""
    query = _listed()
    if ids is not None and ids.strip():
        numbers = [n.strip() for n in ids.split(",") if n.strip()][:MOST]
        query = query.where(Ticket.number.in_(numbers))
        return _views(ctx, list(ctx.session.scalars(query.order_by(Ticket.id.desc()))))
    problems: list[FieldProblem] = []
    if codes is not None and codes.strip():
        query = query.where(Ticket.category_code.in_(
            [c.strip() for c in codes.split(",") if c.strip()]))
    if status is not None and status.strip():
        wanted = {s.strip() for s in status.split(",") if s.strip()}
        if not wanted <= {"open", "closed"}:
            problems.append(FieldProblem("status", "status 应为 open 或 closed（可用逗号分隔）"))
        elif wanted == {"open"}:
            query = query.where(~_closed())
        elif wanted == {"closed"}:
            query = query.where(_closed())
    size = _count(page_size, "page_size", MOST, problems) or MOST
    number = _count(page, "page", 10**6, problems) or 1
    if problems:
        raise Invalid("查询条件有误", problems=problems)
    since = _date(start, "start_date") if start else None
    until = _date(end, "end_date") if end else None
    if since is None and until is None:
        until = ctx.now
    if since is None:
        assert until is not None
        since = until - WINDOW
    if until is None:
        until = since + WINDOW
    if until < since:
        raise Invalid("查询条件有误", problems=[FieldProblem("end_date", "end_date 不能早于 "
                                                                     "start_date")])
    if until - since > WINDOW:
        raise Invalid("查询条件有误", problems=[FieldProblem(
            "end_date", "start_date 与 end_date 相隔不能超过 90 天")])
    query = query.where(Ticket.received_at >= since, Ticket.received_at <= until)
    found = ctx.session.scalars(query.order_by(Ticket.received_at.desc(), Ticket.id.desc())
                                .limit(size).offset((number - 1) * size))
    return _views(ctx, list(found))


def _count(text: str | None, name: str, most: int, problems: list[FieldProblem]) -> int | None:
    if text is None or not text.strip():
        return None
    if not text.strip().isdigit() or not 1 <= int(text) <= most:
        problems.append(FieldProblem(name, f"{name} 应为 1 至 {most} 的整数"))
        return None
    return int(text)


def one(ctx: Ctx, number: str) -> RequestView:
    """GET requests/{id}: a ticket that came in through Open311, by its number."""
    t = ctx.session.scalar(_listed().where(Ticket.number == number))
    if t is None:
        raise NotFound(f"没有编号为 {number} 的诉求", code="request_not_found")
    return _views(ctx, [t])[0]


def _views(ctx: Ctx, tickets: Sequence[Ticket]) -> list[RequestView]:
    if not tickets:
        return []
    ids = [t.id for t in tickets]
    hosts = {a.ticket_id: a for a in ctx.session.scalars(select(Assignment).where(
        Assignment.ticket_id.in_(ids), Assignment.active.is_(True),
        Assignment.host.is_(True)))}
    media: dict[int, str | None] = {row[0]: row[1] for row in ctx.session.execute(
        select(Submission.ticket_id, Submission.media_url).where(
            Submission.ticket_id.in_(ids)))}
    categories = hotline_data.in_force().categories
    views = []
    for t in tickets:
        host = hosts.get(t.id)
        if host is not None:
            agency = hotline.office_name(ctx, host.department_code, host.region_code)
        else:
            region = ctx.catalog.regions.get(t.centre_region)
            agency = f"{region.name if region else t.centre_region} 12345 政务服务便民热线"
        category = categories.get(t.category_code)
        views.append(RequestView(
            number=t.number, status=t.status, closed_at=t.closed_at, status_notes=_notes(t),
            service_name=category.name if category else t.category_code,
            service_code=t.category_code, description=t.description,
            agency_responsible=agency, service_notice=notice(ctx, t), requested=t.received_at,
            updated=t.updated_at,
            expected=t.reply_due_at, address=t.address, lat=t.lat, long=t.long,
            media_url=media.get(t.id)))
    return views


def _closed() -> ColumnElement[bool]:
    """`rules.status_of`'s `closed`, as a condition on the tickets."""
    return or_(Ticket.status.in_(ENDED_VALUES),
               and_(Ticket.status == Status.merged.value, Ticket.closed_at.is_not(None)))


def _notes(t: Ticket) -> str:
    """The state in words, and how an ended ticket ended (never the reply's text, which is
    addressed to the caller, nor anyone's notes)."""
    notes = STATUS_NAMES[t.status]
    outcome = t.outcome or {}
    if t.status == Status.transferred and outcome.get("line") in EMERGENCY_LINES:
        notes += f"：{EMERGENCY_NAMES[Emergency(outcome['line'])]}"
    elif t.status == Status.redirected and outcome.get("way") in OtherWay.__members__:
        notes += f"：请通过{OTHER_WAY_NAMES[OtherWay(outcome['way'])]}途径解决"
    elif t.status == Status.handling and any(s["move"] == "reopen" for s in t.timeline):
        notes += "（重办）"
    return notes
