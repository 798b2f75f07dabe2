"""Pages for 帮代办 consents: the person grants and revokes them (the window or an admin
records a written one for the person); a proxy sees who lets them apply. The same services
as the API (`identity.grant_consent`, `list_consents`, `revoke_consent`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from onething.catalog.linked import Catalog
from onething.http.deps import CatalogDep, SessionDep
from onething.identity import service as identity
from onething.kernel.errors import DomainError, FieldProblem, Invalid
from onething.kernel.principal import Role
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.cases import FormDep, _page, _see_other, sent_values
from onething.web.session import HOME, WebUser, check_csrf, require_user
from onething.web.words import said

router = APIRouter(include_in_schema=False)
SEES = (Role.applicant, Role.proxy, Role.clerk, Role.supervisor, Role.admin)
SELF_NOTE = "本人在线授权"


def _consents_page(request: Request, session: Session, catalog: Catalog, user: WebUser,
                   error: str | None = None, status: int = 200,
                   sent: dict[str, str] | None = None) -> HTMLResponse:
    found = (identity.list_consents(session, user.principal, catalog, limit=200)
             if user.principal.role in SEES else [])
    return _page(request, "consents.html", user, status=status, consents=found, error=error,
                 sent=sent or {}, may_grant=user.principal.role in identity.CONSENT_ROLES,
                 side=identity.consent_side(user.principal))


@router.get("/consents", response_class=HTMLResponse)
def consents(request: Request, session: SessionDep, catalog: CatalogDep) -> Response:
    user = require_user(request, session)
    if user.principal.role not in SEES:
        return _see_other(HOME[user.principal.role])
    return _consents_page(request, session, catalog, user)


def _note(user: WebUser, form: dict[str, str]) -> str:
    """What the consent records as its basis: the person's own grant online, with the matters
    they name; the window's written consent as the clerk describes it."""
    text = form.get("note", "").strip()
    if user.principal.role == Role.applicant:
        return f"{SELF_NOTE}：{text}" if text else SELF_NOTE
    return text


@router.post("/consents", response_class=HTMLResponse)
def grant(request: Request, session: SessionDep, catalog: CatalogDep,
          form: FormDep) -> Response:
    user = require_user(request, session)
    check_csrf(form, user)
    sent = sent_values(form)
    me = user.principal
    person = sent.get("person", "").strip() or me.username  # the person grants for themselves
    try:
        if me.role != Role.applicant and len(_note(user, sent)) < 2:  # as the API's schema
            raise Invalid("请写明授权方式与依据", problems=[
                FieldProblem("note", "如：申请人书面授权委托书，已核验原件")])
        identity.grant_consent(session, me, catalog, proxy=sent.get("proxy", "").strip(),
                               person=person, note=_note(user, sent),
                               now=request.app.state.clock())
    except DomainError as exc:
        session.rollback()
        return _consents_page(request, session, catalog, user, said(exc), exc.status, sent)
    session.commit()
    return _see_other("/consents")


@router.post("/consents/{consent_id:id}/revoke", response_class=HTMLResponse)
def revoke(request: Request, consent_id: int, session: SessionDep, catalog: CatalogDep,
           form: FormDep) -> Response:
    user = require_user(request, session)
    check_csrf(form, user)
    try:
        identity.revoke_consent(session, user.principal, consent_id, catalog,
                                request.app.state.clock())
    except DomainError as exc:
        session.rollback()
        return _consents_page(request, session, catalog, user, said(exc), exc.status)
    session.commit()
    return _see_other("/consents")
