"""What every page takes, as FastAPI dependencies (as `http.deps` gives the API's): who is
signed in (else to the login page), the acting context, the form it sent with its CSRF
token checked, and the page's answer (a template, or another page).

    @router.get("/checks")
    def checks(page: Annotated[Page, Depends(page_for(commitments.sees_checks))]) -> ...

    @router.post("/checks/{check_id:id}/outcome")
    def outcome(check_id: int, page: FormPageDep) -> Response:
        with page.ctx.work():  # committed when the step succeeds, rolled back if refused
            commitments.decide(page.ctx, ...)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from onething.catalog.context import Ctx
from onething.catalog.linked import Catalog
from onething.http.deps import CatalogDep, SessionDep, request_ctx
from onething.kernel.principal import Principal
from onething.web.render import render
from onething.web.session import NotForRole, WebUser, check_csrf, require_user


async def read_form(request: Request) -> FormData:
    return await request.form(max_files=40, max_fields=400)


FormDep = Annotated[FormData, Depends(read_form)]


@dataclass(frozen=True)
class Page:
    """A page for a signed-in user: the request, who it is, and the acting context."""

    request: Request
    user: WebUser
    ctx: Ctx

    @property
    def me(self) -> Principal:
        return self.user.principal

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """The template, with who is signed in and the token their forms send back."""
        return render(self.request, template, status, me=self.me, csrf=self.user.csrf,
                      **context)


@dataclass(frozen=True)
class FormPage(Page):
    """A form sent by a signed-in user, its CSRF token checked."""

    form: FormData

    def text(self, name: str) -> str | None:
        """A field's text, or None when it was left empty."""
        return str(self.form.get(name) or "") or None

    def sent(self, *lists: str) -> dict[str, Any]:
        """What the form sent, to show again; the fields named in `lists` (checkboxes, a
        multiple select) with every value ticked."""
        return {**sent_values(self.form),
                **{name: [str(v) for v in self.form.getlist(name)] for name in lists}}


def _page(request: Request, session: Session, catalog: Catalog) -> Page:
    user = require_user(request, session)
    return Page(request, user, request_ctx(request, session, catalog, user.principal))


def signed_in_page(request: Request, session: SessionDep, catalog: CatalogDep) -> Page:
    return _page(request, session, catalog)


def form_page(request: Request, session: SessionDep, catalog: CatalogDep,
              form: FormDep) -> FormPage:
    """The form is read first, as a page's own parameters are; then who sent it, and
    whether this page of theirs sent it (CSRF)."""
    page = _page(request, session, catalog)
    check_csrf(form, page.user)
    return FormPage(page.request, page.user, page.ctx, form)


PageDep = Annotated[Page, Depends(signed_in_page)]
FormPageDep = Annotated[FormPage, Depends(form_page)]


def page_for(allowed: Callable[[Principal], bool]) -> Callable[..., Page]:
    """The dependency of a page for those its domain allows (`allowed(principal)`, such as
    `commitments.sees_checks`); anyone else signed in is sent to their own home page."""

    def allowed_page(page: PageDep) -> Page:
        if not allowed(page.me):
            raise NotForRole(page.me.role)
        return page

    return allowed_page


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def number(value: Any) -> int | None:
    """A form's whole number, or None: `isdigit` alone accepts "²", which `int` refuses."""
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def sent_values(form: FormData) -> dict[str, str]:
    """What a form sent, to show it again after a refusal (no token, no files)."""
    return {key: str(value) for key, value in form.multi_items()
            if key != "csrf_token" and not isinstance(value, UploadFile)}
