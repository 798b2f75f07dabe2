"""Pages for 帮代办 consents: the person grants and revokes them (the window or an admin
records a written one for the person); a proxy sees who lets them apply. The same services
as the API (`identity.grant_consent`, `list_consents`, `revoke_consent`). And the pages of
a password forgotten (忘记密码: a one-time code, then a new password) or issued for the
time being by an administrator (set a new one before signing in)."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from onething.http.deps import SessionDep, address_of, policy_of, public_context, sign_in
from onething.identity import recovery
from onething.identity import service as identity
from onething.kernel.db import UnitOfWork
from onething.kernel.errors import DomainError, Forbidden, TooManyRequests
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import FormDep, FormPageDep, Page, page_for, see_other, sent_values
from onething.web.render import render_public
from onething.web.session import LOGIN_CSRF, new_login_csrf, set_cookie
from onething.web.words import problems_by_field, said

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


# --- 忘记密码 and the temporary password: no sign-in; each form's token is checked against
# a cookie (as the login's), the services are the API's (`identity.recovery`, `set_password`)

PASSWORD_STEPS = {"forgot": "/password/forgot", "reset": "/password/reset",
                  "change": "/password/change"}
SECRET_FIELDS = ("password", "current_password", "new_password", "new_password_again", "code")


def password_page(request: Request, step: str, status: int = 200, *,
                  error: str | None = None, errors: dict[str, str] | None = None,
                  sent: dict[str, str] | None = None, notice: str | None = None) -> Response:
    """The form of one step (forgot | reset | change), with what was sent (no secrets)."""
    token = new_login_csrf()
    kept = {k: v for k, v in (sent or {}).items() if k not in SECRET_FIELDS}
    page = render_public(request, "password.html", status, step=step, form_csrf=token,
                         action=PASSWORD_STEPS[step], error=error, errors=errors or {},
                         sent=kept, notice=notice, channels=recovery.CHANNELS,
                         minutes=recovery.code_minutes(policy_of(request)))
    set_cookie(page, request, LOGIN_CSRF, token, 3600, samesite="strict")
    return page


def _refused(request: Request, step: str, exc: DomainError, sent: dict[str, str]) -> Response:
    page = password_page(request, step, exc.status, error=said(exc),
                         errors=problems_by_field(exc), sent=sent)
    if isinstance(exc, TooManyRequests):
        page.headers["Retry-After"] = str(exc.retry_after)
    return page


def _check_form(request: Request, form: FormData) -> None:
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not secrets.compare_digest(str(form.get("csrf_token") or ""), expected):
        raise Forbidden("页面已过期，请重新填写", code="csrf_failed")


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_form(request: Request, username: str = "") -> Response:
    return password_page(request, "forgot", sent={"username": username[:64]})


@router.post("/password/forgot", response_class=HTMLResponse)
def forgot(request: Request, session: SessionDep, form: FormDep) -> Response:
    sent = sent_values(form)
    ctx = public_context(request, session)
    try:
        _check_form(request, form)
        with ctx.work():
            recovery.ask_code(ctx, username=sent.get("username", ""),
                              channel=sent.get("channel", ""), client=address_of(request),
                              policy=policy_of(request))
    except DomainError as exc:
        return _refused(request, "forgot", exc, sent)
    return see_other("/password/reset?" + urlencode({"username": sent["username"].strip(),
                                                     "sent": "1"}))


@router.get("/password/reset", response_class=HTMLResponse)
def reset_form(request: Request, username: str = "", sent: str = "") -> Response:
    notice = recovery.sent_answer(policy_of(request)) if sent == "1" else None
    return password_page(request, "reset", sent={"username": username[:64]}, notice=notice)


@router.post("/password/reset", response_class=HTMLResponse)
def reset(request: Request, session: SessionDep, form: FormDep) -> Response:
    sent = sent_values(form)
    ctx = public_context(request, session)
    try:
        _check_form(request, form)
        with ctx.work():
            recovery.reset_password(ctx, username=sent.get("username", ""),
                                    code=sent.get("code", ""),
                                    new_password=sent.get("new_password", ""),
                                    again=sent.get("new_password_again", ""),
                                    policy=policy_of(request))
    except DomainError as exc:
        return _refused(request, "reset", exc, sent)
    return see_other("/login?done=reset")


@router.get("/password/change", response_class=HTMLResponse)
def change_form(request: Request, username: str = "") -> Response:
    return password_page(request, "change", sent={"username": username[:64]})


@router.post("/password/change", response_class=HTMLResponse)
def change(request: Request, session: SessionDep, form: FormDep) -> Response:
    """A new password with the current one (the temporary one an administrator issued)."""
    sent = sent_values(form)
    try:
        _check_form(request, form)
        with UnitOfWork(session):  # a wrong current password counts towards a lock
            identity.typed_twice(sent.get("new_password", ""),
                                 sent.get("new_password_again", ""))
            user = sign_in(request, session, sent.get("username", ""),
                           sent.get("current_password", ""), "web")
            identity.set_password(session, user, sent.get("new_password", ""),
                                  request.app.state.clock())
    except DomainError as exc:
        return _refused(request, "change", exc, sent)
    return see_other("/login?done=changed")
