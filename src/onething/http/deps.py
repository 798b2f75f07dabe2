"""FastAPI dependencies shared by routes and pages.

A request has one session (a writer's, for a request that may change something). A route
or page runs its service step in the unit of work (`with ctx.work():`, kernel.db): it is
committed before the answer is built, so a failed commit is never reported as success, and
rolled back when the step is refused; whatever else is left open is rolled back when the
session closes, after the answer is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from onething.catalog.context import Ctx, build_ctx
from onething.catalog.linked import Catalog
from onething.catalog.service import NoCatalog
from onething.credit import service as credit
from onething.http.problems import ApiProblem
from onething.identity import service as identity
from onething.identity.logins import Attempt, checked_login
from onething.identity.models import User
from onething.identity.policy import AccountPolicy, account_policy
from onething.kernel.clock import CHINA
from onething.kernel.context import Context
from onething.kernel.db import keep_refusal
from onething.kernel.errors import DomainError, Unauthenticated
from onething.kernel.principal import SYSTEM, Principal
from onething.kernel.workdays import Calendar
from onething.licences.service import held_types
from onething.ratings import guesses

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for this request; writers take the write lock up front on SQLite.

    Made in the event loop (a session touches the database only when first used, in the
    route's thread) and closed in a worker thread when a transaction is still open (closing
    gives its connection back, which rolls back on the database), else in the event loop (a
    route that committed holds no connection): each thread hop of a synchronous dependency
    costs a request ≈0.15 ms and more under load."""
    state = request.app.state
    factory = state.sessions if request.method in SAFE_METHODS else state.writer_sessions
    session = factory()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:  # committed (or never used): it holds no connection, closing is no I/O
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def current_catalog_of(request: Request) -> Catalog:
    """The current catalog; the database is asked for a newer one every few seconds."""
    settings = request.app.state.settings
    try:
        return request.app.state.catalogs.recent(  # type: ignore[no-any-return]
            request.app.state.sessions, settings.catalog_refresh_seconds)
    except NoCatalog as exc:
        raise ApiProblem(503, "catalog_not_loaded", "事项目录尚未加载", str(exc)) from exc


async def get_catalog(request: Request) -> Catalog:
    """`current_catalog_of`, answered in the event loop while the process's copy is fresh
    (no database, no thread hop), else asked in a worker thread."""
    state = request.app.state
    kept = state.catalogs.kept(state.settings.catalog_refresh_seconds)
    if kept is not None:
        return kept  # type: ignore[no-any-return]
    return await run_in_threadpool(current_catalog_of, request)


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
    known: Principal | None = getattr(request.state, "principal", None)
    if known is None:  # once a request, whether a route asks for it or for its context
        known, _ = identity.resolve(session, token, "api", request.app.state.clock())
        request.state.principal = known
    return known


PrincipalDep = Annotated[Principal, Depends(bearer_principal)]


def maybe_principal(request: Request, session: SessionDep, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> Principal | None:
    """The caller of a route open to anyone: nobody without a token (the public), else the
    token's principal (a bad token is refused as on any other route)."""
    if credentials is None or not credentials.credentials.strip():
        return None
    return bearer_principal(request, session, credentials)


MaybePrincipalDep = Annotated[Principal | None, Depends(maybe_principal)]


def policy_of(request: Request) -> AccountPolicy:
    return account_policy(request.app.state.settings)


def address_of(request: Request) -> str:
    """The caller's address as the server sees it (behind a balancer: see SECURITY.md)."""
    return request.client.host if request.client else "unknown"


def sign_in(request: Request, session: Session, username: str, password: str,
            door: str) -> User:
    """A throttled login through either door (web | api), in the caller's unit of work. A
    refusal is kept (committed by the unit of work it ends), so that the failure counts and
    a lock holds."""
    attempt = Attempt(username, address_of(request), door, request.app.state.clock())
    try:
        return checked_login(session, attempt, password, policy_of(request))
    except DomainError as exc:
        keep_refusal(session, exc)
        raise


def calendar_of(request: Request, session: Session) -> Calendar:
    """The working-day calendar in force, kept by the app like its catalog: the database is
    asked whether a notice changed every few seconds, not on every request, on the
    request's own connection (a burst of requests to a fresh process holding every pooled
    connection must not wait for one more)."""
    state = request.app.state
    return state.calendars.recent(  # type: ignore[no-any-return]
        session, state.settings.catalog_refresh_seconds)


def request_ctx(request: Request, session: Session, catalog: Catalog,
                actor: Principal) -> Ctx:
    """The context of a request through either door (API or page): its session, the app's
    clock, catalog and calendar, and read-only sessions for the answer after a change."""
    return build_ctx(session, catalog, actor, request.app.state.clock(),
                     reads=request.app.state.sessions, calendar=calendar_of(request, session))


def public_context(request: Request, session: Session) -> Context:
    """The context of a step anyone may take without signing in (忘记密码): the platform
    acts; the service names the account it concerns in the audit trail."""
    return Context(session=session, calendar=calendar_of(request, session),
                   now=request.app.state.clock(), actor=SYSTEM)


def get_ctx(request: Request, session: SessionDep, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(BEARER)]) -> Ctx:
    """The API caller's context: the token, the catalog and the calendar in one thread hop
    (three before)."""
    principal = bearer_principal(request, session, credentials)
    return request_ctx(request, session, current_catalog_of(request), principal)


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


def public_base(request: Request) -> str:
    """The address citizens reach the service at: ONETHING_PUBLIC_URL, else this request's."""
    configured = request.app.state.settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def code_url(request: Request, code: str) -> str:
    """Where a rating code is used (the page /r/{code}): printed on the receipt and in its QR."""
    return f"{public_base(request)}/r/{code}"


def guesser(request: Request) -> guesses.Guesser:
    """Who types rating codes without signing in: this address, now."""
    return guesses.guesser(request.app.state.settings, address_of(request),
                           request.app.state.clock())


def tracking_guesser(request: Request) -> guesses.Guesser:
    """Who tracks 12345 tickets by number and phone without signing in: this address, now."""
    return guesses.tracking_guesser(request.app.state.settings, address_of(request),
                                    request.app.state.clock())
