"""The page of 信用: the holder's own credit (may they use 容缺, 告知承诺, 秒批 now, and every
record), and for the staff who decide a look-up by 居民身份证号 or 统一社会信用代码 (POST,
audited). The same services as the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from onething.credit import reading
from onething.kernel.errors import DomainError
from onething.web.deps import FormPageDep, Page, page_for
from onething.web.words import said

router = APIRouter(include_in_schema=False)
CreditPage = Annotated[Page, Depends(page_for(reading.sees_credit))]
NAMES: dict[str, Any] = {"source_name": reading.source_name, "kind_name": reading.kind_name}


@router.get("/credit", response_class=HTMLResponse)
def credit(page: CreditPage) -> Response:
    if reading.sees_own(page.me):
        return page.render("credit.html", shown=reading.own(page.ctx), own=True, **NAMES)
    return page.render("credit.html", shown=None, own=False, sent={}, error=None, errors={},
                       **NAMES)


@router.post("/credit", response_class=HTMLResponse)
def look_up(page: FormPageDep) -> Response:
    """A holder's credit looked up by staff who decide: audited, the ID number masked."""
    ctx = page.ctx
    try:
        with ctx.work():  # the look-up is recorded (audit) with the page that shows it
            shown = reading.lookup(ctx, (page.text("key") or "")[:40])
    except DomainError as exc:
        if not reading.looks_up(page.me):
            raise
        return page.render("credit.html", exc.status, shown=None, own=False, sent=page.sent(),
                           error=said(exc), errors={p.field: p.message for p in exc.problems},
                           **NAMES)
    return page.render("credit.html", shown=shown, own=False, sent=page.sent(), error=None,
                       errors={}, **NAMES)
