"""The page of 政策计算器: the policies a person (or a company they represent) can get now,
and for the others the condition not met. The same service as the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from onething.policies.calculator import (
    RECURRENCE_NAMES,
    TIER_NAMES,
    department_name,
    holder_for,
    may_calculate,
)
from onething.profiles import service as profiles
from onething.web.deps import Page, page_for

router = APIRouter(include_in_schema=False)
CalculatorPage = Annotated[Page, Depends(page_for(may_calculate))]


@router.get("/policies", response_class=HTMLResponse)
def calculator(page: CalculatorPage, company: str = "") -> Response:
    ctx = page.ctx
    holder = holder_for(ctx, company[:40] or None)
    found = holder.estimates(ctx)
    return page.render(
        "policy_calculator.html", holder=holder, company=company,
        companies=profiles.represented(ctx), tiers=TIER_NAMES, recurrences=RECURRENCE_NAMES,
        departments={e.policy.code: department_name(ctx.catalog, e.policy) for e in found},
        eligible=[e for e in found if e.eligible], unmet=[e for e in found if not e.eligible])
