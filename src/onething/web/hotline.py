"""Pages of the 12345 hotline: the operator's console (受理 form beside the knowledge
base), a ticket's page with one small form per move the signed-in person may take now, the
lists (the centre's queue, review and 回访 lists, an office's inbox, 督办), a citizen's
online request and the tracking of a ticket by its number and phone without signing in.
The same services as the API (`api/hotline.py`); no script."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from onething.catalog import browse
from onething.catalog.context import Ctx
from onething.hotline import reference, rules
from onething.hotline import service as hotline
from onething.hotline.models import Ticket
from onething.hotline.rules import Status, due_text
from onething.http.deps import CatalogDep, SessionDep, request_ctx
from onething.kernel import regions
from onething.kernel.clock import CHINA
from onething.kernel.errors import DomainError, FieldProblem, Forbidden, Invalid, NotFound
from onething.kernel.principal import SYSTEM, Principal, Role
from onething.knowledge import service as knowledge
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import (
    FormDep,
    FormPage,
    FormPageDep,
    Page,
    PageDep,
    number,
    page_for,
    see_other,
)
from onething.web.render import render_public
from onething.web.session import new_login_csrf, set_cookie
from onething.web.words import said

router = APIRouter(include_in_schema=False)
TRACK_CSRF = "onething_track_csrf"
PAGE_SIZE = 20
KB_SIZE = 5
STAFF = frozenset({Role.operator, Role.approver, Role.supervisor, Role.admin})
CITIZENS = frozenset({Role.applicant, Role.proxy})
ENDED = frozenset({Status.answered, Status.transferred, Status.redirected, Status.closed,
                   Status.visited, Status.evaluated})
# the pages word two of the parent's steps their own way
STEP_NAMES = {**rules.STEP_NAMES, "merged_in": "并入重复工单", "parent_ended": "主工单已办结"}
# the lists, by role: (key, tab label, what it shows)
VIEWS: dict[Role, tuple[tuple[str, str], ...]] = {
    Role.operator: (("queue", "待处理"), ("review", "待审核"), ("callback", "待回访"),
                    ("escalated", "督办"), ("all", "全部")),
    Role.approver: (("sign", "待签收"), ("handling", "办理中"), ("all", "全部")),
    Role.supervisor: (("escalated", "督办"), ("open", "未办结"), ("all", "全部")),
    Role.admin: (("escalated", "督办"), ("open", "未办结"), ("all", "全部")),
}
OperatorPage = Annotated[Page, Depends(page_for(lambda me: me.role == Role.operator))]
StaffPage = Annotated[Page, Depends(page_for(lambda me: me.role in STAFF))]
CitizenPage = Annotated[Page, Depends(page_for(lambda me: me.role in CITIZENS))]


# --- what the pages show ------------------------------------------------------------


def category_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The 诉求分类 tree as a grouped list offers it: each class with its leaves."""
    cats = reference.in_force().categories
    return [(c.name, [(x.code, x.name) for x in cats.values() if x.parent == c.code])
            for c in cats.values() if c.parent is None and not c.leaf] + [
        ("其他", [(c.code, c.name) for c in cats.values() if c.parent is None and c.leaf])]


def _category_name(code: str) -> str:
    found = reference.in_force().categories.get(code)
    return found.name if found else code


def _region_name(ctx: Ctx, code: str) -> str:
    r = ctx.catalog.regions.get(code)
    if r is None:
        return code
    parent = ctx.catalog.regions.get(r.parent or "")
    return f"{parent.name if parent else ''}{r.name}"


def _staff_names(me: Principal) -> bool:
    """Whether the page names who took each step (staff do; the caller sees the steps)."""
    return me.role in STAFF


