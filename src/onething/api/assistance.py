"""帮代办 requests and 办不成事 reports through HTTP: asked by a person (or a proxy for them),
taken up, followed up and finished by the window of the region."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from onething.assistance import rules
from onething.assistance import service as assistance
from onething.assistance.models import HelpRequest
from onething.cases.routing import window_name
from onething.catalog.context import Ctx
from onething.http.deps import CtxDep
from onething.http.problems import ProblemOut
from onething.http.schemas import Id

router = APIRouter(prefix="/api/v1", tags=["assistance"], responses={
    401: {"model": ProblemOut}, 403: {"model": ProblemOut}, 404: {"model": ProblemOut},
    409: {"model": ProblemOut}, 422: {"model": ProblemOut}})


class HelpIn(BaseModel):
    region: str = Field(pattern=r"^\d{6,12}$", description="需要帮办的地区（行政区划代码）")
    mode: Literal["home_visit", "remote"] = Field(description="home_visit 上门帮办 · "
                                                             "remote 远程帮办（电话、视频）")
    reason: Literal["elderly", "disabled", "other"] = Field(
        description="elderly 老年人 · disabled 残疾人 · other 其他办事困难")
    need: str = Field(min_length=1, max_length=500, description="想办什么事")
    contact_name: str = Field(min_length=1, max_length=50)
    phone: str = Field(max_length=20)
    address: str | None = Field(default=None, max_length=200, description="上门地址")
    bundle: str | None = Field(default=None, max_length=64, description="想办的一件事（可选）")


class StuckIn(BaseModel):
    application_number: str = Field(min_length=1, max_length=32,
                                    description="办不成的办件的编号（须是本人的办件）")
    problem: str = Field(min_length=1, max_length=500, description="遇到了什么问题")
    contact_name: str = Field(min_length=1, max_length=50)
    phone: str = Field(max_length=20)


class FollowUpIn(BaseModel):
    note: str = Field(min_length=1, max_length=1000, description="跟踪情况：做了什么、结果如何")


class FollowUpOut(BaseModel):
    at: dt.datetime
    by: str = Field(description="登记的工作人员；“系统”为办件自身的进展")
    note: str


class FinishIn(BaseModel):
    outcome: str = Field(min_length=1, max_length=2000, description="帮办了什么、结果如何")
    application_number: str | None = Field(default=None, max_length=32,
                                           description="代为提交的办件编号（如有）")


class HelpOut(BaseModel):
    id: int
    kind: str = Field(description="help 帮代办 · stuck 办不成事反映")
    kind_name: str
    region: str
    window: str = Field(description="负责接单的窗口")
    mode: str
    mode_name: str
    reason: str
    need: str
    bundle: str | None
    contact_name: str
    phone: str = Field(description="对申请人本人完整显示，对工作人员列表中部分隐藏")
    address: str | None
    status: str = Field(description="requested 待接单 · taken 帮办中 · done 已办结 · "
                                    "cancelled 已撤销")
    status_name: str
    due_on: dt.date = Field(description="应于此日（含）前接单")
    overdue: bool
    outcome: str | None
    application_number: str | None = Field(description=(
        "办不成事：反映的办件；帮代办：代为提交的办件（如有）"))
    follow_ups: list[FollowUpOut] = Field(description="跟踪记录，按时间先后")
    created_at: dt.datetime
    actions: list[str] = Field(description="您现在可以采取的动作：take 接单 · follow_up 登记"
                                           "跟踪情况 · finish 办结 · cancel 撤销")

    @classmethod
    def of(cls, ctx: Ctx, r: HelpRequest) -> HelpOut:
        phone, address = assistance.contact(ctx.actor, r)
        return cls(
            id=r.id, kind=r.kind.value, kind_name=rules.KIND_NAMES[r.kind],
            region=r.region_code, window=window_name(ctx.catalog, r.region_code),
            mode=r.mode.value, mode_name=rules.MODE_NAMES[r.mode], reason=r.reason.value,
            need=r.need, bundle=r.bundle_code, contact_name=r.contact_name,
            phone=phone, address=address,
            status=r.status.value, status_name=rules.STATUS_NAMES[r.status],
            due_on=r.due_on, overdue=assistance.overdue(r, ctx.today), outcome=r.outcome,
            application_number=r.application_number, created_at=r.created_at,
            follow_ups=[FollowUpOut(at=dt.datetime.fromisoformat(f["at"]), by=f["by"],
                                    note=f["note"]) for f in r.follow_ups],
            actions=rules.actions(ctx.actor, r.status, r.requester_id, r.helper_id))


@router.post("/help-requests", response_model=HelpOut, status_code=201,
             summary="申请帮代办（上门或远程帮办）")
def request_help(body: HelpIn, ctx: CtxDep) -> HelpOut:
    with ctx.work():
        req = assistance.request_help(ctx, assistance.HelpInput(**body.model_dump()))
    return HelpOut.of(ctx, req)


@router.post("/stuck-cases", response_model=HelpOut, status_code=201,
             summary="反映办不成的事（办不成事窗口跟踪办理）")
def report_stuck(body: StuckIn, ctx: CtxDep) -> HelpOut:
    with ctx.work():
        req = assistance.report_stuck(ctx, assistance.StuckInput(**body.model_dump()))
    return HelpOut.of(ctx, req)


@router.get("/help-requests", response_model=list[HelpOut],
            summary="帮代办请求和办不成事反映（本人的；窗口、效能监察：本地区的）")
def list_requests(ctx: CtxDep, status: Annotated[
        Literal["open", "requested", "taken", "done", "cancelled"] | None, Query()] = None,
        kind: Annotated[Literal["help", "stuck"] | None, Query()] = None,
        ) -> list[HelpOut]:
    return [HelpOut.of(ctx, r)
            for r in ctx.session.scalars(assistance.listing(ctx, status, kind=kind))]


@router.get("/help-requests/{request_id}", response_model=HelpOut, summary="一条帮代办请求")
def one(request_id: Id, ctx: CtxDep) -> HelpOut:
    return HelpOut.of(ctx, assistance.get(ctx, request_id))


@router.post("/help-requests/{request_id}/taking", response_model=HelpOut,
             summary="窗口接单")
def take(request_id: Id, ctx: CtxDep) -> HelpOut:
    with ctx.work():
        req = assistance.take(ctx, request_id)
    return HelpOut.of(ctx, req)


@router.post("/help-requests/{request_id}/follow-ups", response_model=HelpOut,
             summary="登记跟踪情况")
def follow_up(request_id: Id, body: FollowUpIn, ctx: CtxDep) -> HelpOut:
    with ctx.work():
        req = assistance.follow_up(ctx, request_id, body.note)
    return HelpOut.of(ctx, req)


@router.post("/help-requests/{request_id}/finishing", response_model=HelpOut,
             summary="登记帮办结果并办结")
def finish(request_id: Id, body: FinishIn, ctx: CtxDep) -> HelpOut:
    with ctx.work():
        req = assistance.finish(ctx, request_id, body.outcome, body.application_number)
    return HelpOut.of(ctx, req)


@router.post("/help-requests/{request_id}/cancellation", response_model=HelpOut,
             summary="撤销自己的帮代办请求")
def cancel(request_id: Id, ctx: CtxDep) -> HelpOut:
    with ctx.work():
        req = assistance.cancel(ctx, request_id)
    return HelpOut.of(ctx, req)
