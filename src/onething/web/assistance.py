"""Pages for 帮代办 and the 办不成事 window: a person (or a proxy for them) asks for help at
home or by telephone, or reports a case that got stuck, and sees what became of it; the
window of the region takes both up, records each step and what came of it. The same
services as the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from onething.assistance import rules
from onething.assistance import service as assistance
from onething.assistance.models import HelpRequest
from onething.cases.access import application_filter
from onething.cases.models import Application
from onething.cases.routing import window_name
from onething.catalog import browse
from onething.kernel.errors import DomainError
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import FormPage, FormPageDep, Page, page_for, see_other
from onething.web.words import said

router = APIRouter(include_in_schema=False)
AskPage = Annotated[Page, Depends(page_for(rules.asks_for_help))]
QueuePage = Annotated[Page, Depends(page_for(rules.watches))]
FIELDS = ("region", "mode", "reason", "need", "contact_name", "phone", "address", "bundle")
STUCK_FIELDS = ("application_number", "problem", "contact_name", "phone")


def _shown(page: Page, found: list[HelpRequest]) -> list[dict[str, Any]]:
    me, today = page.me, page.ctx.today
    rows = []
    for r in found:
        phone, address = assistance.contact(me, r)
        rows.append({
            "r": r, "window": window_name(page.ctx.catalog, r.region_code),
            "phone": phone, "address": address,
            "late": assistance.overdue(r, today),
            "actions": rules.actions(me, r.status, r.requester_id, r.helper_id)})
    return rows


def _ask_page(page: Page, code: int = 200, error: str | None = None,
              errors: dict[str, str] | None = None, sent: dict[str, str] | None = None,
              done: bool = False) -> HTMLResponse:
    ctx = page.ctx
    mine = list(ctx.session.scalars(assistance.listing(ctx, kind=rules.HelpKind.help)))
    regions = browse.region_choices(ctx.catalog, ("county", "township", "village"))
    return page.render("help.html", code, rows=_shown(page, mine), regions=regions,
                       modes=rules.MODE_NAMES, reasons=rules.REASON_NAMES,
                       bundles=sorted(ctx.catalog.bundles.values(), key=lambda b: b.name),
                       error=error, errors=errors or {}, sent=sent or {}, done=done,
                       names=rules.STATUS_NAMES, days=rules.RESPONSE_DAYS)


@router.get("/help", response_class=HTMLResponse)
def ask(page: AskPage, done: int = 0) -> Response:
    return _ask_page(page, done=bool(done))


@router.post("/help")
def send(page: FormPageDep) -> Response:
    return _asked(page, lambda given: assistance.request_help(
        page.ctx, assistance.HelpInput(**given)), FIELDS, _ask_page, "/help")


def _asked(page: FormPage, step: Callable[[dict[str, str]], object], fields: tuple[str, ...],
           again: Callable[..., HTMLResponse], where: str) -> Response:
    """A person's request sent from a page: done, or the page again with every problem and
    what was typed (anyone else's refusal is the error page)."""
    given = {name: page.text(name) or "" for name in fields}
    try:
        with page.ctx.work():
            step(given)
    except DomainError as exc:
        if not rules.asks_for_help(page.me):
            raise
        return again(page, exc.status, said(exc), {p.field: p.message for p in exc.problems},
                     page.sent())
    return see_other(f"{where}?done=1")


@router.post("/help/{request_id:id}/cancel")
def cancel(request_id: int, page: FormPageDep) -> Response:
    with page.ctx.work():
        req = assistance.cancel(page.ctx, request_id)
    return see_other("/stuck" if req.kind == rules.HelpKind.stuck else "/help")


def _stuck_page(page: Page, code: int = 200, error: str | None = None,
                errors: dict[str, str] | None = None, sent: dict[str, str] | None = None,
                done: bool = False) -> HTMLResponse:
    ctx = page.ctx
    mine = list(ctx.session.scalars(assistance.listing(ctx, kind=rules.HelpKind.stuck)))
    cases = ctx.session.scalars(select(Application).where(application_filter(ctx)).order_by(
        Application.id.desc()).limit(50))  # a refused or returned case may be the one
    bundles = ctx.catalog.bundles
    choices = [(a.number, f"{a.number} · {bundles[a.bundle_code].name}"
                if a.bundle_code in bundles else a.number) for a in cases]
    return page.render("stuck.html", code, rows=_shown(page, mine), cases=choices,
                       error=error, errors=errors or {}, sent=sent or {}, done=done,
                       names=rules.STATUS_NAMES, days=rules.RESPONSE_DAYS)


@router.get("/stuck", response_class=HTMLResponse)
def stuck(page: AskPage, done: int = 0, application: str = "") -> Response:
    return _stuck_page(page, done=bool(done), sent={"application_number": application[:32]})


@router.post("/stuck")
def report(page: FormPageDep) -> Response:
    return _asked(page, lambda given: assistance.report_stuck(
        page.ctx, assistance.StuckInput(**given)), STUCK_FIELDS, _stuck_page, "/stuck")


def _queue_page(page: Page, status: str, code: int = 200, error: str | None = None
                ) -> HTMLResponse:
    ctx = page.ctx
    chosen = status if status in ("open", "done", "cancelled", "all") else "open"
    found = list(ctx.session.scalars(assistance.listing(
        ctx, None if chosen == "all" else chosen, limit=200)))
    return page.render("help_requests.html", code, rows=_shown(page, found), chosen=chosen,
                       error=error, names=rules.STATUS_NAMES, modes=rules.MODE_NAMES,
                       reasons=rules.REASON_NAMES, kinds=rules.KIND_NAMES)


@router.get("/help-requests", response_class=HTMLResponse)
def queue(page: QueuePage, status: str = "open") -> Response:
    return _queue_page(page, status)


@router.post("/help-requests/{request_id:id}/take")
def take(request_id: int, page: FormPageDep) -> Response:
    return _step(page, request_id, lambda: assistance.take(page.ctx, request_id))


@router.post("/help-requests/{request_id:id}/follow-up")
def follow_up(request_id: int, page: FormPageDep) -> Response:
    return _step(page, request_id, lambda: assistance.follow_up(
        page.ctx, request_id, page.text("note") or ""))


@router.post("/help-requests/{request_id:id}/finish")
def finish(request_id: int, page: FormPageDep) -> Response:
    return _step(page, request_id, lambda: assistance.finish(
        page.ctx, request_id, page.text("outcome") or "", page.text("application_number")))


def _step(page: FormPage, request_id: int, step: Any) -> Response:
    try:
        with page.ctx.work():
            step()
    except DomainError as exc:
        if not rules.watches(page.me):
            raise
        return _queue_page(page, "open", exc.status, said(exc))
    return see_other(f"/help-requests#help-{request_id}")
