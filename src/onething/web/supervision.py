"""Pages for ratings and supervision: rate, rectify, the dashboard, the public figures."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from onething.cases import service as cases
from onething.cases.figures import StatsQuery
from onething.cases.routing import office_or_window_name
from onething.catalog.linked import Catalog
from onething.http.deps import CatalogDep, SessionDep
from onething.kernel.errors import DomainError, FieldProblem, Invalid
from onething.ratings import service as ratings
from onething.ratings.figures import public_ratings, rating_figures
from onething.ratings.models import Rating
from onething.supervision import charts
from onething.supervision import service as supervision
from onething.supervision.cards import CHECKS_WATCHED, CardFilter, find_cards
from onething.supervision.profile import CHECKS
from onething.supervision.rules import CARD_NAMES
from onething.supervision.schemas import CardOut
from onething.supervision.stats import Statistics, statistics
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import FormPageDep, Page, PageDep, number, page_for, see_other
from onething.web.render import render_public
from onething.web.words import said

router = APIRouter(include_in_schema=False)
CARDS_PAGE = 50
RectificationsPage = Annotated[Page, Depends(page_for(ratings.sees_rectifications))]
DashboardPage = Annotated[Page, Depends(page_for(supervision.sees_statistics))]
CardsPage = Annotated[Page, Depends(page_for(supervision.sees_cards))]


@router.get("/rectifications", response_class=HTMLResponse)
def rectification_list(page: RectificationsPage) -> Response:
    return _rectifications_page(page)


def _rectifications_page(page: Page, error: str | None = None, status: int = 200,
                         sent: dict[str, str] | None = None,
                         sent_for: str | None = None) -> Response:
    ctx = page.ctx
    found = ratings.rectifications(ctx)
    rated = {r.id: r for r in ctx.session.scalars(
        select(Rating).where(Rating.id.in_({r.rating_id for r in found})))} if found else {}
    return page.render("rectifications.html", status, items=found,
                       numbers=cases.numbers(ctx, {r.application_id for r in found}),
                       names=ratings.STATUS_NAMES, step_names=ratings.STEP_NAMES,
                       offered={r.id: ratings.rectification_steps(ctx, r) for r in found},
                       awaiting={r.id for r in found if ratings.awaits_decision(ctx, r)},
                       offices={r.id: office_or_window_name(ctx.catalog, r.region_code,
                                                            r.department_code) for r in found},
                       error=error, ratings=rated, LEVELS=ratings.LEVELS,
                       sent=sent or {}, sent_for=sent_for)


@router.post("/rectifications/{rectification_id:id}/steps")
def rectification_step(rectification_id: int, page: FormPageDep) -> Response:
    ctx = page.ctx
    justified = {"yes": True, "no": False}.get(page.text("justified") or "")
    try:
        with ctx.work():
            ratings.advance(ctx, rectification_id, page.text("action") or "",
                            page.text("text") or "", justified)
    except DomainError as exc:
        return _rectifications_page(page, said(exc), exc.status, page.sent(),
                                    f"rect-{rectification_id}")
    return see_other("/rectifications")


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(page: DashboardPage, region: str | None = None, department: str | None = None,
              bundle: str | None = None, month: str | None = None) -> Response:
    ctx = page.ctx
    q = supervision.stats_query(ctx, region or None, department or None, None, bundle or None,
                                None, None, month or ctx.today.strftime("%Y-%m"))
    figures = _figures(ctx.session, ctx.catalog, q)
    params: dict[str, Any] = {"region": q.region or "", "department": department or "",
                              "bundle": bundle or "", "month": q.start.strftime("%Y-%m")}
    cards = {"region": q.region or "", "bundle": bundle or "", "from": q.start.isoformat(),
             "to": q.end.isoformat()}
    return page.render("dashboard.html", s=figures, params=params, catalog=ctx.catalog,
                       trend=charts.trend(figures), ranked=charts.departments(figures),
                       csv_query="&".join(f"{k}={v}" for k, v in params.items() if v),
                       cards_query=urlencode({k: v for k, v in cards.items() if v}))


@router.get("/cards", response_class=HTMLResponse)
def card_list(page: CardsPage) -> Response:
    """红黄牌: every card in the caller's scope, filtered as the API filters them."""
    ctx, catalog = page.ctx, page.ctx.catalog
    params = {k: str(page.request.query_params.get(k) or "").strip()
              for k in ("region", "department", "kind", "check", "from", "to", "open", "bundle",
                        "page")}
    number_of_page = max(1, number(params["page"]) or 1)
    error, status, found = None, 200, None
    try:
        wanted = CardFilter(params["region"] or None, params["department"] or None,
                            params["kind"] or None, params["check"] or None,
                            _day(params["from"], "from"), _day(params["to"], "to"),
                            params["open"] == "1", params["bundle"] or None)
        found = find_cards(ctx, wanted, CARDS_PAGE, (number_of_page - 1) * CARDS_PAGE)
    except DomainError as exc:
        error, status = said(exc), exc.status
    query = {k: v for k, v in params.items() if v and k != "page"}
    return page.render("cards.html", status, error=error, params=params,
                       catalog=catalog, page=number_of_page, query=urlencode(query),
                       cards=[CardOut.of(catalog, c) for c in found.entries] if found else [],
                       total=found.total if found else 0,
                       more=bool(found and found.next_offset is not None),
                       kinds=CARD_NAMES, checks={c: CHECKS[c].name for c in CHECKS_WATCHED},
                       regions=supervision.regions_in_scope(ctx))


def _day(text: str, name: str) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise Invalid("日期应为 YYYY-MM-DD", problems=[
            FieldProblem(name, f"“{text[:20]}”不是日期")]) from exc


@router.get("/dashboard.csv")
def dashboard_csv(page: PageDep, region: str | None = None, department: str | None = None,
                  bundle: str | None = None, month: str | None = None) -> Response:
    ctx = page.ctx
    q = supervision.stats_query(ctx, region or None, department or None, None, bundle or None,
                                None, None, month or ctx.today.strftime("%Y-%m"))
    return Response(supervision.to_csv(_figures(ctx.session, ctx.catalog, q)),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="onething-stats.csv"'})


def _figures(session: Session, catalog: Catalog, q: StatsQuery) -> Statistics:
    """Supervision's statistics with ratings' figures beside them (neither reads the other)."""
    return statistics(session, catalog, q, rating_figures(session, catalog, q))


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
