"""Pages for 帮代办 consents: the person grants and revokes them (the window or an admin
records a written one for the person); a proxy sees who lets them apply. The same services
as the API (`identity.grant_consent`, `list_consents`, `revoke_consent`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from onething.identity import service as identity
from onething.kernel.errors import DomainError
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import FormPageDep, Page, page_for, see_other
from onething.web.words import said

router = APIRouter(include_in_schema=False)
ConsentsPage = Annotated[Page, Depends(page_for(identity.sees_consents))]


def _consents_page(page: Page, error: str | None = None, status: int = 200,
                   sent: dict[str, str] | None = None) -> HTMLResponse:
    ctx = page.ctx
    found = (identity.list_consents(ctx.session, page.me, ctx.catalog, limit=200)
             if identity.sees_consents(page.me) else [])
    return page.render("consents.html", status, consents=found, error=error,
                       sent=sent or {}, may_grant=identity.grants_consents(page.me),
                       side=identity.consent_side(page.me))


@router.get("/consents", response_class=HTMLResponse)
def consents(page: ConsentsPage) -> Response:
    return _consents_page(page)


@router.post("/consents", response_class=HTMLResponse)
def grant(page: FormPageDep) -> Response:
    ctx, me, sent = page.ctx, page.me, page.sent()
    person = sent.get("person", "").strip() or me.username  # the person grants for themselves
    try:
        with ctx.work():
            note = identity.consent_note(me, sent.get("note", ""))
            identity.grant_consent(ctx.session, me, ctx.catalog,
                                   proxy=sent.get("proxy", "").strip(), person=person,
                                   note=note, now=ctx.now)
    except DomainError as exc:
        return _consents_page(page, said(exc), exc.status, sent)
    return see_other("/consents")


@router.post("/consents/{consent_id:id}/revoke", response_class=HTMLResponse)
def revoke(consent_id: int, page: FormPageDep) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            identity.revoke_consent(ctx.session, page.me, consent_id, ctx.catalog, ctx.now)
    except DomainError as exc:
        return _consents_page(page, said(exc), exc.status)
    return see_other("/consents")
