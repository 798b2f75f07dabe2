"""Pages for ratings and supervision: rate, rectify, the dashboard, the public figures."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from onething.api.supervision import CardOut, stats_query, to_csv
from onething.cases import service as cases
from onething.cases.routing import office_or_window_name, within
from onething.catalog.context import Ctx
from onething.http.deps import CatalogDep, SessionDep
from onething.kernel.errors import DomainError, FieldProblem, Invalid
from onething.kernel.principal import Role
from onething.ratings import service as ratings
from onething.ratings.models import Rating
from onething.supervision import charts
from onething.supervision.cards import CHECKS_WATCHED, CardFilter, find_cards
from onething.supervision.profile import CHECKS
from onething.supervision.public import public_ratings
from onething.supervision.rules import CARD_NAMES
from onething.supervision.stats import statistics
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.cases import FormDep, _page, _see_other, number, sent_values
from onething.web.pages import render_public
from onething.web.session import HOME, WebUser, check_csrf, page_ctx, require_user
from onething.web.words import said

router = APIRouter(include_in_schema=False)
CARDS_PAGE = 50




@router.get("/rectifications", response_class=HTMLResponse)
def rectification_list(request: Request, session: SessionDep,
                       catalog: CatalogDep) -> Response:
    user = require_user(request, session)
    if user.principal.role not in (Role.clerk, Role.approver, Role.supervisor, Role.admin):
        return _see_other(HOME[user.principal.role])
    return _rectifications_page(request, page_ctx(request, session, catalog, user), user)


def _rectifications_page(request: Request, ctx: Ctx, user: WebUser, error: str | None = None,
                         status: int = 200, sent: dict[str, str] | None = None,
                         sent_for: str | None = None) -> Response:
    found = ratings.rectifications(ctx)
    rated = {r.id: r for r in ctx.session.scalars(
        select(Rating).where(Rating.id.in_({r.rating_id for r in found})))} if found else {}
    return _page(request, "rectifications.html", user, status=status, items=found,
                 numbers=cases.numbers(ctx, {r.application_id for r in found}),
                 names=ratings.STATUS_NAMES, step_names=ratings.STEP_NAMES,
                 offered={r.id: ratings.rectification_steps(ctx, r) for r in found},
                 awaiting={r.id for r in found if ratings.awaits_decision(ctx, r)},
                 offices={r.id: office_or_window_name(ctx.catalog, r.region_code,
                                                      r.department_code) for r in found},
                 error=error, ratings=rated, LEVELS=ratings.LEVELS,
                 sent=sent or {}, sent_for=sent_for)


@router.post("/rectifications/{rectification_id:id}/steps")
def rectification_step(request: Request, rectification_id: int, session: SessionDep,
                       catalog: CatalogDep, form: FormDep) -> Response:
    user = require_user(request, session)
    check_csrf(form, user)
    ctx = page_ctx(request, session, catalog, user)
    justified = {"yes": True, "no": False}.get(str(form.get("justified") or ""))
    try:
        ratings.advance(ctx, rectification_id, str(form.get("action") or ""),
                        str(form.get("text") or ""), justified)
    except DomainError as exc:
        session.rollback()
        return _rectifications_page(request, ctx, user, said(exc), exc.status,
                                    sent_values(form), f"rect-{rectification_id}")
    session.commit()
    return _see_other("/rectifications")


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, catalog: CatalogDep,
              region: str | None = None, department: str | None = None,
              bundle: str | None = None, month: str | None = None) -> Response:
    user = require_user(request, session)
    if user.principal.role not in (Role.supervisor, Role.admin):
        return _see_other(HOME[user.principal.role])
    ctx = page_ctx(request, session, catalog, user)
    q = stats_query(ctx, region or None, department or None, None, bundle or None, None, None,
                    month or ctx.today.strftime("%Y-%m"))
    figures = statistics(session, catalog, q)
    params: dict[str, Any] = {"region": q.region or "", "department": department or "",
                              "bundle": bundle or "", "month": q.start.strftime("%Y-%m")}
    cards = {"region": q.region or "", "bundle": bundle or "", "from": q.start.isoformat(),
             "to": q.end.isoformat()}
    return _page(request, "dashboard.html", user, s=figures, params=params, catalog=catalog,
                 trend=charts.trend(figures), ranked=charts.departments(figures),
                 csv_query="&".join(f"{k}={v}" for k, v in params.items() if v),
                 cards_query=urlencode({k: v for k, v in cards.items() if v}))


@router.get("/cards", response_class=HTMLResponse)
def card_list(request: Request, session: SessionDep, catalog: CatalogDep) -> Response:
    """红黄牌: every card in the caller's scope, filtered as the API filters them."""
    user = require_user(request, session)
    if user.principal.role not in (Role.approver, Role.supervisor, Role.admin):
        return _see_other(HOME[user.principal.role])
    ctx = page_ctx(request, session, catalog, user)
    params = {k: str(request.query_params.get(k) or "").strip()
              for k in ("region", "department", "kind", "check", "from", "to", "open", "bundle",
                        "page")}
    page = max(1, number(params["page"]) or 1)
    error, status, found = None, 200, None
    try:
        wanted = CardFilter(params["region"] or None, params["department"] or None,
                            params["kind"] or None, params["check"] or None,
                            _day(params["from"], "from"), _day(params["to"], "to"),
                            params["open"] == "1", params["bundle"] or None)
        found = find_cards(ctx, wanted, CARDS_PAGE, (page - 1) * CARDS_PAGE)
    except DomainError as exc:
        error, status = said(exc), exc.status
    query = {k: v for k, v in params.items() if v and k != "page"}
    return _page(request, "cards.html", user, status=status, error=error, params=params,
                 catalog=catalog, page=page, query=urlencode(query),
                 cards=[CardOut.of(catalog, c) for c in found.entries] if found else [],
                 total=found.total if found else 0,
                 more=bool(found and found.next_offset is not None),
                 kinds=CARD_NAMES, checks={c: CHECKS[c].name for c in CHECKS_WATCHED},
                 regions=_regions_in_scope(ctx))


