"""Web login: a session cookie, CSRF tokens on every form, and the redirects of a page that
is not for its caller (to the login page, or to the caller's home page)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from onething.http.deps import SAFE_METHODS, policy_of
from onething.identity import service as identity
from onething.kernel.clock import CHINA
from onething.kernel.db import unit_of_work
from onething.kernel.errors import Forbidden, Unauthenticated
from onething.kernel.principal import Principal, Role
from onething.licences.service import held_types

COOKIE = "onething_session"
LOGIN_CSRF = "onething_login_csrf"
TOUCH_EVERY = timedelta(minutes=1)  # how often a used session's idle time is restarted

HOME = {
    Role.applicant: "/my/applications", Role.proxy: "/my/applications",
    Role.clerk: "/workbench", Role.approver: "/inbox", Role.supervisor: "/workbench",
    Role.admin: "/workbench", Role.operator: "/tickets",  # the 12345 queue
}


class SeeOther(Exception):
    """Raised by a page's dependency: the page is not for this caller, who is sent to
    another (`answer`, a 303); installed by `web.render.mount`."""

    def answer(self, request: Request) -> Response:
        raise NotImplementedError


class LoginRequired(SeeOther):
    """A page that needs a signed-in user: to /login, and back to `next_url` after.
    `expired`: a session was sent but has ended (the login page says so)."""

    def __init__(self, next_url: str, expired: bool = False) -> None:
        super().__init__(next_url)
        self.next_url, self.expired = next_url, expired

    def answer(self, request: Request) -> Response:
        response = RedirectResponse(login_url(self.next_url, self.expired), status_code=303)
        if self.expired:
            clear_cookie(response, request, COOKIE)
        return response


class NotForRole(SeeOther):
    """A page not for the signed-in user's role: to their own home page."""

    def __init__(self, role: Role) -> None:
        super().__init__(role.value)
        self.home = HOME[role]

    def answer(self, request: Request) -> Response:
        return RedirectResponse(self.home, status_code=303)


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    auth: identity.Holder

    @property
    def csrf(self) -> str:
        return self.auth.csrf_token


def current_user(request: Request, session: Session) -> WebUser | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    now = request.app.state.clock()
    try:
        principal, auth = identity.resolve(session, token, "web", now, policy_of(request))
    except Unauthenticated:
        return None
    _keep_alive(request, session, auth, now)
    return WebUser(principal, auth)


def _keep_alive(request: Request, session: Session, auth: identity.Holder,
                now: datetime) -> None:
    """Restart the session's idle time, at most once a minute. A reading request writes in a
    transaction of its own; a writing one with its own change (it commits)."""
    if now - auth.last_seen_at < TOUCH_EVERY:
        return
    if request.method in SAFE_METHODS:
        with unit_of_work(request.app.state.writer_sessions) as writer:
            identity.touch_session(writer, auth.token_hash, now)
    else:
        identity.touch_session(session, auth.token_hash, now)


def signed_in(request: Request) -> tuple[WebUser | None, frozenset[str]]:
    """On public pages: who is signed in (if anyone) and the licence types they hold.
    Anonymous visitors cost no database work."""
    if COOKIE not in request.cookies:
        return None, frozenset()
    with request.app.state.sessions() as session:
        user = current_user(request, session)
        if user is None:
            return None, frozenset()
        today = request.app.state.clock().astimezone(CHINA).date()
        return user, frozenset(held_types(session, user.principal.user_id, today))


def require_user(request: Request, session: Session) -> WebUser:
    user = current_user(request, session)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target, expired=COOKIE in request.cookies)
    return user


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int,
               samesite: Literal["lax", "strict"] = "lax") -> None:
    """Every cookie of the site: HttpOnly, SameSite, path /, Secure behind HTTPS."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        samesite=samesite, secure=request.app.state.settings.secure_cookies)


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax",
                           secure=request.app.state.settings.secure_cookies)


def check_csrf(form: FormData, user: WebUser) -> None:
    sent = str(form.get("csrf_token") or "")
    if not secrets.compare_digest(sent.encode(), user.csrf.encode()):  # any text, no TypeError
        raise Forbidden("页面已过期或来源不明，请刷新页面后重试", code="csrf_failed")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def login_url(next_url: str, expired: bool = False) -> str:
    return f"/login?next={quote(next_url, safe='/')}" + ("&expired=1" if expired else "")


def safe_next(value: Any) -> str | None:
    """A path on this site to go back to, or None: never another site ("//host", "/\\host",
    which browsers read as "//host"), and nothing with control characters."""
    text = str(value or "")
    if not text.startswith("/") or text[1:2] in ("/", "\\"):
        return None
    return None if any(ord(c) < 32 or c == "\\" for c in text) else text
