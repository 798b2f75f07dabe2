"""Pages of 依申请公开: the applicant's requests and the online form, the window's and the
office's form for a request that came by post or in person, a request's page (its clock,
timeline and reply, with a form for each move the signed-in person may take — the reply
from the templates of its type), the offices' inbox by due day, and the annual tables
(page and CSV). The same services as the API."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from onething.catalog import browse
from onething.disclosure import fees, report, rules
from onething.disclosure import service as disclosure
from onething.disclosure.models import DisclosureRequest
from onething.files import service as files
from onething.files.models import StoredFile
from onething.http.files import file_response
from onething.kernel.errors import DomainError, FieldProblem, Invalid, NotFound
from onething.kernel.principal import Principal
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import FormPage, FormPageDep, Page, PageDep, number, page_for, see_other
from onething.web.words import problems_by_field, said

router = APIRouter(include_in_schema=False)
ReportPage = Annotated[Page, Depends(page_for(disclosure.sees_report))]
NewPage = Annotated[Page, Depends(page_for(
    lambda p: disclosure.applies(p) or disclosure.records(p)))]
NAMES: dict[str, Any] = {
    "statuses": rules.STATUS_NAMES, "types": rules.APPLICANT_TYPE_NAMES,
    "channels": rules.CHANNEL_NAMES, "deliveries": rules.DELIVERY_NAMES,
    "replies": rules.REPLY_NAMES, "moves": rules.MOVE_NAMES, "fee_modes": fees.FEE_MODE_NAMES}
FIELDS = ("department", "region", "description", "delivery", "applicant_type",
          "applicant_name", "contact", "channel")


# --- lists -------------------------------------------------------------------------------


@router.get("/disclosure", response_class=HTMLResponse)
def home(page: PageDep, all: str = "") -> HTMLResponse:
    """The requests the signed-in person sees: an office's by due day (open ones unless
    `all`), an applicant's own, a window's recorded ones."""
    ctx = page.ctx
    open_only = not all and disclosure.sees_staff_pages(page.me)
    found = disclosure.listed(ctx, open_only=open_only)
    return page.render("disclosure_list.html", rows=[_row(page, r) for r in found],
                       open_only=open_only, staff=disclosure.sees_staff_pages(page.me),
                       may_new=disclosure.applies(page.me) or disclosure.records(page.me),
                       today=ctx.today, **NAMES)


def _row(page: Page, r: DisclosureRequest) -> dict[str, Any]:
    ctx = page.ctx
    late = disclosure.days_late(ctx, r) > 0
    near = (r.status in rules.OPEN and not late and r.status != rules.Status.correcting
            and ctx.calendar.count(ctx.today, r.deadline) <= 2)
    return {"r": r, "office": disclosure.office_of(ctx, r), "late": late, "near": near}


# --- a new request ---------------------------------------------------------------------------


def _offices(page: Page) -> dict[str, Any]:
    catalog = page.ctx.catalog
    return {"departments": sorted(catalog.departments.values(), key=lambda d: d.code),
            "regions": browse.region_choices(catalog, ("province", "city", "county",
                                                       "township"))}


def _new_page(page: Page, code: int = 200, error: str | None = None,
              errors: dict[str, str] | None = None,
              sent: dict[str, Any] | None = None) -> HTMLResponse:
    me = page.me
    online = disclosure.applies(me)
    start = sent or {"department": me.department or "", "region": me.region or "",
                     "applicant_name": "" if not online else me.display_name}
    return page.render("disclosure_new.html", code, online=online, error=error,
                       errors=errors or {}, sent=start, today=page.ctx.today,
                       days=rules.REPLY_DAYS, **_offices(page), **NAMES)


@router.get("/disclosure/new", response_class=HTMLResponse)
def new_form(page: NewPage) -> HTMLResponse:
    return _new_page(page)


@router.post("/disclosure/new")
def new(page: FormPageDep) -> Response:
    text: dict[str, str] = {k: page.text(k) or "" for k in FIELDS}
    given = disclosure.RequestInput(
        department=text["department"], region=text["region"],
        description=text["description"], delivery=text["delivery"],
        applicant_type=text["applicant_type"], applicant_name=text["applicant_name"],
        contact=text["contact"], channel=text["channel"] or rules.Channel.online.value,
        received_on=None if disclosure.applies(page.me) else _date(page.text("received_on")))
    try:
        with page.ctx.work():
            made = disclosure.submit(page.ctx, given)
    except DomainError as exc:
        if not (disclosure.applies(page.me) or disclosure.records(page.me)):
            raise
        return _new_page(page, exc.status, said(exc), problems_by_field(exc), page.sent())
    return see_other(f"/disclosure/{made.id}")


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


# --- a request ----------------------------------------------------------------------------------


def _request_page(page: Page, disclosure_id: int, code: int = 200, error: str | None = None,
                  errors: dict[str, str] | None = None, which: str | None = None,
                  sent: dict[str, Any] | None = None) -> HTMLResponse:
    ctx = page.ctx
    r = disclosure.get(ctx, disclosure_id)
    actions = [m.value for m in disclosure.actions(ctx, r)]
    kinds = {k.value: [{"name": p.name, "label": p.label, "hint": p.hint,
                        "required": p in rules.REQUIRED[k]} for p in rules.parts(k)]
             for k in rules.ReplyKind}
    return page.render(
        "disclosure_request.html", code, r=r, office=disclosure.office_of(ctx, r),
        contact=disclosure.contact_shown(ctx, r), steps=disclosure.steps(ctx, r),
        actions=actions, kinds=kinds, labels=_labels(r), error=error, errors=errors or {},
        which=which, sent=sent or {}, redress=disclosure.default_redress(ctx, r),
        today=ctx.today, max_extension=rules.MAX_EXTENSION,
        late=disclosure.days_late(ctx, r),
        ask_by=ctx.calendar.add(r.received_on, rules.CORRECTION_ASK_DAYS).date, **NAMES)


def _labels(r: DisclosureRequest) -> list[tuple[str, str]]:
    """The reply's parts as it shows them, in order."""
    if r.reply_kind is None or not r.reply:
        return []
    return [(p.label, r.reply[p.name]) for p in rules.parts(r.reply_kind)
            if r.reply.get(p.name)]