def _day(text: str, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise Invalid("日期应为 YYYY-MM-DD", problems=[
            FieldProblem(name, f"“{text[:20]}”不是日期")]) from exc


def _regions_in_scope(ctx: Any) -> list[Any]:
    """The regions a filter may name: the actor's and below (province to county)."""
    scope = ctx.actor.region if ctx.actor.role != Role.admin else None
    return [r for code, r in ctx.catalog.regions.items()
            if r.level.value in ("province", "city", "county")
            and (scope is None or within(ctx.catalog, code, scope))]


@router.get("/dashboard.csv")
def dashboard_csv(request: Request, session: SessionDep, catalog: CatalogDep,
                  region: str | None = None, department: str | None = None,
                  bundle: str | None = None, month: str | None = None) -> Response:
    user = require_user(request, session)
    ctx = page_ctx(request, session, catalog, user)
    q = stats_query(ctx, region or None, department or None, None, bundle or None, None, None,
                    month or ctx.today.strftime("%Y-%m"))
    return Response(to_csv(statistics(session, catalog, q)),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="onething-stats.csv"'})


@router.get("/ratings/public", response_class=HTMLResponse)
def ratings_public(request: Request, session: SessionDep, catalog: CatalogDep,
                   month: str | None = None) -> Response:
    chosen = month if month and len(month) == 7 else None
    try:
        rows = public_ratings(session, catalog, chosen)
    except (ValueError, OverflowError):
        rows, chosen = public_ratings(session, catalog, None), None
    return render_public(request, "public_ratings.html", rows=rows, month=chosen or "",
                         levels=list(ratings.LEVELS.values()), today=dt.date.today())
