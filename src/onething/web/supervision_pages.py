"""Pages for ratings and supervision: rate, rectify, the dashboard, the public figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from onething.deps import CatalogDep, SessionDep
from onething.errors import DomainError
from onething.identity.roles import Role
from onething.ratings import service as ratings
from onething.supervision import charts
from onething.supervision.api import stats_query, to_csv
from onething.supervision.public import public_ratings
from onething.supervision.stats import statistics
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.case_pages import FormDep, _act, _page, _see_other, number
from onething.web.pages import render_public
from onething.web.session import HOME, check_csrf, page_ctx, require_user

router = APIRouter(include_in_schema=False)


@router.post("/applications/{application_id:id}/rating")
def rate(request: Request, application_id: int, session: SessionDep, catalog: CatalogDep,
         form: FormDep) -> Response:
    settings = request.app.state.settings
    indicators = {k[10:]: value for k, v in form.items()
                  if k.startswith("indicator.") and (value := number(v)) is not None}
    given = ratings.RatingInput(number(form.get("level")) or 0, indicators,
                                str(form.get("comment") or "") or None)
    return _act(request, session, catalog, form, application_id, lambda ctx: ratings.rate(
        ctx, application_id, given, rectification_days=settings.rectification_days,
        after_acceptance=settings.rating_after_acceptance))


@router.get("/rectifications", response_class=HTMLResponse)
def rectification_list(request: Request, session: SessionDep,
                       catalog: CatalogDep) -> Response:
    user = require_user(request, session)
    if user.principal.role not in (Role.approver, Role.supervisor, Role.admin):
        return _see_other(HOME[user.principal.role])
    ctx = page_ctx(request, session, catalog, user)
    return _page(request, "rectifications.html", user, items=ratings.rectifications(ctx),
                 names=ratings.STATUS_NAMES, steps=ratings.STEPS, step_names=ratings.STEP_NAMES,
                 catalog=catalog, error=None)


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
        return _page(request, "rectifications.html", user, status=exc.status,
                     items=ratings.rectifications(ctx), names=ratings.STATUS_NAMES,
                     steps=ratings.STEPS, step_names=ratings.STEP_NAMES, catalog=catalog,
                     error=exc.detail)
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
    return _page(request, "dashboard.html", user, s=figures, params=params, catalog=catalog,
                 trend=charts.trend(figures), ranked=charts.departments(figures),
                 csv_query="&".join(f"{k}={v}" for k, v in params.items() if v))


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