def view(ctx: Ctx, t: Ticket) -> dict[str, Any]:
    """A ticket as the actor may see it (caller masked as the API masks it)."""
    name, phone = hotline.caller(ctx, t)
    over = hotline.overdue(t, ctx.now)
    opinions = hotline.sees_opinions(ctx)
    offices = [{"name": hotline.office_name(ctx, a.department_code, a.region_code),
                "department": a.department_code, "region": a.region_code, "host": a.host,
                "signed_at": a.signed_at, "returned_reason": a.returned_reason,
                "opinion": a.opinion if opinions else None}
               for a in hotline.assignments(ctx, t)]
    suggested = None
    if hotline.is_centre(ctx, t):
        s = hotline.suggestion(ctx, t)
        suggested = {"department": s.host.department, "region": s.host.region,
                     "name": hotline.office_name(ctx, s.host.department, s.host.region),
                     "fallback": s.fallback,
                     "assist": [{"department": o.department, "region": o.region,
                                 "name": hotline.office_name(ctx, o.department, o.region)}
                                for o in s.assist]}
    names = _staff_names(ctx.actor)
    steps = [{"at": dt.datetime.fromisoformat(s["at"]), "name": STEP_NAMES.get(s["move"],
                                                                             s["move"]),
              "by": s["by"] if names else "", "note": s["note"]} for s in t.timeline]
    return {"t": t, "caller_name": name, "caller_phone": phone, "over": over,
            "offices": offices, "suggested": suggested, "steps": steps,
            "kind": rules.KIND_NAMES[t.kind], "status": rules.STATUS_NAMES[t.status],
            "category": _category_name(t.category_code),
            "region": _region_name(ctx, t.region_code),
            "channel": rules.CHANNEL_NAMES[t.channel],
            "urgency": rules.URGENCY_NAMES[t.urgency], "ended": t.status in ENDED,
            "actions": hotline.actions(ctx, t),
            "sign_due": due_text(t.sign_due_at), "reply_due": due_text(t.reply_due_at),
            "extension_asked": bool(t.extension and t.extension.get("status") == "asked"),
            "parent": (t.outcome or {}).get("parent") if t.parent_id else None,
            "children": [_ref(ctx, c) for c in hotline.children(ctx, t)],
            "similar": [_ref(ctx, c) for c in hotline.similar(ctx, t)]}


def _ref(ctx: Ctx, t: Ticket | hotline.Candidate) -> dict[str, Any]:
    """Another ticket named on this one's page (a duplicate, a candidate parent)."""
    return {"id": t.id, "number": t.number, "received_at": t.received_at,
            "address": t.address or _region_name(ctx, t.region_code),
            "status": rules.STATUS_NAMES[t.status], "description": t.description[:60]}


def _office_choices(ctx: Ctx, centre: str) -> tuple[list[tuple[str, str]],
                                                    list[tuple[str, str]]]:
    """The departments and regions an operator may dispatch to: the centre's region, the
    regions under it and those above it."""
    data = reference.in_force()
    departments = sorted((d.code, d.name) for d in ctx.catalog.departments.values())
    departments.append((data.fallback_department, data.fallback_name + "（兜底）"))
    found = regions.ancestors(ctx.catalog.regions, centre)[::-1] + [
        c for c in sorted(regions.descendants(ctx.catalog.regions, centre)) if c != centre]
    return departments, [(c, _region_name(ctx, c)) for c in found
                         if c in ctx.catalog.regions]


def _articles(ctx: Ctx, q: str) -> Any:
    if not q.strip():
        return None
    return knowledge.search(knowledge.Reader.of(ctx), knowledge.Filters(query=q), KB_SIZE, 0)


# --- the operator's console: 受理 ----------------------------------------------------


TAKE_TEXTS = ("channel", "kind", "category", "urgency", "region", "address", "caller_name",
              "caller_phone", "description", "application_number")


