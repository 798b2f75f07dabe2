"""Pages of 一人一档、一企一档: 我的档案 (the signed-in person's own file), 企业档案 (the
companies a person represents, or those in a staff member's region, searched) and one
company's file. The same services as the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from onething.cases.states import APP_STATUS_NAMES
from onething.catalog.context import Ctx
from onething.kernel.errors import DomainError
from onething.kernel.privacy import Personal, mask
from onething.licences import service as licences
from onething.licences.models import Licence
from onething.profiles import service as profiles
from onething.profiles.models import Company
from onething.profiles.schemas import region_name
from onething.ratings.service import LEVELS
from onething.web.deps import FormPageDep, Page, number, page_for
from onething.web.words import said

router = APIRouter(include_in_schema=False)
ProfilePage = Annotated[Page, Depends(page_for(profiles.sees_profile))]
CompaniesPage = Annotated[Page, Depends(page_for(profiles.sees_companies))]
PeoplePage = Annotated[Page, Depends(page_for(profiles.opens_person_files))]
PAGE_SIZE = 20


def _licences(ctx: Ctx, found: list[Licence]) -> dict[str, Any]:
    return {"licences": found,
            "holders": {lic.number: licences.holder_line(lic) for lic in found},
            "data": {lic.number: licences.shown_data(lic, ctx.catalog) for lic in found}}


def _common(ctx: Ctx) -> dict[str, Any]:
    return {"status_names": APP_STATUS_NAMES, "bundles": ctx.catalog.bundles,
            "region_name": lambda code: region_name(ctx, code), "levels": LEVELS}


def _person(found: profiles.PersonFile) -> dict[str, Any]:
    """The person's ID number and phone: in full on their own file, masked when staff open it."""
    number, phone = found.user.id_number, found.user.phone
    if found.masked:
        number, phone = mask(number, Personal.id_number), mask(phone, Personal.phone)
    return {"person_id": number, "person_phone": phone}


@router.get("/profile", response_class=HTMLResponse)
def my_profile(page: ProfilePage, company: str = "") -> Response:
    ctx = page.ctx
    found = profiles.person_file(ctx, company or None)
    return page.render("profile.html", f=found, **_person(found),
                       **_licences(ctx, found.licences),
                       labels={code: ctx.catalog.fields[code].label
                               for code in found.form_defaults},
                       **_common(ctx))


@router.get("/people", response_class=HTMLResponse)
def people(page: PeoplePage) -> Response:
    return page.render("person_lookup.html", sent={}, error=None, errors={})


@router.post("/people", response_class=HTMLResponse)
def open_person(page: FormPageDep) -> Response:
    """A person's file opened by staff: with a reason, in scope, audited, masked."""
    ctx = page.ctx
    username, reason = page.text("username") or "", page.text("reason") or ""
    try:
        with ctx.work():  # the view is recorded (audit) with the page that shows it
            found = profiles.opened_by_staff(ctx, username[:64], reason[:500])
            shown = page.render("profile.html", f=found, staff_view=True, reason=reason,
                                **_person(found), **_licences(ctx, found.licences),
                                labels={}, **_common(ctx))
    except DomainError as exc:
        if not profiles.opens_person_files(page.me):
            raise
        return page.render("person_lookup.html", exc.status, sent=page.sent(),
                           error=said(exc), errors={p.field: p.message for p in exc.problems})
    return shown


@router.get("/companies", response_class=HTMLResponse)
def companies(page: CompaniesPage, q: str = "", offset: str = "") -> Response:
    ctx = page.ctx
    start = number(offset) or 0
    found = profiles.list_companies(ctx, q[:100] or None, PAGE_SIZE, start)
    return page.render("companies.html", found=found, q=q[:100], staff=page.me.is_staff,
                       reps={c.uscc: _rep_number(ctx, c) for c in found.entries},
                       **_common(ctx))


def _rep_number(ctx: Ctx, company: Company) -> str | None:
    """The legal representative's ID number: in full to them, masked to staff."""
    value = company.legal_rep_id_number
    if value and not profiles.represents(ctx, company):
        return str(mask(value, Personal.id_number))
    return value


@router.get("/companies/{uscc}", response_class=HTMLResponse)
def company(uscc: str, page: CompaniesPage) -> Response:
    ctx = page.ctx
    found = profiles.company_file(ctx, profiles.visible_company(ctx, uscc[:40]))
    return page.render("company.html", f=found, rep=_rep_number(ctx, found.company),
                       numbers={a.id: a.number for a in found.applications},
                       **_licences(ctx, found.licences), **_common(ctx))
