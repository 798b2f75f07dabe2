"""Pages for 告知承诺 follow-up checks (核查): the deciding office's open checks, decided
here or on the application's page; its 核查比例 and 核查抽取 (the draws and their records).
The same services as the API."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from onething.cases import service as cases
from onething.cases.routing import office_name
from onething.commitments import draws
from onething.commitments import service as commitments
from onething.commitments.models import OPEN
from onething.commitments.sampling import as_ratio, in_words
from onething.kernel.errors import DomainError
from onething.web import paths  # noqa: F401  (the {…:id} path parameter, for the routes below)
from onething.web.cases import application_page
from onething.web.deps import FormPageDep, Page, number, page_for, see_other
from onething.web.session import safe_next
from onething.web.words import said

router = APIRouter(include_in_schema=False)
ChecksPage = Annotated[Page, Depends(page_for(commitments.sees_checks))]


def _checks_page(page: Page, status: str, error: str | None = None, code: int = 200,
                 sent: dict[str, str] | None = None,
                 sent_for: str | None = None) -> HTMLResponse:
    ctx = page.ctx
    chosen = status if status in commitments.STATUS_NAMES or status == "all" else OPEN
    found = commitments.checks(ctx, commitments.CheckQuery(
        status=None if chosen == "all" else chosen))
    return page.render("checks.html", code, checks=found, chosen=chosen,
                       ratios=draws.ratios(ctx), draws=draws.draws(ctx, limit=5),
                       may_set=draws.may_set(ctx.actor), in_words=in_words,
                       as_ratio=as_ratio, office_name=office_name,
                       names=commitments.STATUS_NAMES, today=ctx.today, catalog=ctx.catalog,
                       error=error, sent=sent or {}, sent_for=sent_for,
                       late_ids={c.id for c in found if commitments.overdue(c, ctx.today)},
                       decidable={c.id for c in found if commitments.decidable(ctx.actor, c)},
                       one_office=commitments.one_office(ctx.actor),
                       offices={c.id: office_name(ctx.catalog, c.region_code, c.department_code)
                                for c in found},
                       numbers=cases.numbers(ctx, {c.application_id for c in found}))


@router.get("/checks", response_class=HTMLResponse)
def checks(page: ChecksPage, status: str = OPEN) -> Response:
    return _checks_page(page, status)


@router.post("/checks/{check_id:id}/outcome")
def outcome(check_id: int, page: FormPageDep) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            commitments.decide(ctx, check_id, page.text("outcome") or "",
                               page.text("note") or "",
                               credit_years=page.request.app.state.settings.bad_credit_years)
    except DomainError as exc:
        if not commitments.sees_checks(page.me):
            raise  # they have no list of checks to go back to: the error page says why
        back = safe_next(page.form.get("back")) or ""
        if back.startswith("/applications/") and (app_id := number(back.split("/")[2])):
            return application_page(page, app_id, said(exc), exc.status, sent=page.sent(),
                                    sent_for=f"check-{check_id}")
        return _checks_page(page, OPEN, said(exc), exc.status, sent=page.sent(),
                            sent_for=f"check-{check_id}")
    return see_other(safe_next(page.form.get("back")) or "/checks")


@router.post("/checks/ratio")
def ratio(page: FormPageDep) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            draws.set_ratio(ctx, page.text("ratio"), department=page.text("department"),
                            region=page.text("region"))
    except DomainError as exc:
        if not commitments.sees_checks(page.me):
            raise
        return _checks_page(page, OPEN, said(exc), exc.status, sent=page.sent(),
                            sent_for="ratio")
    return see_other("/checks")


@router.post("/checks/draws")
def make_draw(page: FormPageDep) -> Response:
    ctx = page.ctx
    try:
        with ctx.work():
            made = draws.draw(ctx, department=page.text("department"),
                              region=page.text("region"))
    except DomainError as exc:
        if not commitments.sees_checks(page.me):
            raise
        return _checks_page(page, "pooled", said(exc), exc.status, sent=page.sent(),
                            sent_for="draw")
    return see_other(f"/checks/draws/{made.id}")


@router.get("/checks/draws/{draw_id:id}", response_class=HTMLResponse)
def one_draw(draw_id: int, page: ChecksPage) -> Response:
    ctx = page.ctx
    found = draws.one_draw(ctx, draw_id)
    drawn = draws.drawn_checks(ctx, found)
    return page.render("check_draw.html", draw=found, checks=drawn,
                       result=found.record["draws"][0]["result"],
                       record=json.dumps(found.record, ensure_ascii=False, indent=2),
                       office=office_name(ctx.catalog, found.region_code, found.department_code),
                       ratio=in_words(found.parts), names=commitments.STATUS_NAMES,
                       numbers=cases.numbers(ctx, {c.application_id for c in drawn}))