def _given(page: FormPage, citizen: bool) -> hotline.TicketInput:
    """The 受理 (or online) form's ticket; a number or time that is not one is refused,
    naming the field, before the service looks."""
    problems = []
    texts = {name: page.text(name) or "" for name in TAKE_TEXTS}
    place: dict[str, float | None] = {}
    for name, what in (("lat", "纬度"), ("long", "经度")):
        value = (page.text(name) or "").strip()
        try:
            place[name] = float(value) if value else None
        except ValueError:
            problems.append(FieldProblem(name, f"{what}应为数字，如 28.19"))
    received = None
    if not citizen and (value := (page.text("received_at") or "").strip()):
        try:
            received = dt.datetime.fromisoformat(value).replace(tzinfo=CHINA)
        except ValueError:
            problems.append(FieldProblem("received_at", "来电时间应为日期和时间，如 "
                                                        "2026-11-23 09:58"))
    if problems:
        raise Invalid("工单内容有误", problems=problems)
    return hotline.TicketInput(
        kind=texts["kind"], category=texts["category"], region=texts["region"],
        caller_name=texts["caller_name"], caller_phone=texts["caller_phone"],
        description=texts["description"],
        channel="web" if citizen else (texts["channel"] or "phone"),
        urgency="normal" if citizen else (texts["urgency"] or "normal"),
        address=texts["address"] or None, lat=place["lat"], long=place["long"],
        confidential=bool(page.text("confidential")),
        application_number=texts["application_number"] or None, received_at=received)


def _console(page: Page, q: str = "", code: int = 200, error: str | None = None,
             errors: dict[str, str] | None = None, sent: dict[str, str] | None = None
             ) -> HTMLResponse:
    ctx = page.ctx
    centre = page.me.region or ""
    places = [(c, _region_name(ctx, c)) for c in sorted(
        regions.descendants(ctx.catalog.regions, centre) if centre else [])
        if c in ctx.catalog.regions]
    now = ctx.now.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")
    return page.render("hotline_console.html", code, q=q, found=_articles(ctx, q),
                       groups=category_groups(), places=places, error=error,
                       errors=errors or {}, sent=sent or {"received_at": now,
                                                         "region": centre},
                       kinds=rules.KIND_NAMES, channels=rules.CHANNEL_NAMES,
                       urgencies=rules.URGENCY_NAMES, centre=_region_name(ctx, centre))


@router.get("/hotline", response_class=HTMLResponse)
def console(page: OperatorPage,
            q: Annotated[str, Query(max_length=100)] = "") -> HTMLResponse:
    """受理: the call's form, and beside it the knowledge base searched by words."""
    return _console(page, q)


@router.post("/hotline")
def take(page: FormPageDep) -> Response:
    """受理 a call; to the ticket's page (its 直接答复 filled in from the article chosen)."""
    if page.me.role != Role.operator:
        raise Forbidden("只有热线话务员受理工单", code="role_not_allowed")
    try:
        with page.ctx.work():
            ticket_id = hotline.create(page.ctx, _given(page, citizen=False)).id
    except DomainError as exc:
        return _console(page, page.text("q") or "", exc.status, said(exc),
                        {p.field: p.message for p in exc.problems}, page.sent())
    article = number(page.text("article"))
    if article:
        return see_other(f"/tickets/{ticket_id}?article={article}#answer")
    q = page.text("q")
    return see_other(f"/tickets/{ticket_id}" + (f"?q={quote(q)}#kb" if q else ""))


# --- a ticket's page and its moves -------------------------------------------------


def _ticket_page(page: Page, ticket_id: int, code: int = 200, error: str | None = None,
                 errors: dict[str, str] | None = None, failed: str = "",
                 sent: dict[str, str] | None = None, q: str = "",
                 article: int | None = None, saved: str = "") -> HTMLResponse:
    ctx = page.ctx
    t = hotline.get(ctx, ticket_id)
    shown = view(ctx, t)
    chosen = None
    if article and "answer" in shown["actions"]:
        try:
            chosen = knowledge.get(knowledge.Reader.of(ctx), article)
        except NotFound:
            chosen = None
    if chosen is not None and not sent:
        sent, failed = {"answer": chosen.answer, "article": str(chosen.id)}, "answer"
    departments: list[tuple[str, str]] = []
    places: list[tuple[str, str]] = []
    if hotline.is_centre(ctx, t):
        departments, places = _office_choices(ctx, t.centre_region)
    return page.render(
        "ticket.html", code, v=shown, error=error, errors=errors or {}, failed=failed,
        sent=sent or {}, q=q, found=_articles(ctx, q) if "answer" in shown["actions"] else None,
        chosen=chosen, departments=departments, places=places, saved=saved,
        lines=rules.EMERGENCY_NAMES, ways=rules.OTHER_WAY_NAMES,
        satisfactions=rules.SATISFACTION_NAMES, move_names=rules.MOVE_NAMES,
        staff=_staff_names(page.me), max_days=hotline.EXTENSION_MAX_DAYS,
        merge_hours=hotline.merge_window_hours())


