"""政策计算器 through HTTP: the signed-in person (or a company they represent) sees the
policies in force they can get now, how much, and for the others the condition not met."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from onething.http.deps import CtxDep
from onething.http.problems import ProblemOut
from onething.policies.calculator import (
    RECURRENCE_NAMES,
    TIER_NAMES,
    Estimate,
    department_name,
    holder_for,
)

router = APIRouter(prefix="/api/v1", tags=["policies"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    422: {"model": ProblemOut}})



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
    holder = holder_for(ctx, company)
    return CalculatorOut(holder=holder.shown, policies=[
        EstimateOut.of(e, department_name(ctx.catalog, e.policy)) for e in holder.estimates(ctx)])
