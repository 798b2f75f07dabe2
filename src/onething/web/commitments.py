"""Pages for 告知承诺 follow-up checks (核查): the deciding office's open checks, decided
here or on the application's page. The same services as the API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from onething.cases import service as cases
from onething.cases.routing import office_name
from onething.catalog.context import Ctx
from onething.commitments import service as commitments
from onething.commitments.models import OPEN
from onething.http.deps import CatalogDep, SessionDep
from onething.kernel.errors import DomainError
from onething.kernel.principal import Role
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.cases import (
    FormDep,
    _application_page,
    _page,
    _see_other,
    number,
    sent_values,
)
from onething.web.session import HOME, WebUser, check_csrf, page_ctx, require_user, safe_next
from onething.web.words import said

router = APIRouter(include_in_schema=False)
STAFF = (Role.approver, Role.supervisor, Role.admin)


def _checks_page(request: Request, ctx: Ctx, user: WebUser, status: str,
                 error: str | None = None, code: int = 200, sent: dict[str, str] | None = None,
                 sent_for: str | None = None) -> HTMLResponse:
    chosen = status if status in commitments.STATUS_NAMES or status == "all" else OPEN
    found = commitments.checks(ctx, commitments.CheckQuery(
        status=None if chosen == "all" else chosen))
    return _page(request, "checks.html", user, status=code, checks=found, chosen=chosen,
                 names=commitments.STATUS_NAMES, today=ctx.today, catalog=ctx.catalog,
                 error=error, sent=sent or {}, sent_for=sent_for,
                 late_ids={c.id for c in found if commitments.overdue(c, ctx.today)},
                 decidable={c.id for c in found if commitments.decidable(ctx.actor, c)},
                 one_office=commitments.one_office(ctx.actor),
                 offices={c.id: office_name(ctx.catalog, c.region_code, c.department_code)
                          for c in found},
                 numbers=cases.numbers(ctx, {c.application_id for c in found}))


@router.get("/checks", response_class=HTMLResponse)
def checks(request: Request, session: SessionDep, catalog: CatalogDep,
           status: str = OPEN) -> Response:
    user = require_user(request, session)
    if user.principal.role not in STAFF:
        return _see_other(HOME[user.principal.role])
    return _checks_page(request, page_ctx(request, session, catalog, user), user, status)


@router.post("/checks/{check_id:id}/outcome")
def outcome(request: Request, check_id: int, session: SessionDep, catalog: CatalogDep,
            form: FormDep) -> Response:
    user = require_user(request, session)
    check_csrf(form, user)
    ctx = page_ctx(request, session, catalog, user)
    try:
        commitments.decide(ctx, check_id, str(form.get("outcome") or ""),
                           str(form.get("note") or ""),
                           credit_years=request.app.state.settings.bad_credit_years)
    except DomainError as exc:
        session.rollback()
        if user.principal.role not in STAFF:
            raise  # they have no list of checks to go back to: the error page says why
        sent = sent_values(form)
        back = safe_next(form.get("back")) or ""
        if back.startswith("/applications/") and (app_id := number(back.split("/")[2])):
            return _application_page(request, ctx, user, app_id, said(exc), exc.status,
                                     sent=sent, sent_for=f"check-{check_id}")
        return _checks_page(request, ctx, user, OPEN, said(exc), exc.status, sent=sent,
                            sent_for=f"check-{check_id}")
    session.commit()
    return _see_other(safe_next(form.get("back")) or "/checks")
