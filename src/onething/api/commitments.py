"""告知承诺 follow-up checks (核查) through HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from onething.cases.routing import office_name
from onething.catalog.context import Ctx
from onething.commitments import draws
from onething.commitments import service as commitments
from onething.commitments.models import CheckDraw, FollowUpCheck
from onething.commitments.sampling import as_ratio, in_words
from onething.http.deps import CtxDep
from onething.http.problems import ProblemOut
from onething.http.schemas import Id
from onething.kernel.db import MAX_INT

router = APIRouter(prefix="/api/v1", tags=["commitments"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    409: {"model": ProblemOut}, 422: {"model": ProblemOut}})


class CheckOut(BaseModel):
    id: int
    application_id: int
    task_id: int
    item: str
    item_name: str
    department: str
    region: str
    office: str
    materials: list[dict[str, Any]] = Field(description="以告知承诺代替的材料")
    status: str = Field(description="open 待核查 · kept 承诺属实 · false 承诺不实（已撤销） · "
                                    "pooled 待抽取 · not_drawn 未抽中")
    status_name: str
    due_on: dt.date | None = Field(description="应于此日（含）前完成核查（待抽取、未抽中的没有）")
    draw_id: int | None = Field(description="抽中或未抽中它的核查抽取")
    overdue: bool
    outcome: str | None
    decided_at: dt.datetime | None

    @classmethod
    def of(cls, ctx: Ctx, c: FollowUpCheck) -> CheckOut:
        return cls(id=c.id, application_id=c.application_id, task_id=c.task_id,
                   item=c.item_code, item_name=c.item_name, department=c.department_code,
                   region=c.region_code,
                   office=office_name(ctx.catalog, c.region_code, c.department_code),
                   materials=c.materials, status=c.status,
                   status_name=commitments.STATUS_NAMES[c.status], due_on=c.due_on,
                   overdue=commitments.overdue(c, ctx.today), outcome=c.outcome,
                   decided_at=c.decided_at, draw_id=c.draw_id)


class OutcomeIn(BaseModel):
    outcome: Literal["kept", "false"] = Field(description="kept 承诺属实 · false 承诺不实")
    note: str = Field(min_length=1, max_length=4000, description="核查了什么、发现了什么")


@router.get("/checks", response_model=list[CheckOut],
            summary="告知承诺核查任务（审批部门、效能监察）")
def list_checks(
    ctx: CtxDep,
    status: Annotated[Literal["open", "kept", "false", "pooled", "not_drawn"] | None,
                      Query()] = None,
    due_before: Annotated[dt.date | None, Query(description="到期日不晚于此日")] = None,
    application: Annotated[int | None, Query(ge=1, le=MAX_INT, description="办件")] = None,
) -> list[CheckOut]:
    found = commitments.checks(ctx, commitments.CheckQuery(status, due_before, application))
    return [CheckOut.of(ctx, c) for c in found]


@router.post("/checks/{check_id}/outcome", response_model=CheckOut,
             summary="登记核查结果；承诺不实的，撤销证照并记入失信记录")
def decide(check_id: Id, body: OutcomeIn, ctx: CtxDep, request: Request) -> CheckOut:
    with ctx.work():
        check = commitments.decide(ctx, check_id, body.outcome, body.note,
                                   credit_years=request.app.state.settings.bad_credit_years)
    return CheckOut.of(ctx, check)


class OfficeIn(BaseModel):
    department: str | None = Field(None, max_length=64,
                                   description="部门；审批人员默认本机关，管理员须指明")
    region: str | None = Field(None, max_length=12, description="行政区划；同上")


class RatioIn(OfficeIn):
    ratio: Decimal = Field(description="核查比例：大于 0、不超过 1，最多四位小数；1 为全部核查")


class RatioOut(BaseModel):
    department: str
    region: str
    office: str
    ratio: float = Field(description="核查比例（0, 1]")
    ratio_name: str
    set_at: dt.datetime | None = Field(description="未设置的为 null（全部核查）")
    pooled: int = Field(description="待抽取的核查数")

    @classmethod
    def of(cls, ctx: Ctx, r: draws.OfficeRatio) -> RatioOut:
        return cls(department=r.office.department, region=r.office.region,
                   office=office_name(ctx.catalog, r.office.region, r.office.department),
                   ratio=float(as_ratio(r.parts)), ratio_name=in_words(r.parts),
                   set_at=r.set_at, pooled=r.pooled)


class DrawOut(BaseModel):
    id: int
    department: str
    region: str
    office: str
    ratio: float
    pooled: int = Field(description="参与抽取的核查数 n")
    picked: int = Field(description="抽中数 k = ⌈比例 × n⌉")
    drawn_at: dt.datetime
    by_platform: bool = Field(description="由平台按月自动抽取")
    record: dict[str, Any] | None = Field(
        None, description="完整抽取记录（docs/DRAW.md），可用 onething draw verify 复核")
    checks: list[CheckOut] | None = None

    @classmethod
    def of(cls, ctx: Ctx, d: CheckDraw, *, whole: bool = False) -> DrawOut:
        return cls(id=d.id, department=d.department_code, region=d.region_code,
                   office=office_name(ctx.catalog, d.region_code, d.department_code),
                   ratio=float(as_ratio(d.parts)), pooled=d.pooled, picked=d.picked,
                   drawn_at=d.drawn_at, by_platform=d.drawn_by_id is None,
                   record=d.record if whole else None,
                   checks=[CheckOut.of(ctx, c) for c in draws.drawn_checks(ctx, d)]
                   if whole else None)


@router.get("/checks/ratios", response_model=list[RatioOut], summary="核查比例")
def list_ratios(ctx: CtxDep) -> list[RatioOut]:
    return [RatioOut.of(ctx, r) for r in draws.ratios(ctx)]


@router.put("/checks/ratios", response_model=RatioOut,
            summary="设置本机关（管理员：指定机关）的核查比例；1 为全部核查")
def set_ratio(body: RatioIn, ctx: CtxDep) -> RatioOut:
    with ctx.work():
        found = draws.set_ratio(ctx, body.ratio, department=body.department,
                                region=body.region)
    return RatioOut.of(ctx, found)


@router.get("/checks/draws", response_model=list[DrawOut], summary="核查抽取记录")
def list_draws(ctx: CtxDep) -> list[DrawOut]:
    return [DrawOut.of(ctx, d) for d in draws.draws(ctx)]


@router.post("/checks/draws", response_model=DrawOut, status_code=201,
             summary="抽取核查对象：按核查比例从待抽取的核查中抽取")
def make_draw(body: OfficeIn, ctx: CtxDep) -> DrawOut:
    with ctx.work():
        made = draws.draw(ctx, department=body.department, region=body.region)
    return DrawOut.of(ctx, made, whole=True)


@router.get("/checks/draws/{draw_id}", response_model=DrawOut,
            summary="一次核查抽取：完整记录与抽中、未抽中的核查")
def one_draw(draw_id: Id, ctx: CtxDep) -> DrawOut:
    return DrawOut.of(ctx, draws.one_draw(ctx, draw_id), whole=True)