@router.get("/tickets/{ticket_id:id}", response_class=HTMLResponse)
def ticket(ticket_id: int, page: PageDep,
           q: Annotated[str, Query(max_length=100)] = "",
           article: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
           saved: Annotated[str, Query(max_length=32)] = "") -> HTMLResponse:
    return _ticket_page(page, ticket_id, q=q, article=article,
                        saved=saved if saved in STEP_NAMES else "")


def _offices(page: FormPage) -> tuple[hotline.OfficeInput | None,
                                      list[hotline.OfficeInput] | None]:
    """The 主办 and 协办 offices the dispatch form chose (an empty row is no office)."""
    host = None
    if page.text("host.department") or page.text("host.region"):
        host = hotline.OfficeInput(page.text("host.department") or "",
                                   page.text("host.region") or "")
    assist = []
    for i in range(3):
        department, region = page.text(f"assist[{i}].department"), page.text(
            f"assist[{i}].region")
        if department:
            assist.append(hotline.OfficeInput(department, region or ""))
    return host, (assist if host is not None else None)


def _decided(page: FormPage) -> bool:
    said_ = page.text("approved")
    if said_ not in ("yes", "no"):
        raise Invalid("请选择是否同意延期", problems=[FieldProblem("approved",
                                                                  "请选择同意或不同意")])
    return said_ == "yes"


MOVES: dict[str, Callable[[FormPage, int], object]] = {
    "accept": lambda p, i: hotline.accept(p.ctx, i),
    "answer": lambda p, i: hotline.answer(p.ctx, i, p.text("answer") or "",
                                          p.text("article")),
    "transfer": lambda p, i: hotline.transfer(p.ctx, i, p.text("line") or "",
                                              p.text("note")),
    "redirect": lambda p, i: hotline.redirect(p.ctx, i, p.text("way") or "", p.text("note")),
    "dispatch": lambda p, i: hotline.dispatch(p.ctx, i, *_offices(p), p.text("note")),
    "sign": lambda p, i: hotline.sign(p.ctx, i),
    "return": lambda p, i: hotline.give_back(p.ctx, i, p.text("reason") or ""),
    "reassign": lambda p, i: hotline.reassign(p.ctx, i, *_offices(p), p.text("note")),
    "overrule": lambda p, i: hotline.overrule(p.ctx, i, p.text("reason") or ""),
    "reply": lambda p, i: hotline.reply(p.ctx, i, p.text("reply") or ""),
    "approve": lambda p, i: hotline.approve(p.ctx, i, p.text("note")),
    "send-back": lambda p, i: hotline.send_back(p.ctx, i, p.text("reason") or ""),
    "callback": lambda p, i: hotline.callback(p.ctx, i, p.text("satisfaction") or "",
                                              p.text("fault"), p.text("reason")),
    "evaluate": lambda p, i: hotline.evaluate(p.ctx, i, number(p.text("score")) or 0,
                                              p.text("note")),
    "extend": lambda p, i: hotline.extend(p.ctx, i, number(p.text("days")) or 0,
                                          p.text("reason") or ""),
    "decide-extension": lambda p, i: hotline.decide_extension(p.ctx, i, _decided(p),
                                                              p.text("note")),
    "urge": lambda p, i: hotline.urge(p.ctx, i, p.text("note")),
    "merge": lambda p, i: hotline.merge(p.ctx, i, _parent(p)),
    "unmerge": lambda p, i: hotline.unmerge(p.ctx, i, p.text("reason")),
    "assist": lambda p, i: hotline.give_opinion(p.ctx, i, p.text("text") or ""),
}


