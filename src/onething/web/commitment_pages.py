"""Pages for 告知承诺 follow-up checks (核查): the deciding office's open checks, decided
here or on the application's page. The same services as the API."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from onething.cases.context import Ctx
from onething.commitments import service as commitments
from onething.commitments.models import OPEN
from onething.deps import CatalogDep, SessionDep
from onething.errors import DomainError
from onething.identity.roles import Role
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.case_pages import FormDep, _page, _see_other
from onething.web.session import HOME, WebUser, check_csrf, page_ctx, require_user, safe_next

router = APIRouter(include_in_schema=False)
STAFF = (Role.approver, Role.supervisor, Role.admin)


def _checks_page(request: Request, ctx: Ctx, user: WebUser, status: str,
                 error: str | None = None, code: int = 200) -> HTMLResponse:
    chosen = status if status in commitments.STATUS_NAMES or status == "all" else OPEN
    found = commitments.checks(ctx, commitments.CheckQuery(
        status=None if chosen == "all" else chosen))
    return _page(request, "checks.html", user, status=code, checks=found, chosen=chosen,
                 names=commitments.STATUS_NAMES, today=ctx.today, catalog=ctx.catalog,
                 error=error)


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
        message = exc.detail + "".join(f"；{p.message}" for p in exc.problems)
        return _checks_page(request, ctx, user, OPEN, message, exc.status)
    session.commit()
    return _see_other(safe_next(form.get("back")) or "/checks")
