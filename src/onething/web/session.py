"""Web login: a session cookie, CSRF tokens on every form, and the page's acting context."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from onething.calendar.service import current_calendar
from onething.cases.context import CHINA, Ctx
from onething.catalog.model import Catalog
from onething.errors import DomainError, Forbidden, Unauthenticated
from onething.identity import service as identity
from onething.identity.models import AuthSession
from onething.identity.roles import Principal, Role
from onething.licences.service import held_types

COOKIE = "onething_session"
LOGIN_CSRF = "onething_login_csrf"

HOME = {
    Role.applicant: "/my/applications", Role.proxy: "/my/applications",
    Role.clerk: "/workbench", Role.approver: "/inbox", Role.supervisor: "/workbench",
    Role.admin: "/workbench",
}


class LoginRequired(Exception):
    """Raised by a page that needs a signed-in user; answered with a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@dataclass(frozen=True)
class WebUser:
    principal: Principal
    auth: AuthSession

    @property
    def csrf(self) -> str:
        return self.auth.csrf_token


def current_user(request: Request, session: Session) -> WebUser | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    try:
        principal, auth = identity.resolve(session, token, "web", request.app.state.clock())
    except Unauthenticated:
        return None
    return WebUser(principal, auth)


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
        raise LoginRequired(target)
    return user


def page_ctx(request: Request, session: Session, catalog: Catalog, user: WebUser) -> Ctx:
    return Ctx(session=session, catalog=catalog, calendar=current_calendar(session),
               now=request.app.state.clock(), actor=user.principal)


def check_csrf(form: FormData, user: WebUser) -> None:
    sent = str(form.get("csrf_token") or "")
    if not secrets.compare_digest(sent, user.csrf):
        raise Forbidden("页面已过期或来源不明，请刷新页面后重试", code="csrf_failed")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


def login_url(next_url: str) -> str:
    return f"/login?next={quote(next_url, safe='/')}"


def safe_next(value: Any) -> str | None:
    text = str(value or "")
    return text if text.startswith("/") and not text.startswith("//") else None


def domain_message(exc: DomainError) -> str:
    return exc.detail
