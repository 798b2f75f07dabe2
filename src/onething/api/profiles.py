"""一人一档、一企一档 through HTTP: the signed-in person's file, and company files (for their
legal representative, and for staff in scope)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from onething.http.deps import CtxDep, PagingDep
from onething.http.problems import ProblemOut
from onething.http.schemas import PageOut
from onething.kernel.errors import Forbidden
from onething.profiles import service as profiles
from onething.profiles.schemas import CompanyFileOut, CompanyOut, ProfileOut

router = APIRouter(prefix="/api/v1", tags=["profiles"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    422: {"model": ProblemOut}})

Uscc = Annotated[str, Path(max_length=40, description="统一社会信用代码（18 位）")]


@router.get("/profile", response_model=ProfileOut,
            summary="我的档案（一人一档）：本人信息、证照、办件、代办授权、所代表的企业，"
                    "以及申请表可自动带出的信息")
def my_profile(ctx: CtxDep, company: Annotated[str | None, Query(
        max_length=40, description="代表多家企业时：申请表带出哪家企业的信息（统一社会信用代码）"
        )] = None) -> ProfileOut:
    if not profiles.sees_profile(ctx.actor):
        raise Forbidden("工作人员没有个人档案；请以办事人身份登录", code="role_not_allowed")
    return ProfileOut.of(ctx, profiles.person_file(ctx, company or None))


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="查阅事由（记入审计）")


@router.post("/people/{username}/profile", response_model=ProfileOut,
             summary="工作人员查阅办事人档案：须填写事由，仅限其办件在本人办理范围内的办事人，"
                     "每次查阅记入审计；个人信息部分隐藏")
def person_profile(username: Annotated[str, Path(max_length=64)], body: ReasonIn,
                   ctx: CtxDep) -> ProfileOut:
    with ctx.work():  # the view is recorded (audit) with the answer that shows it
        out = ProfileOut.of(ctx, profiles.opened_by_staff(ctx, username, body.reason))
    return out


@router.get("/companies", response_model=PageOut[CompanyOut],
            summary="企业档案（一企一档）：本人担任法定代表人的企业；工作人员：本地区登记的企业，"
                    "可按统一社会信用代码或名称查找")
def companies(ctx: CtxDep, paging: PagingDep, q: Annotated[str | None, Query(
        max_length=100, description="统一社会信用代码或名称中的文字")] = None,
        ) -> PageOut[CompanyOut]:
    found = profiles.list_companies(ctx, q, paging.limit, paging.offset)
    return PageOut.of(found, lambda c: CompanyOut.of(ctx, c))


@router.get("/companies/{uscc}", response_model=CompanyFileOut,
            summary="一家企业的档案：证照、办件及其状态、好差评")
def company(uscc: Uscc, ctx: CtxDep) -> CompanyFileOut:
    found = profiles.visible_company(ctx, uscc)
    return CompanyFileOut.of(ctx, profiles.company_file(ctx, found))
