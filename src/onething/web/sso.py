"""单点登录 pages: to the province's identity provider (`/login/sso`) and back
(`/login/sso/callback`), into the site's own session cookie; the logout asks the provider to
end its session too (`provider_logout`). The protocol is `identity.oidc`, who signs in is
`identity.sso`; a refusal is the login page with the reason in Chinese."""

from __future__ import annotations

import secrets
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.exc import IntegrityError

from onething.http.deps import address_of, policy_of
from onething.identity import service as identity
from onething.identity import sso
from onething.identity.oidc import Provider, ProviderUnavailable, SignedIn
from onething.kernel.db import unit_of_work
from onething.kernel.errors import DomainError, NotFound, Unauthenticated
from onething.kernel.principal import Role
from onething.web.deps import see_other
from onething.web.render import render
from onething.web.session import (
    COOKIE,
    HOME,
    LOGIN_CSRF,
    clear_cookie,
    new_login_csrf,
    safe_next,
    set_cookie,
)

router = APIRouter(include_in_schema=False)
SSO_COOKIE = "onething_sso"  # the state of the sign-in under way, bound to this browser
CALLBACK = "/login/sso/callback"
# what the provider's `error` means to the person (RFC 6749 §4.1.2.1, OpenID Core §3.1.2.6)
_PROVIDER_ERRORS = {"access_denied": "您已取消统一身份认证登录",
                    "login_required": "请先在统一身份认证平台登录"}


def provider_of(request: Request) -> Provider | None:
    """The process's identity provider, or None when single sign-on is off (no issuer)."""
    state = request.app.state
    if not hasattr(state, "oidc"):
        settings = state.settings
        state.oidc = Provider(settings) if settings.oidc_issuer else None
    return state.oidc  # type: ignore[no-any-return]


def site_url(request: Request) -> str:
    """This site's address as the provider sees it: the setting, the public one, the request's."""
    settings = request.app.state.settings
    return (settings.oidc_redirect_base or settings.public_url
            or str(request.base_url)).rstrip("/")


def _provider(request: Request) -> Provider:
    provider = provider_of(request)
    if provider is None:
        raise NotFound("本平台未开通统一身份认证登录，请使用账号密码登录", code="sso_off")
    return provider


@router.get("/login/sso", response_class=HTMLResponse)
def begin(request: Request, next: str = "") -> Response:
    next_url = safe_next(next) or ""
    state, nonce, verifier = (secrets.token_urlsafe(32), secrets.token_urlsafe(32),
                              secrets.token_urlsafe(48))
    try:
        provider = _provider(request)
        url = provider.authorization_url(redirect_uri=site_url(request) + CALLBACK,
                                         state=state, nonce=nonce, verifier=verifier)
        with unit_of_work(request.app.state.writer_sessions) as session:
            sso.start(session, state=state, nonce=nonce, verifier=verifier, next_url=next_url,
                      now=request.app.state.clock(), keep=policy_of(request).web_lifetime)
    except DomainError as exc:
        return login_form(request, next_url, exc.detail, exc.status)
    response = see_other(url)
    # lax: the provider sends the person back with a top-level GET from its own site
    set_cookie(response, request, SSO_COOKIE, state, sso.STATE_MINUTES * 60)
    return response


@router.get(CALLBACK, response_class=HTMLResponse)
def callback(request: Request, state: str = "", code: str = "",
             error: str = "") -> Response:
    now, subject, next_url = request.app.state.clock(), "", ""
    writers = request.app.state.writer_sessions  # a GET writes: the writer's session
    try:
        provider = _provider(request)
        sent = request.cookies.get(SSO_COOKIE, "")
        if not state or not sent or not secrets.compare_digest(state.encode(), sent.encode()):
            raise Unauthenticated("登录请求已失效或来源不明，请重新登录", code="sso_state")
        with unit_of_work(writers) as session:
            started = sso.take(session, state, now)
        next_url = started.next_url
        if error or not code:
            raise Unauthenticated(_PROVIDER_ERRORS.get(error, "统一身份认证未完成登录，请重新登录"),
                                  code="sso_provider_error")
        signed = provider.redeem(code=code, redirect_uri=site_url(request) + CALLBACK,
                                 verifier=started.verifier, nonce=started.nonce)
        subject = signed.subject
        home, secret, max_age = _open_session(request, signed, state, now)
    except DomainError as exc:
        if not isinstance(exc, ProviderUnavailable):
            with unit_of_work(writers) as session:
                sso.refused(session, subject, address_of(request), now)
        refused = login_form(request, next_url, exc.detail, exc.status)
        clear_cookie(refused, request, SSO_COOKIE)
        return refused
    response = see_other(next_url or home)
    set_cookie(response, request, COOKIE, secret, max_age)
    clear_cookie(response, request, SSO_COOKIE)
    return response


def _open_session(request: Request, signed: SignedIn, state: str,
                  now: datetime) -> tuple[str, str, int]:
    """The user's web session, opened for this sign-in: their home page, the cookie's secret
    and lifetime. Tried once more when a sign-in of the same account linked it meanwhile."""
    writers = request.app.state.writer_sessions
    for attempt in (1, 2):
        try:
            with unit_of_work(writers) as session:
                user = sso.user_for(session, signed,
                                    sso.ClaimNames.of(request.app.state.settings), now)
                identity.close_session(session, request.cookies.get(COOKIE, ""), now)
                secret, row = identity.open_session(session, user, "web", now,
                                                    policy_of(request))
                sso.finish(session, state, row.token_hash, signed.id_token)
                lifetime = int((row.expires_at - row.created_at).total_seconds())
                return HOME[Role(user.role)], secret, lifetime
        except IntegrityError:  # the (issuer, subject) link made by a sign-in in parallel
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def login_form(request: Request, next_url: str, error: str | None, status: int = 200,
                username: str = "", done: str | None = None) -> Response:
    """The login page: the password form, and the button to the province's identity
    provider when single sign-on is on (a refused sign-in there comes back here)."""
    token = new_login_csrf()
    response = render(request, "login.html", status, me=None, csrf="", next=next_url,
                      login_csrf=token, error=error, username=username, done=done,
                      sso=provider_of(request) is not None,
                      staff_passwords=policy_of(request).staff_passwords)
    set_cookie(response, request, LOGIN_CSRF, token, 3600, samesite="strict")
    return response


def provider_logout(request: Request, id_token: str | None) -> str:
    """Where the logout goes: the provider's end of session when the web session began
    there and the provider offers one, else the home page."""
    provider = provider_of(request)
    if provider is None or not id_token:
        return "/"
    try:
        url = provider.logout_url(id_token=id_token, post_logout_redirect_uri=site_url(request)
                                  + "/")
    except ProviderUnavailable:
        return "/"
    return url or "/"
