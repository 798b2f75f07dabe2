"""Pages for 好差评: the applicant rates the window or a deciding department in their
account; the window prints a receipt with a one-time code (扫码评价), and the applicant
rates on their own phone through it, without signing in."""

from __future__ import annotations

import secrets

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from onething.cases.models import Application
from onething.cases.routing import window_name
from onething.catalog.linked import Catalog
from onething.http.deps import CatalogDep, SessionDep, code_url, guesser, public_base
from onething.kernel.db import UnitOfWork
from onething.kernel.errors import DomainError, Forbidden, TooManyRequests
from onething.ratings import codes, guesses
from onething.ratings import service as ratings
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.cases import act, rating_form_context
from onething.web.deps import FormDep, FormPageDep, number, see_other
from onething.web.render import render, render_public
from onething.web.session import new_login_csrf, set_cookie, signed_in
from onething.web.words import said

router = APIRouter(include_in_schema=False)
RATE_CSRF = "onething_rate_csrf"


def rating_input(form: FormData) -> ratings.RatingInput:
    """What a rating form sent: the target, the level, the indicators, the comment."""
    indicators = {k[10:]: value for k, v in form.items()
                  if k.startswith("indicator.") and (value := number(v)) is not None}
    return ratings.RatingInput(number(form.get("level")) or 0, indicators,
                               str(form.get("comment") or "") or None,
                               str(form.get("department") or "") or None,
                               str(form.get("target") or "") or None)


@router.post("/applications/{application_id:id}/rating")
def rate(application_id: int, page: FormPageDep) -> Response:
    settings = page.request.app.state.settings
    given = rating_input(page.form)
    return act(page, application_id, lambda ctx: ratings.rate(
        ctx, application_id, given, rectification_days=settings.rectification_days),
        which="rating-s")


@router.post("/applications/{application_id:id}/rating-code", response_class=HTMLResponse)
def receipt(application_id: int, page: FormPageDep) -> Response:
    """The window prints a receipt with a new one-time code (shown this once)."""
    request, catalog = page.request, page.ctx.catalog
    days = request.app.state.settings.rating_code_days

    def shown(issued: codes.Issued) -> HTMLResponse:
        url = code_url(request, issued.code)
        qr = segno.make(url, error="m").svg_inline(scale=4, title="扫码评价")
        return page.render("receipt.html", app=issued.application, catalog=catalog,
                           code=codes.shown(issued.code), url=url, qr=Markup(qr),
                           short=public_base(request).split("//", 1)[-1] + "/r",
                           expires=issued.expires_at,
                           window=window_name(catalog, issued.application.region_code))

    return act(page, application_id, lambda ctx: codes.issue(ctx, application_id, days), shown)


# --- 扫码评价: no sign-in; the code is the applicant's proof ---------------------------


@router.get("/r", response_class=HTMLResponse)
def enter_code(request: Request, code: str = "") -> Response:
    typed = codes.normalized(code)
    if typed:
        return see_other(f"/r/{typed}")
    return render_public(request, "rate_code.html", step="enter", error=None, typed="")


def _code_page(request: Request, session: Session, catalog: Catalog, code: str,
               error: str | None = None, status: int = 200,
               sent: dict[str, str] | None = None) -> HTMLResponse:
    """What the code's case offers to rate now, one form each; when nothing can be rated
    yet, why (before any form); what was rated already."""
    now = request.app.state.clock()
    try:
        with guesses.counted(session, request.app.state.writer_sessions, guesser(request)):
            opened = codes.open_code(session, catalog, now, code)
    except DomainError as exc:
        return _refused(request, exc, code)
    app = opened.application
    token = new_login_csrf()  # no session here: the form's token is checked against a cookie
    user, _ = signed_in(request)
    page = render(request, "rate_code.html", status=status, step="rate", error=error,
                  me=user.principal if user else None,
                  app=app, bundle=_bundle_name(catalog, app), expires=opened.row.expires_at,
                  targets=opened.ratable, waiting=opened.waiting, rated=opened.rated,
                  not_yet=opened.not_yet, sent=sent or {}, csrf=token,
                  action=f"/r/{codes.normalized(code)}", **rating_form_context())
    set_cookie(page, request, RATE_CSRF, token, 3600, samesite="strict")
    return page


def _refused(request: Request, exc: DomainError, code: str) -> HTMLResponse:
    """The code cannot be used (or the address typed too many wrong ones): type it again;
    a code used up (every service rated) is thanked for, not refused."""
    step = "used" if exc.code == "rating_code_used" else "enter"
    page = render_public(request, "rate_code.html", status=exc.status, step=step,
                         error=None if step == "used" else exc.detail, said=exc.detail,
                         typed=codes.shown(codes.normalized(code)))
    if isinstance(exc, TooManyRequests):
        page.headers["Retry-After"] = str(exc.retry_after)
    return page


def _bundle_name(catalog: Catalog, app: Application) -> str:
    bundle = catalog.bundles.get(app.bundle_code)
    return bundle.name if bundle else "一件事"


@router.get("/r/{code}", response_class=HTMLResponse)
def code_page(request: Request, code: str, session: SessionDep,
              catalog: CatalogDep) -> Response:
    return _code_page(request, session, catalog, code)


@router.post("/r/{code}", response_class=HTMLResponse)
def rate_with_code(request: Request, code: str, session: SessionDep, catalog: CatalogDep,
                   form: FormDep) -> Response:
    settings = request.app.state.settings
    sent, expected = str(form.get("csrf_token") or ""), request.cookies.get(RATE_CSRF, "")
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden("页面已过期，请重新打开评价页面", code="csrf_failed")
    now = request.app.state.clock()
    try:
        with UnitOfWork(session):  # the answer is rendered before the commit
            with guesses.counted(session, request.app.state.writer_sessions, guesser(request)):
                rating = codes.rate_with_code(session, catalog, now, code, rating_input(form),
                                              rectification_days=settings.rectification_days)
            app = session.get_one(Application, rating.application_id)
            left = ratings.services(codes.applicant_ctx(session, catalog, now, app), app)
            answer = render_public(request, "rate_code.html", step="done", error=None,
                                   level=ratings.LEVELS[rating.level],
                                   bad=rating.level in ratings.BAD,
                                   more=[t for t in left if t.state == ratings.RATABLE],
                                   waiting=[t for t in left if t.state == ratings.WAITING],
                                   again=f"/r/{codes.normalized(code)}")
    except DomainError as exc:
        if isinstance(exc, TooManyRequests) or exc.code in (guesses.NOT_FOUND,
                                                            "rating_code_used"):
            return _refused(request, exc, code)  # counted once: not looked up again
        return _code_page(request, session, catalog, code, said(exc), exc.status,
                          {k: str(v) for k, v in form.items()})  # what they chose stays
    return answer
