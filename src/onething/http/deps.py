"""FastAPI dependencies shared by routes and pages.

The request owns the transaction: a route that changes something calls
`session.commit()` itself before it answers, so a failed commit is never reported as
success; anything not committed is rolled back when the session closes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from onething.calendar.service import current_calendar
from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog
from onething.catalog.service import NoCatalog
from onething.credit import service as credit
from onething.http.problems import ApiProblem
from onething.identity import service as identity
from onething.identity.logins import Attempt, checked_login
from onething.identity.models import User
from onething.identity.policy import AccountPolicy, account_policy
from onething.kernel.clock import CHINA
from onething.kernel.errors import DomainError, Unauthenticated
from onething.kernel.principal import Principal
from onething.licences.service import held_types

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request; writers take the write lock up front on SQLite."""
    state = request.app.state
    factory = state.sessions if request.method in SAFE_METHODS else state.writer_sessions
    with factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_catalog(request: Request) -> Catalog:
    """The current catalog; the database is asked for a newer one every few seconds."""
    settings = request.app.state.settings
    try:
        return request.app.state.catalogs.recent(  # type: ignore[no-any-return]
            request.app.state.sessions, settings.catalog_refresh_seconds)
    except NoCatalog as exc:
        raise ApiProblem(503, "catalog_not_loaded", "事项目录尚未加载", str(exc)) from exc


CatalogDep = Annotated[Catalog, Depends(get_catalog)]


# Declares the scheme in OpenAPI; a missing or malformed header is refused below, in Chinese.
BEARER = HTTPBearer(auto_error=False, description="POST /api/v1/auth/token 换取的访问令牌")


def bearer_principal(request: Request, session: SessionDep, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> Principal:
    """The API's caller, from `Authorization: Bearer <token>` (POST /api/v1/auth/token)."""
    token = credentials.credentials.strip() if credentials else ""
    if not token:
        raise Unauthenticated("请先登录：在 Authorization 头中提供 Bearer 令牌",
                              code="token_required")
    principal, _ = identity.resolve(session, token, "api", request.app.state.clock())
    return principal


PrincipalDep = Annotated[Principal, Depends(bearer_principal)]


def policy_of(request: Request) -> AccountPolicy:
    return account_policy(request.app.state.settings)


def address_of(request: Request) -> str:
    """The caller's address as the server sees it (behind a balancer: see SECURITY.md)."""
    return request.client.host if request.client else "unknown"


def sign_in(request: Request, session: Session, username: str, password: str,
            door: str) -> User:
    """A throttled login through either door (web | api). A refusal is committed before it
    is raised, so that the failure counts and a lock holds."""
    attempt = Attempt(username, address_of(request), door, request.app.state.clock())
    try:
        return checked_login(session, attempt, password, policy_of(request))
    except DomainError:
        session.commit()
        raise


def get_ctx(request: Request, session: SessionDep, principal: PrincipalDep,
            catalog: CatalogDep) -> Ctx:
    return Ctx(session=session, catalog=catalog, calendar=current_calendar(session),
               now=request.app.state.clock(), actor=principal, reads=request.app.state.sessions)


CtxDep = Annotated[Ctx, Depends(get_ctx)]


class Paging:
    def __init__(
        self,
        request: Request,
        limit: Annotated[int | None, Query(ge=1, le=200, description="每页条数")] = None,
        offset: Annotated[int, Query(ge=0, le=1_000_000, description="跳过的条数")] = 0,
    ) -> None:
        self.limit = limit or request.app.state.settings.page_size
        self.offset = offset


PagingDep = Annotated[Paging, Depends()]


@dataclass(frozen=True)
class GuideCaller:
    """What the guide takes from its caller, when a bearer token is given (else nothing)."""

    held: frozenset[str] = frozenset()  # licence types held
    barred: str | None = None  # why 告知承诺 and 容缺 are not offered (bad credit), if so


def guide_caller(request: Request) -> GuideCaller:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return GuideCaller()
    with request.app.state.sessions() as session:
        principal, _ = identity.resolve(session, token.strip(), "api",
                                        request.app.state.clock())
        today = request.app.state.clock().astimezone(CHINA).date()
        return GuideCaller(frozenset(held_types(session, principal.user_id, today)),
                           credit.bar_reason(credit.current(session, principal.user_id, today)))


GuideCallerDep = Annotated[GuideCaller, Depends(guide_caller)]
