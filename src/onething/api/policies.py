"""政策计算器 through HTTP: the signed-in person (or a company they represent) sees the
policies in force they can get now, how much, and for the others the condition not met."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from onething.catalog.spec import SourceHolder
from onething.http.deps import CtxDep
from onething.http.problems import ProblemOut
from onething.identity.models import User
from onething.kernel.clock import CHINA
from onething.kernel.errors import Forbidden
from onething.kernel.identifiers import id_number_problem, mask_id_number
from onething.policies.calculator import Estimate, estimates
from onething.profiles import service as profiles

router = APIRouter(prefix="/api/v1", tags=["policies"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    422: {"model": ProblemOut}})

TIER_NAMES = {"proactive": "免申即享", "quick": "快申快享", "on_request": "依申请"}
RECURRENCE_NAMES = {"once": "一次性", "monthly": "按月", "yearly": "按年"}


class EstimateOut(BaseModel):
    code: str
    name: str
    department: str
    tier: str = Field(description="proactive 免申即享 · quick 快申快享 · on_request 依申请")
    tier_name: str
    recurrence_name: str
    channel: str = Field(description="发放渠道")
    legal_basis: str
    eligible: bool = Field(description="按现有共享数据，本期是否符合")
    amount: str | None = Field(description="符合时本期金额（元）")
    unmet: str | None = Field(description="不符合时：未满足的条件")

    @classmethod
    def of(cls, e: Estimate, department: str) -> EstimateOut:
        spec = e.policy.spec
        return cls(code=spec.code, name=spec.name, department=department,
                   tier=spec.tier.value, tier_name=TIER_NAMES[spec.tier.value],
                   recurrence_name=RECURRENCE_NAMES[spec.recurrence.value],
                   channel=spec.channel, legal_basis=spec.legal_basis, eligible=e.eligible,
                   amount=str(e.amount) if e.amount is not None else None, unmet=e.unmet)


class CalculatorOut(BaseModel):
    holder: str | None = Field(description="比对对象：身份证号（部分隐藏）或统一社会信用代码")
    policies: list[EstimateOut]


@router.get("/policy-calculator", response_model=CalculatorOut,
            summary="政策计算器：按本人（或本人代表的企业）的共享数据，列出可享受的政策和金额，"
                    "以及不符合的政策未满足的条件")
def calculator(ctx: CtxDep, company: Annotated[str | None, Query(
        max_length=40, description="本人担任法定代表人的企业（统一社会信用代码）")] = None,
        ) -> CalculatorOut:
    if ctx.actor.is_staff:
        raise Forbidden("政策计算器供办事人使用；请以办事人身份登录", code="role_not_allowed")
    if company:
        key: str | None = profiles.visible_company(ctx, company).uscc
        kind, shown = SourceHolder.company, key
    else:
        own = ctx.session.get(User, ctx.actor.user_id)
        number = (own.id_number or "").upper() if own else ""
        key = number if number and id_number_problem(number) is None else None
        kind, shown = SourceHolder.person, mask_id_number(key) if key else None
    found = estimates(ctx.session, ctx.catalog, kind, key, ctx.now.astimezone(CHINA).date())
    names = ctx.catalog.departments
    return CalculatorOut(holder=shown, policies=[
        EstimateOut.of(e, names[e.policy.spec.department].name
                       if e.policy.spec.department in names else e.policy.spec.department)
        for e in found])