def _parent(page: FormPage) -> int:
    """The candidate parent the 并单 form chose."""
    chosen = number(page.text("parent"))
    if chosen is None:
        raise Invalid("请选择要并入的主工单", problems=[FieldProblem("parent", "请选择主工单")])
    return chosen


@router.post("/tickets/{ticket_id:id}/{move}")
def act(ticket_id: int, move: str, page: FormPageDep) -> Response:
    """One move on the ticket, from its small form: back to the ticket's page; a refusal
    shows the page again with the message next to the field and what was typed."""
    step = MOVES.get(move)
    if step is None:
        raise NotFound("没有这个操作", code="not_found")
    try:
        with page.ctx.work():
            step(page, ticket_id)
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _ticket_page(page, ticket_id, exc.status, said(exc),
                            {p.field: p.message for p in exc.problems},
                            move.replace("-", "_"), page.sent())
    return see_other(f"/tickets/{ticket_id}?saved={move.replace('-', '_')}")


# --- the lists ---------------------------------------------------------------------


def _listed(page: Page, chosen: str, kind: str, category: str) -> Any:
    ctx = page.ctx
    query = hotline.listing(ctx, kind=kind or None, category=category or None)
    match chosen:
        case "queue":
            query = query.where(
                Ticket.status.in_([Status.submitted, Status.disputed])
                | ((Ticket.status == Status.handling)
                   & (Ticket.extension["status"].as_string() == "asked")))
            query = query.order_by(None).order_by(Ticket.id)
        case "review":
            query = query.where(Ticket.status == Status.replied).order_by(None).order_by(
                Ticket.replied_at)
        case "callback":
            query = query.where(Ticket.status == Status.closed).order_by(None).order_by(
                Ticket.closed_at)
        case "escalated":
            query = query.where(Ticket.escalated.is_(True),
                                Ticket.status.not_in(sorted(ENDED)))
        case "open":
            query = query.where(Ticket.status.not_in(sorted(ENDED)))
        case "sign":
            query = query.where(Ticket.status.in_([Status.dispatched, Status.disputed])
                                ).order_by(None).order_by(Ticket.sign_due_at, Ticket.id)
        case "handling":
            query = query.where(Ticket.status == Status.handling).order_by(None).order_by(
                Ticket.reply_due_at, Ticket.id)
    return query


