"""Pages of the intermediary market (中介服务超市): the public lists of intermediaries and
projects with their results and draw records (no sign-in); 入驻 for a company's legal
representative; the administrators' checks of 入驻 and complaints; a buyer's project form;
on a project's page, a form for each move the signed-in person may take. The same services
as the API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from onething.catalog import browse
from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog
from onething.http.deps import CatalogDep, SessionDep, request_ctx
from onething.intermediaries import reading, rules
from onething.intermediaries import service as market
from onething.intermediaries.models import AgencyProject
from onething.kernel.config import get_settings
from onething.kernel.errors import DomainError, NotFound
from onething.kernel.privacy import Personal, mask
from onething.profiles import service as profiles
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.deps import FormPage, FormPageDep, Page, page_for, see_other
from onething.web.render import render, render_public
from onething.web.session import current_user
from onething.web.words import problems_by_field, said

router = APIRouter(include_in_schema=False)
JoinPage = Annotated[Page, Depends(page_for(rules.joins))]
BuyPage = Annotated[Page, Depends(page_for(rules.buys))]
ReviewPage = Annotated[Page, Depends(page_for(rules.reviews))]
PROJECT_FIELDS = ("title", "description", "service", "region", "budget", "funding", "method",
                  "deadline", "material")
NAMES: dict[str, Any] = {"services": rules.AGENCY_SERVICE_NAMES, "methods": rules.METHOD_NAMES,
         "fundings": rules.FUNDING_NAMES, "project_statuses": rules.PROJECT_STATUS_NAMES,
         "agency_statuses": rules.AGENCY_STATUS_NAMES}


def _region(catalog: Catalog, code: str) -> str:
    region = catalog.regions.get(code)
    return region.name if region else code


# --- public ------------------------------------------------------------------------------


@router.get("/market", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, catalog: CatalogDep,
         service: str = "", material: str = "") -> HTMLResponse:
    """Anyone: the intermediaries (best credit first) and the projects with their results,
    optionally of one service type (the guide links a material's report here)."""
    chosen = service if service in rules.AgencyService.__members__ else None
    agencies = [{"a": a, "phone": mask(a.contact_phone, Personal.phone),
                 "regions": "、".join(_region(catalog, c) for c in a.service_regions)}
                for a in reading.agencies(session, chosen)]
    projects = [{"p": p, "selected": reading.selected(session, p),
                 "region": _region(catalog, p.region_code)}
                for p in reading.projects(session, chosen)]
    return render_public(request, "market.html", agencies=agencies, projects=projects,
                         chosen=chosen or "", base=rules.CREDIT_BASE,
                         material=material if material in catalog.materials else "",
                         per_star=rules.CREDIT_PER_STAR,
                         per_complaint=rules.CREDIT_PER_COMPLAINT, **NAMES)


def _viewer(request: Request, session: Any, catalog: Catalog) -> tuple[Ctx | None, Any]:
    user = current_user(request, session)
    if user is None:
        return None, None
    return request_ctx(request, session, catalog, user.principal), user


@router.get("/market/projects/{project_id:id}", response_class=HTMLResponse)
def project(project_id: int, request: Request, session: SessionDep,
            catalog: CatalogDep) -> HTMLResponse:
    ctx, user = _viewer(request, session, catalog)
    found = reading.get_project(session, project_id)
    if ctx is None:
        return render_public(request, "market_project.html",
                             **_project_context(session, catalog, None, found))
    return render(request, "market_project.html", me=user.principal, csrf=user.csrf,
                  **_project_context(session, catalog, ctx, found))


def _project_context(session: Any, catalog: Catalog, ctx: Ctx | None, p: AgencyProject,
                     error: str | None = None, errors: dict[str, str] | None = None
                     ) -> dict[str, Any]:
    material = catalog.materials.get(p.material_code or "")
    actions = market.actions(ctx, p) if ctx else []
    scoring = (reading.bids(session, p, sealed=False)
               if "select" in actions and p.method == rules.Method.merit else [])
    return {"p": p, "region": _region(catalog, p.region_code),
            "selected": reading.selected(session, p), "bids": reading.bids(session, p),
            "bid_count": reading.bid_count(session, p), "draw": reading.published_draw(p),
            "material": material.name if material else None,
            "actions": actions, "scoring": scoring,
            "mine": market.my_agencies(ctx) if ctx else [],
            "error": error, "errors": errors or {},
            "minimum": get_settings().agency_min_public, **NAMES}


MOVES: dict[str, Callable[[FormPage, int], object]] = {
    "bid": lambda page, pid: market.bid(page.ctx, pid, page.text("agency") or "",
                                        page.text("price") or "", page.text("proposal") or ""),
    "close": lambda page, pid: market.close(page.ctx, pid),
    "select": lambda page, pid: market.select_agency(
        page.ctx, pid, page.text("agency"), _scores(page)),
    "contract": lambda page, pid: market.sign_contract(
        page.ctx, pid, page.text("number") or "", page.text("price") or ""),
    "deliver": lambda page, pid: market.deliver(page.ctx, pid, page.text("note") or ""),
    "rate": lambda page, pid: market.rate(page.ctx, pid, _int(page.text("score")),
                                          page.text("comment") or ""),
    "complain": lambda page, pid: market.complain(page.ctx, pid, page.text("reason") or ""),
}


def _int(text: str | None) -> int:
    try:
        return int(text or "")
    except ValueError:
        return -1


def _scores(page: FormPage) -> dict[str, int]:
    return {str(key)[6:]: _int(str(value)) for key, value in page.form.items()
            if str(key).startswith("score.")}


@router.post("/market/projects/{project_id:id}/{move}")
def step(project_id: int, move: str, page: FormPageDep) -> Response:
    taken = MOVES.get(move)
    if taken is None:
        raise NotFound("没有这个操作", code="not_found")
    try:
        with page.ctx.work():
            taken(page, project_id)
    except DomainError as exc:
        found = reading.get_project(page.ctx.session, project_id)
        return page.render("market_project.html", exc.status, **_project_context(
            page.ctx.session, page.ctx.catalog, page.ctx, found, said(exc),
            problems_by_field(exc)))
    return see_other(f"/market/projects/{project_id}")


# --- 入驻 --------------------------------------------------------------------------------


def _join_page(page: Page, code: int = 200, error: str | None = None,
               errors: dict[str, str] | None = None, sent: dict[str, Any] | None = None
               ) -> HTMLResponse:
    ctx = page.ctx
    represented = profiles.represented(ctx)
    mine = reading.agencies_of(ctx.session, [c.uscc for c in represented])
    taken = {a.uscc for a in mine if a.status != rules.AgencyStatus.rejected}
    companies = [c for c in represented if c.uscc not in taken]  # those that may apply
    return page.render("market_join.html", code, companies=companies, mine=mine,
                       represents=bool(represented),
                       regions=browse.region_choices(ctx.catalog, ("province", "city",
                                                                   "county")),
                       error=error, errors=errors or {}, sent=sent or {},
                       days=get_settings().agency_review_days, **NAMES)


@router.get("/market/join", response_class=HTMLResponse)
def join_form(page: JoinPage) -> HTMLResponse:
    return _join_page(page)


@router.post("/market/join")
def join(page: FormPageDep) -> Response:
    given = market.JoinInput(
        uscc=page.text("uscc") or "", services=[str(s) for s in page.form.getlist("services")],
        regions=[str(r) for r in page.form.getlist("regions")],
        qualifications=page.text("qualifications") or "", phone=page.text("phone") or "")
    try:
        with page.ctx.work():
            market.join(page.ctx, given)
    except DomainError as exc:
        if not rules.joins(page.me):
            raise
        return _join_page(page, exc.status, said(exc), problems_by_field(exc),
                          page.sent("services", "regions"))
    return see_other("/market/join")


# --- a buyer's project ---------------------------------------------------------------------


def _new_page(page: Page, code: int = 200, error: str | None = None,
              errors: dict[str, str] | None = None, sent: dict[str, str] | None = None
              ) -> HTMLResponse:
    ctx = page.ctx
    reports = sorted((m for m in ctx.catalog.materials.values() if m.intermediary_service),
                     key=lambda m: m.code)
    return page.render("market_new.html", code, error=error, errors=errors or {},
                       sent=sent or {}, department=page.me.department is not None,
                       regions=browse.region_choices(ctx.catalog, ("county", "township")),
                       reports=reports, minimum=get_settings().agency_min_public, **NAMES)


@router.get("/market/new", response_class=HTMLResponse)
def new_form(page: BuyPage, service: str = "", material: str = "") -> HTMLResponse:
    return _new_page(page, sent={"service": service[:32], "material": material[:64]})


@router.post("/market/new")
def new(page: FormPageDep) -> Response:
    given = {name: page.text(name) or "" for name in PROJECT_FIELDS}
    try:
        with page.ctx.work():
            made = market.post(page.ctx, market.ProjectInput(**given))
    except DomainError as exc:
        if not rules.buys(page.me):
            raise
        return _new_page(page, exc.status, said(exc), problems_by_field(exc), page.sent())
    return see_other(f"/market/projects/{made.id}")


# --- administrators ------------------------------------------------------------------------


def _reviews_page(page: Page, code: int = 200, error: str | None = None) -> HTMLResponse:
    ctx = page.ctx
    pending = reading.agencies(ctx.session, status=rules.AgencyStatus.pending)
    complaints = [{"c": c, "p": reading.get_project(ctx.session, c.project_id),
                   "agency": reading.agency_by_id(ctx.session, c.intermediary_id)}
                  for c in reading.complaints(ctx.session)]
    return page.render("market_reviews.html", code, pending=pending, complaints=complaints,
                       today=ctx.today, error=error,
                       regions={a.id: "、".join(_region(ctx.catalog, c)
                                               for c in a.service_regions) for a in pending},
                       **NAMES)


@router.get("/market/reviews", response_class=HTMLResponse)
def reviews(page: ReviewPage) -> HTMLResponse:
    return _reviews_page(page)


@router.post("/market/reviews/{agency_id:id}")
def review(agency_id: int, page: FormPageDep) -> Response:
    return _admin_step(page, lambda: market.review(
        page.ctx, agency_id, page.text("decision") == "approve", page.text("note") or ""))


@router.post("/market/complaints/{complaint_id:id}")
def decide(complaint_id: int, page: FormPageDep) -> Response:
    return _admin_step(page, lambda: market.decide_complaint(
        page.ctx, complaint_id, page.text("decision") == "upheld", page.text("answer") or ""))


def _admin_step(page: FormPage, taken: Callable[[], object]) -> Response:
    try:
        with page.ctx.work():
            taken()
    except DomainError as exc:
        if not rules.reviews(page.me):
            raise
        return _reviews_page(page, exc.status, said(exc))
    return see_other("/market/reviews")