@router.get("/disclosure/{disclosure_id:id}", response_class=HTMLResponse)
def request_page(disclosure_id: int, page: PageDep) -> HTMLResponse:
    return _request_page(page, disclosure_id)


@router.get("/disclosure/{disclosure_id:id}/document")
def document(disclosure_id: int, page: PageDep) -> Response:
    r = disclosure.get(page.ctx, disclosure_id)
    row = page.ctx.session.get(StoredFile, r.document_id) if r.document_id else None
    if row is None:
        raise NotFound("该答复没有附件", code="file_not_found")
    return file_response(page.request.app.state.settings.data_dir, row)


def _reply(page: FormPage, rid: int) -> object:
    ctx = page.ctx
    upload = page.form.get("file")
    document = None
    if isinstance(upload, UploadFile) and upload.filename and upload.size:
        document = files.store(ctx.session, page.request.app.state.settings.data_dir,
                               ctx.actor, upload.filename, upload.file).id
    pages = page.text("pages")
    if pages is not None and number(pages) is None:
        raise Invalid("页数有误", problems=[FieldProblem("pages", "页数须为整数")])
    kind = page.text("kind") or ""
    return disclosure.reply(ctx, rid, disclosure.ReplyInput(
        kind=kind, parts={p.name: page.text(f"{kind}.{p.name}") or ""
                          for k in rules.ReplyKind if k.value == kind
                          for p in rules.parts(k)},
        redress=page.text("redress") or "", document=document,
        fee_mode=page.text("fee_mode") or fees.FeeMode.none.value, pages=number(pages)))


MOVES: dict[str, Callable[[FormPage, int], object]] = {
    "ask_correction": lambda page, rid: disclosure.ask_correction(
        page.ctx, rid, page.text("note") or ""),
    "correct": lambda page, rid: disclosure.correct(
        page.ctx, rid, page.text("text") or "", _date(page.text("on"))),
    "extend": lambda page, rid: disclosure.extend(
        page.ctx, rid, number(page.text("days")) or 0, page.text("reason") or "",
        page.text("approver") or ""),
    "consult": lambda page, rid: disclosure.consult(page.ctx, rid,
                                                    page.text("third_party") or ""),
    "consulted": lambda page, rid: disclosure.consulted(page.ctx, rid,
                                                        page.text("opinion") or ""),
    "reply": _reply,
    "withdraw": lambda page, rid: disclosure.withdraw(page.ctx, rid),
}


@router.post("/disclosure/{disclosure_id:id}/{move}")
def step(disclosure_id: int, move: str, page: FormPageDep) -> Response:
    taken = MOVES.get(move)
    if taken is None:
        raise NotFound("没有这个操作", code="not_found")
    try:
        with page.ctx.work():
            taken(page, disclosure_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _request_page(page, disclosure_id, exc.status, said(exc), problems_by_field(exc),
                             move, page.sent())
    return see_other(f"/disclosure/{disclosure_id}")


# --- the annual tables ----------------------------------------------------------------------


def _year(page: Page, year: str) -> int:
    return number(year) or page.ctx.today.year


@router.get("/disclosure/report", response_class=HTMLResponse)
def annual(page: ReportPage, year: str = "", region: str = "") -> HTMLResponse:
    chosen = _year(page, year)
    try:
        table = report.annual(page.ctx, chosen, region[:12] or None)
        error = None
    except Invalid as exc:
        table, error = report.annual(page.ctx, page.ctx.today.year), said(exc)
    return page.render("disclosure_report.html", t=table, rows=report.ROWS,
                       columns=report.COLUMNS, error=error, region=region[:12],
                       years=list(range(page.ctx.today.year, page.ctx.today.year - 6, -1)),
                       regions=_report_regions(page.me, page), **NAMES)


def _report_regions(me: Principal, page: Page) -> list[Any]:
    if not me.region or me.role.value == "approver":
        return []
    return [c for c in browse.region_choices(page.ctx.catalog, ("province", "city", "county"))
            if disclosure.within(page.ctx, c.code, me)]


@router.get("/disclosure/report.csv")
def annual_csv(page: ReportPage, year: str = "", region: str = "") -> Response:
    table = report.annual(page.ctx, _year(page, year), region[:12] or None)
    out = io.StringIO()
    csv.writer(out).writerows(table.csv_rows())
    name = f"disclosure-{table.year}.csv"
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
