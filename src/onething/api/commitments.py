"""告知承诺 follow-up checks (核查) through HTTP."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from onething.cases.routing import office_name
from onething.catalog.context import Ctx
from onething.commitments import service as commitments
from onething.commitments.models import FollowUpCheck
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
    status: str = Field(description="open 待核查 · kept 承诺属实 · false 承诺不实（已撤销）")
    status_name: str
    due_on: dt.date = Field(description="应于此日（含）前完成核查")
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
                   decided_at=c.decided_at)


class OutcomeIn(BaseModel):
    outcome: Literal["kept", "false"] = Field(description="kept 承诺属实 · false 承诺不实")
    note: str = Field(min_length=1, max_length=4000, description="核查了什么、发现了什么")


@router.get("/checks", response_model=list[CheckOut],
            summary="告知承诺核查任务（审批部门、效能监察）")
def list_checks(
    ctx: CtxDep,
    status: Annotated[Literal["open", "kept", "false"] | None, Query()] = None,
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