@router.get("/tickets", response_class=HTMLResponse)
def tickets(page: StaffPage,
            view_: Annotated[str, Query(alias="view", max_length=16)] = "",
            kind: Annotated[str, Query(max_length=16)] = "",
            category: Annotated[str, Query(max_length=16)] = "",
            p: Annotated[int, Query(alias="page", ge=1, le=10000)] = 1) -> HTMLResponse:
    """The tickets the signed-in staff work on: the centre's queue, review and 回访 lists;
    an office's inbox (due first); 督办; all of them, paged, filtered by kind and class."""
    ctx = page.ctx
    views = VIEWS[page.me.role]
    chosen = view_ if view_ in dict(views) else views[0][0]
    kind = kind if kind in rules.Kind.__members__ else ""
    category = category if category in reference.in_force().categories else ""
    query = _listed(page, chosen, kind, category)
    total = ctx.session.scalar(select(func.count()).select_from(
        query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    rows = [view(ctx, t) for t in ctx.session.scalars(
        query.limit(PAGE_SIZE).offset((min(p, pages) - 1) * PAGE_SIZE))]
    cats = reference.in_force().categories
    return page.render("tickets.html", rows=rows, views=views, chosen=chosen, kind=kind,
                       category=category, total=total, page=min(p, pages), pages=pages,
                       kinds=rules.KIND_NAMES,
                       classes=[(c.code, c.name) for c in cats.values() if c.parent is None])


# --- citizens: online, and tracking ------------------------------------------------


def _online(page: Page, code: int = 200, error: str | None = None,
            errors: dict[str, str] | None = None, sent: dict[str, str] | None = None,
            done: Ticket | None = None) -> HTMLResponse:
    ctx = page.ctx
    mine = [view(ctx, t) for t in ctx.session.scalars(hotline.listing(ctx).limit(50))]
    data = reference.in_force()
    places = [r for r in browse.region_choices(ctx.catalog, ("city", "county", "township"))
              if regions.within(ctx.catalog.regions, r.code, data.province)]
    return page.render("hotline_new.html", code, groups=category_groups(), places=places,
                       kinds=rules.KIND_NAMES, error=error, errors=errors or {},
                       sent=sent or {"caller_name": page.me.display_name}, done=done,
                       rows=mine)


@router.get("/hotline/new", response_class=HTMLResponse)
def online(page: CitizenPage,
           done: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> HTMLResponse:
    """A citizen's request to 12345, sent online; their requests below."""
    sent = None
    if done is not None:
        try:
            sent = hotline.get(page.ctx, done)
        except NotFound:
            sent = None
    return _online(page, done=sent)


@router.post("/hotline/new")
def send(page: FormPageDep) -> Response:
    if page.me.role not in CITIZENS:
        raise Forbidden("在线提交诉求请使用群众账号登录", code="role_not_allowed")
    try:
        with page.ctx.work():
            ticket_id = hotline.create(page.ctx, _given(page, citizen=True)).id
    except DomainError as exc:
        return _online(page, exc.status, said(exc), {p.field: p.message for p in exc.problems},
                       page.sent())
    return see_other(f"/hotline/new?done={ticket_id}")


def _track_page(request: Request, code: int = 200, error: str | None = None,
                found: dict[str, Any] | None = None, number_: str = "") -> HTMLResponse:
    token = new_login_csrf()  # no session needed: the form's token is checked against a cookie
    answer = render_public(request, "hotline_track.html", code, error=error, found=found,
                           number=number_, track_csrf=token)
    set_cookie(answer, request, TRACK_CSRF, token, 3600, samesite="strict")
    return answer


@router.get("/hotline/track", response_class=HTMLResponse)
def track_form(request: Request) -> HTMLResponse:
    """Anyone: the form asking for the ticket's number and the phone given with it."""
    return _track_page(request)


@router.post("/hotline/track", response_class=HTMLResponse)
def track(request: Request, session: SessionDep, catalog: CatalogDep,
          form: FormDep) -> HTMLResponse:
    sent, expected = str(form.get("csrf_token") or ""), request.cookies.get(TRACK_CSRF, "")
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("页面已过期，请重新打开查询页面", code="csrf_failed")
    typed = str(form.get("number") or "")[:64]
    phone = str(form.get("phone") or "")[:40]
    if not typed.strip() or not phone.strip():
        return _track_page(request, 422, "请填写工单编号和来电号码", number_=typed)
    ctx = request_ctx(request, session, catalog, SYSTEM)
    try:
        t = hotline.track(ctx, typed, phone)
    except NotFound as exc:
        return _track_page(request, exc.status, exc.detail, number_=typed)
    ended = t.status in ENDED
    found = {"number": t.number, "kind": rules.KIND_NAMES[t.kind],
             "category": _category_name(t.category_code),
             "status": rules.STATUS_NAMES[t.status], "received_at": t.received_at,
             "reply_due": due_text(t.reply_due_at), "reply": t.reply if ended else None,
             "ended": ended,
             "steps": [{"at": dt.datetime.fromisoformat(s["at"]),
                        "name": STEP_NAMES.get(s["move"], s["move"]),
                        "note": s["note"] if s["move"] in ("answer", "transfer", "redirect")
                        else ""} for s in t.timeline]}
    return _track_page(request, found=found, number_=t.number)

